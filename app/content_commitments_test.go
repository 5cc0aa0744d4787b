package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ogplocal/ogp/models/modelstest"
	"github.com/ogplocal/ogp/server"
)

// TestCommitmentsSQLite writes commitments, milestones and support
// networks through HTTP from step 5 to step 8 approved, with every
// refusal, the gates of steps 5 and 6, the locks, and what the public
// must not see.
func TestCommitmentsSQLite(t *testing.T) {
	t.Parallel()
	commitmentsScenario(t, "")
}

// TestCommitmentsPostgres is the same on PostgreSQL.
func TestCommitmentsPostgres(t *testing.T) {
	t.Parallel()
	commitmentsScenario(t, modelstest.PostgresURL(t))
}

// commitmentItem is a commitment as the API answers it.
type commitmentItem struct {
	ID         int64  `json:"id"`
	Number     int    `json:"number"`
	Title      string `json:"title"`
	ProblemID  int64  `json:"problem_id"`
	StatusQuo  string `json:"status_quo"`
	Milestones []struct {
		ID    int64  `json:"id"`
		Title string `json:"title"`
	} `json:"milestones"`
	Network []struct {
		ID      int64  `json:"id"`
		Name    string `json:"name"`
		Contact string `json:"contact"`
	} `json:"network"`
	Values []struct {
		Value         string `json:"value"`
		Justification string `json:"justification"`
	} `json:"values"`
}

type commitmentActorItem struct {
	ID           int64  `json:"id"`
	CommitmentID int64  `json:"commitment_id"`
	Name         string `json:"name"`
	Sector       string `json:"sector"`
	Role         string `json:"role"`
	Contact      string `json:"contact"`
}

// commitmentsSubmitRefused submits step n expecting the gate to refuse
// it, and returns the violations as "code@item".
func commitmentsSubmitRefused(t *testing.T, c *client, planID int64, n int) []string {
	t.Helper()
	var pr server.Problem
	c.do("POST", fmt.Sprintf("/api/v1/action-plans/%d/steps/%d/submit", planID, n), map[string]any{"summary": "Ready"}, 422, &pr)
	if pr.Code != "step_rules_unmet" {
		t.Fatalf("submit step %d: %+v, want step_rules_unmet", n, pr)
	}
	out := []string{}
	for _, v := range pr.Violations {
		if v.Message == "" {
			t.Errorf("violation %s has no message", v.Code)
		}
		out = append(out, v.Code+"@"+v.Item)
	}
	slices.Sort(out)
	return out
}

func commitmentsSorted(s ...string) []string {
	slices.Sort(s)
	return s
}

// commitmentsKeyed sends a POST with an Idempotency-Key, failing the test
// unless the status is want, and returns the answer's body and whether
// it is a replay (Idempotent-Replayed: true).
func commitmentsKeyed(c *client, path string, body any, key string, want int) ([]byte, bool) {
	c.t.Helper()
	raw, err := json.Marshal(body)
	if err != nil {
		c.t.Fatal(err)
	}
	req, err := http.NewRequest("POST", c.base+path, bytes.NewReader(raw))
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+c.token)
	req.Header.Set("Idempotency-Key", key)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatalf("POST %s: %v", path, err)
	}
	defer resp.Body.Close()
	got, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != want {
		c.t.Fatalf("POST %s (Idempotency-Key %s): status %d, want %d: %s", path, key, resp.StatusCode, want, got)
	}
	c.validate(req, raw, resp, got)
	return got, resp.Header.Get("Idempotent-Replayed") == "true"
}

// commitmentsRetried creates an item with an Idempotency-Key and retries
// it: the retry answers the same body, marked as replayed; the key
// reused with another body is refused. count tells how many items the
// creation's collection holds, so the retries are seen to create none.
func commitmentsRetried(t *testing.T, c *client, path string, body, other map[string]any, key string, count func() int, out any) {
	t.Helper()
	before := count()
	first, replayed := commitmentsKeyed(c, path, body, key, 201)
	if replayed {
		t.Errorf("POST %s: the first attempt is marked as replayed", path)
	}
	again, replayed := commitmentsKeyed(c, path, body, key, 201)
	if !replayed || !bytes.Equal(first, again) {
		t.Errorf("POST %s retried: replayed %v, body %s, want the first answer %s", path, replayed, again, first)
	}
	raw, _ := commitmentsKeyed(c, path, other, key, 422)
	var pr server.Problem
	if err := json.Unmarshal(raw, &pr); err != nil || pr.Code != "idempotency_key_reused" {
		t.Errorf("POST %s with the key of another request: %s, want idempotency_key_reused", path, raw)
	}
	if n := count(); n != before+1 {
		t.Errorf("POST %s created %d items with one Idempotency-Key, want 1", path, n-before)
	}
	if err := json.Unmarshal(first, out); err != nil {
		t.Fatalf("POST %s: decode %s: %v", path, first, err)
	}
}

func commitmentsScenario(t *testing.T, databaseURL string) {
	st := startDev(t, stackConfig(t, t.TempDir(), databaseURL))
	defer st.Stop(context.Background())
	admin := newClient(t, st, adminToken)
	anon := admin.as("")
	p := cast(t, admin)
	now := time.Now().UTC()
	planStart := now.AddDate(-1, 0, 0).Format(time.DateOnly)
	id := p.createPlan(t, planStart)
	base := fmt.Sprintf("/api/v1/action-plans/%d", id)
	c := p.coordinator
	start, mid, next, end := commitmentFillDates(now)
	body := func(problemID int64, title string) map[string]any {
		b := map[string]any{"problem_id": problemID, "starts_on": start, "ends_on": end}
		for k, v := range commitmentFillTemplates[0] {
			b[k] = v
		}
		b["title"] = title
		return b
	}
	milestone := func(title string) map[string]any {
		return map[string]any{"title": title, "deliverable": "Report", "indicator": "Report published", "target": "1 report",
			"starts_on": start, "due_on": mid, "responsible": "Head of finance"}
	}

	for n := 1; n <= 3; n++ {
		p.approve(t, id, n)
	}
	// Step 4 selects five problems: the filler's three and two more.
	p.fillOpportunityAreas(t, id)
	for i := range 2 {
		var pr problemFillRef
		c.do("POST", base+"/problems", map[string]any{"title": fmt.Sprintf("Extra problem %d", i+1), "description": "d",
			"policy_area": "open data", "source": "team"}, 201, &pr)
		c.do("POST", fmt.Sprintf("%s/problems/%d/selection", base, pr.ID), map[string]any{"selected": true}, 200, nil)
	}
	var allProblems struct {
		Items []struct {
			ID       int64 `json:"id"`
			Selected bool  `json:"selected"`
		} `json:"items"`
	}
	anon.do("GET", base+"/problems", nil, 200, &allProblems)
	var notSelected int64
	for _, pr := range allProblems.Items {
		if !pr.Selected {
			notSelected = pr.ID
		}
	}
	selected := p.selectedProblemIDs(t, id)
	if len(selected) != 5 || notSelected == 0 {
		t.Fatalf("selected %v, one not selected %d", selected, notSelected)
	}
	// Commitments are written in step 5, not before.
	c.problem("POST", base+"/commitments", body(selected[0], "Too early"), 409, "step_content_locked")
	p.submitApprove(t, id, 4)

	// Nothing written yet: every selected problem lacks a commitment.
	var want []string
	for _, pid := range selected {
		want = append(want, fmt.Sprintf("selected_problem_without_commitment@problem:%d", pid))
	}
	if got := commitmentsSubmitRefused(t, c, id, 5); !slices.Equal(got, commitmentsSorted(want...)) {
		t.Errorf("empty step 5: %v, want %v", got, want)
	}

	// Refusals, none writing anything.
	anon.problem("POST", base+"/commitments", body(selected[0], "x"), 401, "unauthorized")
	p.contributor.problem("POST", base+"/commitments", body(selected[0], "x"), 403, "not_coordinator")
	p.gov.problem("POST", base+"/commitments", body(selected[0], "x"), 403, "not_coordinator")
	c.problem("POST", "/api/v1/action-plans/99999/commitments", body(selected[0], "x"), 404, "unknown_plan")
	bad := func(change func(b map[string]any)) map[string]any {
		b := body(selected[0], "Open budget")
		change(b)
		return b
	}
	c.problem("POST", base+"/commitments", bad(func(b map[string]any) { b["budget"] = 1 }), 400, "unknown_field")
	c.problem("POST", base+"/commitments", `{"title": `, 400, "malformed_json")
	c.problem("POST", base+"/commitments", bad(func(b map[string]any) { b["problem_id"] = "one" }), 400, "invalid_field")
	c.problem("POST", base+"/commitments", bad(func(b map[string]any) { b["starts_on"] = "next spring" }), 400, "invalid_date")
	c.problem("POST", base+"/commitments", bad(func(b map[string]any) { b["ends_on"] = "2028-07-01" }), 422, "commitment_dates")
	c.problem("POST", base+"/commitments", bad(func(b map[string]any) { b["starts_on"] = "2020-01-01" }), 422, "commitment_dates")
	c.problem("POST", base+"/commitments", bad(func(b map[string]any) { b["ends_on"] = planStart }), 422, "commitment_dates")
	c.problem("POST", base+"/commitments", bad(func(b map[string]any) { b["title"] = "  " }), 422, "title_required")
	c.problem("POST", base+"/commitments", bad(func(b map[string]any) { delete(b, "problem_id") }), 422, "problem_required")
	c.problem("POST", base+"/commitments", bad(func(b map[string]any) { b["problem_id"] = 999999 }), 422, "unknown_problem")
	c.problem("POST", base+"/commitments", bad(func(b map[string]any) { b["problem_id"] = notSelected }), 422, "problem_not_selected")
	c.problem("POST", base+"/commitments", bad(func(b map[string]any) {
		b["values"] = []map[string]any{{"value": "efficiency", "justification": "x"}}
	}), 400, "invalid_value")
	c.problem("POST", base+"/commitments", bad(func(b map[string]any) {
		b["values"] = []map[string]any{{"value": "transparency", "justification": "x"}, {"value": "transparency", "justification": "y"}}
	}), 422, "duplicate_value")
	c.problem("POST", base+"/commitments", bad(func(b map[string]any) { b["status_quo"] = strings.Repeat("x", 10001) }), 422, "text_too_long")
	var list struct {
		Items []commitmentItem `json:"items"`
	}
	anon.do("GET", base+"/commitments", nil, 200, &list)
	if len(list.Items) != 0 {
		t.Fatalf("refused writes left commitments: %+v", list.Items)
	}

	// Five commitments, numbered in creation order; the first is a draft.
	draft := body(selected[0], "Open budget")
	draft["status_quo"] = ""
	draft["values"] = []map[string]any{{"value": "transparency", "justification": ""}}
	var cs []commitmentItem
	for i, pid := range selected {
		b := body(pid, fmt.Sprintf("Commitment %d", i+1))
		if i == 0 {
			b = draft
		}
		var ci commitmentItem
		c.do("POST", base+"/commitments", b, 201, &ci)
		if ci.Number != i+1 || ci.ProblemID != pid {
			t.Errorf("commitment %d: %+v", i+1, ci)
		}
		cs = append(cs, ci)
	}
	// A sixth is refused, whatever its problem.
	c.problem("POST", base+"/commitments", body(selected[0], "Sixth"), 422, "too_many_commitments")
	// One commitment per problem (with room under the cap to see it), and
	// a retry with the same Idempotency-Key answers the same commitment,
	// created once (the API's Idempotency-Key layer).
	c.do("DELETE", fmt.Sprintf("%s/commitments/%d", base, cs[4].ID), nil, 204, nil)
	c.problem("POST", base+"/commitments", body(selected[0], "Twice"), 409, "problem_has_commitment")
	countCommitments := func() int {
		var l struct {
			Items []commitmentItem `json:"items"`
		}
		anon.do("GET", base+"/commitments", nil, 200, &l)
		return len(l.Items)
	}
	var again commitmentItem
	commitmentsRetried(t, c, base+"/commitments", body(selected[4], "Commitment 5, again"), body(selected[4], "Commitment 5, other"),
		"c5", countCommitments, &again)
	if again.Number != 5 || again.ProblemID != selected[4] {
		t.Errorf("idempotent create: %+v", again)
	}
	cs[4] = again

	// Reads are public; unknown ids and other plans' ids are 404.
	var one commitmentItem
	anon.do("GET", fmt.Sprintf("%s/commitments/%d", base, cs[0].ID), nil, 200, &one)
	if one.Title != "Open budget" || one.Number != 1 || one.StatusQuo != "" || len(one.Values) != 1 {
		t.Errorf("commitment 1: %+v", one)
	}
	anon.problem("GET", base+"/commitments/999999", nil, 404, "unknown_commitment")
	anon.problem("GET", base+"/commitments/abc", nil, 404, "unknown_commitment")
	otherPlan := p.createPlan(t, planStart)
	anon.problem("GET", fmt.Sprintf("/api/v1/action-plans/%d/commitments/%d", otherPlan, cs[0].ID), nil, 404, "unknown_commitment")
	c.problem("PUT", fmt.Sprintf("/api/v1/action-plans/%d/commitments/%d", otherPlan, cs[0].ID), body(selected[0], "x"), 404, "unknown_commitment")

	// Milestones, with their refusals.
	ms := func(cid int64) string { return fmt.Sprintf("%s/commitments/%d/milestones", base, cid) }
	badMilestone := func(change func(b map[string]any)) map[string]any {
		b := milestone("Pilot")
		change(b)
		return b
	}
	c.problem("POST", ms(cs[0].ID), badMilestone(func(b map[string]any) { b["due_on"] = b["starts_on"] }), 422, "milestone_dates")
	c.problem("POST", ms(cs[0].ID), badMilestone(func(b map[string]any) { b["due_on"] = "2028-07-01" }), 422, "milestone_dates")
	c.problem("POST", ms(cs[0].ID), badMilestone(func(b map[string]any) { b["starts_on"] = "2020-01-01" }), 422, "milestone_dates")
	c.problem("POST", ms(cs[0].ID), badMilestone(func(b map[string]any) { b["due_on"] = "31/12/2027" }), 400, "invalid_date")
	c.problem("POST", ms(cs[0].ID), badMilestone(func(b map[string]any) { b["title"] = "" }), 422, "title_required")
	c.problem("POST", ms(999999), milestone("Pilot"), 404, "unknown_commitment")
	p.cso.problem("POST", ms(cs[0].ID), milestone("Pilot"), 403, "not_coordinator")
	var m1, m2 struct {
		ID int64 `json:"id"`
	}
	unmeasured := milestone("Pilot")
	unmeasured["target"] = ""
	c.do("POST", ms(cs[0].ID), unmeasured, 201, &m1)
	countMilestones := func(cid int64) func() int {
		return func() int {
			var one commitmentItem
			anon.do("GET", fmt.Sprintf("%s/commitments/%d", base, cid), nil, 200, &one)
			return len(one.Milestones)
		}
	}
	commitmentsRetried(t, c, ms(cs[1].ID), milestone("Portal"), milestone("Portal, renamed"), "m2", countMilestones(cs[1].ID), &m2)
	c.problem("PUT", fmt.Sprintf("%s/%d", ms(cs[0].ID), m2.ID), milestone("x"), 404, "unknown_milestone")
	c.problem("DELETE", fmt.Sprintf("%s/%d", ms(cs[0].ID), 999999), nil, 404, "unknown_milestone")

	// The gate lists every unmet rule.
	got := commitmentsSubmitRefused(t, c, id, 5)
	// The draft lacks its status quo and a value's justification: two
	// violations on the same commitment.
	want = []string{fmt.Sprintf("milestone_not_measurable@milestone:%d", m1.ID),
		fmt.Sprintf("commitment_incomplete@commitment:%d", cs[0].ID), fmt.Sprintf("commitment_incomplete@commitment:%d", cs[0].ID)}
	for _, ci := range cs[2:] {
		want = append(want, fmt.Sprintf("commitment_without_milestone@commitment:%d", ci.ID))
	}
	if !slices.Equal(got, commitmentsSorted(want...)) {
		t.Errorf("step 5 gate: %v, want %v", got, commitmentsSorted(want...))
	}

	// Removing commitment 3 renumbers 4 and 5.
	c.do("DELETE", fmt.Sprintf("%s/commitments/%d", base, cs[2].ID), nil, 204, nil)
	anon.do("GET", base+"/commitments", nil, 200, &list)
	var numbers []string
	for _, ci := range list.Items {
		numbers = append(numbers, fmt.Sprintf("%d:%s", ci.Number, ci.Title))
	}
	if fmt.Sprint(numbers) != "[1:Open budget 2:Commitment 2 3:Commitment 4 4:Commitment 5, again]" {
		t.Errorf("after deleting commitment 3: %v", numbers)
	}
	c.do("POST", base+"/commitments", body(selected[2], "Commitment 3, rewritten"), 201, &cs[2])

	// Fix everything, then submit; an approver asks for changes.
	c.do("PUT", fmt.Sprintf("%s/commitments/%d", base, cs[0].ID), body(selected[0], "Open budget"), 200, &one)
	if one.StatusQuo == "" || one.Number != 1 || len(one.Milestones) != 1 {
		t.Errorf("rewritten commitment 1: %+v", one)
	}
	c.do("PUT", fmt.Sprintf("%s/%d", ms(cs[0].ID), m1.ID), milestone("Pilot"), 200, nil)
	for _, ci := range cs[2:] {
		c.do("POST", ms(ci.ID), milestone("Pilot"), 201, nil)
	}
	c.do("POST", base+"/steps/5/submit", map[string]any{"summary": "Five commitments"}, 200, nil)
	c.problem("POST", ms(cs[0].ID), milestone("While submitted"), 409, "step_content_locked")
	c.problem("DELETE", fmt.Sprintf("%s/commitments/%d", base, cs[0].ID), nil, 409, "step_content_locked")
	p.gov.do("POST", base+"/steps/5/decisions", map[string]any{"decision": "request_changes", "comment": "Add a roll-out milestone to commitment 1"}, 200, nil)
	c.do("POST", ms(cs[0].ID), map[string]any{"title": "Roll-out", "deliverable": "Service", "indicator": "Districts", "target": "7 of 7",
		"starts_on": next, "due_on": end, "responsible": "Head of finance"}, 201, nil)
	p.submitApprove(t, id, 5)
	var subs struct {
		Items []server.SubmissionResponse `json:"items"`
	}
	anon.do("GET", base+"/steps/5/submissions", nil, 200, &subs)
	if len(subs.Items) != 2 || !slices.ContainsFunc(subs.Items[1].Changes, func(ch server.Change) bool {
		return strings.HasPrefix(ch.Item, fmt.Sprintf("commitments[%d].milestones[", cs[0].ID)) && ch.Change == "added"
	}) {
		t.Errorf("step 5 submissions: %+v", subs.Items)
	}

	// Step 5 approved: commitments and milestones are final. A retried
	// creation is still answered as it first was, creating nothing.
	if raw, replayed := commitmentsKeyed(c, ms(cs[1].ID), milestone("Portal"), "m2", 201); !replayed || countMilestones(cs[1].ID)() != 1 {
		t.Errorf("milestone retried after step 5: replayed %v, %s", replayed, raw)
	}
	c.problem("PUT", fmt.Sprintf("%s/commitments/%d", base, cs[0].ID), body(selected[0], "Late change"), 409, "step_content_locked")
	c.problem("POST", ms(cs[0].ID), milestone("Late"), 409, "step_content_locked")
	c.problem("DELETE", fmt.Sprintf("%s/%d", ms(cs[0].ID), m1.ID), nil, 409, "step_content_locked")

	// Step 6: the support network.
	nw := func(cid int64) string { return fmt.Sprintf("%s/commitments/%d/network", base, cid) }
	actor := func(name, sector, role, contact string) map[string]any {
		return map[string]any{"name": name, "organisation": "Org of " + name, "sector": sector, "role": role, "contact": contact}
	}
	got = commitmentsSubmitRefused(t, c, id, 6)
	want = nil
	for _, ci := range cs {
		want = append(want, fmt.Sprintf("network_needs_government_lead@commitment:%d", ci.ID),
			fmt.Sprintf("network_needs_non_government_supporter@commitment:%d", ci.ID))
	}
	if !slices.Equal(got, commitmentsSorted(want...)) {
		t.Errorf("empty step 6: %v, want %v", got, want)
	}
	c.problem("POST", nw(cs[0].ID), actor("A", "ngo", "lead", ""), 400, "invalid_sector")
	c.problem("POST", nw(cs[0].ID), actor("A", "government", "sponsor", ""), 400, "invalid_role")
	c.problem("POST", nw(cs[0].ID), actor(" ", "government", "lead", ""), 422, "name_required")
	c.problem("POST", nw(cs[0].ID), actor("A", "government", "lead", strings.Repeat("c", 501)), 422, "contact_too_long")
	c.problem("POST", nw(999999), actor("A", "government", "lead", ""), 404, "unknown_commitment")
	p.contributor.problem("POST", nw(cs[0].ID), actor("A", "government", "lead", ""), 403, "not_coordinator")
	anon.problem("POST", nw(cs[0].ID), actor("A", "government", "lead", ""), 401, "unauthorized")
	var lead, cso commitmentActorItem
	countActors := func() int {
		var l struct {
			Items []commitmentActorItem `json:"items"`
		}
		anon.do("GET", nw(cs[0].ID), nil, 200, &l)
		return len(l.Items)
	}
	commitmentsRetried(t, c, nw(cs[0].ID), actor("Eva Lopez", "civil_society", "lead", "eva@finance.example"),
		actor("Eva Lopez", "government", "lead", "eva@finance.example"), "lead", countActors, &lead)
	if lead.Contact != "eva@finance.example" || lead.CommitmentID != cs[0].ID {
		t.Errorf("created actor: %+v", lead)
	}
	c.do("POST", nw(cs[0].ID), actor("Vouliwatch", "civil_society", "supporter", "info@vouliwatch.example"), 201, &cso)
	// The lead is from civil society: not a government lead.
	got = commitmentsSubmitRefused(t, c, id, 6)
	if !slices.Contains(got, fmt.Sprintf("network_needs_government_lead@commitment:%d", cs[0].ID)) ||
		slices.Contains(got, fmt.Sprintf("network_needs_non_government_supporter@commitment:%d", cs[0].ID)) {
		t.Errorf("step 6 gate with a civil-society lead: %v", got)
	}
	c.do("PUT", fmt.Sprintf("%s/%d", nw(cs[0].ID), lead.ID), actor("Eva Lopez", "government", "lead", "eva@finance.example"), 200, &lead)
	c.problem("PUT", fmt.Sprintf("%s/%d", nw(cs[1].ID), lead.ID), actor("x", "government", "lead", ""), 404, "unknown_support_actor")
	var extra commitmentActorItem
	c.do("POST", nw(cs[0].ID), actor("Temp", "academia", "supporter", ""), 201, &extra)
	c.do("DELETE", fmt.Sprintf("%s/%d", nw(cs[0].ID), extra.ID), nil, 204, nil)
	c.problem("DELETE", fmt.Sprintf("%s/%d", nw(cs[0].ID), extra.ID), nil, 404, "unknown_support_actor")
	for _, ci := range cs[1:] {
		c.do("POST", nw(ci.ID), actor("Lead "+ci.Title, "government", "lead", "lead@city.example"), 201, nil)
		c.do("POST", nw(ci.ID), actor("University of Athens", "academia", "supporter", "uni@uoa.example"), 201, nil)
	}

	// Contacts: the coordinator sees them; nobody else, anywhere.
	var network struct {
		Items []commitmentActorItem `json:"items"`
	}
	c.do("GET", nw(cs[0].ID), nil, 200, &network)
	if len(network.Items) != 2 || network.Items[0].Contact != "eva@finance.example" || network.Items[1].Contact != "info@vouliwatch.example" {
		t.Errorf("coordinator's network: %+v", network.Items)
	}
	admin.do("GET", nw(cs[0].ID), nil, 200, &network)
	if network.Items[0].Contact == "" {
		t.Errorf("administrator's network has no contact: %+v", network.Items)
	}
	for name, reader := range map[string]*client{"public": anon, "approver": p.gov, "contributor": p.contributor, "bad token": admin.as("ogp_not_a_token")} {
		raw := string(reader.do("GET", nw(cs[0].ID), nil, 200, nil))
		if strings.Contains(raw, "@") || strings.Contains(raw, "contact") || !strings.Contains(raw, "Eva Lopez") {
			t.Errorf("%s reads the network with contacts: %s", name, raw)
		}
	}
	publicReads := []string{base + "/commitments", fmt.Sprintf("%s/commitments/%d", base, cs[0].ID), base + "/steps/6/submissions"}
	checkPublic := func() {
		t.Helper()
		for _, path := range publicReads {
			for _, reader := range []*client{anon, c} {
				raw := string(reader.do("GET", path, nil, 200, nil))
				if strings.Contains(raw, "@finance.example") || strings.Contains(raw, "vouliwatch.example") || strings.Contains(raw, `"contact"`) {
					t.Errorf("GET %s shows a contact: %s", path, raw)
				}
			}
		}
	}
	p.submitApprove(t, id, 6)
	checkPublic()
	c.problem("POST", nw(cs[0].ID), actor("Late", "government", "lead", ""), 409, "step_content_locked")
	c.problem("DELETE", fmt.Sprintf("%s/%d", nw(cs[0].ID), lead.ID), nil, 409, "step_content_locked")

	// Steps 7 and 8: the whole plan is validated; then everything is final.
	p.approve(t, id, 7)
	p.approve(t, id, 8)
	checkPublic()
	c.problem("PUT", fmt.Sprintf("%s/commitments/%d", base, cs[0].ID), body(selected[0], "After validation"), 409, "step_content_locked")
	c.problem("DELETE", fmt.Sprintf("%s/commitments/%d", base, cs[1].ID), nil, 409, "step_content_locked")
	c.problem("POST", ms(cs[0].ID), milestone("After validation"), 409, "step_content_locked")
	c.problem("PUT", fmt.Sprintf("%s/%d", ms(cs[1].ID), m2.ID), milestone("After validation"), 409, "step_content_locked")
	c.problem("PUT", fmt.Sprintf("%s/%d", nw(cs[0].ID), lead.ID), actor("Eva", "government", "lead", ""), 409, "step_content_locked")
	anon.do("GET", base+"/commitments", nil, 200, &list)
	if len(list.Items) != 5 || len(list.Items[0].Milestones) != 2 || len(list.Items[0].Network) != 2 || list.Items[0].Network[0].Contact != "" {
		t.Errorf("final commitments: %+v", list.Items)
	}
}
