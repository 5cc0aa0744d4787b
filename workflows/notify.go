package workflows

import (
	"errors"
	"reflect"
	"time"

	"go.temporal.io/sdk/converter"
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
	// local runs the database writes (outbox, projections, gate checks) as
	// local activities; decided once per run by localWrites.
	local bool
	// durableReminders writes the notifications a timer sends (reminders)
	// with a regular activity even when local is set; decided once per run
	// by localWrites.
	durableReminders bool
}

// ChangeLocalWrites is the workflow.GetVersion change ID of running the
// database writes that message handlers wait for as local activities
// (version 1); runs recorded before it keep regular activities.
const ChangeLocalWrites = "local-writes"

// localWrites decides, once per run and at its start (like
// reminderTiming), whether the run's database writes are local
// activities. A regular activity costs two trips through the server's
// task queues (schedule, dispatch to a poller, completion, a new
// workflow task); an approval wrote the outbox and the projection one
// after the other, so it waited for four of them while the bare update
// waited for none. A local activity runs in the worker inside the same
// workflow task, so the update answers as soon as the rows are written.
// Retries and their unlimited policy are the same; a write that keeps
// failing (database down) is retried with backoff by the SDK through
// timers recorded in the history.
//
// Version 2 keeps them local except the notifications a timer sends (the
// reminders). A local activity's writes are kept even when the workflow
// task that ran it fails (its worker killed, the server unreachable), and
// the task is then run again at a later time: a reminder chooses the
// latest slot that has passed, so the retried task may send another one
// than the first, and the first, never recorded in the history, would
// still have reached its recipients. With a regular activity the reminder
// is in the history before anyone hears it. Nobody waits on a reminder,
// so the two extra trips cost no answer any latency.
func localWrites(ctx workflow.Context) (local, durableReminders bool) {
	v := workflow.GetVersion(ctx, ChangeLocalWrites, workflow.DefaultVersion, 2)
	return v >= 1, v >= 2
}

// localActivityOptions are activityOptions for local activities: the same
// timeout and the same retries without limit.
var localActivityOptions = workflow.LocalActivityOptions{
	StartToCloseTimeout: activityOptions.StartToCloseTimeout,
	RetryPolicy:         activityOptions.RetryPolicy,
}

// write runs one of the short database activities (the outbox, a
// projection, a gate check) as a local or regular activity by the run's
// mode, and decodes its result into out (nil for none).
func (d *deliveries) write(ctx workflow.Context, activity string, in any, out any) error {
	return d.writeWith(ctx, d.local, activity, in, out)
}

// writeWith is write with the mode given.
func (d *deliveries) writeWith(ctx workflow.Context, local bool, activity string, in any, out any) error {
	if local {
		arg, err := detached(in)
		if err != nil {
			return err
		}
		return workflow.ExecuteLocalActivity(workflow.WithLocalActivityOptions(ctx, localActivityOptions), activity, arg).Get(ctx, out)
	}
	return workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, activityOptions), activity, in).Get(ctx, out)
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
	return d.notifyWith(ctx, d.local, notes)
}

// remindNotify is notify for the notifications a timer sends: see
// localWrites.
func (d *deliveries) remindNotify(ctx workflow.Context, notes []ogp.Notification) error {
	return d.notifyWith(ctx, d.local && !d.durableReminders, notes)
}

func (d *deliveries) notifyWith(ctx workflow.Context, local bool, notes []ogp.Notification) error {
	if len(notes) == 0 {
		return nil
	}
	var res NotifyResult
	if err := d.writeWith(ctx, local, ActivityNotify, NotifyInput{Notifications: notes}, &res); err != nil {
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

// detached is a copy of in made through the data converter, as a regular
// activity's argument would be. The SDK hands a local activity its
// arguments as they are, so without the copy the activity would share the
// workflow's maps and slices (a write to them would change the workflow's
// state behind its back) and see other types than a regular activity does
// (an int in an event payload, not a JSON number).
func detached(in any) (any, error) {
	dc := converter.GetDefaultDataConverter()
	p, err := dc.ToPayload(in)
	if err != nil {
		return nil, temporal.NewNonRetryableApplicationError("encode activity input: "+err.Error(), "invalid_input", err)
	}
	v := reflect.New(reflect.TypeOf(in))
	if err := dc.FromPayload(p, v.Interface()); err != nil {
		return nil, temporal.NewNonRetryableApplicationError("decode activity input: "+err.Error(), "invalid_input", err)
	}
	return v.Elem().Interface(), nil
}
