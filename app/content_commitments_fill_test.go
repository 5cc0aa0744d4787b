package app_test

import (
	"fmt"
	"testing"
	"time"
)

// commitmentFillRef is what the fillers need from a commitment answer.
type commitmentFillRef struct {
	ID         int64  `json:"id"`
	Number     int    `json:"number"`
	Title      string `json:"title"`
	LeadAgency string `json:"lead_agency"`
}

// selectedProblemIDs reads the problems selected in step 4 from the
// public problems list.
func (p people) selectedProblemIDs(t *testing.T, planID int64) []int64 {
	t.Helper()
	var problems struct {
		Items []struct {
			ID       int64 `json:"id"`
			Selected bool  `json:"selected"`
		} `json:"items"`
	}
	p.admin.as("").do("GET", fmt.Sprintf("/api/v1/action-plans/%d/problems", planID), nil, 200, &problems)
	var ids []int64
	for _, pr := range problems.Items {
		if pr.Selected {
			ids = append(ids, pr.ID)
		}
	}
	return ids
}

// commitmentFillTemplates are realistic commitments, used in turn for the
// selected problems.
var commitmentFillTemplates = []map[string]any{
	{"title": "Publish the budget and its execution monthly as open data", "lead_agency": "Directorate of Finance",
		"problem_statement": "Residents cannot follow how the city spends its budget during the year.",
		"status_quo":        "The budget is published once a year as a scanned PDF; in-year spending is not published.",
		"objective":         "Publish the approved budget and its monthly execution as open data, with a plain-language explainer.",
		"how_it_solves":     "Residents, journalists and councillors can follow every line of spending and ask questions with facts.",
		"values": []map[string]any{
			{"value": "transparency", "justification": "Discloses spending data that is not public today."},
			{"value": "accountability", "justification": "The finance committee answers questions on the published data twice a year."},
		},
		"additional_info": "Budget: 40,000 EUR from the digital transformation programme; SDG 16.6."},
	{"title": "Open contracting for every public contract", "lead_agency": "Procurement Office",
		"problem_statement": "Public contracts are hard to find and compare.",
		"status_quo":        "Contracts are scattered over department sites, without amounts or bidders.",
		"objective":         "Publish all contracts in the Open Contracting Data Standard on one portal.",
		"how_it_solves":     "Anyone can see who won which contract, for how much, and compare.",
		"values": []map[string]any{
			{"value": "transparency", "justification": "Publishes every stage of every contract."},
			{"value": "participation", "justification": "Businesses and NGOs flag issues through the portal's feedback form."},
		}},
	{"title": "Participatory budgeting in every district", "lead_agency": "Directorate of Civic Participation",
		"problem_statement": "Residents have no say in how neighbourhood money is spent.",
		"status_quo":        "District budgets are decided by the council without consultation.",
		"objective":         "Let residents propose and vote on projects for 5% of each district's budget.",
		"how_it_solves":     "Spending follows residents' priorities, and they see the results.",
		"values":            []map[string]any{{"value": "participation", "justification": "Residents decide on part of the budget."}}},
	{"title": "A public register of lobbying meetings", "lead_agency": "Mayor's Office",
		"problem_statement": "Nobody knows who meets the mayor and the deputy mayors about what.",
		"status_quo":        "Meetings are not recorded publicly.",
		"objective":         "Publish every meeting with interest representatives within a week.",
		"how_it_solves":     "Influence on decisions becomes visible and open to scrutiny.",
		"values":            []map[string]any{{"value": "transparency", "justification": "Makes meetings public."}}},
	{"title": "Open data on air quality", "lead_agency": "Directorate of Environment",
		"problem_statement": "Residents lack data on the air they breathe.",
		"status_quo":        "Measurements are shared with the ministry only.",
		"objective":         "Publish sensor data in real time on the open data portal.",
		"how_it_solves":     "Residents and researchers can act on the data and hold the city to its targets.",
		"values":            []map[string]any{{"value": "accountability", "justification": "Targets are checked publicly against the data."}}},
}

// commitmentFillDates places a commitment from today to the plan's end,
// and two milestones that split that period.
func commitmentFillDates(now time.Time) (start, mid, next, end string) {
	end = "2028-06-30"
	endT, _ := time.Parse(time.DateOnly, end)
	today := now.UTC().Truncate(24 * time.Hour)
	half := today.Add(endT.Sub(today) / 2).Truncate(24 * time.Hour)
	return today.Format(time.DateOnly), half.Format(time.DateOnly), half.AddDate(0, 0, 1).Format(time.DateOnly), end
}

// fillSolutions records a step 5 that passes the gate: one complete
// commitment for each problem selected in step 4, each with two
// specific, measurable milestones.
func (p people) fillSolutions(t *testing.T, planID int64) {
	t.Helper()
	base := fmt.Sprintf("/api/v1/action-plans/%d/commitments", planID)
	start, mid, next, end := commitmentFillDates(time.Now())
	for i, problemID := range p.selectedProblemIDs(t, planID) {
		body := map[string]any{"problem_id": problemID, "starts_on": start, "ends_on": end}
		for k, v := range commitmentFillTemplates[i%len(commitmentFillTemplates)] {
			body[k] = v
		}
		var c commitmentFillRef
		p.coordinator.do("POST", base, body, 201, &c)
		path := fmt.Sprintf("%s/%d/milestones", base, c.ID)
		p.coordinator.do("POST", path, map[string]any{"title": "Design and pilot", "deliverable": "A pilot published with its method",
			"indicator": "Pilot published on the city's site", "target": "1 pilot, reviewed by the forum",
			"starts_on": start, "due_on": mid, "responsible": "Head of " + fmt.Sprint(body["lead_agency"])}, 201, nil)
		p.coordinator.do("POST", path, map[string]any{"title": "Roll out city-wide", "deliverable": "The service in every district",
			"indicator": "Share of districts covered", "target": "100% of the 7 districts",
			"starts_on": next, "due_on": end, "responsible": "Head of " + fmt.Sprint(body["lead_agency"])}, 201, nil)
	}
}
