package app_test

import (
	"fmt"
	"testing"
)

// problemFillRef is what the step 4 filler needs from a problem answer.
type problemFillRef struct {
	ID     int64  `json:"id"`
	Status string `json:"status"`
}

// fillOpportunityAreas records a step 4 that passes the gate: a problem
// from the team and one from the forum, a third from the team, a proposal
// from the public that the coordinator publishes, scores by the team
// members and (through the coordinator) the forum members, three selected
// (so the plan has three commitments) and a reasoned response for the
// public proposal.
func (p people) fillOpportunityAreas(t *testing.T, planID int64) {
	t.Helper()
	base := fmt.Sprintf("/api/v1/action-plans/%d", planID)
	c := p.coordinator
	var budget, contracts problemFillRef
	c.do("POST", base+"/problems", map[string]any{"title": "Residents cannot follow how the city spends its budget",
		"description": "The budget is published once a year as a scanned PDF; spending during the year is not published at all.",
		"policy_area": "fiscal openness", "source": "team", "submitter": "Open government team"}, 201, &budget)
	c.do("POST", base+"/problems", map[string]any{"title": "Public contracts are hard to find and compare",
		"description": "Contracts are scattered over department sites, without the awarded amounts or the bidders.",
		"policy_area": "public procurement", "source": "forum", "submitter": "Open Government Forum of Athens"}, 201, &contracts)
	var planning problemFillRef
	c.do("POST", base+"/problems", map[string]any{"title": "Residents are not heard on how their district spends",
		"description": "District budgets are decided without asking the people who live there.",
		"policy_area": "civic participation", "source": "team", "submitter": "Open government team"}, 201, &planning)
	var bus problemFillRef
	p.admin.as("").do("POST", base+"/problems/proposals", map[string]any{"title": "Bus timetables are not open data",
		"description": "Apps cannot show when the next bus comes because the timetables are only on paper at the stops.",
		"policy_area": "mobility", "name": "A resident of Kypseli", "email": "resident@example.org"}, 202, &bus)
	if bus.Status != "pending" {
		t.Fatalf("a public proposal is %q, want pending", bus.Status)
	}
	c.do("POST", fmt.Sprintf("%s/problems/%d/moderation", base, bus.ID), map[string]any{"decision": "publish"}, 200, nil)

	// The team scores for itself; the forum's scores go through the
	// coordinator. Who is on either comes from step 1 as approved.
	team, forum := p.problemScorers(t, planID)
	for _, sc := range []struct {
		id    int64
		score int
	}{{budget.ID, 5}, {contracts.ID, 4}, {planning.ID, 4}, {bus.ID, 3}} {
		path := fmt.Sprintf("%s/problems/%d/scores", base, sc.id)
		for _, member := range team {
			member.do("POST", path, map[string]any{"score": sc.score}, 200, nil)
		}
		for _, fm := range forum {
			c.do("POST", path, map[string]any{"score": sc.score, "forum_member_id": fm}, 200, nil)
		}
	}
	for _, pid := range []int64{budget.ID, contracts.ID, planning.ID} {
		c.do("POST", fmt.Sprintf("%s/problems/%d/selection", base, pid), map[string]any{"selected": true}, 200, nil)
	}
	c.do("PUT", fmt.Sprintf("%s/problems/%d/reasoned-response", base, bus.ID), map[string]any{
		"text": "Bus timetables belong to the regional transport authority, not the city; the forum will bring the proposal to it."}, 200, nil)
}

// problemScorers finds, in step 1's last submission, the team members who
// are among the people (as clients) and the forum members' ids.
func (p people) problemScorers(t *testing.T, planID int64) (team []*client, forum []int64) {
	t.Helper()
	var subs struct {
		Items []struct {
			Content struct {
				Team []struct {
					UserID int64 `json:"user_id"`
				} `json:"team"`
				Forum *struct {
					Members []struct {
						ID int64 `json:"id"`
					} `json:"members"`
				} `json:"forum"`
			} `json:"content"`
		} `json:"items"`
	}
	p.admin.as("").do("GET", fmt.Sprintf("/api/v1/action-plans/%d/steps/1/submissions", planID), nil, 200, &subs)
	if len(subs.Items) == 0 {
		return nil, nil
	}
	last := subs.Items[len(subs.Items)-1].Content
	clients := map[int64]*client{p.ids["Sofia"]: p.coordinator, p.ids["Maria"]: p.gov, p.ids["Nikos"]: p.cso, p.ids["Eleni"]: p.contributor}
	for _, m := range last.Team {
		if cl := clients[m.UserID]; cl != nil {
			team = append(team, cl)
		}
	}
	if last.Forum != nil {
		for _, m := range last.Forum.Members {
			forum = append(forum, m.ID)
		}
	}
	return team, forum
}
