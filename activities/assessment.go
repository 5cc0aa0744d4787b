package activities

import (
	"context"
	"errors"
	"time"

	"go.temporal.io/sdk/temporal"

	"github.com/ogplocal/ogp"
	"github.com/ogplocal/ogp/models"
	"github.com/ogplocal/ogp/workflows"
)

// CollectEvidence takes the round's immutable evidence snapshot (once: a
// retry answers the stored hash) and, for co-creation rounds, the process
// checklist pre-filled from it.
func (a *Activities) CollectEvidence(ctx context.Context, in workflows.CollectEvidenceInput) (workflows.CollectEvidenceResult, error) {
	hash, prefill, err := a.Store.CollectEvidence(ctx, in.RoundID)
	if errors.Is(err, models.ErrNotFound) {
		return workflows.CollectEvidenceResult{}, temporal.NewNonRetryableApplicationError(err.Error(), "evidence_refused", err)
	}
	if err != nil {
		return workflows.CollectEvidenceResult{}, err
	}
	return workflows.CollectEvidenceResult{Hash: hash, Prefill: prefill}, nil
}

// ProjectRound writes a round's state and new audit events to the
// database; idempotent and order-safe (models.DB.ApplyRoundProjection).
func (a *Activities) ProjectRound(ctx context.Context, in workflows.ProjectRoundInput) error {
	err := a.Store.ApplyRoundProjection(ctx, in.State, in.Events)
	if errors.Is(err, models.ErrNotFound) || errors.Is(err, models.ErrInvalid) {
		return temporal.NewNonRetryableApplicationError(err.Error(), "projection_refused", err)
	}
	return err
}

// OpenScheduledRound records the round of one entry of the plan's round
// schedule, as the API does but opened by no one (opened_by 0: the
// schedule), and returns what its workflow starts from (default stage
// durations). Idempotent per entry: a retry finds the round by its key.
func (a *Activities) OpenScheduledRound(ctx context.Context, in workflows.OpenScheduledRoundInput) (ogp.RoundStart, error) {
	rec, err := a.Store.CreateScheduledRound(ctx, in.PlanID, in.Kind, in.Key)
	if errors.Is(err, models.ErrInvalid) {
		return ogp.RoundStart{}, temporal.NewNonRetryableApplicationError(err.Error(), "round_refused", err)
	}
	if err != nil {
		return ogp.RoundStart{}, err
	}
	return a.Store.RoundStart(ctx, rec, [4]time.Duration{})
}

// OpenRounds lists the plan's assessment rounds still running, for the
// plan to end them when it completes.
func (a *Activities) OpenRounds(ctx context.Context, planID int64) ([]int64, error) {
	return a.Store.OpenRounds(ctx, planID)
}
