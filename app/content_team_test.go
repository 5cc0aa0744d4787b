package app_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ogplocal/ogp/models/modelstest"
	"github.com/ogplocal/ogp/server"
)

// TestTeamAndAwarenessSQLite records steps 1 and 3 through HTTP: every
// gate rule refusing a submission, bad input, the content locks, and what
// the public reads show and hide.
func TestTeamAndAwarenessSQLite(t *testing.T) {
	t.Parallel()
	teamAndAwareness(t, "")
}

// TestTeamAndAwarenessPostgres is the same on PostgreSQL.
func TestTeamAndAwarenessPostgres(t *testing.T) {
	t.Parallel()
	teamAndAwareness(t, modelstest.PostgresURL(t))
}

// teamGate submits step n and wants it refused with exactly the rules
// want ("code" or "code@item"), in order.
func teamGate(t *testing.T, c *client, planID int64, n int, want ...string) {
	t.Helper()
	var pr server.Problem
	c.do("POST", fmt.Sprintf("/api/v1/action-plans/%d/steps/%d/submit", planID, n), map[string]any{"summary": "Ready?"}, 422, &pr)
	var got []string
	for _, v := range pr.Violations {
		if v.Message == "" {
			t.Errorf("violation %s has no message", v.Code)
		}
		if v.Item != "" {
			got = append(got, v.Code+"@"+v.Item)
		} else {
			got = append(got, v.Code)
		}
	}
	if pr.Code != "step_rules_unmet" || !slices.Equal(got, want) {
		t.Errorf("step %d gate: %s %v, want step_rules_unmet %v", n, pr.Code, got, want)
	}
}

type teamList struct {
	Items []server.TeamMemberResponse `json:"items"`
}

type awarenessList struct {
	Items []server.AwarenessActivityResponse `json:"items"`
}

func teamAndAwareness(t *testing.T, databaseURL string) {
	st := startDev(t, stackConfig(t, t.TempDir(), databaseURL))
	defer st.Stop(context.Background())
	admin := newClient(t, st, adminToken)
	anon := admin.as("")
	p := cast(t, admin)
	now := time.Now().UTC()
	lastYear := now.AddDate(-1, 0, 0).Format(time.DateOnly)
	yesterday := now.AddDate(0, 0, -1).Format(time.DateOnly)
	tomorrow := now.AddDate(0, 0, 1).Format(time.DateOnly)
	id, other := p.createPlan(t, lastYear), p.createPlan(t, lastYear)
	base, otherBase := fmt.Sprintf("/api/v1/action-plans/%d", id), fmt.Sprintf("/api/v1/action-plans/%d", other)
	sofia, eleni := fmt.Sprintf("%s/team/%d", base, p.ids["Sofia"]), fmt.Sprintf("%s/team/%d", base, p.ids["Eleni"])
	profile := map[string]any{"title": "Open government coordinator", "organisation": "City of Athens"}
	forum := map[string]any{"name": "Open Government Forum", "is_new": false, "purpose": "Co-create the plan", "meeting_cadence": "monthly"}
	forumMember := map[string]any{"name": "Maria Georgiou", "organisation": "City of Athens", "sector": "government"}
	meeting := func(heldOn string) map[string]any {
		return map[string]any{"held_on": heldOn, "agenda": "Kick-off", "minutes_url": "https://athens.example/minutes/1", "attendees": 12}
	}
	activity := func(heldOn string) map[string]any {
		return map[string]any{"kind": "campaign", "held_on": heldOn, "audience": "Young people", "description": "Posters and a video", "reach": 1500}
	}

	// Nothing recorded yet: the public reads are empty, the gate lists
	// every rule.
	var team teamList
	anon.do("GET", base+"/team", nil, 200, &team)
	if len(team.Items) != 0 {
		t.Errorf("team before any profile: %+v", team.Items)
	}
	anon.problem("GET", base+"/forum", nil, 404, "no_forum")
	anon.problem("GET", base+"/monitoring-body", nil, 404, "no_monitoring_body")
	var acts awarenessList
	anon.do("GET", base+"/awareness", nil, 200, &acts)
	if len(acts.Items) != 0 {
		t.Errorf("awareness before any activity: %+v", acts.Items)
	}
	anon.problem("GET", "/api/v1/action-plans/999/team", nil, 404, "unknown_plan")
	teamGate(t, p.coordinator, id, 1, "team_needs_government_coordinator", "team_needs_civil_society_member", "forum_missing", "monitoring_body_missing")

	// Refusals, none writing anything.
	anon.problem("PUT", sofia, profile, 401, "unauthorized")
	p.contributor.problem("PUT", sofia, profile, 403, "not_coordinator")
	p.gov.problem("PUT", base+"/forum", forum, 403, "not_coordinator")
	p.cso.problem("POST", base+"/forum/meetings", meeting(yesterday), 403, "not_coordinator")
	p.cso.problem("PUT", base+"/monitoring-body", map[string]any{"name": "V", "kind": "group"}, 403, "not_coordinator")
	p.coordinator.problem("PUT", fmt.Sprintf("%s/team/%d", base, 9999), profile, 404, "unknown_member")
	p.coordinator.problem("PUT", base+"/team/sofia", profile, 404, "unknown_member")
	p.coordinator.problem("PUT", "/api/v1/action-plans/999/team/1", profile, 404, "unknown_plan")
	p.coordinator.problem("PUT", sofia, map[string]any{"title": " ", "organisation": "City of Athens"}, 422, "title_required")
	p.coordinator.problem("PUT", sofia, map[string]any{"title": "Lead"}, 422, "organisation_required")
	p.coordinator.problem("PUT", sofia, map[string]any{"title": "Lead", "organisation": "City", "email": "sofia@example.org"}, 400, "unknown_field")
	p.coordinator.problem("PUT", sofia, `{"title": "Lead",`, 400, "malformed_json")
	p.coordinator.problem("DELETE", eleni, nil, 404, "unknown_team_member")
	p.coordinator.problem("POST", base+"/forum/members", forumMember, 409, "no_forum")
	p.coordinator.problem("POST", base+"/forum/meetings", meeting(yesterday), 409, "no_forum")
	p.coordinator.problem("PUT", base+"/forum", map[string]any{"name": "", "is_new": true}, 422, "name_required")
	p.coordinator.problem("PUT", base+"/forum", map[string]any{"name": "F", "is_new": "yes"}, 400, "invalid_field")
	p.coordinator.problem("PUT", base+"/monitoring-body", map[string]any{"name": "Vouliwatch", "kind": "ngo"}, 400, "invalid_monitoring_body_kind")
	p.coordinator.problem("POST", base+"/awareness", activity(yesterday), 409, "step_content_locked")

	// Partial content: the gate names what is still wrong, and who.
	p.coordinator.do("PUT", sofia, profile, 200, nil)
	p.coordinator.do("PUT", fmt.Sprintf("%s/members/%d", base, p.ids["Eleni"]), map[string]any{"roles": []string{"contributor", "monitoring_body"}, "sector": "civil_society"}, 200, nil)
	var tm server.TeamMemberResponse
	p.coordinator.do("PUT", eleni, map[string]any{"title": " Researcher ", "organisation": "SciFY"}, 200, &tm)
	if tm.UserID != p.ids["Eleni"] || tm.Name != "Eleni" || tm.Title != "Researcher" || tm.Sector != "civil_society" ||
		!slices.Equal(tm.Roles, []string{"contributor", "monitoring_body"}) {
		t.Errorf("team member = %+v", tm)
	}
	var f server.ForumResponse
	p.coordinator.do("PUT", base+"/forum", forum, 200, &f)
	if f.Name != "Open Government Forum" || f.IsNew || len(f.Members) != 0 || len(f.Meetings) != 0 {
		t.Errorf("forum = %+v", f)
	}
	var fm server.ForumMemberResponse
	p.coordinator.do("POST", base+"/forum/members", forumMember, 201, &fm)
	p.coordinator.do("PUT", base+"/monitoring-body", map[string]any{"name": "Vouliwatch", "kind": "organisation"}, 200, nil)
	teamGate(t, p.coordinator, id, 1, "forum_needs_non_government_member", "monitoring_body_needs_independence_statement",
		fmt.Sprintf("monitoring_body_not_independent@user:%d", p.ids["Eleni"]))
	p.coordinator.do("PUT", fmt.Sprintf("%s/members/%d", base, p.ids["Eleni"]), map[string]any{"roles": []string{"contributor"}, "sector": "civil_society"}, 200, nil)
	teamGate(t, p.coordinator, id, 1, "forum_needs_non_government_member", "monitoring_body_needs_independence_statement", "monitoring_body_needs_member")

	// Forum members: one plan's items are unknown in another.
	p.coordinator.problem("POST", base+"/forum/members", map[string]any{"name": "Ana", "sector": "civil_society"}, 400, "invalid_forum_sector")
	p.coordinator.problem("POST", base+"/forum/members", map[string]any{"name": " ", "sector": "government"}, 422, "name_required")
	p.coordinator.do("PUT", otherBase+"/forum", forum, 200, nil)
	var foreign server.ForumMemberResponse
	p.coordinator.do("POST", otherBase+"/forum/members", forumMember, 201, &foreign)
	p.coordinator.problem("PUT", fmt.Sprintf("%s/forum/members/%d", base, foreign.ID), forumMember, 404, "unknown_forum_member")
	p.coordinator.problem("DELETE", fmt.Sprintf("%s/forum/members/%d", base, foreign.ID), nil, 404, "unknown_forum_member")
	p.coordinator.problem("DELETE", base+"/forum/members/x", nil, 404, "unknown_forum_member")
	p.coordinator.do("PUT", fmt.Sprintf("%s/forum/members/%d", base, fm.ID), map[string]any{"name": "Maria Georgiou", "organisation": "Digital Governance", "sector": "government"}, 200, &fm)
	if fm.Organisation != "Digital Governance" {
		t.Errorf("forum member = %+v", fm)
	}
	var temp server.ForumMemberResponse
	p.coordinator.do("POST", base+"/forum/members", map[string]any{"name": "Temp", "sector": "non_government"}, 201, &temp)
	p.coordinator.do("DELETE", fmt.Sprintf("%s/forum/members/%d", base, temp.ID), nil, 204, nil)

	// Forum meetings: held, with minutes, at least one person there.
	p.coordinator.problem("POST", base+"/forum/meetings", meeting(tomorrow), 422, "date_in_future")
	p.coordinator.problem("POST", base+"/forum/meetings", meeting("yesterday"), 400, "invalid_date")
	p.coordinator.problem("POST", base+"/forum/meetings", map[string]any{"held_on": yesterday, "agenda": "Kick-off", "attendees": 3}, 422, "minutes_required")
	p.coordinator.problem("POST", base+"/forum/meetings", map[string]any{"held_on": yesterday, "agenda": "Kick-off", "minutes_url": "ftp://athens.example/m", "attendees": 3}, 422, "invalid_url")
	p.coordinator.problem("POST", base+"/forum/meetings", map[string]any{"held_on": yesterday, "agenda": "Kick-off", "minutes": "m", "attendees": 0}, 422, "invalid_attendees")
	p.coordinator.problem("POST", base+"/forum/meetings", map[string]any{"held_on": yesterday, "agenda": " ", "minutes": "m", "attendees": 3}, 422, "agenda_required")
	var mtg server.ForumMeetingResponse
	// An existing forum met before the plan started.
	p.coordinator.do("POST", base+"/forum/meetings", meeting(now.AddDate(-2, 0, 0).Format(time.DateOnly)), 201, &mtg)
	if mtg.Minutes != nil || mtg.MinutesURL == nil || *mtg.MinutesURL != "https://athens.example/minutes/1" || mtg.Attendees != 12 {
		t.Errorf("meeting = %+v", mtg)
	}
	p.coordinator.problem("PUT", fmt.Sprintf("%s/forum/meetings/%d", otherBase, mtg.ID), meeting(yesterday), 404, "unknown_forum_meeting")

	// Complete and submit: step 1's content is locked, the forum still
	// records its meetings.
	p.fillTeamForumMonitoring(t, id)
	var subst planState
	p.coordinator.do("POST", base+"/steps/1/submit", map[string]any{"summary": "Team, forum and monitoring body"}, 200, &subst)
	if subst.Steps[0].Status != "awaiting_approval" {
		t.Fatalf("step 1 after submit: %s", subst.Steps[0].Status)
	}
	p.coordinator.problem("PUT", sofia, profile, 409, "step_content_locked")
	p.coordinator.problem("DELETE", eleni, nil, 409, "step_content_locked")
	p.coordinator.problem("PUT", base+"/forum", forum, 409, "step_content_locked")
	p.coordinator.problem("POST", base+"/forum/members", forumMember, 409, "step_content_locked")
	p.coordinator.problem("DELETE", fmt.Sprintf("%s/forum/members/%d", base, fm.ID), nil, 409, "step_content_locked")
	p.coordinator.problem("PUT", base+"/monitoring-body", map[string]any{"name": "V", "kind": "person"}, 409, "step_content_locked")
	var later server.ForumMeetingResponse
	p.coordinator.do("POST", base+"/forum/meetings", map[string]any{"held_on": yesterday, "agenda": "The roadmap",
		"minutes": "Discussed the roadmap.", "attendees": 9}, 201, &later)
	p.gov.do("POST", base+"/steps/1/decisions", map[string]any{"decision": "approve"}, 200, nil)
	p.cso.do("POST", base+"/steps/1/decisions", map[string]any{"decision": "approve"}, 200, &subst)
	if subst.CurrentStep != 2 {
		t.Fatalf("after approving step 1: step %d", subst.CurrentStep)
	}
	p.coordinator.problem("PUT", base+"/forum", forum, 409, "step_content_locked")
	p.coordinator.problem("PUT", eleni, profile, 409, "step_content_locked")
	p.coordinator.do("PUT", fmt.Sprintf("%s/forum/meetings/%d", base, later.ID), map[string]any{"held_on": yesterday, "agenda": "The roadmap",
		"minutes": "Discussed the roadmap.", "minutes_url": "https://athens.example/minutes/2", "attendees": 11}, 200, &later)
	if later.Attendees != 11 || later.Minutes == nil || later.MinutesURL == nil {
		t.Errorf("changed meeting = %+v", later)
	}
	p.coordinator.do("DELETE", fmt.Sprintf("%s/forum/meetings/%d", base, mtg.ID), nil, 204, nil)
	p.coordinator.problem("DELETE", fmt.Sprintf("%s/forum/meetings/%d", base, mtg.ID), nil, 404, "unknown_forum_meeting")

	// What the public reads: names, titles, organisations; no e-mail.
	body := string(anon.do("GET", base+"/team", nil, 200, &team))
	if len(team.Items) != 2 || team.Items[0].Name != "Sofia" || team.Items[0].Sector != "government" ||
		!slices.Equal(team.Items[0].Roles, []string{"coordinator"}) || team.Items[1].Name != "Eleni" || team.Items[1].Title != "Civic technology lead" {
		t.Errorf("public team: %+v", team.Items)
	}
	public := body
	body = string(anon.do("GET", base+"/forum", nil, 200, &f))
	public += body
	if f.Name != "Open Government Forum of Athens" || !f.IsNew || f.MeetingCadence != "every two months" || len(f.Members) != 3 || len(f.Meetings) != 2 {
		t.Errorf("public forum: %+v", f)
	}
	var sectors []string
	for _, m := range f.Members {
		sectors = append(sectors, m.Sector)
	}
	if !slices.Equal(sectors, []string{"government", "government", "non_government"}) {
		t.Errorf("forum member sectors %v", sectors)
	}
	var mb server.MonitoringBodyResponse
	public += string(anon.do("GET", base+"/monitoring-body", nil, 200, &mb))
	if mb.Name != "Vouliwatch" || mb.Kind != "organisation" || mb.IndependenceStatement == "" || len(mb.Members) != 1 || mb.Members[0].Name != "Vouliwatch Monitor" {
		t.Errorf("public monitoring body: %+v", mb)
	}
	var subs struct {
		Items []server.SubmissionResponse `json:"items"`
	}
	public += string(anon.do("GET", base+"/steps/1/submissions", nil, 200, &subs))
	if len(subs.Items) != 1 || !strings.Contains(string(subs.Items[0].Content), `"independence_statement"`) ||
		!strings.Contains(string(subs.Items[0].Content), `"Civic technology lead"`) {
		t.Errorf("step 1 submissions: %+v", subs.Items)
	}
	if strings.Contains(public, "@") {
		t.Errorf("a public read shows an e-mail address: %s", public)
	}

	// Step 3: awareness raised, not only planned.
	p.approve(t, id, 2)
	p.coordinator.problem("PUT", base+"/forum", forum, 409, "step_content_locked")
	teamGate(t, p.coordinator, id, 3, "awareness_needs_past_activity")
	p.contributor.problem("POST", base+"/awareness", activity(yesterday), 403, "not_coordinator")
	p.coordinator.problem("POST", base+"/awareness", map[string]any{"kind": "podcast", "held_on": yesterday, "audience": "a", "description": "d"}, 400, "invalid_awareness_kind")
	p.coordinator.problem("POST", base+"/awareness", activity(now.AddDate(-2, 0, 0).Format(time.DateOnly)), 422, "date_outside_period")
	p.coordinator.problem("POST", base+"/awareness", activity("2028-07-01"), 422, "date_outside_period")
	p.coordinator.problem("POST", base+"/awareness", activity("1 May"), 400, "invalid_date")
	p.coordinator.problem("POST", base+"/awareness", map[string]any{"kind": "media", "held_on": yesterday, "audience": "a", "description": "d", "reach": -1}, 422, "invalid_reach")
	p.coordinator.problem("POST", base+"/awareness", map[string]any{"kind": "media", "held_on": yesterday, "audience": "", "description": "d"}, 422, "audience_required")
	p.coordinator.problem("POST", base+"/awareness", map[string]any{"kind": "media", "held_on": yesterday, "audience": "a", "description": "d",
		"evidence_url": "javascript:alert(1)"}, 422, "invalid_url")
	var planned server.AwarenessActivityResponse
	p.coordinator.do("POST", base+"/awareness", activity(tomorrow), 201, &planned)
	if planned.ID == 0 || planned.EvidenceURL != nil || planned.Reach != 1500 || planned.HeldOn != tomorrow {
		t.Errorf("planned activity = %+v", planned)
	}
	teamGate(t, p.coordinator, id, 3, "awareness_needs_past_activity")
	p.coordinator.problem("PUT", fmt.Sprintf("%s/awareness/%d", base, 99999), activity(tomorrow), 404, "unknown_awareness_activity")
	p.coordinator.problem("DELETE", fmt.Sprintf("%s/awareness/%d", base, 99999), nil, 404, "unknown_awareness_activity")
	a := activity(tomorrow)
	a["reach"] = 2000
	p.coordinator.do("PUT", fmt.Sprintf("%s/awareness/%d", base, planned.ID), a, 200, &planned)
	if planned.Reach != 2000 {
		t.Errorf("changed activity = %+v", planned)
	}
	var dropped server.AwarenessActivityResponse
	p.coordinator.do("POST", base+"/awareness", activity(yesterday), 201, &dropped)
	p.coordinator.do("DELETE", fmt.Sprintf("%s/awareness/%d", base, dropped.ID), nil, 204, nil)
	p.approve(t, id, 3)
	p.coordinator.problem("POST", base+"/awareness", activity(yesterday), 409, "step_content_locked")
	p.coordinator.problem("DELETE", fmt.Sprintf("%s/awareness/%d", base, planned.ID), nil, 409, "step_content_locked")
	anon.do("GET", base+"/awareness", nil, 200, &acts)
	if len(acts.Items) != 2 || acts.Items[0].HeldOn != yesterday || acts.Items[0].EvidenceURL == nil || acts.Items[1].ID != planned.ID {
		t.Errorf("public awareness: %+v", acts.Items)
	}
	// The forum keeps meeting after step 1.
	p.coordinator.do("POST", base+"/forum/meetings", meeting(yesterday), 201, nil)
}
