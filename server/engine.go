package server

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"strconv"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"

	"github.com/ogplocal/ogp"
	"github.com/ogplocal/ogp/workflows"
)

// Engine is what the API needs from the workflow engine.
type Engine interface {
	// StartPlan starts a plan's workflow; starting one that runs already
	// is not an error, so a retried create is harmless.
	StartPlan(ctx context.Context, in ogp.NewPlan) error
	// Update sends an update to a plan's workflow and waits for the state
	// it computed. updateID deduplicates retries of the same request.
	Update(ctx context.Context, planID int64, name, updateID string, arg any) (ogp.PlanState, error)
	// UpdateCommitment sends an update to a commitment's workflow (step
	// 9) and waits for the state it computed; a commitment whose workflow
	// does not run is 409 implementation_not_started.
	UpdateCommitment(ctx context.Context, commitmentID int64, name, updateID string, arg any) (ogp.CommitmentState, error)
	// SignalDigest tells the user's digest workflow its new settings,
	// starting it when the digest is on; a digest turned off for a user
	// whose workflow does not run is not an error.
	SignalDigest(ctx context.Context, userID int64, settings workflows.DigestSettings) error
	// StartRound starts an assessment round's workflow; starting one that
	// runs already is not an error.
	StartRound(ctx context.Context, in ogp.RoundStart) error
	// UpdateRound sends an update to a round's workflow and waits for the
	// state it computed.
	UpdateRound(ctx context.Context, roundID int64, name, updateID string, arg any) (ogp.AssessmentRoundState, error)
	// SendAccountLink starts the workflow that sends one account link
	// (invitation, password reset) to its user through the notification
	// service; starting it again for the same link sends nothing twice.
	SendAccountLink(ctx context.Context, in workflows.AccountLinkInput) error
	// Ping says whether the engine is reachable.
	Ping(ctx context.Context) error
}

// TemporalEngine is the Engine on a Temporal cluster.
type TemporalEngine struct {
	Client    client.Client
	TaskQueue string
	// DigestInterval is the time between two digests given to new digest
	// workflows (OGP_DIGEST_INTERVAL); 0 means daily.
	DigestInterval time.Duration
}

var _ Engine = (*TemporalEngine)(nil)

// start starts a workflow once: a retried start of a running workflow
// joins it, and one whose workflow has finished is refused
// (WorkflowExecutionAlreadyStarted), guarded like every engine call.
func (t *TemporalEngine) start(ctx context.Context, workflowID, workflowType string, input any) error {
	return t.guard(ctx, func(ctx context.Context) error {
		_, err := t.Client.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
			ID:                       workflowID,
			TaskQueue:                t.TaskQueue,
			WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
			WorkflowIDReusePolicy:    enumspb.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE,
		}, workflowType, input)
		return err
	})
}

// StartPlan implements Engine.
func (t *TemporalEngine) StartPlan(ctx context.Context, in ogp.NewPlan) error {
	err := t.start(ctx, ogp.ActionPlanWorkflowID(in.PlanID), ogp.WorkflowActionPlan, workflows.ActionPlanInput{Plan: &in, Projected: true})
	if isEngineDown(err) {
		return err
	}
	var started *serviceerror.WorkflowExecutionAlreadyStarted
	if errors.As(err, &started) {
		// A retried create of a plan whose workflow has already finished.
		return nil
	}
	if err != nil {
		return &engineFailure{fmt.Errorf("start the plan's workflow: %w", err)}
	}
	return nil
}

// update sends a workflow update and waits for its result in out,
// guarded like every engine call.
func (t *TemporalEngine) update(ctx context.Context, workflowID, name, updateID string, arg, out any) error {
	return t.guard(ctx, func(ctx context.Context) error {
		h, err := t.Client.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{
			WorkflowID:   workflowID,
			UpdateID:     updateID,
			UpdateName:   name,
			Args:         []any{arg},
			WaitForStage: client.WorkflowUpdateStageCompleted,
		})
		if err == nil {
			err = h.Get(ctx, out)
		}
		return err
	})
}

// Update implements Engine.
func (t *TemporalEngine) Update(ctx context.Context, planID int64, name, updateID string, arg any) (ogp.PlanState, error) {
	var st ogp.PlanState
	err := t.update(ctx, ogp.ActionPlanWorkflowID(planID), name, updateID, arg, &st)
	if err != nil {
		return ogp.PlanState{}, engineError(err)
	}
	return st, nil
}

// UpdateCommitment implements Engine.
func (t *TemporalEngine) UpdateCommitment(ctx context.Context, commitmentID int64, name, updateID string, arg any) (ogp.CommitmentState, error) {
	var st ogp.CommitmentState
	err := t.update(ctx, ogp.CommitmentWorkflowID(commitmentID), name, updateID, arg, &st)
	if err != nil {
		var nf *serviceerror.NotFound
		if workflows.DomainError(err) == nil && errors.As(err, &nf) {
			// No workflow yet (the plan is before step 9) or none any
			// more (the commitment closed): the caller tells which.
			return ogp.CommitmentState{}, errImplementationNotStarted(commitmentID)
		}
		return ogp.CommitmentState{}, engineError(err)
	}
	return st, nil
}

func errImplementationNotStarted(commitmentID int64) error {
	return ogp.Errorf(ogp.EConflict, "implementation_not_started",
		"commitment %d is not in implementation: its workflow starts when step 8 is approved", commitmentID)
}

// StartRound implements Engine.
func (t *TemporalEngine) StartRound(ctx context.Context, in ogp.RoundStart) error {
	err := t.start(ctx, ogp.AssessmentRoundWorkflowID(in.RoundID), ogp.WorkflowAssessmentRound, workflows.RoundInput{Start: &in})
	if isEngineDown(err) {
		return err
	}
	var started *serviceerror.WorkflowExecutionAlreadyStarted
	if errors.As(err, &started) {
		return nil
	}
	if err != nil {
		return &engineFailure{fmt.Errorf("start the round's workflow: %w", err)}
	}
	return nil
}

// UpdateRound implements Engine.
func (t *TemporalEngine) UpdateRound(ctx context.Context, roundID int64, name, updateID string, arg any) (ogp.AssessmentRoundState, error) {
	var st ogp.AssessmentRoundState
	err := t.update(ctx, ogp.AssessmentRoundWorkflowID(roundID), name, updateID, arg, &st)
	if err != nil {
		var nf *serviceerror.NotFound
		if workflows.DomainError(err) == nil && errors.As(err, &nf) {
			// The round's workflow ended: it is published or cancelled.
			return ogp.AssessmentRoundState{}, ogp.Errorf(ogp.EConflict, "round_closed",
				"round %d is closed (published or cancelled): its report can no longer change", roundID)
		}
		return ogp.AssessmentRoundState{}, engineError(err)
	}
	return st, nil
}

// SignalDigest implements Engine.
func (t *TemporalEngine) SignalDigest(ctx context.Context, userID int64, settings workflows.DigestSettings) error {
	id := workflows.DigestWorkflowID(userID)
	var err error
	if settings.Enabled {
		_, err = t.Client.SignalWithStartWorkflow(ctx, id, workflows.SignalDigestSettings, settings, client.StartWorkflowOptions{
			ID:        id,
			TaskQueue: t.TaskQueue,
		}, workflows.WorkflowDigest, workflows.DigestInput{UserID: userID, Settings: settings, Interval: t.DigestInterval})
	} else {
		err = t.Client.SignalWorkflow(ctx, id, "", workflows.SignalDigestSettings, settings)
		var nf *serviceerror.NotFound
		if errors.As(err, &nf) {
			// No digest running: nothing is queued either.
			err = nil
		}
	}
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
			return ogp.Errorf(ogp.EUnavailable, "engine_timeout", "the workflow engine did not answer in time; retry")
		}
		return &engineFailure{fmt.Errorf("signal the digest of user %d: %w", userID, err)}
	}
	return nil
}

// Ping implements Engine.
func (t *TemporalEngine) Ping(ctx context.Context) error {
	_, err := t.Client.CheckHealth(ctx, &client.CheckHealthRequest{})
	return err
}

// How long a call waits on the engine. Past engineCheckAfter without an
// answer, the engine's health is checked (then every engineCheckEvery):
// a frontend that does not answer ends the call at once with 503
// engine_unavailable, where the SDK would otherwise retry until its own
// deadline (a minute). engineCallTimeout bounds the whole call (503
// engine_timeout). Variables for the tests.
var (
	engineCheckAfter   = 2 * time.Second
	engineCheckEvery   = 2 * time.Second
	engineCheckTimeout = 2 * time.Second
	engineCallTimeout  = 45 * time.Second
)

// engineDown is why guard gave up on a call: the engine's health check
// failed.
type engineDown struct{ err error }

func (e *engineDown) Error() string { return "the workflow engine is unreachable: " + e.err.Error() }
func (e *engineDown) Unwrap() error { return e.err }

func isEngineDown(err error) bool {
	var down *engineDown
	return errors.As(err, &down)
}

// guard runs call, bounded by engineCallTimeout, and gives it up with an
// engine failure (503) as soon as the engine stops answering its health
// check. A call answered within engineCheckAfter costs no health check.
func (t *TemporalEngine) guard(ctx context.Context, call func(ctx context.Context) error) error {
	ctx, cancel := context.WithTimeout(ctx, engineCallTimeout)
	defer cancel()
	callCtx, cancelCall := context.WithCancelCause(ctx)
	defer cancelCall(nil)
	done := make(chan error, 1)
	go func() { done <- call(callCtx) }()
	check := time.NewTimer(engineCheckAfter)
	defer check.Stop()
	for {
		select {
		case err := <-done:
			return err
		case <-check.C:
			pctx, pcancel := context.WithTimeout(ctx, engineCheckTimeout)
			err := t.Ping(pctx)
			pcancel()
			if err != nil && ctx.Err() == nil {
				down := &engineDown{err}
				cancelCall(down)
				<-done //nolint:errcheck // the cancelled call's own error; down says why
				return &engineFailure{down}
			}
			check.Reset(engineCheckEvery)
		}
	}
}

// engineError turns what Temporal returned into a domain error.
func engineError(err error) error {
	if isEngineDown(err) {
		return err
	}
	if de := workflows.DomainError(err); de != nil {
		return de
	}
	var nf *serviceerror.NotFound
	if errors.As(err, &nf) {
		return ogp.Errorf(ogp.EConflict, "plan_completed", "the action plan is completed (its workflow has ended)")
	}
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		return ogp.Errorf(ogp.EUnavailable, "engine_timeout", "the workflow engine did not answer in time; retry with the same Idempotency-Key")
	}
	return &engineFailure{err}
}

// engineFailure is an unexpected engine error: logged in full, shown to
// the client only as "unavailable".
type engineFailure struct{ err error }

func (e *engineFailure) Error() string { return "workflow engine: " + e.err.Error() }
func (e *engineFailure) Unwrap() error { return e.err }

// updateID derives a Temporal update ID from a client's Idempotency-Key,
// scoped to the caller, the operation and the request (path and body), so
// a retried request is applied once and answered with the same result,
// and a key reused for a different request never replays the wrong one.
func updateID(name string, planID, userID int64, key, path string, body []byte) string {
	if key == "" {
		return ""
	}
	h := sha256.New()
	h.Write([]byte(path))
	h.Write([]byte{0})
	h.Write(body)
	return fmt.Sprintf("%s/%s/%s/%s/%x", name, strconv.FormatInt(planID, 10), strconv.FormatInt(userID, 10), key, h.Sum(nil)[:8])
}
