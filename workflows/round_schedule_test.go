package workflows

import (
	"context"
	"sync"
	"testing"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/workflow"

	"github.com/ogplocal/ogp"
)

// scheduledRounds fakes the OpenScheduledRound activity and the round
// workflow, remembering what was opened and when each round started.
type scheduledRounds struct {
	mu      sync.Mutex
	opened  []OpenScheduledRoundInput
	started map[int64]time.Time
	starts  []ogp.RoundStart
}

func (s *scheduledRounds) register(h *harness) {
	s.started = map[int64]time.Time{}
	h.env.RegisterActivityWithOptions(func(_ context.Context, in OpenScheduledRoundInput) (ogp.RoundStart, error) {
		s.mu.Lock()
		defer s.mu.Unlock()
		s.opened = append(s.opened, in)
		return ogp.RoundStart{RoundID: int64(100 + in.Index), PlanID: in.PlanID, Kind: in.Kind}, nil
	}, activity.RegisterOptions{Name: ActivityOpenScheduledRound})
	h.env.RegisterWorkflowWithOptions(func(ctx workflow.Context, in RoundInput) error {
		s.mu.Lock()
		defer s.mu.Unlock()
		s.started[in.Start.RoundID] = workflow.Now(ctx)
		s.starts = append(s.starts, *in.Start)
		return nil
	}, workflow.RegisterOptions{Name: ogp.WorkflowAssessmentRound})
}

// TestScheduledResultsRoundOpensOnTime: a results round scheduled on the
// last day of the period opens at 00:00 UTC that day, step 9 having been
// approved long before; a mid-term implementation round whose date comes
// after step 9 is over is skipped.
func TestScheduledResultsRoundOpensOnTime(t *testing.T) {
	h := newHarness(t)
	var rounds scheduledRounds
	rounds.register(h)
	h.env.RegisterWorkflowWithOptions(idleCommitment, workflow.RegisterOptions{Name: ogp.WorkflowCommitment})
	h.addApprovers()
	schedule := []ogp.ScheduledRound{{Kind: ogp.AssessImplementation, OpensOn: "2027-09-30"}, {Kind: ogp.AssessResults, OpensOn: "2028-06-30"}}
	h.reject(ogp.UpdateSetSettings, ogp.SetSettingsInput{RoundSchedule: []ogp.ScheduledRound{{Kind: ogp.AssessResults, OpensOn: "2028-07-01"}}, Actor: actor(coordinator)}, "date_outside_period")
	h.update(ogp.UpdateSetSettings, ogp.SetSettingsInput{RoundSchedule: schedule, Actor: actor(coordinator)})
	for n := 1; n <= 9; n++ {
		h.approveStep(n)
	}
	h.check(func(st ogp.PlanState) {
		if st.CurrentStep != 10 || len(st.RoundSchedule) != 2 || !st.RoundSchedule[0].Skipped || st.RoundSchedule[1].Opened {
			t.Errorf("after step 9: step %d, schedule %+v, want the implementation round skipped and the results round pending", st.CurrentStep, st.RoundSchedule)
		}
	})
	h.at = time.Date(2028, 6, 29, 23, 59, 0, 0, time.UTC).Sub(start)
	h.check(func(st ogp.PlanState) {
		if st.RoundSchedule[1].Opened {
			t.Errorf("results round opened before its day: %+v", st.RoundSchedule[1])
		}
	})
	h.at = time.Date(2028, 6, 30, 0, 0, 30, 0, time.UTC).Sub(start)
	h.check(func(st ogp.PlanState) {
		if r := st.RoundSchedule[1]; !r.Opened || r.RoundID != 101 {
			t.Errorf("results round at 00:00:30 on its day: %+v, want opened as round 101", r)
		}
	})
	// Opened entries must stay: clearing the schedule now is refused.
	h.reject(ogp.UpdateSetSettings, ogp.SetSettingsInput{RoundSchedule: []ogp.ScheduledRound{}, Actor: actor(coordinator)}, "scheduled_round_opened")
	h.cancelLater()
	_ = h.run(ActionPlanInput{Plan: ptr(newPlan())})

	rounds.mu.Lock()
	defer rounds.mu.Unlock()
	want := OpenScheduledRoundInput{PlanID: 1, Kind: ogp.AssessResults, Index: 1, Key: "plan-1/schedule-1/results/2028-06-30"}
	if len(rounds.opened) != 1 || rounds.opened[0] != want {
		t.Errorf("opened %+v, want only %+v", rounds.opened, want)
	}
	if at := rounds.started[101]; !at.Equal(time.Date(2028, 6, 30, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("round workflow started at %v, want 2028-06-30T00:00Z", at)
	}
	kinds := h.store.eventKinds()
	var opened, skipped int
	for _, k := range kinds {
		switch k {
		case ogp.EventRoundScheduledOpened:
			opened++
		case ogp.EventRoundScheduledSkipped:
			skipped++
		}
	}
	if opened != 1 || skipped != 1 {
		t.Errorf("events %v: %d opened, %d skipped, want 1 and 1", kinds, opened, skipped)
	}
}

// TestScheduledResultsRoundWaitsForStep9: a results round whose date
// comes while step 9 is still open waits, and opens as soon as step 9 is
// approved.
func TestScheduledResultsRoundWaitsForStep9(t *testing.T) {
	h := newHarness(t)
	var rounds scheduledRounds
	rounds.register(h)
	h.env.RegisterWorkflowWithOptions(idleCommitment, workflow.RegisterOptions{Name: ogp.WorkflowCommitment})
	h.addApprovers()
	h.update(ogp.UpdateSetSettings, ogp.SetSettingsInput{RoundSchedule: []ogp.ScheduledRound{{Kind: ogp.AssessResults, OpensOn: "2027-02-01"}}, Actor: actor(coordinator)})
	for n := 1; n <= 8; n++ {
		h.approveStep(n)
	}
	h.at = time.Date(2027, 3, 1, 0, 0, 0, 0, time.UTC).Sub(start)
	h.check(func(st ogp.PlanState) {
		if st.RoundSchedule[0].Opened {
			t.Errorf("results round opened during step 9: %+v", st.RoundSchedule[0])
		}
	})
	h.approveStep(9)
	h.check(func(st ogp.PlanState) {
		if !st.RoundSchedule[0].Opened {
			t.Errorf("results round not opened once step 9 was approved: %+v", st.RoundSchedule[0])
		}
	})
	h.cancelLater()
	_ = h.run(ActionPlanInput{Plan: ptr(newPlan())})
	rounds.mu.Lock()
	defer rounds.mu.Unlock()
	if len(rounds.starts) != 1 || rounds.starts[0].Kind != ogp.AssessResults {
		t.Errorf("round workflows started %+v, want one results round", rounds.starts)
	}
}
