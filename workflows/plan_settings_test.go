package workflows

import (
	"sync"
	"testing"
	"time"

	"go.temporal.io/sdk/workflow"

	"github.com/ogplocal/ogp"
)

// TestReminderPolicyReachesCommitments sets a short reminder policy
// before validation: every commitment workflow started at step 8 runs with
// it, and once they run the policy cannot change any more.
func TestReminderPolicyReachesCommitments(t *testing.T) {
	h := newHarness(t)
	var (
		mu     sync.Mutex
		starts []ogp.CommitmentStart
	)
	capture := func(_ workflow.Context, in CommitmentInput) error {
		mu.Lock()
		defer mu.Unlock()
		if in.Start != nil {
			starts = append(starts, *in.Start)
		}
		return nil
	}
	h.env.RegisterWorkflowWithOptions(capture, workflow.RegisterOptions{Name: ogp.WorkflowCommitment})
	h.store.commitments = []ogp.Commitment{{ID: 51, Number: 1, Title: "Open budget"}, {ID: 52, Number: 2, Title: "Open contracts"}}
	short := ogp.ReminderPolicy{Before: []time.Duration{30 * time.Second}, OnDue: true, OverdueEvery: 2 * time.Minute, CoordinatorAfter: 1, ForumAfter: 3}
	h.addApprovers()
	// Only the policy: the step reminder interval stays as it was.
	h.update(ogp.UpdateSetSettings, ogp.SetSettingsInput{ReminderPolicy: &short, Actor: actor(coordinator)})
	h.reject(ogp.UpdateSetSettings, ogp.SetSettingsInput{ReminderPolicy: &ogp.ReminderPolicy{OverdueEvery: time.Second}, Actor: actor(coordinator)}, "invalid_reminder_policy")
	h.check(func(st ogp.PlanState) {
		if st.ReminderPolicy == nil || !st.ReminderPolicy.Equal(short) || st.ReminderIntervalDays != ogp.DefaultReminderIntervalDays {
			t.Errorf("after set_settings: policy %+v, interval %d", st.ReminderPolicy, st.ReminderIntervalDays)
		}
	})
	for n := 1; n <= 8; n++ {
		h.approveStep(n)
	}
	h.check(func(st ogp.PlanState) {
		if len(st.Commitments) != 2 {
			t.Errorf("after validation: commitments %+v", st.Commitments)
		}
	})
	h.reject(ogp.UpdateSetSettings, ogp.SetSettingsInput{ReminderPolicy: ptr(ogp.DefaultReminderPolicy()), Actor: actor(coordinator)}, "implementation_started")
	h.cancelLater()
	_ = h.run(ActionPlanInput{Plan: ptr(newPlan())})

	mu.Lock()
	defer mu.Unlock()
	if len(starts) != 2 {
		t.Fatalf("%d commitment workflows started, want 2", len(starts))
	}
	for _, s := range starts {
		if !s.Policy.Equal(short) {
			t.Errorf("commitment %d started with policy %+v, want the plan's %+v", s.Commitment.ID, s.Policy, short)
		}
	}
}

// TestDefaultReminderPolicyWithoutSetting: a plan that never chose a
// policy starts its commitments with the default.
func TestDefaultReminderPolicyWithoutSetting(t *testing.T) {
	h := newHarness(t)
	var (
		mu     sync.Mutex
		starts []ogp.CommitmentStart
	)
	h.env.RegisterWorkflowWithOptions(func(_ workflow.Context, in CommitmentInput) error {
		mu.Lock()
		defer mu.Unlock()
		starts = append(starts, *in.Start)
		return nil
	}, workflow.RegisterOptions{Name: ogp.WorkflowCommitment})
	h.store.commitments = []ogp.Commitment{{ID: 61, Number: 1, Title: "Open budget"}}
	h.addApprovers()
	for n := 1; n <= 8; n++ {
		h.approveStep(n)
	}
	h.cancelLater()
	_ = h.run(ActionPlanInput{Plan: ptr(newPlan())})
	mu.Lock()
	defer mu.Unlock()
	if len(starts) != 1 || !starts[0].Policy.Equal(ogp.DefaultReminderPolicy()) {
		t.Errorf("starts %+v, want one with the default policy", starts)
	}
}
