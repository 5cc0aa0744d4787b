package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ogplocal/ogp/models/modelstest"
	"github.com/ogplocal/ogp/server"
)

// TestProblemsSQLite drives step 4 through HTTP: problems from the team,
// the forum and the public, moderation, scores and ranking, selection,
// reasoned responses, the gate, the locks, and what the public sees.
func TestProblemsSQLite(t *testing.T) {
	t.Parallel()
	problemsScenario(t, "")
}

// TestProblemsPostgres is the same on PostgreSQL.
func TestProblemsPostgres(t *testing.T) {
	t.Parallel()
	problemsScenario(t, modelstest.PostgresURL(t))
}

// problemJSON is a problem as the API answers it.
type problemJSON struct {
	ID               int64   `json:"id"`
	Title            string  `json:"title"`
	Source           string  `json:"source"`
	Submitter        string  `json:"submitter"`
	Status           string  `json:"status"`
	ScoreCount       int     `json:"score_count"`
	ScoreAverage     float64 `json:"score_average"`
	Rank             *int    `json:"rank"`
	Selected         bool    `json:"selected"`
	ReasonedResponse string  `json:"reasoned_response"`
	ModerationReason string  `json:"moderation_reason"`
	Email            string  `json:"email"`
}

type problemListJSON struct {
	Items []problemJSON `json:"items"`
}

func problemTitles(items []problemJSON) []string {
	out := []string{}
	for _, p := range items {
		out = append(out, p.Title)
	}
	return out
}

// problemHeaders asserts a problem+json answer to a request with headers.
func problemHeaders(c *client, method, path string, body any, status int, code string, headers ...string) {
	c.t.Helper()
	var p server.Problem
	c.do(method, path, body, status, &p, headers...)
	if p.Code != code || p.Status != status || p.Detail == "" {
		c.t.Errorf("%s %s: problem %+v, want status %d code %s", method, path, p, status, code)
	}
}

// violationsOf returns "code@item" for each violation of a 422 answer.
func violationsOf(t *testing.T, c *client, path string) []string {
	t.Helper()
	var p server.Problem
	c.do("POST", path, map[string]any{"summary": "Opportunity areas"}, 422, &p)
	if p.Code != "step_rules_unmet" {
		t.Fatalf("submit refused with %s, want step_rules_unmet", p.Code)
	}
	out := []string{}
	for _, v := range p.Violations {
		out = append(out, v.Code+"@"+v.Item)
	}
	slices.Sort(out)
	return out
}

func problemsScenario(t *testing.T, databaseURL string) {
	st := startDev(t, stackConfig(t, t.TempDir(), databaseURL))
	defer st.Stop(context.Background())
	admin := newClient(t, st, adminToken)
	anon := admin.as("")
	p := cast(t, admin)
	lastYear := time.Now().UTC().AddDate(-1, 0, 0).Format(time.DateOnly)
	id := p.createPlan(t, lastYear)
	base := fmt.Sprintf("/api/v1/action-plans/%d", id)
	c := p.coordinator
	problem := func(body map[string]any) map[string]any {
		out := map[string]any{"title": "Residents cannot follow how the city spends its budget",
			"description": "Spending during the year is not published.", "policy_area": "fiscal openness", "source": "team"}
		for k, v := range body {
			out[k] = v
		}
		return out
	}
	proposal := func(title string) map[string]any {
		return map[string]any{"title": title, "description": "Said at the neighbourhood assembly.", "policy_area": "mobility"}
	}

	// Step 1: the public may propose already; the coordinator records
	// problems only at step 4.
	var early server.ProposalResponse
	anon.do("POST", base+"/problems/proposals", map[string]any{"title": "Bus timetables are not open data",
		"description": "Apps cannot show when the next bus comes.", "policy_area": "mobility",
		"name": "A resident of Kypseli", "email": "Resident@Example.org"}, 202, &early)
	if early.Status != "pending" || early.ID == 0 {
		t.Fatalf("proposal: %+v", early)
	}
	c.problem("POST", base+"/problems", problem(nil), 409, "step_content_locked")
	var list problemListJSON
	anon.do("GET", base+"/problems", nil, 200, &list)
	if len(list.Items) != 0 {
		t.Errorf("the public sees a pending proposal: %+v", list.Items)
	}
	anon.problem("GET", fmt.Sprintf("%s/problems/%d", base, early.ID), nil, 404, "unknown_problem")
	for n := 1; n <= 3; n++ {
		p.approve(t, id, n)
	}

	// Step 4. Refusals first.
	anon.problem("POST", base+"/problems", problem(nil), 401, "unauthorized")
	p.contributor.problem("POST", base+"/problems", problem(nil), 403, "not_coordinator")
	c.problem("POST", "/api/v1/action-plans/9999/problems", problem(nil), 404, "unknown_plan")
	c.problem("POST", base+"/problems", problem(map[string]any{"urgent": true}), 400, "unknown_field")
	c.problem("POST", base+"/problems", problem(map[string]any{"source": "mayor"}), 400, "invalid_source")
	c.problem("POST", base+"/problems", problem(map[string]any{"source": "public"}), 422, "public_source_reserved")
	c.problem("POST", base+"/problems", problem(map[string]any{"title": "  "}), 422, "title_required")
	c.problem("POST", base+"/problems", problem(map[string]any{"policy_area": ""}), 422, "policy_area_required")
	c.problem("POST", base+"/problems", problem(map[string]any{"description": strings.Repeat("x", 10001)}), 422, "description_too_long")
	c.problem("PUT", base+"/problems/9999", problem(nil), 404, "unknown_problem")
	c.problem("PUT", base+"/problems/abc", problem(nil), 404, "unknown_problem")

	var budget, again, contracts, extra problemJSON
	c.do("POST", base+"/problems", problem(map[string]any{"submitter": "Open government team"}), 201, &budget, "Idempotency-Key", "budget")
	c.do("POST", base+"/problems", problem(map[string]any{"submitter": "Open government team"}), 201, &again, "Idempotency-Key", "budget")
	if budget.Status != "published" || budget.Source != "team" || again.ID != budget.ID || budget.Rank == nil {
		t.Fatalf("create and its retry: %+v %+v", budget, again)
	}
	problemHeaders(c, "POST", base+"/problems", problem(map[string]any{"title": "Another"}), 422, "idempotency_key_reused", "Idempotency-Key", "budget")
	c.do("POST", base+"/problems", problem(map[string]any{"title": "Public contracts are hard to find", "source": "forum",
		"policy_area": "public procurement", "submitter": "Open Government Forum"}), 201, &contracts)
	c.do("POST", base+"/problems", problem(map[string]any{"title": "Duplicate of the budget"}), 201, &extra)
	var spam server.ProposalResponse
	anon.do("POST", base+"/problems/proposals", proposal("Buy my product"), 202, &spam)
	anon.problem("POST", base+"/problems/proposals", proposal(""), 422, "title_required")
	anon.problem("POST", base+"/problems/proposals", map[string]any{"title": "x", "description": "y", "policy_area": "z", "email": "nope"}, 422, "invalid_email")
	anon.problem("POST", base+"/problems/proposals", map[string]any{"title": "x", "source": "team"}, 400, "unknown_field")

	// The public sees the published problems only, and no e-mail.
	raw := anon.do("GET", base+"/problems", nil, 200, &list)
	if got := problemTitles(list.Items); !slices.Equal(got, []string{budget.Title, "Public contracts are hard to find", "Duplicate of the budget"}) {
		t.Errorf("public list: %v", got)
	}
	for _, private := range []string{"example.org", "Buy my product", "Bus timetables", "email", "moderation_reason"} {
		if bytes.Contains(raw, []byte(private)) {
			t.Errorf("the public list shows %q: %s", private, raw)
		}
	}
	// Coordinators see everything with all=true; nobody else does.
	c.do("GET", base+"/problems?all=true", nil, 200, &list)
	if len(list.Items) != 5 {
		t.Fatalf("coordinator's list: %v", problemTitles(list.Items))
	}
	for _, it := range list.Items {
		if it.ID == early.ID && (it.Status != "pending" || it.Email != "resident@example.org" || it.Rank != nil || it.Source != "public" || it.Submitter != "A resident of Kypseli") {
			t.Errorf("the proposal, as coordinators see it: %+v", it)
		}
	}
	anon.problem("GET", base+"/problems?all=true", nil, 403, "not_coordinator")
	admin.as("not-a-token").problem("GET", base+"/problems?all=true", nil, 403, "not_coordinator")
	p.contributor.problem("GET", base+"/problems?all=true", nil, 403, "not_coordinator")
	anon.problem("GET", base+"/problems?all=yes", nil, 400, "invalid_all")

	// The gate lists every unmet rule.
	submit := base + "/steps/4/submit"
	item := func(id int64) string { return fmt.Sprintf("@problem:%d", id) }
	want := []string{"no_problem_selected@",
		"problem_awaiting_moderation" + item(early.ID), "problem_awaiting_moderation" + item(spam.ID),
		"reasoned_response_missing" + item(budget.ID), "reasoned_response_missing" + item(contracts.ID), "reasoned_response_missing" + item(extra.ID)}
	slices.Sort(want)
	if got := violationsOf(t, c, submit); !slices.Equal(got, want) {
		t.Errorf("violations %v, want %v", got, want)
	}

	// Moderation.
	mod := func(pid int64) string { return fmt.Sprintf("%s/problems/%d/moderation", base, pid) }
	c.problem("POST", mod(spam.ID), map[string]any{"decision": "hide"}, 422, "moderation_reason_required")
	c.problem("POST", mod(spam.ID), map[string]any{"decision": "delete", "reason": "x"}, 400, "invalid_moderation_decision")
	p.contributor.problem("POST", mod(spam.ID), map[string]any{"decision": "hide", "reason": "Advertising"}, 403, "not_coordinator")
	c.problem("POST", mod(9999), map[string]any{"decision": "hide", "reason": "Advertising"}, 404, "unknown_problem")
	var hidden, published problemJSON
	c.do("POST", mod(spam.ID), map[string]any{"decision": "hide", "reason": "Advertising, not a public problem"}, 200, &hidden)
	c.do("POST", mod(early.ID), map[string]any{"decision": "publish"}, 200, &published)
	if hidden.Status != "hidden" || hidden.ModerationReason != "Advertising, not a public problem" || published.Status != "published" || published.Rank == nil {
		t.Errorf("moderated: %+v %+v", hidden, published)
	}

	// Scores: Eleni is on the team (step 1), Maria is not; forum
	// members' scores go through the coordinator.
	score := func(pid int64) string { return fmt.Sprintf("%s/problems/%d/scores", base, pid) }
	team, forum := p.problemScorers(t, id)
	if len(forum) < 2 || !slices.Contains(team, p.contributor) || !slices.Contains(team, p.coordinator) || slices.Contains(team, p.gov) {
		t.Fatalf("this test expects step 1's filler to put Sofia and Eleni on the team, not Maria, and two forum members: %d forum members", len(forum))
	}
	var scored problemJSON
	p.contributor.do("POST", score(contracts.ID), map[string]any{"score": 2}, 200, &scored)
	p.contributor.do("POST", score(contracts.ID), map[string]any{"score": 5}, 200, &scored) // replaces the 2
	c.do("POST", score(contracts.ID), map[string]any{"score": 4, "forum_member_id": forum[0]}, 200, &scored)
	if scored.ScoreCount != 2 || scored.ScoreAverage != 4.5 || scored.Rank == nil || *scored.Rank != 1 {
		t.Errorf("contracts after scoring: %+v", scored)
	}
	c.do("POST", score(budget.ID), map[string]any{"score": 4}, 200, &scored)
	c.do("POST", score(early.ID), map[string]any{"score": 4, "forum_member_id": forum[1]}, 200, &scored)
	c.do("POST", score(early.ID), map[string]any{"score": 5}, 200, &scored)
	p.gov.problem("POST", score(budget.ID), map[string]any{"score": 3}, 403, "not_team_member")
	p.contributor.problem("POST", score(budget.ID), map[string]any{"score": 3, "forum_member_id": forum[0]}, 403, "not_coordinator")
	c.problem("POST", score(budget.ID), map[string]any{"score": 6}, 422, "score_out_of_range")
	c.problem("POST", score(budget.ID), map[string]any{"score": 3, "forum_member_id": 999999}, 404, "unknown_forum_member")
	c.problem("POST", score(spam.ID), map[string]any{"score": 3}, 409, "problem_not_published")
	c.problem("POST", score(budget.ID), map[string]any{"score": "high"}, 400, "invalid_field")
	// Ranking: by average, then number of scores, then age. The bus
	// proposal and contracts both have 4.5 from two scores; the proposal,
	// made at step 1, is older.
	anon.do("GET", base+"/problems", nil, 200, &list)
	wantOrder := []string{"Bus timetables are not open data", "Public contracts are hard to find", budget.Title, "Duplicate of the budget"}
	if got := problemTitles(list.Items); !slices.Equal(got, wantOrder) {
		t.Errorf("ranking %v, want %v", got, wantOrder)
	}
	for i, it := range list.Items {
		if it.Rank == nil || *it.Rank != i+1 {
			t.Errorf("item %d (%s) has rank %v", i, it.Title, it.Rank)
		}
	}

	// Selection and reasoned responses.
	sel := func(pid int64) string { return fmt.Sprintf("%s/problems/%d/selection", base, pid) }
	resp := func(pid int64) string { return fmt.Sprintf("%s/problems/%d/reasoned-response", base, pid) }
	c.problem("POST", sel(spam.ID), map[string]any{"selected": true}, 409, "problem_not_published")
	c.problem("POST", sel(budget.ID), map[string]any{}, 400, "selected_required")
	p.contributor.problem("POST", sel(budget.ID), map[string]any{"selected": true}, 403, "not_coordinator")
	c.do("POST", sel(budget.ID), map[string]any{"selected": true}, 200, nil)
	c.do("POST", sel(contracts.ID), map[string]any{"selected": true}, 200, nil)
	c.problem("PUT", resp(early.ID), map[string]any{"text": "   "}, 422, "reasoned_response_required")
	c.do("PUT", resp(early.ID), map[string]any{"text": "The timetables belong to the regional transport authority; the forum takes the proposal to it."}, 200, nil)
	c.problem("DELETE", fmt.Sprintf("%s/problems/%d", base, early.ID), nil, 409, "public_problem_not_deletable")
	p.contributor.problem("DELETE", fmt.Sprintf("%s/problems/%d", base, extra.ID), nil, 403, "not_coordinator")
	c.do("DELETE", fmt.Sprintf("%s/problems/%d", base, extra.ID), nil, 204, nil)
	c.problem("DELETE", fmt.Sprintf("%s/problems/%d", base, extra.ID), nil, 404, "unknown_problem")
	anon.problem("GET", fmt.Sprintf("%s/problems/%d", base, extra.ID), nil, 404, "unknown_problem")
	var fixed problemJSON
	c.do("PUT", fmt.Sprintf("%s/problems/%d", base, early.ID), map[string]any{"title": "Bus timetables are not open data",
		"description": "Apps cannot show when the next bus comes: timetables are only on paper.", "policy_area": "mobility",
		"submitter": "A resident of Kypseli"}, 200, &fixed)
	if fixed.Source != "public" || fixed.Email != "resident@example.org" {
		t.Errorf("a corrected proposal: %+v", fixed)
	}
	c.problem("PUT", fmt.Sprintf("%s/problems/%d", base, early.ID), problem(map[string]any{"source": "forum"}), 422, "public_source_immutable")

	// Submitted: locked, and the public's window closed.
	c.do("POST", submit, map[string]any{"summary": "Two problems selected, one answered"}, 200, nil)
	c.problem("POST", sel(contracts.ID), map[string]any{"selected": false}, 409, "step_content_locked")
	p.contributor.problem("POST", score(contracts.ID), map[string]any{"score": 1}, 409, "step_content_locked")
	anon.problem("POST", base+"/problems/proposals", proposal("Too late"), 409, "proposals_closed")

	// The snapshot approvers see is public: published problems only,
	// without moderation notes or e-mail addresses.
	var subs struct {
		Items []struct {
			Content json.RawMessage `json:"content"`
		} `json:"items"`
	}
	anon.do("GET", base+"/steps/4/submissions", nil, 200, &subs)
	if len(subs.Items) != 1 {
		t.Fatalf("%d submissions", len(subs.Items))
	}
	snap := string(subs.Items[0].Content)
	for _, private := range []string{"example.org", "Buy my product", "Advertising", "moderation_reason", `"status":"hidden"`, `"status":"pending"`} {
		if strings.Contains(snap, private) {
			t.Errorf("the submission shows %q: %s", private, snap)
		}
	}
	if !strings.Contains(snap, "Bus timetables") || !strings.Contains(snap, "regional transport authority") {
		t.Errorf("the submission misses the public's proposal or its reasoned response: %s", snap)
	}

	// Changes requested: a late proposal is welcome again, and must be
	// moderated before resubmitting.
	p.gov.do("POST", base+"/steps/4/decisions", map[string]any{"decision": "request_changes", "comment": "Ask the public once more"}, 200, nil)
	var late server.ProposalResponse
	anon.do("POST", base+"/problems/proposals", proposal("Night buses to the port"), 202, &late)
	if got := violationsOf(t, c, submit); !slices.Equal(got, []string{"problem_awaiting_moderation" + item(late.ID)}) {
		t.Errorf("violations %v", got)
	}
	c.do("POST", mod(late.ID), map[string]any{"decision": "hide", "reason": "Duplicate of the bus timetables proposal"}, 200, nil)
	p.submitApprove(t, id, 4)

	// Approved: final, and closed to the public.
	c.problem("POST", sel(contracts.ID), map[string]any{"selected": false}, 409, "step_content_locked")
	c.problem("PUT", resp(early.ID), map[string]any{"text": "Changed"}, 409, "step_content_locked")
	anon.problem("POST", base+"/problems/proposals", proposal("Too late"), 409, "proposals_closed")
	anon.do("GET", base+"/problems", nil, 200, &list)
	if got := problemTitles(list.Items); len(got) != 3 || slices.Contains(got, "Night buses to the port") || slices.Contains(got, "Buy my product") {
		t.Errorf("the public list after approval: %v", got)
	}
	for _, it := range list.Items {
		if !it.Selected && it.ReasonedResponse == "" {
			t.Errorf("%s: not selected and no public reasoned response", it.Title)
		}
	}

	// The limit per client address: five proposals an hour to a plan.
	other := p.createPlan(t, lastYear)
	path := fmt.Sprintf("/api/v1/action-plans/%d/problems/proposals", other)
	var first, retry server.ProposalResponse
	anon.do("POST", path, proposal("Idea 0"), 202, &first, "Idempotency-Key", "idea-0")
	for i := 1; i < 5; i++ {
		anon.do("POST", path, proposal(fmt.Sprintf("Idea %d", i)), 202, nil)
	}
	// A retry with its key is answered, not counted, even at the limit.
	anon.do("POST", path, proposal("Idea 0"), 202, &retry, "Idempotency-Key", "idea-0")
	if retry.ID != first.ID {
		t.Errorf("retry answered %+v, want %+v", retry, first)
	}
	problemHeaders(anon, "POST", path, proposal("Another idea"), 422, "idempotency_key_reused", "Idempotency-Key", "idea-0")
	anon.problem("POST", path, proposal("Idea 5"), 429, "rate_limited")
	// A header the client invents does not make it someone else.
	problemHeaders(anon, "POST", path, proposal("Idea 6"), 429, "rate_limited", "X-Forwarded-For", "203.0.113.77")
	req, _ := http.NewRequest("POST", anon.base+path, strings.NewReader(`{"title":"Idea 7","description":"d","policy_area":"p"}`))
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if secs, err := strconv.Atoi(res.Header.Get("Retry-After")); res.StatusCode != 429 || err != nil || secs < 1 || secs > 3600 {
		t.Errorf("429 answer: %d, Retry-After %q", res.StatusCode, res.Header.Get("Retry-After"))
	}
	// Another plan keeps its own allowance.
	third := p.createPlan(t, lastYear)
	anon.do("POST", fmt.Sprintf("/api/v1/action-plans/%d/problems/proposals", third), proposal("Idea for the third plan"), 202, nil)
	// The coordinators see them all, pending.
	c.do("GET", fmt.Sprintf("/api/v1/action-plans/%d/problems?all=true", other), nil, 200, &list)
	if len(list.Items) != 5 {
		t.Errorf("%d proposals stored, want 5", len(list.Items))
	}
}
