package web_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/ogplocal/ogp/web/webtest"
)

// monOpenFields are the open-round form's fields: kind and the four
// stage periods (number and unit).
func monOpenFields(kind, comment string) map[string]string {
	return map[string]string{"kind": kind,
		"self_assessment_for": "10", "self_assessment_for_unit": "minutes",
		"assessment_for": "1", "assessment_for_unit": "hours",
		"comment_for": comment, "comment_for_unit": "seconds",
		"finalising_for": "1", "finalising_for_unit": "hours"}
}

// TestMonitoringRoundThroughForms runs an assessment round from the
// browser on a plan in implementation: a coordinator on the team who also
// holds the monitoring body role is refused as not independent; the
// monitoring body opens a co-creation round (a bad period is shown next
// to its field), the lead self-assesses each commitment, the monitoring
// body rates each one (a missing note is refused next to its field),
// completes the checklist, publishes the draft, answers a public comment
// and finalises; then it opens another round and cancels it.
func TestMonitoringRoundThroughForms(t *testing.T) {
	t.Parallel()
	site := webtest.Start(t, "")
	cast := site.Cast()
	plan := site.PlanAt(cast, "Riverton open government action plan", 9)
	rounds := fmt.Sprintf("/work/plans/%d/assessments", plan)
	var roundCount = func() int {
		var list struct {
			Items []struct{ ID int64 } `json:"items"`
		}
		site.API("", http.MethodGet, fmt.Sprintf("/action-plans/%d/assessment-rounds", plan), nil, http.StatusOK, &list)
		return len(list.Items)
	}

	t.Run("a coordinator on the team is told, then refused, as not independent", func(t *testing.T) {
		member := fmt.Sprintf("/action-plans/%d/members/%d", plan, cast.Coordinator.ID)
		site.API(cast.Coordinator.Token, http.MethodPut, member, map[string]any{"roles": []string{"coordinator", "monitoring_body"}, "sector": "government"}, http.StatusOK, nil)
		defer site.API(cast.Coordinator.Token, http.MethodPut, member, map[string]any{"roles": []string{"coordinator"}, "sector": "government"}, http.StatusOK, nil)
		b := site.Browser().For(t)
		b.SignIn(cast.Coordinator)
		p := b.Get(rounds)
		p.MustContain(t, "You cannot act as the monitoring body of this plan", `action="`+rounds+`"`)
		p = b.Submit(p, rounds, monOpenFields("co_creation", "1"))
		if p.Status != http.StatusForbidden {
			t.Fatalf("status %d, want 403:\n%s", p.Status, p.Body)
		}
		p.MustContain(t, `id="error-summary"`, "the monitoring body must be independent of the team it assesses")
		if n := roundCount(); n != 0 {
			t.Fatalf("%d rounds opened by someone not independent", n)
		}
	})

	mon := site.Browser()
	mon.SignIn(cast.Monitor)
	var roundPath string
	var rid int64

	t.Run("the monitoring body opens a round; a bad period stays next to its field", func(t *testing.T) {
		b := mon.For(t)
		p := b.Get(rounds)
		p.MustContain(t, "<h1", "Assessment rounds", `<option value="co_creation"`, `<option value="implementation"`, "No assessment round has been opened")
		if strings.Contains(p.Body, `<option value="results"`) {
			t.Error("a results round is offered during step 9, before the plan's period ends")
		}
		bad := monOpenFields("co_creation", "0")
		p = b.Submit(p, rounds, bad)
		if p.Status != http.StatusUnprocessableEntity {
			t.Fatalf("status %d, want 422", p.Status)
		}
		p.MustContain(t, `id="error-comment_for"`, `href="#field-comment_for"`, "usa-form-group--error")
		p = b.Submit(p, rounds, monOpenFields("co_creation", "8"))
		if p.Status != http.StatusOK || !strings.HasPrefix(p.URL.Path, rounds+"/") {
			t.Fatalf("opening the round went to %s (%d):\n%s", p.URL, p.Status, p.Body)
		}
		p.MustContain(t, "The round is open", "Co-creation process assessment, round")
		roundPath = p.URL.Path
		if _, err := fmt.Sscanf(strings.TrimPrefix(roundPath, rounds+"/"), "%d", &rid); err != nil {
			t.Fatal(err)
		}
	})
	if rid == 0 {
		t.FailNow()
	}

	r := site.WaitRound(plan, rid, "self_assessment")
	t.Run("the lead self-assesses each commitment on the round's page", func(t *testing.T) {
		b := site.Browser().For(t)
		b.SignIn(cast.Lead)
		p := b.Get(roundPath)
		p.MustContain(t, "Self-assessment", `id="self-assessments"`, "Evidence hash (SHA-256)", r.Commitments[0].Title)
		for i, cm := range r.Commitments {
			action := fmt.Sprintf("%s/commitments/%d/self-assessment", roundPath, cm.CommitmentID)
			fields := map[string]string{fmt.Sprintf("sa_completion_%d", cm.CommitmentID): "limited",
				fmt.Sprintf("sa_narrative_%d", cm.CommitmentID): "Work started; the first milestone is late."}
			if i == 0 {
				p = b.Submit(p, action, map[string]string{fmt.Sprintf("sa_completion_%d", cm.CommitmentID): "limited"})
				if p.Status != http.StatusUnprocessableEntity {
					t.Fatalf("empty narrative: status %d", p.Status)
				}
				p.MustContain(t, fmt.Sprintf(`id="error-sa_narrative_%d"`, cm.CommitmentID))
			}
			p = b.Submit(p, action, fields)
			if p.Status != http.StatusOK || p.URL.Path != roundPath {
				t.Fatalf("self-assessment of %d: %s:\n%s", cm.CommitmentID, p, p.Body)
			}
			p.MustContain(t, "Your self-assessment is recorded.")
		}
	})

	r = site.WaitRound(plan, rid, "assessment")
	t.Run("the monitoring body rates each commitment", func(t *testing.T) {
		b := mon.For(t)
		for i, cm := range r.Commitments {
			path := fmt.Sprintf("%s/commitments/%d", roundPath, cm.CommitmentID)
			p := b.Get(path)
			p.MustContain(t, "Milestones and their evidence", "Relevance to the OGP values", "Work started; the first milestone is late.")
			fields := map[string]string{"completion": "limited", "impact": "moderate", "relevant_transparency": "true",
				"note_transparency": "Publishes data that was closed.", "note_participation": "Not its aim.",
				"note_accountability": "Red flags are answered in public.", "recommendations": "Keep publishing on time."}
			for _, m := range cm.Milestones {
				fields[fmt.Sprintf("verdict_%d", m)] = "accepted"
			}
			if i == 0 {
				missing := map[string]string{}
				for k, v := range fields {
					missing[k] = v
				}
				delete(missing, "note_participation")
				q := b.Submit(p, path, missing)
				if q.Status != http.StatusUnprocessableEntity {
					t.Fatalf("a missing note: status %d", q.Status)
				}
				q.MustContain(t, `id="error-note_participation"`, `href="#field-note_participation"`, "Publishes data that was closed.")
			}
			p = b.Submit(p, path, fields)
			if p.Status != http.StatusOK || p.URL.Path != roundPath {
				t.Fatalf("rating %d: %s:\n%s", cm.CommitmentID, p, p.Body)
			}
			p.MustContain(t, "The rating is saved.")
		}
	})

	t.Run("the checklist, then the draft for public comment", func(t *testing.T) {
		b := mon.For(t)
		p := b.Get(roundPath)
		p.MustContain(t, "The co-creation checklist", fmt.Sprintf("%d of %d commitments rated.", len(r.Commitments), len(r.Commitments)))
		fields := map[string]string{"rating_awareness_done": "partly_met", "note_awareness_done": "No workshop for residents who work evenings."}
		rated := map[string]bool{}
		for _, it := range site.Round(plan, rid).Checklist {
			rated[it.Key] = true
		}
		for _, k := range []string{"forum_met", "reasoned_responses_published", "civil_society_co_signed"} {
			if !rated[k] {
				fields["rating_"+k], fields["note_"+k] = "met", "Seen in the evidence."
			}
		}
		p = b.Submit(p, roundPath+"/checklist", fields)
		p.MustContain(t, "The checklist is saved.")
		p = b.Submit(p, roundPath+"/draft", map[string]string{"draft_summary": ""})
		if p.Status != http.StatusUnprocessableEntity {
			t.Fatalf("empty summary: status %d", p.Status)
		}
		p.MustContain(t, `id="error-draft_summary"`)
		p = b.Submit(p, roundPath+"/draft", map[string]string{"draft_summary": "Riverton co-created its plan in the open."})
		p.MustContain(t, "The draft is published and open for public comment.")
		if got := site.Round(plan, rid).Stage; got != "public_comment" {
			t.Fatalf("stage %s after publishing the draft", got)
		}
	})

	site.API("", http.MethodPost, fmt.Sprintf("/action-plans/%d/assessment-rounds/%d/comments", plan, rid),
		map[string]any{"name": "Li Wei", "text": "Were the workshops open to people who work evenings?"}, http.StatusOK, nil)

	t.Run("the monitoring body answers the comment, then finalises", func(t *testing.T) {
		b := mon.For(t)
		p := b.Get(roundPath)
		p.MustContain(t, "Comment 1, by Li Wei", "Were the workshops open to people who work evenings?", "Not answered yet")
		p = b.Submit(p, roundPath+"/comments/1/answer", map[string]string{"answer_1": "Two were held on Saturday mornings."})
		p.MustContain(t, "The answer is published with the comment.", "Two were held on Saturday mornings.")
		site.WaitRound(plan, rid, "finalising")
		p = b.Get(roundPath)
		p = b.Submit(p, roundPath+"/finalise", nil)
		p.MustContain(t, "The final report is published.", "Final report hash (SHA-256)")
		final := site.WaitRound(plan, rid, "published")
		if final.ReportHash == "" || !strings.Contains(p.Body, final.ReportHash) {
			t.Fatalf("report hash %q not on the page", final.ReportHash)
		}
		if strings.Contains(p.Body, `action="`+roundPath+`/cancel"`) {
			t.Error("a published round still offers to cancel it")
		}
	})

	t.Run("another round is cancelled with a reason", func(t *testing.T) {
		b := mon.For(t)
		p := b.Submit(b.Get(rounds), rounds, monOpenFields("implementation", "60"))
		path := p.URL.Path
		p.MustContain(t, "Implementation assessment, round")
		p = b.Submit(p, path+"/cancel", map[string]string{"reason": ""})
		if p.Status != http.StatusUnprocessableEntity {
			t.Fatalf("cancel without a reason: status %d", p.Status)
		}
		p.MustContain(t, `id="error-reason"`)
		p = b.Submit(p, path+"/cancel", map[string]string{"reason": "Opened by mistake."})
		p.MustContain(t, "The round is cancelled.", "This round was cancelled.", "Opened by mistake.")
		list := b.Get(rounds)
		list.MustContain(t, "Cancelled", "Published")
	})

	t.Run("pages in Spanish, the learning plan, and members only", func(t *testing.T) {
		b := mon.For(t)
		b.Lang = "es"
		p := b.Get(roundPath)
		p.MustContain(t, `lang="es"`, "Ronda de evaluación", "Comentarios del público")
		co := site.Browser().For(t)
		co.SignIn(cast.Coordinator)
		lp := co.Get(fmt.Sprintf("/work/plans/%d/content/learning-plan", plan))
		lp.MustContain(t, "The learning plan", "The plan is at step 9")
		outsider := site.User("Olu Outsider", "olu.outsider@example.org", false)
		o := site.Browser().For(t)
		o.SignIn(outsider)
		if p := o.Get(roundPath); p.Status != http.StatusForbidden {
			t.Errorf("someone not on the plan: status %d", p.Status)
		}
	})

	t.Run("the coordinator records the learning plan in step 10", func(t *testing.T) {
		site := siteForMon(site, t)
		site.FillStep(cast, plan, 9)
		site.SubmitStep(cast, plan, 9)
		site.ApproveStep(cast, plan, 9)
		b := site.Browser().For(t)
		b.SignIn(cast.Coordinator)
		path := fmt.Sprintf("/work/plans/%d/content/learning-plan", plan)
		p := b.Get(path)
		p.MustContain(t, "Record the learning plan", `id="field-learning_plan:objectives"`, `id="field-objectives"`)
		fields := map[string]string{"objectives": strings.Repeat("x", 10001), "accountability_requirements": "Report to the forum twice a year.",
			"data_collection": "Progress reports and forum minutes.", "data_storage": "The city's open data portal.",
			"data_analysis": "The monitoring body with the team.", "data_sharing": "Published as open data.", "participants": "The team, the forum and the monitoring body."}
		p = b.Submit(p, path, fields)
		if p.Status != http.StatusUnprocessableEntity {
			t.Fatalf("a text too long: status %d", p.Status)
		}
		p.MustContain(t, `id="error-objectives"`, "Report to the forum twice a year.")
		fields["objectives"] = "Learn what makes commitments stick."
		p = b.Submit(p, path, fields)
		p.MustContain(t, "The learning plan is saved.", "Change the learning plan", "Learn what makes commitments stick.")
		var lp struct {
			Objectives string `json:"objectives"`
		}
		site.API("", http.MethodGet, fmt.Sprintf("/action-plans/%d/learning-plan", plan), nil, http.StatusOK, &lp)
		if lp.Objectives != "Learn what makes commitments stick." {
			t.Fatalf("learning plan: %+v", lp)
		}
		mon.For(t).Get(rounds).MustContain(t, `<option value="results"`)
	})
}

// siteForMon is the site reporting its failures to t (a subtest).
func siteForMon(s *webtest.Site, t testing.TB) *webtest.Site {
	cp := *s
	cp.T = t
	return &cp
}
