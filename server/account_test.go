package server

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"

	"github.com/ogplocal/ogp"
	"github.com/ogplocal/ogp/models"
	"github.com/ogplocal/ogp/models/modelstest"
	"github.com/ogplocal/ogp/workflows"
)

// TestAccountOpenAPISchemasMatchGoTypes keeps account.json true to the Go
// types the account handlers decode and encode.
func TestAccountOpenAPISchemasMatchGoTypes(t *testing.T) {
	doc := openapiDoc(t)
	for _, c := range []struct {
		schema  string
		typ     any
		request bool
	}{
		{"APIToken", TokenResponse{}, false},
		{"APITokenList", TokenList{}, false},
		{"CreatedAPIToken", CreatedTokenResponse{}, false},
		{"CreateTokenRequest", createTokenRequest{}, true},
		{"InvitationSent", InvitationResponse{}, false},
		{"PasswordResetRequest", passwordResetRequest{}, true},
		{"PasswordResetAccepted", PasswordResetResponse{}, false},
		{"SetPasswordRequest", setPasswordRequest{}, true},
	} {
		ref := doc.Components.Schemas[c.schema]
		if ref == nil {
			t.Errorf("components.schemas.%s is missing", c.schema)
			continue
		}
		compareSchema(t, c.schema, ref.Value, reflect.TypeOf(c.typ), c.request)
	}
	for _, c := range []struct {
		schema, field string
		min, max      int
	}{
		{"CreateTokenRequest", "name", 1, models.MaxTokenNameLength},
		{"SetPasswordRequest", "password", models.MinPasswordLength, models.MaxPasswordLength},
	} {
		p := doc.Components.Schemas[c.schema].Value.Properties[c.field].Value
		if p.MaxLength == nil || int(*p.MaxLength) != c.max || int(p.MinLength) != c.min {
			t.Errorf("%s.%s length %d..%v, want %d..%d", c.schema, c.field, p.MinLength, p.MaxLength, c.min, c.max)
		}
	}
	if workflows.NotificationAccountLink != models.NotificationAccountLink ||
		workflows.AccountLinkInvitation != models.LinkInvitation || workflows.AccountLinkPasswordReset != models.LinkPasswordReset {
		t.Error("the workflow's account link names differ from the database's")
	}
}

// --- a real store (SQLite), a fake engine, and a log to read

// accountEngine records the account links it is asked to send.
type accountEngine struct {
	Engine
	mu   sync.Mutex
	sent []workflows.AccountLinkInput
	err  error
}

func (e *accountEngine) SendAccountLink(_ context.Context, in workflows.AccountLinkInput) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.err != nil {
		return e.err
	}
	e.sent = append(e.sent, in)
	return nil
}

func (e *accountEngine) links() []workflows.AccountLinkInput {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]workflows.AccountLinkInput(nil), e.sent...)
}

type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

type accountFixture struct {
	t      *testing.T
	db     *models.DB
	srv    *Server
	engine *accountEngine
	log    *syncBuffer
	router routers.Router
	admin  string
	ana    models.User
	anaTok string
	bea    models.User
	beaTok string
}

func newAccountFixture(t *testing.T, logLevel slog.Level) *accountFixture {
	t.Helper()
	ctx := context.Background()
	db := modelstest.SQLite(t)
	f := &accountFixture{t: t, db: db, engine: &accountEngine{}, log: &syncBuffer{}}
	f.srv = New(db, f.engine, slog.New(slog.NewTextHandler(f.log, &slog.HandlerOptions{Level: logLevel})))
	router, err := gorillamux.NewRouter(openapiDoc(t))
	if err != nil {
		t.Fatal(err)
	}
	f.router = router
	user := func(name string, admin bool) (models.User, string) {
		tok, _ := models.NewToken()
		u, err := db.CreateUser(ctx, name, strings.ToLower(name)+"@example.org", admin, tok)
		if err != nil {
			t.Fatal(err)
		}
		return u, tok
	}
	_, f.admin = user("Admin", true)
	f.ana, f.anaTok = user("Ana", false)
	f.bea, f.beaTok = user("Bea", false)
	return f
}

type accountCall struct {
	method, path, token, body string
	host, remote, idem        string
}

// do runs a request through the server, checks that an accepted request
// is one the document allows, and that the answer matches the document.
func (f *accountFixture) do(c accountCall) *httptest.ResponseRecorder {
	f.t.Helper()
	var body io.Reader
	if c.body != "" {
		body = strings.NewReader(c.body)
	}
	req := httptest.NewRequest(c.method, c.path, body)
	if c.body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	if c.host != "" {
		req.Host = c.host
	}
	if c.remote != "" {
		req.RemoteAddr = c.remote
	}
	if c.idem != "" {
		req.Header.Set("Idempotency-Key", c.idem)
	}
	route, params, err := f.router.FindRoute(req)
	if err != nil {
		f.t.Fatalf("%s %s: no operation in openapi.json: %v", c.method, c.path, err)
	}
	in := &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route,
		Options: &openapi3filter.Options{AuthenticationFunc: openapiBearer, MultiError: true}}
	rec := httptest.NewRecorder()
	req.Body = io.NopCloser(strings.NewReader(c.body))
	f.srv.Handler().ServeHTTP(rec, req)
	if rec.Code < 300 {
		req.Body = io.NopCloser(strings.NewReader(c.body))
		if err := openapi3filter.ValidateRequest(context.Background(), in); err != nil {
			f.t.Errorf("%s %s: the request was accepted but does not validate: %v", c.method, c.path, err)
		}
	}
	validateOpenAPIResponse(f.t, c.method+" "+c.path, in, rec)
	return rec
}

func (f *accountFixture) want(rec *httptest.ResponseRecorder, status int, code string) {
	f.t.Helper()
	if rec.Code != status {
		f.t.Fatalf("status %d, want %d: %s", rec.Code, status, rec.Body.String())
	}
	if code != "" {
		var p Problem
		if err := json.Unmarshal(rec.Body.Bytes(), &p); err != nil || p.Code != code {
			f.t.Fatalf("problem %s, want code %s", rec.Body.String(), code)
		}
	}
}

func decodeInto[T any](t *testing.T, rec *httptest.ResponseRecorder) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(rec.Body.Bytes(), &v); err != nil {
		t.Fatalf("decode %s: %v", rec.Body.String(), err)
	}
	return v
}

// token extracts the token of a link URL.
func linkToken(t *testing.T, link string) string {
	t.Helper()
	u, err := url.Parse(link)
	if err != nil {
		t.Fatal(err)
	}
	tok := u.Query().Get("token")
	if !strings.HasPrefix(tok, models.AccountLinkPrefix) {
		t.Fatalf("link %q has no account link token", link)
	}
	return tok
}

// --- API tokens

func TestTokenRoutes(t *testing.T) {
	f := newAccountFixture(t, slog.LevelInfo)
	list := func(token string) []TokenResponse {
		t.Helper()
		rec := f.do(accountCall{method: "GET", path: "/api/v1/me/tokens", token: token})
		f.want(rec, 200, "")
		if strings.Contains(rec.Body.String(), `"token"`) {
			t.Errorf("the list shows token values: %s", rec.Body.String())
		}
		return decodeInto[TokenList](t, rec).Items
	}
	if got := list(f.anaTok); len(got) != 1 || got[0].Name != "initial" || got[0].LastUsedAt == nil {
		t.Fatalf("ana's tokens %+v: want the initial one, just used", got)
	}

	for _, c := range []struct {
		name, token, body string
		status            int
		code              string
	}{
		{"no token", "", `{"name":"CI"}`, 401, "unauthorized"},
		{"blank name", f.anaTok, `{"name":"   "}`, 422, "invalid_token_name"},
		{"long name", f.anaTok, `{"name":"` + strings.Repeat("n", models.MaxTokenNameLength+1) + `"}`, 422, "invalid_token_name"},
		{"unknown field", f.anaTok, `{"nom":"CI"}`, 400, "unknown_field"},
		{"no body", f.anaTok, ``, 400, "empty_body"},
	} {
		t.Run(c.name, func(_ *testing.T) {
			f.want(f.do(accountCall{method: "POST", path: "/api/v1/me/tokens", token: c.token, body: c.body}), c.status, c.code)
		})
	}

	rec := f.do(accountCall{method: "POST", path: "/api/v1/me/tokens", token: f.anaTok, body: `{"name":" CI pipeline "}`})
	f.want(rec, 201, "")
	ci := decodeInto[CreatedTokenResponse](t, rec)
	if ci.Name != "CI pipeline" || !strings.HasPrefix(ci.Token, models.TokenPrefix) || ci.LastUsedAt != nil {
		t.Fatalf("created %+v", ci)
	}
	f.want(f.do(accountCall{method: "GET", path: "/api/v1/me", token: ci.Token}), 200, "")
	if got := list(f.anaTok); len(got) != 2 || got[0].ID != ci.ID {
		t.Fatalf("ana's tokens %+v: want the new one first", got)
	}
	beaTokens := list(f.beaTok)

	for _, c := range []struct {
		name, path, token string
		status            int
		code              string
	}{
		{"someone else's token", "/api/v1/me/tokens/" + strconv.FormatInt(beaTokens[0].ID, 10), f.anaTok, 404, "unknown_token"},
		{"unknown token", "/api/v1/me/tokens/9999", f.anaTok, 404, "unknown_token"},
		{"no token", "/api/v1/me/tokens/" + strconv.FormatInt(ci.ID, 10), "", 401, "unauthorized"},
	} {
		t.Run(c.name, func(_ *testing.T) {
			f.want(f.do(accountCall{method: "DELETE", path: c.path, token: c.token}), c.status, c.code)
		})
	}
	f.want(f.do(accountCall{method: "GET", path: "/api/v1/me", token: f.beaTok}), 200, "")

	// A token may revoke itself; the answer still arrives, then it is dead.
	own := "/api/v1/me/tokens/" + strconv.FormatInt(ci.ID, 10)
	f.want(f.do(accountCall{method: "DELETE", path: own, token: ci.Token}), 204, "")
	f.want(f.do(accountCall{method: "GET", path: "/api/v1/me", token: ci.Token}), 401, "invalid_token")
	f.want(f.do(accountCall{method: "DELETE", path: own, token: f.anaTok}), 204, "")
	if got := list(f.anaTok); len(got) != 1 {
		t.Fatalf("ana's tokens after revoking %+v", got)
	}

	// At most maxTokensPerUser tokens at once.
	for i := len(list(f.anaTok)); i < maxTokensPerUser; i++ {
		f.want(f.do(accountCall{method: "POST", path: "/api/v1/me/tokens", token: f.anaTok, body: `{"name":"t` + strconv.Itoa(i) + `"}`}), 201, "")
	}
	f.want(f.do(accountCall{method: "POST", path: "/api/v1/me/tokens", token: f.anaTok, body: `{"name":"one more"}`}), 422, "too_many_tokens")
}

// --- invitations

func TestInvitation(t *testing.T) {
	f := newAccountFixture(t, slog.LevelDebug)
	f.srv.SetAccountOptions(AccountOptions{PublicURL: "https://ogp.example.org/", EmailConfigured: true})
	invite := "/api/v1/users/" + strconv.FormatInt(f.ana.ID, 10) + "/invitation"

	for _, c := range []struct {
		name, path, token string
		status            int
		code              string
	}{
		{"not an administrator", invite, f.beaTok, 403, "admin_only"},
		{"no token", invite, "", 401, "unauthorized"},
		{"unknown user", "/api/v1/users/9999/invitation", f.admin, 404, "unknown_user"},
		{"malformed id", "/api/v1/users/x/invitation", f.admin, 404, "unknown_user"},
	} {
		t.Run(c.name, func(_ *testing.T) {
			f.want(f.do(accountCall{method: "POST", path: c.path, token: c.token}), c.status, c.code)
		})
	}
	if n := len(f.engine.links()); n != 0 {
		t.Fatalf("%d links sent by refused requests", n)
	}

	before := time.Now()
	rec := f.do(accountCall{method: "POST", path: invite, token: f.admin, idem: "invite-ana"})
	f.want(rec, 202, "")
	got := decodeInto[InvitationResponse](t, rec)
	expires, err := time.Parse(time.RFC3339Nano, got.ExpiresAt)
	if err != nil || got.UserID != f.ana.ID || got.Email != "ana@example.org" ||
		expires.Before(before.Add(InvitationTTL-time.Minute)) || expires.After(time.Now().Add(InvitationTTL)) {
		t.Fatalf("invitation %+v, want ana's expiring in 7 days", got)
	}
	sent := f.engine.links()
	if len(sent) != 1 {
		t.Fatalf("%d links sent, want 1", len(sent))
	}
	in := sent[0]
	if in.UserID != f.ana.ID || in.Purpose != workflows.AccountLinkInvitation || in.LinkID == 0 || !in.ExpiresAt.Equal(expires) ||
		!strings.HasPrefix(in.URL, "https://ogp.example.org/account/password?token=ogpl_") {
		t.Fatalf("sent %+v", in)
	}
	// The same request again (Idempotency-Key) is answered, not repeated.
	again := f.do(accountCall{method: "POST", path: invite, token: f.admin, idem: "invite-ana"})
	f.want(again, 202, "")
	if again.Body.String() != rec.Body.String() || len(f.engine.links()) != 1 {
		t.Errorf("a retried invitation was sent again: %s, %d links", again.Body.String(), len(f.engine.links()))
	}
	// With SMTP the link is never logged.
	tok := linkToken(t, in.URL)
	if logs := f.log.String(); strings.Contains(logs, tok) || !strings.Contains(logs, "account link sent") {
		t.Errorf("log with SMTP configured:\n%s", logs)
	}

	// The link sets the password once.
	f.want(f.do(accountCall{method: "POST", path: "/api/v1/account/password",
		body: `{"token":"` + tok + `","password":"a long and memorable passphrase"}`}), 204, "")
	if _, err := f.db.Authenticate(context.Background(), "ana@example.org", "a long and memorable passphrase"); err != nil {
		t.Errorf("sign-in with the invited password: %v", err)
	}

	// A new invitation replaces the previous unused one.
	f.want(f.do(accountCall{method: "POST", path: invite, token: f.admin}), 202, "")
	f.want(f.do(accountCall{method: "POST", path: invite, token: f.admin}), 202, "")
	sent = f.engine.links()
	if len(sent) != 3 {
		t.Fatalf("%d links sent, want 3", len(sent))
	}
	if _, _, err := f.db.AccountLinkUser(context.Background(), linkToken(t, sent[1].URL)); !errors.Is(err, models.ErrNotFound) {
		t.Errorf("the replaced invitation still works: %v", err)
	}

	// An engine that cannot start the workflow is a 503 to retry.
	f.engine.err = &engineFailure{errors.New("connection refused")}
	f.want(f.do(accountCall{method: "POST", path: invite, token: f.admin}), 503, "engine_unavailable")
}

// Where the link points, and what the log says, by configuration.
func TestAccountLinkBaseAndLog(t *testing.T) {
	const noSMTP = "no SMTP configured; account link for ana@example.org: "
	for _, c := range []struct {
		name     string
		opts     *AccountOptions
		level    slog.Level
		host     string
		status   int
		base     string
		logsLink bool
		warns    bool
	}{
		{"public URL wins over the Host header", &AccountOptions{PublicURL: "https://plans.example.org"}, slog.LevelInfo,
			"evil.example.com", 202, "https://plans.example.org", true, true},
		{"no SMTP: logged at WARN", &AccountOptions{PublicURL: "https://plans.example.org", EmailConfigured: false}, slog.LevelWarn,
			"", 202, "https://plans.example.org", true, true},
		{"SMTP: not logged", &AccountOptions{PublicURL: "https://plans.example.org", EmailConfigured: true}, slog.LevelDebug,
			"", 202, "https://plans.example.org", false, false},
		{"not configured, localhost: the request's host", nil, slog.LevelInfo,
			"localhost:8080", 202, "http://localhost:8080", false, false},
		{"not configured: logged at DEBUG only", nil, slog.LevelDebug,
			"127.0.0.1:8080", 202, "http://127.0.0.1:8080", true, false},
		{"not configured, IPv6 loopback", nil, slog.LevelInfo,
			"[::1]:8080", 202, "http://[::1]:8080", false, false},
		{"not configured, another host: refused", nil, slog.LevelInfo,
			"evil.example.com", 503, "", false, false},
	} {
		t.Run(c.name, func(_ *testing.T) {
			f := newAccountFixture(t, c.level)
			if c.opts != nil {
				f.srv.SetAccountOptions(*c.opts)
			}
			rec := f.do(accountCall{method: "POST", path: "/api/v1/users/" + strconv.FormatInt(f.ana.ID, 10) + "/invitation",
				token: f.admin, host: c.host})
			if rec.Code != c.status {
				t.Fatalf("status %d, want %d: %s", rec.Code, c.status, rec.Body.String())
			}
			if c.status != 202 {
				if n := len(f.engine.links()); n != 0 {
					t.Errorf("%d links sent", n)
				}
				return
			}
			in := f.engine.links()[0]
			if !strings.HasPrefix(in.URL, c.base+AccountLinkPath+"?token=ogpl_") {
				t.Errorf("link %q, want it under %s", in.URL, c.base)
			}
			logs := f.log.String()
			if got := strings.Contains(logs, noSMTP+in.URL) || strings.Contains(logs, "account link for ana@example.org: "+in.URL); got != c.logsLink {
				t.Errorf("link logged = %v, want %v:\n%s", got, c.logsLink, logs)
			}
			if got := strings.Contains(logs, "level=WARN msg=\""+noSMTP+in.URL); got != c.warns {
				t.Errorf("WARN with the link = %v, want %v:\n%s", got, c.warns, logs)
			}
		})
	}
}

// --- password resets

func TestPasswordReset(t *testing.T) {
	f := newAccountFixture(t, slog.LevelInfo)
	f.srv.SetAccountOptions(AccountOptions{PublicURL: "https://ogp.example.org", EmailConfigured: true})
	reset := func(email, remote string) *httptest.ResponseRecorder {
		t.Helper()
		rec := f.do(accountCall{method: "POST", path: "/api/v1/password-reset", body: `{"email":"` + email + `"}`, remote: remote})
		f.srv.account.background.Wait()
		return rec
	}

	known := reset("  ANA@example.org", "192.0.2.1:1000")
	f.want(known, 202, "")
	sent := f.engine.links()
	if len(sent) != 1 || sent[0].UserID != f.ana.ID || sent[0].Purpose != workflows.AccountLinkPasswordReset {
		t.Fatalf("sent %+v", sent)
	}
	if left := time.Until(sent[0].ExpiresAt); left < 59*time.Minute || left > time.Hour {
		t.Errorf("the reset link expires in %v, want an hour", left)
	}
	// An unknown address gets the very same answer, and nothing is sent.
	unknown := reset("nobody@example.org", "192.0.2.1:1000")
	f.want(unknown, 202, "")
	if unknown.Body.String() != known.Body.String() {
		t.Errorf("answers differ: %s vs %s", known.Body.String(), unknown.Body.String())
	}
	if len(f.engine.links()) != 1 {
		t.Errorf("a link was sent for an unknown address")
	}
	for _, c := range []struct {
		name, body string
		status     int
		code       string
	}{
		{"malformed address", `{"email":"not an address"}`, 422, "invalid_email"},
		{"no address", `{}`, 422, "invalid_email"},
		{"unknown field", `{"mail":"ana@example.org"}`, 400, "unknown_field"},
	} {
		t.Run(c.name, func(_ *testing.T) {
			f.want(f.do(accountCall{method: "POST", path: "/api/v1/password-reset", body: c.body, remote: "192.0.2.9:1"}), c.status, c.code)
		})
	}

	// A newer reset link replaces the older one.
	reset("ana@example.org", "192.0.2.2:1000")
	sent = f.engine.links()
	if len(sent) != 2 {
		t.Fatalf("%d links sent, want 2", len(sent))
	}
	first, second := linkToken(t, sent[0].URL), linkToken(t, sent[1].URL)
	if _, _, err := f.db.AccountLinkUser(context.Background(), first); !errors.Is(err, models.ErrNotFound) {
		t.Errorf("the first reset link still works: %v", err)
	}
	// At most passwordResetsPerEmail e-mails an hour to one address,
	// whoever asks; the answer does not change.
	for i := 0; i < 3; i++ {
		f.want(reset("ana@example.org", "192.0.2."+strconv.Itoa(10+i)+":1000"), 202, "")
	}
	if n := len(f.engine.links()); n != passwordResetsPerEmail {
		t.Errorf("%d reset links sent to one address, want at most %d", n, passwordResetsPerEmail)
	}
	if _, _, err := f.db.AccountLinkUser(context.Background(), second); !errors.Is(err, models.ErrNotFound) {
		t.Errorf("the second link still works after a third: %v", err)
	}

	// At most PasswordResetBurst requests an hour from one client address.
	for i := 0; i < PasswordResetBurst; i++ {
		f.want(reset("someone"+strconv.Itoa(i)+"@example.org", "198.51.100.7:4000"), 202, "")
	}
	limited := reset("someone@example.org", "198.51.100.7:4001")
	f.want(limited, 429, "rate_limited")
	if secs, err := strconv.Atoi(limited.Header().Get("Retry-After")); err != nil || secs < 1 || secs > int(PasswordResetWindow.Seconds()) {
		t.Errorf("Retry-After %q", limited.Header().Get("Retry-After"))
	}
	f.want(reset("someone@example.org", "198.51.100.8:4000"), 202, "")

	// A reset request that fails after its answer is logged, not shown.
	f.engine.err = &engineFailure{errors.New("connection refused")}
	f.want(reset("bea@example.org", "192.0.2.50:1"), 202, "")
	if !strings.Contains(f.log.String(), "password reset not sent") {
		t.Errorf("the failed reset is not logged:\n%s", f.log.String())
	}
}

func TestSetPasswordWithLink(t *testing.T) {
	f := newAccountFixture(t, slog.LevelInfo)
	ctx := context.Background()
	link, err := f.db.CreateAccountLink(ctx, f.bea.ID, models.LinkPasswordReset, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	session, err := f.db.CreateSession(ctx, f.bea.ID, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	const pw = "correct horse battery staple"
	body := func(token, password string) string {
		b, _ := json.Marshal(setPasswordRequest{Token: token, Password: password})
		return string(b)
	}
	for _, c := range []struct {
		name, body string
		status     int
		code       string
	}{
		{"no token", body("", pw), 400, "missing_field"},
		{"unknown token", body("ogpl_unknown", pw), 404, "invalid_link"},
		{"weak password", body(link, "short"), 422, "weak_password"},
		{"unknown field", `{"token":"` + link + `","password":"` + pw + `","email":"x"}`, 400, "unknown_field"},
		{"the link", body(link, pw), 204, ""},
		{"the link again", body(link, pw+" again"), 404, "invalid_link"},
	} {
		t.Run(c.name, func(_ *testing.T) {
			f.want(f.do(accountCall{method: "POST", path: "/api/v1/account/password", body: c.body}), c.status, c.code)
		})
	}
	if _, err := f.db.Authenticate(ctx, "bea@example.org", pw); err != nil {
		t.Errorf("sign-in with the new password: %v", err)
	}
	if _, err := f.db.SessionUser(ctx, session, time.Hour); !errors.Is(err, models.ErrNotFound) {
		t.Errorf("the old session survived the new password: %v", err)
	}

	// An expired link.
	expired, err := f.db.CreateAccountLink(ctx, f.bea.ID, models.LinkPasswordReset, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	later := time.Now().Add(time.Hour + time.Minute).UTC().Truncate(time.Microsecond)
	f.db.Gorm.NowFunc = func() time.Time { return later }
	f.want(f.do(accountCall{method: "POST", path: "/api/v1/account/password", body: body(expired, pw+" later")}), 404, "invalid_link")
}

// --- the Temporal engine

// startRecorder is a Temporal client that records workflow starts.
type startRecorder struct {
	client.Client
	opts client.StartWorkflowOptions
	name any
	args []any
	err  error
}

func (r *startRecorder) ExecuteWorkflow(_ context.Context, o client.StartWorkflowOptions, wf any, args ...any) (client.WorkflowRun, error) {
	r.opts, r.name, r.args = o, wf, args
	return nil, r.err
}

func TestTemporalEngineSendAccountLink(t *testing.T) {
	in := workflows.AccountLinkInput{LinkID: 12, UserID: 3, Purpose: workflows.AccountLinkInvitation, URL: "https://x/account/password?token=ogpl_a"}
	for _, c := range []struct {
		name string
		err  error
		kind string
	}{
		{"started", nil, ""},
		{"already started for this link: nothing twice", serviceerror.NewWorkflowExecutionAlreadyStarted("started", "", ""), ""},
		{"timeout", context.DeadlineExceeded, ogp.EUnavailable},
		{"down", errors.New("connection refused"), ogp.EUnavailable},
	} {
		t.Run(c.name, func(_ *testing.T) {
			r := &startRecorder{err: c.err}
			eng := &TemporalEngine{Client: r, TaskQueue: "q"}
			err := eng.SendAccountLink(context.Background(), in)
			if c.kind == "" && err != nil {
				t.Fatalf("SendAccountLink = %v", err)
			}
			if c.kind != "" && toDomain(err).Kind != c.kind {
				t.Fatalf("SendAccountLink = %v, want kind %s", err, c.kind)
			}
			if r.opts.ID != "account-link-12" || r.opts.TaskQueue != "q" || r.name != workflows.WorkflowAccountLink ||
				r.opts.WorkflowIDReusePolicy != enumspb.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE ||
				r.opts.WorkflowIDConflictPolicy != enumspb.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING ||
				len(r.args) != 1 || r.args[0] != in {
				t.Errorf("started %+v %v %+v", r.opts, r.name, r.args)
			}
		})
	}
}

// The public account routes and the token routes are in the document
// with the security they really have (TestOpenAPISecurity checks every
// route; this names the account ones so a change here is noticed).
func TestAccountRoutesSecurity(t *testing.T) {
	doc := openapiDoc(t)
	ops := openapiOperations(doc)
	for key, public := range map[string]bool{
		"GET /api/v1/me/tokens":                   false,
		"POST /api/v1/me/tokens":                  false,
		"DELETE /api/v1/me/tokens/{token_id}":     false,
		"POST /api/v1/users/{user_id}/invitation": false,
		"POST /api/v1/password-reset":             true,
		"POST /api/v1/account/password":           true,
	} {
		op := ops[key]
		if op == nil || op.Security == nil {
			t.Errorf("%s is not documented with its security", key)
			continue
		}
		if got := len(*op.Security) == 0; got != public {
			t.Errorf("%s public = %v, want %v", key, got, public)
		}
	}
}
