// Package activities holds the side effects of the workflows: writing the
// read-side projection and delivering notifications. Every activity is
// idempotent (unique keys derived from the workflow and the event), so
// Temporal may retry it any number of times.
package activities

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/ogplocal/ogp"
	"github.com/ogplocal/ogp/models"
	"github.com/ogplocal/ogp/notify"
	"github.com/ogplocal/ogp/workflows"
	"go.temporal.io/sdk/temporal"
)

// Store is what the activities need from the database.
type Store interface {
	ApplyProjection(ctx context.Context, p models.Projection) error
	ApplyCommitmentProjection(ctx context.Context, p models.CommitmentProjection) error
	CreateNotifications(ctx context.Context, ns []models.Notification) (int, error)
	SubmitContent(ctx context.Context, planID int64, step, round int, check func(ogp.Content) []ogp.Violation) (models.SubmitResult, error)
	LoadContent(ctx context.Context, planID int64) (ogp.Content, error)
	OpenRounds(ctx context.Context, planID int64) ([]int64, error)
	CollectEvidence(ctx context.Context, roundID int64) (string, []ogp.ChecklistItem, error)
	ApplyRoundProjection(ctx context.Context, st ogp.AssessmentRoundState, events []ogp.Event) error
	CreateScheduledRound(ctx context.Context, planID int64, kind ogp.AssessmentKind, key string) (models.RoundRecord, error)
	RoundStart(ctx context.Context, rec models.RoundRecord, durations [4]time.Duration) (ogp.RoundStart, error)
	outboxStore
}

// Activities holds the dependencies of the activities; the worker
// registers one instance.
type Activities struct {
	Store Store
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Mailer sends e-mail; nil disables the e-mail channel (no entry is
	// recorded for it).
	Mailer notify.Mailer
	// PublicURL is the base of links in messages.
	PublicURL string
	// HTTPClient calls webhooks; nil means notify.NewWebhookClient().
	HTTPClient *http.Client
}

// LoadCommitments reads the plan's approved commitments, with their
// milestones, to start their workflows.
func (a *Activities) LoadCommitments(ctx context.Context, planID int64) ([]ogp.Commitment, error) {
	c, err := a.Store.LoadContent(ctx, planID)
	if err != nil {
		return nil, err
	}
	return c.Commitments, nil
}

// CheckStep runs a step's gate rules on the plan's content and, when they
// pass, locks and snapshots the content for the round being submitted.
func (a *Activities) CheckStep(ctx context.Context, in workflows.CheckStepInput) (workflows.CheckStepResult, error) {
	now := time.Now
	if a.Now != nil {
		now = a.Now
	}
	pc := in.Context
	pc.Today = ogp.Date(now().UTC().Format(time.DateOnly))
	res, err := a.Store.SubmitContent(ctx, pc.PlanID, in.Step, in.Round, func(c ogp.Content) []ogp.Violation {
		return ogp.CheckStep(in.Step, pc, c)
	})
	if err != nil {
		return workflows.CheckStepResult{}, err
	}
	out := workflows.CheckStepResult{Violations: res.Violations, Version: res.Version, Digest: res.Digest}
	if in.Step == ogp.HomeRoadmap && len(res.Violations) == 0 {
		out.DueDates = ogp.RoadmapDueDates(res.Content)
	}
	return out, nil
}

// ProjectPlan writes a plan's state and new audit events to the database.
func (a *Activities) ProjectPlan(ctx context.Context, in workflows.ProjectPlanInput) error {
	p, err := models.NewProjection(in.State, in.Events)
	if err != nil {
		return err
	}
	err = a.Store.ApplyProjection(ctx, p)
	if errors.Is(err, models.ErrNotFound) {
		// Retrying cannot help a projection of a plan that has no row (its
		// creation was undone): fail it for good, so the workflow shows the
		// fault instead of retrying forever.
		return temporal.NewNonRetryableApplicationError(err.Error(), "projection_refused", err)
	}
	return err
}
