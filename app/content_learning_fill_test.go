package app_test

import (
	"fmt"
	"testing"
	"time"
)

// roundView is what the tests read of an assessment round.
type roundView struct {
	ID           int64  `json:"id"`
	Kind         string `json:"kind"`
	Stage        string `json:"stage"`
	EvidenceHash string `json:"evidence_hash"`
	ReportHash   string `json:"report_hash"`
	Commitments  []struct {
		CommitmentID int64   `json:"commitment_id"`
		LeadUserID   int64   `json:"lead_user_id"`
		Milestones   []int64 `json:"milestones"`
	} `json:"commitments"`
	Assessments []struct {
		CommitmentID int64 `json:"commitment_id"`
	} `json:"assessments"`
	Checklist []struct {
		Key       string `json:"key"`
		Rating    string `json:"rating"`
		Note      string `json:"note"`
		Prefilled bool   `json:"prefilled"`
	} `json:"checklist"`
	Comments []struct {
		Seq    int    `json:"seq"`
		Name   string `json:"name"`
		Text   string `json:"text"`
		Answer string `json:"answer"`
	} `json:"comments"`
	Summary     string  `json:"summary"`
	PublishedAt *string `json:"published_at"`
	Version     int64   `json:"version"`
}

// monitor is the client of the plan's monitoring-body member, created by
// the step 1 filler.
func (p people) monitor(t *testing.T, planID int64) *client {
	t.Helper()
	tok := monitorToken(p.coordinator.base, planID)
	if tok == "" {
		t.Fatalf("plan %d has no monitoring-body member known to the tests (step 1 not filled by fillTeamForumMonitoring)", planID)
	}
	return p.coordinator.as(tok)
}

// waitRound polls the round (publicly) until ok says so.
func waitRound(t *testing.T, c *client, planID, roundID int64, what string, ok func(roundView) bool) roundView {
	t.Helper()
	path := fmt.Sprintf("/api/v1/action-plans/%d/assessment-rounds/%d", planID, roundID)
	deadline := time.Now().Add(60 * time.Second)
	for {
		var r roundView
		c.as("").do("GET", path, nil, 200, &r)
		if ok(r) {
			return r
		}
		if time.Now().After(deadline) {
			t.Fatalf("round %d: waited in vain for %s (stage %s, version %d)", roundID, what, r.Stage, r.Version)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func stageIs(stage string) func(roundView) bool {
	return func(r roundView) bool { return r.Stage == stage }
}

// openRound opens a round of the given kind as the monitoring body, with
// short stages (self-assessment of 2 seconds, comments for commentFor),
// and waits for the assessment stage.
func openRound(t *testing.T, mb *client, planID int64, kind, commentFor string) roundView {
	t.Helper()
	var r roundView
	mb.do("POST", fmt.Sprintf("/api/v1/action-plans/%d/assessment-rounds", planID), map[string]any{
		"kind": kind, "self_assessment_for": "2s", "assessment_for": "1h", "comment_for": commentFor, "finalising_for": "1h"}, 201, &r)
	if r.ID == 0 || r.Kind != kind || r.Stage != "collecting_evidence" {
		t.Fatalf("opened round %+v", r)
	}
	return waitRound(t, mb, planID, r.ID, "the assessment stage", stageIs("assessment"))
}

// assessAll records an assessment of every commitment of the round, every
// milestone's evidence accepted.
func assessAll(t *testing.T, mb *client, planID int64, r roundView) roundView {
	t.Helper()
	base := fmt.Sprintf("/api/v1/action-plans/%d/assessment-rounds/%d", planID, r.ID)
	var out roundView
	for _, cm := range r.Commitments {
		verdicts := []map[string]any{}
		for _, m := range cm.Milestones {
			verdicts = append(verdicts, map[string]any{"milestone_id": m, "verdict": "accepted", "note": "Evidence checked online."})
		}
		body := map[string]any{"commitment_id": cm.CommitmentID, "completion": "completed", "impact": "moderate",
			"relevance": []map[string]any{
				{"value": "transparency", "relevant": true, "note": "Publishes what was closed."},
				{"value": "participation", "relevant": true, "note": "Residents took part."},
				{"value": "accountability", "relevant": false, "note": "No new redress."},
			},
			"milestones": verdicts, "recommendations": "Keep the data current and say who answers for it."}
		if r.Kind == "results" {
			body["opened_government"] = "major"
		}
		mb.do("POST", base+"/assessments", body, 200, &out)
	}
	return out
}

// publishRound takes a round in its assessment stage, everything
// assessed, to a published report: the draft, the end of the comment
// period (answering comments is the caller's business before), the
// finalisation.
func publishRound(t *testing.T, mb *client, planID, roundID int64, beforeFinalise func(roundView)) roundView {
	t.Helper()
	base := fmt.Sprintf("/api/v1/action-plans/%d/assessment-rounds/%d", planID, roundID)
	var r roundView
	mb.do("POST", base+"/draft", map[string]any{"summary": "The plan was co-created in the open and delivered what it promised."}, 200, &r)
	if r.Stage != "public_comment" {
		t.Fatalf("after the draft the round is %s", r.Stage)
	}
	if beforeFinalise != nil {
		beforeFinalise(r)
	}
	waitRound(t, mb, planID, roundID, "the end of the comment period", stageIs("finalising"))
	mb.do("POST", base+"/finalise", map[string]any{}, 200, &r)
	if r.Stage != "published" || r.ReportHash == "" || r.PublishedAt == nil {
		t.Fatalf("finalised round %+v", r)
	}
	return waitRound(t, mb, planID, roundID, "publication", stageIs("published"))
}

// fillLearning records step 10: the learning plan (as the coordinator)
// and a results round run to publication by the monitoring body.
func (p people) fillLearning(t *testing.T, planID int64) {
	t.Helper()
	base := fmt.Sprintf("/api/v1/action-plans/%d", planID)
	p.coordinator.do("PUT", base+"/learning-plan", map[string]any{
		"objectives":                  "Learn whether opening the budget and procurement data changed how residents hold the city to account.",
		"accountability_requirements": "The coordinator reports to the city council and the forum twice a year.",
		"data_collection":             "Portal usage statistics, a yearly resident survey and the forum's minutes.",
		"data_storage":                "On the city's servers in the EU, anonymised, kept five years.",
		"data_analysis":               "The monitoring body and the forum analyse the data together each year.",
		"data_sharing":                "Published as open data on the city's portal and presented to the forum.",
		"participants":                "The team, the forum, Vouliwatch as monitoring body, and residents through the survey.",
	}, 200, nil)
	mb := p.monitor(t, planID)
	r := openRound(t, mb, planID, "results", "2s")
	assessAll(t, mb, planID, r)
	publishRound(t, mb, planID, r.ID, nil)
}
