package bench

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"
)

// TargetVerdict is one of the targets and what was measured.
type TargetVerdict struct {
	Target   string `json:"target"`
	Measured string `json:"measured"`
	Met      bool   `json:"met"`
}

// verdicts checks the targets against what ran. They are meant
// for the full sizes; at other sizes they still say how the run fared.
func verdicts(r *Report) []TargetVerdict {
	var out []TargetVerdict
	add := func(target string, met bool, format string, args ...any) {
		out = append(out, TargetVerdict{Target: target, Measured: fmt.Sprintf(format, args...), Met: met})
	}
	if a := r.Approval; a != nil && r.Baseline != nil {
		add("approval round trip p50 within 1.3x of the bare update", a.RatioP50 <= 1.3, "%.2fx (%.2f ms vs %.2f ms)",
			a.RatioP50, a.Decision.P50Ms, r.Baseline.UpdateCompleted.P50Ms)
	}
	if a := r.Approval; a != nil {
		add("approval round trip p99 under 50 ms", a.Decision.P99Ms < 50, "%.2f ms", a.Decision.P99Ms)
	}
	if c := r.Creation; c != nil && r.Baseline != nil {
		add("plan creation at least 0.7x bare starts", c.Ratio >= 0.7, "%.2fx (%.1f/s vs %.1f/s)", c.Ratio, c.PerSec, r.Baseline.StartsPerSec)
	}
	if s := r.Scale; s != nil {
		label := fmt.Sprintf("%d plans x %d milestones at rest", s.Plans, s.MilestonesPerPlan)
		if rss := max(s.Memory.RSSAfterSeed, s.Memory.RSSAfterIdle); rss > 0 {
			add(label+": whole process under 1 GiB", rss < 1024, "%.0f MB resident (peak %.0f MB)", rss, s.Memory.PeakRSS)
		}
		if s.IdleCPU != nil {
			add(label+": under 5% CPU", s.IdleCPU.PercentOfOneCore < 5, "%.2f%% of one core (%.2f%% of the machine)",
				s.IdleCPU.PercentOfOneCore, s.IdleCPU.PercentOfMachine)
		}
	}
	if m := r.Reminders; m != nil {
		window := time.Duration(0)
		if m.Spread != "" {
			window, _ = time.ParseDuration(m.Spread)
		}
		limit := window + 5*time.Second
		add(fmt.Sprintf("%d simultaneous deadlines: every reminder within the spread window + 5 s (%s), none lost, none twice", m.Expected, limit),
			m.Lost == 0 && m.Duplicates == 0 && m.Written > 0 && m.DrainSeconds <= limit.Seconds(),
			"last written %.1f s after the instant, %d lost, %d twice", m.DrainSeconds, m.Lost, m.Duplicates)
	}
	if rd := r.Reads; rd != nil {
		for _, run := range []ReadRun{rd.List, rd.Detail} {
			add(fmt.Sprintf("%s p99 under 20 ms at %d/s", run.Path, rd.Rate), run.Latency.P99Ms < 20 && run.Errors == 0,
				"%.2f ms, %d errors, %.1f/s achieved", run.Latency.P99Ms, run.Errors, run.Achieved)
		}
	}
	return out
}

// WriteJSON writes the report as indented JSON.
func (r *Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// WriteTable writes the report for people.
func (r *Report) WriteTable(w io.Writer) error {
	p := func(format string, args ...any) { fmt.Fprintf(w, format+"\n", args...) }
	m := r.Machine
	p("OGP bench, %s (%.0f s)", r.Started, r.Seconds)
	p("stack:   %s", r.Stack)
	p("machine: %d CPUs (%s), %.1f GB, %s, %s, Temporal server %s, SDK %s", m.CPUs, orNA(m.CPUModel), m.MemoryMB/1024, m.OS, m.Go,
		orNA(m.TemporalServer), orNA(m.TemporalSDK))
	z := r.Sizes
	p("sizes:   --plans %d --milestones %d --commitments %d --simultaneous %d --samples %d (+%d warm-up, %gms pause before each) --starts %d --creates %d --starters %d --rate %d --concurrency %d --duration %gs --idle %gs",
		z.Plans, z.Milestones, z.Commitments, z.Simultaneous, z.Samples, z.Warmup, z.PauseMs, z.Starts, z.Creates, z.Starters, z.Rate, z.Concurrency, z.Duration, z.Idle)

	lat := func(rows ...any) {
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
		fmt.Fprintln(tw, "  \tn\tp50 ms\tp95 ms\tp99 ms\tmax ms\t")
		for i := 0; i+1 < len(rows); i += 2 {
			l := rows[i+1].(Latency)
			fmt.Fprintf(tw, "  %s\t%d\t%.2f\t%.2f\t%.2f\t%.2f\t\n", rows[i], l.N, l.P50Ms, l.P95Ms, l.P99Ms, l.MaxMs)
		}
		_ = tw.Flush() // the writer's errors surface on the next write to it
	}
	if b := r.Baseline; b != nil {
		p("\n1. Baseline: bare Temporal on the same server (no-op workflow, own task queue %s, own worker)", b.TaskQueue)
		lat("update (completed)", b.UpdateCompleted, "update (rejected)", b.UpdateRejected, "signal", b.Signal, "query", b.Query)
		p("  workflow starts: %d by %d concurrent starters: %.1f/s", b.Starts, b.Starters, b.StartsPerSec)
	}
	if a := r.Approval; a != nil {
		p("\n2. Approval round trip: POST /api/v1/action-plans/{id}/steps/1/decisions (request_changes; %d plans in turn)", a.Plans)
		lat("decision", a.Decision, "resubmit (apart)", a.Resubmit)
		p("  ratio to the bare update: p50 %.2fx, p99 %.2fx", a.RatioP50, a.RatioP99)
	}
	if c := r.Creation; c != nil {
		p("\n3. Plan creation: POST /api/v1/action-plans, %d concurrent", c.Concurrency)
		p("  %d plans: %.1f/s, %.2fx bare starts", c.Created, c.PerSec, c.Ratio)
		lat("each POST", c.Latency)
	}
	if s := r.Scale; s != nil {
		p("\n4. Scale at rest: %d plans in implementation, %d milestones each over %d commitments (%d commitment workflows, each with a timer for its next reminder)",
			s.Plans, s.MilestonesPerPlan, s.CommitmentsPerPlan, s.CommitmentWorkflows)
		p("  seeding: %.1f s (%.2f plans/s), %d content calls, %d workflow updates, %d plans at a time", s.Seed.Seconds, s.Seed.PlansPerSec,
			s.Seed.ContentCalls, s.Seed.Updates, s.Seed.Concurrency)
		p("    how: %s", s.Seed.Method)
		mem := s.Memory
		if mem.Unavailable != "" {
			p("  memory: unavailable (%s)", mem.Unavailable)
		} else {
			p("  memory: resident %.0f MB after seeding, %s after the idle window, peak %.0f MB (%s)", mem.RSSAfterSeed, mbOrNA(mem.RSSAfterIdle), mem.PeakRSS, mem.Process)
			if mem.GoHeapInUse > 0 {
				p("          Go heap in use %.0f MB, Go runtime total %.0f MB", mem.GoHeapInUse, mem.GoRuntimeSys)
			}
		}
		db := s.Database
		detail := fileList(db.Files)
		if db.Postgres > 0 {
			detail = strings.TrimPrefix(detail+fmt.Sprintf(", PostgreSQL %.1f MB", float64(db.Postgres)/(1<<20)), ", ")
		}
		p("  database: %.1f MB (%s)", db.TotalMB, orNA(detail))
		if c := s.IdleCPU; c != nil {
			p("  idle CPU: %.2f s over %.0f s: %.2f%% of one core, %.2f%% of the machine", c.CPUSeconds, c.WindowSeconds, c.PercentOfOneCore, c.PercentOfMachine)
		} else {
			p("  idle CPU: not measured")
		}
		h := s.History
		p("  history (%d plans, %d commitments described): plan workflow %.0f events, %.1f KB; commitment workflow %.0f events, %.1f KB; per plan in all %.0f events, %.1f KB",
			h.SampledPlans, h.SampledCommitments, h.PlanEvents, h.PlanBytes/1024, h.CommitmentEvents, h.CommitmentBytes/1024, h.PerPlanEvents, h.PerPlanBytes/1024)
	}
	if m := r.Reminders; m != nil {
		spread := "none"
		if m.Spread != "" {
			spread = m.Spread
		}
		p("\n5. Reminders: %d milestones due at the same instant (%s), in %d plans; spread window: %s", m.Expected, m.DueAt, m.Plans, spread)
		p("  setup %.1f s; every commitment running %.1f s before the instant", m.SetupSeconds, m.LeadSeconds)
		p("  written %d of %d, lost %d, twice %d (rows read from the %s)", m.Written, m.Expected, m.Lost, m.Duplicates, m.Source)
		if m.Spread != "" {
			p("  each milestone's own due time is the instant plus its offset in the window: offsets from %.1f s to %.1f s", m.OffsetsSeconds[0], m.OffsetsSeconds[1])
		}
		rows := []any{"row written (created_at - own due time)", m.Lateness}
		if m.FiredLateness != nil {
			rows = append(rows, "workflow fired (event - own due time)", *m.FiredLateness)
		}
		lat(rows...)
		p("  last row written %.1f s after the instant", m.DrainSeconds)
	}
	if rd := r.Reads; rd != nil {
		p("\n6. Read paths: %d requests/s on a fixed schedule, %d clients, %.0f s each (latency from each request's scheduled time)", rd.Rate, rd.Concurrency, rd.Seconds)
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
		fmt.Fprintln(tw, "  \tn\tp50 ms\tp95 ms\tp99 ms\tmax ms\terrors\tachieved/s\t")
		for _, run := range []ReadRun{rd.List, rd.Detail} {
			l := run.Latency
			fmt.Fprintf(tw, "  %s\t%d\t%.2f\t%.2f\t%.2f\t%.2f\t%d\t%.1f\t\n", run.Path, l.N, l.P50Ms, l.P95Ms, l.P99Ms, l.MaxMs, run.Errors, run.Achieved)
		}
		_ = tw.Flush() // the writer's errors surface on the next write to it
		for _, run := range []ReadRun{rd.List, rd.Detail} {
			if run.FirstError != "" {
				p("  first error of %s: %s", run.Path, run.FirstError)
			}
		}
	}
	if len(r.Targets) > 0 {
		p("\nTargets (issue 7; meant for the full sizes)")
		for _, t := range r.Targets {
			mark := "MISSED"
			if t.Met {
				mark = "met"
			}
			p("  [%s] %s: %s", mark, t.Target, t.Measured)
		}
	}
	for _, e := range r.Errors {
		p("\nERROR %s", e)
	}
	return nil
}

func orNA(s string) string {
	if s == "" {
		return "n/a"
	}
	return s
}

func mbOrNA(v float64) string {
	if v == 0 {
		return "n/a"
	}
	return fmt.Sprintf("%.0f MB", v)
}
