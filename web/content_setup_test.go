package web_test

import (
	"fmt"
	"html"
	"net/http"
	"net/url"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ogplocal/ogp/web/webtest"
)

// setupDay is today (UTC) plus n days, as YYYY-MM-DD.
func setupDay(n int) string {
	return time.Now().UTC().AddDate(0, 0, n).Format(time.DateOnly)
}

var setupHiddenRE = regexp.MustCompile(`<input type="hidden" name="csrf" value="([^"]*)"`)

// setupCSRF is the CSRF token a page's forms carry.
func setupCSRF(t *testing.T, p *webtest.Page) string {
	t.Helper()
	m := setupHiddenRE.FindStringSubmatch(p.Body)
	if m == nil {
		t.Fatalf("no csrf field on %s", p)
	}
	return html.UnescapeString(m[1])
}

// setupWant fails unless the page has the status.
func setupWant(t *testing.T, p *webtest.Page, status int) {
	t.Helper()
	if p.Status != status {
		t.Fatalf("%s: status %d, want %d:\n%s", p.URL, p.Status, status, p.Body)
	}
}

// setupRedirected fails unless a form ended on path (after its 303).
func setupRedirected(t *testing.T, p *webtest.Page, path string) {
	t.Helper()
	if p.URL.Path != path || p.Status != http.StatusOK {
		t.Fatalf("form ended at %s (status %d), want %s:\n%s", p.URL, p.Status, path, p.Body)
	}
}

// TestContentSetupForms drives the plan's setup and the content of steps
// 1-3 through their forms, as a coordinator's browser would, and checks
// what the API then holds.
func TestContentSetupForms(t *testing.T) {
	site := webtest.Start(t, "")
	cast := site.Cast()
	coord := site.Browser()
	coord.SignIn(cast.Coordinator)

	t.Run("create a plan, and a refused one keeps what was typed", func(t *testing.T) {
		b := coord.For(t)
		page := b.Get("/work/plans/new")
		setupWant(t, page, http.StatusOK)
		page.MustContain(t, `id="field-title"`, `id="field-member"`, `id="field-starts_on"`, `id="field-ends_on"`, `id="field-sector"`)

		bad := b.Submit(page, "/work/plans/new", map[string]string{"title": "", "member": "City of Riverton",
			"starts_on": setupDay(0), "ends_on": setupDay(700), "sector": "government", "reminder_interval_days": "7"})
		setupWant(t, bad, http.StatusUnprocessableEntity)
		bad.MustContain(t, `id="error-title"`, `usa-form-group--error`, `value="City of Riverton"`)

		done := b.Submit(page, "/work/plans/new", map[string]string{"title": "Open Riverton 2026-2028", "member": "City of Riverton",
			"starts_on": setupDay(-10), "ends_on": setupDay(700), "sector": "government", "reminder_interval_days": "10"})
		m := regexp.MustCompile(`^/work/plans/(\d+)$`).FindStringSubmatch(done.URL.Path)
		if m == nil {
			t.Fatalf("creating a plan ended at %s", done.URL)
		}
		var plan struct {
			Title                string `json:"title"`
			CoordinatorID        int64  `json:"coordinator_id"`
			ReminderIntervalDays int    `json:"reminder_interval_days"`
		}
		site.API("", http.MethodGet, "/action-plans/"+m[1], nil, http.StatusOK, &plan)
		if plan.Title != "Open Riverton 2026-2028" || plan.CoordinatorID != cast.Coordinator.ID || plan.ReminderIntervalDays != 10 {
			t.Fatalf("plan as created: %+v", plan)
		}
	})

	planID := site.NewPlan(cast, "Riverton step 1")
	base := fmt.Sprintf("/work/plans/%d", planID)
	api := fmt.Sprintf("/action-plans/%d", planID)

	t.Run("a member is added by e-mail address and their roles changed", func(t *testing.T) {
		b := coord.For(t)
		extra := site.User("Lucía Benítez", "lucia.benitez@example.org", false)
		page := b.Get(base + "/members")
		setupWant(t, page, http.StatusOK)
		page.MustContain(t, "Marta Ríos", fmt.Sprintf(`id="field-user:%d"`, cast.CivilApprover.ID), `id="field-email"`, `type="email"`)
		// Nobody types account numbers.
		if strings.Contains(page.Body, `name="user_id"`) || strings.Contains(page.Body, fmt.Sprintf(`<span class="ogp-detail">#%d</span>`, cast.CivilApprover.ID)) {
			t.Fatal("the members page still asks for or shows user numbers")
		}

		// An address nobody has: invite them first. The coordinator is no
		// administrator, so the page does not offer the users page.
		unknown := b.Submit(page, base+"/members", map[string]string{"email": "nobody@example.org", "roles": "contributor", "sector": "civil_society"})
		setupWant(t, unknown, http.StatusUnprocessableEntity)
		unknown.MustContain(t, `id="error-email"`, "An administrator must create the person&#39;s account and invite them first",
			`href="#field-email"`, `value="nobody@example.org"`)
		if strings.Contains(unknown.Body, `href="/account/users"`) {
			t.Fatal("a coordinator who is not an administrator is offered the users page")
		}
		bad := b.Submit(page, base+"/members", map[string]string{"email": "not an address", "roles": "contributor", "sector": "civil_society"})
		setupWant(t, bad, http.StatusUnprocessableEntity)
		bad.MustContain(t, `id="error-email"`, "Enter a valid e-mail address")
		empty := b.Submit(page, base+"/members", map[string]string{"email": " ", "roles": "contributor", "sector": "civil_society"})
		setupWant(t, empty, http.StatusUnprocessableEntity)
		empty.MustContain(t, `id="error-email"`, "Enter the person&#39;s e-mail address.")
		// Someone already on the plan: their own page changes their roles.
		again := b.Submit(page, base+"/members", map[string]string{"email": cast.CivilApprover.Email, "roles": "contributor", "sector": "civil_society"})
		setupWant(t, again, http.StatusConflict)
		again.MustContain(t, `id="error-email"`, "Marta Ríos is already a member of the plan", fmt.Sprintf(`href="%s/members/%d"`, base, cast.CivilApprover.ID))

		done := b.Submit(page, base+"/members", map[string]string{"email": " Lucia.Benitez@Example.org ", "roles": "contributor", "sector": "civil_society"})
		setupRedirected(t, done, base+"/members")
		done.MustContain(t, "Lucía Benítez", "The person is added to the plan.")

		edit := b.Get(fmt.Sprintf("%s/members/%d", base, extra.ID))
		setupWant(t, edit, http.StatusOK)
		noRole := b.Submit(edit, fmt.Sprintf("%s/members/%d", base, extra.ID), map[string]string{"sector": "other"})
		setupWant(t, noRole, http.StatusBadRequest)
		noRole.MustContain(t, `id="error-roles"`)
		done = b.Submit(edit, fmt.Sprintf("%s/members/%d", base, extra.ID), map[string]string{"roles": "approver", "sector": "other"})
		setupRedirected(t, done, base+"/members")
		var members struct {
			Items []struct {
				UserID int64    `json:"user_id"`
				Roles  []string `json:"roles"`
				Sector string   `json:"sector"`
			} `json:"items"`
		}
		site.API("", http.MethodGet, api+"/members", nil, http.StatusOK, &members)
		found := false
		for _, m := range members.Items {
			if m.UserID == extra.ID {
				found = true
				if strings.Join(m.Roles, ",") != "approver" || m.Sector != "other" {
					t.Fatalf("member after the change: %+v", m)
				}
			}
		}
		if !found {
			t.Fatal("the added member is not on the roster")
		}
		removed := b.Submit(b.Get(fmt.Sprintf("%s/members/%d", base, extra.ID)), fmt.Sprintf("%s/members/%d/remove", base, extra.ID), nil)
		setupRedirected(t, removed, base+"/members")
		if strings.Contains(removed.Body, "Lucía Benítez") {
			t.Fatal("the removed member is still listed")
		}
	})

	t.Run("an administrator is offered to invite an unknown address", func(t *testing.T) {
		b := site.Browser().For(t)
		b.SignIn(cast.Admin)
		page := b.Get(base + "/members")
		setupWant(t, page, http.StatusOK)
		unknown := b.Submit(page, base+"/members", map[string]string{"email": "new.person@example.org", "roles": "contributor", "sector": "other"})
		setupWant(t, unknown, http.StatusUnprocessableEntity)
		unknown.MustContain(t, `id="error-email"`, `href="/account/users"`, "Create the account and invite them")
	})

	t.Run("the gate's violations are listed and shown next to their fields", func(t *testing.T) {
		b := coord.For(t)
		// What the real gate refuses now...
		var refusal struct {
			Code       string `json:"code"`
			Violations []struct {
				Code string `json:"code"`
				Item string `json:"item"`
			} `json:"violations"`
		}
		site.API(cast.Coordinator.Token, http.MethodPost, api+"/steps/1/submit", map[string]any{"summary": "too early"}, http.StatusUnprocessableEntity, &refusal)
		if refusal.Code != "step_rules_unmet" || len(refusal.Violations) == 0 {
			t.Fatalf("submitting an empty step 1: %+v", refusal)
		}
		// ...is what the API's step check answers...
		var check struct {
			Ready      bool `json:"ready"`
			Violations []struct {
				Code string `json:"code"`
				Item string `json:"item"`
			} `json:"violations"`
		}
		site.API(cast.Coordinator.Token, http.MethodGet, api+"/steps/1/check", nil, http.StatusOK, &check)
		if check.Ready || !reflect.DeepEqual(check.Violations, refusal.Violations) {
			t.Fatalf("the step check answers %+v, the gate refused %+v", check.Violations, refusal.Violations)
		}
		// ...and what the team page lists, each linked to a field that
		// exists on the page it names.
		page := b.Get(base + "/content/team")
		setupWant(t, page, http.StatusOK)
		page.MustContain(t, `id="gate-summary"`)
		links := regexp.MustCompile(`<li><a href="(/work/plans/\d+/content/[a-z-]+)#field-([^"]+)">`).FindAllStringSubmatch(page.Body, -1)
		if len(links) != len(refusal.Violations) {
			t.Fatalf("the page lists %d rules, the gate refused %d: %+v", len(links), len(refusal.Violations), refusal.Violations)
		}
		for _, l := range links {
			key, err := url.PathUnescape(l[2]) // html/template escapes ":" in a link's fragment
			if err != nil {
				t.Fatal(err)
			}
			target := b.Get(l[1])
			setupWant(t, target, http.StatusOK)
			target.MustContain(t, fmt.Sprintf(`id="field-%s"`, key), fmt.Sprintf(`id="error-%s"`, key))
		}
		page.MustContain(t, `id="error-team"`, "The team needs a coordinator from government")

		mb := b.Get(base + "/content/monitoring-body")
		mb.MustContain(t, `id="field-monitoring_body"`, `id="error-monitoring_body"`, "Select a monitoring body")
	})

	t.Run("team profiles through the forms", func(t *testing.T) {
		b := coord.For(t)
		page := b.Get(base + "/content/team")
		bad := b.Submit(page, base+"/content/team", map[string]string{"user_id": strconv.FormatInt(cast.Coordinator.ID, 10), "title": "", "organisation": "Mayor's Office"})
		setupWant(t, bad, http.StatusUnprocessableEntity)
		bad.MustContain(t, `id="error-title"`, `value="Mayor&#39;s Office"`)
		for _, p := range []struct {
			who          webtest.Person
			title, organ string
		}{
			{cast.Coordinator, "Open government coordinator", "Mayor's Office"},
			{cast.Contributor, "Civic technology lead", "Code for Riverton"},
			{cast.Monitor, "Watchdog", "Riverton Transparency Watch"},
		} {
			done := b.Submit(b.Get(base+"/content/team"), base+"/content/team", map[string]string{"user_id": strconv.FormatInt(p.who.ID, 10), "title": p.title, "organisation": p.organ})
			setupRedirected(t, done, base+"/content/team")
			done.MustContain(t, p.title)
		}
		// The monitoring body's member is now on the team: the rule is
		// shown next to them on the monitoring body page.
		key := fmt.Sprintf("user:%d", cast.Monitor.ID)
		mb := b.Get(base + "/content/monitoring-body")
		mb.MustContain(t, `id="field-`+key+`"`, `id="error-`+key+`"`, "Amina Haddad is in the monitoring body and on the team")
		b.Get(base+"/content/team").MustContain(t, `id="field-`+key+`"`, `id="error-`+key+`"`)
		// Edit, then remove them from the team.
		path := fmt.Sprintf("%s/content/team/%d", base, cast.Monitor.ID)
		edit := b.Get(path)
		setupWant(t, edit, http.StatusOK)
		done := b.Submit(edit, path, map[string]string{"title": "Independent watchdog", "organisation": "Riverton Transparency Watch"})
		done.MustContain(t, "Independent watchdog")
		done = b.Submit(b.Get(path), path+"/remove", nil)
		setupRedirected(t, done, base+"/content/team")
		if strings.Contains(done.Body, "Independent watchdog") {
			t.Fatal("the removed team member is still listed")
		}
		if strings.Contains(b.Get(base+"/content/team").Body, "The team needs a coordinator from government") {
			t.Fatal("the team rule is still shown with a government coordinator on the team")
		}
	})

	t.Run("the forum, its members and meetings through the forms", func(t *testing.T) {
		b := coord.For(t)
		page := b.Get(base + "/content/forum")
		setupWant(t, page, http.StatusOK)
		page.MustContain(t, `id="field-forum"`, `id="error-forum"`)
		done := b.Submit(page, base+"/content/forum", map[string]string{"name": "Riverton Open Government Forum", "is_new": "1",
			"purpose": "Co-create and review the plan", "meeting_cadence": "every two months"})
		setupRedirected(t, done, base+"/content/forum")
		done.MustContain(t, `id="field-forum_members"`, `id="error-forum_members"`, "The forum needs at least one member from government")

		for _, m := range []map[string]string{
			{"member_name": "Daniel Okafor", "member_organisation": "City of Riverton", "member_sector": "government"},
			{"member_name": "Jorge Mendoza", "member_organisation": "Eastside Neighbourhood Association", "member_sector": "non_government"},
		} {
			done = b.Submit(b.Get(base+"/content/forum"), base+"/content/forum/members", m)
			setupRedirected(t, done, base+"/content/forum")
		}
		if strings.Contains(done.Body, `id="error-forum_members"`) {
			t.Fatal("the forum's balance rule is still shown")
		}
		future := b.Submit(done, base+"/content/forum/meetings", map[string]string{"held_on": setupDay(3), "agenda": "Rules", "minutes": "Adopted", "attendees": "12"})
		setupWant(t, future, http.StatusUnprocessableEntity)
		future.MustContain(t, `id="error-held_on"`, `usa-input--error`, ">Rules</textarea>", `href="#field-held_on"`)
		done = b.Submit(future, base+"/content/forum/meetings", map[string]string{"held_on": setupDay(-3), "agenda": "The forum's rules",
			"minutes": "The forum adopted its rules.", "minutes_url": "https://riverton.example/minutes-1", "attendees": "12"})
		setupRedirected(t, done, base+"/content/forum")
		done.MustContain(t, "The forum adopted its rules.", "https://riverton.example/minutes-1")

		var forum struct {
			Name     string `json:"name"`
			IsNew    bool   `json:"is_new"`
			Members  []struct{ ID int64 }
			Meetings []struct {
				ID        int64 `json:"id"`
				Attendees int   `json:"attendees"`
			} `json:"meetings"`
		}
		site.API("", http.MethodGet, api+"/forum", nil, http.StatusOK, &forum)
		if forum.Name != "Riverton Open Government Forum" || !forum.IsNew || len(forum.Members) != 2 || len(forum.Meetings) != 1 {
			t.Fatalf("forum after the forms: %+v", forum)
		}
		mpath := fmt.Sprintf("%s/content/forum/meetings/%d", base, forum.Meetings[0].ID)
		done = b.Submit(b.Get(mpath), mpath, map[string]string{"held_on": setupDay(-3), "agenda": "The forum's rules", "minutes": "The forum adopted its rules.", "minutes_url": "", "attendees": "15"})
		setupRedirected(t, done, base+"/content/forum")
		site.API("", http.MethodGet, api+"/forum", nil, http.StatusOK, &forum)
		if forum.Meetings[0].Attendees != 15 {
			t.Fatalf("meeting after the edit: %+v", forum.Meetings[0])
		}
		// A third member, edited then removed.
		done = b.Submit(b.Get(base+"/content/forum"), base+"/content/forum/members", map[string]string{"member_name": "Temp", "member_organisation": "", "member_sector": "government"})
		setupRedirected(t, done, base+"/content/forum")
		site.API("", http.MethodGet, api+"/forum", nil, http.StatusOK, &forum)
		fpath := fmt.Sprintf("%s/content/forum/members/%d", base, forum.Members[2].ID)
		done = b.Submit(b.Get(fpath), fpath, map[string]string{"member_name": "Samuel Adeyemi", "member_organisation": "Federation of District Councils", "member_sector": "government"})
		done.MustContain(t, "Samuel Adeyemi")
		done = b.Submit(b.Get(fpath), fpath+"/remove", nil)
		setupRedirected(t, done, base+"/content/forum")
		if strings.Contains(done.Body, "Samuel Adeyemi") {
			t.Fatal("the removed forum member is still listed")
		}
	})

	t.Run("the monitoring body through its form", func(t *testing.T) {
		b := coord.For(t)
		page := b.Get(base + "/content/monitoring-body")
		done := b.Submit(page, base+"/content/monitoring-body", map[string]string{"name": "Riverton Transparency Watch", "kind": "organisation", "independence_statement": ""})
		setupRedirected(t, done, base+"/content/monitoring-body")
		// Recorded without a statement: the gate's rule is next to the field.
		done.MustContain(t, `id="field-independence_statement"`, `id="error-independence_statement"`, "Explain why the monitoring body is independent")
		done = b.Submit(done, base+"/content/monitoring-body", map[string]string{"name": "Riverton Transparency Watch", "kind": "organisation",
			"independence_statement": "Funded by its members; none of its people sit on the team."})
		setupRedirected(t, done, base+"/content/monitoring-body")
		done.MustContain(t, "Step 1 meets every rule")
		site.SubmitStep(cast, planID, 1)
	})

	t.Run("submitted content is locked", func(t *testing.T) {
		b := coord.For(t)
		page := b.Get(base + "/content/forum")
		page.MustContain(t, "awaiting approval: its content is locked")
		if strings.Contains(page.Body, `action="`+base+`/content/forum"`) {
			t.Fatal("the forum form is offered on locked content")
		}
		// Meetings are not step content: they can still be recorded.
		page.MustContain(t, `action="`+base+`/content/forum/meetings"`)
		// A form sent anyway (an old tab) is refused with the friendly message.
		p := b.Post(base+"/content/forum", url.Values{"csrf": {setupCSRF(t, page)}, "name": {"Renamed"}})
		setupWant(t, p, http.StatusConflict)
		p.MustContain(t, "This content can no longer be edited")
	})

	t.Run("someone who does not coordinate the plan gets 403", func(t *testing.T) {
		b := site.Browser().For(t)
		b.SignIn(cast.GovApprover)
		for _, path := range []string{"/members", "/settings", "/content/team", "/content/forum", "/content/monitoring-body", "/content/roadmap", "/content/awareness"} {
			setupWant(t, b.Get(base+path), http.StatusForbidden)
		}
		csrf := setupCSRF(t, b.Get("/work/plans/new"))
		p := b.Post(base+"/content/forum/meetings", url.Values{"csrf": {csrf}, "held_on": {setupDay(-1)}, "agenda": {"x"}, "minutes": {"y"}, "attendees": {"3"}})
		setupWant(t, p, http.StatusForbidden)
		setupWant(t, site.Browser().For(t).Get(base+"/content/team"), http.StatusOK) // the sign-in page
	})

	t.Run("settings through the forms", func(t *testing.T) {
		b := coord.For(t)
		page := b.Get(base + "/settings")
		setupWant(t, page, http.StatusOK)
		page.MustContain(t, "The plan uses the default reminders", `value="14, 3"`)
		bad := b.Submit(page, base+"/settings", map[string]string{"reminder_interval_days": "400"})
		setupWant(t, bad, http.StatusUnprocessableEntity)
		bad.MustContain(t, `id="error-reminder_interval_days"`)
		done := b.Submit(page, base+"/settings", map[string]string{"reminder_interval_days": "3"})
		setupRedirected(t, done, base+"/settings")
		done = b.Submit(done, base+"/settings/policy", map[string]string{"before": "10, 2", "on_due": "1", "overdue_every": "5", "coordinator_after": "1", "forum_after": "3"})
		setupRedirected(t, done, base+"/settings")
		done.MustContain(t, "The plan has its own reminders", `value="10, 2"`)
		var plan struct {
			ReminderIntervalDays int `json:"reminder_interval_days"`
			ReminderPolicy       *struct {
				Before       []string `json:"before"`
				OverdueEvery string   `json:"overdue_every"`
				ForumAfter   int      `json:"forum_after"`
			} `json:"reminder_policy"`
		}
		site.API("", http.MethodGet, api, nil, http.StatusOK, &plan)
		if plan.ReminderIntervalDays != 3 || plan.ReminderPolicy == nil || strings.Join(plan.ReminderPolicy.Before, ",") != "240h0m0s,48h0m0s" ||
			plan.ReminderPolicy.OverdueEvery != "120h0m0s" || plan.ReminderPolicy.ForumAfter != 3 {
			t.Fatalf("settings after the forms: %+v %+v", plan, plan.ReminderPolicy)
		}
		bad = b.Submit(done, base+"/settings/policy", map[string]string{"before": "soon", "overdue_every": "5", "coordinator_after": "1", "forum_after": "3"})
		setupWant(t, bad, http.StatusBadRequest)
		bad.MustContain(t, `id="error-before"`, `value="soon"`)
		done = b.Submit(bad, base+"/settings/policy", map[string]string{"use_default": "1", "before": "soon"})
		setupRedirected(t, done, base+"/settings")
		done.MustContain(t, "The plan uses the default reminders", `value="14, 3"`)
	})
}

// TestContentSetupRoadmapAndAwareness fills steps 2 and 3 through their
// forms on plans at those steps.
func TestContentSetupRoadmapAndAwareness(t *testing.T) {
	site := webtest.Start(t, "")
	cast := site.Cast()
	b := site.Browser()
	b.SignIn(cast.Coordinator)

	t.Run("the roadmap: rows refused are shown next to them, the others saved", func(t *testing.T) {
		b := b.For(t)
		planID := site.PlanAt(cast, "Riverton roadmap", 2)
		base := fmt.Sprintf("/work/plans/%d", planID)
		page := b.Get(base + "/content/roadmap")
		setupWant(t, page, http.StatusOK)
		page.MustContain(t, `id="field-roadmap_step:3"`, `id="error-roadmap_step:10"`, "Step 10 is not planned yet")
		// Step 1 is approved: its pages are read only.
		team := b.Get(base + "/content/team")
		team.MustContain(t, "This step is approved: its content is final.")
		if strings.Contains(team.Body, `action="`+base+`/content/team"`) {
			t.Fatal("the team form is offered on approved content")
		}

		fields := map[string]string{}
		for n := 3; n <= 10; n++ {
			fields[fmt.Sprintf("starts_on_%d", n)] = setupDay(10 * n)
			fields[fmt.Sprintf("ends_on_%d", n)] = setupDay(10*n + 5)
			fields[fmt.Sprintf("responsible_%d", n)] = "Ana Lucía Ferreira"
			fields[fmt.Sprintf("stakeholders_%d", n)] = "The forum"
		}
		fields["ends_on_5"] = setupDay(1) // before its start
		bad := b.Submit(page, base+"/content/roadmap", fields)
		setupWant(t, bad, http.StatusUnprocessableEntity)
		if !regexp.MustCompile(`href="#field-roadmap_step(:|%3a)5"`).MatchString(bad.Body) {
			t.Fatalf("the error summary does not link to step 5's row:\n%s", bad.Body)
		}
		bad.MustContain(t, `id="error-roadmap_step:5"`, "usa-form-group--error", `value="`+setupDay(1)+`"`)
		var roadmap struct {
			Items []struct {
				Step int `json:"step"`
			} `json:"items"`
		}
		site.API("", http.MethodGet, fmt.Sprintf("/action-plans/%d/roadmap", planID), nil, http.StatusOK, &roadmap)
		if len(roadmap.Items) != 7 {
			t.Fatalf("%d roadmap entries saved, want the 7 valid ones", len(roadmap.Items))
		}
		fields["ends_on_5"] = setupDay(55)
		done := b.Submit(bad, base+"/content/roadmap", fields)
		setupRedirected(t, done, base+"/content/roadmap")
		done.MustContain(t, "The roadmap is saved.", "Step 2 meets every rule")
		site.API("", http.MethodGet, fmt.Sprintf("/action-plans/%d/roadmap", planID), nil, http.StatusOK, &roadmap)
		if len(roadmap.Items) != 8 {
			t.Fatalf("%d roadmap entries saved, want 8", len(roadmap.Items))
		}
		// Emptying a row removes it.
		for _, f := range []string{"starts_on_10", "ends_on_10", "responsible_10", "stakeholders_10"} {
			fields[f] = ""
		}
		done = b.Submit(done, base+"/content/roadmap", fields)
		setupRedirected(t, done, base+"/content/roadmap")
		done.MustContain(t, `id="error-roadmap_step:10"`)
	})

	t.Run("awareness activities: add, edit, remove", func(t *testing.T) {
		b := b.For(t)
		planID := site.PlanAt(cast, "Riverton awareness", 3)
		base := fmt.Sprintf("/work/plans/%d", planID)
		page := b.Get(base + "/content/awareness")
		setupWant(t, page, http.StatusOK)
		page.MustContain(t, `id="field-awareness"`, `id="error-awareness"`)

		planned := map[string]string{"kind": "event", "held_on": setupDay(20), "audience": "Residents", "description": "Launch evening", "reach": "", "evidence_url": ""}
		done := b.Submit(page, base+"/content/awareness", planned)
		setupRedirected(t, done, base+"/content/awareness")
		done.MustContain(t, "Launch evening", "Planned", `id="error-awareness"`)

		bad := b.Submit(done, base+"/content/awareness", map[string]string{"kind": "online", "held_on": setupDay(-2), "audience": "Everyone",
			"description": "Campaign", "reach": "900", "evidence_url": "javascript:alert(1)"})
		setupWant(t, bad, http.StatusUnprocessableEntity)
		bad.MustContain(t, `id="error-evidence_url"`)
		done = b.Submit(bad, base+"/content/awareness", map[string]string{"kind": "online", "held_on": setupDay(-2), "audience": "Everyone",
			"description": "Campaign", "reach": "900", "evidence_url": "https://riverton.example/campaign"})
		setupRedirected(t, done, base+"/content/awareness")
		done.MustContain(t, "Took place", "Step 3 meets every rule")

		var list struct {
			Items []struct {
				ID       int64  `json:"id"`
				Audience string `json:"audience"`
			} `json:"items"`
		}
		site.API("", http.MethodGet, fmt.Sprintf("/action-plans/%d/awareness", planID), nil, http.StatusOK, &list)
		if len(list.Items) != 2 {
			t.Fatalf("%d activities, want 2", len(list.Items))
		}
		var launch int64
		for _, a := range list.Items {
			if a.Audience == "Residents" {
				launch = a.ID
			}
		}
		path := fmt.Sprintf("%s/content/awareness/%d", base, launch)
		edit := b.Get(path)
		setupWant(t, edit, http.StatusOK)
		planned["audience"] = "Residents and NGOs"
		done = b.Submit(edit, path, planned)
		setupRedirected(t, done, base+"/content/awareness")
		done.MustContain(t, "Residents and NGOs")
		done = b.Submit(b.Get(path), path+"/remove", nil)
		setupRedirected(t, done, base+"/content/awareness")
		if strings.Contains(done.Body, "Launch evening") {
			t.Fatal("the removed activity is still listed")
		}
	})

	t.Run("pages in Spanish", func(t *testing.T) {
		es := site.Browser().For(t)
		es.Lang = "es"
		es.SignIn(cast.Coordinator)
		planID := site.NewPlan(cast, "Riverton en español")
		p := es.Get(fmt.Sprintf("/work/plans/%d/content/team", planID))
		setupWant(t, p, http.StatusOK)
		p.MustContain(t, `lang="es"`, "Lo que le falta al paso 1 para poder enviarlo", "Sumar a alguien al equipo")
	})
}
