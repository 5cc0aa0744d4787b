package ogp

import (
	"cmp"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"unicode/utf8"
)

// TeamMember is a plan member's place on the team (step 1.1): the team
// coordinates and drives the plan, so its role title and organisation are
// public. ID is the member's user ID; the sector comes from the roster.
type TeamMember struct {
	UserID       int64  `json:"user_id"`
	Name         string `json:"name"`
	Title        string `json:"title"`
	Organisation string `json:"organisation"`
}

// ForumSector is how the forum balances public officials and
// non-governmental stakeholders.
type ForumSector string

// Forum sectors.
const (
	ForumGovernment    ForumSector = "government"
	ForumNonGovernment ForumSector = "non_government"
)

// ParseForumSector accepts only the known forum sectors.
func ParseForumSector(s string) (ForumSector, error) {
	switch v := ForumSector(s); v {
	case ForumGovernment, ForumNonGovernment:
		return v, nil
	}
	return "", Errorf(EInvalid, "invalid_forum_sector", "unknown forum sector %q: use government or non_government", s)
}

// Forum is the space where officials and non-governmental stakeholders
// meet to develop, implement and review the plan (step 1.2).
type Forum struct {
	Name           string         `json:"name"`
	IsNew          bool           `json:"is_new"`
	Purpose        string         `json:"purpose"`
	MeetingCadence string         `json:"meeting_cadence"`
	Members        []ForumMember  `json:"members"`
	Meetings       []ForumMeeting `json:"meetings"`
}

// ForumMember is a participant of the forum; not necessarily a user.
type ForumMember struct {
	ID           int64       `json:"id"`
	Name         string      `json:"name"`
	Organisation string      `json:"organisation"`
	Sector       ForumSector `json:"sector"`
}

// ForumMeeting is one meeting of the forum, with its published minutes.
type ForumMeeting struct {
	ID         int64  `json:"id"`
	HeldOn     Date   `json:"held_on"`
	Agenda     string `json:"agenda"`
	Minutes    string `json:"minutes,omitempty"`
	MinutesURL string `json:"minutes_url,omitempty"`
	Attendees  int    `json:"attendees"`
}

// MonitoringBodyKind is what the monitoring body is.
type MonitoringBodyKind string

// Monitoring body kinds.
const (
	MonitoringPerson       MonitoringBodyKind = "person"
	MonitoringGroup        MonitoringBodyKind = "group"
	MonitoringOrganisation MonitoringBodyKind = "organisation"
)

// ParseMonitoringBodyKind accepts only the known kinds.
func ParseMonitoringBodyKind(s string) (MonitoringBodyKind, error) {
	switch v := MonitoringBodyKind(s); v {
	case MonitoringPerson, MonitoringGroup, MonitoringOrganisation:
		return v, nil
	}
	return "", Errorf(EInvalid, "invalid_monitoring_body_kind", "unknown monitoring body kind %q: use person, group or organisation", s)
}

// MonitoringBody independently assesses the process and its results (step
// 1.3). Its members are the plan members with the monitoring_body role.
type MonitoringBody struct {
	Name                  string             `json:"name"`
	Kind                  MonitoringBodyKind `json:"kind"`
	IndependenceStatement string             `json:"independence_statement"`
}

// Limits on step 1's free text: names and titles are a line, purposes,
// agendas, minutes and statements are prose.
const (
	MaxTeamNameLen  = MaxTitleLen
	MaxTeamProseLen = MaxSummaryLen
	MaxURLLen       = 2000
)

// TeamItem names a team member (or any roster member) in a violation.
func TeamItem(userID int64) string { return fmt.Sprintf("user:%d", userID) }

// NormalizeTeamMember trims the profile and checks it: a team member is
// known by a role title and the organisation they speak for.
func NormalizeTeamMember(m TeamMember) (TeamMember, error) {
	m.Title, m.Organisation = strings.TrimSpace(m.Title), strings.TrimSpace(m.Organisation)
	if err := teamRequiredLine("title", m.Title); err != nil {
		return m, err
	}
	return m, teamRequiredLine("organisation", m.Organisation)
}

// NormalizeForum trims the forum's description and checks it. Only the
// name is required when it is recorded: a forum may be chosen before its
// purpose and cadence are agreed, and the approvers judge those.
func NormalizeForum(f Forum) (Forum, error) {
	f.Name, f.Purpose, f.MeetingCadence = strings.TrimSpace(f.Name), strings.TrimSpace(f.Purpose), strings.TrimSpace(f.MeetingCadence)
	if err := teamRequiredLine("name", f.Name); err != nil {
		return f, err
	}
	if err := teamMaxLen("meeting_cadence", f.MeetingCadence, MaxTeamNameLen); err != nil {
		return f, err
	}
	return f, teamMaxLen("purpose", f.Purpose, MaxTeamProseLen)
}

// NormalizeForumMember trims and checks a forum member. The organisation
// may be empty: a resident can sit on a forum for no organisation.
func NormalizeForumMember(m ForumMember) (ForumMember, error) {
	m.Name, m.Organisation = strings.TrimSpace(m.Name), strings.TrimSpace(m.Organisation)
	if err := teamRequiredLine("name", m.Name); err != nil {
		return m, err
	}
	if err := teamMaxLen("organisation", m.Organisation, MaxTeamNameLen); err != nil {
		return m, err
	}
	_, err := ParseForumSector(string(m.Sector))
	return m, err
}

// NormalizeForumMeeting trims and checks a meeting of the forum of a plan
// running until endsOn, on date today. A forum can meet before the plan
// starts (it is often an existing one), but a meeting is recorded with
// its minutes, so it has taken place: not after today, nor after the
// plan's end.
func NormalizeForumMeeting(m ForumMeeting, endsOn, today Date) (ForumMeeting, error) {
	m.Agenda, m.Minutes, m.MinutesURL = strings.TrimSpace(m.Agenda), strings.TrimSpace(m.Minutes), strings.TrimSpace(m.MinutesURL)
	if _, err := ParseDate(string(m.HeldOn)); err != nil {
		return m, Errorf(EInvalid, "invalid_date", "held_on: %v", err)
	}
	switch {
	case m.HeldOn > today:
		return m, Errorf(EUnprocessable, "date_in_future", "held_on %s is in the future: record a meeting once it has taken place", m.HeldOn)
	case m.HeldOn > endsOn:
		return m, Errorf(EUnprocessable, "date_outside_period", "held_on %s is after the plan's end (%s)", m.HeldOn, endsOn)
	}
	if m.Agenda == "" {
		return m, Errorf(EUnprocessable, "agenda_required", "agenda is required")
	}
	if err := teamMaxLen("agenda", m.Agenda, MaxTeamProseLen); err != nil {
		return m, err
	}
	if m.Minutes == "" && m.MinutesURL == "" {
		return m, Errorf(EUnprocessable, "minutes_required", "the forum publishes its minutes: give minutes (text) or minutes_url (a link)")
	}
	if err := teamMaxLen("minutes", m.Minutes, MaxTeamProseLen); err != nil {
		return m, err
	}
	if m.MinutesURL != "" {
		if err := CheckWebURL("minutes_url", m.MinutesURL); err != nil {
			return m, err
		}
	}
	if m.Attendees < 1 {
		return m, Errorf(EUnprocessable, "invalid_attendees", "attendees must be at least 1, got %d", m.Attendees)
	}
	return m, nil
}

// NormalizeMonitoringBody trims and checks the monitoring body. The
// independence statement may still be empty when it is recorded; the gate
// asks for it at submission.
func NormalizeMonitoringBody(b MonitoringBody) (MonitoringBody, error) {
	b.Name, b.IndependenceStatement = strings.TrimSpace(b.Name), strings.TrimSpace(b.IndependenceStatement)
	if err := teamRequiredLine("name", b.Name); err != nil {
		return b, err
	}
	if _, err := ParseMonitoringBodyKind(string(b.Kind)); err != nil {
		return b, err
	}
	return b, teamMaxLen("independence_statement", b.IndependenceStatement, MaxTeamProseLen)
}

// CheckWebURL accepts only absolute http(s) links: what is published
// must open in a browser, and other schemes (javascript:, data:) are a
// way to attack the people who click them.
func CheckWebURL(field, s string) error {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || len(s) > MaxURLLen {
		return Errorf(EUnprocessable, "invalid_url", "%s must be an http or https link of at most %d characters", field, MaxURLLen)
	}
	return nil
}

func teamRequiredLine(field, s string) error {
	if s == "" {
		return Errorf(EUnprocessable, field+"_required", "%s is required", field)
	}
	return teamMaxLen(field, s, MaxTeamNameLen)
}

func teamMaxLen(field, s string, n int) error {
	if utf8.RuneCountInString(s) > n {
		return Errorf(EUnprocessable, field+"_too_long", "%s is longer than %d characters", field, n)
	}
	return nil
}

// checkTeamForumMonitoring is step 1's gate: a team balanced between
// government and civil society, a forum where both sides sit, and a
// monitoring body that is independent of the team.
func checkTeamForumMonitoring(p PlanContext, c Content) []Violation {
	roster := make(map[int64]Member, len(p.Members))
	for _, m := range p.Members {
		roster[m.UserID] = m
	}
	var vs []Violation

	onTeam := map[int64]string{}
	govCoordinator, civilSociety := false, false
	for _, tm := range c.Team {
		onTeam[tm.UserID] = tm.Name
		m, ok := roster[tm.UserID]
		if !ok {
			// Left the plan since: a profile alone does not make a member.
			continue
		}
		if m.Has(RoleCoordinator) && m.Sector == SectorGovernment {
			govCoordinator = true
		}
		if m.Sector == SectorCivilSociety {
			civilSociety = true
		}
	}
	if !govCoordinator {
		vs = append(vs, Violationf("team_needs_government_coordinator", "",
			"the team needs a coordinator from government: give a government coordinator of the plan a team profile"))
	}
	if !civilSociety {
		vs = append(vs, Violationf("team_needs_civil_society_member", "",
			"the team needs at least one member from civil society: give a civil-society member of the plan a team profile"))
	}

	if c.Forum == nil {
		vs = append(vs, Violationf("forum_missing", "", "select a forum where officials and non-governmental stakeholders meet"))
	} else {
		gov, nonGov := false, false
		for _, m := range c.Forum.Members {
			gov = gov || m.Sector == ForumGovernment
			nonGov = nonGov || m.Sector == ForumNonGovernment
		}
		if !gov {
			vs = append(vs, Violationf("forum_needs_government_member", "", "the forum needs at least one member from government"))
		}
		if !nonGov {
			vs = append(vs, Violationf("forum_needs_non_government_member", "", "the forum needs at least one non-governmental member"))
		}
	}

	var monitors []Member
	for _, m := range p.Members {
		if m.Has(RoleMonitoringBody) {
			monitors = append(monitors, m)
		}
	}
	slices.SortFunc(monitors, func(a, b Member) int { return cmp.Compare(a.UserID, b.UserID) })
	if c.MonitoringBody == nil {
		vs = append(vs, Violationf("monitoring_body_missing", "", "select a monitoring body: a person, group or organisation independent of the team"))
	} else {
		if strings.TrimSpace(c.MonitoringBody.IndependenceStatement) == "" {
			vs = append(vs, Violationf("monitoring_body_needs_independence_statement", "",
				"state why the monitoring body %q is independent of the team", c.MonitoringBody.Name))
		}
		if len(monitors) == 0 {
			vs = append(vs, Violationf("monitoring_body_needs_member", "",
				"the monitoring body needs at least one member: give a plan member the monitoring_body role"))
		}
	}
	// Independence is checked whether or not the body is described yet:
	// whoever holds the role assesses the team's work, so must not be on
	// it, nor coordinate the plan.
	for _, m := range monitors {
		name, team := onTeam[m.UserID]
		switch {
		case team:
			vs = append(vs, Violationf("monitoring_body_not_independent", TeamItem(m.UserID),
				"%s (user %d) is on the team and in the monitoring body: the monitoring body must be independent of the team", name, m.UserID))
		case m.Has(RoleCoordinator):
			vs = append(vs, Violationf("monitoring_body_not_independent", TeamItem(m.UserID),
				"user %d coordinates the plan and is in the monitoring body: the monitoring body must be independent of the team", m.UserID))
		}
	}
	return vs
}
