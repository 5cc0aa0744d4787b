package workflows

import (
	"context"
	"sync"
	"testing"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/converter"

	"github.com/ogplocal/ogp"
)

// TestRemindersAreRegularActivities: a new run writes the reminders a
// timer sends with a regular activity (local-writes version 2), so a
// reminder is in the history before anyone receives it; a workflow task
// that wrote one as a local activity and then failed could be run again
// later and send another, the first one never recorded (issue 8: found by
// the cluster test, a worker killed or PostgreSQL restarted mid-task).
// The writes that handlers wait for stay local.
func TestRemindersAreRegularActivities(t *testing.T) {
	h := newCommitmentHarness(t, cmStart, newCommitmentStore())
	var mu sync.Mutex
	regular, local := map[string]int{}, map[string]int{}
	h.env.SetOnActivityStartedListener(func(info *activity.Info, _ context.Context, _ converter.EncodedValues) {
		mu.Lock()
		defer mu.Unlock()
		regular[info.ActivityType.Name]++
	})
	h.env.SetOnLocalActivityStartedListener(func(info *activity.Info, _ context.Context, _ []interface{}) {
		mu.Lock()
		defer mu.Unlock()
		local[info.ActivityType.Name]++
	})
	// Two reminders of milestone 11 (14 and 3 days before 31 March), then
	// its completion, an update whose writes the caller waits for.
	h.on(date("2027-03-29"))
	h.update(ogp.UpdateCompleteMilestone, complete(11, cmResp))
	h.on(date("2027-12-18"))
	h.update(ogp.UpdateCompleteMilestone, complete(12, cmLead))
	h.expectClosed(ogp.CommitmentCompleted)
	if err := h.run(CommitmentInput{Start: commitmentStartInput(ogp.ReminderPolicy{})}); err != nil {
		t.Fatalf("workflow error: %v", err)
	}
	reminders := len(h.store.reminderLog())
	if reminders < 2 {
		t.Fatalf("%d reminders sent, want at least 2", reminders)
	}
	if regular[ActivityNotify] != reminders {
		t.Errorf("Notify as a regular activity %d times, want once per reminder (%d); local: %v", regular[ActivityNotify], reminders, local)
	}
	if local[ActivityProjectCommitment] == 0 || regular[ActivityProjectCommitment] != 0 {
		t.Errorf("projections: %d local, %d regular; want local only", local[ActivityProjectCommitment], regular[ActivityProjectCommitment])
	}
}
