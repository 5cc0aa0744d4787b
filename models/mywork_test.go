package models_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/ogplocal/ogp"
	"github.com/ogplocal/ogp/models"
	"github.com/ogplocal/ogp/models/modelstest"
)

// myWorkQueries counts the statements run through db from now on.
func myWorkQueries(t *testing.T, db *models.DB) *int {
	t.Helper()
	n := new(int)
	count := func(*gorm.DB) { *n++ }
	name := fmt.Sprintf("test:count_queries_%p", n)
	cb := db.Gorm.Callback()
	if err := cb.Query().After("gorm:query").Register(name, count); err != nil {
		t.Fatal(err)
	}
	if err := cb.Row().After("gorm:row").Register(name, count); err != nil {
		t.Fatal(err)
	}
	if err := cb.Raw().After("gorm:raw").Register(name, count); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cb.Query().Remove(name)
		_ = cb.Row().Remove(name)
		_ = cb.Raw().Remove(name)
	})
	return n
}

// workPlan projects a plan at step current with status and due date,
// the steps before it approved, with members, decisions and events.
type workPlan struct {
	t       *testing.T
	db      *models.DB
	plan    models.ActionPlan
	version int64
}

func (w *workPlan) project(current int, status, due string, members []models.Membership, decisions []models.Decision, events []models.AuditEvent) {
	w.t.Helper()
	w.version++
	p := models.Projection{PlanID: w.plan.ID, Version: w.version, Status: models.PlanStatusCoCreation, CurrentStep: current,
		ReminderIntervalDays: 7, Members: members, Decisions: decisions, Events: events}
	if current == 9 {
		p.Status = models.PlanStatusImplementation
	}
	for i := 1; i <= models.StepCount; i++ {
		s := models.Step{Number: i, Key: string(ogp.Steps[i-1].Key), Status: models.StepStatusNotStarted}
		switch {
		case i < current:
			s.Status = models.StepStatusApproved
		case i == current:
			s.Status = status
			if due != "" {
				s.DueOn = &due
			}
			if status == models.StepStatusAwaitingApproval || status == models.StepStatusChangesRequested {
				for _, e := range events {
					if e.Kind == ogp.EventStepSubmitted && e.StepNumber != nil && *e.StepNumber == i {
						s.Round++
					}
				}
				at := time.Date(2025, 2, 1, 9, 0, 0, 0, time.UTC)
				s.SubmittedAt, s.SubmittedBy = &at, &members[0].UserID
				s.Summary = fmt.Sprintf("Step %d, round %d", i, s.Round)
			}
		}
		p.Steps = append(p.Steps, s)
	}
	if err := w.db.ApplyProjection(context.Background(), p); err != nil {
		w.t.Fatalf("project plan %d: %v", w.plan.ID, err)
	}
}

func submitted(planID int64, seq int64, step, round int, actor int64, approvers ...int64) models.AuditEvent {
	payload := fmt.Sprintf(`{"round":%d,"summary":"round %d","approvers":[`, round, round)
	for i, a := range approvers {
		if i > 0 {
			payload += ","
		}
		payload += fmt.Sprint(a)
	}
	payload += "]}"
	return models.AuditEvent{EventKey: fmt.Sprintf("action-plan-%d/%d", planID, seq), Seq: seq, Kind: ogp.EventStepSubmitted,
		ActorID: &actor, StepNumber: &step, Payload: payload, OccurredAt: time.Date(2025, 2, 1, 9, 0, 0, int(seq), time.UTC)}
}

func member(u models.User, roles, sector string) models.Membership {
	return models.Membership{UserID: u.ID, Roles: roles, Sector: sector}
}

func TestMyWork(t *testing.T) {
	modelstest.Each(t, func(t *testing.T, db *models.DB) {
		ctx := context.Background()
		now := time.Date(2025, 10, 5, 12, 0, 0, 0, time.UTC)
		impl, c1, c2 := implementationPlan(t, db, "mywork")
		coord := impl.coord
		ann := mustUser(t, db, "ann-mywork")
		ben := mustUser(t, db, "ben-mywork")
		mona := mustUser(t, db, "mona-mywork")
		stranger := mustUser(t, db, "stranger-mywork")

		// Plan A: step 3 in its second round, overdue; Ann asked for
		// changes in round 1 and has not decided in round 2, Ben has.
		a := &workPlan{t: t, db: db, plan: mustPlan(t, db, coord, "mywork-a")}
		membersA := []models.Membership{member(coord, models.RoleCoordinator, models.SectorGovernment),
			member(ann, models.RoleApprover, models.SectorGovernment), member(ben, models.RoleApprover, models.SectorCivilSociety)}
		a.project(3, models.StepStatusAwaitingApproval, "2025-01-10", membersA,
			[]models.Decision{{StepNumber: 3, Round: 1, ApproverID: ann.ID, Decision: models.DecisionRequestChanges, Comment: "more"},
				{StepNumber: 3, Round: 2, ApproverID: ben.ID, Decision: models.DecisionApprove}},
			[]models.AuditEvent{submitted(a.plan.ID, 1, 3, 1, coord.ID, ann.ID, ben.ID), submitted(a.plan.ID, 2, 3, 2, coord.ID, ann.ID, ben.ID)})
		// Plan B: step 2 submitted to Ben alone; Ann became an approver
		// afterwards, so the round is not hers.
		b := &workPlan{t: t, db: db, plan: mustPlan(t, db, coord, "mywork-b")}
		b.project(2, models.StepStatusAwaitingApproval, "", []models.Membership{member(coord, models.RoleCoordinator, models.SectorGovernment),
			member(ben, models.RoleApprover, models.SectorCivilSociety), member(ann, models.RoleApprover, models.SectorGovernment)},
			nil, []models.AuditEvent{submitted(b.plan.ID, 1, 2, 1, coord.ID, ben.ID)})
		// Plan C: step 1 being worked on, due in five days.
		c := &workPlan{t: t, db: db, plan: mustPlan(t, db, coord, "mywork-c")}
		c.project(1, models.StepStatusInProgress, "2025-10-10", []models.Membership{member(coord, models.RoleCoordinator, models.SectorGovernment)}, nil, nil)

		// The implementation plan: Ann and Ben approve, Mona monitors.
		impl.version++
		implPlan := &workPlan{t: t, db: db, plan: impl.plan, version: impl.version}
		implPlan.project(9, models.StepStatusInProgress, "", []models.Membership{member(coord, models.RoleCoordinator, models.SectorGovernment),
			member(ann, models.RoleApprover, models.SectorGovernment), member(ben, models.RoleApprover, models.SectorCivilSociety),
			member(mona, models.RoleMonitoringBody, models.SectorCivilSociety)}, nil, nil)
		st1, st2 := implementationState(c1, 1), implementationState(c2, 1)
		st1.PlanID, st2.PlanID = impl.plan.ID, impl.plan.ID
		applyState(t, db, st1)
		applyState(t, db, st2)

		queries := myWorkQueries(t, db)
		w, err := db.MyWork(ctx, ann.ID, now)
		if err != nil {
			t.Fatal(err)
		}
		if *queries != 8 {
			t.Errorf("MyWork ran %d queries, want 8", *queries)
		}
		if len(w.Approvals) != 1 || w.Approvals[0].PlanID != a.plan.ID || w.Approvals[0].Step != 3 || w.Approvals[0].Round != 2 ||
			w.Approvals[0].Urgency != models.UrgencyOverdue || w.Approvals[0].PlanTitle != a.plan.Title {
			t.Errorf("Ann's approvals = %+v", w.Approvals)
		}
		if len(w.Steps) != 0 || len(w.Milestones) != 0 || len(w.Requests) != 0 || len(w.Plans) != 3 {
			t.Errorf("Ann's work = %+v", w)
		}
		w, err = db.MyWork(ctx, ben.ID, now)
		if err != nil {
			t.Fatal(err)
		}
		if len(w.Approvals) != 1 || w.Approvals[0].PlanID != b.plan.ID || w.Approvals[0].Urgency != models.UrgencyNoDate {
			t.Errorf("Ben's approvals = %+v", w.Approvals)
		}

		// The coordinator: the overdue step first, then the one due soon,
		// then the undated one waiting for them before the one waiting
		// for approvers; the milestones of the commitment they lead.
		w, err = db.MyWork(ctx, coord.ID, now)
		if err != nil {
			t.Fatal(err)
		}
		if len(w.Approvals) != 0 {
			t.Errorf("the submitter owes approvals: %+v", w.Approvals)
		}
		var got []string
		for _, s := range w.Steps {
			got = append(got, fmt.Sprintf("%d/%d %s %s", s.PlanID, s.Step, s.Status, s.Urgency))
		}
		want := []string{
			fmt.Sprintf("%d/3 awaiting_approval overdue", a.plan.ID),
			fmt.Sprintf("%d/1 in_progress due_soon", c.plan.ID),
			fmt.Sprintf("%d/9 in_progress no_date", impl.plan.ID),
			fmt.Sprintf("%d/2 awaiting_approval no_date", b.plan.ID),
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("coordinated steps\n got %v\nwant %v", got, want)
		}
		if len(w.Milestones) != 2 || w.Milestones[0].MilestoneID != c1.Milestones[0].ID || w.Milestones[0].Schedule != string(ogp.ScheduleOverdue) ||
			!w.Milestones[0].Lead || !w.Milestones[0].Responsible || w.Milestones[1].Schedule != string(ogp.ScheduleOnTrack) || w.Milestones[1].Responsible ||
			w.Milestones[0].CommitmentID != c1.ID || w.Milestones[0].PlanTitle != impl.plan.Title {
			t.Errorf("coordinator's milestones = %+v", w.Milestones)
		}

		// The first milestone completed, an amendment of the second asked
		// (Ben has approved it), a withdrawal of the other commitment.
		done := now.Add(-time.Hour)
		st1.Version = 2
		st1.Milestones[0].Status, st1.Milestones[0].Percent, st1.Milestones[0].CompletedAt = ogp.MilestoneCompleted, 100, &done
		st1.Amendments = []ogp.Amendment{{Seq: 1, MilestoneID: c1.Milestones[1].ID, OldDueOn: "2026-03-31", NewDueOn: "2026-05-31", Reason: "late data",
			RequestedBy: coord.ID, RequestedAt: now.Add(-2 * time.Hour), Approvers: []int64{ann.ID, ben.ID}, Status: ogp.AmendmentPending,
			Decisions: []ogp.Approval{{ApproverID: ben.ID, Decision: ogp.DecisionApprove, DecidedAt: now.Add(-time.Hour)}}}}
		applyState(t, db, st1)
		st2.Version = 2
		st2.Withdrawal = &ogp.Withdrawal{Reason: "merged", RequestedBy: coord.ID, RequestedAt: now.Add(-time.Hour),
			Approvers: []int64{ann.ID}, Decisions: []ogp.Approval{}, Status: ogp.AmendmentPending}
		applyState(t, db, st2)
		w, err = db.MyWork(ctx, coord.ID, now)
		if err != nil {
			t.Fatal(err)
		}
		if len(w.Milestones) != 1 || w.Milestones[0].MilestoneID != c1.Milestones[1].ID || len(w.Requests) != 0 {
			t.Errorf("coordinator after completion: milestones %+v requests %+v", w.Milestones, w.Requests)
		}
		w, err = db.MyWork(ctx, ann.ID, now)
		if err != nil {
			t.Fatal(err)
		}
		if len(w.Requests) != 2 || w.Requests[0].Kind != models.RequestAmendment || w.Requests[0].Seq != 1 ||
			w.Requests[0].MilestoneTitle != c1.Milestones[1].Title || w.Requests[0].NewDueOn != "2026-05-31" ||
			w.Requests[1].Kind != models.RequestWithdrawal || w.Requests[1].CommitmentID != c2.ID || w.Requests[1].Seq != 1 {
			t.Errorf("Ann's requests = %+v", w.Requests)
		}
		if w, err = db.MyWork(ctx, ben.ID, now); err != nil || len(w.Requests) != 0 {
			t.Errorf("Ben decided already: %+v %v", w.Requests, err)
		}

		// An assessment round: first the self-assessment of the
		// commitment the coordinator leads, then the monitoring body's
		// assessment.
		round, err := db.CreateRound(ctx, impl.plan.ID, ogp.AssessImplementation, mona.ID)
		if err != nil {
			t.Fatal(err)
		}
		due := now.Add(48 * time.Hour)
		rs := ogp.AssessmentRoundState{RoundStart: ogp.RoundStart{RoundID: round.ID, PlanID: impl.plan.ID, Kind: ogp.AssessImplementation,
			OpenedBy: mona.ID, Team: []int64{coord.ID}, Commitments: []ogp.RoundCommitment{
				{CommitmentID: c1.ID, Number: 1, Title: c1.Title, LeadUserID: coord.ID}, {CommitmentID: c2.ID, Number: 2, Title: c2.Title}}},
			Stage: ogp.StageSelfAssessment, StageDueAt: &due, Version: 1}
		if err := db.ApplyRoundProjection(ctx, rs, nil); err != nil {
			t.Fatal(err)
		}
		w, err = db.MyWork(ctx, coord.ID, now)
		if err != nil {
			t.Fatal(err)
		}
		if len(w.SelfAssessments) != 1 || w.SelfAssessments[0].CommitmentID != c1.ID || w.SelfAssessments[0].RoundID != round.ID ||
			w.SelfAssessments[0].Urgency != models.UrgencyDueSoon || len(w.Assessments) != 0 {
			t.Errorf("coordinator's self-assessments = %+v, assessments %+v", w.SelfAssessments, w.Assessments)
		}
		if w, err = db.MyWork(ctx, mona.ID, now); err != nil || len(w.Assessments) != 0 || len(w.SelfAssessments) != 0 {
			t.Errorf("monitoring body during self-assessment: %+v %v", w, err)
		}
		rs.Version, rs.Stage = 2, ogp.StageAssessment
		rs.SelfAssessments = []ogp.SelfAssessment{{CommitmentID: c1.ID, Completion: ogp.CompletionLimited, Narrative: "n", SubmittedBy: coord.ID}}
		if err := db.ApplyRoundProjection(ctx, rs, nil); err != nil {
			t.Fatal(err)
		}
		if w, err = db.MyWork(ctx, coord.ID, now); err != nil || len(w.SelfAssessments) != 0 || len(w.Assessments) != 0 {
			t.Errorf("coordinator (on the team) during assessment: %+v %v", w, err)
		}
		w, err = db.MyWork(ctx, mona.ID, now)
		if err != nil {
			t.Fatal(err)
		}
		if len(w.Assessments) != 1 || w.Assessments[0].RoundID != round.ID || w.Assessments[0].ToAssess != 2 || w.Assessments[0].Stage != string(ogp.StageAssessment) {
			t.Errorf("monitoring body's assessments = %+v", w.Assessments)
		}

		// Unread notifications, newest first; a read one is not listed.
		pid := a.plan.ID
		if _, err := db.CreateNotifications(ctx, []models.Notification{
			{UserID: ann.ID, PlanID: &pid, Kind: "decision_needed", Subject: "first", DedupKey: "n1", CreatedAt: now.Add(-3 * time.Hour)},
			{UserID: ann.ID, PlanID: &pid, Kind: "decision_needed", Subject: "second", DedupKey: "n2", CreatedAt: now.Add(-2 * time.Hour)},
			{UserID: ann.ID, Kind: "other", Subject: "third", DedupKey: "n3", CreatedAt: now.Add(-time.Hour)},
		}); err != nil {
			t.Fatal(err)
		}
		list, _, err := db.ListNotifications(ctx, ann.ID, false, 0, 0)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.MarkNotificationRead(ctx, ann.ID, list[0].ID); err != nil {
			t.Fatal(err)
		}
		*queries = 0
		w, err = db.MyWork(ctx, ann.ID, now)
		if err != nil {
			t.Fatal(err)
		}
		if *queries != 8 {
			t.Errorf("MyWork with more to do ran %d queries, want 8", *queries)
		}
		if w.UnreadCount != 2 || len(w.Notifications) != 2 || w.Notifications[0].Subject != "second" || w.Empty() {
			t.Errorf("Ann's notifications = %d %+v", w.UnreadCount, w.Notifications)
		}

		w, err = db.MyWork(ctx, stranger.ID, now)
		if err != nil || !w.Empty() || len(w.Plans) != 0 {
			t.Errorf("a stranger's work = %+v, %v; want empty", w, err)
		}
	})
}

func TestStepRounds(t *testing.T) {
	modelstest.Each(t, func(t *testing.T, db *models.DB) {
		coord := mustUser(t, db, "coord-rounds")
		ann := mustUser(t, db, "ann-rounds")
		p := &workPlan{t: t, db: db, plan: mustPlan(t, db, coord, "rounds")}
		p.project(3, models.StepStatusAwaitingApproval, "", []models.Membership{member(coord, models.RoleCoordinator, models.SectorGovernment),
			member(ann, models.RoleApprover, models.SectorGovernment)}, nil,
			[]models.AuditEvent{submitted(p.plan.ID, 1, 3, 1, coord.ID, ann.ID), submitted(p.plan.ID, 2, 3, 2, coord.ID, ann.ID),
				submitted(p.plan.ID, 3, 4, 1, coord.ID, ann.ID)})
		rounds, err := db.StepRounds(context.Background(), p.plan.ID, 3)
		if err != nil {
			t.Fatal(err)
		}
		if len(rounds) != 2 || rounds[0].Round != 1 || rounds[1].Round != 2 || rounds[1].SubmittedBy != coord.ID ||
			fmt.Sprint(rounds[1].Approvers) != fmt.Sprint([]int64{ann.ID}) || rounds[1].Summary != "round 2" {
			t.Errorf("rounds = %+v", rounds)
		}
		assertUTC(t, "submitted at", rounds[0].SubmittedAt)
	})
}
