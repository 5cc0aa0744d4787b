package web

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/ogplocal/ogp"
	"github.com/ogplocal/ogp/models"
	"github.com/ogplocal/ogp/server"
)

// The workspace core: "My work" (everything waiting for the signed-in
// person, most urgent first), a plan's workspace home, a step's page
// (submitting it, deciding on it, its due date, what changed since the
// last round and every decision), and the implementation forms of a
// commitment and its milestones (step 9). Every change is a call to the
// JSON API in-process; "My work" reads the projections with a fixed
// number of queries (models.DB.MyWork).

func init() { areas = append(areas, (*Web).registerWorkRoutes) }

func (w *Web) registerWorkRoutes(r router) {
	u := w.requireUser
	r.GET("/work", w.workHome, u)
	r.GET("/work/notifications", w.workNotifications, u)
	r.POST("/work/notifications/:nid/read", w.workReadNotification, u)

	const p = "/work/plans/:id"
	r.GET(p, w.workPlanHome, u)
	r.GET(p+"/steps/:n", w.workStepPage, u)
	r.POST(p+"/steps/:n/submit", w.workSubmitStep, u)
	r.POST(p+"/steps/:n/decisions", w.workDecideStep, u)
	r.POST(p+"/steps/:n/due-date", w.workSetDueDate, u)

	const cm = p + "/commitments/:cid"
	r.GET(cm, w.workCommitmentPage, u)
	r.POST(cm+"/amendments/:seq/decisions", w.workDecideAmendment, u)
	r.POST(cm+"/withdrawal", w.workWithdraw, u)
	r.POST(cm+"/withdrawal/decisions", w.workDecideWithdrawal, u)
	r.GET(cm+"/milestones/:mid", w.workMilestonePage, u)
	r.POST(cm+"/milestones/:mid/progress", w.workReportProgress, u)
	r.POST(cm+"/milestones/:mid/complete", w.workCompleteMilestone, u)
	r.POST(cm+"/milestones/:mid/delay-explanation", w.workExplainDelay, u)
	r.POST(cm+"/milestones/:mid/amendments", w.workRequestAmendment, u)
}

// Workspace paths other areas serve, linked from here.
const (
	// workContentPath is a content form of a step (area content pages).
	workContentPath = "/work/plans/%d/content/%s"
	// workRoundPath is the monitoring body's and the leads' page of an
	// assessment round (area monitoring pages).
	workRoundPath = "/work/plans/%d/assessments/%d"
	// workRoundsPath lists a plan's assessment rounds in the workspace.
	workRoundsPath = "/work/plans/%d/assessments"
)

// stepContent names the content forms of each step, in the order a
// coordinator fills them: /work/plans/{id}/content/{name}.
var stepContent = map[int][]string{
	1: {"team", "forum", "monitoring-body"}, 2: {"roadmap"}, 3: {"awareness"}, 4: {"problems"},
	5: {"commitments"}, 6: {"commitments"}, 7: {"commitments", "vision"}, 10: {"learning-plan"},
}

// contentLink is a link to a content form.
type contentLink struct {
	Name  string
	Label string
	Href  string
}

func (w *Web) contentLinks(c echo.Context, planID int64, step int) []contentLink {
	var out []contentLink
	for _, name := range stepContent[step] {
		out = append(out, contentLink{Name: name, Label: w.T(c, "work.content."+name), Href: fmt.Sprintf(workContentPath, planID, name)})
	}
	return out
}

// enum shows a domain value through the domain catalog (prefix+value),
// or as it is when the catalog has no message for it.
func (w *Web) enum(c echo.Context, prefix, v string) string {
	if k := prefix + v; w.catalog.has(lang(c), k) {
		return w.catalog.text(lang(c), k)
	}
	return v
}

func (w *Web) stepName(c echo.Context, n int) string {
	return w.catalog.text(lang(c), fmt.Sprintf("step.%d.name", n))
}

// --- My work

// workItem is one thing waiting for the person on "My work".
type workItem struct {
	// Kind is approval, amendment, withdrawal, step, milestone,
	// self_assessment or assessment.
	Kind   string
	Title  string
	Detail string
	PlanID int64
	Plan   string
	// Due is the date it is due (YYYY-MM-DD), empty for none.
	Due string
	// Urgency is overdue, due_soon, on_track, no_date or waiting (for
	// others; shown last).
	Urgency string
	Href    string
	rank    int
}

type workHomePage struct {
	Items []workItem
	// Notifications are the newest unread notifications, at most
	// homeNotifications of them; UnreadCount counts them all.
	Notifications []workNotification
	UnreadCount   int64
	Plans         []workPlanRow
	Empty         bool
}

// homeNotifications is how many unread notifications "My work" shows; the
// notifications page lists them all.
const homeNotifications = 5

// notificationPreview is how many characters of a notification's body
// "My work" shows; the notifications page shows the whole text.
const notificationPreview = 160

// notificationsPerPage is the page size of the notifications page.
const notificationsPerPage = 20

// workNotification is a notification as the workspace lists it.
type workNotification struct {
	ID        int64
	Subject   string
	Body      string
	Preview   string
	CreatedAt string
	ReadAt    string
	Href      string
}

type workPlanRow struct {
	models.MyPlan
	RoleLabels []string
	StepLabel  string
	Urgency    string
}

func (w *Web) workHome(c echo.Context) error {
	if w.cfg.DB == nil {
		return errors.New("web: My work needs the database")
	}
	u := w.user(c)
	now := w.cfg.Now().UTC()
	mw, err := w.cfg.DB.MyWork(c.Request().Context(), u.ID, now)
	if err != nil {
		return err
	}
	page := workHomePage{Items: w.workItems(c, mw), UnreadCount: mw.UnreadCount, Empty: mw.Empty()}
	for _, n := range mw.Notifications {
		if len(page.Notifications) == homeNotifications {
			break
		}
		page.Notifications = append(page.Notifications, workNotification{ID: n.ID, Subject: n.Subject, Body: n.Body,
			Preview: preview(n.Body, notificationPreview), CreatedAt: formatTime(n.CreatedAt, time.RFC3339), Href: notificationHref(n.PlanID, n.StepNumber)})
	}
	for _, p := range mw.Plans {
		row := workPlanRow{MyPlan: p, StepLabel: w.stepName(c, p.CurrentStep)}
		for _, r := range p.Roles {
			row.RoleLabels = append(row.RoleLabels, w.enum(c, "role.", r))
		}
		if p.Status != models.PlanStatusCompleted {
			row.Urgency = urgencyOf(p.DueOn, now)
		}
		page.Plans = append(page.Plans, row)
	}
	return w.render(c, http.StatusOK, "work/home.html", page)
}

// notificationHref is the workspace page a notification is about: its
// plan's step, or its plan.
func notificationHref(planID *int64, step *int) string {
	switch {
	case planID != nil && step != nil && *step >= 1 && *step <= ogp.StepCount:
		return fmt.Sprintf("/work/plans/%d/steps/%d", *planID, *step)
	case planID != nil:
		return fmt.Sprintf("/work/plans/%d", *planID)
	}
	return ""
}

// preview cuts a text to about max characters, at a word boundary, with
// an ellipsis when something was cut. Runs of spaces and line breaks
// become single spaces.
func preview(s string, limit int) string {
	s = strings.Join(strings.Fields(s), " ")
	r := []rune(s)
	if len(r) <= limit {
		return s
	}
	cut := limit
	for i := limit; i > limit*2/3; i-- {
		if r[i] == ' ' {
			cut = i
			break
		}
	}
	return strings.TrimRight(string(r[:cut]), " ,;:.") + "…"
}

// urgencyOf classifies a step due date the way "My work" does.
func urgencyOf(due string, now time.Time) string {
	if due == "" {
		return models.UrgencyNoDate
	}
	d := ogp.Date(due)
	switch {
	case !now.Before(d.EndTime()):
		return models.UrgencyOverdue
	case !now.Before(d.Time().Add(-models.StepDueSoon)):
		return models.UrgencyDueSoon
	}
	return models.UrgencyOnTrack
}

const urgencyWaiting = "waiting"

// workItems puts everything waiting for the person in one list, most
// urgent first: overdue, due soon, then what has no date but needs them,
// then what is on track, then what waits for others.
func (w *Web) workItems(c echo.Context, mw models.MyWork) []workItem {
	var items []workItem
	add := func(it workItem) {
		it.rank = models.UrgencyRank(it.Urgency)
		if it.Urgency == urgencyWaiting {
			it.rank = 9
		}
		items = append(items, it)
	}
	for _, a := range mw.Approvals {
		add(workItem{Kind: "approval", Title: w.T(c, "work.item.approval", a.Step, w.stepName(c, a.Step)), Detail: a.Summary,
			PlanID: a.PlanID, Plan: a.PlanTitle, Due: a.DueOn, Urgency: a.Urgency,
			Href: fmt.Sprintf("/work/plans/%d/steps/%d#decide", a.PlanID, a.Step)})
	}
	for _, r := range mw.Requests {
		it := workItem{Kind: r.Kind, PlanID: r.PlanID, Plan: r.PlanTitle, Urgency: models.UrgencyNoDate, Detail: r.Reason}
		if r.Kind == models.RequestAmendment {
			it.Title = w.T(c, "work.item.amendment", r.MilestoneTitle, r.CommitmentNumber, r.CommitmentTitle)
			it.Detail = w.T(c, "work.item.amendment.detail", r.OldDueOn, r.NewDueOn, r.Reason)
			it.Href = fmt.Sprintf("/work/plans/%d/commitments/%d#amendment-%d", r.PlanID, r.CommitmentID, r.Seq)
		} else {
			it.Title = w.T(c, "work.item.withdrawal", r.CommitmentNumber, r.CommitmentTitle)
			it.Href = fmt.Sprintf("/work/plans/%d/commitments/%d#withdrawal", r.PlanID, r.CommitmentID)
		}
		add(it)
	}
	for _, s := range mw.Steps {
		it := workItem{Kind: "step", PlanID: s.PlanID, Plan: s.PlanTitle, Due: s.DueOn, Urgency: s.Urgency,
			Href: fmt.Sprintf("/work/plans/%d/steps/%d", s.PlanID, s.Step)}
		switch s.Status {
		case models.StepStatusChangesRequested:
			it.Title = w.T(c, "work.item.step.changes", s.Step, w.stepName(c, s.Step))
		case models.StepStatusAwaitingApproval:
			it.Title = w.T(c, "work.item.step.waiting", s.Step, w.stepName(c, s.Step))
			if s.Urgency != models.UrgencyOverdue {
				it.Urgency = urgencyWaiting
			}
		default:
			it.Title = w.T(c, "work.item.step.submit", s.Step, w.stepName(c, s.Step))
		}
		add(it)
	}
	for _, m := range mw.Milestones {
		add(workItem{Kind: "milestone", Title: w.T(c, "work.item.milestone", m.Title),
			Detail: w.T(c, "work.item.milestone.detail", m.CommitmentNumber, m.CommitmentTitle, m.Percent),
			PlanID: m.PlanID, Plan: m.PlanTitle, Due: m.DueOn, Urgency: m.Schedule,
			Href: fmt.Sprintf("/work/plans/%d/commitments/%d/milestones/%d", m.PlanID, m.CommitmentID, m.MilestoneID)})
	}
	for _, s := range mw.SelfAssessments {
		add(workItem{Kind: "self_assessment", Title: w.T(c, "work.item.self_assessment", s.CommitmentNumber, s.CommitmentTitle),
			Detail: w.enum(c, "round.kind.", s.Kind), PlanID: s.PlanID, Plan: s.PlanTitle, Due: formatTime(s.DueAt, time.DateOnly),
			Urgency: s.Urgency, Href: fmt.Sprintf(workRoundPath, s.PlanID, s.RoundID)})
	}
	for _, a := range mw.Assessments {
		it := workItem{Kind: "assessment", PlanID: a.PlanID, Plan: a.PlanTitle, Due: formatTime(a.DueAt, time.DateOnly),
			Urgency: a.Urgency, Href: fmt.Sprintf(workRoundPath, a.PlanID, a.RoundID), Detail: w.enum(c, "status.round.", a.Stage)}
		switch ogp.RoundStage(a.Stage) {
		case ogp.StageAssessment:
			it.Title = w.T(c, "work.item.assessment.assess", a.ToAssess)
		case ogp.StagePublicComment:
			it.Title = w.T(c, "work.item.assessment.answer", a.Unanswered)
		default:
			it.Title = w.T(c, "work.item.assessment.finalise")
		}
		add(it)
	}
	slices.SortStableFunc(items, func(a, b workItem) int {
		if c := cmp.Compare(a.rank, b.rank); c != 0 {
			return c
		}
		if a.Due != b.Due {
			if a.Due == "" {
				return 1
			}
			if b.Due == "" {
				return -1
			}
			return strings.Compare(a.Due, b.Due)
		}
		return 0
	})
	return items
}

// workNotificationsPage is every notification of the person, read or
// not, newest first, a page at a time.
type workNotificationsPage struct {
	Notifications []workNotification
	Total         int64
	PageNo        int
	Pages         int
	PrevURL       string
	NextURL       string
}

// notificationsPageNo reads the page number of the notifications page: 1
// for anything but a positive whole number.
func notificationsPageNo(s string) int {
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > 1_000_000 {
		return 1
	}
	return n
}

func (w *Web) workNotifications(c echo.Context) error {
	pageNo := notificationsPageNo(c.QueryParam("page"))
	var list struct {
		Items []server.NotificationResponse `json:"items"`
		Total int64                         `json:"total"`
	}
	if err := w.api(c, http.MethodGet, fmt.Sprintf("/notifications?page=%d&per_page=%d", pageNo, notificationsPerPage), nil, &list); err != nil {
		return err
	}
	page := workNotificationsPage{Total: list.Total, PageNo: pageNo,
		Pages: int((list.Total + notificationsPerPage - 1) / notificationsPerPage)}
	for _, n := range list.Items {
		wn := workNotification{ID: n.ID, Subject: n.Subject, Body: n.Body, CreatedAt: n.CreatedAt, Href: notificationHref(n.PlanID, n.Step)}
		if n.ReadAt != nil {
			wn.ReadAt = *n.ReadAt
		}
		page.Notifications = append(page.Notifications, wn)
	}
	link := func(n int) string { return fmt.Sprintf("/work/notifications?page=%d", n) }
	if pageNo > 1 {
		page.PrevURL = link(min(pageNo-1, max(page.Pages, 1)))
	}
	if pageNo < page.Pages {
		page.NextURL = link(pageNo + 1)
	}
	return w.render(c, http.StatusOK, "work/notifications.html", page)
}

func (w *Web) workReadNotification(c echo.Context) error {
	id, err := strconv.ParseInt(c.Param("nid"), 10, 64)
	if err != nil || id < 1 {
		return ogp.Errorf(ogp.ENotFound, "unknown_notification", "there is no notification %q", c.Param("nid"))
	}
	if err := w.api(c, http.MethodPost, fmt.Sprintf("/notifications/%d/read", id), nil, nil); err != nil {
		return err
	}
	w.flash(c, "work.notifications.read.done")
	// Back where the button was: the notifications page (same page) or
	// My work.
	if c.FormValue("from") == "list" {
		return w.redirect(c, fmt.Sprintf("/work/notifications?page=%d#notification-%d", notificationsPageNo(c.FormValue("page")), id))
	}
	return w.redirect(c, "/work#notifications")
}

// --- a plan in the workspace

// workPlan is a plan as a member sees it in the workspace: the plan, its
// roster and the person's place on it.
type workPlan struct {
	Plan    server.PlanDetail
	Members []server.MemberResponse
	// Roles are the person's roles on the plan (none for an administrator
	// who is not a member).
	Roles []string
	// RoleLabels are Roles in the visitor's language.
	RoleLabels []string
	// Admin is a global administrator, who manages every plan.
	Admin bool
	names map[int64]server.MemberResponse
}

// Has says whether the person holds role.
func (p *workPlan) Has(role string) bool { return slices.Contains(p.Roles, role) }

// Manages says whether the person may act as coordinator (coordinators
// and administrators).
func (p *workPlan) Manages() bool { return p.Admin || p.Has(models.RoleCoordinator) }

// Who is a member's name, or "#id" for someone no longer on the roster.
func (p *workPlan) Who(id int64) string {
	if m, ok := p.names[id]; ok {
		return m.Name
	}
	return "#" + strconv.FormatInt(id, 10)
}

// Coordinators lists the names of the plan's coordinators.
func (p *workPlan) Coordinators() []string {
	var out []string
	for _, m := range p.Members {
		if slices.Contains(m.Roles, models.RoleCoordinator) {
			out = append(out, m.Name)
		}
	}
	return out
}

// Step returns step n (1-based).
func (p *workPlan) Step(n int) server.StepResponse {
	for _, s := range p.Plan.Steps {
		if s.Number == n {
			return s
		}
	}
	return server.StepResponse{Number: n}
}

func pathID(c echo.Context, name, what string) (int64, error) {
	id, err := strconv.ParseInt(c.Param(name), 10, 64)
	if err != nil || id < 1 {
		return 0, ogp.Errorf(ogp.ENotFound, "unknown_"+what, "there is no %s %q", what, c.Param(name))
	}
	return id, nil
}

// loadWorkPlan reads the plan of the path and its roster, and lets only
// its members (and administrators) in: 404 for an unknown plan, 403 for
// someone who is not on it.
func (w *Web) loadWorkPlan(c echo.Context) (*workPlan, error) {
	id, err := pathID(c, "id", "plan")
	if err != nil {
		return nil, err
	}
	p := &workPlan{names: map[int64]server.MemberResponse{}}
	if err := w.api(c, http.MethodGet, fmt.Sprintf("/action-plans/%d", id), nil, &p.Plan); err != nil {
		return nil, err
	}
	var roster struct {
		Items []server.MemberResponse `json:"items"`
	}
	if err := w.api(c, http.MethodGet, fmt.Sprintf("/action-plans/%d/members", id), nil, &roster); err != nil {
		return nil, err
	}
	p.Members = roster.Items
	u := w.user(c)
	p.Admin = u.IsAdmin
	member := false
	for _, m := range p.Members {
		p.names[m.UserID] = m
		if m.UserID == u.ID {
			member, p.Roles = true, m.Roles
		}
	}
	if !member && !p.Admin {
		return nil, ogp.Errorf(ogp.EForbidden, "not_a_member", "%s", w.T(c, "work.forbidden"))
	}
	for _, r := range p.Roles {
		p.RoleLabels = append(p.RoleLabels, w.enum(c, "role.", r))
	}
	return p, nil
}

type workStepRow struct {
	server.StepResponse
	Name        string
	StatusLabel string
	Urgency     string
	Current     bool
	Content     []contentLink
}

type workCommitmentCard struct {
	server.ImplementationRunResponse
	CompletionLabel string
}

type workPlanHomePage struct {
	*workPlan
	Steps       []workStepRow
	Commitments []workCommitmentCard
	RoundsHref  string
	StatusLabel string
}

func (w *Web) workPlanHome(c echo.Context) error {
	p, err := w.loadWorkPlan(c)
	if err != nil {
		return err
	}
	now := w.cfg.Now().UTC()
	page := workPlanHomePage{workPlan: p, StatusLabel: w.enum(c, "status.plan.", p.Plan.Status)}
	for _, s := range p.Plan.Steps {
		row := workStepRow{StepResponse: s, Name: w.stepName(c, s.Number), StatusLabel: w.enum(c, "status.step.", s.Status),
			Current: s.Number == p.Plan.CurrentStep && p.Plan.Status != models.PlanStatusCompleted, Content: w.contentLinks(c, p.Plan.ID, s.Number)}
		if s.Status != models.StepStatusApproved && s.DueOn != nil {
			row.Urgency = urgencyOf(*s.DueOn, now)
		}
		page.Steps = append(page.Steps, row)
	}
	if p.Plan.CurrentStep >= 9 || p.Plan.Status != models.PlanStatusCoCreation {
		var impl server.ImplementationPlanResponse
		if err := w.api(c, http.MethodGet, fmt.Sprintf("/action-plans/%d/implementation", p.Plan.ID), nil, &impl); err != nil {
			return err
		}
		for _, it := range impl.Items {
			page.Commitments = append(page.Commitments, workCommitmentCard{ImplementationRunResponse: it, CompletionLabel: w.enum(c, "completion.", it.Completion)})
		}
	}
	if p.Plan.CurrentStep >= 8 {
		page.RoundsHref = fmt.Sprintf(workRoundsPath, p.Plan.ID)
	}
	return w.render(c, http.StatusOK, "work/plan.html", page)
}

// --- a step

type workApprover struct {
	ID       int64
	Name     string
	Sector   string
	Decision string
	Comment  string
	// Left says the approver is no longer on the roster (so out of the
	// round).
	Left bool
}

type workRound struct {
	Round       int
	Summary     string
	SubmittedBy string
	SubmittedAt string
	Decisions   []server.DecisionResponse
}

type workChange struct {
	// Item is the API's path of the changed item, such as
	// "forum.members[6]"; ItemLabel names it for people ("Forum member
	// 7"), empty for a path of a shape the catalog does not know.
	Item      string
	ItemLabel string
	Change    string
	Label     string
	Before    string
	After     string
}

type workViolation struct {
	Message string
	Item    string
	Href    string
	Area    string
}

type workCoSign struct {
	Government, CivilSociety                 bool
	GovernmentApproved, CivilSocietyApproved bool
}

type workStepPage struct {
	*workPlan
	Number      int
	Step        server.StepResponse
	Name        string
	StatusLabel string
	DueOn       string
	Urgency     string
	Current     bool
	Content     []contentLink
	CanSubmit   bool
	CanSetDue   bool
	CanDecide   bool
	Approvers   []workApprover
	CoSign      *workCoSign
	Rounds      []workRound
	// ChangesRound is the round the changes lead to (0: no submission
	// yet); FirstRound says it has no round before it.
	ChangesRound int
	FirstRound   bool
	Changes      []workChange
	Violations   []workViolation
}

func (w *Web) loadStepPage(c echo.Context) (*workStepPage, error) {
	p, err := w.loadWorkPlan(c)
	if err != nil {
		return nil, err
	}
	n, err := strconv.Atoi(c.Param("n"))
	if _, ok := ogp.StepByNumber(n); err != nil || !ok {
		return nil, ogp.Errorf(ogp.ENotFound, "unknown_step", "there is no step %q", c.Param("n"))
	}
	st := p.Step(n)
	now := w.cfg.Now().UTC()
	page := &workStepPage{workPlan: p, Number: n, Step: st, Name: w.stepName(c, n), StatusLabel: w.enum(c, "status.step.", st.Status),
		Current: n == p.Plan.CurrentStep && p.Plan.Status != models.PlanStatusCompleted, Content: w.contentLinks(c, p.Plan.ID, n)}
	if st.DueOn != nil {
		page.DueOn = *st.DueOn
		if st.Status != models.StepStatusApproved {
			page.Urgency = urgencyOf(*st.DueOn, now)
		}
	}
	page.CanSubmit = p.Manages() && page.Current && (st.Status == models.StepStatusInProgress || st.Status == models.StepStatusChangesRequested)
	page.CanSetDue = p.Manages() && st.Status != models.StepStatusApproved && p.Plan.Status != models.PlanStatusCompleted

	var rounds []models.StepRound
	if w.cfg.DB != nil {
		if rounds, err = w.cfg.DB.StepRounds(c.Request().Context(), p.Plan.ID, n); err != nil {
			return nil, err
		}
	}
	byRound := map[int][]server.DecisionResponse{}
	for _, d := range st.Decisions {
		byRound[d.Round] = append(byRound[d.Round], d)
	}
	for i := len(rounds) - 1; i >= 0; i-- {
		r := rounds[i]
		page.Rounds = append(page.Rounds, workRound{Round: r.Round, Summary: r.Summary, SubmittedBy: p.Who(r.SubmittedBy),
			SubmittedAt: formatTime(r.SubmittedAt, "2006-01-02 15:04 MST"), Decisions: byRound[r.Round]})
		delete(byRound, r.Round)
	}
	// Decisions of rounds the trail did not name (none in practice).
	for round := st.Round; round >= 1; round-- {
		if ds, ok := byRound[round]; ok {
			page.Rounds = append(page.Rounds, workRound{Round: round, Decisions: ds})
		}
	}

	// The current round's approvers and where each stands.
	if st.Round > 0 && (st.Status == models.StepStatusAwaitingApproval || st.Status == models.StepStatusApproved || st.Status == models.StepStatusChangesRequested) {
		var cur *models.StepRound
		for i := range rounds {
			if rounds[i].Round == st.Round {
				cur = &rounds[i]
			}
		}
		decided := map[int64]server.DecisionResponse{}
		for _, d := range st.Decisions {
			if d.Round == st.Round {
				decided[d.ApproverID] = d
			}
		}
		var ids []int64
		if cur != nil {
			ids = cur.Approvers
		} else {
			for _, m := range p.Members {
				if slices.Contains(m.Roles, models.RoleApprover) && (st.SubmittedBy == nil || *st.SubmittedBy != m.UserID) {
					ids = append(ids, m.UserID)
				}
			}
		}
		me := w.user(c).ID
		for _, id := range ids {
			m, on := p.names[id]
			a := workApprover{ID: id, Name: p.Who(id), Sector: m.Sector, Left: !on}
			if d, ok := decided[id]; ok {
				a.Decision, a.Comment = d.Decision, d.Comment
			}
			page.Approvers = append(page.Approvers, a)
			if id == me && on && a.Decision == "" && st.Status == models.StepStatusAwaitingApproval {
				page.CanDecide = true
			}
		}
		if n == 8 {
			cs := &workCoSign{}
			for _, a := range page.Approvers {
				if a.Left {
					continue
				}
				switch a.Sector {
				case models.SectorGovernment:
					cs.Government = true
					cs.GovernmentApproved = cs.GovernmentApproved || a.Decision == models.DecisionApprove
				case models.SectorCivilSociety:
					cs.CivilSociety = true
					cs.CivilSocietyApproved = cs.CivilSocietyApproved || a.Decision == models.DecisionApprove
				}
			}
			page.CoSign = cs
		}
	}

	// What changed since the round before.
	if ogp.HasContentGate(n) && st.Round > 0 {
		var subs struct {
			Items []server.SubmissionResponse `json:"items"`
		}
		if err := w.api(c, http.MethodGet, fmt.Sprintf("/action-plans/%d/steps/%d/submissions", p.Plan.ID, n), nil, &subs); err != nil {
			return nil, err
		}
		if k := len(subs.Items); k > 0 {
			last := subs.Items[k-1]
			page.ChangesRound, page.FirstRound = last.Round, k == 1
			if k > 1 {
				page.Changes = w.describeChanges(c, subs.Items[k-2].Content, last.Content, last.Changes)
			}
		}
	}
	return page, nil
}

func (w *Web) workStepPage(c echo.Context) error {
	page, err := w.loadStepPage(c)
	if err != nil {
		return err
	}
	return w.render(c, http.StatusOK, "work/step.html", page)
}

// stepAPIPath is the API path of the page's step.
func (p *workStepPage) apiPath(rest string) string {
	return fmt.Sprintf("/action-plans/%d/steps/%d/%s", p.Plan.ID, p.Number, rest)
}

func (p *workStepPage) href() string {
	return fmt.Sprintf("/work/plans/%d/steps/%d", p.Plan.ID, p.Number)
}

// refused re-shows the step page after the API refused a form: a
// permission or existence refusal is an error page; anything else goes
// next to the field it concerns.
func (w *Web) refused(c echo.Context, name string, page any, err error, fieldOf map[string]string) error {
	var p *Problem
	if !errors.As(err, &p) || p.Status == http.StatusForbidden || p.Status == http.StatusNotFound || p.Status >= 500 {
		return err
	}
	return w.renderForm(c, name, page, err, fieldOf)
}

func (w *Web) workSubmitStep(c echo.Context) error {
	page, err := w.loadStepPage(c)
	if err != nil {
		return err
	}
	err = w.api(c, http.MethodPost, page.apiPath("submit"), map[string]string{"summary": c.FormValue("summary")}, nil)
	var p *Problem
	if errors.As(err, &p) && p.Code == "step_rules_unmet" {
		// Every unmet rule, each with a link to the form where it is
		// fixed; the layout's summary (links to fields of this page)
		// would point nowhere, so the page lists them itself.
		for _, v := range p.Violations {
			page.Violations = append(page.Violations, w.violationView(c, page.Plan.ID, page.Number, v))
		}
		view := w.view(c, page)
		view.Form, _ = c.FormParams()
		return w.renderView(c, http.StatusUnprocessableEntity, "work/step.html", view)
	}
	if err != nil {
		return w.refused(c, "work/step.html", page, err, map[string]string{"summary_required": "summary", "summary_too_long": "summary",
			"no_approvers": "summary", "co_signature_impossible": "summary", "step_not_submittable": "summary", "not_current_step": "summary"})
	}
	w.flash(c, "work.step.submit.done")
	return w.redirect(c, page.href())
}

func (w *Web) workDecideStep(c echo.Context) error {
	page, err := w.loadStepPage(c)
	if err != nil {
		return err
	}
	decision := c.FormValue("decision")
	err = w.api(c, http.MethodPost, page.apiPath("decisions"), map[string]string{"decision": decision, "comment": c.FormValue("comment")}, nil)
	if err != nil {
		return w.refused(c, "work/step.html", page, err, map[string]string{"comment_required": "comment", "comment_too_long": "comment",
			"invalid_decision": "comment", "already_decided": "comment", "not_awaiting_approval": "comment"})
	}
	if decision == models.DecisionApprove {
		w.flash(c, "work.step.decide.approved")
	} else {
		w.flash(c, "work.step.decide.changes")
	}
	return w.redirect(c, page.href())
}

func (w *Web) workSetDueDate(c echo.Context) error {
	page, err := w.loadStepPage(c)
	if err != nil {
		return err
	}
	var due any
	if c.FormValue("clear") == "" {
		due = strings.TrimSpace(c.FormValue("due_on"))
	}
	err = w.api(c, http.MethodPut, page.apiPath("due-date"), map[string]any{"due_on": due}, nil)
	if err != nil {
		return w.refused(c, "work/step.html", page, err, map[string]string{"invalid_date": "due_on", "due_date_outside_period": "due_on",
			"due_on_required": "due_on", "step_approved": "due_on"})
	}
	w.flash(c, "work.step.due.done")
	return w.redirect(c, page.href())
}

// violationArea is the content form where a violation of a step's rules
// is fixed, by the rule's code (step 8 re-checks every earlier step).
func violationArea(step int, v ogp.Violation) (area string, home int) {
	code := v.Code
	switch {
	case strings.HasPrefix(code, "team_"), code == "monitoring_body_not_independent" && strings.HasPrefix(v.Item, "user:"):
		return "team", 1
	case strings.HasPrefix(code, "forum_"):
		return "forum", 1
	case strings.HasPrefix(code, "monitoring_body_"):
		return "monitoring-body", 1
	case strings.HasPrefix(code, "roadmap_"), code == "unknown_roadmap_step", strings.HasPrefix(v.Item, "roadmap_step:"):
		return "roadmap", 2
	case strings.HasPrefix(code, "awareness_"):
		return "awareness", 3
	case strings.HasPrefix(code, "problem_"), strings.Contains(code, "selected"), strings.HasPrefix(code, "reasoned_response"):
		if code == "selected_problem_without_commitment" {
			return "commitments", 5
		}
		return "problems", 4
	case strings.HasPrefix(code, "network_"):
		return "commitments", 6
	case strings.HasPrefix(code, "commitment"), strings.HasPrefix(code, "milestone"), code == "lead_agency_missing", code == "too_many_commitments":
		return "commitments", 5
	case strings.HasPrefix(code, "vision"):
		return "vision", 7
	case strings.HasPrefix(code, "learning_plan"):
		return "learning-plan", 10
	case code == "results_report_missing", code == "checklist_incomplete", code == "comment_unanswered":
		return "", 10
	}
	if names := stepContent[step]; len(names) > 0 {
		return names[len(names)-1], step
	}
	return "", step
}

func (w *Web) violationView(c echo.Context, planID int64, step int, v ogp.Violation) workViolation {
	out := workViolation{Item: v.Item, Message: v.Message}
	if k := "violation." + v.Code; w.catalog.has(lang(c), k) {
		out.Message = w.catalog.text(lang(c), k)
	}
	area, home := violationArea(step, v)
	switch {
	case home >= 1 && home <= 3:
		if href, ok := contentSetupViolationHref(planID, home, v); ok {
			out.Href, out.Area = href, w.T(c, "work.content."+cmp.Or(area, stepContent[home][0]))
			return out
		}
	case area == "":
		out.Href, out.Area = fmt.Sprintf(workRoundsPath, planID), w.T(c, "work.content.assessments")
		return out
	}
	out.Href = fmt.Sprintf(workContentPath, planID, area)
	if v.Item != "" {
		out.Href += "#field-" + v.Item
	}
	out.Area = w.T(c, "work.content."+area)
	return out
}

// describeChanges shows each changed item of a submission with its value
// before and after.
func (w *Web) describeChanges(c echo.Context, before, after json.RawMessage, changes []server.Change) []workChange {
	var b, a any
	_ = json.Unmarshal(before, &b)
	_ = json.Unmarshal(after, &a)
	out := make([]workChange, 0, len(changes))
	for _, ch := range changes {
		wc := workChange{Item: ch.Item, Change: ch.Change, Label: w.T(c, "work.changes."+ch.Change)}
		// An item removed is found in the content before, any other in
		// the content after.
		docs := []any{a, b}
		if ch.Change == "removed" {
			docs = []any{b, a}
		}
		wc.ItemLabel = w.changeItemLabel(c, ch.Item, docs...)
		if ch.Change != "added" {
			if v, ok := lookupPath(b, ch.Item); ok {
				wc.Before = summarize(v)
			}
		}
		if ch.Change != "removed" {
			if v, ok := lookupPath(a, ch.Item); ok {
				wc.After = summarize(v)
			}
		}
		out = append(out, wc)
	}
	return out
}

// itemSeg is a part of a change's item path: a member name, and for an
// element of an array the key in brackets (the element's id, or its
// index for elements without one).
type itemSeg struct {
	name  string
	key   string
	index bool
}

// parseItemPath splits a change's item path as the API builds it (see
// server.Change): member names joined by dots, each optionally followed
// by one [key], such as "commitments[12].milestones[40]". False for
// anything else.
func parseItemPath(path string) ([]itemSeg, bool) {
	if path == "" {
		return nil, false
	}
	var out []itemSeg
	for _, part := range strings.Split(path, ".") {
		seg := itemSeg{name: part}
		if i := strings.IndexByte(part, '['); i >= 0 {
			if !strings.HasSuffix(part, "]") {
				return nil, false
			}
			seg.name, seg.key, seg.index = part[:i], part[i+1:len(part)-1], true
			if seg.key == "" || strings.ContainsAny(seg.key, "[]") {
				return nil, false
			}
		}
		if seg.name == "" || strings.IndexFunc(seg.name, func(r rune) bool { return (r < 'a' || r > 'z') && r != '_' }) >= 0 {
			return nil, false
		}
		out = append(out, seg)
	}
	return out, true
}

// itemShape is the catalog form of a parsed item path: the names with
// "[]" for each array element, such as "commitments[].milestones[]".
func itemShape(segs []itemSeg) string {
	var b strings.Builder
	for i, s := range segs {
		if i > 0 {
			b.WriteByte('.')
		}
		b.WriteString(s.name)
		if s.index {
			b.WriteString("[]")
		}
	}
	return b.String()
}

// itemNumberField names the field that numbers the elements of an array
// for people (commitment 2 is the commitment whose number is 2, the
// roadmap's entries are the steps they plan); elements of other arrays
// are numbered by their position, from 1.
var itemNumberField = map[string]string{"commitments": "number", "roadmap": "step"}

// itemNumbers finds, in a content document, the number people know each
// array element of the path by. False if an element is not in doc.
func itemNumbers(doc any, segs []itemSeg) ([]any, bool) {
	var out []any
	v := doc
	for _, s := range segs {
		obj, ok := v.(map[string]any)
		if !ok {
			return nil, false
		}
		if v, ok = obj[s.name]; !ok {
			return nil, false
		}
		if !s.index {
			continue
		}
		arr, ok := v.([]any)
		if !ok {
			return nil, false
		}
		at := -1
		for i, el := range arr {
			if o, ok := el.(map[string]any); ok {
				if id, ok := o["id"]; ok && fmt.Sprint(id) == s.key {
					at = i
					break
				}
			}
		}
		if at < 0 {
			i, err := strconv.Atoi(s.key)
			if err != nil || i < 0 || i >= len(arr) {
				return nil, false
			}
			if o, ok := arr[i].(map[string]any); ok {
				if _, hasID := o["id"]; hasID {
					return nil, false // keyed by id, and this id is not here
				}
			}
			at = i
		}
		n := at + 1
		if f := itemNumberField[s.name]; f != "" {
			if o, ok := arr[at].(map[string]any); ok {
				if x, ok := o[f].(float64); ok && x >= 1 && x == float64(int(x)) {
					n = int(x)
				}
			}
		}
		out = append(out, n)
		v = arr[at]
	}
	return out, true
}

// changeItemLabel names a change's item for people, through the catalog
// key "work.changes.path.<shape>" (for "forum.members[6]", the key
// "work.changes.path.forum.members[]" with the member's position): the
// element numbers are looked up in the first of docs that has the item.
// Empty for a path of a shape the catalog does not know, or an element
// found in no document: the page then shows the path as it is.
func (w *Web) changeItemLabel(c echo.Context, path string, docs ...any) string {
	segs, ok := parseItemPath(path)
	if !ok {
		return ""
	}
	key := "work.changes.path." + itemShape(segs)
	if !w.catalog.has(lang(c), key) {
		return ""
	}
	for _, d := range docs {
		if nums, ok := itemNumbers(d, segs); ok {
			return w.catalog.text(lang(c), key, nums...)
		}
	}
	// A member that is not an array element (such as "forum.name") needs
	// no number; a path through arrays does.
	for _, s := range segs {
		if s.index {
			return ""
		}
	}
	return w.catalog.text(lang(c), key)
}

// lookupPath finds the value at a change's item path, such as
// "forum.members[3].name": names of object members, and [x] for the
// element of an array whose "id" is x, or else at index x.
func lookupPath(v any, path string) (any, bool) {
	for path != "" {
		switch path[0] {
		case '.':
			path = path[1:]
		case '[':
			end := strings.IndexByte(path, ']')
			if end < 0 {
				return nil, false
			}
			key := path[1:end]
			path = path[end+1:]
			arr, ok := v.([]any)
			if !ok {
				return nil, false
			}
			found := false
			for _, el := range arr {
				if obj, ok := el.(map[string]any); ok {
					if id, ok := obj["id"]; ok && fmt.Sprint(id) == key {
						v, found = el, true
						break
					}
				}
			}
			if !found {
				i, err := strconv.Atoi(key)
				if err != nil || i < 0 || i >= len(arr) {
					return nil, false
				}
				v = arr[i]
			}
		default:
			end := strings.IndexAny(path, ".[")
			if end < 0 {
				end = len(path)
			}
			obj, ok := v.(map[string]any)
			if !ok {
				return nil, false
			}
			if v, ok = obj[path[:end]]; !ok {
				return nil, false
			}
			path = path[end:]
		}
	}
	return v, true
}

// summarize shows a content value in a line: text as is, an item by its
// title or name, anything else as compact JSON, cut at 300 characters.
func summarize(v any) string {
	var s string
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		s = x
	case map[string]any:
		for _, k := range []string{"title", "name", "text", "description"} {
			if t, ok := x[k].(string); ok && t != "" {
				s = t
				break
			}
		}
		if s == "" {
			b, _ := json.Marshal(x)
			s = string(b)
		}
	default:
		b, _ := json.Marshal(x)
		s = string(b)
	}
	if r := []rune(s); len(r) > 300 {
		s = string(r[:300]) + "…"
	}
	return s
}

// --- implementation (step 9)

type workMilestoneRow struct {
	server.ImplementationMilestoneResponse
	ScheduleLabel string
	StatusLabel   string
	CanWork       bool
	Href          string
}

type workRequest struct {
	server.ImplementationAmendmentResponse
	MilestoneTitle string
	StatusLabel    string
	RequestedBy    string
	Decisions      []workRequestDecision
	CanDecide      bool
}

type workRequestDecision struct {
	server.ImplementationDecisionResponse
	Name string
}

type workWithdrawal struct {
	server.ImplementationWithdrawalResponse
	StatusLabel string
	RequestedBy string
	Decisions   []workRequestDecision
	CanDecide   bool
}

type workCommitmentPage struct {
	*workPlan
	C               server.ImplementationCommitmentResponse
	StatusLabel     string
	CompletionLabel string
	Lead            string
	Milestones      []workMilestoneRow
	Amendments      []workRequest
	Withdrawal      *workWithdrawal
	Past            []workWithdrawal
	IsLead          bool
	CanWithdraw     bool
	Open            bool
	// Milestone is the milestone of a milestone page.
	Milestone *workMilestoneRow
	Reports   []workReport
	Delays    []workDelay
}

type workReport struct {
	server.ImplementationReportResponse
	By          string
	StatusLabel string
}

type workDelay struct {
	server.ImplementationDelayResponse
	By string
}

func (w *Web) loadCommitmentPage(c echo.Context) (*workCommitmentPage, error) {
	p, err := w.loadWorkPlan(c)
	if err != nil {
		return nil, err
	}
	cid, err := pathID(c, "cid", "commitment")
	if err != nil {
		return nil, err
	}
	page := &workCommitmentPage{workPlan: p}
	if err := w.api(c, http.MethodGet, fmt.Sprintf("/action-plans/%d/commitments/%d/implementation", p.Plan.ID, cid), nil, &page.C); err != nil {
		return nil, err
	}
	me := w.user(c).ID
	cm := &page.C
	page.StatusLabel = w.enum(c, "status.commitment.", cm.Status)
	page.CompletionLabel = w.enum(c, "completion.", cm.Completion)
	page.IsLead = cm.LeadUserID != 0 && cm.LeadUserID == me
	page.Open = cm.Status == string(ogp.CommitmentActive)
	if cm.LeadUserID != 0 {
		page.Lead = p.Who(cm.LeadUserID)
	}
	page.CanWithdraw = page.Open && (page.IsLead || p.Manages()) && cm.Withdrawal == nil
	titles := map[int64]string{}
	for _, m := range cm.Milestones {
		row := workMilestoneRow{ImplementationMilestoneResponse: m, ScheduleLabel: w.enum(c, "status.milestone.", m.Schedule),
			StatusLabel: w.enum(c, "status.milestone.", m.Status),
			CanWork:     page.Open && m.Status != string(ogp.MilestoneCompleted) && (p.Manages() || page.IsLead || (m.ResponsibleUserID != 0 && m.ResponsibleUserID == me)),
			Href:        fmt.Sprintf("/work/plans/%d/commitments/%d/milestones/%d", p.Plan.ID, cm.CommitmentID, m.ID)}
		page.Milestones = append(page.Milestones, row)
		titles[m.ID] = m.Title
	}
	decisions := func(ds []server.ImplementationDecisionResponse) ([]workRequestDecision, bool) {
		out := make([]workRequestDecision, 0, len(ds))
		mine := false
		for _, d := range ds {
			out = append(out, workRequestDecision{ImplementationDecisionResponse: d, Name: p.Who(d.ApproverID)})
			mine = mine || d.ApproverID == me
		}
		return out, mine
	}
	for i := len(cm.Amendments) - 1; i >= 0; i-- {
		a := cm.Amendments[i]
		ds, decided := decisions(a.Decisions)
		page.Amendments = append(page.Amendments, workRequest{ImplementationAmendmentResponse: a, MilestoneTitle: titles[a.MilestoneID],
			StatusLabel: w.enum(c, "status.amendment.", a.Status), RequestedBy: p.Who(a.RequestedBy), Decisions: ds,
			CanDecide: a.Status == string(ogp.AmendmentPending) && slices.Contains(a.Approvers, me) && !decided && a.RequestedBy != me})
	}
	withdrawal := func(wd server.ImplementationWithdrawalResponse) workWithdrawal {
		ds, decided := decisions(wd.Decisions)
		return workWithdrawal{ImplementationWithdrawalResponse: wd, StatusLabel: w.enum(c, "status.amendment.", wd.Status),
			RequestedBy: p.Who(wd.RequestedBy), Decisions: ds,
			CanDecide: wd.Status == string(ogp.AmendmentPending) && slices.Contains(wd.Approvers, me) && !decided && wd.RequestedBy != me}
	}
	if cm.Withdrawal != nil {
		wd := withdrawal(*cm.Withdrawal)
		page.Withdrawal = &wd
		page.CanWithdraw = page.CanWithdraw && wd.Status != string(ogp.AmendmentPending)
	}
	for _, wd := range cm.PastWithdrawals {
		page.Past = append(page.Past, withdrawal(wd))
	}
	return page, nil
}

func (w *Web) workCommitmentPage(c echo.Context) error {
	page, err := w.loadCommitmentPage(c)
	if err != nil {
		return err
	}
	return w.render(c, http.StatusOK, "work/commitment.html", page)
}

func (p *workCommitmentPage) apiPath(rest string) string {
	return fmt.Sprintf("/action-plans/%d/commitments/%d/%s", p.Plan.ID, p.C.CommitmentID, rest)
}

func (p *workCommitmentPage) href() string {
	return fmt.Sprintf("/work/plans/%d/commitments/%d", p.Plan.ID, p.C.CommitmentID)
}

func (w *Web) workDecideAmendment(c echo.Context) error {
	page, err := w.loadCommitmentPage(c)
	if err != nil {
		return err
	}
	seq, err := strconv.Atoi(c.Param("seq"))
	if err != nil || seq < 1 {
		return ogp.Errorf(ogp.ENotFound, "unknown_amendment", "there is no amendment %q", c.Param("seq"))
	}
	field := fmt.Sprintf("amendment_%d_comment", seq)
	decision := c.FormValue("decision")
	err = w.api(c, http.MethodPost, page.apiPath(fmt.Sprintf("amendments/%d/decisions", seq)),
		map[string]string{"decision": decision, "comment": c.FormValue(field)}, nil)
	if err != nil {
		return w.refused(c, "work/commitment.html", page, err, map[string]string{"comment_required": field, "comment_too_long": field,
			"already_decided": field, "not_pending": field, "invalid_decision": field})
	}
	if decision == models.DecisionApprove {
		w.flash(c, "work.request.approved")
	} else {
		w.flash(c, "work.request.rejected")
	}
	return w.redirect(c, page.href())
}

func (w *Web) workWithdraw(c echo.Context) error {
	page, err := w.loadCommitmentPage(c)
	if err != nil {
		return err
	}
	err = w.api(c, http.MethodPost, page.apiPath("withdrawal"), map[string]string{"reason": c.FormValue("withdraw_reason")}, nil)
	if err != nil {
		return w.refused(c, "work/commitment.html", page, err, map[string]string{"reason_required": "withdraw_reason",
			"reason_too_long": "withdraw_reason", "withdrawal_pending": "withdraw_reason", "no_approvers": "withdraw_reason"})
	}
	w.flash(c, "work.withdrawal.requested")
	return w.redirect(c, page.href())
}

func (w *Web) workDecideWithdrawal(c echo.Context) error {
	page, err := w.loadCommitmentPage(c)
	if err != nil {
		return err
	}
	decision := c.FormValue("decision")
	err = w.api(c, http.MethodPost, page.apiPath("withdrawal/decisions"),
		map[string]string{"decision": decision, "comment": c.FormValue("withdrawal_comment")}, nil)
	if err != nil {
		return w.refused(c, "work/commitment.html", page, err, map[string]string{"comment_required": "withdrawal_comment",
			"comment_too_long": "withdrawal_comment", "already_decided": "withdrawal_comment", "no_pending_withdrawal": "withdrawal_comment",
			"invalid_decision": "withdrawal_comment"})
	}
	if decision == models.DecisionApprove {
		w.flash(c, "work.request.approved")
	} else {
		w.flash(c, "work.request.rejected")
	}
	return w.redirect(c, page.href())
}

func (w *Web) loadMilestonePage(c echo.Context) (*workCommitmentPage, error) {
	page, err := w.loadCommitmentPage(c)
	if err != nil {
		return nil, err
	}
	mid, err := pathID(c, "mid", "milestone")
	if err != nil {
		return nil, err
	}
	for i := range page.Milestones {
		if page.Milestones[i].ID == mid {
			page.Milestone = &page.Milestones[i]
		}
	}
	if page.Milestone == nil {
		return nil, ogp.Errorf(ogp.ENotFound, "unknown_milestone", "commitment %d has no milestone %d", page.C.CommitmentID, mid)
	}
	for i := len(page.Milestone.Reports) - 1; i >= 0; i-- {
		r := page.Milestone.Reports[i]
		page.Reports = append(page.Reports, workReport{ImplementationReportResponse: r, By: page.Who(r.ReportedBy),
			StatusLabel: w.enum(c, "status.milestone.", r.Status)})
	}
	for i := len(page.Milestone.Delays) - 1; i >= 0; i-- {
		d := page.Milestone.Delays[i]
		page.Delays = append(page.Delays, workDelay{ImplementationDelayResponse: d, By: page.Who(d.ExplainedBy)})
	}
	return page, nil
}

func (w *Web) workMilestonePage(c echo.Context) error {
	page, err := w.loadMilestonePage(c)
	if err != nil {
		return err
	}
	return w.render(c, http.StatusOK, "work/milestone.html", page)
}

func (p *workCommitmentPage) milestoneAPI(rest string) string {
	return p.apiPath(fmt.Sprintf("milestones/%d/%s", p.Milestone.ID, rest))
}

func (p *workCommitmentPage) milestoneHref() string {
	return fmt.Sprintf("%s/milestones/%d", p.href(), p.Milestone.ID)
}

// evidenceLinks reads a textarea of links, one a line.
func evidenceLinks(s string) []string {
	out := []string{}
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

// milestoneChange sends one of the milestone forms and re-shows the page
// with the refusal next to its field.
func (w *Web) milestoneChange(c echo.Context, rest string, body func() (any, error), fieldOf map[string]string, done string) error {
	page, err := w.loadMilestonePage(c)
	if err != nil {
		return err
	}
	b, err := body()
	if err == nil {
		err = w.api(c, http.MethodPost, page.milestoneAPI(rest), b, nil)
	}
	if err != nil {
		return w.refused(c, "work/milestone.html", page, err, fieldOf)
	}
	w.flash(c, done)
	return w.redirect(c, page.milestoneHref())
}

func (w *Web) workReportProgress(c echo.Context) error {
	return w.milestoneChange(c, "progress", func() (any, error) {
		percent, err := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(c.FormValue("percent")), "%")))
		if err != nil {
			return nil, &Problem{Status: http.StatusUnprocessableEntity, Code: "invalid_percent", Detail: w.T(c, "work.milestone.percent.invalid")}
		}
		return map[string]any{"status": c.FormValue("status"), "percent": percent, "narrative": c.FormValue("narrative"),
			"evidence": evidenceLinks(c.FormValue("evidence"))}, nil
	}, map[string]string{"invalid_status": "status", "use_complete_milestone": "status", "status_regressed": "status",
		"invalid_percent": "percent", "status_percent_mismatch": "percent", "percent_decreased": "percent",
		"narrative_required": "narrative", "narrative_too_long": "narrative", "invalid_url": "evidence", "too_many_evidence_links": "evidence",
		"milestone_completed": "narrative", "commitment_closed": "narrative"}, "work.milestone.progress.done")
}

func (w *Web) workCompleteMilestone(c echo.Context) error {
	return w.milestoneChange(c, "complete", func() (any, error) {
		return map[string]any{"narrative": c.FormValue("complete_narrative"), "evidence": evidenceLinks(c.FormValue("complete_evidence"))}, nil
	}, map[string]string{"evidence_required": "complete_evidence", "invalid_url": "complete_evidence", "too_many_evidence_links": "complete_evidence",
		"narrative_too_long": "complete_narrative", "milestone_completed": "complete_narrative", "commitment_closed": "complete_narrative"},
		"work.milestone.complete.done")
}

func (w *Web) workExplainDelay(c echo.Context) error {
	return w.milestoneChange(c, "delay-explanation", func() (any, error) {
		return map[string]any{"text": c.FormValue("delay_text")}, nil
	}, map[string]string{"explanation_required": "delay_text", "text_too_long": "delay_text", "not_overdue": "delay_text",
		"milestone_completed": "delay_text", "commitment_closed": "delay_text"}, "work.milestone.delay.done")
}

func (w *Web) workRequestAmendment(c echo.Context) error {
	return w.milestoneChange(c, "amendments", func() (any, error) {
		return map[string]any{"new_due_on": strings.TrimSpace(c.FormValue("new_due_on")), "new_title": c.FormValue("new_title"),
			"reason": c.FormValue("reason")}, nil
	}, map[string]string{"invalid_date": "new_due_on", "due_date_outside_period": "new_due_on", "due_before_start": "new_due_on",
		"nothing_to_amend": "new_due_on", "amendment_pending": "new_due_on", "title_too_long": "new_title", "reason_required": "reason",
		"reason_too_long": "reason", "no_approvers": "reason", "milestone_completed": "reason", "commitment_closed": "reason"},
		"work.milestone.amend.done")
}
