package server

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"

	"github.com/ogplocal/ogp"
	"github.com/ogplocal/ogp/models"
)

func init() {
	// The feed and the ZIP are not JSON; validate their answers too.
	openapi3filter.RegisterBodyDecoder("application/atom+xml", openapi3filter.PlainBodyDecoder)
	openapi3filter.RegisterBodyDecoder(zipContentType, openapi3filter.FileBodyDecoder)
}

// TestOpenDataSchemasMatchGoTypes keeps opendata.json true to the types
// the export encodes.
func TestOpenDataSchemasMatchGoTypes(t *testing.T) {
	doc := openapiDoc(t)
	for _, c := range []struct {
		schema string
		typ    any
	}{
		{"OpenDataExport", OpenDataExport{}},
		{"OpenDataCommitment", OpenDataCommitment{}},
		{"OpenDataMilestone", OpenDataMilestone{}},
		{"OpenDataProgressReport", OpenDataProgressReport{}},
		{"OpenDataDelay", OpenDataDelay{}},
		{"OpenDataAmendment", OpenDataAmendment{}},
		{"OpenDataWithdrawal", OpenDataWithdrawal{}},
		// The lists reuse the public API's schemas.
		{"PlanSummary", PlanSummary{}},
		{"PlanStep", StepResponse{}},
		{"ProblemItem", ProblemResponse{}},
		{"LearningRound", RoundResponse{}},
	} {
		ref := doc.Components.Schemas[c.schema]
		if ref == nil {
			t.Errorf("components.schemas.%s is missing", c.schema)
			continue
		}
		compareSchema(t, c.schema, ref.Value, reflect.TypeOf(c.typ), false)
	}
}

// Private values of the fixture: the store may hand them over by mistake,
// the answers must never show them.
var openDataServerSecrets = []string{"ana.private@example.org", "spammer@example.org", "Buy cheap watches", "Advertising"}

var odAt = time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)

// openDataFixture is plan 7, in implementation: steps with decisions,
// events, a commitment with two milestones (one completed after a
// progress report, one amended and late), a rejected withdrawal, two
// published problems (and a hidden one the store should not have given),
// a draft report open for comments and a final one. Its title needs
// escaping in XML.
func openDataFixture() models.OpenData {
	at := func(h int) time.Time { return odAt.Add(time.Duration(h) * time.Hour) }
	ptr := func(t time.Time) *time.Time { return &t }
	n := func(v int) *int { return &v }
	coord := int64(1)
	d := models.OpenData{Plan: models.ActionPlan{ID: 7, Title: `Open Athens <2026> & "beyond"`, Member: "City of Athens",
		StartsOn: "2026-01-01", EndsOn: "2027-12-31", Status: string(ogp.PlanImplementation), CurrentStep: 9, WorkflowID: "action-plan-7",
		CoordinatorID: 1, ReminderIntervalDays: 7, CreatedAt: time.Date(2026, 1, 10, 8, 0, 0, 0, time.UTC), UpdatedAt: at(10)}}
	for _, def := range ogp.Steps {
		st := models.Step{PlanID: 7, Number: def.Number, Key: string(def.Key), Status: string(ogp.StepNotStarted), UpdatedAt: at(0)}
		if def.Number < 9 {
			st.Status, st.Round, st.ApprovedAt, st.StartedAt = string(ogp.StepApproved), 1, ptr(at(-100+def.Number)), ptr(at(-200+def.Number))
		}
		if def.Number == 9 {
			st.Status, st.StartedAt = string(ogp.StepInProgress), ptr(at(-91))
		}
		d.Steps = append(d.Steps, st)
	}
	d.Decisions = []models.OpenDecision{
		{Decision: models.Decision{ID: 1, PlanID: 7, StepNumber: 8, Round: 1, ApproverID: 2, Decision: string(ogp.DecisionApprove), DecidedAt: at(-92)}, ApproverName: "Maria"},
	}
	d.Events = []models.AuditEvent{
		{ID: 1, PlanID: 7, Seq: 1, Kind: ogp.EventPlanCreated, ActorID: &coord, Payload: `{"title":"x"}`, OccurredAt: at(-300)},
		{ID: 2, PlanID: 7, Seq: 40, Kind: ogp.EventStepSubmitted, StepNumber: n(8), Payload: `{"round":2,"summary":"Co-signed <plan>."}`, OccurredAt: at(-95)},
		{ID: 3, PlanID: 7, Seq: 41, Kind: ogp.EventChangesRequested, StepNumber: n(8), Payload: `{"round":2,"comment":"Add the forum & its minutes."}`, OccurredAt: at(-94)},
		{ID: 4, PlanID: 7, Seq: 42, Kind: ogp.EventStepApproved, StepNumber: n(8), Payload: `{"round":3}`, OccurredAt: at(-92)},
		{ID: 5, PlanID: 7, Seq: 43, Kind: ogp.EventStepStarted, StepNumber: n(9), Payload: `{"key":"implementation"}`, OccurredAt: at(-92)},
	}
	d.Commitments = []ogp.Commitment{{ID: 3, Number: 1, Title: "Open budget", ProblemID: 11, StartsOn: "2026-02-01", EndsOn: "2027-06-30",
		LeadAgency: "Finance", ProblemStatement: "Opaque, \"really\".", StatusQuo: "PDFs\nonly", Objective: "Open data", HowItSolves: "Publish",
		Values:     []ogp.CommitmentValue{{Value: ogp.ValueTransparency, Justification: "j"}, {Value: ogp.ValueParticipation, Justification: "k"}},
		Milestones: []ogp.Milestone{{ID: 31, Title: "Publish", StartsOn: "2026-02-01", DueOn: "2026-02-28", Responsible: "Finance"}, {ID: 32, Title: "Explain", StartsOn: "2026-03-01", DueOn: "2026-04-30", Responsible: "Comms", ResponsibleUserID: 1}},
		Network:    []ogp.SupportActor{{ID: 5, Name: "Ana", Organisation: "Civic Lab", Sector: ogp.ActorCivilSociety, Role: ogp.ActorSupporter, Contact: "ana.private@example.org"}},
		LeadUserID: 1}}
	d.Runs = []models.CommitmentRunRecord{{CommitmentID: 3, PlanID: 7, Status: string(ogp.CommitmentActive), Completion: string(ogp.CompletionSubstantial), UpdatedAt: at(5)}}
	d.Progress = []models.MilestoneProgressRecord{
		{MilestoneID: 31, PlanID: 7, CommitmentID: 3, Title: "Publish", Status: string(ogp.MilestoneCompleted), Percent: 100, DueOn: "2026-02-28", CompletedAt: ptr(at(2))},
		{MilestoneID: 32, PlanID: 7, CommitmentID: 3, Title: "Explain it", Status: string(ogp.MilestoneInProgress), Percent: 20, DueOn: "2026-05-31"},
	}
	d.Reports = []models.ProgressReportRecord{
		{MilestoneID: 31, Seq: 1, PlanID: 7, CommitmentID: 3, Status: string(ogp.MilestoneInProgress), Percent: 50, Narrative: "Half.", Evidence: "[]", ReportedBy: 1, ReportedAt: at(1)},
		{MilestoneID: 31, Seq: 2, PlanID: 7, CommitmentID: 3, Status: string(ogp.MilestoneCompleted), Percent: 100, Narrative: "Done.",
			Evidence: `["https://example.org/a","https://example.org/b?x=1&y=2"]`, ReportedBy: 1, ReportedAt: at(2)},
	}
	d.Delays = []models.DelayExplanationRecord{{ID: 9, PlanID: 7, CommitmentID: 3, MilestoneID: 32, Text: "Vendor late.", ExplainedBy: 1, ExplainedAt: at(3)}}
	d.Amendments = []models.AmendmentRecord{
		{CommitmentID: 3, Seq: 1, PlanID: 7, MilestoneID: 32, OldDueOn: "2026-04-30", NewDueOn: "2026-05-31", NewTitle: "Explain it", Reason: "Later.",
			RequestedBy: 1, RequestedAt: at(3), Status: string(ogp.AmendmentApproved), Approvers: "[2]",
			Decisions: fmt.Sprintf(`[{"round":1,"approver_id":2,"decision":"approve","comment":"","decided_at":%q}]`, at(4).Format(time.RFC3339)), UpdatedAt: at(6)},
		{CommitmentID: 3, Seq: 2, PlanID: 7, MilestoneID: 32, OldDueOn: "2026-05-31", NewDueOn: "2026-06-30", Reason: "Pending.",
			RequestedBy: 1, RequestedAt: at(7), Status: string(ogp.AmendmentPending), Approvers: "[2]", Decisions: "[]", UpdatedAt: at(7)},
	}
	d.Withdrawals = []models.WithdrawalRecord{{CommitmentID: 3, Round: 1, PlanID: 7, Reason: "No money.", RequestedBy: 1, RequestedAt: at(4),
		Status: string(ogp.AmendmentRejected), Approvers: "[2]",
		Decisions: fmt.Sprintf(`[{"round":1,"approver_id":2,"decision":"request_changes","comment":"Keep it.","decided_at":%q}]`, at(5).Format(time.RFC3339)), UpdatedAt: at(5)}}
	d.Problems = []models.ProblemRecord{
		{Problem: ogp.Problem{ID: 12, Title: "Bike lanes", Description: "Unsafe; \"dangerous\"", PolicyArea: "mobility", Source: ogp.SourcePublic,
			Submitter: "A resident", Status: ogp.ProblemPublished, ScoreCount: 2, ScoreAverage: 3.5, Rank: 2, ReasonedResponse: "Later."}, CreatedAt: at(-400)},
		{Problem: ogp.Problem{ID: 11, Title: "Budget is opaque", Source: ogp.SourceTeam, Status: ogp.ProblemPublished, ScoreCount: 3,
			ScoreAverage: 4.25, Rank: 1, Selected: true}, CreatedAt: at(-410)},
		// Not published: a store must not give it; if one did, it stays out.
		{Problem: ogp.Problem{ID: 13, Title: "Buy cheap watches", Source: ogp.SourcePublic, Status: ogp.ProblemHidden, ModerationReason: "Advertising"},
			SubmitterEmail: "spammer@example.org", CreatedAt: at(-405)},
	}
	draft, final := at(8), at(9)
	d.Rounds = []ogp.AssessmentRoundState{
		{RoundStart: ogp.RoundStart{RoundID: 4, PlanID: 7, Kind: ogp.AssessImplementation}, Stage: ogp.StagePublicComment, EvidenceHash: "abc123",
			Summary: "On track.", DraftPublishedAt: &draft, Version: 5},
		{RoundStart: ogp.RoundStart{RoundID: 5, PlanID: 7, Kind: ogp.AssessCoCreation}, Stage: ogp.StagePublished, EvidenceHash: "def456",
			ReportHash: "fff999", DraftPublishedAt: ptr(at(-50)), PublishedAt: &final, Version: 9,
			Assessments: []ogp.CommitmentAssessment{{CommitmentID: 3, Completion: ogp.CompletionSubstantial, Impact: ogp.ImpactModerate,
				Recommendations: "Keep going, \"together\".", AssessedBy: 2, AssessedAt: at(-60)}}},
	}
	return d
}

// openDataStore serves openDataFixture as plan 7; every other plan is
// unknown.
type openDataStore struct {
	openapiStore
	data models.OpenData
}

func (s *openDataStore) PlanOpenData(_ context.Context, id int64) (models.OpenData, error) {
	if id != s.data.Plan.ID {
		return models.OpenData{}, fmt.Errorf("models: open data of plan %d: %w", id, models.ErrNotFound)
	}
	return s.data, nil
}

// The document's router, built once for the open-data tests.
var (
	odRouterOnce sync.Once
	odRouter     routers.Router
	odRouterErr  error
)

// openDataGet calls the server as a client of https://ogp.example.org
// through a proxy on the private network, validating the answer against the OpenAPI document.
func openDataGet(t *testing.T, s *Server, url string, header http.Header) *httptest.ResponseRecorder {
	t.Helper()
	odRouterOnce.Do(func() { odRouter, odRouterErr = gorillamux.NewRouter(openapiDoc(t)) })
	if odRouterErr != nil {
		t.Fatal(odRouterErr)
	}
	router := odRouter
	req := httptest.NewRequest(http.MethodGet, url, nil)
	req.Host = "ogp.example.org"
	req.RemoteAddr = "10.0.0.1:40000" // the proxy, trusted with X-Forwarded-Proto
	req.Header.Set("X-Forwarded-Proto", "https")
	for k, vs := range header {
		req.Header[k] = vs
	}
	rec := httptest.NewRecorder()
	s.Handler().ServeHTTP(rec, req)
	vreq := httptest.NewRequest(http.MethodGet, url, nil)
	route, params, err := router.FindRoute(vreq)
	if err != nil {
		t.Fatalf("%s: no operation in the document: %v", url, err)
	}
	in := &openapi3filter.RequestValidationInput{Request: vreq, PathParams: params, Route: route,
		Options: &openapi3filter.Options{MultiError: true}}
	validateOpenAPIResponse(t, "GET "+url, in, rec)
	return rec
}

func wantProblem(t *testing.T, rec *httptest.ResponseRecorder, status int, code string) {
	t.Helper()
	var p Problem
	if rec.Code != status || json.Unmarshal(rec.Body.Bytes(), &p) != nil || p.Code != code {
		t.Errorf("answered %d %s, want %d %s", rec.Code, rec.Body.String(), status, code)
	}
}

func noSecrets(t *testing.T, what string, body []byte) {
	t.Helper()
	for _, s := range openDataServerSecrets {
		if bytes.Contains(body, []byte(s)) {
			t.Errorf("%s contains %q", what, s)
		}
	}
}

func TestOpenDataFeed(t *testing.T) {
	s := New(&openDataStore{data: openDataFixture()}, &openapiEngine{}, nil)
	rec := openDataGet(t, s, "/api/v1/action-plans/7/feed.atom", nil)
	if rec.Code != http.StatusOK || rec.Header().Get("Content-Type") != "application/atom+xml; charset=utf-8" {
		t.Fatalf("answered %d %q: %s", rec.Code, rec.Header().Get("Content-Type"), rec.Body.String())
	}
	body := rec.Body.Bytes()
	noSecrets(t, "the feed", body)
	if !bytes.HasPrefix(body, []byte(`<?xml version="1.0" encoding="UTF-8"?>`)) {
		t.Errorf("no XML declaration: %.60s", body)
	}
	var feed atomFeed
	if err := xml.Unmarshal(body, &feed); err != nil {
		t.Fatalf("the feed does not parse: %v\n%s", err, body)
	}
	if feed.XMLName.Space != "http://www.w3.org/2005/Atom" {
		t.Errorf("namespace %q", feed.XMLName.Space)
	}
	if feed.Title.Text != `Open Athens <2026> & "beyond": updates` || feed.ID != "tag:ogp-local,2026-01-10:plan-7" ||
		feed.Author.Name != "City of Athens" || feed.Updated != "2026-03-01T18:00:00Z" {
		t.Errorf("feed head: title %q id %q author %q updated %q", feed.Title.Text, feed.ID, feed.Author.Name, feed.Updated)
	}
	links := map[string]string{}
	for _, l := range feed.Links {
		links[l.Rel] = l.Href
	}
	if links["self"] != "https://ogp.example.org/api/v1/action-plans/7/feed.atom" || links["alternate"] != "https://ogp.example.org/plans/7" {
		t.Errorf("links %v", links)
	}

	type entry struct{ id, title, updated, link, kind string }
	var got []entry
	ids := map[string]bool{}
	for _, e := range feed.Entries {
		if len(e.Links) != 1 || e.Title.Type != "text" || e.Summary.Type != "text" {
			t.Errorf("entry %+v", e)
		}
		if ids[e.ID] {
			t.Errorf("entry id %s twice", e.ID)
		}
		ids[e.ID] = true
		got = append(got, entry{strings.TrimPrefix(e.ID, "tag:ogp-local,2026-01-10:plan-7/"), e.Title.Text, e.Updated, e.Links[0].Href, e.Category.Term})
	}
	const plan, commitment, round = "https://ogp.example.org/plans/7", "https://ogp.example.org/plans/7/commitments/3", "https://ogp.example.org/plans/7/assessments/"
	want := []entry{
		{"assessment_published/5", "Co-creation assessment report published", "2026-03-01T18:00:00Z", round + "5", "assessment_published"},
		{"assessment_draft_published/4", "Draft implementation assessment report open for comments", "2026-03-01T17:00:00Z", round + "4", "assessment_draft_published"},
		{"withdrawal_rejected/3/1", `Withdrawal rejected: commitment 1, "Open budget" continues`, "2026-03-01T14:00:00Z", commitment, "withdrawal_rejected"},
		{"amendment_approved/3/1", `Amendment approved: "Explain it" (commitment 1, "Open budget") now due on 2026-05-31 (was 2026-04-30), renamed "Explain it"`, "2026-03-01T13:00:00Z", commitment, "amendment_approved"},
		{"delay_explained/32/1772366400000000", `Delay explained: "Explain it" (commitment 1, "Open budget")`, "2026-03-01T12:00:00Z", commitment, "delay_explained"},
		{"milestone_completed/31/2", `Milestone completed: "Publish" (commitment 1, "Open budget")`, "2026-03-01T11:00:00Z", commitment, "milestone_completed"},
		{"progress_reported/31/1", `Progress on "Publish" (commitment 1, "Open budget"): 50%`, "2026-03-01T10:00:00Z", commitment, "progress_reported"},
		{"assessment_draft_published/5", "Draft co-creation assessment report open for comments", "2026-02-27T07:00:00Z", round + "5", "assessment_draft_published"},
		{"step_started/43", "Step 9 (Deliver and implement) started", "2026-02-25T13:00:00Z", plan, "step_started"},
		{"step_approved/42", "Step 8 (Validate and approve) approved", "2026-02-25T13:00:00Z", plan, "step_approved"},
		{"changes_requested/41", "Changes requested on step 8 (Validate and approve)", "2026-02-25T11:00:00Z", plan, "changes_requested"},
		{"step_submitted/40", "Step 8 (Validate and approve) submitted for approval", "2026-02-25T10:00:00Z", plan, "step_submitted"},
		{"plan_created/1", `Action plan created: Open Athens <2026> & "beyond"`, "2026-02-16T21:00:00Z", plan, "plan_created"},
	}
	for i := range max(len(got), len(want)) {
		switch {
		case i >= len(got):
			t.Errorf("entry %d missing: %+v", i, want[i])
		case i >= len(want):
			t.Errorf("entry %d unexpected: %+v", i, got[i])
		case got[i] != want[i]:
			t.Errorf("entry %d\n got %+v\nwant %+v", i, got[i], want[i])
		}
	}
	summaries := map[string]string{}
	for _, e := range feed.Entries {
		summaries[e.Category.Term] = e.Summary.Text
	}
	for kind, want := range map[string]string{
		"step_submitted":       "Round 2. Co-signed <plan>.",
		"changes_requested":    "Add the forum & its minutes.",
		"milestone_completed":  "Done.\n\nEvidence: https://example.org/a https://example.org/b?x=1&y=2",
		"assessment_published": "The monitoring body's final report, frozen. Report SHA-256: fff999. Evidence SHA-256: def456.",
	} {
		if summaries[kind] != want {
			t.Errorf("%s summary %q, want %q", kind, summaries[kind], want)
		}
	}

	// The same data, the same bytes and ETag; a client that has them gets
	// 304; ?limit keeps the newest.
	again := openDataGet(t, s, "/api/v1/action-plans/7/feed.atom", nil)
	if !bytes.Equal(again.Body.Bytes(), body) || again.Header().Get("ETag") == "" || again.Header().Get("ETag") != rec.Header().Get("ETag") {
		t.Error("two reads of the same feed differ")
	}
	notModified := openDataGet(t, s, "/api/v1/action-plans/7/feed.atom", http.Header{"If-None-Match": {`"other", ` + rec.Header().Get("ETag")}})
	if notModified.Code != http.StatusNotModified || notModified.Body.Len() != 0 {
		t.Errorf("If-None-Match: %d %q", notModified.Code, notModified.Body.String())
	}
	short := openDataGet(t, s, "/api/v1/action-plans/7/feed.atom?limit=2", nil)
	var two atomFeed
	if err := xml.Unmarshal(short.Body.Bytes(), &two); err != nil || len(two.Entries) != 2 || two.Entries[0].ID != feed.Entries[0].ID || two.Updated != feed.Updated {
		t.Errorf("limit=2: %v, %d entries", err, len(two.Entries))
	}
	for _, bad := range []string{"0", "101", "ten"} {
		wantProblem(t, openDataGet(t, s, "/api/v1/action-plans/7/feed.atom?limit="+bad, nil), http.StatusBadRequest, "invalid_limit")
	}
}

// TestOpenDataFeedEmpty: a new plan's feed has no entry yet, and the
// plan's last update as its time.
func TestOpenDataFeedEmpty(t *testing.T) {
	s := New(&openDataStore{data: models.OpenData{Plan: models.ActionPlan{ID: 7, Title: "New", Member: "Lisbon",
		CreatedAt: odAt, UpdatedAt: odAt.Add(time.Hour)}}}, &openapiEngine{}, nil)
	rec := openDataGet(t, s, "/api/v1/action-plans/7/feed.atom", nil)
	var feed atomFeed
	if err := xml.Unmarshal(rec.Body.Bytes(), &feed); err != nil || len(feed.Entries) != 0 || feed.Updated != "2026-03-01T10:00:00Z" {
		t.Errorf("%v: %d entries, updated %s\n%s", err, len(feed.Entries), feed.Updated, rec.Body.String())
	}
}

// TestOpenDataFeedLimit keeps the feed to the newest 100 entries.
func TestOpenDataFeedLimit(t *testing.T) {
	d := openDataFixture()
	d.Reports = nil
	for i := range 150 {
		d.Reports = append(d.Reports, models.ProgressReportRecord{MilestoneID: 31, Seq: i + 1, PlanID: 7, CommitmentID: 3,
			Status: string(ogp.MilestoneInProgress), Percent: i % 100, Narrative: "More.", Evidence: "[]", ReportedBy: 1, ReportedAt: odAt.Add(time.Duration(i) * time.Minute)})
	}
	feed := buildFeed(d, "https://x", "https://x/api/v1", feedMaxEntries)
	if len(feed.Entries) != feedMaxEntries {
		t.Fatalf("%d entries, want %d", len(feed.Entries), feedMaxEntries)
	}
	for i := 1; i < len(feed.Entries); i++ {
		if feed.Entries[i].Updated > feed.Entries[i-1].Updated {
			t.Fatalf("entry %d (%s) is newer than entry %d (%s)", i, feed.Entries[i].Updated, i-1, feed.Entries[i-1].Updated)
		}
	}
}

func TestOpenDataExportJSON(t *testing.T) {
	s := New(&openDataStore{data: openDataFixture()}, &openapiEngine{}, nil)
	rec := openDataGet(t, s, "/api/v1/action-plans/7/export.json", nil)
	if rec.Code != http.StatusOK || !strings.HasPrefix(rec.Header().Get("Content-Type"), "application/json") ||
		rec.Header().Get("Content-Disposition") != `attachment; filename="action-plan-7.json"` {
		t.Fatalf("answered %d %v", rec.Code, rec.Header())
	}
	body := rec.Body.Bytes()
	noSecrets(t, "the JSON export", body)
	var top map[string]json.RawMessage
	if err := json.Unmarshal(body, &top); err != nil {
		t.Fatal(err)
	}
	var keys []string
	for k := range top {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	if want := []string{"amendments", "assessment_rounds", "commitments", "delay_explanations", "format_version", "milestones", "plan",
		"problems", "progress_reports", "steps", "withdrawals"}; !slices.Equal(keys, want) {
		t.Errorf("keys %v, want %v", keys, want)
	}
	var doc OpenDataExport
	if err := json.Unmarshal(body, &doc); err != nil {
		t.Fatal(err)
	}
	if doc.FormatVersion != 1 || doc.Plan.ID != 7 || len(doc.Steps) != 10 || len(doc.Steps[7].Decisions) != 1 || doc.Steps[7].Decisions[0].ApproverName != "Maria" {
		t.Errorf("plan %+v, steps %d", doc.Plan, len(doc.Steps))
	}
	c := doc.Commitments
	if len(c) != 1 || c[0].Status == nil || *c[0].Status != "active" || c[0].Completion == nil || *c[0].Completion != "substantial" ||
		len(c[0].Network) != 1 || c[0].Network[0].Contact != "" || len(c[0].Values) != 2 {
		t.Errorf("commitments %+v", c)
	}
	var compact bytes.Buffer
	if err := json.Compact(&compact, top["commitments"]); err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(compact.Bytes(), []byte(`"network":[{"id":5,"commitment_id":3,"name":"Ana","organisation":"Civic Lab","sector":"civil_society","role":"supporter"}]`)) {
		t.Errorf("network %s: no contact", compact.Bytes())
	}
	if m := doc.Milestones; len(m) != 2 || m[1].Title != "Explain it" || m[1].DueOn != "2026-05-31" || m[1].PlannedDueOn != "2026-04-30" ||
		m[1].Status != "in_progress" || m[0].CompletedAt == nil || m[0].CommitmentNumber != 1 {
		t.Errorf("milestones %+v", m)
	}
	if r := doc.ProgressReports; len(r) != 2 || r[0].Evidence == nil || len(r[1].Evidence) != 2 {
		t.Errorf("reports %+v", r)
	}
	if len(doc.DelayExplanations) != 1 || len(doc.Amendments) != 2 || len(doc.Withdrawals) != 1 || len(doc.Withdrawals[0].Decisions) != 1 {
		t.Errorf("delays %+v amendments %+v withdrawals %+v", doc.DelayExplanations, doc.Amendments, doc.Withdrawals)
	}
	var problems []int64
	for _, p := range doc.Problems {
		problems = append(problems, p.ID)
	}
	if !slices.Equal(problems, []int64{11, 12}) {
		t.Errorf("problems %v, want the published ones by rank", problems)
	}
	if r := doc.AssessmentRounds; len(r) != 2 || r[1].ReportHash != "fff999" || r[0].EvidenceHash != "abc123" || r[0].DraftPublishedAt == nil {
		t.Errorf("rounds %+v", r)
	}
	again := openDataGet(t, s, "/api/v1/action-plans/7/export.json", nil)
	if !bytes.Equal(again.Body.Bytes(), body) || again.Header().Get("ETag") != rec.Header().Get("ETag") {
		t.Error("two exports of the same data differ")
	}

	// A plan before implementation: every list present, empty.
	empty := New(&openDataStore{data: models.OpenData{Plan: models.ActionPlan{ID: 7, Title: "New", Member: "Lisbon",
		StartsOn: "2026-01-01", EndsOn: "2027-12-31", Status: string(ogp.PlanCoCreation), CurrentStep: 1, WorkflowID: "action-plan-7",
		CoordinatorID: 1, ReminderIntervalDays: 7, CreatedAt: odAt, UpdatedAt: odAt}}}, &openapiEngine{}, nil)
	rec = openDataGet(t, empty, "/api/v1/action-plans/7/export.json", nil)
	for _, want := range []string{`"steps": []`, `"commitments": []`, `"milestones": []`, `"problems": []`, `"assessment_rounds": []`} {
		if !strings.Contains(rec.Body.String(), want) {
			t.Errorf("empty export lacks %s: %s", want, rec.Body.String())
		}
	}
}

func TestOpenDataExportZIP(t *testing.T) {
	d := openDataFixture()
	s := New(&openDataStore{data: d}, &openapiEngine{}, nil)
	rec := openDataGet(t, s, "/api/v1/action-plans/7/export.zip", nil)
	if rec.Code != http.StatusOK || rec.Header().Get("Content-Type") != "application/zip" ||
		rec.Header().Get("Content-Disposition") != `attachment; filename="action-plan-7.zip"` {
		t.Fatalf("answered %d %v", rec.Code, rec.Header())
	}
	body := rec.Body.Bytes()
	zr, err := zip.NewReader(bytes.NewReader(body), int64(len(body)))
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		name   string
		header []string
		rows   int
	}{
		{"plans.csv", plansColumns, 1},
		{"steps.csv", stepsColumns, 10},
		{"commitments.csv", commitmentsColumns, 1},
		{"milestones.csv", milestonesColumns, 2},
		{"progress_reports.csv", progressReportsColumns, 2},
		{"problems.csv", problemsColumns, 2},
		{"assessments.csv", assessmentsColumns, 2},
	}
	if len(zr.File) != len(want) {
		t.Fatalf("%d files, want %d", len(zr.File), len(want))
	}
	tables := map[string][][]string{}
	for i, f := range zr.File {
		w := want[i]
		if f.Name != w.name || !f.Modified.Equal(d.Plan.UpdatedAt) {
			t.Errorf("file %d: %s modified %v, want %s modified %v", i, f.Name, f.Modified, w.name, d.Plan.UpdatedAt)
		}
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		raw, err := io.ReadAll(rc)
		_ = rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		noSecrets(t, f.Name, raw)
		if !bytes.HasSuffix(raw, []byte("\r\n")) {
			t.Errorf("%s: lines must end with CRLF", f.Name)
		}
		rows, err := csv.NewReader(bytes.NewReader(raw)).ReadAll()
		if err != nil {
			t.Fatalf("%s: %v", f.Name, err)
		}
		if !slices.Equal(rows[0], w.header) || len(rows)-1 != w.rows {
			t.Errorf("%s: header %v and %d rows, want %v and %d", f.Name, rows[0], len(rows)-1, w.header, w.rows)
		}
		for _, h := range rows[0] {
			if h != strings.ToLower(h) || strings.ContainsAny(h, " -") {
				t.Errorf("%s: column %q is not snake_case", f.Name, h)
			}
		}
		for j, r := range rows[1:] {
			if len(r) != len(w.header) {
				t.Errorf("%s row %d: %d cells", f.Name, j+1, len(r))
			}
		}
		tables[f.Name] = rows
	}
	cell := func(file string, row int, col string) string {
		rows := tables[file]
		i := slices.Index(rows[0], col)
		if i < 0 || row >= len(rows) {
			t.Fatalf("%s has no %s in row %d", file, col, row)
		}
		return rows[row][i]
	}
	for _, c := range []struct{ file, col, want string }{
		{"plans.csv", "title", `Open Athens <2026> & "beyond"`},
		{"plans.csv", "updated_at", "2026-03-01T19:00:00Z"},
		{"steps.csv", "approved_at", "2026-02-25T06:00:00Z"},
		{"steps.csv", "decisions", ""},
		{"commitments.csv", "status_quo", "PDFs\nonly"},
		{"commitments.csv", "ogp_values", "transparency;participation"},
		{"commitments.csv", "support_network", "Ana, Civic Lab (civil_society, supporter)"},
		{"commitments.csv", "completion", "substantial"},
		{"milestones.csv", "planned_due_on", "2026-02-28"},
		{"progress_reports.csv", "evidence", ""},
		{"problems.csv", "score_average", "4.25"},
		{"problems.csv", "rank", "1"},
		{"assessments.csv", "report_hash", ""},
	} {
		if got := cell(c.file, 1, c.col); got != c.want {
			t.Errorf("%s %s = %q, want %q", c.file, c.col, got, c.want)
		}
	}
	if got := cell("steps.csv", 8, "decisions"); got != "round 1: approve by Maria on 2026-02-25T13:00:00Z" {
		t.Errorf("step 8 decisions %q", got)
	}
	if got := cell("progress_reports.csv", 2, "evidence"); got != "https://example.org/a https://example.org/b?x=1&y=2" {
		t.Errorf("evidence %q", got)
	}
	if got, want := cell("assessments.csv", 2, "report_hash")+" "+cell("assessments.csv", 2, "commitment_id")+" "+cell("assessments.csv", 2, "impact"), "fff999 3 moderate"; got != want {
		t.Errorf("final report row %q, want %q", got, want)
	}

	// Deterministic: the same bytes, so the same ETag, every time.
	again := openDataGet(t, s, "/api/v1/action-plans/7/export.zip", nil)
	if !bytes.Equal(again.Body.Bytes(), body) || again.Header().Get("ETag") != rec.Header().Get("ETag") {
		t.Error("two downloads of the same data differ")
	}
	if nm := openDataGet(t, s, "/api/v1/action-plans/7/export.zip", http.Header{"If-None-Match": {rec.Header().Get("ETag")}}); nm.Code != http.StatusNotModified {
		t.Errorf("If-None-Match: %d", nm.Code)
	}
}

func TestOpenDataUnknownPlan(t *testing.T) {
	s := New(&openDataStore{data: openDataFixture()}, &openapiEngine{}, nil)
	for _, path := range []string{"feed.atom", "export.json", "export.zip"} {
		for _, id := range []string{"8", "0"} {
			rec := openDataGet(t, s, "/api/v1/action-plans/"+id+"/"+path, nil)
			if rec.Header().Get("Content-Type") != problemJSON {
				t.Errorf("%s of plan %s: %q", path, id, rec.Header().Get("Content-Type"))
			}
			wantProblem(t, rec, http.StatusNotFound, "unknown_plan")
		}
	}
}
