package server

// These tests keep openapi.json true: the document is valid OpenAPI 3.0,
// it has exactly the server's routes, its schemas have exactly the fields
// of the Go types the handlers encode and decode, its enums are the
// domain's, errors are problem+json, and real handler answers (against an
// in-memory store and engine) validate against it.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers/gorillamux"
	"github.com/labstack/echo/v4"

	"github.com/ogplocal/ogp"
	"github.com/ogplocal/ogp/models"
)

const problemJSON = "application/problem+json"

func openapiDoc(t *testing.T) *openapi3.T {
	t.Helper()
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(OpenAPI)
	if err != nil {
		t.Fatalf("openapi.json does not load: %v", err)
	}
	if err := doc.Validate(loader.Context); err != nil {
		t.Fatalf("openapi.json is not a valid OpenAPI document: %v", err)
	}
	return doc
}

// openapiPath turns Echo's /a/:id into OpenAPI's /a/{id}.
var echoParam = regexp.MustCompile(`:([A-Za-z0-9_]+)`)

func openapiPath(echoPath string) string { return echoParam.ReplaceAllString(echoPath, "{$1}") }

// openapiRoutes lists the server's routes as "METHOD /path", leaving out
// the catch-all routes Echo adds for group middleware.
func openapiRoutes(s *Server) []string {
	var out []string
	for _, r := range s.Routes() {
		if r.Method == echo.RouteNotFound {
			continue
		}
		out = append(out, r.Method+" "+openapiPath(r.Path))
	}
	sort.Strings(out)
	return slices.Compact(out)
}

// openapiOperations lists the document's operations as "METHOD /path".
func openapiOperations(doc *openapi3.T) map[string]*openapi3.Operation {
	out := map[string]*openapi3.Operation{}
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			out[method+" "+path] = op
		}
	}
	return out
}

func TestOpenAPIDocumentValid(t *testing.T) {
	doc := openapiDoc(t)
	if doc.OpenAPI != "3.0.3" {
		t.Errorf("openapi = %q, want 3.0.3", doc.OpenAPI)
	}
	if doc.Info == nil || doc.Info.Description == "" {
		t.Error("info.description is missing")
	}
	if !json.Valid(OpenAPI) {
		t.Error("the embedded document is not valid JSON")
	}
}

func TestOpenAPIRoutesMatchOperations(t *testing.T) {
	doc := openapiDoc(t)
	ops := openapiOperations(doc)
	routes := openapiRoutes(New(nil, nil, nil))
	if len(routes) == 0 {
		t.Fatal("the server has no routes")
	}
	for _, r := range routes {
		if ops[r] == nil {
			t.Errorf("route %s is not in openapi.json", r)
		}
	}
	for op := range ops {
		if !slices.Contains(routes, op) {
			t.Errorf("operation %s in openapi.json is not a route of the server", op)
		}
	}
	// Path parameters declared must be exactly those in the path.
	for key, op := range ops {
		path := strings.SplitN(key, " ", 2)[1]
		item := doc.Paths.Find(path)
		want := map[string]bool{}
		for _, m := range regexp.MustCompile(`\{([^}]+)\}`).FindAllStringSubmatch(path, -1) {
			want[m[1]] = true
		}
		got := map[string]bool{}
		for _, ps := range []openapi3.Parameters{item.Parameters, op.Parameters} {
			for _, p := range ps {
				if p.Value.In == openapi3.ParameterInPath {
					got[p.Value.Name] = true
				}
			}
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s declares path parameters %v, want %v", key, keys(got), keys(want))
		}
	}
}

// downloadContent says whether a response is a feed or an archive served
// as bytes (Atom, ZIP): only those media types, each a string.
func downloadContent(content openapi3.Content) bool {
	if len(content) == 0 {
		return false
	}
	for mt, m := range content {
		if mt != "application/atom+xml" && mt != "application/zip" {
			return false
		}
		if m.Schema == nil || m.Schema.Value == nil || !m.Schema.Value.Type.Is("string") {
			return false
		}
	}
	return true
}

func keys(m map[string]bool) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func TestOpenAPIErrorsAreProblemJSON(t *testing.T) {
	doc := openapiDoc(t)
	problem := doc.Components.Schemas["Problem"]
	if problem == nil || problem.Value == nil {
		t.Fatal("components.schemas.Problem is missing")
	}
	check := func(where string, status int, resp *openapi3.ResponseRef) {
		t.Helper()
		content := resp.Value.Content
		switch {
		case status == http.StatusNoContent || status == http.StatusNotModified:
			if len(content) != 0 {
				t.Errorf("%s %d: a %d has no content", where, status, status)
			}
		case status >= 400:
			if len(content) != 1 || content.Get(problemJSON) == nil {
				t.Errorf("%s %d: content types %v, want only %s", where, status, mediaTypes(content), problemJSON)
				return
			}
			if ref := content.Get(problemJSON).Schema; ref == nil || ref.Ref != "#/components/schemas/Problem" {
				t.Errorf("%s %d: the %s schema must be #/components/schemas/Problem", where, status, problemJSON)
			}
		case textDocument(content) || downloadContent(content):
			// A rendered document (Markdown, HTML), chosen by Accept, or a
			// feed or archive to download (Atom, ZIP).
		default:
			if len(content) != 1 || content.Get("application/json") == nil {
				t.Errorf("%s %d: content types %v, want only application/json", where, status, mediaTypes(content))
			}
		}
	}
	for name, resp := range doc.Components.Responses {
		for _, mt := range resp.Value.Content {
			if mt.Schema == nil || mt.Schema.Ref != "#/components/schemas/Problem" {
				t.Errorf("components.responses.%s does not use the Problem schema", name)
			}
		}
		if resp.Value.Content.Get(problemJSON) == nil {
			t.Errorf("components.responses.%s is not %s", name, problemJSON)
		}
	}
	for key, op := range openapiOperations(doc) {
		for code, resp := range op.Responses.Map() {
			var status int
			if _, err := fmt.Sscanf(code, "%d", &status); err != nil {
				t.Errorf("%s: response %q is not a status code", key, code)
				continue
			}
			check(key, status, resp)
		}
	}
}

// TestOpenAPISecurity checks that exactly the routes behind authenticate
// require bearerAuth (found by calling each without a token), that public
// ones say so with security: [], and that mutations take Idempotency-Key.
func TestOpenAPISecurity(t *testing.T) {
	doc := openapiDoc(t)
	if ss := doc.Components.SecuritySchemes["bearerAuth"]; ss == nil || ss.Value.Type != "http" || ss.Value.Scheme != "bearer" {
		t.Fatal("components.securitySchemes.bearerAuth must be an HTTP bearer scheme")
	}
	if len(doc.Security) != 0 {
		t.Error("security is set per operation; the document has none at its top level")
	}
	s := New(&openapiStore{}, &openapiEngine{}, nil)
	ops := openapiOperations(doc)
	for _, r := range openapiRoutes(s) {
		op := ops[r]
		if op == nil {
			continue // reported by TestOpenAPIRoutesMatchOperations
		}
		method, path, _ := strings.Cut(r, " ")
		url := regexp.MustCompile(`\{[^}]+\}`).ReplaceAllString(path, "1")
		rec := httptest.NewRecorder()
		s.Handler().ServeHTTP(rec, httptest.NewRequest(method, url, strings.NewReader("{}")))
		authenticated := rec.Code == http.StatusUnauthorized
		switch {
		case op.Security == nil:
			t.Errorf("%s: security is not stated; use [] for a public route", r)
		case authenticated && (len(*op.Security) != 1 || len((*op.Security)[0]) != 1 || (*op.Security)[0]["bearerAuth"] == nil):
			t.Errorf("%s answers 401 without a token but its security is not [{bearerAuth: []}]", r)
		case !authenticated && len(*op.Security) != 0:
			t.Errorf("%s is public (answered %d without a token) but its security is not []", r, rec.Code)
		}
		if has401 := op.Responses.Status(http.StatusUnauthorized) != nil; has401 != authenticated {
			t.Errorf("%s: documents 401 = %v, but requires a token = %v", r, has401, authenticated)
		}
		idem := false
		for _, p := range op.Parameters {
			if p.Value.In == openapi3.ParameterInHeader && p.Value.Name == "Idempotency-Key" {
				idem = true
			}
		}
		mutation := method != http.MethodGet && strings.HasPrefix(path, "/api/v1/action-plans")
		if idem != mutation {
			t.Errorf("%s: Idempotency-Key parameter = %v, want %v", r, idem, mutation)
		}
	}
}

// TestOpenAPIEnumsMatchDomain keeps the enums and limits equal to the
// domain's constants.
func TestOpenAPIEnumsMatchDomain(t *testing.T) {
	doc := openapiDoc(t)
	enum := func(name string) []string {
		sc := doc.Components.Schemas[name]
		if sc == nil {
			t.Fatalf("components.schemas.%s is missing", name)
		}
		var out []string
		for _, v := range sc.Value.Enum {
			out = append(out, v.(string))
		}
		return out
	}
	strs := func(vs ...any) []string {
		var out []string
		for _, v := range vs {
			out = append(out, fmt.Sprint(v))
		}
		return out
	}
	var keys []any
	for _, d := range ogp.Steps {
		keys = append(keys, d.Key)
	}
	for name, want := range map[string][]string{
		"PlanStatus": strs(ogp.PlanCoCreation, ogp.PlanImplementation, ogp.PlanLearning, ogp.PlanCompleted),
		"StepStatus": strs(ogp.StepNotStarted, ogp.StepInProgress, ogp.StepAwaitingApproval, ogp.StepChangesRequested, ogp.StepApproved),
		"StepKey":    strs(keys...),
		"Role":       strs(ogp.RoleCoordinator, ogp.RoleApprover, ogp.RoleMonitoringBody, ogp.RoleContributor),
		"Sector":     strs(ogp.SectorGovernment, ogp.SectorCivilSociety, ogp.SectorOther),
		"Decision":   strs(ogp.DecisionApprove, ogp.DecisionRequestChanges),
	} {
		if got := enum(name); !slices.Equal(got, want) {
			t.Errorf("%s enum = %v, want %v", name, got, want)
		}
	}
	for _, v := range enum("PlanStatus") {
		if _, err := ogp.ParsePlanStatus(v); err != nil {
			t.Errorf("PlanStatus %q is refused by ParsePlanStatus", v)
		}
	}
	for _, v := range enum("Role") {
		if _, err := ogp.ParseRole(v); err != nil {
			t.Errorf("Role %q is refused by ParseRole", v)
		}
	}
	for _, v := range enum("Sector") {
		if _, err := ogp.ParseSector(v); err != nil {
			t.Errorf("Sector %q is refused by ParseSector", v)
		}
	}
	for _, v := range enum("Decision") {
		if _, err := ogp.ParseDecision(v); err != nil {
			t.Errorf("Decision %q is refused by ParseDecision", v)
		}
	}
	prop := func(schema, field string) *openapi3.Schema {
		return doc.Components.Schemas[schema].Value.Properties[field].Value
	}
	if m := doc.Components.Parameters["StepNumber"].Value.Schema.Value.Max; m == nil || int(*m) != ogp.StepCount {
		t.Errorf("StepNumber maximum = %v, want %d", m, ogp.StepCount)
	}
	for _, c := range []struct {
		schema, field string
		want          int
	}{
		{"CreatePlanRequest", "title", ogp.MaxTitleLen},
		{"CreatePlanRequest", "member", ogp.MaxTitleLen},
		{"SubmitStepRequest", "summary", ogp.MaxSummaryLen},
		{"DecideStepRequest", "comment", ogp.MaxCommentLen},
	} {
		if m := prop(c.schema, c.field).MaxLength; m == nil || int(*m) != c.want {
			t.Errorf("%s.%s maxLength = %v, want %d", c.schema, c.field, m, c.want)
		}
	}
}

// TestOpenAPISchemasMatchGoTypes compares every schema with the Go type
// encoded or decoded for it: the same JSON fields, required exactly when
// always present, nullable exactly when a pointer may be null, and of the
// same JSON type. Request schemas must refuse unknown fields, as the
// handlers do.
func TestOpenAPISchemasMatchGoTypes(t *testing.T) {
	doc := openapiDoc(t)
	for _, c := range []struct {
		schema  string
		typ     any
		request bool
	}{
		{"Problem", Problem{}, false},
		{"User", UserResponse{}, false},
		{"PlanSummary", PlanSummary{}, false},
		{"PlanSummaryPage", Page[PlanSummary]{}, false},
		{"PlanDetail", PlanDetail{}, false},
		{"PlanStep", StepResponse{}, false},
		{"PlanDecision", DecisionResponse{}, false},
		{"Member", MemberResponse{}, false},
		{"Event", EventResponse{}, false},
		{"EventPage", Page[EventResponse]{}, false},
		{"Notification", NotificationResponse{}, false},
		{"NotificationPage", Page[NotificationResponse]{}, false},
		{"PlanState", ogp.PlanState{}, false},
		{"StepState", ogp.StepState{}, false},
		{"Submission", ogp.Submission{}, false},
		{"Approval", ogp.Approval{}, false},
		{"PlanMember", ogp.Member{}, false},
		{"CreateUserRequest", createUserRequest{}, true},
		{"CreatePlanRequest", createPlanRequest{}, true},
		{"SubmitStepRequest", submitRequest{}, true},
		{"DecideStepRequest", decideRequest{}, true},
		// dueDateRequest holds due_on raw to tell absent from null; on the
		// wire it is a nullable date string.
		{"SetDueDateRequest", struct {
			DueOn *string `json:"due_on"`
		}{}, true},
		{"UpdateSettingsRequest", settingsRequest{}, true},
		{"SetMemberRequest", memberRequest{}, true},
	} {
		ref := doc.Components.Schemas[c.schema]
		if ref == nil {
			t.Errorf("components.schemas.%s is missing", c.schema)
			continue
		}
		compareSchema(t, c.schema, ref.Value, reflect.TypeOf(c.typ), c.request)
	}
}

type goField struct {
	name     string
	typ      reflect.Type
	optional bool // omitempty or omitzero: absent rather than empty
}

func jsonFields(typ reflect.Type) []goField {
	var out []goField
	for i := range typ.NumField() {
		f := typ.Field(i)
		tag := f.Tag.Get("json")
		if f.Anonymous && tag == "" {
			out = append(out, jsonFields(f.Type)...)
			continue
		}
		if !f.IsExported() || tag == "-" {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		if name == "" {
			name = f.Name
		}
		out = append(out, goField{name: name, typ: f.Type, optional: strings.Contains(opts, "omitempty") || strings.Contains(opts, "omitzero")})
	}
	return out
}

// flatten merges a schema with its allOf parts.
func flatten(s *openapi3.Schema) (props openapi3.Schemas, required []string) {
	props = openapi3.Schemas{}
	for k, v := range s.Properties {
		props[k] = v
	}
	required = append(required, s.Required...)
	for _, part := range s.AllOf {
		p, r := flatten(part.Value)
		for k, v := range p {
			if _, ok := props[k]; !ok {
				props[k] = v
			}
		}
		required = append(required, r...)
	}
	return props, required
}

// effective looks through a lone allOf wrapper (a $ref with a description).
func effective(s *openapi3.Schema) *openapi3.Schema {
	for s.Type == nil && len(s.AllOf) == 1 && len(s.Properties) == 0 {
		s = s.AllOf[0].Value
	}
	return s
}

var rawMessageType = reflect.TypeOf(json.RawMessage{})

func compareSchema(t *testing.T, name string, s *openapi3.Schema, typ reflect.Type, request bool) {
	t.Helper()
	props, required := flatten(s)
	fields := jsonFields(typ)
	seen := map[string]bool{}
	for _, f := range fields {
		seen[f.name] = true
		p := props[f.name]
		if p == nil {
			t.Errorf("%s: field %q of %s is not in the schema", name, f.name, typ)
			continue
		}
		ps := effective(p.Value)
		if !request {
			if req := slices.Contains(required, f.name); req == f.optional {
				t.Errorf("%s.%s: required = %v, but the Go field is always present = %v", name, f.name, req, !f.optional)
			}
			nullable := f.typ.Kind() == reflect.Pointer && !f.optional
			if ps.Nullable != nullable && p.Value.Nullable != nullable {
				t.Errorf("%s.%s: nullable = %v, want %v", name, f.name, ps.Nullable, nullable)
			}
		} else if f.typ.Kind() == reflect.Pointer && !ps.Nullable {
			t.Errorf("%s.%s: the handler accepts null, the schema should be nullable", name, f.name)
		}
		if want := jsonType(f.typ); ps.Type == nil || !ps.Type.Is(want) {
			t.Errorf("%s.%s: type %v, want %s", name, f.name, ps.Type, want)
		}
		if ft := deref(f.typ); ft == reflect.TypeOf(time.Time{}) && ps.Format != "date-time" {
			t.Errorf("%s.%s: format %q, want date-time", name, f.name, ps.Format)
		}
		if ft := deref(f.typ); ft == reflect.TypeOf(ogp.Date("")) && ps.Format != "date" {
			t.Errorf("%s.%s: format %q, want date", name, f.name, ps.Format)
		}
	}
	for k := range props {
		if !seen[k] {
			t.Errorf("%s: property %q is not a field of %s", name, k, typ)
		}
	}
	if request && (s.AdditionalProperties.Has == nil || *s.AdditionalProperties.Has) {
		t.Errorf("%s: a request body schema must say additionalProperties: false", name)
	}
}

func deref(t reflect.Type) reflect.Type {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t
}

func jsonType(t reflect.Type) string {
	t = deref(t)
	switch {
	case t == rawMessageType:
		return "object" // always an object: payloads are stored as JSON objects
	case t == reflect.TypeOf(time.Time{}):
		return "string"
	}
	switch t.Kind() {
	case reflect.String:
		return "string"
	case reflect.Bool:
		return "boolean"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "integer"
	case reflect.Float32, reflect.Float64:
		return "number"
	case reflect.Slice, reflect.Array:
		return "array"
	case reflect.Struct, reflect.Map:
		return "object"
	}
	return t.Kind().String()
}

// TestOpenAPIHandlersAnswerAsDocumented calls every operation against an
// in-memory store and engine, validating requests and answers (status,
// content type and body) against the document.
func TestOpenAPIHandlersAnswerAsDocumented(t *testing.T) {
	doc := openapiDoc(t)
	router, err := gorillamux.NewRouter(doc)
	if err != nil {
		t.Fatal(err)
	}
	s := New(&openapiStore{}, &openapiEngine{}, nil)
	const admin = "admin-token"
	big := `{"summary":"` + strings.Repeat("x", MaxBodyBytes) + `"}`
	cases := []struct {
		method, url, token, body string
		idem                     string
		want                     int
	}{
		{"GET", "/healthz", "", "", "", 200},
		{"GET", "/readyz", "", "", "", 200},
		{"GET", "/api/v1/openapi.json", "", "", "", 200},
		{"GET", "/api/v1/action-plans?status=co_creation&page=1&per_page=10", "", "", "", 200},
		{"GET", "/api/v1/action-plans?status=bogus", "", "", "", 400},
		{"GET", "/api/v1/action-plans?per_page=500", "", "", "", 400},
		{"GET", "/api/v1/action-plans/1", "", "", "", 200},
		{"GET", "/api/v1/action-plans/2", "", "", "", 404},
		{"GET", "/api/v1/action-plans/1/members", "", "", "", 200},
		{"GET", "/api/v1/action-plans/1/events?page=1", "", "", "", 200},
		{"GET", "/api/v1/action-plans/2/events", "", "", "", 404},
		{"POST", "/api/v1/users", admin, `{"name":"Ana","email":"ana@example.org"}`, "", 201},
		{"POST", "/api/v1/users", "", `{"name":"Ana","email":"ana@example.org"}`, "", 401},
		{"POST", "/api/v1/users", "wrong", `{"name":"Ana","email":"ana@example.org"}`, "", 401},
		{"POST", "/api/v1/users", admin, `{"name":"Ana","email":"not an address"}`, "", 422},
		{"GET", "/api/v1/me", admin, "", "", 200},
		{"POST", "/api/v1/action-plans", admin, `{"title":"Open Lisbon","member":"Lisbon","starts_on":"2026-01-01","ends_on":"2027-12-31","sector":"civil_society"}`, "k1", 201},
		{"POST", "/api/v1/action-plans", admin, `{"title":"Open Lisbon","extra":1}`, "", 400},
		{"POST", "/api/v1/action-plans", admin, `{"title":"Open Lisbon","member":"Lisbon","starts_on":"2026-01-01","ends_on":"2025-12-31"}`, "", 422},
		{"POST", "/api/v1/action-plans", admin, `{"title":"Engine down","member":"Lisbon","starts_on":"2026-01-01","ends_on":"2027-12-31"}`, "", 503},
		{"PUT", "/api/v1/action-plans/1/settings", admin, `{"reminder_interval_days":14}`, "k2", 200},
		{"PUT", "/api/v1/action-plans/1/members/2", admin, `{"roles":["approver"],"sector":"civil_society"}`, "k3", 200},
		{"PUT", "/api/v1/action-plans/1/members/2", admin, `{"roles":["boss"],"sector":"civil_society"}`, "", 400},
		{"PUT", "/api/v1/action-plans/1/members/99", admin, `{"roles":["approver"],"sector":"other"}`, "", 404},
		{"DELETE", "/api/v1/action-plans/1/members/2", admin, "", "k4", 204},
		{"POST", "/api/v1/action-plans/1/steps/1/submit", admin, `{"summary":"Team, forum and monitoring body in place."}`, "k5", 200},
		{"POST", "/api/v1/action-plans/1/steps/1/submit", admin, big, "", 413},
		{"POST", "/api/v1/action-plans/1/steps/1/decisions", admin, `{"decision":"approve"}`, "k6", 200},
		{"POST", "/api/v1/action-plans/1/steps/1/decisions", admin, `{"decision":"approve"}`, "conflict", 409},
		{"POST", "/api/v1/action-plans/1/steps/1/decisions", admin, `{"decision":"approve"}`, "forbidden", 403},
		{"PUT", "/api/v1/action-plans/1/steps/2/due-date", admin, `{"due_on":"2026-06-30"}`, "k7", 200},
		{"PUT", "/api/v1/action-plans/1/steps/2/due-date", admin, `{"due_on":null}`, "", 200},
		{"PUT", "/api/v1/action-plans/1/steps/2/due-date", admin, `{}`, "", 400},
		{"PUT", "/api/v1/action-plans/1/steps/11/due-date", admin, `{"due_on":null}`, "", 404},
		{"GET", "/api/v1/notifications?unread=true&per_page=5", admin, "", "", 200},
		{"GET", "/api/v1/notifications", "", "", "", 401},
		{"POST", "/api/v1/notifications/5/read", admin, "", "", 200},
		{"POST", "/api/v1/notifications/99/read", admin, "", "", 404},
	}
	exercised := map[string]bool{}
	for _, c := range cases {
		name := fmt.Sprintf("%s %s -> %d", c.method, c.url, c.want)
		var body io.Reader
		if c.body != "" {
			body = strings.NewReader(c.body)
		}
		req := httptest.NewRequest(c.method, c.url, body)
		if c.body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		if c.token != "" {
			req.Header.Set("Authorization", "Bearer "+c.token)
		}
		if c.idem != "" {
			req.Header.Set("Idempotency-Key", c.idem)
		}
		route, pathParams, err := router.FindRoute(req)
		if err != nil {
			t.Errorf("%s: no operation in openapi.json: %v", name, err)
			continue
		}
		exercised[route.Method+" "+route.Path] = exercised[route.Method+" "+route.Path] || c.want < 300
		in := &openapi3filter.RequestValidationInput{Request: req, PathParams: pathParams, Route: route,
			Options: &openapi3filter.Options{AuthenticationFunc: openapiBearer, MultiError: true}}
		if c.want < 300 {
			// A request the server accepts must be one the document allows.
			var buf []byte
			if c.body != "" {
				buf = []byte(c.body)
			}
			req.Body = io.NopCloser(bytes.NewReader(buf))
			if err := openapi3filter.ValidateRequest(context.Background(), in); err != nil {
				t.Errorf("%s: the request does not validate: %v", name, err)
			}
			req.Body = io.NopCloser(bytes.NewReader(buf))
		}
		rec := httptest.NewRecorder()
		s.Handler().ServeHTTP(rec, req)
		if rec.Code != c.want {
			t.Errorf("%s: answered %d: %s", name, rec.Code, rec.Body.String())
		}
		validateOpenAPIResponse(t, name, in, rec)
	}
	// The spine's operations (the base document) are exercised here; the
	// co-creation fragments' are exercised against a real database by the
	// integration tests, which validate every answer against the document.
	base, err := openapi3.NewLoader().LoadFromData(openapiBase)
	if err != nil {
		t.Fatal(err)
	}
	for key := range openapiOperations(base) {
		if !exercised[key] {
			t.Errorf("no case exercises %s successfully: add one", key)
		}
	}
}

func validateOpenAPIResponse(t *testing.T, name string, in *openapi3filter.RequestValidationInput, rec *httptest.ResponseRecorder) {
	t.Helper()
	out := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: in,
		Status:                 rec.Code,
		Header:                 rec.Header(),
		Body:                   io.NopCloser(bytes.NewReader(rec.Body.Bytes())),
		Options:                &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true},
	}
	if err := openapi3filter.ValidateResponse(context.Background(), out); err != nil {
		t.Errorf("%s: the answer does not match openapi.json: %v\n%s", name, err, rec.Body.String())
	}
	if rec.Code >= 400 && rec.Header().Get("Content-Type") != problemJSON {
		t.Errorf("%s: content type %q, want %s", name, rec.Header().Get("Content-Type"), problemJSON)
	}
}

func openapiBearer(_ context.Context, in *openapi3filter.AuthenticationInput) error {
	if in.SecuritySchemeName != "bearerAuth" {
		return fmt.Errorf("unknown security scheme %q", in.SecuritySchemeName)
	}
	if !strings.HasPrefix(in.RequestValidationInput.Request.Header.Get("Authorization"), "Bearer ") {
		return fmt.Errorf("no bearer token")
	}
	return nil
}

func mediaTypes(c openapi3.Content) []string {
	var out []string
	for k := range c {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// --- an in-memory store and engine with fixed, realistic data

var openapiNow = time.Date(2026, 3, 1, 9, 30, 0, 123000000, time.UTC)

type openapiStore struct{ Store }

func openapiUser(id int64) models.User {
	return models.User{ID: id, Name: fmt.Sprintf("User %d", id), Email: fmt.Sprintf("user%d@example.org", id), IsAdmin: id == 1, CreatedAt: openapiNow}
}

func openapiPlan() models.ActionPlan {
	return models.ActionPlan{ID: 1, Title: "Open Lisbon", Member: "Lisbon", StartsOn: "2026-01-01", EndsOn: "2027-12-31",
		Status: string(ogp.PlanCoCreation), CurrentStep: 2, WorkflowID: "action-plan-1", CoordinatorID: 1, CreatedBy: 1,
		ReminderIntervalDays: 7, StateVersion: 5, CreatedAt: openapiNow, UpdatedAt: openapiNow.Add(time.Hour)}
}

func (*openapiStore) Ping(context.Context) error { return nil }

func (*openapiStore) UserByToken(_ context.Context, plain string) (models.User, error) {
	if plain == "admin-token" {
		return openapiUser(1), nil
	}
	return models.User{}, models.ErrNotFound
}

func (*openapiStore) UserByID(_ context.Context, id int64) (models.User, error) {
	if id > 10 {
		return models.User{}, models.ErrNotFound
	}
	return openapiUser(id), nil
}

func (*openapiStore) UsersByIDs(_ context.Context, ids []int64) (map[int64]models.User, error) {
	out := map[int64]models.User{}
	for _, id := range ids {
		out[id] = openapiUser(id)
	}
	return out, nil
}

func (*openapiStore) CreateUser(_ context.Context, name, email string, isAdmin bool, _ string) (models.User, error) {
	return models.User{ID: 7, Name: name, Email: email, IsAdmin: isAdmin, CreatedAt: openapiNow}, nil
}

func (*openapiStore) CreatePlan(_ context.Context, p *models.ActionPlan) (bool, error) {
	p.ID, p.WorkflowID, p.CreatedAt, p.UpdatedAt = 1, "action-plan-1", openapiNow, openapiNow
	return false, nil
}

func (*openapiStore) DeletePlan(context.Context, int64) error { return nil }

func (*openapiStore) GetPlan(_ context.Context, id int64) (models.ActionPlan, error) {
	if id != 1 {
		return models.ActionPlan{}, models.ErrNotFound
	}
	return openapiPlan(), nil
}

func (*openapiStore) ListPlans(context.Context, string, int, int) ([]models.ActionPlan, int64, error) {
	return []models.ActionPlan{openapiPlan()}, 1, nil
}

func (*openapiStore) PlanSteps(context.Context, int64) ([]models.Step, error) {
	var out []models.Step
	for _, d := range ogp.Steps {
		out = append(out, models.Step{PlanID: 1, Number: d.Number, Key: string(d.Key), Status: string(ogp.StepNotStarted), UpdatedAt: openapiNow})
	}
	started, approved, by, due := openapiNow, openapiNow.Add(48*time.Hour), int64(1), "2026-06-30"
	out[0] = models.Step{PlanID: 1, Number: 1, Key: out[0].Key, Status: string(ogp.StepApproved), StartedAt: &started,
		SubmittedAt: &started, SubmittedBy: &by, Summary: "Team in place.", Round: 2, ApprovedAt: &approved, UpdatedAt: approved}
	out[1] = models.Step{PlanID: 1, Number: 2, Key: out[1].Key, Status: string(ogp.StepInProgress), StartedAt: &approved,
		DueOn: &due, RemindersSent: 1, UpdatedAt: approved}
	return out, nil
}

func (*openapiStore) PlanDecisions(context.Context, int64) ([]models.Decision, error) {
	return []models.Decision{
		{ID: 1, PlanID: 1, StepNumber: 1, Round: 1, ApproverID: 2, Decision: string(ogp.DecisionRequestChanges), Comment: "Add the forum.", DecidedAt: openapiNow},
		{ID: 2, PlanID: 1, StepNumber: 1, Round: 2, ApproverID: 2, Decision: string(ogp.DecisionApprove), DecidedAt: openapiNow.Add(48 * time.Hour)},
	}, nil
}

func (*openapiStore) ListMembers(context.Context, int64) ([]models.MemberRow, error) {
	return []models.MemberRow{
		{Membership: models.Membership{PlanID: 1, UserID: 1, Roles: "coordinator", Sector: "government"}, Name: "User 1", Email: "user1@example.org"},
		{Membership: models.Membership{PlanID: 1, UserID: 2, Roles: "approver,monitoring_body", Sector: "civil_society"}, Name: "User 2", Email: "user2@example.org"},
	}, nil
}

func (*openapiStore) ApplyProjection(context.Context, models.Projection) error { return nil }

func (*openapiStore) ListEvents(context.Context, int64, int, int) ([]models.AuditEvent, int64, error) {
	actor, step := int64(1), 1
	return []models.AuditEvent{
		{ID: 1, PlanID: 1, EventKey: "action-plan-1/1", Seq: 1, Kind: ogp.EventPlanCreated, ActorID: &actor, Payload: `{"title":"Open Lisbon"}`, OccurredAt: openapiNow},
		{ID: 2, PlanID: 1, EventKey: "action-plan-1/2", Seq: 2, Kind: ogp.EventStepStarted, StepNumber: &step, Payload: `{"key":"team_forum_monitoring"}`, OccurredAt: openapiNow},
	}, 2, nil
}

func openapiNotifications() []models.Notification {
	plan, step, read := int64(1), 2, openapiNow.Add(time.Hour)
	return []models.Notification{
		{ID: 5, UserID: 1, PlanID: &plan, StepNumber: &step, Kind: ogp.NotificationStepReminder, Subject: "Open Lisbon: step 2 is overdue",
			Body: "Submit it.", DedupKey: "k", CreatedAt: openapiNow},
		{ID: 6, UserID: 1, Kind: "announcement", Subject: "Welcome", Body: "Hello.", DedupKey: "w", CreatedAt: openapiNow, ReadAt: &read},
	}
}

func (*openapiStore) ListNotifications(context.Context, int64, bool, int, int) ([]models.Notification, int64, error) {
	return openapiNotifications(), 2, nil
}

func (*openapiStore) MarkNotificationRead(_ context.Context, _, id int64) (models.Notification, error) {
	if id != 5 {
		return models.Notification{}, models.ErrNotFound
	}
	n := openapiNotifications()[0]
	read := openapiNow.Add(2 * time.Hour)
	n.ReadAt = &read
	return n, nil
}

// openapiEngine answers every update with a plan state the domain rules
// computed, sent through JSON as Temporal would.
type openapiEngine struct{ Engine }

func (*openapiEngine) Ping(context.Context) error { return nil }

// StartPlan fails for a plan titled "Engine down", as when Temporal is.
func (*openapiEngine) StartPlan(_ context.Context, in ogp.NewPlan) error {
	if in.Title == "Engine down" {
		return ogp.Errorf(ogp.EUnavailable, "engine_unavailable", "could not start the plan's workflow: connection refused")
	}
	return nil
}

func (*openapiEngine) Update(_ context.Context, _ int64, _ string, updateID string, _ any) (ogp.PlanState, error) {
	switch {
	case strings.Contains(updateID, "/conflict/"):
		return ogp.PlanState{}, ogp.Errorf(ogp.EConflict, "not_awaiting_approval", "step 1 is in_progress, not awaiting approval")
	case strings.Contains(updateID, "/forbidden/"):
		return ogp.PlanState{}, ogp.Errorf(ogp.EForbidden, "four_eyes", "the submitter of step 1 may not decide on their own submission")
	}
	st, _ := ogp.NewPlanState(ogp.NewPlan{PlanID: 1, Title: "Open Lisbon", Member: "Lisbon", StartsOn: "2026-01-01", EndsOn: "2027-12-31",
		CoordinatorID: 1, ReminderIntervalDays: 7}, "action-plan-1", openapiNow)
	coord, approver := ogp.Actor{UserID: 1}, ogp.Actor{UserID: 2}
	at := openapiNow
	step := func(err error, apply func()) {
		if err != nil {
			panic(err)
		}
		at = at.Add(time.Hour)
		apply()
	}
	member := ogp.SetMemberInput{Member: ogp.Member{UserID: 2, Roles: []ogp.Role{ogp.RoleApprover}, Sector: ogp.SectorCivilSociety}, Actor: coord}
	step(st.ValidateSetMember(member), func() { st.ApplySetMember(member, at) })
	submit := ogp.SubmitStepInput{Step: 1, Summary: "Team in place.", Actor: coord}
	step(st.ValidateSubmit(submit), func() { st.ApplySubmit(submit, ogp.Gate{}, at) })
	changes := ogp.DecideStepInput{Step: 1, Decision: ogp.DecisionRequestChanges, Comment: "Add the forum.", Actor: approver}
	step(st.ValidateDecide(changes), func() { st.ApplyDecide(changes, at) })
	step(st.ValidateSubmit(submit), func() { st.ApplySubmit(submit, ogp.Gate{}, at) })
	approve := ogp.DecideStepInput{Step: 1, Decision: ogp.DecisionApprove, Actor: approver}
	step(st.ValidateDecide(approve), func() { st.ApplyDecide(approve, at) })
	due := ogp.SetStepDueDateInput{Step: 2, DueOn: "2026-06-30", Actor: coord}
	step(st.ValidateSetDueDate(due), func() { st.ApplySetDueDate(due, at) })
	st.ApplyReminder(at.Add(time.Hour))
	b, err := json.Marshal(st)
	if err != nil {
		return ogp.PlanState{}, err
	}
	var out ogp.PlanState
	return out, json.Unmarshal(b, &out)
}
