package server

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"

	"github.com/ogplocal/ogp/models"
	"github.com/ogplocal/ogp/models/modelstest"
)

// TestUsersOpenAPISchemasMatchGoTypes keeps users.json and stepcheck.json
// true to the Go types the handlers encode.
func TestUsersOpenAPISchemasMatchGoTypes(t *testing.T) {
	doc := openapiDoc(t)
	for _, c := range []struct {
		schema string
		typ    any
	}{
		{"UserListItem", UserListItem{}},
		{"UserPage", Page[UserListItem]{}},
		{"StepCheck", StepCheckResponse{}},
	} {
		ref := doc.Components.Schemas[c.schema]
		if ref == nil {
			t.Errorf("components.schemas.%s is missing", c.schema)
			continue
		}
		compareSchema(t, c.schema, ref.Value, reflect.TypeOf(c.typ), false)
	}
	q := doc.Paths.Find("/api/v1/users").Get.Parameters.GetByInAndName("query", "q")
	if q == nil || q.Schema.Value.MaxLength == nil || int(*q.Schema.Value.MaxLength) != MaxUserQueryLen {
		t.Errorf("GET /users: q's maxLength is not %d", MaxUserQueryLen)
	}
	if doc.Paths.Find("/api/v1/users").Post == nil {
		t.Error("POST /users was lost when users.json added GET /users")
	}
}

// A fragment may add operations to a path of another document, but never
// replace one, and never anything else of the path.
func TestMergeOpenAPIAddsOperationsToAPath(t *testing.T) {
	base := []byte(`{"openapi":"3.0.3","paths":{"/a":{"post":{"operationId":"p"}}}}`)
	merged, err := mergeOpenAPI(base, fstest.MapFS{"openapi/x.json": {Data: []byte(`{"paths":{"/a":{"get":{"operationId":"g"}}}}`)}})
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Paths map[string]map[string]struct {
			OperationID string `json:"operationId"`
		} `json:"paths"`
	}
	if err := json.Unmarshal(merged, &doc); err != nil || doc.Paths["/a"]["get"].OperationID != "g" || doc.Paths["/a"]["post"].OperationID != "p" {
		t.Errorf("merged %s (%v)", merged, err)
	}
	one := func(frag string) fstest.MapFS { return fstest.MapFS{"openapi/x.json": {Data: []byte(frag)}} }
	for name, fs := range map[string]fstest.MapFS{
		"operation twice":    one(`{"paths":{"/a":{"post":{"operationId":"q"}}}}`),
		"path parameters":    one(`{"paths":{"/a":{"parameters":[],"get":{}}}}`),
		"path with nothing":  one(`{"paths":{"/a":{}}}`),
		"path not an object": one(`{"paths":{"/a":[]}}`),
		"two fragments' operation": {"openapi/x.json": {Data: []byte(`{"paths":{"/b":{"get":{}}}}`)},
			"openapi/y.json": {Data: []byte(`{"paths":{"/b":{"get":{}}}}`)}},
	} {
		if _, err := mergeOpenAPI(base, fs); err == nil {
			t.Errorf("%s: merged without error", name)
		}
	}
}

// --- a real store (SQLite), an engine of the test's choice, and every
// answer validated against the document

type apiHarness struct {
	t      *testing.T
	db     *models.DB
	srv    *Server
	router routers.Router
}

func newAPIHarness(t *testing.T, engine Engine) *apiHarness {
	t.Helper()
	db := modelstest.SQLite(t)
	router, err := gorillamux.NewRouter(openapiDoc(t))
	if err != nil {
		t.Fatal(err)
	}
	return &apiHarness{t: t, db: db, srv: New(db, engine, slog.New(slog.NewTextHandler(io.Discard, nil))), router: router}
}

// user creates a user and answers it with its API token.
func (h *apiHarness) user(name, email string, admin bool) (models.User, string) {
	h.t.Helper()
	tok, _ := models.NewToken()
	u, err := h.db.CreateUser(context.Background(), name, email, admin, tok)
	if err != nil {
		h.t.Fatal(err)
	}
	return u, tok
}

// do runs a request through the server, checks that an accepted request
// is one the document allows and that the answer matches the document,
// and decodes a JSON answer into out (when not nil).
func (h *apiHarness) do(method, path, token, body string, want int, out any) *httptest.ResponseRecorder {
	h.t.Helper()
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	route, params, err := h.router.FindRoute(req)
	if err != nil {
		h.t.Fatalf("%s %s: no operation in openapi.json: %v", method, path, err)
	}
	in := &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route,
		Options: &openapi3filter.Options{AuthenticationFunc: openapiBearer, MultiError: true}}
	rec := httptest.NewRecorder()
	h.srv.Handler().ServeHTTP(rec, req)
	name := fmt.Sprintf("%s %s", method, path)
	if rec.Code < 300 {
		req.Body = io.NopCloser(strings.NewReader(body))
		if err := openapi3filter.ValidateRequest(context.Background(), in); err != nil {
			h.t.Errorf("%s: the request was accepted but does not validate: %v", name, err)
		}
	}
	validateOpenAPIResponse(h.t, name, in, rec)
	if rec.Code != want {
		h.t.Fatalf("%s: status %d, want %d: %s", name, rec.Code, want, rec.Body.String())
	}
	if out != nil {
		if err := json.Unmarshal(rec.Body.Bytes(), out); err != nil {
			h.t.Fatalf("%s: decode %s: %v", name, rec.Body.String(), err)
		}
	}
	return rec
}

// problemCode is the code of a problem+json answer.
func problemCode(t *testing.T, rec *httptest.ResponseRecorder) string {
	t.Helper()
	var p Problem
	if err := json.Unmarshal(rec.Body.Bytes(), &p); err != nil {
		t.Fatalf("not a problem: %s", rec.Body.String())
	}
	return p.Code
}

func TestListUsersRoute(t *testing.T) {
	h := newAPIHarness(t, nil)
	_, admin := h.user("Grace Whitfield", "grace@riverton.example", true)
	ana, anaTok := h.user("ana Lucía Ferreira", "ana.ferreira@riverton.example", false)
	h.user("Daniel Okafor", "daniel.okafor@riverton.example", false)
	h.user("Marta Ríos", "marta.rios@civiclab.example", false)
	h.user("Priya Raman", "priya@code.example", false)

	names := func(p Page[UserListItem]) string {
		var out []string
		for _, u := range p.Items {
			out = append(out, u.Name)
		}
		return strings.Join(out, ", ")
	}

	t.Run("administrators list, search and page through everyone", func(t *testing.T) {
		var all Page[UserListItem]
		h.do("GET", "/api/v1/users", admin, "", 200, &all)
		if got := names(all); got != "ana Lucía Ferreira, Daniel Okafor, Grace Whitfield, Marta Ríos, Priya Raman" || all.Total != 5 || all.Page != 1 || all.PerPage != 50 {
			t.Fatalf("everyone: %s (%+v)", got, all)
		}
		first := all.Items[0]
		if first.ID != ana.ID || first.Email == nil || *first.Email != "ana.ferreira@riverton.example" || first.IsAdmin == nil || *first.IsAdmin {
			t.Errorf("an administrator sees %+v", first)
		}
		var page Page[UserListItem]
		h.do("GET", "/api/v1/users?q=RIVERTON&page=2&per_page=2", admin, "", 200, &page)
		if got := names(page); got != "Grace Whitfield" || page.Total != 3 || page.Page != 2 || page.PerPage != 2 {
			t.Errorf("?q=RIVERTON page 2 of 2: %s (%+v)", got, page)
		}
		h.do("GET", "/api/v1/users?q=%C3%ADos", admin, "", 200, &page) // "íos"
		if got := names(page); got != "Marta Ríos" {
			t.Errorf("?q=íos: %s", got)
		}
		h.do("GET", "/api/v1/users?email=PRIYA@code.example", admin, "", 200, &page)
		if got := names(page); got != "Priya Raman" || *page.Items[0].Email != "priya@code.example" {
			t.Errorf("?email=: %s", got)
		}
		long := url.QueryEscape(strings.Repeat("a", MaxUserQueryLen+1))
		if rec := h.do("GET", "/api/v1/users?q="+long, admin, "", 400, nil); problemCode(t, rec) != "invalid_query" {
			t.Errorf("a long q: %s", rec.Body.String())
		}
		h.do("GET", "/api/v1/users?per_page=500", admin, "", 400, nil)
		// Administrators are not limited.
		for range UserLookupBurst + 1 {
			h.do("GET", "/api/v1/users?email=ana.ferreira@riverton.example", admin, "", 200, nil)
		}
	})

	t.Run("anyone else looks up one address, and learns the id and name only", func(t *testing.T) {
		_, tok := h.user("Tomás Herrera", "tomas@riverton.example", false)
		rec := h.do("GET", "/api/v1/users?email="+url.QueryEscape(" Ana.Ferreira@Riverton.example "), tok, "", 200, nil)
		if got := rec.Body.String(); got != fmt.Sprintf(`{"items":[{"id":%d,"name":"ana Lucía Ferreira"}],"total":1,"page":1,"per_page":50}`+"\n", ana.ID) {
			t.Errorf("a look-up answered %s", got)
		}
		var none Page[UserListItem]
		h.do("GET", "/api/v1/users?email=nobody@riverton.example", tok, "", 200, &none)
		if len(none.Items) != 0 || none.Total != 0 {
			t.Errorf("an unknown address: %+v", none)
		}
		for _, q := range []string{"", "?q=ana", "?email=ana.ferreira@riverton.example&page=1", "?email=a@b.example&email=c@d.example",
			"?email=ana.ferreira@riverton.example&q=x", "?page=1"} {
			if rec := h.do("GET", "/api/v1/users"+q, tok, "", 403, nil); problemCode(t, rec) != "admin_only" {
				t.Errorf("%q: %s", q, rec.Body.String())
			}
		}
		for _, bad := range []string{"", "not-an-address", "Ana <ana.ferreira@riverton.example>"} {
			if rec := h.do("GET", "/api/v1/users?email="+url.QueryEscape(bad), tok, "", 422, nil); problemCode(t, rec) != "invalid_email" {
				t.Errorf("%q: %s", bad, rec.Body.String())
			}
		}
		h.do("GET", "/api/v1/users?email=ana.ferreira@riverton.example", "", "", 401, nil)
		h.do("GET", "/api/v1/users?email=ana.ferreira@riverton.example", "wrong", "", 401, nil)
	})

	t.Run("look-ups are limited per user", func(t *testing.T) {
		now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
		h.srv.now = func() time.Time { return now }
		defer func() { h.srv.now = time.Now }()
		_, tok := h.user("Jorge Mendoza", "jorge@eastside.example", false)
		for range UserLookupBurst {
			h.do("GET", "/api/v1/users?email=ana.ferreira@riverton.example", tok, "", 200, nil)
		}
		rec := h.do("GET", "/api/v1/users?email=ana.ferreira@riverton.example", tok, "", 429, nil)
		if problemCode(t, rec) != "rate_limited" || rec.Header().Get("Retry-After") != "60" {
			t.Errorf("the look-up past the limit: %s (Retry-After %q)", rec.Body.String(), rec.Header().Get("Retry-After"))
		}
		// Another user has their own allowance.
		h.do("GET", "/api/v1/users?email=ana.ferreira@riverton.example", anaTok, "", 200, nil)
		// A minute later one more look-up is allowed; refused queries
		// before it cost nothing.
		now = now.Add(time.Minute)
		h.do("GET", "/api/v1/users?q=x", tok, "", 403, nil)
		h.do("GET", "/api/v1/users?email=nope", tok, "", 422, nil)
		h.do("GET", "/api/v1/users?email=ana.ferreira@riverton.example", tok, "", 200, nil)
		h.do("GET", "/api/v1/users?email=ana.ferreira@riverton.example", tok, "", 429, nil)
	})
}

// A store without the users query answers 500, not a panic.
func TestListUsersWithoutTheQuery(t *testing.T) {
	s := New(&openapiStore{}, &openapiEngine{}, nil)
	req := httptest.NewRequest(http.MethodGet, "/api/v1/users", nil)
	req.Header.Set("Authorization", "Bearer admin-token")
	rec := httptest.NewRecorder()
	s.Handler().ServeHTTP(rec, req)
	if rec.Code != http.StatusInternalServerError {
		t.Errorf("status %d: %s", rec.Code, rec.Body.String())
	}
}
