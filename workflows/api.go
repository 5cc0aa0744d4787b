// Package workflows holds the Temporal workflows. Workflow code here is
// deterministic: no clock, no I/O, no goroutines, no map iteration; the
// domain rules come from package ogp and every side effect is an activity.
package workflows

import (
	"errors"

	"go.temporal.io/sdk/temporal"

	"github.com/ogplocal/ogp"
)

// Activity names, registered explicitly so renaming a Go method never
// breaks a running workflow.
const (
	ActivityProjectPlan = "ProjectPlan"
	ActivityNotify      = "Notify"
	ActivityCheckStep   = "CheckStep"
	// ActivityLoadCommitments reads the approved commitments when the
	// plan is validated, to start their workflows.
	ActivityLoadCommitments = "LoadCommitments"
	// ActivityOpenRounds lists the assessment rounds still running when
	// the plan completes, to end them with it.
	ActivityOpenRounds = "OpenRounds"
)

// DefaultMaxHistoryEvents is where the workflow continues as new: well
// below Temporal's limits, so replays stay fast however long a plan runs.
const DefaultMaxHistoryEvents = 2000

// ActionPlanInput starts an action-plan workflow: Plan for a new plan,
// State when continuing as new.
type ActionPlanInput struct {
	Plan  *ogp.NewPlan   `json:"plan,omitempty"`
	State *ogp.PlanState `json:"state,omitempty"`
	// Projected says the caller wrote the opening projection of Plan
	// before starting the run (the API does, so a new plan reads complete
	// at once): the run then only sends the opening notifications instead
	// of writing the same rows again. Runs started without it (and every
	// history recorded before it existed) write the projection themselves.
	Projected bool `json:"projected,omitempty"`
	// MaxHistoryEvents overrides DefaultMaxHistoryEvents (tests use a
	// small value to exercise continue-as-new).
	MaxHistoryEvents int `json:"max_history_events,omitempty"`
}

// ProjectPlanInput asks the projection activity to write the plan's
// state and new audit events to the database.
type ProjectPlanInput struct {
	State  ogp.PlanState `json:"state"`
	Events []ogp.Event   `json:"events"`
}

// CheckStepInput asks the gate activity to check a step's content before
// it is submitted in round Round.
type CheckStepInput struct {
	Context ogp.PlanContext `json:"context"`
	Step    int             `json:"step"`
	Round   int             `json:"round"`
}

// CheckStepResult is the gate's verdict: every unmet rule, or the version
// and digest of the content now locked for the approvers, and the due
// dates the content plans (the roadmap's).
type CheckStepResult struct {
	Violations []ogp.Violation `json:"violations,omitempty"`
	Version    int64           `json:"version"`
	Digest     string          `json:"digest"`
	DueDates   []ogp.StepDue   `json:"due_dates,omitempty"`
}

// NotifyInput asks the notification activity to deliver messages.
type NotifyInput struct {
	Notifications []ogp.Notification `json:"notifications"`
}

// NotifyResult says how many messages were new (not duplicates), and
// which outbox entries wait for an external delivery.
type NotifyResult struct {
	Delivered int `json:"delivered"`
	// Pending are outbox ids to deliver one by one (ActivityDeliver).
	Pending []int64 `json:"pending,omitempty"`
}

// applicationError turns a domain error into a Temporal application error
// whose type is the domain code, so a client can turn it back.
func applicationError(err error) error {
	var e *ogp.Error
	if err == nil || !errors.As(err, &e) {
		return err
	}
	return temporal.NewApplicationErrorWithOptions(e.Message, e.Code, temporal.ApplicationErrorOptions{
		NonRetryable: true,
		Details:      []any{e.Kind, e.Violations},
	})
}

// DomainError recovers the domain error from an error returned by an
// update (a rejected validator or a failed handler), or returns nil when
// err carries none.
func DomainError(err error) *ogp.Error {
	var app *temporal.ApplicationError
	if !errors.As(err, &app) {
		return nil
	}
	var kind string
	var violations []ogp.Violation
	if app.HasDetails() {
		if derr := app.Details(&kind, &violations); derr != nil {
			return nil
		}
	}
	if kind == "" {
		return nil
	}
	return &ogp.Error{Kind: kind, Code: app.Type(), Message: app.Message(), Violations: violations}
}
