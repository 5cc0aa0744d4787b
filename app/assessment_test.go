package app_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"github.com/ogplocal/ogp"
	"strings"
	"testing"
	"time"

	"github.com/ogplocal/ogp/models/modelstest"
)

// TestAssessmentRoundsSQLite takes a plan from step 8's approval through a
// published co-creation round, the implementation, a published results
// round and a completed plan, over HTTP, with the refusals on the way.
func TestAssessmentRoundsSQLite(t *testing.T) {
	t.Parallel()
	assessmentScenario(t, "")
}

// TestAssessmentRoundsPostgres is the same on PostgreSQL.
func TestAssessmentRoundsPostgres(t *testing.T) {
	t.Parallel()
	assessmentScenario(t, modelstest.PostgresURL(t))
}

func assessmentScenario(t *testing.T, databaseURL string) {
	st := startDev(t, stackConfig(t, t.TempDir(), databaseURL))
	defer st.Stop(context.Background())
	admin := newClient(t, st, adminToken)
	anon := admin.as("")
	p := cast(t, admin)
	id := p.createPlan(t, time.Now().UTC().AddDate(-1, 0, 0).Format(time.DateOnly))
	base := fmt.Sprintf("/api/v1/action-plans/%d", id)
	rounds := base + "/assessment-rounds"
	open := func(kind string) map[string]any { return map[string]any{"kind": kind} }

	for n := 1; n <= 7; n++ {
		p.approve(t, id, n)
	}
	mb := p.monitor(t, id)
	// Before validation is approved there is no process to assess.
	mb.problem("POST", rounds, open("co_creation"), 409, "round_not_allowed")
	p.approve(t, id, 8)

	// Refusals: not the monitoring body, a bad kind, a results round
	// before step 9 is approved, an unknown round, a learning plan
	// before step 10.
	p.coordinator.problem("POST", rounds, open("co_creation"), 403, "not_monitoring_body")
	p.gov.problem("POST", rounds, open("co_creation"), 403, "not_monitoring_body")
	mb.problem("POST", rounds, open("results"), 409, "round_not_allowed")
	mb.problem("POST", rounds, open("mid_term"), 422, "invalid_kind")
	mb.problem("POST", rounds, map[string]any{"kind": "co_creation", "comment_for": "forever"}, 422, "invalid_duration")
	anon.problem("GET", rounds+"/424242", nil, 404, "unknown_round")
	p.coordinator.problem("PUT", base+"/learning-plan", map[string]any{"objectives": "o", "accountability_requirements": "a",
		"data_collection": "c", "data_storage": "s", "data_analysis": "a", "data_sharing": "s", "participants": "p"}, 409, "step_content_locked")

	// The co-creation round: the checklist comes pre-filled from the
	// evidence (the forum met, civil society co-signed step 8).
	r := openRound(t, mb, id, "co_creation", "4s")
	one := fmt.Sprintf("%s/%d", rounds, r.ID)
	if len(r.Checklist) != 4 || r.EvidenceHash == "" {
		t.Fatalf("co-creation round after evidence: %+v", r)
	}
	for _, it := range r.Checklist {
		if !it.Prefilled || it.Note == "" {
			t.Errorf("checklist item not pre-filled: %+v", it)
		}
		if (it.Key == "forum_met" || it.Key == "civil_society_co_signed") && it.Rating != "met" {
			t.Errorf("checklist %s rated %s from the evidence, want met", it.Key, it.Rating)
		}
	}
	anon.problem("GET", one+"/report", nil, 404, "report_not_published")
	p.coordinator.problem("POST", one+"/checklist", map[string]any{"items": []map[string]any{
		{"key": "awareness_done", "rating": "partly_met"}}}, 403, "not_monitoring_body")
	var after roundView
	mb.do("POST", one+"/checklist", map[string]any{"items": []map[string]any{
		{"key": "awareness_done", "rating": "partly_met", "note": "Two activities, both in the city centre."}}}, 200, &after)
	for _, it := range after.Checklist {
		if it.Key == "awareness_done" && (it.Prefilled || it.Rating != "partly_met") {
			t.Errorf("overridden checklist item %+v", it)
		}
	}
	// Publishing the draft before every commitment is assessed is refused.
	mb.problem("POST", one+"/draft", map[string]any{"summary": "Too early"}, 422, "assessment_incomplete")
	assessAll(t, mb, id, r)
	published := publishRound(t, mb, id, r.ID, func(_ roundView) {
		// Anyone comments on the draft, without an account; the monitoring
		// body answers.
		var c roundView
		anon.do("POST", one+"/comments", map[string]any{"name": "A resident", "text": "Were the awareness activities accessible?"}, 200, &c)
		if len(c.Comments) != 1 || c.Comments[0].Seq != 1 {
			t.Fatalf("comments after one: %+v", c.Comments)
		}
		anon.problem("POST", one+"/comments", map[string]any{"text": ""}, 422, "text_required")
		p.coordinator.problem("POST", one+"/comments/1/answer", map[string]any{"answer": "x"}, 403, "not_monitoring_body")
		mb.do("POST", one+"/comments/1/answer", map[string]any{"answer": "Both were step-free; we recommend one per district next time."}, 200, &c)
		if c.Comments[0].Answer == "" {
			t.Errorf("answer not recorded: %+v", c.Comments)
		}
	})
	if databaseURL == "" {
		recordHistory(t, st, ogp.AssessmentRoundWorkflowID(r.ID))
	}
	if len(published.Comments) != 1 || published.Comments[0].Answer == "" || published.ReportHash == "" {
		t.Errorf("published round %+v", published)
	}

	// The report, for people and machines, states the evidence hash; the
	// evidence served hashes to it.
	md := string(anon.do("GET", one+"/report", nil, 200, nil, "Accept", "text/markdown"))
	for _, want := range []string{published.EvidenceHash, published.ReportHash, "Final report", "A resident", "forum_met"} {
		if !strings.Contains(md, want) {
			t.Errorf("markdown report lacks %q:\n%s", want, md)
		}
	}
	html := string(anon.do("GET", one+"/report", nil, 200, nil, "Accept", "text/html"))
	if !strings.Contains(html, "<h1>") || !strings.Contains(html, published.EvidenceHash) || !strings.Contains(html, published.ReportHash) {
		t.Errorf("html report:\n%s", html)
	}
	rows, err := csv.NewReader(bytes.NewReader(anon.do("GET", one+"/report", nil, 200, nil, "Accept", "text/csv"))).ReadAll()
	if err != nil || len(rows) != len(r.Commitments)+1 || rows[0][0] != "round_id" {
		t.Errorf("csv report: %v %v", rows, err)
	} else {
		for _, row := range rows[1:] {
			if row[4] != "completed" || row[len(row)-2] != published.EvidenceHash || row[len(row)-1] != published.ReportHash {
				t.Errorf("csv row %v", row)
			}
		}
	}
	var rj struct {
		Final  bool      `json:"final"`
		Round  roundView `json:"round"`
		Digest string    `json:"digest"`
	}
	anon.do("GET", one+"/report.json", nil, 200, &rj)
	if !rj.Final || rj.Round.ReportHash != published.ReportHash || rj.Round.EvidenceHash != published.EvidenceHash || len(rj.Digest) != 64 {
		t.Errorf("report.json %+v", rj)
	}
	var ev struct {
		RoundID  int64           `json:"round_id"`
		Hash     string          `json:"hash"`
		Evidence json.RawMessage `json:"evidence"`
	}
	anon.do("GET", one+"/evidence", nil, 200, &ev)
	sum := sha256.Sum256(ev.Evidence)
	if ev.Hash != published.EvidenceHash || hex.EncodeToString(sum[:]) != ev.Hash {
		t.Errorf("evidence hash %s, round says %s, sha256 of the served bytes %x", ev.Hash, published.EvidenceHash, sum)
	}

	// Published means frozen.
	mb.problem("POST", one+"/assessments", map[string]any{"commitment_id": r.Commitments[0].CommitmentID, "completion": "limited",
		"impact": "minor", "relevance": []map[string]any{}, "milestones": []map[string]any{}, "recommendations": "r"}, 409, "round_closed")
	mb.problem("POST", one+"/finalise", map[string]any{}, 409, "round_closed")
	anon.problem("POST", one+"/comments", map[string]any{"text": "Too late"}, 409, "comments_closed")

	// Implementation, then the results round and the completed plan.
	p.coordinator.problem("POST", base+"/steps/10/submit", map[string]any{"summary": "Too early"}, 409, "not_current_step")
	p.completeCommitments(t, id)
	p.submitImplementation(t, id)
	p.gov.do("POST", base+"/steps/9/decisions", map[string]any{"decision": "approve"}, 200, nil)
	var state planState
	p.cso.do("POST", base+"/steps/9/decisions", map[string]any{"decision": "approve"}, 200, &state)
	if state.Status != "learning" || state.CurrentStep != 10 {
		t.Fatalf("after step 9: %+v", state)
	}
	p.coordinator.problem("POST", base+"/steps/10/submit", map[string]any{"summary": "Nothing yet"}, 422, "step_rules_unmet")
	p.fillStep(t, id, 10)
	state = p.submitApprove(t, id, 10)
	if state.Status != "completed" {
		t.Errorf("after step 10 the plan is %s, want completed", state.Status)
	}
	var list struct {
		Items []roundView `json:"items"`
	}
	anon.do("GET", rounds, nil, 200, &list)
	if len(list.Items) != 2 || list.Items[0].Kind != "co_creation" || list.Items[1].Kind != "results" ||
		list.Items[0].Stage != "published" || list.Items[1].Stage != "published" {
		t.Errorf("rounds of the completed plan: %+v", list.Items)
	}
	var lp map[string]string
	anon.do("GET", base+"/learning-plan", nil, 200, &lp)
	if len(lp) != 7 || lp["objectives"] == "" {
		t.Errorf("learning plan %v", lp)
	}
}

// TestAssessmentIndependence: a monitoring-body member who is also on
// the team may not open a round (403 not_independent). The team is only
// recorded during step 1, and the refusal of independence comes before
// the check of the plan's step, so a plan in step 1 shows it.
func TestAssessmentIndependence(t *testing.T) {
	t.Parallel()
	st := startDev(t, stackConfig(t, t.TempDir(), ""))
	defer st.Stop(context.Background())
	admin := newClient(t, st, adminToken)
	p := cast(t, admin)
	id := p.createPlan(t, time.Now().UTC().AddDate(-1, 0, 0).Format(time.DateOnly))
	base := fmt.Sprintf("/api/v1/action-plans/%d", id)
	var u user
	admin.do("POST", "/api/v1/users", map[string]any{"name": "Partial Monitor", "email": "partial@monitor.example"}, 201, &u)
	p.coordinator.do("PUT", fmt.Sprintf("%s/members/%d", base, u.ID), map[string]any{"roles": []string{"monitoring_body"}, "sector": "civil_society"}, 200, nil)
	mb := admin.as(u.Token)
	// Not on the team yet: independent, but too early.
	mb.problem("POST", base+"/assessment-rounds", map[string]any{"kind": "co_creation"}, 409, "round_not_allowed")
	p.coordinator.do("PUT", fmt.Sprintf("%s/team/%d", base, u.ID), map[string]any{"title": "Advisor", "organisation": "Vouliwatch"}, 200, nil)
	mb.problem("POST", base+"/assessment-rounds", map[string]any{"kind": "co_creation"}, 403, "not_independent")
}
