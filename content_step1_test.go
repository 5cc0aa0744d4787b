package ogp

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

// teamFixture is a step 1 that passes: Sofia coordinates for government,
// Eleni is on the team for civil society, the forum has both sides, and
// the monitoring body (Vouliwatch, user 9) is independent.
func teamFixture() (PlanContext, Content) {
	p := PlanContext{PlanID: 1, StartsOn: "2026-01-01", EndsOn: "2028-06-30", Today: "2026-03-01", Members: []Member{
		{UserID: 1, Roles: []Role{RoleCoordinator}, Sector: SectorGovernment},
		{UserID: 2, Roles: []Role{RoleApprover}, Sector: SectorGovernment},
		{UserID: 3, Roles: []Role{RoleApprover}, Sector: SectorCivilSociety},
		{UserID: 4, Roles: []Role{RoleContributor}, Sector: SectorCivilSociety},
		{UserID: 9, Roles: []Role{RoleMonitoringBody}, Sector: SectorCivilSociety},
	}}
	c := Content{
		Team: []TeamMember{
			{UserID: 1, Name: "Sofia", Title: "Open government lead", Organisation: "City of Athens"},
			{UserID: 4, Name: "Eleni", Title: "Researcher", Organisation: "SciFY"},
		},
		Forum: &Forum{Name: "Open Government Forum", Members: []ForumMember{
			{ID: 1, Name: "Maria", Sector: ForumGovernment},
			{ID: 2, Name: "Nikos", Sector: ForumNonGovernment},
		}},
		MonitoringBody: &MonitoringBody{Name: "Vouliwatch", Kind: MonitoringOrganisation, IndependenceStatement: "No ties to the city."},
	}
	return p, c
}

func TestCheckTeamForumMonitoring(t *testing.T) {
	for _, tc := range []struct {
		name string
		mod  func(p *PlanContext, c *Content)
		want []Violation
	}{
		{"valid", func(*PlanContext, *Content) {}, nil},
		{"nothing recorded", func(_ *PlanContext, c *Content) { *c = Content{} }, []Violation{
			{Code: "team_needs_government_coordinator"}, {Code: "team_needs_civil_society_member"},
			{Code: "forum_missing"}, {Code: "monitoring_body_missing"},
		}},
		{"coordinator not on the team", func(_ *PlanContext, c *Content) { c.Team = c.Team[1:] },
			[]Violation{{Code: "team_needs_government_coordinator"}}},
		{"coordinator from civil society", func(p *PlanContext, _ *Content) { p.Members[0].Sector = SectorCivilSociety },
			[]Violation{{Code: "team_needs_government_coordinator"}}},
		{"government member who does not coordinate", func(_ *PlanContext, c *Content) {
			c.Team[0].UserID = 2
		}, []Violation{{Code: "team_needs_government_coordinator"}}},
		{"no civil society on the team", func(_ *PlanContext, c *Content) { c.Team = c.Team[:1] },
			[]Violation{{Code: "team_needs_civil_society_member"}}},
		{"team member who left the plan counts for nothing", func(p *PlanContext, _ *Content) {
			p.Members = slices.DeleteFunc(p.Members, func(m Member) bool { return m.UserID == 4 })
		}, []Violation{{Code: "team_needs_civil_society_member"}}},
		{"no forum", func(_ *PlanContext, c *Content) { c.Forum = nil }, []Violation{{Code: "forum_missing"}}},
		{"forum without members", func(_ *PlanContext, c *Content) { c.Forum.Members = nil }, []Violation{
			{Code: "forum_needs_government_member"}, {Code: "forum_needs_non_government_member"},
		}},
		{"forum of officials only", func(_ *PlanContext, c *Content) { c.Forum.Members = c.Forum.Members[:1] },
			[]Violation{{Code: "forum_needs_non_government_member"}}},
		{"forum without officials", func(_ *PlanContext, c *Content) { c.Forum.Members = c.Forum.Members[1:] },
			[]Violation{{Code: "forum_needs_government_member"}}},
		{"no monitoring body", func(_ *PlanContext, c *Content) { c.MonitoringBody = nil },
			[]Violation{{Code: "monitoring_body_missing"}}},
		{"no independence statement", func(_ *PlanContext, c *Content) { c.MonitoringBody.IndependenceStatement = "  " },
			[]Violation{{Code: "monitoring_body_needs_independence_statement"}}},
		{"monitoring body without members", func(p *PlanContext, _ *Content) { p.Members = p.Members[:4] },
			[]Violation{{Code: "monitoring_body_needs_member"}}},
		{"monitoring body members on the team", func(p *PlanContext, c *Content) {
			p.Members[3].Roles = []Role{RoleContributor, RoleMonitoringBody}
			c.Team = append(c.Team, TeamMember{UserID: 9, Name: "Vouliwatch Monitor"})
		}, []Violation{
			{Code: "monitoring_body_not_independent", Item: "user:4"},
			{Code: "monitoring_body_not_independent", Item: "user:9"},
		}},
		{"coordinator in the monitoring body", func(p *PlanContext, _ *Content) {
			p.Members[0].Roles = []Role{RoleCoordinator, RoleMonitoringBody}
		}, []Violation{{Code: "monitoring_body_not_independent", Item: "user:1"}}},
		{"independence checked before the body is described", func(p *PlanContext, c *Content) {
			c.MonitoringBody = nil
			p.Members[3].Roles = []Role{RoleMonitoringBody}
		}, []Violation{{Code: "monitoring_body_missing"}, {Code: "monitoring_body_not_independent", Item: "user:4"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, c := teamFixture()
			tc.mod(&p, &c)
			got := CheckStep(1, p, c)
			teamAssertViolations(t, got, tc.want)
		})
	}
}

// teamAssertViolations compares codes and items in order, and wants a message
// for every violation.
func teamAssertViolations(t *testing.T, got, want []Violation) {
	t.Helper()
	type key struct{ code, item string }
	var g, w []key
	for _, v := range got {
		g = append(g, key{v.Code, v.Item})
		if strings.TrimSpace(v.Message) == "" {
			t.Errorf("violation %s has no message", v.Code)
		}
	}
	for _, v := range want {
		w = append(w, key{v.Code, v.Item})
	}
	if !slices.Equal(g, w) {
		t.Errorf("violations\n got %v\nwant %v", g, w)
	}
}

func TestParseStep1Enums(t *testing.T) {
	for _, s := range []string{"government", "non_government"} {
		if v, err := ParseForumSector(s); err != nil || string(v) != s {
			t.Errorf("ParseForumSector(%q) = %q, %v", s, v, err)
		}
	}
	for _, s := range []string{"person", "group", "organisation"} {
		if v, err := ParseMonitoringBodyKind(s); err != nil || string(v) != s {
			t.Errorf("ParseMonitoringBodyKind(%q) = %q, %v", s, v, err)
		}
	}
	teamAssertCode(t, func() error { _, err := ParseForumSector("civil_society"); return err }(), EInvalid, "invalid_forum_sector")
	teamAssertCode(t, func() error { _, err := ParseMonitoringBodyKind("Person"); return err }(), EInvalid, "invalid_monitoring_body_kind")
}

func teamAssertCode(t *testing.T, err error, kind, code string) {
	t.Helper()
	var e *Error
	ok := errors.As(err, &e)
	if !ok || e.Kind != kind || e.Code != code || e.Message == "" {
		t.Errorf("error %#v, want %s %s", err, kind, code)
	}
}

func TestNormalizeTeamMember(t *testing.T) {
	m, err := NormalizeTeamMember(TeamMember{Title: "  Lead ", Organisation: " City of Athens"})
	if err != nil || m.Title != "Lead" || m.Organisation != "City of Athens" {
		t.Errorf("got %+v, %v", m, err)
	}
	for _, tc := range []struct {
		m    TeamMember
		code string
	}{
		{TeamMember{Organisation: "x"}, "title_required"},
		{TeamMember{Title: " ", Organisation: "x"}, "title_required"},
		{TeamMember{Title: "x"}, "organisation_required"},
		{TeamMember{Title: strings.Repeat("é", MaxTeamNameLen+1), Organisation: "x"}, "title_too_long"},
	} {
		_, err := NormalizeTeamMember(tc.m)
		teamAssertCode(t, err, EUnprocessable, tc.code)
	}
	if _, err := NormalizeTeamMember(TeamMember{Title: strings.Repeat("é", MaxTeamNameLen), Organisation: "x"}); err != nil {
		t.Errorf("a title of exactly %d characters: %v", MaxTeamNameLen, err)
	}
}

func TestNormalizeForumAndMembers(t *testing.T) {
	f, err := NormalizeForum(Forum{Name: " Forum ", Purpose: " Co-create "})
	if err != nil || f.Name != "Forum" || f.Purpose != "Co-create" {
		t.Errorf("got %+v, %v", f, err)
	}
	_, err = NormalizeForum(Forum{})
	teamAssertCode(t, err, EUnprocessable, "name_required")
	_, err = NormalizeForum(Forum{Name: "F", MeetingCadence: strings.Repeat("x", MaxTeamNameLen+1)})
	teamAssertCode(t, err, EUnprocessable, "meeting_cadence_too_long")
	_, err = NormalizeForum(Forum{Name: "F", Purpose: strings.Repeat("x", MaxTeamProseLen+1)})
	teamAssertCode(t, err, EUnprocessable, "purpose_too_long")

	m, err := NormalizeForumMember(ForumMember{Name: " Ana ", Sector: ForumNonGovernment})
	if err != nil || m.Name != "Ana" || m.Organisation != "" {
		t.Errorf("got %+v, %v", m, err)
	}
	_, err = NormalizeForumMember(ForumMember{Sector: ForumGovernment})
	teamAssertCode(t, err, EUnprocessable, "name_required")
	_, err = NormalizeForumMember(ForumMember{Name: "Ana", Sector: "civil_society"})
	teamAssertCode(t, err, EInvalid, "invalid_forum_sector")
}

func TestNormalizeForumMeeting(t *testing.T) {
	const ends, today = Date("2028-06-30"), Date("2026-03-01")
	ok := ForumMeeting{HeldOn: "2026-02-10", Agenda: " Kick-off ", Minutes: "Agreed the rules.", Attendees: 12}
	m, err := NormalizeForumMeeting(ok, ends, today)
	if err != nil || m.Agenda != "Kick-off" {
		t.Errorf("got %+v, %v", m, err)
	}
	for _, tc := range []struct {
		name       string
		mod        func(*ForumMeeting)
		kind, code string
	}{
		{"before the plan: an existing forum", func(m *ForumMeeting) { m.HeldOn = "2020-01-01" }, "", ""},
		{"today", func(m *ForumMeeting) { m.HeldOn = today }, "", ""},
		{"minutes by link only", func(m *ForumMeeting) { m.Minutes, m.MinutesURL = "", "https://athens.example/minutes/1" }, "", ""},
		{"not a date", func(m *ForumMeeting) { m.HeldOn = "10 Feb" }, EInvalid, "invalid_date"},
		{"tomorrow", func(m *ForumMeeting) { m.HeldOn = "2026-03-02" }, EUnprocessable, "date_in_future"},
		{"no agenda", func(m *ForumMeeting) { m.Agenda = " " }, EUnprocessable, "agenda_required"},
		{"no minutes", func(m *ForumMeeting) { m.Minutes = "" }, EUnprocessable, "minutes_required"},
		{"minutes link not http", func(m *ForumMeeting) { m.MinutesURL = "javascript:alert(1)" }, EUnprocessable, "invalid_url"},
		{"minutes link without host", func(m *ForumMeeting) { m.MinutesURL = "https:///x" }, EUnprocessable, "invalid_url"},
		{"nobody attended", func(m *ForumMeeting) { m.Attendees = 0 }, EUnprocessable, "invalid_attendees"},
	} {
		m := ok
		tc.mod(&m)
		_, err := NormalizeForumMeeting(m, ends, today)
		if tc.code == "" {
			if err != nil {
				t.Errorf("%s: %v", tc.name, err)
			}
			continue
		}
		teamAssertCode(t, err, tc.kind, tc.code)
	}
	// After the plan's end (when the plan is over but not closed).
	_, err = NormalizeForumMeeting(ForumMeeting{HeldOn: "2026-02-10", Agenda: "a", Minutes: "m", Attendees: 1}, "2026-01-31", today)
	teamAssertCode(t, err, EUnprocessable, "date_outside_period")
}

func TestNormalizeMonitoringBody(t *testing.T) {
	b, err := NormalizeMonitoringBody(MonitoringBody{Name: " Vouliwatch ", Kind: MonitoringOrganisation})
	if err != nil || b.Name != "Vouliwatch" || b.IndependenceStatement != "" {
		t.Errorf("got %+v, %v", b, err)
	}
	_, err = NormalizeMonitoringBody(MonitoringBody{Kind: MonitoringGroup})
	teamAssertCode(t, err, EUnprocessable, "name_required")
	_, err = NormalizeMonitoringBody(MonitoringBody{Name: "V", Kind: "ngo"})
	teamAssertCode(t, err, EInvalid, "invalid_monitoring_body_kind")
	_, err = NormalizeMonitoringBody(MonitoringBody{Name: "V", Kind: MonitoringPerson, IndependenceStatement: strings.Repeat("x", MaxTeamProseLen+1)})
	teamAssertCode(t, err, EUnprocessable, "independence_statement_too_long")
}

func TestCheckWebURL(t *testing.T) {
	for _, s := range []string{"https://vouliwatch.example/report", "http://athens.example"} {
		if err := CheckWebURL("u", s); err != nil {
			t.Errorf("%q: %v", s, err)
		}
	}
	for _, s := range []string{"ftp://x.example", "javascript:alert(1)", "data:text/html,hi", "//x.example", "athens.example", "https://", "https://x.example/" + strings.Repeat("a", MaxURLLen)} {
		teamAssertCode(t, CheckWebURL("u", s), EUnprocessable, "invalid_url")
	}
}
