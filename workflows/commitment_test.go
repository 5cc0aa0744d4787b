package workflows

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/interceptor"
	"go.temporal.io/sdk/log"
	"go.temporal.io/sdk/testsuite"
	sdkworker "go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/ogplocal/ogp"
)

// People of the commitment tests (IDs as in the plan tests where shared).
const (
	cmCoord    = int64(1)
	cmApprover = int64(2)
	cmApprov2  = int64(3)
	cmLead     = int64(4)
	cmResp     = int64(5)
	cmMonitor  = int64(6)
	cmOutsider = int64(9)
	cmParent   = "action-plan-1"
)

const cmDay = 24 * time.Hour

// commitmentStore stands in for the projection and notification
// activities: an outbox keyed like the real one (dedup key + user), so a
// retried send reaches nobody twice, and a log of what was delivered.
type commitmentStore struct {
	mu        sync.Mutex
	state     ogp.CommitmentState
	events    map[int64]ogp.Event
	outbox    map[string]bool
	delivered []ogp.Notification
	attempts  int
	// failOnce makes the first send of these keys fail after delivering,
	// as a crash between delivery and the activity's completion would.
	failOnce map[string]bool
}

func newCommitmentStore() *commitmentStore {
	return &commitmentStore{events: map[int64]ogp.Event{}, outbox: map[string]bool{}, failOnce: map[string]bool{}}
}

func (f *commitmentStore) Project(_ context.Context, in ProjectCommitmentInput) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if in.State.Version > f.state.Version || f.state.WorkflowID == "" {
		f.state = in.State
	}
	for _, e := range in.Events {
		f.events[e.Seq] = e
	}
	return nil
}

func (f *commitmentStore) Notify(_ context.Context, in NotifyInput) (NotifyResult, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.attempts++
	n := 0
	fail := false
	for _, m := range in.Notifications {
		k := fmt.Sprintf("%s#%d", m.DedupKey, m.UserID)
		if !f.outbox[k] {
			f.outbox[k] = true
			f.delivered = append(f.delivered, m)
			n++
		}
		if f.failOnce[m.DedupKey] {
			fail = true
			delete(f.failOnce, m.DedupKey)
		}
	}
	if fail {
		return NotifyResult{}, errors.New("connection reset after delivery")
	}
	return NotifyResult{Delivered: n}, nil
}

// reminders lists the delivered milestone reminders in order.
func (f *commitmentStore) reminders() []ogp.Notification {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []ogp.Notification
	for _, n := range f.delivered {
		if n.Kind == ogp.NotificationMilestoneReminder {
			out = append(out, n)
		}
	}
	return out
}

// reminderLog is "key: users" per reminder, in sending order.
func (f *commitmentStore) reminderLog() []string {
	var out []string
	var last string
	for _, n := range f.reminders() {
		if n.DedupKey != last {
			out = append(out, n.DedupKey+":")
			last = n.DedupKey
		}
		out[len(out)-1] += fmt.Sprintf(" %d", n.UserID)
	}
	return out
}

// commitmentHarness drives one commitment workflow under the
// time-skipping test environment; at is the offset of the next action
// from the environment's start.
type commitmentHarness struct {
	t       *testing.T
	env     *testsuite.TestWorkflowEnvironment
	store   *commitmentStore
	start   time.Time
	at      time.Duration
	mu      sync.Mutex
	pending int
}

var cmStart = time.Date(2027, 1, 4, 9, 0, 0, 0, time.UTC)

func newCommitmentHarness(t *testing.T, start time.Time, store *commitmentStore) *commitmentHarness {
	var s testsuite.WorkflowTestSuite
	s.SetLogger(log.NewStructuredLogger(slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError}))))
	env := s.NewTestWorkflowEnvironment()
	env.SetStartTime(start)
	env.SetStartWorkflowOptions(client.StartWorkflowOptions{ID: ogp.CommitmentWorkflowID(7)})
	env.RegisterWorkflowWithOptions(CommitmentWorkflow, workflow.RegisterOptions{Name: ogp.WorkflowCommitment})
	env.RegisterActivityWithOptions(store.Project, activity.RegisterOptions{Name: ActivityProjectCommitment})
	env.RegisterActivityWithOptions(store.Notify, activity.RegisterOptions{Name: ActivityNotify})
	return &commitmentHarness{t: t, env: env, store: store, start: start}
}

// on moves the harness's clock to instant ts for the next actions.
func (h *commitmentHarness) on(ts time.Time) {
	if d := ts.Sub(h.start); d > h.at {
		h.at = d
	}
}

func (h *commitmentHarness) update(name string, arg any) { h.expect(name, arg, "") }

func (h *commitmentHarness) reject(name string, arg any, code string) { h.expect(name, arg, code) }

func (h *commitmentHarness) expect(name string, arg any, code string) {
	h.at += time.Minute
	desc := fmt.Sprintf("%s %+v at %v", name, arg, h.start.Add(h.at))
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
			},
		}, arg)
	}, h.at)
}

func (h *commitmentHarness) check(fn func(ogp.CommitmentState)) {
	h.at += time.Minute
	h.env.RegisterDelayedCallback(func() {
		v, err := h.env.QueryWorkflow(ogp.QueryCommitmentState)
		if err != nil {
			h.t.Errorf("query: %v", err)
			return
		}
		var st ogp.CommitmentState
		if err := v.Get(&st); err != nil {
			h.t.Errorf("decode state: %v", err)
			return
		}
		fn(st)
	}, h.at)
}

func (h *commitmentHarness) cancelLater() {
	h.at += time.Minute
	h.env.RegisterDelayedCallback(h.env.CancelWorkflow, h.at)
}

// expectClosed mocks the signal to the plan's workflow, which the test
// environment cannot deliver, and expects it exactly once.
func (h *commitmentHarness) expectClosed(status ogp.CommitmentStatus) {
	h.env.OnSignalExternalWorkflow("default-test-namespace", cmParent, "", ogp.SignalCommitmentClosed,
		CommitmentClosed{CommitmentID: 7, Status: status}).Return(nil).Once()
}

func (h *commitmentHarness) run(in CommitmentInput) error {
	h.env.ExecuteWorkflow(ogp.WorkflowCommitment, in)
	if !h.env.IsWorkflowCompleted() {
		h.t.Fatal("workflow did not complete")
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.pending != 0 {
		h.t.Errorf("%d updates never finished", h.pending)
	}
	h.env.AssertExpectations(h.t)
	h.assertNoKeyTwice()
	return h.env.GetWorkflowError()
}

// assertNoKeyTwice: the workflow never asks to send a reminder key twice
// except as a retry of the same failed attempt.
func (h *commitmentHarness) assertNoKeyTwice() {
	seen := map[string]int{}
	for _, n := range h.store.reminders() {
		seen[fmt.Sprintf("%s#%d", n.DedupKey, n.UserID)]++
	}
	for k, c := range seen {
		if c > 1 {
			h.t.Errorf("reminder %s delivered %d times", k, c)
		}
	}
}

func cmActor(id int64) ogp.Actor { return ogp.Actor{UserID: id} }

// commitmentStartInput: commitment 7 of plan 1 with two milestones: 11
// due 31 March 2027 (its responsible person is user 5) and 12 due 31
// December 2027 (no user responsible).
func commitmentStartInput(policy ogp.ReminderPolicy) *ogp.CommitmentStart {
	return &ogp.CommitmentStart{
		PlanID: 1, PlanTitle: "Open Athens", LeadUserID: cmLead, ParentWorkflowID: cmParent, Policy: policy,
		PlanStartsOn: "2027-01-01", PlanEndsOn: "2028-06-30",
		Commitment: ogp.Commitment{ID: 7, Number: 2, Title: "Every public contract online", Milestones: []ogp.Milestone{
			{ID: 11, Title: "Pilot", StartsOn: "2027-01-01", DueOn: "2027-03-31", Responsible: "Head of procurement"},
			{ID: 12, Title: "City-wide", StartsOn: "2027-04-01", DueOn: "2027-12-31", Responsible: "Procurement office"},
		}},
		ResponsibleUserIDs: map[int64]int64{11: cmResp},
		Members: []ogp.Member{
			{UserID: cmCoord, Roles: []ogp.Role{ogp.RoleCoordinator}, Sector: ogp.SectorGovernment},
			{UserID: cmApprover, Roles: []ogp.Role{ogp.RoleApprover}, Sector: ogp.SectorGovernment},
			{UserID: cmApprov2, Roles: []ogp.Role{ogp.RoleApprover}, Sector: ogp.SectorCivilSociety},
			{UserID: cmMonitor, Roles: []ogp.Role{ogp.RoleMonitoringBody}, Sector: ogp.SectorCivilSociety},
		},
	}
}

func date(s string) time.Time { return ogp.Date(s).Time() }

func complete(id int64, by int64) ogp.CompleteMilestoneInput {
	return ogp.CompleteMilestoneInput{MilestoneID: id, Narrative: "done", Evidence: []string{"https://athens.example/evidence"}, Actor: cmActor(by)}
}

func TestCommitmentDefaultReminderSchedule(t *testing.T) {
	h := newCommitmentHarness(t, cmStart, newCommitmentStore())
	h.on(date("2027-03-29"))
	h.check(func(st ogp.CommitmentState) {
		if m := st.Milestones[0]; m.Schedule != ogp.ScheduleDueSoon || m.RemindersSent != 2 {
			t.Errorf("29 March: %s, %d reminders; want due_soon, 2", m.Schedule, m.RemindersSent)
		}
	})
	// Overdue from 1 April; reminded weekly; the milestone is completed on
	// 30 April, after the 5th overdue reminder (29 April).
	h.on(date("2027-04-30"))
	h.check(func(st ogp.CommitmentState) {
		if m := st.Milestones[0]; m.Schedule != ogp.ScheduleOverdue || m.RemindersSent != 8 || m.OverdueSent != 5 {
			t.Errorf("30 April: %s, %d reminders (%d overdue); want overdue, 8 (5)", m.Schedule, m.RemindersSent, m.OverdueSent)
		}
	})
	h.update(ogp.UpdateCompleteMilestone, complete(11, cmResp))
	h.check(func(st ogp.CommitmentState) {
		if m := st.Milestones[0]; m.Schedule != ogp.ScheduleDoneLate || st.Completion != ogp.CompletionSubstantial || st.Status != ogp.CommitmentActive {
			t.Errorf("after completing 11: %s %s %s", m.Schedule, st.Completion, st.Status)
		}
	})
	// Nothing more for milestone 11; milestone 12's first reminder is
	// 14 days before 31 December. Completing it closes the commitment.
	h.on(date("2027-12-18"))
	h.update(ogp.UpdateCompleteMilestone, complete(12, cmLead))
	h.expectClosed(ogp.CommitmentCompleted)
	if err := h.run(CommitmentInput{Start: commitmentStartInput(ogp.ReminderPolicy{})}); err != nil {
		t.Fatalf("workflow error: %v", err)
	}
	var final ogp.CommitmentState
	if err := h.env.GetWorkflowResult(&final); err != nil {
		t.Fatal(err)
	}
	if final.Status != ogp.CommitmentCompleted || final.Completion != ogp.CompletionCompleted || final.Milestones[1].Schedule != ogp.ScheduleDoneOnTime {
		t.Errorf("final %s %s %s", final.Status, final.Completion, final.Milestones[1].Schedule)
	}
	base, coord, all := " 4 5", " 1 4 5", " 1 2 3 4 5 6"
	k := "commitment-7/milestone/%d/due/0/reminder/%d:"
	want := []string{
		fmt.Sprintf(k, 11, 1) + base,  // 17 March, 14 days before
		fmt.Sprintf(k, 11, 2) + base,  // 28 March, 3 days before
		fmt.Sprintf(k, 11, 3) + base,  // 31 March, on the due date
		fmt.Sprintf(k, 11, 4) + base,  // 1 April, overdue 1
		fmt.Sprintf(k, 11, 5) + coord, // 8 April, overdue 2: the coordinator too
		fmt.Sprintf(k, 11, 6) + coord, // 15 April, overdue 3
		fmt.Sprintf(k, 11, 7) + all,   // 22 April, overdue 4: approvers and monitoring body too
		fmt.Sprintf(k, 11, 8) + all,   // 29 April, overdue 5
		fmt.Sprintf(k, 12, 1) + " 4",  // 17 December: milestone 12 has no user responsible, the lead
	}
	if got := h.store.reminderLog(); !slices.Equal(got, want) {
		t.Errorf("reminders\n got %q\nwant %q", got, want)
	}
	if h.store.state.Status != ogp.CommitmentCompleted || int64(len(h.store.events)) != final.EventSeq {
		t.Errorf("projection %s with %d events, state counted %d", h.store.state.Status, len(h.store.events), final.EventSeq)
	}
}

func TestCommitmentShortPolicyAndRetriedSend(t *testing.T) {
	store := newCommitmentStore()
	// The second overdue reminder's send fails after delivering: the retry
	// must not deliver it again.
	store.failOnce["commitment-7/milestone/11/due/0/reminder/5"] = true
	h := newCommitmentHarness(t, date("2027-03-30").Add(23*time.Hour+45*time.Minute), store)
	// Spread 0: reminders at their exact minutes (an explicit 0 turns
	// spreading off; unset would mean the default window).
	policy := ogp.ReminderPolicy{Before: []time.Duration{10 * time.Minute, 2 * time.Minute}, OnDue: true, OverdueEvery: 5 * time.Minute,
		CoordinatorAfter: 2, ForumAfter: 4, Spread: new(time.Duration(0))}
	h.on(date("2027-04-01").Add(22 * time.Minute))
	h.update(ogp.UpdateCompleteMilestone, complete(11, cmLead))
	h.on(date("2027-04-02"))
	h.cancelLater()
	_ = h.run(CommitmentInput{Start: commitmentStartInput(policy)})
	var got []string
	for _, n := range h.store.reminders() {
		if n.UserID == cmLead {
			got = append(got, fmt.Sprintf("%s %s", n.DedupKey[len("commitment-7/milestone/11/due/0/"):], n.Subject))
		}
	}
	want := []string{
		`reminder/1 Open Athens: milestone "Pilot" is due on 2027-03-31`,    // 23:50
		`reminder/2 Open Athens: milestone "Pilot" is due on 2027-03-31`,    // 23:58
		`reminder/3 Open Athens: milestone "Pilot" is due today`,            // 31 March 00:00
		`reminder/4 Open Athens: milestone "Pilot" is overdue`,              // 1 April 00:00
		`reminder/5 Open Athens: milestone "Pilot" is overdue (reminder 2)`, // 00:05
		`reminder/6 Open Athens: milestone "Pilot" is overdue (reminder 3)`, // 00:10
		`reminder/7 Open Athens: milestone "Pilot" is overdue (reminder 4)`, // 00:15
		`reminder/8 Open Athens: milestone "Pilot" is overdue (reminder 5)`, // 00:20
	}
	if !slices.Equal(got, want) {
		t.Errorf("short schedule\n got %q\nwant %q", got, want)
	}
	log := h.store.reminderLog()
	if len(log) != 8 || log[4] != "commitment-7/milestone/11/due/0/reminder/5: 1 4 5" || log[6] != "commitment-7/milestone/11/due/0/reminder/7: 1 2 3 4 5 6" {
		t.Errorf("escalation %q", log)
	}
	if h.store.attempts != 9 {
		t.Errorf("%d notify attempts, want 9 (8 reminders, one retried)", h.store.attempts)
	}
}

func TestCommitmentAmendmentReschedules(t *testing.T) {
	h := newCommitmentHarness(t, cmStart, newCommitmentStore())
	// Overdue since 1 April; reminded 1 and 8 April. Asked on 10 April to
	// move it to 30 June; approved on 11 April.
	h.on(date("2027-04-10"))
	h.update(ogp.UpdateRequestAmendment, ogp.RequestAmendmentInput{MilestoneID: 11, NewDueOn: "2027-06-30", Reason: "The supplier went bankrupt", Actor: cmActor(cmResp)})
	h.update(ogp.UpdateDecideAmendment, ogp.DecideRequestInput{Seq: 1, Decision: ogp.DecisionApprove, Actor: cmActor(cmApprover)})
	h.check(func(st ogp.CommitmentState) {
		if m := st.Milestones[0]; m.DueOn != "2027-03-31" || st.Amendments[0].Status != ogp.AmendmentPending {
			t.Errorf("changed before every approver decided: %s %s", m.DueOn, st.Amendments[0].Status)
		}
	})
	h.on(date("2027-04-11"))
	h.update(ogp.UpdateDecideAmendment, ogp.DecideRequestInput{Seq: 1, Decision: ogp.DecisionApprove, Comment: "fair", Actor: cmActor(cmApprov2)})
	h.check(func(st ogp.CommitmentState) {
		m, a := st.Milestones[0], st.Amendments[0]
		if m.DueOn != "2027-06-30" || m.DueVersion != 1 || m.RemindersSent != 0 || m.Schedule != ogp.ScheduleOnTrack ||
			a.Status != ogp.AmendmentApproved || a.OldDueOn != "2027-03-31" || a.NewDueOn != "2027-06-30" {
			t.Errorf("after approval: %+v %+v", m, a)
		}
	})
	// Under the new date: 16, 27, 30 June, then overdue from 1 July.
	h.on(date("2027-07-02"))
	h.check(func(st ogp.CommitmentState) {
		if m := st.Milestones[0]; m.RemindersSent != 4 || m.OverdueSent != 1 {
			t.Errorf("2 July: %d reminders, %d overdue", m.RemindersSent, m.OverdueSent)
		}
	})
	// A rejected amendment changes nothing: the next overdue reminder
	// (8 July) goes out under the same due date.
	h.update(ogp.UpdateRequestAmendment, ogp.RequestAmendmentInput{MilestoneID: 11, NewDueOn: "2027-09-30", Reason: "Again", Actor: cmActor(cmLead)})
	h.update(ogp.UpdateDecideAmendment, ogp.DecideRequestInput{Seq: 2, Decision: ogp.DecisionRequestChanges, Comment: "Deliver the pilot first", Actor: cmActor(cmApprov2)})
	h.check(func(st ogp.CommitmentState) {
		m := st.Milestones[0]
		if m.DueOn != "2027-06-30" || m.DueVersion != 1 || m.RemindersSent != 4 || st.Amendments[1].Status != ogp.AmendmentRejected ||
			st.Amendments[1].OldDueOn != "2027-06-30" || st.Amendments[1].NewDueOn != "2027-09-30" {
			t.Errorf("rejected amendment: %+v %+v", m, st.Amendments[1])
		}
	})
	h.on(date("2027-07-09"))
	h.cancelLater()
	_ = h.run(CommitmentInput{Start: commitmentStartInput(ogp.ReminderPolicy{})})
	var keys []string
	for _, l := range h.store.reminderLog() {
		key, _, _ := strings.Cut(l, ":")
		keys = append(keys, strings.TrimPrefix(key, "commitment-7/milestone/11/"))
	}
	want := []string{"due/0/reminder/1", "due/0/reminder/2", "due/0/reminder/3", "due/0/reminder/4", "due/0/reminder/5",
		"due/1/reminder/1", "due/1/reminder/2", "due/1/reminder/3", "due/1/reminder/4", "due/1/reminder/5"}
	if !slices.Equal(keys, want) {
		t.Errorf("reminder keys\n got %q\nwant %q", keys, want)
	}
	// The approvers heard of each request, the requesters of each outcome.
	perKind := map[string][]int64{}
	for _, n := range h.store.delivered {
		if n.Kind != ogp.NotificationMilestoneReminder {
			perKind[n.Kind] = append(perKind[n.Kind], n.UserID)
		}
	}
	if d := perKind[ogp.NotificationDecisionNeeded]; !slices.Equal(d, []int64{cmApprover, cmApprov2, cmApprover, cmApprov2}) {
		t.Errorf("decision_needed to %v", d)
	}
	if d := perKind[ogp.NotificationRequestDecided]; !slices.Equal(d, []int64{cmLead, cmResp, cmLead}) {
		t.Errorf("request_decided to %v", d)
	}
}

func TestCommitmentWithdrawalClosesAndSignalsParent(t *testing.T) {
	h := newCommitmentHarness(t, cmStart, newCommitmentStore())
	h.on(date("2027-04-02"))
	h.update(ogp.UpdateWithdrawCommitment, ogp.WithdrawCommitmentInput{Reason: "Contracts are now published nationally", Actor: cmActor(cmLead)})
	h.update(ogp.UpdateDecideWithdrawal, ogp.DecideRequestInput{Decision: ogp.DecisionApprove, Actor: cmActor(cmApprover)})
	h.check(func(st ogp.CommitmentState) {
		if st.Status != ogp.CommitmentActive || st.Withdrawal == nil || st.Withdrawal.Status != ogp.AmendmentPending {
			t.Errorf("withdrawn before every approver decided: %s %+v", st.Status, st.Withdrawal)
		}
	})
	// Reminders go on while the withdrawal is pending (8 April).
	h.on(date("2027-04-09"))
	h.update(ogp.UpdateDecideWithdrawal, ogp.DecideRequestInput{Decision: ogp.DecisionApprove, Comment: "agreed", Actor: cmActor(cmApprov2)})
	closedBy := h.start.Add(h.at)
	h.expectClosed(ogp.CommitmentWithdrawn)
	// Had the workflow not ended by itself, this would cancel it.
	h.env.RegisterDelayedCallback(h.env.CancelWorkflow, h.at+60*cmDay)
	if err := h.run(CommitmentInput{Start: commitmentStartInput(ogp.ReminderPolicy{})}); err != nil {
		t.Fatalf("the workflow did not end by itself: %v", err)
	}
	var final ogp.CommitmentState
	if err := h.env.GetWorkflowResult(&final); err != nil {
		t.Fatal(err)
	}
	if final.Status != ogp.CommitmentWithdrawn || len(final.Withdrawal.Decisions) != 2 || h.env.Now().After(closedBy.Add(time.Minute)) {
		t.Errorf("final %s, decisions %d, ended %v (closed at %v)", final.Status, len(final.Withdrawal.Decisions), h.env.Now(), closedBy)
	}
	if got := len(h.store.reminderLog()); got != 5 {
		t.Errorf("%d reminders, want 5 (to 8 April)", got)
	}
}

func TestCommitmentValidatorRefusals(t *testing.T) {
	h := newCommitmentHarness(t, cmStart, newCommitmentStore())
	report := func(id int64, by int64, status ogp.MilestoneStatus, pct int, narrative string, evidence ...string) ogp.ReportProgressInput {
		return ogp.ReportProgressInput{MilestoneID: id, Status: status, Percent: pct, Narrative: narrative, Evidence: evidence, Actor: cmActor(by)}
	}
	var version int64
	h.check(func(st ogp.CommitmentState) { version = st.Version })
	h.reject(ogp.UpdateReportProgress, report(11, cmOutsider, ogp.MilestoneInProgress, 10, "x"), "not_responsible")
	h.reject(ogp.UpdateReportProgress, report(12, cmResp, ogp.MilestoneInProgress, 10, "x"), "not_responsible")
	h.reject(ogp.UpdateReportProgress, report(99, cmLead, ogp.MilestoneInProgress, 10, "x"), "unknown_milestone")
	h.reject(ogp.UpdateReportProgress, report(11, cmResp, ogp.MilestoneCompleted, 100, "x"), "use_complete_milestone")
	h.reject(ogp.UpdateReportProgress, report(11, cmResp, "stalled", 10, "x"), "invalid_status")
	h.reject(ogp.UpdateReportProgress, report(11, cmResp, ogp.MilestoneInProgress, 120, "x"), "invalid_percent")
	h.reject(ogp.UpdateReportProgress, report(11, cmResp, ogp.MilestoneNotStarted, 10, "x"), "status_percent_mismatch")
	h.reject(ogp.UpdateReportProgress, report(11, cmResp, ogp.MilestoneInProgress, 10, " "), "narrative_required")
	h.reject(ogp.UpdateReportProgress, report(11, cmResp, ogp.MilestoneInProgress, 10, "x", "data:text/html,hi"), "invalid_url")
	h.reject(ogp.UpdateCompleteMilestone, ogp.CompleteMilestoneInput{MilestoneID: 11, Actor: cmActor(cmResp)}, "evidence_required")
	h.reject(ogp.UpdateExplainDelay, ogp.ExplainDelayInput{MilestoneID: 11, Text: "late", Actor: cmActor(cmResp)}, "not_overdue")
	h.reject(ogp.UpdateRequestAmendment, ogp.RequestAmendmentInput{MilestoneID: 11, NewDueOn: "2027-03-31", Reason: "r", Actor: cmActor(cmResp)}, "nothing_to_amend")
	h.reject(ogp.UpdateRequestAmendment, ogp.RequestAmendmentInput{MilestoneID: 11, NewDueOn: "2028-12-31", Reason: "r", Actor: cmActor(cmResp)}, "due_date_outside_period")
	h.reject(ogp.UpdateRequestAmendment, ogp.RequestAmendmentInput{MilestoneID: 11, NewDueOn: "2027-05-31", Actor: cmActor(cmResp)}, "reason_required")
	h.reject(ogp.UpdateDecideAmendment, ogp.DecideRequestInput{Seq: 1, Decision: ogp.DecisionApprove, Actor: cmActor(cmApprover)}, "unknown_amendment")
	h.reject(ogp.UpdateWithdrawCommitment, ogp.WithdrawCommitmentInput{Reason: "r", Actor: cmActor(cmResp)}, "not_lead_or_coordinator")
	h.reject(ogp.UpdateWithdrawCommitment, ogp.WithdrawCommitmentInput{Actor: cmActor(cmLead)}, "reason_required")
	h.reject(ogp.UpdateDecideWithdrawal, ogp.DecideRequestInput{Decision: ogp.DecisionApprove, Actor: cmActor(cmApprover)}, "no_pending_withdrawal")
	h.check(func(st ogp.CommitmentState) {
		if st.Version != version {
			t.Errorf("refused updates changed the state: v%d -> v%d", version, st.Version)
		}
	})
	h.update(ogp.UpdateReportProgress, report(11, cmResp, ogp.MilestoneInProgress, 40, "Tender drafted"))
	h.reject(ogp.UpdateReportProgress, report(11, cmLead, ogp.MilestoneInProgress, 30, "less"), "percent_decreased")
	h.reject(ogp.UpdateReportProgress, report(11, cmLead, ogp.MilestoneNotStarted, 0, "back"), "status_regressed")
	h.update(ogp.UpdateRequestAmendment, ogp.RequestAmendmentInput{MilestoneID: 11, NewDueOn: "2027-05-31", Reason: "Tender delayed", Actor: cmActor(cmResp)})
	h.reject(ogp.UpdateRequestAmendment, ogp.RequestAmendmentInput{MilestoneID: 11, NewDueOn: "2027-06-30", Reason: "r", Actor: cmActor(cmLead)}, "amendment_pending")
	h.reject(ogp.UpdateDecideAmendment, ogp.DecideRequestInput{Seq: 1, Decision: ogp.DecisionApprove, Actor: cmActor(cmCoord)}, "not_an_approver")
	h.reject(ogp.UpdateDecideAmendment, ogp.DecideRequestInput{Seq: 1, Decision: ogp.DecisionRequestChanges, Actor: cmActor(cmApprover)}, "comment_required")
	h.reject(ogp.UpdateDecideAmendment, ogp.DecideRequestInput{Seq: 1, Decision: "maybe", Actor: cmActor(cmApprover)}, "invalid_decision")
	h.update(ogp.UpdateDecideAmendment, ogp.DecideRequestInput{Seq: 1, Decision: ogp.DecisionApprove, Actor: cmActor(cmApprover)})
	h.reject(ogp.UpdateDecideAmendment, ogp.DecideRequestInput{Seq: 1, Decision: ogp.DecisionApprove, Actor: cmActor(cmApprover)}, "already_decided")
	h.update(ogp.UpdateDecideAmendment, ogp.DecideRequestInput{Seq: 1, Decision: ogp.DecisionRequestChanges, Comment: "no", Actor: cmActor(cmApprov2)})
	h.reject(ogp.UpdateDecideAmendment, ogp.DecideRequestInput{Seq: 1, Decision: ogp.DecisionApprove, Actor: cmActor(cmApprov2)}, "not_pending")
	// The coordinator asks to withdraw; the approvers decide.
	h.update(ogp.UpdateWithdrawCommitment, ogp.WithdrawCommitmentInput{Reason: "Out of budget", Actor: cmActor(cmCoord)})
	h.reject(ogp.UpdateWithdrawCommitment, ogp.WithdrawCommitmentInput{Reason: "again", Actor: cmActor(cmLead)}, "withdrawal_pending")
	h.reject(ogp.UpdateDecideWithdrawal, ogp.DecideRequestInput{Decision: ogp.DecisionApprove, Actor: cmActor(cmMonitor)}, "not_an_approver")
	h.update(ogp.UpdateDecideWithdrawal, ogp.DecideRequestInput{Decision: ogp.DecisionRequestChanges, Comment: "Keep it", Actor: cmActor(cmApprover)})
	// Overdue from 1 June: a delay can be explained.
	h.on(date("2027-06-02"))
	h.reject(ogp.UpdateExplainDelay, ogp.ExplainDelayInput{MilestoneID: 11, Actor: cmActor(cmResp)}, "explanation_required")
	h.update(ogp.UpdateExplainDelay, ogp.ExplainDelayInput{MilestoneID: 11, Text: "The tender had no bidders", Actor: cmActor(cmResp)})
	h.update(ogp.UpdateCompleteMilestone, complete(11, cmResp))
	h.reject(ogp.UpdateCompleteMilestone, complete(11, cmResp), "milestone_completed")
	h.reject(ogp.UpdateExplainDelay, ogp.ExplainDelayInput{MilestoneID: 11, Text: "x", Actor: cmActor(cmResp)}, "milestone_completed")
	h.check(func(st ogp.CommitmentState) {
		m := st.Milestones[0]
		if len(m.Delays) != 1 || len(m.Reports) != 2 || m.Schedule != ogp.ScheduleDoneLate || st.Amendments[0].Status != ogp.AmendmentRejected ||
			st.Withdrawal.Status != ogp.AmendmentRejected {
			t.Errorf("record: %+v", st)
		}
	})
	h.cancelLater()
	_ = h.run(CommitmentInput{Start: commitmentStartInput(ogp.ReminderPolicy{})})

	// Without approvers nothing can be amended or withdrawn: 422.
	h2 := newCommitmentHarness(t, cmStart, newCommitmentStore())
	start := commitmentStartInput(ogp.ReminderPolicy{})
	start.Members = start.Members[:1]
	h2.reject(ogp.UpdateRequestAmendment, ogp.RequestAmendmentInput{MilestoneID: 11, NewDueOn: "2027-05-31", Reason: "r", Actor: cmActor(cmLead)}, "no_approvers")
	h2.reject(ogp.UpdateWithdrawCommitment, ogp.WithdrawCommitmentInput{Reason: "r", Actor: cmActor(cmLead)}, "no_approvers")
	h2.cancelLater()
	_ = h2.run(CommitmentInput{Start: start})

	// Four-eyes: an approver who asks may not approve their own request.
	h3 := newCommitmentHarness(t, cmStart, newCommitmentStore())
	start = commitmentStartInput(ogp.ReminderPolicy{})
	start.LeadUserID = cmApprover
	h3.update(ogp.UpdateWithdrawCommitment, ogp.WithdrawCommitmentInput{Reason: "r", Actor: cmActor(cmApprover)})
	h3.reject(ogp.UpdateDecideWithdrawal, ogp.DecideRequestInput{Decision: ogp.DecisionApprove, Actor: cmActor(cmApprover)}, "four_eyes")
	h3.cancelLater()
	_ = h3.run(CommitmentInput{Start: start})
}

func TestCommitmentContinueAsNewKeepsState(t *testing.T) {
	store := newCommitmentStore()
	h := newCommitmentHarness(t, cmStart, store)
	// A long-running commitment: 300 daily progress reports on milestone
	// 12 while milestone 11 is overdue and reminded weekly.
	const reports = 300
	for i := range reports {
		h.on(cmStart.Add(time.Duration(i) * cmDay))
		h.update(ogp.UpdateReportProgress, ogp.ReportProgressInput{MilestoneID: 12, Status: ogp.MilestoneInProgress, Percent: i / 4,
			Narrative: fmt.Sprintf("Day %d", i+1), Actor: cmActor(cmLead)})
	}
	h.update(ogp.UpdateReportProgress, ogp.ReportProgressInput{MilestoneID: 12, Status: ogp.MilestoneInProgress, Percent: 80,
		Narrative: "Last report of the first run", Actor: cmActor(cmLead)})
	// The test environment keeps no real history: say it has grown past
	// the limit, and the workflow continues as new.
	h.at += time.Minute
	h.env.RegisterDelayedCallback(func() { h.env.SetCurrentHistoryLength(5001) }, h.at)
	err := h.run(CommitmentInput{Start: commitmentStartInput(ogp.ReminderPolicy{}), MaxHistoryEvents: 5000})
	var can *workflow.ContinueAsNewError
	if !errors.As(err, &can) {
		t.Fatalf("want continue-as-new, got %v", err)
	}
	var next CommitmentInput
	if err := converter.GetDefaultDataConverter().FromPayloads(can.Input, &next); err != nil {
		t.Fatal(err)
	}
	if next.State == nil || next.Start != nil || next.MaxHistoryEvents != 5000 {
		t.Fatalf("continue-as-new input %+v", next)
	}
	carried := *next.State
	m11, m12 := carried.Milestones[0], carried.Milestones[1]
	if len(m12.Reports) != reports+1 || m12.Percent != 80 || m11.RemindersSent < 30 || carried.Policy.OverdueEvery != 7*cmDay {
		t.Fatalf("carried: %d reports at %d%%, %d reminders of 11, policy %+v", len(m12.Reports), m12.Percent, m11.RemindersSent, carried.Policy)
	}
	if int64(len(store.events)) != carried.EventSeq {
		t.Errorf("%d events projected, state counted %d", len(store.events), carried.EventSeq)
	}
	firstRun := len(store.reminderLog())

	// The new run starts eight days later (as after a crash): of the
	// overdue reminders missed in between, the latest goes out once at the
	// start; the numbering goes on and no key is sent twice (the store is
	// shared between the runs).
	restart := h.env.Now().Add(8 * cmDay)
	expect := carried
	expect.Milestones = slices.Clone(carried.Milestones)
	if at, id, ok := ogp.NextMilestoneReminder(expect, restart, ogp.SpreadReminders); !ok || id != 11 || at.After(restart) {
		t.Fatalf("no reminder missed during the downtime: %v %d %v", at, id, ok)
	}
	missed, _ := expect.ApplyMilestoneReminder(restart, 11, ogp.SpreadReminders)
	if missed.Number != m11.RemindersSent+1 {
		t.Fatalf("catch-up reminder %d, want %d", missed.Number, m11.RemindersSent+1)
	}
	h2 := newCommitmentHarness(t, restart, store)
	h2.check(func(st ogp.CommitmentState) {
		if st.EventSeq <= carried.EventSeq || len(st.Milestones[1].Reports) != reports+1 {
			t.Errorf("new run: seq %d (carried %d), %d reports", st.EventSeq, carried.EventSeq, len(st.Milestones[1].Reports))
		}
	})
	h2.on(restart.Add(15 * cmDay))
	h2.update(ogp.UpdateCompleteMilestone, complete(11, cmResp))
	h2.update(ogp.UpdateCompleteMilestone, complete(12, cmLead))
	h2.expectClosed(ogp.CommitmentCompleted)
	if err := h2.run(CommitmentInput{State: &carried, MaxHistoryEvents: 5000}); err != nil {
		t.Fatalf("second run: %v", err)
	}
	var final ogp.CommitmentState
	if err := h2.env.GetWorkflowResult(&final); err != nil {
		t.Fatal(err)
	}
	if final.Status != ogp.CommitmentCompleted || len(final.Milestones[1].Reports) != reports+2 {
		t.Errorf("final %s with %d reports", final.Status, len(final.Milestones[1].Reports))
	}
	log := store.reminderLog()
	if len(log) <= firstRun {
		t.Fatalf("no reminders in the second run")
	}
	if first, _, _ := strings.Cut(log[firstRun], ":"); first != missed.DedupKey || len(log) != firstRun+3 {
		t.Errorf("second run reminders %q, want %s first and 3 in all", log[firstRun:], missed.DedupKey)
	}
	seen := map[string]bool{}
	for _, l := range log {
		if seen[l] {
			t.Errorf("reminder sent twice: %s", l)
		}
		seen[l] = true
	}
}

// TestCommitmentEndsWithItsPlan: a commitment still open when its plan
// completes stops at once (no more reminders), without pretending to be
// completed and without signalling the finished plan.
func TestCommitmentEndsWithItsPlan(t *testing.T) {
	h := newCommitmentHarness(t, cmStart, newCommitmentStore())
	h.on(date("2027-03-29"))
	var before int
	h.check(func(st ogp.CommitmentState) { before = st.Milestones[0].RemindersSent })
	h.at += time.Minute
	h.env.RegisterDelayedCallback(func() { h.env.SignalWorkflow(ogp.SignalPlanEnded, nil) }, h.at)
	if err := h.run(CommitmentInput{Start: commitmentStartInput(ogp.ReminderPolicy{})}); err != nil {
		t.Fatalf("workflow error: %v", err)
	}
	var final ogp.CommitmentState
	if err := h.env.GetWorkflowResult(&final); err != nil {
		t.Fatal(err)
	}
	if !final.PlanEnded || final.Status != ogp.CommitmentActive || final.Milestones[0].RemindersSent != before {
		t.Errorf("after the plan ended: plan_ended=%v status=%s reminders %d (was %d)", final.PlanEnded, final.Status,
			final.Milestones[0].RemindersSent, before)
	}
	if !final.Ended() || final.Closed() {
		t.Errorf("ended=%v closed=%v, want ended but not closed", final.Ended(), final.Closed())
	}
}

// herdStart is a commitment of plan 1 with n milestones (ids 101...), all
// due on 31 March 2027: reminded the day before and on the day.
func herdStart(n int, policy ogp.ReminderPolicy) *ogp.CommitmentStart {
	start := commitmentStartInput(policy)
	start.Commitment.Milestones = nil
	for i := range n {
		start.Commitment.Milestones = append(start.Commitment.Milestones, ogp.Milestone{ID: int64(101 + i), Title: fmt.Sprintf("Milestone %d", i+1),
			StartsOn: "2027-01-01", DueOn: "2027-03-31"})
	}
	return start
}

// sentReminder is a reminder as the workflow recorded it: milestone,
// number, and when it went out (the event's time: the workflow's clock).
type sentReminder struct {
	milestone int64
	number    int
	at        time.Time
}

// runHerd runs the herd commitment from 4 January to 2 April and returns
// its reminders in the order they were sent.
func runHerd(t *testing.T, n int, policy ogp.ReminderPolicy, version workflow.Version) []sentReminder {
	t.Helper()
	store := newCommitmentStore()
	h := newCommitmentHarness(t, cmStart, store)
	if version != 1 {
		h.env.OnGetVersion(ChangeReminderSpread, workflow.DefaultVersion, 1).Return(version)
	}
	h.on(date("2027-04-02"))
	h.cancelLater()
	_ = h.run(CommitmentInput{Start: herdStart(n, policy)})
	var out []sentReminder
	for seq := int64(1); seq <= int64(len(store.events)); seq++ {
		e, ok := store.events[seq]
		if !ok {
			t.Fatalf("event %d not projected", seq)
		}
		if e.Kind != ogp.EventMilestoneReminder {
			continue
		}
		id, _ := e.Payload["milestone_id"].(float64)
		num, _ := e.Payload["number"].(float64)
		out = append(out, sentReminder{milestone: int64(id), number: int(num), at: e.OccurredAt})
	}
	if len(store.reminders()) != len(out) {
		t.Errorf("%d reminder notifications for %d reminders (one recipient each)", len(store.reminders()), len(out))
	}
	return out
}

// TestCommitmentSpreadsSameInstantReminders: 50 milestones due the same
// day. Their reminders go out at 50 different instants within the spread
// window after each nominal time (00:00 UTC the day before, and of the
// day), each exactly once, each milestone at its own offset; a second run
// sends them at the very same times.
func TestCommitmentSpreadsSameInstantReminders(t *testing.T) {
	const n = 50
	policy := ogp.ReminderPolicy{Before: []time.Duration{cmDay}, OnDue: true}
	first := runHerd(t, n, policy, 1)
	if len(first) != 2*n {
		t.Fatalf("%d reminders sent, want %d", len(first), 2*n)
	}
	nominal := map[int]time.Time{1: date("2027-03-30"), 2: date("2027-03-31")}
	once := map[[2]int64]bool{}
	instants := map[int]map[time.Time]bool{1: {}, 2: {}}
	for i, r := range first {
		k := [2]int64{r.milestone, int64(r.number)}
		if once[k] {
			t.Errorf("milestone %d reminder %d sent twice", r.milestone, r.number)
		}
		once[k] = true
		off := r.at.Sub(nominal[r.number])
		if off < 0 || off >= ogp.DefaultReminderSpread {
			t.Errorf("milestone %d reminder %d at %v: %v after its nominal time, outside the window", r.milestone, r.number, r.at, off)
		}
		if want := ogp.MilestoneReminderOffset(ogp.DefaultReminderSpread, 1, 7, r.milestone); off != want {
			t.Errorf("milestone %d reminder %d: offset %v, want the milestone's %v", r.milestone, r.number, off, want)
		}
		instants[r.number][r.at] = true
		if i > 0 && r.at.Before(first[i-1].at) {
			t.Errorf("reminder %d sent at %v, before the previous one (%v)", i, r.at, first[i-1].at)
		}
	}
	for num, at := range instants {
		if len(at) != n {
			t.Errorf("reminder %d of the %d milestones went out at %d distinct instants, want %d", num, n, len(at), n)
		}
	}
	spanOf := func(rs []sentReminder) time.Duration { return rs[n-1].at.Sub(rs[0].at) }
	if span := spanOf(first[:n]); span < ogp.DefaultReminderSpread/2 {
		t.Errorf("50 reminders over only %v of the %v window", span, ogp.DefaultReminderSpread)
	}
	// Deterministic: the same commitment, run again, reminds at the same
	// instants (what a replay of this history would compute).
	if second := runHerd(t, n, policy, 1); !slices.Equal(second, first) {
		t.Errorf("a second run reminded at other times:\n first %v\nsecond %v", first, second)
	}
}

// TestCommitmentReminderSpreadOffAndOldRuns: spread 0 in the policy, and a
// run recorded before spreading (GetVersion answers DefaultVersion, as on
// the replay of such a history), remind every milestone at the exact
// nominal instant, as before.
func TestCommitmentReminderSpreadOffAndOldRuns(t *testing.T) {
	const n = 10
	zero := time.Duration(0)
	for name, c := range map[string]struct {
		policy  ogp.ReminderPolicy
		version workflow.Version
	}{
		"spread 0":             {ogp.ReminderPolicy{Before: []time.Duration{cmDay}, OnDue: true, Spread: &zero}, 1},
		"run before spreading": {ogp.ReminderPolicy{Before: []time.Duration{cmDay}, OnDue: true}, workflow.DefaultVersion},
	} {
		t.Run(name, func(t *testing.T) {
			sent := runHerd(t, n, c.policy, c.version)
			if len(sent) != 2*n {
				t.Fatalf("%d reminders, want %d", len(sent), 2*n)
			}
			for _, r := range sent {
				if want := date(map[int]string{1: "2027-03-30", 2: "2027-03-31"}[r.number]); !r.at.Equal(want) {
					t.Errorf("milestone %d reminder %d at %v, want exactly %v", r.milestone, r.number, r.at, want)
				}
			}
		})
	}
}

// TestReplayHistoryRecordedBeforeSpread replays a commitment history
// recorded with the code before spreading (testdata/spread): two
// milestones due the same instant, one timer, both reminders sent when it
// fired, then both completed. Today's code must replay it (GetVersion
// finds no marker, so the run keeps exact times); the same code with the
// version forced to 1, as an unguarded change would be, must not: the
// reminders would not be due when the recorded timer fired.
func TestReplayHistoryRecordedBeforeSpread(t *testing.T) {
	const file = "testdata/spread/commitment_herd_before_spread.json"
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	hist, err := client.HistoryFromJSON(f, client.HistoryJSONOptions{})
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	fired, notifies := 0, 0
	for _, e := range hist.GetEvents() {
		switch {
		case e.GetMarkerRecordedEventAttributes() != nil:
			t.Fatalf("the history has a marker (%s): it was not recorded before spreading", e.GetMarkerRecordedEventAttributes().GetMarkerName())
		case e.GetTimerFiredEventAttributes() != nil:
			fired++
		case e.GetActivityTaskScheduledEventAttributes().GetActivityType().GetName() == ActivityNotify:
			notifies++
		}
	}
	if fired != 1 || notifies != 2 {
		t.Fatalf("history with %d fired timers and %d notifications, want 1 and 2", fired, notifies)
	}
	replay := func(opts sdkworker.WorkflowReplayerOptions) error {
		r, err := sdkworker.NewWorkflowReplayerWithOptions(opts)
		if err != nil {
			t.Fatal(err)
		}
		r.RegisterWorkflowWithOptions(CommitmentWorkflow, workflow.RegisterOptions{Name: ogp.WorkflowCommitment})
		return r.ReplayWorkflowHistory(nil, hist)
	}
	if err := replay(sdkworker.WorkflowReplayerOptions{}); err != nil {
		t.Fatalf("a history recorded before spreading does not replay: %v", err)
	}
	err = replay(sdkworker.WorkflowReplayerOptions{Interceptors: []interceptor.WorkerInterceptor{&forceVersion{change: ChangeReminderSpread}}})
	// TMPRL1100 is the SDK's code for a replay that does not match its
	// history (nondeterminism).
	if err == nil || !strings.Contains(err.Error(), "TMPRL1100") {
		t.Fatalf("spreading without the version guard replayed (%v): this history no longer tests the guard", err)
	}
}

// forceVersion answers GetVersion(change) with its maximum, marker or
// not: the code as if the change were not guarded.
type forceVersion struct {
	interceptor.WorkerInterceptorBase
	change string
}

func (f *forceVersion) InterceptWorkflow(_ workflow.Context, next interceptor.WorkflowInboundInterceptor) interceptor.WorkflowInboundInterceptor {
	return &forceVersionInbound{WorkflowInboundInterceptorBase: interceptor.WorkflowInboundInterceptorBase{Next: next}, change: f.change}
}

type forceVersionInbound struct {
	interceptor.WorkflowInboundInterceptorBase
	change string
}

func (i *forceVersionInbound) Init(outbound interceptor.WorkflowOutboundInterceptor) error {
	return i.Next.Init(&forceVersionOutbound{WorkflowOutboundInterceptorBase: interceptor.WorkflowOutboundInterceptorBase{Next: outbound}, change: i.change})
}

type forceVersionOutbound struct {
	interceptor.WorkflowOutboundInterceptorBase
	change string
}

func (o *forceVersionOutbound) GetVersion(ctx workflow.Context, changeID string, minSupported, maxSupported workflow.Version) workflow.Version {
	if changeID == o.change {
		return maxSupported
	}
	return o.Next.GetVersion(ctx, changeID, minSupported, maxSupported)
}
