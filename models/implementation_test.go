package models_test

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/ogplocal/ogp"
	"github.com/ogplocal/ogp/models"
	"github.com/ogplocal/ogp/models/modelstest"
)

// implementationPlan is a plan whose step 5 has one commitment (led by
// the coordinator) with two milestones (the first the coordinator's), and
// a second commitment with one milestone; the plan is then moved to step 9.
func implementationPlan(t *testing.T, db *models.DB, key string) (r *roadmapPlan, c1, c2 ogp.Commitment) {
	t.Helper()
	ctx := context.Background()
	r, problems := commitmentsPlan(t, db, key, 2, 2)
	r.at(5, models.StepStatusInProgress)
	plan := r.plan.ID
	in := commitmentInput(problems[0], "Open budget")
	in.LeadUserID = r.coord.ID
	c1, err := db.CreateCommitment(ctx, plan, in)
	if err != nil {
		t.Fatalf("create commitment: %v", err)
	}
	m1 := milestoneInput("Publish the data", "2025-06-01", "2025-09-30")
	m1.ResponsibleUserID = r.coord.ID
	if _, err := db.CreateMilestone(ctx, plan, c1.ID, m1); err != nil {
		t.Fatalf("create milestone: %v", err)
	}
	if _, err := db.CreateMilestone(ctx, plan, c1.ID, milestoneInput("Explain it", "2025-10-01", "2026-03-31")); err != nil {
		t.Fatalf("create milestone: %v", err)
	}
	c2, err = db.CreateCommitment(ctx, plan, commitmentInput(problems[1], "Open procurement"))
	if err != nil {
		t.Fatalf("create commitment: %v", err)
	}
	if _, err := db.CreateMilestone(ctx, plan, c2.ID, milestoneInput("Portal", "2025-06-01", "2026-06-30")); err != nil {
		t.Fatalf("create milestone: %v", err)
	}
	if c1, err = db.GetCommitment(ctx, plan, c1.ID); err != nil {
		t.Fatal(err)
	}
	if c2, err = db.GetCommitment(ctx, plan, c2.ID); err != nil {
		t.Fatal(err)
	}
	r.at(9, models.StepStatusInProgress)
	return r, c1, c2
}

func TestCommitmentLeadAndResponsibleUsers(t *testing.T) {
	modelstest.Each(t, func(t *testing.T, db *models.DB) {
		ctx := context.Background()
		r, problems := commitmentsPlan(t, db, "leads", 2, 2)
		r.at(5, models.StepStatusInProgress)
		plan := r.plan.ID
		stranger := mustUser(t, db, "stranger-leads")

		in := commitmentInput(problems[0], "Open budget")
		in.LeadUserID = stranger.ID
		_, err := db.CreateCommitment(ctx, plan, in)
		wantCode(t, "lead who is no member", err, "unknown_member")
		in.LeadUserID = r.coord.ID
		c, err := db.CreateCommitment(ctx, plan, in)
		if err != nil || c.LeadUserID != r.coord.ID {
			t.Fatalf("create with a lead: %+v %v", c, err)
		}
		in.LeadUserID = stranger.ID
		_, err = db.UpdateCommitment(ctx, plan, c.ID, in)
		wantCode(t, "update to a lead who is no member", err, "unknown_member")
		in.LeadUserID = 0
		if c, err = db.UpdateCommitment(ctx, plan, c.ID, in); err != nil || c.LeadUserID != 0 {
			t.Fatalf("update without a lead: %+v %v", c, err)
		}

		m := milestoneInput("Publish", "2025-06-01", "2025-09-30")
		m.ResponsibleUserID = stranger.ID
		_, err = db.CreateMilestone(ctx, plan, c.ID, m)
		wantCode(t, "responsible who is no member", err, "unknown_member")
		m.ResponsibleUserID = r.coord.ID
		got, err := db.CreateMilestone(ctx, plan, c.ID, m)
		if err != nil || got.ResponsibleUserID != r.coord.ID {
			t.Fatalf("create milestone with a responsible user: %+v %v", got, err)
		}
		m.ResponsibleUserID = stranger.ID
		_, err = db.UpdateMilestone(ctx, plan, c.ID, got.ID, m)
		wantCode(t, "update to a responsible who is no member", err, "unknown_member")
		m.ResponsibleUserID = 0
		if got, err = db.UpdateMilestone(ctx, plan, c.ID, got.ID, m); err != nil || got.ResponsibleUserID != 0 {
			t.Fatalf("update milestone without a responsible user: %+v %v", got, err)
		}
		m.ResponsibleUserID = r.coord.ID
		if _, err = db.UpdateMilestone(ctx, plan, c.ID, got.ID, m); err != nil {
			t.Fatal(err)
		}
		content, err := db.LoadContent(ctx, plan)
		if err != nil {
			t.Fatal(err)
		}
		if cs := content.Commitments; len(cs) != 1 || cs[0].LeadUserID != 0 || len(cs[0].Milestones) != 1 || cs[0].Milestones[0].ResponsibleUserID != r.coord.ID {
			t.Errorf("loaded content %+v", cs)
		}
	})
}

// implementationState is a commitment's state as a workflow would hold it.
func implementationState(c ogp.Commitment, version int64) ogp.CommitmentState {
	st := ogp.CommitmentState{PlanID: 0, CommitmentID: c.ID, WorkflowID: ogp.CommitmentWorkflowID(c.ID), Number: c.Number,
		Title: c.Title, LeadUserID: c.LeadUserID, Status: ogp.CommitmentActive, Completion: ogp.CompletionNotStarted,
		Version: version, Amendments: []ogp.Amendment{}, Policy: ogp.DefaultReminderPolicy()}
	for _, m := range c.Milestones {
		st.Milestones = append(st.Milestones, ogp.MilestoneState{ID: m.ID, Title: m.Title, Responsible: m.Responsible,
			ResponsibleUserID: m.ResponsibleUserID, StartsOn: m.StartsOn, DueOn: m.DueOn, Status: ogp.MilestoneNotStarted,
			Reports: []ogp.ProgressReport{}, Delays: []ogp.DelayExplanation{}})
	}
	return st
}

func applyState(t *testing.T, db *models.DB, st ogp.CommitmentState, events ...ogp.Event) {
	t.Helper()
	p, err := models.NewCommitmentProjection(st, events)
	if err != nil {
		t.Fatalf("convert v%d: %v", st.Version, err)
	}
	if err := db.ApplyCommitmentProjection(context.Background(), p); err != nil {
		t.Fatalf("apply v%d: %v", st.Version, err)
	}
}

// projected is what the database gives back of st: neither the members
// nor the internal counters.
func projected(st ogp.CommitmentState) ogp.CommitmentState {
	out := st
	out.Members, out.EventSeq, out.ParentWorkflowID, out.PlanTitle = nil, 0, "", ""
	out.PlanStartsOn, out.PlanEndsOn = "", ""
	out.Milestones = make([]ogp.MilestoneState, len(st.Milestones))
	for i, m := range st.Milestones {
		m.DueVersion, m.OverdueSent, m.LastReminderAt = 0, 0, nil
		out.Milestones[i] = m
	}
	return out
}

func TestCommitmentProjection(t *testing.T) {
	modelstest.Each(t, func(t *testing.T, db *models.DB) {
		ctx := context.Background()
		r, c1, c2 := implementationPlan(t, db, "implementation")
		plan, coord := r.plan.ID, r.coord.ID
		m2 := c1.Milestones[1]

		_, err := db.CommitmentImplementation(ctx, plan, c1.ID)
		wantCode(t, "before step 9", err, "implementation_not_started")
		_, err = db.CommitmentImplementation(ctx, plan, 9999)
		wantCode(t, "unknown commitment", err, "unknown_commitment")
		if all, err := db.PlanImplementation(ctx, plan); err != nil || len(all) != 0 {
			t.Fatalf("plan implementation before step 9: %v %v", all, err)
		}

		at := time.Date(2025, 7, 1, 9, 0, 0, 123456789, time.UTC)
		v1 := implementationState(c1, 1)
		v1.PlanID = plan
		v1.EventSeq = 1
		applyState(t, db, v1, ogp.Event{Seq: 1, Kind: "commitment_started", Payload: map[string]any{"title": c1.Title}, OccurredAt: at})
		got, err := db.CommitmentImplementation(ctx, plan, c1.ID)
		if err != nil {
			t.Fatal(err)
		}
		if want := projected(v1); !reflect.DeepEqual(got, want) {
			t.Fatalf("v1 read back\n got %+v\nwant %+v", got, want)
		}
		if got.LeadUserID != coord || got.Milestones[0].ResponsibleUserID != coord {
			t.Errorf("lead %d, responsible %d, want %d", got.LeadUserID, got.Milestones[0].ResponsibleUserID, coord)
		}

		// v2: a report on the first milestone. v3: a second one, a delay
		// explanation on the second milestone and an amendment request.
		v2 := v1
		v2.Version = 2
		v2.Milestones = append([]ogp.MilestoneState{}, v1.Milestones...)
		report1 := ogp.ProgressReport{Seq: 1, Status: ogp.MilestoneInProgress, Percent: 40, Narrative: "Half the datasets are out.",
			Evidence: []string{"https://data.example.org/budget"}, ReportedBy: coord, ReportedAt: at.Add(time.Hour).Truncate(time.Microsecond)}
		v2.Milestones[0].Status, v2.Milestones[0].Percent = ogp.MilestoneInProgress, 40
		v2.Milestones[0].Reports = []ogp.ProgressReport{report1}
		v2.Completion = ogp.CompletionLimited

		v3 := v2
		v3.Version = 3
		v3.Milestones = append([]ogp.MilestoneState{}, v2.Milestones...)
		report2 := ogp.ProgressReport{Seq: 2, Status: ogp.MilestoneInProgress, Percent: 70, Narrative: "Most are out.",
			ReportedBy: coord, ReportedAt: at.Add(2 * time.Hour).Truncate(time.Microsecond)}
		v3.Milestones[0].Percent = 70
		v3.Milestones[0].Reports = []ogp.ProgressReport{report1, report2}
		delay := ogp.DelayExplanation{Text: "The vendor was late.", ExplainedBy: coord, ExplainedAt: at.Add(3 * time.Hour).Truncate(time.Microsecond)}
		v3.Milestones[1].Delays = []ogp.DelayExplanation{delay}
		amendment := ogp.Amendment{Seq: 1, MilestoneID: m2.ID, OldDueOn: m2.DueOn, NewDueOn: "2026-06-30", Reason: "Procurement took longer.",
			RequestedBy: coord, RequestedAt: at.Add(4 * time.Hour).Truncate(time.Microsecond), Approvers: []int64{coord},
			Decisions: []ogp.Approval{}, Status: ogp.AmendmentPending}
		v3.Amendments = []ogp.Amendment{amendment}

		// Applied newest first: the older one adds only its history.
		applyState(t, db, v3, ogp.Event{Seq: 3, Kind: "progress_reported", ActorID: coord, OccurredAt: at})
		applyState(t, db, v2, ogp.Event{Seq: 2, Kind: "progress_reported", ActorID: coord, OccurredAt: at})
		applyState(t, db, v3, ogp.Event{Seq: 3, Kind: "progress_reported", ActorID: coord, OccurredAt: at})
		got, err = db.CommitmentImplementation(ctx, plan, c1.ID)
		if err != nil {
			t.Fatal(err)
		}
		if want := projected(v3); !reflect.DeepEqual(got, want) {
			t.Fatalf("v3 read back\n got %+v\nwant %+v", got, want)
		}
		events, err := db.CommitmentEvents(ctx, c1.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(events) != 3 {
			t.Errorf("commitment events %+v, want 3", events)
		}
		for i, e := range events {
			if want := fmt.Sprintf("commitment-%d/%d", c1.ID, i+1); e.EventKey != want || e.Seq != int64(i+1) || e.PlanID != plan {
				t.Errorf("event %d: %+v, want key %s", i, e, want)
			}
		}
		// The plan's own trail is left to the plan's workflow.
		if _, total, err := db.ListEvents(ctx, plan, 0, 0); err != nil || total != 0 {
			t.Errorf("plan trail: %d events, %v", total, err)
		}

		// v4 approves the amendment and completes the first milestone,
		// and (continued as new) no longer carries the old reports: the
		// database keeps them, and both dates of the amendment.
		done := at.Add(5 * time.Hour)
		v4 := v3
		v4.Version = 4
		v4.Milestones = append([]ogp.MilestoneState{}, v3.Milestones...)
		v4.Milestones[0].Status, v4.Milestones[0].Percent, v4.Milestones[0].CompletedAt = ogp.MilestoneCompleted, 100, &done
		v4.Milestones[0].Reports = []ogp.ProgressReport{}
		v4.Milestones[1].DueOn, v4.Milestones[1].Title = "2026-06-30", "Explain it, with the forum"
		approved := amendment
		approved.NewTitle = "Explain it, with the forum"
		approved.Status = ogp.AmendmentApproved
		approved.Decisions = []ogp.Approval{{Round: 1, ApproverID: coord, Decision: ogp.DecisionApprove, Comment: "Fine.", DecidedAt: done}}
		v4.Amendments = []ogp.Amendment{approved}
		v4.Withdrawal = &ogp.Withdrawal{Reason: "No budget.", RequestedBy: coord, RequestedAt: done, Approvers: []int64{coord},
			Decisions: []ogp.Approval{}, Status: ogp.AmendmentPending}
		v4.Completion = ogp.CompletionSubstantial
		applyState(t, db, v4)
		before, err := db.CommitmentImplementation(ctx, plan, c1.ID)
		if err != nil {
			t.Fatal(err)
		}
		want := projected(v4)
		want.Milestones[0].Reports = []ogp.ProgressReport{report1, report2}
		doneMicro := done.Truncate(time.Microsecond)
		want.Milestones[0].CompletedAt = &doneMicro
		want.Amendments[0].Decisions[0].DecidedAt = doneMicro
		want.Withdrawal.RequestedAt = doneMicro
		if !reflect.DeepEqual(before, want) {
			t.Fatalf("v4 read back\n got %+v\nwant %+v", before, want)
		}
		if a := before.Amendments[0]; a.OldDueOn != m2.DueOn || a.NewDueOn != "2026-06-30" {
			t.Errorf("amendment dates %s -> %s", a.OldDueOn, a.NewDueOn)
		}
		// A stale projection changes nothing.
		applyState(t, db, v2)
		if after, _ := db.CommitmentImplementation(ctx, plan, c1.ID); !reflect.DeepEqual(after, want) {
			t.Errorf("a stale projection rolled state back:\n%+v", after)
		}

		// v5: the withdrawal was rejected and another one asked; both stay.
		v5 := v4
		v5.Version = 5
		rejected := *v4.Withdrawal
		rejected.Status = ogp.AmendmentRejected
		rejected.Decisions = []ogp.Approval{{Round: 1, ApproverID: coord, Decision: ogp.DecisionRequestChanges, Comment: "Keep going.", DecidedAt: doneMicro}}
		v5.PastWithdrawals = []ogp.Withdrawal{rejected}
		v5.Withdrawal = &ogp.Withdrawal{Reason: "Really no budget.", RequestedBy: coord, RequestedAt: doneMicro.Add(time.Hour),
			Approvers: []int64{coord}, Decisions: []ogp.Approval{}, Status: ogp.AmendmentPending}
		applyState(t, db, v5)
		got, err = db.CommitmentImplementation(ctx, plan, c1.ID)
		if err != nil {
			t.Fatal(err)
		}
		want.Version, want.PastWithdrawals, want.Withdrawal = 5, v5.PastWithdrawals, v5.Withdrawal
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("v5 read back\n got %+v\nwant %+v", got, want)
		}

		// The plan's view lists the commitments in implementation, by
		// number, without the history.
		v1c2 := implementationState(c2, 1)
		v1c2.PlanID = plan
		applyState(t, db, v1c2)
		all, err := db.PlanImplementation(ctx, plan)
		if err != nil {
			t.Fatal(err)
		}
		if len(all) != 2 || all[0].CommitmentID != c1.ID || all[1].CommitmentID != c2.ID {
			t.Fatalf("plan implementation: %+v", all)
		}
		if ms := all[0].Milestones; len(ms) != 2 || ms[0].Status != ogp.MilestoneCompleted || len(ms[0].Reports) != 0 || ms[1].DueOn != "2026-06-30" {
			t.Errorf("plan view of commitment 1: %+v", ms)
		}
		run, err := db.CommitmentRun(ctx, c1.ID)
		if err != nil || run.StateVersion != 5 || run.Completion != string(ogp.CompletionSubstantial) {
			t.Errorf("run %+v %v", run, err)
		}
		if _, err := db.CommitmentRun(ctx, 9999); !errors.Is(err, models.ErrNotFound) {
			t.Errorf("run of an unknown commitment: %v", err)
		}
	})
}

func TestCommitmentProjectionErrors(t *testing.T) {
	modelstest.Each(t, func(t *testing.T, db *models.DB) {
		ctx := context.Background()
		r, c1, c2 := implementationPlan(t, db, "implementation-errors")
		base := func() models.CommitmentProjection {
			st := implementationState(c1, 1)
			st.PlanID = r.plan.ID
			p, err := models.NewCommitmentProjection(st, nil)
			if err != nil {
				t.Fatal(err)
			}
			return p
		}
		for _, c := range []struct {
			name   string
			change func(p *models.CommitmentProjection)
			want   error
		}{
			{"version 0", func(p *models.CommitmentProjection) { p.Version = 0 }, models.ErrInvalid},
			{"no workflow id", func(p *models.CommitmentProjection) { p.WorkflowID = "" }, models.ErrInvalid},
			{"unknown commitment", func(p *models.CommitmentProjection) { p.CommitmentID, p.Milestones = 9999, nil }, models.ErrNotFound},
			{"commitment of another plan", func(p *models.CommitmentProjection) { p.PlanID, p.Milestones = 9999, nil }, models.ErrNotFound},
			{"milestone of another commitment", func(p *models.CommitmentProjection) { p.Milestones[0].MilestoneID = c2.Milestones[0].ID }, models.ErrInvalid},
			{"milestone listed twice", func(p *models.CommitmentProjection) { p.Milestones[1].MilestoneID = p.Milestones[0].MilestoneID }, models.ErrInvalid},
			{"row of another commitment", func(p *models.CommitmentProjection) { p.Milestones[0].CommitmentID = c2.ID }, models.ErrInvalid},
			{"unknown status", func(p *models.CommitmentProjection) { p.Status = "paused" }, models.ErrInvalid},
			{"event without key", func(p *models.CommitmentProjection) { p.Events = []models.CommitmentEventRecord{{Seq: 1, Kind: "x"}} }, models.ErrInvalid},
		} {
			p := base()
			c.change(&p)
			if err := db.ApplyCommitmentProjection(ctx, p); !errors.Is(err, c.want) {
				t.Errorf("%s: %v, want %v", c.name, err, c.want)
			}
		}
		if err := db.ApplyCommitmentProjection(ctx, base()); err != nil {
			t.Fatalf("valid projection after the refused ones: %v", err)
		}
	})
}
