package web_test

import (
	"encoding/json"
	"fmt"
	"html"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/ogplocal/ogp/web/webtest"
)

// pcCatalog reads one language's domain catalog, so that tests expect
// the words the pages show for statuses rather than copies of them.
func pcCatalog(t *testing.T, lang string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, f := range []string{"domain.json", "commitments.json", "assessments.json"} {
		b, err := os.ReadFile("locales/" + lang + "/" + f)
		if err != nil {
			t.Fatal(err)
		}
		var m map[string]string
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatalf("%s/%s: %v", lang, f, err)
		}
		for k, v := range m {
			out[k] = v
		}
	}
	return out
}

// pcImpl is what the tests read of a commitment's implementation.
type pcImpl struct {
	Milestones []struct {
		Status  string `json:"status"`
		Reports []struct {
			Narrative string   `json:"narrative"`
			Evidence  []string `json:"evidence"`
		} `json:"reports"`
		Delays []struct {
			Text string `json:"text"`
		} `json:"delays"`
	} `json:"milestones"`
}

func pcImplementation(t *testing.T, site *webtest.Site, plan, commitment int64) pcImpl {
	t.Helper()
	var v pcImpl
	site.API("", http.MethodGet, fmt.Sprintf("/action-plans/%d/commitments/%d/implementation", plan, commitment), nil, http.StatusOK, &v)
	return v
}

// pcPoll retries ok for up to 30 s.
func pcPoll(t *testing.T, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("waited in vain for %s", what)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestPublicCommitmentPages reads a plan's commitments as the public: in
// implementation (the timeline with escaped titles, statuses as text,
// progress reports with evidence, a delay and an amendment with both
// dates), in co-creation (drafts without implementation data), the 404s,
// and the Spanish rendering.
func TestPublicCommitmentPages(t *testing.T) {
	t.Parallel()
	site := webtest.Start(t, "")
	cast := site.Cast()
	plan := site.PlanAt(cast, "Riverton open government action plan", 9)
	draft := site.PlanAt(cast, "Riverton draft plan", 6)
	en, es := pcCatalog(t, "en"), pcCatalog(t, "es")

	contracts := site.Commitment(plan, webtest.CommitmentContracts)
	dashboard := contracts.Milestone(t, webtest.MilestoneDashboard)
	// An amendment that renames a milestone with markup in its title and
	// moves its due date: approved, both dates stay public.
	const hostile = `Launch the <b>dashboard</b> & "red flags" <script>alert(1)</script>`
	newDue := time.Now().UTC().AddDate(0, 0, 300).Format(time.DateOnly)
	site.API(cast.Lead.Token, http.MethodPost, fmt.Sprintf("/action-plans/%d/commitments/%d/milestones/%d/amendments", plan, contracts.ID, dashboard.ID),
		map[string]any{"new_due_on": newDue, "new_title": hostile, "reason": "The dashboard needs the backlog published first."}, http.StatusOK, nil)
	site.ApproveAmendment(cast, plan, contracts.ID, 1)
	pcPoll(t, "the amendment to reach the public record", func() bool {
		var v struct {
			Milestones []struct {
				Title string `json:"title"`
			} `json:"milestones"`
		}
		site.API("", http.MethodGet, fmt.Sprintf("/action-plans/%d/commitments/%d/implementation", plan, contracts.ID), nil, http.StatusOK, &v)
		for _, m := range v.Milestones {
			if m.Title == hostile {
				return true
			}
		}
		return false
	})

	t.Run("the list shows every commitment with its status, completion and progress", func(t *testing.T) {
		p := site.Browser().Get(fmt.Sprintf("/plans/%d/commitments", plan))
		if p.Status != http.StatusOK {
			t.Fatalf("status %d:\n%s", p.Status, p.Body)
		}
		p.MustContain(t, `<h1 class="margin-top-05">Commitments</h1>`, webtest.CommitmentContracts, html.EscapeString(webtest.CommitmentBudget),
			webtest.CommitmentParticipatory, en["status.commitment.active"], `<caption>The plan&#39;s commitments at a glance (3)</caption>`,
			`<th scope="col">Progress</th>`, `href="/plans/`+fmt.Sprint(plan)+`/commitments/`+fmt.Sprint(contracts.ID)+`"`,
			`<svg`, `aria-current="page"`, `/static/commitments.css`, "1 overdue")
	})

	t.Run("a commitment shows its template, timeline, milestones, reports, delays and amendments", func(t *testing.T) {
		p := site.Browser().Get(fmt.Sprintf("/plans/%d/commitments/%d", plan, contracts.ID))
		if p.Status != http.StatusOK {
			t.Fatalf("status %d:\n%s", p.Status, p.Body)
		}
		p.MustContain(t,
			"Commitment 1: "+webtest.CommitmentContracts,
			"The public problem", "Baseline: the situation today", "What the commitment is", "How it will help solve the problem",
			"Relevance to the OGP values", "Support network",
			// The chart, with the hostile title escaped inside it.
			`<svg xmlns="http://www.w3.org/2000/svg"`, `role="img"`,
			`Launch the &lt;b&gt;dashboard&lt;/b&gt; &amp; &#34;red flags&#34; &lt;script&gt;alert(1)&lt;/script&gt;`,
			// Milestones as a table, statuses as text.
			`<caption>Milestones of commitment 1</caption>`, `<th scope="col">Status</th>`,
			en["status.milestone.overdue"], en["status.milestone.due_soon"], en["status.milestone.not_started"],
			// Progress reports with evidence links, and the delay.
			"(external link)", "Delay explanations", html.EscapeString(cast.Lead.Name),
			// The amendment keeps both dates, and its decision.
			"Amendments", dashboard.DueOn, newDue, "The dashboard needs the backlog published first.", en["status.amendment.approved"],
			"Planned: "+dashboard.DueOn)
		// Every report with its evidence, and every delay explanation.
		impl := pcImplementation(t, site, plan, contracts.ID)
		reports, delays := 0, 0
		for _, m := range impl.Milestones {
			for _, r := range m.Reports {
				reports++
				p.MustContain(t, html.EscapeString(r.Narrative))
				for _, e := range r.Evidence {
					p.MustContain(t, `href="`+html.EscapeString(e)+`" rel="nofollow noopener"`)
				}
			}
			for _, d := range m.Delays {
				delays++
				p.MustContain(t, html.EscapeString(d.Text))
			}
		}
		if reports == 0 || delays == 0 {
			t.Fatalf("the fixture has %d reports and %d delays on commitment 1; the test needs both", reports, delays)
		}
		if strings.Contains(p.Body, "<script>alert(1)") || strings.Contains(p.Body, "<b>dashboard</b>") {
			t.Fatal("a milestone title is not escaped")
		}
		if strings.Contains(p.Body, "Not filled in yet") {
			t.Error("a template field of the fixture shows as empty")
		}
	})

	t.Run("a commitment with completed milestones says so", func(t *testing.T) {
		budget := site.Commitment(plan, webtest.CommitmentBudget)
		impl := pcImplementation(t, site, plan, budget.ID)
		var evidence []string
		for _, m := range impl.Milestones {
			for _, r := range m.Reports {
				if m.Status == "completed" {
					evidence = append(evidence, r.Evidence...)
				}
			}
		}
		if len(evidence) == 0 {
			t.Fatal("the fixture's completed milestone has no evidence")
		}
		p := site.Browser().Get(fmt.Sprintf("/plans/%d/commitments/%d", plan, budget.ID))
		p.MustContain(t, html.EscapeString(webtest.MilestoneCitizensBudget), en["status.milestone.completed"], "Completed on ", "1 of 3 completed")
		for _, e := range evidence {
			p.MustContain(t, `href="`+html.EscapeString(e)+`" rel="nofollow noopener"`)
		}
	})

	t.Run("in co-creation the commitments are drafts without implementation", func(t *testing.T) {
		p := site.Browser().Get(fmt.Sprintf("/plans/%d/commitments", draft))
		if p.Status != http.StatusOK {
			t.Fatalf("status %d:\n%s", p.Status, p.Body)
		}
		p.MustContain(t, "The plan is still being co-created", webtest.CommitmentContracts, ">Draft<", "4 planned")
		c := site.Commitment(draft, webtest.CommitmentContracts)
		p = site.Browser().Get(fmt.Sprintf("/plans/%d/commitments/%d", draft, c.ID))
		if p.Status != http.StatusOK {
			t.Fatalf("status %d:\n%s", p.Status, p.Body)
		}
		p.MustContain(t, "This commitment is a draft", `<svg`, en["status.milestone.not_started"], webtest.MilestoneOCDS, "Support network")
		if strings.Contains(p.Body, "Progress reports") || strings.Contains(p.Body, "amendments-heading") {
			t.Error("a draft commitment shows implementation sections")
		}
	})

	t.Run("unknown plans and commitments are 404 pages", func(t *testing.T) {
		b := site.Browser()
		for _, path := range []string{
			fmt.Sprintf("/plans/%d/commitments/999999", plan),
			fmt.Sprintf("/plans/%d/commitments/%d", draft, contracts.ID), // another plan's
			fmt.Sprintf("/plans/%d/commitments/abc", plan),
			"/plans/999999/commitments",
			"/plans/0/commitments",
		} {
			p := b.Get(path)
			if p.Status != http.StatusNotFound {
				t.Errorf("%s: status %d, want 404", path, p.Status)
			}
			p.MustContain(t, "Page not found")
		}
	})

	t.Run("in Spanish", func(t *testing.T) {
		b := site.Browser()
		b.Lang = "es-AR,es;q=0.9"
		p := b.Get(fmt.Sprintf("/plans/%d/commitments", plan))
		p.MustContain(t, `<html lang="es">`, "<h1 class=\"margin-top-05\">Compromisos</h1>", "Nivel de cumplimiento", es["status.commitment.active"],
			"Los compromisos del plan de un vistazo (3)")
		p = b.Get(fmt.Sprintf("/plans/%d/commitments/%d", plan, contracts.ID))
		p.MustContain(t, `<html lang="es">`, "Compromiso 1: "+webtest.CommitmentContracts, "El problema público", "Red de apoyo",
			"Hitos del compromiso 1", es["status.milestone.overdue"], "Informes de avance", "Explicaciones de retraso", "Modificaciones",
			"(enlace externo)", "Línea de tiempo de los hitos del compromiso 1", ">Hoy<")
		for _, english := range []string{"Progress reports", "Support network", "Milestones of commitment"} {
			if strings.Contains(p.Body, english) {
				t.Errorf("the Spanish page shows %q", english)
			}
		}
	})
}
