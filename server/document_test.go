package server

import (
	"bytes"
	"context"
	"flag"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers/gorillamux"

	"github.com/ogplocal/ogp"
	"github.com/ogplocal/ogp/models"
)

// updateGolden rewrites the document's golden files:
// go test ./server -run TestDocumentGolden -update
var updateGolden = flag.Bool("update", false, "rewrite the golden files in testdata/")

func init() {
	// The document is text; validate its answers like any other.
	openapi3filter.RegisterBodyDecoder(mediaMarkdown, openapi3filter.PlainBodyDecoder)
	openapi3filter.RegisterBodyDecoder(mediaHTML, openapi3filter.PlainBodyDecoder)
}

// textDocument says whether a response's content is a text rendering
// (every media type text/*, each a string), like the action-plan document.
func textDocument(content openapi3.Content) bool {
	if len(content) == 0 {
		return false
	}
	for mt, m := range content {
		if !strings.HasPrefix(mt, "text/") || m.Schema == nil || m.Schema.Value == nil || !m.Schema.Value.Type.Is("string") {
			return false
		}
	}
	return true
}

// Private values of the fixture: none may ever appear in the document.
var documentSecrets = []string{
	"dimitris.k@athens.example", "+30 210 372 0000", "eleni@scify.example", "helpdesk@vouliwatch.example",
	"sofia@athens.example", "maria@athens.example", "nikos@vouliwatch.example",
	"Parking fines for diplomats", "Rude comment about the mayor", "spam, not a problem", "anonymous@example.org",
}

// documentFixture is a realistic plan: Athens, three commitments, with
// tricky user text (Markdown and HTML syntax) where people may type it.
func documentFixture() (models.ActionPlan, []models.MemberRow, ogp.Content) {
	at := time.Date(2026, 1, 10, 9, 0, 0, 0, time.UTC)
	plan := models.ActionPlan{ID: 7, Title: "Open Athens 2026-2028", Member: "City of Athens", StartsOn: "2026-01-01", EndsOn: "2028-06-30",
		Status: string(ogp.PlanCoCreation), CurrentStep: 8, CoordinatorID: 1, CreatedAt: at, UpdatedAt: at}
	members := []models.MemberRow{
		{Membership: models.Membership{PlanID: 7, UserID: 1, Roles: "coordinator", Sector: "government"}, Name: "Sofia Papadopoulou", Email: "sofia@athens.example"},
		{Membership: models.Membership{PlanID: 7, UserID: 2, Roles: "approver", Sector: "government"}, Name: "Maria Georgiou", Email: "maria@athens.example"},
		{Membership: models.Membership{PlanID: 7, UserID: 3, Roles: "approver", Sector: "civil_society"}, Name: "Nikos Ioannou", Email: "nikos@vouliwatch.example"},
		{Membership: models.Membership{PlanID: 7, UserID: 4, Roles: "contributor", Sector: "civil_society"}, Name: "Eleni Dimitriou", Email: "eleni@scify.example"},
		{Membership: models.Membership{PlanID: 7, UserID: 5, Roles: "monitoring_body", Sector: "other"}, Name: "Anna Kostopoulou", Email: "anna@uoa.example"},
	}
	c := ogp.Content{
		Team: []ogp.TeamMember{
			{UserID: 1, Name: "Sofia Papadopoulou", Title: "Open government coordinator", Organisation: "City of Athens, Mayor's Office"},
			{UserID: 4, Name: "Eleni Dimitriou", Title: "Civic tech lead", Organisation: "SciFY"},
		},
		Forum: &ogp.Forum{Name: "Athens Open Government Forum", IsNew: true,
			Purpose:        "Develops, implements and reviews the action plan together.\nMeets in public; minutes are published.",
			MeetingCadence: "every two months",
			Members: []ogp.ForumMember{
				{ID: 1, Name: "Maria Georgiou", Organisation: "Finance Department", Sector: ogp.ForumGovernment},
				{ID: 2, Name: "Nikos Ioannou", Organisation: "Vouliwatch", Sector: ogp.ForumNonGovernment},
				{ID: 3, Name: "Giorgos | Pipe", Organisation: "Neighbourhood council *Kypseli*", Sector: ogp.ForumNonGovernment},
			},
			Meetings: []ogp.ForumMeeting{
				{ID: 1, HeldOn: "2026-02-10", Agenda: "Rules of the forum; the roadmap", Minutes: "# Decisions\n1. Rules adopted.\n- Roadmap to be drafted by March.", Attendees: 23},
				{ID: 2, HeldOn: "2026-04-14", Agenda: "Opportunity areas", MinutesURL: "https://athens.example/forum/2026-04-14", Attendees: 31},
			},
		},
		MonitoringBody: &ogp.MonitoringBody{Name: "University of Athens, Governance Lab", Kind: ogp.MonitoringOrganisation,
			IndependenceStatement: "The lab receives no funding from the city and none of its members sits on the team."},
		Awareness: []ogp.AwarenessActivity{
			{ID: 1, Kind: ogp.AwarenessEvent, HeldOn: "2026-03-05", Audience: "Residents of Kypseli", Description: "Open evening on open government", Reach: 120, EvidenceURL: "https://athens.example/events/open-evening"},
			{ID: 2, Kind: ogp.AwarenessOnline, HeldOn: "2026-03-20", Audience: "All residents", Description: "Call for problems <b>online</b>", Reach: 4200, EvidenceURL: "javascript:alert(1)"},
		},
		Problems: []ogp.Problem{
			{ID: 1, Title: "Nobody can follow the city budget", Description: "The budget is a 900-page PDF.", PolicyArea: "Fiscal openness", Source: ogp.SourceForum, Status: ogp.ProblemPublished, ScoreCount: 12, ScoreAverage: 4.5, Rank: 1, Selected: true},
			{ID: 2, Title: "Public contracts are hard to find", Description: "Contracts sit in three registers.", PolicyArea: "Procurement", Source: ogp.SourceTeam, Status: ogp.ProblemPublished, ScoreCount: 10, ScoreAverage: 4.1, Rank: 2, Selected: true},
			{ID: 3, Title: "Residents are not heard on public space", Description: "Squares are redesigned without consultation.", PolicyArea: "Urban planning", Source: ogp.SourcePublic, Submitter: "Kypseli residents' association", Status: ogp.ProblemPublished, ScoreCount: 9, ScoreAverage: 3.9, Rank: 3, Selected: true},
			{ID: 4, Title: "Street lights are broken", Description: "Many lights are out.", PolicyArea: "Services", Source: ogp.SourcePublic, Status: ogp.ProblemPublished, ScoreCount: 1, ScoreAverage: 2, Rank: 4,
				ReasonedResponse: "A service request, not an open government problem: forwarded to the lighting department."},
			{ID: 5, Title: "Parking fines for diplomats", Description: "Pending moderation.", PolicyArea: "Transport", Source: ogp.SourcePublic, Status: ogp.ProblemPending, Submitter: "anonymous@example.org"},
			{ID: 6, Title: "Rude comment about the mayor", Description: "Hidden.", PolicyArea: "None", Source: ogp.SourcePublic, Status: ogp.ProblemHidden, ModerationReason: "spam, not a problem"},
		},
		Roadmap: documentRoadmap(),
		Vision: &ogp.StrategicVision{Text: "By 2028 every Athenian can see how the city spends, decides and delivers, and has a say in it.\n\n" +
			"# Not a heading\n<script>alert('vision')</script> | not a table | and **not bold**"},
	}
	actors := func(lead string) []ogp.SupportActor {
		return []ogp.SupportActor{
			{ID: 1, Name: "Dimitris Kanellopoulos", Organisation: lead, Sector: ogp.ActorGovernment, Role: ogp.ActorLead, Contact: "dimitris.k@athens.example"},
			{ID: 2, Name: "Vouliwatch", Organisation: "Vouliwatch", Sector: ogp.ActorCivilSociety, Role: ogp.ActorSupporter, Contact: "helpdesk@vouliwatch.example"},
			{ID: 3, Name: "Open Data Lab", Organisation: "Athens University of Economics", Sector: ogp.ActorAcademia, Role: ogp.ActorSupporter, Contact: "+30 210 372 0000"},
		}
	}
	c.Commitments = []ogp.Commitment{
		// Out of order on purpose: the document orders by number.
		{ID: 12, Number: 2, Title: "Open contracts", ProblemID: 2, StartsOn: "2026-09-01", EndsOn: "2028-03-31", LeadAgency: "Procurement Directorate",
			ProblemStatement: "Public contracts are scattered across three registers.", StatusQuo: "0 of 3 registers publish open data.",
			Objective: "Publish every contract in the Open Contracting Data Standard.", HowItSolves: "One searchable register anyone can check.",
			Values:     []ogp.CommitmentValue{{Value: ogp.ValueTransparency, Justification: "All contracts become public."}, {Value: ogp.ValueAccountability, Justification: "Civil society can flag irregular awards."}},
			Milestones: []ogp.Milestone{{ID: 21, Title: "OCDS register live", Deliverable: "Register", Indicator: "Contracts published", Target: "100% of contracts above EUR 10,000", StartsOn: "2026-09-01", DueOn: "2027-06-30", Responsible: "Procurement Directorate"}},
			Network:    actors("Procurement Directorate")},
		{ID: 11, Number: 1, Title: "Open budget | for everyone", ProblemID: 1, StartsOn: "2026-07-01", EndsOn: "2027-12-31", LeadAgency: "Finance Department",
			ProblemStatement: "Residents cannot follow how the budget is spent.", StatusQuo: "The budget is published once a year as a 900-page PDF.\nNo open data.",
			Objective:   "Publish the budget and its execution monthly as open data, with a plain-language guide.",
			HowItSolves: "Residents and journalists can follow spending month by month.",
			Values: []ogp.CommitmentValue{{Value: ogp.ValueTransparency, Justification: "Monthly open budget data."},
				{Value: ogp.ValueParticipation, Justification: "Residents comment on the draft budget online."}},
			AdditionalInfo: "Budget: EUR 120,000 from the city's digital programme. Linked to SDG 16.6.",
			Milestones: []ogp.Milestone{
				{ID: 11, Title: "Budget data portal", Deliverable: "Portal with monthly data", Indicator: "Months published", Target: "12 of 12", StartsOn: "2026-07-01", DueOn: "2027-03-31", Responsible: "Finance Department"},
				{ID: 12, Title: "Citizens' budget guide", Deliverable: "Guide | print and online", Indicator: "Copies distributed", Target: "5,000", StartsOn: "2027-01-01", DueOn: "2027-12-31", Responsible: "Communications Office"},
			},
			Network: actors("Finance Department")},
		{ID: 13, Number: 3, Title: "Co-designing public space", ProblemID: 3, StartsOn: "2027-01-01", EndsOn: "2028-06-30", LeadAgency: "Urban Planning Department",
			ProblemStatement: "Squares are redesigned without asking the people who use them.", StatusQuo: "No consultation on the last 5 redesigns.",
			Objective: "Co-design every square redesign with residents.", HowItSolves: "Residents shape the spaces they use.",
			Values: []ogp.CommitmentValue{{Value: ogp.ValueParticipation, Justification: "Residents co-design."}, {Value: ogp.ValueAccountability, Justification: "The city reports back on every proposal."}},
			Milestones: []ogp.Milestone{
				{ID: 31, Title: "Co-design method adopted", Deliverable: "Method", Indicator: "Method adopted by the council", Target: "Adopted", StartsOn: "2027-01-01", DueOn: "2027-06-30", Responsible: "Urban Planning Department"},
				{ID: 32, Title: "Three squares co-designed", Deliverable: "Designs", Indicator: "Squares co-designed", Target: "3", StartsOn: "2027-07-01", DueOn: "2028-06-30", Responsible: "Urban Planning Department"},
			},
			Network: actors("Urban Planning Department")},
	}
	return plan, members, c
}

func documentRoadmap() []ogp.RoadmapEntry {
	dates := [][2]ogp.Date{{"2026-03-01", "2026-04-30"}, {"2026-04-01", "2026-05-31"}, {"2026-06-01", "2026-07-15"}, {"2026-07-01", "2026-08-31"},
		{"2026-09-01", "2026-10-31"}, {"2026-11-01", "2026-12-15"}, {"2027-01-01", "2028-03-31"}, {"2028-04-01", "2028-06-30"}}
	var out []ogp.RoadmapEntry
	for i, d := range dates {
		out = append(out, ogp.RoadmapEntry{Step: i + 3, StartsOn: d[0], EndsOn: d[1], Responsible: "Sofia Papadopoulou",
			Stakeholders: "Athens Open Government Forum; Vouliwatch"})
	}
	out[0].Stakeholders = "Residents | media | schools"
	return out
}

func TestDocumentGolden(t *testing.T) {
	plan, members, content := documentFixture()
	d := newDocumentView(plan, members, content)
	html, err := renderDocumentHTML(d)
	if err != nil {
		t.Fatal(err)
	}
	for _, g := range []struct {
		file string
		got  []byte
	}{
		{"document.md", renderDocumentMarkdown(d)},
		{"document.html", html},
	} {
		path := filepath.Join("testdata", g.file)
		if *updateGolden {
			if err := os.MkdirAll("testdata", 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, g.got, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%v (run with -update to create it)", err)
		}
		if !bytes.Equal(g.got, want) {
			t.Errorf("%s differs from the rendering (run with -update if the change is deliberate):\n%s", path, firstDiff(string(want), string(g.got)))
		}
	}
}

// firstDiff shows the first line where two texts differ.
func firstDiff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := 0; i < len(w) || i < len(g); i++ {
		var wl, gl string
		if i < len(w) {
			wl = w[i]
		}
		if i < len(g) {
			gl = g[i]
		}
		if wl != gl {
			return "line " + strconv.Itoa(i+1) + ":\nwant: " + wl + "\ngot:  " + gl
		}
	}
	return ""
}

// TestDocumentShowsOnlyPublicContent: contacts, e-mail addresses and
// problems that are pending or hidden never reach the document.
func TestDocumentShowsOnlyPublicContent(t *testing.T) {
	plan, members, content := documentFixture()
	d := newDocumentView(plan, members, content)
	html, err := renderDocumentHTML(d)
	if err != nil {
		t.Fatal(err)
	}
	for name, out := range map[string]string{"markdown": string(renderDocumentMarkdown(d)), "html": string(html)} {
		for _, secret := range documentSecrets {
			if strings.Contains(out, secret) {
				t.Errorf("%s shows %q", name, secret)
			}
		}
		for _, public := range []string{"Dimitris Kanellopoulos", "Vouliwatch", "Open Data Lab", "Anna Kostopoulou", "Street lights are broken",
			"forwarded to the lighting department", "Kypseli residents", "Budget data portal", "EUR 120,000"} {
			if !strings.Contains(out, public) {
				t.Errorf("%s does not show %q", name, public)
			}
		}
	}
}

// TestDocumentOrder: the vision first, then the commitments in number
// order with their template fields in order, then the rest.
func TestDocumentOrder(t *testing.T) {
	plan, members, content := documentFixture()
	d := newDocumentView(plan, members, content)
	html, _ := renderDocumentHTML(d)
	for name, out := range map[string]string{"markdown": string(renderDocumentMarkdown(d)), "html": string(html)} {
		last := -1
		for _, s := range []string{"Open Athens 2026-2028", "City of Athens", "2026-01-01 to 2028-06-30", "step 8 of 10",
			"Strategic vision", "By 2028 every Athenian",
			"Commitment 1: Open budget", "2026-07-01 to 2027-12-31", "Finance Department", "Other actors", "Dimitris Kanellopoulos",
			"The public problem", "Residents cannot follow", "Baseline (status quo)", "900-page PDF", "What the commitment is", "Publish the budget",
			"How it will help", "journalists", "Relevance to the OGP values", "Transparency", "Participation", "Accountability",
			"Milestones", "Budget data portal", "Citizens", "Additional information", "SDG 16.6",
			"Commitment 2: Open contracts", "Commitment 3: Co-designing public space",
			"Team", "Open government coordinator", "Forum", "Athens Open Government Forum", "every two months", "2026-02-10", "2026-04-14",
			"Monitoring body", "Governance Lab", "Roadmap", "Raise awareness", "Learn", "Awareness activities", "Open evening",
			"Opportunity areas", "Selected problems", "Nobody can follow the city budget", "not selected", "Street lights"} {
			i := strings.Index(out[last+1:], s)
			if i < 0 {
				t.Errorf("%s: %q missing, or out of order (after position %d)", name, s, last)
				continue
			}
			last += 1 + i
		}
	}
}

// TestDocumentEscapesUserText: what people type cannot inject markup or
// break the document's structure.
func TestDocumentEscapesUserText(t *testing.T) {
	plan, members, content := documentFixture()
	d := newDocumentView(plan, members, content)
	htmlOut, _ := renderDocumentHTML(d)
	h := string(htmlOut)
	for _, bad := range []string{"<script>", "<b>online</b>", `href="javascript:`, "#ZgotmplZ"} {
		if strings.Contains(h, bad) {
			t.Errorf("html contains %q", bad)
		}
	}
	for _, want := range []string{"&lt;script&gt;", `<html lang="en">`, "<title>Open Athens 2026-2028 · City of Athens</title>",
		`<a href="https://athens.example/forum/2026-04-14">`, "javascript:alert(1)"} {
		if !strings.Contains(h, want) {
			t.Errorf("html lacks %q", want)
		}
	}
	md := string(renderDocumentMarkdown(d))
	for _, want := range []string{`\# Not a heading`, `\<script\>`, `\| not a table \|`, `\*\*not bold\*\*`, `Open budget \| for everyone`,
		`Giorgos \| Pipe`, `\# Decisions`, `1\. Rules adopted.`, `\- Roadmap to be drafted`, "<https://athens.example/forum/2026-04-14>"} {
		if !strings.Contains(md, want) {
			t.Errorf("markdown lacks %q", want)
		}
	}
	// Every table row has as many cells as its header: no pipe leaked.
	var cols int
	for _, line := range strings.Split(md, "\n") {
		if !strings.HasPrefix(line, "| ") {
			cols = 0
			continue
		}
		n := strings.Count(strings.ReplaceAll(line, `\|`, ""), "|")
		if cols == 0 {
			cols = n
		} else if n != cols {
			t.Errorf("table row with %d separators, header has %d: %s", n, cols, line)
		}
	}
}

func TestMarkdownEscaping(t *testing.T) {
	for _, c := range []struct{ in, inline, block string }{
		{"plain text", "plain text", "plain text"},
		{"a | b", `a \| b`, `a \| b`},
		{"line one\nline two", "line one line two", "line one\nline two"},
		{"# title", `# title`, `\# title`},
		{"  - item", `- item`, `\- item`},
		{"+ item", `+ item`, `\+ item`},
		{"2026. A year", "2026. A year", `2026\. A year`},
		{"1) first", "1) first", `1\) first`},
		{"> quote", `\> quote`, `\> quote`},
		{"===", "===", `\===`},
		{"    code?", "code?", "code?"},
		{"<img src=x onerror=alert(1)>", `\<img src=x onerror=alert(1)\>`, `\<img src=x onerror=alert(1)\>`},
		{"[link](javascript:x)", `\[link\](javascript:x)`, `\[link\](javascript:x)`},
		{"R&D &amp; more", `R&D \&amp; more`, `R&D \&amp; more`},
		{"_em_ *em* `code` ~~del~~", `\_em\_ \*em\* \` + "`" + `code\` + "`" + ` \~\~del\~\~`, `\_em\_ \*em\* \` + "`" + `code\` + "`" + ` \~\~del\~\~`},
		{`back\slash`, `back\\slash`, `back\\slash`},
		{"para one\n\n\n\npara two", "para one para two", "para one\n\npara two"},
		{"crlf\r\nline", "crlf line", "crlf\nline"},
	} {
		if got := mdInline(c.in); got != c.inline {
			t.Errorf("mdInline(%q) = %q, want %q", c.in, got, c.inline)
		}
		if got := mdBlock(c.in); got != c.block {
			t.Errorf("mdBlock(%q) = %q, want %q", c.in, got, c.block)
		}
	}
	if mdCell(" ") != "—" || mdLink("https://x.example/a_b") != "<https://x.example/a_b>" || mdLink("ftp://x") != "ftp://x" || mdLink("https://x.example/<a>") != `https://x.example/\<a\>` {
		t.Error("mdCell or mdLink")
	}
}

func TestNegotiateDocument(t *testing.T) {
	for _, c := range []struct {
		accept, want string
		ok           bool
	}{
		{"", mediaMarkdown, true},
		{"*/*", mediaMarkdown, true},
		{"text/*", mediaMarkdown, true},
		{"text/markdown", mediaMarkdown, true},
		{"text/markdown; charset=utf-8", mediaMarkdown, true},
		{"text/html", mediaHTML, true},
		{"TEXT/HTML", mediaHTML, true},
		{"text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", mediaHTML, true},
		{"text/markdown;q=0.5, text/html;q=0.8", mediaHTML, true},
		{"text/html;q=0.5, text/markdown", mediaMarkdown, true},
		{"text/html;q=0, */*", mediaMarkdown, true},
		{"*/*;q=0.1, text/html;q=0", mediaMarkdown, true},
		{"application/pdf", "", false},
		{"application/json", "", false},
		{"text/markdown;q=0, text/html;q=0", "", false},
		{"not a media type", "", false},
		{"text/html;q=abc, text/markdown;q=0.2", mediaMarkdown, true},
	} {
		got, ok := negotiateDocument(c.accept)
		if got != c.want || ok != c.ok {
			t.Errorf("negotiateDocument(%q) = %q %v, want %q %v", c.accept, got, ok, c.want, c.ok)
		}
	}
}

// documentStore serves the fixture; any other store call panics.
type documentStore struct{ Store }

func (documentStore) GetPlan(_ context.Context, id int64) (models.ActionPlan, error) {
	plan, _, _ := documentFixture()
	if id != plan.ID {
		return models.ActionPlan{}, models.ErrNotFound
	}
	return plan, nil
}

func (documentStore) LoadContent(context.Context, int64) (ogp.Content, error) {
	_, _, c := documentFixture()
	return c, nil
}

func (documentStore) ListMembers(context.Context, int64) ([]models.MemberRow, error) {
	_, m, _ := documentFixture()
	return m, nil
}

// TestDocumentRoute: content negotiation over HTTP, each answer as the
// OpenAPI document describes it.
func TestDocumentRoute(t *testing.T) {
	doc := openapiDoc(t)
	router, err := gorillamux.NewRouter(doc)
	if err != nil {
		t.Fatal(err)
	}
	s := New(documentStore{}, nil, nil)
	for _, c := range []struct {
		url, accept string
		status      int
		ctype       string
	}{
		{"/api/v1/action-plans/7/document", "", 200, "text/markdown; charset=utf-8"},
		{"/api/v1/action-plans/7/document", "*/*", 200, "text/markdown; charset=utf-8"},
		{"/api/v1/action-plans/7/document", "text/markdown", 200, "text/markdown; charset=utf-8"},
		{"/api/v1/action-plans/7/document", "text/html", 200, "text/html; charset=utf-8"},
		{"/api/v1/action-plans/7/document", "text/html,application/xhtml+xml,*/*;q=0.8", 200, "text/html; charset=utf-8"},
		{"/api/v1/action-plans/7/document", "application/pdf", 406, problemJSON},
		{"/api/v1/action-plans/8/document", "", 404, problemJSON},
		{"/api/v1/action-plans/x/document", "text/html", 404, problemJSON},
	} {
		name := c.url + " Accept: " + c.accept
		req := httptest.NewRequest(http.MethodGet, c.url, nil)
		if c.accept != "" {
			req.Header.Set("Accept", c.accept)
		}
		rec := httptest.NewRecorder()
		s.Handler().ServeHTTP(rec, req)
		if rec.Code != c.status || rec.Header().Get("Content-Type") != c.ctype {
			t.Errorf("%s: %d %s, want %d %s: %s", name, rec.Code, rec.Header().Get("Content-Type"), c.status, c.ctype, rec.Body.String())
			continue
		}
		if c.status == 200 && rec.Header().Get("Vary") != "Accept" {
			t.Errorf("%s: Vary %q, want Accept", name, rec.Header().Get("Vary"))
		}
		if c.status == 406 && !strings.Contains(rec.Body.String(), `"code":"not_acceptable"`) {
			t.Errorf("%s: %s", name, rec.Body.String())
		}
		route, params, err := router.FindRoute(req)
		if err != nil {
			if c.status == 404 && strings.Contains(c.url, "/x/") {
				continue // not a plan ID: no operation matches, by design
			}
			t.Errorf("%s: %v", name, err)
			continue
		}
		in := &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route,
			Options: &openapi3filter.Options{AuthenticationFunc: openapiBearer}}
		validateOpenAPIResponse(t, name, in, rec)
	}
}

// TestContentSchemasMatchGoTypes extends TestOpenAPISchemasMatchGoTypes
// to the roadmap and vision fragments.
func TestContentSchemasMatchGoTypes(t *testing.T) {
	doc := openapiDoc(t)
	for _, c := range []struct {
		schema  string
		typ     any
		request bool
	}{
		{"RoadmapEntryRequest", roadmapEntryRequest{}, true},
		{"RoadmapEntry", RoadmapEntryResponse{}, false},
		{"RoadmapList", RoadmapResponse{}, false},
		{"VisionRequest", visionRequest{}, true},
		{"Vision", VisionResponse{}, false},
	} {
		ref := doc.Components.Schemas[c.schema]
		if ref == nil {
			t.Errorf("components.schemas.%s is missing", c.schema)
			continue
		}
		compareSchema(t, c.schema, ref.Value, reflect.TypeOf(c.typ), c.request)
	}
	prop := func(schema, field string) *openapi3.Schema {
		return doc.Components.Schemas[schema].Value.Properties[field].Value
	}
	for _, c := range []struct {
		schema, field string
		want          int
	}{
		{"RoadmapEntryRequest", "responsible", ogp.MaxRoadmapResponsibleLen},
		{"RoadmapEntryRequest", "stakeholders", ogp.MaxRoadmapStakeholdersLen},
		{"VisionRequest", "text", ogp.MaxVisionLen},
	} {
		if m := prop(c.schema, c.field).MaxLength; m == nil || int(*m) != c.want {
			t.Errorf("%s.%s maxLength = %v, want %d", c.schema, c.field, m, c.want)
		}
	}
	step := doc.Components.Parameters["RoadmapStepNumber"].Value.Schema.Value
	if int(*step.Min) != ogp.RoadmapFirstStep || int(*step.Max) != ogp.RoadmapLastStep {
		t.Errorf("RoadmapStepNumber is %v-%v", *step.Min, *step.Max)
	}
}

// TestDocumentOfAnEmptyPlan: a plan that has recorded nothing yet still
// renders, saying what is missing.
func TestDocumentOfAnEmptyPlan(t *testing.T) {
	plan, _, _ := documentFixture()
	plan.CurrentStep = 1
	for _, c := range []ogp.Content{
		{},
		{Forum: &ogp.Forum{Name: "Forum"}, MonitoringBody: &ogp.MonitoringBody{Name: "Body", Kind: ogp.MonitoringPerson},
			Commitments: []ogp.Commitment{{ID: 1, Number: 1, Title: "Draft"}}},
	} {
		d := newDocumentView(plan, nil, c)
		html, err := renderDocumentHTML(d)
		if err != nil {
			t.Fatal(err)
		}
		md := string(renderDocumentMarkdown(d))
		for _, want := range []string{"No strategic vision has been recorded yet.", "No team has been recorded yet.", "No roadmap has been recorded yet.",
			"No awareness activities have been recorded yet.", "No problems have been selected yet.", "at step 1 of 10"} {
			if !strings.Contains(md, want) || !strings.Contains(string(html), want) {
				t.Errorf("the empty document lacks %q", want)
			}
		}
		if c.Forum != nil {
			for _, want := range []string{"Commitment 1: Draft", "Not described yet.", "None recorded.", "Its purpose is not described yet."} {
				if !strings.Contains(md, want) || !strings.Contains(string(html), want) {
					t.Errorf("the draft document lacks %q", want)
				}
			}
		}
		if !strings.HasSuffix(md, "\n") || strings.HasSuffix(md, "\n\n") {
			t.Error("the Markdown document does not end with exactly one newline")
		}
	}
	plan.Status, plan.CurrentStep = string(ogp.PlanCompleted), 10
	if d := newDocumentView(plan, nil, ogp.Content{}); d.Status != "completed" {
		t.Errorf("status of a completed plan: %q", d.Status)
	}
}
