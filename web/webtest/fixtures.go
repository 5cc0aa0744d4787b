package webtest

// Fixtures: realistic plans for page tests and screenshots, built only
// through the JSON API (as curl users would), ported from the app
// package's fillers (app/*_fill_test.go, app/integration_test.go).
//
// The story: the City of Riverton co-creates its open government action
// plan with civil society. Its three commitments open public contracts
// (open contracting), publish the budget's execution every month, and let
// the six districts decide part of the capital budget (participatory
// budgeting). Dates are relative to today (UTC): the plan runs from a year
// ago to a year ahead, co-creation happened in its first months, and
// implementation started a month ago, so that in step 9 one milestone is
// overdue, some are due soon and one is done on time.

import (
	"fmt"
	"net/http"
	"slices"
	"sync"
	"testing"
	"time"
)

// The fixture plans' member, and the titles of what they contain, for
// tests that look for them on pages.
const (
	CityName = "City of Riverton"

	ForumName          = "Riverton Open Government Forum"
	MonitoringBodyName = "Riverton Transparency Watch"

	// Problems (step 4). The first three are selected, one commitment
	// each; the public's pothole report is hidden by moderation.
	ProblemContracts     = "Residents cannot see who wins city contracts, or for how much"
	ProblemBudget        = "The city's budget and spending are published late and in unusable formats"
	ProblemParticipatory = "Let neighbourhoods decide how part of the capital budget is spent"
	ProblemCouncilPapers = "Council papers are published too late to prepare for meetings"
	ProblemBuses         = "Bus timetables and live bus positions are not open data"
	ProblemPothole       = "Fix the pothole on Elm Street"

	// Commitments (step 5), numbered 1 to 3 in this order.
	CommitmentContracts     = "Open contracting: every city contract published as open data"
	CommitmentBudget        = "Open budget: the city's spending published every month"
	CommitmentParticipatory = "Participatory budgeting in all six districts"

	// Milestones of commitment 1 (responsible: Cast.Lead).
	MilestoneOCDS      = "Adopt the Open Contracting Data Standard for all new tenders"      // due 5 days ago: overdue in step 9
	MilestoneBacklog   = "Publish every contract awarded since 2022 on the open data portal" // due in 3 days: due soon
	MilestoneDashboard = "Launch a public contracts dashboard with red-flag alerts"
	MilestoneRedFlags  = "Review red flags with the forum every quarter"
	// Milestones of commitment 2.
	MilestoneCitizensBudget = "Publish the approved budget as open data, with a citizens' budget" // completed on time in step 9
	MilestoneMonthly        = "Publish spending every month, within 15 days of the month's close"
	MilestoneExplainers     = "Hold budget explainer sessions in all six districts"
	// Milestones of commitment 3.
	MilestoneRules     = "Co-design the participatory budgeting rules with residents" // due in 2 days: due soon
	MilestoneProposals = "Collect project proposals in every district"
	MilestoneVotes     = "Hold the district votes, online and in person"
	MilestoneTracker   = "Publish the winning projects and track their delivery"
)

// Cast is the City of Riverton's open government team and partners: the
// users of every fixture plan on a site.
//
//   - Admin: Grace Whitfield, the site's administrator (is_admin), on no plan.
//   - Coordinator: Ana Lucía Ferreira, open government coordinator,
//     Mayor's Office (creates the plans; government; on the team).
//   - GovApprover: Daniel Okafor, Deputy Mayor for Finance (approver, government).
//   - CivilApprover: Marta Ríos, director of Riverton Civic Lab (approver, civil society).
//   - Lead: Tomás Herrera, head of the Procurement and Contracts Office
//     (contributor, government; on the team; lead_user_id of every
//     commitment and responsible_user_id of commitment 1's milestones, so
//     he reports progress and self-assesses).
//   - Monitor: Amina Haddad, Riverton Transparency Watch (monitoring_body,
//     civil society; not on the team, so independent: opens rounds).
//   - Contributor: Priya Raman, civic technology lead at Code for Riverton
//     (contributor, civil society; on the team).
//
// All have the password Password; e-mails are firstname.lastname@example.org.
type Cast struct {
	Admin, Coordinator, GovApprover, CivilApprover, Lead, Monitor, Contributor Person
}

// casts remembers each site's cast: users are global to a stack.
var casts = struct {
	sync.Mutex
	m map[*Site]Cast
}{m: map[*Site]Cast{}}

// Cast creates the cast's users on the first call for a site and returns
// the same people afterwards.
func (s *Site) Cast() Cast {
	s.T.Helper()
	casts.Lock()
	defer casts.Unlock()
	if c, ok := casts.m[s]; ok {
		return c
	}
	c := Cast{
		Admin:         s.User("Grace Whitfield", "grace.whitfield@example.org", true),
		Coordinator:   s.User("Ana Lucía Ferreira", "ana.ferreira@example.org", false),
		GovApprover:   s.User("Daniel Okafor", "daniel.okafor@example.org", false),
		CivilApprover: s.User("Marta Ríos", "marta.rios@example.org", false),
		Lead:          s.User("Tomás Herrera", "tomas.herrera@example.org", false),
		Monitor:       s.User("Amina Haddad", "amina.haddad@example.org", false),
		Contributor:   s.User("Priya Raman", "priya.raman@example.org", false),
	}
	casts.m[s] = c
	s.T.Cleanup(func() {
		casts.Lock()
		delete(casts.m, s)
		casts.Unlock()
	})
	return c
}

// fixtureWait bounds every wait of the fixtures.
const fixtureWait = 30 * time.Second

// day is today (UTC) plus n days, as YYYY-MM-DD.
func day(n int) string {
	now := time.Now().UTC()
	return time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC).AddDate(0, 0, n).Format(time.DateOnly)
}

func planPath(id int64, format string, args ...any) string {
	return fmt.Sprintf("/action-plans/%d", id) + fmt.Sprintf(format, args...)
}

// poll calls ok every 100 ms until it says true, failing the test after
// the deadline with what was awaited.
func (s *Site) poll(what string, wait time.Duration, ok func() bool) {
	s.T.Helper()
	deadline := time.Now().Add(wait)
	for !ok() {
		if time.Now().After(deadline) {
			s.T.Fatalf("waited %v in vain for %s", wait, what)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// NewPlan creates a plan as the coordinator (government), from a year ago
// to a year ahead, for CityName, with the cast as members: both
// approvers, the lead and the contributor, and the monitoring body.
func (s *Site) NewPlan(c Cast, title string) int64 {
	s.T.Helper()
	var plan struct {
		ID int64 `json:"id"`
	}
	s.API(c.Coordinator.Token, http.MethodPost, "/action-plans", map[string]any{"title": title, "member": CityName,
		"starts_on": day(-365), "ends_on": day(365), "sector": "government"}, http.StatusCreated, &plan)
	for _, m := range []struct {
		who    Person
		role   string
		sector string
	}{
		{c.GovApprover, "approver", "government"},
		{c.CivilApprover, "approver", "civil_society"},
		{c.Lead, "contributor", "government"},
		{c.Contributor, "contributor", "civil_society"},
		{c.Monitor, "monitoring_body", "civil_society"},
	} {
		s.API(c.Coordinator.Token, http.MethodPut, planPath(plan.ID, "/members/%d", m.who.ID),
			map[string]any{"roles": []string{m.role}, "sector": m.sector}, http.StatusOK, nil)
	}
	return plan.ID
}

// PlanAt builds a plan whose current step is step (1 to 10), every step
// before it filled, submitted and approved; 11 gives a completed plan.
// Step 1 goes through one request for changes (the government approver
// asks for the district councils in the forum; they join and step 1 is
// resubmitted). Once step 8 is approved the commitments run (step 9) and
// some progress is reported (see seedImplementation): a plan at step 9
// has milestones overdue, due soon, in progress and done on time.
func (s *Site) PlanAt(c Cast, title string, step int) int64 {
	s.T.Helper()
	if step < 1 || step > 11 {
		s.T.Fatalf("PlanAt: step %d is not 1 to 10 (or 11 for a completed plan)", step)
	}
	id := s.NewPlan(c, title)
	for n := 1; n < step; n++ {
		s.FillStep(c, id, n)
		s.SubmitStep(c, id, n)
		if n == 1 {
			s.RequestChanges(c, id, 1, "Please add the Federation of District Councils to the forum: participatory budgeting will depend on them.")
			s.API(c.Coordinator.Token, http.MethodPost, planPath(id, "/forum/members"), map[string]any{"name": "Samuel Adeyemi",
				"organisation": "Federation of District Councils", "sector": "government"}, http.StatusCreated, nil)
			s.submit(c, id, 1, "The Federation of District Councils has joined the forum, as the approvers asked.")
		}
		s.ApproveStep(c, id, n)
		if n == 8 {
			s.seedImplementation(c, id)
		}
	}
	return id
}

// FillStep records valid content for step n, so that its submission
// passes the gate: 1-7 and 10 as in the app's tests; 8 needs nothing; 9
// completes every open milestone (as the lead, with evidence).
func (s *Site) FillStep(c Cast, planID int64, n int) {
	s.T.Helper()
	switch n {
	case 1:
		s.fillTeamForumMonitoring(c, planID)
	case 2:
		s.fillRoadmap(c, planID)
	case 3:
		s.fillAwareness(c, planID)
	case 4:
		s.fillProblems(c, planID)
	case 5:
		s.fillCommitments(c, planID)
	case 6:
		s.fillNetworks(c, planID)
	case 7:
		s.API(c.Coordinator.Token, http.MethodPut, planPath(planID, "/vision"), map[string]any{"text": visionText}, http.StatusOK, nil)
	case 8:
	case 9:
		s.CompleteCommitments(c, planID)
	case 10:
		s.fillLearning(c, planID)
	default:
		s.T.Fatalf("FillStep: no step %d", n)
	}
}

// stepSummaries are the coordinator's summaries when submitting.
var stepSummaries = map[int]string{
	1:  "A team of three from the city and Code for Riverton, a forum of both sectors, and Riverton Transparency Watch as independent monitoring body.",
	2:  "Roadmap for steps 3 to 10, agreed with the forum at its second meeting.",
	3:  "A launch event, an online campaign and workshops in all six districts reached about 1,900 residents.",
	4:  "Six problems raised, three of them by the public; scored by the team and the forum; three selected, with reasoned responses published.",
	5:  "Three commitments on the OGP template, with eleven measurable milestones.",
	6:  "Every commitment has a government lead and civil-society supporters.",
	7:  "Strategic vision drafted with the forum; the three commitments pass the template check.",
	8:  "The action plan, for validation by the city and civil society.",
	9:  "Every milestone delivered, with its evidence published.",
	10: "Learning plan agreed; the monitoring body's results report is published.",
}

// SubmitStep submits step n as the coordinator. Step 9 is retried until
// every commitment's workflow has reported it is closed (moments after
// the last milestone is completed).
func (s *Site) SubmitStep(c Cast, planID int64, n int) {
	s.T.Helper()
	s.submit(c, planID, n, stepSummaries[n])
}

func (s *Site) submit(c Cast, planID int64, n int, summary string) {
	s.T.Helper()
	path := planPath(planID, "/steps/%d/submit", n)
	body := map[string]any{"summary": summary}
	if n != 9 {
		s.API(c.Coordinator.Token, http.MethodPost, path, body, http.StatusOK, nil)
		return
	}
	var last int
	s.poll("every commitment to close so that step 9 can be submitted", fixtureWait, func() bool {
		last = s.API(c.Coordinator.Token, http.MethodPost, path, body, 0, nil)
		if last != http.StatusOK && last != http.StatusUnprocessableEntity {
			s.T.Fatalf("submitting step 9: status %d", last)
		}
		return last == http.StatusOK
	})
}

// planView is what the fixtures read of a plan.
type planView struct {
	Status      string `json:"status"`
	CurrentStep int    `json:"current_step"`
	Steps       []struct {
		Number int    `json:"number"`
		Status string `json:"status"`
		DueOn  string `json:"due_on"`
	} `json:"steps"`
}

func (s *Site) planView(planID int64) planView {
	s.T.Helper()
	var p planView
	s.API("", http.MethodGet, planPath(planID, ""), nil, http.StatusOK, &p)
	return p
}

// RequestChanges has the government approver ask for changes to step n
// (awaiting approval), and waits until the plan shows it.
func (s *Site) RequestChanges(c Cast, planID int64, n int, comment string) {
	s.T.Helper()
	s.API(c.GovApprover.Token, http.MethodPost, planPath(planID, "/steps/%d/decisions", n),
		map[string]any{"decision": "request_changes", "comment": comment}, http.StatusOK, nil)
	s.poll(fmt.Sprintf("step %d to show changes requested", n), fixtureWait, func() bool {
		return s.planView(planID).Steps[n-1].Status == "changes_requested"
	})
}

// ApproveStep has both approvers approve step n (awaiting approval) and
// waits until the plan shows it approved and the next step started (or
// the plan completed). After step 2 it clears the due dates the roadmap
// gave steps 4-8 (in the past: the co-creation happened months ago), so
// the fast walk through them sends no reminders; after step 8 it waits
// until every commitment runs.
func (s *Site) ApproveStep(c Cast, planID int64, n int) {
	s.T.Helper()
	path := planPath(planID, "/steps/%d/decisions", n)
	s.API(c.GovApprover.Token, http.MethodPost, path, map[string]any{"decision": "approve"}, http.StatusOK, nil)
	s.API(c.CivilApprover.Token, http.MethodPost, path, map[string]any{"decision": "approve",
		"comment": "Endorsed by civil society at the forum."}, http.StatusOK, nil)
	s.poll(fmt.Sprintf("step %d to show approved", n), fixtureWait, func() bool {
		p := s.planView(planID)
		return p.Steps[n-1].Status == "approved" && (p.CurrentStep == n+1 || p.Status == "completed")
	})
	switch n {
	case 2:
		p := s.planView(planID)
		for m := 4; m <= 8; m++ {
			if d := p.Steps[m-1].DueOn; d != "" && d < day(0) {
				s.API(c.Coordinator.Token, http.MethodPut, planPath(planID, "/steps/%d/due-date", m), map[string]any{"due_on": nil}, http.StatusOK, nil)
			}
		}
	case 8:
		want := len(s.Commitments(planID))
		s.poll("every commitment to start its implementation", fixtureWait, func() bool {
			return len(s.Implementation(planID)) == want
		})
	}
}

// --- step 1

func (s *Site) fillTeamForumMonitoring(c Cast, planID int64) {
	s.T.Helper()
	tok := c.Coordinator.Token
	for _, m := range []struct {
		who                 Person
		title, organisation string
	}{
		{c.Coordinator, "Open government coordinator", "City of Riverton, Mayor's Office"},
		{c.Lead, "Head of Procurement and Contracts", "City of Riverton, Procurement and Contracts Office"},
		{c.Contributor, "Civic technology lead", "Code for Riverton"},
	} {
		s.API(tok, http.MethodPut, planPath(planID, "/team/%d", m.who.ID), map[string]any{"title": m.title, "organisation": m.organisation}, http.StatusOK, nil)
	}
	s.API(tok, http.MethodPut, planPath(planID, "/forum"), map[string]any{
		"name":            ForumName,
		"is_new":          true,
		"purpose":         "City officials, councillors, neighbourhood associations, universities and civic groups co-create the action plan, follow its delivery and review its results together. Its rules and minutes are public.",
		"meeting_cadence": "every two months, and in public",
	}, http.StatusOK, nil)
	for _, m := range []struct{ name, organisation, sector string }{
		{"Daniel Okafor", "City of Riverton, Deputy Mayor for Finance", "government"},
		{"Sarah Lindqvist", "Riverton City Council, Ethics and Transparency Committee", "government"},
		{"Marta Ríos", "Riverton Civic Lab", "non_government"},
		{"Jorge Mendoza", "Eastside Neighbourhood Association", "non_government"},
		{"Kwame Mensah", "Riverton University, School of Public Policy", "non_government"},
	} {
		s.API(tok, http.MethodPost, planPath(planID, "/forum/members"), map[string]any{"name": m.name, "organisation": m.organisation, "sector": m.sector}, http.StatusCreated, nil)
	}
	for _, m := range []map[string]any{
		{"held_on": day(-330), "agenda": "Founding meeting: the forum's rules, the team, the choice of a monitoring body",
			"minutes":     "The forum adopted its rules (open meetings, minutes published within ten days, decisions by consensus or two-thirds) and asked Riverton Transparency Watch to act as independent monitoring body.",
			"minutes_url": "https://riverton.example/open-government/forum/minutes-1", "attendees": 18},
		{"held_on": day(-290), "agenda": "The roadmap; how to reach residents in every district",
			"minutes":     "The forum agreed the roadmap and asked for workshops in all six districts, in the evening, with childcare.",
			"minutes_url": "https://riverton.example/open-government/forum/minutes-2", "attendees": 22},
	} {
		s.API(tok, http.MethodPost, planPath(planID, "/forum/meetings"), m, http.StatusCreated, nil)
	}
	s.API(tok, http.MethodPut, planPath(planID, "/monitoring-body"), map[string]any{"name": MonitoringBodyName, "kind": "organisation",
		"independence_statement": "Riverton Transparency Watch is an independent non-profit funded by its members and two foundations. It receives no money from the City of Riverton, and none of its staff or board sit on the team."},
		http.StatusOK, nil)
}

// --- step 2

func (s *Site) fillRoadmap(c Cast, planID int64) {
	s.T.Helper()
	const ana = "Ana Lucía Ferreira, Mayor's Office"
	const forum = "Riverton Open Government Forum; neighbourhood associations; district councils"
	for _, e := range []struct {
		n                         int
		from, to                  int
		responsible, stakeholders string
	}{
		{3, -270, 30, ana + ", with the Communications Office", forum + "; local media; libraries"},
		{4, -220, -170, ana, forum + "; residents through the public call"},
		{5, -169, -110, "Commitment leads in the Procurement, Finance and Civic Participation offices", forum},
		{6, -109, -80, ana, forum + "; Riverton University; Riverton Chamber of Commerce"},
		{7, -79, -50, ana + " and Marta Ríos, Riverton Civic Lab", forum},
		{8, -49, -31, "The Mayor's Office and the forum's civil-society members", forum + "; City Council"},
		{9, -30, 330, "Tomás Herrera, Procurement and Contracts Office, with the commitment leads", forum + "; residents"},
		{10, 331, 365, ana + ", with Riverton Transparency Watch", forum + "; residents; OGP Local"},
	} {
		s.API(c.Coordinator.Token, http.MethodPut, planPath(planID, "/roadmap/%d", e.n), map[string]any{
			"starts_on": day(e.from), "ends_on": day(e.to), "responsible": e.responsible, "stakeholders": e.stakeholders,
		}, http.StatusOK, nil)
	}
}

// --- step 3

func (s *Site) fillAwareness(c Cast, planID int64) {
	s.T.Helper()
	for _, a := range []map[string]any{
		{"kind": "event", "held_on": day(-260), "audience": "Residents, neighbourhood associations and local NGOs",
			"description": "Open Government Week launch at the Central Library: what an action plan is, and how anyone can propose a problem for it.",
			"reach":       320, "evidence_url": "https://riverton.example/open-government/launch"},
		{"kind": "online", "held_on": day(-250), "audience": "Residents on the city's website and social media",
			"description": "Four-week online campaign with short videos in English and Spanish inviting residents to propose problems.",
			"reach":       1240, "evidence_url": "https://riverton.example/open-government/campaign"},
		{"kind": "event", "held_on": day(-235), "audience": "Residents of the six districts",
			"description": "Evening workshops in a community centre of each district, with childcare and interpretation.",
			"reach":       340, "evidence_url": "https://riverton.example/open-government/workshops"},
	} {
		s.API(c.Coordinator.Token, http.MethodPost, planPath(planID, "/awareness"), a, http.StatusCreated, nil)
	}
}

// --- step 4

type problemRow struct {
	title, description, policyArea string
	source                         string // team, forum or public
	submitter, email               string
	scores                         []int // by scorer, in turn
	selected                       bool
	hidden                         string // moderation reason when hidden
	response                       string // reasoned response
}

var problemRows = []problemRow{
	{title: ProblemContracts, policyArea: "public procurement", source: "team", submitter: "Open government team",
		description: "Contract awards appear only as PDF notices in the official gazette. Nobody can see in one place who bid, who won, for how much, or whether a contract was amended; in 2025 only 38% of awards were published online at all.",
		scores:      []int{5, 5, 4, 5, 4, 5}, selected: true,
		response: "Taken up as commitment 1: the forum ranked it first, and the Procurement Office can build on the national e-procurement system."},
	{title: ProblemBudget, policyArea: "fiscal transparency", source: "forum", submitter: ForumName,
		description: "The approved budget is a 400-page scanned PDF published once a year, and spending during the year is never published, so residents and councillors cannot follow it.",
		scores:      []int{4, 5, 4, 4, 5, 4}, selected: true,
		response: "Taken up as commitment 2, with the Finance Department."},
	{title: ProblemParticipatory, policyArea: "civic participation", source: "public", submitter: "Jorge Mendoza, Eastside Neighbourhood Association",
		email:       "jorge.mendoza@example.org",
		description: "District investment priorities are set without asking the people who live there. In the 2025 resident survey, 71% said they had no way to influence local spending. Let each district decide part of the capital budget.",
		scores:      []int{5, 4, 5, 5, 4, 4}, selected: true,
		response: "Taken up as commitment 3: the highest-scored proposal from the public, and the council agreed to set aside 3% of the capital budget for it."},
	{title: ProblemCouncilPapers, policyArea: "open council", source: "forum", submitter: ForumName,
		description: "Agendas and reports for council meetings are often released the day before, too late for residents or journalists to read them.",
		scores:      []int{3, 3, 4, 2, 3, 3},
		response:    "Not taken up in this plan: in September the council adopted a rule to publish agendas and papers seven days before each meeting. The forum will check that the rule is kept and come back to the issue in the next plan."},
	{title: ProblemBuses, policyArea: "mobility", source: "public", submitter: "Li Wei", email: "li.wei@example.org",
		description: "Apps cannot show when the next bus comes because timetables and live positions are not published as open data.",
		scores:      []int{2, 3, 2, 3, 2, 2},
		response:    "Not taken up: buses are run by the Regional Transit Authority, not the city. The forum has written to the Authority and invited it to present its open data plans at the next forum meeting."},
	{title: ProblemPothole, policyArea: "roads", source: "public", submitter: "A resident of Northgate",
		description: "There is a deep pothole in front of number 14 that has damaged several bicycles.",
		hidden:      "A maintenance request, not an open government issue: forwarded to the 311 service (ticket 48213)."},
}

func (s *Site) fillProblems(c Cast, planID int64) {
	s.T.Helper()
	tok := c.Coordinator.Token
	s.API(tok, http.MethodPost, planPath(planID, "/forum/meetings"), map[string]any{"held_on": day(-190),
		"agenda":  "Scoring the problems raised by the team, the forum and the public",
		"minutes": "Members scored the six problems received; the proposal on Elm Street was passed to the 311 service.", "attendees": 26,
		"minutes_url": "https://riverton.example/open-government/forum/minutes-3"}, http.StatusCreated, nil)
	var forum struct {
		Members []struct {
			ID int64 `json:"id"`
		} `json:"members"`
	}
	s.API("", http.MethodGet, planPath(planID, "/forum"), nil, http.StatusOK, &forum)
	team := []Person{c.Coordinator, c.Lead, c.Contributor}
	for _, p := range problemRows {
		var created struct {
			ID int64 `json:"id"`
		}
		if p.source == "public" {
			body := map[string]any{"title": p.title, "description": p.description, "policy_area": p.policyArea, "name": p.submitter}
			if p.email != "" {
				body["email"] = p.email
			}
			s.API("", http.MethodPost, planPath(planID, "/problems/proposals"), body, http.StatusAccepted, &created)
			decision := map[string]any{"decision": "publish"}
			if p.hidden != "" {
				decision = map[string]any{"decision": "hide", "reason": p.hidden}
			}
			s.API(tok, http.MethodPost, planPath(planID, "/problems/%d/moderation", created.ID), decision, http.StatusOK, nil)
		} else {
			s.API(tok, http.MethodPost, planPath(planID, "/problems"), map[string]any{"title": p.title, "description": p.description,
				"policy_area": p.policyArea, "source": p.source, "submitter": p.submitter}, http.StatusCreated, &created)
		}
		if p.hidden != "" {
			continue
		}
		path := planPath(planID, "/problems/%d/scores", created.ID)
		i := 0
		for _, who := range team {
			s.API(who.Token, http.MethodPost, path, map[string]any{"score": p.scores[i%len(p.scores)]}, http.StatusOK, nil)
			i++
		}
		for _, fm := range forum.Members {
			s.API(tok, http.MethodPost, path, map[string]any{"score": p.scores[i%len(p.scores)], "forum_member_id": fm.ID}, http.StatusOK, nil)
			i++
		}
		if p.selected {
			s.API(tok, http.MethodPost, planPath(planID, "/problems/%d/selection", created.ID), map[string]any{"selected": true}, http.StatusOK, nil)
		}
		s.API(tok, http.MethodPut, planPath(planID, "/problems/%d/reasoned-response", created.ID), map[string]any{"text": p.response}, http.StatusOK, nil)
	}
}

// --- step 5

type milestoneRow struct {
	title, deliverable, indicator, target string
	from, due                             int // days from today
	responsible                           string
	leadResponsible                       bool // responsible_user_id is Cast.Lead
}

type commitmentRow struct {
	problem, title, leadAgency                            string
	problemStatement, statusQuo, objective, howItSolves   string
	values                                                [][2]string
	additionalInfo                                        string
	from, to                                              int
	milestones                                            []milestoneRow
	network                                               []map[string]any
	impact, openedGovernment, recommendations, selfReview string
}

var commitmentRows = []commitmentRow{
	{
		problem: ProblemContracts, title: CommitmentContracts, leadAgency: "Procurement and Contracts Office",
		problemStatement: "Residents, businesses and journalists cannot see who bids for and wins city contracts, for how much, or whether contracts are changed after the award.",
		statusQuo:        "In 2025 the city awarded 1,240 contracts worth 182 million. Only 38% of the awards were published online, as PDF notices in the official gazette, without the bidders or any later amendments.",
		objective:        "Publish every stage of every city contract (planning, tender, award, contract and implementation) in the Open Contracting Data Standard on the city's open data portal, with a public dashboard.",
		howItSolves:      "One searchable source lets anyone follow a contract from plan to payment, compare prices and flag single-bidder tenders or unusual amendments, which the forum reviews with the Procurement Office every quarter.",
		values: [][2]string{
			{"transparency", "Publishes data on every contracting stage that is not public today."},
			{"accountability", "Red flags raised by residents are answered in public by the Procurement Office within 30 days."},
		},
		additionalInfo: "Budget: 85,000 from the city's digital transformation fund. Contributes to SDG 16.6 and 16.10. Builds on the national e-procurement system.",
		from:           -30, to: 300,
		milestones: []milestoneRow{
			{MilestoneOCDS, "Tender templates and the e-procurement system publish OCDS data", "Share of new tenders published in OCDS",
				"100% of tenders launched after the due date", -30, -5, "Tomás Herrera, Procurement and Contracts Office", true},
			{MilestoneBacklog, "A dataset of contracts since 2022 in OCDS, JSON and CSV", "Contracts published out of contracts awarded since 2022",
				"At least 95% of about 3,600 contracts", -20, 3, "Tomás Herrera, Procurement and Contracts Office", true},
			{MilestoneDashboard, "An online dashboard of tenders, awards, amendments and red flags", "Dashboard online; red-flag indicators published",
				"Dashboard online with 5 red-flag indicators, tested with 20 users", 4, 180, "Tomás Herrera, Procurement and Contracts Office", true},
			{MilestoneRedFlags, "A public review meeting each quarter, with written answers from the Procurement Office", "Reviews held; flags answered within 30 days",
				"3 reviews held; 90% of flags answered within 30 days", 181, 300, "Tomás Herrera, Procurement and Contracts Office", true},
		},
		network: []map[string]any{
			{"name": "Tomás Herrera", "organisation": "City of Riverton, Procurement and Contracts Office", "sector": "government", "role": "lead", "contact": "procurement@riverton.example"},
			{"name": "Marta Ríos", "organisation": "Riverton Civic Lab", "sector": "civil_society", "role": "supporter", "contact": "hello@civiclab.example"},
			{"name": "Nadia Petrova", "organisation": "Riverton Chamber of Commerce", "sector": "private", "role": "supporter", "contact": "policy@chamber.example"},
		},
		impact: "transformative", openedGovernment: "major",
		recommendations: "Publish the red-flag methodology, and have the Procurement Office answer every flag in public.",
		selfReview:      "The standard is in use for open tenders; the framework-agreement export is late because of the vendor.",
	},
	{
		problem: ProblemBudget, title: CommitmentBudget, leadAgency: "Finance Department",
		problemStatement: "Residents cannot follow how the city's budget is spent during the year.",
		statusQuo:        "The approved budget is published once a year as a 400-page scanned PDF. Spending is reported to the council twice a year and never published.",
		objective:        "Publish the approved budget and its execution every month as open data, with a plain-language citizens' budget, and explain it in every district.",
		howItSolves:      "Residents, journalists and councillors see what was planned and what was spent, line by line and month by month, and can question it with facts at the district sessions.",
		values: [][2]string{
			{"transparency", "Discloses monthly spending that is not public today."},
			{"participation", "Residents discuss the citizens' budget at district sessions before the next budget is drafted."},
		},
		additionalInfo: "Budget: 40,000 from the Finance Department. Uses the Open Fiscal Data Package format.",
		from:           -30, to: 240,
		milestones: []milestoneRow{
			{MilestoneCitizensBudget, "The budget as machine-readable data and a 12-page plain-language citizens' budget", "Datasets and guide published",
				"Budget dataset and citizens' budget online in English and Spanish", -30, 20, "Helen Park, Finance Department", false},
			{MilestoneMonthly, "A monthly budget execution dataset on the open data portal", "Months published within 15 days of their close",
				"The first 3 months, each within 15 days", -15, 45, "Helen Park, Finance Department", false},
			{MilestoneExplainers, "Six public sessions with a published feedback report each", "Sessions held; participants",
				"6 sessions, at least 300 participants in all", 46, 240, "Helen Park, Finance Department, with Riverton Budget Watch", false},
		},
		network: []map[string]any{
			{"name": "Helen Park", "organisation": "City of Riverton, Finance Department", "sector": "government", "role": "lead", "contact": "budget@riverton.example"},
			{"name": "Riverton Budget Watch", "organisation": "Riverton Budget Watch", "sector": "civil_society", "role": "supporter", "contact": "team@budgetwatch.example"},
			{"name": "Kwame Mensah", "organisation": "Riverton University, School of Public Policy", "sector": "academia", "role": "supporter", "contact": "k.mensah@university.example"},
		},
		impact: "moderate", openedGovernment: "marginal",
		recommendations: "Publish the monthly data on a fixed date, and add the district sessions' questions to the next citizens' budget.",
		selfReview:      "The citizens' budget is online; monthly publication has started.",
	},
	{
		problem: ProblemParticipatory, title: CommitmentParticipatory, leadAgency: "Office of Civic Participation",
		problemStatement: "Neighbourhoods have no say in how the capital budget is spent where they live.",
		statusQuo:        "District investment priorities are set by the council without consultation. In the 2025 resident survey, 71% said they had no way to influence local spending.",
		objective:        "Let residents propose and vote on projects for 3% of the capital budget (about 4.5 million) across the six districts, and follow the delivery of the winning projects.",
		howItSolves:      "Spending follows residents' priorities, and they see the winning projects delivered, which builds trust and participation.",
		values: [][2]string{
			{"participation", "Residents propose, deliberate and decide on part of the capital budget."},
			{"accountability", "The city reports in public on every winning project until it is delivered."},
		},
		additionalInfo: "Budget: 4.5 million for projects (3% of the capital budget) and 60,000 for outreach. Proposed by the Eastside Neighbourhood Association through the public call.",
		from:           -30, to: 330,
		milestones: []milestoneRow{
			{MilestoneRules, "A participatory budgeting rulebook adopted by the council", "Rulebook adopted after a public consultation",
				"Rulebook adopted; at least 150 comments considered", -30, 2, "Rosa Delgado, Office of Civic Participation", false},
			{MilestoneProposals, "A public call and proposal assemblies in the six districts", "Eligible proposals per district",
				"At least 40 eligible proposals in each district", 3, 90, "Rosa Delgado, Office of Civic Participation", false},
			{MilestoneVotes, "A vote in the six districts, with the results published", "Residents voting",
				"At least 12,000 voters (5% of adult residents)", 91, 150, "Rosa Delgado, Office of Civic Participation", false},
			{MilestoneTracker, "A public project tracker, updated every month", "Winning projects with monthly updates",
				"100% of the winning projects tracked", 151, 330, "Rosa Delgado, Office of Civic Participation", false},
		},
		network: []map[string]any{
			{"name": "Rosa Delgado", "organisation": "City of Riverton, Office of Civic Participation", "sector": "government", "role": "lead", "contact": "participation@riverton.example"},
			{"name": "Jorge Mendoza", "organisation": "Eastside Neighbourhood Association", "sector": "civil_society", "role": "supporter", "contact": "eastside@neighbours.example"},
			{"name": "Samuel Adeyemi", "organisation": "Federation of District Councils", "sector": "other", "role": "supporter", "contact": "federation@districts.example"},
		},
		impact: "transformative", openedGovernment: "outstanding",
		recommendations: "Keep the share of the capital budget at least at 3%, and reach renters and young people, who voted least.",
		selfReview:      "The draft rulebook received 212 comments; the council votes on it next week.",
	},
}

func (s *Site) fillCommitments(c Cast, planID int64) {
	s.T.Helper()
	problems := map[string]int64{}
	for _, p := range s.Problems(planID) {
		problems[p.Title] = p.ID
	}
	for _, row := range commitmentRows {
		pid, ok := problems[row.problem]
		if !ok {
			s.T.Fatalf("fill step 5: plan %d has no problem %q (step 4 not filled by FillStep?)", planID, row.problem)
		}
		values := []map[string]any{}
		for _, v := range row.values {
			values = append(values, map[string]any{"value": v[0], "justification": v[1]})
		}
		var cm struct {
			ID int64 `json:"id"`
		}
		s.API(c.Coordinator.Token, http.MethodPost, planPath(planID, "/commitments"), map[string]any{
			"problem_id": pid, "title": row.title, "starts_on": day(row.from), "ends_on": day(row.to), "lead_agency": row.leadAgency,
			"problem_statement": row.problemStatement, "status_quo": row.statusQuo, "objective": row.objective,
			"how_it_solves": row.howItSolves, "values": values, "additional_info": row.additionalInfo, "lead_user_id": c.Lead.ID,
		}, http.StatusCreated, &cm)
		for _, m := range row.milestones {
			body := map[string]any{"title": m.title, "deliverable": m.deliverable, "indicator": m.indicator, "target": m.target,
				"starts_on": day(m.from), "due_on": day(m.due), "responsible": m.responsible}
			if m.leadResponsible {
				body["responsible_user_id"] = c.Lead.ID
			}
			s.API(c.Coordinator.Token, http.MethodPost, planPath(planID, "/commitments/%d/milestones", cm.ID), body, http.StatusCreated, nil)
		}
	}
}

// --- step 6

func (s *Site) fillNetworks(c Cast, planID int64) {
	s.T.Helper()
	rows := map[string]commitmentRow{}
	for _, r := range commitmentRows {
		rows[r.title] = r
	}
	for _, cm := range s.Commitments(planID) {
		row, ok := rows[cm.Title]
		if !ok {
			s.T.Fatalf("fill step 6: commitment %q is not one of the fixtures'", cm.Title)
		}
		for _, a := range row.network {
			s.API(c.Coordinator.Token, http.MethodPost, planPath(planID, "/commitments/%d/network", cm.ID), a, http.StatusCreated, nil)
		}
	}
}

// --- step 7

const visionText = "By the end of this plan every resident of Riverton can see how the city spends its money, who it contracts with and why, and has a real say in how their neighbourhood changes.\n\n" +
	"Our three commitments open every public contract, publish the budget's execution month by month, and give each of the six districts a share of the capital budget that its residents decide."

// --- step 9

// seedImplementation reports the progress of a plan whose commitments
// have just started (as the lead): milestone 1.1 (overdue) 70% with a
// public delay explanation, 1.2 (due in 3 days) 40%, 2.1 completed on
// time, 2.2 25%, 3.1 (due in 2 days) 60%; the rest not started.
func (s *Site) seedImplementation(c Cast, planID int64) {
	s.T.Helper()
	ids := map[string][2]int64{}
	for _, cm := range s.Commitments(planID) {
		for _, m := range cm.Milestones {
			ids[m.Title] = [2]int64{cm.ID, m.ID}
		}
	}
	at := func(title string) (int64, int64) {
		s.T.Helper()
		id, ok := ids[title]
		if !ok {
			s.T.Fatalf("plan %d has no milestone %q", planID, title)
		}
		return id[0], id[1]
	}
	cid, mid := at(MilestoneOCDS)
	s.ReportProgress(c, planID, cid, mid, 70, "The new tender templates are in use and the e-procurement system publishes OCDS data for open tenders. The export for framework agreements is still being tested.",
		"https://data.riverton.example/procurement/ocds")
	s.ExplainDelay(c, planID, cid, mid, "The e-procurement vendor delivered the export for framework agreements three weeks late. It is being tested now, and we expect to finish within a month.")
	cid, mid = at(MilestoneBacklog)
	s.ReportProgress(c, planID, cid, mid, 40, "1,450 of about 3,600 contracts from 2022 to 2024 are cleaned and published; the 2025 contracts are being matched with payments.",
		"https://data.riverton.example/procurement/contracts-2022-2024")
	cid, mid = at(MilestoneCitizensBudget)
	s.ReportProgress(c, planID, cid, mid, 50, "The budget dataset is online; the citizens' budget is being translated into Spanish.",
		"https://data.riverton.example/budget/approved")
	s.CompleteMilestone(c, planID, cid, mid, "This year's budget and the citizens' budget are online in English and Spanish.",
		"https://data.riverton.example/budget/approved", "https://riverton.example/budget/citizens-budget.pdf")
	cid, mid = at(MilestoneMonthly)
	s.ReportProgress(c, planID, cid, mid, 25, "Last month's spending was published 12 days after the month's close.",
		"https://data.riverton.example/budget/execution")
	cid, mid = at(MilestoneRules)
	s.ReportProgress(c, planID, cid, mid, 60, "The draft rulebook was open for consultation: 212 comments online and at three assemblies. The council votes on it next week.",
		"https://riverton.example/participatory-budgeting/rulebook-consultation")
}

// ReportProgress reports a milestone in progress at percent, as the lead
// (the commitment's lead_user_id in the fixtures).
func (s *Site) ReportProgress(c Cast, planID, commitmentID, milestoneID int64, percent int, narrative string, evidence ...string) {
	s.T.Helper()
	s.API(c.Lead.Token, http.MethodPost, planPath(planID, "/commitments/%d/milestones/%d/progress", commitmentID, milestoneID),
		map[string]any{"status": "in_progress", "percent": percent, "narrative": narrative, "evidence": nonNil(evidence)}, http.StatusOK, nil)
}

// CompleteMilestone completes a milestone as the lead; evidence (at least
// one http(s) link) is required.
func (s *Site) CompleteMilestone(c Cast, planID, commitmentID, milestoneID int64, narrative string, evidence ...string) {
	s.T.Helper()
	s.API(c.Lead.Token, http.MethodPost, planPath(planID, "/commitments/%d/milestones/%d/complete", commitmentID, milestoneID),
		map[string]any{"narrative": narrative, "evidence": nonNil(evidence)}, http.StatusOK, nil)
}

// ExplainDelay publishes, as the lead, why an overdue milestone is late.
func (s *Site) ExplainDelay(c Cast, planID, commitmentID, milestoneID int64, text string) {
	s.T.Helper()
	s.API(c.Lead.Token, http.MethodPost, planPath(planID, "/commitments/%d/milestones/%d/delay-explanation", commitmentID, milestoneID),
		map[string]any{"text": text}, http.StatusOK, nil)
}

// RequestAmendment asks, as the lead, to move a milestone's due date
// (YYYY-MM-DD, inside the plan's period), and returns the amendment's seq.
func (s *Site) RequestAmendment(c Cast, planID, commitmentID, milestoneID int64, newDueOn, reason string) int {
	s.T.Helper()
	var v struct {
		Amendments []struct {
			Seq int `json:"seq"`
		} `json:"amendments"`
	}
	s.API(c.Lead.Token, http.MethodPost, planPath(planID, "/commitments/%d/milestones/%d/amendments", commitmentID, milestoneID),
		map[string]any{"new_due_on": newDueOn, "reason": reason}, http.StatusOK, &v)
	if len(v.Amendments) == 0 {
		s.T.Fatalf("amendment requested, but the commitment shows none")
	}
	return v.Amendments[len(v.Amendments)-1].Seq
}

// ApproveAmendment has both approvers approve amendment seq.
func (s *Site) ApproveAmendment(c Cast, planID, commitmentID int64, seq int) {
	s.T.Helper()
	path := planPath(planID, "/commitments/%d/amendments/%d/decisions", commitmentID, seq)
	s.API(c.GovApprover.Token, http.MethodPost, path, map[string]any{"decision": "approve"}, http.StatusOK, nil)
	s.API(c.CivilApprover.Token, http.MethodPost, path, map[string]any{"decision": "approve", "comment": "Agreed at the forum."}, http.StatusOK, nil)
}

// CompleteCommitments completes, as the lead, every milestone not yet
// completed, with evidence, so that every commitment closes.
func (s *Site) CompleteCommitments(c Cast, planID int64) {
	s.T.Helper()
	for _, run := range s.Implementation(planID) {
		for _, m := range run.Milestones {
			if m.Status == "completed" {
				continue
			}
			s.CompleteMilestone(c, planID, run.CommitmentID, m.ID, "Delivered: "+m.Title+".",
				fmt.Sprintf("https://data.riverton.example/open-government/evidence/%d", m.ID))
		}
	}
}

func nonNil(xs []string) []string {
	if xs == nil {
		return []string{}
	}
	return xs
}

// --- reads

// MilestoneRef is a milestone of a fixture plan.
type MilestoneRef struct {
	ID    int64  `json:"id"`
	Title string `json:"title"`
	DueOn string `json:"due_on"`
}

// CommitmentRef is a commitment of a plan, with its milestones.
type CommitmentRef struct {
	ID         int64          `json:"id"`
	Number     int            `json:"number"`
	Title      string         `json:"title"`
	Milestones []MilestoneRef `json:"milestones"`
}

// Commitments lists the plan's commitments (public read).
func (s *Site) Commitments(planID int64) []CommitmentRef {
	s.T.Helper()
	var list struct {
		Items []CommitmentRef `json:"items"`
	}
	s.API("", http.MethodGet, planPath(planID, "/commitments"), nil, http.StatusOK, &list)
	return list.Items
}

// Commitment finds the plan's commitment with this title (one of the
// Commitment* constants), failing the test when there is none.
func (s *Site) Commitment(planID int64, title string) CommitmentRef {
	s.T.Helper()
	for _, c := range s.Commitments(planID) {
		if c.Title == title {
			return c
		}
	}
	s.T.Fatalf("plan %d has no commitment %q", planID, title)
	return CommitmentRef{}
}

// Milestone finds a milestone of the commitment by title.
func (c CommitmentRef) Milestone(t testing.TB, title string) MilestoneRef {
	t.Helper()
	for _, m := range c.Milestones {
		if m.Title == title {
			return m
		}
	}
	t.Fatalf("commitment %q has no milestone %q", c.Title, title)
	return MilestoneRef{}
}

// ProblemRef is a published problem of a plan.
type ProblemRef struct {
	ID               int64  `json:"id"`
	Title            string `json:"title"`
	Source           string `json:"source"`
	Selected         bool   `json:"selected"`
	Rank             int    `json:"rank"`
	ReasonedResponse string `json:"reasoned_response"`
}

// Problems lists the plan's published problems (public read: the hidden
// one is not there).
func (s *Site) Problems(planID int64) []ProblemRef {
	s.T.Helper()
	var list struct {
		Items []ProblemRef `json:"items"`
	}
	s.API("", http.MethodGet, planPath(planID, "/problems"), nil, http.StatusOK, &list)
	return list.Items
}

// RunRef is a commitment in implementation, as the public sees it.
type RunRef struct {
	CommitmentID int64  `json:"commitment_id"`
	Number       int    `json:"number"`
	Title        string `json:"title"`
	Status       string `json:"status"`
	Completion   string `json:"completion"`
	Milestones   []struct {
		ID       int64  `json:"id"`
		Title    string `json:"title"`
		DueOn    string `json:"due_on"`
		Status   string `json:"status"`
		Percent  int    `json:"percent"`
		Schedule string `json:"schedule"`
	} `json:"milestones"`
}

// Implementation lists the plan's commitments in implementation (empty
// before step 8 is approved).
func (s *Site) Implementation(planID int64) []RunRef {
	s.T.Helper()
	var list struct {
		Items []RunRef `json:"items"`
	}
	s.API("", http.MethodGet, planPath(planID, "/implementation"), nil, http.StatusOK, &list)
	return list.Items
}

// --- step 10 and assessment rounds

func (s *Site) fillLearning(c Cast, planID int64) {
	s.T.Helper()
	s.API(c.Coordinator.Token, http.MethodPut, planPath(planID, "/learning-plan"), map[string]any{
		"objectives":                  "Learn whether open contracting, the monthly open budget and participatory budgeting changed how residents follow and influence the city's spending.",
		"accountability_requirements": "The coordinator reports to the City Council and the forum twice a year, and to OGP Local once a year.",
		"data_collection":             "Open data portal statistics, red flags raised and answered, participatory budgeting turnout, a yearly resident survey and the forum's minutes.",
		"data_storage":                "On the city's servers, anonymised, kept for five years.",
		"data_analysis":               "Riverton Transparency Watch and the forum analyse the data together each year, with Riverton University's School of Public Policy.",
		"data_sharing":                "Published as open data on the city's portal and presented at a public forum meeting.",
		"participants":                "The team, the forum, Riverton Transparency Watch, and residents through the survey and the district sessions.",
	}, http.StatusOK, nil)
	r := s.OpenRoundFor(c, planID, "results", 4*time.Second)
	s.publishDraft(c, planID, r, true)
	s.Finalise(c, planID, r)
}

// RoundRef is what the fixtures read of an assessment round.
type RoundRef struct {
	ID          int64   `json:"id"`
	Kind        string  `json:"kind"`
	Stage       string  `json:"stage"`
	StageDueAt  *string `json:"stage_due_at"`
	Summary     string  `json:"summary"`
	ReportHash  string  `json:"report_hash"`
	Commitments []struct {
		CommitmentID int64   `json:"commitment_id"`
		Number       int     `json:"number"`
		Title        string  `json:"title"`
		LeadUserID   int64   `json:"lead_user_id"`
		Milestones   []int64 `json:"milestones"`
	} `json:"commitments"`
	SelfAssessments []struct {
		CommitmentID int64 `json:"commitment_id"`
	} `json:"self_assessments"`
	Assessments []struct {
		CommitmentID int64 `json:"commitment_id"`
	} `json:"assessments"`
	Checklist []ChecklistRef `json:"checklist"`
	Comments  []struct {
		Seq    int    `json:"seq"`
		Name   string `json:"name"`
		Text   string `json:"text"`
		Answer string `json:"answer"`
	} `json:"comments"`
}

// ChecklistRef is a point of a co-creation round's checklist.
type ChecklistRef struct {
	Key       string `json:"key"`
	Rating    string `json:"rating"`
	Note      string `json:"note"`
	Prefilled bool   `json:"prefilled"`
}

// Round reads a round (public read).
func (s *Site) Round(planID, roundID int64) RoundRef {
	s.T.Helper()
	var r RoundRef
	s.API("", http.MethodGet, planPath(planID, "/assessment-rounds/%d", roundID), nil, http.StatusOK, &r)
	return r
}

// WaitRound waits until the round is in stage.
func (s *Site) WaitRound(planID, roundID int64, stage string) RoundRef {
	s.T.Helper()
	var r RoundRef
	s.poll(fmt.Sprintf("round %d to reach stage %s", roundID, stage), fixtureWait, func() bool {
		r = s.Round(planID, roundID)
		return r.Stage == stage
	})
	return r
}

// OpenRound opens a round of kind (co_creation once step 8 is approved,
// implementation during step 9, results from step 10) as the monitoring
// body, has the lead self-assess every commitment he leads, and waits for
// the assessment stage. Its comment period, once the draft is published,
// is an hour: long enough for pages to comment, too long to Finalise; use
// OpenRoundFor with a few seconds to Finalise.
func (s *Site) OpenRound(c Cast, planID int64, kind string) int64 {
	s.T.Helper()
	return s.OpenRoundFor(c, planID, kind, time.Hour)
}

// OpenRoundFor is OpenRound with a comment period of commentFor (at least
// a second).
func (s *Site) OpenRoundFor(c Cast, planID int64, kind string, commentFor time.Duration) int64 {
	s.T.Helper()
	var r RoundRef
	s.API(c.Monitor.Token, http.MethodPost, planPath(planID, "/assessment-rounds"), map[string]any{"kind": kind,
		"self_assessment_for": "30s", "assessment_for": "1h", "comment_for": commentFor.String(), "finalising_for": "1h"}, http.StatusCreated, &r)
	s.poll(fmt.Sprintf("round %d to collect its evidence", r.ID), fixtureWait, func() bool {
		r = s.Round(planID, r.ID)
		return r.Stage != "collecting_evidence"
	})
	if r.Stage == "self_assessment" {
		completion := s.completions(planID)
		reviews := map[string]string{}
		for _, row := range commitmentRows {
			reviews[row.title] = row.selfReview
		}
		for _, cm := range r.Commitments {
			if cm.LeadUserID != c.Lead.ID {
				continue
			}
			narrative := reviews[cm.Title]
			if narrative == "" {
				narrative = "Work is under way as planned."
			}
			// A round whose self-assessment period ended meanwhile answers
			// 409: the assessment goes on without it.
			status := s.API(c.Lead.Token, http.MethodPost, planPath(planID, "/assessment-rounds/%d/self-assessments", r.ID), map[string]any{
				"commitment_id": cm.CommitmentID, "completion": completion[cm.CommitmentID], "narrative": narrative}, 0, nil)
			if status != http.StatusOK && status != http.StatusConflict {
				s.T.Fatalf("self-assessment of commitment %d in round %d: status %d", cm.CommitmentID, r.ID, status)
			}
		}
		// Every lead answered: the round moves on at once; otherwise at the
		// end of the 30 s self-assessment period.
		deadline := time.Now().Add(fixtureWait + 30*time.Second)
		for r.Stage != "assessment" {
			if time.Now().After(deadline) {
				s.T.Fatalf("round %d stays in stage %s", r.ID, r.Stage)
			}
			time.Sleep(100 * time.Millisecond)
			r = s.Round(planID, r.ID)
		}
	}
	if r.Stage != "assessment" {
		s.T.Fatalf("round %d opened, then in stage %s, want assessment", r.ID, r.Stage)
	}
	return r.ID
}

// completions is each commitment's current completion level
// (not_started before implementation).
func (s *Site) completions(planID int64) map[int64]string {
	s.T.Helper()
	out := map[int64]string{}
	for _, c := range s.Commitments(planID) {
		out[c.ID] = "not_started"
	}
	for _, run := range s.Implementation(planID) {
		out[run.CommitmentID] = run.Completion
	}
	return out
}

// PublishDraft takes a round in its assessment stage: it assesses every
// commitment not yet assessed, rates the co-creation checklist's
// awareness point partly met (the other points keep their rating
// pre-filled from the evidence), publishes the draft with a summary, and
// posts one public comment (by Li Wei, unanswered). The round is then in
// its public comment stage.
func (s *Site) PublishDraft(c Cast, planID, roundID int64) {
	s.T.Helper()
	s.publishDraft(c, planID, roundID, false)
}

var draftSummaries = map[string]string{
	"co_creation":    "Riverton co-created its plan in the open: a forum of both sectors met regularly, every proposal from the public was answered with reasons, and civil society co-signed the plan. The awareness activities could reach more working residents.",
	"implementation": "Two of the three commitments are on track. The open contracting standard is late, but the delay is explained in public and the backlog of contracts is being published.",
	"results":        "Riverton delivered its three commitments: public contracts and monthly spending are open data, and six districts decided how to spend part of the capital budget.",
}

var draftComments = map[string][2]string{
	"co_creation":    {"Were the district workshops accessible to people who work evenings?", "Two of the six were held on Saturday mornings; we recommend online sessions next time."},
	"implementation": {"When will the contracts dashboard show amendments?", "The Procurement Office plans to include them when the dashboard launches; we will check."},
	"results":        {"Will the contracts and budget data stay online after the plan ends?", "Yes: both are permanent datasets on the city's portal, updated daily and monthly."},
}

func (s *Site) publishDraft(c Cast, planID, roundID int64, commentMayBeLate bool) {
	s.T.Helper()
	r := s.Round(planID, roundID)
	if r.Stage != "assessment" {
		s.T.Fatalf("PublishDraft: round %d is in stage %s, want assessment", roundID, r.Stage)
	}
	base := planPath(planID, "/assessment-rounds/%d", roundID)
	assessed := map[int64]bool{}
	for _, a := range r.Assessments {
		assessed[a.CommitmentID] = true
	}
	completion := s.completions(planID)
	statuses := map[int64]string{}
	for _, run := range s.Implementation(planID) {
		for _, m := range run.Milestones {
			statuses[m.ID] = m.Status
		}
	}
	rows := map[string]commitmentRow{}
	for _, row := range commitmentRows {
		rows[row.title] = row
	}
	for _, cm := range r.Commitments {
		if assessed[cm.CommitmentID] {
			continue
		}
		row, ok := rows[cm.Title]
		if !ok {
			row = commitmentRow{impact: "moderate", openedGovernment: "marginal", recommendations: "Publish the evidence of each milestone as it is delivered."}
		}
		verdicts := []map[string]any{}
		for i, m := range cm.Milestones {
			v := map[string]any{"milestone_id": m, "verdict": "accepted"}
			switch {
			case r.Kind == "results" && row.title == CommitmentBudget && i == len(cm.Milestones)-1:
				v["verdict"], v["note"] = "challenged", "Two of the six district sessions have no feedback report online yet."
			case statuses[m] == "completed":
				v["note"] = "Evidence checked online."
			case statuses[m] == "in_progress":
				v["note"] = "Progress reported with evidence; not finished yet."
			default:
				v["note"] = "Not started yet: nothing to check."
			}
			verdicts = append(verdicts, v)
		}
		justified := map[string]string{}
		for _, v := range row.values {
			justified[v[0]] = v[1]
		}
		relevance := []map[string]any{}
		for _, v := range []string{"transparency", "participation", "accountability"} {
			note, relevant := justified[v]
			if relevant {
				note = "Clearly relevant. " + note
			} else {
				note = "Not a stated aim of this commitment."
			}
			relevance = append(relevance, map[string]any{"value": v, "relevant": relevant, "note": note})
		}
		body := map[string]any{"commitment_id": cm.CommitmentID, "completion": completion[cm.CommitmentID], "impact": row.impact,
			"relevance": relevance, "milestones": verdicts, "recommendations": row.recommendations}
		if r.Kind == "results" {
			body["opened_government"] = row.openedGovernment
		}
		s.API(c.Monitor.Token, http.MethodPost, base+"/assessments", body, http.StatusOK, nil)
	}
	if r.Kind == "co_creation" && !slices.ContainsFunc(r.Checklist, func(it ChecklistRef) bool { return it.Key == "awareness_done" && !it.Prefilled }) {
		s.API(c.Monitor.Token, http.MethodPost, base+"/checklist", map[string]any{"items": []map[string]any{
			{"key": "awareness_done", "rating": "partly_met", "note": "Workshops reached all six districts, but none was held online or on a weekend for residents who work evenings."},
		}}, http.StatusOK, nil)
	}
	summary := draftSummaries[r.Kind]
	if summary == "" {
		summary = "The monitoring body's assessment."
	}
	s.API(c.Monitor.Token, http.MethodPost, base+"/draft", map[string]any{"summary": summary}, http.StatusOK, nil)
	want := http.StatusOK
	if commentMayBeLate {
		want = 0
	}
	if status := s.API("", http.MethodPost, base+"/comments", map[string]any{"name": "Li Wei", "text": draftComments[r.Kind][0]}, want, nil); status != http.StatusOK && status != http.StatusConflict {
		s.T.Fatalf("comment on round %d's draft: status %d", roundID, status)
	}
}

// Finalise waits for the end of the round's comment period (it fails at
// once when the period ends beyond the fixtures' 30 s wait), answers every
// comment not yet answered as the monitoring body, publishes the report
// and waits until the round shows it published.
func (s *Site) Finalise(c Cast, planID, roundID int64) {
	s.T.Helper()
	r := s.Round(planID, roundID)
	if r.Stage == "public_comment" && r.StageDueAt != nil {
		if due, err := time.Parse(time.RFC3339Nano, *r.StageDueAt); err == nil && time.Until(due) > fixtureWait {
			s.T.Fatalf("Finalise: round %d's comment period runs until %s; open it with OpenRoundFor and a short period", roundID, *r.StageDueAt)
		}
	}
	r = s.WaitRound(planID, roundID, "finalising")
	base := planPath(planID, "/assessment-rounds/%d", roundID)
	for _, cm := range r.Comments {
		if cm.Answer != "" {
			continue
		}
		answer := "Thank you: the final report takes this into account."
		if a, ok := draftComments[r.Kind]; ok && cm.Text == a[0] {
			answer = a[1]
		}
		s.API(c.Monitor.Token, http.MethodPost, fmt.Sprintf("%s/comments/%d/answer", base, cm.Seq), map[string]any{"answer": answer}, http.StatusOK, nil)
	}
	s.API(c.Monitor.Token, http.MethodPost, base+"/finalise", map[string]any{}, http.StatusOK, nil)
	s.WaitRound(planID, roundID, "published")
}
