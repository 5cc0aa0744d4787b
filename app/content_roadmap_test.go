package app_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/ogplocal/ogp/models/modelstest"
	"github.com/ogplocal/ogp/server"
)

// TestRoadmapSQLite records a roadmap through HTTP, with every refusal,
// and checks that its approval sets the due dates of steps 3-10.
func TestRoadmapSQLite(t *testing.T) {
	t.Parallel()
	roadmapScenario(t, "")
}

// TestRoadmapPostgres is the same on PostgreSQL.
func TestRoadmapPostgres(t *testing.T) {
	t.Parallel()
	roadmapScenario(t, modelstest.PostgresURL(t))
}

// roadmapItem is a roadmap entry as the API answers it.
type roadmapItem struct {
	Step         int    `json:"step"`
	StepKey      string `json:"step_key"`
	StepTitle    string `json:"step_title"`
	StartsOn     string `json:"starts_on"`
	EndsOn       string `json:"ends_on"`
	Responsible  string `json:"responsible"`
	Stakeholders string `json:"stakeholders"`
	UpdatedAt    string `json:"updated_at"`
}

// gateViolations submits step n and expects the gate to refuse it,
// returning the violations as "code@item".
func roadmapSubmitRefused(t *testing.T, c *client, planID int64, n int) []string {
	t.Helper()
	var pr server.Problem
	c.do("POST", fmt.Sprintf("/api/v1/action-plans/%d/steps/%d/submit", planID, n), map[string]any{"summary": "Ready for approval"}, 422, &pr)
	if pr.Code != "step_rules_unmet" {
		t.Fatalf("submit step %d: problem %+v, want step_rules_unmet", n, pr)
	}
	var out []string
	for _, v := range pr.Violations {
		if v.Message == "" {
			t.Errorf("violation %s has no message", v.Code)
		}
		out = append(out, v.Code+"@"+v.Item)
	}
	return out
}

func roadmapScenario(t *testing.T, databaseURL string) {
	st := startDev(t, stackConfig(t, t.TempDir(), databaseURL))
	defer st.Stop(context.Background())
	admin := newClient(t, st, adminToken)
	anon := admin.as("")
	p := cast(t, admin)
	startsOn := time.Now().UTC().AddDate(-1, 0, 0).Format(time.DateOnly)
	id := p.createPlan(t, startsOn)
	base := fmt.Sprintf("/api/v1/action-plans/%d", id)
	entry := func(starts, ends string) map[string]any {
		return map[string]any{"starts_on": starts, "ends_on": ends, "responsible": "Sofia Papadopoulou", "stakeholders": "The forum"}
	}
	dates := roadmapFillDates(time.Now().UTC())
	valid := entry(dates[3][0], dates[3][1])

	// While step 1 is worked on, the roadmap cannot be written yet.
	p.coordinator.problem("PUT", base+"/roadmap/3", valid, 409, "step_content_locked")
	p.coordinator.problem("DELETE", base+"/roadmap/3", nil, 409, "step_content_locked")
	p.approve(t, id, 1)

	// Refusals, none writing anything.
	anon.problem("PUT", base+"/roadmap/3", valid, 401, "unauthorized")
	anon.problem("DELETE", base+"/roadmap/3", nil, 401, "unauthorized")
	p.contributor.problem("PUT", base+"/roadmap/3", valid, 403, "not_coordinator")
	p.gov.problem("PUT", base+"/roadmap/3", valid, 403, "not_coordinator")
	p.cso.problem("DELETE", base+"/roadmap/3", nil, 403, "not_coordinator")
	for _, n := range []string{"0", "1", "2", "11", "x", "-3"} {
		p.coordinator.problem("PUT", base+"/roadmap/"+n, valid, 404, "unknown_roadmap_step")
	}
	p.coordinator.problem("DELETE", base+"/roadmap/2", nil, 404, "unknown_roadmap_step")
	p.coordinator.problem("PUT", "/api/v1/action-plans/99999/roadmap/3", valid, 404, "unknown_plan")
	anon.problem("GET", "/api/v1/action-plans/99999/roadmap", nil, 404, "unknown_plan")
	p.coordinator.problem("PUT", base+"/roadmap/3", entry("1 March", dates[3][1]), 400, "invalid_date")
	p.coordinator.problem("PUT", base+"/roadmap/3", entry(dates[3][0], "2027-02-30"), 400, "invalid_date")
	p.coordinator.problem("PUT", base+"/roadmap/3", map[string]any{"starts_on": dates[3][0], "ends_on": dates[3][1], "responsible": "x", "stakeholders": "y", "step": 4}, 400, "unknown_field")
	p.coordinator.problem("PUT", base+"/roadmap/3", map[string]any{"starts_on": 20270101}, 400, "invalid_field")
	p.coordinator.problem("PUT", base+"/roadmap/3", `{"starts_on":`, 400, "malformed_json")
	p.coordinator.problem("PUT", base+"/roadmap/3", entry(time.Now().UTC().AddDate(-2, 0, 0).Format(time.DateOnly), dates[3][1]), 422, "date_outside_period")
	p.coordinator.problem("PUT", base+"/roadmap/10", entry(dates[10][0], "2028-07-01"), 422, "date_outside_period")
	p.coordinator.problem("PUT", base+"/roadmap/3", entry(dates[3][1], dates[3][0]), 422, "roadmap_end_before_start")
	p.coordinator.problem("PUT", base+"/roadmap/3", map[string]any{"starts_on": dates[3][0], "ends_on": dates[3][1], "responsible": " ", "stakeholders": "y"}, 422, "roadmap_responsible_required")
	p.coordinator.problem("PUT", base+"/roadmap/3", map[string]any{"starts_on": dates[3][0], "ends_on": dates[3][1], "responsible": "x", "stakeholders": ""}, 422, "roadmap_stakeholders_required")
	var roadmap struct {
		Items []roadmapItem `json:"items"`
	}
	anon.do("GET", base+"/roadmap", nil, 200, &roadmap)
	if len(roadmap.Items) != 0 {
		t.Fatalf("refused writes left entries: %+v", roadmap.Items)
	}

	// A partial roadmap: the gate lists every missing step.
	for n := 3; n <= 5; n++ {
		var got roadmapItem
		p.coordinator.do("PUT", fmt.Sprintf("%s/roadmap/%d", base, n), entry(dates[n][0], dates[n][1]), 200, &got)
		if got.Step != n || got.StartsOn != dates[n][0] || got.EndsOn != dates[n][1] || got.StepKey == "" || got.StepTitle == "" || got.UpdatedAt == "" {
			t.Errorf("put step %d answered %+v", n, got)
		}
	}
	if got, want := roadmapSubmitRefused(t, p.coordinator, id, 2), []string{"roadmap_entry_missing@roadmap_step:6", "roadmap_entry_missing@roadmap_step:7",
		"roadmap_entry_missing@roadmap_step:8", "roadmap_entry_missing@roadmap_step:9", "roadmap_entry_missing@roadmap_step:10"}; !slices.Equal(got, want) {
		t.Errorf("violations %v, want %v", got, want)
	}
	var plan planState
	anon.do("GET", base, nil, 200, &plan)
	if plan.Steps[1].Status != "in_progress" {
		t.Errorf("a refused submission moved step 2 to %s", plan.Steps[1].Status)
	}

	// The whole roadmap; writing an entry again is harmless; removing one
	// (twice: the second is a no-op) shows at the gate.
	p.fillRoadmap(t, id)
	p.fillRoadmap(t, id)
	p.coordinator.do("DELETE", base+"/roadmap/9", nil, 204, nil)
	p.coordinator.do("DELETE", base+"/roadmap/9", nil, 204, nil)
	if got := roadmapSubmitRefused(t, p.coordinator, id, 2); !slices.Equal(got, []string{"roadmap_entry_missing@roadmap_step:9"}) {
		t.Errorf("violations %v", got)
	}
	p.admin.do("PUT", base+"/roadmap/9", entry(dates[9][0], dates[9][1]), 200, nil) // an administrator may too
	p.fillRoadmap(t, id)

	// The roadmap is public, by step.
	anon.do("GET", base+"/roadmap", nil, 200, &roadmap)
	if len(roadmap.Items) != 8 {
		t.Fatalf("roadmap has %d entries", len(roadmap.Items))
	}
	for i, e := range roadmap.Items {
		if e.Step != i+3 || e.StartsOn != dates[e.Step][0] || e.EndsOn != dates[e.Step][1] || e.Responsible == "" || e.Stakeholders == "" {
			t.Errorf("entry %d: %+v", i, e)
		}
		if e.EndsOn <= time.Now().UTC().Format(time.DateOnly) || e.EndsOn > roadmapPlanEnd || (i > 0 && e.StartsOn <= roadmap.Items[i-1].EndsOn) {
			t.Errorf("entry %d is not in the future, in order, inside the plan: %+v", i, e)
		}
	}

	// Submitted: locked until an approver asks for changes.
	p.coordinator.do("POST", base+"/steps/2/submit", map[string]any{"summary": "Roadmap of steps 3-10, discussed in the forum"}, 200, nil)
	p.coordinator.problem("PUT", base+"/roadmap/5", valid, 409, "step_content_locked")
	p.coordinator.problem("DELETE", base+"/roadmap/5", nil, 409, "step_content_locked")
	p.gov.do("POST", base+"/steps/2/decisions", map[string]any{"decision": "request_changes", "comment": "Give step 5 more time"}, 200, nil)
	longer := entry(dates[5][0], dates[6][0])
	longer["responsible"] = "Maria Georgiou, Finance Department"
	p.coordinator.do("PUT", base+"/roadmap/5", longer, 200, nil)
	p.coordinator.do("PUT", base+"/roadmap/6", entry(dates[6][1], dates[6][1]), 200, nil)
	p.submitApprove(t, id, 2)
	p.coordinator.problem("PUT", base+"/roadmap/5", valid, 409, "step_content_locked")

	// The approved roadmap set the due dates of steps 3-10.
	anon.do("GET", base+"/roadmap", nil, 200, &roadmap)
	var detail struct {
		CurrentStep int `json:"current_step"`
		Steps       []struct {
			Number int     `json:"number"`
			DueOn  *string `json:"due_on"`
		} `json:"steps"`
	}
	anon.do("GET", base, nil, 200, &detail)
	if detail.CurrentStep != 3 {
		t.Fatalf("plan at step %d after the roadmap's approval", detail.CurrentStep)
	}
	for _, e := range roadmap.Items {
		if due := detail.Steps[e.Step-1].DueOn; due == nil || *due != e.EndsOn {
			t.Errorf("step %d is due on %v, want the roadmap's end %s", e.Step, due, e.EndsOn)
		}
	}
	if roadmap.Items[2].EndsOn != dates[6][0] || roadmap.Items[2].Responsible != "Maria Georgiou, Finance Department" {
		t.Errorf("step 5 after the changes: %+v", roadmap.Items[2])
	}
	if detail.Steps[1].DueOn != nil {
		t.Errorf("step 2 got a due date: %v", *detail.Steps[1].DueOn)
	}

	// The trail says where the due dates came from; approvers saw what
	// changed between the two rounds; the future dates remind nobody.
	var events struct {
		Items []struct {
			Kind    string          `json:"kind"`
			Step    *int            `json:"step"`
			Payload json.RawMessage `json:"payload"`
		} `json:"items"`
	}
	anon.do("GET", base+"/events?per_page=200", nil, 200, &events)
	fromRoadmap := 0
	for _, e := range events.Items {
		var pl struct {
			Source string `json:"source"`
		}
		_ = json.Unmarshal(e.Payload, &pl)
		if e.Kind == "due_date_set" && pl.Source == "roadmap" {
			fromRoadmap++
		}
	}
	if fromRoadmap != 8 {
		t.Errorf("%d due dates set from the roadmap, want 8", fromRoadmap)
	}
	var subs struct {
		Items []server.SubmissionResponse `json:"items"`
	}
	anon.do("GET", base+"/steps/2/submissions", nil, 200, &subs)
	if len(subs.Items) != 2 {
		t.Fatalf("%d submissions of step 2", len(subs.Items))
	}
	var changed []string
	for _, c := range subs.Items[1].Changes {
		changed = append(changed, c.Item+" "+c.Change)
	}
	if !slices.Equal(changed, []string{"roadmap[2] changed", "roadmap[3] changed"}) {
		t.Errorf("changes between the rounds: %v", changed)
	}
	if got := inboxKinds(p.coordinator); got["step_reminder"] != 0 {
		t.Errorf("reminders from future due dates: %v", got)
	}
}

// TestRoadmapFillDates: the filler's dates are in the future, in order,
// inside the plan, whatever the day the tests run.
func TestRoadmapFillDates(t *testing.T) {
	for _, now := range []time.Time{time.Now().UTC(), time.Date(2026, 11, 26, 23, 59, 0, 0, time.UTC), time.Date(2028, 5, 1, 0, 0, 0, 0, time.UTC)} {
		d := roadmapFillDates(now)
		prevEnd := now.Format(time.DateOnly)
		for n := 3; n <= 10; n++ {
			if d[n][0] <= prevEnd || d[n][1] < d[n][0] || d[n][1] > roadmapPlanEnd {
				t.Errorf("now %s, step %d: %v (previous end %s)", now.Format(time.DateOnly), n, d[n], prevEnd)
			}
			prevEnd = d[n][1]
		}
		if d[10][1] != roadmapPlanEnd {
			t.Errorf("now %s: the roadmap ends %s, not with the plan", now.Format(time.DateOnly), d[10][1])
		}
	}
}
