package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"
)

// TestSmoke runs every section of the harness with tiny sizes on a dev
// stack it starts itself, so the harness never rots. The figures are not
// checked (the machine running the tests is busy with other packages):
// only that each section measured what it says.
func TestSmoke(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a dev stack")
	}
	cfg := SmokeConfig()
	level := slog.LevelError
	if testing.Verbose() {
		cfg.Progress = os.Stderr
		level = slog.LevelWarn
	}
	cfg.Log = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	start := time.Now()
	rep, err := Run(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("smoke run: %s", time.Since(start).Round(time.Millisecond))
	if len(rep.Errors) > 0 {
		t.Fatalf("sections failed: %v", rep.Errors)
	}

	if b := rep.Baseline; b == nil {
		t.Error("no baseline")
	} else {
		for name, l := range map[string]Latency{"update": b.UpdateCompleted, "rejected update": b.UpdateRejected, "signal": b.Signal, "query": b.Query} {
			if l.N != cfg.Samples || l.P50Ms <= 0 || l.P50Ms > l.P99Ms || l.P99Ms > l.MaxMs {
				t.Errorf("baseline %s: %+v", name, l)
			}
		}
		if b.Starts != cfg.Starts || b.StartsPerSec <= 0 {
			t.Errorf("baseline starts: %d at %.1f/s", b.Starts, b.StartsPerSec)
		}
	}
	if a := rep.Approval; a == nil {
		t.Error("no approval section")
	} else if a.Decision.N != cfg.Samples || a.Resubmit.N != cfg.Samples || a.RatioP50 <= 0 {
		t.Errorf("approval: %+v", a)
	}
	if c := rep.Creation; c == nil {
		t.Error("no creation section")
	} else if c.Created != cfg.Creates || c.PerSec <= 0 || c.Ratio <= 0 {
		t.Errorf("creation: %+v", c)
	}
	if s := rep.Scale; s == nil {
		t.Error("no scale section")
	} else {
		if s.Plans != cfg.Plans || s.CommitmentWorkflows != cfg.Plans*min(cfg.Milestones, 5) || s.Seed.Updates == 0 {
			t.Errorf("scale: %+v", s)
		}
		// Memory and CPU come from /proc.
		if runtime.GOOS == "linux" && (s.Memory.RSSAfterSeed <= 0 || s.IdleCPU == nil) || s.Database.TotalMB <= 0 {
			t.Errorf("scale measurements: memory %+v, idle %+v, database %+v", s.Memory, s.IdleCPU, s.Database)
		}
		if h := s.History; h.SampledPlans == 0 || h.PlanEvents <= 0 || h.CommitmentEvents <= 0 || h.PerPlanBytes <= h.PlanBytes {
			t.Errorf("scale history: %+v", h)
		}
	}
	if m := rep.Reminders; m == nil {
		t.Error("no reminders section")
	} else {
		if m.Expected != cfg.Simultaneous || m.Written != m.Expected || m.Lost != 0 || m.Duplicates != 0 {
			t.Errorf("reminders: %d expected, %d written, %d lost, %d twice", m.Expected, m.Written, m.Lost, m.Duplicates)
		}
		if m.Lateness.N != m.Written || m.FiredLateness == nil || m.FiredLateness.N != m.Written {
			t.Errorf("reminders lateness: %+v, fired %+v", m.Lateness, m.FiredLateness)
		}
		if m.Spread != cfg.Spread {
			t.Errorf("reminders: spread %q, want %q as set", m.Spread, cfg.Spread)
		}
	}
	if r := rep.Reads; r == nil {
		t.Error("no reads section")
	} else {
		for _, run := range []ReadRun{r.List, r.Detail} {
			if run.Requests == 0 || run.Errors != 0 || run.Latency.N != run.Requests {
				t.Errorf("reads %s: %+v", run.Path, run)
			}
		}
	}

	var table bytes.Buffer
	if err := rep.WriteTable(&table); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"1. Baseline", "2. Approval", "3. Plan creation", "4. Scale", "5. Reminders", "6. Read paths", "Targets"} {
		if !strings.Contains(table.String(), want) {
			t.Errorf("the table lacks %q:\n%s", want, table.String())
		}
	}
	var js bytes.Buffer
	if err := rep.WriteJSON(&js); err != nil {
		t.Fatal(err)
	}
	var back Report
	if err := json.Unmarshal(js.Bytes(), &back); err != nil || back.Reminders == nil || back.Reads == nil {
		t.Errorf("the JSON does not read back: %v", err)
	}
	if testing.Verbose() {
		_, _ = io.Copy(os.Stdout, &table)
	}
}

func TestPercentiles(t *testing.T) {
	var ds []time.Duration
	for i := 1; i <= 100; i++ {
		ds = append(ds, time.Duration(101-i)*time.Millisecond)
	}
	l := summarise(ds)
	if l.N != 100 || l.P50Ms != 50 || l.P95Ms != 95 || l.P99Ms != 99 || l.MaxMs != 100 || l.MinMs != 1 || l.MeanMs != 50.5 {
		t.Errorf("summarise 1..100 ms: %+v", l)
	}
	if one := summarise([]time.Duration{3 * time.Millisecond}); one.P50Ms != 3 || one.P99Ms != 3 {
		t.Errorf("one sample: %+v", one)
	}
	if none := summarise(nil); none.N != 0 {
		t.Errorf("no sample: %+v", none)
	}
}

func TestConfigCheck(t *testing.T) {
	c := DefaultConfig()
	if err := c.check(); err != nil || c.Commitments != 5 {
		t.Fatalf("default config: %v, %d commitments", err, c.Commitments)
	}
	for name, mutate := range map[string]func(*Config){
		"unknown section":      func(c *Config) { c.Only = []string{"everything"} },
		"url without token":    func(c *Config) { c.URL = "http://localhost:8080"; c.Temporal = "localhost:7233" },
		"too many commitments": func(c *Config) { c.Commitments = 6 },
		"fewer milestones":     func(c *Config) { c.Commitments, c.Milestones = 3, 2 },
		"bad spread":           func(c *Config) { c.Spread = "soon" },
	} {
		c := DefaultConfig()
		mutate(&c)
		if err := c.check(); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}
