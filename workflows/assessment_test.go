package workflows

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"slices"
	"sync"
	"testing"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/log"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"github.com/ogplocal/ogp"
)

// People of the round tests.
const (
	arCoord    = int64(1)
	arApprover = int64(2)
	arLead     = int64(4)
	arLead2    = int64(5)
	arMonitor  = int64(6)
	arTeamMon  = int64(7) // monitoring body, but on the team
	arOutsider = int64(9)
)

var arStart = time.Date(2028, 7, 3, 9, 0, 0, 0, time.UTC)

// roundStore stands in for the evidence, projection and notification
// activities: an outbox keyed like the real one (dedup key + user).
type roundStore struct {
	mu        sync.Mutex
	state     ogp.AssessmentRoundState
	events    map[int64]ogp.Event
	outbox    map[string]bool
	delivered []ogp.Notification
	collected []CollectEvidenceInput
	prefill   []ogp.ChecklistItem
}

func newRoundStore() *roundStore {
	return &roundStore{events: map[int64]ogp.Event{}, outbox: map[string]bool{}}
}

func (f *roundStore) Collect(_ context.Context, in CollectEvidenceInput) (CollectEvidenceResult, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.collected = append(f.collected, in)
	return CollectEvidenceResult{Hash: "e3b0c442", Prefill: f.prefill}, nil
}

func (f *roundStore) Project(_ context.Context, in ProjectRoundInput) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if in.State.Version >= f.state.Version || f.state.WorkflowID == "" {
		f.state = in.State
	}
	for _, e := range in.Events {
		f.events[e.Seq] = e
	}
	return nil
}

func (f *roundStore) Notify(_ context.Context, in NotifyInput) (NotifyResult, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for _, m := range in.Notifications {
		k := fmt.Sprintf("%s#%d", m.DedupKey, m.UserID)
		if !f.outbox[k] {
			f.outbox[k] = true
			n++
		}
		f.delivered = append(f.delivered, m) // every request, to catch repeats
	}
	return NotifyResult{Delivered: n}, nil
}

// log is "kind key: users" per notification occasion, in sending order.
func (f *roundStore) log(kind string) []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	last := ""
	for _, n := range f.delivered {
		if kind != "" && n.Kind != kind {
			continue
		}
		if n.DedupKey != last {
			out = append(out, n.Kind+" "+n.DedupKey+":")
			last = n.DedupKey
		}
		out[len(out)-1] += fmt.Sprintf(" %d", n.UserID)
	}
	return out
}

type roundHarness struct {
	t       *testing.T
	env     *testsuite.TestWorkflowEnvironment
	store   *roundStore
	start   time.Time
	at      time.Duration
	mu      sync.Mutex
	pending int
}

func newRoundHarness(t *testing.T, start time.Time, store *roundStore) *roundHarness {
	var s testsuite.WorkflowTestSuite
	s.SetLogger(log.NewStructuredLogger(slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError}))))
	env := s.NewTestWorkflowEnvironment()
	env.SetStartTime(start)
	env.SetStartWorkflowOptions(client.StartWorkflowOptions{ID: ogp.AssessmentRoundWorkflowID(3)})
	env.RegisterWorkflowWithOptions(AssessmentRoundWorkflow, workflow.RegisterOptions{Name: ogp.WorkflowAssessmentRound})
	env.RegisterActivityWithOptions(store.Collect, activity.RegisterOptions{Name: ActivityCollectEvidence})
	env.RegisterActivityWithOptions(store.Project, activity.RegisterOptions{Name: ActivityProjectRound})
	env.RegisterActivityWithOptions(store.Notify, activity.RegisterOptions{Name: ActivityNotify})
	return &roundHarness{t: t, env: env, store: store, start: start}
}

// on moves the harness's clock to offset d from the start.
func (h *roundHarness) on(d time.Duration) {
	if d > h.at {
		h.at = d
	}
}

func (h *roundHarness) update(name string, arg any) { h.expect(name, arg, "") }

func (h *roundHarness) reject(name string, arg any, code string) { h.expect(name, arg, code) }

func (h *roundHarness) expect(name string, arg any, code string) {
	h.at += time.Minute
	h.env.RegisterDelayedCallback(func() { h.send(name, arg, code, nil) }, h.at)
}

// send sends an update now; then runs after it completes.
func (h *roundHarness) send(name string, arg any, code string, then func()) {
	desc := fmt.Sprintf("%s %+v at %v", name, arg, h.env.Now())
	h.mu.Lock()
	h.pending++
	h.mu.Unlock()
	done := func() {
		h.mu.Lock()
		h.pending--
		h.mu.Unlock()
	}
	h.env.UpdateWorkflow(name, "", &testsuite.TestUpdateCallback{
		OnReject: func(err error) {
			defer done()
			if code == "" {
				h.t.Errorf("%s: rejected: %v", desc, err)
			} else if de := DomainError(err); de == nil || de.Code != code {
				h.t.Errorf("%s: rejected with %v, want code %s", desc, err, code)
			}
		},
		OnComplete: func(_ any, err error) {
			defer done()
			if code != "" {
				h.t.Errorf("%s: accepted, want rejection %s (err %v)", desc, code, err)
			} else if err != nil {
				h.t.Errorf("%s: failed: %v", desc, err)
			}
			if then != nil {
				then()
			}
		},
	}, arg)
}

func (h *roundHarness) check(fn func(ogp.AssessmentRoundState)) {
	h.at += time.Minute
	h.env.RegisterDelayedCallback(func() {
		v, err := h.env.QueryWorkflow(ogp.QueryRoundState)
		if err != nil {
			h.t.Errorf("query: %v", err)
			return
		}
		var st ogp.AssessmentRoundState
		if err := v.Get(&st); err != nil {
			h.t.Errorf("decode state: %v", err)
			return
		}
		fn(st)
	}, h.at)
}

func (h *roundHarness) run(in RoundInput) error {
	h.env.ExecuteWorkflow(ogp.WorkflowAssessmentRound, in)
	if !h.env.IsWorkflowCompleted() {
		h.t.Fatal("workflow did not complete")
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.pending != 0 {
		h.t.Errorf("%d updates never finished", h.pending)
	}
	// No notification occasion is ever sent twice to anyone.
	seen := map[string]bool{}
	for _, n := range h.store.delivered {
		k := fmt.Sprintf("%s#%d", n.DedupKey, n.UserID)
		if seen[k] {
			h.t.Errorf("notification %s sent twice", k)
		}
		seen[k] = true
	}
	return h.env.GetWorkflowError()
}

func (h *roundHarness) result() ogp.AssessmentRoundState {
	var st ogp.AssessmentRoundState
	if err := h.env.GetWorkflowResult(&st); err != nil {
		h.t.Fatal(err)
	}
	return st
}

func arRoundStart(kind ogp.AssessmentKind) *ogp.RoundStart {
	return &ogp.RoundStart{
		RoundID: 3, PlanID: 1, PlanTitle: "Open Athens", Kind: kind, OpenedBy: arMonitor,
		Members: []ogp.Member{
			{UserID: arCoord, Roles: []ogp.Role{ogp.RoleCoordinator}},
			{UserID: arApprover, Roles: []ogp.Role{ogp.RoleApprover}},
			{UserID: arMonitor, Roles: []ogp.Role{ogp.RoleMonitoringBody}},
			{UserID: arTeamMon, Roles: []ogp.Role{ogp.RoleMonitoringBody}},
		},
		Team: []int64{arCoord, arTeamMon},
		Commitments: []ogp.RoundCommitment{
			{CommitmentID: 7, Number: 1, Title: "Contracts online", LeadUserID: arLead, Milestones: []int64{11, 12}},
			{CommitmentID: 8, Number: 2, Title: "Participatory budget", LeadUserID: arLead2, Milestones: []int64{21}},
		},
	}
}

func arActor(id int64) ogp.Actor { return ogp.Actor{UserID: id} }

func arAssess(id int64, kind ogp.AssessmentKind, by int64) ogp.RecordAssessmentInput {
	in := ogp.RecordAssessmentInput{CommitmentID: id, Completion: ogp.CompletionSubstantial, Impact: ogp.ImpactModerate,
		Relevance: []ogp.ValueRelevance{
			{Value: ogp.ValueTransparency, Relevant: true, Note: "Contracts are public"},
			{Value: ogp.ValueParticipation, Relevant: false, Note: "No"},
			{Value: ogp.ValueAccountability, Relevant: true, Note: "Audits"},
		},
		Recommendations: "Keep the data current.", Actor: arActor(by)}
	if kind == ogp.AssessResults {
		in.OpenedGovernment = ogp.OpenedMajor
	}
	for _, m := range map[int64][]int64{7: {11, 12}, 8: {21}}[id] {
		in.Milestones = append(in.Milestones, ogp.MilestoneVerdict{MilestoneID: m, Verdict: ogp.EvidenceAccepted})
	}
	return in
}

const arDay = 24 * time.Hour

func TestAssessmentResultsRoundThroughEveryStage(t *testing.T) {
	store := newRoundStore()
	h := newRoundHarness(t, arStart, store)
	h.check(func(st ogp.AssessmentRoundState) {
		if st.Stage != ogp.StageSelfAssessment || st.EvidenceHash != "e3b0c442" || !st.StageDueAt.Equal(arStart.Add(14*arDay)) {
			t.Errorf("after evidence: %s %q %v", st.Stage, st.EvidenceHash, st.StageDueAt)
		}
	})
	self := ogp.SubmitSelfAssessmentInput{CommitmentID: 7, Completion: ogp.CompletionLimited, Narrative: "Pilot online", Actor: arActor(arLead)}
	h.on(arDay)
	h.reject(ogp.UpdateSubmitSelfAssessment, ogp.SubmitSelfAssessmentInput{CommitmentID: 7, Completion: ogp.CompletionLimited,
		Narrative: "x", Actor: arActor(arLead2)}, "not_lead")
	h.reject(ogp.UpdateRecordAssessment, arAssess(7, ogp.AssessResults, arMonitor), "wrong_stage")
	h.update(ogp.UpdateSubmitSelfAssessment, self)
	h.reject(ogp.UpdateSubmitSelfAssessment, self, "self_assessment_submitted")
	// Day 11: lead 5 is reminded; day 14 the deadline moves the round on
	// without their self-assessment.
	h.on(14*arDay + time.Hour)
	h.check(func(st ogp.AssessmentRoundState) {
		if st.Stage != ogp.StageAssessment || len(st.SelfAssessments) != 1 || !st.StageDueAt.Equal(arStart.Add(28*arDay)) {
			t.Errorf("after the self-assessment deadline: %s %d %v", st.Stage, len(st.SelfAssessments), st.StageDueAt)
		}
	})
	h.reject(ogp.UpdateSubmitSelfAssessment, ogp.SubmitSelfAssessmentInput{CommitmentID: 8, Completion: ogp.CompletionLimited,
		Narrative: "late", Actor: arActor(arLead2)}, "wrong_stage")
	h.reject(ogp.UpdateRecordAssessment, arAssess(7, ogp.AssessResults, arOutsider), "not_monitoring_body")
	h.reject(ogp.UpdateRecordAssessment, arAssess(7, ogp.AssessResults, arLead), "not_monitoring_body")
	h.reject(ogp.UpdateRecordAssessment, arAssess(7, ogp.AssessResults, arTeamMon), "not_independent")
	noVerdict := arAssess(7, ogp.AssessResults, arMonitor)
	noVerdict.Milestones = noVerdict.Milestones[:1]
	h.reject(ogp.UpdateRecordAssessment, noVerdict, "missing_verdicts")
	noOpened := arAssess(7, ogp.AssessResults, arMonitor)
	noOpened.OpenedGovernment = ""
	h.reject(ogp.UpdateRecordAssessment, noOpened, "opened_government_required")
	h.reject(ogp.UpdateRecordChecklist, ogp.RecordChecklistInput{Items: []ogp.ChecklistItem{{Key: ogp.ChecklistForumMet, Rating: ogp.RatingMet, Note: "x"}},
		Actor: arActor(arMonitor)}, "checklist_co_creation_only")
	h.reject(ogp.UpdateAddComment, ogp.AddCommentInput{Text: "too early"}, "wrong_stage")
	h.update(ogp.UpdateRecordAssessment, arAssess(7, ogp.AssessResults, arMonitor))
	h.reject(ogp.UpdatePublishDraft, ogp.PublishDraftInput{Summary: "Draft", Actor: arActor(arMonitor)}, "assessment_incomplete")
	// The assessment is overdue from day 28: reminded on days 28 and 35.
	h.on(36 * arDay)
	h.check(func(st ogp.AssessmentRoundState) {
		if st.Stage != ogp.StageAssessment || st.StageReminders != 2 {
			t.Errorf("day 36: %s, %d reminders", st.Stage, st.StageReminders)
		}
	})
	challenged := arAssess(8, ogp.AssessResults, arMonitor)
	challenged.Milestones[0] = ogp.MilestoneVerdict{MilestoneID: 21, Verdict: ogp.EvidenceChallenged, Note: "The minutes are not public"}
	h.update(ogp.UpdateRecordAssessment, challenged)
	h.reject(ogp.UpdatePublishDraft, ogp.PublishDraftInput{Summary: "Draft", Actor: arActor(arTeamMon)}, "not_independent")
	h.update(ogp.UpdatePublishDraft, ogp.PublishDraftInput{Summary: "Draft: a good start", Actor: arActor(arMonitor)})
	// Comments from the public (no actor) and from a member.
	h.on(37 * arDay)
	h.update(ogp.UpdateAddComment, ogp.AddCommentInput{Name: "Eleni", Text: "What about the budget?"})
	h.update(ogp.UpdateAddComment, ogp.AddCommentInput{Text: "Good work", Actor: arActor(arOutsider)})
	h.reject(ogp.UpdateRecordAssessment, arAssess(7, ogp.AssessResults, arMonitor), "wrong_stage")
	h.reject(ogp.UpdateFinalise, ogp.FinaliseInput{Actor: arActor(arMonitor)}, "wrong_stage")
	h.update(ogp.UpdateAnswerComment, ogp.AnswerCommentInput{Seq: 1, Answer: "See annex 2", Actor: arActor(arMonitor)})
	// The comment period ends on day 50.
	h.on(50*arDay + time.Hour)
	h.reject(ogp.UpdateAddComment, ogp.AddCommentInput{Text: "too late"}, "wrong_stage")
	h.check(func(st ogp.AssessmentRoundState) {
		if st.Stage != ogp.StageFinalising || len(st.Comments) != 2 || st.StageDueAt.Sub(arStart).Truncate(arDay) != 64*arDay {
			t.Errorf("day 50: %s, %d comments, due %v", st.Stage, len(st.Comments), st.StageDueAt)
		}
	})
	h.reject(ogp.UpdateFinalise, ogp.FinaliseInput{Actor: arActor(arMonitor)}, "comments_unanswered")
	// Finalisation overdue from day 64: reminded on day 64 only.
	h.on(65 * arDay)
	h.update(ogp.UpdateAnswerComment, ogp.AnswerCommentInput{Seq: 2, Answer: "Thank you", Actor: arActor(arMonitor)})
	h.at += time.Minute
	h.env.RegisterDelayedCallback(func() {
		h.send(ogp.UpdateFinalise, ogp.FinaliseInput{Summary: "Final: a good start", Actor: arActor(arMonitor)}, "", nil)
		// Sent right behind it: the report is frozen.
		h.send(ogp.UpdateAnswerComment, ogp.AnswerCommentInput{Seq: 2, Answer: "Edited", Actor: arActor(arMonitor)}, "report_published", nil)
	}, h.at)
	if err := h.run(RoundInput{Start: arRoundStart(ogp.AssessResults)}); err != nil {
		t.Fatalf("workflow error: %v", err)
	}
	final := h.result()
	if final.Stage != ogp.StagePublished || final.PublishedAt == nil || len(final.ReportHash) != 64 ||
		final.ReportHash != final.ComputeReportHash() || final.Summary != "Final: a good start" || final.Comments[1].Answer != "Thank you" {
		t.Fatalf("final %+v", final)
	}
	if !slices.Equal(store.collected, []CollectEvidenceInput{{RoundID: 3, PlanID: 1, Kind: ogp.AssessResults}}) {
		t.Errorf("evidence collected %+v", store.collected)
	}
	if store.state.Stage != ogp.StagePublished || int64(len(store.events)) != final.EventSeq {
		t.Errorf("projection: %s, %d events of %d", store.state.Stage, len(store.events), final.EventSeq)
	}
	missing := "none"
	for _, e := range store.events {
		if e.Kind == ogp.EventRoundStageChanged && e.Payload["reason"] == "deadline" {
			missing = fmt.Sprint(e.Payload["missing_self_assessments"]) // through JSON: numbers
		}
	}
	if missing != "[8]" {
		t.Errorf("missing self-assessments noted %v", missing)
	}
	want := []string{
		"self_assessment_requested assessment-3/event/4: 4 5",
		"assessment_reminder assessment-3/stage/self_assessment/reminder/1: 5",
		"assessment_reminder assessment-3/stage/assessment/reminder/1: 6",
		"assessment_reminder assessment-3/stage/assessment/reminder/2: 6",
		"assessment_draft_published assessment-3/event/" + fmt.Sprint(draftSeq(store)) + ": 1 2 6 7",
		"assessment_reminder assessment-3/stage/finalising/reminder/1: 6",
		"assessment_published assessment-3/event/" + fmt.Sprint(final.EventSeq) + ": 1 2 6 7",
	}
	if got := store.log(""); !slices.Equal(got, want) {
		t.Errorf("notifications\n got %q\nwant %q", got, want)
	}
}

func draftSeq(f *roundStore) int64 {
	for seq, e := range f.events {
		if e.Kind == ogp.EventDraftPublished {
			return seq
		}
	}
	return 0
}

func TestAssessmentCoCreationRoundWithChecklist(t *testing.T) {
	store := newRoundStore()
	store.prefill = []ogp.ChecklistItem{{Key: ogp.ChecklistForumMet, Rating: ogp.RatingMet, Note: "Four meetings in the evidence"}}
	h := newRoundHarness(t, arStart, store)
	start := arRoundStart(ogp.AssessCoCreation)
	start.Commitments[0].LeadUserID, start.Commitments[1].LeadUserID = 0, 0
	start.CommentFor = 7 * arDay
	// No lead: straight to the assessment, the checklist pre-filled.
	h.check(func(st ogp.AssessmentRoundState) {
		if st.Stage != ogp.StageAssessment || len(st.Checklist) != 1 || !st.Checklist[0].Prefilled {
			t.Errorf("start: %s %+v", st.Stage, st.Checklist)
		}
	})
	h.update(ogp.UpdateRecordAssessment, arAssess(7, ogp.AssessCoCreation, arMonitor))
	h.update(ogp.UpdateRecordAssessment, arAssess(8, ogp.AssessCoCreation, arMonitor))
	h.reject(ogp.UpdateRecordAssessment, arAssess(8, ogp.AssessResults, arMonitor), "opened_government_results_only")
	h.reject(ogp.UpdatePublishDraft, ogp.PublishDraftInput{Summary: "Draft", Actor: arActor(arMonitor)}, "assessment_incomplete")
	h.reject(ogp.UpdateRecordChecklist, ogp.RecordChecklistInput{Items: []ogp.ChecklistItem{{Key: ogp.ChecklistAwarenessDone, Rating: ogp.RatingMet, Note: "x"}},
		Actor: arActor(arTeamMon)}, "not_independent")
	h.update(ogp.UpdateRecordChecklist, ogp.RecordChecklistInput{Items: []ogp.ChecklistItem{
		{Key: ogp.ChecklistAwarenessDone, Rating: ogp.RatingPartlyMet, Note: "One event only"},
		{Key: ogp.ChecklistReasonedResponsesPublished, Rating: ogp.RatingMet, Note: "Published on the portal"},
		{Key: ogp.ChecklistCivilSocietyCoSigned, Rating: ogp.RatingNotMet, Note: "No civil-society signature"},
	}, Actor: arActor(arMonitor)})
	h.update(ogp.UpdatePublishDraft, ogp.PublishDraftInput{Summary: "Draft", Actor: arActor(arMonitor)})
	// Nobody comments; the period ends on day 7 and the report is final.
	h.on(7*arDay + time.Hour)
	h.check(func(st ogp.AssessmentRoundState) {
		if st.Stage != ogp.StageFinalising {
			t.Errorf("day 7: %s", st.Stage)
		}
	})
	h.update(ogp.UpdateFinalise, ogp.FinaliseInput{Actor: arActor(arMonitor)})
	if err := h.run(RoundInput{Start: start}); err != nil {
		t.Fatalf("workflow error: %v", err)
	}
	final := h.result()
	if final.Stage != ogp.StagePublished || len(final.Checklist) != 4 || final.Checklist[0].Key != ogp.ChecklistForumMet ||
		final.ReportHash != final.ComputeReportHash() {
		t.Fatalf("final %+v", final)
	}
	if got := store.log(ogp.NotificationAssessmentReminder); len(got) != 0 {
		t.Errorf("reminders %q", got)
	}
	if got := store.log(ogp.NotificationAssessmentPublished); len(got) != 1 {
		t.Errorf("published notifications %q", got)
	}
}

func TestAssessmentAllSelfAssessmentsMoveOnEarly(t *testing.T) {
	store := newRoundStore()
	h := newRoundHarness(t, arStart, store)
	h.on(2 * arDay)
	h.update(ogp.UpdateSubmitSelfAssessment, ogp.SubmitSelfAssessmentInput{CommitmentID: 7, Completion: ogp.CompletionLimited, Narrative: "a", Actor: arActor(arLead)})
	h.update(ogp.UpdateSubmitSelfAssessment, ogp.SubmitSelfAssessmentInput{CommitmentID: 8, Completion: ogp.CompletionCompleted, Narrative: "b", Actor: arActor(arLead2)})
	h.check(func(st ogp.AssessmentRoundState) {
		if st.Stage != ogp.StageAssessment || !st.StageDueAt.Equal(arStart.Add(16*arDay+2*time.Minute)) {
			t.Errorf("after both: %s %v", st.Stage, st.StageDueAt)
		}
	})
	// Cancelled during the assessment: no reminder goes out.
	h.on(10 * arDay)
	h.reject(ogp.UpdateCancelRound, ogp.CancelRoundInput{Actor: arActor(arMonitor)}, "reason_required")
	h.reject(ogp.UpdateCancelRound, ogp.CancelRoundInput{Reason: "x", Actor: arActor(arCoord)}, "not_monitoring_body")
	h.update(ogp.UpdateCancelRound, ogp.CancelRoundInput{Reason: "The plan was suspended", Actor: arActor(arMonitor)})
	if err := h.run(RoundInput{Start: arRoundStart(ogp.AssessImplementation)}); err != nil {
		t.Fatalf("workflow error: %v", err)
	}
	final := h.result()
	if final.Stage != ogp.StageCancelled || final.CancelReason != "The plan was suspended" || final.StageDueAt != nil {
		t.Fatalf("final %+v", final)
	}
	if got := store.log(ogp.NotificationAssessmentReminder); len(got) != 0 {
		t.Errorf("reminders %q", got)
	}
	if h.env.Now().After(arStart.Add(11 * arDay)) {
		t.Errorf("the workflow ran on until %v", h.env.Now())
	}
}

func TestAssessmentCancelledDuringSelfAssessment(t *testing.T) {
	store := newRoundStore()
	h := newRoundHarness(t, arStart, store)
	h.on(12 * arDay) // after the leads' reminder on day 11
	h.reject(ogp.UpdateCancelRound, ogp.CancelRoundInput{Reason: "x", Actor: arActor(arTeamMon)}, "not_independent")
	h.update(ogp.UpdateCancelRound, ogp.CancelRoundInput{Reason: "Duplicate round", Actor: arActor(arMonitor)})
	if err := h.run(RoundInput{Start: arRoundStart(ogp.AssessResults)}); err != nil {
		t.Fatalf("workflow error: %v", err)
	}
	if final := h.result(); final.Stage != ogp.StageCancelled {
		t.Fatalf("final %s", final.Stage)
	}
	want := []string{
		"assessment_reminder assessment-3/stage/self_assessment/reminder/1: 4 5",
	}
	if got := store.log(ogp.NotificationAssessmentReminder); !slices.Equal(got, want) {
		t.Errorf("reminders %q, want %q", got, want)
	}
}

func TestAssessmentContinueAsNewKeepsState(t *testing.T) {
	store := newRoundStore()
	h := newRoundHarness(t, arStart, store)
	start := arRoundStart(ogp.AssessResults)
	start.Commitments[0].LeadUserID, start.Commitments[1].LeadUserID = 0, 0
	// The assessment is overdue from day 14 and reminded weekly: three
	// reminders by day 30, then the history is said to be too long.
	h.on(30 * arDay)
	h.update(ogp.UpdateRecordAssessment, arAssess(7, ogp.AssessResults, arMonitor))
	h.at += time.Minute
	h.env.RegisterDelayedCallback(func() { h.env.SetCurrentHistoryLength(5001) }, h.at)
	err := h.run(RoundInput{Start: start, MaxHistoryEvents: 5000})
	var can *workflow.ContinueAsNewError
	if !errors.As(err, &can) {
		t.Fatalf("want continue-as-new, got %v", err)
	}
	var next RoundInput
	if err := converter.GetDefaultDataConverter().FromPayloads(can.Input, &next); err != nil {
		t.Fatal(err)
	}
	if next.State == nil || next.Start != nil || next.MaxHistoryEvents != 5000 {
		t.Fatalf("continue-as-new input %+v", next)
	}
	carried := *next.State
	if carried.Stage != ogp.StageAssessment || carried.StageReminders != 3 || len(carried.Assessments) != 1 {
		t.Fatalf("carried %s, %d reminders, %d assessments", carried.Stage, carried.StageReminders, len(carried.Assessments))
	}
	// The next run goes on: no evidence collected again, reminder 4 on
	// day 35, and the round is published.
	h2 := newRoundHarness(t, h.env.Now(), store)
	h2.on(6 * arDay)
	h2.update(ogp.UpdateRecordAssessment, arAssess(8, ogp.AssessResults, arMonitor))
	h2.update(ogp.UpdatePublishDraft, ogp.PublishDraftInput{Summary: "Draft", Actor: arActor(arMonitor)})
	h2.on(21 * arDay)
	h2.update(ogp.UpdateFinalise, ogp.FinaliseInput{Actor: arActor(arMonitor)})
	if err := h2.run(RoundInput{State: &carried, MaxHistoryEvents: 5000}); err != nil {
		t.Fatalf("second run: %v", err)
	}
	if final := h2.result(); final.Stage != ogp.StagePublished || final.EventSeq <= carried.EventSeq {
		t.Fatalf("final %s", final.Stage)
	}
	if len(store.collected) != 1 {
		t.Errorf("evidence collected %d times", len(store.collected))
	}
	want := []string{
		"assessment_reminder assessment-3/stage/assessment/reminder/1: 6",
		"assessment_reminder assessment-3/stage/assessment/reminder/2: 6",
		"assessment_reminder assessment-3/stage/assessment/reminder/3: 6",
		"assessment_reminder assessment-3/stage/assessment/reminder/4: 6",
	}
	if got := store.log(ogp.NotificationAssessmentReminder); !slices.Equal(got, want) {
		t.Errorf("reminders\n got %q\nwant %q", got, want)
	}
}

// TestAssessmentRoundEndsWithItsPlan: a round still running when its plan
// completes is cancelled with the plan, with the reason on record.
func TestAssessmentRoundEndsWithItsPlan(t *testing.T) {
	store := newRoundStore()
	h := newRoundHarness(t, arStart, store)
	h.on(arDay)
	h.env.RegisterDelayedCallback(func() { h.env.SignalWorkflow(ogp.SignalPlanEnded, nil) }, h.at+time.Minute)
	if err := h.run(RoundInput{Start: arRoundStart(ogp.AssessImplementation)}); err != nil {
		t.Fatalf("workflow error: %v", err)
	}
	st := h.result()
	if st.Stage != ogp.StageCancelled || st.CancelReason != "the action plan is completed" {
		t.Errorf("after the plan ended: stage %s, reason %q", st.Stage, st.CancelReason)
	}
}
