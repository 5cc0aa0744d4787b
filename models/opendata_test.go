package models_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/ogplocal/ogp"
	"github.com/ogplocal/ogp/models"
	"github.com/ogplocal/ogp/models/modelstest"
)

// Private values of the open-data fixture: none may leave PlanOpenData.
var openDataSecrets = []string{
	"ana.private@example.org", // a support actor's contact
	"spammer@example.org",     // the e-mail of a hidden proposal
	"Buy cheap watches",       // the hidden proposal itself
	"Advertising, not a problem",
	"pending@example.org", // a proposal waiting for moderation
	"Unmoderated idea",
	"resident@example.org", // the contact of a published proposal
	"Draft in progress",    // a round whose draft is not published
}

// projectEvents projects the plan at step n (in progress) with audit
// events, as the workflow would.
func projectEvents(r *roadmapPlan, n int, events ...models.AuditEvent) {
	r.t.Helper()
	r.version++
	p := models.Projection{PlanID: r.plan.ID, Version: r.version, Status: models.PlanStatusImplementation, CurrentStep: n,
		ReminderIntervalDays: 7, Members: []models.Membership{{UserID: r.coord.ID, Roles: models.RoleCoordinator, Sector: models.SectorGovernment}},
		Events: events}
	for i := 1; i <= models.StepCount; i++ {
		s := models.Step{Number: i, Key: string(ogp.Steps[i-1].Key), Status: models.StepStatusNotStarted}
		switch {
		case i < n:
			s.Status = models.StepStatusApproved
		case i == n:
			s.Status = models.StepStatusInProgress
		}
		p.Steps = append(p.Steps, s)
	}
	if err := r.db.ApplyProjection(context.Background(), p); err != nil {
		r.t.Fatalf("project events: %v", err)
	}
}

// openDataPlan is a plan in implementation with everything the open data
// shows, and everything it must not: a support actor's contact, a hidden
// and a pending proposal, a published proposal's e-mail, an assessment
// round still being drafted.
type openDataFixture struct {
	r                      *roadmapPlan
	commitment             ogp.Commitment
	published, teamProblem int64
	hidden, pending        int64
	draftRound, finalRound int64
	hiddenRound            int64
}

func newOpenDataPlan(t *testing.T, db *models.DB, key string) openDataFixture {
	t.Helper()
	ctx := context.Background()
	r := newRoadmapPlan(t, db, key)
	plan := r.plan.ID
	f := openDataFixture{r: r}

	r.at(4, models.StepStatusInProgress)
	team, _, err := db.CreateProblem(ctx, plan, models.NewProblem{Source: ogp.SourceTeam,
		Text: ogp.ProblemText{Title: "Budget is opaque", Description: "Nobody can read it.", PolicyArea: "open data"}})
	if err != nil {
		t.Fatalf("create problem: %v", err)
	}
	f.teamProblem = team.ID
	if _, err := db.SelectProblem(ctx, plan, team.ID, true); err != nil {
		t.Fatalf("select: %v", err)
	}
	propose := func(title, email string) int64 {
		rec, _, err := db.ProposeProblem(ctx, plan, models.NewProblem{Email: email,
			Text: ogp.ProblemText{Title: title, Description: "From a resident.", PolicyArea: "mobility", Submitter: "A resident"}})
		if err != nil {
			t.Fatalf("propose %q: %v", title, err)
		}
		return rec.ID
	}
	f.published = propose("Bike lanes", "resident@example.org")
	f.hidden = propose("Buy cheap watches", "spammer@example.org")
	f.pending = propose("Unmoderated idea", "pending@example.org")
	if _, err := db.ModerateProblem(ctx, plan, f.published, ogp.ModerationPublish, "", r.coord.ID); err != nil {
		t.Fatalf("publish: %v", err)
	}
	if _, err := db.ModerateProblem(ctx, plan, f.hidden, ogp.ModerationHide, "Advertising, not a problem", r.coord.ID); err != nil {
		t.Fatalf("hide: %v", err)
	}
	if _, err := db.SetReasonedResponse(ctx, plan, f.published, "Covered by the mobility plan."); err != nil {
		t.Fatalf("reasoned response: %v", err)
	}

	r.at(5, models.StepStatusInProgress)
	in := commitmentInput(team.ID, "Open budget")
	in.LeadUserID = r.coord.ID
	c, err := db.CreateCommitment(ctx, plan, in)
	if err != nil {
		t.Fatalf("create commitment: %v", err)
	}
	for _, m := range []ogp.Milestone{milestoneInput("Publish the data", "2025-06-01", "2025-09-30"), milestoneInput("Explain it", "2025-10-01", "2026-03-31")} {
		if _, err := db.CreateMilestone(ctx, plan, c.ID, m); err != nil {
			t.Fatalf("create milestone: %v", err)
		}
	}
	r.at(6, models.StepStatusInProgress)
	if _, err := db.CreateSupportActor(ctx, plan, c.ID, ogp.SupportActor{Name: "Ana Pérez", Organisation: "Civic Lab",
		Sector: ogp.ActorCivilSociety, Role: ogp.ActorSupporter, Contact: "ana.private@example.org"}); err != nil {
		t.Fatalf("support actor: %v", err)
	}
	if f.commitment, err = db.GetCommitment(ctx, plan, c.ID); err != nil {
		t.Fatal(err)
	}

	// Step 9, with the plan's public history and some that is not.
	at := time.Date(2025, 5, 1, 9, 0, 0, 0, time.UTC)
	step := func(n int) *int { return &n }
	ev := func(seq int64, kind string, n *int, payload string) models.AuditEvent {
		return models.AuditEvent{EventKey: fmt.Sprintf("%s/%d", r.plan.WorkflowID, seq), Seq: seq, Kind: kind, ActorID: &r.coord.ID,
			StepNumber: n, Payload: payload, OccurredAt: at.Add(time.Duration(seq) * time.Hour)}
	}
	projectEvents(r, 9,
		ev(1, ogp.EventPlanCreated, nil, `{"title":"Open budget"}`),
		ev(2, ogp.EventMemberSet, nil, `{"user_id":1}`),
		ev(3, ogp.EventStepSubmitted, step(8), `{"round":1,"summary":"The plan, co-signed."}`),
		ev(4, ogp.EventStepApproved, step(8), `{"round":1}`),
		ev(5, ogp.EventStepStarted, step(9), `{"key":"implementation"}`),
		ev(6, ogp.EventReminderSent, step(9), `{}`),
	)

	m2 := f.commitment.Milestones[1]
	v1 := implementationState(f.commitment, 1)
	v1.PlanID = plan
	applyState(t, db, v1)
	v2 := v1
	v2.Version = 2
	v2.Completion = ogp.CompletionLimited
	v2.Milestones = slices.Clone(v1.Milestones)
	reported := at.Add(30 * 24 * time.Hour)
	v2.Milestones[0].Status, v2.Milestones[0].Percent = ogp.MilestoneCompleted, 100
	v2.Milestones[0].CompletedAt = &reported
	v2.Milestones[0].Reports = []ogp.ProgressReport{
		{Seq: 1, Status: ogp.MilestoneInProgress, Percent: 40, Narrative: "Half the datasets are out.", ReportedBy: r.coord.ID, ReportedAt: reported.Add(-time.Hour)},
		{Seq: 2, Status: ogp.MilestoneCompleted, Percent: 100, Narrative: "All out.", Evidence: []string{"https://data.example.org/budget"},
			ReportedBy: r.coord.ID, ReportedAt: reported},
	}
	v2.Milestones[1].Delays = []ogp.DelayExplanation{{Text: "The vendor was late.", ExplainedBy: r.coord.ID, ExplainedAt: reported.Add(time.Hour)}}
	v2.Milestones[1].DueOn = "2026-06-30"
	v2.Amendments = []ogp.Amendment{{Seq: 1, MilestoneID: m2.ID, OldDueOn: m2.DueOn, NewDueOn: "2026-06-30", Reason: "Procurement took longer.",
		RequestedBy: r.coord.ID, RequestedAt: reported, Approvers: []int64{r.coord.ID}, Status: ogp.AmendmentApproved,
		Decisions: []ogp.Approval{{Round: 1, ApproverID: r.coord.ID, Decision: ogp.DecisionApprove, DecidedAt: reported.Add(2 * time.Hour)}}}}
	applyState(t, db, v2)

	round := func(st ogp.RoundStage, draft bool, summary string) int64 {
		rec, err := db.CreateRound(ctx, plan, ogp.AssessImplementation, r.coord.ID)
		if err != nil {
			t.Fatalf("create round: %v", err)
		}
		s := roundState(rec, ogp.AssessImplementation, 2, st)
		s.Summary = summary
		s.EvidenceHash = fmt.Sprintf("evidence-%d", rec.ID)
		if draft {
			d := at.Add(60 * 24 * time.Hour)
			s.DraftPublishedAt = &d
		}
		if err := db.ApplyRoundProjection(ctx, s, nil); err != nil {
			t.Fatalf("round projection: %v", err)
		}
		return rec.ID
	}
	f.hiddenRound = round(ogp.StageAssessment, false, "Draft in progress")
	f.draftRound = round(ogp.StagePublicComment, true, "Mid-term: on track.")
	f.finalRound = round(ogp.StagePublished, true, "Final: delivered.")
	return f
}

// countQueries counts the statements db runs while fn does.
func countQueries(t *testing.T, db *models.DB, fn func()) int64 {
	t.Helper()
	var n atomic.Int64
	var on atomic.Bool
	count := func(*gorm.DB) {
		if on.Load() {
			n.Add(1)
		}
	}
	cb := db.Gorm.Callback()
	name := fmt.Sprintf("opendata_test:count_%p", &n)
	if err := cb.Query().After("gorm:query").Register(name, count); err != nil {
		t.Fatal(err)
	}
	if err := cb.Row().After("gorm:row").Register(name, count); err != nil {
		t.Fatal(err)
	}
	if err := cb.Raw().After("gorm:raw").Register(name, count); err != nil {
		t.Fatal(err)
	}
	on.Store(true)
	fn()
	on.Store(false)
	return n.Load()
}

func TestPlanOpenData(t *testing.T) {
	modelstest.Each(t, func(t *testing.T, db *models.DB) {
		ctx := context.Background()
		f := newOpenDataPlan(t, db, "opendata")
		plan := f.r.plan.ID

		d, err := db.PlanOpenData(ctx, plan)
		if err != nil {
			t.Fatal(err)
		}
		if d.Plan.ID != plan || d.Plan.Title != f.r.plan.Title || len(d.Steps) != models.StepCount || d.Steps[8].Number != 9 {
			t.Fatalf("plan %+v, %d steps", d.Plan, len(d.Steps))
		}
		var kinds []string
		for _, e := range d.Events {
			kinds = append(kinds, e.Kind)
			assertUTC(t, "event", e.OccurredAt)
		}
		if want := []string{ogp.EventPlanCreated, ogp.EventStepSubmitted, ogp.EventStepApproved, ogp.EventStepStarted}; !slices.Equal(kinds, want) {
			t.Errorf("events %v, want %v (no roster or reminder events)", kinds, want)
		}

		if len(d.Commitments) != 1 || len(d.Commitments[0].Milestones) != 2 || len(d.Commitments[0].Network) != 1 {
			t.Fatalf("commitments %+v", d.Commitments)
		}
		if a := d.Commitments[0].Network[0]; a.Name != "Ana Pérez" || a.Contact != "" {
			t.Errorf("support actor %+v: the contact must be left out", a)
		}
		if len(d.Runs) != 1 || d.Runs[0].Completion != string(ogp.CompletionLimited) {
			t.Errorf("runs %+v", d.Runs)
		}
		if len(d.Progress) != 2 || d.Progress[0].Status != string(ogp.MilestoneCompleted) || d.Progress[0].CompletedAt == nil ||
			d.Progress[1].DueOn != "2026-06-30" {
			t.Errorf("progress %+v", d.Progress)
		}
		if len(d.Reports) != 2 || d.Reports[0].Seq != 1 || d.Reports[1].Evidence != `["https://data.example.org/budget"]` {
			t.Errorf("reports %+v", d.Reports)
		}
		for _, r := range d.Reports {
			assertUTC(t, "report", r.ReportedAt)
		}
		if len(d.Delays) != 1 || d.Delays[0].Text != "The vendor was late." {
			t.Errorf("delays %+v", d.Delays)
		}
		if len(d.Amendments) != 1 || d.Amendments[0].Status != string(ogp.AmendmentApproved) || d.Amendments[0].NewDueOn != "2026-06-30" {
			t.Errorf("amendments %+v", d.Amendments)
		}
		if len(d.Withdrawals) != 0 {
			t.Errorf("withdrawals %+v", d.Withdrawals)
		}

		var problems []int64
		for _, p := range d.Problems {
			problems = append(problems, p.ID)
			if p.Status != ogp.ProblemPublished || p.SubmitterEmail != "" || p.ModerationReason != "" || p.ModeratedAt != nil || p.IdempotencyKey != "" {
				t.Errorf("problem %d: %+v: only published, without the coordinators' fields", p.ID, p)
			}
			if p.Rank < 1 {
				t.Errorf("problem %d has no rank", p.ID)
			}
		}
		if want := []int64{f.teamProblem, f.published}; !slices.Equal(problems, want) {
			t.Errorf("problems %v, want %v (not %d hidden, not %d pending)", problems, want, f.hidden, f.pending)
		}
		if p := d.Problems[1]; p.Submitter != "A resident" || p.ReasonedResponse != "Covered by the mobility plan." {
			t.Errorf("published proposal %+v", p)
		}

		var rounds []int64
		for _, r := range d.Rounds {
			rounds = append(rounds, r.RoundID)
		}
		if want := []int64{f.draftRound, f.finalRound}; !slices.Equal(rounds, want) {
			t.Errorf("rounds %v, want %v (not %d, whose draft is not published)", rounds, want, f.hiddenRound)
		}
		if r := d.Rounds[1]; r.Stage != ogp.StagePublished || r.ReportHash == "" || r.EvidenceHash == "" || r.PublishedAt == nil {
			t.Errorf("published round %+v", r)
		}

		dump := fmt.Sprintf("%+v", d)
		for _, secret := range openDataSecrets {
			if strings.Contains(dump, secret) {
				t.Errorf("open data contains %q", secret)
			}
		}

		if _, err := db.PlanOpenData(ctx, plan+1000); !errors.Is(err, models.ErrNotFound) {
			t.Errorf("unknown plan: %v, want ErrNotFound", err)
		}

		// An empty plan reads with the same statements: none per row.
		empty := newRoadmapPlan(t, db, "opendata-empty")
		e, err := db.PlanOpenData(ctx, empty.plan.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(e.Commitments) != 0 || len(e.Problems) != 0 || len(e.Rounds) != 0 || e.Reports == nil || e.Problems == nil || e.Rounds == nil {
			t.Errorf("empty plan %+v", e)
		}
		full := countQueries(t, db, func() { _, _ = db.PlanOpenData(ctx, plan) })
		none := countQueries(t, db, func() { _, _ = db.PlanOpenData(ctx, empty.plan.ID) })
		if full != none || full == 0 || full > 20 {
			t.Errorf("%d statements for the plan, %d for an empty one: want the same, a few", full, none)
		}
	})
}
