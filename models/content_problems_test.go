package models_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/ogplocal/ogp"
	"github.com/ogplocal/ogp/models"
	"github.com/ogplocal/ogp/models/modelstest"
)

// problemPlan is a plan whose team (the coordinator and a civil-society
// member) and forum (two members) are recorded at step 1, and whose
// projection can then be moved to any step, as the workflow would.
type problemPlan struct {
	t              *testing.T
	db             *models.DB
	plan           models.ActionPlan
	coord, cso, ob models.User // ob: an observer, a plan member not on the team
	forum          []ogp.ForumMember
	version        int64
}

func newProblemPlan(t *testing.T, db *models.DB, key string) *problemPlan {
	t.Helper()
	ctx := context.Background()
	pp := &problemPlan{t: t, db: db, coord: mustUser(t, db, "coord-"+key), cso: mustUser(t, db, "cso-"+key), ob: mustUser(t, db, "ob-"+key)}
	pp.plan = mustPlan(t, db, pp.coord, key)
	pp.at(1, models.StepStatusInProgress)
	for _, u := range []models.User{pp.coord, pp.cso} {
		if _, err := db.PutTeamProfile(ctx, pp.plan.ID, ogp.TeamMember{UserID: u.ID, Title: "Team member", Organisation: "City"}); err != nil {
			t.Fatalf("team: %v", err)
		}
	}
	if _, err := db.PutForum(ctx, pp.plan.ID, ogp.Forum{Name: "Open City Forum", Purpose: "Co-create", MeetingCadence: "monthly"}); err != nil {
		t.Fatalf("forum: %v", err)
	}
	for _, m := range []ogp.ForumMember{{Name: "Ana", Organisation: "City", Sector: ogp.ForumGovernment}, {Name: "Ben", Organisation: "NGO", Sector: ogp.ForumNonGovernment}} {
		fm, err := db.AddForumMember(ctx, pp.plan.ID, m)
		if err != nil {
			t.Fatalf("forum member: %v", err)
		}
		pp.forum = append(pp.forum, fm)
	}
	return pp
}

// at projects the plan at step n with the given status, the steps before
// it approved.
func (pp *problemPlan) at(n int, status string) {
	pp.t.Helper()
	pp.version++
	p := models.Projection{PlanID: pp.plan.ID, Version: pp.version, Status: models.PlanStatusCoCreation, CurrentStep: n,
		ReminderIntervalDays: 7, Members: []models.Membership{
			{UserID: pp.coord.ID, Roles: models.RoleCoordinator, Sector: models.SectorGovernment},
			{UserID: pp.cso.ID, Roles: models.RoleApprover, Sector: models.SectorCivilSociety},
			{UserID: pp.ob.ID, Roles: "contributor", Sector: models.SectorOther},
		}}
	for i := 1; i <= models.StepCount; i++ {
		s := models.Step{Number: i, Key: string(ogp.Steps[i-1].Key), Status: models.StepStatusNotStarted}
		switch {
		case i < n:
			s.Status = models.StepStatusApproved
		case i == n:
			s.Status = status
		}
		p.Steps = append(p.Steps, s)
	}
	if err := pp.db.ApplyProjection(context.Background(), p); err != nil {
		pp.t.Fatalf("project step %d %s: %v", n, status, err)
	}
}

func problemText(title string) ogp.ProblemText {
	return ogp.ProblemText{Title: title, Description: "What residents told us about " + title, PolicyArea: "open data", Submitter: "The forum"}
}

// domainCode is the stable code of a domain error, or "".
func domainCode(err error) string {
	var e *ogp.Error
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}

func byID(t *testing.T, recs []models.ProblemRecord, id int64) models.ProblemRecord {
	t.Helper()
	for _, r := range recs {
		if r.ID == id {
			return r
		}
	}
	t.Fatalf("problem %d not listed", id)
	return models.ProblemRecord{}
}

func TestProblemStorage(t *testing.T) {
	modelstest.Each(t, func(t *testing.T, db *models.DB) {
		ctx := context.Background()
		pp := newProblemPlan(t, db, "problems")
		id := pp.plan.ID

		// Before step 4 the coordinator cannot record problems, but the
		// public can propose them already.
		if _, _, err := db.CreateProblem(ctx, id, models.NewProblem{Text: problemText("Early"), Source: ogp.SourceTeam}); !errors.Is(err, models.ErrNotEditable) {
			t.Fatalf("create at step 1: %v, want not editable", err)
		}
		early, replayed, err := db.ProposeProblem(ctx, id, models.NewProblem{Text: problemText("Bus data"), Email: "res@example.org", IdempotencyKey: "prop-1"})
		if err != nil || replayed || early.Status != ogp.ProblemPending || early.Source != ogp.SourcePublic || early.SubmitterEmail != "res@example.org" || early.Rank != 0 {
			t.Fatalf("propose at step 1: %+v %v %v", early, replayed, err)
		}
		assertUTC(t, "created_at", early.CreatedAt)
		again, replayed, err := db.ProposeProblem(ctx, id, models.NewProblem{Text: problemText("Bus data"), Email: "res@example.org", IdempotencyKey: "prop-1"})
		if err != nil || !replayed || again.ID != early.ID {
			t.Fatalf("retry of a proposal: %+v %v %v", again, replayed, err)
		}

		pp.at(4, models.StepStatusInProgress)
		team, replayed, err := db.CreateProblem(ctx, id, models.NewProblem{Text: problemText("Budget"), Source: ogp.SourceTeam, IdempotencyKey: "k1", CreatedBy: pp.coord.ID})
		if err != nil || replayed || team.Status != ogp.ProblemPublished || team.Source != ogp.SourceTeam || team.Rank != 1 {
			t.Fatalf("create: %+v %v %v", team, replayed, err)
		}
		if again, replayed, err := db.CreateProblem(ctx, id, models.NewProblem{Text: problemText("Budget"), Source: ogp.SourceTeam, IdempotencyKey: "k1"}); err != nil || !replayed || again.ID != team.ID {
			t.Fatalf("retry of a create: %+v %v %v", again, replayed, err)
		}
		forum, _, err := db.CreateProblem(ctx, id, models.NewProblem{Text: problemText("Procurement"), Source: ogp.SourceForum})
		if err != nil {
			t.Fatal(err)
		}
		// The retry did not bump the content version: nothing changed.
		if recs, err := db.Problems(ctx, id); err != nil || len(recs) != 3 {
			t.Fatalf("list: %d %v", len(recs), err)
		}

		// Scores: team members for themselves, forum members through the
		// coordinator; a second score replaces the first.
		score := func(pid int64, kind string, scorer int64, s int) (models.ProblemRecord, error) {
			return db.ScoreProblem(ctx, id, pid, models.ScoreInput{ScorerKind: kind, ScorerID: scorer, Score: s, RecordedBy: pp.coord.ID})
		}
		for _, c := range []struct {
			pid    int64
			kind   string
			scorer int64
			score  int
		}{
			{team.ID, models.ScorerTeamMember, pp.coord.ID, 1},
			{team.ID, models.ScorerTeamMember, pp.cso.ID, 3},
			{team.ID, models.ScorerForumMember, pp.forum[0].ID, 4},
			{team.ID, models.ScorerTeamMember, pp.coord.ID, 5}, // replaces the 1
			{forum.ID, models.ScorerForumMember, pp.forum[1].ID, 5},
		} {
			if _, err := score(c.pid, c.kind, c.scorer, c.score); err != nil {
				t.Fatalf("score %+v: %v", c, err)
			}
		}
		recs, _ := db.Problems(ctx, id)
		if b := byID(t, recs, team.ID); b.ScoreCount != 3 || b.ScoreAverage != 4 || b.Rank != 2 {
			t.Errorf("budget: %d scores, average %v, rank %d; want 3, 4, 2", b.ScoreCount, b.ScoreAverage, b.Rank)
		}
		if p := byID(t, recs, forum.ID); p.ScoreCount != 1 || p.ScoreAverage != 5 || p.Rank != 1 {
			t.Errorf("procurement: %d scores, average %v, rank %d; want 1, 5, 1", p.ScoreCount, p.ScoreAverage, p.Rank)
		}
		for _, c := range []struct {
			name   string
			pid    int64
			kind   string
			scorer int64
			code   string
		}{
			{"a plan member not on the team", team.ID, models.ScorerTeamMember, pp.ob.ID, "not_team_member"},
			{"an unknown forum member", team.ID, models.ScorerForumMember, 999, "unknown_forum_member"},
			{"a pending proposal", early.ID, models.ScorerTeamMember, pp.coord.ID, "problem_not_published"},
			{"an unknown problem", 999, models.ScorerTeamMember, pp.coord.ID, "unknown_problem"},
		} {
			if _, err := score(c.pid, c.kind, c.scorer, 3); domainCode(err) != c.code {
				t.Errorf("score %s: %v, want %s", c.name, err, c.code)
			}
		}

		// Another plan's problem is unknown here.
		other := newProblemPlan(t, db, "other")
		other.at(4, models.StepStatusInProgress)
		theirs, _, err := db.CreateProblem(ctx, other.plan.ID, models.NewProblem{Text: problemText("Theirs"), Source: ogp.SourceTeam})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.SelectProblem(ctx, id, theirs.ID, true); domainCode(err) != "unknown_problem" {
			t.Errorf("select another plan's problem: %v", err)
		}
		if _, err := db.SetReasonedResponse(ctx, id, theirs.ID, "x"); domainCode(err) != "unknown_problem" {
			t.Errorf("answer another plan's problem: %v", err)
		}

		// The gate sees what is wrong: nothing selected, no responses, a
		// proposal waiting.
		c, err := db.LoadContent(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if got := violationCodes(ogp.CheckStep(4, ogp.PlanContext{}, c)); got != "no_problem_selected problem_awaiting_moderation reasoned_response_missing reasoned_response_missing" {
			t.Errorf("gate: %s", got)
		}

		// Selection: published problems only, within the cap.
		if _, err := db.SelectProblem(ctx, id, early.ID, true); domainCode(err) != "problem_not_published" {
			t.Errorf("select pending: %v", err)
		}
		if r, err := db.SelectProblem(ctx, id, team.ID, true); err != nil || !r.Selected {
			t.Fatalf("select: %+v %v", r, err)
		}
		var extra []int64
		for _, title := range []string{"A", "B", "C", "D"} {
			r, _, err := db.CreateProblem(ctx, id, models.NewProblem{Text: problemText(title), Source: ogp.SourceTeam})
			if err != nil {
				t.Fatal(err)
			}
			extra = append(extra, r.ID)
		}
		for _, e := range extra[:3] {
			if _, err := db.SelectProblem(ctx, id, e, true); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := db.SelectProblem(ctx, id, forum.ID, true); err != nil {
			t.Fatalf("5th selection: %v", err)
		}
		if _, err := db.SelectProblem(ctx, id, extra[3], true); domainCode(err) != "too_many_selected" {
			t.Errorf("6th selection: %v", err)
		}
		if _, err := db.SelectProblem(ctx, id, forum.ID, true); err != nil {
			t.Errorf("selecting a selected problem again: %v", err)
		}
		for _, e := range extra {
			if _, err := db.SelectProblem(ctx, id, e, false); err != nil {
				t.Fatal(err)
			}
			if e != extra[0] {
				if err := db.DeleteProblem(ctx, id, e); err != nil {
					t.Fatal(err)
				}
			}
		}
		if _, err := db.SetReasonedResponse(ctx, id, extra[0], "Merged into the budget problem"); err != nil {
			t.Fatal(err)
		}

		// Moderation: hiding needs a reason (checked by the schema too);
		// publishing brings a proposal into the ranking.
		if _, err := db.ModerateProblem(ctx, id, early.ID, ogp.ModerationHide, "", pp.coord.ID); !errors.Is(err, models.ErrInvalid) {
			t.Errorf("hide without a reason reached the table: %v", err)
		}
		spam, _, err := db.ProposeProblem(ctx, id, models.NewProblem{Text: problemText("Buy my product"), Email: "spam@example.org"})
		if err != nil {
			t.Fatal(err)
		}
		if r, err := db.ModerateProblem(ctx, id, spam.ID, ogp.ModerationHide, "Advertising", pp.coord.ID); err != nil || r.Status != ogp.ProblemHidden || r.ModerationReason != "Advertising" || r.ModeratedAt == nil {
			t.Fatalf("hide: %+v %v", r, err)
		}
		// Unscored, it ranks after the scored ones and before the younger "A".
		pub, err := db.ModerateProblem(ctx, id, early.ID, ogp.ModerationPublish, "", pp.coord.ID)
		if err != nil || pub.Status != ogp.ProblemPublished || pub.Rank != 3 || pub.Source != ogp.SourcePublic {
			t.Fatalf("publish: %+v %v", pub, err)
		}
		if err := db.DeleteProblem(ctx, id, early.ID); domainCode(err) != "public_problem_not_deletable" {
			t.Errorf("delete a public proposal: %v", err)
		}
		if _, err := db.UpdateProblem(ctx, id, early.ID, problemText("Bus data"), ogp.SourceTeam); domainCode(err) != "public_source_immutable" {
			t.Errorf("make a public proposal the team's: %v", err)
		}
		if _, err := db.UpdateProblem(ctx, id, team.ID, problemText("Budget"), ogp.SourcePublic); domainCode(err) != "public_source_reserved" {
			t.Errorf("make the team's problem public: %v", err)
		}
		if r, err := db.UpdateProblem(ctx, id, early.ID, ogp.ProblemText{Title: "Bus timetables as open data", Description: "d", PolicyArea: "mobility"}, ""); err != nil ||
			r.Title != "Bus timetables as open data" || r.Source != ogp.SourcePublic || r.SubmitterEmail != "res@example.org" {
			t.Errorf("update a public proposal: %+v %v", r, err)
		}
		if _, err := db.SetReasonedResponse(ctx, id, early.ID, "A national portal publishes them from 2027"); err != nil {
			t.Fatal(err)
		}

		c, _ = db.LoadContent(ctx, id)
		if vs := ogp.CheckStep(4, ogp.PlanContext{}, c); len(vs) != 0 {
			t.Fatalf("the gate still refuses: %+v", vs)
		}
		// Submission snapshots the published problems only, without the
		// coordinators' notes or anyone's e-mail.
		res, err := db.SubmitContent(ctx, id, 4, 1, func(c ogp.Content) []ogp.Violation { return ogp.CheckStep(4, ogp.PlanContext{}, c) })
		if err != nil || len(res.Violations) != 0 {
			t.Fatalf("submit: %+v %v", res.Violations, err)
		}
		snaps, err := db.StepSnapshots(ctx, id, 4)
		if err != nil || len(snaps) != 1 {
			t.Fatalf("snapshots: %v %v", snaps, err)
		}
		for _, private := range []string{"Buy my product", "Advertising", "example.org", `"status":"hidden"`, `"status":"pending"`} {
			if strings.Contains(snaps[0].Content, private) {
				t.Errorf("the snapshot shows %q: %s", private, snaps[0].Content)
			}
		}
		var snap struct {
			Problems []ogp.Problem `json:"problems"`
		}
		if err := json.Unmarshal([]byte(snaps[0].Content), &snap); err != nil || len(snap.Problems) != 4 {
			t.Errorf("snapshot problems: %+v %v", snap.Problems, err)
		}

		// Submitted: content is locked and the public's window has closed.
		if _, err := db.SelectProblem(ctx, id, team.ID, false); !errors.Is(err, models.ErrNotEditable) {
			t.Errorf("select after submission: %v", err)
		}
		if _, _, err := db.ProposeProblem(ctx, id, models.NewProblem{Text: problemText("Late")}); domainCode(err) != "proposals_closed" {
			t.Errorf("propose after submission: %v", err)
		}
		// A retry of a proposal made before still answers it.
		if r, replayed, err := db.ProposeProblem(ctx, id, models.NewProblem{Text: problemText("Bus data"), IdempotencyKey: "prop-1"}); err != nil || !replayed || r.ID != early.ID {
			t.Errorf("retry after closing: %+v %v %v", r, replayed, err)
		}
		// Changes requested: the window opens again.
		pp.at(4, models.StepStatusChangesRequested)
		if _, _, err := db.ProposeProblem(ctx, id, models.NewProblem{Text: problemText("Another")}); err != nil {
			t.Errorf("propose with changes requested: %v", err)
		}
		pp.at(5, models.StepStatusInProgress)
		if _, _, err := db.ProposeProblem(ctx, id, models.NewProblem{Text: problemText("Later")}); domainCode(err) != "proposals_closed" {
			t.Errorf("propose at step 5: %v", err)
		}
	})
}

func violationCodes(vs []ogp.Violation) string {
	var out []string
	for _, v := range vs {
		out = append(out, v.Code)
	}
	return strings.Join(out, " ")
}

// TestProblemsCascadeWithPlan checks that a plan's problems and scores go
// with it.
func TestProblemsCascadeWithPlan(t *testing.T) {
	modelstest.Each(t, func(t *testing.T, db *models.DB) {
		ctx := context.Background()
		pp := newProblemPlan(t, db, "cascade")
		pp.at(4, models.StepStatusInProgress)
		p, _, err := db.CreateProblem(ctx, pp.plan.ID, models.NewProblem{Text: problemText("Budget"), Source: ogp.SourceTeam})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.ScoreProblem(ctx, pp.plan.ID, p.ID, models.ScoreInput{ScorerKind: models.ScorerTeamMember, ScorerID: pp.cso.ID, Score: 4}); err != nil {
			t.Fatal(err)
		}
		if err := db.Gorm.WithContext(ctx).Exec("DELETE FROM action_plans WHERE id = ?", pp.plan.ID).Error; err != nil {
			t.Fatal(err)
		}
		for _, table := range []string{"problems", "problem_scores"} {
			var n int64
			if err := db.Gorm.WithContext(ctx).Table(table).Count(&n).Error; err != nil || n != 0 {
				t.Errorf("%s: %d rows left (%v)", table, n, err)
			}
		}
	})
}
