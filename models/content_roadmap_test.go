package models_test

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"testing"

	"github.com/ogplocal/ogp"
	"github.com/ogplocal/ogp/models"
	"github.com/ogplocal/ogp/models/modelstest"
)

// roadmapPlan is a plan (2025-01-01 to 2026-12-31) whose projection can be
// moved to any step, as the workflow would.
type roadmapPlan struct {
	t       *testing.T
	db      *models.DB
	plan    models.ActionPlan
	coord   models.User
	version int64
}

func newRoadmapPlan(t *testing.T, db *models.DB, key string) *roadmapPlan {
	t.Helper()
	coord := mustUser(t, db, "coord-"+key)
	return &roadmapPlan{t: t, db: db, plan: mustPlan(t, db, coord, key), coord: coord}
}

// at projects the plan at step n with the given status, the steps before
// it approved.
func (r *roadmapPlan) at(n int, status string) {
	r.t.Helper()
	r.version++
	p := models.Projection{PlanID: r.plan.ID, Version: r.version, Status: models.PlanStatusCoCreation, CurrentStep: n,
		ReminderIntervalDays: 7, Members: []models.Membership{{UserID: r.coord.ID, Roles: models.RoleCoordinator, Sector: models.SectorGovernment}}}
	for i := 1; i <= models.StepCount; i++ {
		s := models.Step{Number: i, Key: string(ogp.Steps[i-1].Key), Status: models.StepStatusNotStarted}
		switch {
		case i < n:
			s.Status = models.StepStatusApproved
		case i == n:
			s.Status = status
		}
		p.Steps = append(p.Steps, s)
	}
	if err := r.db.ApplyProjection(context.Background(), p); err != nil {
		r.t.Fatalf("project step %d %s: %v", n, status, err)
	}
}

func roadmapEntry(step int) ogp.RoadmapEntry {
	return ogp.RoadmapEntry{Step: step, StartsOn: ogp.Date(fmt.Sprintf("2025-%02d-01", step)), EndsOn: ogp.Date(fmt.Sprintf("2025-%02d-28", step)),
		Responsible: fmt.Sprintf("Lead of step %d", step), Stakeholders: "The forum"}
}

func TestRoadmapStorage(t *testing.T) {
	modelstest.Each(t, func(t *testing.T, db *models.DB) {
		ctx := context.Background()
		r := newRoadmapPlan(t, db, "roadmap")
		r.at(1, models.StepStatusInProgress)
		if _, err := db.PutRoadmapEntry(ctx, r.plan.ID, roadmapEntry(3)); !errors.Is(err, models.ErrNotEditable) {
			t.Fatalf("put during step 1: %v, want not editable", err)
		}
		r.at(2, models.StepStatusInProgress)
		for n := 10; n >= 3; n-- {
			row, err := db.PutRoadmapEntry(ctx, r.plan.ID, roadmapEntry(n))
			if err != nil {
				t.Fatalf("put step %d: %v", n, err)
			}
			if row.PlanID != r.plan.ID || row.Step != n || row.Responsible != roadmapEntry(n).Responsible {
				t.Errorf("put step %d answered %+v", n, row)
			}
			assertUTC(t, "created_at", row.CreatedAt)
			assertUTC(t, "updated_at", row.UpdatedAt)
		}
		// Replacing keeps one entry per step and its creation time.
		first, _ := db.ListRoadmap(ctx, r.plan.ID)
		changed := roadmapEntry(5)
		changed.Responsible, changed.EndsOn = "Deputy mayor", "2025-06-30"
		row, err := db.PutRoadmapEntry(ctx, r.plan.ID, changed)
		if err != nil {
			t.Fatal(err)
		}
		if row.Responsible != "Deputy mayor" || row.EndsOn != "2025-06-30" || !row.CreatedAt.Equal(first[2].CreatedAt) || row.UpdatedAt.Before(first[2].UpdatedAt) {
			t.Errorf("replaced entry %+v (was %+v)", row, first[2])
		}
		rows, err := db.ListRoadmap(ctx, r.plan.ID)
		if err != nil || len(rows) != 8 {
			t.Fatalf("list: %d rows, %v", len(rows), err)
		}
		for i, row := range rows {
			if row.Step != i+3 {
				t.Errorf("row %d is step %d: not ordered by step", i, row.Step)
			}
		}
		c, err := db.LoadContent(ctx, r.plan.ID)
		if err != nil {
			t.Fatal(err)
		}
		want := []ogp.RoadmapEntry{}
		for _, row := range rows {
			want = append(want, row.Domain())
		}
		if !reflect.DeepEqual(c.Roadmap, want) || c.Roadmap[2] != changed {
			t.Errorf("loaded roadmap %+v, want %+v", c.Roadmap, want)
		}

		// The schema refuses what the domain would: defence in depth.
		if _, err := db.PutRoadmapEntry(ctx, r.plan.ID, ogp.RoadmapEntry{Step: 2, StartsOn: "2025-01-01", EndsOn: "2025-01-02", Responsible: "x", Stakeholders: "y"}); !errors.Is(err, models.ErrInvalid) {
			t.Errorf("entry for step 2: %v, want invalid", err)
		}
		if _, err := db.PutRoadmapEntry(ctx, r.plan.ID, ogp.RoadmapEntry{Step: 3, StartsOn: "soon", EndsOn: "2025-01-02", Responsible: "x", Stakeholders: "y"}); !errors.Is(err, models.ErrInvalid) {
			t.Errorf("malformed date: %v, want invalid", err)
		}

		// Deleting, twice: the second changes nothing.
		if deleted, err := db.DeleteRoadmapEntry(ctx, r.plan.ID, 4); err != nil || !deleted {
			t.Fatalf("delete: %v %v", deleted, err)
		}
		if deleted, err := db.DeleteRoadmapEntry(ctx, r.plan.ID, 4); err != nil || deleted {
			t.Fatalf("delete again: %v %v", deleted, err)
		}

		// The gate sees the missing entry; once it is back the content
		// is locked and snapshotted, and refuses changes.
		check := func(c ogp.Content) []ogp.Violation {
			return ogp.CheckStep(2, ogp.PlanContext{PlanID: r.plan.ID, StartsOn: "2025-01-01", EndsOn: "2026-12-31"}, c)
		}
		res, err := db.SubmitContent(ctx, r.plan.ID, 2, 1, check)
		if err != nil || len(res.Violations) != 1 || res.Violations[0].Code != "roadmap_entry_missing" || res.Violations[0].Item != "roadmap_step:4" {
			t.Fatalf("submit without step 4: %+v, %v", res.Violations, err)
		}
		if _, err := db.PutRoadmapEntry(ctx, r.plan.ID, roadmapEntry(4)); err != nil {
			t.Fatal(err)
		}
		res, err = db.SubmitContent(ctx, r.plan.ID, 2, 1, check)
		if err != nil || len(res.Violations) != 0 || res.Digest == "" || len(ogp.RoadmapDueDates(res.Content)) != 8 {
			t.Fatalf("submit: %+v, %v", res, err)
		}
		if _, err := db.PutRoadmapEntry(ctx, r.plan.ID, roadmapEntry(4)); !errors.Is(err, models.ErrNotEditable) {
			t.Errorf("put after submission: %v, want not editable", err)
		}
		if _, err := db.DeleteRoadmapEntry(ctx, r.plan.ID, 4); !errors.Is(err, models.ErrNotEditable) {
			t.Errorf("delete after submission: %v, want not editable", err)
		}
		snaps, err := db.StepSnapshots(ctx, r.plan.ID, 2)
		if err != nil || len(snaps) != 1 {
			t.Fatalf("snapshots %+v %v", snaps, err)
		}

		// Changes requested: editable again. Approved: final.
		r.at(2, models.StepStatusChangesRequested)
		if _, err := db.PutRoadmapEntry(ctx, r.plan.ID, roadmapEntry(4)); err != nil {
			t.Errorf("put with changes requested: %v", err)
		}
		r.at(3, models.StepStatusInProgress)
		if _, err := db.DeleteRoadmapEntry(ctx, r.plan.ID, 4); !errors.Is(err, models.ErrNotEditable) {
			t.Errorf("delete after approval: %v, want not editable", err)
		}

		// Another plan's roadmap is its own.
		other := newRoadmapPlan(t, db, "other")
		if rows, err := db.ListRoadmap(ctx, other.plan.ID); err != nil || len(rows) != 0 {
			t.Errorf("other plan's roadmap: %+v %v", rows, err)
		}
		// A deleted plan takes its roadmap with it.
		if err := db.DeletePlan(ctx, r.plan.ID); err != nil {
			t.Fatal(err)
		}
		if rows, err := db.ListRoadmap(ctx, r.plan.ID); err != nil || len(rows) != 0 {
			t.Errorf("roadmap of a deleted plan: %d rows, %v", len(rows), err)
		}
	})
}

func TestVisionStorage(t *testing.T) {
	modelstest.Each(t, func(t *testing.T, db *models.DB) {
		ctx := context.Background()
		r := newRoadmapPlan(t, db, "vision")
		if _, err := db.GetVision(ctx, r.plan.ID); !errors.Is(err, models.ErrNotFound) {
			t.Fatalf("no vision yet: %v, want not found", err)
		}
		if c, err := db.LoadContent(ctx, r.plan.ID); err != nil || c.Vision != nil {
			t.Fatalf("content without vision: %+v %v", c.Vision, err)
		}
		r.at(6, models.StepStatusInProgress)
		if _, err := db.PutVision(ctx, r.plan.ID, "Too early"); !errors.Is(err, models.ErrNotEditable) {
			t.Fatalf("put during step 6: %v, want not editable", err)
		}
		r.at(7, models.StepStatusInProgress)
		v, err := db.PutVision(ctx, r.plan.ID, "A city that decides in the open.")
		if err != nil || v.Text != "A city that decides in the open." || v.PlanID != r.plan.ID {
			t.Fatalf("put: %+v %v", v, err)
		}
		assertUTC(t, "created_at", v.CreatedAt)
		again, err := db.PutVision(ctx, r.plan.ID, "A city that decides in the open, with its residents.")
		if err != nil || !again.CreatedAt.Equal(v.CreatedAt) || again.UpdatedAt.Before(v.UpdatedAt) {
			t.Fatalf("replace: %+v %v", again, err)
		}
		got, err := db.GetVision(ctx, r.plan.ID)
		if err != nil || got.Text != again.Text {
			t.Fatalf("get: %+v %v", got, err)
		}
		assertUTC(t, "updated_at", got.UpdatedAt)
		c, err := db.LoadContent(ctx, r.plan.ID)
		if err != nil || c.Vision == nil || c.Vision.Text != again.Text {
			t.Fatalf("loaded vision %+v %v", c.Vision, err)
		}
		r.at(7, models.StepStatusAwaitingApproval)
		if _, err := db.PutVision(ctx, r.plan.ID, "Changed behind the approvers' backs"); !errors.Is(err, models.ErrNotEditable) {
			t.Errorf("put while awaiting approval: %v, want not editable", err)
		}
	})
}
