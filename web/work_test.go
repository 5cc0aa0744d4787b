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
	"unicode/utf8"

	"github.com/ogplocal/ogp/web/webtest"
)

// catalogKeyRE finds a catalog key of the workspace shown as is: a
// message missing from the catalog.
var catalogKeyRE = regexp.MustCompile(`\bwork\.[a-z_]+\.[a-z_.]+\b`)

// page fetches path and checks the status and that no catalog key of
// the area leaked untranslated.
func page(t *testing.T, b *webtest.Browser, path string, status int) *webtest.Page {
	t.Helper()
	p := b.Get(path)
	checkPage(t, p, status)
	return p
}

func checkPage(t *testing.T, p *webtest.Page, status int) {
	t.Helper()
	if p.Status != status {
		t.Fatalf("%s: status %d, want %d:\n%s", p.URL, p.Status, status, p.Body)
	}
	if k := catalogKeyRE.FindString(p.Body); k != "" {
		t.Errorf("%s shows the catalog key %q untranslated", p.URL, k)
	}
}

func mustLack(t *testing.T, p *webtest.Page, texts ...string) {
	t.Helper()
	for _, s := range texts {
		if strings.Contains(p.Body, s) {
			t.Fatalf("page %s still shows %q:\n%s", p.URL, s, p.Body)
		}
	}
}

func TestWorkNeedsSignIn(t *testing.T) {
	site := webtest.Start(t, "")
	b := site.Browser()
	for _, path := range []string{"/work", "/work/plans/1", "/work/plans/1/steps/2", "/work/plans/1/commitments/3/milestones/4"} {
		p := b.Get(path)
		if p.URL.Path != "/signin" || p.URL.Query().Get("next") != path {
			t.Errorf("%s: anonymous visitor ends at %s, want /signin?next=%s", path, p.URL, url.QueryEscape(path))
		}
	}
	// A form sent without a session changes nothing and asks to sign in.
	p := b.Post("/work/plans/1/steps/1/submit", url.Values{"summary": {"x"}})
	if p.Status != http.StatusForbidden && p.URL.Path != "/signin" {
		t.Errorf("anonymous submit: %s", p)
	}
}

// TestWorkStepSubmitAndApprove walks one step through the workspace: the
// coordinator submits with rules unmet and sees each one with a link to
// its form, fixes them, submits; an approver finds the approval on "My
// work", requests changes, sees what changed in the next round, approves;
// and nobody else gets in.
func TestWorkStepSubmitAndApprove(t *testing.T) {
	site := webtest.Start(t, "")
	c := site.Cast()
	plan := site.NewPlan(c, "Open Riverton 2026")
	planPath := fmt.Sprintf("/work/plans/%d", plan)
	stepPath := planPath + "/steps/1"

	coord := site.Browser()
	coord.SignIn(c.Coordinator)
	home := page(t, coord, "/work", http.StatusOK)
	home.MustContain(t, "Complete and submit step 1", stepPath, "Open Riverton 2026", "Your plans")

	p := page(t, coord, planPath, http.StatusOK)
	p.MustContain(t, "The ten steps", stepPath, planPath+"/content/team", planPath+"/content/forum",
		planPath+"/content/monitoring-body", planPath+"/content/roadmap", planPath+"/content/learning-plan", "/plans/"+fmt.Sprint(plan), c.Coordinator.Name)

	// Nothing recorded yet: every unmet rule, each with its form.
	p = page(t, coord, stepPath, http.StatusOK)
	p = coord.Submit(p, stepPath+"/submit", map[string]string{"summary": "Team, forum and monitoring body"})
	checkPage(t, p, http.StatusUnprocessableEntity)
	p.MustContain(t, "cannot be submitted yet", planPath+"/content/team#field-team", planPath+"/content/forum#field-forum",
		planPath+"/content/monitoring-body#field-monitoring_body", "Team, forum and monitoring body")

	// A summary is required: the refusal goes next to the field.
	p = coord.Submit(p, stepPath+"/submit", map[string]string{"summary": " "})
	checkPage(t, p, http.StatusUnprocessableEntity)
	p.MustContain(t, `id="error-summary"`)

	site.FillStep(c, plan, 1)
	p = coord.Submit(page(t, coord, stepPath, http.StatusOK), stepPath+"/submit", map[string]string{"summary": "Team of three, a forum of both sectors and Riverton Transparency Watch"})
	checkPage(t, p, http.StatusOK)
	if p.URL.Path != stepPath {
		t.Fatalf("after submitting: at %s", p.URL)
	}
	p.MustContain(t, "The step is submitted", "Awaiting approval", c.GovApprover.Name, c.CivilApprover.Name, "first submission")
	mustLack(t, p, stepPath+"/submit")
	home = page(t, coord, "/work", http.StatusOK)
	home.MustContain(t, "is waiting for the approvers", "Waiting for others")

	// The government approver owes a decision; a request for changes
	// needs a comment.
	gov := site.Browser()
	gov.SignIn(c.GovApprover)
	home = page(t, gov, "/work", http.StatusOK)
	home.MustContain(t, "Approve or request changes: step 1", stepPath+"#decide")
	p = page(t, gov, stepPath, http.StatusOK)
	p.MustContain(t, `id="decide"`, "Not decided yet")
	p = gov.Submit(p, stepPath+"/decisions", map[string]string{"decision": "request_changes", "comment": ""})
	checkPage(t, p, http.StatusUnprocessableEntity)
	p.MustContain(t, `id="error-comment"`)
	p = gov.Submit(p, stepPath+"/decisions", map[string]string{"decision": "request_changes", "comment": "Add the district councils to the forum"})
	checkPage(t, p, http.StatusOK)
	p.MustContain(t, "Your request for changes is recorded", "Add the district councils to the forum", "Changes requested")
	home = page(t, gov, "/work", http.StatusOK)
	mustLack(t, home, stepPath+"#decide")
	page(t, coord, "/work", http.StatusOK).MustContain(t, "Make the changes asked for and resubmit step 1")

	// The coordinator adds a forum member and resubmits; the approvers
	// see exactly that change.
	site.API(c.Coordinator.Token, http.MethodPost, fmt.Sprintf("/action-plans/%d/forum/members", plan), map[string]any{"name": "Samuel Adeyemi",
		"organisation": "Federation of District Councils", "sector": "government"}, http.StatusCreated, nil)
	p = coord.Submit(page(t, coord, stepPath, http.StatusOK), stepPath+"/submit", map[string]string{"summary": "The district councils joined the forum"})
	checkPage(t, p, http.StatusOK)
	p = page(t, gov, stepPath, http.StatusOK)
	p.MustContain(t, "What changed in round 2", "Forum member ", "Samuel Adeyemi", "Added", "Round 1", "Add the district councils to the forum")
	mustLack(t, p, "forum.members[")

	// The government approver approves from the form; the round waits for
	// civil society, then the next step starts.
	p = gov.Submit(p, stepPath+"/decisions", map[string]string{"decision": "approve"})
	checkPage(t, p, http.StatusOK)
	p.MustContain(t, "Your approval is recorded")
	mustLack(t, p, `id="decide"`)
	mustLack(t, page(t, gov, "/work", http.StatusOK), stepPath+"#decide")
	civil := site.Browser()
	civil.SignIn(c.CivilApprover)
	civil.Lang = "es"
	home = page(t, civil, "/work", http.StatusOK)
	home.MustContain(t, "Aprobar o pedir cambios: paso 1", "Mis tareas")
	p = civil.Submit(page(t, civil, stepPath, http.StatusOK), stepPath+"/decisions", map[string]string{"decision": "approve"})
	checkPage(t, p, http.StatusOK)
	p.MustContain(t, "Su aprobación quedó registrada", "Aprobado")
	page(t, coord, "/work", http.StatusOK).MustContain(t, "Complete and submit step 2", planPath+"/steps/2")

	// The coordinator sets step 3's due date; a date outside the plan is
	// refused next to the field.
	step3 := planPath + "/steps/3"
	p = coord.Submit(page(t, coord, step3, http.StatusOK), step3+"/due-date", map[string]string{"due_on": "1999-01-01"})
	checkPage(t, p, http.StatusUnprocessableEntity)
	p.MustContain(t, `id="error-due_on"`)
	due := strings.Split(p.Body, `name="due_on" type="date" value="`)
	if len(due) < 2 || !strings.HasPrefix(due[1], "1999-01-01") {
		t.Errorf("the refused due date is not shown again")
	}
	p = coord.Submit(page(t, coord, step3, http.StatusOK), step3+"/due-date", map[string]string{"due_on": dayFromNow(20)})
	checkPage(t, p, http.StatusOK)
	p.MustContain(t, "The due date is saved", dayFromNow(20))

	// Someone who is not on the plan: 403 on its workspace pages and
	// forms, 404 for a plan that does not exist.
	stranger := site.User("Sam Stranger", "sam.stranger@example.org", false)
	sb := site.Browser()
	sb.SignIn(stranger)
	page(t, sb, planPath, http.StatusForbidden)
	page(t, sb, stepPath, http.StatusForbidden)
	page(t, sb, "/work/plans/999999", http.StatusNotFound)
	page(t, sb, "/work/plans/999999/steps/1", http.StatusNotFound)
	page(t, sb, planPath+"/steps/11", http.StatusForbidden)
	home = page(t, sb, "/work", http.StatusOK)
	home.MustContain(t, "Nothing is waiting for you")
	csrf := regexp.MustCompile(`name="csrf" value="([^"]+)"`).FindStringSubmatch(home.Body)
	if csrf == nil {
		t.Fatal("no CSRF token on My work")
	}
	p = sb.Post(stepPath+"/submit", url.Values{"csrf": {csrf[1]}, "idem": {"stranger-1"}, "summary": {"mine now"}})
	checkPage(t, p, http.StatusForbidden)
	p = sb.Post(stepPath+"/decisions", url.Values{"csrf": {csrf[1]}, "idem": {"stranger-2"}, "decision": {"approve"}})
	checkPage(t, p, http.StatusForbidden)
	// A member reaches no step 11.
	page(t, coord, planPath+"/steps/11", http.StatusNotFound)
}

// dayFromNow is today (UTC) plus n days, YYYY-MM-DD.
func dayFromNow(n int) string {
	return time.Now().UTC().AddDate(0, 0, n).Format(time.DateOnly)
}

// unreadRE reads the unread count on My work.
var unreadRE = regexp.MustCompile(`Unread notifications: (\d+)`)

// TestWorkImplementation: in step 9, the commitment lead finds his
// milestones on "My work" (overdue first), reports progress with evidence
// from the form, asks to move a milestone, and the approvers decide on it
// from the commitment's page.
func TestWorkImplementation(t *testing.T) {
	site := webtest.Start(t, "")
	c := site.Cast()
	plan := site.PlanAt(c, "Open Riverton 2027", 9)
	cm := site.Commitment(plan, webtest.CommitmentContracts)
	cmPath := fmt.Sprintf("/work/plans/%d/commitments/%d", plan, cm.ID)
	backlog := cm.Milestone(t, webtest.MilestoneBacklog)
	msPath := fmt.Sprintf("%s/milestones/%d", cmPath, backlog.ID)

	lead := site.Browser()
	lead.SignIn(c.Lead)
	home := page(t, lead, "/work", http.StatusOK)
	home.MustContain(t, webtest.MilestoneOCDS, webtest.MilestoneBacklog, "Overdue", "Due soon", msPath)
	if i, j := strings.Index(home.Body, webtest.MilestoneOCDS), strings.Index(home.Body, webtest.MilestoneBacklog); i > j {
		t.Errorf("the overdue milestone is not listed before the one due soon")
	}

	p := page(t, lead, cmPath, http.StatusOK)
	p.MustContain(t, webtest.MilestoneDashboard, msPath+"#report", "Limited")
	p = page(t, lead, msPath, http.StatusOK)
	p.MustContain(t, `id="report"`, "40% done")

	// Refusals land next to their fields, with what was typed.
	p = lead.Submit(p, msPath+"/progress", map[string]string{"status": "in_progress", "percent": "about half", "narrative": "Going well"})
	checkPage(t, p, http.StatusUnprocessableEntity)
	p.MustContain(t, `id="error-percent"`, "Going well")
	p = lead.Submit(p, msPath+"/progress", map[string]string{"status": "in_progress", "percent": "30", "narrative": "Going well"})
	checkPage(t, p, http.StatusUnprocessableEntity)
	p.MustContain(t, `id="error-percent"`)
	p = lead.Submit(p, msPath+"/complete", map[string]string{"complete_evidence": ""})
	checkPage(t, p, http.StatusUnprocessableEntity)
	p.MustContain(t, `id="error-complete_evidence"`)

	p = lead.Submit(p, msPath+"/progress", map[string]string{"status": "in_progress", "percent": "65",
		"narrative": "2,400 of 3,600 contracts are online.", "evidence": "https://data.riverton.example/contracts\n\n https://riverton.example/news/contracts \n"})
	checkPage(t, p, http.StatusOK)
	if p.URL.Path != msPath {
		t.Fatalf("after reporting: at %s", p.URL)
	}
	p.MustContain(t, "Your progress report is published", "2,400 of 3,600 contracts are online.", `href="https://riverton.example/news/contracts"`, "65% done")
	var impl struct {
		Milestones []struct {
			ID      int64 `json:"id"`
			Percent int   `json:"percent"`
			Reports []struct {
				Evidence []string `json:"evidence"`
			} `json:"reports"`
		} `json:"milestones"`
		Amendments []struct {
			Seq    int    `json:"seq"`
			Status string `json:"status"`
		} `json:"amendments"`
	}
	site.API("", http.MethodGet, fmt.Sprintf("/action-plans/%d/commitments/%d/implementation", plan, cm.ID), nil, http.StatusOK, &impl)
	for _, m := range impl.Milestones {
		if m.ID == backlog.ID && (m.Percent != 65 || len(m.Reports[len(m.Reports)-1].Evidence) != 2) {
			t.Errorf("milestone after the report: %+v", m)
		}
	}

	// The lead asks to move the dashboard; the government approver finds
	// it on My work and decides on the commitment's page.
	dashboard := cm.Milestone(t, webtest.MilestoneDashboard)
	dPath := fmt.Sprintf("%s/milestones/%d", cmPath, dashboard.ID)
	p = lead.Submit(page(t, lead, dPath, http.StatusOK), dPath+"/amendments", map[string]string{"new_due_on": dayFromNow(200), "reason": "The vendor needs two more months"})
	checkPage(t, p, http.StatusOK)
	p.MustContain(t, "Your request is sent to the approvers")
	gov := site.Browser()
	gov.SignIn(c.GovApprover)
	home = page(t, gov, "/work", http.StatusOK)
	home.MustContain(t, "Decide on a change to the milestone", cmPath+"#amendment-1")
	p = page(t, gov, cmPath, http.StatusOK)
	p = gov.Submit(p, cmPath+"/amendments/1/decisions", map[string]string{"decision": "request_changes"})
	checkPage(t, p, http.StatusUnprocessableEntity)
	p.MustContain(t, `id="error-amendment_1_comment"`)
	p = gov.Submit(p, cmPath+"/amendments/1/decisions", map[string]string{"decision": "approve"})
	checkPage(t, p, http.StatusOK)
	p.MustContain(t, "Your approval is recorded")
	mustLack(t, page(t, gov, "/work", http.StatusOK), cmPath+"#amendment-1")
	site.API(c.CivilApprover.Token, http.MethodPost, fmt.Sprintf("/action-plans/%d/commitments/%d/amendments/1/decisions", plan, cm.ID),
		map[string]any{"decision": "approve"}, http.StatusOK, nil)
	page(t, gov, cmPath, http.StatusOK).MustContain(t, "Approved", dayFromNow(200))

	// Notifications: marking one read takes it off the list.
	home = page(t, lead, "/work", http.StatusOK)
	m := unreadRE.FindStringSubmatch(home.Body)
	if m == nil {
		t.Fatalf("the lead has no unread notifications:\n%s", home.Body)
	}
	action := regexp.MustCompile(`action="(/work/notifications/\d+/read)"`).FindStringSubmatch(home.Body)
	p = lead.Submit(home, action[1], nil)
	checkPage(t, p, http.StatusOK)
	p.MustContain(t, "The notification is marked as read")
	mustLack(t, p, `action="`+action[1]+`"`)
	if n := unreadRE.FindStringSubmatch(p.Body); n != nil && n[1] == m[1] {
		t.Errorf("unread count still %s after marking one read", n[1])
	}

	// The notifications page lists them all, read or not, with the whole
	// text; one marked read there stays on it, as read.
	list := page(t, lead, "/work/notifications", http.StatusOK)
	list.MustContain(t, "<h1>Notifications</h1>", "Read on", "Unread", `name="from" value="list"`, "Back to My work")
	action = regexp.MustCompile(`action="(/work/notifications/(\d+)/read)"`).FindStringSubmatch(list.Body)
	if action == nil {
		t.Fatalf("the notifications page has no unread notification to mark read:\n%s", list.Body)
	}
	p = lead.Submit(list, action[1], nil)
	checkPage(t, p, http.StatusOK)
	if p.URL.Path != "/work/notifications" {
		t.Errorf("after marking read on the notifications page: at %s", p.URL)
	}
	p.MustContain(t, "The notification is marked as read", `id="notification-`+action[2]+`"`)
	mustLack(t, p, `action="`+action[1]+`"`)
	// A page number that is not one shows the first page.
	page(t, lead, "/work/notifications?page=abc", http.StatusOK).MustContain(t, "Notifications: ")
	page(t, lead, "/work/notifications?page=999", http.StatusOK).MustContain(t, "There are no notifications on this page", `href="/work/notifications"`)

	// The coordinator, told of every step, sees the five newest unread on
	// My work, each cut to a preview, and a link to all of them.
	coord := site.Browser()
	coord.SignIn(c.Coordinator)
	home = page(t, coord, "/work", http.StatusOK)
	home.MustContain(t, "See all notifications", `href="/work/notifications"`)
	if n := strings.Count(home.Body, `action="/work/notifications/`); n != 5 {
		t.Errorf("My work shows %d notifications to mark read, want 5", n)
	}
	if m := regexp.MustCompile(`Unread notifications: (\d+)\. The 5 newest are shown here`).FindStringSubmatch(home.Body); m == nil {
		t.Errorf("My work does not say only the 5 newest of the unread notifications are shown")
	}
	for _, m := range regexp.MustCompile(`(?s)ogp-notification-body">(.*?)</div>`).FindAllStringSubmatch(home.Body, -1) {
		if n := utf8.RuneCountInString(html.UnescapeString(m[1])); n > 161 {
			t.Errorf("a notification preview on My work is %d characters long: %q", n, m[1])
		}
	}
	all := page(t, coord, "/work/notifications", http.StatusOK)
	if n := strings.Count(all.Body, `class="ogp-notification--unread"`); n <= 5 {
		t.Errorf("the notifications page lists %d unread notifications, want more than My work's 5", n)
	}

	// Someone not on the plan cannot see it; an unknown commitment is 404.
	stranger := site.User("Sam Stranger", "sam.stranger@example.org", false)
	sb := site.Browser()
	sb.SignIn(stranger)
	page(t, sb, cmPath, http.StatusForbidden)
	page(t, sb, msPath, http.StatusForbidden)
	page(t, lead, fmt.Sprintf("/work/plans/%d/commitments/999999", plan), http.StatusNotFound)
	page(t, lead, fmt.Sprintf("%s/milestones/999999", cmPath), http.StatusNotFound)
}

// TestWorkChangeLabels: what changed between two rounds of step 5 is
// named as people know it ("Commitment 1, milestone 4"), not by the API's
// path.
func TestWorkChangeLabels(t *testing.T) {
	site := webtest.Start(t, "")
	c := site.Cast()
	plan := site.PlanAt(c, "Open Riverton 2028", 5)
	site.FillStep(c, plan, 5)
	site.SubmitStep(c, plan, 5)
	site.RequestChanges(c, plan, 5, "Commitment 1 needs a milestone on the open data portal.")
	cms := site.Commitments(plan)
	if len(cms) == 0 {
		t.Fatal("no commitments after filling step 5")
	}
	first := cms[0]
	for _, cm := range cms {
		if cm.Number < first.Number {
			first = cm
		}
	}
	site.API(c.Coordinator.Token, http.MethodPost, fmt.Sprintf("/action-plans/%d/commitments/%d/milestones", plan, first.ID), map[string]any{
		"title": "Contracts on the open data portal", "deliverable": "A dataset of every contract", "indicator": "Contracts published",
		"target": "All of them", "starts_on": dayFromNow(-10), "due_on": dayFromNow(100), "responsible": "Procurement office",
	}, http.StatusCreated, nil)
	site.API(c.Coordinator.Token, http.MethodPost, fmt.Sprintf("/action-plans/%d/steps/5/submit", plan), map[string]any{"summary": "A milestone added"}, http.StatusOK, nil)

	gov := site.Browser()
	gov.SignIn(c.GovApprover)
	p := page(t, gov, fmt.Sprintf("/work/plans/%d/steps/5", plan), http.StatusOK)
	p.MustContain(t, "What changed in round 2", fmt.Sprintf("Commitment %d, milestone ", first.Number), "Contracts on the open data portal")
	mustLack(t, p, "commitments[", "ogp-change-path")
	gov.Lang = "es"
	p = page(t, gov, fmt.Sprintf("/work/plans/%d/steps/5", plan), http.StatusOK)
	p.MustContain(t, fmt.Sprintf("Compromiso %d, hito ", first.Number))
}
