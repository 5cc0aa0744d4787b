package workflows

import (
	"errors"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/ogplocal/ogp"
)

// activityOptions retry without limit: a projection or notification that
// cannot be written now (database down) must be written later, never
// dropped. Every activity is idempotent, so retries are safe.
var activityOptions = workflow.ActivityOptions{
	StartToCloseTimeout: 10 * time.Second,
	RetryPolicy: &temporal.RetryPolicy{
		InitialInterval:    time.Second,
		BackoffCoefficient: 2,
		MaximumInterval:    time.Minute,
	},
}

// planWorkflow is one running action plan: its state and the plumbing
// that keeps message handlers in order.
type planWorkflow struct {
	st        ogp.PlanState
	mu        workflow.Mutex
	maxEvents int
	// signalsInFlight counts decide_step signals taken off the channel but
	// not yet handled, so continue-as-new never drops one.
	signalsInFlight int
	// closing stops the signal loop taking new signals: from then on the
	// main coroutine drains them itself before the run ends.
	closing bool
	signals workflow.ReceiveChannel
	closed  workflow.ReceiveChannel
	// timing is decided once, when the run starts (reminderTiming).
	timing ogp.ReminderTiming
	deliveries
}

// ActionPlanWorkflow runs one OGP Local action plan from step 1 to the end
// of step 10. It owns the step state machine: submissions, decisions, due
// dates and the roster arrive as updates (validated before they reach the
// history); step deadlines are durable timers that remind people.
func ActionPlanWorkflow(ctx workflow.Context, in ActionPlanInput) (ogp.PlanState, error) {
	w := &planWorkflow{mu: workflow.NewMutex(ctx), maxEvents: in.MaxHistoryEvents, deliveries: deliveries{root: ctx}}
	w.timing = reminderTiming(ctx)
	w.local, w.durableReminders = localWrites(ctx)
	if w.maxEvents <= 0 {
		w.maxEvents = DefaultMaxHistoryEvents
	}
	var opening []ogp.Event
	switch {
	case in.State != nil:
		w.st = *in.State
	case in.Plan != nil:
		w.st, opening = ogp.NewPlanState(*in.Plan, workflow.GetInfo(ctx).WorkflowExecution.ID, workflow.Now(ctx))
	default:
		return ogp.PlanState{}, temporal.NewNonRetryableApplicationError("neither plan nor state given", "invalid_input", nil)
	}
	if err := w.setup(ctx); err != nil {
		return ogp.PlanState{}, err
	}
	if len(opening) > 0 {
		err := w.locked(ctx, func() error {
			if in.Projected {
				return w.notify(ctx, ogp.EventNotifications(&w.st, opening))
			}
			return w.project(ctx, opening)
		})
		if err != nil {
			return ogp.PlanState{}, err
		}
	}

	for w.st.Status != ogp.PlanCompleted && !w.shouldContinueAsNew(ctx) {
		if err := w.waitForChangeOrReminder(ctx); err != nil {
			return ogp.PlanState{}, err
		}
	}

	// Let every accepted update and taken signal finish first, so no
	// caller is left without an answer and no decision is lost.
	if err := w.finishHandlers(ctx); err != nil {
		return ogp.PlanState{}, err
	}
	if w.st.Status == ogp.PlanCompleted {
		w.endCommitments(ctx)
		return w.st, nil
	}
	st := w.st
	return ogp.PlanState{}, workflow.NewContinueAsNewError(ctx, ogp.WorkflowActionPlan, ActionPlanInput{State: &st, MaxHistoryEvents: in.MaxHistoryEvents})
}

func (w *planWorkflow) shouldContinueAsNew(ctx workflow.Context) bool {
	info := workflow.GetInfo(ctx)
	return info.GetContinueAsNewSuggested() || info.GetCurrentHistoryLength() >= w.maxEvents
}

// waitForChangeOrReminder blocks until the state changes (which may move
// or cancel the deadline) or the current step's next reminder is due, and
// sends that reminder.
func (w *planWorkflow) waitForChangeOrReminder(ctx workflow.Context) error {
	version := w.st.Version
	changed := func() bool { return w.st.Version != version || w.shouldContinueAsNew(ctx) }
	at, ok := w.st.NextReminderAt(w.timing)
	// The end of the plan's period is a durable timer too: it closes
	// implementation whatever the commitments' state.
	if end, ending := w.st.ImplementationEndsAt(); ending && (!ok || end.Before(at)) {
		at, ok = end, true
	}
	// So is the next scheduled assessment round (postponed until the
	// plan's progress allows its kind: a change wakes this wait).
	if next, scheduled := w.st.NextScheduledRoundAt(); scheduled && (!ok || next.Before(at)) {
		at, ok = next, true
	}
	if !ok {
		return workflow.Await(ctx, changed)
	}
	if wait := at.Sub(workflow.Now(ctx)); wait > 0 {
		woke, err := workflow.AwaitWithTimeout(ctx, wait, changed)
		if err != nil || woke {
			return err
		}
	}
	return w.locked(ctx, func() error {
		if end, ending := w.st.ImplementationEndsAt(); ending && !end.After(workflow.Now(ctx)) {
			if err := w.project(ctx, w.st.ApplyImplementationEnded(workflow.Now(ctx))); err != nil {
				return err
			}
		}
		if err := w.remind(ctx); err != nil {
			return err
		}
		return w.openScheduledRounds(ctx)
	})
}

// openScheduledRounds opens every scheduled round now due, one at a time:
// the activity records the round (once per schedule entry), then its
// workflow starts as a child that outlives this run, and the plan notes
// it. An implementation round due after implementation is over is
// skipped instead.
func (w *planWorkflow) openScheduledRounds(ctx workflow.Context) error {
	for {
		i, open, due := w.st.DueScheduledRound(workflow.Now(ctx))
		if !due {
			return nil
		}
		if !open {
			if err := w.project(ctx, w.st.ApplyScheduledRoundSkipped(i, workflow.Now(ctx))); err != nil {
				return err
			}
			continue
		}
		r := w.st.RoundSchedule[i]
		in := OpenScheduledRoundInput{PlanID: w.st.PlanID, Kind: r.Kind, Index: i, Key: ogp.ScheduledRoundKey(w.st.PlanID, i, r)}
		var start ogp.RoundStart
		actx := workflow.WithActivityOptions(ctx, activityOptions)
		if err := workflow.ExecuteActivity(actx, ActivityOpenScheduledRound, in).Get(ctx, &start); err != nil {
			return err
		}
		cctx := workflow.WithChildOptions(ctx, workflow.ChildWorkflowOptions{
			WorkflowID:        ogp.AssessmentRoundWorkflowID(start.RoundID),
			ParentClosePolicy: enumspb.PARENT_CLOSE_POLICY_ABANDON,
		})
		child := workflow.ExecuteChildWorkflow(cctx, ogp.WorkflowAssessmentRound, RoundInput{Start: &start})
		// Already started (a reset replaying the opening) is as good as
		// started now: the round's ID is its workflow's.
		var started *temporal.ChildWorkflowExecutionAlreadyStartedError
		if err := child.GetChildWorkflowExecution().Get(ctx, nil); err != nil && !errors.As(err, &started) {
			return err
		}
		if err := w.project(ctx, w.st.ApplyScheduledRoundOpened(i, start.RoundID, workflow.Now(ctx))); err != nil {
			return err
		}
	}
}

// remind sends the current step's due reminder, if it is still due once
// the lock is held (a handler may have moved the step on meanwhile).
func (w *planWorkflow) remind(ctx workflow.Context) error {
	now := workflow.Now(ctx)
	at, ok := w.st.NextReminderAt(w.timing)
	if !ok || at.After(now) {
		return nil
	}
	r, events := w.st.ApplyReminder(now)
	if err := w.remindNotify(ctx, ogp.ReminderNotifications(&w.st, r)); err != nil {
		return err
	}
	return w.project(ctx, events)
}

func (w *planWorkflow) setup(ctx workflow.Context) error {
	if err := workflow.SetQueryHandler(ctx, ogp.QueryState, func() (ogp.PlanState, error) { return w.st, nil }); err != nil {
		return err
	}
	if err := w.setSubmitUpdate(ctx); err != nil {
		return err
	}
	if err := setUpdate(ctx, w, ogp.UpdateDecideStep, w.st.ValidateDecide, w.st.ApplyDecide); err != nil {
		return err
	}
	if err := setUpdate(ctx, w, ogp.UpdateSetStepDueDate, w.st.ValidateSetDueDate, w.st.ApplySetDueDate); err != nil {
		return err
	}
	if err := setUpdate(ctx, w, ogp.UpdateSetMember, w.st.ValidateSetMember, w.st.ApplySetMember); err != nil {
		return err
	}
	if err := setUpdate(ctx, w, ogp.UpdateRemoveMember, w.st.ValidateRemoveMember, w.st.ApplyRemoveMember); err != nil {
		return err
	}
	if err := setUpdate(ctx, w, ogp.UpdateSetSettings, w.st.ValidateSetSettings, w.st.ApplySetSettings); err != nil {
		return err
	}
	w.signals = workflow.GetSignalChannel(ctx, ogp.SignalDecideStep)
	w.closed = workflow.GetSignalChannel(ctx, ogp.SignalCommitmentClosed)
	workflow.Go(ctx, func(ctx workflow.Context) {
		for {
			if err := workflow.Await(ctx, func() bool { return w.closed.Len() > 0 && !w.closing }); err != nil {
				return
			}
			var in CommitmentClosed
			w.closed.ReceiveAsync(&in)
			w.signalsInFlight++
			err := w.locked(ctx, func() error { return w.commitmentClosed(ctx, in) })
			w.signalsInFlight--
			if err != nil {
				workflow.GetLogger(ctx).Error("commitment_closed signal not handled", "error", err)
			}
		}
	})
	workflow.Go(ctx, func(ctx workflow.Context) {
		for {
			// Await the buffer rather than Receive: a blocked Receive would
			// take a signal out of the channel before this coroutine runs,
			// where the closing drain could not see it.
			if err := workflow.Await(ctx, func() bool { return w.signals.Len() > 0 && !w.closing }); err != nil {
				return
			}
			var in ogp.DecideStepInput
			w.signals.ReceiveAsync(&in)
			w.signalsInFlight++
			err := w.locked(ctx, func() error { return w.decideBySignal(ctx, in) })
			w.signalsInFlight--
			if err != nil {
				workflow.GetLogger(ctx).Error("decide_step signal not handled", "error", err)
			}
		}
	})
	return nil
}

// setUpdate registers one of the plan's updates (see ruleUpdate); the
// plan's rules do not depend on the date.
func setUpdate[In any](ctx workflow.Context, w *planWorkflow, name string,
	validate func(In) error, apply func(In, time.Time) []ogp.Event) error {
	return ruleUpdate(ctx, w, name, nil, func(in In, _ time.Time) error { return validate(in) }, apply,
		func(workflow.Context) ogp.PlanState { return w.st })
}

// setSubmitUpdate registers submit_step: the validator checks the process
// rules; the handler then runs the step's content gate as an activity
// (which locks and snapshots the content when it passes) and refuses the
// submission, listing every unmet rule, when it does not. Nothing moves.
func (w *planWorkflow) setSubmitUpdate(ctx workflow.Context) error {
	return workflow.SetUpdateHandlerWithOptions(ctx, ogp.UpdateSubmitStep,
		func(ctx workflow.Context, in ogp.SubmitStepInput) (ogp.PlanState, error) {
			err := w.locked(ctx, func() error {
				if err := w.st.ValidateSubmit(in); err != nil {
					return applicationError(err)
				}
				var gate ogp.Gate
				if ogp.HasContentGate(in.Step) {
					res, err := w.checkStep(ctx, in.Step)
					if err != nil {
						return err
					}
					if len(res.Violations) > 0 {
						return applicationError(ogp.GateError(in.Step, res.Violations))
					}
					gate = ogp.Gate{ContentVersion: res.Version, ContentDigest: res.Digest, DueDates: res.DueDates}
				}
				return w.project(ctx, w.st.ApplySubmit(in, gate, workflow.Now(ctx)))
			})
			if err != nil {
				return ogp.PlanState{}, err
			}
			return w.st, nil
		},
		workflow.UpdateHandlerOptions{Validator: func(in ogp.SubmitStepInput) error { return applicationError(w.st.ValidateSubmit(in)) }},
	)
}

// checkStep runs the content gate of step n for the next round.
func (w *planWorkflow) checkStep(ctx workflow.Context, n int) (CheckStepResult, error) {
	in := CheckStepInput{
		Context: ogp.PlanContext{PlanID: w.st.PlanID, StartsOn: w.st.StartsOn, EndsOn: w.st.EndsOn, Members: w.st.Members},
		Step:    n,
		Round:   w.st.Step(n).Round + 1,
	}
	var res CheckStepResult
	err := w.write(ctx, ActivityCheckStep, in, &res)
	return res, err
}

// decideBySignal applies a decision sent as a signal, or records in the
// audit trail why it was refused: the sender gets no answer otherwise.
func (w *planWorkflow) decideBySignal(ctx workflow.Context, in ogp.DecideStepInput) error {
	now := workflow.Now(ctx)
	if err := w.st.ValidateDecide(in); err != nil {
		return w.project(ctx, w.st.RecordRefusedSignal(ogp.SignalDecideStep, in.Actor.UserID, in.Step, err, now))
	}
	return w.project(ctx, w.st.ApplyDecide(in, now))
}

// finishHandlers waits until every accepted update and every signal has
// been handled, draining signals itself, so the run can end (or continue
// as new) without losing a message.
func (w *planWorkflow) finishHandlers(ctx workflow.Context) error {
	w.closing = true
	for {
		if err := workflow.Await(ctx, func() bool {
			return workflow.AllHandlersFinished(ctx) && w.signalsInFlight == 0 && w.idle()
		}); err != nil {
			return err
		}
		var closed CommitmentClosed
		if w.closed.ReceiveAsync(&closed) {
			if err := w.locked(ctx, func() error { return w.commitmentClosed(ctx, closed) }); err != nil {
				return err
			}
			continue
		}
		var in ogp.DecideStepInput
		if !w.signals.ReceiveAsync(&in) {
			return nil
		}
		if err := w.locked(ctx, func() error { return w.decideBySignal(ctx, in) }); err != nil {
			return err
		}
	}
}

// endCommitments tells the commitments still open (the plan's period
// ended before they closed), and the assessment rounds still running,
// that the plan is completed, so their workflows end with it instead of
// reminding people about a finished plan.
func (w *planWorkflow) endCommitments(ctx workflow.Context) {
	ids := make([]string, 0, len(w.st.Commitments))
	for _, id := range w.st.OpenCommitments() {
		ids = append(ids, ogp.CommitmentWorkflowID(id))
	}
	// Assessment rounds still running (an implementation round left
	// unpublished, say) end with the plan too.
	var rounds []int64
	actx := workflow.WithActivityOptions(ctx, activityOptions)
	if err := workflow.ExecuteActivity(actx, ActivityOpenRounds, w.st.PlanID).Get(ctx, &rounds); err != nil {
		workflow.GetLogger(ctx).Warn("could not list the plan's open assessment rounds", "error", err)
	}
	for _, id := range rounds {
		ids = append(ids, ogp.AssessmentRoundWorkflowID(id))
	}
	for _, id := range ids {
		err := workflow.SignalExternalWorkflow(ctx, id, "", ogp.SignalPlanEnded, nil).Get(ctx, nil)
		if err != nil {
			workflow.GetLogger(ctx).Warn("could not end a workflow with its plan", "workflow_id", id, "error", err)
		}
	}
}

// commitmentClosed records a commitment workflow's report that it closed.
func (w *planWorkflow) commitmentClosed(ctx workflow.Context, in CommitmentClosed) error {
	return w.project(ctx, w.st.ApplyCommitmentClosed(in.CommitmentID, in.Status, workflow.Now(ctx)))
}

func (w *planWorkflow) locked(ctx workflow.Context, fn func() error) error {
	if err := w.mu.Lock(ctx); err != nil {
		return err
	}
	defer w.mu.Unlock()
	return fn()
}

// project tells people what the new events mean for them, then writes the
// state and the events to the database. Nothing to write (an idempotent
// repeat) costs no activity. Handlers get their own
// context, so the activity options are applied here, not once at start.
func (w *planWorkflow) project(ctx workflow.Context, events []ogp.Event) error {
	if len(events) == 0 {
		return nil
	}
	if err := w.notify(ctx, ogp.EventNotifications(&w.st, events)); err != nil {
		return err
	}
	if err := w.write(ctx, ActivityProjectPlan, ProjectPlanInput{State: w.st, Events: events}, nil); err != nil {
		return err
	}
	for _, e := range events {
		if e.Kind == ogp.EventStepApproved && e.Step == ogp.ValidationStep && len(w.st.Commitments) == 0 {
			return w.startImplementation(ctx)
		}
	}
	return nil
}

// startImplementation starts one CommitmentWorkflow per approved
// commitment once the plan is validated (step 8). The children outlive
// this run (continue-as-new) and report back by signal when they close.
func (w *planWorkflow) startImplementation(ctx workflow.Context) error {
	actx := workflow.WithActivityOptions(ctx, activityOptions)
	var commitments []ogp.Commitment
	if err := workflow.ExecuteActivity(actx, ActivityLoadCommitments, w.st.PlanID).Get(ctx, &commitments); err != nil {
		return err
	}
	runs := make([]ogp.CommitmentRun, 0, len(commitments))
	for _, c := range commitments {
		id := ogp.CommitmentWorkflowID(c.ID)
		cctx := workflow.WithChildOptions(ctx, workflow.ChildWorkflowOptions{
			WorkflowID:        id,
			ParentClosePolicy: enumspb.PARENT_CLOSE_POLICY_ABANDON,
		})
		responsible := map[int64]int64{}
		for _, m := range c.Milestones {
			if m.ResponsibleUserID != 0 {
				responsible[m.ID] = m.ResponsibleUserID
			}
		}
		start := ogp.CommitmentStart{PlanID: w.st.PlanID, PlanTitle: w.st.Title, PlanStartsOn: w.st.StartsOn, PlanEndsOn: w.st.EndsOn,
			Commitment: c, LeadUserID: c.LeadUserID, ResponsibleUserIDs: responsible, Members: w.st.Members,
			Policy: w.st.EffectiveReminderPolicy(), ParentWorkflowID: workflow.GetInfo(ctx).WorkflowExecution.ID}
		child := workflow.ExecuteChildWorkflow(cctx, ogp.WorkflowCommitment, CommitmentInput{Start: &start})
		if err := child.GetChildWorkflowExecution().Get(ctx, nil); err != nil {
			return err
		}
		runs = append(runs, ogp.CommitmentRun{CommitmentID: c.ID, WorkflowID: id, Status: ogp.CommitmentActive})
	}
	return w.project(ctx, w.st.ApplyImplementationStarted(runs, workflow.Now(ctx)))
}
