package web

import (
	"cmp"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"github.com/ogplocal/ogp"
	"github.com/ogplocal/ogp/models"
	"github.com/ogplocal/ogp/server"
)

// The workspace forms of co-creation steps 4 to 7: the problems
// (opportunity areas) with their moderation, scores, ranking, selection
// and reasoned responses (step 4); the commitments on the OGP template
// with their milestones (step 5) and support networks (step 6); and the
// strategic vision (step 7).
//
// Every change is a call to the JSON API in-process. Reads go through the
// public API, except what only coordinators may see and the API shows
// only to a bearer token (pending and hidden proposals with the
// proposers' contacts, the support actors' contacts): for the plan's
// coordinators those are read from the projections (models), in a fixed
// number of queries. Each page also shows what the current step's gate
// would refuse now (the API's step check), next to the fields concerned.

func init() { areas = append(areas, (*Web).registerCocreationRoutes) }

// cocTemplate holds every page of the area.
const cocTemplate = "work/content_cocreation_pages.html"

func (w *Web) registerCocreationRoutes(r router) {
	u := w.requireUser
	const c = "/work/plans/:id/content"
	r.GET(c+"/problems", w.cocProblemsPage, u)
	r.POST(c+"/problems", w.cocSaveProblem, u)
	r.POST(c+"/problems/scores", w.cocTeamScores, u)
	r.POST(c+"/problems/forum-scores", w.cocForumScores, u)
	r.GET(c+"/problems/:pid", w.cocProblemPage, u)
	r.POST(c+"/problems/:pid", w.cocSaveProblem, u)
	r.POST(c+"/problems/:pid/remove", w.cocRemoveProblem, u)
	r.POST(c+"/problems/:pid/moderation", w.cocModerate, u)
	r.POST(c+"/problems/:pid/selection", w.cocSelect, u)
	r.POST(c+"/problems/:pid/reasoned-response", w.cocRespond, u)

	const cm = c + "/commitments/:cid"
	r.GET(c+"/commitments", w.cocCommitmentsPage, u)
	r.POST(c+"/commitments", w.cocSaveCommitment, u)
	r.GET(c+"/commitments/new", w.cocNewCommitmentPage, u)
	r.GET(cm, w.cocCommitmentPage, u)
	r.POST(cm, w.cocSaveCommitment, u)
	r.POST(cm+"/remove", w.cocRemoveCommitment, u)
	r.POST(cm+"/milestones", w.cocSaveMilestone, u)
	r.GET(cm+"/milestones/:mid", w.cocMilestonePage, u)
	r.POST(cm+"/milestones/:mid", w.cocSaveMilestone, u)
	r.POST(cm+"/milestones/:mid/remove", w.cocRemoveMilestone, u)
	r.POST(cm+"/network", w.cocSaveActor, u)
	r.GET(cm+"/network/:aid", w.cocActorPage, u)
	r.POST(cm+"/network/:aid", w.cocSaveActor, u)
	r.POST(cm+"/network/:aid/remove", w.cocRemoveActor, u)

	r.GET(c+"/vision", w.cocVisionPage, u)
	r.POST(c+"/vision", w.cocSaveVision, u)
}

// cocEmpty is the body of a DELETE: the API's idempotency layer reads a
// body, so an in-process request without one is refused.
var cocEmpty = struct{}{}

// cocValues are the OGP values, in the order the template lists them.
var cocValues = []ogp.Value{ogp.ValueTransparency, ogp.ValueParticipation, ogp.ValueAccountability}

// --- page data

// cocOption is a choice of a select.
type cocOption struct {
	Value string
	Label string
}

// cocLock is whether the content of one step can change now.
type cocLock struct {
	Step   int
	Status string
	// Editable says the step is being worked on: its content may change.
	Editable bool
	// Key is the catalog key saying why not, Arg its step number.
	Key string
	Arg int
	// Aside says the page does not edit this step's content (it only
	// runs its gate): the lock is not shown.
	Aside bool
}

// cocGateItem is one rule the current step's gate would refuse now.
type cocGateItem struct {
	Code    string
	Message string
	// Href is the page and field where it is fixed.
	Href string
	// Local is the field key on this page (id field-<Local>), if any.
	Local string
}

// cocNavItem is a link of the area's side navigation.
type cocNavItem struct {
	Href    string
	Label   string
	Current bool
	// Steps link to the pages where the steps whose content the item
	// records are submitted and approved.
	Steps []cocNavItem
}

// cocProblem is a problem as the pages show it.
type cocProblem struct {
	ogp.Problem
	// AverageText is the average score for people ("4.25").
	AverageText string
	// Coordinators only: the proposer's contact, when it was received.
	Email      string
	ReceivedOn string
	// MyScore is the visitor's own score as a team member (0: none).
	MyScore int
	// CommitmentID is the commitment that addresses it (0: none).
	CommitmentID    int64
	CommitmentTitle string
}

// Item is the problem's key in violations and anchors.
func (p cocProblem) Item() string { return fmt.Sprintf("problem:%d", p.ID) }

// cocForumScorer is a forum member who can be scored for, with how many
// published problems they have scored.
type cocForumScorer struct {
	server.ForumMemberResponse
	Scored int
}

// cocCommitment is a commitment with what the pages say about it.
type cocCommitment struct {
	ogp.Commitment
	ProblemTitle string
	// Missing counts the parts of the OGP template it lacks.
	Missing int
	// HasLead and HasSupporter tell whether its network meets step 6.
	HasLead, HasSupporter bool
}

// Item is the commitment's key in violations and anchors.
func (c cocCommitment) Item() string { return fmt.Sprintf("commitment:%d", c.ID) }

// cocValue is one OGP value in the commitment form.
type cocValue struct {
	Value         string
	Checked       bool
	Justification string
}

// cocPage is what every page of the area receives as .Page.
type cocPage struct {
	*workPlan
	// Kind names the page: problems, problem, commitments, commitment_new,
	// commitment, milestone, actor, vision.
	Kind string
	// Base is the plan's workspace path, /work/plans/{id}.
	Base  string
	Nav   []cocNavItem
	Locks []cocLock
	// GateStep is the step whose gate Gate lists (0: none shown).
	GateStep  int
	Gate      []cocGateItem
	Completed bool
	Today     string

	// Step 4.
	Ranked  []cocProblem
	Pending []cocProblem
	Hidden  []cocProblem
	Problem *cocProblem
	// Blank is the new problem's form values.
	Blank *cocProblem
	// Selected counts the selected problems; MaxSelected is how many
	// OGP Local allows, given the plan's other commitments.
	Selected, MaxSelected int
	OnTeam                bool
	ForumScorers          []cocForumScorer
	ForumOptions          []cocOption
	ScoreOptions          []cocOption
	// FullView says the visitor sees pending and hidden problems.
	FullView bool

	// Steps 5-7.
	Commitments []cocCommitment
	Commitment  *cocCommitment
	Milestone   *ogp.Milestone
	Actor       *ogp.SupportActor
	// The values the forms start from: the item edited, or empty.
	Draft             ogp.Commitment
	MilestoneDraft    ogp.Milestone
	ActorDraft        ogp.SupportActor
	SelectedRows      []cocProblem
	ProblemOptions    []cocOption
	MemberOptions     []cocOption
	SectorOptions     []cocOption
	RoleOptions       []cocOption
	SourceOptions     []cocOption
	Values            []cocValue
	NewProblemID      string
	Vision            *server.VisionResponse
	VisionText        string
	ShowContacts      bool
	PublicDocument    string
	PublicProblems    string
	PublicCommitments string
}

// Lock returns the lock state of step n.
func (pg *cocPage) Lock(n int) cocLock {
	for _, l := range pg.Locks {
		if l.Step == n {
			return l
		}
	}
	return cocLock{Step: n}
}

// Open says step n's content may change now (for anyone allowed to).
func (pg *cocPage) Open(n int) bool { return pg.Lock(n).Editable }

// Can says the visitor may change step n's content now: a coordinator
// (or administrator) while the step is being worked on.
func (pg *cocPage) Can(n int) bool { return pg.Manages() && pg.Open(n) }

// CanScore says the visitor scores problems as a team member now.
func (pg *cocPage) CanScore() bool { return pg.OnTeam && pg.Open(ogp.HomeProblems) }

// --- loading

func cocParamID(c echo.Context, name, what string) (int64, error) {
	id, err := strconv.ParseInt(c.Param(name), 10, 64)
	if err != nil || id < 1 {
		return 0, ogp.Errorf(ogp.ENotFound, "unknown_"+what, "there is no %s %q", what, c.Param(name))
	}
	return id, nil
}

// cocLoad reads the plan and its roster, lets only its members (and
// administrators) in, and works out the lock state of steps.
func (w *Web) cocLoad(c echo.Context, kind string, steps ...int) (*cocPage, error) {
	wp, err := w.loadWorkPlan(c)
	if err != nil {
		return nil, err
	}
	pg := &cocPage{workPlan: wp, Kind: kind, Base: fmt.Sprintf("/work/plans/%d", wp.Plan.ID),
		Today: w.cfg.Now().UTC().Format(time.DateOnly), Completed: wp.Plan.Status == string(ogp.PlanCompleted)}
	pg.PublicDocument = fmt.Sprintf("/plans/%d/document", wp.Plan.ID)
	pg.PublicProblems = fmt.Sprintf("/plans/%d/problems", wp.Plan.ID)
	pg.PublicCommitments = fmt.Sprintf("/plans/%d/commitments", wp.Plan.ID)
	for _, n := range steps {
		l := cocLock{Step: n, Status: wp.Step(n).Status}
		switch {
		case pg.Completed:
			l.Key = "cocreation.lock.completed"
		case wp.Plan.CurrentStep == n && (l.Status == string(ogp.StepInProgress) || l.Status == string(ogp.StepChangesRequested)):
			l.Editable = true
		case l.Status == string(ogp.StepAwaitingApproval):
			l.Key, l.Arg = "cocreation.lock.awaiting_approval", n
		case l.Status == string(ogp.StepApproved):
			l.Key, l.Arg = "cocreation.lock.approved", n
		default:
			l.Key, l.Arg = "cocreation.lock.not_started", n
		}
		l.Aside = n == ogp.HomeVision && kind != "vision"
		pg.Locks = append(pg.Locks, l)
	}
	path := c.Request().URL.Path
	// Each content form, with the steps it feeds under it: a step is
	// named once, by what is recorded for it.
	for _, item := range []struct {
		href, key string
		steps     []int
	}{
		{pg.Base + "/content/problems", "cocreation.nav.problems", []int{4}},
		{pg.Base + "/content/commitments", "cocreation.nav.commitments", []int{5, 6}},
		{pg.Base + "/content/vision", "cocreation.nav.vision", []int{7}},
	} {
		ni := cocNavItem{Href: item.href, Label: w.T(c, item.key),
			Current: path == item.href || strings.HasPrefix(path, item.href+"/")}
		for _, n := range item.steps {
			href := fmt.Sprintf("%s/steps/%d", pg.Base, n)
			ni.Steps = append(ni.Steps, cocNavItem{Href: href, Label: w.T(c, "cocreation.nav.step", n), Current: path == href})
		}
		pg.Nav = append(pg.Nav, ni)
	}
	return pg, nil
}

func (pg *cocPage) apiPath(format string, args ...any) string {
	return fmt.Sprintf("/action-plans/%d", pg.Plan.ID) + fmt.Sprintf(format, args...)
}

// cocContent reads the content the pages show. Coordinators with the
// projections at hand get everything, as the gate sees it (pending and
// hidden problems, contacts); everyone else what the public API shows.
func (w *Web) cocContent(c echo.Context, pg *cocPage) (ogp.Content, error) {
	if pg.Manages() && w.cfg.DB != nil {
		pg.FullView, pg.ShowContacts = true, true
		return w.cfg.DB.LoadContent(c.Request().Context(), pg.Plan.ID)
	}
	var content ogp.Content
	var problems server.ProblemList
	if err := w.api(c, http.MethodGet, pg.apiPath("/problems"), nil, &problems); err != nil {
		return content, err
	}
	for _, p := range problems.Items {
		pr := ogp.Problem{ID: p.ID, Title: p.Title, Description: p.Description, PolicyArea: p.PolicyArea,
			Source: ogp.ProblemSource(p.Source), Submitter: p.Submitter, Status: ogp.ProblemStatus(p.Status),
			ScoreCount: p.ScoreCount, ScoreAverage: p.ScoreAverage, Selected: p.Selected, ReasonedResponse: p.ReasonedResponse}
		if p.Rank != nil {
			pr.Rank = *p.Rank
		}
		content.Problems = append(content.Problems, pr)
	}
	var list server.CommitmentListResponse
	if err := w.api(c, http.MethodGet, pg.apiPath("/commitments"), nil, &list); err != nil {
		return content, err
	}
	for _, cm := range list.Items {
		content.Commitments = append(content.Commitments, cocFromResponse(cm))
	}
	var v server.VisionResponse
	switch err := w.api(c, http.MethodGet, pg.apiPath("/vision"), nil, &v); {
	case err == nil:
		content.Vision = &ogp.StrategicVision{Text: v.Text}
	case !cocNotFound(err):
		return content, err
	}
	return content, nil
}

// cocNotFound tells a 404 answer (no forum, no vision yet).
func cocNotFound(err error) bool {
	var p *Problem
	return errors.As(err, &p) && p.Status == http.StatusNotFound
}

// cocFromResponse turns the API's public view of a commitment into the
// domain's.
func cocFromResponse(r server.CommitmentResponse) ogp.Commitment {
	out := ogp.Commitment{ID: r.ID, Number: r.Number, Title: r.Title, ProblemID: r.ProblemID, StartsOn: ogp.Date(r.StartsOn),
		EndsOn: ogp.Date(r.EndsOn), LeadAgency: r.LeadAgency, ProblemStatement: r.ProblemStatement, StatusQuo: r.StatusQuo,
		Objective: r.Objective, HowItSolves: r.HowItSolves, AdditionalInfo: r.AdditionalInfo, LeadUserID: r.LeadUserID}
	for _, v := range r.Values {
		out.Values = append(out.Values, ogp.CommitmentValue{Value: ogp.Value(v.Value), Justification: v.Justification})
	}
	for _, m := range r.Milestones {
		out.Milestones = append(out.Milestones, ogp.Milestone{ID: m.ID, Title: m.Title, Deliverable: m.Deliverable, Indicator: m.Indicator,
			Target: m.Target, StartsOn: ogp.Date(m.StartsOn), DueOn: ogp.Date(m.DueOn), Responsible: m.Responsible,
			ResponsibleUserID: m.ResponsibleUserID})
	}
	for _, a := range r.Network {
		out.Network = append(out.Network, ogp.SupportActor{ID: a.ID, Name: a.Name, Organisation: a.Organisation,
			Sector: ogp.ActorSector(a.Sector), Role: ogp.ActorRole(a.Role), Contact: a.Contact})
	}
	return out
}

// planContext is the plan as the rule functions need it.
func (pg *cocPage) planContext() ogp.PlanContext {
	pc := ogp.PlanContext{PlanID: pg.Plan.ID, StartsOn: ogp.Date(pg.Plan.StartsOn), EndsOn: ogp.Date(pg.Plan.EndsOn), Today: ogp.Date(pg.Today)}
	for _, m := range pg.Members {
		mm := ogp.Member{UserID: m.UserID, Sector: ogp.Sector(m.Sector)}
		for _, r := range m.Roles {
			mm.Roles = append(mm.Roles, ogp.Role(r))
		}
		pc.Members = append(pc.Members, mm)
	}
	return pc
}

// cocRows arranges the problems: ranked (published) by rank, pending and
// hidden by id, each with who addresses it.
func (w *Web) cocRows(c echo.Context, pg *cocPage, content ogp.Content) error {
	extra := map[int64]models.ProblemRecord{}
	if pg.FullView && (pg.Kind == "problems" || pg.Kind == "problem") {
		recs, err := w.cfg.DB.Problems(c.Request().Context(), pg.Plan.ID)
		if err != nil {
			return err
		}
		for _, r := range recs {
			extra[r.ID] = r
		}
	}
	byProblem := map[int64]ogp.Commitment{}
	for _, cm := range content.Commitments {
		byProblem[cm.ProblemID] = cm
	}
	pg.Ranked, pg.Pending, pg.Hidden, pg.SelectedRows = nil, nil, nil, nil
	for _, p := range content.Problems {
		row := cocProblem{Problem: p, AverageText: strconv.FormatFloat(ogp.RoundScore(p.ScoreAverage), 'f', 2, 64)}
		if r, ok := extra[p.ID]; ok {
			row.Email, row.ReceivedOn = r.SubmitterEmail, r.CreatedAt.UTC().Format(time.DateOnly)
		}
		if cm, ok := byProblem[p.ID]; ok {
			row.CommitmentID, row.CommitmentTitle = cm.ID, cm.Title
		}
		switch p.Status {
		case ogp.ProblemPublished:
			pg.Ranked = append(pg.Ranked, row)
			if p.Selected {
				pg.Selected++
				pg.SelectedRows = append(pg.SelectedRows, row)
			}
		case ogp.ProblemPending:
			pg.Pending = append(pg.Pending, row)
		default:
			pg.Hidden = append(pg.Hidden, row)
		}
	}
	rank := func(p cocProblem) int { return cmp.Or(p.Rank, 1<<30) }
	slices.SortStableFunc(pg.Ranked, func(a, b cocProblem) int { return cmp.Or(cmp.Compare(rank(a), rank(b)), cmp.Compare(a.ID, b.ID)) })
	_, others := ogp.CommitmentSlots(content)
	pg.MaxSelected = max(ogp.MaxCommitments-others, 0)
	return nil
}

// cocScores reads, for the scoring sheets, the visitor's own scores and
// how many problems each forum member has scored: one query.
func (w *Web) cocScores(c echo.Context, pg *cocPage) error {
	if w.cfg.DB == nil {
		return nil
	}
	var rows []models.ProblemScore
	if err := w.cfg.DB.Gorm.WithContext(c.Request().Context()).Where("plan_id = ?", pg.Plan.ID).Find(&rows).Error; err != nil {
		return err
	}
	published := map[int64]bool{}
	for _, p := range pg.Ranked {
		published[p.ID] = true
	}
	mine := map[int64]int{}
	forum := map[int64]int{}
	uid := w.user(c).ID
	for _, s := range rows {
		switch {
		case s.ScorerKind == models.ScorerTeamMember && s.ScorerID == uid:
			mine[s.ProblemID] = s.Score
		case s.ScorerKind == models.ScorerForumMember && published[s.ProblemID]:
			forum[s.ScorerID]++
		}
	}
	for i := range pg.Ranked {
		pg.Ranked[i].MyScore = mine[pg.Ranked[i].ID]
	}
	for i := range pg.ForumScorers {
		pg.ForumScorers[i].Scored = forum[pg.ForumScorers[i].ID]
	}
	return nil
}

// cocTeamAndForum reads the team (who scores) and the forum's members
// (whose scores the coordinator records).
func (w *Web) cocTeamAndForum(c echo.Context, pg *cocPage) error {
	var team struct {
		Items []server.TeamMemberResponse `json:"items"`
	}
	if err := w.api(c, http.MethodGet, pg.apiPath("/team"), nil, &team); err != nil {
		return err
	}
	uid := w.user(c).ID
	for _, t := range team.Items {
		if t.UserID == uid {
			pg.OnTeam = true
		}
	}
	var forum server.ForumResponse
	err := w.api(c, http.MethodGet, pg.apiPath("/forum"), nil, &forum)
	if err != nil && !cocNotFound(err) {
		return err
	}
	for _, m := range forum.Members {
		pg.ForumScorers = append(pg.ForumScorers, cocForumScorer{ForumMemberResponse: m})
	}
	return nil
}

// cocCommitmentRows arranges the commitments with their problems' titles
// and how they stand against the template and the network rule.
func (pg *cocPage) cocCommitmentRows(content ogp.Content) {
	titles := map[int64]string{}
	for _, p := range content.Problems {
		titles[p.ID] = p.Title
	}
	pc := pg.planContext()
	pg.Commitments = nil
	for _, cm := range content.Commitments {
		row := cocCommitment{Commitment: cm, ProblemTitle: titles[cm.ProblemID], Missing: len(ogp.CommitmentTemplateViolations(cm, pc))}
		for _, a := range cm.Network {
			switch {
			case a.Role == ogp.ActorLead && a.Sector == ogp.ActorGovernment:
				row.HasLead = true
			case a.Role == ogp.ActorSupporter && a.Sector != ogp.ActorGovernment:
				row.HasSupporter = true
			}
		}
		pg.Commitments = append(pg.Commitments, row)
	}
}

// --- the gate

// cocGate lists what the current step's gate would refuse now, when the
// page concerns that step and the visitor can fix it. The API's step
// check answers (the rules submission runs, on the content as stored);
// should it not, the same rule function runs here on the content read.
func (w *Web) cocGate(c echo.Context, pg *cocPage, content ogp.Content, steps ...int) error {
	step := pg.Plan.CurrentStep
	if !pg.Manages() || !slices.Contains(steps, step) || !pg.Open(step) {
		return nil
	}
	var check server.StepCheckResponse
	var vs []ogp.Violation
	var p *Problem
	switch err := w.api(c, http.MethodGet, pg.apiPath("/steps/%d/check", step), nil, &check); {
	case err == nil:
		vs = check.Violations
	case errors.As(err, &p) && pg.FullView:
		vs = ogp.CheckStep(step, pg.planContext(), content)
	case errors.As(err, &p):
		return nil
	default:
		return err
	}
	pg.GateStep = step
	owner := cocMilestoneOwners(content)
	for _, v := range vs {
		href, _ := contentCocreationViolationHref(pg.Plan.ID, v, &content)
		pg.Gate = append(pg.Gate, cocGateItem{Code: v.Code, Message: w.cocViolationText(c, v, content),
			Href: href, Local: pg.cocLocalKey(v, owner)})
	}
	return nil
}

func cocMilestoneOwners(content ogp.Content) map[int64]int64 {
	owner := map[int64]int64{}
	for _, cm := range content.Commitments {
		for _, m := range cm.Milestones {
			owner[m.ID] = cm.ID
		}
	}
	return owner
}

// cocItemID reads the id of an item such as "commitment:12".
func cocItemID(item, kind string) int64 {
	s, ok := strings.CutPrefix(item, kind+":")
	if !ok {
		return 0
	}
	id, _ := strconv.ParseInt(s, 10, 64)
	return id
}

// contentCocreationViolationHref is where a gate violation of steps 4 to
// 8 about problems, commitments, milestones, support networks or the
// vision is fixed in the workspace: the page and the field's anchor. The
// step submission page can link each refused rule here. content, when
// given, sends a milestone's violation to its commitment's page (else to
// the list of commitments, which anchors every milestone too). ok is
// false for violations of other content.
func contentCocreationViolationHref(planID int64, v ogp.Violation, content *ogp.Content) (href string, ok bool) {
	var owner map[int64]int64
	if content != nil {
		owner = cocMilestoneOwners(*content)
	}
	href = cocViolationHref(planID, v, owner)
	return href, href != ""
}

// cocViolationHref maps a violation to its page and anchor; owner
// (milestone -> commitment), when known, sends a milestone's violation
// to its commitment's page rather than to the list.
func cocViolationHref(planID int64, v ogp.Violation, owner map[int64]int64) string {
	base := fmt.Sprintf("/work/plans/%d/content/", planID)
	switch {
	case strings.HasPrefix(v.Item, "problem:"):
		if v.Code == "selected_problem_without_commitment" {
			return base + "commitments#field-" + v.Item
		}
		return base + "problems#field-" + v.Item
	case strings.HasPrefix(v.Item, "commitment:"):
		id := cocItemID(v.Item, "commitment")
		switch {
		case strings.HasPrefix(v.Code, "network_"):
			return fmt.Sprintf("%scommitments/%d#field-network", base, id)
		case v.Code == "commitment_without_milestone":
			return fmt.Sprintf("%scommitments/%d#field-milestones", base, id)
		}
		return fmt.Sprintf("%scommitments/%d#field-%s", base, id, v.Item)
	case strings.HasPrefix(v.Item, "milestone:"):
		if cid := owner[cocItemID(v.Item, "milestone")]; cid != 0 {
			return fmt.Sprintf("%scommitments/%d#field-%s", base, cid, v.Item)
		}
		return base + "commitments#field-" + v.Item
	}
	switch v.Code {
	case "no_problem_selected", "too_many_selected":
		return base + "problems#field-selection"
	case "too_many_commitments", "commitments_missing":
		return base + "commitments#field-commitments"
	case "vision_missing":
		return base + "vision#field-vision"
	}
	return ""
}

// cocLocalKey is the field of this page a violation is shown next to
// ("" when the page does not show it).
func (pg *cocPage) cocLocalKey(v ogp.Violation, owner map[int64]int64) string {
	switch pg.Kind {
	case "problems":
		if strings.HasPrefix(v.Item, "problem:") {
			return v.Item
		}
		if v.Code == "no_problem_selected" || v.Code == "too_many_selected" {
			return "selection"
		}
	case "commitments":
		switch {
		case v.Item == "" && (v.Code == "too_many_commitments" || v.Code == "commitments_missing"):
			return "commitments"
		case strings.HasPrefix(v.Item, "problem:") || strings.HasPrefix(v.Item, "commitment:") || strings.HasPrefix(v.Item, "milestone:"):
			return v.Item
		}
	case "commitment", "milestone", "actor":
		if pg.Commitment == nil {
			return ""
		}
		cid := pg.Commitment.ID
		switch {
		case v.Item == pg.Commitment.Item() && strings.HasPrefix(v.Code, "network_"):
			return "network"
		case v.Item == pg.Commitment.Item() && v.Code == "commitment_without_milestone":
			return "milestones"
		case v.Item == pg.Commitment.Item():
			return v.Item
		case strings.HasPrefix(v.Item, "milestone:") && owner[cocItemID(v.Item, "milestone")] == cid:
			return v.Item
		}
	case "vision":
		if v.Code == "vision_missing" {
			return "vision"
		}
		if strings.HasPrefix(v.Item, "commitment:") {
			return v.Item
		}
	}
	return ""
}

// cocViolationText says a violation in the visitor's language. English
// keeps the rule's own message, which names the item at fault; other
// languages name the item and give the catalog's message for the code.
func (w *Web) cocViolationText(c echo.Context, v ogp.Violation, content ogp.Content) string {
	l := lang(c)
	known := w.catalog.has(l, "violation."+v.Code)
	switch {
	case known && v.Item == "":
		// Nothing to name: the catalog's wording, in every language.
		return w.catalog.text(l, "violation."+v.Code)
	case l == Languages[0] || !known:
		return cocCapitalize(v.Message)
	}
	msg := w.catalog.text(l, "violation."+v.Code)
	if label := cocItemLabel(v.Item, content); label != "" {
		return w.catalog.text(l, "cocreation.gate.about", label, msg)
	}
	return msg
}

// cocCapitalize starts a rule's message (written to follow a colon) with
// a capital letter, as a sentence of its own.
func cocCapitalize(s string) string {
	r, size := utf8.DecodeRuneInString(s)
	if r == utf8.RuneError {
		return s
	}
	return string(unicode.ToUpper(r)) + s[size:]
}

// cocItemLabel names the item of a violation as people know it.
func cocItemLabel(item string, content ogp.Content) string {
	switch {
	case strings.HasPrefix(item, "problem:"):
		id := cocItemID(item, "problem")
		for _, p := range content.Problems {
			if p.ID == id {
				return p.Title
			}
		}
	case strings.HasPrefix(item, "commitment:"):
		id := cocItemID(item, "commitment")
		for _, cm := range content.Commitments {
			if cm.ID == id {
				return fmt.Sprintf("%d. %s", cm.Number, cm.Title)
			}
		}
	case strings.HasPrefix(item, "milestone:"):
		id := cocItemID(item, "milestone")
		for _, cm := range content.Commitments {
			for _, m := range cm.Milestones {
				if m.ID == id {
					return m.Title
				}
			}
		}
	}
	return ""
}

// --- rendering

// cocRender shows a page of the area. The gate's messages are put next
// to their fields. After a refused form (err is the API's *Problem) what
// the visitor typed stays, and the refusal is shown next to its field:
// fieldOf maps a refusal's code to the field, fallback is the field (or
// row) of any other refusal without an item.
func (w *Web) cocRender(c echo.Context, pg *cocPage, err error, fieldOf map[string]string, fallback string) error {
	v := w.view(c, pg)
	v.Errors = map[string]string{}
	add := func(key, msg string) {
		if prev, ok := v.Errors[key]; ok && !strings.Contains(prev, msg) {
			v.Errors[key] = prev + " " + msg
		} else if !ok {
			v.Errors[key] = msg
		}
	}
	for _, g := range pg.Gate {
		if g.Local != "" {
			add(g.Local, g.Message)
		}
	}
	status := http.StatusOK
	if err != nil {
		var p *Problem
		if !errors.As(err, &p) {
			return err
		}
		text := w.cocText(v.Lang)
		shown := &Problem{Status: p.Status, Code: p.Code, Detail: text(p.Code, p.Detail)}
		for _, vi := range p.Violations {
			vi.Message = text(vi.Code, vi.Message)
			shown.Violations = append(shown.Violations, vi)
		}
		if len(shown.Violations) == 0 {
			if field := cmp.Or(fieldOf[p.Code], fallback); field != "" {
				shown.Violations = []ogp.Violation{{Code: p.Code, Item: field, Message: shown.Detail}}
			}
		}
		form, _ := c.FormParams()
		v.Form, v.Problem = form, shown
		v.Errors["_"] = shown.Detail
		for _, vi := range shown.Violations {
			if vi.Item != "" {
				add(vi.Item, vi.Message)
			}
		}
		status = p.Status
		if status < 400 || status >= 500 {
			status = http.StatusUnprocessableEntity
		}
	}
	return w.renderView(c, status, cocTemplate, v)
}

// cocText words an API refusal: the area's own message for the code,
// the shared one, or the API's.
func (w *Web) cocText(l string) func(code, msg string) string {
	return func(code, msg string) string {
		for _, k := range []string{"cocreation.error." + code, "error.code." + code, "violation." + code} {
			if w.catalog.has(l, k) {
				return w.catalog.text(l, k)
			}
		}
		return msg
	}
}

// cocDone ends a successful form: a message for the next page and a 303.
func (w *Web) cocDone(c echo.Context, key, to string) error {
	w.flash(c, key)
	return w.redirect(c, to)
}

// cocDetailField finds the field a refusal names at the start of its
// detail ("due_on 2027-01-01 must be after ..."), among names; the
// field is prefix+name.
func cocDetailField(p error, prefix string, names ...string) string {
	var pr *Problem
	if !errors.As(p, &pr) {
		return ""
	}
	for _, n := range names {
		if strings.HasPrefix(pr.Detail, n) {
			return prefix + n
		}
	}
	return ""
}

func (w *Web) cocOptions(c echo.Context, prefix string, values ...string) []cocOption {
	out := make([]cocOption, 0, len(values))
	for _, v := range values {
		out = append(out, cocOption{Value: v, Label: w.T(c, prefix+v)})
	}
	return out
}

// cocMemberOptions offers the plan's members for a lead or a person
// responsible: they can then report progress and receive reminders.
func (w *Web) cocMemberOptions(c echo.Context, pg *cocPage) []cocOption {
	out := []cocOption{{Value: "0", Label: w.T(c, "cocreation.member.none")}}
	for _, m := range pg.Members {
		out = append(out, cocOption{Value: strconv.FormatInt(m.UserID, 10), Label: m.Name})
	}
	return out
}

func cocInt(s string) int64 {
	n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	if err != nil {
		return 0
	}
	return n
}

// --- step 4: problems

func (w *Web) cocProblemsPage(c echo.Context) error {
	return w.cocShowProblems(c, "problems", nil, nil, "")
}

func (w *Web) cocProblemPage(c echo.Context) error {
	return w.cocShowProblems(c, "problem", nil, nil, "")
}

func (w *Web) cocShowProblems(c echo.Context, kind string, err error, fieldOf map[string]string, fallback string) error {
	pg, lerr := w.cocLoad(c, kind, ogp.HomeProblems)
	if lerr != nil {
		return lerr
	}
	content, lerr := w.cocContent(c, pg)
	if lerr != nil {
		return lerr
	}
	if lerr := w.cocRows(c, pg, content); lerr != nil {
		return lerr
	}
	if lerr := w.cocTeamAndForum(c, pg); lerr != nil {
		return lerr
	}
	if lerr := w.cocScores(c, pg); lerr != nil {
		return lerr
	}
	pg.SourceOptions = w.cocOptions(c, "problem.source.", string(ogp.SourceTeam), string(ogp.SourceForum))
	pg.Blank = &cocProblem{}
	pg.ScoreOptions = []cocOption{{Value: "", Label: w.T(c, "cocreation.scores.none")}}
	for n := ogp.MinScore; n <= ogp.MaxScore; n++ {
		pg.ScoreOptions = append(pg.ScoreOptions, cocOption{Value: strconv.Itoa(n), Label: w.T(c, fmt.Sprintf("cocreation.scores.option.%d", n))})
	}
	pg.ForumOptions = []cocOption{{Value: "", Label: w.T(c, "cocreation.scores.forum_member.choose")}}
	for _, m := range pg.ForumScorers {
		label := m.Name
		if m.Organisation != "" {
			label += " (" + m.Organisation + ")"
		}
		pg.ForumOptions = append(pg.ForumOptions, cocOption{Value: strconv.FormatInt(m.ID, 10), Label: label})
	}
	if kind == "problem" {
		pid, lerr := cocParamID(c, "pid", "problem")
		if lerr != nil {
			return lerr
		}
		for _, list := range [][]cocProblem{pg.Ranked, pg.Pending, pg.Hidden} {
			for i := range list {
				if list[i].ID == pid {
					pg.Problem = &list[i]
				}
			}
		}
		if pg.Problem == nil || !pg.Manages() {
			return ogp.Errorf(ogp.ENotFound, "unknown_problem", "there is no problem %d in this plan", pid)
		}
	}
	if lerr := w.cocGate(c, pg, content, ogp.HomeProblems); lerr != nil {
		return lerr
	}
	return w.cocRender(c, pg, err, fieldOf, fallback)
}

var cocProblemFields = map[string]string{
	"title_required": "title", "title_too_long": "title", "description_required": "description", "description_too_long": "description",
	"policy_area_required": "policy_area", "policy_area_too_long": "policy_area", "submitter_too_long": "submitter",
	"invalid_source": "source", "public_source_reserved": "source", "public_source_immutable": "source",
}

func (w *Web) cocSaveProblem(c echo.Context) error {
	id, err := pathID(c, "id", "plan")
	if err != nil {
		return err
	}
	body := map[string]string{"title": c.FormValue("title"), "description": c.FormValue("description"),
		"policy_area": c.FormValue("policy_area"), "source": c.FormValue("source"), "submitter": c.FormValue("submitter")}
	method, path, kind, done := http.MethodPost, fmt.Sprintf("/action-plans/%d/problems", id), "problems", "cocreation.problem.added"
	if c.Param("pid") != "" {
		pid, err := cocParamID(c, "pid", "problem")
		if err != nil {
			return err
		}
		method, path, kind, done = http.MethodPut, fmt.Sprintf("%s/%d", path, pid), "problem", "cocreation.problem.saved"
	}
	if err := w.api(c, method, path, body, nil); err != nil {
		return w.cocShowProblems(c, kind, err, cocProblemFields, "")
	}
	return w.cocDone(c, done, fmt.Sprintf("/work/plans/%d/content/problems", id))
}

func (w *Web) cocRemoveProblem(c echo.Context) error {
	id, err := pathID(c, "id", "plan")
	if err != nil {
		return err
	}
	pid, err := cocParamID(c, "pid", "problem")
	if err != nil {
		return err
	}
	if err := w.api(c, http.MethodDelete, fmt.Sprintf("/action-plans/%d/problems/%d", id, pid), cocEmpty, nil); err != nil {
		return w.cocShowProblems(c, "problem", err, nil, "")
	}
	return w.cocDone(c, "cocreation.problem.removed", fmt.Sprintf("/work/plans/%d/content/problems", id))
}

// cocProblemAction runs a change of one problem from its row's form;
// a refusal is shown next to the row (or the field fieldOf names).
func (w *Web) cocProblemAction(c echo.Context, rest string, body func(pid int64) any, fieldOf func(pid int64) map[string]string, done string) error {
	id, err := pathID(c, "id", "plan")
	if err != nil {
		return err
	}
	pid, err := cocParamID(c, "pid", "problem")
	if err != nil {
		return err
	}
	if err := w.api(c, http.MethodPost, fmt.Sprintf("/action-plans/%d/problems/%d/%s", id, pid, rest), body(pid), nil); err != nil {
		return w.cocShowProblems(c, "problems", err, fieldOf(pid), fmt.Sprintf("problem:%d", pid))
	}
	return w.cocDone(c, done, fmt.Sprintf("/work/plans/%d/content/problems", id))
}

func (w *Web) cocModerate(c echo.Context) error {
	done := "cocreation.moderation.published"
	if c.FormValue("decision") == string(ogp.ModerationHide) {
		done = "cocreation.moderation.hidden"
	}
	return w.cocProblemAction(c, "moderation", func(pid int64) any {
		return map[string]string{"decision": c.FormValue("decision"), "reason": c.FormValue(fmt.Sprintf("reason_%d", pid))}
	}, func(pid int64) map[string]string {
		f := fmt.Sprintf("reason_%d", pid)
		return map[string]string{"moderation_reason_required": f, "moderation_reason_too_long": f}
	}, done)
}

func (w *Web) cocSelect(c echo.Context) error {
	selected := c.FormValue("selected") == "true"
	done := "cocreation.selection.unselected"
	if selected {
		done = "cocreation.selection.selected"
	}
	return w.cocProblemAction(c, "selection", func(int64) any { return map[string]bool{"selected": selected} },
		func(int64) map[string]string { return nil }, done)
}

// cocRespond records a problem's public reasoned response (a PUT).
func (w *Web) cocRespond(c echo.Context) error {
	id, err := pathID(c, "id", "plan")
	if err != nil {
		return err
	}
	pid, err := cocParamID(c, "pid", "problem")
	if err != nil {
		return err
	}
	field := fmt.Sprintf("response_%d", pid)
	body := map[string]string{"text": c.FormValue(field)}
	if err := w.api(c, http.MethodPut, fmt.Sprintf("/action-plans/%d/problems/%d/reasoned-response", id, pid), body, nil); err != nil {
		return w.cocShowProblems(c, "problems", err, map[string]string{"reasoned_response_required": field, "reasoned_response_too_long": field},
			fmt.Sprintf("problem:%d", pid))
	}
	return w.cocDone(c, "cocreation.response.saved", fmt.Sprintf("/work/plans/%d/content/problems", id))
}

// cocScoreSheet records the scores of a sheet: one API call per problem
// scored (a field <prefix><problem id> with 1 to 5), each with its own
// Idempotency-Key derived from the form's. Refused rows are listed and
// shown next to their row; the others are recorded.
func (w *Web) cocScoreSheet(c echo.Context, prefix string, forumMember int64, skip map[int64]int) (changed int, err error) {
	id, err := pathID(c, "id", "plan")
	if err != nil {
		return 0, err
	}
	var problems server.ProblemList
	if err := w.api(c, http.MethodGet, fmt.Sprintf("/action-plans/%d/problems", id), nil, &problems); err != nil {
		return 0, err
	}
	form := c.Request().PostForm
	idem := form.Get("idem")
	defer form.Set("idem", idem)
	var refused []ogp.Violation
	status := http.StatusUnprocessableEntity
	text := w.cocText(lang(c))
	for _, p := range problems.Items {
		field := fmt.Sprintf("%s%d", prefix, p.ID)
		raw := strings.TrimSpace(form.Get(field))
		if raw == "" {
			continue
		}
		score, perr := strconv.Atoi(raw)
		if perr != nil {
			score = -1
		}
		if prev, ok := skip[p.ID]; ok && prev == score {
			continue
		}
		body := map[string]any{"score": score}
		if forumMember != 0 {
			body["forum_member_id"] = forumMember
		}
		if idem != "" {
			form.Set("idem", fmt.Sprintf("%s-%d", idem, p.ID))
		}
		err := w.api(c, http.MethodPost, fmt.Sprintf("/action-plans/%d/problems/%d/scores", id, p.ID), body, nil)
		var pr *Problem
		switch {
		case err == nil:
			changed++
		case errors.As(err, &pr) && (pr.Status == http.StatusConflict || pr.Status == http.StatusForbidden ||
			(pr.Code == "unknown_forum_member" && forumMember != 0)):
			// Locked, not allowed, or no such forum member: no row will pass.
			return changed, err
		case errors.As(err, &pr):
			refused = append(refused, ogp.Violation{Code: "score_refused", Item: field,
				Message: w.T(c, "cocreation.scores.row_refused", p.Title, text(pr.Code, pr.Detail))})
			status = pr.Status
		default:
			return changed, err
		}
	}
	if len(refused) > 0 {
		return changed, &Problem{Status: status, Code: "scores_refused", Detail: w.T(c, "cocreation.scores.refused"), Violations: refused}
	}
	return changed, nil
}

func (w *Web) cocTeamScores(c echo.Context) error {
	pg, err := w.cocLoad(c, "problems", ogp.HomeProblems)
	if err != nil {
		return err
	}
	mine := map[int64]int{}
	if w.cfg.DB != nil {
		var rows []models.ProblemScore
		if err := w.cfg.DB.Gorm.WithContext(c.Request().Context()).Where("plan_id = ? AND scorer_kind = ? AND scorer_id = ?",
			pg.Plan.ID, models.ScorerTeamMember, w.user(c).ID).Find(&rows).Error; err != nil {
			return err
		}
		for _, r := range rows {
			mine[r.ProblemID] = r.Score
		}
	}
	changed, err := w.cocScoreSheet(c, "score_", 0, mine)
	if err != nil {
		return w.cocShowProblems(c, "problems", err, nil, "team-scores")
	}
	if changed == 0 {
		return w.cocDone(c, "cocreation.scores.unchanged", pg.Base+"/content/problems")
	}
	return w.cocDone(c, "cocreation.scores.saved", pg.Base+"/content/problems")
}

func (w *Web) cocForumScores(c echo.Context) error {
	id, err := pathID(c, "id", "plan")
	if err != nil {
		return err
	}
	member := cocInt(c.FormValue("forum_member_id"))
	if member < 1 {
		return w.cocShowProblems(c, "problems", &Problem{Status: http.StatusUnprocessableEntity, Code: "forum_member_required",
			Detail: w.T(c, "cocreation.error.forum_member_required")}, map[string]string{"forum_member_required": "forum_member_id"}, "")
	}
	changed, err := w.cocScoreSheet(c, "fscore_", member, nil)
	if err != nil {
		return w.cocShowProblems(c, "problems", err, map[string]string{"unknown_forum_member": "forum_member_id"}, "forum-scores")
	}
	if changed == 0 {
		return w.cocDone(c, "cocreation.scores.unchanged", fmt.Sprintf("/work/plans/%d/content/problems", id))
	}
	return w.cocDone(c, "cocreation.scores.forum_saved", fmt.Sprintf("/work/plans/%d/content/problems", id))
}

// --- steps 5-7: commitments, milestones, support networks

func (w *Web) cocCommitmentsPage(c echo.Context) error {
	return w.cocShowCommitments(c, "commitments", nil, nil, "")
}

func (w *Web) cocNewCommitmentPage(c echo.Context) error {
	return w.cocShowCommitments(c, "commitment_new", nil, nil, "")
}

func (w *Web) cocCommitmentPage(c echo.Context) error {
	return w.cocShowCommitments(c, "commitment", nil, nil, "")
}

func (w *Web) cocMilestonePage(c echo.Context) error {
	return w.cocShowCommitments(c, "milestone", nil, nil, "")
}

func (w *Web) cocActorPage(c echo.Context) error {
	return w.cocShowCommitments(c, "actor", nil, nil, "")
}

func (w *Web) cocShowCommitments(c echo.Context, kind string, err error, fieldOf map[string]string, fallback string) error {
	pg, lerr := w.cocLoad(c, kind, ogp.HomeCommitments, ogp.HomeNetwork, ogp.HomeVision)
	if lerr != nil {
		return lerr
	}
	content, lerr := w.cocContent(c, pg)
	if lerr != nil {
		return lerr
	}
	if lerr := w.cocRows(c, pg, content); lerr != nil {
		return lerr
	}
	pg.cocCommitmentRows(content)
	pg.MemberOptions = w.cocMemberOptions(c, pg)
	pg.SectorOptions = w.cocOptions(c, "actor.sector.", string(ogp.ActorGovernment), string(ogp.ActorCivilSociety),
		string(ogp.ActorPrivate), string(ogp.ActorAcademia), string(ogp.ActorOther))
	pg.RoleOptions = w.cocOptions(c, "actor.role.", string(ogp.ActorLead), string(ogp.ActorSupporter))
	if kind != "commitments" && kind != "commitment_new" {
		cid, lerr := cocParamID(c, "cid", "commitment")
		if lerr != nil {
			return lerr
		}
		for i := range pg.Commitments {
			if pg.Commitments[i].ID == cid {
				pg.Commitment = &pg.Commitments[i]
			}
		}
		if pg.Commitment == nil {
			return ogp.Errorf(ogp.ENotFound, "unknown_commitment", "there is no commitment %d in this plan", cid)
		}
		pg.Draft = pg.Commitment.Commitment
	}
	switch kind {
	case "milestone":
		mid, lerr := cocParamID(c, "mid", "milestone")
		if lerr != nil {
			return lerr
		}
		for i := range pg.Commitment.Milestones {
			if pg.Commitment.Milestones[i].ID == mid {
				pg.Milestone = &pg.Commitment.Milestones[i]
			}
		}
		if pg.Milestone == nil {
			return ogp.Errorf(ogp.ENotFound, "unknown_milestone", "there is no milestone %d in this commitment", mid)
		}
		pg.MilestoneDraft = *pg.Milestone
	case "actor":
		aid, lerr := cocParamID(c, "aid", "support_actor")
		if lerr != nil {
			return lerr
		}
		for i := range pg.Commitment.Network {
			if pg.Commitment.Network[i].ID == aid {
				pg.Actor = &pg.Commitment.Network[i]
			}
		}
		if pg.Actor == nil || !pg.Manages() {
			return ogp.Errorf(ogp.ENotFound, "unknown_support_actor", "there is no actor %d in this commitment's network", aid)
		}
		pg.ActorDraft = *pg.Actor
	case "commitment", "commitment_new":
		w.cocTemplateChoices(c, pg)
	}
	if lerr := w.cocGate(c, pg, content, ogp.HomeCommitments, ogp.HomeNetwork, ogp.HomeVision); lerr != nil {
		return lerr
	}
	return w.cocRender(c, pg, err, fieldOf, fallback)
}

// cocTemplateChoices fills the commitment form's choices: the selected
// problems, and the OGP values as ticked (from what was sent, when the
// form is shown again, or from the commitment).
func (w *Web) cocTemplateChoices(c echo.Context, pg *cocPage) {
	current := int64(0)
	if pg.Commitment != nil {
		current = pg.Commitment.ProblemID
	}
	pg.ProblemOptions = []cocOption{{Value: "", Label: w.T(c, "cocreation.commitment.problem.choose")}}
	for _, p := range pg.Ranked {
		if p.Selected || p.ID == current {
			pg.ProblemOptions = append(pg.ProblemOptions, cocOption{Value: strconv.FormatInt(p.ID, 10), Label: p.Title})
		}
	}
	pg.NewProblemID = c.QueryParam("problem")
	_, sent := c.Request().PostForm["title"]
	for _, v := range cocValues {
		row := cocValue{Value: string(v)}
		if pg.Commitment != nil {
			for _, cv := range pg.Commitment.Values {
				if cv.Value == v {
					row.Checked, row.Justification = true, cv.Justification
				}
			}
		}
		if sent {
			row.Checked = c.FormValue("value_"+string(v)) != ""
		}
		pg.Values = append(pg.Values, row)
	}
}

var cocCommitmentFields = map[string]string{
	"problem_required": "problem_id", "problem_not_selected": "problem_id", "problem_has_commitment": "problem_id",
	"unknown_problem": "problem_id", "too_many_commitments": "problem_id", "title_required": "title", "title_too_long": "title",
	"commitment_dates": "ends_on", "invalid_date": "starts_on", "duplicate_value": "values", "invalid_value": "values",
	"unknown_member": "lead_user_id", "text_too_long": "objective",
}

// cocCommitmentBody is the commitment form as the API takes it: an OGP
// value is included when ticked or justified.
func cocCommitmentBody(c echo.Context) map[string]any {
	values := []map[string]string{}
	for _, v := range cocValues {
		just := strings.TrimSpace(c.FormValue("justification_" + string(v)))
		if c.FormValue("value_"+string(v)) != "" || just != "" {
			values = append(values, map[string]string{"value": string(v), "justification": just})
		}
	}
	return map[string]any{"problem_id": cocInt(c.FormValue("problem_id")), "title": c.FormValue("title"),
		"starts_on": c.FormValue("starts_on"), "ends_on": c.FormValue("ends_on"), "lead_agency": c.FormValue("lead_agency"),
		"lead_user_id": cocInt(c.FormValue("lead_user_id")), "problem_statement": c.FormValue("problem_statement"),
		"status_quo": c.FormValue("status_quo"), "objective": c.FormValue("objective"), "how_it_solves": c.FormValue("how_it_solves"),
		"values": values, "additional_info": c.FormValue("additional_info")}
}

func (w *Web) cocSaveCommitment(c echo.Context) error {
	id, err := pathID(c, "id", "plan")
	if err != nil {
		return err
	}
	method, path, kind, done := http.MethodPost, fmt.Sprintf("/action-plans/%d/commitments", id), "commitment_new", "cocreation.commitment.created"
	if c.Param("cid") != "" {
		cid, err := cocParamID(c, "cid", "commitment")
		if err != nil {
			return err
		}
		method, path, kind, done = http.MethodPut, fmt.Sprintf("%s/%d", path, cid), "commitment", "cocreation.commitment.saved"
	}
	var out server.CommitmentResponse
	if err := w.api(c, method, path, cocCommitmentBody(c), &out); err != nil {
		fields := cocCommitmentFields
		if f := cocDetailField(err, "", "starts_on", "ends_on", "lead_agency", "problem_statement", "status_quo", "objective",
			"how_it_solves", "additional_info"); f != "" {
			fields = cocCloneFields(fields, "invalid_date", f, "commitment_dates", f, "text_too_long", f)
		} else if cocDetailField(err, "", "justification of ") != "" {
			fields = cocCloneFields(fields, "text_too_long", "values")
		}
		return w.cocShowCommitments(c, kind, err, fields, "")
	}
	return w.cocDone(c, done, fmt.Sprintf("/work/plans/%d/content/commitments/%d", id, out.ID))
}

// cocCloneFields copies a field map with some codes sent elsewhere.
func cocCloneFields(m map[string]string, kv ...string) map[string]string {
	out := make(map[string]string, len(m)+len(kv)/2)
	for k, v := range m {
		out[k] = v
	}
	for i := 0; i+1 < len(kv); i += 2 {
		out[kv[i]] = kv[i+1]
	}
	return out
}

func (w *Web) cocRemoveCommitment(c echo.Context) error {
	id, err := pathID(c, "id", "plan")
	if err != nil {
		return err
	}
	cid, err := cocParamID(c, "cid", "commitment")
	if err != nil {
		return err
	}
	if err := w.api(c, http.MethodDelete, fmt.Sprintf("/action-plans/%d/commitments/%d", id, cid), cocEmpty, nil); err != nil {
		return w.cocShowCommitments(c, "commitment", err, nil, "")
	}
	return w.cocDone(c, "cocreation.commitment.removed", fmt.Sprintf("/work/plans/%d/content/commitments", id))
}

var cocMilestoneFields = map[string]string{
	"title_required": "milestone_title", "title_too_long": "milestone_title", "milestone_dates": "milestone_due_on",
	"invalid_date": "milestone_starts_on", "unknown_member": "milestone_responsible_user_id", "text_too_long": "milestone_deliverable",
}

func (w *Web) cocSaveMilestone(c echo.Context) error {
	id, err := pathID(c, "id", "plan")
	if err != nil {
		return err
	}
	cid, err := cocParamID(c, "cid", "commitment")
	if err != nil {
		return err
	}
	body := map[string]any{"title": c.FormValue("milestone_title"), "deliverable": c.FormValue("milestone_deliverable"),
		"indicator": c.FormValue("milestone_indicator"), "target": c.FormValue("milestone_target"),
		"starts_on": c.FormValue("milestone_starts_on"), "due_on": c.FormValue("milestone_due_on"),
		"responsible": c.FormValue("milestone_responsible"), "responsible_user_id": cocInt(c.FormValue("milestone_responsible_user_id"))}
	method, path, kind, done := http.MethodPost, fmt.Sprintf("/action-plans/%d/commitments/%d/milestones", id, cid), "commitment", "cocreation.milestone.added"
	if c.Param("mid") != "" {
		mid, err := cocParamID(c, "mid", "milestone")
		if err != nil {
			return err
		}
		method, path, kind, done = http.MethodPut, fmt.Sprintf("%s/%d", path, mid), "milestone", "cocreation.milestone.saved"
	}
	if err := w.api(c, method, path, body, nil); err != nil {
		fields := cocMilestoneFields
		if f := cocDetailField(err, "milestone_", "starts_on", "due_on", "deliverable", "indicator", "target", "responsible"); f != "" {
			fields = cocCloneFields(fields, "invalid_date", f, "milestone_dates", f, "text_too_long", f)
		}
		return w.cocShowCommitments(c, kind, err, fields, "")
	}
	return w.cocDone(c, done, fmt.Sprintf("/work/plans/%d/content/commitments/%d#milestones", id, cid))
}

func (w *Web) cocRemoveMilestone(c echo.Context) error {
	id, err := pathID(c, "id", "plan")
	if err != nil {
		return err
	}
	cid, err := cocParamID(c, "cid", "commitment")
	if err != nil {
		return err
	}
	mid, err := cocParamID(c, "mid", "milestone")
	if err != nil {
		return err
	}
	if err := w.api(c, http.MethodDelete, fmt.Sprintf("/action-plans/%d/commitments/%d/milestones/%d", id, cid, mid), cocEmpty, nil); err != nil {
		return w.cocShowCommitments(c, "milestone", err, nil, "")
	}
	return w.cocDone(c, "cocreation.milestone.removed", fmt.Sprintf("/work/plans/%d/content/commitments/%d#milestones", id, cid))
}

var cocActorFields = map[string]string{
	"name_required": "actor_name", "name_too_long": "actor_name", "organisation_too_long": "actor_organisation",
	"contact_too_long": "actor_contact", "invalid_sector": "actor_sector", "invalid_role": "actor_role",
}

func (w *Web) cocSaveActor(c echo.Context) error {
	id, err := pathID(c, "id", "plan")
	if err != nil {
		return err
	}
	cid, err := cocParamID(c, "cid", "commitment")
	if err != nil {
		return err
	}
	body := map[string]string{"name": c.FormValue("actor_name"), "organisation": c.FormValue("actor_organisation"),
		"sector": c.FormValue("actor_sector"), "role": c.FormValue("actor_role"), "contact": c.FormValue("actor_contact")}
	method, path, kind, done := http.MethodPost, fmt.Sprintf("/action-plans/%d/commitments/%d/network", id, cid), "commitment", "cocreation.actor.added"
	if c.Param("aid") != "" {
		aid, err := cocParamID(c, "aid", "support_actor")
		if err != nil {
			return err
		}
		method, path, kind, done = http.MethodPut, fmt.Sprintf("%s/%d", path, aid), "actor", "cocreation.actor.saved"
	}
	if err := w.api(c, method, path, body, nil); err != nil {
		return w.cocShowCommitments(c, kind, err, cocActorFields, "")
	}
	return w.cocDone(c, done, fmt.Sprintf("/work/plans/%d/content/commitments/%d#network", id, cid))
}

func (w *Web) cocRemoveActor(c echo.Context) error {
	id, err := pathID(c, "id", "plan")
	if err != nil {
		return err
	}
	cid, err := cocParamID(c, "cid", "commitment")
	if err != nil {
		return err
	}
	aid, err := cocParamID(c, "aid", "support_actor")
	if err != nil {
		return err
	}
	if err := w.api(c, http.MethodDelete, fmt.Sprintf("/action-plans/%d/commitments/%d/network/%d", id, cid, aid), cocEmpty, nil); err != nil {
		return w.cocShowCommitments(c, "actor", err, nil, "")
	}
	return w.cocDone(c, "cocreation.actor.removed", fmt.Sprintf("/work/plans/%d/content/commitments/%d#network", id, cid))
}

// --- step 7: the strategic vision

func (w *Web) cocVisionPage(c echo.Context) error { return w.cocShowVision(c, nil) }

func (w *Web) cocShowVision(c echo.Context, err error) error {
	pg, lerr := w.cocLoad(c, "vision", ogp.HomeVision)
	if lerr != nil {
		return lerr
	}
	content, lerr := w.cocContent(c, pg)
	if lerr != nil {
		return lerr
	}
	pg.cocCommitmentRows(content)
	var v server.VisionResponse
	switch lerr := w.api(c, http.MethodGet, pg.apiPath("/vision"), nil, &v); {
	case lerr == nil:
		pg.Vision, pg.VisionText = &v, v.Text
	case !cocNotFound(lerr):
		return lerr
	}
	if lerr := w.cocGate(c, pg, content, ogp.HomeVision); lerr != nil {
		return lerr
	}
	return w.cocRender(c, pg, err, map[string]string{"vision_required": "vision", "vision_too_long": "vision"}, "vision")
}

func (w *Web) cocSaveVision(c echo.Context) error {
	id, err := pathID(c, "id", "plan")
	if err != nil {
		return err
	}
	if err := w.api(c, http.MethodPut, fmt.Sprintf("/action-plans/%d/vision", id), map[string]string{"text": c.FormValue("vision")}, nil); err != nil {
		return w.cocShowVision(c, err)
	}
	return w.cocDone(c, "cocreation.vision.saved", fmt.Sprintf("/work/plans/%d/content/vision", id))
}
