package workflows

import (
	"time"

	"go.temporal.io/sdk/workflow"

	"github.com/ogplocal/ogp"
)

// ruleWorkflow is what every workflow here offers its updates: a lock
// that keeps handlers in order, and the projection of what changed.
type ruleWorkflow interface {
	locked(ctx workflow.Context, fn func() error) error
	project(ctx workflow.Context, events []ogp.Event) error
}

// ruleUpdate registers one update whose validator and handler run the
// same domain rule: the validator refuses a wrong call before it reaches
// the history; the handler checks again under the lock, because another
// handler may have changed the state in between, and projects what the
// rule applied. Rules read the workflow's clock. refuse, when not nil,
// is asked first by the validator (a run that is ending refuses all).
// answer is the state the caller gets back.
func ruleUpdate[In, State any](ctx workflow.Context, w ruleWorkflow, name string, refuse func() error,
	validate func(In, time.Time) error, apply func(In, time.Time) []ogp.Event, answer func(workflow.Context) State) error {
	return workflow.SetUpdateHandlerWithOptions(ctx, name,
		func(ctx workflow.Context, in In) (State, error) {
			err := w.locked(ctx, func() error {
				now := workflow.Now(ctx)
				if err := validate(in, now); err != nil {
					return applicationError(err)
				}
				return w.project(ctx, apply(in, now))
			})
			if err != nil {
				var zero State
				return zero, err
			}
			return answer(ctx), nil
		},
		workflow.UpdateHandlerOptions{Validator: func(in In) error {
			if refuse != nil {
				if err := refuse(); err != nil {
					return applicationError(err)
				}
			}
			return applicationError(validate(in, workflow.Now(ctx)))
		}},
	)
}
