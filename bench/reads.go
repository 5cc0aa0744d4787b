package bench

// Section 6: the read paths at a fixed request rate. Requests are sent on
// a fixed schedule (open loop) by a bounded pool of clients; each
// latency runs from the request's scheduled time, so a server that falls
// behind is charged for the queue it causes (no coordinated omission).

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// ReadsReport is section 6.
type ReadsReport struct {
	Rate        int     `json:"rate_per_sec"`
	Concurrency int     `json:"concurrency"`
	Seconds     float64 `json:"seconds"`
	List        ReadRun `json:"list"`
	Detail      ReadRun `json:"detail"`
}

// ReadRun is one endpoint's run.
type ReadRun struct {
	Path     string  `json:"path"`
	Requests int     `json:"requests"`
	Errors   int     `json:"errors"`
	Achieved float64 `json:"achieved_per_sec"`
	Latency  Latency `json:"latency"`
	// FirstError is the first failure, for the reader to judge.
	FirstError string `json:"first_error,omitempty"`
}

func (b *bencher) reads(ctx context.Context) (*ReadsReport, error) {
	out := &ReadsReport{Rate: b.cfg.Rate, Concurrency: b.cfg.Concurrency, Seconds: b.cfg.Duration.Seconds()}
	list := func(int) string { return "/action-plans" }
	plans := b.readPlans
	if len(plans) == 0 {
		return nil, fmt.Errorf("reads: no plans to read")
	}
	detail := func(_ int) string { return planPath(plans[rand.IntN(len(plans))], "") } //nolint:gosec // which plan to read, not a secret
	var err error
	b.progress("reads: GET /action-plans at %d/s for %s", b.cfg.Rate, b.cfg.Duration)
	if out.List, err = b.readRun(ctx, "GET /api/v1/action-plans", list); err != nil {
		return nil, err
	}
	b.progress("reads: GET /action-plans/{id} at %d/s for %s over %d plans", b.cfg.Rate, b.cfg.Duration, len(plans))
	if out.Detail, err = b.readRun(ctx, fmt.Sprintf("GET /api/v1/action-plans/{id} (%d plans)", len(plans)), detail); err != nil {
		return nil, err
	}
	return out, nil
}

func (b *bencher) readRun(ctx context.Context, label string, path func(i int) string) (ReadRun, error) {
	// Warm-up, not recorded: connections, caches, the first queries.
	for i := range max(b.cfg.Warmup, b.cfg.Concurrency) {
		if _, err := b.api.get(ctx, path(i)); err != nil {
			return ReadRun{}, err
		}
	}
	interval := time.Second / time.Duration(b.cfg.Rate)
	type job struct {
		at time.Time
		i  int
	}
	jobs := make(chan job)
	var lat samples
	var errs atomic.Int64
	var firstErr atomic.Value
	var wg sync.WaitGroup
	for range b.cfg.Concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range jobs {
				status, err := b.api.get(ctx, path(j.i))
				lat.add(time.Since(j.at))
				if err == nil && status != http.StatusOK {
					err = fmt.Errorf("status %d", status)
				}
				if err != nil {
					errs.Add(1)
					firstErr.CompareAndSwap(nil, err.Error())
				}
			}
		}()
	}
	start := time.Now()
	end := start.Add(b.cfg.Duration)
	n := 0
	for {
		at := start.Add(time.Duration(n) * interval)
		if !at.Before(end) || ctx.Err() != nil {
			break
		}
		if d := time.Until(at); d > 0 {
			time.Sleep(d)
		}
		jobs <- job{at: at, i: n}
		n++
	}
	close(jobs)
	wg.Wait()
	elapsed := time.Since(start)
	r := ReadRun{Path: label, Requests: n, Errors: int(errs.Load()), Achieved: round1(float64(n) / elapsed.Seconds()), Latency: lat.summary()}
	if v, ok := firstErr.Load().(string); ok {
		r.FirstError = v
	}
	return r, ctx.Err()
}
