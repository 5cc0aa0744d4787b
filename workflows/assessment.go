package workflows

import (
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/ogplocal/ogp"
)

// Activity names of an assessment round.
const (
	// ActivityCollectEvidence takes the round's immutable evidence
	// snapshot, stores it as JSON with its SHA-256 hash, and returns the
	// hash and the checklist points the evidence shows.
	ActivityCollectEvidence = "CollectEvidence"
	// ActivityProjectRound writes a round's state and new audit events to
	// the database.
	ActivityProjectRound = "ProjectRound"
	// ActivityOpenScheduledRound records the round of one entry of the
	// plan's round schedule (once per entry) and returns what its
	// workflow starts from.
	ActivityOpenScheduledRound = "OpenScheduledRound"
)

// OpenScheduledRoundInput asks for the round of the plan's schedule entry
// Index; Key (ogp.ScheduledRoundKey) makes a retry find the round
// already recorded.
type OpenScheduledRoundInput struct {
	PlanID int64              `json:"plan_id"`
	Kind   ogp.AssessmentKind `json:"kind"`
	Index  int                `json:"index"`
	Key    string             `json:"key"`
}

// evidenceOptions give the snapshot more time than a projection: it reads
// the whole plan. It retries without limit, like every activity here.
var evidenceOptions = workflow.ActivityOptions{
	StartToCloseTimeout: 2 * time.Minute,
	RetryPolicy:         activityOptions.RetryPolicy,
}

// RoundInput starts an assessment round workflow: Start for a new round,
// State when continuing as new.
type RoundInput struct {
	Start *ogp.RoundStart           `json:"start,omitempty"`
	State *ogp.AssessmentRoundState `json:"state,omitempty"`
	// MaxHistoryEvents overrides DefaultMaxHistoryEvents.
	MaxHistoryEvents int `json:"max_history_events,omitempty"`
}

// CollectEvidenceInput asks for the evidence snapshot of round RoundID.
type CollectEvidenceInput struct {
	RoundID int64              `json:"round_id"`
	PlanID  int64              `json:"plan_id"`
	Kind    ogp.AssessmentKind `json:"kind"`
}

// CollectEvidenceResult is the stored snapshot's hash (SHA-256, hex) and
// the co-creation checklist points pre-filled from it.
type CollectEvidenceResult struct {
	Hash    string              `json:"hash"`
	Prefill []ogp.ChecklistItem `json:"prefill,omitempty"`
}

// ProjectRoundInput asks the projection activity to write the round's
// state and new audit events (keyed by workflow ID and Seq).
type ProjectRoundInput struct {
	State  ogp.AssessmentRoundState `json:"state"`
	Events []ogp.Event              `json:"events"`
}

// roundWorkflow is one running assessment round: its state and the
// plumbing that keeps update handlers in order.
type roundWorkflow struct {
	st        ogp.AssessmentRoundState
	mu        workflow.Mutex
	maxEvents int
	deliveries
}

// AssessmentRoundWorkflow runs one assessment round: it collects the
// evidence, asks the commitment leads for self-assessments, lets the
// monitoring body assess and publish a draft for public comment, answer
// the comments and publish the final report, frozen. Every change is an
// update validated before it reaches the history; stage deadlines are
// durable timers that move the round on or remind whoever must act. The
// workflow ends when the report is published or the round cancelled.
func AssessmentRoundWorkflow(ctx workflow.Context, in RoundInput) (ogp.AssessmentRoundState, error) {
	w := &roundWorkflow{mu: workflow.NewMutex(ctx), maxEvents: in.MaxHistoryEvents, deliveries: deliveries{root: ctx}}
	w.local, w.durableReminders = localWrites(ctx)
	if w.maxEvents <= 0 {
		w.maxEvents = DefaultMaxHistoryEvents
	}
	var opening []ogp.Event
	switch {
	case in.State != nil:
		w.st = *in.State
	case in.Start != nil:
		w.st, opening = ogp.NewRoundState(*in.Start, workflow.GetInfo(ctx).WorkflowExecution.ID, workflow.Now(ctx))
	default:
		return ogp.AssessmentRoundState{}, temporal.NewNonRetryableApplicationError("neither start nor state given", "invalid_input", nil)
	}
	if err := w.setup(ctx); err != nil {
		return ogp.AssessmentRoundState{}, err
	}
	if len(opening) > 0 {
		if err := w.locked(ctx, func() error { return w.project(ctx, opening) }); err != nil {
			return ogp.AssessmentRoundState{}, err
		}
	}
	if w.st.Stage == ogp.StageCollectingEvidence {
		if err := w.collectEvidence(ctx); err != nil {
			return ogp.AssessmentRoundState{}, err
		}
	}

	for !w.st.Ended() && !w.shouldContinueAsNew(ctx) {
		if err := w.waitForChangeOrTimer(ctx); err != nil {
			return ogp.AssessmentRoundState{}, err
		}
	}

	// Every accepted update gets its answer, and every delivery its
	// attempts, before the run ends.
	if err := workflow.Await(ctx, func() bool { return workflow.AllHandlersFinished(ctx) && w.idle() }); err != nil {
		return ogp.AssessmentRoundState{}, err
	}
	if w.st.Ended() {
		// The publishing or cancelling update projected the state already.
		return w.st, nil
	}
	st := w.st
	return ogp.AssessmentRoundState{}, workflow.NewContinueAsNewError(ctx, ogp.WorkflowAssessmentRound,
		RoundInput{State: &st, MaxHistoryEvents: in.MaxHistoryEvents})
}

func (w *roundWorkflow) shouldContinueAsNew(ctx workflow.Context) bool {
	info := workflow.GetInfo(ctx)
	return info.GetContinueAsNewSuggested() || info.GetCurrentHistoryLength() >= w.maxEvents
}

// collectEvidence takes the evidence snapshot, then opens the first stage
// with a deadline (unless the round was cancelled meanwhile).
func (w *roundWorkflow) collectEvidence(ctx workflow.Context) error {
	actx := workflow.WithActivityOptions(ctx, evidenceOptions)
	var res CollectEvidenceResult
	in := CollectEvidenceInput{RoundID: w.st.RoundID, PlanID: w.st.PlanID, Kind: w.st.Kind}
	if err := workflow.ExecuteActivity(actx, ActivityCollectEvidence, in).Get(ctx, &res); err != nil {
		return err
	}
	return w.locked(ctx, func() error {
		return w.project(ctx, w.st.ApplyEvidence(res.Hash, res.Prefill, workflow.Now(ctx)))
	})
}

// waitForChangeOrTimer blocks until the state changes (which may move the
// stage and its deadline) or the next stage timer is due, and fires it.
func (w *roundWorkflow) waitForChangeOrTimer(ctx workflow.Context) error {
	version := w.st.Version
	changed := func() bool { return w.st.Version != version || w.shouldContinueAsNew(ctx) }
	at, ok := ogp.NextRoundTimer(w.st)
	if !ok {
		return workflow.Await(ctx, changed)
	}
	if wait := at.Sub(workflow.Now(ctx)); wait > 0 {
		woke, err := workflow.AwaitWithTimeout(ctx, wait, changed)
		if err != nil || woke {
			return err
		}
	}
	return w.locked(ctx, func() error { return w.fire(ctx) })
}

// fire does what the due timer asks, if it still is due once the lock is
// held (a handler may have moved the stage meanwhile): a reminder is sent
// (Notify, keyed) and then projected; a stage change is projected.
func (w *roundWorkflow) fire(ctx workflow.Context) error {
	now := workflow.Now(ctx)
	at, ok := ogp.NextRoundTimer(w.st)
	if !ok || at.After(now) {
		return nil
	}
	r, events := w.st.ApplyRoundTimer(now)
	if r.Number > 0 {
		if err := w.remindNotify(ctx, ogp.RoundReminderNotifications(&w.st, r, now)); err != nil {
			return err
		}
	}
	return w.project(ctx, events)
}

// endWithPlan cancels the round when its plan completes before it was
// published: a signal from the plan's workflow, handled under the lock.
func (w *roundWorkflow) endWithPlan(ctx workflow.Context) {
	ended := workflow.GetSignalChannel(ctx, ogp.SignalPlanEnded)
	workflow.Go(ctx, func(ctx workflow.Context) {
		for {
			ended.Receive(ctx, nil)
			err := w.locked(ctx, func() error {
				if w.st.Ended() {
					return nil
				}
				in := ogp.CancelRoundInput{Reason: "the action plan is completed"}
				return w.project(ctx, w.st.ApplyCancelRound(in, workflow.Now(ctx)))
			})
			if err != nil {
				workflow.GetLogger(ctx).Error("plan_ended signal not handled", "error", err)
			}
		}
	})
}

func (w *roundWorkflow) setup(ctx workflow.Context) error {
	w.endWithPlan(ctx)
	if err := workflow.SetQueryHandler(ctx, ogp.QueryRoundState, func() (ogp.AssessmentRoundState, error) {
		return w.st, nil
	}); err != nil {
		return err
	}
	regs := []error{
		roundUpdate(ctx, w, ogp.UpdateSubmitSelfAssessment, w.st.ValidateSubmitSelfAssessment, w.st.ApplySubmitSelfAssessment),
		roundUpdate(ctx, w, ogp.UpdateRecordAssessment, w.st.ValidateRecordAssessment, w.st.ApplyRecordAssessment),
		roundUpdate(ctx, w, ogp.UpdateRecordChecklist, w.st.ValidateRecordChecklist, w.st.ApplyRecordChecklist),
		roundUpdate(ctx, w, ogp.UpdatePublishDraft, w.st.ValidatePublishDraft, w.st.ApplyPublishDraft),
		roundUpdate(ctx, w, ogp.UpdateAddComment, w.st.ValidateAddComment, w.st.ApplyAddComment),
		roundUpdate(ctx, w, ogp.UpdateAnswerComment, w.st.ValidateAnswerComment, w.st.ApplyAnswerComment),
		roundUpdate(ctx, w, ogp.UpdateFinalise, w.st.ValidateFinalise, w.st.ApplyFinalise),
		roundUpdate(ctx, w, ogp.UpdateCancelRound, w.st.ValidateCancelRound, w.st.ApplyCancelRound),
	}
	for _, err := range regs {
		if err != nil {
			return err
		}
	}
	return nil
}

// roundUpdate registers one of the round's updates (a published or
// cancelled round is refused by the rules themselves, 409).
func roundUpdate[In any](ctx workflow.Context, w *roundWorkflow, name string,
	validate func(In, time.Time) error, apply func(In, time.Time) []ogp.Event) error {
	return ruleUpdate(ctx, w, name, nil, validate, apply, func(workflow.Context) ogp.AssessmentRoundState { return w.st })
}

func (w *roundWorkflow) locked(ctx workflow.Context, fn func() error) error {
	if err := w.mu.Lock(ctx); err != nil {
		return err
	}
	defer w.mu.Unlock()
	return fn()
}

// project tells people what the new events mean for them (leads asked for
// a self-assessment, stakeholders of a draft or a report), then writes the
// state and the events to the database. Nothing to write costs no
// activity.
func (w *roundWorkflow) project(ctx workflow.Context, events []ogp.Event) error {
	if len(events) == 0 {
		return nil
	}
	if err := w.notify(ctx, ogp.AssessmentEventNotifications(&w.st, events)); err != nil {
		return err
	}
	return w.write(ctx, ActivityProjectRound, ProjectRoundInput{State: w.st, Events: events}, nil)
}
