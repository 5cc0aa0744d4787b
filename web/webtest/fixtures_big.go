package webtest

// Fixtures of any size: a plan in implementation (step 9) with n
// commitments of m milestones each, for tests that prove a page costs the
// same number of SQL statements however many rows it shows, and for
// benchmarks. Like the story plans of fixtures.go, it is built only
// through the JSON API.

import (
	"fmt"
	"net/http"
)

// SizedPlan is what ImplementingPlan built.
type SizedPlan struct {
	ID int64
	// Commitments are the plan's commitments, numbered 1 to n, each with
	// its milestones in due-date order.
	Commitments []CommitmentRef
	// RoundID is the implementation assessment round, in its public
	// comment stage (an hour long).
	RoundID int64
}

// ImplementingPlan builds a plan whose current step is 9 (implementation),
// with commitments commitments (1 to 5, OGP Local's cap) of milestones
// milestones each (at least 2), every step before 9 filled, submitted and
// approved, without the round of changes PlanAt goes through at step 1.
//
// Step 4 has commitments selected problems from the team, one from the
// forum and one from the public not selected (each with a reasoned
// response), every one scored by the team. Each commitment has a
// government lead and two supporters (step 6); its lead_user_id is
// Cast.Lead, who is responsible for its first milestone. Milestone j (from
// 0) runs from 60-35j days ago for 30 days: the first is overdue, the
// second due in 5 days, the others ahead.
//
// In implementation, for every commitment the lead reports the first
// milestone at 60% with evidence, explains its delay and asks to move its
// due date (an amendment left pending), and completes the second after a
// progress report. Then the monitoring body opens an implementation
// assessment round, the lead self-assesses, and the monitoring body
// assesses every commitment and milestone and publishes the draft, which
// gets one public comment.
func (s *Site) ImplementingPlan(c Cast, title string, commitments, milestones int) SizedPlan {
	s.T.Helper()
	if commitments < 1 || commitments > 5 || milestones < 2 {
		s.T.Fatalf("ImplementingPlan: %d commitments of %d milestones: want 1 to 5 commitments of at least 2 milestones", commitments, milestones)
	}
	id := s.NewPlan(c, title)
	for n := 1; n <= 8; n++ {
		switch n {
		case 4:
			s.fillSizedProblems(c, id, commitments)
		case 5:
			s.fillSizedCommitments(c, id, milestones)
		case 6:
			s.fillSizedNetworks(c, id)
		default:
			s.FillStep(c, id, n)
		}
		s.SubmitStep(c, id, n)
		s.ApproveStep(c, id, n)
	}
	plan := SizedPlan{ID: id, Commitments: s.Commitments(id)}
	for _, cm := range plan.Commitments {
		first, second := cm.Milestones[0], cm.Milestones[1]
		s.ReportProgress(c, id, cm.ID, first.ID, 60, fmt.Sprintf("Commitment %d: the first deliverable is 60%% done; the rest waits for the supplier.", cm.Number),
			fmt.Sprintf("https://data.riverton.example/sized/%d/%d/progress", cm.Number, 1))
		s.ExplainDelay(c, id, cm.ID, first.ID, "The supplier delivered three weeks late; we expect to finish within a month.")
		s.RequestAmendment(c, id, cm.ID, first.ID, day(60), "The supplier's delay moves the end of this milestone by two months.")
		s.ReportProgress(c, id, cm.ID, second.ID, 50, "Half of the work is done.",
			fmt.Sprintf("https://data.riverton.example/sized/%d/%d/progress", cm.Number, 2))
		s.CompleteMilestone(c, id, cm.ID, second.ID, "Delivered ahead of its due date.",
			fmt.Sprintf("https://data.riverton.example/sized/%d/%d/evidence", cm.Number, 2),
			fmt.Sprintf("https://data.riverton.example/sized/%d/%d/report.pdf", cm.Number, 2))
	}
	plan.RoundID = s.OpenRound(c, id, "implementation")
	s.PublishDraft(c, id, plan.RoundID)
	return plan
}

// SizedProblemTitle is the title of the sized plan's k-th selected
// problem (from 1).
func SizedProblemTitle(k int) string {
	return fmt.Sprintf("Problem %d: residents cannot follow what the city decides about it", k)
}

// SizedCommitmentTitle is the title of the sized plan's commitment k.
func SizedCommitmentTitle(k int) string {
	return fmt.Sprintf("Commitment %d: open the city's decisions on problem %d", k, k)
}

// SizedMilestoneTitle is the title of milestone j (from 1) of commitment k.
func SizedMilestoneTitle(k, j int) string {
	return fmt.Sprintf("Milestone %d.%d: publish the next set of decisions as open data", k, j)
}

func (s *Site) fillSizedProblems(c Cast, planID int64, selected int) {
	s.T.Helper()
	tok := c.Coordinator.Token
	type problem struct {
		title, source string
		selected      bool
	}
	var rows []problem
	for k := 1; k <= selected; k++ {
		rows = append(rows, problem{SizedProblemTitle(k), "team", true})
	}
	rows = append(rows, problem{"Council papers are published too late to prepare for meetings", "forum", false},
		problem{"Bus timetables are not open data", "public", false})
	for i, p := range rows {
		var created struct {
			ID int64 `json:"id"`
		}
		body := map[string]any{"title": p.title, "policy_area": "open government",
			"description": "A problem residents raised during the awareness campaign, with the evidence they gave."}
		if p.source == "public" {
			body["name"] = "Li Wei"
			s.API("", http.MethodPost, planPath(planID, "/problems/proposals"), body, http.StatusAccepted, &created)
			s.API(tok, http.MethodPost, planPath(planID, "/problems/%d/moderation", created.ID), map[string]any{"decision": "publish"}, http.StatusOK, nil)
		} else {
			body["source"], body["submitter"] = p.source, "Open government team"
			s.API(tok, http.MethodPost, planPath(planID, "/problems"), body, http.StatusCreated, &created)
		}
		for k, who := range []Person{c.Coordinator, c.Lead, c.Contributor} {
			s.API(who.Token, http.MethodPost, planPath(planID, "/problems/%d/scores", created.ID), map[string]any{"score": 1 + (i+k)%5}, http.StatusOK, nil)
		}
		response := "Not taken up in this plan: the forum will come back to it in the next plan."
		if p.selected {
			s.API(tok, http.MethodPost, planPath(planID, "/problems/%d/selection", created.ID), map[string]any{"selected": true}, http.StatusOK, nil)
			response = "Taken up as a commitment."
		}
		s.API(tok, http.MethodPut, planPath(planID, "/problems/%d/reasoned-response", created.ID), map[string]any{"text": response}, http.StatusOK, nil)
	}
}

func (s *Site) fillSizedCommitments(c Cast, planID int64, milestones int) {
	s.T.Helper()
	k := 0
	for _, p := range s.Problems(planID) {
		if !p.Selected {
			continue
		}
		k++
		var cm struct {
			ID int64 `json:"id"`
		}
		s.API(c.Coordinator.Token, http.MethodPost, planPath(planID, "/commitments"), map[string]any{
			"problem_id": p.ID, "title": SizedCommitmentTitle(k), "starts_on": day(-60), "ends_on": day(330), "lead_agency": "Mayor's Office",
			"problem_statement": "Residents cannot follow the city's decisions on this problem.",
			"status_quo":        "Decisions are published late, as scanned documents.",
			"objective":         "Publish every decision on this problem as open data within a week.",
			"how_it_solves":     "Residents and journalists can follow and question the decisions while they are made.",
			"values": []map[string]any{{"value": "transparency", "justification": "Publishes decisions that are not public today."},
				{"value": "accountability", "justification": "The office answers questions on the decisions in public."}},
			"additional_info": "Funded from the city's digital transformation budget.", "lead_user_id": c.Lead.ID,
		}, http.StatusCreated, &cm)
		for j := range milestones {
			from := -60 + 35*j
			body := map[string]any{"title": SizedMilestoneTitle(k, j+1), "deliverable": "A dataset on the open data portal",
				"indicator": "Decisions published within a week", "target": "95% of decisions",
				"starts_on": day(from), "due_on": day(from + 30), "responsible": "Tomás Herrera, Procurement and Contracts Office"}
			if j == 0 {
				body["responsible_user_id"] = c.Lead.ID
			}
			s.API(c.Coordinator.Token, http.MethodPost, planPath(planID, "/commitments/%d/milestones", cm.ID), body, http.StatusCreated, nil)
		}
	}
}

func (s *Site) fillSizedNetworks(c Cast, planID int64) {
	s.T.Helper()
	for _, cm := range s.Commitments(planID) {
		for _, a := range []map[string]any{
			{"name": "Tomás Herrera", "organisation": "City of Riverton", "sector": "government", "role": "lead", "contact": "lead@riverton.example"},
			{"name": "Marta Ríos", "organisation": "Riverton Civic Lab", "sector": "civil_society", "role": "supporter", "contact": "hello@civiclab.example"},
			{"name": "Kwame Mensah", "organisation": "Riverton University", "sector": "academia", "role": "supporter", "contact": "k.mensah@university.example"},
		} {
			s.API(c.Coordinator.Token, http.MethodPost, planPath(planID, "/commitments/%d/network", cm.ID), a, http.StatusCreated, nil)
		}
	}
}
