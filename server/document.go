package server

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"html/template"
	"math"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"github.com/ogplocal/ogp"
	"github.com/ogplocal/ogp/models"
)

// The action-plan document is the plan as OGP Local publishes it: one
// page a resident, a monitoring body or the OGP support unit can read or
// print. It is rendered from the same content the gates check, so it
// always shows what the approvers approved (or what is being drafted).

// Media types of the document.
const (
	mediaMarkdown = "text/markdown"
	mediaHTML     = "text/html"
)

// documentOffers are the representations, the default first: a client
// that accepts anything gets Markdown.
var documentOffers = []string{mediaMarkdown, mediaHTML}

// negotiateDocument picks the representation the Accept header prefers
// (RFC 9110 12.5.1: the most specific matching range gives each offer its
// quality; the highest quality wins, ties go to the default). ok is false
// when the client accepts none.
func negotiateDocument(accept string) (media string, ok bool) {
	if strings.TrimSpace(accept) == "" {
		return documentOffers[0], true
	}
	type rng struct {
		typ, sub string
		q        float64
	}
	var ranges []rng
	for _, part := range strings.Split(accept, ",") {
		mt, params, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err != nil {
			continue
		}
		typ, sub, _ := strings.Cut(mt, "/")
		q := 1.0
		if v, ok := params["q"]; ok {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil || f < 0 || f > 1 {
				continue
			}
			q = f
		}
		ranges = append(ranges, rng{typ, sub, q})
	}
	best, bestQ := "", 0.0
	for _, offer := range documentOffers {
		typ, sub, _ := strings.Cut(offer, "/")
		q, spec := 0.0, -1
		for _, r := range ranges {
			s := -1
			switch {
			case r.typ == typ && r.sub == sub:
				s = 2
			case r.typ == typ && r.sub == "*":
				s = 1
			case r.typ == "*" && r.sub == "*":
				s = 0
			}
			if s > spec {
				q, spec = r.q, s
			}
		}
		if q > bestQ {
			best, bestQ = offer, q
		}
	}
	return best, best != ""
}

// getDocument renders the whole action plan, as Markdown or HTML.
func (s *Server) getDocument(c echo.Context) error {
	p, err := s.planOr404(c)
	if err != nil {
		return err
	}
	c.Response().Header().Add(echo.HeaderVary, echo.HeaderAccept)
	media, ok := negotiateDocument(c.Request().Header.Get(echo.HeaderAccept))
	if !ok {
		return notAcceptable(c, "the action-plan document is available as text/markdown or text/html")
	}
	ctx := c.Request().Context()
	content, err := s.store.LoadContent(ctx, p.ID)
	if err != nil {
		return err
	}
	members, err := s.store.ListMembers(ctx, p.ID)
	if err != nil {
		return err
	}
	doc := newDocumentView(p, members, content)
	var body []byte
	if media == mediaHTML {
		if body, err = renderDocumentHTML(doc); err != nil {
			return err
		}
	} else {
		body = renderDocumentMarkdown(doc)
	}
	return c.Blob(http.StatusOK, media+"; charset=utf-8", body)
}

// notAcceptable answers 406 as problem+json. The domain has no error kind
// for it: content negotiation exists only at the HTTP edge.
func notAcceptable(c echo.Context, detail string) error {
	b, err := json.Marshal(Problem{Type: "https://ogp-local.dev/problems/not_acceptable", Title: http.StatusText(http.StatusNotAcceptable),
		Status: http.StatusNotAcceptable, Detail: detail, Code: "not_acceptable", Instance: c.Request().URL.Path})
	if err != nil {
		return err
	}
	return c.Blob(http.StatusNotAcceptable, "application/problem+json", b)
}

// --- the document's view: what is shown, in order, already public

type documentView struct {
	Title, Member, StartsOn, EndsOn, Status string
	Vision                                  string
	Commitments                             []commitmentView
	Team                                    []teamView
	Forum                                   *forumView
	Monitoring                              *monitoringView
	Roadmap                                 []roadmapView
	Awareness                               []awarenessView
	Selected                                []problemView
	NotSelected                             []problemView
}

type commitmentView struct {
	Number                                       int
	Title, StartsOn, EndsOn, LeadAgency, Problem string
	Actors                                       []actorView
	ProblemStatement, StatusQuo                  string
	Objective, HowItSolves                       string
	Values                                       []valueView
	Milestones                                   []ogp.Milestone
	AdditionalInfo                               string
}

// actorView is a support actor without its contact, which is private.
type actorView struct{ Name, Organisation, Sector, Role string }

type valueView struct {
	Value         string
	Relevant      bool
	Justification string
}

type teamView struct{ Name, Title, Organisation, Sector string }

type forumView struct {
	Name, Kind, Purpose, Cadence string
	Members                      []forumMemberView
	Meetings                     []ogp.ForumMeeting
}

type forumMemberView struct{ Name, Organisation, Sector string }

type monitoringView struct {
	Name, Kind, Statement string
	Members               []string
}

type roadmapView struct {
	Step                                                   int
	StepTitle, StartsOn, EndsOn, Responsible, Stakeholders string
}

type awarenessView struct {
	HeldOn, Kind, Audience, Description string
	Reach                               int
	EvidenceURL                         string
}

type problemView struct {
	Title, PolicyArea, Description, Source, Submitter string
	Score                                             string
	Rank                                              int
	ReasonedResponse                                  string
}

// ogpValueOrder is the template's order of the OGP values.
var ogpValueOrder = []ogp.Value{ogp.ValueTransparency, ogp.ValueParticipation, ogp.ValueAccountability}

// words turns a stable key ("civil_society") into words for people.
func words(key string) string { return strings.ReplaceAll(key, "_", " ") }

func capitalised(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	if n == 0 {
		return s
	}
	return string(unicode.ToUpper(r)) + s[n:]
}

func planStatusText(p models.ActionPlan) string {
	if p.Status == string(ogp.PlanCompleted) {
		return "completed"
	}
	status := strings.ReplaceAll(p.Status, "_", "-")
	if def, ok := ogp.StepByNumber(p.CurrentStep); ok {
		return fmt.Sprintf("%s, at step %d of %d: %s", status, def.Number, ogp.StepCount, def.Title)
	}
	return status
}

// newDocumentView selects and orders what the document shows. Only
// public content gets in: problems that are published, support actors
// without their contacts, members by name (never their e-mail address).
func newDocumentView(p models.ActionPlan, members []models.MemberRow, c ogp.Content) documentView {
	d := documentView{Title: p.Title, Member: p.Member, StartsOn: p.StartsOn, EndsOn: p.EndsOn, Status: planStatusText(p)}
	if c.Vision != nil {
		d.Vision = c.Vision.Text
	}
	sectorOf := map[int64]string{}
	for _, m := range members {
		sectorOf[m.UserID] = m.Sector
	}
	published := map[int64]ogp.Problem{}
	for _, pr := range c.Problems {
		if pr.Status == ogp.ProblemPublished {
			published[pr.ID] = pr
		}
	}

	commitments := slices.Clone(c.Commitments)
	slices.SortStableFunc(commitments, func(a, b ogp.Commitment) int {
		if c := cmp.Compare(a.Number, b.Number); c != 0 {
			return c
		}
		return cmp.Compare(a.ID, b.ID)
	})
	for _, cm := range commitments {
		v := commitmentView{Number: cm.Number, Title: cm.Title, StartsOn: string(cm.StartsOn), EndsOn: string(cm.EndsOn),
			LeadAgency: cm.LeadAgency, ProblemStatement: cm.ProblemStatement, StatusQuo: cm.StatusQuo,
			Objective: cm.Objective, HowItSolves: cm.HowItSolves, Milestones: cm.Milestones, AdditionalInfo: cm.AdditionalInfo}
		if pr, ok := published[cm.ProblemID]; ok {
			v.Problem = pr.Title
		}
		for _, a := range cm.Network {
			v.Actors = append(v.Actors, actorView{Name: a.Name, Organisation: a.Organisation, Sector: words(string(a.Sector)), Role: string(a.Role)})
		}
		for _, val := range ogpValueOrder {
			vv := valueView{Value: capitalised(string(val))}
			for _, cv := range cm.Values {
				if cv.Value == val {
					vv.Relevant, vv.Justification = true, cv.Justification
				}
			}
			v.Values = append(v.Values, vv)
		}
		d.Commitments = append(d.Commitments, v)
	}

	for _, tm := range c.Team {
		d.Team = append(d.Team, teamView{Name: tm.Name, Title: tm.Title, Organisation: tm.Organisation, Sector: words(sectorOf[tm.UserID])})
	}
	if f := c.Forum; f != nil {
		fv := &forumView{Name: f.Name, Kind: "an existing forum", Purpose: f.Purpose, Cadence: f.MeetingCadence, Meetings: f.Meetings}
		if f.IsNew {
			fv.Kind = "a new forum"
		}
		for _, m := range f.Members {
			fv.Members = append(fv.Members, forumMemberView{Name: m.Name, Organisation: m.Organisation, Sector: strings.ReplaceAll(string(m.Sector), "_", "-")})
		}
		d.Forum = fv
	}
	if mb := c.MonitoringBody; mb != nil {
		mv := &monitoringView{Name: mb.Name, Kind: string(mb.Kind), Statement: mb.IndependenceStatement}
		for _, m := range members {
			if m.HasRole(models.RoleMonitoringBody) {
				mv.Members = append(mv.Members, m.Name)
			}
		}
		d.Monitoring = mv
	}
	for _, e := range c.Roadmap {
		def, _ := ogp.StepByNumber(e.Step)
		d.Roadmap = append(d.Roadmap, roadmapView{Step: e.Step, StepTitle: def.Title, StartsOn: string(e.StartsOn), EndsOn: string(e.EndsOn),
			Responsible: e.Responsible, Stakeholders: e.Stakeholders})
	}
	for _, a := range c.Awareness {
		d.Awareness = append(d.Awareness, awarenessView{HeldOn: string(a.HeldOn), Kind: string(a.Kind), Audience: a.Audience,
			Description: a.Description, Reach: a.Reach, EvidenceURL: a.EvidenceURL})
	}

	problems := slices.Clone(c.Problems)
	// Ranked first, by rank; then unranked, in the order they came.
	slices.SortStableFunc(problems, func(a, b ogp.Problem) int {
		rank := func(p ogp.Problem) int {
			if p.Rank == 0 {
				return math.MaxInt
			}
			return p.Rank
		}
		if c := cmp.Compare(rank(a), rank(b)); c != 0 {
			return c
		}
		return cmp.Compare(a.ID, b.ID)
	})
	for _, pr := range problems {
		if pr.Status != ogp.ProblemPublished {
			continue
		}
		pv := problemView{Title: pr.Title, PolicyArea: pr.PolicyArea, Description: pr.Description, Source: string(pr.Source),
			Submitter: pr.Submitter, Rank: pr.Rank, ReasonedResponse: pr.ReasonedResponse}
		if pr.ScoreCount > 0 {
			pv.Score = fmt.Sprintf("%.1f of 5 (%d scores)", pr.ScoreAverage, pr.ScoreCount)
			if pr.ScoreCount == 1 {
				pv.Score = fmt.Sprintf("%.1f of 5 (1 score)", pr.ScoreAverage)
			}
		}
		if pr.Selected {
			d.Selected = append(d.Selected, pv)
		} else {
			d.NotSelected = append(d.NotSelected, pv)
		}
	}
	return d
}

// webURL returns u when it is an absolute http(s) link safe to make
// clickable, else "" (and the text is shown as text).
func webURL(u string) string {
	p, err := url.Parse(u)
	if err != nil || (p.Scheme != "http" && p.Scheme != "https") || p.Host == "" || strings.ContainsAny(u, " \t\r\n<>\"'`") {
		return ""
	}
	return u
}

// --- Markdown

// mdInline escapes text for one line of Markdown: line breaks become
// spaces, and every character that could start markup (emphasis, code,
// links, HTML, table cells, entities) is escaped, so user text can never
// change the document's structure.
func mdInline(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	var b strings.Builder
	for i, r := range s {
		switch r {
		case '\\', '`', '*', '_', '[', ']', '<', '>', '|', '~', '{', '}':
			b.WriteByte('\\')
		case '&':
			if entityAt(s[i+1:]) {
				b.WriteByte('\\')
			}
		}
		b.WriteRune(r)
	}
	return b.String()
}

// entityAt says whether s (what follows a '&') would make it an HTML
// entity or character reference, like "amp;" or "#38;".
func entityAt(s string) bool {
	j := 0
	for j < len(s) && j < 32 && (s[j] == '#' || (s[j] >= '0' && s[j] <= '9') || (s[j] >= 'a' && s[j] <= 'z') || (s[j] >= 'A' && s[j] <= 'Z')) {
		j++
	}
	return j > 0 && j < len(s) && s[j] == ';'
}

// mdCell is text for a table cell; an empty cell shows a dash.
func mdCell(s string) string {
	if strings.TrimSpace(s) == "" {
		return "—"
	}
	return mdInline(s)
}

// mdBlock renders multi-line text as paragraphs: lines are kept, blank
// lines separate paragraphs, and a line can never open a heading, a list,
// a quote, a code block, a thematic break or HTML.
func mdBlock(s string) string {
	s = strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\r", "\n")
	var paras []string
	var cur []string
	flush := func() {
		if len(cur) > 0 {
			paras = append(paras, strings.Join(cur, "\n"))
			cur = nil
		}
	}
	for _, line := range strings.Split(s, "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			flush()
			continue
		}
		esc := mdInline(line)
		switch esc[0] {
		case '#', '-', '+', '=', '>':
			esc = "\\" + esc
		default:
			// "1." or "1)" would open an ordered list.
			j := 0
			for j < len(esc) && j < 9 && esc[j] >= '0' && esc[j] <= '9' {
				j++
			}
			if j > 0 && j < len(esc) && (esc[j] == '.' || esc[j] == ')') {
				esc = esc[:j] + "\\" + esc[j:]
			}
		}
		cur = append(cur, esc)
	}
	flush()
	return strings.Join(paras, "\n\n")
}

// mdLink shows a link as a Markdown autolink when it is a safe web link,
// else as escaped text.
func mdLink(u string) string {
	if w := webURL(u); w != "" {
		return "<" + w + ">"
	}
	return mdCell(u)
}

type mdWriter struct{ bytes.Buffer }

func (w *mdWriter) line(format string, args ...any) {
	fmt.Fprintf(&w.Buffer, format, args...)
	_ = w.WriteByte('\n')
}

func (w *mdWriter) blank() { _ = w.WriteByte('\n') }

// para writes a block of user text, or the placeholder when it is empty.
func (w *mdWriter) para(s, empty string) {
	if t := mdBlock(s); t != "" {
		w.line("%s", t)
	} else {
		w.line("_%s_", empty)
	}
	w.blank()
}

func (w *mdWriter) table(header []string, rows [][]string) {
	w.line("| %s |", strings.Join(header, " | "))
	seps := make([]string, len(header))
	for i := range seps {
		seps[i] = "---"
	}
	w.line("| %s |", strings.Join(seps, " | "))
	for _, r := range rows {
		w.line("| %s |", strings.Join(r, " | "))
	}
	w.blank()
}

func (w *mdWriter) none(what string) {
	w.line("_%s_", what)
	w.blank()
}

func renderDocumentMarkdown(d documentView) []byte {
	var w mdWriter
	w.line("# %s", mdInline(d.Title))
	w.blank()
	w.line("- **Member:** %s", mdInline(d.Member))
	w.line("- **Period:** %s to %s", d.StartsOn, d.EndsOn)
	w.line("- **Status:** %s", mdInline(d.Status))
	w.blank()

	w.line("## Strategic vision")
	w.blank()
	w.para(d.Vision, "No strategic vision has been recorded yet.")

	w.line("## Commitments")
	w.blank()
	if len(d.Commitments) == 0 {
		w.none("No commitments have been recorded yet.")
	}
	for _, c := range d.Commitments {
		w.line("### Commitment %d: %s", c.Number, mdInline(c.Title))
		w.blank()
		w.line("- **Start and end date:** %s to %s", mdCell(c.StartsOn), mdCell(c.EndsOn))
		w.line("- **Lead implementing agency:** %s", mdCell(c.LeadAgency))
		if c.Problem != "" {
			w.line("- **Opportunity area:** %s", mdInline(c.Problem))
		}
		w.blank()
		w.line("#### Other actors involved")
		w.blank()
		if len(c.Actors) == 0 {
			w.none("None recorded.")
		} else {
			rows := make([][]string, 0, len(c.Actors))
			for _, a := range c.Actors {
				rows = append(rows, []string{mdCell(a.Name), mdCell(a.Organisation), mdCell(a.Sector), mdCell(a.Role)})
			}
			w.table([]string{"Name", "Organisation", "Sector", "Role"}, rows)
		}
		w.line("#### The public problem")
		w.blank()
		w.para(c.ProblemStatement, "Not described yet.")
		w.line("#### Baseline (status quo)")
		w.blank()
		w.para(c.StatusQuo, "Not described yet.")
		w.line("#### What the commitment is")
		w.blank()
		w.para(c.Objective, "Not described yet.")
		w.line("#### How it will help solve the problem")
		w.blank()
		w.para(c.HowItSolves, "Not described yet.")
		w.line("#### Relevance to the OGP values")
		w.blank()
		rows := make([][]string, 0, len(c.Values))
		for _, v := range c.Values {
			rel := "no"
			if v.Relevant {
				rel = "yes"
			}
			rows = append(rows, []string{v.Value, rel, mdCell(v.Justification)})
		}
		w.table([]string{"OGP value", "Relevant", "Justification"}, rows)
		w.line("#### Milestones")
		w.blank()
		if len(c.Milestones) == 0 {
			w.none("None recorded.")
		} else {
			rows := make([][]string, 0, len(c.Milestones))
			for i, m := range c.Milestones {
				rows = append(rows, []string{strconv.Itoa(i + 1), mdCell(m.Title), mdCell(m.Deliverable), mdCell(m.Indicator), mdCell(m.Target),
					mdCell(string(m.StartsOn)), mdCell(string(m.DueOn)), mdCell(m.Responsible)})
			}
			w.table([]string{"#", "Milestone", "Deliverable", "Indicator", "Target", "Start", "Due", "Responsible"}, rows)
		}
		w.line("#### Additional information")
		w.blank()
		w.para(c.AdditionalInfo, "None.")
	}

	w.line("## Team")
	w.blank()
	if len(d.Team) == 0 {
		w.none("No team has been recorded yet.")
	} else {
		rows := make([][]string, 0, len(d.Team))
		for _, t := range d.Team {
			rows = append(rows, []string{mdCell(t.Name), mdCell(t.Title), mdCell(t.Organisation), mdCell(t.Sector)})
		}
		w.table([]string{"Name", "Role", "Organisation", "Sector"}, rows)
	}

	w.line("## Forum")
	w.blank()
	if f := d.Forum; f == nil {
		w.none("No forum has been recorded yet.")
	} else {
		if f.Cadence != "" {
			w.line("**%s** is %s. It meets %s.", mdInline(f.Name), f.Kind, mdInline(f.Cadence))
		} else {
			w.line("**%s** is %s.", mdInline(f.Name), f.Kind)
		}
		w.blank()
		w.para(f.Purpose, "Its purpose is not described yet.")
		w.line("### Forum members")
		w.blank()
		if len(f.Members) == 0 {
			w.none("None recorded.")
		} else {
			rows := make([][]string, 0, len(f.Members))
			for _, m := range f.Members {
				rows = append(rows, []string{mdCell(m.Name), mdCell(m.Organisation), mdCell(m.Sector)})
			}
			w.table([]string{"Name", "Organisation", "Sector"}, rows)
		}
		w.line("### Forum meetings")
		w.blank()
		if len(f.Meetings) == 0 {
			w.none("None recorded.")
		}
		for _, m := range f.Meetings {
			w.line("#### %s, %d attendees", m.HeldOn, m.Attendees)
			w.blank()
			w.line("**Agenda:** %s", mdInline(m.Agenda))
			w.blank()
			if m.Minutes != "" {
				w.line("**Minutes:**")
				w.blank()
				w.para(m.Minutes, "")
			}
			if m.MinutesURL != "" {
				w.line("**Minutes online:** %s", mdLink(m.MinutesURL))
				w.blank()
			}
		}
	}

	w.line("## Monitoring body")
	w.blank()
	if m := d.Monitoring; m == nil {
		w.none("No monitoring body has been recorded yet.")
	} else {
		w.line("**%s** (%s)", mdInline(m.Name), m.Kind)
		w.blank()
		if len(m.Members) > 0 {
			names := make([]string, len(m.Members))
			for i, n := range m.Members {
				names[i] = mdInline(n)
			}
			w.line("Members: %s.", strings.Join(names, ", "))
			w.blank()
		}
		w.line("**Independence statement:**")
		w.blank()
		w.para(m.Statement, "None recorded.")
	}

	w.line("## Roadmap")
	w.blank()
	if len(d.Roadmap) == 0 {
		w.none("No roadmap has been recorded yet.")
	} else {
		rows := make([][]string, 0, len(d.Roadmap))
		for _, e := range d.Roadmap {
			rows = append(rows, []string{fmt.Sprintf("%d. %s", e.Step, mdInline(e.StepTitle)), e.StartsOn, e.EndsOn, mdCell(e.Responsible), mdCell(e.Stakeholders)})
		}
		w.table([]string{"Step", "Start", "End", "Responsible", "Stakeholders"}, rows)
	}

	w.line("## Awareness activities")
	w.blank()
	if len(d.Awareness) == 0 {
		w.none("No awareness activities have been recorded yet.")
	} else {
		rows := make([][]string, 0, len(d.Awareness))
		for _, a := range d.Awareness {
			rows = append(rows, []string{a.HeldOn, mdCell(a.Kind), mdCell(a.Audience), mdCell(a.Description), strconv.Itoa(a.Reach), mdLink(a.EvidenceURL)})
		}
		w.table([]string{"Date", "Kind", "Audience", "Description", "Reach", "Evidence"}, rows)
	}

	w.line("## Opportunity areas")
	w.blank()
	w.line("### Selected problems")
	w.blank()
	if len(d.Selected) == 0 {
		w.none("No problems have been selected yet.")
	}
	for _, p := range d.Selected {
		w.problem(p)
	}
	w.line("### Problems not selected, and why")
	w.blank()
	if len(d.NotSelected) == 0 {
		w.none("Every published problem was selected.")
	}
	for _, p := range d.NotSelected {
		w.problem(p)
		w.line("**Reasoned response:**")
		w.blank()
		w.para(p.ReasonedResponse, "Not given yet.")
	}
	return append(bytes.TrimRight(w.Bytes(), "\n"), '\n')
}

func (w *mdWriter) problem(p problemView) {
	w.line("#### %s", mdInline(p.Title))
	w.blank()
	w.line("- **Policy area:** %s", mdCell(p.PolicyArea))
	src := words(p.Source)
	if p.Submitter != "" {
		src += ", " + p.Submitter
	}
	w.line("- **Raised by:** %s", mdInline(src))
	if p.Score != "" {
		w.line("- **Score:** %s", p.Score)
	}
	if p.Rank > 0 {
		w.line("- **Rank:** %d", p.Rank)
	}
	w.blank()
	w.para(p.Description, "No description.")
}

// --- HTML

var documentHTML = template.Must(template.New("document").Funcs(template.FuncMap{
	"weburl": webURL,
	"words":  words,
	"inc":    func(i int) int { return i + 1 },
}).Parse(documentHTMLSource))

func renderDocumentHTML(d documentView) ([]byte, error) {
	var b bytes.Buffer
	if err := documentHTML.Execute(&b, d); err != nil {
		return nil, fmt.Errorf("render the action-plan document: %w", err)
	}
	return b.Bytes(), nil
}

// documentHTMLSource is a self-contained, printable page: html/template
// escapes every value by context, and only http(s) links are made
// clickable.
const documentHTMLSource = `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}} · {{.Member}}</title>
<style>
body{font-family:Georgia,"Times New Roman",serif;line-height:1.5;color:#1a1a1a;max-width:52rem;margin:2rem auto;padding:0 1rem}
h1,h2,h3,h4{font-family:Helvetica,Arial,sans-serif;line-height:1.25}
h2{border-bottom:2px solid #1a1a1a;padding-bottom:.2rem;margin-top:2.5rem}
h3{margin-top:2rem}
table{border-collapse:collapse;width:100%;margin:.5rem 0 1rem;font-size:.9rem}
th,td{border:1px solid #999;padding:.3rem .5rem;text-align:left;vertical-align:top}
th{background:#eee}
.text{white-space:pre-line}
.none{color:#555;font-style:italic}
dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:.2rem 1rem}
dl.facts dt{font-weight:bold}
dl.facts dd{margin:0}
@media print{body{margin:0;max-width:none}h2,h3{break-after:avoid}table,section.commitment{break-inside:avoid}a{color:inherit}}
</style>
</head>
<body>
<header>
<h1>{{.Title}}</h1>
<dl class="facts">
<dt>Member</dt><dd>{{.Member}}</dd>
<dt>Period</dt><dd>{{.StartsOn}} to {{.EndsOn}}</dd>
<dt>Status</dt><dd>{{.Status}}</dd>
</dl>
</header>
<main>
<section id="vision">
<h2>Strategic vision</h2>
{{if .Vision}}<p class="text">{{.Vision}}</p>{{else}}<p class="none">No strategic vision has been recorded yet.</p>{{end}}
</section>
<section id="commitments">
<h2>Commitments</h2>
{{range .Commitments}}<section class="commitment" id="commitment-{{.Number}}">
<h3>Commitment {{.Number}}: {{.Title}}</h3>
<dl class="facts">
<dt>Start and end date</dt><dd>{{or .StartsOn "—"}} to {{or .EndsOn "—"}}</dd>
<dt>Lead implementing agency</dt><dd>{{or .LeadAgency "—"}}</dd>
{{if .Problem}}<dt>Opportunity area</dt><dd>{{.Problem}}</dd>
{{end}}</dl>
<h4>Other actors involved</h4>
{{if .Actors}}<table>
<thead><tr><th>Name</th><th>Organisation</th><th>Sector</th><th>Role</th></tr></thead>
<tbody>
{{range .Actors}}<tr><td>{{.Name}}</td><td>{{.Organisation}}</td><td>{{.Sector}}</td><td>{{.Role}}</td></tr>
{{end}}</tbody>
</table>{{else}}<p class="none">None recorded.</p>{{end}}
<h4>The public problem</h4>
{{if .ProblemStatement}}<p class="text">{{.ProblemStatement}}</p>{{else}}<p class="none">Not described yet.</p>{{end}}
<h4>Baseline (status quo)</h4>
{{if .StatusQuo}}<p class="text">{{.StatusQuo}}</p>{{else}}<p class="none">Not described yet.</p>{{end}}
<h4>What the commitment is</h4>
{{if .Objective}}<p class="text">{{.Objective}}</p>{{else}}<p class="none">Not described yet.</p>{{end}}
<h4>How it will help solve the problem</h4>
{{if .HowItSolves}}<p class="text">{{.HowItSolves}}</p>{{else}}<p class="none">Not described yet.</p>{{end}}
<h4>Relevance to the OGP values</h4>
<table>
<thead><tr><th>OGP value</th><th>Relevant</th><th>Justification</th></tr></thead>
<tbody>
{{range .Values}}<tr><td>{{.Value}}</td><td>{{if .Relevant}}yes{{else}}no{{end}}</td><td class="text">{{or .Justification "—"}}</td></tr>
{{end}}</tbody>
</table>
<h4>Milestones</h4>
{{if .Milestones}}<table>
<thead><tr><th>#</th><th>Milestone</th><th>Deliverable</th><th>Indicator</th><th>Target</th><th>Start</th><th>Due</th><th>Responsible</th></tr></thead>
<tbody>
{{range $i, $m := .Milestones}}<tr><td>{{inc $i}}</td><td>{{$m.Title}}</td><td>{{$m.Deliverable}}</td><td>{{$m.Indicator}}</td><td>{{$m.Target}}</td><td>{{$m.StartsOn}}</td><td>{{$m.DueOn}}</td><td>{{$m.Responsible}}</td></tr>
{{end}}</tbody>
</table>{{else}}<p class="none">None recorded.</p>{{end}}
<h4>Additional information</h4>
{{if .AdditionalInfo}}<p class="text">{{.AdditionalInfo}}</p>{{else}}<p class="none">None.</p>{{end}}
</section>
{{else}}<p class="none">No commitments have been recorded yet.</p>
{{end}}</section>
<section id="team">
<h2>Team</h2>
{{if .Team}}<table>
<thead><tr><th>Name</th><th>Role</th><th>Organisation</th><th>Sector</th></tr></thead>
<tbody>
{{range .Team}}<tr><td>{{.Name}}</td><td>{{.Title}}</td><td>{{.Organisation}}</td><td>{{.Sector}}</td></tr>
{{end}}</tbody>
</table>{{else}}<p class="none">No team has been recorded yet.</p>{{end}}
</section>
<section id="forum">
<h2>Forum</h2>
{{with .Forum}}<p><strong>{{.Name}}</strong> is {{.Kind}}.{{if .Cadence}} It meets {{.Cadence}}.{{end}}</p>
{{if .Purpose}}<p class="text">{{.Purpose}}</p>{{else}}<p class="none">Its purpose is not described yet.</p>{{end}}
<h3>Forum members</h3>
{{if .Members}}<table>
<thead><tr><th>Name</th><th>Organisation</th><th>Sector</th></tr></thead>
<tbody>
{{range .Members}}<tr><td>{{.Name}}</td><td>{{.Organisation}}</td><td>{{.Sector}}</td></tr>
{{end}}</tbody>
</table>{{else}}<p class="none">None recorded.</p>{{end}}
<h3>Forum meetings</h3>
{{range .Meetings}}<h4>{{.HeldOn}}, {{.Attendees}} attendees</h4>
<p><strong>Agenda:</strong> {{.Agenda}}</p>
{{if .Minutes}}<p><strong>Minutes:</strong></p>
<p class="text">{{.Minutes}}</p>
{{end}}{{if .MinutesURL}}<p><strong>Minutes online:</strong> {{with weburl .MinutesURL}}<a href="{{.}}">{{.}}</a>{{else}}{{.MinutesURL}}{{end}}</p>
{{end}}{{else}}<p class="none">None recorded.</p>
{{end}}{{else}}<p class="none">No forum has been recorded yet.</p>
{{end}}</section>
<section id="monitoring-body">
<h2>Monitoring body</h2>
{{with .Monitoring}}<p><strong>{{.Name}}</strong> ({{.Kind}})</p>
{{if .Members}}<p>Members: {{range $i, $n := .Members}}{{if $i}}, {{end}}{{$n}}{{end}}.</p>
{{end}}<p><strong>Independence statement:</strong></p>
{{if .Statement}}<p class="text">{{.Statement}}</p>{{else}}<p class="none">None recorded.</p>{{end}}
{{else}}<p class="none">No monitoring body has been recorded yet.</p>
{{end}}</section>
<section id="roadmap">
<h2>Roadmap</h2>
{{if .Roadmap}}<table>
<thead><tr><th>Step</th><th>Start</th><th>End</th><th>Responsible</th><th>Stakeholders</th></tr></thead>
<tbody>
{{range .Roadmap}}<tr><td>{{.Step}}. {{.StepTitle}}</td><td>{{.StartsOn}}</td><td>{{.EndsOn}}</td><td>{{.Responsible}}</td><td>{{.Stakeholders}}</td></tr>
{{end}}</tbody>
</table>{{else}}<p class="none">No roadmap has been recorded yet.</p>{{end}}
</section>
<section id="awareness">
<h2>Awareness activities</h2>
{{if .Awareness}}<table>
<thead><tr><th>Date</th><th>Kind</th><th>Audience</th><th>Description</th><th>Reach</th><th>Evidence</th></tr></thead>
<tbody>
{{range .Awareness}}<tr><td>{{.HeldOn}}</td><td>{{.Kind}}</td><td>{{.Audience}}</td><td>{{.Description}}</td><td>{{.Reach}}</td><td>{{with weburl .EvidenceURL}}<a href="{{.}}">{{.}}</a>{{else}}{{or .EvidenceURL "—"}}{{end}}</td></tr>
{{end}}</tbody>
</table>{{else}}<p class="none">No awareness activities have been recorded yet.</p>{{end}}
</section>
<section id="opportunity-areas">
<h2>Opportunity areas</h2>
<h3>Selected problems</h3>
{{range .Selected}}{{template "problem" .}}{{else}}<p class="none">No problems have been selected yet.</p>
{{end}}<h3>Problems not selected, and why</h3>
{{range .NotSelected}}{{template "problem" .}}<p><strong>Reasoned response:</strong></p>
{{if .ReasonedResponse}}<p class="text">{{.ReasonedResponse}}</p>{{else}}<p class="none">Not given yet.</p>{{end}}
{{else}}<p class="none">Every published problem was selected.</p>
{{end}}</section>
</main>
</body>
</html>
{{define "problem"}}<h4>{{.Title}}</h4>
<dl class="facts">
<dt>Policy area</dt><dd>{{or .PolicyArea "—"}}</dd>
<dt>Raised by</dt><dd>{{words .Source}}{{if .Submitter}}, {{.Submitter}}{{end}}</dd>
{{if .Score}}<dt>Score</dt><dd>{{.Score}}</dd>
{{end}}{{if .Rank}}<dt>Rank</dt><dd>{{.Rank}}</dd>
{{end}}</dl>
{{if .Description}}<p class="text">{{.Description}}</p>{{else}}<p class="none">No description.</p>{{end}}
{{end}}`
