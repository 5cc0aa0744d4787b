package models_test

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"testing"

	"github.com/ogplocal/ogp"
	"github.com/ogplocal/ogp/models"
	"github.com/ogplocal/ogp/models/modelstest"
)

// commitmentsPlan is a plan (2025-01-01 to 2026-12-31) with problems
// recorded in step 4, the first `selected` of them selected.
func commitmentsPlan(t *testing.T, db *models.DB, key string, problems, selected int) (*roadmapPlan, []int64) {
	t.Helper()
	ctx := context.Background()
	r := newRoadmapPlan(t, db, key)
	r.at(4, models.StepStatusInProgress)
	var ids []int64
	for i := range problems {
		rec, _, err := db.CreateProblem(ctx, r.plan.ID, models.NewProblem{Source: ogp.SourceTeam,
			Text: ogp.ProblemText{Title: fmt.Sprintf("Problem %d", i+1), Description: "d", PolicyArea: "open data"}})
		if err != nil {
			t.Fatalf("create problem: %v", err)
		}
		if i < selected {
			if _, err := db.SelectProblem(ctx, r.plan.ID, rec.ID, true); err != nil {
				t.Fatalf("select problem: %v", err)
			}
		}
		ids = append(ids, rec.ID)
	}
	return r, ids
}

func commitmentInput(problemID int64, title string) ogp.Commitment {
	return ogp.Commitment{ProblemID: problemID, Title: title, StartsOn: "2025-06-01", EndsOn: "2026-06-30",
		LeadAgency: "Digital Office", ProblemStatement: "p", StatusQuo: "s", Objective: "o", HowItSolves: "h",
		Values:         []ogp.CommitmentValue{{Value: ogp.ValueParticipation, Justification: "j1"}, {Value: ogp.ValueTransparency, Justification: "j2"}},
		AdditionalInfo: "Budget: 50k EUR"}
}

func milestoneInput(title, start, due string) ogp.Milestone {
	return ogp.Milestone{Title: title, Deliverable: "d", Indicator: "i", Target: "t", StartsOn: ogp.Date(start), DueOn: ogp.Date(due), Responsible: "r"}
}

// wantCode asserts a domain error with the given code.
func wantCode(t *testing.T, what string, err error, code string) {
	t.Helper()
	var de *ogp.Error
	if !errors.As(err, &de) || de.Code != code {
		t.Errorf("%s: %v, want code %s", what, err, code)
	}
}

func TestCommitmentStorage(t *testing.T) {
	modelstest.Each(t, func(t *testing.T, db *models.DB) {
		ctx := context.Background()
		r, problems := commitmentsPlan(t, db, "commitments", 7, 5)
		plan := r.plan.ID
		if _, err := db.CreateCommitment(ctx, plan, commitmentInput(problems[0], "Too early")); !errors.Is(err, models.ErrNotEditable) {
			t.Fatalf("create during step 4: %v, want not editable", err)
		}
		r.at(5, models.StepStatusInProgress)

		c1, err := db.CreateCommitment(ctx, plan, commitmentInput(problems[0], "Open budget"))
		if err != nil {
			t.Fatalf("create: %v", err)
		}
		want := commitmentInput(problems[0], "Open budget")
		want.ID, want.Number, want.Milestones, want.Network = c1.ID, 1, []ogp.Milestone{}, []ogp.SupportActor{}
		if !reflect.DeepEqual(c1, want) {
			t.Errorf("created %+v, want %+v", c1, want)
		}
		c2, err := db.CreateCommitment(ctx, plan, commitmentInput(problems[1], "Open procurement"))
		if err != nil || c2.Number != 2 {
			t.Fatalf("second: %+v %v", c2, err)
		}
		_, err = db.CreateCommitment(ctx, plan, commitmentInput(problems[0], "Twice"))
		wantCode(t, "second commitment for a problem", err, "problem_has_commitment")
		_, err = db.CreateCommitment(ctx, plan, commitmentInput(problems[6], "Not selected"))
		wantCode(t, "problem not selected", err, "problem_not_selected")
		_, err = db.CreateCommitment(ctx, plan, commitmentInput(999999, "Nowhere"))
		wantCode(t, "unknown problem", err, "unknown_problem")

		// Milestones: ordered by dates, of their commitment only.
		late, err := db.CreateMilestone(ctx, plan, c1.ID, milestoneInput("Second", "2025-09-01", "2025-12-31"))
		if err != nil {
			t.Fatal(err)
		}
		early, err := db.CreateMilestone(ctx, plan, c1.ID, milestoneInput("First", "2025-06-01", "2025-08-31"))
		if err != nil || early.Title != "First" || early.ID == 0 {
			t.Fatalf("milestone: %+v %v", early, err)
		}
		other, err := db.CreateMilestone(ctx, plan, c2.ID, milestoneInput("Only", "2025-06-01", "2025-07-01"))
		if err != nil {
			t.Fatal(err)
		}
		_, err = db.UpdateMilestone(ctx, plan, c1.ID, other.ID, milestoneInput("x", "2025-06-01", "2025-07-01"))
		wantCode(t, "milestone of another commitment", err, "unknown_milestone")
		_, err = db.CreateMilestone(ctx, plan, 999999, milestoneInput("x", "2025-06-01", "2025-07-01"))
		wantCode(t, "milestone of an unknown commitment", err, "unknown_commitment")
		changed := milestoneInput("Second, rescheduled", "2025-10-01", "2026-01-31")
		changed.Indicator = ""
		m, err := db.UpdateMilestone(ctx, plan, c1.ID, late.ID, changed)
		changed.ID = late.ID
		if err != nil || m != changed {
			t.Errorf("update milestone: %+v %v, want %+v", m, err, changed)
		}
		got, err := db.GetCommitment(ctx, plan, c1.ID)
		if err != nil || len(got.Milestones) != 2 || got.Milestones[0].ID != early.ID || got.Milestones[1] != changed {
			t.Errorf("commitment 1 milestones: %+v %v", got.Milestones, err)
		}

		// Rewriting a commitment replaces its values; the number stays.
		rewrite := commitmentInput(problems[2], "Open budget, monthly")
		rewrite.Values = []ogp.CommitmentValue{{Value: ogp.ValueAccountability, Justification: "The council answers."}}
		rewrite.AdditionalInfo = ""
		u, err := db.UpdateCommitment(ctx, plan, c1.ID, rewrite)
		if err != nil || u.Number != 1 || u.ProblemID != problems[2] || u.Title != rewrite.Title || !reflect.DeepEqual(u.Values, rewrite.Values) ||
			u.AdditionalInfo != "" || len(u.Milestones) != 2 {
			t.Errorf("update: %+v %v", u, err)
		}
		_, err = db.UpdateCommitment(ctx, plan, c1.ID, commitmentInput(problems[1], "Steal"))
		wantCode(t, "update onto another commitment's problem", err, "problem_has_commitment")
		_, err = db.UpdateCommitment(ctx, plan, 999999, rewrite)
		wantCode(t, "update unknown", err, "unknown_commitment")

		// Five at most: the sixth is refused whatever its problem.
		c3, _ := db.CreateCommitment(ctx, plan, commitmentInput(problems[0], "Third"))
		c4, _ := db.CreateCommitment(ctx, plan, commitmentInput(problems[3], "Fourth"))
		c5, err := db.CreateCommitment(ctx, plan, commitmentInput(problems[4], "Fifth"))
		if err != nil || c3.Number != 3 || c4.Number != 4 || c5.Number != 5 {
			t.Fatalf("commitments 3-5: %d %d %d %v", c3.Number, c4.Number, c5.Number, err)
		}
		_, err = db.CreateCommitment(ctx, plan, commitmentInput(problems[5], "Sixth"))
		wantCode(t, "sixth commitment", err, "too_many_commitments")

		// Deleting renumbers the ones after it and takes the milestones along.
		if err := db.DeleteCommitment(ctx, plan, c2.ID); err != nil {
			t.Fatal(err)
		}
		wantCode(t, "delete twice", db.DeleteCommitment(ctx, plan, c2.ID), "unknown_commitment")
		wantCode(t, "milestone of a deleted commitment", db.DeleteMilestone(ctx, plan, c2.ID, other.ID), "unknown_commitment")
		list, err := db.ListCommitments(ctx, plan)
		if err != nil {
			t.Fatal(err)
		}
		var numbers []string
		for _, c := range list {
			numbers = append(numbers, fmt.Sprintf("%d:%s", c.Number, c.Title))
		}
		if fmt.Sprint(numbers) != "[1:Open budget, monthly 2:Third 3:Fourth 4:Fifth]" {
			t.Errorf("after delete: %v", numbers)
		}
		// The freed problem can be addressed again.
		if c6, err := db.CreateCommitment(ctx, plan, commitmentInput(problems[1], "Procurement, again")); err != nil || c6.Number != 5 {
			t.Errorf("recreate: %+v %v", c6, err)
		}
		if err := db.DeleteMilestone(ctx, plan, c1.ID, early.ID); err != nil {
			t.Fatal(err)
		}
		wantCode(t, "delete milestone twice", db.DeleteMilestone(ctx, plan, c1.ID, early.ID), "unknown_milestone")

		// The schema refuses what the domain would: defence in depth.
		if _, err := db.CreateMilestone(ctx, plan, c1.ID, milestoneInput("Backwards", "2025-09-01", "2025-09-01")); !errors.Is(err, models.ErrInvalid) {
			t.Errorf("milestone due on its start: %v, want invalid", err)
		}

		// The content holds what the list shows.
		content, err := db.LoadContent(ctx, plan)
		if err != nil {
			t.Fatal(err)
		}
		list, _ = db.ListCommitments(ctx, plan)
		if !reflect.DeepEqual(content.Commitments, list) || len(list) != 5 {
			t.Errorf("content commitments %+v, list %+v", content.Commitments, list)
		}

		// Step 6: commitments are final, networks are written.
		r.at(6, models.StepStatusInProgress)
		if _, err := db.UpdateCommitment(ctx, plan, c1.ID, rewrite); !errors.Is(err, models.ErrNotEditable) {
			t.Errorf("update commitment in step 6: %v", err)
		}
		if _, err := db.CreateMilestone(ctx, plan, c1.ID, milestoneInput("Late", "2025-06-01", "2025-07-01")); !errors.Is(err, models.ErrNotEditable) {
			t.Errorf("milestone in step 6: %v", err)
		}
		if _, err := db.CreateCommitment(ctx, plan, commitmentInput(problems[5], "Anything")); !errors.Is(err, models.ErrNotEditable) {
			t.Errorf("create commitment in step 6: %v, want not editable", err)
		}
		lead := ogp.SupportActor{Name: "Eva", Organisation: "Digital Office", Sector: ogp.ActorGovernment, Role: ogp.ActorLead, Contact: "eva@city.example"}
		a, err := db.CreateSupportActor(ctx, plan, c1.ID, lead)
		lead.ID = a.ID
		if err != nil || a != lead {
			t.Fatalf("actor: %+v %v, want %+v", a, err, lead)
		}
		sup := ogp.SupportActor{Name: "Nikos", Organisation: "Vouliwatch", Sector: ogp.ActorCivilSociety, Role: ogp.ActorSupporter}
		s, err := db.CreateSupportActor(ctx, plan, c1.ID, sup)
		if err != nil {
			t.Fatal(err)
		}
		sup.ID, sup.Organisation, sup.Contact = s.ID, "Vouliwatch NGO", "+30 210 000"
		if got, err := db.UpdateSupportActor(ctx, plan, c1.ID, s.ID, sup); err != nil || got != sup {
			t.Errorf("update actor: %+v %v", got, err)
		}
		_, err = db.UpdateSupportActor(ctx, plan, c3.ID, s.ID, sup)
		wantCode(t, "actor of another commitment", err, "unknown_support_actor")
		got, _ = db.GetCommitment(ctx, plan, c1.ID)
		if !reflect.DeepEqual(got.Network, []ogp.SupportActor{lead, sup}) {
			t.Errorf("network %+v", got.Network)
		}
		extra, _ := db.CreateSupportActor(ctx, plan, c1.ID, ogp.SupportActor{Name: "X", Sector: ogp.ActorOther, Role: ogp.ActorSupporter})
		if err := db.DeleteSupportActor(ctx, plan, c1.ID, extra.ID); err != nil {
			t.Fatal(err)
		}
		wantCode(t, "delete actor twice", db.DeleteSupportActor(ctx, plan, c1.ID, extra.ID), "unknown_support_actor")
		if _, err := db.CreateSupportActor(ctx, plan, c1.ID, ogp.SupportActor{Name: "Y", Sector: "ngo", Role: ogp.ActorSupporter}); !errors.Is(err, models.ErrInvalid) {
			t.Errorf("unknown sector: %v, want invalid", err)
		}
		r.at(7, models.StepStatusInProgress)
		if _, err := db.CreateSupportActor(ctx, plan, c1.ID, sup); !errors.Is(err, models.ErrNotEditable) {
			t.Errorf("actor in step 7: %v", err)
		}

		// Another plan sees none of it.
		other2, _ := commitmentsPlan(t, db, "other", 0, 0)
		if _, err := db.GetCommitment(ctx, other2.plan.ID, c1.ID); err == nil {
			t.Error("a commitment read through another plan")
		} else {
			wantCode(t, "commitment of another plan", err, "unknown_commitment")
		}
		if l, err := db.ListCommitments(ctx, other2.plan.ID); err != nil || len(l) != 0 {
			t.Errorf("other plan's commitments: %+v %v", l, err)
		}

		// Deleting the plan removes everything of it.
		if err := db.DeletePlan(ctx, plan); err != nil {
			t.Fatalf("delete plan: %v", err)
		}
		if l, err := db.ListCommitments(ctx, plan); err != nil || len(l) != 0 {
			t.Errorf("after plan deletion: %+v %v", l, err)
		}
	})
}

// TestCommitmentGateOnStoredContent runs steps 5 and 6's gates on what
// the store loads, so the loader and the rules agree.
func TestCommitmentGateOnStoredContent(t *testing.T) {
	modelstest.Each(t, func(t *testing.T, db *models.DB) {
		ctx := context.Background()
		r, problems := commitmentsPlan(t, db, "gate", 3, 2)
		plan := r.plan.ID
		pc := ogp.PlanContext{PlanID: plan, StartsOn: "2025-01-01", EndsOn: "2026-12-31", Today: "2025-05-01"}
		r.at(5, models.StepStatusInProgress)
		codes := func(n int) string {
			c, err := db.LoadContent(ctx, plan)
			if err != nil {
				t.Fatal(err)
			}
			var out []string
			for _, v := range ogp.CheckStep(n, pc, c) {
				out = append(out, v.Code+"@"+v.Item)
			}
			return fmt.Sprint(out)
		}
		if got, want := codes(5), fmt.Sprintf("[selected_problem_without_commitment@problem:%d selected_problem_without_commitment@problem:%d]", problems[0], problems[1]); got != want {
			t.Errorf("empty step 5: %s, want %s", got, want)
		}
		c1, _ := db.CreateCommitment(ctx, plan, commitmentInput(problems[0], "One"))
		draft := commitmentInput(problems[1], "Two")
		draft.StatusQuo = ""
		c2, _ := db.CreateCommitment(ctx, plan, draft)
		m, _ := db.CreateMilestone(ctx, plan, c1.ID, ogp.Milestone{Title: "Only", StartsOn: "2025-06-01", DueOn: "2025-07-01", Deliverable: "d", Responsible: "r"})
		if got, want := codes(5), fmt.Sprintf("[milestone_not_measurable@milestone:%d commitment_incomplete@commitment:%d commitment_without_milestone@commitment:%d]", m.ID, c2.ID, c2.ID); got != want {
			t.Errorf("drafts: %s, want %s", got, want)
		}
		if _, err := db.UpdateMilestone(ctx, plan, c1.ID, m.ID, milestoneInput("Only", "2025-06-01", "2025-07-01")); err != nil {
			t.Fatal(err)
		}
		if _, err := db.UpdateCommitment(ctx, plan, c2.ID, commitmentInput(problems[1], "Two")); err != nil {
			t.Fatal(err)
		}
		if _, err := db.CreateMilestone(ctx, plan, c2.ID, milestoneInput("M", "2025-06-01", "2025-07-01")); err != nil {
			t.Fatal(err)
		}
		if got := codes(5); got != "[]" {
			t.Errorf("complete step 5: %s", got)
		}
		r.at(6, models.StepStatusInProgress)
		for _, id := range []int64{c1.ID, c2.ID} {
			if _, err := db.CreateSupportActor(ctx, plan, id, ogp.SupportActor{Name: "Lead", Sector: ogp.ActorGovernment, Role: ogp.ActorLead}); err != nil {
				t.Fatal(err)
			}
		}
		if got, want := codes(6), fmt.Sprintf("[network_needs_non_government_supporter@commitment:%d network_needs_non_government_supporter@commitment:%d]", c1.ID, c2.ID); got != want {
			t.Errorf("leads only: %s, want %s", got, want)
		}
		for _, id := range []int64{c1.ID, c2.ID} {
			if _, err := db.CreateSupportActor(ctx, plan, id, ogp.SupportActor{Name: "Uni", Sector: ogp.ActorAcademia, Role: ogp.ActorSupporter}); err != nil {
				t.Fatal(err)
			}
		}
		if got := codes(6); got != "[]" {
			t.Errorf("complete step 6: %s", got)
		}
	})
}
