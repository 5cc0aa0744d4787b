package workflows

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"
)

// digestSends records the SendDigest calls of a test.
type digestSends struct {
	mu    sync.Mutex
	until []time.Time
}

func (d *digestSends) send(_ context.Context, userID int64, until time.Time) (SendDigestResult, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if userID != 42 {
		return SendDigestResult{}, errors.New("wrong user")
	}
	d.until = append(d.until, until.UTC())
	return SendDigestResult{Entries: 1}, nil
}

var digestStart = time.Date(2027, 1, 4, 5, 30, 0, 0, time.UTC)

func newDigestEnv(t *testing.T) (*testsuite.TestWorkflowEnvironment, *digestSends) {
	t.Helper()
	var s testsuite.WorkflowTestSuite
	env := s.NewTestWorkflowEnvironment()
	env.SetStartTime(digestStart)
	sends := &digestSends{}
	env.RegisterWorkflowWithOptions(DigestWorkflow, workflow.RegisterOptions{Name: WorkflowDigest})
	env.RegisterActivityWithOptions(sends.send, activity.RegisterOptions{Name: ActivitySendDigest})
	return env, sends
}

func sameTimes(t *testing.T, got, want []time.Time) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("digests at %v, want %v", got, want)
	}
	for i := range want {
		if !got[i].Equal(want[i]) {
			t.Fatalf("digest %d at %v, want %v (all: %v)", i, got[i], want[i], got)
		}
	}
}

func TestNextDigest(t *testing.T) {
	for _, tc := range []struct {
		now      time.Time
		hour     int
		interval time.Duration
		want     time.Time
	}{
		{digestStart, 7, 0, time.Date(2027, 1, 4, 7, 0, 0, 0, time.UTC)},
		{time.Date(2027, 1, 4, 7, 0, 0, 0, time.UTC), 7, 0, time.Date(2027, 1, 5, 7, 0, 0, 0, time.UTC)},
		{digestStart, 3, 0, time.Date(2027, 1, 5, 3, 0, 0, 0, time.UTC)},
		{digestStart, 0, 24 * time.Hour, time.Date(2027, 1, 5, 0, 0, 0, 0, time.UTC)},
		{time.Date(2027, 1, 4, 5, 30, 2, 0, time.UTC), 7, 5 * time.Second, time.Date(2027, 1, 4, 5, 30, 5, 0, time.UTC)},
		{time.Date(2027, 12, 31, 23, 59, 0, 0, time.UTC), 23, 0, time.Date(2028, 1, 1, 23, 0, 0, 0, time.UTC)},
	} {
		if got := NextDigest(tc.now, tc.hour, tc.interval); !got.Equal(tc.want) {
			t.Errorf("NextDigest(%v, %d, %v) = %v, want %v", tc.now, tc.hour, tc.interval, got, tc.want)
		}
	}
}

// The digest goes out at the hour every day; turned off, it flushes what
// is queued at once and the workflow ends.
func TestDigestSentAtTheHourAndOffFlushes(t *testing.T) {
	env, sends := newDigestEnv(t)
	off := 50 * time.Hour // 2027-01-06 07:30
	env.RegisterDelayedCallback(func() {
		env.SignalWorkflow(SignalDigestSettings, DigestSettings{Enabled: false, Hour: 7})
	}, off)
	env.ExecuteWorkflow(WorkflowDigest, DigestInput{UserID: 42, Settings: DigestSettings{Enabled: true, Hour: 7}})
	if !env.IsWorkflowCompleted() {
		t.Fatal("the workflow did not end")
	}
	if err := env.GetWorkflowError(); err != nil {
		t.Fatal(err)
	}
	sameTimes(t, sends.until, []time.Time{
		time.Date(2027, 1, 4, 7, 0, 0, 0, time.UTC),
		time.Date(2027, 1, 5, 7, 0, 0, 0, time.UTC),
		time.Date(2027, 1, 6, 7, 0, 0, 0, time.UTC),
		digestStart.Add(off).Add(flushMargin),
	})
}

// A new hour wakes the workflow and moves the next digest.
func TestDigestSettingsChangeMovesIt(t *testing.T) {
	env, sends := newDigestEnv(t)
	env.RegisterDelayedCallback(func() {
		env.SignalWorkflow(SignalDigestSettings, DigestSettings{Enabled: true, Hour: 9})
	}, time.Hour) // 06:30, before the 07:00 digest
	env.RegisterDelayedCallback(func() {
		env.SignalWorkflow(SignalDigestSettings, DigestSettings{Enabled: true, Hour: 5})
	}, 30*time.Hour) // Jan 5 11:30
	env.RegisterDelayedCallback(func() {
		env.SignalWorkflow(SignalDigestSettings, DigestSettings{Enabled: false, Hour: 5})
	}, 70*time.Hour) // Jan 7 03:30
	env.ExecuteWorkflow(WorkflowDigest, DigestInput{UserID: 42, Settings: DigestSettings{Enabled: true, Hour: 7}})
	if err := env.GetWorkflowError(); err != nil {
		t.Fatal(err)
	}
	sameTimes(t, sends.until, []time.Time{
		time.Date(2027, 1, 4, 9, 0, 0, 0, time.UTC),
		time.Date(2027, 1, 5, 9, 0, 0, 0, time.UTC),
		time.Date(2027, 1, 6, 5, 0, 0, 0, time.UTC),
		digestStart.Add(70 * time.Hour).Add(flushMargin),
	})
}

// After a month of digests the workflow continues as new with the
// current settings, and the next run keeps going.
func TestDigestContinueAsNewKeepsGoing(t *testing.T) {
	env, sends := newDigestEnv(t)
	env.RegisterDelayedCallback(func() {
		env.SignalWorkflow(SignalDigestSettings, DigestSettings{Enabled: true, Hour: 8})
	}, time.Hour)
	env.ExecuteWorkflow(WorkflowDigest, DigestInput{UserID: 42, Settings: DigestSettings{Enabled: true, Hour: 7}, Interval: 24 * time.Hour})
	var can *workflow.ContinueAsNewError
	if err := env.GetWorkflowError(); !errors.As(err, &can) {
		t.Fatalf("want continue-as-new, got %v", err)
	}
	if len(sends.until) != digestRunsPerExecution {
		t.Fatalf("%d digests before continuing as new, want %d", len(sends.until), digestRunsPerExecution)
	}
	last := sends.until[len(sends.until)-1]
	if want := time.Date(2027, 2, 2, 8, 0, 0, 0, time.UTC); !last.Equal(want) {
		t.Fatalf("last digest of the run at %v, want %v", last, want)
	}
	var next DigestInput
	if err := converter.GetDefaultDataConverter().FromPayloads(can.Input, &next); err != nil {
		t.Fatal(err)
	}
	if next != (DigestInput{UserID: 42, Settings: DigestSettings{Enabled: true, Hour: 8}, Interval: 24 * time.Hour}) {
		t.Fatalf("continue-as-new input %+v", next)
	}

	// The next run goes on from where the first stopped.
	env2, sends2 := newDigestEnv(t)
	env2.SetStartTime(last.Add(time.Minute))
	env2.RegisterDelayedCallback(func() {
		env2.SignalWorkflow(SignalDigestSettings, DigestSettings{Enabled: false, Hour: 8})
	}, 36*time.Hour)
	env2.ExecuteWorkflow(WorkflowDigest, next)
	if err := env2.GetWorkflowError(); err != nil {
		t.Fatal(err)
	}
	sameTimes(t, sends2.until, []time.Time{
		time.Date(2027, 2, 3, 8, 0, 0, 0, time.UTC),
		last.Add(time.Minute + 36*time.Hour + flushMargin),
	})
}

// A digest that fails for good leaves its entries queued; the workflow
// goes on to the next one.
func TestDigestFailureKeepsGoing(t *testing.T) {
	var s testsuite.WorkflowTestSuite
	env := s.NewTestWorkflowEnvironment()
	env.SetStartTime(digestStart)
	env.RegisterWorkflowWithOptions(DigestWorkflow, workflow.RegisterOptions{Name: WorkflowDigest})
	calls := 0
	env.RegisterActivityWithOptions(func(context.Context, int64, time.Time) (SendDigestResult, error) {
		calls++
		if calls <= int(deliverOptions.RetryPolicy.MaximumAttempts) {
			return SendDigestResult{}, errors.New("smtp down")
		}
		return SendDigestResult{Entries: 2}, nil
	}, activity.RegisterOptions{Name: ActivitySendDigest})
	env.RegisterDelayedCallback(func() {
		env.SignalWorkflow(SignalDigestSettings, DigestSettings{Enabled: false})
	}, 40*time.Hour)
	env.ExecuteWorkflow(WorkflowDigest, DigestInput{UserID: 42, Settings: DigestSettings{Enabled: true, Hour: 7}})
	if err := env.GetWorkflowError(); err != nil {
		t.Fatal(err)
	}
	// 8 failed attempts of the first digest, then the second and the flush.
	if want := int(deliverOptions.RetryPolicy.MaximumAttempts) + 2; calls != want {
		t.Fatalf("%d SendDigest calls, want %d", calls, want)
	}
}
