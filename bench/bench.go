// Package bench measures the product where its users feel it, next to
// bare Temporal on the same server in the same run: `ogp bench`.
//
// It runs against a fresh dev stack it starts itself in a temporary
// directory (app.StartDev: embedded Temporal on SQLite, the worker, the
// API, all in this process), or against a running stack given by its URL,
// its Temporal frontend and an administrator's token. Six sections:
//
//  1. baseline: bare Temporal, with the bench's own no-op workflow on its
//     own task queue and worker: update (completed, rejected), signal and
//     query latency, workflow starts per second with 8 starters;
//  2. approval: POST .../steps/1/decisions through HTTP, and its ratio to
//     the bare update;
//  3. creation: POST /action-plans with 8 clients, and its ratio to bare
//     starts;
//  4. scale: N plans in implementation at rest: memory, database size,
//     idle CPU, history per plan;
//  5. reminders: K milestones due at the same instant: lateness of each
//     reminder's notification row, none lost, none twice;
//  6. reads: the plan list and a plan at a fixed request rate.
//
// Latencies keep every sample after the warm-up and report exact
// percentiles of the sorted samples; clocks are the bench's time.Now.
package bench

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime"
	"runtime/debug"
	"slices"
	"strings"
	"time"

	"go.temporal.io/sdk/client"
	sdklog "go.temporal.io/sdk/log"

	"github.com/ogplocal/ogp/app"
	"github.com/ogplocal/ogp/devserver"
	"github.com/ogplocal/ogp/models"
)

// Sections lists the sections in the order they run.
var Sections = []string{"baseline", "approval", "creation", "scale", "reminders", "reads"}

// Config is what to measure and against what.
type Config struct {
	// URL is a running stack's base URL (http://host:8080); empty starts
	// a fresh dev stack in a temporary directory.
	URL string
	// Temporal is the running stack's Temporal frontend (host:port) and
	// Namespace its namespace.
	Temporal, Namespace string
	// AdminToken is an administrator's API token of the running stack.
	AdminToken string
	// PID is the running stack's process, for memory and CPU.
	PID int
	// DataDir holds the running stack's SQLite files, for their size.
	DataDir string
	// DatabaseURL is the running stack's PostgreSQL database: its size,
	// and the reminders' rows read from it.
	DatabaseURL string

	Plans           int           // section 4: plans in implementation
	Milestones      int           // section 4: milestones per plan
	Commitments     int           // section 4: commitments per plan (1-5; 0: min(milestones, 5))
	Simultaneous    int           // section 5: milestones due at the same instant
	Samples         int           // sections 1-2: samples per latency
	Warmup          int           // sections 1-3, 6: warm-up iterations, not recorded
	Pause           time.Duration // sections 1-2: pause before each sample (0: back to back)
	Starts          int           // section 1: workflow starts timed
	Creates         int           // section 3: plans created
	Starters        int           // sections 1, 3: concurrent starters
	Rate            int           // section 6: requests per second
	Concurrency     int           // section 6: concurrent clients
	Duration        time.Duration // section 6: per endpoint
	Idle            time.Duration // section 4: idle CPU window
	Settle          time.Duration // pause before measuring at rest
	SeedConcurrency int           // plans built at a time
	HistorySample   int           // section 4: plans whose histories are described
	// ReminderLead is the margin between the expected end of section 5's
	// setup and the reminders' instant; ReminderWait how long after the
	// instant (plus the spread window) to wait for every row.
	ReminderLead, ReminderWait time.Duration
	// Spread is section 5's reminder_policy.spread (a Go duration), when
	// the product has that setting; empty leaves the policy's default.
	Spread string
	// Only runs these sections (all when empty).
	Only []string
	// Tuning holds the fresh dev stack's settings (durability, worker
	// pollers, cache, activity slots, sticky timeout), so each can be
	// measured; everything else about the stack is the bench's.
	Tuning StackTuning
	// MemProfile is a file for a heap profile of the fresh stack at rest
	// (section 4, after the idle window); empty: none.
	MemProfile string

	// Progress receives a line per phase (nil: none); Log the stack's logs.
	Progress io.Writer
	Log      *slog.Logger
}

// StackTuning are the settings of a fresh dev stack a run can change
// (app.Config's fields of the same names; zero values are the defaults).
type StackTuning struct {
	Durability          string
	WorkerPollers       int
	WorkerCacheSize     int
	WorkerActivities    int
	WorkerStickyTimeout time.Duration
	// MemoryLimitMiB is the process's soft memory limit (set by the
	// caller, reported only; 0: none).
	MemoryLimitMiB int64
}

// DefaultConfig has the sizes.
func DefaultConfig() Config {
	return Config{
		Plans: 1000, Milestones: 5, Simultaneous: 1000, Samples: 500, Warmup: 20, Starts: 1000, Creates: 500, Starters: 8,
		Rate: 200, Concurrency: 16, Duration: 30 * time.Second, Idle: time.Minute, Settle: 10 * time.Second,
		SeedConcurrency: 16, HistorySample: 20, ReminderLead: 20 * time.Second, ReminderWait: 3 * time.Minute,
		Namespace: "default",
	}
}

// SmokeConfig has tiny sizes: every section runs, in seconds.
func SmokeConfig() Config {
	c := DefaultConfig()
	c.Plans, c.Milestones, c.Simultaneous, c.Samples, c.Warmup, c.Starts, c.Creates = 2, 2, 5, 5, 1, 16, 8
	c.Rate, c.Duration, c.Idle, c.Settle, c.HistorySample = 50, time.Second, time.Second, 500*time.Millisecond, 2
	c.ReminderLead, c.ReminderWait, c.Spread = 2*time.Second, 30*time.Second, "2s"
	return c
}

func (c *Config) check() error {
	for _, s := range c.Only {
		if !slices.Contains(Sections, s) {
			return fmt.Errorf("unknown section %q: use %s", s, strings.Join(Sections, ", "))
		}
	}
	if c.Commitments == 0 {
		c.Commitments = min(max(c.Milestones, 1), 5)
	}
	switch {
	case c.Commitments < 1 || c.Commitments > 5:
		return fmt.Errorf("--commitments %d: a plan has 1 to 5 commitments", c.Commitments)
	case c.Milestones < c.Commitments:
		return fmt.Errorf("--milestones %d: each of the %d commitments needs a milestone", c.Milestones, c.Commitments)
	case c.Plans < 1, c.Simultaneous < 1, c.Samples < 1, c.Starts < 1, c.Creates < 1, c.Starters < 1, c.Rate < 1, c.Concurrency < 1, c.SeedConcurrency < 1:
		return errors.New("sizes, rates and concurrencies must be at least 1")
	case c.Warmup < 0 || c.Pause < 0:
		return errors.New("--warmup and --pause must not be negative")
	case c.Duration <= 0:
		return errors.New("--duration must be positive")
	case c.URL != "" && c.AdminToken == "":
		return errors.New("a running stack (--url) needs an administrator's token (--admin-token)")
	case c.URL != "" && c.Temporal == "":
		return errors.New("a running stack (--url) needs its Temporal frontend (--temporal)")
	}
	if c.Spread != "" {
		if _, err := time.ParseDuration(c.Spread); err != nil {
			return fmt.Errorf("--spread: %w", err)
		}
	}
	return nil
}

func (c *Config) runs(section string) bool {
	return len(c.Only) == 0 || slices.Contains(c.Only, section)
}

// Report is everything measured.
type Report struct {
	Machine   Machine         `json:"machine"`
	Stack     string          `json:"stack"`
	Sizes     Sizes           `json:"sizes"`
	Started   string          `json:"started"`
	Seconds   float64         `json:"seconds"`
	Baseline  *BaselineReport `json:"baseline,omitempty"`
	Approval  *ApprovalReport `json:"approval,omitempty"`
	Creation  *CreationReport `json:"creation,omitempty"`
	Scale     *ScaleReport    `json:"scale,omitempty"`
	Reminders *ReminderReport `json:"reminders,omitempty"`
	Reads     *ReadsReport    `json:"reads,omitempty"`
	Targets   []TargetVerdict `json:"targets,omitempty"`
	Errors    []string        `json:"errors,omitempty"`
}

// Machine is where the bench ran.
type Machine struct {
	CPUs           int     `json:"cpus"`
	CPUModel       string  `json:"cpu_model,omitempty"`
	MemoryMB       float64 `json:"memory_mb,omitempty"`
	OS             string  `json:"os"`
	Go             string  `json:"go"`
	TemporalServer string  `json:"temporal_server,omitempty"`
	TemporalSDK    string  `json:"temporal_sdk,omitempty"`
}

// Sizes are the sizes the run used.
type Sizes struct {
	Plans        int     `json:"plans"`
	Milestones   int     `json:"milestones"`
	Commitments  int     `json:"commitments"`
	Simultaneous int     `json:"simultaneous"`
	Samples      int     `json:"samples"`
	Warmup       int     `json:"warmup"`
	PauseMs      float64 `json:"pause_ms"`
	Starts       int     `json:"starts"`
	Creates      int     `json:"creates"`
	Starters     int     `json:"starters"`
	Rate         int     `json:"rate"`
	Concurrency  int     `json:"concurrency"`
	Duration     float64 `json:"duration_seconds"`
	Idle         float64 `json:"idle_seconds"`
}

func machine() Machine {
	m := Machine{CPUs: runtime.NumCPU(), CPUModel: cpuModel(), MemoryMB: mb(memTotal()), OS: runtime.GOOS + "/" + runtime.GOARCH, Go: runtime.Version()}
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, d := range bi.Deps {
			v := d.Version
			if d.Replace != nil {
				v = d.Replace.Version
			}
			switch d.Path {
			case "go.temporal.io/server":
				m.TemporalServer = v
			case "go.temporal.io/sdk":
				m.TemporalSDK = v
			}
		}
	}
	return m
}

// bencher is one run.
type bencher struct {
	cfg        Config
	api        *api
	adminToken string
	tc         client.Client
	runID      int64
	self       *app.Stack
	dataDir    string
	db         *models.DB
	// readPlans are the plans built so far, for the read paths.
	readPlans []int64
}

func (b *bencher) progress(format string, args ...any) {
	if b.cfg.Progress != nil {
		fmt.Fprintf(b.cfg.Progress, "%s bench: %s\n", time.Now().Format("15:04:05"), fmt.Sprintf(format, args...))
	}
}

// Run measures and returns the report. A section that fails is recorded
// in Report.Errors and the sections after it still run, except when the
// stack cannot be started or reached.
func Run(ctx context.Context, cfg Config) (*Report, error) {
	if err := cfg.check(); err != nil {
		return nil, err
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	}
	b := &bencher{cfg: cfg, runID: time.Now().UnixNano()}
	started := time.Now()
	rep := &Report{Machine: machine(), Started: started.UTC().Format(time.RFC3339),
		Sizes: Sizes{Plans: cfg.Plans, Milestones: cfg.Milestones, Commitments: cfg.Commitments, Simultaneous: cfg.Simultaneous,
			Samples: cfg.Samples, Warmup: cfg.Warmup, PauseMs: ms(cfg.Pause), Starts: cfg.Starts, Creates: cfg.Creates, Starters: cfg.Starters, Rate: cfg.Rate,
			Concurrency: cfg.Concurrency, Duration: cfg.Duration.Seconds(), Idle: cfg.Idle.Seconds()}}
	stop, err := b.connect(ctx)
	if err != nil {
		return nil, err
	}
	defer stop()
	rep.Stack = b.describeStack()

	fail := func(section string, err error) {
		rep.Errors = append(rep.Errors, fmt.Sprintf("%s: %v", section, err))
		b.progress("%s failed: %v", section, err)
	}
	var c cast
	if cfg.runs("approval") || cfg.runs("creation") {
		if c, err = b.newCast(ctx, "approvals"); err != nil {
			return nil, err
		}
	}
	if cfg.runs("baseline") {
		if rep.Baseline, err = b.baseline(ctx); err != nil {
			fail("baseline", err)
		}
	}
	if cfg.runs("approval") && ctx.Err() == nil {
		if rep.Approval, err = b.approval(ctx, c, rep.Baseline); err != nil {
			fail("approval", err)
		}
	}
	if cfg.runs("creation") && ctx.Err() == nil {
		if rep.Creation, err = b.creation(ctx, c, rep.Baseline); err != nil {
			fail("creation", err)
		}
	}
	if cfg.runs("scale") && ctx.Err() == nil {
		sc, err := b.newCast(ctx, "scale")
		if err == nil {
			rep.Scale, err = b.scale(ctx, sc)
		}
		if err != nil {
			fail("scale", err)
		}
	}
	if cfg.runs("reminders") && ctx.Err() == nil {
		if rep.Reminders, err = b.reminders(ctx); err != nil {
			fail("reminders", err)
		}
	}
	if cfg.runs("reads") && ctx.Err() == nil {
		if len(b.readPlans) == 0 {
			b.readPlans, err = b.existingPlans(ctx)
		}
		if err == nil {
			rep.Reads, err = b.reads(ctx)
		}
		if err != nil {
			fail("reads", err)
		}
	}
	rep.Targets = verdicts(rep)
	rep.Seconds = round1(time.Since(started).Seconds())
	if ctx.Err() != nil {
		return rep, ctx.Err()
	}
	return rep, nil
}

// connect starts the dev stack or reaches the running one, and returns
// what stops it.
func (b *bencher) connect(ctx context.Context) (func(), error) {
	var stops []func()
	stop := func() {
		for i := len(stops) - 1; i >= 0; i-- {
			stops[i]()
		}
	}
	if b.cfg.URL == "" {
		dir, err := os.MkdirTemp("", "ogp-bench-")
		if err != nil {
			return nil, err
		}
		stops = append(stops, func() { _ = os.RemoveAll(dir) })
		token := make([]byte, 24)
		_, _ = rand.Read(token)
		b.adminToken = "ogp_bench_" + hex.EncodeToString(token)
		b.progress("starting a dev stack in %s", dir)
		t := b.cfg.Tuning
		cfg := app.Config{DataDir: dir, HTTPAddr: "127.0.0.1:0", AdminToken: b.adminToken, Out: io.Discard, Log: b.cfg.Log,
			Durability: t.Durability, WorkerPollers: t.WorkerPollers, WorkerCacheSize: t.WorkerCacheSize,
			WorkerActivities: t.WorkerActivities, WorkerStickyTimeout: t.WorkerStickyTimeout}
		var st *app.Stack
		for attempt := 0; ; attempt++ {
			if cfg.TemporalPort, err = devserver.FreePort(); err != nil {
				stop()
				return nil, err
			}
			st, err = app.StartDev(ctx, cfg)
			if err == nil || attempt == 3 || !strings.Contains(err.Error(), "port not available") {
				break
			}
		}
		if err != nil {
			stop()
			return nil, fmt.Errorf("start the dev stack: %w", err)
		}
		stops = append(stops, func() { st.Stop(context.Background()) })
		b.self, b.dataDir, b.db = st, dir, st.DB
		b.api = newAPI("http://" + st.HTTPAddr)
		b.cfg.Temporal, b.cfg.Namespace = st.TemporalAddress, "default"
	} else {
		b.adminToken = b.cfg.AdminToken
		b.api = newAPI(b.cfg.URL)
		b.dataDir = b.cfg.DataDir
		if b.cfg.DatabaseURL != "" {
			db, err := models.Open(ctx, b.cfg.DatabaseURL)
			if err != nil {
				return nil, fmt.Errorf("open the database: %w", err)
			}
			stops = append(stops, func() { _ = db.Close() })
			b.db = db
		}
		var me struct {
			IsAdmin bool `json:"is_admin"`
		}
		if err := b.api.do(ctx, b.adminToken, "GET", "/me", nil, &me, 200); err != nil {
			stop()
			return nil, fmt.Errorf("reach the stack: %w", err)
		}
		if !me.IsAdmin {
			stop()
			return nil, errors.New("--admin-token is not an administrator's token: the bench creates users")
		}
	}
	tc, err := client.DialContext(ctx, client.Options{HostPort: b.cfg.Temporal, Namespace: b.cfg.Namespace,
		Logger: sdklog.NewStructuredLogger(slog.New(warnOnly{b.cfg.Log.Handler()}))})
	if err != nil {
		stop()
		return nil, fmt.Errorf("connect to Temporal at %s: %w", b.cfg.Temporal, err)
	}
	stops = append(stops, tc.Close)
	b.tc = tc
	return stop, nil
}

func (b *bencher) describeStack() string {
	if b.self != nil {
		t := b.cfg.Tuning
		return fmt.Sprintf("fresh `ogp dev` stack started by the bench in this process (SQLite in %s, Temporal at %s, API at http://%s); "+
			"durability %s, worker pollers %s, cache %s, activities %s, sticky timeout %s, memory limit %s",
			b.dataDir, b.self.TemporalAddress, b.self.HTTPAddr, orDefault(t.Durability), orDefault(t.WorkerPollers),
			orDefault(t.WorkerCacheSize), orDefault(t.WorkerActivities), orDefault(t.WorkerStickyTimeout), memoryLimit(t.MemoryLimitMiB))
	}
	return fmt.Sprintf("running stack at %s (Temporal at %s, namespace %s)", b.cfg.URL, b.cfg.Temporal, b.cfg.Namespace)
}

// existingPlans lists up to 200 plans of a running stack, for the read
// paths when no section built any.
func (b *bencher) existingPlans(ctx context.Context) ([]int64, error) {
	var list struct {
		Items []struct {
			ID int64 `json:"id"`
		} `json:"items"`
	}
	if err := b.api.do(ctx, "", "GET", "/action-plans?per_page=200", nil, &list, 200); err != nil {
		return nil, err
	}
	var ids []int64
	for _, it := range list.Items {
		ids = append(ids, it.ID)
	}
	if len(ids) == 0 {
		return nil, errors.New("the stack has no plans to read")
	}
	return ids, nil
}

// warnOnly keeps the SDK's warnings and errors (it logs every poll at
// info).
type warnOnly struct{ slog.Handler }

func (h warnOnly) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= slog.LevelWarn && h.Handler.Enabled(ctx, l)
}
func (h warnOnly) WithAttrs(as []slog.Attr) slog.Handler { return warnOnly{h.Handler.WithAttrs(as)} }
func (h warnOnly) WithGroup(n string) slog.Handler       { return warnOnly{h.Handler.WithGroup(n)} }

// orDefault shows a setting as given, or "default" for its zero value.
func orDefault[T comparable](v T) string {
	var zero T
	if v == zero {
		return "default"
	}
	return fmt.Sprint(v)
}

// memoryLimit shows the soft memory limit, or "none".
func memoryLimit(mib int64) string {
	if mib <= 0 {
		return "none"
	}
	return fmt.Sprintf("%d MiB", mib)
}
