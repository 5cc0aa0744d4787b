package workflows

import (
	"errors"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/ogplocal/ogp"
)

// Activity names of external delivery.
const (
	// ActivityDeliver sends one outbox entry (an e-mail, a webhook call).
	ActivityDeliver = "Deliver"
	// ActivityMarkUndeliverable gives up on an outbox entry and reports a
	// failing webhook to the plan's coordinators.
	ActivityMarkUndeliverable = "MarkUndeliverable"
)

// deliverOptions retry one delivery with backoff for about ten minutes,
// not forever: an endpoint that is down that long is reported instead.
// StartToClose covers the SMTP dialogue and the 10 s webhook timeout.
var deliverOptions = workflow.ActivityOptions{
	StartToCloseTimeout: time.Minute,
	RetryPolicy: &temporal.RetryPolicy{
		InitialInterval:    5 * time.Second,
		BackoffCoefficient: 2,
		MaximumInterval:    10 * time.Minute,
		MaximumAttempts:    8,
	},
}

// deliveries runs external deliveries (e-mail, webhooks) in the
// background of a workflow, so a slow or dead endpoint never holds the
// workflow's lock (and with it every approval) while Temporal retries it.
// The workflow waits for them only before it ends or continues as new.
type deliveries struct {
	// root is the workflow's own context: deliveries outlive the update
	// handler or reminder that started them.
	root     workflow.Context
	inFlight int
}

// idle says whether no delivery is running.
func (d *deliveries) idle() bool { return d.inFlight == 0 }

// notify is the one way the workflows tell people something: Notify
// records the notifications in the outbox (the in-app inbox at once), then
// each pending external delivery runs in the background with its own
// retry policy; one that fails for good is marked undeliverable. Only
// Notify's own failure is an error: a failed delivery is recorded, not
// fatal.
func (d *deliveries) notify(ctx workflow.Context, notes []ogp.Notification) error {
	if len(notes) == 0 {
		return nil
	}
	actx := workflow.WithActivityOptions(ctx, activityOptions)
	var res NotifyResult
	if err := workflow.ExecuteActivity(actx, ActivityNotify, NotifyInput{Notifications: notes}).Get(ctx, &res); err != nil {
		return err
	}
	root := d.root
	if root == nil {
		root = ctx
	}
	for _, id := range res.Pending {
		d.inFlight++
		workflow.Go(root, func(gctx workflow.Context) {
			defer func() { d.inFlight-- }()
			d.deliver(gctx, id)
		})
	}
	return nil
}

// deliver sends one outbox entry, giving it up when its retries are spent.
func (d *deliveries) deliver(ctx workflow.Context, id int64) {
	err := workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, deliverOptions), ActivityDeliver, id).Get(ctx, nil)
	if err == nil || temporal.IsCanceledError(err) {
		return
	}
	actx := workflow.WithActivityOptions(ctx, activityOptions)
	if err := workflow.ExecuteActivity(actx, ActivityMarkUndeliverable, id, failureReason(err)).Get(ctx, nil); err != nil {
		workflow.GetLogger(ctx).Error("could not mark a delivery undeliverable", "outbox_id", id, "error", err)
	}
}

// failureReason is the last attempt's error message, without the
// activity wrapper's noise.
func failureReason(err error) string {
	var app *temporal.ApplicationError
	if errors.As(err, &app) {
		return app.Message()
	}
	var timeout *temporal.TimeoutError
	if errors.As(err, &timeout) {
		return "timed out: " + timeout.Error()
	}
	return err.Error()
}
