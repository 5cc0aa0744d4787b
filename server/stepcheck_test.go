package server

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/ogplocal/ogp"
	"github.com/ogplocal/ogp/activities"
	"github.com/ogplocal/ogp/models"
	"github.com/ogplocal/ogp/workflows"
)

// gateEngine runs a plan's updates as its workflow does: the domain's
// validation and state, a projection after each change, and for a
// submission the real gate activity (activities.CheckStep) with the plan
// context the workflow gives it. So a test can compare the step check
// with what a submission is refused with.
type gateEngine struct {
	Engine
	db    *models.DB
	mu    sync.Mutex
	plans map[int64]*ogp.PlanState
}

func (e *gateEngine) StartPlan(_ context.Context, in ogp.NewPlan) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.plans[in.PlanID] == nil {
		st, _ := ogp.NewPlanState(in, ogp.ActionPlanWorkflowID(in.PlanID), in.CreatedAt)
		e.plans[in.PlanID] = &st
	}
	return nil
}

func (e *gateEngine) Update(ctx context.Context, planID int64, name, _ string, arg any) (ogp.PlanState, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	st := e.plans[planID]
	now := time.Now().UTC()
	var events []ogp.Event
	switch name {
	case ogp.UpdateSetMember:
		in := arg.(ogp.SetMemberInput)
		if err := st.ValidateSetMember(in); err != nil {
			return ogp.PlanState{}, err
		}
		events = st.ApplySetMember(in, now)
	case ogp.UpdateSubmitStep:
		in := arg.(ogp.SubmitStepInput)
		if err := st.ValidateSubmit(in); err != nil {
			return ogp.PlanState{}, err
		}
		var gate ogp.Gate
		if ogp.HasContentGate(in.Step) {
			// As workflows.planWorkflow.checkStep builds it.
			acts := &activities.Activities{Store: e.db}
			res, err := acts.CheckStep(ctx, workflows.CheckStepInput{
				Context: ogp.PlanContext{PlanID: st.PlanID, StartsOn: st.StartsOn, EndsOn: st.EndsOn, Members: st.Members},
				Step:    in.Step, Round: st.Step(in.Step).Round + 1,
			})
			if err != nil {
				return ogp.PlanState{}, err
			}
			if len(res.Violations) > 0 {
				return ogp.PlanState{}, ogp.GateError(in.Step, res.Violations)
			}
			gate = ogp.Gate{ContentVersion: res.Version, ContentDigest: res.Digest, DueDates: res.DueDates}
		}
		events = st.ApplySubmit(in, gate, now)
	default:
		return ogp.PlanState{}, fmt.Errorf("gateEngine: no update %s", name)
	}
	p, err := models.NewProjection(*st, events)
	if err == nil {
		err = e.db.ApplyProjection(ctx, p)
	}
	return *st, err
}

func TestStepCheckRoute(t *testing.T) {
	engine := &gateEngine{plans: map[int64]*ogp.PlanState{}}
	h := newAPIHarness(t, engine)
	engine.db = h.db
	_, admin := h.user("Grace Whitfield", "grace@riverton.example", true)
	_, coord := h.user("Ana Lucía Ferreira", "ana.ferreira@riverton.example", false)
	bea, beaTok := h.user("Marta Ríos", "marta.rios@civiclab.example", false)
	amina, aminaTok := h.user("Amina Haddad", "amina@watch.example", false)
	_, outsider := h.user("Jorge Mendoza", "jorge@eastside.example", false)

	day := func(n int) string { return time.Now().UTC().AddDate(0, 0, n).Format(time.DateOnly) }
	var plan PlanSummary
	h.do("POST", "/api/v1/action-plans", coord, fmt.Sprintf(`{"title":"Open Riverton","member":"City of Riverton","starts_on":%q,"ends_on":%q}`, day(-10), day(700)), 201, &plan)
	base := fmt.Sprintf("/api/v1/action-plans/%d", plan.ID)
	h.do("PUT", fmt.Sprintf("%s/members/%d", base, bea.ID), coord, `{"roles":["approver"],"sector":"civil_society"}`, 200, nil)
	h.do("PUT", fmt.Sprintf("%s/members/%d", base, amina.ID), coord, `{"roles":["monitoring_body"],"sector":"civil_society"}`, 200, nil)

	check := func(token string, step int) StepCheckResponse {
		t.Helper()
		var out StepCheckResponse
		h.do("GET", fmt.Sprintf("%s/steps/%d/check", base, step), token, "", 200, &out)
		if out.Step != step || out.Ready != (len(out.Violations) == 0) {
			t.Fatalf("check of step %d: %+v", step, out)
		}
		return out
	}
	// sameAsSubmit checks step 1 and submits it: the check must list
	// exactly what the submission is refused with.
	sameAsSubmit := func(what string) []ogp.Violation {
		t.Helper()
		got := check(coord, 1)
		var refusal Problem
		h.do("POST", base+"/steps/1/submit", coord, `{"summary":"Team, forum and monitoring body"}`, 422, &refusal)
		if refusal.Code != "step_rules_unmet" || !slices.Equal(got.Violations, refusal.Violations) {
			t.Fatalf("%s: the check answers %+v, the submission was refused with %s %+v", what, got.Violations, refusal.Code, refusal.Violations)
		}
		return got.Violations
	}
	codes := func(vs []ogp.Violation) map[string]string {
		out := map[string]string{}
		for _, v := range vs {
			out[v.Code] = v.Item
		}
		return out
	}

	t.Run("the check lists what a submission is refused with", func(t *testing.T) {
		vs := sameAsSubmit("an empty step 1")
		if c := codes(vs); len(c) < 3 {
			t.Fatalf("an empty step 1: %+v", vs)
		}
		h.do("PUT", fmt.Sprintf("%s/team/%d", base, plan.CoordinatorID), coord, `{"title":"Open government coordinator","organisation":"Mayor's Office"}`, 200, nil)
		h.do("PUT", base+"/forum", coord, `{"name":"Riverton Open Government Forum","is_new":true,"purpose":"Co-create the plan","meeting_cadence":"monthly"}`, 200, nil)
		h.do("POST", base+"/forum/members", coord, `{"name":"Daniel Okafor","organisation":"City of Riverton","sector":"government"}`, 201, nil)
		h.do("PUT", base+"/monitoring-body", coord, `{"name":"Riverton Transparency Watch","kind":"organisation","independence_statement":""}`, 200, nil)
		// The monitoring body's member joins the team: a rule names her.
		h.do("PUT", fmt.Sprintf("%s/team/%d", base, amina.ID), coord, `{"title":"Watchdog","organisation":"Riverton Transparency Watch"}`, 200, nil)
		vs = sameAsSubmit("a step 1 half done")
		c := codes(vs)
		if _, ok := c["forum_needs_non_government_member"]; !ok {
			t.Errorf("the forum's balance rule is missing: %+v", vs)
		}
		if item, ok := c["monitoring_body_not_independent"]; !ok || item != ogp.TeamItem(amina.ID) {
			t.Errorf("the independence rule does not name Amina: %+v", vs)
		}
	})

	t.Run("members and administrators may check; nobody else", func(t *testing.T) {
		check(beaTok, 1)
		check(aminaTok, 1)
		check(admin, 1) // an administrator who is not a member
		if rec := h.do("GET", base+"/steps/1/check", outsider, "", 403, nil); problemCode(t, rec) != "not_member" {
			t.Errorf("an outsider: %s", rec.Body.String())
		}
		h.do("GET", base+"/steps/1/check", "", "", 401, nil)
		if rec := h.do("GET", "/api/v1/action-plans/999/steps/1/check", coord, "", 404, nil); problemCode(t, rec) != "unknown_plan" {
			t.Errorf("an unknown plan: %s", rec.Body.String())
		}
		if rec := h.do("GET", base+"/steps/11/check", coord, "", 404, nil); problemCode(t, rec) != "unknown_step" {
			t.Errorf("step 11: %s", rec.Body.String())
		}
	})

	t.Run("any step can be checked; step 9 has no content gate", func(t *testing.T) {
		roadmap := check(coord, 2)
		items := map[string]bool{}
		for _, v := range roadmap.Violations {
			items[v.Item] = true
		}
		for n := ogp.RoadmapFirstStep; n <= ogp.RoadmapLastStep; n++ {
			if !items[ogp.RoadmapItem(n)] {
				t.Errorf("step 2: nothing about the roadmap of step %d: %+v", n, roadmap.Violations)
			}
		}
		if got := check(coord, 9); !got.Ready || len(got.Violations) != 0 {
			t.Errorf("step 9: %+v", got)
		}
		rec := h.do("GET", base+"/steps/9/check", coord, "", 200, nil)
		if got := rec.Body.String(); got != `{"step":9,"ready":true,"violations":[]}`+"\n" {
			t.Errorf("step 9 answered %s", got)
		}
	})

	t.Run("ready when the gate would pass, and the submission then passes", func(t *testing.T) {
		h.do("DELETE", fmt.Sprintf("%s/team/%d", base, amina.ID), coord, "", 204, nil)
		h.do("PUT", fmt.Sprintf("%s/team/%d", base, bea.ID), coord, `{"title":"Civic lab director","organisation":"Riverton Civic Lab"}`, 200, nil)
		h.do("POST", base+"/forum/members", coord, `{"name":"Jorge Mendoza","organisation":"Eastside Neighbourhood Association","sector":"non_government"}`, 201, nil)
		vs := sameAsSubmit("a step 1 without an independence statement")
		if len(vs) != 1 || vs[0].Code != "monitoring_body_needs_independence_statement" {
			t.Fatalf("only the statement is missing, but: %+v", vs)
		}
		h.do("PUT", base+"/monitoring-body", coord, `{"name":"Riverton Transparency Watch","kind":"organisation","independence_statement":"Funded by its members; none of its people sit on the team."}`, 200, nil)
		if got := check(coord, 1); !got.Ready || len(got.Violations) != 0 {
			t.Fatalf("a complete step 1: %+v", got)
		}
		h.do("POST", base+"/steps/1/submit", coord, `{"summary":"Team, forum and monitoring body"}`, 200, nil)
		// Checking changes nothing and still works on submitted content.
		if got := check(beaTok, 1); !got.Ready {
			t.Errorf("step 1 once submitted: %+v", got)
		}
	})
}
