package web_test

import (
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/ogplocal/ogp/web/webtest"
)

var paHiddenRE = regexp.MustCompile(`<input type="hidden" name="([^"]+)" value="([^"]*)"`)

// paHidden is the page's first hidden field of that name.
func paHidden(t *testing.T, p *webtest.Page, name string) string {
	t.Helper()
	for _, m := range paHiddenRE.FindAllStringSubmatch(p.Body, -1) {
		if m[1] == name {
			return html.UnescapeString(m[2])
		}
	}
	t.Fatalf("%s has no hidden field %s", p, name)
	return ""
}

// TestPublicAssessmentPages reads a plan's assessment rounds as the
// public: a published co-creation report with its hashes and downloads,
// an implementation draft open for comment, commenting on it (success,
// a refusal next to the field, the rate limit), the 404s and Spanish.
func TestPublicAssessmentPages(t *testing.T) {
	t.Parallel()
	site := webtest.Start(t, "")
	cast := site.Cast()
	plan := site.PlanAt(cast, "Riverton open government action plan", 9)
	published := site.OpenRoundFor(cast, plan, "co_creation", 3*time.Second)
	site.PublishDraft(cast, plan, published)
	site.Finalise(cast, plan, published)
	open := site.OpenRound(cast, plan, "implementation")
	site.PublishDraft(cast, plan, open)
	site.WaitRound(plan, open, "public_comment")
	var evidence struct {
		Hash string `json:"hash"`
	}
	site.API("", http.MethodGet, fmt.Sprintf("/action-plans/%d/assessment-rounds/%d/evidence", plan, open), nil, http.StatusOK, &evidence)
	var final struct {
		ReportHash   string `json:"report_hash"`
		EvidenceHash string `json:"evidence_hash"`
	}
	site.API("", http.MethodGet, fmt.Sprintf("/action-plans/%d/assessment-rounds/%d", plan, published), nil, http.StatusOK, &final)
	en, es := pcCatalog(t, "en"), pcCatalog(t, "es")
	openPath := fmt.Sprintf("/plans/%d/assessments/%d", plan, open)
	publishedPath := fmt.Sprintf("/plans/%d/assessments/%d", plan, published)

	t.Run("the list shows drafts open for comment and published reports", func(t *testing.T) {
		p := site.Browser().Get(fmt.Sprintf("/plans/%d/assessments", plan))
		if p.Status != http.StatusOK {
			t.Fatalf("status %d:\n%s", p.Status, p.Body)
		}
		p.MustContain(t, `<h1 class="margin-top-05">Assessments</h1>`, "Drafts open for public comment", "Published reports",
			`href="`+openPath+`"`, `href="`+publishedPath+`"`, en["status.round.public_comment"], en["status.round.published"],
			fmt.Sprintf("Assessment %d: %s", open, en["round.kind.implementation"]),
			fmt.Sprintf("Assessment %d: %s", published, en["round.kind.co_creation"]),
			`<caption>Draft reports you can comment on now</caption>`, `<th scope="col">Stage</th>`, `aria-current="page"`)
		if i, j := strings.Index(p.Body, "open-heading"), strings.Index(p.Body, "published-heading"); i < 0 || j < 0 ||
			!strings.Contains(p.Body[i:j], `href="`+openPath+`"`) || strings.Contains(p.Body[i:j], `href="`+publishedPath+`"`) {
			t.Error("the open draft is not (alone) in the open section")
		}
	})

	t.Run("a draft open for comment shows its report, evidence hash and the comment form", func(t *testing.T) {
		p := site.Browser().Get(openPath)
		if p.Status != http.StatusOK {
			t.Fatalf("status %d:\n%s", p.Status, p.Body)
		}
		r := site.Round(plan, open)
		if len(r.Comments) == 0 {
			t.Fatal("the fixture's draft has no comment")
		}
		p.MustContain(t, "Draft report", "open for public comment until", html.EscapeString(r.Summary),
			html.EscapeString(r.Comments[0].Name), html.EscapeString(r.Comments[0].Text),
			evidence.Hash,
			`href="/api/v1/action-plans/`+fmt.Sprint(plan)+`/assessment-rounds/`+fmt.Sprint(open)+`/evidence"`,
			openPath+`/report.md`, openPath+`/report.csv`, `/report.json"`,
			html.EscapeString(webtest.CommitmentContracts), en["impact.moderate"], "Evidence of the milestones",
			"Not answered yet.",
			`action="`+openPath+`/comments"`, `name="idem"`, `id="field-text"`, `id="field-name"`, "Self-assessments of the commitment leads")
	})

	t.Run("anyone can comment; an empty comment is refused next to the field; then the rate limit", func(t *testing.T) {
		b := site.Browser()
		p := b.Submit(b.Get(openPath), openPath+"/comments", map[string]string{"name": "Rosa <Ortiz>", "text": "Will the dashboard show amendments & prices?"})
		if p.Status != http.StatusOK || p.URL.Path != openPath {
			t.Fatalf("comment: %s\n%s", p, p.Body)
		}
		p.MustContain(t, "Thank you: your comment is published", "Rosa &lt;Ortiz&gt;", "Will the dashboard show amendments &amp; prices?")
		if r := site.Round(plan, open); len(r.Comments) != 2 || r.Comments[1].Name != "Rosa <Ortiz>" {
			t.Fatalf("the API has comments %+v", r.Comments)
		}

		p = b.Submit(b.Get(openPath), openPath+"/comments", map[string]string{"name": "Rosa", "text": "   "})
		if p.Status != http.StatusUnprocessableEntity {
			t.Fatalf("empty comment: status %d, want 422:\n%s", p.Status, p.Body)
		}
		p.MustContain(t, `id="error-summary"`, `usa-form-group--error`, `id="error-text"`, "Write your comment.", `value="Rosa"`, `aria-invalid="true"`)

		// Five comments an hour per address and plan: the fixture's, Rosa's
		// and the refused one count; the next ones reach the limit.
		var limited *webtest.Page
		for i := 0; i < 8 && limited == nil; i++ {
			p = b.Submit(b.Get(openPath), openPath+"/comments", map[string]string{"text": fmt.Sprintf("Comment number %d", i)})
			switch p.Status {
			case http.StatusOK:
			case http.StatusTooManyRequests:
				limited = p
			default:
				t.Fatalf("comment %d: status %d\n%s", i, p.Status, p.Body)
			}
		}
		if limited == nil {
			t.Fatal("no rate limit after eight more comments")
		}
		limited.MustContain(t, "You have sent several comments in a short time.", `id="error-summary"`, "Comment number")
	})

	t.Run("a published report shows its hashes, checklist, answers and downloads", func(t *testing.T) {
		b := site.Browser()
		p := b.Get(publishedPath)
		if p.Status != http.StatusOK {
			t.Fatalf("status %d:\n%s", p.Status, p.Body)
		}
		p.MustContain(t, "This is the final report.", "Final report", final.EvidenceHash, final.ReportHash, "Final report SHA-256",
			"The co-creation process", "The public was made aware of the process", "Partly met", "Taken from the evidence",
			"Answer of the monitoring body ("+html.EscapeString(cast.Monitor.Name), en["status.round.published"])
		for _, cm := range site.Round(plan, published).Comments {
			p.MustContain(t, html.EscapeString(cm.Text), html.EscapeString(cm.Answer))
		}
		// A point pre-filled from the evidence says so in the visitor's
		// words, not in the API's fixed English note; the verdicts stay on
		// one line.
		p.MustContain(t, "The evidence records meetings of the forum.", `<td class="ogp-nowrap"><span class="ogp-status-text`)
		if strings.Contains(p.Body, "from the evidence:") {
			t.Error("the page shows the API's pre-fill note")
		}
		if strings.Contains(p.Body, `action="`+publishedPath+`/comments"`) {
			t.Error("a published report still has a comment form")
		}
		md := b.Get(publishedPath + "/report.md")
		if md.Status != http.StatusOK || !strings.HasPrefix(md.Header.Get("Content-Type"), "text/markdown") ||
			!strings.Contains(md.Header.Get("Content-Disposition"), "attachment") || !strings.Contains(md.Body, "# co-creation assessment") ||
			!strings.Contains(md.Body, final.ReportHash) {
			t.Fatalf("Markdown download: %d %v\n%s", md.Status, md.Header, md.Body)
		}
		csv := b.Get(publishedPath + "/report.csv")
		if csv.Status != http.StatusOK || !strings.HasPrefix(csv.Header.Get("Content-Type"), "text/csv") || !strings.HasPrefix(csv.Body, "round_id,kind,") {
			t.Fatalf("CSV download: %d %v\n%s", csv.Status, csv.Header, csv.Body)
		}
		// A comment sent to a closed round (an old tab) is refused in words.
		form := url.Values{"csrf": {paHidden(t, p, "csrf")}, "idem": {"closed-round-1"}, "text": {"Too late?"}}
		late := b.Post(publishedPath+"/comments", form)
		if late.Status != http.StatusConflict {
			t.Fatalf("comment on a published round: status %d, want 409\n%s", late.Status, late.Body)
		}
		late.MustContain(t, "The comment period of this draft is over")
	})

	t.Run("unknown rounds and plans are 404 pages", func(t *testing.T) {
		b := site.Browser()
		for _, path := range []string{
			fmt.Sprintf("/plans/%d/assessments/999999", plan),
			fmt.Sprintf("/plans/%d/assessments/x", plan),
			"/plans/999999/assessments",
			fmt.Sprintf("/plans/%d/assessments/999999/report.md", plan),
		} {
			if p := b.Get(path); p.Status != http.StatusNotFound {
				t.Errorf("%s: status %d, want 404", path, p.Status)
			}
		}
		p := b.Get(openPath)
		form := url.Values{"csrf": {paHidden(t, p, "csrf")}, "idem": {"unknown-round-1"}, "text": {"Hello"}}
		if p := b.Post(fmt.Sprintf("/plans/%d/assessments/999999/comments", plan), form); p.Status != http.StatusNotFound {
			t.Errorf("comment on an unknown round: status %d, want 404", p.Status)
		}
	})

	t.Run("in Spanish", func(t *testing.T) {
		b := site.Browser()
		b.Lang = "es"
		p := b.Get(fmt.Sprintf("/plans/%d/assessments", plan))
		p.MustContain(t, `<html lang="es">`, "<h1 class=\"margin-top-05\">Evaluaciones</h1>", "Borradores abiertos a comentarios",
			"Informes publicados", es["status.round.public_comment"], fmt.Sprintf("Evaluación %d: %s", open, es["round.kind.implementation"]))
		p = b.Get(openPath)
		p.MustContain(t, `<html lang="es">`, "Borrador del informe", "Comentarios del público", "Comente el borrador", "Su nombre (opcional)",
			"Publicar mi comentario", "SHA-256 de la evidencia", "Todavía sin respuesta.")
		for _, english := range []string{"Public comments", "Draft report", "Your comment"} {
			if strings.Contains(p.Body, english) {
				t.Errorf("the Spanish page shows %q", english)
			}
		}
		p = b.Get(publishedPath)
		p.MustContain(t, `<html lang="es">`, "Tomado de la evidencia", "La evidencia registra reuniones del foro.")
		if strings.Contains(p.Body, "from the evidence") {
			t.Error("the Spanish page shows the API's pre-fill note")
		}
	})
}
