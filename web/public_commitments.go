package web

import (
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/ogplocal/ogp/web/timeline"
)

// The public commitments pages: every commitment of a plan on the OGP
// template, with its support network and, once the plan is in
// implementation, its milestones drawn as a timeline, progress reports,
// evidence, delay explanations and amendments. Everything is read from
// the public API in-process, a fixed number of calls per page (never one
// per commitment or milestone): the plan, its commitments and the
// plan-wide implementation view, or for one commitment its record and its
// implementation.
//
// Identifiers of this file start with pc (public commitments), those of
// public_assessments.go with pa: the package is shared by many areas.

func init() { areas = append(areas, (*Web).registerPublicCommitmentRoutes) }

func (w *Web) registerPublicCommitmentRoutes(r router) {
	r.GET("/plans/:id/commitments", w.pcListPage)
	r.GET("/plans/:id/commitments/:cid", w.pcDetailPage)
}

// --- what the API answers (the parts these pages show)

// pcPlan is the plan, as GET /action-plans/{id} answers it.
type pcPlan struct {
	ID          int64  `json:"id"`
	Title       string `json:"title"`
	Member      string `json:"member"`
	Status      string `json:"status"`
	CurrentStep int    `json:"current_step"`
	StartsOn    string `json:"starts_on"`
	EndsOn      string `json:"ends_on"`
}

// pcCommitment is a commitment on the OGP template (GET .../commitments).
type pcCommitment struct {
	ID               int64            `json:"id"`
	Number           int              `json:"number"`
	Title            string           `json:"title"`
	ProblemID        int64            `json:"problem_id"`
	StartsOn         string           `json:"starts_on"`
	EndsOn           string           `json:"ends_on"`
	LeadAgency       string           `json:"lead_agency"`
	ProblemStatement string           `json:"problem_statement"`
	StatusQuo        string           `json:"status_quo"`
	Objective        string           `json:"objective"`
	HowItSolves      string           `json:"how_it_solves"`
	Values           []pcValue        `json:"values"`
	Milestones       []pcMilestoneDef `json:"milestones"`
	AdditionalInfo   string           `json:"additional_info"`
	Network          []pcActor        `json:"network"`
}

type pcValue struct {
	Value         string `json:"value"`
	Justification string `json:"justification"`
}

// pcMilestoneDef is a milestone as planned in co-creation.
type pcMilestoneDef struct {
	ID          int64  `json:"id"`
	Title       string `json:"title"`
	Deliverable string `json:"deliverable"`
	Indicator   string `json:"indicator"`
	Target      string `json:"target"`
	StartsOn    string `json:"starts_on"`
	DueOn       string `json:"due_on"`
	Responsible string `json:"responsible"`
}

// pcActor is a member of a support network: the public fields only (the
// API never shows contacts to the public).
type pcActor struct {
	Name         string `json:"name"`
	Organisation string `json:"organisation"`
	Sector       string `json:"sector"`
	Role         string `json:"role"`
}

// pcImplementation is one commitment in implementation: the plan-wide
// view (GET .../implementation) has no reports, delays or start dates;
// the commitment's own view has them all.
type pcImplementation struct {
	CommitmentID    int64             `json:"commitment_id"`
	Number          int               `json:"number"`
	Title           string            `json:"title"`
	Status          string            `json:"status"`
	Completion      string            `json:"completion"`
	Milestones      []pcImplMilestone `json:"milestones"`
	Amendments      []pcAmendment     `json:"amendments"`
	Withdrawal      *pcWithdrawal     `json:"withdrawal"`
	PastWithdrawals []pcWithdrawal    `json:"past_withdrawals"`
}

type pcImplMilestone struct {
	ID          int64      `json:"id"`
	Title       string     `json:"title"`
	Responsible string     `json:"responsible"`
	StartsOn    string     `json:"starts_on"`
	DueOn       string     `json:"due_on"`
	Status      string     `json:"status"`
	Percent     int        `json:"percent"`
	Schedule    string     `json:"schedule"`
	CompletedAt *string    `json:"completed_at"`
	Reports     []pcReport `json:"reports"`
	Delays      []pcDelay  `json:"delays"`
}

type pcReport struct {
	Seq        int      `json:"seq"`
	Status     string   `json:"status"`
	Percent    int      `json:"percent"`
	Narrative  string   `json:"narrative"`
	Evidence   []string `json:"evidence"`
	ReportedBy int64    `json:"reported_by"`
	ReportedAt string   `json:"reported_at"`
}

type pcDelay struct {
	Text        string `json:"text"`
	ExplainedBy int64  `json:"explained_by"`
	ExplainedAt string `json:"explained_at"`
}

type pcAmendment struct {
	Seq         int          `json:"seq"`
	MilestoneID int64        `json:"milestone_id"`
	OldDueOn    string       `json:"old_due_on"`
	NewDueOn    string       `json:"new_due_on"`
	NewTitle    string       `json:"new_title"`
	Reason      string       `json:"reason"`
	RequestedBy int64        `json:"requested_by"`
	RequestedAt string       `json:"requested_at"`
	Status      string       `json:"status"`
	Decisions   []pcDecision `json:"decisions"`
}

type pcWithdrawal struct {
	Reason      string       `json:"reason"`
	RequestedBy int64        `json:"requested_by"`
	RequestedAt string       `json:"requested_at"`
	Status      string       `json:"status"`
	Decisions   []pcDecision `json:"decisions"`
}

type pcDecision struct {
	ApproverID int64  `json:"approver_id"`
	Decision   string `json:"decision"`
	Comment    string `json:"comment"`
	DecidedAt  string `json:"decided_at"`
}

type pcMember struct {
	UserID int64  `json:"user_id"`
	Name   string `json:"name"`
}

// --- what the templates get

// pcListView is the page /plans/:id/commitments.
type pcListView struct {
	Plan pcPlan
	// Implementation is true once the plan's commitments are implemented
	// (their workflows run); before, they are drafts of co-creation.
	Implementation bool
	Items          []pcListItem
}

type pcListItem struct {
	C               pcCommitment
	URL             string
	Values          []pcValueRow
	Status          string // active, completed, withdrawn, draft
	StatusLabel     string
	CompletionLabel string
	// Progress is the mean of the milestones' percentages (completed
	// ones count 100); Done of Total milestones are completed; Late are
	// overdue now.
	Progress     int
	Done, Total  int
	Late         int
	HasImplement bool
	Chart        template.HTML
}

type pcValueRow struct {
	Value         string
	Label         string
	Justification string
}

// pcDetailView is the page /plans/:id/commitments/:cid.
type pcDetailView struct {
	Plan            pcPlan
	C               pcCommitment
	Implementation  bool
	Status          string
	StatusLabel     string
	CompletionLabel string
	Progress        int
	Done, Total     int
	Values          []pcValueRow
	Network         []pcActorRow
	Chart           template.HTML
	Milestones      []pcMilestoneRow
	Amendments      []pcAmendmentRow
	Withdrawals     []pcWithdrawalRow
	Today           time.Time
}

type pcActorRow struct {
	Name, Organisation, SectorLabel, RoleLabel string
}

type pcMilestoneRow struct {
	ID          int64
	Anchor      string
	Title       string
	Deliverable string
	Indicator   string
	Target      string
	Responsible string
	StartsOn    string
	DueOn       string
	// PlannedDueOn is the due date planned in co-creation, when an
	// approved amendment moved it.
	PlannedDueOn string
	Status       timeline.Status
	StatusLabel  string
	Percent      int
	ShowPercent  bool
	CompletedAt  *string
	Reports      []pcReportRow
	Delays       []pcDelayRow
}

type pcReportRow struct {
	Seq         int
	StatusLabel string
	Percent     int
	Narrative   string
	Evidence    []pcLink
	By          string
	At          string
}

type pcLink struct{ URL, Text string }

type pcDelayRow struct {
	Text, By, At string
}

type pcAmendmentRow struct {
	Seq             int
	MilestoneTitle  string
	MilestoneAnchor string
	OldDueOn        string
	NewDueOn        string
	NewTitle        string
	Reason          string
	By, At          string
	Status          string
	StatusLabel     string
	Decisions       []pcDecisionRow
}

type pcDecisionRow struct {
	By, Label, Comment, At string
}

type pcWithdrawalRow struct {
	Reason      string
	By, At      string
	Status      string
	StatusLabel string
	Decisions   []pcDecisionRow
}

// --- handlers

// pcPathID reads a positive id from the path; anything else is a page
// that does not exist.
func pcPathID(c echo.Context, name string) (int64, error) {
	id, err := strconv.ParseInt(c.Param(name), 10, 64)
	if err != nil || id <= 0 {
		return 0, &Problem{Status: http.StatusNotFound, Code: "not_found", Detail: ""}
	}
	return id, nil
}

// pcLoadPlan reads the plan (a 404 page when there is none).
func (w *Web) pcLoadPlan(c echo.Context) (pcPlan, error) {
	id, err := pcPathID(c, "id")
	if err != nil {
		return pcPlan{}, err
	}
	var p pcPlan
	err = w.api(c, http.MethodGet, fmt.Sprintf("/action-plans/%d", id), nil, &p)
	return p, err
}

// pcLabel translates an enum value under prefix, or shows the value
// itself when the catalog does not know it (a value newer than the
// catalog must still read as something).
func (w *Web) pcLabel(c echo.Context, prefix, value string) string {
	if value == "" {
		return ""
	}
	if w.catalog.has(lang(c), prefix+value) {
		return w.T(c, prefix+value)
	}
	return strings.ReplaceAll(value, "_", " ")
}

// pcStatusLabel is the words of a chart status, from the domain catalog
// (which names the chart's statuses among the milestones').
func (w *Web) pcStatusLabel(c echo.Context, st timeline.Status) string {
	return w.pcLabel(c, "status.milestone.", string(st))
}

func (w *Web) pcValues(c echo.Context, vs []pcValue) []pcValueRow {
	out := make([]pcValueRow, 0, len(vs))
	for _, v := range vs {
		out = append(out, pcValueRow{Value: v.Value, Label: w.pcLabel(c, "value.", v.Value), Justification: v.Justification})
	}
	return out
}

// pcTimelineLabels are the chart's words for commitment number n.
func (w *Web) pcTimelineLabels(c echo.Context, n int, title string) timeline.Labels {
	return timeline.Labels{Title: w.T(c, "commitments.timeline.title", n, title), Description: w.T(c, "commitments.timeline.desc"),
		Today: w.T(c, "commitments.timeline.today")}
}

// pcDate turns a YYYY-MM-DD date into the start of that day in UTC.
func pcDate(s string) time.Time {
	t, _ := time.Parse(time.DateOnly, s)
	return t
}

func pcTime(s *string) *time.Time {
	if s == nil || *s == "" {
		return nil
	}
	t, err := time.Parse(time.RFC3339Nano, *s)
	if err != nil {
		return nil
	}
	return &t
}

// pcProgress is the mean of the milestones' percentages, completed ones
// counting 100, and how many are completed and overdue.
func pcProgress(ms []pcImplMilestone) (progress, done, late int) {
	if len(ms) == 0 {
		return 0, 0, 0
	}
	sum := 0
	for _, m := range ms {
		switch m.Status {
		case "completed":
			sum += 100
			done++
		default:
			sum += min(max(m.Percent, 0), 100)
		}
		if m.Schedule == "overdue" && m.Status != "completed" {
			late++
		}
	}
	return sum / len(ms), done, late
}

func (w *Web) pcListPage(c echo.Context) error {
	plan, err := w.pcLoadPlan(c)
	if err != nil {
		return err
	}
	var list struct {
		Items []pcCommitment `json:"items"`
	}
	if err := w.api(c, http.MethodGet, fmt.Sprintf("/action-plans/%d/commitments", plan.ID), nil, &list); err != nil {
		return err
	}
	var impl struct {
		Items []pcImplementation `json:"items"`
	}
	if err := w.api(c, http.MethodGet, fmt.Sprintf("/action-plans/%d/implementation", plan.ID), nil, &impl); err != nil {
		return err
	}
	runs := make(map[int64]pcImplementation, len(impl.Items))
	for _, r := range impl.Items {
		runs[r.CommitmentID] = r
	}
	now := w.cfg.Now()
	view := pcListView{Plan: plan, Implementation: len(impl.Items) > 0, Items: make([]pcListItem, 0, len(list.Items))}
	for _, cm := range list.Items {
		it := pcListItem{C: cm, URL: fmt.Sprintf("/plans/%d/commitments/%d", plan.ID, cm.ID), Values: w.pcValues(c, cm.Values),
			Total: len(cm.Milestones)}
		run, ok := runs[cm.ID]
		if ok {
			it.HasImplement = true
			it.Status, it.StatusLabel = run.Status, w.pcLabel(c, "status.commitment.", run.Status)
			it.CompletionLabel = w.pcLabel(c, "completion.", run.Completion)
			it.Progress, it.Done, it.Late = pcProgress(run.Milestones)
			it.Total = len(run.Milestones)
			it.Chart = timeline.Render(w.pcChartRows(c, cm, run, run.Milestones), now, w.pcTimelineLabels(c, cm.Number, cm.Title))
		} else {
			it.Status, it.StatusLabel = "draft", w.T(c, "commitments.status.draft")
			it.Chart = timeline.Render(w.pcChartRows(c, cm, pcImplementation{}, nil), now, w.pcTimelineLabels(c, cm.Number, cm.Title))
		}
		view.Items = append(view.Items, it)
	}
	return w.render(c, http.StatusOK, "public/commitments.html", view)
}

// pcChartRows are the chart's rows: the implemented milestones when there
// are any (current titles and dates, status as of now), or the planned
// ones of co-creation (not started).
func (w *Web) pcChartRows(c echo.Context, cm pcCommitment, run pcImplementation, ms []pcImplMilestone) []timeline.Milestone {
	planned := make(map[int64]pcMilestoneDef, len(cm.Milestones))
	for _, m := range cm.Milestones {
		planned[m.ID] = m
	}
	var rows []timeline.Milestone
	if ms == nil {
		for _, m := range cm.Milestones {
			st := timeline.StatusNotStarted
			rows = append(rows, timeline.Milestone{Title: m.Title, Start: pcDate(m.StartsOn), Due: pcDate(m.DueOn), Status: st,
				StatusLabel: w.pcStatusLabel(c, st), CompletionPercent: -1})
		}
		return rows
	}
	for _, m := range ms {
		st := timeline.StatusFor(m.Status, m.Schedule, run.Status == "withdrawn")
		start := m.StartsOn
		if start == "" {
			start = planned[m.ID].StartsOn
		}
		pc := m.Percent
		if m.Status == "completed" {
			pc = 100
		}
		rows = append(rows, timeline.Milestone{Title: m.Title, Start: pcDate(start), Due: pcDate(m.DueOn), Completed: pcTime(m.CompletedAt),
			Status: st, StatusLabel: w.pcStatusLabel(c, st), CompletionPercent: pc})
	}
	return rows
}

func (w *Web) pcDetailPage(c echo.Context) error {
	plan, err := w.pcLoadPlan(c)
	if err != nil {
		return err
	}
	cid, err := pcPathID(c, "cid")
	if err != nil {
		return err
	}
	var cm pcCommitment
	if err := w.api(c, http.MethodGet, fmt.Sprintf("/action-plans/%d/commitments/%d", plan.ID, cid), nil, &cm); err != nil {
		return err
	}
	var run pcImplementation
	inImpl := true
	err = w.api(c, http.MethodGet, fmt.Sprintf("/action-plans/%d/commitments/%d/implementation", plan.ID, cid), nil, &run)
	var p *Problem
	switch {
	case errors.As(err, &p) && p.Code == "implementation_not_started":
		inImpl = false
	case err != nil:
		return err
	}
	names := map[int64]string{}
	if inImpl {
		var members struct {
			Items []pcMember `json:"items"`
		}
		if err := w.api(c, http.MethodGet, fmt.Sprintf("/action-plans/%d/members", plan.ID), nil, &members); err != nil {
			return err
		}
		for _, m := range members.Items {
			names[m.UserID] = m.Name
		}
	}
	now := w.cfg.Now()
	view := pcDetailView{Plan: plan, C: cm, Implementation: inImpl, Values: w.pcValues(c, cm.Values), Today: now}
	for _, a := range cm.Network {
		view.Network = append(view.Network, pcActorRow{Name: a.Name, Organisation: a.Organisation,
			SectorLabel: w.pcLabel(c, "actor.sector.", a.Sector), RoleLabel: w.pcLabel(c, "actor.role.", a.Role)})
	}
	planned := make(map[int64]pcMilestoneDef, len(cm.Milestones))
	for _, m := range cm.Milestones {
		planned[m.ID] = m
	}
	who := func(id int64) string {
		if n := names[id]; n != "" {
			return n
		}
		return w.T(c, "commitments.someone")
	}
	anchor := func(id int64) string { return "milestone-" + strconv.FormatInt(id, 10) }
	titles := map[int64]string{}
	if !inImpl {
		view.Status, view.StatusLabel = "draft", w.T(c, "commitments.status.draft")
		view.Total = len(cm.Milestones)
		view.Chart = timeline.Render(w.pcChartRows(c, cm, pcImplementation{}, nil), now, w.pcTimelineLabels(c, cm.Number, cm.Title))
		for _, m := range cm.Milestones {
			st := timeline.StatusNotStarted
			view.Milestones = append(view.Milestones, pcMilestoneRow{ID: m.ID, Anchor: anchor(m.ID), Title: m.Title, Deliverable: m.Deliverable,
				Indicator: m.Indicator, Target: m.Target, Responsible: m.Responsible, StartsOn: m.StartsOn, DueOn: m.DueOn,
				Status: st, StatusLabel: w.pcStatusLabel(c, st)})
		}
		return w.render(c, http.StatusOK, "public/commitment.html", view)
	}

	view.Status, view.StatusLabel = run.Status, w.pcLabel(c, "status.commitment.", run.Status)
	view.CompletionLabel = w.pcLabel(c, "completion.", run.Completion)
	view.Progress, view.Done, _ = pcProgress(run.Milestones)
	view.Total = len(run.Milestones)
	view.Chart = timeline.Render(w.pcChartRows(c, cm, run, run.Milestones), now, w.pcTimelineLabels(c, cm.Number, cm.Title))
	for _, m := range run.Milestones {
		def := planned[m.ID]
		st := timeline.StatusFor(m.Status, m.Schedule, run.Status == "withdrawn")
		row := pcMilestoneRow{ID: m.ID, Anchor: anchor(m.ID), Title: m.Title, Deliverable: def.Deliverable, Indicator: def.Indicator,
			Target: def.Target, Responsible: m.Responsible, StartsOn: m.StartsOn, DueOn: m.DueOn, Status: st,
			StatusLabel: w.pcStatusLabel(c, st), Percent: m.Percent, CompletedAt: m.CompletedAt}
		if row.StartsOn == "" {
			row.StartsOn = def.StartsOn
		}
		if row.Responsible == "" {
			row.Responsible = def.Responsible
		}
		if m.Status == "completed" {
			row.Percent = 100
		}
		row.ShowPercent = true
		if def.DueOn != "" && def.DueOn != m.DueOn {
			row.PlannedDueOn = def.DueOn
		}
		for _, r := range m.Reports {
			rr := pcReportRow{Seq: r.Seq, StatusLabel: w.pcLabel(c, "status.milestone.", r.Status), Percent: r.Percent,
				Narrative: r.Narrative, By: who(r.ReportedBy), At: r.ReportedAt}
			for _, e := range r.Evidence {
				rr.Evidence = append(rr.Evidence, pcLink{URL: e, Text: pcLinkText(e)})
			}
			row.Reports = append(row.Reports, rr)
		}
		for _, d := range m.Delays {
			row.Delays = append(row.Delays, pcDelayRow{Text: d.Text, By: who(d.ExplainedBy), At: d.ExplainedAt})
		}
		titles[m.ID] = m.Title
		view.Milestones = append(view.Milestones, row)
	}
	decisions := func(ds []pcDecision) []pcDecisionRow {
		out := make([]pcDecisionRow, 0, len(ds))
		for _, d := range ds {
			out = append(out, pcDecisionRow{By: who(d.ApproverID), Label: w.pcLabel(c, "commitments.decided.", d.Decision), Comment: d.Comment, At: d.DecidedAt})
		}
		return out
	}
	for _, a := range run.Amendments {
		// The milestone as the plan named it: an approved new title is
		// shown next to it, and is the milestone's title above.
		title := planned[a.MilestoneID].Title
		if title == "" {
			title = titles[a.MilestoneID]
		}
		view.Amendments = append(view.Amendments, pcAmendmentRow{Seq: a.Seq, MilestoneTitle: title, MilestoneAnchor: anchor(a.MilestoneID),
			OldDueOn: a.OldDueOn, NewDueOn: a.NewDueOn, NewTitle: a.NewTitle, Reason: a.Reason, By: who(a.RequestedBy), At: a.RequestedAt,
			Status: a.Status, StatusLabel: w.pcLabel(c, "status.amendment.", a.Status), Decisions: decisions(a.Decisions)})
	}
	withdrawals := append([]pcWithdrawal{}, run.PastWithdrawals...)
	if run.Withdrawal != nil {
		withdrawals = append(withdrawals, *run.Withdrawal)
	}
	for _, wd := range withdrawals {
		view.Withdrawals = append(view.Withdrawals, pcWithdrawalRow{Reason: wd.Reason, By: who(wd.RequestedBy), At: wd.RequestedAt,
			Status: wd.Status, StatusLabel: w.pcLabel(c, "status.amendment.", wd.Status), Decisions: decisions(wd.Decisions)})
	}
	return w.render(c, http.StatusOK, "public/commitment.html", view)
}

// pcLinkText is how an evidence link reads: its host and path, without
// the scheme, shortened when long (the whole address is the href).
func pcLinkText(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return raw
	}
	s := u.Host + strings.TrimSuffix(u.Path, "/")
	if r := []rune(s); len(r) > 60 {
		s = string(r[:57]) + "…"
	}
	return s
}
