package main

import (
	"errors"
	"fmt"
	"os"
	"runtime/pprof"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/ogplocal/ogp/app"
	"github.com/ogplocal/ogp/bench"
)

// newBenchCmd is `ogp bench`: the benchmark harness (package bench). It
// reads the root's flags for the running stack's admin token, namespace,
// database URL, data directory and logging.
func newBenchCmd(root *app.Config) *cobra.Command {
	cfg := bench.DefaultConfig()
	var asJSON, smoke bool
	var only, cpuProfile string
	cmd := &cobra.Command{
		Use:   "bench",
		Short: "Measure the product next to bare Temporal: latency, throughput, scale at rest, reminder lateness, reads",
		Long: `Measure the product next to bare Temporal on the same server, in the same run.

Without --url it starts a fresh dev stack (embedded Temporal on SQLite, the
worker and the API, in this process) in a temporary directory and removes it
afterwards. With --url it measures a running stack: give its Temporal frontend
(--temporal), an administrator's token (--admin-token), and for memory and CPU
its process (--pid), for its size its data directory (--data-dir) or database
(--database-url). The bench creates users and plans in it.

Sections (--only to pick): baseline, approval, creation, scale, reminders,
reads. --smoke uses tiny sizes (every section in seconds) for sizes not given.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if smoke {
				applySmoke(&cfg, cmd.Flags())
			}
			if cfg.URL == "" {
				// The fresh stack runs in this process: give it the limit
				// `ogp dev` would have (and report it).
				lim, err := app.ApplyMemoryLimit(root.MemoryLimit)
				if err != nil {
					return err
				}
				cfg.Tuning.MemoryLimitMiB = lim >> 20
			}
			if only != "" {
				cfg.Only = strings.Split(only, ",")
			}
			if cfg.URL != "" {
				cfg.AdminToken = root.AdminToken
				cfg.Namespace = root.TemporalNamespace
				if cfg.Temporal == "" {
					cfg.Temporal = root.TemporalAddress
				}
				if cmd.Flags().Changed("data-dir") {
					cfg.DataDir = root.DataDir
				}
				cfg.DatabaseURL = root.DatabaseURL
			}
			if cpuProfile != "" {
				// The fresh stack runs in this process, so the profile shows
				// where the server, the worker and the API spend their time.
				f, err := os.Create(cpuProfile) //nolint:gosec // the path the operator gave
				if err != nil {
					return err
				}
				defer func() { _ = f.Close() }()
				if err := pprof.StartCPUProfile(f); err != nil {
					return err
				}
				defer pprof.StopCPUProfile()
			}
			cfg.Tuning.Durability, cfg.Tuning.WorkerPollers, cfg.Tuning.WorkerCacheSize = root.Durability, root.WorkerPollers, root.WorkerCacheSize
			cfg.Tuning.WorkerActivities, cfg.Tuning.WorkerStickyTimeout = root.WorkerActivities, root.WorkerStickyTimeout
			cfg.Log = app.NewLogger(os.Stderr, logLevel(cmd, root.LogLevel), root.LogFormat)
			cfg.Progress = cmd.ErrOrStderr()
			rep, err := bench.Run(cmd.Context(), cfg)
			if rep == nil {
				return err
			}
			out := cmd.OutOrStdout()
			var werr error
			if asJSON {
				werr = rep.WriteJSON(out)
			} else {
				werr = rep.WriteTable(out)
			}
			if err == nil && len(rep.Errors) > 0 {
				err = fmt.Errorf("%d section(s) failed: %s", len(rep.Errors), strings.Join(rep.Errors, "; "))
			}
			return errors.Join(err, werr)
		},
	}
	f := cmd.Flags()
	f.StringVar(&cfg.URL, "url", "", "a running stack's base URL (http://host:8080); empty: start a fresh dev stack")
	f.StringVar(&cfg.Temporal, "temporal", "", "the running stack's Temporal frontend host:port (default --temporal-address)")
	f.IntVar(&cfg.PID, "pid", 0, "the running stack's process id, for its memory and CPU")
	f.BoolVar(&asJSON, "json", false, "print the report as JSON")
	f.BoolVar(&smoke, "smoke", false, "tiny sizes for every size not given")
	f.StringVar(&cfg.MemProfile, "memprofile", "", "write a heap profile of the fresh stack at rest (scale section) to this file")
	f.StringVar(&cpuProfile, "cpuprofile", "", "write a CPU profile of the run to this file (go tool pprof)")
	f.StringVar(&only, "only", "", "comma-separated sections to run: "+strings.Join(bench.Sections, ","))
	f.IntVar(&cfg.Plans, "plans", cfg.Plans, "scale: plans in implementation")
	f.IntVar(&cfg.Milestones, "milestones", cfg.Milestones, "scale: milestones per plan")
	f.IntVar(&cfg.Commitments, "commitments", 0, "scale: commitments per plan, 1-5 (default: min(milestones, 5))")
	f.IntVar(&cfg.Simultaneous, "simultaneous", cfg.Simultaneous, "reminders: milestones due at the same instant")
	f.IntVar(&cfg.Samples, "samples", cfg.Samples, "baseline, approval: samples per latency")
	f.IntVar(&cfg.Warmup, "warmup", cfg.Warmup, "warm-up iterations before each measurement, not recorded")
	f.DurationVar(&cfg.Pause, "pause", 0, "baseline, approval: pause before each sample (0: back to back)")
	f.IntVar(&cfg.Starts, "starts", cfg.Starts, "baseline: workflow starts timed")
	f.IntVar(&cfg.Creates, "creates", cfg.Creates, "creation: plans created")
	f.IntVar(&cfg.Starters, "starters", cfg.Starters, "baseline, creation: concurrent starters")
	f.IntVar(&cfg.Rate, "rate", cfg.Rate, "reads: requests per second")
	f.IntVar(&cfg.Concurrency, "concurrency", cfg.Concurrency, "reads: concurrent clients")
	f.DurationVar(&cfg.Duration, "duration", cfg.Duration, "reads: duration per endpoint")
	f.DurationVar(&cfg.Idle, "idle", cfg.Idle, "scale: idle CPU window (0: skip)")
	f.DurationVar(&cfg.Settle, "settle", cfg.Settle, "pause before measuring at rest")
	f.IntVar(&cfg.SeedConcurrency, "seed-concurrency", cfg.SeedConcurrency, "plans built at a time")
	f.IntVar(&cfg.HistorySample, "history-sample", cfg.HistorySample, "scale: plans whose workflow histories are described")
	f.DurationVar(&cfg.ReminderLead, "reminder-lead", cfg.ReminderLead, "reminders: margin between the expected end of setup and the instant")
	f.DurationVar(&cfg.ReminderWait, "reminder-wait", cfg.ReminderWait, "reminders: how long after the instant (and the spread) to wait for every row")
	f.StringVar(&cfg.Spread, "spread", "", "reminders: the policy's spread window (a Go duration; empty: the policy's default)")
	return cmd
}

// applySmoke gives every size flag not set on the command line its smoke
// value.
func applySmoke(cfg *bench.Config, flags *pflag.FlagSet) {
	s := bench.SmokeConfig()
	set := map[string]func(){
		"plans": func() { cfg.Plans = s.Plans }, "milestones": func() { cfg.Milestones = s.Milestones },
		"simultaneous": func() { cfg.Simultaneous = s.Simultaneous }, "samples": func() { cfg.Samples = s.Samples },
		"warmup": func() { cfg.Warmup = s.Warmup }, "starts": func() { cfg.Starts = s.Starts }, "creates": func() { cfg.Creates = s.Creates },
		"rate": func() { cfg.Rate = s.Rate }, "duration": func() { cfg.Duration = s.Duration }, "idle": func() { cfg.Idle = s.Idle },
		"settle": func() { cfg.Settle = s.Settle }, "history-sample": func() { cfg.HistorySample = s.HistorySample },
		"reminder-lead": func() { cfg.ReminderLead = s.ReminderLead }, "reminder-wait": func() { cfg.ReminderWait = s.ReminderWait },
		"spread": func() { cfg.Spread = s.Spread },
	}
	for name, apply := range set {
		if !flags.Changed(name) {
			apply()
		}
	}
}

// logLevel is the stack's log level: warn unless asked, as the bench's
// own output is the report.
func logLevel(cmd *cobra.Command, level string) string {
	if cmd.Flags().Changed("log-level") {
		return level
	}
	return "warn"
}
