package app_test

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3filter"

	"github.com/ogplocal/ogp/models/modelstest"
)

func init() {
	// client.do validates every answer against the OpenAPI document; the
	// action-plan document is text.
	openapi3filter.RegisterBodyDecoder("text/markdown", openapi3filter.PlainBodyDecoder)
	openapi3filter.RegisterBodyDecoder("text/html", openapi3filter.PlainBodyDecoder)
}

// TestVisionAndDocumentSQLite records the strategic vision through HTTP,
// with every refusal, and reads the action-plan document as Markdown and
// HTML.
func TestVisionAndDocumentSQLite(t *testing.T) {
	t.Parallel()
	visionScenario(t, "")
}

// TestVisionAndDocumentPostgres is the same on PostgreSQL.
func TestVisionAndDocumentPostgres(t *testing.T) {
	t.Parallel()
	visionScenario(t, modelstest.PostgresURL(t))
}

// emailAddress finds anything that looks like an e-mail address.
var emailAddress = regexp.MustCompile(`[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}`)

// visionDocument reads the plan's document with the given Accept header
// (none when empty) and checks its content type.
func visionDocument(t *testing.T, c *client, planID int64, accept, wantType string) string {
	t.Helper()
	var headers []string
	if accept != "" {
		headers = []string{"Accept", accept}
	}
	body := c.do("GET", fmt.Sprintf("/api/v1/action-plans/%d/document", planID), nil, 200, nil, headers...)
	if wantType == "text/html" && !strings.HasPrefix(string(body), "<!DOCTYPE html>") ||
		wantType == "text/markdown" && !strings.HasPrefix(string(body), "# ") {
		t.Errorf("Accept %q: the document is not %s: %.80s", accept, wantType, body)
	}
	return string(body)
}

func visionScenario(t *testing.T, databaseURL string) {
	st := startDev(t, stackConfig(t, t.TempDir(), databaseURL))
	defer st.Stop(context.Background())
	admin := newClient(t, st, adminToken)
	anon := admin.as("")
	p := cast(t, admin)
	id := p.createPlan(t, time.Now().UTC().AddDate(-1, 0, 0).Format(time.DateOnly))
	base := fmt.Sprintf("/api/v1/action-plans/%d", id)
	vision := map[string]any{"text": visionFillText}

	// Before step 7: no vision, and none can be written; the document
	// already reads, saying what is missing.
	anon.problem("GET", base+"/vision", nil, 404, "no_vision")
	anon.problem("GET", "/api/v1/action-plans/99999/vision", nil, 404, "unknown_plan")
	p.coordinator.problem("PUT", base+"/vision", vision, 409, "step_content_locked")
	early := visionDocument(t, anon, id, "", "text/markdown")
	for _, want := range []string{"# Open Athens 2027", "City of Athens", "No strategic vision has been recorded yet.", "No commitments have been recorded yet."} {
		if !strings.Contains(early, want) {
			t.Errorf("early document lacks %q:\n%s", want, early)
		}
	}
	anon.problem("GET", "/api/v1/action-plans/99999/document", nil, 404, "unknown_plan")
	for n := 1; n <= 6; n++ {
		p.approve(t, id, n)
	}

	// Refusals at step 7, none writing anything.
	anon.problem("PUT", base+"/vision", vision, 401, "unauthorized")
	p.contributor.problem("PUT", base+"/vision", vision, 403, "not_coordinator")
	p.cso.problem("PUT", base+"/vision", vision, 403, "not_coordinator")
	p.coordinator.problem("PUT", "/api/v1/action-plans/99999/vision", vision, 404, "unknown_plan")
	p.coordinator.problem("PUT", base+"/vision", map[string]any{"text": "x", "title": "Vision"}, 400, "unknown_field")
	p.coordinator.problem("PUT", base+"/vision", map[string]any{"text": 42}, 400, "invalid_field")
	p.coordinator.problem("PUT", base+"/vision", map[string]any{"text": " \n "}, 422, "vision_required")
	p.coordinator.problem("PUT", base+"/vision", map[string]any{}, 422, "vision_required")
	p.coordinator.problem("PUT", base+"/vision", map[string]any{"text": strings.Repeat("a", 20001)}, 422, "vision_too_long")
	anon.problem("GET", base+"/vision", nil, 404, "no_vision")

	// No vision: the gate says so (and whatever else is unmet).
	if got := roadmapSubmitRefused(t, p.coordinator, id, 7); !slices.Contains(got, "vision_missing@") {
		t.Errorf("violations %v, want vision_missing", got)
	}

	// A vision with text that must not break the document.
	tricky := visionFillText + "\n\n# Not a heading\n<script>alert('x')</script> | not a cell |"
	var got struct {
		Text      string `json:"text"`
		UpdatedAt string `json:"updated_at"`
	}
	p.coordinator.do("PUT", base+"/vision", map[string]any{"text": "  " + tricky + "\n"}, 200, &got)
	if got.Text != tricky || got.UpdatedAt == "" {
		t.Errorf("put vision answered %+v", got)
	}
	p.coordinator.do("PUT", base+"/vision", map[string]any{"text": strings.Repeat("é", 20000)}, 200, nil) // the limit counts characters
	p.coordinator.do("PUT", base+"/vision", map[string]any{"text": tricky}, 200, nil)
	anon.do("GET", base+"/vision", nil, 200, &got)
	if got.Text != tricky {
		t.Errorf("public vision %q", got.Text)
	}

	// The document, negotiated: Markdown by default, HTML on request.
	md := visionDocument(t, anon, id, "", "text/markdown")
	for _, accept := range []string{"*/*", "text/markdown", "text/*"} {
		if again := visionDocument(t, anon, id, accept, "text/markdown"); again != md {
			t.Errorf("Accept %s: a different document", accept)
		}
	}
	html := visionDocument(t, anon, id, "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", "text/html")
	var pr struct {
		Code string `json:"code"`
	}
	anon.do("GET", base+"/document", nil, 406, &pr, "Accept", "application/pdf")
	if pr.Code != "not_acceptable" {
		t.Errorf("Accept application/pdf: %+v", pr)
	}

	// What the document shows, in order: the vision first, then each
	// commitment, then the rest of the plan.
	var commitments struct {
		Items []struct {
			ID     int64  `json:"id"`
			Number int    `json:"number"`
			Title  string `json:"title"`
		} `json:"items"`
	}
	anon.do("GET", base+"/commitments", nil, 200, &commitments)
	order := []string{"# Open Athens 2027", "## Strategic vision", "By 2028 every Athenian", `\# Not a heading`, `\<script\>`, `\| not a cell \|`, "## Commitments"}
	for _, c := range commitments.Items {
		order = append(order, fmt.Sprintf("### Commitment %d: ", c.Number))
	}
	order = append(order, "## Team", "## Forum", "## Monitoring body", "## Roadmap", "## Awareness activities", "## Opportunity areas")
	last := -1
	for _, s := range order {
		i := strings.Index(md[last+1:], s)
		if i < 0 {
			t.Errorf("the Markdown document lacks %q after position %d:\n%s", s, last, md)
			continue
		}
		last += 1 + i
	}
	if n := strings.Count(md, "### Commitment "); n != len(commitments.Items) || n == 0 {
		t.Errorf("the document shows %d commitments, the plan has %d", n, len(commitments.Items))
	}
	var roadmap struct {
		Items []roadmapItem `json:"items"`
	}
	anon.do("GET", base+"/roadmap", nil, 200, &roadmap)
	for _, e := range roadmap.Items {
		row := fmt.Sprintf("| %d. %s | %s | %s |", e.Step, e.StepTitle, e.StartsOn, e.EndsOn)
		if !strings.Contains(md, row) {
			t.Errorf("the document lacks the roadmap row %q", row)
		}
	}
	for _, want := range []string{`<html lang="en">`, "<title>Open Athens 2027 · City of Athens</title>", "By 2028 every Athenian", "&lt;script&gt;"} {
		if !strings.Contains(html, want) {
			t.Errorf("the HTML document lacks %q", want)
		}
	}
	if strings.Contains(html, "<script>") {
		t.Error("the HTML document runs a script from user text")
	}

	// Nothing private: no e-mail address of a user, no contact of a
	// supporting actor (the coordinator sees them; the document never).
	var contacts []string
	for _, c := range commitments.Items {
		var network struct {
			Items []struct {
				Contact string `json:"contact"`
			} `json:"items"`
		}
		p.coordinator.do("GET", fmt.Sprintf("%s/commitments/%d/network", base, c.ID), nil, 200, &network)
		for _, a := range network.Items {
			if a.Contact != "" {
				contacts = append(contacts, a.Contact)
			}
		}
	}
	for name, doc := range map[string]string{"markdown": md, "html": html} {
		if e := emailAddress.FindString(doc); e != "" {
			t.Errorf("the %s document shows the e-mail address %s", name, e)
		}
		for _, c := range contacts {
			if strings.Contains(doc, c) {
				t.Errorf("the %s document shows the contact %q", name, c)
			}
		}
	}

	// Submitted and approved: the vision is final.
	p.submitApprove(t, id, 7)
	p.coordinator.problem("PUT", base+"/vision", vision, 409, "step_content_locked")
	anon.do("GET", base+"/vision", nil, 200, &got)
	if got.Text != tricky {
		t.Errorf("vision after approval %q", got.Text)
	}
	if final := visionDocument(t, anon, id, "text/markdown", "text/markdown"); !strings.Contains(final, "at step 8 of 10: Validate and approve") {
		t.Errorf("the document's status after step 7: %.300s", final)
	}
}
