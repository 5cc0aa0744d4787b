package workflows

import (
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/ogplocal/ogp"
)

// ActivityProjectCommitment writes a commitment's state and new audit
// events to the database.
const ActivityProjectCommitment = "ProjectCommitment"

// CommitmentInput starts a commitment workflow: Start for a new
// commitment, State when continuing as new.
type CommitmentInput struct {
	Start *ogp.CommitmentStart `json:"start,omitempty"`
	State *ogp.CommitmentState `json:"state,omitempty"`
	// MaxHistoryEvents overrides DefaultMaxHistoryEvents.
	MaxHistoryEvents int `json:"max_history_events,omitempty"`
}

// ProjectCommitmentInput asks the projection activity to write the
// commitment's state and new audit events (keyed by workflow ID and Seq).
type ProjectCommitmentInput struct {
	State  ogp.CommitmentState `json:"state"`
	Events []ogp.Event         `json:"events"`
}

// CommitmentClosed is the payload of the ogp.SignalCommitmentClosed signal
// a commitment sends its plan's workflow when it is completed or withdrawn.
type CommitmentClosed struct {
	CommitmentID int64                `json:"commitment_id"`
	Status       ogp.CommitmentStatus `json:"status"`
}

// commitmentWorkflow is one running commitment: its state and the
// plumbing that keeps update handlers in order.
type commitmentWorkflow struct {
	st        ogp.CommitmentState
	mu        workflow.Mutex
	maxEvents int
	// timing is decided once, when the run starts (reminderTiming).
	timing ogp.ReminderTiming
	deliveries
}

// ChangeReminderSpread is the workflow.GetVersion change ID of spread
// reminder times (version 1); runs recorded before it keep exact times.
const ChangeReminderSpread = "reminder-spread"

// reminderTiming decides, once per run and before anything else, how the
// run computes reminder times. A run that starts with this code records
// version 1 and spreads its reminders; a history recorded before the
// change has no marker, so its replay (and the rest of such a run) keeps
// the exact times it was recorded with. Continue-as-new starts a run that
// decides afresh. Called anywhere else (in a loop, or only on some paths),
// GetVersion could answer differently on replay than it did live.
func reminderTiming(ctx workflow.Context) ogp.ReminderTiming {
	if workflow.GetVersion(ctx, ChangeReminderSpread, workflow.DefaultVersion, 1) == workflow.DefaultVersion {
		return ogp.ExactReminders
	}
	return ogp.SpreadReminders
}

// CommitmentWorkflow runs one commitment through implementation (step 9):
// progress, completion, delay explanations, amendments and withdrawal
// arrive as updates, validated before they reach the history; milestone
// reminders are durable timers that escalate while a milestone stays
// overdue. When the commitment closes (every milestone completed, or the
// withdrawal approved) it tells the plan's workflow and ends.
func CommitmentWorkflow(ctx workflow.Context, in CommitmentInput) (ogp.CommitmentState, error) {
	w := &commitmentWorkflow{mu: workflow.NewMutex(ctx), maxEvents: in.MaxHistoryEvents, deliveries: deliveries{root: ctx}}
	w.timing = reminderTiming(ctx)
	w.local, w.durableReminders = localWrites(ctx)
	if w.maxEvents <= 0 {
		w.maxEvents = DefaultMaxHistoryEvents
	}
	var opening []ogp.Event
	switch {
	case in.State != nil:
		w.st = *in.State
	case in.Start != nil:
		w.st, opening = ogp.NewCommitmentState(*in.Start, workflow.GetInfo(ctx).WorkflowExecution.ID, workflow.Now(ctx))
	default:
		return ogp.CommitmentState{}, temporal.NewNonRetryableApplicationError("neither start nor state given", "invalid_input", nil)
	}
	if err := w.setup(ctx); err != nil {
		return ogp.CommitmentState{}, err
	}
	if len(opening) > 0 {
		if err := w.locked(ctx, func() error { return w.project(ctx, opening) }); err != nil {
			return ogp.CommitmentState{}, err
		}
	}

	for !w.st.Ended() && !w.shouldContinueAsNew(ctx) {
		if err := w.waitForChangeOrReminder(ctx); err != nil {
			return ogp.CommitmentState{}, err
		}
	}

	// Every accepted update gets its answer before the run ends.
	if err := workflow.Await(ctx, func() bool { return workflow.AllHandlersFinished(ctx) && w.idle() }); err != nil {
		return ogp.CommitmentState{}, err
	}
	if w.st.Closed() {
		// The closing update projected the state already.
		w.signalParent(ctx)
		return w.st.At(workflow.Now(ctx)), nil
	}
	if w.st.PlanEnded {
		return w.st.At(workflow.Now(ctx)), nil
	}
	st := w.st
	return ogp.CommitmentState{}, workflow.NewContinueAsNewError(ctx, ogp.WorkflowCommitment,
		CommitmentInput{State: &st, MaxHistoryEvents: in.MaxHistoryEvents})
}

func (w *commitmentWorkflow) shouldContinueAsNew(ctx workflow.Context) bool {
	info := workflow.GetInfo(ctx)
	return info.GetContinueAsNewSuggested() || info.GetCurrentHistoryLength() >= w.maxEvents
}

// signalParent tells the plan's workflow the commitment closed. A plan
// that is gone (ended, or never a parent) is no reason to fail: the
// commitment's own record is complete.
func (w *commitmentWorkflow) signalParent(ctx workflow.Context) {
	if w.st.ParentWorkflowID == "" {
		return
	}
	payload := CommitmentClosed{CommitmentID: w.st.CommitmentID, Status: w.st.Status}
	err := workflow.SignalExternalWorkflow(ctx, w.st.ParentWorkflowID, "", ogp.SignalCommitmentClosed, payload).Get(ctx, nil)
	if err != nil {
		workflow.GetLogger(ctx).Warn("could not tell the plan the commitment closed", "parent", w.st.ParentWorkflowID, "error", err)
	}
}

// waitForChangeOrReminder blocks until the state changes (which may move
// or cancel reminders) or the next milestone reminder is due, and sends it.
func (w *commitmentWorkflow) waitForChangeOrReminder(ctx workflow.Context) error {
	version := w.st.Version
	changed := func() bool { return w.st.Version != version || w.shouldContinueAsNew(ctx) }
	at, _, ok := ogp.NextMilestoneReminder(w.st, workflow.Now(ctx), w.timing)
	if !ok {
		return workflow.Await(ctx, changed)
	}
	if wait := at.Sub(workflow.Now(ctx)); wait > 0 {
		woke, err := workflow.AwaitWithTimeout(ctx, wait, changed)
		if err != nil || woke {
			return err
		}
	}
	return w.locked(ctx, func() error { return w.remind(ctx) })
}

// remind sends the reminder that is due, if it still is once the lock is
// held (a handler may have completed the milestone meanwhile): Notify,
// then project. The reminder's key makes a retried Notify harmless.
func (w *commitmentWorkflow) remind(ctx workflow.Context) error {
	now := workflow.Now(ctx)
	at, id, ok := ogp.NextMilestoneReminder(w.st, now, w.timing)
	if !ok || at.After(now) {
		return nil
	}
	r, events := w.st.ApplyMilestoneReminder(now, id, w.timing)
	if r.Number == 0 {
		return nil
	}
	if err := w.remindNotify(ctx, ogp.MilestoneReminderNotifications(&w.st, r, now)); err != nil {
		return err
	}
	return w.project(ctx, events)
}

// endWithPlan stops the commitment when its plan completes: a signal from
// the plan's workflow, handled under the lock like every change.
func (w *commitmentWorkflow) endWithPlan(ctx workflow.Context) {
	ended := workflow.GetSignalChannel(ctx, ogp.SignalPlanEnded)
	workflow.Go(ctx, func(ctx workflow.Context) {
		for {
			ended.Receive(ctx, nil)
			err := w.locked(ctx, func() error { return w.project(ctx, w.st.ApplyPlanEnded(workflow.Now(ctx))) })
			if err != nil {
				workflow.GetLogger(ctx).Error("plan_ended signal not handled", "error", err)
			}
		}
	})
}

func (w *commitmentWorkflow) setup(ctx workflow.Context) error {
	w.endWithPlan(ctx)
	if err := workflow.SetQueryHandler(ctx, ogp.QueryCommitmentState, func() (ogp.CommitmentState, error) {
		return w.st.At(workflow.Now(ctx)), nil
	}); err != nil {
		return err
	}
	regs := []error{
		commitmentUpdate(ctx, w, ogp.UpdateReportProgress, w.st.ValidateReportProgress, w.st.ApplyReportProgress),
		commitmentUpdate(ctx, w, ogp.UpdateCompleteMilestone, w.st.ValidateCompleteMilestone, w.st.ApplyCompleteMilestone),
		commitmentUpdate(ctx, w, ogp.UpdateExplainDelay, w.st.ValidateExplainDelay, w.st.ApplyExplainDelay),
		commitmentUpdate(ctx, w, ogp.UpdateRequestAmendment, w.st.ValidateRequestAmendment, w.st.ApplyRequestAmendment),
		commitmentUpdate(ctx, w, ogp.UpdateDecideAmendment, w.st.ValidateDecideAmendment, w.st.ApplyDecideAmendment),
		commitmentUpdate(ctx, w, ogp.UpdateWithdrawCommitment, w.st.ValidateWithdrawCommitment, w.st.ApplyWithdrawCommitment),
		commitmentUpdate(ctx, w, ogp.UpdateDecideWithdrawal, w.st.ValidateDecideWithdrawal, w.st.ApplyDecideWithdrawal),
	}
	for _, err := range regs {
		if err != nil {
			return err
		}
	}
	return nil
}

// commitmentUpdate registers one of the commitment's updates; a closed
// commitment (its run ending) refuses them all.
func commitmentUpdate[In any](ctx workflow.Context, w *commitmentWorkflow, name string,
	validate func(In, time.Time) error, apply func(In, time.Time) []ogp.Event) error {
	refuse := func() error {
		if w.st.Closed() {
			return ogp.Errorf(ogp.EConflict, "commitment_closed", "the commitment is %s", w.st.Status)
		}
		return nil
	}
	return ruleUpdate(ctx, w, name, refuse, validate, apply, func(ctx workflow.Context) ogp.CommitmentState {
		return w.st.At(workflow.Now(ctx))
	})
}

func (w *commitmentWorkflow) locked(ctx workflow.Context, fn func() error) error {
	if err := w.mu.Lock(ctx); err != nil {
		return err
	}
	defer w.mu.Unlock()
	return fn()
}

// project tells people what the new events mean for them (approvers of a
// request, requesters of a decision), then writes the state and the
// events to the database. Nothing to write costs no activity.
func (w *commitmentWorkflow) project(ctx workflow.Context, events []ogp.Event) error {
	if len(events) == 0 {
		return nil
	}
	if err := w.notify(ctx, ogp.CommitmentEventNotifications(&w.st, events)); err != nil {
		return err
	}
	return w.write(ctx, ActivityProjectCommitment, ProjectCommitmentInput{State: w.st, Events: events}, nil)
}
