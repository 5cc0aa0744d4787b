package models_test

import (
	"context"
	"errors"
	"reflect"
	"testing"

	"github.com/ogplocal/ogp"
	"github.com/ogplocal/ogp/models"
	"github.com/ogplocal/ogp/models/modelstest"
)

// teamPlan is a plan with a coordinator (government), an approver (civil
// society) and a monitor (monitoring_body), whose projection can be moved
// to any step as the workflow would.
type teamPlan struct {
	t                   *testing.T
	db                  *models.DB
	plan                models.ActionPlan
	coord, cso, monitor models.User
	version             int64
	status              string
	withoutCSO          bool
}

func newTeamPlan(t *testing.T, db *models.DB, key string) *teamPlan {
	t.Helper()
	tp := &teamPlan{t: t, db: db, coord: mustUser(t, db, "coord-"+key), cso: mustUser(t, db, "cso-"+key), monitor: mustUser(t, db, "monitor-"+key)}
	tp.plan = mustPlan(t, db, tp.coord, key)
	tp.status = models.PlanStatusCoCreation
	return tp
}

func (tp *teamPlan) roster() []models.Membership {
	m := []models.Membership{{UserID: tp.coord.ID, Roles: models.RoleCoordinator, Sector: models.SectorGovernment}}
	if !tp.withoutCSO {
		m = append(m, models.Membership{UserID: tp.cso.ID, Roles: models.RoleApprover, Sector: models.SectorCivilSociety})
	}
	return append(m, models.Membership{UserID: tp.monitor.ID, Roles: models.RoleMonitoringBody, Sector: models.SectorCivilSociety})
}

// at projects the plan at step n with the given status, the steps before
// it approved.
func (tp *teamPlan) at(n int, status string) {
	tp.t.Helper()
	tp.version++
	p := models.Projection{PlanID: tp.plan.ID, Version: tp.version, Status: tp.status, CurrentStep: n,
		ReminderIntervalDays: 7, Members: tp.roster()}
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
	if err := tp.db.ApplyProjection(context.Background(), p); err != nil {
		tp.t.Fatalf("project step %d %s: %v", n, status, err)
	}
}

// planContext is what the workflow would hand the gate.
func (tp *teamPlan) planContext() ogp.PlanContext {
	pc := ogp.PlanContext{PlanID: tp.plan.ID, StartsOn: ogp.Date(tp.plan.StartsOn), EndsOn: ogp.Date(tp.plan.EndsOn), Today: "2025-06-01"}
	for _, m := range tp.roster() {
		var roles []ogp.Role
		for _, r := range (models.Membership{Roles: m.Roles}).RoleList() {
			roles = append(roles, ogp.Role(r))
		}
		pc.Members = append(pc.Members, ogp.Member{UserID: m.UserID, Roles: roles, Sector: ogp.Sector(m.Sector)})
	}
	return pc
}

func teamWantErr(t *testing.T, what string, err, want error) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Errorf("%s: err = %v, want %v", what, err, want)
	}
}

func TestTeamForumMonitoringStorage(t *testing.T) {
	modelstest.Each(t, func(t *testing.T, db *models.DB) {
		ctx := context.Background()
		tp := newTeamPlan(t, db, "team")
		other := newTeamPlan(t, db, "other")
		tp.at(1, models.StepStatusInProgress)
		other.at(1, models.StepStatusInProgress)
		id := tp.plan.ID

		// An empty step 1 loads as an empty team, no forum, no body.
		c, err := db.LoadContent(ctx, id)
		if err != nil || c.Team == nil || len(c.Team) != 0 || c.Forum != nil || c.MonitoringBody != nil {
			t.Fatalf("empty content = %+v, %v", c, err)
		}
		if f, err := db.Forum(ctx, id); f != nil || err != nil {
			t.Errorf("Forum before one is recorded = %+v, %v", f, err)
		}

		// The team: members of the plan only.
		_, err = db.PutTeamProfile(ctx, id, ogp.TeamMember{UserID: other.coord.ID, Title: "Lead", Organisation: "Elsewhere"})
		teamWantErr(t, "profile of a non-member", err, models.ErrNotFound)
		row, err := db.PutTeamProfile(ctx, id, ogp.TeamMember{UserID: tp.coord.ID, Title: "Lead", Organisation: "City"})
		if err != nil {
			t.Fatal(err)
		}
		want := models.TeamMemberRow{UserID: tp.coord.ID, Name: "coord-team", Title: "Lead", Organisation: "City", Roles: "coordinator", Sector: "government"}
		if row != want {
			t.Errorf("team row = %+v, want %+v", row, want)
		}
		if row, err = db.PutTeamProfile(ctx, id, ogp.TeamMember{UserID: tp.coord.ID, Title: "Open government lead", Organisation: "City"}); err != nil || row.Title != "Open government lead" {
			t.Errorf("changed profile = %+v, %v", row, err)
		}
		if _, err := db.PutTeamProfile(ctx, id, ogp.TeamMember{UserID: tp.cso.ID, Title: "Researcher", Organisation: "SciFY"}); err != nil {
			t.Fatal(err)
		}
		team, err := db.ListTeam(ctx, id)
		if err != nil || len(team) != 2 || team[0].UserID != tp.coord.ID || team[1].UserID != tp.cso.ID || team[1].RoleList()[0] != "approver" {
			t.Errorf("team = %+v, %v", team, err)
		}
		teamWantErr(t, "delete a profile that is not there", db.DeleteTeamProfile(ctx, id, tp.monitor.ID), models.ErrNotFound)
		teamWantErr(t, "delete another plan's profile", db.DeleteTeamProfile(ctx, other.plan.ID, tp.coord.ID), models.ErrNotFound)

		// The forum: members and meetings need it.
		_, err = db.AddForumMember(ctx, id, ogp.ForumMember{Name: "Maria", Sector: ogp.ForumGovernment})
		teamWantErr(t, "member before the forum", err, models.ErrNoForum)
		_, err = db.AddForumMeeting(ctx, id, ogp.ForumMeeting{HeldOn: "2025-02-01", Agenda: "a", Minutes: "m", Attendees: 3})
		teamWantErr(t, "meeting before the forum", err, models.ErrNoForum)
		f, err := db.PutForum(ctx, id, ogp.Forum{Name: "Open Government Forum", IsNew: true, Purpose: "Co-create"})
		if err != nil || f.Name != "Open Government Forum" || !f.IsNew || f.Members == nil || f.Meetings == nil || len(f.Members)+len(f.Meetings) != 0 {
			t.Fatalf("PutForum = %+v, %v", f, err)
		}
		gov, err := db.AddForumMember(ctx, id, ogp.ForumMember{Name: "Maria", Organisation: "City", Sector: ogp.ForumGovernment})
		if err != nil || gov.ID == 0 || gov.Sector != ogp.ForumGovernment {
			t.Fatalf("AddForumMember = %+v, %v", gov, err)
		}
		ngo, err := db.AddForumMember(ctx, id, ogp.ForumMember{Name: "Nikos", Sector: ogp.ForumGovernment})
		if err != nil {
			t.Fatal(err)
		}
		if ngo, err = db.UpdateForumMember(ctx, id, ogp.ForumMember{ID: ngo.ID, Name: "Nikos", Organisation: "Vouliwatch", Sector: ogp.ForumNonGovernment}); err != nil ||
			ngo.Sector != ogp.ForumNonGovernment || ngo.Organisation != "Vouliwatch" {
			t.Errorf("UpdateForumMember = %+v, %v", ngo, err)
		}
		_, err = db.UpdateForumMember(ctx, other.plan.ID, ogp.ForumMember{ID: ngo.ID, Name: "x", Sector: ogp.ForumGovernment})
		teamWantErr(t, "update another plan's forum member", err, models.ErrNotFound)
		teamWantErr(t, "delete another plan's forum member", db.DeleteForumMember(ctx, other.plan.ID, ngo.ID), models.ErrNotFound)
		_, err = db.AddForumMember(ctx, id, ogp.ForumMember{Name: "x", Sector: "civil_society"})
		teamWantErr(t, "unknown forum sector", err, models.ErrInvalid)
		extra, err := db.AddForumMember(ctx, id, ogp.ForumMember{Name: "Temp", Sector: ogp.ForumGovernment})
		if err != nil {
			t.Fatal(err)
		}
		if err := db.DeleteForumMember(ctx, id, extra.ID); err != nil {
			t.Fatal(err)
		}
		teamWantErr(t, "delete a forum member twice", db.DeleteForumMember(ctx, id, extra.ID), models.ErrNotFound)

		// Meetings, listed by date.
		late, err := db.AddForumMeeting(ctx, id, ogp.ForumMeeting{HeldOn: "2025-03-01", Agenda: "Rules", MinutesURL: "https://x.example/m", Attendees: 9})
		if err != nil {
			t.Fatal(err)
		}
		early, err := db.AddForumMeeting(ctx, id, ogp.ForumMeeting{HeldOn: "2024-11-05", Agenda: "Kick-off", Minutes: "Agreed.", Attendees: 14})
		if err != nil {
			t.Fatal(err)
		}
		if late, err = db.UpdateForumMeeting(ctx, id, ogp.ForumMeeting{ID: late.ID, HeldOn: "2025-03-02", Agenda: "Rules", Minutes: "Adopted.", Attendees: 10}); err != nil ||
			late.HeldOn != "2025-03-02" || late.MinutesURL != "" || late.Attendees != 10 {
			t.Errorf("UpdateForumMeeting = %+v, %v", late, err)
		}
		_, err = db.AddForumMeeting(ctx, id, ogp.ForumMeeting{HeldOn: "2025-03-01", Agenda: "a", Attendees: 1})
		teamWantErr(t, "meeting without minutes", err, models.ErrInvalid)
		_, err = db.UpdateForumMeeting(ctx, other.plan.ID, ogp.ForumMeeting{ID: late.ID, HeldOn: "2025-03-01", Agenda: "a", Minutes: "m", Attendees: 1})
		teamWantErr(t, "update a meeting of a plan without forum", err, models.ErrNoForum)

		// The monitoring body.
		if b, err := db.MonitoringBody(ctx, id); b != nil || err != nil {
			t.Errorf("MonitoringBody before one is recorded = %+v, %v", b, err)
		}
		if err := db.PutMonitoringBody(ctx, id, ogp.MonitoringBody{Name: "Vouliwatch", Kind: ogp.MonitoringOrganisation}); err != nil {
			t.Fatal(err)
		}
		teamWantErr(t, "unknown kind", db.PutMonitoringBody(ctx, id, ogp.MonitoringBody{Name: "V", Kind: "ngo"}), models.ErrInvalid)
		if err := db.PutMonitoringBody(ctx, id, ogp.MonitoringBody{Name: "Vouliwatch", Kind: ogp.MonitoringOrganisation, IndependenceStatement: "No ties."}); err != nil {
			t.Fatal(err)
		}

		// The whole of step 1, as the gate and the document see it.
		c, err = db.LoadContent(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		wantContent := ogp.Content{
			Team: []ogp.TeamMember{
				{UserID: tp.coord.ID, Name: "coord-team", Title: "Open government lead", Organisation: "City"},
				{UserID: tp.cso.ID, Name: "cso-team", Title: "Researcher", Organisation: "SciFY"},
			},
			Forum: &ogp.Forum{Name: "Open Government Forum", IsNew: true, Purpose: "Co-create",
				Members: []ogp.ForumMember{gov, ngo},
				Meetings: []ogp.ForumMeeting{
					{ID: early.ID, HeldOn: "2024-11-05", Agenda: "Kick-off", Minutes: "Agreed.", Attendees: 14},
					{ID: late.ID, HeldOn: "2025-03-02", Agenda: "Rules", Minutes: "Adopted.", Attendees: 10},
				}},
			MonitoringBody: &ogp.MonitoringBody{Name: "Vouliwatch", Kind: ogp.MonitoringOrganisation, IndependenceStatement: "No ties."},
		}
		if !reflect.DeepEqual(c.Team, wantContent.Team) || !reflect.DeepEqual(c.Forum, wantContent.Forum) || !reflect.DeepEqual(c.MonitoringBody, wantContent.MonitoringBody) {
			t.Errorf("content\n got %+v %+v %+v\nwant %+v %+v %+v", c.Team, c.Forum, c.MonitoringBody, wantContent.Team, wantContent.Forum, wantContent.MonitoringBody)
		}
		if vs := ogp.CheckStep(1, tp.planContext(), c); len(vs) != 0 {
			t.Errorf("step 1 violations: %+v", vs)
		}

		// Submitted: step 1's content is locked, the forum's meetings are not.
		res, err := db.SubmitContent(ctx, id, 1, 1, func(c ogp.Content) []ogp.Violation { return ogp.CheckStep(1, tp.planContext(), c) })
		if err != nil || len(res.Violations) != 0 || res.Digest == "" {
			t.Fatalf("SubmitContent = %+v, %v", res, err)
		}
		var ne *models.NotEditableError
		_, err = db.PutForum(ctx, id, ogp.Forum{Name: "Renamed"})
		if !errors.As(err, &ne) || ne.Step != 1 {
			t.Errorf("PutForum after submission: %v", err)
		}
		teamWantErr(t, "team after submission", db.DeleteTeamProfile(ctx, id, tp.cso.ID), models.ErrNotEditable)
		teamWantErr(t, "body after submission", db.PutMonitoringBody(ctx, id, ogp.MonitoringBody{Name: "V", Kind: ogp.MonitoringPerson}), models.ErrNotEditable)
		_, err = db.AddForumMember(ctx, id, ogp.ForumMember{Name: "x", Sector: ogp.ForumGovernment})
		teamWantErr(t, "forum member after submission", err, models.ErrNotEditable)
		tp.at(2, models.StepStatusInProgress)
		if _, err := db.AddForumMeeting(ctx, id, ogp.ForumMeeting{HeldOn: "2025-05-01", Agenda: "Roadmap", Minutes: "Discussed.", Attendees: 8}); err != nil {
			t.Errorf("meeting at step 2: %v", err)
		}
		if err := db.DeleteForumMeeting(ctx, id, early.ID); err != nil {
			t.Errorf("delete a meeting at step 2: %v", err)
		}
		teamWantErr(t, "delete another plan's meeting", db.DeleteForumMeeting(ctx, id, 999999), models.ErrNotFound)

		// A member who leaves the plan leaves the team.
		tp.withoutCSO = true
		tp.at(2, models.StepStatusInProgress)
		if team, err := db.ListTeam(ctx, id); err != nil || len(team) != 1 || team[0].UserID != tp.coord.ID {
			t.Errorf("team after the member left = %+v, %v", team, err)
		}

		// A completed plan's forum record is final.
		tp.status = models.PlanStatusCompleted
		tp.at(10, models.StepStatusApproved)
		_, err = db.AddForumMeeting(ctx, id, ogp.ForumMeeting{HeldOn: "2025-06-01", Agenda: "a", Minutes: "m", Attendees: 1})
		teamWantErr(t, "meeting of a completed plan", err, models.ErrPlanClosed)
		teamWantErr(t, "delete a meeting of a completed plan", db.DeleteForumMeeting(ctx, id, late.ID), models.ErrPlanClosed)

		// Deleting a plan takes its content with it.
		if err := db.DeletePlan(ctx, id); err != nil {
			t.Fatal(err)
		}
		for _, table := range []string{"team_profiles", "forums", "forum_members", "forum_meetings", "monitoring_bodies"} {
			var n int64
			if err := db.Gorm.Table(table).Where("plan_id = ?", id).Count(&n).Error; err != nil || n != 0 {
				t.Errorf("%s: %d rows left, %v", table, n, err)
			}
		}
	})
}

func TestAwarenessStorage(t *testing.T) {
	modelstest.Each(t, func(t *testing.T, db *models.DB) {
		ctx := context.Background()
		tp := newTeamPlan(t, db, "awareness")
		other := newTeamPlan(t, db, "other")
		id := tp.plan.ID
		tp.at(1, models.StepStatusInProgress)
		other.at(3, models.StepStatusInProgress)
		open := ogp.AwarenessActivity{Kind: ogp.AwarenessEvent, HeldOn: "2025-05-10", Audience: "Residents", Description: "Open day", Reach: 120}
		_, err := db.AddAwarenessActivity(ctx, id, open)
		teamWantErr(t, "activity during step 1", err, models.ErrNotEditable)

		tp.at(3, models.StepStatusInProgress)
		a, err := db.AddAwarenessActivity(ctx, id, open)
		if err != nil || a.ID == 0 || a.Reach != 120 {
			t.Fatalf("AddAwarenessActivity = %+v, %v", a, err)
		}
		b, err := db.AddAwarenessActivity(ctx, id, ogp.AwarenessActivity{Kind: ogp.AwarenessOnline, HeldOn: "2025-04-01", Audience: "Youth",
			Description: "Social media", EvidenceURL: "https://x.example/post"})
		if err != nil {
			t.Fatal(err)
		}
		_, err = db.AddAwarenessActivity(ctx, id, ogp.AwarenessActivity{Kind: ogp.AwarenessEvent, HeldOn: "2025-04-01", Audience: "x", Description: "x", Reach: -1})
		teamWantErr(t, "negative reach", err, models.ErrInvalid)
		_, err = db.AddAwarenessActivity(ctx, id, ogp.AwarenessActivity{Kind: "podcast", HeldOn: "2025-04-01", Audience: "x", Description: "x"})
		teamWantErr(t, "unknown kind", err, models.ErrInvalid)

		b.Reach, b.EvidenceURL = 3000, ""
		if b, err = db.UpdateAwarenessActivity(ctx, id, b); err != nil || b.Reach != 3000 || b.EvidenceURL != "" {
			t.Errorf("UpdateAwarenessActivity = %+v, %v", b, err)
		}
		_, err = db.UpdateAwarenessActivity(ctx, other.plan.ID, b)
		teamWantErr(t, "update another plan's activity", err, models.ErrNotFound)
		teamWantErr(t, "delete another plan's activity", db.DeleteAwarenessActivity(ctx, other.plan.ID, b.ID), models.ErrNotFound)

		list, err := db.ListAwareness(ctx, id)
		if err != nil || !reflect.DeepEqual(list, []ogp.AwarenessActivity{b, a}) {
			t.Errorf("ListAwareness = %+v, %v", list, err)
		}
		c, err := db.LoadContent(ctx, id)
		if err != nil || !reflect.DeepEqual(c.Awareness, list) {
			t.Errorf("LoadContent awareness = %+v, %v", c.Awareness, err)
		}
		if err := db.DeleteAwarenessActivity(ctx, id, a.ID); err != nil {
			t.Fatal(err)
		}
		teamWantErr(t, "delete twice", db.DeleteAwarenessActivity(ctx, id, a.ID), models.ErrNotFound)
		if list, _ := db.ListAwareness(ctx, other.plan.ID); len(list) != 0 {
			t.Errorf("other plan's activities: %+v", list)
		}

		tp.at(4, models.StepStatusInProgress)
		_, err = db.UpdateAwarenessActivity(ctx, id, b)
		teamWantErr(t, "activity after step 3", err, models.ErrNotEditable)
	})
}
