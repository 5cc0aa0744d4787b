package server

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http/httptest"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers/gorillamux"

	"github.com/ogplocal/ogp"
	"github.com/ogplocal/ogp/models"
)

// TestImplementationSchemasMatchGoTypes keeps 90-implementation.json true
// to the request and response types of the implementation routes.
func TestImplementationSchemasMatchGoTypes(t *testing.T) {
	doc := openapiDoc(t)
	for _, c := range []struct {
		schema  string
		typ     any
		request bool
	}{
		{"ImplementationPlan", ImplementationPlanResponse{}, false},
		{"ImplementationRun", ImplementationRunResponse{}, false},
		{"ImplementationMilestoneSummary", ImplementationMilestoneSummaryResponse{}, false},
		{"ImplementationCommitment", ImplementationCommitmentResponse{}, false},
		{"ImplementationMilestone", ImplementationMilestoneResponse{}, false},
		{"ImplementationReport", ImplementationReportResponse{}, false},
		{"ImplementationDelay", ImplementationDelayResponse{}, false},
		{"ImplementationAmendment", ImplementationAmendmentResponse{}, false},
		{"ImplementationWithdrawal", ImplementationWithdrawalResponse{}, false},
		{"ImplementationDecision", ImplementationDecisionResponse{}, false},
		{"ImplementationProgressRequest", progressRequest{}, true},
		{"ImplementationCompleteRequest", completeRequest{}, true},
		{"ImplementationDelayRequest", delayRequest{}, true},
		{"ImplementationAmendmentRequest", amendmentRequest{}, true},
		{"ImplementationDecisionRequest", requestDecisionRequest{}, true},
		{"ImplementationWithdrawalRequest", withdrawalRequest{}, true},
	} {
		ref := doc.Components.Schemas[c.schema]
		if ref == nil {
			t.Errorf("components.schemas.%s is missing", c.schema)
			continue
		}
		compareSchema(t, c.schema, ref.Value, reflect.TypeOf(c.typ), c.request)
	}
}

// TestImplementationEnumsMatchDomain keeps the documented enums and limits
// equal to the domain's.
func TestImplementationEnumsMatchDomain(t *testing.T) {
	doc := openapiDoc(t)
	enum := func(name string) []string {
		var out []string
		for _, v := range doc.Components.Schemas[name].Value.Enum {
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
	for name, want := range map[string][]string{
		"ImplementationCommitmentStatus": strs(ogp.CommitmentActive, ogp.CommitmentCompleted, ogp.CommitmentWithdrawn),
		"ImplementationCompletion":       strs(ogp.CompletionNotStarted, ogp.CompletionLimited, ogp.CompletionSubstantial, ogp.CompletionCompleted),
		"ImplementationMilestoneStatus":  strs(ogp.MilestoneNotStarted, ogp.MilestoneInProgress, ogp.MilestoneCompleted),
		"ImplementationSchedule":         strs(ogp.ScheduleOnTrack, ogp.ScheduleDueSoon, ogp.ScheduleOverdue, ogp.ScheduleDoneLate, ogp.ScheduleDoneOnTime),
		"ImplementationRequestStatus":    strs(ogp.AmendmentPending, ogp.AmendmentApproved, ogp.AmendmentRejected),
	} {
		if got := enum(name); !slices.Equal(got, want) {
			t.Errorf("%s enum = %v, want %v", name, got, want)
		}
	}
	prop := func(schema, field string) *openapi3.Schema {
		return doc.Components.Schemas[schema].Value.Properties[field].Value
	}
	for _, c := range []struct {
		schema, field string
		want          int
	}{
		{"ImplementationProgressRequest", "narrative", ogp.MaxNarrativeLen},
		{"ImplementationCompleteRequest", "narrative", ogp.MaxNarrativeLen},
		{"ImplementationDelayRequest", "text", ogp.MaxCommentLen},
		{"ImplementationAmendmentRequest", "reason", ogp.MaxCommentLen},
		{"ImplementationAmendmentRequest", "new_title", ogp.MaxTitleLen},
		{"ImplementationDecisionRequest", "comment", ogp.MaxCommentLen},
		{"ImplementationWithdrawalRequest", "reason", ogp.MaxCommentLen},
	} {
		if m := prop(c.schema, c.field).MaxLength; m == nil || int(*m) != c.want {
			t.Errorf("%s.%s maxLength = %v, want %d", c.schema, c.field, m, c.want)
		}
	}
	for _, schema := range []string{"ImplementationProgressRequest", "ImplementationCompleteRequest"} {
		if m := prop(schema, "evidence").MaxItems; m == nil || int(*m) != ogp.MaxEvidenceLinks {
			t.Errorf("%s.evidence maxItems = %v, want %d", schema, m, ogp.MaxEvidenceLinks)
		}
	}
}

// --- handlers against an in-memory store and engine

// implStore serves plan 1 with commitment 1 (milestones 11 and 12, in
// implementation), commitment 2 (milestone 21, before step 9) and
// commitment 3 (milestone 31, completed: its workflow has ended).
type implStore struct{ openapiStore }

var implNow = time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)

func implState(id int64) ogp.CommitmentState {
	started := implNow.Add(-48 * time.Hour)
	done := implNow.Add(-24 * time.Hour)
	return ogp.CommitmentState{PlanID: 1, CommitmentID: id, WorkflowID: ogp.CommitmentWorkflowID(id), Number: int(id), Title: "Open budget",
		LeadUserID: 1, Status: ogp.CommitmentActive, Completion: ogp.CompletionSubstantial, Version: 7, Policy: ogp.DefaultReminderPolicy(),
		Milestones: []ogp.MilestoneState{
			{ID: id*10 + 1, Title: "Publish", Responsible: "Finance", ResponsibleUserID: 2, StartsOn: "2026-01-01", DueOn: "2026-02-28",
				Status: ogp.MilestoneCompleted, Percent: 100, CompletedAt: &done,
				Reports: []ogp.ProgressReport{{Seq: 1, Status: ogp.MilestoneInProgress, Percent: 50, Narrative: "Half.", ReportedBy: 2, ReportedAt: started},
					{Seq: 2, Status: ogp.MilestoneCompleted, Percent: 100, Narrative: "Done.", Evidence: []string{"https://example.org/e"}, ReportedBy: 2, ReportedAt: done}},
				Delays: []ogp.DelayExplanation{{Text: "Vendor late.", ExplainedBy: 2, ExplainedAt: started}}},
			{ID: id*10 + 2, Title: "Explain", Responsible: "Comms", StartsOn: "2026-02-01", DueOn: "2026-03-03", Status: ogp.MilestoneInProgress, Percent: 20,
				Reports: []ogp.ProgressReport{}, Delays: []ogp.DelayExplanation{}},
		},
		Amendments: []ogp.Amendment{{Seq: 1, MilestoneID: id*10 + 2, OldDueOn: "2026-02-20", NewDueOn: "2026-03-03", Reason: "Later.", RequestedBy: 1,
			RequestedAt: started, Approvers: []int64{2}, Decisions: []ogp.Approval{{Round: 1, ApproverID: 2, Decision: ogp.DecisionApprove, DecidedAt: done}},
			Status: ogp.AmendmentApproved}},
		PastWithdrawals: []ogp.Withdrawal{{Reason: "No money.", RequestedBy: 1, RequestedAt: started, Approvers: []int64{2},
			Decisions: []ogp.Approval{{Round: 1, ApproverID: 2, Decision: ogp.DecisionRequestChanges, Comment: "Keep it.", DecidedAt: done}}, Status: ogp.AmendmentRejected}},
	}
}

func (*implStore) GetCommitment(_ context.Context, planID, id int64) (ogp.Commitment, error) {
	if planID != 1 || id < 1 || id > 3 {
		return ogp.Commitment{}, ogp.Errorf(ogp.ENotFound, "unknown_commitment", "there is no commitment %d in this plan", id)
	}
	return ogp.Commitment{ID: id, Number: int(id), Title: "Open budget", Milestones: []ogp.Milestone{{ID: id*10 + 1}, {ID: id*10 + 2}}}, nil
}

func (*implStore) PlanImplementation(context.Context, int64) ([]ogp.CommitmentState, error) {
	return []ogp.CommitmentState{implState(1)}, nil
}

func (*implStore) CommitmentImplementation(_ context.Context, _, id int64) (ogp.CommitmentState, error) {
	switch id {
	case 1:
		return implState(1), nil
	case 2:
		return ogp.CommitmentState{}, ogp.Errorf(ogp.EConflict, "implementation_not_started", "not yet")
	}
	return ogp.CommitmentState{}, ogp.Errorf(ogp.ENotFound, "unknown_commitment", "there is no commitment %d in this plan", id)
}

func (*implStore) CommitmentRun(_ context.Context, id int64) (models.CommitmentRunRecord, error) {
	if id == 3 {
		return models.CommitmentRunRecord{CommitmentID: 3, Status: string(ogp.CommitmentCompleted)}, nil
	}
	return models.CommitmentRunRecord{}, models.ErrNotFound
}

// implEngine answers commitment updates for commitment 1 and records
// them; the others' workflows do not run.
type implEngine struct {
	openapiEngine
	names []string
	args  []any
}

func (e *implEngine) UpdateCommitment(_ context.Context, id int64, name, _ string, arg any) (ogp.CommitmentState, error) {
	if id != 1 {
		return ogp.CommitmentState{}, errImplementationNotStarted(id)
	}
	e.names, e.args = append(e.names, name), append(e.args, arg)
	if in, ok := arg.(ogp.ReportProgressInput); ok && in.Percent == 13 {
		return ogp.CommitmentState{}, ogp.Errorf(ogp.EForbidden, "not_responsible", "you are not responsible for milestone %d", in.MilestoneID)
	}
	return implState(1), nil
}

func TestImplementationHandlers(t *testing.T) {
	doc := openapiDoc(t)
	router, err := gorillamux.NewRouter(doc)
	if err != nil {
		t.Fatal(err)
	}
	eng := &implEngine{}
	s := New(&implStore{}, eng, nil)
	s.now = func() time.Time { return implNow }
	const admin = "admin-token"
	base := "/api/v1/action-plans/1/commitments"
	type call struct {
		method, url, token, body string
		want                     int
		code                     string
	}
	for _, c := range []call{
		{"GET", "/api/v1/action-plans/1/implementation", "", "", 200, ""},
		{"GET", "/api/v1/action-plans/2/implementation", "", "", 404, "unknown_plan"},
		{"GET", base + "/1/implementation", "", "", 200, ""},
		{"GET", base + "/2/implementation", "", "", 409, "implementation_not_started"},
		{"GET", base + "/9/implementation", "", "", 404, "unknown_commitment"},
		{"POST", base + "/1/milestones/11/progress", admin, `{"status":"in_progress","percent":60,"narrative":"More.","evidence":[" https://example.org/a "]}`, 200, ""},
		{"POST", base + "/1/milestones/11/progress", admin, `{"status":"in_progress","percent":13,"narrative":"More."}`, 403, "not_responsible"},
		{"POST", base + "/1/milestones/11/progress", admin, `{"status":"in_progress","narrative":"x","evidence":["ftp://example.org/a"]}`, 422, "invalid_url"},
		{"POST", base + "/1/milestones/11/progress", admin, `{"status":"in_progress","narrative":"x","extra":1}`, 400, "unknown_field"},
		{"POST", base + "/1/milestones/11/progress", "", `{"status":"in_progress","narrative":"x"}`, 401, "unauthorized"},
		{"POST", base + "/1/milestones/99/progress", admin, `{"status":"in_progress","narrative":"x"}`, 404, "unknown_milestone"},
		{"POST", base + "/9/milestones/11/progress", admin, `{"status":"in_progress","narrative":"x"}`, 404, "unknown_commitment"},
		{"POST", base + "/2/milestones/21/progress", admin, `{"status":"in_progress","narrative":"x"}`, 409, "implementation_not_started"},
		{"POST", base + "/3/milestones/31/complete", admin, `{"evidence":["https://example.org/e"]}`, 409, "commitment_closed"},
		{"POST", base + "/1/milestones/12/complete", admin, `{"narrative":"Done.","evidence":["https://example.org/e"]}`, 200, ""},
		{"POST", base + "/1/milestones/12/delay-explanation", admin, `{"text":"The vendor."}`, 200, ""},
		{"POST", base + "/1/milestones/12/amendments", admin, `{"new_due_on":"2026-04-30","reason":"Later."}`, 200, ""},
		{"POST", base + "/1/milestones/12/amendments", admin, `{"new_due_on":"30/04/2026","reason":"Later."}`, 400, "invalid_date"},
		{"POST", base + "/1/amendments/1/decisions", admin, `{"decision":"approve"}`, 200, ""},
		{"POST", base + "/1/amendments/0/decisions", admin, `{"decision":"approve"}`, 404, "unknown_amendment"},
		{"POST", base + "/1/amendments/1/decisions", admin, `{"decision":"maybe"}`, 400, "invalid_decision"},
		{"POST", base + "/1/withdrawal", admin, `{"reason":"No money."}`, 200, ""},
		{"POST", base + "/1/withdrawal/decisions", admin, `{"decision":"request_changes","comment":"Keep it."}`, 200, ""},
	} {
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
		route, params, err := router.FindRoute(req)
		if err != nil {
			t.Errorf("%s: no operation in the document: %v", name, err)
			continue
		}
		in := &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route,
			Options: &openapi3filter.Options{AuthenticationFunc: openapiBearer, MultiError: true}}
		if c.want < 300 {
			req.Body = io.NopCloser(strings.NewReader(c.body))
			if err := openapi3filter.ValidateRequest(context.Background(), in); err != nil {
				t.Errorf("%s: the request does not validate: %v", name, err)
			}
			req.Body = io.NopCloser(strings.NewReader(c.body))
		}
		rec := httptest.NewRecorder()
		s.Handler().ServeHTTP(rec, req)
		if rec.Code != c.want {
			t.Errorf("%s: answered %d: %s", name, rec.Code, rec.Body.String())
			continue
		}
		validateOpenAPIResponse(t, name, in, rec)
		if c.code != "" {
			var p Problem
			if err := json.Unmarshal(rec.Body.Bytes(), &p); err != nil || p.Code != c.code {
				t.Errorf("%s: problem %s, want code %s", name, rec.Body.String(), c.code)
			}
		}
	}

	// What reached the workflow, in order, with the caller as actor.
	actor := ogp.Actor{UserID: 1, IsAdmin: true}
	wantNames := []string{ogp.UpdateReportProgress, ogp.UpdateReportProgress, ogp.UpdateCompleteMilestone, ogp.UpdateExplainDelay,
		ogp.UpdateRequestAmendment, ogp.UpdateDecideAmendment, ogp.UpdateWithdrawCommitment, ogp.UpdateDecideWithdrawal}
	if !slices.Equal(eng.names, wantNames) {
		t.Fatalf("updates %v, want %v", eng.names, wantNames)
	}
	wantArgs := []any{
		ogp.ReportProgressInput{MilestoneID: 11, Status: ogp.MilestoneInProgress, Percent: 60, Narrative: "More.", Evidence: []string{"https://example.org/a"}, Actor: actor},
		ogp.ReportProgressInput{MilestoneID: 11, Status: ogp.MilestoneInProgress, Percent: 13, Narrative: "More.", Evidence: []string{}, Actor: actor},
		ogp.CompleteMilestoneInput{MilestoneID: 12, Narrative: "Done.", Evidence: []string{"https://example.org/e"}, Actor: actor},
		ogp.ExplainDelayInput{MilestoneID: 12, Text: "The vendor.", Actor: actor},
		ogp.RequestAmendmentInput{MilestoneID: 12, NewDueOn: "2026-04-30", Reason: "Later.", Actor: actor},
		ogp.DecideRequestInput{Seq: 1, Decision: ogp.DecisionApprove, Actor: actor},
		ogp.WithdrawCommitmentInput{Reason: "No money.", Actor: actor},
		ogp.DecideRequestInput{Decision: ogp.DecisionRequestChanges, Comment: "Keep it.", Actor: actor},
	}
	for i, want := range wantArgs {
		if !reflect.DeepEqual(eng.args[i], want) {
			t.Errorf("update %d (%s): %#v, want %#v", i, eng.names[i], eng.args[i], want)
		}
	}
}

// TestImplementationResponse checks the public record built from a
// state: schedule states derived at read time, both dates of an
// amendment, every list present even when empty.
func TestImplementationResponse(t *testing.T) {
	st := implState(1)
	got := implementationCommitmentResponse(st, implNow)
	if got.Milestones[0].Schedule != string(ogp.ScheduleDoneOnTime) || got.Milestones[1].Schedule != string(ogp.ScheduleDueSoon) {
		t.Errorf("schedules %s, %s", got.Milestones[0].Schedule, got.Milestones[1].Schedule)
	}
	if later := implementationCommitmentResponse(st, implNow.AddDate(0, 1, 0)); later.Milestones[1].Schedule != string(ogp.ScheduleOverdue) {
		t.Errorf("a month later: %s, want overdue", later.Milestones[1].Schedule)
	}
	if early := implementationCommitmentResponse(st, implNow.AddDate(0, -1, 0)); early.Milestones[1].Schedule != string(ogp.ScheduleOnTrack) {
		t.Errorf("a month earlier: %s, want on_track", early.Milestones[1].Schedule)
	}
	if a := got.Amendments[0]; a.OldDueOn != "2026-02-20" || a.NewDueOn != "2026-03-03" || len(a.Decisions) != 1 {
		t.Errorf("amendment %+v", a)
	}
	if got.Withdrawal != nil || len(got.PastWithdrawals) != 1 || got.PastWithdrawals[0].Status != "rejected" {
		t.Errorf("withdrawals %+v %+v", got.Withdrawal, got.PastWithdrawals)
	}
	b, err := json.Marshal(implementationCommitmentResponse(ogp.CommitmentState{PlanID: 1, CommitmentID: 4,
		Milestones: []ogp.MilestoneState{{ID: 41, DueOn: "2026-12-31"}}}, implNow))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"amendments":[]`, `"past_withdrawals":[]`, `"withdrawal":null`, `"reports":[]`, `"delays":[]`, `"completed_at":null`} {
		if !bytes.Contains(b, []byte(want)) {
			t.Errorf("%s lacks %s", b, want)
		}
	}
}
