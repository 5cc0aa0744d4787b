package web_test

// Real-browser tests: Debian's Chromium, headless, on a whole dev stack
// (webtest.Start) filled with the City of Riverton's fixture plans. People
// type into the forms and click the buttons; the pages are checked with
// axe-core (WCAG 2.1 A and AA) and with the keyboard alone; with
// OGP_SCREENSHOTS set (make screenshots) the main pages are saved as JPEGs.
//
// Without Chromium the test is skipped, except in CI (CI=true), where it
// fails: .ci/run installs the chromium package.

import (
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp/kb"

	"github.com/ogplocal/ogp/web/webtest"
)

// TestBrowser walks the portal and the workspace in Chromium.
func TestBrowser(t *testing.T) {
	chromium := chromiumPath(t)
	if testing.Short() {
		t.Skip("browser tests need a dev stack and Chromium: skipped with -short")
	}
	began := time.Now()
	site := webtest.Start(t, "")
	cast := site.Cast()
	stackUp := time.Now()

	// The plans (see web/webtest/fixtures.go):
	//   - implementing: step 9, commitments running, a co-creation
	//     assessment round published and an implementation round's draft
	//     open for comments (for an hour);
	//   - problems: step 4, problems proposed and scored, proposals open;
	//   - setup: step 1 with its content recorded, not submitted;
	//   - approval: step 1 submitted, awaiting the approvers.
	implementing := site.PlanAt(cast, "Open Riverton 2026-2027", 9)
	round := site.OpenRoundFor(cast, implementing, "co_creation", 2*time.Second)
	site.PublishDraft(cast, implementing, round)
	site.Finalise(cast, implementing, round)
	draft := site.OpenRound(cast, implementing, "implementation")
	site.PublishDraft(cast, implementing, draft)
	problems := site.PlanAt(cast, "Riverton Youth Participation Plan", 4)
	site.FillStep(cast, problems, 4)
	setup := site.PlanAt(cast, "Riverton Open Data Plan", 1)
	site.FillStep(cast, setup, 1)
	approval := site.PlanAt(cast, "Riverton Open Council Plan", 1)
	site.FillStep(cast, approval, 1)
	site.SubmitStep(cast, approval, 1)
	contracts := site.Commitment(implementing, webtest.CommitmentContracts)
	fixturesBuilt := time.Now()

	br := startChrome(t, chromium, site.Base)
	en := catalog(t, "en")
	t.Logf("stack in %v, fixtures in %v", stackUp.Sub(began).Round(time.Millisecond), fixturesBuilt.Sub(stackUp).Round(time.Millisecond))

	t.Run("CitizenProposesAProblemAndReadsAPlan", func(t *testing.T) {
		b := br.tab(t)
		b.open("/")
		b.mustSee("main h1")
		b.followOK("open the plan from the list", fmt.Sprintf(`.usa-card a[href="/plans/%d"]`, problems))
		b.mustSee("main h1", "Riverton Youth Participation Plan")
		// The tracker: ten steps, the fourth current.
		if n := b.count(".usa-step-indicator__segment"); n != 10 {
			b.fatalf("the tracker has %d steps, want 10", n)
		}
		b.mustSee(".usa-step-indicator__current-step", "4")
		if n := b.count(`.usa-step-indicator__segment[aria-current="step"]`); n != 1 {
			b.fatalf("%d steps are marked current, want 1", n)
		}

		b.followOK("open the plan's problems", fmt.Sprintf(`nav a[href="/plans/%d/problems"]`, problems))
		b.mustSee("main", webtest.ProblemContracts, webtest.ProblemBuses)
		form := fmt.Sprintf(`form[action="/plans/%d/problems/propose"]`, problems)
		b.wait(form)
		// A proposal without its description is refused, next to the
		// field, and what was typed stays.
		const title = "Publish the minutes of every district council meeting"
		b.typeInto("#field-title", title)
		b.typeInto("#field-policy_area", "open council")
		if status := b.follow("propose without a description", form+` button[type="submit"]`); status != http.StatusUnprocessableEntity {
			b.fatalf("a proposal without a description: status %d, want 422", status)
		}
		b.wait("#error-summary")
		b.wait("#error-description")
		if got := run(b, "read the title typed", evalString(`document.querySelector("#field-title").value`)); got != title {
			b.fatalf("the title typed is not kept: %q", got)
		}
		b.typeInto("#field-description", "District councils decide on local works and grants, but their minutes are kept on paper at the district office. Publishing them online would let residents see what was decided and why.")
		b.typeInto("#field-name", "Lucía Campos")
		b.typeInto("#field-email", "lucia.campos@example.org")
		if status := b.follow("propose the problem", form+` button[type="submit"]`); status != http.StatusOK {
			b.fatalf("proposal: status %d, want 200", status)
		}
		b.mustSee(".usa-alert--success", en.of(t, "public.propose.done"))
		if p := b.path(); p != fmt.Sprintf("/plans/%d/problems", problems) {
			b.fatalf("after proposing, at %s", p)
		}

		// Another plan's commitment, with its timeline.
		b.open("/")
		b.followOK("open the plan in implementation", fmt.Sprintf(`.usa-card a[href="/plans/%d"]`, implementing))
		b.followOK("open the commitments", fmt.Sprintf(`nav a[href="/plans/%d/commitments"]`, implementing))
		b.followOK("open the first commitment", fmt.Sprintf(`main a[href="/plans/%d/commitments/%d"]`, implementing, contracts.ID))
		b.mustSee("main h1", webtest.CommitmentContracts)
		b.wait(`svg.ogp-timeline-chart[role="img"]`)
		svg := run(b, "read the timeline", evalString(`document.querySelector("svg.ogp-timeline-chart").textContent`))
		for _, m := range []string{webtest.MilestoneOCDS, webtest.MilestoneBacklog} {
			// Long titles wrap and are shortened in the chart: look for
			// their first words.
			if start := strings.Join(strings.Fields(m)[:3], " "); !strings.Contains(svg, start) {
				b.fatalf("the timeline does not name the milestone %q:\n%s", m, svg)
			}
		}
		b.mustSee("main", webtest.MilestoneOCDS)
		b.wait(`main a[href="https://data.riverton.example/procurement/ocds"]`)

		// The monitoring body's draft report, open for comments.
		b.followOK("open the assessments", fmt.Sprintf(`nav a[href="/plans/%d/assessments"]`, implementing))
		b.followOK("open the draft report", fmt.Sprintf(`main a[href="/plans/%d/assessments/%d"]`, implementing, draft))
		comment := fmt.Sprintf(`form[action="/plans/%d/assessments/%d/comments"]`, implementing, draft)
		b.wait(comment)
		const text = "Could the report say how many red flags residents have raised so far?"
		b.typeInto(comment+" #field-name", "Lucía Campos")
		b.typeInto(comment+" #field-text", text)
		b.followOK("comment on the draft", comment+` button[type="submit"]`)
		b.mustSee(".usa-alert--success", en.of(t, "assessments.comment.done"))
		b.mustSee("#comments", text, "Lucía Campos")
	})

	t.Run("CoordinatorFixesARuleFailureAndSubmits", func(t *testing.T) {
		b := br.tab(t)
		signIn(b, cast.Coordinator)
		b.open("/work")
		b.followOK("open the plan", fmt.Sprintf(`main a[href="/work/plans/%d"]`, setup))
		b.followOK("open step 1", fmt.Sprintf(`main a[href="/work/plans/%d/steps/1"]`, setup))
		mbForm := fmt.Sprintf("/work/plans/%d/content/monitoring-body", setup)
		b.followOK("open the monitoring body's form", fmt.Sprintf(`main a[href="%s"]`, mbForm))
		// Record the monitoring body without saying why it is independent:
		// the form takes it, the step's rules do not.
		b.typeInto("#field-independence_statement", "")
		b.followOK("save the monitoring body", fmt.Sprintf(`form[action="%s"] button[type="submit"]`, mbForm))

		b.open(fmt.Sprintf("/work/plans/%d/steps/1", setup))
		submit := fmt.Sprintf(`form[action="/work/plans/%d/steps/1/submit"]`, setup)
		b.typeInto("#field-summary", "Team, forum and monitoring body, agreed with the forum.")
		if status := b.follow("submit step 1", submit+` button[type="submit"]`); status != http.StatusUnprocessableEntity {
			b.fatalf("submitting step 1 with a rule unmet: status %d, want 422", status)
		}
		b.wait("#violations")
		fix := fmt.Sprintf(`#violations a[href="%s#field-independence_statement"]`, mbForm)
		b.wait(fix)
		b.followOK("follow the failure's link to the field", fix)
		b.wait("#error-independence_statement")
		if got := run(b, "read aria-invalid", evalString(`document.querySelector("#field-independence_statement").getAttribute("aria-invalid") || ""`)); got != "true" {
			b.fatalf("the field in error is not aria-invalid: %q", got)
		}
		b.typeInto("#field-independence_statement", "Riverton Transparency Watch is an independent non-profit: it receives no money from the city, and none of its staff sit on the team.")
		b.followOK("save the monitoring body again", fmt.Sprintf(`form[action="%s"] button[type="submit"]`, mbForm))
		if b.count("#error-independence_statement") != 0 {
			b.fatalf("the rule failure is still shown after the fix")
		}

		b.open(fmt.Sprintf("/work/plans/%d/steps/1", setup))
		b.typeInto("#field-summary", "Team, forum and monitoring body, agreed with the forum.")
		b.followOK("submit step 1 again", submit+` button[type="submit"]`)
		b.mustSee(".usa-alert--success", en.of(t, "work.step.submit.done"))
		if b.count("#violations") != 0 {
			b.fatalf("the step page still lists rule failures")
		}
	})

	t.Run("ApproverApprovesFromMyWork", func(t *testing.T) {
		b := br.tab(t)
		signIn(b, cast.GovApprover)
		b.open("/work")
		link := fmt.Sprintf(`main a[href="/work/plans/%d/steps/1#decide"]`, approval)
		b.followOK("follow the approval link", link)
		b.wait("#decide")
		b.typeInto("#field-comment", "The forum is balanced and the monitoring body independent.")
		b.followOK("approve", fmt.Sprintf(`form[action="/work/plans/%d/steps/1/decisions"] button[name="decision"][value="approve"]`, approval))
		b.mustSee(".usa-alert--success", en.of(t, "work.step.decide.approved"))
		b.mustSee("#approvers-heading")
		b.mustSee("main", cast.GovApprover.Name, en.of(t, "work.decision.approve"))
		if b.count("#decide") != 0 {
			b.fatalf("the decision form is still offered after approving")
		}
	})

	t.Run("LeadReportsProgressWithEvidence", func(t *testing.T) {
		b := br.tab(t)
		signIn(b, cast.Lead)
		b.open("/work")
		backlog := contracts.Milestone(t, webtest.MilestoneBacklog)
		page := fmt.Sprintf("/work/plans/%d/commitments/%d/milestones/%d", implementing, contracts.ID, backlog.ID)
		b.followOK("open the milestone from My work", fmt.Sprintf(`main a[href="%s"]`, page))
		b.mustSee("main h1", webtest.MilestoneBacklog)
		const evidence = "https://data.riverton.example/procurement/contracts-2022-2025"
		const narrative = "2,900 of about 3,600 contracts since 2022 are published; the last ones are matched with their payments."
		b.typeInto("#field-percent", "80")
		b.typeInto("#field-narrative", narrative)
		b.typeInto("#field-evidence", evidence)
		b.followOK("report progress", fmt.Sprintf(`form[action="%s/progress"] button[type="submit"]`, page))
		b.mustSee(".usa-alert--success", en.of(t, "work.milestone.progress.done"))
		b.mustSee("main", narrative)
		b.wait(fmt.Sprintf(`main a[href="%s"]`, evidence))
		// The public commitment page shows it as soon as the commitment's
		// projection has it.
		public := fmt.Sprintf("/plans/%d/commitments/%d", implementing, contracts.ID)
		b.eventually(public, fmt.Sprintf(`main a[href="%s"]`, evidence), 15*time.Second)
	})

	t.Run("MonitoringBodyPublishesAReport", func(t *testing.T) {
		s := siteFor(site, t)
		r := s.OpenRoundFor(cast, implementing, "implementation", 3*time.Second)
		assessAll(s, cast, implementing, r)
		b := br.tab(t)
		signIn(b, cast.Monitor)
		b.open("/work")
		roundPage := fmt.Sprintf("/work/plans/%d/assessments/%d", implementing, r)
		b.followOK("open the round from My work", fmt.Sprintf(`main a[href="%s"]`, roundPage))
		draftForm := fmt.Sprintf(`form[action="%s/draft"]`, roundPage)
		b.wait(draftForm)
		const summary = "Two of the three commitments are on track; the open contracting standard is late, and the delay is explained in public."
		b.typeInto(draftForm+" textarea", summary)
		b.followOK("publish the draft for comments", draftForm+` button[type="submit"]`)
		b.mustSee(".usa-alert--success", en.of(t, "monitoring.draft.done"))
		// The comment period is short: the round may be finalising already.
		for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(100 * time.Millisecond) {
			stage := s.Round(implementing, r).Stage
			if stage == "public_comment" || stage == "finalising" {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("after publishing the draft the round stays in stage %s", stage)
			}
		}
		// The public reads the draft.
		public := b.openTab(br)
		public.open(fmt.Sprintf("/plans/%d/assessments/%d", implementing, r))
		public.mustSee("main", summary)

		// The comment period (3 s) ends; the final report is published.
		s.WaitRound(implementing, r, "finalising")
		b.open(roundPage)
		final := fmt.Sprintf(`form[action="%s/finalise"]`, roundPage)
		b.wait(final)
		b.followOK("publish the final report", final+` button[type="submit"]`)
		b.mustSee(".usa-alert--success", en.of(t, "monitoring.finalise.done"))
		got := s.WaitRound(implementing, r, "published")
		if got.ReportHash == "" {
			t.Fatalf("the published round has no report hash: %+v", got)
		}
		public.open(fmt.Sprintf("/plans/%d/assessments/%d", implementing, r))
		public.mustSee("main", summary, got.ReportHash)
	})

	t.Run("KeyboardSignIn", func(t *testing.T) {
		b := br.tab(t)
		b.open("/signin")
		b.wait("#field-email")
		var stops []string
		for range 20 {
			b.key(kb.Tab)
			stop := b.focused()
			if outline := run(b, "read the focus style", evalString(`(() => {
				const s = getComputedStyle(document.activeElement);
				return s.outlineStyle !== "none" && parseFloat(s.outlineWidth) > 0 ? "outline" : (s.boxShadow !== "none" ? "shadow" : "");
			})()`)); outline == "" {
				t.Errorf("Tab stop %d (%s) has no visible focus indicator", len(stops)+1, stop)
			}
			stops = append(stops, stop)
			if strings.HasPrefix(stop, "button[type=submit]") && slices.Contains(stops, "#field-password") {
				break
			}
		}
		t.Logf("Tab stops on /signin: %s", strings.Join(stops, " → "))
		if len(stops) == 0 || !strings.Contains(stops[0], "usa-skipnav") {
			b.fatalf("the first Tab stop is %v, want the skip link", stops)
		}
		email := slices.Index(stops, "#field-email")
		if email < 0 || len(stops) < email+3 || stops[email+1] != "#field-password" || !strings.HasPrefix(stops[email+2], "button[type=submit]") {
			b.fatalf("Tab does not go e-mail → password → submit: %v", stops)
		}
		// The skip link moves the focus to the main content, and the next
		// Tab reaches the e-mail field.
		b.open("/signin")
		b.key(kb.Tab)
		b.key(kb.Enter)
		if got := b.focused(); got != "#main-content" {
			b.fatalf("after the skip link the focus is on %s, want #main-content", got)
		}
		for range len(stops) {
			if b.focused() == "#field-email" {
				break
			}
			b.key(kb.Tab)
		}
		if got := b.focused(); got != "#field-email" {
			b.fatalf("Tab from the main content does not reach the e-mail field: focus on %s", got)
		}
		b.key(cast.Contributor.Email)
		b.key(kb.Tab)
		b.key(cast.Contributor.Password)
		b.key(kb.Tab)
		if got := b.focused(); !strings.HasPrefix(got, "button[type=submit]") {
			b.fatalf("after the password, Tab reaches %s, want the submit button", got)
		}
		if status := b.press("submit with Enter", kb.Enter); status != http.StatusOK {
			b.fatalf("sign-in with the keyboard: status %d", status)
		}
		if p := b.path(); strings.HasPrefix(p, "/signin") {
			b.fatalf("still on the sign-in page after Enter: %s", p)
		}
		b.mustSee(".usa-alert--success", en.of(t, "auth.signin.done"))
	})

	t.Run("Axe", func(t *testing.T) {
		anon := br.tab(t)
		coord, lead, monitor := br.tab(t), br.tab(t), br.tab(t)
		signIn(coord, cast.Coordinator)
		signIn(lead, cast.Lead)
		signIn(monitor, cast.Monitor)
		ocds := contracts.Milestone(t, webtest.MilestoneOCDS)
		pages := []struct {
			b    *tab
			name string
			path string
		}{
			{anon, "plans", "/"},
			{anon, "plan overview", fmt.Sprintf("/plans/%d", implementing)},
			{anon, "problems (proposals open)", fmt.Sprintf("/plans/%d/problems", problems)},
			{anon, "problems (selected)", fmt.Sprintf("/plans/%d/problems", implementing)},
			{anon, "commitments", fmt.Sprintf("/plans/%d/commitments", implementing)},
			{anon, "commitment detail", fmt.Sprintf("/plans/%d/commitments/%d", implementing, contracts.ID)},
			{anon, "assessments", fmt.Sprintf("/plans/%d/assessments", implementing)},
			{anon, "assessment report", fmt.Sprintf("/plans/%d/assessments/%d", implementing, round)},
			{anon, "draft report with the comment form", fmt.Sprintf("/plans/%d/assessments/%d", implementing, draft)},
			{anon, "document", fmt.Sprintf("/plans/%d/document", implementing)},
			{anon, "sign in", "/signin"},
			{coord, "my work", "/work"},
			{coord, "workspace plan", fmt.Sprintf("/work/plans/%d", implementing)},
			{coord, "step page", fmt.Sprintf("/work/plans/%d/steps/1", implementing)},
			{coord, "content form (forum)", fmt.Sprintf("/work/plans/%d/content/forum", setup)},
			{coord, "content form (monitoring body)", fmt.Sprintf("/work/plans/%d/content/monitoring-body", setup)},
			{coord, "content form (problems)", fmt.Sprintf("/work/plans/%d/content/problems", problems)},
			{coord, "account", "/account"},
			{coord, "notifications", "/work/notifications"},
			{coord, "new plan", "/work/plans/new"},
			{coord, "members", fmt.Sprintf("/work/plans/%d/members", implementing)},
			{coord, "content form (commitment)", fmt.Sprintf("/work/plans/%d/content/commitments/%d", implementing, contracts.ID)},
			{lead, "commitment (implementation forms)", fmt.Sprintf("/work/plans/%d/commitments/%d", implementing, contracts.ID)},
			{lead, "milestone (progress forms)", fmt.Sprintf("/work/plans/%d/commitments/%d/milestones/%d", implementing, contracts.ID, ocds.ID)},
			{monitor, "assessment round (monitoring body)", fmt.Sprintf("/work/plans/%d/assessments/%d", implementing, draft)},
		}
		found, review := map[string][]string{}, map[string][]string{}
		for _, p := range pages {
			if status := p.b.openStatus(p.path); status != http.StatusOK {
				t.Errorf("%s (%s): status %d, want 200: the page is not there yet", p.name, p.path, status)
				continue
			}
			res := p.b.axe()
			t.Logf("axe-core %s on %s (%s): %d rules passed, %d violated, %d to check by hand", res.Version, p.name, p.path, res.Passes, len(res.Violations), len(res.Incomplete))
			for _, v := range res.Incomplete {
				review[v.ID+" ("+v.Impact+")"] = append(review[v.ID+" ("+v.Impact+")"], p.name)
				t.Logf("axe-core on %s (%s), to check by hand:\n    %s", p.name, p.path, v)
			}
			for _, v := range res.Violations {
				found[v.ID+" ("+v.Impact+")"] = append(found[v.ID+" ("+v.Impact+")"], p.name)
				if v.Impact == "serious" || v.Impact == "critical" {
					t.Errorf("axe-core on %s (%s):\n    %s", p.name, p.path, v)
				} else {
					t.Logf("axe-core on %s (%s), not blocking:\n    %s", p.name, p.path, v)
				}
			}
		}
		for _, k := range slices.Sorted(maps.Keys(found)) {
			t.Logf("axe summary: violation %s on %s", k, strings.Join(found[k], ", "))
		}
		for _, k := range slices.Sorted(maps.Keys(review)) {
			t.Logf("axe summary: to check by hand %s on %s", k, strings.Join(review[k], ", "))
		}
	})

	t.Run("Screenshots", func(t *testing.T) {
		dir := os.Getenv("OGP_SCREENSHOTS")
		if dir == "" {
			t.Skip("OGP_SCREENSHOTS is not set; `make screenshots` writes the screenshots to docs/screenshots")
		}
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		anon := br.tab(t)
		coord, lead, monitor := br.tab(t), br.tab(t), br.tab(t)
		signIn(coord, cast.Coordinator)
		signIn(lead, cast.Lead)
		signIn(monitor, cast.Monitor)
		ocds := contracts.Milestone(t, webtest.MilestoneOCDS)
		shots := []struct {
			b    *tab
			name string
			path string
		}{
			{anon, "01-home.jpg", "/"},
			{anon, "02-plan.jpg", fmt.Sprintf("/plans/%d", implementing)},
			{anon, "03-commitments.jpg", fmt.Sprintf("/plans/%d/commitments", implementing)},
			{anon, "04-commitment.jpg", fmt.Sprintf("/plans/%d/commitments/%d", implementing, contracts.ID)},
			{anon, "05-problems.jpg", fmt.Sprintf("/plans/%d/problems", problems)},
			{anon, "06-assessment.jpg", fmt.Sprintf("/plans/%d/assessments/%d", implementing, round)},
			{anon, "07-document.jpg", fmt.Sprintf("/plans/%d/document", implementing)},
			{coord, "08-my-work.jpg", "/work"},
			{coord, "09-step.jpg", fmt.Sprintf("/work/plans/%d/steps/1", implementing)},
			{coord, "10-content-form.jpg", fmt.Sprintf("/work/plans/%d/content/problems", problems)},
			// Beyond the list: the draft open for comments, a milestone's
			// forms, the monitoring body's round and the account.
			{anon, "13-draft-report.jpg", fmt.Sprintf("/plans/%d/assessments/%d", implementing, draft)},
			{lead, "14-milestone.jpg", fmt.Sprintf("/work/plans/%d/commitments/%d/milestones/%d", implementing, contracts.ID, ocds.ID)},
			{monitor, "15-assessment-round.jpg", fmt.Sprintf("/work/plans/%d/assessments/%d", implementing, draft)},
			{coord, "16-account.jpg", "/account"},
		}
		for _, s := range shots {
			if status := s.b.openStatus(s.path); status != http.StatusOK {
				t.Errorf("%s (%s): status %d, want 200", s.name, s.path, status)
				continue
			}
			s.b.screenshot(dir, s.name)
		}
		// Spanish, chosen with the footer's language switch.
		es := br.tab(t)
		es.open(fmt.Sprintf("/plans/%d", implementing))
		es.followOK("switch to Spanish", `form[action="/language"] button[value="es"]`)
		if l := es.lang(); l != "es" {
			es.fatalf("after choosing Español the page's language is %q", l)
		}
		es.screenshot(dir, "11-plan-es.jpg")
		es.open(fmt.Sprintf("/plans/%d/commitments/%d", implementing, contracts.ID))
		es.screenshot(dir, "12-commitment-es.jpg")
		t.Logf("screenshots in %s", dir)
	})

	t.Logf("whole test in %v", time.Since(began).Round(time.Millisecond))
}

// signIn signs p in by typing into the sign-in form.
func signIn(b *tab, p webtest.Person) {
	b.t.Helper()
	b.open("/signin")
	b.typeInto("#field-email", p.Email)
	b.typeInto("#field-password", p.Password)
	if status := b.follow("sign in as "+p.Email, `form[action="/signin"] button[type="submit"]`); status != http.StatusOK {
		b.fatalf("sign in as %s: status %d", p.Email, status)
	}
	if path := b.path(); strings.HasPrefix(path, "/signin") {
		b.fatalf("sign in as %s: still at %s", p.Email, path)
	}
}

// siteFor is the site reporting its failures to t (a subtest).
func siteFor(s *webtest.Site, t testing.TB) *webtest.Site {
	cp := *s
	cp.T = t
	return &cp
}

// openTab opens another tab with no cookies for the same test.
func (b *tab) openTab(c *chrome) *tab { return c.tab(b.t) }

// eventually reloads path until sel is there, for what the workflows
// project a moment later.
func (b *tab) eventually(path, sel string, wait time.Duration) {
	b.t.Helper()
	deadline := time.Now().Add(wait)
	for {
		b.open(path)
		if b.count(sel) > 0 {
			return
		}
		if time.Now().After(deadline) {
			b.fatalf("%s shows no %s after %v", path, sel, wait)
		}
		b.do("wait before reloading", waitFor(200*time.Millisecond))
	}
}

// messages is a language's message catalog.
type messages map[string]string

// of is the message key, failing the test when the catalog has none (a
// renamed key must not make a check pass on an empty string).
func (m messages) of(t testing.TB, key string) string {
	t.Helper()
	v, ok := m[key]
	if !ok || v == "" {
		t.Fatalf("the catalog has no message %q", key)
	}
	return v
}

// catalog reads the English or Spanish message catalog, so tests look for
// the messages by key, not by wording.
func catalog(t *testing.T, lang string) messages {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("locales", lang, "*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no catalog for %s: %v", lang, err)
	}
	out := map[string]string{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var m map[string]string
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		maps.Copy(out, m)
	}
	return out
}

// assessAll assesses, as the monitoring body and through the API, every
// commitment of a round in its assessment stage, so that its draft can be
// published.
func assessAll(s *webtest.Site, c webtest.Cast, planID, roundID int64) {
	s.T.Helper()
	r := s.WaitRound(planID, roundID, "assessment")
	completion := map[int64]string{}
	for _, run := range s.Implementation(planID) {
		completion[run.CommitmentID] = run.Completion
	}
	for _, cm := range r.Commitments {
		verdicts := []map[string]any{}
		for _, m := range cm.Milestones {
			verdicts = append(verdicts, map[string]any{"milestone_id": m, "verdict": "accepted", "note": "Checked against the published evidence."})
		}
		relevance := []map[string]any{}
		for _, v := range []string{"transparency", "participation", "accountability"} {
			relevance = append(relevance, map[string]any{"value": v, "relevant": v != "participation", "note": "Judged from the commitment's template."})
		}
		s.API(c.Monitor.Token, http.MethodPost, fmt.Sprintf("/action-plans/%d/assessment-rounds/%d/assessments", planID, roundID), map[string]any{
			"commitment_id": cm.CommitmentID, "completion": cmpOr(completion[cm.CommitmentID], "not_started"), "impact": "moderate",
			"relevance": relevance, "milestones": verdicts, "recommendations": "Publish the evidence of each milestone as it is delivered.",
		}, http.StatusOK, nil)
	}
}

func cmpOr(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
