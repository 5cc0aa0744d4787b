package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"

	enumspb "go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/api/temporalproto"

	"github.com/ogplocal/ogp"
	"github.com/ogplocal/ogp/app"
	"github.com/ogplocal/ogp/devserver"
	"github.com/ogplocal/ogp/models/modelstest"
	"github.com/ogplocal/ogp/server"
)

const adminToken = "ogp_test_admin_token"

// stackConfig is a dev stack on free ports in dir, on SQLite unless
// databaseURL names PostgreSQL.
func stackConfig(t *testing.T, dir, databaseURL string) app.Config {
	t.Helper()
	port, err := devserver.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	level := slog.LevelWarn
	if testing.Verbose() {
		level = slog.LevelInfo
	}
	return app.Config{
		DataDir:      dir,
		DatabaseURL:  databaseURL,
		HTTPAddr:     "127.0.0.1:0",
		TemporalPort: port,
		AdminToken:   adminToken,
		Out:          io.Discard,
		Log:          slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level})),
	}
}

func startDev(t *testing.T, cfg app.Config) *app.Stack {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	st, err := app.StartDev(ctx, cfg)
	// Another test process can take the free port picked for Temporal
	// between the pick and the bind: pick another and try again.
	for retry := 0; err != nil && retry < 3 && strings.Contains(err.Error(), "port not available"); retry++ {
		if cfg.TemporalPort, err = devserver.FreePort(); err != nil {
			t.Fatal(err)
		}
		st, err = app.StartDev(ctx, cfg)
	}
	if err != nil {
		t.Fatalf("start dev stack: %v", err)
	}
	return st
}

// client calls the API as one user and checks every answer against the
// OpenAPI document.
type client struct {
	t      *testing.T
	base   string
	token  string
	router routers.Router
}

func newClient(t *testing.T, st *app.Stack, token string) *client {
	doc, err := openapi3.NewLoader().LoadFromData(server.OpenAPI)
	if err != nil {
		t.Fatalf("openapi: %v", err)
	}
	doc.Servers = openapi3.Servers{{URL: "http://" + st.HTTPAddr}}
	router, err := legacy.NewRouter(doc)
	if err != nil {
		t.Fatalf("openapi router: %v", err)
	}
	return &client{t: t, base: "http://" + st.HTTPAddr, token: token, router: router}
}

func (c *client) as(token string) *client {
	cc := *c
	cc.token = token
	return &cc
}

// do sends a request and decodes the JSON answer into out (if not nil),
// failing the test unless the status is want.
func (c *client) do(method, path string, body any, want int, out any, headers ...string) []byte {
	c.t.Helper()
	var rd io.Reader
	var raw []byte
	switch b := body.(type) {
	case nil:
	case string:
		raw = []byte(b)
	case []byte:
		raw = b
	default:
		var err error
		if raw, err = json.Marshal(b); err != nil {
			c.t.Fatal(err)
		}
	}
	if raw != nil {
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, c.base+path, rd)
	if err != nil {
		c.t.Fatal(err)
	}
	if raw != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	got, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != want {
		c.t.Fatalf("%s %s: status %d, want %d: %s", method, path, resp.StatusCode, want, got)
	}
	c.validate(req, raw, resp, got)
	if out != nil && len(got) > 0 {
		if err := json.Unmarshal(got, out); err != nil {
			c.t.Fatalf("%s %s: decode %s: %v", method, path, got, err)
		}
	}
	return got
}

// validate checks the response against the OpenAPI document.
func (c *client) validate(req *http.Request, reqBody []byte, resp *http.Response, body []byte) {
	c.t.Helper()
	if !strings.HasPrefix(req.URL.Path, "/api/v1/") || req.URL.Path == "/api/v1/openapi.json" {
		return
	}
	route, params, err := c.router.FindRoute(req)
	if err != nil {
		c.t.Errorf("%s %s is not in the OpenAPI document: %v", req.Method, req.URL.Path, err)
		return
	}
	if reqBody != nil {
		req.Body = io.NopCloser(bytes.NewReader(reqBody))
	}
	in := &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route,
		Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc, ExcludeRequestBody: true}}
	out := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: resp.StatusCode, Header: resp.Header,
		Options: &openapi3filter.Options{IncludeResponseStatus: true}}
	out.SetBodyBytes(body)
	if err := openapi3filter.ValidateResponse(context.Background(), out); err != nil {
		c.t.Errorf("%s %s -> %d does not match the OpenAPI document: %v\nbody: %s", req.Method, req.URL.Path, resp.StatusCode, err, body)
	}
}

// problem asserts an RFC 9457 error with the given status and code.
func (c *client) problem(method, path string, body any, status int, code string) {
	c.t.Helper()
	var p server.Problem
	c.do(method, path, body, status, &p)
	if p.Code != code || p.Status != status || p.Detail == "" {
		c.t.Errorf("%s %s: problem %+v, want status %d code %s", method, path, p, status, code)
	}
}

type user struct {
	ID    int64  `json:"id"`
	Token string `json:"token"`
}

type planState struct {
	Status      string `json:"status"`
	CurrentStep int    `json:"current_step"`
	Version     int64  `json:"version"`
	Steps       []struct {
		Number        int    `json:"number"`
		Status        string `json:"status"`
		DueOn         string `json:"due_on"`
		RemindersSent int    `json:"reminders_sent"`
	} `json:"steps"`
}

type planDetail struct {
	ID          int64  `json:"id"`
	WorkflowID  string `json:"workflow_id"`
	Status      string `json:"status"`
	CurrentStep int    `json:"current_step"`
	Steps       []struct {
		Number    int    `json:"number"`
		Status    string `json:"status"`
		Summary   string `json:"summary"`
		Decisions []struct {
			ApproverName string `json:"approver_name"`
			Decision     string `json:"decision"`
			Comment      string `json:"comment"`
		} `json:"decisions"`
	} `json:"steps"`
}

type people struct {
	admin, coordinator, gov, cso, contributor *client
	ids                                       map[string]int64
}

// cast creates the people of a plan: a coordinator, two approvers (one
// from government, one from civil society) and a contributor.
func cast(t *testing.T, admin *client) people {
	p := people{admin: admin, ids: map[string]int64{}}
	mk := func(name string) *client {
		var u user
		admin.do("POST", "/api/v1/users", map[string]any{"name": name, "email": strings.ToLower(name) + "@example.org"}, 201, &u)
		if u.Token == "" {
			t.Fatalf("no token for %s", name)
		}
		p.ids[name] = u.ID
		return admin.as(u.Token)
	}
	p.coordinator, p.gov, p.cso, p.contributor = mk("Sofia"), mk("Maria"), mk("Nikos"), mk("Eleni")
	return p
}

func (p people) createPlan(t *testing.T, startsOn string) int64 {
	var plan struct {
		ID          int64  `json:"id"`
		WorkflowID  string `json:"workflow_id"`
		Status      string `json:"status"`
		CurrentStep int    `json:"current_step"`
	}
	p.coordinator.do("POST", "/api/v1/action-plans", map[string]any{"title": "Open Athens 2027", "member": "City of Athens",
		"starts_on": startsOn, "ends_on": "2028-06-30"}, 201, &plan)
	if plan.WorkflowID != fmt.Sprintf("action-plan-%d", plan.ID) || plan.Status != "co_creation" || plan.CurrentStep != 1 {
		t.Fatalf("created plan %+v", plan)
	}
	base := fmt.Sprintf("/api/v1/action-plans/%d", plan.ID)
	p.coordinator.do("PUT", fmt.Sprintf("%s/members/%d", base, p.ids["Maria"]), map[string]any{"roles": []string{"approver"}, "sector": "government"}, 200, nil)
	p.coordinator.do("PUT", fmt.Sprintf("%s/members/%d", base, p.ids["Nikos"]), map[string]any{"roles": []string{"approver"}, "sector": "civil_society"}, 200, nil)
	p.coordinator.do("PUT", fmt.Sprintf("%s/members/%d", base, p.ids["Eleni"]), map[string]any{"roles": []string{"contributor"}, "sector": "civil_society"}, 200, nil)
	return plan.ID
}

// approve records the step's content, submits it and has both approvers
// approve it.
func (p people) approve(t *testing.T, planID int64, n int) planState {
	p.fillStep(t, planID, n)
	return p.submitApprove(t, planID, n)
}

// submitApprove submits a step whose content is recorded and has both
// approvers approve it.
func (p people) submitApprove(t *testing.T, planID int64, n int) planState {
	base := fmt.Sprintf("/api/v1/action-plans/%d/steps/%d", planID, n)
	var st planState
	p.coordinator.do("POST", base+"/submit", map[string]any{"summary": fmt.Sprintf("Work of step %d, discussed in the forum", n)}, 200, &st)
	if st.Steps[n-1].Status != "awaiting_approval" {
		t.Fatalf("step %d after submit: %s", n, st.Steps[n-1].Status)
	}
	p.gov.do("POST", base+"/decisions", map[string]any{"decision": "approve"}, 200, &st)
	p.cso.do("POST", base+"/decisions", map[string]any{"decision": "approve", "comment": "Civil society endorses"}, 200, &st)
	if st.Steps[n-1].Status != "approved" {
		t.Fatalf("step %d after both approvals: %s", n, st.Steps[n-1].Status)
	}
	return st
}

// TestWalkthrough takes a plan through all ten steps over HTTP, with the
// refusals a careless client would meet on the way.
func TestWalkthroughSQLite(t *testing.T) {
	t.Parallel()
	walkthrough(t, "")
}

// TestWalkthroughPostgres is the same on PostgreSQL.
func TestWalkthroughPostgres(t *testing.T) {
	t.Parallel()
	walkthrough(t, modelstest.PostgresURL(t))
}

func walkthrough(t *testing.T, databaseURL string) {
	st := startDev(t, stackConfig(t, t.TempDir(), databaseURL))
	defer st.Stop(context.Background())
	admin := newClient(t, st, adminToken)
	p := cast(t, admin)
	lastYear := time.Now().UTC().AddDate(-1, 0, 0).Format(time.DateOnly)
	id := p.createPlan(t, lastYear)
	base := fmt.Sprintf("/api/v1/action-plans/%d", id)

	// Refusals: each a problem+json with a stable code, none changing anything.
	anon := admin.as("")
	anon.problem("POST", base+"/steps/1/submit", map[string]any{"summary": "x"}, 401, "unauthorized")
	admin.as("ogp_not_a_token").problem("GET", "/api/v1/me", nil, 401, "invalid_token")
	p.coordinator.problem("POST", "/api/v1/users", map[string]any{"name": "X", "email": "x@example.org"}, 403, "admin_only")
	p.contributor.problem("POST", base+"/steps/1/submit", map[string]any{"summary": "x"}, 403, "not_coordinator")
	p.coordinator.problem("POST", base+"/steps/2/submit", map[string]any{"summary": "x"}, 409, "not_current_step")
	p.coordinator.problem("POST", base+"/steps/11/submit", map[string]any{"summary": "x"}, 404, "unknown_step")
	p.coordinator.problem("POST", "/api/v1/action-plans/999/steps/1/submit", map[string]any{"summary": "x"}, 404, "unknown_plan")
	p.coordinator.problem("POST", base+"/steps/1/submit", map[string]any{"summary": "x", "approvers": []int{1}}, 400, "unknown_field")
	p.coordinator.problem("POST", base+"/steps/1/submit", `{"summary": `, 400, "malformed_json")
	p.coordinator.problem("POST", base+"/steps/1/submit", map[string]any{"summary": ""}, 422, "summary_required")
	p.coordinator.problem("POST", base+"/steps/1/submit", `{"summary":"`+strings.Repeat("x", 1<<20)+`"}`, 413, "body_too_large")
	p.coordinator.problem("PUT", base+"/steps/3/due-date", map[string]any{"due_on": "2030-01-01"}, 422, "due_date_outside_period")
	p.coordinator.problem("PUT", base+"/steps/3/due-date", map[string]any{"due_on": "1 March"}, 400, "invalid_date")
	p.coordinator.problem("PUT", base+"/steps/3/due-date", map[string]any{}, 400, "due_on_required")
	p.gov.problem("POST", base+"/steps/1/decisions", map[string]any{"decision": "approve"}, 409, "not_awaiting_approval")
	p.coordinator.problem("PUT", fmt.Sprintf("%s/members/%d", base, 9999), map[string]any{"roles": []string{"approver"}, "sector": "government"}, 404, "unknown_user")
	p.coordinator.problem("PUT", fmt.Sprintf("%s/members/%d", base, p.ids["Eleni"]), map[string]any{"roles": []string{"mayor"}, "sector": "government"}, 400, "invalid_role")
	p.coordinator.problem("POST", "/api/v1/action-plans", map[string]any{"title": "X", "member": "Y", "starts_on": "2027-05-01", "ends_on": "2027-01-01"}, 422, "invalid_period")

	// A step with due dates, request changes, and the four-eyes rule.
	var state planState
	p.coordinator.do("PUT", base+"/steps/2/due-date", map[string]any{"due_on": "2028-03-31"}, 200, &state)
	if state.Steps[1].DueOn != "2028-03-31" {
		t.Errorf("due date not set: %+v", state.Steps[1])
	}
	p.coordinator.do("PUT", base+"/steps/4/due-date", map[string]any{"due_on": "2028-04-30"}, 200, &state)
	// Assessment rounds scheduled ahead: opened by the plan's workflow on
	// their dates, once the plan's progress allows them.
	var scheduled struct {
		RoundSchedule []struct {
			Kind    string `json:"kind"`
			OpensOn string `json:"opens_on"`
			Opened  bool   `json:"opened"`
		} `json:"round_schedule"`
	}
	p.coordinator.do("PUT", base+"/settings", map[string]any{"round_schedule": []map[string]any{
		{"kind": "implementation", "opens_on": "2028-01-15"}, {"kind": "results", "opens_on": "2028-06-30"}}}, 200, &scheduled)
	if len(scheduled.RoundSchedule) != 2 || scheduled.RoundSchedule[1].Kind != "results" || scheduled.RoundSchedule[0].Opened {
		t.Errorf("round schedule %+v", scheduled.RoundSchedule)
	}
	p.coordinator.problem("PUT", base+"/settings", map[string]any{"round_schedule": []map[string]any{
		{"kind": "results", "opens_on": "2031-01-01"}}}, 422, "date_outside_period")
	p.coordinator.problem("PUT", base+"/settings", map[string]any{"round_schedule": []map[string]any{
		{"kind": "co_creation", "opens_on": "2028-01-01"}}}, 422, "invalid_kind")
	var cleared planState
	p.coordinator.do("PUT", base+"/steps/4/due-date", map[string]any{"due_on": nil}, 200, &cleared)
	if cleared.Steps[3].DueOn != "" || cleared.Steps[1].DueOn != "2028-03-31" {
		t.Errorf("due date of step 4 not cleared by null, or step 2's touched: %+v", cleared.Steps[1:4])
	}
	p.coordinator.problem("PUT", base+"/steps/4/due-date", map[string]any{"due_on": 20280430}, 400, "invalid_date")
	// Nothing recorded yet: the gate refuses step 1 with every unmet rule,
	// and nothing moves.
	var refused server.Problem
	p.coordinator.do("POST", base+"/steps/1/submit", map[string]any{"summary": "Too early"}, 422, &refused)
	if refused.Code != "step_rules_unmet" || len(refused.Violations) < 3 {
		t.Errorf("empty step 1 refused with %+v", refused)
	}
	p.fillStep(t, id, 1)
	p.coordinator.do("POST", base+"/steps/1/submit", map[string]any{"summary": "Team of four, forum chosen"}, 200, nil)
	p.coordinator.problem("POST", base+"/steps/1/submit", map[string]any{"summary": "again"}, 409, "step_not_submittable")
	p.contributor.problem("POST", base+"/steps/1/decisions", map[string]any{"decision": "approve"}, 403, "not_an_approver")
	p.gov.problem("POST", base+"/steps/1/decisions", map[string]any{"decision": "request_changes"}, 422, "comment_required")
	p.gov.problem("POST", base+"/steps/1/decisions", map[string]any{"decision": "maybe"}, 400, "invalid_decision")
	p.gov.do("POST", base+"/steps/1/decisions", map[string]any{"decision": "request_changes", "comment": "Name the monitoring body"}, 200, &state)
	if state.Steps[0].Status != "changes_requested" {
		t.Fatalf("after request_changes: %s", state.Steps[0].Status)
	}
	p.cso.problem("POST", base+"/steps/1/decisions", map[string]any{"decision": "approve"}, 409, "not_awaiting_approval")
	p.submitApprove(t, id, 1)
	// The coordinator also becomes an approver: still may not approve their own submission.
	p.coordinator.do("PUT", fmt.Sprintf("%s/members/%d", base, p.ids["Sofia"]), map[string]any{"roles": []string{"coordinator", "approver"}, "sector": "government"}, 200, nil)
	p.fillStep(t, id, 2)
	p.coordinator.do("POST", base+"/steps/2/submit", map[string]any{"summary": "Roadmap"}, 200, nil)
	p.coordinator.problem("POST", base+"/steps/2/decisions", map[string]any{"decision": "approve"}, 403, "four_eyes")
	p.gov.do("POST", base+"/steps/2/decisions", map[string]any{"decision": "approve"}, 200, nil)
	// Retrying a decision with the same Idempotency-Key answers the same, once.
	var first, again planState
	p.cso.do("POST", base+"/steps/2/decisions", map[string]any{"decision": "approve"}, 200, &first, "Idempotency-Key", "nikos-step2")
	p.cso.do("POST", base+"/steps/2/decisions", map[string]any{"decision": "approve"}, 200, &again, "Idempotency-Key", "nikos-step2")
	if first.Version != again.Version || again.CurrentStep != 3 {
		t.Errorf("idempotent retry: first v%d, again v%d at step %d", first.Version, again.Version, again.CurrentStep)
	}
	// Step 3 was due yesterday: the coordinator is reminded at once, and
	// the approval stops the reminders.
	yesterday := time.Now().UTC().AddDate(0, 0, -1).Format(time.DateOnly)
	p.coordinator.do("PUT", base+"/steps/3/due-date", map[string]any{"due_on": yesterday}, 200, nil)
	waitForInbox(t, p.coordinator, "step_reminder", 1)
	for n := 3; n <= 8; n++ {
		state = p.approve(t, id, n)
		want := map[int]string{8: "implementation"}[n]
		if want == "" {
			want = "co_creation"
		}
		if state.Status != want {
			t.Errorf("after step %d the plan is %s, want %s", n, state.Status, want)
		}
	}
	// Validation started one workflow per commitment; step 9 waits for them.
	p.coordinator.problem("POST", base+"/steps/9/submit", map[string]any{"summary": "Too early"}, 422, "implementation_not_complete")
	p.completeCommitments(t, id)
	p.submitImplementation(t, id)
	var commitments struct {
		Items []struct{ ID int64 } `json:"items"`
	}
	anon.do("GET", base+"/commitments", nil, 200, &commitments)
	recordHistory(t, st, ogp.CommitmentWorkflowID(commitments.Items[0].ID))
	p.gov.do("POST", base+"/steps/9/decisions", map[string]any{"decision": "approve"}, 200, nil)
	p.cso.do("POST", base+"/steps/9/decisions", map[string]any{"decision": "approve"}, 200, &state)
	if state.Status != "learning" {
		t.Errorf("after step 9 the plan is %s, want learning", state.Status)
	}
	// A decision sent as a bare Temporal signal by someone who is not an
	// approver changes nothing, and the trail records it as refused.
	if err := st.Client.SignalWorkflow(context.Background(), detailWorkflowID(id), "", ogp.SignalDecideStep,
		ogp.DecideStepInput{Step: 10, Decision: ogp.DecisionApprove, Actor: ogp.Actor{UserID: p.ids["Eleni"]}}); err != nil {
		t.Fatalf("signal: %v", err)
	}
	// Nor does one from a user who does not exist (any Temporal client can
	// claim any sender): the trail records the claim, the plan carries on.
	if err := st.Client.SignalWorkflow(context.Background(), detailWorkflowID(id), "", ogp.SignalDecideStep,
		ogp.DecideStepInput{Step: 10, Decision: ogp.DecisionApprove, Actor: ogp.Actor{UserID: 424242}}); err != nil {
		t.Fatalf("signal: %v", err)
	}
	state = p.approve(t, id, 10)
	if state.Status != "completed" {
		t.Errorf("after step 10 the plan is %s", state.Status)
	}

	recordHistory(t, st, detailWorkflowID(id))

	// The co-created plan reads like an OGP Local action plan: the vision
	// first, then the three commitments in template order, never a contact.
	doc := string(anon.do("GET", base+"/document", nil, 200, nil, "Accept", "text/markdown"))
	visionAt := strings.Index(doc, "## Strategic vision")
	if visionAt < 0 || strings.Count(doc, "### Commitment ") != 3 || strings.Index(doc, "### Commitment 1") < visionAt ||
		strings.Index(doc, "### Commitment 3") < strings.Index(doc, "### Commitment 2") {
		t.Errorf("the document does not show the vision and then three commitments in order:\n%s", doc)
	}
	for _, part := range []string{"#### Milestones", "#### Other actors involved", "Bus timetables"} {
		if !strings.Contains(doc, part) {
			t.Errorf("the document lacks %q", part)
		}
	}
	if strings.Contains(doc, "@") {
		t.Errorf("the document shows an e-mail address or contact:\n%s", doc)
	}

	// The projection shows the whole story: every step approved, who decided.
	var detail planDetail
	anon.do("GET", base, nil, 200, &detail)
	if detail.Status != "completed" || len(detail.Steps) != 10 {
		t.Fatalf("plan detail: %s with %d steps", detail.Status, len(detail.Steps))
	}
	for _, s := range detail.Steps {
		if s.Status != "approved" || s.Summary == "" {
			t.Errorf("step %d: %s %q", s.Number, s.Status, s.Summary)
		}
	}
	if d := detail.Steps[0].Decisions; len(d) != 3 || d[0].Decision != "request_changes" || d[0].ApproverName != "Maria" {
		t.Errorf("step 1 decisions: %+v", d)
	}
	var plans struct {
		Items []struct{ ID int64 } `json:"items"`
		Total int64                `json:"total"`
	}
	anon.do("GET", "/api/v1/action-plans?status=completed", nil, 200, &plans)
	if plans.Total != 1 || plans.Items[0].ID != id {
		t.Errorf("completed plans: %+v", plans)
	}
	anon.do("GET", "/api/v1/action-plans?status=co_creation", nil, 200, &plans)
	if plans.Total != 0 {
		t.Errorf("co_creation plans: %+v", plans)
	}
	anon.problem("GET", "/api/v1/action-plans?status=finished", nil, 400, "invalid_status")

	// The audit trail, oldest first and paginated.
	var events struct {
		Items []struct {
			Seq     int64           `json:"seq"`
			Kind    string          `json:"kind"`
			ActorID *int64          `json:"actor_id"`
			Payload json.RawMessage `json:"payload"`
		} `json:"items"`
		Total int64 `json:"total"`
	}
	anon.do("GET", base+"/events?per_page=200", nil, 200, &events)
	counts := map[string]int{}
	for i, e := range events.Items {
		counts[e.Kind]++
		if e.Seq != int64(i+1) {
			t.Errorf("event %d has seq %d: the trail has gaps or duplicates", i, e.Seq)
		}
	}
	if counts["step_approved"] != 10 || counts["step_submitted"] != 11 || counts["implementation_started"] != 1 || counts["commitment_closed"] != 3 || counts["changes_requested"] != 1 ||
		counts["plan_created"] != 1 || counts["plan_completed"] != 1 || counts["step_decided"] != 21 || counts["due_date_set"] != 12 ||
		counts["signal_refused"] != 2 || counts["reminder_sent"] != 1 {
		t.Errorf("event counts %v", counts)
	}
	if int64(len(events.Items)) != events.Total {
		t.Errorf("%d events of %d", len(events.Items), events.Total)
	}
	var page2 struct {
		Items []struct{ Seq int64 } `json:"items"`
	}
	anon.do("GET", base+"/events?page=2&per_page=5", nil, 200, &page2)
	if len(page2.Items) != 5 || page2.Items[0].Seq != 6 {
		t.Errorf("page 2: %+v", page2.Items)
	}

	// A closed plan refuses changes with a clear reason.
	p.coordinator.problem("PUT", base+"/steps/10/due-date", map[string]any{"due_on": "2028-01-01"}, 409, "plan_completed")
	// People heard what concerned them, once each: approvers each
	// submission (11), the coordinator each approval, the request for
	// changes and the one overdue step.
	if got := inboxKinds(p.coordinator); got["step_reminder"] != 1 || got["step_approved"] != 10 || got["changes_requested"] != 1 || got["decision_needed"] != 0 {
		t.Errorf("coordinator inbox %v", got)
	}
	// and the results round's draft and report (step 10).
	if got := inboxKinds(p.gov); got["decision_needed"] != 11 || got["assessment_draft_published"] != 1 || got["assessment_published"] != 1 || len(got) != 3 {
		t.Errorf("government approver inbox %v", got)
	}
	if got := inboxKinds(p.contributor); len(got) != 0 {
		t.Errorf("contributor inbox %v", got)
	}
	var members struct {
		Items []server.MemberResponse `json:"items"`
	}
	anon.do("GET", base+"/members", nil, 200, &members)
	// The four people, and the monitoring body's member step 1 added.
	if len(members.Items) != 5 {
		t.Errorf("members: %+v", members.Items)
	}
	var me server.UserResponse
	p.gov.do("GET", "/api/v1/me", nil, 200, &me)
	if me.Name != "Maria" || me.Token != "" {
		t.Errorf("me: %+v", me)
	}
}

// TestRestartKeepsPlansAndTimers stops the dev stack mid-plan and starts a
// new one over the same data dir: the plan, its workflow and its pending
// reminder timer carry on, with no reminder lost or sent twice.
func TestRestartKeepsPlansAndTimers(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	cfg := stackConfig(t, dir, "")
	st := startDev(t, cfg)
	admin := newClient(t, st, adminToken)
	p := cast(t, admin)
	// The plan started last year, and step 1 was due yesterday: overdue, so
	// the coordinator is reminded at once and the next reminder is a timer
	// a week ahead.
	yesterday := time.Now().UTC().AddDate(0, 0, -1).Format(time.DateOnly)
	startsOn := time.Now().UTC().AddDate(-1, 0, 0).Format(time.DateOnly)
	id := p.createPlan(t, startsOn)
	base := fmt.Sprintf("/api/v1/action-plans/%d", id)
	p.coordinator.do("PUT", base+"/steps/1/due-date", map[string]any{"due_on": yesterday}, 200, nil)
	waitForInbox(t, p.coordinator, "step_reminder", 1)
	timer := pendingTimer(t, st, ogp.ActionPlanWorkflowID(id))
	if d := timer.GetStartToFireTimeout().AsDuration(); d < 6*24*time.Hour || d > 7*24*time.Hour {
		t.Fatalf("pending reminder timer fires in %v, want about a week", d)
	}
	st.Stop(context.Background())

	st2 := startDev(t, cfg)
	defer st2.Stop(context.Background())
	c := newClient(t, st2, adminToken)
	p.coordinator, p.gov, p.cso = c.as(p.coordinator.token), c.as(p.gov.token), c.as(p.cso.token)

	// The same timer is still pending after the restart, and the reminder
	// that fired before it is neither lost nor repeated.
	time.Sleep(time.Second)
	if again := pendingTimer(t, st2, ogp.ActionPlanWorkflowID(id)); again.GetTimerId() != timer.GetTimerId() {
		t.Errorf("pending timer after restart is %s, want %s", again.GetTimerId(), timer.GetTimerId())
	}
	var inbox struct {
		Items []struct {
			ID      int64  `json:"id"`
			Kind    string `json:"kind"`
			Subject string `json:"subject"`
		} `json:"items"`
		Total int64 `json:"total"`
	}
	p.coordinator.do("GET", "/api/v1/notifications", nil, 200, &inbox)
	if inbox.Total != 1 || inbox.Items[0].Kind != "step_reminder" || !strings.Contains(inbox.Items[0].Subject, "step 1 is overdue") {
		t.Fatalf("coordinator inbox after restart: %+v", inbox)
	}
	var read struct {
		ReadAt *string `json:"read_at"`
	}
	p.coordinator.do("POST", fmt.Sprintf("/api/v1/notifications/%d/read", inbox.Items[0].ID), nil, 200, &read)
	if read.ReadAt == nil {
		t.Error("notification not marked read")
	}
	p.gov.problem("POST", fmt.Sprintf("/api/v1/notifications/%d/read", inbox.Items[0].ID), nil, 404, "unknown_notification")
	p.coordinator.do("GET", "/api/v1/notifications?unread=true", nil, 200, &inbox)
	if inbox.Total != 0 {
		t.Errorf("unread after reading: %d", inbox.Total)
	}

	// The plan continues where it was; approvers hear that a decision waits.
	var detail planDetail
	p.coordinator.do("GET", base, nil, 200, &detail)
	if detail.CurrentStep != 1 || detail.Steps[0].Status != "in_progress" {
		t.Fatalf("after restart: step %d %s", detail.CurrentStep, detail.Steps[0].Status)
	}
	p.fillStep(t, id, 1)
	p.coordinator.do("POST", base+"/steps/1/submit", map[string]any{"summary": "Team, forum and monitoring body in place"}, 200, nil)
	waitForInbox(t, p.gov, "decision_needed", 1)
	waitForInbox(t, p.cso, "decision_needed", 1)
	var state planState
	p.gov.do("POST", base+"/steps/1/decisions", map[string]any{"decision": "approve"}, 200, &state)
	p.cso.do("POST", base+"/steps/1/decisions", map[string]any{"decision": "approve"}, 200, &state)
	if state.CurrentStep != 2 {
		t.Errorf("after restart and approval: step %d", state.CurrentStep)
	}
	waitForInbox(t, p.coordinator, "step_approved", 1)
	if _, err := os.Stat(filepath.Join(dir, "temporal.db")); err != nil {
		t.Errorf("no Temporal database file in the data dir: %v", err)
	}
}

// pendingTimer waits (a few seconds at most) until the workflow has
// exactly one started timer that has neither fired nor been cancelled,
// read from its durable history, and returns it.
func pendingTimer(t *testing.T, st *app.Stack, workflowID string) *historypb.TimerStartedEventAttributes {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		started := map[string]*historypb.TimerStartedEventAttributes{}
		it := st.Client.GetWorkflowHistory(context.Background(), workflowID, "", false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
		for it.HasNext() {
			e, err := it.Next()
			if err != nil {
				t.Fatalf("history: %v", err)
			}
			switch {
			case e.GetTimerStartedEventAttributes() != nil:
				a := e.GetTimerStartedEventAttributes()
				started[a.GetTimerId()] = a
			case e.GetTimerFiredEventAttributes() != nil:
				delete(started, e.GetTimerFiredEventAttributes().GetTimerId())
			case e.GetTimerCanceledEventAttributes() != nil:
				delete(started, e.GetTimerCanceledEventAttributes().GetTimerId())
			}
		}
		if len(started) == 1 {
			for _, a := range started {
				return a
			}
		}
		if len(started) > 1 || time.Now().After(deadline) {
			t.Fatalf("%d pending timers in the history of %s, want 1", len(started), workflowID)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// waitForInbox waits until c has n notifications of a kind. A message cut
// short by a stop is retried once its activity times out, within seconds.
func waitForInbox(t *testing.T, c *client, kind string, n int) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		got := inboxKinds(c)[kind]
		if got >= n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("inbox has %d %s notifications after a minute, want %d", got, kind, n)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// inboxKinds counts c's notifications by kind.
func inboxKinds(c *client) map[string]int {
	var inbox struct {
		Items []struct {
			Kind string `json:"kind"`
		} `json:"items"`
	}
	c.do("GET", "/api/v1/notifications?per_page=200", nil, 200, &inbox)
	out := map[string]int{}
	for _, n := range inbox.Items {
		out[n.Kind]++
	}
	return out
}

func detailWorkflowID(id int64) string { return ogp.ActionPlanWorkflowID(id) }

// recordHistory writes the workflow's history to the replay test's
// testdata when OGP_RECORD_HISTORY names a file, so a deliberate change of
// the workflow can be re-recorded: OGP_RECORD_HISTORY=... go test ./app -run WalkthroughSQLite.
func recordHistory(t *testing.T, st *app.Stack, workflowID string) {
	t.Helper()
	path := os.Getenv("OGP_RECORD_HISTORY")
	if path == "" {
		return
	}
	if !strings.HasPrefix(workflowID, "action-plan-") {
		// Other workflows' histories go beside the plan's, named by type.
		path = filepath.Join(filepath.Dir(path), strings.SplitN(workflowID, "-", 2)[0]+"_walkthrough.json")
	}
	ctx := context.Background()
	var events []*historypb.HistoryEvent
	it := st.Client.GetWorkflowHistory(ctx, workflowID, "", false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	for it.HasNext() {
		e, err := it.Next()
		if err != nil {
			t.Fatalf("history: %v", err)
		}
		events = append(events, e)
	}
	b, err := temporalproto.CustomJSONMarshalOptions{Indent: "  "}.Marshal(&historypb.History{Events: events})
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("recorded %d history events to %s", len(events), path)
}

// TestHealth checks the probes.
func TestHealth(t *testing.T) {
	t.Parallel()
	st := startDev(t, stackConfig(t, t.TempDir(), ""))
	defer st.Stop(context.Background())
	c := newClient(t, st, "")
	c.do("GET", "/healthz", nil, 200, nil)
	c.do("GET", "/readyz", nil, 200, nil)
	var doc map[string]any
	c.do("GET", "/api/v1/openapi.json", nil, 200, &doc)
	if doc["openapi"] == nil {
		t.Error("openapi.json is not an OpenAPI document")
	}
}

// TestSeparateServerAndWorker runs the production shape: `ogp migrate`,
// then an API server and two workers as separate components against an
// external Temporal (here a dev server standing in for the cluster).
func TestSeparateServerAndWorker(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	port, err := devserver.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	temporal, err := devserver.Start(ctx, devserver.Config{DatabaseFile: filepath.Join(dir, "cluster.db"), FrontendPort: port})
	for retry := 0; err != nil && retry < 3 && strings.Contains(err.Error(), "port not available"); retry++ {
		if port, err = devserver.FreePort(); err != nil {
			t.Fatal(err)
		}
		temporal, err = devserver.Start(ctx, devserver.Config{DatabaseFile: filepath.Join(dir, "cluster.db"), FrontendPort: port})
	}
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = temporal.Stop() }()

	dbURL := filepath.Join(dir, "app.db")
	if os.Getenv(modelstest.EnvDatabaseURL) != "" {
		dbURL = modelstest.PostgresURL(t)
	}
	cfg := stackConfig(t, dir, dbURL)
	cfg.DatabaseURL = dbURL
	cfg.TemporalAddress = temporal.FrontendAddress()
	if err := app.Migrate(ctx, cfg); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	// The API refuses nothing while no worker runs: it starts, and plans
	// wait in Temporal until a worker picks them up.
	api, err := app.StartServer(ctx, cfg)
	if err != nil {
		t.Fatalf("server: %v", err)
	}
	defer api.Stop(context.Background())
	for i := 0; i < 2; i++ {
		w, err := app.StartWorker(ctx, cfg)
		if err != nil {
			t.Fatalf("worker %d: %v", i, err)
		}
		defer w.Stop(context.Background())
	}
	admin := newClient(t, api, adminToken)
	admin.do("GET", "/readyz", nil, 200, nil)
	p := cast(t, admin)
	id := p.createPlan(t, time.Now().UTC().AddDate(-1, 0, 0).Format(time.DateOnly))
	for n := 1; n <= 3; n++ {
		p.approve(t, id, n)
	}
	var detail planDetail
	admin.do("GET", fmt.Sprintf("/api/v1/action-plans/%d", id), nil, 200, &detail)
	if detail.CurrentStep != 4 || detail.Steps[2].Status != "approved" {
		t.Errorf("plan at step %d, step 3 %s", detail.CurrentStep, detail.Steps[2].Status)
	}
}
