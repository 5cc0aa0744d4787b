package models_test

import (
	"context"
	"testing"
	"time"

	"github.com/ogplocal/ogp"
	"github.com/ogplocal/ogp/models"
	"github.com/ogplocal/ogp/models/modelstest"
)

// TestRetriedTaskReplacesPlanEvents: a workflow task that wrote its
// projection (a local activity) and then failed is run again, and may
// number its events otherwise; the trail ends as the history does, with
// no event twice and none lost (issue 8: a worker killed with -9).
func TestRetriedTaskReplacesPlanEvents(t *testing.T) {
	modelstest.Each(t, func(t *testing.T, db *models.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		v1 := f.projection(1, models.StepStatusInProgress, f.roster(true), f.event(1, "created"), f.event(2, "reminder_sent"))
		if err := db.ApplyProjection(ctx, v1); err != nil {
			t.Fatal(err)
		}
		// The retried task handled a due date change first, then the reminder.
		retried := f.projection(2, models.StepStatusInProgress, f.roster(true), f.event(1, "created"), f.event(2, "due_date_set"), f.event(3, "reminder_sent"))
		if err := db.ApplyProjection(ctx, retried); err != nil {
			t.Fatal(err)
		}
		events, total, err := db.ListEvents(ctx, f.plan.ID, 10, 0)
		if err != nil {
			t.Fatal(err)
		}
		var kinds []string
		for _, e := range events {
			kinds = append(kinds, e.Kind)
		}
		if total != 3 || len(kinds) != 3 || kinds[0] != "created" || kinds[1] != "due_date_set" || kinds[2] != "reminder_sent" {
			t.Errorf("events after the retried task: %v (total %d), want created, due_date_set, reminder_sent", kinds, total)
		}
		// The same projection once more (an activity retry) changes nothing.
		if err := db.ApplyProjection(ctx, retried); err != nil {
			t.Fatal(err)
		}
		if again, n, _ := db.ListEvents(ctx, f.plan.ID, 10, 0); n != 3 || again[1].Kind != "due_date_set" {
			t.Errorf("events after a repeated projection: %+v", again)
		}
	})
}

// TestRetriedTaskReplacesCommitmentEvents is the same for a commitment's
// trail: the reminder the failed task recorded as event 2 is event 3 in
// the history, after a progress report.
func TestRetriedTaskReplacesCommitmentEvents(t *testing.T) {
	modelstest.Each(t, func(t *testing.T, db *models.DB) {
		ctx := context.Background()
		r, c1, _ := implementationPlan(t, db, "retried")
		at := time.Date(2025, 7, 1, 9, 0, 0, 0, time.UTC)
		v := implementationState(c1, 1)
		v.PlanID = r.plan.ID
		started := ogp.Event{Seq: 1, Kind: "commitment_started", OccurredAt: at}
		reminder := func(seq int64, when time.Time) ogp.Event {
			return ogp.Event{Seq: seq, Kind: ogp.EventMilestoneReminder, Payload: map[string]any{"number": 1}, OccurredAt: when}
		}
		applyState(t, db, v, started, reminder(2, at.Add(time.Second)))
		v.Version = 2
		applyState(t, db, v, started, ogp.Event{Seq: 2, Kind: ogp.EventProgressReported, Payload: map[string]any{"percent": 40},
			OccurredAt: at.Add(10 * time.Second)}, reminder(3, at.Add(10*time.Second)))
		events, err := db.CommitmentEvents(ctx, c1.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(events) != 3 || events[1].Kind != ogp.EventProgressReported || events[2].Kind != ogp.EventMilestoneReminder ||
			!events[2].OccurredAt.Equal(at.Add(10*time.Second)) {
			t.Errorf("commitment events after the retried task: %+v", events)
		}
	})
}
