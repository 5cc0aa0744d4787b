package web_test

import (
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ogplocal/ogp/web/webtest"
)

// cocDay is today (UTC) plus n days, as YYYY-MM-DD.
func cocDay(n int) string {
	return time.Now().UTC().AddDate(0, 0, n).Format(time.DateOnly)
}

// cocStatus fails unless the page has the status.
func cocStatus(t *testing.T, p *webtest.Page, status int) {
	t.Helper()
	if p.Status != status {
		t.Fatalf("%s: status %d, want %d:\n%s", p.URL, p.Status, status, p.Body)
	}
}

// cocLanded fails unless a form ended on path (after its 303).
func cocLanded(t *testing.T, p *webtest.Page, path string) {
	t.Helper()
	if p.URL.Path != path || p.Status != http.StatusOK {
		t.Fatalf("form ended at %s (status %d), want %s:\n%s", p.URL, p.Status, path, p.Body)
	}
}

// cocLacks fails if the page holds any of the texts.
func cocLacks(t *testing.T, p *webtest.Page, texts ...string) {
	t.Helper()
	for _, s := range texts {
		if strings.Contains(p.Body, s) {
			t.Fatalf("page %s (status %d) has %q, which it must not:\n%s", p.URL, p.Status, s, p.Body)
		}
	}
}

// cocClean fails if the page shows a template's or a format's leftovers.
func cocClean(t *testing.T, p *webtest.Page) {
	t.Helper()
	cocLacks(t, p, "&lt;nil&gt;", "&lt;no value&gt;", "<no value>", "%!", "cocreation.")
}

type cocProblem struct {
	ID               int64   `json:"id"`
	Title            string  `json:"title"`
	Status           string  `json:"status"`
	ScoreCount       int     `json:"score_count"`
	ScoreAverage     float64 `json:"score_average"`
	Selected         bool    `json:"selected"`
	ReasonedResponse string  `json:"reasoned_response"`
}

func cocProblems(site *webtest.Site, planID int64) map[string]cocProblem {
	var list struct {
		Items []cocProblem `json:"items"`
	}
	site.API("", http.MethodGet, fmt.Sprintf("/action-plans/%d/problems", planID), nil, http.StatusOK, &list)
	out := map[string]cocProblem{}
	for _, p := range list.Items {
		out[p.Title] = p
	}
	return out
}

// TestCocreationForms drives co-creation steps 4 to 7 through their
// forms, as the coordinator's and a team member's browsers would, and
// checks what the API then holds: problems added, moderated, scored,
// selected and answered; a commitment on the OGP template with its
// milestones (and a refused milestone shown next to its field); the
// support network with its private contacts; the strategic vision; the
// lock once a step is submitted; and a stranger kept out.
func TestCocreationForms(t *testing.T) {
	site := webtest.Start(t, "")
	cast := site.Cast()
	planID := site.PlanAt(cast, "Riverton co-creation", 4)
	base := fmt.Sprintf("/work/plans/%d", planID)
	api := fmt.Sprintf("/action-plans/%d", planID)
	coord := site.Browser()
	coord.SignIn(cast.Coordinator)

	const (
		budget   = "Spending is published a year late, as scanned PDFs"
		buses    = "Bus timetables are not open data"
		potholes = "Potholes are never repaired on Elm Street"
	)

	t.Run("adding a problem", func(t *testing.T) {
		b := coord.For(t)
		page := b.Get(base + "/content/problems")
		cocStatus(t, page, http.StatusOK)
		cocClean(t, page)
		page.MustContain(t, "Problems and priorities", `id="field-title"`, `id="field-description"`, `id="field-policy_area"`, `id="field-source"`,
			"0 selected out of at most 5.")

		bad := b.Submit(page, base+"/content/problems", map[string]string{"title": budget, "description": "", "policy_area": "fiscal transparency", "source": "team"})
		cocStatus(t, bad, http.StatusUnprocessableEntity)
		bad.MustContain(t, `id="error-description"`, `usa-form-group--error`, `href="#field-description"`, "fiscal transparency")

		done := b.Submit(bad, base+"/content/problems", map[string]string{"title": budget,
			"description": "The approved budget is a scanned PDF and spending during the year is never published.",
			"policy_area": "fiscal transparency", "source": "forum", "submitter": "Riverton Open Government Forum"})
		cocLanded(t, done, base+"/content/problems")
		done.MustContain(t, "The problem is added and published.", budget)
		p, ok := cocProblems(site, planID)[budget]
		if !ok || p.Status != "published" {
			t.Fatalf("the problem as the API holds it: %+v (found %v)", p, ok)
		}
		done.MustContain(t, fmt.Sprintf(`id="field-problem:%d"`, p.ID))

		// Edit it on its own page.
		path := fmt.Sprintf("%s/content/problems/%d", base, p.ID)
		edit := b.Get(path)
		cocStatus(t, edit, http.StatusOK)
		done = b.Submit(edit, path, map[string]string{"title": budget, "description": "Spending during the year is never published.",
			"policy_area": "fiscal openness", "source": "forum", "submitter": "Riverton Open Government Forum"})
		cocLanded(t, done, base+"/content/problems")
		done.MustContain(t, "The problem is saved.", "fiscal openness")
	})

	// Two proposals from the public, without an account.
	var proposals []int64
	for _, body := range []map[string]any{
		{"title": buses, "description": "Apps cannot show when the next bus comes.", "policy_area": "mobility", "name": "Li Wei", "email": "li.wei@example.org"},
		{"title": potholes, "description": "A deep pothole in front of number 14.", "policy_area": "roads"},
	} {
		var out struct {
			ID int64 `json:"id"`
		}
		site.API("", http.MethodPost, api+"/problems/proposals", body, http.StatusAccepted, &out)
		proposals = append(proposals, out.ID)
	}

	t.Run("moderating proposals from the public", func(t *testing.T) {
		b := coord.For(t)
		page := b.Get(base + "/content/problems")
		cocStatus(t, page, http.StatusOK)
		// The queue shows the proposer's private contact, and the gate
		// says the proposals await moderation, next to each.
		page.MustContain(t, "Proposals from the public awaiting moderation", "2 waiting", "li.wei@example.org",
			fmt.Sprintf(`id="field-problem:%d"`, proposals[0]), fmt.Sprintf(`id="error-problem:%d"`, proposals[0]), "Step 4 cannot be submitted yet")

		// Hiding needs a reason: refused next to the row's note field.
		action := fmt.Sprintf("%s/content/problems/%d/moderation", base, proposals[1])
		bad := b.Submit(page, action, map[string]string{"decision": "hide"})
		cocStatus(t, bad, http.StatusUnprocessableEntity)
		bad.MustContain(t, fmt.Sprintf(`id="error-reason_%d"`, proposals[1]), "Hiding a problem needs a reason")
		done := b.Submit(bad, action, map[string]string{"decision": "hide", fmt.Sprintf("reason_%d", proposals[1]): "A maintenance request: forwarded to the 311 service."})
		cocLanded(t, done, base+"/content/problems")
		done.MustContain(t, "The proposal is hidden", "Hidden proposals", "forwarded to the 311 service")

		done = b.Submit(done, fmt.Sprintf("%s/content/problems/%d/moderation", base, proposals[0]), map[string]string{"decision": "publish"})
		cocLanded(t, done, base+"/content/problems")
		done.MustContain(t, "The proposal is published", "No proposal is waiting for moderation.")

		all := cocProblems(site, planID)
		if all[buses].Status != "published" {
			t.Fatalf("the published proposal: %+v", all[buses])
		}
		if _, public := all[potholes]; public {
			t.Fatal("the hidden proposal is public")
		}
		// The public never sees the contact.
		pub := site.Browser().Get(fmt.Sprintf("/plans/%d/problems", planID))
		cocLacks(t, pub, "li.wei@example.org")
	})

	t.Run("scoring: the team and the forum", func(t *testing.T) {
		b := coord.For(t)
		all := cocProblems(site, planID)
		page := b.Get(base + "/content/problems")
		page.MustContain(t, "Your scores", "Scores of the forum members")
		done := b.Submit(page, base+"/content/problems/scores", map[string]string{
			fmt.Sprintf("score_%d", all[budget].ID): "5", fmt.Sprintf("score_%d", all[buses].ID): "2"})
		cocLanded(t, done, base+"/content/problems")
		done.MustContain(t, "Your scores are saved")
		// The sheet shows the coordinator's own scores.
		done.MustContain(t, `<option value="5" selected>`)

		// A team member who is not a coordinator scores, and sees no
		// coordinator's forms.
		member := site.Browser().For(t)
		member.SignIn(cast.Contributor)
		mine := member.Get(base + "/content/problems")
		cocStatus(t, mine, http.StatusOK)
		mine.MustContain(t, "Your scores")
		cocLacks(t, mine, "Scores of the forum members", `action="`+base+`/content/problems"`, "li.wei@example.org")
		done = member.Submit(mine, base+"/content/problems/scores", map[string]string{
			fmt.Sprintf("score_%d", all[budget].ID): "4", fmt.Sprintf("score_%d", all[buses].ID): "3"})
		cocLanded(t, done, base+"/content/problems")

		// The coordinator records a forum member's scores.
		var forum struct {
			Members []struct {
				ID   int64  `json:"id"`
				Name string `json:"name"`
			} `json:"members"`
		}
		site.API("", http.MethodGet, api+"/forum", nil, http.StatusOK, &forum)
		if len(forum.Members) == 0 {
			t.Fatal("the fixture's forum has no members")
		}
		page = b.Get(base + "/content/problems")
		bad := b.Submit(page, base+"/content/problems/forum-scores", map[string]string{fmt.Sprintf("fscore_%d", all[budget].ID): "5"})
		cocStatus(t, bad, http.StatusUnprocessableEntity)
		bad.MustContain(t, `id="error-forum_member_id"`)
		done = b.Submit(bad, base+"/content/problems/forum-scores", map[string]string{"forum_member_id": strconv.FormatInt(forum.Members[0].ID, 10),
			fmt.Sprintf("fscore_%d", all[budget].ID): "3", fmt.Sprintf("fscore_%d", all[buses].ID): "1"})
		cocLanded(t, done, base+"/content/problems")
		done.MustContain(t, "forum member&#39;s scores are saved", "scored 2 of 2 problems")

		all = cocProblems(site, planID)
		if p := all[budget]; p.ScoreCount != 3 || p.ScoreAverage != 4 {
			t.Fatalf("scores of %q: %+v, want 3 scores averaging 4", budget, p)
		}
		if p := all[buses]; p.ScoreCount != 3 || p.ScoreAverage != 2 {
			t.Fatalf("scores of %q: %+v, want 3 scores averaging 2", buses, p)
		}
		// The ranking follows.
		page = b.Get(base + "/content/problems")
		if i, j := strings.Index(page.Body, "1. "+budget), strings.Index(page.Body, "2. "+buses); i < 0 || j < 0 || i > j {
			t.Fatalf("the ranking does not put %q first:\n%s", budget, page.Body)
		}
	})

	t.Run("selecting and a reasoned response", func(t *testing.T) {
		b := coord.For(t)
		all := cocProblems(site, planID)
		page := b.Get(base + "/content/problems")
		done := b.Submit(page, fmt.Sprintf("%s/content/problems/%d/selection", base, all[budget].ID), map[string]string{"selected": "true"})
		cocLanded(t, done, base+"/content/problems")
		done.MustContain(t, "The problem is selected", "1 selected out of at most 5.")
		if !cocProblems(site, planID)[budget].Selected {
			t.Fatal("the problem is not selected")
		}
		// The bus proposal is not selected: the gate asks for its reasoned
		// response, next to its row.
		done.MustContain(t, fmt.Sprintf(`id="error-problem:%d"`, all[buses].ID), "not selected: record a public reasoned response")

		action := fmt.Sprintf("%s/content/problems/%d/reasoned-response", base, all[buses].ID)
		field := fmt.Sprintf("response_%d", all[buses].ID)
		bad := b.Submit(done, action, map[string]string{field: "  "})
		cocStatus(t, bad, http.StatusUnprocessableEntity)
		bad.MustContain(t, `id="error-`+field+`"`, "Write the reasoned response")
		done = b.Submit(bad, action, map[string]string{field: "Buses are run by the Regional Transit Authority; the forum has invited it to present its open data plans."})
		cocLanded(t, done, base+"/content/problems")
		done.MustContain(t, "The reasoned response is saved", "Step 4 meets every rule of OGP Local now.")
		if r := cocProblems(site, planID)[buses].ReasonedResponse; !strings.Contains(r, "Regional Transit Authority") {
			t.Fatalf("reasoned response: %q", r)
		}
	})

	site.SubmitStep(cast, planID, 4)
	site.ApproveStep(cast, planID, 4)

	var cid, mid int64
	t.Run("a commitment on the OGP template with its milestones", func(t *testing.T) {
		b := coord.For(t)
		problem := cocProblems(site, planID)[budget]
		list := b.Get(base + "/content/commitments")
		cocStatus(t, list, http.StatusOK)
		list.MustContain(t, fmt.Sprintf(`id="field-problem:%d"`, problem.ID), "No commitment yet.", "Step 5 cannot be submitted yet")

		page := b.Get(fmt.Sprintf("%s/content/commitments/new?problem=%d", base, problem.ID))
		cocStatus(t, page, http.StatusOK)
		cocClean(t, page)
		for _, f := range []string{"problem_id", "title", "starts_on", "ends_on", "lead_agency", "lead_user_id", "problem_statement", "status_quo",
			"objective", "how_it_solves", "values", "justification_transparency", "justification_participation", "justification_accountability", "additional_info"} {
			page.MustContain(t, `id="field-`+f+`"`)
		}
		page.MustContain(t, fmt.Sprintf(`<option value="%d" selected>`, problem.ID), "How things stand before the commitment")

		fields := map[string]string{"problem_id": strconv.FormatInt(problem.ID, 10), "title": "Open budget, month by month",
			"starts_on": cocDay(-20), "ends_on": cocDay(900), "lead_agency": "Finance Department", "lead_user_id": strconv.FormatInt(cast.Lead.ID, 10),
			"problem_statement": "Residents cannot follow how the budget is spent.", "status_quo": "Spending is never published during the year.",
			"objective": "Publish spending every month as open data.", "how_it_solves": "Residents can follow and question spending.",
			"value_transparency": "1", "justification_transparency": "Discloses monthly spending.",
			"justification_participation": "Residents discuss it in district sessions.", "additional_info": "Budget: 40,000."}
		bad := b.Submit(page, base+"/content/commitments", fields)
		cocStatus(t, bad, http.StatusUnprocessableEntity)
		bad.MustContain(t, `id="error-ends_on"`, "Open budget, month by month")

		fields["ends_on"] = cocDay(200)
		done := b.Submit(bad, base+"/content/commitments", fields)
		m := regexp.MustCompile(`^/work/plans/\d+/content/commitments/(\d+)$`).FindStringSubmatch(done.URL.Path)
		if m == nil || done.Status != http.StatusOK {
			t.Fatalf("creating a commitment ended at %s (%d):\n%s", done.URL, done.Status, done.Body)
		}
		cid, _ = strconv.ParseInt(m[1], 10, 64)
		done.MustContain(t, "The commitment is saved", fmt.Sprintf(`id="field-commitment:%d"`, cid), `id="field-milestones"`, `id="field-network"`)
		var cm struct {
			Title      string `json:"title"`
			LeadUserID int64  `json:"lead_user_id"`
			Values     []struct {
				Value         string `json:"value"`
				Justification string `json:"justification"`
			} `json:"values"`
		}
		site.API("", http.MethodGet, fmt.Sprintf("%s/commitments/%d", api, cid), nil, http.StatusOK, &cm)
		if cm.Title != "Open budget, month by month" || cm.LeadUserID != cast.Lead.ID || len(cm.Values) != 2 {
			t.Fatalf("the commitment as the API holds it: %+v", cm)
		}

		// A milestone due before it starts is refused, next to its due date.
		path := fmt.Sprintf("%s/content/commitments/%d", base, cid)
		milestone := map[string]string{"milestone_title": "Publish the first three months", "milestone_deliverable": "A monthly dataset",
			"milestone_indicator": "Months published", "milestone_target": "3 months, each within 15 days",
			"milestone_starts_on": cocDay(30), "milestone_due_on": cocDay(10), "milestone_responsible": "Helen Park, Finance Department",
			"milestone_responsible_user_id": strconv.FormatInt(cast.Lead.ID, 10)}
		bad = b.Submit(done, path+"/milestones", milestone)
		cocStatus(t, bad, http.StatusUnprocessableEntity)
		bad.MustContain(t, `id="error-milestone_due_on"`, `href="#field-milestone_due_on"`, "the due date must come after the start date",
			`value="Publish the first three months"`)

		milestone["milestone_due_on"] = cocDay(120)
		done = b.Submit(bad, path+"/milestones", milestone)
		cocLanded(t, done, path)
		done.MustContain(t, "The milestone is added", "Publish the first three months", "Step 5 meets every rule of OGP Local now.")
		var got struct {
			Milestones []struct {
				ID                int64  `json:"id"`
				DueOn             string `json:"due_on"`
				ResponsibleUserID int64  `json:"responsible_user_id"`
			} `json:"milestones"`
		}
		site.API("", http.MethodGet, fmt.Sprintf("%s/commitments/%d", api, cid), nil, http.StatusOK, &got)
		if len(got.Milestones) != 1 || got.Milestones[0].DueOn != cocDay(120) || got.Milestones[0].ResponsibleUserID != cast.Lead.ID {
			t.Fatalf("milestones as the API holds them: %+v", got.Milestones)
		}
		mid = got.Milestones[0].ID
		done.MustContain(t, fmt.Sprintf(`id="field-milestone:%d"`, mid))

		// Edit the milestone on its page.
		mpath := fmt.Sprintf("%s/milestones/%d", path, mid)
		edit := b.Get(mpath)
		cocStatus(t, edit, http.StatusOK)
		edit.MustContain(t, `value="Months published"`)
		milestone["milestone_target"] = "6 months, each within 15 days"
		done = b.Submit(edit, mpath, milestone)
		cocLanded(t, done, path)
		done.MustContain(t, "The milestone is saved", "6 months, each within 15 days")

		// The list shows the commitment and its milestone, linked.
		list = b.Get(base + "/content/commitments")
		list.MustContain(t, fmt.Sprintf(`id="field-commitment:%d"`, cid), fmt.Sprintf(`id="field-milestone:%d"`, mid), "Template complete")
	})
	if cid == 0 {
		t.Fatal("no commitment to go on with")
	}

	site.SubmitStep(cast, planID, 5)
	site.ApproveStep(cast, planID, 5)

	t.Run("the support network, with private contacts", func(t *testing.T) {
		b := coord.For(t)
		path := fmt.Sprintf("%s/content/commitments/%d", base, cid)
		page := b.Get(path)
		cocStatus(t, page, http.StatusOK)
		cocClean(t, page)
		page.MustContain(t, "Contacts are private", `id="field-actor_contact"`, "Step 6 cannot be submitted yet", `id="error-network"`,
			"Locked: step 5 is approved")
		cocLacks(t, page, `action="`+path+`/milestones"`)

		bad := b.Submit(page, path+"/network", map[string]string{"actor_name": "", "actor_sector": "government", "actor_role": "lead"})
		cocStatus(t, bad, http.StatusUnprocessableEntity)
		bad.MustContain(t, `id="error-actor_name"`)
		done := b.Submit(bad, path+"/network", map[string]string{"actor_name": "Helen Park", "actor_organisation": "City of Riverton, Finance Department",
			"actor_sector": "government", "actor_role": "lead", "actor_contact": "budget@riverton.example"})
		cocLanded(t, done, path)
		done = b.Submit(done, path+"/network", map[string]string{"actor_name": "Riverton Budget Watch", "actor_sector": "civil_society",
			"actor_role": "supporter", "actor_contact": "team@budgetwatch.example"})
		cocLanded(t, done, path)
		done.MustContain(t, "added to the support network", "budget@riverton.example", "Step 6 meets every rule of OGP Local now.")

		// Contacts stay private: not in the public API, not for a member
		// who is not a coordinator.
		var pub struct {
			Network []map[string]any `json:"network"`
		}
		site.API("", http.MethodGet, fmt.Sprintf("%s/commitments/%d", api, cid), nil, http.StatusOK, &pub)
		if len(pub.Network) != 2 {
			t.Fatalf("network as the public sees it: %+v", pub.Network)
		}
		for _, a := range pub.Network {
			if _, ok := a["contact"]; ok {
				t.Fatalf("the public sees a contact: %+v", a)
			}
		}
		member := site.Browser().For(t)
		member.SignIn(cast.Contributor)
		theirs := member.Get(path)
		cocStatus(t, theirs, http.StatusOK)
		theirs.MustContain(t, "Helen Park", "Riverton Budget Watch")
		cocLacks(t, theirs, "budget@riverton.example", "team@budgetwatch.example", `action="`+path+`/network"`)
	})

	site.SubmitStep(cast, planID, 6)
	site.ApproveStep(cast, planID, 6)

	t.Run("the strategic vision, then locked once submitted", func(t *testing.T) {
		b := coord.For(t)
		page := b.Get(base + "/content/vision")
		cocStatus(t, page, http.StatusOK)
		cocClean(t, page)
		page.MustContain(t, `id="field-vision"`, "Step 7 cannot be submitted yet", `id="error-vision"`, fmt.Sprintf(`id="field-commitment:%d"`, cid))
		bad := b.Submit(page, base+"/content/vision", map[string]string{"vision": " "})
		cocStatus(t, bad, http.StatusUnprocessableEntity)
		bad.MustContain(t, "Write the text of the strategic vision")
		text := "By the end of this plan every resident of Riverton can follow, month by month, how the city spends its money."
		done := b.Submit(bad, base+"/content/vision", map[string]string{"vision": text})
		cocLanded(t, done, base+"/content/vision")
		done.MustContain(t, "The strategic vision is saved", "Step 7 meets every rule of OGP Local now.")
		var v struct {
			Text string `json:"text"`
		}
		site.API("", http.MethodGet, api+"/vision", nil, http.StatusOK, &v)
		if v.Text != text {
			t.Fatalf("vision: %q", v.Text)
		}

		// Submitted for approval, the content is locked: a form sent from
		// a page opened before says so kindly, and nothing changes.
		stale := b.Get(base + "/content/vision")
		site.SubmitStep(cast, planID, 7)
		locked := b.Submit(stale, base+"/content/vision", map[string]string{"vision": "Something else"})
		cocStatus(t, locked, http.StatusConflict)
		locked.MustContain(t, "Nothing was saved: this content is locked", "Locked: step 7 has been submitted")
		cocLacks(t, locked, `action="`+base+`/content/vision"`)
		site.API("", http.MethodGet, api+"/vision", nil, http.StatusOK, &v)
		if v.Text != text {
			t.Fatalf("vision changed while locked: %q", v.Text)
		}
	})

	t.Run("in Spanish", func(t *testing.T) {
		es := site.Browser().For(t)
		es.Lang = "es"
		es.SignIn(cast.Coordinator)
		page := es.Get(fmt.Sprintf("%s/content/commitments/%d", base, cid))
		cocStatus(t, page, http.StatusOK)
		page.MustContain(t, `lang="es"`, "La ficha de compromiso de OGP", "Red de apoyo (paso 6)", "Los datos de contacto son privados")
	})

	t.Run("a stranger to the plan gets 403", func(t *testing.T) {
		stranger := site.User("Olga Stranger", "olga.stranger@example.org", false)
		b := site.Browser().For(t)
		b.SignIn(stranger)
		for _, p := range []string{"/content/problems", "/content/commitments", fmt.Sprintf("/content/commitments/%d", cid),
			fmt.Sprintf("/content/commitments/%d/milestones/%d", cid, mid), "/content/vision"} {
			page := b.Get(base + p)
			cocStatus(t, page, http.StatusForbidden)
			cocLacks(t, page, "budget@riverton.example")
		}
		// A form sent anyway, with a valid CSRF token, changes nothing.
		home := b.Get("/work")
		m := regexp.MustCompile(`name="csrf" value="([^"]+)"`).FindStringSubmatch(home.Body)
		if m == nil {
			t.Fatal("no csrf token on /work")
		}
		res := b.Post(base+"/content/vision", map[string][]string{"csrf": {m[1]}, "vision": {"Taken over"}})
		cocStatus(t, res, http.StatusForbidden)

		anon := site.Browser().For(t)
		res = anon.Get(base + "/content/problems")
		if res.URL.Path != "/signin" {
			t.Fatalf("an anonymous visitor ended at %s, want the sign-in page", res.URL)
		}
	})
}
