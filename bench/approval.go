package bench

// Sections 2 and 3: the approval round trip and the plan creation rate,
// through HTTP like any client, each next to its bare-Temporal yardstick.

import (
	"context"
	"fmt"
	"net/http"
	"time"
)

// ApprovalReport is section 2.
type ApprovalReport struct {
	// Plans are the plans the samples took turns on (each at step 1,
	// awaiting approval before every sample).
	Plans int `json:"plans"`
	// Decision is POST .../steps/1/decisions (request_changes) by an
	// approver: authentication, the workflow update and its projection
	// write.
	Decision Latency `json:"decision"`
	// Resubmit is the coordinator's resubmission after each sample
	// (POST .../steps/1/submit, which also runs the step's content gate);
	// measured apart, not part of Decision.
	Resubmit Latency `json:"resubmit"`
	// RatioP50 and RatioP99 are Decision's over the bare update's.
	RatioP50 float64 `json:"ratio_p50_to_bare_update"`
	RatioP99 float64 `json:"ratio_p99_to_bare_update"`
}

func (b *bencher) approval(ctx context.Context, c cast, bare *BaselineReport) (*ApprovalReport, error) {
	s := &seeder{b: b, c: c, stats: &seedStats{}}
	nplans := max(1, min(4, b.cfg.Samples/25))
	plans := make([]int64, nplans)
	b.progress("approval: %d plans to step 1 awaiting approval", nplans)
	shape := planShape{}
	for i := range plans {
		id, err := s.createPlan(ctx, fmt.Sprintf("Bench approvals %d", i+1))
		if err != nil {
			return nil, err
		}
		if err := s.fill(ctx, id, 1, shape); err != nil {
			return nil, err
		}
		if err := s.submit(ctx, id, 1); err != nil {
			return nil, err
		}
		plans[i] = id
		b.readPlans = append(b.readPlans, id)
	}
	b.progress("approval: %d decisions (+%d warm-up), each followed by a resubmission", b.cfg.Samples, b.cfg.Warmup)
	var decisions, resubmits []time.Duration
	for i := range b.cfg.Warmup + b.cfg.Samples {
		id := plans[i%len(plans)]
		if err := sleep(ctx, b.cfg.Pause); err != nil {
			return nil, err
		}
		t0 := time.Now()
		err := b.api.do(ctx, c.Gov.Token, http.MethodPost, planPath(id, "/steps/1/decisions"), map[string]any{
			"decision": "request_changes", "comment": "Please add the district councils to the forum."}, nil, http.StatusOK)
		d := time.Since(t0)
		if err != nil {
			return nil, fmt.Errorf("approval sample %d: %w", i, err)
		}
		t1 := time.Now()
		if err := b.api.do(ctx, c.Coordinator.Token, http.MethodPost, planPath(id, "/steps/1/submit"),
			map[string]any{"summary": "The district councils have joined the forum."}, nil, http.StatusOK); err != nil {
			return nil, fmt.Errorf("approval sample %d: resubmit: %w", i, err)
		}
		r := time.Since(t1)
		if i >= b.cfg.Warmup {
			decisions = append(decisions, d)
			resubmits = append(resubmits, r)
		}
	}
	out := &ApprovalReport{Plans: nplans, Decision: summarise(decisions), Resubmit: summarise(resubmits)}
	if bare != nil {
		out.RatioP50 = ratio(out.Decision.P50Ms, bare.UpdateCompleted.P50Ms)
		out.RatioP99 = ratio(out.Decision.P99Ms, bare.UpdateCompleted.P99Ms)
	}
	return out, nil
}

// CreationReport is section 3.
type CreationReport struct {
	Created     int     `json:"created"`
	Concurrency int     `json:"concurrency"`
	PerSec      float64 `json:"per_sec"`
	// Latency is each POST /action-plans' round trip under that load.
	Latency Latency `json:"latency"`
	// Ratio is PerSec over the bare workflow starts per second.
	Ratio float64 `json:"ratio_to_bare_starts"`
}

func (b *bencher) creation(ctx context.Context, c cast, bare *BaselineReport) (*CreationReport, error) {
	create := func(i int) (int64, error) {
		var plan struct {
			ID int64 `json:"id"`
		}
		err := b.api.do(ctx, c.Coordinator.Token, http.MethodPost, "/action-plans", map[string]any{
			"title": fmt.Sprintf("Bench creation %d", i), "member": "City of Benchton",
			"starts_on": day(planStart), "ends_on": day(planEnd), "sector": "government"}, &plan, http.StatusCreated)
		return plan.ID, err
	}
	for i := range min(b.cfg.Warmup, 16) {
		if _, err := create(-1 - i); err != nil {
			return nil, fmt.Errorf("create a plan: %w", err)
		}
	}
	b.progress("creation: %d plans, %d concurrent", b.cfg.Creates, b.cfg.Starters)
	var lat samples
	ids := make([]int64, b.cfg.Creates)
	n, elapsed, err := concurrently(ctx, b.cfg.Creates, b.cfg.Starters, nil, func(_ context.Context, i int) error {
		t0 := time.Now()
		id, err := create(i)
		lat.add(time.Since(t0))
		ids[i] = id
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("create a plan: %w", err)
	}
	b.readPlans = append(b.readPlans, ids...)
	out := &CreationReport{Created: n, Concurrency: b.cfg.Starters, PerSec: round1(float64(n) / elapsed.Seconds()), Latency: lat.summary()}
	if bare != nil {
		out.Ratio = ratio(out.PerSec, bare.StartsPerSec)
	}
	return out, nil
}
