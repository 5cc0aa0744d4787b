package server

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/ogplocal/ogp"
	"github.com/ogplocal/ogp/models"
)

// teamStore is what the routes of steps 1 and 3 need: the team, the
// forum with its members and meetings, the monitoring body (step 1), and
// the awareness activities (step 3). Both steps are about the people who
// open the plan to the city, and share one OpenAPI fragment.
type teamStore interface {
	ListTeam(ctx context.Context, planID int64) ([]models.TeamMemberRow, error)
	PutTeamProfile(ctx context.Context, planID int64, m ogp.TeamMember) (models.TeamMemberRow, error)
	DeleteTeamProfile(ctx context.Context, planID, userID int64) error

	Forum(ctx context.Context, planID int64) (*ogp.Forum, error)
	PutForum(ctx context.Context, planID int64, f ogp.Forum) (ogp.Forum, error)
	AddForumMember(ctx context.Context, planID int64, m ogp.ForumMember) (ogp.ForumMember, error)
	UpdateForumMember(ctx context.Context, planID int64, m ogp.ForumMember) (ogp.ForumMember, error)
	DeleteForumMember(ctx context.Context, planID, id int64) error
	AddForumMeeting(ctx context.Context, planID int64, m ogp.ForumMeeting) (ogp.ForumMeeting, error)
	UpdateForumMeeting(ctx context.Context, planID int64, m ogp.ForumMeeting) (ogp.ForumMeeting, error)
	DeleteForumMeeting(ctx context.Context, planID, id int64) error

	MonitoringBody(ctx context.Context, planID int64) (*ogp.MonitoringBody, error)
	PutMonitoringBody(ctx context.Context, planID int64, b ogp.MonitoringBody) error

	ListAwareness(ctx context.Context, planID int64) ([]ogp.AwarenessActivity, error)
	AddAwarenessActivity(ctx context.Context, planID int64, a ogp.AwarenessActivity) (ogp.AwarenessActivity, error)
	UpdateAwarenessActivity(ctx context.Context, planID int64, a ogp.AwarenessActivity) (ogp.AwarenessActivity, error)
	DeleteAwarenessActivity(ctx context.Context, planID, id int64) error
}

// registerTeamRoutes adds the routes of step 1 (team, forum, monitoring
// body) and step 3 (awareness). Reads are public; changes are the
// coordinators'.
func (s *Server) registerTeamRoutes(api *echo.Group, auth echo.MiddlewareFunc) {
	api.GET("/action-plans/:id/team", s.listTeam)
	api.PUT("/action-plans/:id/team/:user_id", s.putTeamMember, auth)
	api.DELETE("/action-plans/:id/team/:user_id", s.deleteTeamMember, auth)

	api.GET("/action-plans/:id/forum", s.getForum)
	api.PUT("/action-plans/:id/forum", s.putForum, auth)
	api.POST("/action-plans/:id/forum/members", s.addForumMember, auth)
	api.PUT("/action-plans/:id/forum/members/:member_id", s.updateForumMember, auth)
	api.DELETE("/action-plans/:id/forum/members/:member_id", s.deleteForumMember, auth)
	api.POST("/action-plans/:id/forum/meetings", s.addForumMeeting, auth)
	api.PUT("/action-plans/:id/forum/meetings/:meeting_id", s.updateForumMeeting, auth)
	api.DELETE("/action-plans/:id/forum/meetings/:meeting_id", s.deleteForumMeeting, auth)

	api.GET("/action-plans/:id/monitoring-body", s.getMonitoringBody)
	api.PUT("/action-plans/:id/monitoring-body", s.putMonitoringBody, auth)

	api.GET("/action-plans/:id/awareness", s.listAwareness)
	api.POST("/action-plans/:id/awareness", s.addAwareness, auth)
	api.PUT("/action-plans/:id/awareness/:activity_id", s.updateAwareness, auth)
	api.DELETE("/action-plans/:id/awareness/:activity_id", s.deleteAwareness, auth)
}

// teamEditPlan loads the plan a change is for and checks that the caller
// coordinates it.
func (s *Server) teamEditPlan(c echo.Context) (models.ActionPlan, error) {
	p, err := s.planOr404(c)
	if err != nil {
		return p, err
	}
	return p, s.requireCoordinator(c, p.ID)
}

// teamStoreErr turns the store's refusals of steps 1 and 3 into API
// errors; what names the item addressed by id for a 404.
func teamStoreErr(err error, what string, id int64) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, models.ErrNoForum):
		return ogp.Errorf(ogp.EConflict, "no_forum", "the plan has no forum yet: record it first with PUT /action-plans/{id}/forum")
	case errors.Is(err, models.ErrPlanClosed):
		return ogp.Errorf(ogp.EConflict, "plan_completed", "the plan is completed: its forum's record is final")
	case errors.Is(err, models.ErrNotFound):
		return ogp.Errorf(ogp.ENotFound, "unknown_"+what, "there is no %s %d in this plan", what, id)
	}
	return err
}

// teamToday is the date in UTC now, for "has taken place" checks.
func (s *Server) teamToday() ogp.Date { return ogp.Date(s.now().UTC().Format(time.DateOnly)) }

// --- the team

type teamMemberRequest struct {
	Title        string `json:"title"`
	Organisation string `json:"organisation"`
}

// TeamMemberResponse is a member of the plan's team: their name, role
// title and organisation, and their roles and sector on the roster. No
// e-mail address: the team page is public.
type TeamMemberResponse struct {
	UserID       int64    `json:"user_id"`
	Name         string   `json:"name"`
	Title        string   `json:"title"`
	Organisation string   `json:"organisation"`
	Sector       string   `json:"sector"`
	Roles        []string `json:"roles"`
}

func teamMemberResponse(r models.TeamMemberRow) TeamMemberResponse {
	roles := r.RoleList()
	if roles == nil {
		roles = []string{}
	}
	return TeamMemberResponse{UserID: r.UserID, Name: r.Name, Title: r.Title, Organisation: r.Organisation, Sector: r.Sector, Roles: roles}
}

func (s *Server) listTeam(c echo.Context) error {
	p, err := s.planOr404(c)
	if err != nil {
		return err
	}
	rows, err := s.store.ListTeam(c.Request().Context(), p.ID)
	if err != nil {
		return err
	}
	out := make([]TeamMemberResponse, 0, len(rows))
	for _, r := range rows {
		out = append(out, teamMemberResponse(r))
	}
	return c.JSON(http.StatusOK, map[string]any{"items": out})
}

func (s *Server) putTeamMember(c echo.Context) error {
	p, err := s.teamEditPlan(c)
	if err != nil {
		return err
	}
	uid, err := parseID(c, "user_id", "member")
	if err != nil {
		return err
	}
	var req teamMemberRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	m, err := ogp.NormalizeTeamMember(ogp.TeamMember{UserID: uid, Title: req.Title, Organisation: req.Organisation})
	if err != nil {
		return err
	}
	row, err := s.store.PutTeamProfile(c.Request().Context(), p.ID, m)
	if errors.Is(err, models.ErrNotFound) {
		return ogp.Errorf(ogp.ENotFound, "unknown_member", "user %d is not a member of this plan: add them to the plan first", uid)
	}
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, teamMemberResponse(row))
}

func (s *Server) deleteTeamMember(c echo.Context) error {
	p, err := s.teamEditPlan(c)
	if err != nil {
		return err
	}
	uid, err := parseID(c, "user_id", "team_member")
	if err != nil {
		return err
	}
	if err := teamStoreErr(s.store.DeleteTeamProfile(c.Request().Context(), p.ID, uid), "team_member", uid); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// --- the forum

type forumRequest struct {
	Name           string `json:"name"`
	IsNew          bool   `json:"is_new"`
	Purpose        string `json:"purpose"`
	MeetingCadence string `json:"meeting_cadence"`
}

// ForumResponse is the plan's forum with its members and its meetings'
// published minutes.
type ForumResponse struct {
	Name           string                 `json:"name"`
	IsNew          bool                   `json:"is_new"`
	Purpose        string                 `json:"purpose"`
	MeetingCadence string                 `json:"meeting_cadence"`
	Members        []ForumMemberResponse  `json:"members"`
	Meetings       []ForumMeetingResponse `json:"meetings"`
}

// ForumMemberResponse is one participant of the forum.
type ForumMemberResponse struct {
	ID           int64  `json:"id"`
	Name         string `json:"name"`
	Organisation string `json:"organisation"`
	Sector       string `json:"sector"`
}

// ForumMeetingResponse is one meeting of the forum. Minutes are given as
// text, as a link, or both; what is not given is null.
type ForumMeetingResponse struct {
	ID         int64   `json:"id"`
	HeldOn     string  `json:"held_on"`
	Agenda     string  `json:"agenda"`
	Minutes    *string `json:"minutes"`
	MinutesURL *string `json:"minutes_url"`
	Attendees  int     `json:"attendees"`
}

func forumResponse(f ogp.Forum) ForumResponse {
	out := ForumResponse{Name: f.Name, IsNew: f.IsNew, Purpose: f.Purpose, MeetingCadence: f.MeetingCadence,
		Members: make([]ForumMemberResponse, 0, len(f.Members)), Meetings: make([]ForumMeetingResponse, 0, len(f.Meetings))}
	for _, m := range f.Members {
		out.Members = append(out.Members, forumMemberResponse(m))
	}
	for _, m := range f.Meetings {
		out.Meetings = append(out.Meetings, forumMeetingResponse(m))
	}
	return out
}

func forumMemberResponse(m ogp.ForumMember) ForumMemberResponse {
	return ForumMemberResponse{ID: m.ID, Name: m.Name, Organisation: m.Organisation, Sector: string(m.Sector)}
}

func forumMeetingResponse(m ogp.ForumMeeting) ForumMeetingResponse {
	return ForumMeetingResponse{ID: m.ID, HeldOn: string(m.HeldOn), Agenda: m.Agenda, Minutes: teamOptional(m.Minutes),
		MinutesURL: teamOptional(m.MinutesURL), Attendees: m.Attendees}
}

// teamOptional is nil for "", so an optional text reads null rather than "".
func teamOptional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func (s *Server) getForum(c echo.Context) error {
	p, err := s.planOr404(c)
	if err != nil {
		return err
	}
	f, err := s.store.Forum(c.Request().Context(), p.ID)
	if err != nil {
		return err
	}
	if f == nil {
		return ogp.Errorf(ogp.ENotFound, "no_forum", "plan %d has no forum yet", p.ID)
	}
	return c.JSON(http.StatusOK, forumResponse(*f))
}

func (s *Server) putForum(c echo.Context) error {
	p, err := s.teamEditPlan(c)
	if err != nil {
		return err
	}
	var req forumRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	f, err := ogp.NormalizeForum(ogp.Forum{Name: req.Name, IsNew: req.IsNew, Purpose: req.Purpose, MeetingCadence: req.MeetingCadence})
	if err != nil {
		return err
	}
	stored, err := s.store.PutForum(c.Request().Context(), p.ID, f)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, forumResponse(stored))
}

type forumMemberRequest struct {
	Name         string `json:"name"`
	Organisation string `json:"organisation"`
	Sector       string `json:"sector"`
}

func (r forumMemberRequest) member(id int64) (ogp.ForumMember, error) {
	return ogp.NormalizeForumMember(ogp.ForumMember{ID: id, Name: r.Name, Organisation: r.Organisation, Sector: ogp.ForumSector(r.Sector)})
}

func (s *Server) addForumMember(c echo.Context) error {
	p, err := s.teamEditPlan(c)
	if err != nil {
		return err
	}
	var req forumMemberRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	m, err := req.member(0)
	if err != nil {
		return err
	}
	m, err = s.store.AddForumMember(c.Request().Context(), p.ID, m)
	if err := teamStoreErr(err, "forum_member", 0); err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, forumMemberResponse(m))
}

func (s *Server) updateForumMember(c echo.Context) error {
	p, err := s.teamEditPlan(c)
	if err != nil {
		return err
	}
	id, err := parseID(c, "member_id", "forum_member")
	if err != nil {
		return err
	}
	var req forumMemberRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	m, err := req.member(id)
	if err != nil {
		return err
	}
	m, err = s.store.UpdateForumMember(c.Request().Context(), p.ID, m)
	if err := teamStoreErr(err, "forum_member", id); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, forumMemberResponse(m))
}

func (s *Server) deleteForumMember(c echo.Context) error {
	p, err := s.teamEditPlan(c)
	if err != nil {
		return err
	}
	id, err := parseID(c, "member_id", "forum_member")
	if err != nil {
		return err
	}
	if err := teamStoreErr(s.store.DeleteForumMember(c.Request().Context(), p.ID, id), "forum_member", id); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

type forumMeetingRequest struct {
	HeldOn     string `json:"held_on"`
	Agenda     string `json:"agenda"`
	Minutes    string `json:"minutes"`
	MinutesURL string `json:"minutes_url"`
	Attendees  int    `json:"attendees"`
}

func (s *Server) teamMeeting(p models.ActionPlan, r forumMeetingRequest, id int64) (ogp.ForumMeeting, error) {
	return ogp.NormalizeForumMeeting(ogp.ForumMeeting{ID: id, HeldOn: ogp.Date(r.HeldOn), Agenda: r.Agenda, Minutes: r.Minutes,
		MinutesURL: r.MinutesURL, Attendees: r.Attendees}, ogp.Date(p.EndsOn), s.teamToday())
}

// Meetings are the forum's published minutes: they are recorded whenever
// the forum meets, at any step, so they are not step content and need no
// step to be open; only a completed plan refuses them.

func (s *Server) addForumMeeting(c echo.Context) error {
	p, err := s.teamEditPlan(c)
	if err != nil {
		return err
	}
	var req forumMeetingRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	m, err := s.teamMeeting(p, req, 0)
	if err != nil {
		return err
	}
	m, err = s.store.AddForumMeeting(c.Request().Context(), p.ID, m)
	if err := teamStoreErr(err, "forum_meeting", 0); err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, forumMeetingResponse(m))
}

func (s *Server) updateForumMeeting(c echo.Context) error {
	p, err := s.teamEditPlan(c)
	if err != nil {
		return err
	}
	id, err := parseID(c, "meeting_id", "forum_meeting")
	if err != nil {
		return err
	}
	var req forumMeetingRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	m, err := s.teamMeeting(p, req, id)
	if err != nil {
		return err
	}
	m, err = s.store.UpdateForumMeeting(c.Request().Context(), p.ID, m)
	if err := teamStoreErr(err, "forum_meeting", id); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, forumMeetingResponse(m))
}

func (s *Server) deleteForumMeeting(c echo.Context) error {
	p, err := s.teamEditPlan(c)
	if err != nil {
		return err
	}
	id, err := parseID(c, "meeting_id", "forum_meeting")
	if err != nil {
		return err
	}
	if err := teamStoreErr(s.store.DeleteForumMeeting(c.Request().Context(), p.ID, id), "forum_meeting", id); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// --- the monitoring body

type monitoringBodyRequest struct {
	Name                  string `json:"name"`
	Kind                  string `json:"kind"`
	IndependenceStatement string `json:"independence_statement"`
}

// MonitoringBodyResponse is the plan's monitoring body with its members:
// the plan members with the monitoring_body role, by name only.
type MonitoringBodyResponse struct {
	Name                  string                         `json:"name"`
	Kind                  string                         `json:"kind"`
	IndependenceStatement string                         `json:"independence_statement"`
	Members               []MonitoringBodyMemberResponse `json:"members"`
}

// MonitoringBodyMemberResponse is a member of the monitoring body.
type MonitoringBodyMemberResponse struct {
	UserID int64  `json:"user_id"`
	Name   string `json:"name"`
}

func (s *Server) monitoringBodyResponse(ctx context.Context, planID int64, b ogp.MonitoringBody) (MonitoringBodyResponse, error) {
	out := MonitoringBodyResponse{Name: b.Name, Kind: string(b.Kind), IndependenceStatement: b.IndependenceStatement,
		Members: []MonitoringBodyMemberResponse{}}
	rows, err := s.store.ListMembers(ctx, planID)
	if err != nil {
		return out, err
	}
	for _, r := range rows {
		if r.HasRole(string(ogp.RoleMonitoringBody)) {
			out.Members = append(out.Members, MonitoringBodyMemberResponse{UserID: r.UserID, Name: r.Name})
		}
	}
	return out, nil
}

func (s *Server) getMonitoringBody(c echo.Context) error {
	p, err := s.planOr404(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	b, err := s.store.MonitoringBody(ctx, p.ID)
	if err != nil {
		return err
	}
	if b == nil {
		return ogp.Errorf(ogp.ENotFound, "no_monitoring_body", "plan %d has no monitoring body yet", p.ID)
	}
	out, err := s.monitoringBodyResponse(ctx, p.ID, *b)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, out)
}

func (s *Server) putMonitoringBody(c echo.Context) error {
	p, err := s.teamEditPlan(c)
	if err != nil {
		return err
	}
	var req monitoringBodyRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	b, err := ogp.NormalizeMonitoringBody(ogp.MonitoringBody{Name: req.Name, Kind: ogp.MonitoringBodyKind(req.Kind), IndependenceStatement: req.IndependenceStatement})
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	if err := s.store.PutMonitoringBody(ctx, p.ID, b); err != nil {
		return err
	}
	out, err := s.monitoringBodyResponse(ctx, p.ID, b)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, out)
}

// --- awareness (step 3)

type awarenessRequest struct {
	Kind        string `json:"kind"`
	HeldOn      string `json:"held_on"`
	Audience    string `json:"audience"`
	Description string `json:"description"`
	Reach       int    `json:"reach"`
	EvidenceURL string `json:"evidence_url"`
}

func (r awarenessRequest) activity(p models.ActionPlan, id int64) (ogp.AwarenessActivity, error) {
	return ogp.NormalizeAwarenessActivity(ogp.AwarenessActivity{ID: id, Kind: ogp.AwarenessKind(r.Kind), HeldOn: ogp.Date(r.HeldOn),
		Audience: r.Audience, Description: r.Description, Reach: r.Reach, EvidenceURL: r.EvidenceURL}, ogp.Date(p.StartsOn), ogp.Date(p.EndsOn))
}

// AwarenessActivityResponse is one awareness activity; evidence_url is
// null when no evidence is linked.
type AwarenessActivityResponse struct {
	ID          int64   `json:"id"`
	Kind        string  `json:"kind"`
	HeldOn      string  `json:"held_on"`
	Audience    string  `json:"audience"`
	Description string  `json:"description"`
	Reach       int     `json:"reach"`
	EvidenceURL *string `json:"evidence_url"`
}

func awarenessResponse(a ogp.AwarenessActivity) AwarenessActivityResponse {
	return AwarenessActivityResponse{ID: a.ID, Kind: string(a.Kind), HeldOn: string(a.HeldOn), Audience: a.Audience,
		Description: a.Description, Reach: a.Reach, EvidenceURL: teamOptional(a.EvidenceURL)}
}

func (s *Server) listAwareness(c echo.Context) error {
	p, err := s.planOr404(c)
	if err != nil {
		return err
	}
	list, err := s.store.ListAwareness(c.Request().Context(), p.ID)
	if err != nil {
		return err
	}
	out := make([]AwarenessActivityResponse, 0, len(list))
	for _, a := range list {
		out = append(out, awarenessResponse(a))
	}
	return c.JSON(http.StatusOK, map[string]any{"items": out})
}

func (s *Server) addAwareness(c echo.Context) error {
	p, err := s.teamEditPlan(c)
	if err != nil {
		return err
	}
	var req awarenessRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	a, err := req.activity(p, 0)
	if err != nil {
		return err
	}
	if a, err = s.store.AddAwarenessActivity(c.Request().Context(), p.ID, a); err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, awarenessResponse(a))
}

func (s *Server) updateAwareness(c echo.Context) error {
	p, err := s.teamEditPlan(c)
	if err != nil {
		return err
	}
	id, err := parseID(c, "activity_id", "awareness_activity")
	if err != nil {
		return err
	}
	var req awarenessRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	a, err := req.activity(p, id)
	if err != nil {
		return err
	}
	a, err = s.store.UpdateAwarenessActivity(c.Request().Context(), p.ID, a)
	if err := teamStoreErr(err, "awareness_activity", id); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, awarenessResponse(a))
}

func (s *Server) deleteAwareness(c echo.Context) error {
	p, err := s.teamEditPlan(c)
	if err != nil {
		return err
	}
	id, err := parseID(c, "activity_id", "awareness_activity")
	if err != nil {
		return err
	}
	if err := teamStoreErr(s.store.DeleteAwarenessActivity(c.Request().Context(), p.ID, id), "awareness_activity", id); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}
