package workflows

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/log"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"github.com/ogplocal/ogp"
)

// fakeStore stands in for the database activities and remembers what the
// workflow asked them to write.
type fakeStore struct {
	mu            sync.Mutex
	state         ogp.PlanState
	events        map[int64]ogp.Event
	projections   int
	notifications map[string]ogp.Notification // by dedup key + user
	notifyCalls   []NotifyInput
	// gate holds the violations the content check finds per step (none:
	// the step passes); dueDates what a passing step-2 check plans.
	gate     map[int][]ogp.Violation
	dueDates []ogp.StepDue
	checks   []CheckStepInput
	// commitments are what LoadCommitments finds at validation.
	commitments []ogp.Commitment
}

// OpenRounds: no assessment rounds run in these tests.
func (f *fakeStore) OpenRounds(_ context.Context, _ int64) ([]int64, error) { return nil, nil }

func (f *fakeStore) LoadCommitments(_ context.Context, _ int64) ([]ogp.Commitment, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.commitments, nil
}

func (f *fakeStore) CheckStep(_ context.Context, in CheckStepInput) (CheckStepResult, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.checks = append(f.checks, in)
	if vs := f.gate[in.Step]; len(vs) > 0 {
		return CheckStepResult{Violations: vs}, nil
	}
	res := CheckStepResult{Version: int64(len(f.checks)), Digest: fmt.Sprintf("digest-%d-%d", in.Step, in.Round)}
	if in.Step == ogp.HomeRoadmap {
		res.DueDates = f.dueDates
	}
	return res, nil
}

func (f *fakeStore) setGate(step int, vs []ogp.Violation) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.gate[step] = vs
}

func newFakeStore() *fakeStore {
	return &fakeStore{events: map[int64]ogp.Event{}, notifications: map[string]ogp.Notification{}, gate: map[int][]ogp.Violation{}}
}

func (f *fakeStore) Project(_ context.Context, in ProjectPlanInput) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.projections++
	if in.State.Version > f.state.Version {
		f.state = in.State
	}
	for _, e := range in.Events {
		f.events[e.Seq] = e
	}
	return nil
}

func (f *fakeStore) Notify(_ context.Context, in NotifyInput) (NotifyResult, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.notifyCalls = append(f.notifyCalls, in)
	n := 0
	for _, m := range in.Notifications {
		k := fmt.Sprintf("%s#%d", m.DedupKey, m.UserID)
		if _, ok := f.notifications[k]; !ok {
			f.notifications[k] = m
			n++
		}
	}
	return NotifyResult{Delivered: n}, nil
}

// eventKinds lists audit events in order.
func (f *fakeStore) eventKinds() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	seqs := make([]int64, 0, len(f.events))
	for s := range f.events {
		seqs = append(seqs, s)
	}
	slices.Sort(seqs)
	out := make([]string, 0, len(seqs))
	for _, s := range seqs {
		out = append(out, f.events[s].Kind)
	}
	return out
}

func (f *fakeStore) reminders() []ogp.Notification {
	return f.notificationsOf(ogp.NotificationStepReminder)
}

// notificationsOf lists the notifications of one kind, in sending order.
func (f *fakeStore) notificationsOf(kind string) []ogp.Notification {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []ogp.Notification
	for _, c := range f.notifyCalls {
		for _, n := range c.Notifications {
			if n.Kind == kind {
				out = append(out, n)
			}
		}
	}
	return out
}

const (
	coordinator = int64(1)
	approverGov = int64(2)
	approverCSO = int64(3)
	outsider    = int64(9)
)

var start = time.Date(2027, 1, 4, 9, 0, 0, 0, time.UTC)

func newPlan() ogp.NewPlan {
	return ogp.NewPlan{PlanID: 1, Title: "Open Athens", Member: "City of Athens", StartsOn: "2027-01-01", EndsOn: "2028-06-30",
		CoordinatorID: coordinator, CoordinatorSector: ogp.SectorGovernment}
}

// harness drives one workflow under the time-skipping test environment.
type harness struct {
	t     *testing.T
	env   *testsuite.TestWorkflowEnvironment
	store *fakeStore
	at    time.Duration
	// outcomes of updates, checked when the test ends
	mu      sync.Mutex
	pending int
}

func newHarness(t *testing.T) *harness {
	var s testsuite.WorkflowTestSuite
	s.SetLogger(log.NewStructuredLogger(slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))))
	env := s.NewTestWorkflowEnvironment()
	env.SetStartTime(start)
	store := newFakeStore()
	env.RegisterWorkflowWithOptions(ActionPlanWorkflow, workflow.RegisterOptions{Name: ogp.WorkflowActionPlan})
	env.RegisterActivityWithOptions(store.Project, activity.RegisterOptions{Name: ActivityProjectPlan})
	env.RegisterActivityWithOptions(store.Notify, activity.RegisterOptions{Name: ActivityNotify})
	env.RegisterActivityWithOptions(store.CheckStep, activity.RegisterOptions{Name: ActivityCheckStep})
	env.RegisterActivityWithOptions(store.LoadCommitments, activity.RegisterOptions{Name: ActivityLoadCommitments})
	env.RegisterActivityWithOptions(store.OpenRounds, activity.RegisterOptions{Name: ActivityOpenRounds})
	return &harness{t: t, env: env, store: store}
}

// update schedules an update and expects it to succeed.
func (h *harness) update(name string, arg any) {
	h.expect(name, arg, "")
}

// reject schedules an update and expects its validator to refuse it with
// the given domain code.
func (h *harness) reject(name string, arg any, code string) {
	h.expect(name, arg, code)
}

func (h *harness) expect(name string, arg any, code string) {
	h.at += time.Minute
	desc := fmt.Sprintf("%s %+v at %v", name, arg, h.at)
	h.mu.Lock()
	h.pending++
	h.mu.Unlock()
	done := func() {
		h.mu.Lock()
		h.pending--
		h.mu.Unlock()
	}
	h.env.RegisterDelayedCallback(func() {
		h.env.UpdateWorkflow(name, "", &testsuite.TestUpdateCallback{
			OnReject: func(err error) {
				defer done()
				if code == "" {
					h.t.Errorf("%s: rejected: %v", desc, err)
					return
				}
				if de := DomainError(err); de == nil || de.Code != code {
					h.t.Errorf("%s: rejected with %v (domain %+v), want code %s", desc, err, de, code)
				}
			},
			OnComplete: func(_ any, err error) {
				if code != "" {
					defer done()
					h.t.Errorf("%s: accepted, want rejection %s (err %v)", desc, code, err)
					return
				}
				defer done()
				if err != nil {
					h.t.Errorf("%s: failed: %v", desc, err)
				}
			},
		}, arg)
	}, h.at)
}

// fail schedules an update that is accepted but fails in its handler with
// the given domain code (a content gate refusing the step).
func (h *harness) fail(name string, arg any, code string, check func(*ogp.Error)) {
	h.at += time.Minute
	desc := fmt.Sprintf("%s %+v at %v", name, arg, h.at)
	h.mu.Lock()
	h.pending++
	h.mu.Unlock()
	h.env.RegisterDelayedCallback(func() {
		h.env.UpdateWorkflow(name, "", &testsuite.TestUpdateCallback{
			OnReject: func(err error) {
				defer h.done()
				h.t.Errorf("%s: rejected by the validator (%v), want the handler to refuse it", desc, err)
			},
			OnComplete: func(_ any, err error) {
				defer h.done()
				de := DomainError(err)
				if de == nil || de.Code != code {
					h.t.Errorf("%s: completed with %v, want %s", desc, err, code)
					return
				}
				if check != nil {
					check(de)
				}
			},
		}, arg)
	}, h.at)
}

func (h *harness) done() {
	h.mu.Lock()
	h.pending--
	h.mu.Unlock()
}

// signal schedules a decide_step signal.
func (h *harness) signal(arg ogp.DecideStepInput) {
	h.at += time.Minute
	h.env.RegisterDelayedCallback(func() { h.env.SignalWorkflow(ogp.SignalDecideStep, arg) }, h.at)
}

// check schedules an assertion on the queried state.
func (h *harness) check(fn func(ogp.PlanState)) {
	h.at += time.Minute
	h.env.RegisterDelayedCallback(func() {
		v, err := h.env.QueryWorkflow(ogp.QueryState)
		if err != nil {
			h.t.Errorf("query: %v", err)
			return
		}
		var st ogp.PlanState
		if err := v.Get(&st); err != nil {
			h.t.Errorf("decode state: %v", err)
			return
		}
		fn(st)
	}, h.at)
}

// cancelLater ends a workflow that would otherwise wait forever.
func (h *harness) cancelLater() {
	h.at += time.Minute
	h.env.RegisterDelayedCallback(h.env.CancelWorkflow, h.at)
}

func (h *harness) run(in ActionPlanInput) error {
	h.env.ExecuteWorkflow(ogp.WorkflowActionPlan, in)
	if !h.env.IsWorkflowCompleted() {
		h.t.Fatal("workflow did not complete")
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.pending != 0 {
		h.t.Errorf("%d updates never finished", h.pending)
	}
	return h.env.GetWorkflowError()
}

func actor(id int64) ogp.Actor { return ogp.Actor{UserID: id} }

func (h *harness) addApprovers() {
	h.update(ogp.UpdateSetMember, ogp.SetMemberInput{Member: ogp.Member{UserID: approverGov, Roles: []ogp.Role{ogp.RoleApprover}, Sector: ogp.SectorGovernment}, Actor: actor(coordinator)})
	h.update(ogp.UpdateSetMember, ogp.SetMemberInput{Member: ogp.Member{UserID: approverCSO, Roles: []ogp.Role{ogp.RoleApprover}, Sector: ogp.SectorCivilSociety}, Actor: actor(coordinator)})
}

func (h *harness) approveStep(n int) {
	h.update(ogp.UpdateSubmitStep, ogp.SubmitStepInput{Step: n, Summary: fmt.Sprintf("work of step %d", n), Actor: actor(coordinator)})
	h.update(ogp.UpdateDecideStep, ogp.DecideStepInput{Step: n, Decision: ogp.DecisionApprove, Actor: actor(approverGov)})
	h.update(ogp.UpdateDecideStep, ogp.DecideStepInput{Step: n, Decision: ogp.DecisionApprove, Comment: "endorsed", Actor: actor(approverCSO)})
}

func TestFullTenStepRun(t *testing.T) {
	h := newHarness(t)
	h.addApprovers()
	for n := 1; n <= ogp.StepCount; n++ {
		h.approveStep(n)
		if n == 8 {
			h.check(func(st ogp.PlanState) {
				if st.Status != ogp.PlanImplementation || st.CurrentStep != 9 {
					t.Errorf("after step 8: status %s step %d, want implementation 9", st.Status, st.CurrentStep)
				}
			})
		}
		if n == 9 {
			h.check(func(st ogp.PlanState) {
				if st.Status != ogp.PlanLearning || st.CurrentStep != 10 {
					t.Errorf("after step 9: status %s step %d, want learning 10", st.Status, st.CurrentStep)
				}
			})
		}
	}
	if err := h.run(ActionPlanInput{Plan: ptr(newPlan())}); err != nil {
		t.Fatalf("workflow error: %v", err)
	}
	var final ogp.PlanState
	if err := h.env.GetWorkflowResult(&final); err != nil {
		t.Fatal(err)
	}
	if final.Status != ogp.PlanCompleted {
		t.Errorf("status %s, want completed", final.Status)
	}
	for _, st := range final.Steps {
		if st.Status != ogp.StepApproved || st.ApprovedAt == nil || st.Submission == nil || len(st.Decisions) != 2 {
			t.Errorf("step %d: %s approved_at=%v decisions=%d", st.Number, st.Status, st.ApprovedAt, len(st.Decisions))
		}
	}
	if h.store.state.Version != final.Version || h.store.state.Status != ogp.PlanCompleted {
		t.Errorf("projection at version %d status %s, want %d completed", h.store.state.Version, h.store.state.Status, final.Version)
	}
	kinds := h.store.eventKinds()
	if int64(len(kinds)) != final.EventSeq {
		t.Errorf("projected %d events, state counted %d", len(kinds), final.EventSeq)
	}
	want := map[string]int{ogp.EventPlanCreated: 1, ogp.EventStepStarted: 10, ogp.EventStepSubmitted: 10,
		ogp.EventStepDecided: 20, ogp.EventStepApproved: 10, ogp.EventPlanCompleted: 1, ogp.EventMemberSet: 2}
	got := map[string]int{}
	for _, k := range kinds {
		got[k]++
	}
	for k, n := range want {
		if got[k] != n {
			t.Errorf("%d %s events, want %d", got[k], k, n)
		}
	}
	if kinds[0] != ogp.EventPlanCreated || kinds[len(kinds)-1] != ogp.EventPlanCompleted {
		t.Errorf("events run %s..%s", kinds[0], kinds[len(kinds)-1])
	}
	perUser := map[string]map[int64]int{}
	for _, kind := range []string{ogp.NotificationDecisionNeeded, ogp.NotificationStepApproved} {
		perUser[kind] = map[int64]int{}
		for _, n := range h.store.notificationsOf(kind) {
			perUser[kind][n.UserID]++
		}
	}
	if d := perUser[ogp.NotificationDecisionNeeded]; d[approverGov] != 10 || d[approverCSO] != 10 || len(d) != 2 {
		t.Errorf("decision_needed per user %v, want 10 to each approver", d)
	}
	if a := perUser[ogp.NotificationStepApproved]; a[coordinator] != 10 || len(a) != 1 {
		t.Errorf("step_approved per user %v, want 10 to the coordinator", a)
	}
}

func TestRequestChangesAndResubmit(t *testing.T) {
	h := newHarness(t)
	h.addApprovers()
	h.update(ogp.UpdateSubmitStep, ogp.SubmitStepInput{Step: 1, Summary: "team drafted", Actor: actor(coordinator)})
	h.update(ogp.UpdateDecideStep, ogp.DecideStepInput{Step: 1, Decision: ogp.DecisionApprove, Actor: actor(approverGov)})
	h.update(ogp.UpdateDecideStep, ogp.DecideStepInput{Step: 1, Decision: ogp.DecisionRequestChanges, Comment: "the forum has no civil-society member", Actor: actor(approverCSO)})
	h.check(func(st ogp.PlanState) {
		s1 := st.Steps[0]
		if s1.Status != ogp.StepChangesRequested || st.CurrentStep != 1 {
			t.Errorf("after request_changes: %s, current %d", s1.Status, st.CurrentStep)
		}
	})
	// The round is cleared: a new submission needs both approvals again.
	h.update(ogp.UpdateSubmitStep, ogp.SubmitStepInput{Step: 1, Summary: "forum now includes two NGOs", Actor: actor(coordinator)})
	h.update(ogp.UpdateDecideStep, ogp.DecideStepInput{Step: 1, Decision: ogp.DecisionApprove, Actor: actor(approverCSO)})
	h.check(func(st ogp.PlanState) {
		s1 := st.Steps[0]
		if s1.Status != ogp.StepAwaitingApproval || s1.Round != 2 || !slices.Equal(s1.Pending(), []int64{approverGov}) {
			t.Errorf("round 2 after one approval: %s round %d pending %v", s1.Status, s1.Round, s1.Pending())
		}
	})
	h.update(ogp.UpdateDecideStep, ogp.DecideStepInput{Step: 1, Decision: ogp.DecisionApprove, Actor: actor(approverGov)})
	h.check(func(st ogp.PlanState) {
		if st.Steps[0].Status != ogp.StepApproved || st.CurrentStep != 2 || st.Steps[1].Status != ogp.StepInProgress {
			t.Errorf("after round 2: step1 %s, current %d, step2 %s", st.Steps[0].Status, st.CurrentStep, st.Steps[1].Status)
		}
		if len(st.Steps[0].Decisions) != 4 {
			t.Errorf("decisions kept %d, want all 4 across both rounds", len(st.Steps[0].Decisions))
		}
	})
	h.cancelLater()
	_ = h.run(ActionPlanInput{Plan: ptr(newPlan())})
}

func TestValidatorRefusals(t *testing.T) {
	h := newHarness(t)
	submit := func(step int, by int64, summary string) ogp.SubmitStepInput {
		return ogp.SubmitStepInput{Step: step, Summary: summary, Actor: actor(by)}
	}
	decide := func(step int, by int64, d ogp.Decision, comment string) ogp.DecideStepInput {
		return ogp.DecideStepInput{Step: step, Decision: d, Comment: comment, Actor: actor(by)}
	}
	h.reject(ogp.UpdateSubmitStep, submit(1, coordinator, "ready"), "no_approvers")
	// The coordinator as sole approver is still no approver: four-eyes.
	h.update(ogp.UpdateSetMember, ogp.SetMemberInput{Member: ogp.Member{UserID: coordinator, Roles: []ogp.Role{ogp.RoleCoordinator, ogp.RoleApprover}, Sector: ogp.SectorGovernment}, Actor: actor(coordinator)})
	h.reject(ogp.UpdateSubmitStep, submit(1, coordinator, "ready"), "no_approvers")
	h.addApprovers()
	h.reject(ogp.UpdateSubmitStep, submit(1, approverGov, "ready"), "not_coordinator")
	h.reject(ogp.UpdateSubmitStep, submit(2, coordinator, "ready"), "not_current_step")
	h.reject(ogp.UpdateSubmitStep, submit(11, coordinator, "ready"), "unknown_step")
	h.reject(ogp.UpdateSubmitStep, submit(1, coordinator, "   "), "summary_required")
	h.reject(ogp.UpdateDecideStep, decide(1, approverGov, ogp.DecisionApprove, ""), "not_awaiting_approval")
	h.update(ogp.UpdateSubmitStep, submit(1, coordinator, "ready"))
	h.reject(ogp.UpdateSubmitStep, submit(1, coordinator, "again"), "step_not_submittable")
	h.reject(ogp.UpdateDecideStep, decide(1, coordinator, ogp.DecisionApprove, ""), "four_eyes")
	h.reject(ogp.UpdateDecideStep, decide(1, outsider, ogp.DecisionApprove, ""), "not_an_approver")
	h.reject(ogp.UpdateDecideStep, decide(1, approverGov, "maybe", ""), "invalid_decision")
	h.reject(ogp.UpdateDecideStep, decide(1, approverGov, ogp.DecisionRequestChanges, " "), "comment_required")
	h.update(ogp.UpdateDecideStep, decide(1, approverGov, ogp.DecisionApprove, ""))
	h.reject(ogp.UpdateDecideStep, decide(1, approverGov, ogp.DecisionApprove, ""), "already_decided")
	h.reject(ogp.UpdateSetStepDueDate, ogp.SetStepDueDateInput{Step: 3, DueOn: "2027-03-01", Actor: actor(approverGov)}, "not_coordinator")
	h.reject(ogp.UpdateSetStepDueDate, ogp.SetStepDueDateInput{Step: 3, DueOn: "2029-03-01", Actor: actor(coordinator)}, "due_date_outside_period")
	h.reject(ogp.UpdateSetStepDueDate, ogp.SetStepDueDateInput{Step: 3, DueOn: "2027-02-30", Actor: actor(coordinator)}, "invalid_date")
	h.reject(ogp.UpdateSetMember, ogp.SetMemberInput{Member: ogp.Member{UserID: coordinator, Roles: []ogp.Role{ogp.RoleApprover}, Sector: ogp.SectorGovernment}, Actor: actor(coordinator)}, "last_coordinator")
	h.reject(ogp.UpdateSetMember, ogp.SetMemberInput{Member: ogp.Member{UserID: 5, Roles: []ogp.Role{"mayor"}, Sector: ogp.SectorGovernment}, Actor: actor(coordinator)}, "invalid_role")
	h.reject(ogp.UpdateRemoveMember, ogp.RemoveMemberInput{UserID: coordinator, Actor: actor(coordinator)}, "last_coordinator")
	h.reject(ogp.UpdateSetSettings, ogp.SetSettingsInput{ReminderIntervalDays: 0, Actor: actor(coordinator)}, "invalid_reminder_interval")
	// Admins manage any plan, but an approval stays a personal endorsement.
	h.update(ogp.UpdateSetStepDueDate, ogp.SetStepDueDateInput{Step: 3, DueOn: "2027-03-01", Actor: ogp.Actor{UserID: outsider, IsAdmin: true}})
	h.reject(ogp.UpdateDecideStep, ogp.DecideStepInput{Step: 1, Decision: ogp.DecisionApprove, Actor: ogp.Actor{UserID: outsider, IsAdmin: true}}, "not_an_approver")
	var versionBefore int64
	h.check(func(st ogp.PlanState) {
		versionBefore = st.Version
		if st.Steps[0].Status != ogp.StepAwaitingApproval || len(st.Steps[0].Decisions) != 1 {
			t.Errorf("refusals changed state: %s with %d decisions", st.Steps[0].Status, len(st.Steps[0].Decisions))
		}
	})
	// A refused signal changes nothing but is recorded as refused.
	h.signal(decide(1, approverGov, ogp.DecisionApprove, ""))
	h.check(func(st ogp.PlanState) {
		if st.Version != versionBefore {
			t.Errorf("refused signal changed the state version %d -> %d", versionBefore, st.Version)
		}
	})
	h.signal(decide(1, approverCSO, ogp.DecisionApprove, "by signal"))
	h.check(func(st ogp.PlanState) {
		if st.Steps[0].Status != ogp.StepApproved || st.CurrentStep != 2 {
			t.Errorf("valid signal did not approve: %s, current %d", st.Steps[0].Status, st.CurrentStep)
		}
	})
	h.cancelLater()
	_ = h.run(ActionPlanInput{Plan: ptr(newPlan())})
	refused := 0
	for _, k := range h.store.eventKinds() {
		if k == ogp.EventSignalRefused {
			refused++
		}
	}
	if refused != 1 {
		t.Errorf("%d signal_refused events, want 1", refused)
	}
}

func TestRemovingPendingApproverSettlesRound(t *testing.T) {
	h := newHarness(t)
	h.addApprovers()
	h.update(ogp.UpdateSubmitStep, ogp.SubmitStepInput{Step: 1, Summary: "ready", Actor: actor(coordinator)})
	h.update(ogp.UpdateDecideStep, ogp.DecideStepInput{Step: 1, Decision: ogp.DecisionApprove, Actor: actor(approverGov)})
	h.update(ogp.UpdateRemoveMember, ogp.RemoveMemberInput{UserID: approverCSO, Actor: actor(coordinator)})
	h.check(func(st ogp.PlanState) {
		if st.Steps[0].Status != ogp.StepApproved || st.CurrentStep != 2 {
			t.Errorf("after removing the last pending approver: %s current %d", st.Steps[0].Status, st.CurrentStep)
		}
	})
	h.update(ogp.UpdateSubmitStep, ogp.SubmitStepInput{Step: 2, Summary: "roadmap", Actor: actor(coordinator)})
	h.update(ogp.UpdateRemoveMember, ogp.RemoveMemberInput{UserID: approverGov, Actor: actor(coordinator)})
	h.check(func(st ogp.PlanState) {
		if st.Steps[1].Status != ogp.StepInProgress {
			t.Errorf("with no approvers left the submission should return to the coordinator, got %s", st.Steps[1].Status)
		}
	})
	h.cancelLater()
	_ = h.run(ActionPlanInput{Plan: ptr(newPlan())})
}

func TestDeadlineRemindersRepeatAndReset(t *testing.T) {
	h := newHarness(t)
	h.addApprovers()
	h.update(ogp.UpdateSetStepDueDate, ogp.SetStepDueDateInput{Step: 1, DueOn: "2027-01-10", Actor: actor(coordinator)})
	// Due 10 January: reminders at the end of the day, then every 7 days.
	h.at = 26*24*time.Hour - 9*time.Hour // 2027-01-30 00:00
	h.check(func(st ogp.PlanState) {
		if got := st.Steps[0].RemindersSent; got != 3 {
			t.Errorf("reminders by 30 Jan: %d, want 3 (11, 18, 25 Jan)", got)
		}
	})
	h.update(ogp.UpdateSubmitStep, ogp.SubmitStepInput{Step: 1, Summary: "ready", Actor: actor(coordinator)})
	h.update(ogp.UpdateDecideStep, ogp.DecideStepInput{Step: 1, Decision: ogp.DecisionApprove, Actor: actor(approverGov)})
	// Next reminder 1 Feb goes to the approver who has not decided.
	h.at = 29*24*time.Hour - 9*time.Hour // 2027-02-02 00:00
	h.check(func(st ogp.PlanState) {
		if got := st.Steps[0].RemindersSent; got != 4 {
			t.Errorf("reminders by 2 Feb: %d, want 4", got)
		}
	})
	// A new due date resets the timer: nothing until the new date passes.
	h.update(ogp.UpdateSetStepDueDate, ogp.SetStepDueDateInput{Step: 1, DueOn: "2027-02-20", Actor: actor(coordinator)})
	h.at = 47*24*time.Hour - 9*time.Hour // 2027-02-20 00:00
	h.check(func(st ogp.PlanState) {
		if got := st.Steps[0].RemindersSent; got != 0 {
			t.Errorf("reminders before the new due date: %d, want 0", got)
		}
	})
	h.at = 49*24*time.Hour - 9*time.Hour // 2027-02-22 00:00
	h.check(func(st ogp.PlanState) {
		if got := st.Steps[0].RemindersSent; got != 1 {
			t.Errorf("reminders after the new due date: %d, want 1", got)
		}
	})
	// Approval stops the reminders for good.
	h.update(ogp.UpdateDecideStep, ogp.DecideStepInput{Step: 1, Decision: ogp.DecisionApprove, Actor: actor(approverCSO)})
	h.at = 120 * 24 * time.Hour
	h.cancelLater()
	_ = h.run(ActionPlanInput{Plan: ptr(newPlan())})

	var got []int64
	for _, n := range h.store.reminders() {
		got = append(got, n.UserID)
	}
	want := []int64{coordinator, coordinator, coordinator, approverCSO, approverCSO}
	if !slices.Equal(got, want) {
		t.Errorf("reminder recipients %v, want %v", got, want)
	}
	keys := map[string]bool{}
	for _, n := range h.store.reminders() {
		k := fmt.Sprintf("%s#%d", n.DedupKey, n.UserID)
		if keys[k] {
			t.Errorf("duplicate reminder key %s", k)
		}
		keys[k] = true
	}
}

func TestContinueAsNewKeepsState(t *testing.T) {
	h := newHarness(t)
	h.addApprovers()
	for n := 1; n <= 3; n++ {
		h.approveStep(n)
	}
	// The test environment keeps no real history; say it has grown past
	// the limit, and the next change makes the workflow continue as new.
	h.update(ogp.UpdateSetStepDueDate, ogp.SetStepDueDateInput{Step: 4, DueOn: "2027-03-01", Actor: actor(coordinator)})
	h.at += time.Minute
	// A signal arriving as the run ends is still handled, not dropped.
	h.env.RegisterDelayedCallback(func() {
		h.env.SignalWorkflowSkippingWorkflowTask(ogp.SignalDecideStep, ogp.DecideStepInput{Step: 4, Decision: ogp.DecisionApprove, Actor: actor(approverGov)})
	}, h.at)
	h.at += time.Minute
	h.env.RegisterDelayedCallback(func() { h.env.SetCurrentHistoryLength(61) }, h.at)
	err := h.run(ActionPlanInput{Plan: ptr(newPlan()), MaxHistoryEvents: 60})
	var can *workflow.ContinueAsNewError
	if !errors.As(err, &can) {
		t.Fatalf("want continue-as-new, got %v", err)
	}
	var next ActionPlanInput
	if err := converter.GetDefaultDataConverter().FromPayloads(can.Input, &next); err != nil {
		t.Fatal(err)
	}
	if next.State == nil || next.MaxHistoryEvents != 60 {
		t.Fatalf("continue-as-new input carries no state: %+v", next)
	}
	carried := *next.State
	if carried.CurrentStep != 4 || carried.Steps[3].DueOn != "2027-03-01" {
		t.Fatalf("carried state at step %d, step 4 due %q", carried.CurrentStep, carried.Steps[3].DueOn)
	}
	if kinds := h.store.eventKinds(); kinds[len(kinds)-1] != ogp.EventSignalRefused || int64(len(kinds)) != carried.EventSeq {
		t.Errorf("the signal sent as the run ended was not handled: last event %s, %d events for seq %d", kinds[len(kinds)-1], len(kinds), carried.EventSeq)
	}

	// The new run picks up exactly where the old one was.
	h2 := newHarness(t)
	h2.env.SetStartTime(start.Add(2 * time.Hour))
	h2.check(func(st ogp.PlanState) {
		if st.Version != carried.Version || st.EventSeq != carried.EventSeq || st.CurrentStep != carried.CurrentStep {
			t.Errorf("new run state v%d seq%d step%d, want v%d seq%d step%d", st.Version, st.EventSeq, st.CurrentStep,
				carried.Version, carried.EventSeq, carried.CurrentStep)
		}
	})
	for n := carried.CurrentStep; n <= ogp.StepCount; n++ {
		if carried.Steps[n-1].Status == ogp.StepAwaitingApproval {
			for _, a := range carried.Steps[n-1].Pending() {
				h2.update(ogp.UpdateDecideStep, ogp.DecideStepInput{Step: n, Decision: ogp.DecisionApprove, Actor: actor(a)})
			}
			continue
		}
		h2.approveStep(n)
	}
	if err := h2.run(ActionPlanInput{State: &carried, MaxHistoryEvents: 100000}); err != nil {
		t.Fatalf("second run: %v", err)
	}
	var final ogp.PlanState
	if err := h2.env.GetWorkflowResult(&final); err != nil {
		t.Fatal(err)
	}
	if final.Status != ogp.PlanCompleted || final.Steps[3].DueOn != "2027-03-01" {
		t.Errorf("final %s, step 4 due %q", final.Status, final.Steps[3].DueOn)
	}
	// Event numbering continues across runs: keys never collide.
	for seq := range h2.store.events {
		if seq <= carried.EventSeq {
			t.Errorf("event %d reused a sequence number of the first run", seq)
		}
	}
}

func ptr[T any](v T) *T { return &v }

func TestContentGateRefusesThenAccepts(t *testing.T) {
	h := newHarness(t)
	h.addApprovers()
	unmet := []ogp.Violation{
		{Code: "forum_needs_non_government_member", Message: "the forum has no non-government member", Item: "forum:1"},
		{Code: "monitoring_body_independence", Message: "Eleni is on the team and in the monitoring body", Item: "user:4"},
	}
	h.at += time.Minute
	h.env.RegisterDelayedCallback(func() { h.store.setGate(1, unmet) }, h.at)
	var versionBefore int64
	h.check(func(st ogp.PlanState) { versionBefore = st.Version })
	h.fail(ogp.UpdateSubmitStep, ogp.SubmitStepInput{Step: 1, Summary: "ready", Actor: actor(coordinator)}, "step_rules_unmet", func(e *ogp.Error) {
		if e.Kind != ogp.EUnprocessable || len(e.Violations) != 2 || e.Violations[1].Item != "user:4" {
			t.Errorf("gate error %+v, want both violations with their items", e)
		}
	})
	h.check(func(st ogp.PlanState) {
		if st.Version != versionBefore || st.Steps[0].Status != ogp.StepInProgress || st.Steps[0].Round != 0 {
			t.Errorf("a refused submission moved the plan: v%d->v%d, step 1 %s round %d", versionBefore, st.Version, st.Steps[0].Status, st.Steps[0].Round)
		}
	})
	h.at += time.Minute
	h.env.RegisterDelayedCallback(func() { h.store.setGate(1, nil) }, h.at)
	h.update(ogp.UpdateSubmitStep, ogp.SubmitStepInput{Step: 1, Summary: "fixed", Actor: actor(coordinator)})
	h.check(func(st ogp.PlanState) {
		sub := st.Steps[0].Submission
		if st.Steps[0].Status != ogp.StepAwaitingApproval || sub == nil || sub.Round != 1 || sub.ContentDigest != "digest-1-1" {
			t.Errorf("accepted submission: %s %+v", st.Steps[0].Status, sub)
		}
	})
	h.cancelLater()
	_ = h.run(ActionPlanInput{Plan: ptr(newPlan())})
	if len(h.store.checks) != 2 || h.store.checks[1].Round != 1 || h.store.checks[1].Context.PlanID != 1 || len(h.store.checks[1].Context.Members) != 3 {
		t.Errorf("checks %+v", h.store.checks)
	}
}

func TestApprovedRoadmapSetsDueDates(t *testing.T) {
	h := newHarness(t)
	h.store.dueDates = []ogp.StepDue{{Step: 3, DueOn: "2027-02-15"}, {Step: 4, DueOn: "2027-04-30"}, {Step: 10, DueOn: "2028-06-15"}}
	h.addApprovers()
	h.approveStep(1)
	h.update(ogp.UpdateSetStepDueDate, ogp.SetStepDueDateInput{Step: 4, DueOn: "2027-03-31", Actor: actor(coordinator)})
	h.approveStep(2)
	h.check(func(st ogp.PlanState) {
		for n, want := range map[int]ogp.Date{3: "2027-02-15", 4: "2027-04-30", 10: "2028-06-15", 5: ""} {
			if got := st.Steps[n-1].DueOn; got != want {
				t.Errorf("step %d due %q, want %q", n, got, want)
			}
		}
	})
	// The roadmap's date for step 3 drives its reminders: due 15 February,
	// reminded from the 16th (within the default spread window).
	h.at = 43*24*time.Hour - 9*time.Hour + ogp.DefaultReminderSpread // 2027-02-16 00:05
	h.check(func(st ogp.PlanState) {
		if st.Steps[2].RemindersSent != 1 {
			t.Errorf("step 3 reminders by 16 Feb: %d, want 1", st.Steps[2].RemindersSent)
		}
	})
	h.cancelLater()
	_ = h.run(ActionPlanInput{Plan: ptr(newPlan())})
}

// idleCommitment stands in for CommitmentWorkflow: it only has to start;
// its closing is signalled to the plan by the test itself.
func idleCommitment(workflow.Context, CommitmentInput) error { return nil }

func TestImplementationRunsCommitmentsUntilClosed(t *testing.T) {
	h := newHarness(t)
	h.env.RegisterWorkflowWithOptions(idleCommitment, workflow.RegisterOptions{Name: ogp.WorkflowCommitment})
	h.store.commitments = []ogp.Commitment{{ID: 31, Number: 1, Title: "Open budget"}, {ID: 32, Number: 2, Title: "Open contracts"}}
	h.addApprovers()
	for n := 1; n <= 8; n++ {
		h.approveStep(n)
	}
	h.check(func(st ogp.PlanState) {
		if len(st.Commitments) != 2 || st.Commitments[0].WorkflowID != "commitment-31" || len(st.OpenCommitments()) != 2 {
			t.Errorf("after validation: commitments %+v", st.Commitments)
		}
	})
	// Step 9 waits for the commitments.
	h.reject(ogp.UpdateSubmitStep, ogp.SubmitStepInput{Step: 9, Summary: "done?", Actor: actor(coordinator)}, "implementation_not_complete")
	h.at += time.Minute
	h.env.RegisterDelayedCallback(func() {
		h.env.SignalWorkflow(ogp.SignalCommitmentClosed, CommitmentClosed{CommitmentID: 31, Status: ogp.CommitmentCompleted})
		// A repeated signal changes nothing.
		h.env.SignalWorkflow(ogp.SignalCommitmentClosed, CommitmentClosed{CommitmentID: 31, Status: ogp.CommitmentCompleted})
	}, h.at)
	h.reject(ogp.UpdateSubmitStep, ogp.SubmitStepInput{Step: 9, Summary: "done?", Actor: actor(coordinator)}, "implementation_not_complete")
	h.at += time.Minute
	h.env.RegisterDelayedCallback(func() {
		h.env.SignalWorkflow(ogp.SignalCommitmentClosed, CommitmentClosed{CommitmentID: 32, Status: ogp.CommitmentWithdrawn})
	}, h.at)
	h.approveStep(9)
	h.approveStep(10)
	if err := h.run(ActionPlanInput{Plan: ptr(newPlan())}); err != nil {
		t.Fatal(err)
	}
	closed := 0
	for _, k := range h.store.eventKinds() {
		if k == ogp.EventCommitmentClosed {
			closed++
		}
	}
	if closed != 2 {
		t.Errorf("%d commitment_closed events, want 2", closed)
	}
}

// endedWithPlan records that endableCommitment was told its plan ended.
var endedWithPlan atomic.Bool

// endableCommitment stands in for a commitment still open when its plan
// completes: it runs until the plan tells it so.
func endableCommitment(ctx workflow.Context, _ CommitmentInput) error {
	workflow.GetSignalChannel(ctx, ogp.SignalPlanEnded).Receive(ctx, nil)
	endedWithPlan.Store(true)
	return nil
}

func TestImplementationEndsWithThePlansPeriod(t *testing.T) {
	h := newHarness(t)
	h.env.RegisterWorkflowWithOptions(endableCommitment, workflow.RegisterOptions{Name: ogp.WorkflowCommitment})
	h.store.commitments = []ogp.Commitment{{ID: 41, Number: 1, Title: "Open budget"}}
	h.addApprovers()
	for n := 1; n <= 8; n++ {
		h.approveStep(n)
	}
	// The plan ends on 30 June 2028: from 1 July step 9 can be submitted
	// with the commitment still open, and the coordinator is told.
	h.at = time.Date(2028, 7, 1, 0, 30, 0, 0, time.UTC).Sub(start)
	h.check(func(st ogp.PlanState) {
		if !st.ImplementationEnded || len(st.OpenCommitments()) != 1 {
			t.Errorf("after the period: ended=%v open=%v", st.ImplementationEnded, st.OpenCommitments())
		}
	})
	h.approveStep(9)
	// Completing the plan ends the commitment that is still open.
	h.approveStep(10)
	if err := h.run(ActionPlanInput{Plan: ptr(newPlan())}); err != nil {
		t.Fatal(err)
	}
	if !endedWithPlan.Load() {
		t.Error("the open commitment's workflow was not told the plan ended")
	}
	if n := len(h.store.notificationsOf(ogp.NotificationImplementationEnded)); n != 1 {
		t.Errorf("%d implementation_ended notifications, want 1 (to the coordinator)", n)
	}
}

// TestProjectedStartOnlyNotifies: a run started with Projected (the API
// wrote the opening projection) sends the same opening notifications as
// one started without it, but does not write the opening rows again.
// Later changes are projected either way.
func TestProjectedStartOnlyNotifies(t *testing.T) {
	opening := map[bool]int{}
	for _, projected := range []bool{false, true} {
		t.Run(fmt.Sprintf("projected=%v", projected), func(t *testing.T) {
			h := newHarness(t)
			var atStart int
			h.env.RegisterDelayedCallback(func() {
				h.store.mu.Lock()
				defer h.store.mu.Unlock()
				atStart = h.store.projections
				for _, c := range h.store.notifyCalls {
					opening[projected] += len(c.Notifications)
				}
			}, time.Second)
			h.at = time.Second
			h.addApprovers()
			h.cancelLater()
			_ = h.run(ActionPlanInput{Plan: ptr(newPlan()), Projected: projected})
			want := 1
			if projected {
				want = 0
			}
			if atStart != want {
				t.Errorf("%d projections of the opening, want %d", atStart, want)
			}
			if h.store.projections <= atStart {
				t.Errorf("members added but nothing projected after the opening (%d projections)", h.store.projections)
			}
		})
	}
	if opening[true] != opening[false] {
		t.Errorf("opening notifications: %d with Projected, %d without", opening[true], opening[false])
	}
}
