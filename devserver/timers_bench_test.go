package devserver_test

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.temporal.io/sdk/client"
	sdklog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/ogplocal/ogp/devserver"
)

// The timer herd measurement: K workflows all sleep until the same absolute
// instant, as reminders of milestones due on the same date do, and the test
// records how late each one wakes up. It is a measurement, not a check, so it
// only runs when asked:
//
//	OGP_TIMER_HERD=1 go test ./devserver -run TestTimerHerd -v -timeout 30m
//
// Knobs (environment):
//
//	OGP_TIMER_HERD_K         workflows (default 1000)
//	OGP_TIMER_HERD_VARIANTS  comma-separated variant names from herdVariants
//	                         (default "server-default,tuned")
//	OGP_TIMER_HERD_POLLERS   workflow task pollers of the worker (default: SDK's 2)
//	OGP_TIMER_HERD_RUNS      repetitions of each variant (default 1)
//	OGP_TIMER_HERD_DURABILITY normal or full (default normal)
//	OGP_TIMER_HERD_STICKY    the worker's sticky schedule-to-start timeout (default: SDK's 5s)
//	OGP_TIMER_HERD_THEN      "complete" (default): workflows end after waking;
//	                         "wait": they sleep on, like a plan after a reminder
//	OGP_TIMER_HERD_LOG       server log level (default warn)
//	OGP_TIMER_HERD_HISTORY   set: log the history of the last workflow to wake
//	OGP_TIMER_HERD_CPUPROFILE file: CPU profile of the drain
//	OGP_TIMER_HERD_DUMP      file: goroutine dump 10 s after the target
const herdEnv = "OGP_TIMER_HERD"

// herdVariants are dynamic config overrides on top of the built-in tuning.
// "server-default" removes every built-in performance value, giving the
// server's own defaults back; the others change single settings so each
// change can be measured on its own.
var herdVariants = map[string]map[string]any{
	"server-default": {
		"matching.longPollExpirationInterval":   nil,
		"history.queueMoveGroupTaskCountBase":   nil,
		"history.transferProcessorMaxPollRPS":   nil,
		"history.timerProcessorMaxPollRPS":      nil,
		"history.visibilityProcessorMaxPollRPS": nil,
	},
	"tuned": {},
	// The built-in tuning with the server's queue poll rates (20/s).
	"tuned-pollrps-20": {
		"history.transferProcessorMaxPollRPS":   nil,
		"history.timerProcessorMaxPollRPS":      nil,
		"history.visibilityProcessorMaxPollRPS": nil,
	},
	// The built-in tuning without the shorter long poll.
	"tuned-longpoll-60s": {"matching.longPollExpirationInterval": nil},
	// The built-in tuning without the raised queue grouping threshold.
	"tuned-movegroup-500": {"history.queueMoveGroupTaskCountBase": nil},
	// Queue grouping switched off entirely (0 disables the move-group action).
	"tuned-movegroup-off": {"history.queueMoveGroupTaskCountBase": 0},
	// New tasks to one task queue partition (polls still on all four).
	"tuned-write-partitions-1": {"matching.numTaskqueueWritePartitions": 1},
	// One partition for reads and writes.
	"tuned-partitions-1": {
		"matching.numTaskqueueReadPartitions":  1,
		"matching.numTaskqueueWritePartitions": 1,
	},
	// Matching accepts a burst of task appends instead of throttling past 250.
	"tuned-appends": {"matching.outstandingTaskAppendsThreshold": 10000},
	// Visibility writes (costly on SQLite: FTS5 indexes) at most two at a
	// time, so they do not crowd workflow tasks out of the one connection.
	"tuned-visibility-2": {"history.visibilityProcessorSchedulerWorkerCount": 2},
	// Timer queue reads more per poll.
	"tuned-timer-batch": {"history.timerTaskBatchSize": 1000},
}

// herdRecorder collects, in the test process, which workflows are running
// and armed, and when each observed its timer fire.
type herdRecorder struct {
	mu       sync.Mutex
	readyIDs map[string]struct{}
	armedIDs map[string]struct{}
	woke     map[string]time.Time
	dupes    atomic.Int64
}

func newHerdRecorder() *herdRecorder {
	return &herdRecorder{readyIDs: map[string]struct{}{}, armedIDs: map[string]struct{}{}, woke: map[string]time.Time{}}
}

func (r *herdRecorder) add(set map[string]struct{}, id string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	set[id] = struct{}{}
}

// ready: the workflow is running and waits for its target.
func (r *herdRecorder) ready(id string) { r.add(r.readyIDs, id) }

// arm: the workflow got its target and is setting the timer.
func (r *herdRecorder) arm(id string) { r.add(r.armedIDs, id) }

// RecordWake is the local activity the workflows run right after their timer
// fires: it is what a reminder's first side effect would see.
func (r *herdRecorder) RecordWake(_ context.Context, id string) error {
	now := time.Now()
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, ok := r.woke[id]; ok {
		r.dupes.Add(1)
		return nil
	}
	r.woke[id] = now
	return nil
}

func (r *herdRecorder) counts() (ready, armed, woke int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.readyIDs), len(r.armedIDs), len(r.woke)
}

func (r *herdRecorder) wakeTimes() []time.Time {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]time.Time, 0, len(r.woke))
	for _, t := range r.woke {
		out = append(out, t)
	}
	return out
}

// activeRecorder is what the workflow function reports to; workflows are
// registered once per worker, and one variant runs at a time.
var activeRecorder atomic.Pointer[herdRecorder]

// HerdWorkflow waits for the target instant (signal "target"), sleeps until
// then, records the wake-up through a local activity and completes or, with
// keepRunning, sleeps on for a day like a plan waiting for its next milestone
// (closing a workflow costs a visibility write that a reminder does not). The
// target comes by signal so the test can pick it once every workflow is
// running, however slowly the machine started them. The recording is a side
// effect in the test process, fine for a measurement; nothing here is
// replayed against old histories.
func HerdWorkflow(ctx workflow.Context, keepRunning bool) error {
	id := workflow.GetInfo(ctx).WorkflowExecution.ID
	if !workflow.IsReplaying(ctx) {
		activeRecorder.Load().ready(id)
	}
	var target time.Time
	workflow.GetSignalChannel(ctx, "target").Receive(ctx, &target)
	if !workflow.IsReplaying(ctx) {
		activeRecorder.Load().arm(id)
	}
	if d := target.Sub(workflow.Now(ctx)); d > 0 {
		if err := workflow.NewTimer(ctx, d).Get(ctx, nil); err != nil {
			return err
		}
	}
	lctx := workflow.WithLocalActivityOptions(ctx, workflow.LocalActivityOptions{StartToCloseTimeout: 10 * time.Second})
	if err := workflow.ExecuteLocalActivity(lctx, activeRecorder.Load().RecordWake, id).Get(ctx, nil); err != nil {
		return err
	}
	if keepRunning {
		return workflow.Sleep(ctx, 24*time.Hour)
	}
	return nil
}

type herdResult struct {
	variant            string
	k, fired, dupes    int
	startRate          float64 // workflow starts per second while arming
	p50, p90, p99, max time.Duration
	drain              time.Duration // target to last wake-up
	cpuCores           float64       // process CPU over the drain, in cores
}

func TestTimerHerd(t *testing.T) {
	if os.Getenv(herdEnv) == "" {
		t.Skipf("measurement; set %s=1 to run", herdEnv)
	}
	k := envIntDefault(t, "OGP_TIMER_HERD_K", 1000)
	pollers := envIntDefault(t, "OGP_TIMER_HERD_POLLERS", 0)
	runs := envIntDefault(t, "OGP_TIMER_HERD_RUNS", 1)
	names := strings.Split(envDefault("OGP_TIMER_HERD_VARIANTS", "server-default,tuned"), ",")
	var results []herdResult
	for run := 1; run <= runs; run++ {
		for _, name := range names {
			name = strings.TrimSpace(name)
			overrides, ok := herdVariants[name]
			if !ok {
				t.Fatalf("unknown variant %q", name)
			}
			res := runHerd(t, name, overrides, k, pollers)
			results = append(results, res)
			t.Logf("%s run %d: %s", name, run, res.row())
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "\ntimer herd: K=%d, worker workflow pollers=%s, sticky timeout=%s, then=%s, durability=%s\n", k, orDefault(pollers),
		envDefault("OGP_TIMER_HERD_STICKY", "SDK default"), envDefault("OGP_TIMER_HERD_THEN", "complete"), envDefault("OGP_TIMER_HERD_DURABILITY", "normal"))
	fmt.Fprintln(&b, "| variant | fired | starts/s | p50 | p90 | p99 | max | drain | CPU (cores) |")
	fmt.Fprintln(&b, "|---|---|---|---|---|---|---|---|---|")
	for _, r := range results {
		fmt.Fprintln(&b, r.row())
	}
	fmt.Fprint(os.Stdout, b.String())
}

func (r herdResult) row() string {
	ms := func(d time.Duration) string { return fmt.Sprintf("%.2f s", d.Seconds()) }
	fired := fmt.Sprintf("%d/%d", r.fired, r.k)
	if r.dupes > 0 {
		fired += fmt.Sprintf(" (%d twice)", r.dupes)
	}
	return fmt.Sprintf("| %s | %s | %.0f | %s | %s | %s | %s | %s | %.2f |",
		r.variant, fired, r.startRate, ms(r.p50), ms(r.p90), ms(r.p99), ms(r.max), ms(r.drain), r.cpuCores)
}

func runHerd(t *testing.T, variant string, overrides map[string]any, k, pollers int) herdResult {
	t.Helper()
	dbFile := filepath.Join(t.TempDir(), "herd.db")
	s, err := devserver.Start(context.Background(), devserver.Config{
		DatabaseFile:  dbFile,
		FrontendPort:  freePort(t),
		Logger:        slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug})),
		LogLevel:      envDefault("OGP_TIMER_HERD_LOG", "warn"),
		Durability:    envDefault("OGP_TIMER_HERD_DURABILITY", ""),
		DynamicConfig: overrides,
	})
	if err != nil {
		t.Fatalf("%s: start: %v", variant, err)
	}
	defer func() { _ = s.Stop() }()

	c, err := client.Dial(client.Options{HostPort: s.FrontendAddress(), Namespace: s.Namespace(), Logger: sdklog.NewStructuredLogger(stderrLogger())})
	if err != nil {
		t.Fatalf("%s: dial: %v", variant, err)
	}
	defer c.Close()
	rec := newHerdRecorder()
	activeRecorder.Store(rec)
	const tq = "timer-herd"
	keepRunning := os.Getenv("OGP_TIMER_HERD_THEN") == "wait"
	var sticky time.Duration
	if v := os.Getenv("OGP_TIMER_HERD_STICKY"); v != "" {
		if sticky, err = time.ParseDuration(v); err != nil {
			t.Fatalf("OGP_TIMER_HERD_STICKY: %v", err)
		}
	}
	w := worker.New(c, tq, worker.Options{MaxConcurrentWorkflowTaskPollers: pollers, StickyScheduleToStartTimeout: sticky})
	w.RegisterWorkflow(HerdWorkflow)
	w.RegisterActivity(rec.RecordWake)
	if err := w.Start(); err != nil {
		t.Fatalf("%s: worker: %v", variant, err)
	}
	defer w.Stop()

	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
	defer cancel()
	// fanOut runs call for 1..k on 16 goroutines, like concurrent API calls.
	fanOut := func(call func(i int64) error) error {
		var next atomic.Int64
		var wg sync.WaitGroup
		var firstErr atomic.Value
		for range 16 {
			wg.Go(func() {
				for i := next.Add(1); i <= int64(k); i = next.Add(1) {
					if err := call(i); err != nil {
						firstErr.CompareAndSwap(nil, err)
						return
					}
				}
			})
		}
		wg.Wait()
		err, _ := firstErr.Load().(error)
		return err
	}
	waitFor := func(what string, count func() int, deadline time.Time) {
		for count() < k {
			if time.Now().After(deadline) {
				t.Fatalf("%s: only %d of %d workflows %s in time", variant, count(), k, what)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}

	began := time.Now()
	err = fanOut(func(i int64) error {
		_, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: fmt.Sprintf("herd-%d", i), TaskQueue: tq}, HerdWorkflow, keepRunning)
		return err
	})
	if err != nil {
		t.Fatalf("%s: start workflow: %v", variant, err)
	}
	waitFor("ready", func() int { n, _, _ := rec.counts(); return n }, time.Now().Add(5*time.Minute))
	startRate := float64(k) / time.Since(began).Seconds()
	// Signalling and arming cost about what starting did; twice that plus
	// 5 s puts the target safely after the last timer is armed.
	target := time.Now().Add(5*time.Second + 2*time.Since(began)).Truncate(time.Second)
	err = fanOut(func(i int64) error {
		return c.SignalWorkflow(ctx, fmt.Sprintf("herd-%d", i), "", "target", target)
	})
	if err != nil {
		t.Fatalf("%s: signal: %v", variant, err)
	}
	waitFor("armed", func() int { _, n, _ := rec.counts(); return n }, target)
	t.Logf("%s: %d workflows started at %.0f/s and armed, %.1f s before the target", variant, k, startRate, time.Until(target).Seconds())

	time.Sleep(time.Until(target))
	cpu0 := cpuTime()
	profiling := false
	if p := os.Getenv("OGP_TIMER_HERD_CPUPROFILE"); p != "" {
		f, err := os.Create(p)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		profiling = pprof.StartCPUProfile(f) == nil
	}
	if d := os.Getenv("OGP_TIMER_HERD_DUMP"); d != "" {
		time.AfterFunc(10*time.Second, func() {
			f, err := os.Create(d)
			if err == nil {
				_ = pprof.Lookup("goroutine").WriteTo(f, 1)
				_ = f.Close()
			}
		})
	}
	for {
		_, _, woke := rec.counts()
		if woke == k {
			break
		}
		if ctx.Err() != nil {
			t.Errorf("%s: only %d of %d timers fired within %v of the target", variant, woke, k, time.Since(target).Round(time.Second))
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if profiling {
		pprof.StopCPUProfile()
	}
	if fi, err := os.Stat(dbFile + "-wal"); err == nil {
		t.Logf("%s: WAL is %.1f MiB after the drain", variant, float64(fi.Size())/(1<<20))
	}
	if os.Getenv("OGP_TIMER_HERD_HISTORY") != "" {
		printLatestHistory(t, c, rec, target)
	}
	wakes := rec.wakeTimes()
	last := target
	late := make([]time.Duration, 0, len(wakes))
	for _, w := range wakes {
		late = append(late, w.Sub(target))
		if w.After(last) {
			last = w
		}
	}
	cpu := (cpuTime() - cpu0).Seconds() / time.Since(target).Seconds()
	slices.Sort(late)
	res := herdResult{variant: variant, k: k, fired: len(wakes), dupes: int(rec.dupes.Load()), startRate: startRate,
		drain: last.Sub(target), cpuCores: cpu}
	if len(late) > 0 {
		res.p50, res.p90, res.p99, res.max = pct(late, 0.50), pct(late, 0.90), pct(late, 0.99), late[len(late)-1]
	}
	return res
}

// pct is the nearest-rank percentile of sorted values.
func pct(sorted []time.Duration, p float64) time.Duration {
	i := int(float64(len(sorted))*p+0.5) - 1
	return sorted[max(0, min(i, len(sorted)-1))]
}

func envDefault(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

func envIntDefault(t *testing.T, name string, def int) int {
	t.Helper()
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		t.Fatalf("%s=%q: %v", name, v, err)
	}
	return n
}

func orDefault(n int) string {
	if n == 0 {
		return "SDK default"
	}
	return strconv.Itoa(n)
}

// printLatestHistory logs the event history of the workflow that woke up
// last, with each event's offset from the target: it shows where a tail waits.
func printLatestHistory(t *testing.T, c client.Client, rec *herdRecorder, target time.Time) {
	rec.mu.Lock()
	var id string
	var last time.Time
	for k, w := range rec.woke {
		if w.After(last) {
			id, last = k, w
		}
	}
	rec.mu.Unlock()
	it := c.GetWorkflowHistory(context.Background(), id, "", false, 0)
	for it.HasNext() {
		ev, err := it.Next()
		if err != nil {
			t.Logf("history of %s: %v", id, err)
			return
		}
		t.Logf("%s %+7.3fs %s", id, ev.GetEventTime().AsTime().Sub(target).Seconds(), ev.GetEventType())
	}
}
