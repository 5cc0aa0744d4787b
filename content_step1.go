package ogp

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

// MonitoringBody independently assesses the process and its results (step
// 1.3). Its members are the plan members with the monitoring_body role.
type MonitoringBody struct {
	Name                  string             `json:"name"`
	Kind                  MonitoringBodyKind `json:"kind"`
	IndependenceStatement string             `json:"independence_statement"`
}

func checkTeamForumMonitoring(PlanContext, Content) []Violation { return nil }
