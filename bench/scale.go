package bench

// Section 4: N plans in implementation at rest. The plans are built
// through the API (see seed.go), each with its commitments running as
// workflows, then left alone while memory, storage and idle CPU are
// measured, and a sample of workflow histories is described.

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"os"
	"runtime"
	"runtime/pprof"
	"time"

	"github.com/ogplocal/ogp"
)

// ScaleReport is section 4.
type ScaleReport struct {
	Plans              int `json:"plans"`
	CommitmentsPerPlan int `json:"commitments_per_plan"`
	MilestonesPerPlan  int `json:"milestones_per_plan"`
	// CommitmentWorkflows run one per commitment, each holding a durable
	// timer for its next milestone reminder.
	CommitmentWorkflows int      `json:"commitment_workflows"`
	Seed                SeedInfo `json:"seed"`
	// Memory is resident memory of the stack's process (this process when
	// the bench started the stack itself: the bench adds little to it).
	Memory   MemoryInfo   `json:"memory"`
	Database DatabaseSize `json:"database"`
	IdleCPU  *IdleCPU     `json:"idle_cpu,omitempty"`
	History  HistoryInfo  `json:"history"`
}

// SeedInfo says how the plans were built and how long it took.
type SeedInfo struct {
	Method       string  `json:"method"`
	Seconds      float64 `json:"seconds"`
	PlansPerSec  float64 `json:"plans_per_sec"`
	ContentCalls int64   `json:"content_calls"`
	Updates      int64   `json:"workflow_updates"`
	Concurrency  int     `json:"concurrency"`
}

// MemoryInfo is resident memory, in MB.
type MemoryInfo struct {
	Process       string  `json:"process"`
	RSSAfterSeed  float64 `json:"rss_after_seed_mb"`
	RSSAfterIdle  float64 `json:"rss_after_idle_mb,omitempty"`
	PeakRSS       float64 `json:"peak_rss_mb"`
	GoHeapInUse   float64 `json:"go_heap_in_use_mb,omitempty"`
	GoRuntimeSys  float64 `json:"go_runtime_sys_mb,omitempty"`
	Unavailable   string  `json:"unavailable,omitempty"`
	MachineMemory float64 `json:"machine_memory_mb,omitempty"`
}

// IdleCPU is the CPU the process used while nothing happened.
type IdleCPU struct {
	WindowSeconds float64 `json:"window_seconds"`
	CPUSeconds    float64 `json:"cpu_seconds"`
	// PercentOfOneCore is CPU time over wall time; PercentOfMachine
	// divides it by the cores.
	PercentOfOneCore float64 `json:"percent_of_one_core"`
	PercentOfMachine float64 `json:"percent_of_machine"`
}

// HistoryInfo describes a sample of workflow histories
// (DescribeWorkflowExecution: the current run's history length and size).
type HistoryInfo struct {
	SampledPlans       int     `json:"sampled_plans"`
	PlanEvents         float64 `json:"plan_workflow_events_avg"`
	PlanBytes          float64 `json:"plan_workflow_bytes_avg"`
	CommitmentEvents   float64 `json:"commitment_workflow_events_avg"`
	CommitmentBytes    float64 `json:"commitment_workflow_bytes_avg"`
	PerPlanEvents      float64 `json:"events_per_plan_avg"`
	PerPlanBytes       float64 `json:"bytes_per_plan_avg"`
	SampledCommitments int     `json:"sampled_commitments"`
}

func (b *bencher) scaleShape() planShape {
	m := b.cfg.Milestones
	return planShape{
		Commitments: b.cfg.Commitments,
		Milestones:  m,
		Title:       "Scale",
		// Every reminder of the default policy (14 and 3 days before) is
		// weeks away: nothing fires while the plans are at rest.
		MilestoneStart: func(int) string { return day(1) },
		MilestoneDue:   func(j int) string { return day(min(60+20*j, planEnd-11)) },
	}
}

func (b *bencher) scale(ctx context.Context, c cast) (*ScaleReport, error) {
	shape := b.scaleShape()
	s := &seeder{b: b, c: c, stats: &seedStats{}}
	n := b.cfg.Plans
	ids := make([]int64, n)
	b.progress("scale: seeding %d plans in implementation (%d commitments, %d milestones each), %d at a time",
		n, shape.Commitments, shape.Milestones, b.cfg.SeedConcurrency)
	t0 := time.Now()
	err := b.parallel(ctx, "scale: plans in implementation", n, b.cfg.SeedConcurrency, func(ctx context.Context, i int) error {
		id, err := s.createPlan(ctx, fmt.Sprintf("Bench scale %d", i+1))
		if err != nil {
			return err
		}
		ids[i] = id
		if err := s.through(ctx, id, 1, 8, shape); err != nil {
			return err
		}
		return s.waitImplementation(ctx, id, shape.Commitments, 2*time.Minute)
	})
	if err != nil {
		return nil, err
	}
	seedTime := time.Since(t0)
	b.readPlans = append(b.readPlans, ids...)
	out := &ScaleReport{Plans: n, CommitmentsPerPlan: shape.Commitments, MilestonesPerPlan: shape.Milestones,
		CommitmentWorkflows: n * shape.Commitments,
		Seed: SeedInfo{
			Method: "HTTP API, as a client: minimal valid content for steps 1-7, every submission and both approvals of steps 1-8 as workflow updates; " +
				"step 8's approval starts the commitment workflows",
			Seconds: round1(seedTime.Seconds()), PlansPerSec: round1(float64(n) / seedTime.Seconds()),
			ContentCalls: s.stats.content.Load(), Updates: s.stats.updates.Load(), Concurrency: b.cfg.SeedConcurrency,
		}}

	b.progress("scale: settling for %s", b.cfg.Settle)
	if err := sleep(ctx, b.cfg.Settle); err != nil {
		return nil, err
	}
	out.Memory.MachineMemory = mb(memTotal())
	if b.self != nil {
		out.Memory.Process = "this process: the whole ogp dev stack (embedded Temporal, worker, API) and the bench"
	} else if b.cfg.PID > 0 {
		out.Memory.Process = fmt.Sprintf("pid %d", b.cfg.PID)
	}
	pid := b.statPID()
	if pid >= 0 {
		rss, _, err := memory(pid)
		if err != nil {
			out.Memory.Unavailable = err.Error()
		}
		out.Memory.RSSAfterSeed = mb(rss)
	} else {
		out.Memory.Unavailable = "a running stack: give --pid to measure its process"
	}
	if out.Database, err = b.databaseSize(ctx, b.dataDir); err != nil {
		return nil, err
	}

	if pid >= 0 && b.cfg.Idle > 0 {
		b.progress("scale: idle CPU over %s", b.cfg.Idle)
		c0, err := cpuTime(pid)
		if err == nil {
			w0 := time.Now()
			if err := sleep(ctx, b.cfg.Idle); err != nil {
				return nil, err
			}
			c1, err2 := cpuTime(pid)
			wall := time.Since(w0)
			if err2 == nil {
				cpu := c1 - c0
				pct := 100 * cpu.Seconds() / wall.Seconds()
				out.IdleCPU = &IdleCPU{WindowSeconds: round1(wall.Seconds()), CPUSeconds: round2(cpu.Seconds()),
					PercentOfOneCore: round2(pct), PercentOfMachine: round2(pct / float64(runtime.NumCPU()))}
			}
		}
		if rss, hwm, err := memory(pid); err == nil {
			out.Memory.RSSAfterIdle, out.Memory.PeakRSS = mb(rss), mb(hwm)
		}
	} else if pid >= 0 {
		if _, hwm, err := memory(pid); err == nil {
			out.Memory.PeakRSS = mb(hwm)
		}
	}
	if b.self != nil {
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		out.Memory.GoHeapInUse, out.Memory.GoRuntimeSys = mb(int64(ms.HeapInuse)), mb(int64(ms.Sys))
		if b.cfg.MemProfile != "" {
			if err := writeHeapProfile(b.cfg.MemProfile); err != nil {
				return nil, err
			}
		}
	}

	b.progress("scale: describing workflow histories")
	if out.History, err = b.histories(ctx, ids[:min(len(ids), b.cfg.HistorySample)]); err != nil {
		return nil, err
	}
	return out, nil
}

// writeHeapProfile writes what the stack holds at rest (after a
// collection), for go tool pprof.
func writeHeapProfile(path string) error {
	f, err := os.Create(path) //nolint:gosec // the path the operator gave (--memprofile)
	if err != nil {
		return fmt.Errorf("memory profile: %w", err)
	}
	runtime.GC()
	if err := pprof.WriteHeapProfile(f); err != nil {
		_ = f.Close()
		return fmt.Errorf("memory profile: %w", err)
	}
	return f.Close()
}

// statPID is the process whose memory and CPU are measured: this one (0)
// when the bench started the stack, --pid otherwise, -1 when unknown.
func (b *bencher) statPID() int {
	if b.self != nil {
		return 0
	}
	if b.cfg.PID > 0 {
		return b.cfg.PID
	}
	return -1
}

func (b *bencher) histories(ctx context.Context, plans []int64) (HistoryInfo, error) {
	describe := func(id string) (events, bytes int64, err error) {
		resp, err := b.tc.DescribeWorkflowExecution(ctx, id, "")
		if err != nil {
			return 0, 0, fmt.Errorf("describe %s: %w", id, err)
		}
		info := resp.GetWorkflowExecutionInfo()
		return info.GetHistoryLength(), info.GetHistorySizeBytes(), nil
	}
	var h HistoryInfo
	var pe, pb, ce, cb int64
	for _, id := range plans {
		e, by, err := describe(ogp.ActionPlanWorkflowID(id))
		if err != nil {
			return h, err
		}
		pe, pb = pe+e, pb+by
		var list struct {
			Items []struct {
				ID int64 `json:"id"`
			} `json:"items"`
		}
		if err := b.api.do(ctx, "", http.MethodGet, planPath(id, "/commitments"), nil, &list, 200); err != nil {
			return h, err
		}
		for _, cm := range list.Items {
			e, by, err := describe(ogp.CommitmentWorkflowID(cm.ID))
			if err != nil {
				return h, err
			}
			ce, cb = ce+e, cb+by
			h.SampledCommitments++
		}
	}
	h.SampledPlans = len(plans)
	if h.SampledPlans > 0 {
		n := float64(h.SampledPlans)
		h.PlanEvents, h.PlanBytes = round1(float64(pe)/n), round1(float64(pb)/n)
		h.PerPlanEvents, h.PerPlanBytes = round1(float64(pe+ce)/n), round1(float64(pb+cb)/n)
	}
	if h.SampledCommitments > 0 {
		n := float64(h.SampledCommitments)
		h.CommitmentEvents, h.CommitmentBytes = round1(float64(ce)/n), round1(float64(cb)/n)
	}
	return h, nil
}

func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return nil
	}
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(d):
		return nil
	}
}

func round2(f float64) float64 { return math.Round(f*100) / 100 }
