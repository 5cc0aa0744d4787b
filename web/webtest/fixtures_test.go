package webtest_test

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/ogplocal/ogp/web/webtest"
)

// TestFixturesPlanInImplementation builds a plan at step 9 on SQLite, opens
// a co-creation round and publishes its draft, then finalises it, checking
// through the API that the plan holds what the fixtures promise.
func TestFixturesPlanInImplementation(t *testing.T) {
	t.Parallel()
	start := time.Now()
	site := webtest.Start(t, "")
	c := site.Cast()
	if again := site.Cast(); again.Coordinator.ID != c.Coordinator.ID || again.Monitor.Token != c.Monitor.Token {
		t.Fatalf("a second Cast() made other people: %+v, then %+v", c.Coordinator, again.Coordinator)
	}
	started := time.Now()
	id := site.PlanAt(c, "Open Riverton 2026-2027", 9)
	t.Logf("stack in %v, plan at step 9 in %v", started.Sub(start).Round(time.Millisecond), time.Since(started).Round(time.Millisecond))

	var plan struct {
		Title       string `json:"title"`
		Member      string `json:"member"`
		Status      string `json:"status"`
		CurrentStep int    `json:"current_step"`
		Steps       []struct {
			Number    int    `json:"number"`
			Status    string `json:"status"`
			Decisions []struct {
				Decision string `json:"decision"`
			} `json:"decisions"`
		} `json:"steps"`
	}
	site.API("", http.MethodGet, fmt.Sprintf("/action-plans/%d", id), nil, http.StatusOK, &plan)
	if plan.Status != "implementation" || plan.CurrentStep != 9 || plan.Member != webtest.CityName {
		t.Fatalf("plan: %+v", plan)
	}
	for _, s := range plan.Steps[:8] {
		if s.Status != "approved" {
			t.Errorf("step %d is %s", s.Number, s.Status)
		}
	}
	if d := plan.Steps[0].Decisions; len(d) != 3 || d[0].Decision != "request_changes" {
		t.Errorf("step 1 decisions: %+v", d)
	}

	problems := site.Problems(id)
	selected, answered := 0, 0
	for _, p := range problems {
		if p.Selected {
			selected++
		}
		if p.ReasonedResponse != "" {
			answered++
		}
		if p.Title == webtest.ProblemPothole {
			t.Errorf("the hidden proposal is public: %+v", p)
		}
	}
	if len(problems) != 5 || selected != 3 || answered != 5 {
		t.Errorf("%d problems, %d selected, %d with a reasoned response: %+v", len(problems), selected, answered, problems)
	}

	cs := site.Commitments(id)
	if len(cs) != 3 || cs[0].Title != webtest.CommitmentContracts || cs[1].Title != webtest.CommitmentBudget || cs[2].Title != webtest.CommitmentParticipatory {
		t.Fatalf("commitments: %+v", cs)
	}
	if n := len(cs[0].Milestones) + len(cs[1].Milestones) + len(cs[2].Milestones); n != 11 {
		t.Errorf("%d milestones, want 11", n)
	}
	schedules := map[string]string{}
	for _, run := range site.Implementation(id) {
		if run.Status != "active" {
			t.Errorf("commitment %d is %s", run.Number, run.Status)
		}
		for _, m := range run.Milestones {
			schedules[m.Title] = m.Schedule
		}
	}
	for title, want := range map[string]string{webtest.MilestoneOCDS: "overdue", webtest.MilestoneBacklog: "due_soon",
		webtest.MilestoneRules: "due_soon", webtest.MilestoneCitizensBudget: "done_on_time", webtest.MilestoneTracker: "on_track"} {
		if schedules[title] != want {
			t.Errorf("milestone %q is %s, want %s", title, schedules[title], want)
		}
	}

	// A co-creation round, its draft published for comment.
	rid := site.OpenRoundFor(c, id, "co_creation", 3*time.Second)
	site.PublishDraft(c, id, rid)
	r := site.Round(id, rid)
	if r.Kind != "co_creation" || len(r.Assessments) != 3 || len(r.SelfAssessments) != 3 || len(r.Checklist) != 4 || r.Summary == "" || len(r.Comments) != 1 {
		t.Fatalf("round after the draft: %+v", r)
	}
	if r.Stage != "public_comment" && r.Stage != "finalising" {
		t.Fatalf("round after the draft is in stage %s", r.Stage)
	}
	site.Finalise(c, id, rid)
	if r = site.Round(id, rid); r.Stage != "published" || r.ReportHash == "" || r.Comments[0].Answer == "" {
		t.Fatalf("finalised round: %+v", r)
	}
	t.Logf("whole test in %v", time.Since(start).Round(time.Millisecond))
}
