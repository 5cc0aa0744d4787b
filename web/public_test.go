package web_test

import (
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/ogplocal/ogp/web/webtest"
)

// pubPlan creates a plan through the API as coordinator, at step 1.
func pubPlan(t *testing.T, site *webtest.Site, coordinator webtest.Person, title, member string) int64 {
	t.Helper()
	var plan struct {
		ID int64 `json:"id"`
	}
	site.API(coordinator.Token, http.MethodPost, "/action-plans", map[string]any{
		"title": title, "member": member, "starts_on": "2026-01-01", "ends_on": "2028-06-30",
	}, 0, &plan)
	if plan.ID == 0 {
		t.Fatalf("plan %q was not created", title)
	}
	return plan.ID
}

// pubEsc is text as html/template writes it.
func pubEsc(s string) string { return html.EscapeString(s) }

// pubH1Count counts the page's level-one headings: one per page.
func pubH1Count(body string) int { return len(regexp.MustCompile(`<h1[\s>]`).FindAllString(body, -1)) }

// TestPublicPortal covers the public pages on a whole stack: the list of
// plans, a plan at a glance, its problems with the proposal form, its
// document, unknown plans, and the Spanish pages.
func TestPublicPortal(t *testing.T) {
	site := webtest.Start(t, "")
	ana := site.User("Ana Coordinator", "ana.public@example.org", false)
	id := pubPlan(t, site, ana, "Open Athens 2026-2028", "City of Athens")
	plan := fmt.Sprintf("/action-plans/%d", id)
	site.API(ana.Token, http.MethodPut, fmt.Sprintf("%s/team/%d", plan, ana.ID), map[string]any{
		"title": "Head of the transparency office", "organisation": "City of Athens"}, http.StatusOK, nil)
	site.API(ana.Token, http.MethodPut, plan+"/forum", map[string]any{
		"name": "Athens Open Forum", "is_new": true, "purpose": "Co-create and follow the plan", "meeting_cadence": "Every three months"}, http.StatusOK, nil)
	site.API(ana.Token, http.MethodPost, plan+"/forum/meetings", map[string]any{
		"held_on": "2026-02-10", "agenda": "Kick-off of the action plan", "minutes_url": "https://example.org/minutes/1", "attendees": 23}, http.StatusCreated, nil)
	// A second plan for the rate limit, so it does not close the first.
	limited := pubPlan(t, site, ana, "Thessaloniki opens up", "City of Thessaloniki")
	pages := fmt.Sprintf("/plans/%d", id)

	t.Run("the list shows every plan with its stage and links", func(t *testing.T) {
		p := site.Browser().Get("/")
		if p.Status != http.StatusOK {
			t.Fatalf("status %d", p.Status)
		}
		p.MustContain(t, `<html lang="en">`, "Action plans", "What is OGP Local?", "Open Athens 2026-2028", "City of Athens",
			"Thessaloniki opens up", "Step 1 of 10", "2026-01-01 to 2028-06-30", `href="/plans/`+fmt.Sprint(id)+`"`, "usa-card")
		if n := pubH1Count(p.Body); n != 1 {
			t.Fatalf("%d h1 on the list", n)
		}
		// The filter by stage: no plan is completed yet.
		p = site.Browser().Get("/?status=completed")
		p.MustContain(t, "No plan is at this stage.", `<option value="completed" selected>`)
		if strings.Contains(p.Body, "Open Athens") {
			t.Fatal("the completed filter shows a plan at step 1")
		}
	})

	t.Run("a plan at a glance", func(t *testing.T) {
		p := site.Browser().Get(pages)
		if p.Status != http.StatusOK {
			t.Fatalf("status %d:\n%s", p.Status, p.Body)
		}
		p.MustContain(t,
			// The tracker: ten steps, step 1 current, with its counter.
			"usa-step-indicator", `usa-step-indicator__segment usa-step-indicator__segment--current" aria-current="step"`,
			`<span class="usa-step-indicator__current-step">1</span>`, "of 10", "Step 1 of 10",
			"The ten steps, their status and due dates", `<th scope="col">Due date</th>`,
			// Team, forum with its meeting, no monitoring body yet, no roadmap yet.
			"Ana Coordinator", "Head of the transparency office", "Athens Open Forum", "Every three months",
			"Kick-off of the action plan", `href="https://example.org/minutes/1"`, "The monitoring body has not been chosen yet.",
			"The roadmap has not been written yet.", "No commitment has been drafted yet.", "No assessment has started yet.",
			// The links to the other public pages and the feeds.
			fmt.Sprintf(`href="/plans/%d/commitments"`, id), fmt.Sprintf(`href="/plans/%d/assessments"`, id),
			fmt.Sprintf(`href="webcal://%s/api/v1/action-plans/%d/calendar.ics"`, strings.TrimPrefix(site.Base, "http://"), id),
			fmt.Sprintf(`%s/api/v1/action-plans/%d/calendar.ics`, site.Base, id),
			fmt.Sprintf(`%s/api/v1/action-plans/%d/feed.atom`, site.Base, id),
			fmt.Sprintf(`%s/api/v1/action-plans/%d/export.json`, site.Base, id),
			fmt.Sprintf(`%s/api/v1/action-plans/%d/export.zip`, site.Base, id),
			// The plan's navigation marks this page.
			`aria-label="Sections of this plan"`, fmt.Sprintf(`href="/plans/%d" aria-current="page">Overview`, id),
			// The tracker's name is on its list (a div may not have one).
			`<div class="usa-step-indicator usa-step-indicator--counters-sm ogp-tracker">`,
			`<ol class="usa-step-indicator__segments" aria-label="Progress through the ten steps">`,
			// Dates never wrap at their hyphens.
			`data-label="Date"><time datetime="2026-02-10">2026-02-10</time></th>`)
		if n := pubH1Count(p.Body); n != 1 {
			t.Fatalf("%d h1 on the plan page", n)
		}
		// The sidebar sits beside the top part only: the sections after
		// it take the page's width.
		aside, team := strings.Index(p.Body, "</aside>"), strings.Index(p.Body, `id="team-heading"`)
		if aside < 0 || team < 0 || team < aside {
			t.Errorf("the team section is not after the sidebar (aside ends at %d, team at %d)", aside, team)
		}
		if i := strings.Index(p.Body, `<div class="desktop:grid-col-8">`); i < 0 || strings.Count(p.Body[i:aside], "<section") != 1 {
			t.Error("the column beside the sidebar holds more than the steps")
		}
	})

	t.Run("unknown plans are 404 pages", func(t *testing.T) {
		for _, path := range []string{"/plans/999999", "/plans/not-a-number", "/plans/999999/problems", "/plans/999999/document"} {
			p := site.Browser().Get(path)
			if p.Status != http.StatusNotFound {
				t.Fatalf("%s: status %d, want 404", path, p.Status)
			}
			p.MustContain(t, "Page not found")
		}
		b := site.Browser()
		page := b.Get(pages + "/problems")
		p := b.Post("/plans/999999/problems/propose", url.Values{"csrf": {pubHidden(t, page.Body, "csrf")}, "title": {"x"}})
		if p.Status != http.StatusNotFound {
			t.Fatalf("proposal to an unknown plan: status %d, want 404", p.Status)
		}
	})

	t.Run("problems page and the proposal form", func(t *testing.T) {
		b := site.Browser()
		page := b.Get(pages + "/problems")
		if page.Status != http.StatusOK {
			t.Fatalf("status %d:\n%s", page.Status, page.Body)
		}
		page.MustContain(t, "Propose a problem", "No problem has been published yet.", `id="field-title"`, `id="field-description"`,
			`id="field-policy_area"`, `id="field-email"`, "appears on this page once a coordinator has reviewed it",
			fmt.Sprintf(`href="/plans/%d/problems" aria-current="page"`, id))
		if n := pubH1Count(page.Body); n != 1 {
			t.Fatalf("%d h1 on the problems page", n)
		}

		// A refusal is shown next to its field, with what was typed.
		p := b.Submit(page, pages+"/problems/propose", map[string]string{
			"title": "", "description": "Buses never come on time", "policy_area": "Transport"})
		if p.Status != http.StatusUnprocessableEntity {
			t.Fatalf("empty title: status %d, want 422:\n%s", p.Status, p.Body)
		}
		p.MustContain(t, "usa-form-group--error", `id="error-title"`, "Write the problem in a few words.",
			`href="#field-title"`, "Buses never come on time", `value="Transport"`)

		p = b.Submit(page, pages+"/problems/propose", map[string]string{
			"title": "Late buses", "description": "Buses never come on time", "policy_area": "Transport", "email": "not an address"})
		if p.Status != http.StatusUnprocessableEntity {
			t.Fatalf("bad e-mail: status %d, want 422", p.Status)
		}
		p.MustContain(t, `id="error-email"`, "Enter a valid e-mail address")

		// A proposal is received, held for moderation, and not shown yet.
		p = b.Submit(page, pages+"/problems/propose", map[string]string{
			"title": "Late buses", "description": "Buses never come on time", "policy_area": "Transport",
			"name": "A resident", "email": "resident@example.org"})
		if p.Status != http.StatusOK || p.URL.Path != pages+"/problems" {
			t.Fatalf("proposal: %s:\n%s", p, p.Body)
		}
		p.MustContain(t, "Your proposal was received and will appear here once a coordinator has reviewed it.")
		if strings.Contains(p.Body, "Late buses") {
			t.Fatal("an unmoderated proposal is public")
		}
		var all struct {
			Items []struct {
				Title  string `json:"title"`
				Status string `json:"status"`
				Email  string `json:"email"`
			} `json:"items"`
		}
		site.API(ana.Token, http.MethodGet, plan+"/problems?all=true", nil, http.StatusOK, &all)
		if len(all.Items) != 1 || all.Items[0].Title != "Late buses" || all.Items[0].Status != "pending" || all.Items[0].Email != "resident@example.org" {
			t.Fatalf("the coordinators see %+v", all.Items)
		}

		// The same form sent twice (same idem) records one proposal.
		again := b.Submit(page, pages+"/problems/propose", map[string]string{
			"title": "Late buses", "description": "Buses never come on time", "policy_area": "Transport",
			"name": "A resident", "email": "resident@example.org"})
		if again.Status != http.StatusOK {
			t.Fatalf("resent form: %s", again)
		}
		site.API(ana.Token, http.MethodGet, plan+"/problems?all=true", nil, http.StatusOK, &all)
		if len(all.Items) != 1 {
			t.Fatalf("a resent form made %d proposals", len(all.Items))
		}
	})

	t.Run("a proposal without the CSRF token is refused", func(t *testing.T) {
		b := site.Browser()
		b.Get(pages + "/problems")
		p := b.Post(pages+"/problems/propose", url.Values{"title": {"t"}, "description": {"d"}, "policy_area": {"p"}})
		if p.Status != http.StatusForbidden {
			t.Fatalf("status %d, want 403", p.Status)
		}
	})

	t.Run("too many proposals get a friendly message", func(t *testing.T) {
		b := site.Browser()
		path := fmt.Sprintf("/plans/%d/problems", limited)
		var p *webtest.Page
		for i := 0; i < 10; i++ {
			page := b.Get(path)
			p = b.Submit(page, path+"/propose", map[string]string{
				"title": fmt.Sprintf("Idea %d", i), "description": "Something to fix", "policy_area": "Budget"})
			if p.Status != http.StatusOK {
				break
			}
		}
		if p.Status != http.StatusTooManyRequests {
			t.Fatalf("status %d, want 429 after several proposals:\n%s", p.Status, p.Body)
		}
		p.MustContain(t, "You have sent several proposals in a short time.", `value="Idea`)
	})

	t.Run("the document is a printable page", func(t *testing.T) {
		p := site.Browser().Get(pages + "/document")
		if p.Status != http.StatusOK {
			t.Fatalf("status %d:\n%s", p.Status, p.Body)
		}
		p.MustContain(t, "Open Athens 2026-2028", "Strategic vision", `class="ogp-document`, `data-print hidden`,
			`<script src="/static/public.js" defer></script>`, "Print command", fmt.Sprintf(`href="/api/v1/action-plans/%d/document"`, id),
			fmt.Sprintf(`href="/plans/%d/document" aria-current="page"`, id))
		if n := pubH1Count(p.Body); n != 1 {
			t.Fatalf("%d h1 on the document page", n)
		}
		if n := strings.Count(p.Body, "<main"); n != 1 {
			t.Fatalf("%d <main> on the document page", n)
		}
		if strings.Contains(p.Body, "<style>") || strings.Contains(p.Body, "<body>\n<header>") {
			t.Fatal("the API's page head or style leaked into the portal page")
		}
		css := site.Browser().Get("/static/public.css")
		css.MustContain(t, "@media print")
		js := site.Browser().Get("/static/public.js")
		js.MustContain(t, "window.print()")
	})

	// A plan in implementation (step 9), with everything before it done.
	cast := site.Cast()
	riverton := site.PlanAt(cast, "Riverton Open Government Action Plan", 9)
	rpages := fmt.Sprintf("/plans/%d", riverton)

	t.Run("a plan in implementation at a glance", func(t *testing.T) {
		p := site.Browser().Get(rpages)
		if p.Status != http.StatusOK {
			t.Fatalf("status %d:\n%s", p.Status, p.Body)
		}
		if n := strings.Count(p.Body, "usa-step-indicator__segment--complete"); n != 8 {
			t.Fatalf("%d steps shown complete, want 8", n)
		}
		p.MustContain(t, `<span class="usa-step-indicator__current-step">9</span>`, "Step 9 of 10",
			webtest.MonitoringBodyName, "Riverton Transparency Watch is an independent non-profit",
			webtest.ForumName, "Founding meeting", "Federation of District Councils",
			"Tomás Herrera, Procurement and Contracts Office, with the commitment leads", "Roadmap of the steps",
			"Commitments in this plan: 3", pubEsc(webtest.CommitmentContracts), pubEsc(webtest.CommitmentBudget),
			pubEsc(webtest.CommitmentParticipatory), "Procurement and Contracts Office", "Milestones: 4", "Completion")
		for _, cm := range site.Commitments(riverton) {
			p.MustContain(t, fmt.Sprintf(`href="/plans/%d/commitments/%d"`, riverton, cm.ID))
		}
		// The due date of step 9 is the roadmap's end of step 9.
		var plan struct {
			Steps []struct {
				DueOn string `json:"due_on"`
			} `json:"steps"`
		}
		site.API("", http.MethodGet, fmt.Sprintf("/action-plans/%d", riverton), nil, http.StatusOK, &plan)
		if due := plan.Steps[8].DueOn; due != "" {
			p.MustContain(t, "Due on "+due)
		}
	})

	t.Run("problems with their ranking, selection and reasoned responses", func(t *testing.T) {
		p := site.Browser().Get(rpages + "/problems")
		if p.Status != http.StatusOK {
			t.Fatalf("status %d:\n%s", p.Status, p.Body)
		}
		p.MustContain(t, pubEsc(webtest.ProblemContracts), pubEsc(webtest.ProblemBudget), pubEsc(webtest.ProblemParticipatory),
			pubEsc(webtest.ProblemCouncilPapers), pubEsc(webtest.ProblemBuses), "Problems raised: 5. Selected for the plan: 3.", "#1", "#5", "Priority score", "out of 5",
			"Why it was not selected", "Not taken up: buses are run by the Regional Transit Authority",
			"Jorge Mendoza, Eastside Neighbourhood Association", "This plan no longer takes proposals")
		if n := strings.Count(p.Body, `class="usa-tag ogp-tag-selected"`); n != 3 {
			t.Fatalf("%d problems shown selected, want 3", n)
		}
		if n := strings.Count(p.Body, `class="usa-tag ogp-tag-not-selected"`); n != 2 {
			t.Fatalf("%d problems shown not selected, want 2", n)
		}
		// Hidden by moderation, and the proposers' e-mails: never public.
		for _, secret := range []string{webtest.ProblemPothole, "jorge.mendoza@example.org", "li.wei@example.org"} {
			if strings.Contains(p.Body, secret) {
				t.Fatalf("the public problems page shows %q", secret)
			}
		}
		if strings.Contains(p.Body, `action="`+rpages+`/problems/propose"`) {
			t.Fatal("the proposal form is offered after step 4")
		}
		// Sent anyway, the API's refusal is shown.
		b := site.Browser()
		page := b.Get(pages + "/problems")
		r := b.Post(rpages+"/problems/propose", url.Values{"csrf": {pubHidden(t, page.Body, "csrf")}, "idem": {"x"},
			"title": {"t"}, "description": {"d"}, "policy_area": {"p"}})
		if r.Status != http.StatusConflict {
			t.Fatalf("late proposal: status %d, want 409", r.Status)
		}
		r.MustContain(t, "This plan no longer takes proposals: its problems were chosen at step 4.")
	})

	t.Run("the document of a plan in implementation", func(t *testing.T) {
		p := site.Browser().Get(rpages + "/document")
		if p.Status != http.StatusOK {
			t.Fatalf("status %d", p.Status)
		}
		p.MustContain(t, pubEsc(webtest.CommitmentContracts), pubEsc(webtest.MilestoneOCDS), "every resident of Riverton can see how the city spends its money",
			// Each table scrolls in a named, focusable region; dates
			// in cells never wrap.
			`<div class="ogp-table-scroll" role="region" tabindex="0" aria-label="Table: Milestones – Commitment 1: `+pubEsc(webtest.CommitmentContracts)+`"><table>`,
			`<div class="ogp-table-scroll" role="region" tabindex="0" aria-label="Table: Team"><table>`, `<td><time datetime="`)
		if n := pubH1Count(p.Body); n != 1 {
			t.Fatalf("%d h1 on the document page", n)
		}
		if open, closed := strings.Count(p.Body, `<div class="ogp-table-scroll"`), strings.Count(p.Body, "</table></div>"); open == 0 || open != closed || open != strings.Count(p.Body, "<table") {
			t.Errorf("%d scrolling containers, %d closed, for %d tables", open, closed, strings.Count(p.Body, "<table"))
		}
	})

	t.Run("in Spanish", func(t *testing.T) {
		b := site.Browser()
		b.Lang = "es-MX,es;q=0.9"
		p := b.Get("/")
		p.MustContain(t, `<html lang="es">`, "Planes de acción", "¿Qué es OGP Local?", "Paso 1 de 10", "Del 2026-01-01 al 2028-06-30", "Ver el plan")
		p = b.Get(pages)
		p.MustContain(t, "En qué punto está el plan", "Siga este plan", "Suscribirse en su calendario", "Descargar en JSON",
			"Equipo", "Foro", "Órgano de monitoreo", "Todavía no se ha elegido el órgano de monitoreo.", "Secciones de este plan")
		page := b.Get(pages + "/problems")
		page.MustContain(t, "Proponer un problema", "El problema, en pocas palabras")
		p = b.Submit(page, pages+"/problems/propose", map[string]string{"title": "", "description": "d", "policy_area": "p"})
		// The refusal in Spanish (the domain catalog's words for the code).
		p.MustContain(t, "Corrija lo siguiente", `id="error-title"`, `href="#field-title"`)
		if strings.Contains(p.Body, "a title is required") || strings.Contains(p.Body, "Write the problem") {
			t.Fatal("the refusal is shown in English on a Spanish page")
		}
		p = b.Get(pages + "/document")
		p.MustContain(t, "Documento del plan de acción", "Imprimir este documento", "Los títulos del documento se generan en inglés")
		p = b.Get(rpages + "/problems")
		p.MustContain(t, "Problemas planteados: 5. Seleccionados para el plan: 3.", "Seleccionado", "No seleccionado", "Por qué no fue seleccionado")
		for _, path := range []string{"/", pages, pages + "/problems", pages + "/document", rpages, rpages + "/problems"} {
			body := b.Get(path).Body
			for _, key := range []string{"public.", "step.", "status."} {
				if strings.Contains(body, ">"+key) || strings.Contains(body, "\""+key) {
					t.Errorf("%s shows an untranslated catalog key starting %q", path, key)
				}
			}
		}
	})
}

// pubHidden reads a hidden field of the first form that has it.
func pubHidden(t *testing.T, body, name string) string {
	t.Helper()
	m := regexp.MustCompile(`<input type="hidden" name="` + regexp.QuoteMeta(name) + `" value="([^"]*)"`).FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no hidden %s field", name)
	}
	return m[1]
}
