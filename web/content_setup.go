package web

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/ogplocal/ogp"
	"github.com/ogplocal/ogp/server"
)

// The workspace forms of a plan's setup and of co-creation steps 1-3:
// creating a plan, its members and settings, the team, the forum with its
// members and meetings, the monitoring body (step 1), the roadmap (step 2)
// and awareness activities (step 3). Every read and every change is a call
// to the JSON API in-process; the pages only arrange forms around it.
//
// Each content page also shows what its step's gate would refuse right
// now, as the API's step check answers it (GET
// /action-plans/{id}/steps/{n}/check: the gate's own rules on the stored
// content), each rule next to the field it concerns. The gate itself
// still decides at submission.
//
// Members are added by e-mail address: the page looks the address up
// through the API (GET /users?email=, which answers anyone signed in the
// id and name of that one account) and adds that user; people never type
// account numbers.

func init() { areas = append(areas, (*Web).registerContentSetupRoutes) }

// setupTemplate holds every page of the area: they share the plan's
// header, navigation, lock notice and gate summary.
const setupTemplate = "work/content_setup_pages.html"

func (w *Web) registerContentSetupRoutes(r router) {
	u := w.requireUser
	r.GET("/work/plans/new", w.setupNewPlanPage, u)
	r.POST("/work/plans/new", w.setupCreatePlan, u)

	const p = "/work/plans/:id"
	r.GET(p+"/members", w.setupMembersPage, u)
	r.POST(p+"/members", w.setupAddMember, u)
	r.GET(p+"/members/:user_id", w.setupMemberPage, u)
	r.POST(p+"/members/:user_id", w.setupSaveMember, u)
	r.POST(p+"/members/:user_id/remove", w.setupRemoveMember, u)
	r.GET(p+"/settings", w.setupSettingsPage, u)
	r.POST(p+"/settings", w.setupSaveInterval, u)
	r.POST(p+"/settings/policy", w.setupSavePolicy, u)

	const c = p + "/content"
	r.GET(c+"/team", w.setupTeamPage, u)
	r.POST(c+"/team", w.setupPutTeam, u)
	r.GET(c+"/team/:user_id", w.setupTeamMemberPage, u)
	r.POST(c+"/team/:user_id", w.setupPutTeam, u)
	r.POST(c+"/team/:user_id/remove", w.setupRemoveTeam, u)

	r.GET(c+"/forum", w.setupForumPage, u)
	r.POST(c+"/forum", w.setupPutForum, u)
	r.POST(c+"/forum/members", w.setupSaveForumMember, u)
	r.GET(c+"/forum/members/:member_id", w.setupForumMemberPage, u)
	r.POST(c+"/forum/members/:member_id", w.setupSaveForumMember, u)
	r.POST(c+"/forum/members/:member_id/remove", w.setupRemoveForumMember, u)
	r.POST(c+"/forum/meetings", w.setupSaveMeeting, u)
	r.GET(c+"/forum/meetings/:meeting_id", w.setupMeetingPage, u)
	r.POST(c+"/forum/meetings/:meeting_id", w.setupSaveMeeting, u)
	r.POST(c+"/forum/meetings/:meeting_id/remove", w.setupRemoveMeeting, u)

	r.GET(c+"/monitoring-body", w.setupMonitoringPage, u)
	r.POST(c+"/monitoring-body", w.setupPutMonitoring, u)

	r.GET(c+"/roadmap", w.setupRoadmapPage, u)
	r.POST(c+"/roadmap", w.setupSaveRoadmap, u)

	r.GET(c+"/awareness", w.setupAwarenessPage, u)
	r.POST(c+"/awareness", w.setupSaveActivity, u)
	r.GET(c+"/awareness/:activity_id", w.setupActivityPage, u)
	r.POST(c+"/awareness/:activity_id", w.setupSaveActivity, u)
	r.POST(c+"/awareness/:activity_id/remove", w.setupRemoveActivity, u)
}

// setupEmpty is the body of a DELETE: an in-process request with no body
// at all trips the API's idempotency middleware, which reads it.
var setupEmpty = struct{}{}

// --- page data

// setupOption is a choice in a select or a set of checkboxes.
type setupOption struct {
	Value   string
	Label   string
	Checked bool
}

// setupGateItem is one rule the step's gate would refuse now.
type setupGateItem struct {
	Code    string
	Message string
	// Href is the page and field it concerns.
	Href string
	// Key is the field key (field-<Key>) and Here says it is on this page.
	Key  string
	Here bool
}

// setupNavItem is a link of the area's side navigation.
type setupNavItem struct {
	Href    string
	Label   string
	Current bool
	// Step groups the content pages under their step (0: the plan).
	Step int
}

// setupRoadmapRow is one step of the roadmap with its entry, if any.
type setupRoadmapRow struct {
	Step  int
	Key   string
	Entry *server.RoadmapEntryResponse
	// The entry's values ("" when there is none), for the form.
	StartsOn, EndsOn, Responsible, Stakeholders string
}

// setupMeeting is a forum meeting with its optional texts as plain
// strings, for the forms.
type setupMeeting struct {
	ID                                  int64
	HeldOn, Agenda, Minutes, MinutesURL string
	Attendees                           int
}

// setupActivity is an awareness activity, for the forms.
type setupActivity struct {
	ID                                            int64
	Kind, HeldOn, Audience, Description, Evidence string
	Reach                                         int
}

func setupDeref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// setupSettings is the settings form's current values, durations in days.
type setupSettings struct {
	Interval int
	// Default says the plan uses the default policy; UseDefault that the
	// visitor ticked the box to go back to it.
	Default, UseDefault bool
	Before              string
	OnDue               bool
	OverdueEvery        string
	CoordinatorAfter    int
	ForumAfter          int
	// Spread is the window, in minutes, over which reminders due at the
	// same instant are spread.
	Spread string
	// Started says the commitments run already: the policy is fixed.
	Started bool
}

// setupPage is what every page of the area receives as .Page.
type setupPage struct {
	// Kind names the page: new, members, member, settings, team,
	// team_member, forum, forum_member, meeting, monitoring, roadmap,
	// awareness, activity.
	Kind string
	Plan server.PlanDetail
	// Base is the plan's workspace path, /work/plans/{id}.
	Base string
	Nav  []setupNavItem
	// Step is the step whose content the page edits (0: none).
	Step       int
	StepStatus string
	// Editable says the step's content may change now; Lock is the
	// catalog key saying why not, LockArg its number.
	Editable bool
	Lock     string
	LockArg  int
	// Completed says the plan is completed: nothing changes any more.
	Completed bool
	Gate      []setupGateItem

	Members   []server.MemberResponse
	Team      []server.TeamMemberResponse
	Forum     *server.ForumResponse
	MB        *server.MonitoringBodyResponse
	Monitors  []server.MemberResponse
	Roadmap   []setupRoadmapRow
	Meetings  []setupMeeting
	Awareness []setupActivity

	// The item an edit page is about.
	Member      *server.MemberResponse
	TeamMember  *server.TeamMemberResponse
	ForumMember *server.ForumMemberResponse
	Meeting     *setupMeeting
	Activity    *setupActivity

	Roles        []setupOption
	Sectors      []setupOption
	ForumSectors []setupOption
	Kinds        []setupOption
	Candidates   []setupOption
	Settings     setupSettings
	Today        string
	// InviteFirst says the address typed on the members page has no
	// account yet: an administrator must invite the person first.
	InviteFirst bool
	// Existing is the member the address typed belongs to already.
	Existing int64
}

// --- shared loading

// setupPlanID is the plan of the path.
func setupPlanID(c echo.Context) (int64, error) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id < 1 {
		return 0, ogp.Errorf(ogp.ENotFound, "unknown_plan", "there is no action plan %q", c.Param("id"))
	}
	return id, nil
}

func setupParamID(c echo.Context, name string) (int64, error) {
	id, err := strconv.ParseInt(c.Param(name), 10, 64)
	if err != nil || id < 1 {
		return 0, ogp.Errorf(ogp.ENotFound, "unknown_item", "there is nothing at %q", c.Param(name))
	}
	return id, nil
}

// setupLoad reads the plan and its roster, and lets only the plan's
// coordinators (and administrators) in: these pages change the plan, and
// the API would refuse everyone else's changes anyway.
func (w *Web) setupLoad(c echo.Context, kind string, step int) (*setupPage, error) {
	id, err := setupPlanID(c)
	if err != nil {
		return nil, err
	}
	pg := &setupPage{Kind: kind, Base: fmt.Sprintf("/work/plans/%d", id), Step: step, Today: w.cfg.Now().UTC().Format(time.DateOnly)}
	if err := w.api(c, http.MethodGet, fmt.Sprintf("/action-plans/%d", id), nil, &pg.Plan); err != nil {
		return nil, err
	}
	var members struct {
		Items []server.MemberResponse `json:"items"`
	}
	if err := w.api(c, http.MethodGet, fmt.Sprintf("/action-plans/%d/members", id), nil, &members); err != nil {
		return nil, err
	}
	pg.Members = members.Items
	u := w.user(c)
	allowed := u.IsAdmin
	for _, m := range pg.Members {
		if m.UserID == u.ID && setupHas(m.Roles, string(ogp.RoleCoordinator)) {
			allowed = true
		}
	}
	if !allowed {
		return nil, ogp.Errorf(ogp.EForbidden, "not_coordinator", "%s", w.T(c, "setup.forbidden"))
	}
	pg.Completed = pg.Plan.Status == string(ogp.PlanCompleted)
	if step > 0 {
		for _, s := range pg.Plan.Steps {
			if s.Number == step {
				pg.StepStatus = s.Status
			}
		}
		switch {
		case pg.Completed:
			pg.Lock = "setup.lock.completed"
		case pg.StepStatus == string(ogp.StepInProgress) || pg.StepStatus == string(ogp.StepChangesRequested):
			pg.Editable = true
		case pg.StepStatus == string(ogp.StepAwaitingApproval):
			pg.Lock = "setup.lock.awaiting_approval"
		case pg.StepStatus == string(ogp.StepApproved):
			pg.Lock = "setup.lock.approved"
		default:
			pg.Lock, pg.LockArg = "setup.lock.not_started", step-1
		}
	}
	pg.Nav = w.setupNav(c, pg)
	return pg, nil
}

func setupHas(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func (w *Web) setupNav(c echo.Context, pg *setupPage) []setupNavItem {
	items := []setupNavItem{
		{Href: pg.Base + "/members", Label: w.T(c, "setup.nav.members")},
		{Href: pg.Base + "/settings", Label: w.T(c, "setup.nav.settings")},
		{Href: pg.Base + "/content/team", Label: w.T(c, "setup.nav.team"), Step: 1},
		{Href: pg.Base + "/content/forum", Label: w.T(c, "setup.nav.forum"), Step: 1},
		{Href: pg.Base + "/content/monitoring-body", Label: w.T(c, "setup.nav.monitoring"), Step: 1},
		{Href: pg.Base + "/content/roadmap", Label: w.T(c, "setup.nav.roadmap"), Step: 2},
		{Href: pg.Base + "/content/awareness", Label: w.T(c, "setup.nav.awareness"), Step: 3},
	}
	path := c.Request().URL.Path
	for i := range items {
		items[i].Current = path == items[i].Href || strings.HasPrefix(path, items[i].Href+"/")
	}
	return items
}

// apiPath is the plan's API path plus rest.
func (pg *setupPage) apiPath(rest string) string {
	return fmt.Sprintf("/action-plans/%d%s", pg.Plan.ID, rest)
}

// isNotFound tells a 404 answer (an absent forum or monitoring body).
func isNotFound(err error) bool {
	var p *Problem
	return errors.As(err, &p) && p.Status == http.StatusNotFound
}

func (w *Web) setupLoadTeam(c echo.Context, pg *setupPage) error {
	var out struct {
		Items []server.TeamMemberResponse `json:"items"`
	}
	if err := w.api(c, http.MethodGet, pg.apiPath("/team"), nil, &out); err != nil {
		return err
	}
	pg.Team = out.Items
	return nil
}

func (w *Web) setupLoadForum(c echo.Context, pg *setupPage) error {
	var f server.ForumResponse
	err := w.api(c, http.MethodGet, pg.apiPath("/forum"), nil, &f)
	if isNotFound(err) {
		return nil
	}
	if err != nil {
		return err
	}
	pg.Forum = &f
	for _, m := range f.Meetings {
		pg.Meetings = append(pg.Meetings, setupMeeting{ID: m.ID, HeldOn: m.HeldOn, Agenda: m.Agenda, Minutes: setupDeref(m.Minutes),
			MinutesURL: setupDeref(m.MinutesURL), Attendees: m.Attendees})
	}
	return nil
}

func (w *Web) setupLoadMonitoring(c echo.Context, pg *setupPage) error {
	for _, m := range pg.Members {
		if setupHas(m.Roles, string(ogp.RoleMonitoringBody)) {
			pg.Monitors = append(pg.Monitors, m)
		}
	}
	var b server.MonitoringBodyResponse
	err := w.api(c, http.MethodGet, pg.apiPath("/monitoring-body"), nil, &b)
	if isNotFound(err) {
		return nil
	}
	if err != nil {
		return err
	}
	pg.MB = &b
	return nil
}

func (w *Web) setupLoadRoadmap(c echo.Context, pg *setupPage) error {
	var out server.RoadmapResponse
	if err := w.api(c, http.MethodGet, pg.apiPath("/roadmap"), nil, &out); err != nil {
		return err
	}
	pg.Roadmap = pg.Roadmap[:0]
	for n := ogp.RoadmapFirstStep; n <= ogp.RoadmapLastStep; n++ {
		def, _ := ogp.StepByNumber(n)
		row := setupRoadmapRow{Step: n, Key: string(def.Key)}
		for i := range out.Items {
			if e := &out.Items[i]; e.Step == n {
				row.Entry = e
				row.StartsOn, row.EndsOn, row.Responsible, row.Stakeholders = e.StartsOn, e.EndsOn, e.Responsible, e.Stakeholders
			}
		}
		pg.Roadmap = append(pg.Roadmap, row)
	}
	return nil
}

func (w *Web) setupLoadAwareness(c echo.Context, pg *setupPage) error {
	var out struct {
		Items []server.AwarenessActivityResponse `json:"items"`
	}
	if err := w.api(c, http.MethodGet, pg.apiPath("/awareness"), nil, &out); err != nil {
		return err
	}
	for _, a := range out.Items {
		pg.Awareness = append(pg.Awareness, setupActivity{ID: a.ID, Kind: a.Kind, HeldOn: a.HeldOn, Audience: a.Audience,
			Description: a.Description, Evidence: setupDeref(a.EvidenceURL), Reach: a.Reach})
	}
	return nil
}

// setupLoadStep reads the content of the page's step and, while the
// step can change, what its gate would refuse now (the API's step check).
func (w *Web) setupLoadStep(c echo.Context, pg *setupPage) error {
	var loads []func(echo.Context, *setupPage) error
	switch pg.Step {
	case 1:
		loads = []func(echo.Context, *setupPage) error{w.setupLoadTeam, w.setupLoadForum, w.setupLoadMonitoring}
	case 2:
		loads = []func(echo.Context, *setupPage) error{w.setupLoadRoadmap}
	case 3:
		loads = []func(echo.Context, *setupPage) error{w.setupLoadAwareness}
	default:
		return nil
	}
	for _, load := range loads {
		if err := load(c, pg); err != nil {
			return err
		}
	}
	if !pg.Editable {
		return nil
	}
	var check server.StepCheckResponse
	if err := w.api(c, http.MethodGet, pg.apiPath(fmt.Sprintf("/steps/%d/check", pg.Step)), nil, &check); err != nil {
		return err
	}
	here := strings.TrimPrefix(c.Request().URL.Path, pg.Base+"/")
	for _, v := range check.Violations {
		page, key := setupViolationTarget(pg.Step, v)
		// A person named by a rule (user:N) is also a row of the team
		// page, where the message is shown next to them too.
		onTeamPage := here == "content/team" && strings.HasPrefix(v.Item, "user:") && key == v.Item
		pg.Gate = append(pg.Gate, setupGateItem{Code: v.Code, Message: w.setupGateMessage(c, pg, v), Key: key,
			Href: pg.Base + "/" + page + "#field-" + key, Here: page == here || onTeamPage})
	}
	return nil
}

// setupViolationTarget maps a gate violation of steps 1-3 to the page
// (under /work/plans/{id}/) and the field key (id field-<key>) where it
// is fixed. Violations that name an item land on it (roadmap_step:N,
// user:N); the others on the section they concern.
func setupViolationTarget(step int, v ogp.Violation) (page, key string) {
	switch step {
	case 1:
		switch v.Code {
		case "forum_missing":
			return "content/forum", "forum"
		case "forum_needs_government_member", "forum_needs_non_government_member":
			return "content/forum", "forum_members"
		case "monitoring_body_missing":
			return "content/monitoring-body", "monitoring_body"
		case "monitoring_body_needs_independence_statement":
			return "content/monitoring-body", "independence_statement"
		case "monitoring_body_needs_member":
			return "content/monitoring-body", "monitoring_body_members"
		case "monitoring_body_not_independent":
			if v.Item != "" {
				return "content/monitoring-body", v.Item
			}
			return "content/monitoring-body", "monitoring_body_members"
		}
		if v.Item != "" {
			return "content/team", v.Item
		}
		return "content/team", "team"
	case 2:
		if v.Item != "" {
			return "content/roadmap", v.Item
		}
		return "content/roadmap", "roadmap"
	case 3:
		if v.Item != "" {
			return "content/awareness", v.Item
		}
		return "content/awareness", "awareness"
	}
	return "", ""
}

// contentSetupViolationHref is where a gate violation of step 1, 2 or 3
// is fixed in the workspace: the page and the field's anchor. The step
// submission page links each refused rule here. ok is false for other
// steps.
func contentSetupViolationHref(planID int64, step int, v ogp.Violation) (href string, ok bool) {
	page, key := setupViolationTarget(step, v)
	if page == "" {
		return "", false
	}
	return fmt.Sprintf("/work/plans/%d/%s#field-%s", planID, page, key), true
}

// setupGateMessage says a violation in the visitor's language.
func (w *Web) setupGateMessage(c echo.Context, pg *setupPage, v ogp.Violation) string {
	l := lang(c)
	key := "setup.gate." + v.Code
	switch {
	case strings.HasPrefix(v.Item, "roadmap_step:") && w.catalog.has(l, key):
		n, _ := strconv.Atoi(strings.TrimPrefix(v.Item, "roadmap_step:"))
		return w.catalog.text(l, key, n)
	case v.Code == "monitoring_body_not_independent" && w.catalog.has(l, key):
		name := v.Item
		for _, m := range pg.Members {
			if ogp.TeamItem(m.UserID) == v.Item {
				name = m.Name
			}
		}
		return w.catalog.text(l, key, name)
	case w.catalog.has(l, key):
		return w.catalog.text(l, key)
	case w.catalog.has(l, "violation."+v.Code):
		return w.catalog.text(l, "violation."+v.Code)
	}
	return v.Message
}

// --- rendering

// setupRender shows a page of the area. After a refused form (err is the
// API's *Problem) what the visitor typed stays, and each refusal is put
// next to its field: fieldOf maps a refusal's code to the field. The
// step's gate messages are next to their fields too.
func (w *Web) setupRender(c echo.Context, status int, pg *setupPage, err error, fieldOf map[string]string) error {
	v := w.view(c, pg)
	v.Errors = map[string]string{}
	for _, g := range pg.Gate {
		if !g.Here {
			continue
		}
		if prev, ok := v.Errors[g.Key]; ok {
			v.Errors[g.Key] = prev + " " + g.Message
		} else {
			v.Errors[g.Key] = g.Message
		}
	}
	if err != nil {
		var p *Problem
		if !errors.As(err, &p) {
			return err
		}
		form, _ := c.FormParams()
		v.Form, v.Problem = form, p
		for k, m := range p.fieldErrors(w.setupText(v.Lang)) {
			v.Errors[k] = m
		}
		if f, ok := fieldOf[p.Code]; ok {
			v.Errors[f] = v.Errors["_"]
			if len(p.Violations) == 0 {
				// The error summary links to the field it concerns.
				shown := *p
				shown.Violations = []ogp.Violation{{Code: p.Code, Message: v.Errors["_"], Item: f}}
				v.Problem = &shown
			}
		}
		status = p.Status
		if status < 400 || status >= 500 {
			status = http.StatusUnprocessableEntity
		}
	}
	return w.renderView(c, status, setupTemplate, v)
}

// setupText words an API refusal: the area's own message for the code,
// the shared one, or the API's.
func (w *Web) setupText(l string) func(code, msg string) string {
	return func(code, msg string) string {
		for _, k := range []string{"setup.error." + code, "error.code." + code, "violation." + code} {
			if w.catalog.has(l, k) {
				return w.catalog.text(l, k)
			}
		}
		return msg
	}
}

// setupDone ends a successful form: a message for the next page and a 303.
func (w *Web) setupDone(c echo.Context, key, to string) error {
	w.flash(c, key)
	return w.redirect(c, to)
}

func (w *Web) setupOptions(c echo.Context, prefix string, values ...string) []setupOption {
	out := make([]setupOption, 0, len(values))
	for _, v := range values {
		out = append(out, setupOption{Value: v, Label: w.T(c, prefix+v)})
	}
	return out
}

// setupRoleOptions are the role checkboxes, checked from what the
// visitor sent (when a form is shown again) or from current.
func (w *Web) setupRoleOptions(c echo.Context, current []string) []setupOption {
	checked := current
	if _, sent := c.Request().PostForm["sector"]; sent {
		checked = c.Request().PostForm["roles"]
	}
	out := w.setupOptions(c, "role.", string(ogp.RoleCoordinator), string(ogp.RoleApprover), string(ogp.RoleMonitoringBody), string(ogp.RoleContributor))
	for i := range out {
		out[i].Checked = setupHas(checked, out[i].Value)
	}
	return out
}

func (w *Web) setupSectorOptions(c echo.Context) []setupOption {
	return w.setupOptions(c, "sector.", string(ogp.SectorGovernment), string(ogp.SectorCivilSociety), string(ogp.SectorOther))
}

func setupInt(s string) int {
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil {
		return -1
	}
	return n
}

// --- a new plan

func (w *Web) setupNewPlanForm(c echo.Context) *setupPage {
	return &setupPage{Kind: "new", Sectors: w.setupSectorOptions(c), Settings: setupSettings{Interval: ogp.DefaultReminderIntervalDays}}
}

func (w *Web) setupNewPlanPage(c echo.Context) error {
	return w.setupRender(c, http.StatusOK, w.setupNewPlanForm(c), nil, nil)
}

func (w *Web) setupCreatePlan(c echo.Context) error {
	body := map[string]any{
		"title": c.FormValue("title"), "member": c.FormValue("member"),
		"starts_on": c.FormValue("starts_on"), "ends_on": c.FormValue("ends_on"), "sector": c.FormValue("sector"),
	}
	if s := strings.TrimSpace(c.FormValue("reminder_interval_days")); s != "" {
		body["reminder_interval_days"] = setupInt(s)
	}
	var out server.PlanSummary
	err := w.api(c, http.MethodPost, "/action-plans", body, &out)
	if err != nil {
		fields := map[string]string{"title_required": "title", "title_too_long": "title", "member_required": "member", "member_too_long": "member",
			"invalid_period": "ends_on", "invalid_reminder_interval": "reminder_interval_days", "invalid_sector": "sector", "invalid_date": "starts_on"}
		var p *Problem
		if errors.As(err, &p) && p.Code == "invalid_date" && strings.HasPrefix(p.Detail, "ends_on") {
			fields["invalid_date"] = "ends_on"
		}
		return w.setupRender(c, 0, w.setupNewPlanForm(c), err, fields)
	}
	return w.setupDone(c, "setup.plan.created", fmt.Sprintf("/work/plans/%d", out.ID))
}

// --- members

func (w *Web) setupMembersPage(c echo.Context) error { return w.setupShowMembers(c, nil, nil) }

// setupShowMembers shows the members page; note (when not nil) adds what
// the add form found out to the page.
func (w *Web) setupShowMembers(c echo.Context, err error, note func(*setupPage)) error {
	pg, lerr := w.setupLoad(c, "members", 0)
	if lerr != nil {
		return lerr
	}
	pg.Roles, pg.Sectors = w.setupRoleOptions(c, []string{string(ogp.RoleContributor)}), w.setupSectorOptions(c)
	if note != nil {
		note(pg)
	}
	return w.setupRender(c, http.StatusOK, pg, err, map[string]string{"email_required": "email", "invalid_email": "email", "unknown_email": "email",
		"already_member": "email", "rate_limited": "email", "unknown_user": "email", "roles_required": "roles", "invalid_role": "roles",
		"invalid_sector": "sector", "last_coordinator": "roles"})
}

func (w *Web) setupMemberBody(c echo.Context) map[string]any {
	roles := c.Request().PostForm["roles"]
	if roles == nil {
		roles = []string{}
	}
	return map[string]any{"roles": roles, "sector": c.FormValue("sector")}
}

// setupAddMember adds the person with the address typed: the API looks
// the address up (anyone signed in may look up one address, and learns
// only that account's id and name), then the roster changes as usual.
func (w *Web) setupAddMember(c echo.Context) error {
	id, err := setupPlanID(c)
	if err != nil {
		return err
	}
	email := strings.TrimSpace(c.FormValue("email"))
	if email == "" {
		return w.setupShowMembers(c, &Problem{Status: http.StatusUnprocessableEntity, Code: "email_required", Detail: w.T(c, "setup.error.email_required")}, nil)
	}
	var found server.Page[server.UserListItem]
	if err := w.api(c, http.MethodGet, "/users?email="+url.QueryEscape(email), nil, &found); err != nil {
		return w.setupShowMembers(c, err, nil)
	}
	if len(found.Items) == 0 {
		return w.setupShowMembers(c, &Problem{Status: http.StatusUnprocessableEntity, Code: "unknown_email", Detail: w.T(c, "setup.error.unknown_email")},
			func(pg *setupPage) { pg.InviteFirst = true })
	}
	person := found.Items[0]
	var roster struct {
		Items []server.MemberResponse `json:"items"`
	}
	if err := w.api(c, http.MethodGet, fmt.Sprintf("/action-plans/%d/members", id), nil, &roster); err != nil {
		return err
	}
	for _, m := range roster.Items {
		if m.UserID == person.ID {
			// Adding would silently change their roles: send them to
			// their own page instead.
			return w.setupShowMembers(c, &Problem{Status: http.StatusConflict, Code: "already_member", Detail: w.T(c, "setup.members.already_member", person.Name)},
				func(pg *setupPage) { pg.Existing = person.ID })
		}
	}
	if err := w.api(c, http.MethodPut, fmt.Sprintf("/action-plans/%d/members/%d", id, person.ID), w.setupMemberBody(c), nil); err != nil {
		return w.setupShowMembers(c, err, nil)
	}
	w.flash(c, "setup.members.added")
	return w.redirect(c, fmt.Sprintf("/work/plans/%d/members#field-user:%d", id, person.ID))
}

func (w *Web) setupMemberPage(c echo.Context) error { return w.setupShowMember(c, nil) }

func (w *Web) setupShowMember(c echo.Context, err error) error {
	pg, lerr := w.setupLoad(c, "member", 0)
	if lerr != nil {
		return lerr
	}
	uid, lerr := setupParamID(c, "user_id")
	if lerr != nil {
		return lerr
	}
	for i := range pg.Members {
		if pg.Members[i].UserID == uid {
			pg.Member = &pg.Members[i]
		}
	}
	if pg.Member == nil {
		return ogp.Errorf(ogp.ENotFound, "unknown_member", "user %d is not a member of this plan", uid)
	}
	pg.Roles, pg.Sectors = w.setupRoleOptions(c, pg.Member.Roles), w.setupSectorOptions(c)
	return w.setupRender(c, http.StatusOK, pg, err, map[string]string{"roles_required": "roles", "invalid_role": "roles",
		"invalid_sector": "sector", "last_coordinator": "roles"})
}

func (w *Web) setupSaveMember(c echo.Context) error {
	id, err := setupPlanID(c)
	if err != nil {
		return err
	}
	uid, err := setupParamID(c, "user_id")
	if err != nil {
		return err
	}
	if err := w.api(c, http.MethodPut, fmt.Sprintf("/action-plans/%d/members/%d", id, uid), w.setupMemberBody(c), nil); err != nil {
		return w.setupShowMember(c, err)
	}
	return w.setupDone(c, "setup.members.saved", fmt.Sprintf("/work/plans/%d/members", id))
}

func (w *Web) setupRemoveMember(c echo.Context) error {
	id, err := setupPlanID(c)
	if err != nil {
		return err
	}
	uid, err := setupParamID(c, "user_id")
	if err != nil {
		return err
	}
	if err := w.api(c, http.MethodDelete, fmt.Sprintf("/action-plans/%d/members/%d", id, uid), setupEmpty, nil); err != nil {
		return w.setupShowMember(c, err)
	}
	return w.setupDone(c, "setup.members.removed", fmt.Sprintf("/work/plans/%d/members", id))
}

// --- settings

// setupDays shows a duration in days when it is whole days, else in Go
// syntax (a rehearsal may use seconds).
func setupDays(s string) string {
	d, err := time.ParseDuration(s)
	if err != nil {
		return s
	}
	if d%(24*time.Hour) == 0 {
		return strconv.FormatInt(int64(d/(24*time.Hour)), 10)
	}
	return d.String()
}

// setupDuration reads a number of days (decimals allowed), or a Go
// duration as is; anything else goes to the API as typed, which names it.
func setupDuration(s string) string {
	s = strings.TrimSpace(s)
	if f, err := strconv.ParseFloat(s, 64); err == nil {
		return time.Duration(f * float64(24*time.Hour)).Round(time.Second).String()
	}
	return s
}

// setupEmptyPolicy tells a policy with no reminder at all, which means
// the default (it is what going back to the default stores).
func setupEmptyPolicy(p server.ReminderPolicyBody) bool {
	d, _ := time.ParseDuration(p.OverdueEvery)
	return len(p.Before) == 0 && !p.OnDue && d == 0 && p.CoordinatorAfter == 0 && p.ForumAfter == 0
}

func (w *Web) setupSettingsPage(c echo.Context) error { return w.setupShowSettings(c, nil) }

func (w *Web) setupShowSettings(c echo.Context, err error) error {
	pg, lerr := w.setupLoad(c, "settings", 0)
	if lerr != nil {
		return lerr
	}
	s := setupSettings{Interval: pg.Plan.ReminderIntervalDays, Started: pg.Plan.CurrentStep > 8 || pg.Completed}
	policy := pg.Plan.ReminderPolicy
	if policy == nil || setupEmptyPolicy(*policy) {
		s.Default = true
		def := server.ReminderPolicyBody{OnDue: true, OverdueEvery: "168h", CoordinatorAfter: 2, ForumAfter: 4, Before: []string{"336h", "72h"}}
		policy = &def
	}
	before := make([]string, 0, len(policy.Before))
	for _, b := range policy.Before {
		before = append(before, setupDays(b))
	}
	s.Before, s.OnDue, s.OverdueEvery = strings.Join(before, ", "), policy.OnDue, setupDays(policy.OverdueEvery)
	s.CoordinatorAfter, s.ForumAfter = policy.CoordinatorAfter, policy.ForumAfter
	s.Spread = "5"
	if policy.Spread != nil {
		if d, err := time.ParseDuration(*policy.Spread); err == nil {
			s.Spread = strconv.FormatFloat(d.Minutes(), 'f', -1, 64)
		}
	}
	if _, sent := c.Request().PostForm["before"]; sent {
		// The policy form is shown again: its boxes as they were ticked.
		s.UseDefault, s.OnDue = c.FormValue("use_default") != "", c.FormValue("on_due") != ""
	}
	pg.Settings = s
	return w.setupRender(c, http.StatusOK, pg, err, map[string]string{"invalid_reminder_interval": "reminder_interval_days",
		"invalid_duration": "before", "invalid_reminder_policy": "before", "invalid_spread": "spread_minutes", "implementation_started": "before"})
}

func (w *Web) setupSaveInterval(c echo.Context) error {
	id, err := setupPlanID(c)
	if err != nil {
		return err
	}
	body := map[string]any{"reminder_interval_days": setupInt(c.FormValue("reminder_interval_days"))}
	if err := w.api(c, http.MethodPut, fmt.Sprintf("/action-plans/%d/settings", id), body, nil); err != nil {
		return w.setupShowSettings(c, err)
	}
	return w.setupDone(c, "setup.settings.saved", fmt.Sprintf("/work/plans/%d/settings", id))
}

func (w *Web) setupSavePolicy(c echo.Context) error {
	id, err := setupPlanID(c)
	if err != nil {
		return err
	}
	policy := server.ReminderPolicyBody{Before: []string{}}
	if c.FormValue("use_default") == "" {
		for _, f := range strings.FieldsFunc(c.FormValue("before"), func(r rune) bool { return r == ',' || r == ';' || r == ' ' }) {
			policy.Before = append(policy.Before, setupDuration(f))
		}
		policy.OnDue = c.FormValue("on_due") != ""
		policy.OverdueEvery = setupDuration(c.FormValue("overdue_every"))
		if policy.OverdueEvery == "" {
			policy.OverdueEvery = "0s"
		}
		policy.CoordinatorAfter, policy.ForumAfter = setupInt(c.FormValue("coordinator_after")), setupInt(c.FormValue("forum_after"))
		if m := strings.TrimSpace(c.FormValue("spread_minutes")); m != "" {
			spread := m + "m"
			policy.Spread = &spread
		}
	}
	if err := w.api(c, http.MethodPut, fmt.Sprintf("/action-plans/%d/settings", id), map[string]any{"reminder_policy": policy}, nil); err != nil {
		return w.setupShowSettings(c, err)
	}
	return w.setupDone(c, "setup.settings.saved", fmt.Sprintf("/work/plans/%d/settings", id))
}

// --- step 1: the team

func (w *Web) setupTeamPage(c echo.Context) error { return w.setupShowTeam(c, "team", nil) }

func (w *Web) setupTeamMemberPage(c echo.Context) error {
	return w.setupShowTeam(c, "team_member", nil)
}

var setupTeamFields = map[string]string{"title_required": "title", "title_too_long": "title", "organisation_required": "organisation",
	"organisation_too_long": "organisation", "unknown_member": "user_id", "unknown_user": "user_id"}

func (w *Web) setupShowTeam(c echo.Context, kind string, err error) error {
	pg, lerr := w.setupLoad(c, kind, 1)
	if lerr != nil {
		return lerr
	}
	if lerr := w.setupLoadStep(c, pg); lerr != nil {
		return lerr
	}
	if kind == "team_member" {
		uid, lerr := setupParamID(c, "user_id")
		if lerr != nil {
			return lerr
		}
		for i := range pg.Team {
			if pg.Team[i].UserID == uid {
				pg.TeamMember = &pg.Team[i]
			}
		}
		if pg.TeamMember == nil {
			return ogp.Errorf(ogp.ENotFound, "unknown_team_member", "user %d is not on the team", uid)
		}
	}
	onTeam := map[int64]bool{}
	for _, t := range pg.Team {
		onTeam[t.UserID] = true
	}
	for _, m := range pg.Members {
		if !onTeam[m.UserID] {
			pg.Candidates = append(pg.Candidates, setupOption{Value: strconv.FormatInt(m.UserID, 10),
				Label: m.Name + " (" + w.T(c, "sector."+m.Sector) + ")"})
		}
	}
	return w.setupRender(c, http.StatusOK, pg, err, setupTeamFields)
}

func (w *Web) setupPutTeam(c echo.Context) error {
	id, err := setupPlanID(c)
	if err != nil {
		return err
	}
	kind, uidText := "team_member", c.Param("user_id")
	if uidText == "" {
		kind, uidText = "team", c.FormValue("user_id")
	}
	uid := setupInt(uidText)
	if uid < 1 {
		return w.setupShowTeam(c, kind, &Problem{Status: http.StatusUnprocessableEntity, Code: "unknown_member", Detail: w.T(c, "setup.error.unknown_member")})
	}
	body := map[string]string{"title": c.FormValue("title"), "organisation": c.FormValue("organisation")}
	if err := w.api(c, http.MethodPut, fmt.Sprintf("/action-plans/%d/team/%d", id, uid), body, nil); err != nil {
		return w.setupShowTeam(c, kind, err)
	}
	return w.setupDone(c, "setup.team.saved", fmt.Sprintf("/work/plans/%d/content/team", id))
}

func (w *Web) setupRemoveTeam(c echo.Context) error {
	id, err := setupPlanID(c)
	if err != nil {
		return err
	}
	uid, err := setupParamID(c, "user_id")
	if err != nil {
		return err
	}
	if err := w.api(c, http.MethodDelete, fmt.Sprintf("/action-plans/%d/team/%d", id, uid), setupEmpty, nil); err != nil {
		return w.setupShowTeam(c, "team_member", err)
	}
	return w.setupDone(c, "setup.team.removed", fmt.Sprintf("/work/plans/%d/content/team", id))
}

// --- step 1: the forum, its members and meetings

func (w *Web) setupForumPage(c echo.Context) error { return w.setupShowForum(c, "forum", nil, nil) }

func (w *Web) setupForumMemberPage(c echo.Context) error {
	return w.setupShowForum(c, "forum_member", nil, nil)
}

func (w *Web) setupMeetingPage(c echo.Context) error { return w.setupShowForum(c, "meeting", nil, nil) }

var (
	setupForumFields = map[string]string{"name_required": "name", "name_too_long": "name", "purpose_too_long": "purpose",
		"meeting_cadence_too_long": "meeting_cadence"}
	setupForumMemberFields = map[string]string{"name_required": "member_name", "name_too_long": "member_name",
		"organisation_too_long": "member_organisation", "invalid_forum_sector": "member_sector", "no_forum": "member_name"}
	setupMeetingFields = map[string]string{"invalid_date": "held_on", "date_in_future": "held_on", "date_outside_period": "held_on",
		"agenda_required": "agenda", "agenda_too_long": "agenda", "minutes_required": "minutes", "minutes_too_long": "minutes",
		"invalid_url": "minutes_url", "invalid_attendees": "attendees", "no_forum": "agenda"}
)

func (w *Web) setupShowForum(c echo.Context, kind string, err error, fields map[string]string) error {
	pg, lerr := w.setupLoad(c, kind, 1)
	if lerr != nil {
		return lerr
	}
	if lerr := w.setupLoadStep(c, pg); lerr != nil {
		return lerr
	}
	pg.ForumSectors = w.setupOptions(c, "forum.sector.", string(ogp.ForumGovernment), string(ogp.ForumNonGovernment))
	switch kind {
	case "forum_member":
		mid, lerr := setupParamID(c, "member_id")
		if lerr != nil {
			return lerr
		}
		if pg.Forum != nil {
			for i := range pg.Forum.Members {
				if pg.Forum.Members[i].ID == mid {
					pg.ForumMember = &pg.Forum.Members[i]
				}
			}
		}
		if pg.ForumMember == nil {
			return ogp.Errorf(ogp.ENotFound, "unknown_forum_member", "there is no forum member %d in this plan", mid)
		}
	case "meeting":
		mid, lerr := setupParamID(c, "meeting_id")
		if lerr != nil {
			return lerr
		}
		for i := range pg.Meetings {
			if pg.Meetings[i].ID == mid {
				pg.Meeting = &pg.Meetings[i]
			}
		}
		if pg.Meeting == nil {
			return ogp.Errorf(ogp.ENotFound, "unknown_forum_meeting", "there is no forum meeting %d in this plan", mid)
		}
	}
	return w.setupRender(c, http.StatusOK, pg, err, fields)
}

func (w *Web) setupPutForum(c echo.Context) error {
	id, err := setupPlanID(c)
	if err != nil {
		return err
	}
	body := map[string]any{"name": c.FormValue("name"), "is_new": c.FormValue("is_new") != "", "purpose": c.FormValue("purpose"),
		"meeting_cadence": c.FormValue("meeting_cadence")}
	if err := w.api(c, http.MethodPut, fmt.Sprintf("/action-plans/%d/forum", id), body, nil); err != nil {
		return w.setupShowForum(c, "forum", err, setupForumFields)
	}
	return w.setupDone(c, "setup.forum.saved", fmt.Sprintf("/work/plans/%d/content/forum", id))
}

func (w *Web) setupSaveForumMember(c echo.Context) error {
	id, err := setupPlanID(c)
	if err != nil {
		return err
	}
	body := map[string]string{"name": c.FormValue("member_name"), "organisation": c.FormValue("member_organisation"), "sector": c.FormValue("member_sector")}
	method, path, kind := http.MethodPost, fmt.Sprintf("/action-plans/%d/forum/members", id), "forum"
	if c.Param("member_id") != "" {
		mid, err := setupParamID(c, "member_id")
		if err != nil {
			return err
		}
		method, path, kind = http.MethodPut, fmt.Sprintf("%s/%d", path, mid), "forum_member"
	}
	if err := w.api(c, method, path, body, nil); err != nil {
		return w.setupShowForum(c, kind, err, setupForumMemberFields)
	}
	return w.setupDone(c, "setup.forum.member_saved", fmt.Sprintf("/work/plans/%d/content/forum#forum-members", id))
}

func (w *Web) setupRemoveForumMember(c echo.Context) error {
	id, err := setupPlanID(c)
	if err != nil {
		return err
	}
	mid, err := setupParamID(c, "member_id")
	if err != nil {
		return err
	}
	if err := w.api(c, http.MethodDelete, fmt.Sprintf("/action-plans/%d/forum/members/%d", id, mid), setupEmpty, nil); err != nil {
		return w.setupShowForum(c, "forum_member", err, nil)
	}
	return w.setupDone(c, "setup.forum.member_removed", fmt.Sprintf("/work/plans/%d/content/forum#forum-members", id))
}

func (w *Web) setupSaveMeeting(c echo.Context) error {
	id, err := setupPlanID(c)
	if err != nil {
		return err
	}
	attendees := setupInt(c.FormValue("attendees"))
	body := map[string]any{"held_on": c.FormValue("held_on"), "agenda": c.FormValue("agenda"), "minutes": c.FormValue("minutes"),
		"minutes_url": c.FormValue("minutes_url"), "attendees": attendees}
	method, path, kind := http.MethodPost, fmt.Sprintf("/action-plans/%d/forum/meetings", id), "forum"
	if c.Param("meeting_id") != "" {
		mid, err := setupParamID(c, "meeting_id")
		if err != nil {
			return err
		}
		method, path, kind = http.MethodPut, fmt.Sprintf("%s/%d", path, mid), "meeting"
	}
	if err := w.api(c, method, path, body, nil); err != nil {
		return w.setupShowForum(c, kind, err, setupMeetingFields)
	}
	return w.setupDone(c, "setup.forum.meeting_saved", fmt.Sprintf("/work/plans/%d/content/forum#forum-meetings", id))
}

func (w *Web) setupRemoveMeeting(c echo.Context) error {
	id, err := setupPlanID(c)
	if err != nil {
		return err
	}
	mid, err := setupParamID(c, "meeting_id")
	if err != nil {
		return err
	}
	if err := w.api(c, http.MethodDelete, fmt.Sprintf("/action-plans/%d/forum/meetings/%d", id, mid), setupEmpty, nil); err != nil {
		return w.setupShowForum(c, "meeting", err, nil)
	}
	return w.setupDone(c, "setup.forum.meeting_removed", fmt.Sprintf("/work/plans/%d/content/forum#forum-meetings", id))
}

// --- step 1: the monitoring body

func (w *Web) setupMonitoringPage(c echo.Context) error { return w.setupShowMonitoring(c, nil) }

func (w *Web) setupShowMonitoring(c echo.Context, err error) error {
	pg, lerr := w.setupLoad(c, "monitoring", 1)
	if lerr != nil {
		return lerr
	}
	if lerr := w.setupLoadStep(c, pg); lerr != nil {
		return lerr
	}
	pg.Kinds = w.setupOptions(c, "monitoring_body.kind.", string(ogp.MonitoringOrganisation), string(ogp.MonitoringGroup), string(ogp.MonitoringPerson))
	return w.setupRender(c, http.StatusOK, pg, err, map[string]string{"name_required": "name", "name_too_long": "name",
		"invalid_monitoring_body_kind": "kind", "independence_statement_too_long": "independence_statement"})
}

func (w *Web) setupPutMonitoring(c echo.Context) error {
	id, err := setupPlanID(c)
	if err != nil {
		return err
	}
	body := map[string]string{"name": c.FormValue("name"), "kind": c.FormValue("kind"), "independence_statement": c.FormValue("independence_statement")}
	if err := w.api(c, http.MethodPut, fmt.Sprintf("/action-plans/%d/monitoring-body", id), body, nil); err != nil {
		return w.setupShowMonitoring(c, err)
	}
	return w.setupDone(c, "setup.monitoring.saved", fmt.Sprintf("/work/plans/%d/content/monitoring-body", id))
}

// --- step 2: the roadmap

func (w *Web) setupRoadmapPage(c echo.Context) error { return w.setupShowRoadmap(c, nil) }

func (w *Web) setupShowRoadmap(c echo.Context, err error) error {
	pg, lerr := w.setupLoad(c, "roadmap", 2)
	if lerr != nil {
		return lerr
	}
	if lerr := w.setupLoadStep(c, pg); lerr != nil {
		return lerr
	}
	return w.setupRender(c, http.StatusOK, pg, err, nil)
}

// setupSaveRoadmap saves the roadmap's rows in one form: each row that
// changed is one PUT (a row emptied is a DELETE), with its own
// Idempotency-Key derived from the form's. Rows the API refuses are
// listed and shown next to their row; the others are saved.
func (w *Web) setupSaveRoadmap(c echo.Context) error {
	pg, err := w.setupLoad(c, "roadmap", 2)
	if err != nil {
		return err
	}
	if err := w.setupLoadRoadmap(c, pg); err != nil {
		return err
	}
	form := c.Request().PostForm
	idem := form.Get("idem")
	defer form.Set("idem", idem)
	var refused []ogp.Violation
	status := http.StatusUnprocessableEntity
	changed := 0
	text := w.setupText(lang(c))
	for _, row := range pg.Roadmap {
		n := row.Step
		entry := map[string]string{}
		blank := true
		for _, f := range []string{"starts_on", "ends_on", "responsible", "stakeholders"} {
			entry[f] = strings.TrimSpace(form.Get(fmt.Sprintf("%s_%d", f, n)))
			blank = blank && entry[f] == ""
		}
		method := http.MethodPut
		switch e := row.Entry; {
		case blank && e == nil:
			continue
		case blank:
			method = http.MethodDelete
		case e != nil && e.StartsOn == entry["starts_on"] && e.EndsOn == entry["ends_on"] && e.Responsible == entry["responsible"] && e.Stakeholders == entry["stakeholders"]:
			continue
		}
		if idem != "" {
			form.Set("idem", fmt.Sprintf("%s-%d", idem, n))
		}
		var body any = setupEmpty
		if method == http.MethodPut {
			body = entry
		}
		err := w.api(c, method, pg.apiPath(fmt.Sprintf("/roadmap/%d", n)), body, nil)
		var p *Problem
		switch {
		case err == nil:
			changed++
		case errors.As(err, &p) && (p.Status == http.StatusConflict || p.Status == http.StatusForbidden):
			// The step is locked or the visitor may not: no row will pass.
			return w.setupShowRoadmap(c, err)
		case errors.As(err, &p):
			// A code of the area's own, so the error summary shows this
			// message, which names the step, rather than the shared one.
			refused = append(refused, ogp.Violation{Code: "roadmap_row_refused", Item: ogp.RoadmapItem(n),
				Message: w.T(c, "setup.roadmap.row_refused", n, text(p.Code, p.Detail))})
			status = p.Status
		default:
			return err
		}
	}
	if len(refused) > 0 {
		form.Set("idem", idem)
		return w.setupShowRoadmap(c, &Problem{Status: status, Code: "roadmap_rows_refused", Detail: w.T(c, "setup.roadmap.refused"), Violations: refused})
	}
	if changed == 0 {
		return w.setupDone(c, "setup.roadmap.unchanged", fmt.Sprintf("/work/plans/%d/content/roadmap", pg.Plan.ID))
	}
	return w.setupDone(c, "setup.roadmap.saved", fmt.Sprintf("/work/plans/%d/content/roadmap", pg.Plan.ID))
}

// --- step 3: awareness

func (w *Web) setupAwarenessPage(c echo.Context) error {
	return w.setupShowAwareness(c, "awareness", nil)
}

func (w *Web) setupActivityPage(c echo.Context) error {
	return w.setupShowAwareness(c, "activity", nil)
}

func (w *Web) setupShowAwareness(c echo.Context, kind string, err error) error {
	pg, lerr := w.setupLoad(c, kind, 3)
	if lerr != nil {
		return lerr
	}
	if lerr := w.setupLoadStep(c, pg); lerr != nil {
		return lerr
	}
	pg.Kinds = w.setupOptions(c, "awareness.kind.", string(ogp.AwarenessEvent), string(ogp.AwarenessCampaign), string(ogp.AwarenessMedia),
		string(ogp.AwarenessOnline), string(ogp.AwarenessOther))
	if kind == "activity" {
		aid, lerr := setupParamID(c, "activity_id")
		if lerr != nil {
			return lerr
		}
		for i := range pg.Awareness {
			if pg.Awareness[i].ID == aid {
				pg.Activity = &pg.Awareness[i]
			}
		}
		if pg.Activity == nil {
			return ogp.Errorf(ogp.ENotFound, "unknown_awareness_activity", "there is no awareness activity %d in this plan", aid)
		}
	}
	return w.setupRender(c, http.StatusOK, pg, err, map[string]string{"invalid_awareness_kind": "kind", "invalid_date": "held_on",
		"date_outside_period": "held_on", "audience_required": "audience", "audience_too_long": "audience", "description_required": "description",
		"description_too_long": "description", "invalid_reach": "reach", "invalid_url": "evidence_url"})
}

func (w *Web) setupSaveActivity(c echo.Context) error {
	id, err := setupPlanID(c)
	if err != nil {
		return err
	}
	reach := 0
	if s := strings.TrimSpace(c.FormValue("reach")); s != "" {
		reach = setupInt(s)
	}
	body := map[string]any{"kind": c.FormValue("kind"), "held_on": c.FormValue("held_on"), "audience": c.FormValue("audience"),
		"description": c.FormValue("description"), "reach": reach, "evidence_url": c.FormValue("evidence_url")}
	method, path, kind := http.MethodPost, fmt.Sprintf("/action-plans/%d/awareness", id), "awareness"
	if c.Param("activity_id") != "" {
		aid, err := setupParamID(c, "activity_id")
		if err != nil {
			return err
		}
		method, path, kind = http.MethodPut, fmt.Sprintf("%s/%d", path, aid), "activity"
	}
	if err := w.api(c, method, path, body, nil); err != nil {
		return w.setupShowAwareness(c, kind, err)
	}
	return w.setupDone(c, "setup.awareness.saved", fmt.Sprintf("/work/plans/%d/content/awareness", id))
}

func (w *Web) setupRemoveActivity(c echo.Context) error {
	id, err := setupPlanID(c)
	if err != nil {
		return err
	}
	aid, err := setupParamID(c, "activity_id")
	if err != nil {
		return err
	}
	if err := w.api(c, http.MethodDelete, fmt.Sprintf("/action-plans/%d/awareness/%d", id, aid), setupEmpty, nil); err != nil {
		return w.setupShowAwareness(c, "activity", err)
	}
	return w.setupDone(c, "setup.awareness.removed", fmt.Sprintf("/work/plans/%d/content/awareness", id))
}
