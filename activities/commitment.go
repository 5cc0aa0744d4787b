package activities

import (
	"context"
	"errors"

	"go.temporal.io/sdk/temporal"

	"github.com/ogplocal/ogp/models"
	"github.com/ogplocal/ogp/workflows"
)

// ProjectCommitment writes a commitment's state and new audit events to
// the database. It is idempotent and order-safe (see
// models.DB.ApplyCommitmentProjection), so Temporal may retry it freely.
func (a *Activities) ProjectCommitment(ctx context.Context, in workflows.ProjectCommitmentInput) error {
	p, err := models.NewCommitmentProjection(in.State, in.Events)
	if err != nil {
		return temporal.NewNonRetryableApplicationError(err.Error(), "projection_refused", err)
	}
	err = a.Store.ApplyCommitmentProjection(ctx, p)
	if errors.Is(err, models.ErrNotFound) || errors.Is(err, models.ErrInvalid) {
		// Retrying cannot help a projection of a commitment that has no
		// row, or one the schema refuses: fail it for good, so the
		// workflow shows the fault instead of retrying forever.
		return temporal.NewNonRetryableApplicationError(err.Error(), "projection_refused", err)
	}
	return err
}
