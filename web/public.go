package web

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"html/template"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/ogplocal/ogp"
)

// The public portal, part 1: the list of action plans, each plan at a
// glance, its problems (with the public's proposal form) and its
// printable document. Nothing here needs an account; every read is the
// public API called in-process, so the pages show exactly what the API
// shows anyone, and hide what it hides.

func init() { areas = append(areas, (*Web).registerPublicRoutes) }

func (w *Web) registerPublicRoutes(r router) {
	r.GET("/", w.pubPlansPage)
	r.GET("/plans/:id", w.pubPlanPage)
	r.GET("/plans/:id/problems", w.pubProblemsPage)
	r.POST("/plans/:id/problems/propose", w.pubProposeProblem)
	r.GET("/plans/:id/document", w.pubDocumentPage)
}

// pubPerPage is how many plans the list shows per page.
const pubPerPage = 12

// --- what the pages decode from the API (only the fields they show)

// pubPlan is a plan as GET /action-plans lists it.
type pubPlan struct {
	ID          int64  `json:"id"`
	Title       string `json:"title"`
	Member      string `json:"member"`
	StartsOn    string `json:"starts_on"`
	EndsOn      string `json:"ends_on"`
	Status      string `json:"status"`
	CurrentStep int    `json:"current_step"`
	UpdatedAt   string `json:"updated_at"`
}

// Completed tells whether the plan's last step is approved.
func (p pubPlan) Completed() bool { return p.Status == string(ogp.PlanCompleted) }

// ProposalsOpen tells whether the public may still propose problems:
// during co-creation, up to step 4 (the API refuses later proposals).
func (p pubPlan) ProposalsOpen() bool {
	return p.Status == string(ogp.PlanCoCreation) && p.CurrentStep <= ogp.HomeProblems
}

// SelectionDone tells whether step 4, which selects the problems, is
// over, so "not selected" is a decision and not just "not yet".
func (p pubPlan) SelectionDone() bool {
	return p.Completed() || p.CurrentStep > ogp.HomeProblems
}

type pubPlanList struct {
	Items   []pubPlan `json:"items"`
	Total   int64     `json:"total"`
	Page    int       `json:"page"`
	PerPage int       `json:"per_page"`
}

// pubStep is one of a plan's ten steps.
type pubStep struct {
	Number     int     `json:"number"`
	Key        string  `json:"key"`
	Status     string  `json:"status"`
	DueOn      *string `json:"due_on"`
	StartedAt  *string `json:"started_at"`
	ApprovedAt *string `json:"approved_at"`
	// State is the tracker's: complete, current or upcoming.
	State string `json:"-"`
	// Overdue is set when the step is not approved and its due date has
	// passed (a step is overdue once its due day has ended, UTC).
	Overdue bool `json:"-"`
}

// Due is the step's due date, or "".
func (s pubStep) Due() string {
	if s.DueOn == nil {
		return ""
	}
	return *s.DueOn
}

type pubPlanDetail struct {
	pubPlan
	Steps []pubStep `json:"steps"`
}

type pubTeamMember struct {
	Name         string   `json:"name"`
	Title        string   `json:"title"`
	Organisation string   `json:"organisation"`
	Sector       string   `json:"sector"`
	Roles        []string `json:"roles"`
}

type pubForum struct {
	Name           string `json:"name"`
	IsNew          bool   `json:"is_new"`
	Purpose        string `json:"purpose"`
	MeetingCadence string `json:"meeting_cadence"`
	Members        []struct {
		Name         string `json:"name"`
		Organisation string `json:"organisation"`
		Sector       string `json:"sector"`
	} `json:"members"`
	Meetings []struct {
		HeldOn     string  `json:"held_on"`
		Agenda     string  `json:"agenda"`
		Minutes    *string `json:"minutes"`
		MinutesURL *string `json:"minutes_url"`
		Attendees  int     `json:"attendees"`
	} `json:"meetings"`
}

type pubMonitoringBody struct {
	Name                  string `json:"name"`
	Kind                  string `json:"kind"`
	IndependenceStatement string `json:"independence_statement"`
	Members               []struct {
		Name string `json:"name"`
	} `json:"members"`
}

type pubRoadmapEntry struct {
	Step         int    `json:"step"`
	StartsOn     string `json:"starts_on"`
	EndsOn       string `json:"ends_on"`
	Responsible  string `json:"responsible"`
	Stakeholders string `json:"stakeholders"`
}

type pubCommitment struct {
	ID         int64  `json:"id"`
	Number     int    `json:"number"`
	Title      string `json:"title"`
	LeadAgency string `json:"lead_agency"`
	StartsOn   string `json:"starts_on"`
	EndsOn     string `json:"ends_on"`
	Milestones []struct {
		ID int64 `json:"id"`
	} `json:"milestones"`
	// Completion is the implementation's (not_started, limited,
	// substantial, completed), "" before implementation.
	Completion string `json:"-"`
}

type pubImplementation struct {
	Items []struct {
		CommitmentID int64  `json:"commitment_id"`
		Completion   string `json:"completion"`
	} `json:"items"`
}

type pubRound struct {
	ID               int64   `json:"id"`
	Kind             string  `json:"kind"`
	Stage            string  `json:"stage"`
	StageDueAt       *string `json:"stage_due_at"`
	DraftPublishedAt *string `json:"draft_published_at"`
	PublishedAt      *string `json:"published_at"`
}

type pubProblem struct {
	ID               int64   `json:"id"`
	Title            string  `json:"title"`
	Description      string  `json:"description"`
	PolicyArea       string  `json:"policy_area"`
	Source           string  `json:"source"`
	Submitter        string  `json:"submitter"`
	ScoreCount       int     `json:"score_count"`
	ScoreAverage     float64 `json:"score_average"`
	Rank             *int    `json:"rank"`
	Selected         bool    `json:"selected"`
	ReasonedResponse string  `json:"reasoned_response"`
}

// RankNo is the problem's rank, 0 when it has none.
func (p pubProblem) RankNo() int {
	if p.Rank == nil {
		return 0
	}
	return *p.Rank
}

// Score is the average score with one decimal, as people write it.
func (p pubProblem) Score() string { return strconv.FormatFloat(p.ScoreAverage, 'f', 1, 64) }

// --- page data

type pubPlansPage struct {
	Plans    []pubPlan
	Total    int64
	PageNo   int
	Pages    int
	Status   string
	Statuses []map[string]any
	PrevURL  string
	NextURL  string
}

type pubPlanPage struct {
	Plan        pubPlanDetail
	Current     *pubStep
	Team        []pubTeamMember
	Forum       *pubForum
	Monitoring  *pubMonitoringBody
	Roadmap     []pubRoadmapEntry
	Commitments []pubCommitment
	Rounds      []pubRound
	Follow      pubFollow
}

// pubFollow holds the plan's feeds and downloads.
type pubFollow struct {
	// Calendar is the feed's https (or http) address, Webcal the same
	// with the webcal scheme calendar applications subscribe to (typed
	// as a URL so html/template keeps a scheme it does not know).
	Calendar, Atom, JSON, ZIP string
	Webcal                    template.URL
}

type pubProblemsPage struct {
	Plan     pubPlan
	Problems []pubProblem
	Selected int
}

type pubDocumentPage struct {
	Plan     pubPlan
	Document template.HTML
	Source   string
}

// --- handlers

func (w *Web) pubPlansPage(c echo.Context) error {
	pageNo, _ := strconv.Atoi(c.QueryParam("page"))
	if pageNo < 1 || pageNo > 1_000_000 {
		pageNo = 1
	}
	status := c.QueryParam("status")
	if _, err := ogp.ParsePlanStatus(status); err != nil {
		status = ""
	}
	q := url.Values{"page": {strconv.Itoa(pageNo)}, "per_page": {strconv.Itoa(pubPerPage)}}
	if status != "" {
		q.Set("status", status)
	}
	var list pubPlanList
	if err := w.api(c, http.MethodGet, "/action-plans?"+q.Encode(), nil, &list); err != nil {
		return err
	}
	page := pubPlansPage{Plans: list.Items, Total: list.Total, PageNo: pageNo, Status: status,
		Pages: int((list.Total + pubPerPage - 1) / pubPerPage)}
	page.Statuses = []map[string]any{{"Value": "", "Label": w.T(c, "public.plans.filter.all")}}
	for _, s := range []ogp.PlanStatus{ogp.PlanCoCreation, ogp.PlanImplementation, ogp.PlanLearning, ogp.PlanCompleted} {
		page.Statuses = append(page.Statuses, map[string]any{"Value": string(s), "Label": w.pubEnum(c, "status.plan", string(s))})
	}
	link := func(n int) string {
		v := url.Values{"page": {strconv.Itoa(n)}}
		if status != "" {
			v.Set("status", status)
		}
		return "/?" + v.Encode()
	}
	if pageNo > 1 {
		page.PrevURL = link(pageNo - 1)
	}
	if pageNo < page.Pages {
		page.NextURL = link(pageNo + 1)
	}
	return w.render(c, http.StatusOK, "public/plans.html", page)
}

// pubEnum translates a domain value (a status, a sector, a role) by
// the domain catalog's key prefix.value, or shows the value itself (as
// the "pubEnum" template does).
func (w *Web) pubEnum(c echo.Context, prefix, value string) string {
	if k := prefix + "." + value; w.catalog.has(lang(c), k) {
		return w.T(c, k)
	}
	return value
}

// pubPlanID reads the plan id of the path; anything else is a 404, as
// the API answers.
func pubPlanID(c echo.Context) (int64, error) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id < 1 {
		return 0, &Problem{Status: http.StatusNotFound, Code: "unknown_plan", Detail: fmt.Sprintf("there is no action plan %q", c.Param("id"))}
	}
	return id, nil
}

// pubOptional reads a part of a plan that may not exist yet (the API
// answers 404 until it is recorded): it is nil then, not an error.
func pubOptional[T any](w *Web, c echo.Context, path string) (*T, error) {
	var out T
	err := w.api(c, http.MethodGet, path, nil, &out)
	var p *Problem
	if errors.As(err, &p) && p.Status == http.StatusNotFound {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// pubPlanDetail loads a plan with its steps, marking each step's state
// in the tracker.
func (w *Web) pubPlanDetail(c echo.Context, id int64) (pubPlanDetail, *pubStep, error) {
	var plan pubPlanDetail
	if err := w.api(c, http.MethodGet, fmt.Sprintf("/action-plans/%d", id), nil, &plan); err != nil {
		return plan, nil, err
	}
	today := w.cfg.Now().UTC().Format(time.DateOnly)
	var current *pubStep
	for i := range plan.Steps {
		s := &plan.Steps[i]
		switch {
		case s.Status == string(ogp.StepApproved):
			s.State = "complete"
		case s.Number == plan.CurrentStep && !plan.Completed():
			s.State = "current"
			current = s
		default:
			s.State = "upcoming"
		}
		s.Overdue = s.Status != string(ogp.StepApproved) && s.DueOn != nil && *s.DueOn < today
	}
	return plan, current, nil
}

func (w *Web) pubPlanPage(c echo.Context) error {
	id, err := pubPlanID(c)
	if err != nil {
		return err
	}
	plan, current, err := w.pubPlanDetail(c, id)
	if err != nil {
		return err
	}
	base := fmt.Sprintf("/action-plans/%d", id)
	page := pubPlanPage{Plan: plan, Current: current, Follow: w.pubFollowLinks(c, id)}

	var team struct {
		Items []pubTeamMember `json:"items"`
	}
	if err := w.api(c, http.MethodGet, base+"/team", nil, &team); err != nil {
		return err
	}
	page.Team = team.Items
	if page.Forum, err = pubOptional[pubForum](w, c, base+"/forum"); err != nil {
		return err
	}
	if page.Monitoring, err = pubOptional[pubMonitoringBody](w, c, base+"/monitoring-body"); err != nil {
		return err
	}
	var roadmap struct {
		Items []pubRoadmapEntry `json:"items"`
	}
	if err := w.api(c, http.MethodGet, base+"/roadmap", nil, &roadmap); err != nil {
		return err
	}
	page.Roadmap = roadmap.Items

	var commitments struct {
		Items []pubCommitment `json:"items"`
	}
	if err := w.api(c, http.MethodGet, base+"/commitments", nil, &commitments); err != nil {
		return err
	}
	page.Commitments = commitments.Items
	if len(page.Commitments) > 0 && plan.CurrentStep >= 9 {
		var impl pubImplementation
		if err := w.api(c, http.MethodGet, base+"/implementation", nil, &impl); err != nil {
			return err
		}
		completion := map[int64]string{}
		for _, it := range impl.Items {
			completion[it.CommitmentID] = it.Completion
		}
		for i := range page.Commitments {
			page.Commitments[i].Completion = completion[page.Commitments[i].ID]
		}
	}
	var rounds struct {
		Items []pubRound `json:"items"`
	}
	if err := w.api(c, http.MethodGet, base+"/assessment-rounds", nil, &rounds); err != nil {
		return err
	}
	page.Rounds = rounds.Items
	return w.render(c, http.StatusOK, "public/plan.html", page)
}

// pubFollowLinks builds the absolute addresses of the plan's feeds, as
// the visitor reached the site, so they can be pasted into a calendar or
// a feed reader.
func (w *Web) pubFollowLinks(c echo.Context, id int64) pubFollow {
	host := c.Request().Host
	base := c.Scheme() + "://" + host + fmt.Sprintf("/api/v1/action-plans/%d", id)
	return pubFollow{
		Calendar: base + "/calendar.ics",
		Webcal:   template.URL("webcal://" + host + fmt.Sprintf("/api/v1/action-plans/%d/calendar.ics", id)), //nolint:gosec // html/template still normalises it
		Atom:     base + "/feed.atom",
		JSON:     base + "/export.json",
		ZIP:      base + "/export.zip",
	}
}

func (w *Web) pubProblemsPage(c echo.Context) error {
	page, err := w.pubProblemsData(c)
	if err != nil {
		return err
	}
	return w.render(c, http.StatusOK, "public/problems.html", page)
}

func (w *Web) pubProblemsData(c echo.Context) (pubProblemsPage, error) {
	var page pubProblemsPage
	id, err := pubPlanID(c)
	if err != nil {
		return page, err
	}
	if err := w.api(c, http.MethodGet, fmt.Sprintf("/action-plans/%d", id), nil, &page.Plan); err != nil {
		return page, err
	}
	var list struct {
		Items []pubProblem `json:"items"`
	}
	if err := w.api(c, http.MethodGet, fmt.Sprintf("/action-plans/%d/problems", id), nil, &list); err != nil {
		return page, err
	}
	page.Problems = list.Items
	for _, p := range list.Items {
		if p.Selected {
			page.Selected++
		}
	}
	return page, nil
}

// pubProposalFields puts the API's refusals of a proposal, which carry a
// code but no item, next to the field they concern.
var pubProposalFields = map[string]string{
	"title_required": "title", "title_too_long": "title",
	"description_required": "description", "description_too_long": "description",
	"policy_area_required": "policy_area", "policy_area_too_long": "policy_area",
	"submitter_too_long": "name", "invalid_email": "email",
}

// pubProposeProblem sends a resident's proposal to the public API: no
// account, limited per address and plan, held for moderation.
func (w *Web) pubProposeProblem(c echo.Context) error {
	id, err := pubPlanID(c)
	if err != nil {
		return err
	}
	body := map[string]string{}
	for _, f := range []string{"title", "description", "policy_area", "name", "email"} {
		body[f] = strings.TrimSpace(c.FormValue(f))
	}
	err = w.api(c, http.MethodPost, fmt.Sprintf("/action-plans/%d/problems/proposals", id), body, nil)
	var p *Problem
	if errors.As(err, &p) {
		if p.Status == http.StatusNotFound && p.Code == "unknown_plan" {
			return p
		}
		// A refusal in the visitor's words; the API's detail (English)
		// stays for codes this page does not know.
		shown := &Problem{Status: p.Status, Code: p.Code, Detail: p.Detail, Violations: p.Violations}
		if k := "public.propose.error." + p.Code; w.catalog.has(lang(c), k) {
			shown.Detail = w.T(c, k)
		}
		// A refusal about one field becomes a violation of that field, so
		// the error summary links to it.
		if f, ok := pubProposalFields[p.Code]; ok && len(p.Violations) == 0 {
			shown.Violations = []ogp.Violation{{Code: p.Code, Message: shown.Detail, Item: f}}
		}
		p = shown
		page, perr := w.pubProblemsData(c)
		if perr != nil {
			return perr
		}
		return w.renderForm(c, "public/problems.html", page, p, pubProposalFields)
	}
	if err != nil {
		return err
	}
	w.flash(c, "public.propose.done")
	return w.redirect(c, fmt.Sprintf("/plans/%d/problems", id))
}

func (w *Web) pubDocumentPage(c echo.Context) error {
	id, err := pubPlanID(c)
	if err != nil {
		return err
	}
	var plan pubPlan
	if err := w.api(c, http.MethodGet, fmt.Sprintf("/action-plans/%d", id), nil, &plan); err != nil {
		return err
	}
	doc, err := w.pubDocumentHTML(c, id)
	if err != nil {
		return err
	}
	return w.render(c, http.StatusOK, "public/document.html", pubDocumentPage{Plan: plan, Document: doc,
		Source: fmt.Sprintf("/api/v1/action-plans/%d/document", id)})
}

// pubDocumentHTML asks the API for the plan's document as HTML (the
// in-process api helper asks for JSON) and keeps what is inside its
// body, so it sits in the portal's page. The API renders it with
// html/template, every value escaped, so it is trusted as HTML here. Its
// <main> and <header> become plain blocks: the page has its own.
func (w *Web) pubDocumentHTML(c echo.Context, id int64) (template.HTML, error) {
	req, err := w.apiRequest(c.Request().Context(), c, http.MethodGet, fmt.Sprintf("/action-plans/%d/document", id), nil)
	if err != nil {
		return "", err
	}
	req.Header.Set("Accept", "text/html")
	res := &response{header: http.Header{}}
	w.cfg.API.Handler().ServeHTTP(res, req)
	if res.status == 0 {
		res.status = http.StatusOK
	}
	if res.status >= 400 {
		p := &Problem{Status: res.status}
		if err := json.Unmarshal(res.body.Bytes(), p); err != nil || p.Code == "" {
			p.Code, p.Detail = "http_error", http.StatusText(res.status)
		}
		p.Status = res.status
		return "", p
	}
	b := res.body.Bytes()
	if i := bytes.Index(b, []byte("<body>")); i >= 0 {
		b = b[i+len("<body>"):]
	}
	if i := bytes.LastIndex(b, []byte("</body>")); i >= 0 {
		b = b[:i]
	}
	s := strings.NewReplacer(
		"<main>", `<div class="ogp-document__main">`, "</main>", "</div>",
		"<header>", `<div class="ogp-document__header">`, "</header>", "</div>",
	).Replace(string(b))
	s = pubDocDate.ReplaceAllString(s, `<td><time datetime="$1">$1</time></td>`)
	s = pubScrollTables(s, func(heading string) string {
		if heading == "" {
			return w.T(c, "public.document.table_untitled")
		}
		return w.T(c, "public.document.table", heading)
	})
	return template.HTML(s), nil //nolint:gosec // rendered and escaped by the API's html/template
}

// pubDocDate is a table cell of the document holding just a date, which
// then never wraps at its hyphens.
var pubDocDate = regexp.MustCompile(`<td>(\d{4}-\d{2}-\d{2})</td>`)

// pubDocPart finds the document's headings and tables, in order.
var pubDocPart = regexp.MustCompile(`<h([2-4])\b[^>]*>(.*?)</h[2-4]>|<table\b[^>]*>|</table>`)

// pubScrollTables puts each table of the document in a container that
// scrolls sideways on narrow screens instead of squeezing its columns. A
// scrolling container is focusable (tabindex 0, so keyboard users can
// scroll it), so it is a region named after the table: label gets the
// text of the heading the table sits under ("Milestones – Commitment 1:
// ..."; "" for none) and returns the name, escaped here.
func pubScrollTables(doc string, label func(heading string) string) string {
	var out strings.Builder
	out.Grow(len(doc) + 2048)
	var headings [5]string // by level, 2 to 4
	last := 0
	for _, m := range pubDocPart.FindAllStringSubmatchIndex(doc, -1) {
		part := doc[m[0]:m[1]]
		out.WriteString(doc[last:m[0]])
		last = m[1]
		switch {
		case m[2] >= 0: // a heading
			level := int(doc[m[2]] - '0')
			headings[level] = strings.TrimSpace(html.UnescapeString(pubTags.ReplaceAllString(doc[m[4]:m[5]], "")))
			for l := level + 1; l < len(headings); l++ {
				headings[l] = ""
			}
			out.WriteString(part)
		case part == "</table>":
			out.WriteString("</table></div>")
		default:
			name := ""
			for l := len(headings) - 1; l >= 2; l-- {
				if headings[l] == "" {
					continue
				}
				name = headings[l]
				// A sub-heading ("Milestones") says more with the
				// heading it belongs to (the commitment).
				for up := l - 1; up >= 2; up-- {
					if headings[up] != "" {
						name += " – " + headings[up]
						break
					}
				}
				break
			}
			fmt.Fprintf(&out, `<div class="ogp-table-scroll" role="region" tabindex="0" aria-label="%s">`, template.HTMLEscapeString(label(name)))
			out.WriteString(part)
		}
	}
	out.WriteString(doc[last:])
	return out.String()
}

// pubTags matches the tags inside a heading.
var pubTags = regexp.MustCompile(`<[^>]*>`)
