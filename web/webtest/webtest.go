// Package webtest starts a whole dev stack (embedded Temporal, worker, API
// and web) for tests of the pages, and gives them a cookie-keeping browser
// that fills and submits forms the way a person's browser would.
package webtest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ogplocal/ogp/app"
	"github.com/ogplocal/ogp/devserver"
	"gorm.io/gorm"
)

// AdminToken is the bootstrap administrator's API token in test stacks.
const AdminToken = "ogp_webtest_admin_token_0123456789abcdef" //nolint:gosec // a test stack's token

// Password is the password Site.User gives everyone.
const Password = "correct horse battery staple"

// Site is a running stack.
type Site struct {
	T     testing.TB
	Stack *app.Stack
	// Base is the site's root URL, http://127.0.0.1:port.
	Base string
}

// Start runs a stack on SQLite in a temporary folder, or on the
// PostgreSQL database at databaseURL when it is not empty, and stops it
// when the test ends.
func Start(t testing.TB, databaseURL string) *Site {
	t.Helper()
	port, err := devserver.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	level := slog.LevelWarn
	if testing.Verbose() {
		level = slog.LevelInfo
	}
	cfg := app.Config{
		DataDir: t.TempDir(), DatabaseURL: databaseURL, HTTPAddr: "127.0.0.1:0", TemporalPort: port,
		AdminToken: AdminToken, Out: io.Discard,
		Log: slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level})),
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	st, err := app.StartDev(ctx, cfg)
	for retry := 0; err != nil && retry < 3 && strings.Contains(err.Error(), "port not available"); retry++ {
		if cfg.TemporalPort, err = devserver.FreePort(); err != nil {
			t.Fatal(err)
		}
		st, err = app.StartDev(ctx, cfg)
	}
	if err != nil {
		t.Fatalf("start dev stack: %v", err)
	}
	t.Cleanup(func() { st.Stop(context.Background()) })
	return &Site{T: t, Stack: st, Base: "http://" + st.HTTPAddr}
}

// API calls the JSON API with a bearer token and decodes the answer into
// out; it returns the status and fails the test on a status other than
// want (0 accepts any).
func (s *Site) API(token, method, path string, body any, want int, out any) int {
	s.T.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			s.T.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, s.Base+"/api/v1"+path, rd)
	if err != nil {
		s.T.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		s.T.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if want != 0 && res.StatusCode != want {
		s.T.Fatalf("%s %s: status %d, want %d: %s", method, path, res.StatusCode, want, b)
	}
	if out != nil && len(b) > 0 {
		if err := json.Unmarshal(b, out); err != nil {
			s.T.Fatalf("%s %s: decode: %v: %s", method, path, err, b)
		}
	}
	return res.StatusCode
}

// Person is a user of the test site.
type Person struct {
	ID       int64
	Name     string
	Email    string
	Token    string
	Password string
}

// User creates a user through the API (as the administrator) and gives
// them Password.
func (s *Site) User(name, email string, admin bool) Person {
	s.T.Helper()
	var u struct {
		ID    int64  `json:"id"`
		Token string `json:"token"`
	}
	s.API(AdminToken, http.MethodPost, "/users", map[string]any{"name": name, "email": email, "is_admin": admin}, http.StatusCreated, &u)
	if err := s.Stack.DB.SetPassword(context.Background(), u.ID, Password); err != nil {
		s.T.Fatal(err)
	}
	return Person{ID: u.ID, Name: name, Email: email, Token: u.Token, Password: Password}
}

// Browser keeps cookies and follows redirects, like a person's browser.
type Browser struct {
	site   *Site
	t      testing.TB
	client *http.Client
	// Lang is sent as Accept-Language when not empty.
	Lang string
}

// Browser opens a fresh browser with no cookies; its failures are
// reported to the test that started the site (see For).
func (s *Site) Browser() *Browser {
	jar, _ := cookiejar.New(nil)
	return &Browser{site: s, t: s.T, client: &http.Client{Jar: jar, Timeout: time.Minute}}
}

// For returns the same browser (same cookies) reporting to t, for use
// inside a subtest.
func (b *Browser) For(t testing.TB) *Browser {
	cp := *b
	cp.t = t
	return &cp
}

// Page is a fetched page.
type Page struct {
	Status int
	URL    *url.URL
	Body   string
	Header http.Header
}

// Get fetches a page.
func (b *Browser) Get(path string) *Page {
	b.t.Helper()
	req, err := http.NewRequest(http.MethodGet, b.site.Base+path, nil)
	if err != nil {
		b.t.Fatal(err)
	}
	return b.do(req)
}

func (b *Browser) do(req *http.Request) *Page {
	b.t.Helper()
	if b.Lang != "" {
		req.Header.Set("Accept-Language", b.Lang)
	}
	res, err := b.client.Do(req)
	if err != nil {
		b.t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return &Page{Status: res.StatusCode, URL: res.Request.URL, Body: string(body), Header: res.Header}
}

// Post sends a form as is (no CSRF token added), for tests of refusals.
func (b *Browser) Post(path string, fields url.Values) *Page {
	b.t.Helper()
	req, err := http.NewRequest(http.MethodPost, b.site.Base+path, strings.NewReader(fields.Encode()))
	if err != nil {
		b.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return b.do(req)
}

var formRE = regexp.MustCompile(`(?s)<form\b[^>]*\baction="([^"]*)"[^>]*>(.*?)</form>`)
var hiddenRE = regexp.MustCompile(`<input type="hidden" name="([^"]+)" value="([^"]*)"`)

// Submit fills the form of p whose action is action with fields, keeping
// its hidden fields (csrf, idem and the rest), and sends it.
func (b *Browser) Submit(p *Page, action string, fields map[string]string) *Page {
	b.t.Helper()
	for _, m := range formRE.FindAllStringSubmatch(p.Body, -1) {
		if html.UnescapeString(m[1]) != action {
			continue
		}
		v := url.Values{}
		for _, h := range hiddenRE.FindAllStringSubmatch(m[2], -1) {
			v.Set(html.UnescapeString(h[1]), html.UnescapeString(h[2]))
		}
		for k, val := range fields {
			v.Set(k, val)
		}
		return b.Post(action, v)
	}
	b.t.Fatalf("no form with action %q on %s:\n%s", action, p.URL, p.Body)
	return nil
}

// SignIn signs in through the sign-in page.
func (b *Browser) SignIn(p Person) *Page {
	b.t.Helper()
	page := b.Get("/signin")
	out := b.Submit(page, "/signin", map[string]string{"email": p.Email, "password": p.Password})
	if out.Status != http.StatusOK || strings.HasPrefix(out.URL.Path, "/signin") {
		b.t.Fatalf("sign in as %s: status %d at %s", p.Email, out.Status, out.URL)
	}
	return out
}

// MustContain fails the test unless the page holds every text.
func (p *Page) MustContain(t testing.TB, texts ...string) {
	t.Helper()
	for _, s := range texts {
		if !strings.Contains(p.Body, s) {
			t.Fatalf("page %s (status %d) lacks %q:\n%s", p.URL, p.Status, s, p.Body)
		}
	}
}

// String describes the page for failure messages.
func (p *Page) String() string { return fmt.Sprintf("%s (%d)", p.URL, p.Status) }

// Client is the browser's HTTP client, with its cookies, for requests a
// test builds itself.
func (b *Browser) Client() *http.Client { return b.client }

// QueryCounter counts the SQL statements the application runs, through
// GORM callbacks, so tests can prove a page costs a fixed number of
// queries however many rows it shows.
type QueryCounter struct {
	n atomic.Int64
}

// CountQueries starts counting the site's SQL statements.
func (s *Site) CountQueries() *QueryCounter {
	qc := &QueryCounter{}
	count := func(*gorm.DB) { qc.n.Add(1) }
	cb := s.Stack.DB.Gorm.Callback()
	name := fmt.Sprintf("webtest:count:%p", qc)
	for _, err := range []error{
		cb.Query().After("gorm:query").Register(name, count),
		cb.Row().After("gorm:row").Register(name, count),
		cb.Raw().After("gorm:raw").Register(name, count),
		cb.Create().After("gorm:create").Register(name, count),
		cb.Update().After("gorm:update").Register(name, count),
		cb.Delete().After("gorm:delete").Register(name, count),
	} {
		if err != nil {
			s.T.Fatal(err)
		}
	}
	return qc
}

// Since runs f and returns how many statements ran meanwhile.
func (qc *QueryCounter) Since(f func()) int {
	before := qc.n.Load()
	f()
	return int(qc.n.Load() - before)
}
