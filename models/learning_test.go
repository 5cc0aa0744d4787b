package models_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/ogplocal/ogp"
	"github.com/ogplocal/ogp/models"
	"github.com/ogplocal/ogp/models/modelstest"
)

func learningPlanInput(suffix string) ogp.LearningPlan {
	return ogp.LearningPlan{Objectives: "Learn what worked " + suffix, AccountabilityRequirements: "Report to the council",
		DataCollection: "Surveys", DataStorage: "City servers", DataAnalysis: "The forum", DataSharing: "Open data portal",
		Participants: "Team, forum, monitoring body"}
}

func TestLearningPlanStorage(t *testing.T) {
	modelstest.Each(t, func(t *testing.T, db *models.DB) {
		ctx := context.Background()
		r := newRoadmapPlan(t, db, "learning")
		plan := r.plan.ID

		// Only step 10 in progress may record it.
		r.at(9, models.StepStatusInProgress)
		if err := db.SaveLearningPlan(ctx, plan, learningPlanInput("a")); !errors.Is(err, models.ErrNotEditable) {
			t.Fatalf("save during step 9: %v, want not editable", err)
		}
		if lp, err := db.LearningPlan(ctx, plan); err != nil || lp != nil {
			t.Fatalf("learning plan before any: %+v %v", lp, err)
		}
		c, err := db.LoadContent(ctx, plan)
		if err != nil || c.LearningPlan != nil || c.ResultsPublished {
			t.Fatalf("content before any: %+v %v", c.LearningPlan, err)
		}

		r.at(10, models.StepStatusInProgress)
		if err := db.SaveLearningPlan(ctx, plan, learningPlanInput("a")); err != nil {
			t.Fatalf("save: %v", err)
		}
		// Saving again replaces it (an upsert, not a second row).
		if err := db.SaveLearningPlan(ctx, plan, learningPlanInput("b")); err != nil {
			t.Fatalf("save again: %v", err)
		}
		lp, err := db.LearningPlan(ctx, plan)
		if err != nil || lp == nil || *lp != learningPlanInput("b") {
			t.Fatalf("learning plan: %+v %v", lp, err)
		}
		c, err = db.LoadContent(ctx, plan)
		if err != nil || c.LearningPlan == nil || *c.LearningPlan != learningPlanInput("b") || c.ResultsPublished {
			t.Fatalf("content: %+v published=%t %v", c.LearningPlan, c.ResultsPublished, err)
		}

		r.at(10, models.StepStatusAwaitingApproval)
		if err := db.SaveLearningPlan(ctx, plan, learningPlanInput("c")); !errors.Is(err, models.ErrNotEditable) {
			t.Fatalf("save while awaiting approval: %v, want not editable", err)
		}
	})
}

// roundState is a projected state of a round at version v and stage st.
func roundState(rec models.RoundRecord, kind ogp.AssessmentKind, v int64, st ogp.RoundStage) ogp.AssessmentRoundState {
	s := ogp.AssessmentRoundState{RoundStart: ogp.RoundStart{RoundID: rec.ID, PlanID: rec.PlanID, Kind: kind},
		WorkflowID: ogp.AssessmentRoundWorkflowID(rec.ID), Stage: st, Version: v,
		SelfAssessments: []ogp.SelfAssessment{}, Assessments: []ogp.CommitmentAssessment{}, Comments: []ogp.RoundComment{}}
	if st == ogp.StagePublished {
		at := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
		s.PublishedAt = &at
		s.ReportHash = fmt.Sprintf("report-%d", rec.ID)
	}
	return s
}

func TestRoundProjection(t *testing.T) {
	modelstest.Each(t, func(t *testing.T, db *models.DB) {
		ctx := context.Background()
		r, _, _ := implementationPlan(t, db, "rounds")
		plan := r.plan.ID
		rec, err := db.CreateRound(ctx, plan, ogp.AssessResults, r.coord.ID)
		if err != nil {
			t.Fatalf("create round: %v", err)
		}
		if rec.WorkflowID == nil || *rec.WorkflowID != ogp.AssessmentRoundWorkflowID(rec.ID) || rec.Stage != string(ogp.StageCollectingEvidence) {
			t.Fatalf("created round %+v", rec)
		}
		// Before any projection the round answers its row's facts.
		got, err := db.Round(ctx, plan, rec.ID)
		if err != nil {
			t.Fatal(err)
		}
		st, err := got.RoundState()
		if err != nil || st.RoundID != rec.ID || st.Kind != ogp.AssessResults || st.Stage != ogp.StageCollectingEvidence ||
			st.OpenedBy != r.coord.ID || st.Comments == nil {
			t.Fatalf("state before projection: %+v %v", st, err)
		}
		other := newRoadmapPlan(t, db, "rounds-other")
		if _, err := db.Round(ctx, other.plan.ID, rec.ID); !errors.Is(err, models.ErrNotFound) {
			t.Errorf("round of another plan: %v, want not found", err)
		}

		at := time.Date(2026, 2, 1, 9, 0, 0, 0, time.UTC)
		ev := func(seq int64, kind string) ogp.Event {
			return ogp.Event{Seq: seq, Kind: kind, ActorID: r.coord.ID, Payload: map[string]any{"n": seq}, OccurredAt: at.Add(time.Duration(seq) * time.Minute)}
		}
		v2 := roundState(rec, ogp.AssessResults, 2, ogp.StageAssessment)
		v2.EvidenceHash = "e2"
		if err := db.ApplyRoundProjection(ctx, v2, []ogp.Event{ev(1, "a"), ev(2, "b")}); err != nil {
			t.Fatalf("apply v2: %v", err)
		}
		// An older state does not overwrite a newer one; its events are
		// still recorded, each once.
		v1 := roundState(rec, ogp.AssessResults, 1, ogp.StageCollectingEvidence)
		if err := db.ApplyRoundProjection(ctx, v1, []ogp.Event{ev(1, "a"), ev(3, "c")}); err != nil {
			t.Fatalf("apply v1 late: %v", err)
		}
		// The same projection again is a no-op.
		if err := db.ApplyRoundProjection(ctx, v2, []ogp.Event{ev(1, "a"), ev(2, "b")}); err != nil {
			t.Fatalf("apply v2 again: %v", err)
		}
		got, _ = db.Round(ctx, plan, rec.ID)
		st, _ = got.RoundState()
		if got.StateVersion != 2 || got.Stage != string(ogp.StageAssessment) || got.EvidenceHash != "e2" || st.Version != 2 || st.Stage != ogp.StageAssessment {
			t.Errorf("after a late older projection: row %+v state %+v", got, st)
		}
		events, err := db.RoundEvents(ctx, rec.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(events) != 3 {
			t.Fatalf("events %+v, want 3", events)
		}
		for i, e := range events {
			if e.Seq != int64(i+1) || e.EventKey != fmt.Sprintf("%s/%d", ogp.AssessmentRoundWorkflowID(rec.ID), i+1) || e.PlanID != plan {
				t.Errorf("event %d: %+v", i, e)
			}
			assertUTC(t, "occurred_at", e.OccurredAt)
		}

		// Not published yet: step 10's gate does not see a results report.
		if c, _ := db.LoadContent(ctx, plan); c.ResultsPublished {
			t.Errorf("results published before publication")
		}
		// A published co-creation round is no results report.
		co, err := db.CreateRound(ctx, plan, ogp.AssessCoCreation, r.coord.ID)
		if err != nil {
			t.Fatal(err)
		}
		if err := db.ApplyRoundProjection(ctx, roundState(co, ogp.AssessCoCreation, 5, ogp.StagePublished), nil); err != nil {
			t.Fatal(err)
		}
		if c, _ := db.LoadContent(ctx, plan); c.ResultsPublished {
			t.Errorf("a published co-creation round counts as a results report")
		}
		pub := roundState(rec, ogp.AssessResults, 7, ogp.StagePublished)
		if err := db.ApplyRoundProjection(ctx, pub, []ogp.Event{ev(4, "published")}); err != nil {
			t.Fatalf("apply published: %v", err)
		}
		if c, _ := db.LoadContent(ctx, plan); !c.ResultsPublished {
			t.Errorf("results round published, but the content does not say so")
		}
		got, _ = db.Round(ctx, plan, rec.ID)
		if got.PublishedAt == nil || !got.PublishedAt.Equal(*pub.PublishedAt) || got.ReportHash != pub.ReportHash {
			t.Errorf("published row %+v", got)
		} else {
			assertUTC(t, "published_at", *got.PublishedAt)
		}
		rounds, err := db.Rounds(ctx, plan)
		if err != nil || len(rounds) != 2 || rounds[0].ID != rec.ID || rounds[1].ID != co.ID {
			t.Errorf("rounds %+v %v", rounds, err)
		}

		// Refusals.
		bad := roundState(rec, ogp.AssessResults, 0, ogp.StageAssessment)
		if err := db.ApplyRoundProjection(ctx, bad, nil); !errors.Is(err, models.ErrInvalid) {
			t.Errorf("version 0: %v, want invalid", err)
		}
		bad = roundState(rec, ogp.AssessResults, 9, ogp.StageAssessment)
		bad.RoundID = rec.ID + 1000
		if err := db.ApplyRoundProjection(ctx, bad, nil); !errors.Is(err, models.ErrNotFound) {
			t.Errorf("unknown round: %v, want not found", err)
		}
		bad = roundState(rec, ogp.AssessResults, 9, ogp.StageAssessment)
		bad.PlanID = other.plan.ID
		if err := db.ApplyRoundProjection(ctx, bad, nil); !errors.Is(err, models.ErrInvalid) {
			t.Errorf("round of another plan: %v, want invalid", err)
		}
	})
}

func TestCollectEvidence(t *testing.T) {
	modelstest.Each(t, func(t *testing.T, db *models.DB) {
		ctx := context.Background()
		r, _, _ := implementationPlan(t, db, "evidence")
		plan := r.plan.ID
		co, err := db.CreateRound(ctx, plan, ogp.AssessCoCreation, r.coord.ID)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.EvidenceSnapshot(ctx, co.ID); !errors.Is(err, models.ErrNotFound) {
			t.Errorf("snapshot before collection: %v, want not found", err)
		}
		hash, prefill, err := db.CollectEvidence(ctx, co.ID)
		if err != nil {
			t.Fatalf("collect: %v", err)
		}
		snap, err := db.EvidenceSnapshot(ctx, co.ID)
		if err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256([]byte(snap.Content))
		if snap.Hash != hash || hex.EncodeToString(sum[:]) != hash || len(hash) != 64 {
			t.Fatalf("hash %s, stored %s, sha256 of the stored bytes %x", hash, snap.Hash, sum)
		}
		assertUTC(t, "created_at", snap.CreatedAt)
		var ev models.Evidence
		if err := json.Unmarshal([]byte(snap.Content), &ev); err != nil {
			t.Fatalf("decode evidence: %v", err)
		}
		if ev.PlanID != plan || ev.RoundID != co.ID || ev.Kind != ogp.AssessCoCreation || len(ev.Steps) != models.StepCount ||
			ev.Plan.CurrentStep != 9 || ev.Implement == nil || len(ev.Content) == 0 {
			t.Errorf("evidence %+v", ev)
		}
		// The plan has no forum meeting, no awareness activity and no
		// approval of step 8 by civil society: the prefill says so, for
		// each of the four points, in report order.
		want := []struct{ key, rating string }{
			{models.ChecklistForumMet, "not_met"}, {models.ChecklistAwarenessDone, "not_met"},
			{models.ChecklistReasonedResponsesPublished, "met"}, {models.ChecklistCivilSocietyCoSigned, "not_met"},
		}
		if len(prefill) != len(want) {
			t.Fatalf("prefill %+v", prefill)
		}
		for i, w := range want {
			if prefill[i].Key != w.key || prefill[i].Rating != w.rating || !prefill[i].Prefilled || prefill[i].Note == "" {
				t.Errorf("prefill %d: %+v, want %s %s", i, prefill[i], w.key, w.rating)
			}
		}

		// Collected once: after the plan changes, a retry answers the same
		// hash and the stored bytes are untouched.
		r.at(10, models.StepStatusInProgress)
		if err := db.SaveLearningPlan(ctx, plan, learningPlanInput("later")); err != nil {
			t.Fatal(err)
		}
		hash2, prefill2, err := db.CollectEvidence(ctx, co.ID)
		if err != nil || hash2 != hash || len(prefill2) != len(prefill) {
			t.Fatalf("second collection: %s %+v %v, want %s", hash2, prefill2, err, hash)
		}
		snap2, err := db.EvidenceSnapshot(ctx, co.ID)
		if err != nil || snap2.Content != snap.Content || snap2.Hash != hash {
			t.Fatalf("snapshot changed after the data did: %v", err)
		}

		// A results round has no checklist; its own snapshot sees the
		// change.
		res, err := db.CreateRound(ctx, plan, ogp.AssessResults, r.coord.ID)
		if err != nil {
			t.Fatal(err)
		}
		hash3, prefill3, err := db.CollectEvidence(ctx, res.ID)
		if err != nil || prefill3 != nil || hash3 == hash {
			t.Fatalf("results collection: %s %+v %v", hash3, prefill3, err)
		}
		if _, _, err := db.CollectEvidence(ctx, res.ID+1000); !errors.Is(err, models.ErrNotFound) {
			t.Errorf("collect for an unknown round: %v, want not found", err)
		}
	})
}

// TestCreateScheduledRound: a scheduled round is recorded once per key,
// opened by no one, and starts from the plan as it stands.
func TestCreateScheduledRound(t *testing.T) {
	modelstest.Each(t, func(t *testing.T, db *models.DB) {
		ctx := context.Background()
		r, _, _ := implementationPlan(t, db, "scheduled")
		plan := r.plan.ID
		key := fmt.Sprintf("plan-%d/schedule-1/results/2027-06-30", plan)
		rec, err := db.CreateScheduledRound(ctx, plan, ogp.AssessResults, key)
		if err != nil || rec.OpenedBy != nil || rec.ScheduleKey == nil || *rec.ScheduleKey != key ||
			rec.WorkflowID == nil || *rec.WorkflowID != ogp.AssessmentRoundWorkflowID(rec.ID) {
			t.Fatalf("scheduled round %+v: %v", rec, err)
		}
		again, err := db.CreateScheduledRound(ctx, plan, ogp.AssessResults, key)
		if err != nil || again.ID != rec.ID {
			t.Fatalf("retry: round %d (%v), want the same round %d", again.ID, err, rec.ID)
		}
		if _, err := db.CreateScheduledRound(ctx, plan, ogp.AssessImplementation, key); !errors.Is(err, models.ErrInvalid) {
			t.Fatalf("same key, another kind: %v, want invalid", err)
		}
		other, err := db.CreateScheduledRound(ctx, plan, ogp.AssessResults, key+"x")
		if err != nil || other.ID == rec.ID {
			t.Fatalf("another key: %+v %v", other, err)
		}
		start, err := db.RoundStart(ctx, rec, [4]time.Duration{})
		if err != nil || start.RoundID != rec.ID || start.PlanID != plan || start.Kind != ogp.AssessResults || start.OpenedBy != 0 ||
			start.SelfAssessmentFor != models.DefaultRoundStageFor || start.ParentWorkflowID != ogp.ActionPlanWorkflowID(plan) || len(start.Members) == 0 {
			t.Fatalf("round start %+v: %v", start, err)
		}
		rounds, err := db.Rounds(ctx, plan)
		if err != nil || len(rounds) != 2 {
			t.Fatalf("rounds %+v: %v", rounds, err)
		}
	})
}
