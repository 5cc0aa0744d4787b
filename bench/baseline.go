package bench

// Section 1: bare Temporal on the same server, with the bench's own no-op
// workflow on its own task queue and its own worker, so every figure of
// the product has a yardstick measured in the same run.

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"
)

// Names of the bench's own workflow types, task queue and messages.
const (
	baselineQueue    = "ogp-bench-baseline"
	noopWorkflowName = "OGPBenchNoop" //nolint:gosec // a workflow type name, not a credential
	onceWorkflowName = "OGPBenchOnce"
	noopUpdate       = "bump"
	noopSignal       = "ping"
	noopStop         = "stop"
	noopQuery        = "count"
)

// noopWorkflow holds a counter: the update bumps it (its validator rejects
// when asked to), the signal bumps it, the query reads it. It runs until
// told to stop.
func noopWorkflow(ctx workflow.Context) (int, error) {
	n := 0
	if err := workflow.SetQueryHandler(ctx, noopQuery, func() (int, error) { return n, nil }); err != nil {
		return 0, err
	}
	if err := workflow.SetUpdateHandlerWithOptions(ctx, noopUpdate, func(_ workflow.Context, _ bool) (int, error) {
		n++
		return n, nil
	}, workflow.UpdateHandlerOptions{Validator: func(_ workflow.Context, reject bool) error {
		if reject {
			return errors.New("rejected on demand")
		}
		return nil
	}}); err != nil {
		return 0, err
	}
	ping := workflow.GetSignalChannel(ctx, noopSignal)
	stop := workflow.GetSignalChannel(ctx, noopStop)
	for stopped := false; !stopped; {
		sel := workflow.NewSelector(ctx)
		sel.AddReceive(ping, func(c workflow.ReceiveChannel, _ bool) { c.Receive(ctx, nil); n++ })
		sel.AddReceive(stop, func(c workflow.ReceiveChannel, _ bool) { c.Receive(ctx, nil); stopped = true })
		sel.Select(ctx)
	}
	return n, workflow.Await(ctx, func() bool { return workflow.AllHandlersFinished(ctx) })
}

// onceWorkflow does nothing: the start-rate measurement's workflow.
func onceWorkflow(workflow.Context) error { return nil }

// BaselineReport is section 1.
type BaselineReport struct {
	TaskQueue       string  `json:"task_queue"`
	UpdateCompleted Latency `json:"update_completed"`
	UpdateRejected  Latency `json:"update_rejected"`
	Signal          Latency `json:"signal"`
	Query           Latency `json:"query"`
	Starts          int     `json:"starts"`
	Starters        int     `json:"starters"`
	StartsPerSec    float64 `json:"starts_per_sec"`
}

// opsPerWorkflow bounds one no-op workflow's history (each update or
// signal adds a few events): the measurement moves to a fresh one.
const opsPerWorkflow = 500

func (b *bencher) baseline(ctx context.Context) (*BaselineReport, error) {
	w := worker.New(b.tc, baselineQueue, worker.Options{})
	w.RegisterWorkflowWithOptions(noopWorkflow, workflow.RegisterOptions{Name: noopWorkflowName})
	w.RegisterWorkflowWithOptions(onceWorkflow, workflow.RegisterOptions{Name: onceWorkflowName})
	if err := w.Start(); err != nil {
		return nil, fmt.Errorf("start the baseline worker: %w", err)
	}
	defer w.Stop()

	var running []string
	defer func() {
		for _, id := range running {
			_ = b.tc.SignalWorkflow(context.Background(), id, "", noopStop, nil)
		}
	}()
	seq := 0
	fresh := func() (string, error) {
		seq++
		id := fmt.Sprintf("ogp-bench-noop-%d-%d", b.runID, seq)
		run, err := b.tc.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: id, TaskQueue: baselineQueue}, noopWorkflowName)
		if err != nil {
			return "", fmt.Errorf("start the no-op workflow: %w", err)
		}
		running = append(running, id)
		// The first query answers once the worker has run the first
		// task: the handlers are registered from then on.
		var n int
		v, err := b.tc.QueryWorkflow(ctx, id, run.GetRunID(), noopQuery)
		if err == nil {
			err = v.Get(&n)
		}
		if err != nil {
			return "", fmt.Errorf("first query of the no-op workflow: %w", err)
		}
		return id, nil
	}
	// measure runs op warmup+samples times, sequentially, on workflows
	// renewed every opsPerWorkflow operations, and keeps the timings
	// after the warm-up.
	measure := func(what string, op func(id string) error) (Latency, error) {
		var ds []time.Duration
		id := ""
		for i := range b.cfg.Warmup + b.cfg.Samples {
			if i%opsPerWorkflow == 0 {
				var err error
				if id, err = fresh(); err != nil {
					return Latency{}, err
				}
			}
			if err := sleep(ctx, b.cfg.Pause); err != nil {
				return Latency{}, err
			}
			t0 := time.Now()
			if err := op(id); err != nil {
				return Latency{}, fmt.Errorf("%s: %w", what, err)
			}
			if d := time.Since(t0); i >= b.cfg.Warmup {
				ds = append(ds, d)
			}
		}
		return summarise(ds), nil
	}
	r := &BaselineReport{TaskQueue: baselineQueue}
	var err error
	update := func(reject bool) func(string) error {
		return func(id string) error {
			h, err := b.tc.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{WorkflowID: id, UpdateName: noopUpdate,
				Args: []any{reject}, WaitForStage: client.WorkflowUpdateStageCompleted})
			var n int
			if err == nil {
				err = h.Get(ctx, &n)
			}
			if reject {
				var rejected *temporal.ApplicationError
				if err == nil {
					return errors.New("the update was not rejected")
				}
				if !errors.As(err, &rejected) {
					return err
				}
				return nil
			}
			return err
		}
	}
	b.progress("baseline: update (completed)")
	if r.UpdateCompleted, err = measure("update", update(false)); err != nil {
		return nil, err
	}
	b.progress("baseline: update (rejected)")
	if r.UpdateRejected, err = measure("rejected update", update(true)); err != nil {
		return nil, err
	}
	b.progress("baseline: signal")
	if r.Signal, err = measure("signal", func(id string) error { return b.tc.SignalWorkflow(ctx, id, "", noopSignal, nil) }); err != nil {
		return nil, err
	}
	b.progress("baseline: query")
	if r.Query, err = measure("query", func(id string) error {
		v, err := b.tc.QueryWorkflow(ctx, id, "", noopQuery)
		if err != nil {
			return err
		}
		var n int
		return v.Get(&n)
	}); err != nil {
		return nil, err
	}

	b.progress("baseline: %d workflow starts, %d starters", b.cfg.Starts, b.cfg.Starters)
	start := func(i int) error {
		_, err := b.tc.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
			ID: fmt.Sprintf("ogp-bench-once-%d-%d", b.runID, i), TaskQueue: baselineQueue,
			WorkflowIDReusePolicy: enumspb.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE,
		}, onceWorkflowName)
		return err
	}
	warm := min(b.cfg.Warmup, 16)
	for i := range warm {
		if err := start(-1 - i); err != nil {
			return nil, fmt.Errorf("workflow start: %w", err)
		}
	}
	n, elapsed, err := concurrently(ctx, b.cfg.Starts, b.cfg.Starters, nil, func(_ context.Context, i int) error { return start(i) })
	if err != nil {
		return nil, fmt.Errorf("workflow start: %w", err)
	}
	r.Starts, r.Starters = n, b.cfg.Starters
	r.StartsPerSec = round1(float64(n) / elapsed.Seconds())
	return r, nil
}

// concurrently runs fn(ctx, i) for i in [0, n) on workers goroutines as
// fast as they go and returns how many succeeded and the wall time. The
// first error cancels the context the others run with and is returned.
// done, when not nil, counts the successes as they happen (for progress).
func concurrently(ctx context.Context, n, workers int, done *atomic.Int64, fn func(ctx context.Context, i int) error) (int, time.Duration, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	if done == nil {
		done = new(atomic.Int64)
	}
	var next atomic.Int64
	var once sync.Once
	var firstErr error
	var wg sync.WaitGroup
	t0 := time.Now()
	for range min(workers, n) {
		wg.Go(func() {
			for {
				i := int(next.Add(1) - 1)
				if i >= n || ctx.Err() != nil {
					return
				}
				if err := fn(ctx, i); err != nil {
					once.Do(func() { firstErr = err; cancel() })
					return
				}
				done.Add(1)
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(t0)
	if firstErr == nil {
		firstErr = ctx.Err()
	}
	return int(done.Load()), elapsed, firstErr
}
