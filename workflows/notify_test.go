package workflows

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"github.com/ogplocal/ogp"
)

// fakeOutbox stands in for the notification activities: entry 2 never
// gets through, the others do at their first attempt.
type fakeOutbox struct {
	mu            sync.Mutex
	pending       []int64
	attempts      map[int64]int
	undeliverable map[int64]string
	failing       map[int64]bool
}

func (f *fakeOutbox) Notify(_ context.Context, in NotifyInput) (NotifyResult, error) {
	return NotifyResult{Delivered: len(in.Notifications), Pending: f.pending}, nil
}

func (f *fakeOutbox) Deliver(_ context.Context, id int64) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.attempts[id]++
	if f.failing[id] {
		return errors.New("webhook answered 503 Service Unavailable")
	}
	return nil
}

func (f *fakeOutbox) MarkUndeliverable(_ context.Context, id int64, reason string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.undeliverable[id] = reason
	return nil
}

// notifyWorkflow notifies, then waits for the background deliveries as
// the real workflows do before they end: it returns how long that took.
func notifyWorkflow(ctx workflow.Context, notes []ogp.Notification) (time.Duration, error) {
	start := workflow.Now(ctx)
	d := deliveries{root: ctx}
	if err := d.notify(ctx, notes); err != nil {
		return 0, err
	}
	// However long the deliveries retry, notify itself returns at once:
	// a dead endpoint must never hold the workflow's lock.
	if !workflow.Now(ctx).Equal(start) {
		return 0, errors.New("notify waited for the deliveries: it must return at once")
	}
	err := workflow.Await(ctx, d.idle)
	return workflow.Now(ctx).Sub(start), err
}

func runNotify(t *testing.T, f *fakeOutbox) time.Duration {
	t.Helper()
	var s testsuite.WorkflowTestSuite
	env := s.NewTestWorkflowEnvironment()
	env.RegisterWorkflow(notifyWorkflow)
	env.RegisterActivityWithOptions(f.Notify, activity.RegisterOptions{Name: ActivityNotify})
	env.RegisterActivityWithOptions(f.Deliver, activity.RegisterOptions{Name: ActivityDeliver})
	env.RegisterActivityWithOptions(f.MarkUndeliverable, activity.RegisterOptions{Name: ActivityMarkUndeliverable})
	notes := []ogp.Notification{{UserID: 1, PlanID: 1, Kind: ogp.NotificationStepReminder, Subject: "s", Body: "b", DedupKey: "k"}}
	env.ExecuteWorkflow(notifyWorkflow, notes)
	if !env.IsWorkflowCompleted() {
		t.Fatal("notify did not complete")
	}
	if err := env.GetWorkflowError(); err != nil {
		t.Fatalf("notify failed: %v", err)
	}
	var took time.Duration
	if err := env.GetWorkflowResult(&took); err != nil {
		t.Fatal(err)
	}
	return took
}

func newFakeOutbox(pending []int64, failing ...int64) *fakeOutbox {
	f := &fakeOutbox{pending: pending, attempts: map[int64]int{}, undeliverable: map[int64]string{}, failing: map[int64]bool{}}
	for _, id := range failing {
		f.failing[id] = true
	}
	return f
}

// A delivery that keeps failing is retried with backoff up to its
// maximum, then marked undeliverable with the last error; the others are
// delivered once, and notify waits for all.
func TestNotifyRetriesThenGivesUp(t *testing.T) {
	f := newFakeOutbox([]int64{1, 2, 3}, 2)
	took := runNotify(t, f)
	if f.attempts[1] != 1 || f.attempts[3] != 1 {
		t.Errorf("attempts %v: working deliveries should run once", f.attempts)
	}
	if f.attempts[2] != int(deliverOptions.RetryPolicy.MaximumAttempts) {
		t.Errorf("failing delivery attempted %d times, want %d", f.attempts[2], deliverOptions.RetryPolicy.MaximumAttempts)
	}
	if len(f.undeliverable) != 1 || f.undeliverable[2] != "webhook answered 503 Service Unavailable" {
		t.Errorf("undeliverable %v", f.undeliverable)
	}
	// 5s, 10s, ... 320s between the 8 attempts: the backoff really ran.
	if took < 10*time.Minute || took > 15*time.Minute {
		t.Errorf("gave up after %v of workflow time, want about 10.6 minutes", took)
	}
}

// Nothing pending (in-app only): no delivery runs.
func TestNotifyInAppOnly(t *testing.T) {
	f := newFakeOutbox(nil)
	runNotify(t, f)
	if len(f.attempts) != 0 || len(f.undeliverable) != 0 {
		t.Errorf("attempts %v, undeliverable %v", f.attempts, f.undeliverable)
	}
}

// A non-retryable failure (no e-mail address) is given up at once.
func TestNotifyNonRetryableGivesUpAtOnce(t *testing.T) {
	f := newFakeOutbox([]int64{7})
	var s testsuite.WorkflowTestSuite
	env := s.NewTestWorkflowEnvironment()
	env.RegisterWorkflow(notifyWorkflow)
	env.RegisterActivityWithOptions(f.Notify, activity.RegisterOptions{Name: ActivityNotify})
	env.RegisterActivityWithOptions(func(_ context.Context, id int64) error {
		f.mu.Lock()
		f.attempts[id]++
		f.mu.Unlock()
		return temporal.NewNonRetryableApplicationError("user 9 has no e-mail address", "undeliverable", nil)
	}, activity.RegisterOptions{Name: ActivityDeliver})
	env.RegisterActivityWithOptions(f.MarkUndeliverable, activity.RegisterOptions{Name: ActivityMarkUndeliverable})
	env.ExecuteWorkflow(notifyWorkflow, []ogp.Notification{{UserID: 9, PlanID: 1, Kind: "k", DedupKey: "k"}})
	if err := env.GetWorkflowError(); err != nil {
		t.Fatal(err)
	}
	if f.attempts[7] != 1 || f.undeliverable[7] != "user 9 has no e-mail address" {
		t.Errorf("attempts %v, undeliverable %v", f.attempts, f.undeliverable)
	}
}
