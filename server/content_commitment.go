package server

import (
	"context"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/ogplocal/ogp"
	"github.com/ogplocal/ogp/models"
)

// commitmentStore is what the commitment routes need: commitments and
// their milestones (step 5) and support networks (step 6).
type commitmentStore interface {
	ListCommitments(ctx context.Context, planID int64) ([]ogp.Commitment, error)
	GetCommitment(ctx context.Context, planID, id int64) (ogp.Commitment, error)
	CreateCommitment(ctx context.Context, planID int64, in ogp.Commitment) (ogp.Commitment, error)
	UpdateCommitment(ctx context.Context, planID, id int64, in ogp.Commitment) (ogp.Commitment, error)
	DeleteCommitment(ctx context.Context, planID, id int64) error
	CreateMilestone(ctx context.Context, planID, commitmentID int64, m ogp.Milestone) (ogp.Milestone, error)
	UpdateMilestone(ctx context.Context, planID, commitmentID, id int64, m ogp.Milestone) (ogp.Milestone, error)
	DeleteMilestone(ctx context.Context, planID, commitmentID, id int64) error
	CreateSupportActor(ctx context.Context, planID, commitmentID int64, a ogp.SupportActor) (ogp.SupportActor, error)
	UpdateSupportActor(ctx context.Context, planID, commitmentID, id int64, a ogp.SupportActor) (ogp.SupportActor, error)
	DeleteSupportActor(ctx context.Context, planID, commitmentID, id int64) error
}

// registerCommitmentRoutes adds the commitments with their milestones
// (written while step 5 is worked on) and support networks (step 6). All
// reads are public; only a coordinator's read of a network shows the
// actors' contacts. Creations are retry-safe through auth, which carries
// the Idempotency-Key layer of every content change.
func (s *Server) registerCommitmentRoutes(api *echo.Group, auth echo.MiddlewareFunc) {
	const one = "/action-plans/:id/commitments/:commitment_id"
	api.GET("/action-plans/:id/commitments", s.listCommitments)
	api.POST("/action-plans/:id/commitments", s.createCommitment, auth)
	api.GET(one, s.getCommitment)
	api.PUT(one, s.updateCommitment, auth)
	api.DELETE(one, s.deleteCommitment, auth)
	api.POST(one+"/milestones", s.createMilestone, auth)
	api.PUT(one+"/milestones/:milestone_id", s.updateMilestone, auth)
	api.DELETE(one+"/milestones/:milestone_id", s.deleteMilestone, auth)
	api.GET(one+"/network", s.listNetwork)
	api.POST(one+"/network", s.createSupportActor, auth)
	api.PUT(one+"/network/:actor_id", s.updateSupportActor, auth)
	api.DELETE(one+"/network/:actor_id", s.deleteSupportActor, auth)
}

// commitmentRequest is the body of POST .../commitments and PUT
// .../commitments/{commitment_id}: the template's fields, in its order.
type commitmentRequest struct {
	ProblemID        int64                    `json:"problem_id"`
	Title            string                   `json:"title"`
	StartsOn         string                   `json:"starts_on"`
	EndsOn           string                   `json:"ends_on"`
	LeadAgency       string                   `json:"lead_agency"`
	ProblemStatement string                   `json:"problem_statement"`
	StatusQuo        string                   `json:"status_quo"`
	Objective        string                   `json:"objective"`
	HowItSolves      string                   `json:"how_it_solves"`
	Values           []commitmentValueRequest `json:"values"`
	AdditionalInfo   string                   `json:"additional_info"`
	// LeadUserID names the member of the plan who leads the commitment
	// in implementation; absent or 0 for none.
	LeadUserID int64 `json:"lead_user_id"`
}

type commitmentValueRequest struct {
	Value         string `json:"value"`
	Justification string `json:"justification"`
}

// milestoneRequest is the body of POST .../milestones and PUT
// .../milestones/{milestone_id}.
type milestoneRequest struct {
	Title       string `json:"title"`
	Deliverable string `json:"deliverable"`
	Indicator   string `json:"indicator"`
	Target      string `json:"target"`
	StartsOn    string `json:"starts_on"`
	DueOn       string `json:"due_on"`
	Responsible string `json:"responsible"`
	// ResponsibleUserID names the member of the plan responsible for the
	// milestone in implementation; absent or 0 for none.
	ResponsibleUserID int64 `json:"responsible_user_id"`
}

// supportActorRequest is the body of POST .../network and PUT
// .../network/{actor_id}.
type supportActorRequest struct {
	Name         string `json:"name"`
	Organisation string `json:"organisation"`
	Sector       string `json:"sector"`
	Role         string `json:"role"`
	Contact      string `json:"contact"`
}

// CommitmentResponse is a commitment as the API shows it, in the order of
// the OGP commitment template, with its milestones and support network.
// It is public: the network's contacts are never in it.
type CommitmentResponse struct {
	ID               int64                     `json:"id"`
	Number           int                       `json:"number"`
	Title            string                    `json:"title"`
	ProblemID        int64                     `json:"problem_id"`
	StartsOn         string                    `json:"starts_on"`
	EndsOn           string                    `json:"ends_on"`
	LeadAgency       string                    `json:"lead_agency"`
	ProblemStatement string                    `json:"problem_statement"`
	StatusQuo        string                    `json:"status_quo"`
	Objective        string                    `json:"objective"`
	HowItSolves      string                    `json:"how_it_solves"`
	Values           []CommitmentValueResponse `json:"values"`
	Milestones       []MilestoneResponse       `json:"milestones"`
	AdditionalInfo   string                    `json:"additional_info"`
	Network          []SupportActorResponse    `json:"network"`
	LeadUserID       int64                     `json:"lead_user_id,omitempty"`
}

// CommitmentValueResponse is a commitment's relevance to one OGP value.
type CommitmentValueResponse struct {
	Value         string `json:"value"`
	Justification string `json:"justification"`
}

// MilestoneResponse is one milestone of a commitment.
type MilestoneResponse struct {
	ID           int64  `json:"id"`
	CommitmentID int64  `json:"commitment_id"`
	Title        string `json:"title"`
	Deliverable  string `json:"deliverable"`
	Indicator    string `json:"indicator"`
	Target       string `json:"target"`
	StartsOn     string `json:"starts_on"`
	DueOn        string `json:"due_on"`
	Responsible  string `json:"responsible"`
	// ResponsibleUserID is absent when the responsible person is no user.
	ResponsibleUserID int64 `json:"responsible_user_id,omitempty"`
}

// SupportActorResponse is one actor of a commitment's support network.
// Contact is filled only for the plan's coordinators (and
// administrators); everyone else never sees it.
type SupportActorResponse struct {
	ID           int64  `json:"id"`
	CommitmentID int64  `json:"commitment_id"`
	Name         string `json:"name"`
	Organisation string `json:"organisation"`
	Sector       string `json:"sector"`
	Role         string `json:"role"`
	Contact      string `json:"contact,omitempty"`
}

// SupportNetworkResponse is a commitment's support network.
type SupportNetworkResponse struct {
	Items []SupportActorResponse `json:"items"`
}

// CommitmentListResponse is the plan's commitments, by number.
type CommitmentListResponse struct {
	Items []CommitmentResponse `json:"items"`
}

func milestoneResponse(commitmentID int64, m ogp.Milestone) MilestoneResponse {
	return MilestoneResponse{ID: m.ID, CommitmentID: commitmentID, Title: m.Title, Deliverable: m.Deliverable, Indicator: m.Indicator,
		Target: m.Target, StartsOn: string(m.StartsOn), DueOn: string(m.DueOn), Responsible: m.Responsible,
		ResponsibleUserID: m.ResponsibleUserID}
}

// supportActorResponse shows the contact only when withContact: the
// caller has checked the reader is a coordinator.
func supportActorResponse(commitmentID int64, a ogp.SupportActor, withContact bool) SupportActorResponse {
	out := SupportActorResponse{ID: a.ID, CommitmentID: commitmentID, Name: a.Name, Organisation: a.Organisation,
		Sector: string(a.Sector), Role: string(a.Role)}
	if withContact {
		out.Contact = a.Contact
	}
	return out
}

// commitmentResponse is the public view: never any contact.
func commitmentResponse(c ogp.Commitment) CommitmentResponse {
	out := CommitmentResponse{ID: c.ID, Number: c.Number, Title: c.Title, ProblemID: c.ProblemID, StartsOn: string(c.StartsOn),
		EndsOn: string(c.EndsOn), LeadAgency: c.LeadAgency, ProblemStatement: c.ProblemStatement, StatusQuo: c.StatusQuo,
		Objective: c.Objective, HowItSolves: c.HowItSolves, AdditionalInfo: c.AdditionalInfo, LeadUserID: c.LeadUserID,
		Values:     make([]CommitmentValueResponse, 0, len(c.Values)),
		Milestones: make([]MilestoneResponse, 0, len(c.Milestones)),
		Network:    make([]SupportActorResponse, 0, len(c.Network))}
	for _, v := range c.Values {
		out.Values = append(out.Values, CommitmentValueResponse{Value: string(v.Value), Justification: v.Justification})
	}
	for _, m := range c.Milestones {
		out.Milestones = append(out.Milestones, milestoneResponse(c.ID, m))
	}
	for _, a := range c.Network {
		out.Network = append(out.Network, supportActorResponse(c.ID, a, false))
	}
	return out
}

// solutionsPlanContext is the part of the plan the write checks need.
func solutionsPlanContext(p models.ActionPlan) ogp.PlanContext {
	return ogp.PlanContext{PlanID: p.ID, StartsOn: ogp.Date(p.StartsOn), EndsOn: ogp.Date(p.EndsOn)}
}

// commitmentWrite is the common start of every write: the plan, the
// caller a coordinator of it, the commitment's id from the path.
func (s *Server) commitmentWrite(c echo.Context) (models.ActionPlan, int64, error) {
	p, err := s.planOr404(c)
	if err != nil {
		return p, 0, err
	}
	if err := s.requireCoordinator(c, p.ID); err != nil {
		return p, 0, err
	}
	id, err := parseID(c, "commitment_id", "commitment")
	return p, id, err
}

func (s *Server) listCommitments(c echo.Context) error {
	p, err := s.planOr404(c)
	if err != nil {
		return err
	}
	cs, err := s.store.ListCommitments(c.Request().Context(), p.ID)
	if err != nil {
		return err
	}
	out := CommitmentListResponse{Items: make([]CommitmentResponse, 0, len(cs))}
	for _, cm := range cs {
		out.Items = append(out.Items, commitmentResponse(cm))
	}
	return c.JSON(http.StatusOK, out)
}

func (s *Server) getCommitment(c echo.Context) error {
	p, err := s.planOr404(c)
	if err != nil {
		return err
	}
	id, err := parseID(c, "commitment_id", "commitment")
	if err != nil {
		return err
	}
	cm, err := s.store.GetCommitment(c.Request().Context(), p.ID, id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, commitmentResponse(cm))
}

// commitmentFrom turns a request into a normalised commitment and checks
// it against the plan.
func commitmentFrom(p models.ActionPlan, req commitmentRequest) (ogp.Commitment, error) {
	in := ogp.Commitment{ProblemID: req.ProblemID, Title: strings.TrimSpace(req.Title),
		StartsOn: ogp.Date(strings.TrimSpace(req.StartsOn)), EndsOn: ogp.Date(strings.TrimSpace(req.EndsOn)),
		LeadAgency: strings.TrimSpace(req.LeadAgency), ProblemStatement: strings.TrimSpace(req.ProblemStatement),
		StatusQuo: strings.TrimSpace(req.StatusQuo), Objective: strings.TrimSpace(req.Objective),
		HowItSolves: strings.TrimSpace(req.HowItSolves), AdditionalInfo: strings.TrimSpace(req.AdditionalInfo),
		LeadUserID: req.LeadUserID}
	for _, v := range req.Values {
		in.Values = append(in.Values, ogp.CommitmentValue{Value: ogp.Value(strings.TrimSpace(v.Value)), Justification: strings.TrimSpace(v.Justification)})
	}
	return in, ogp.ValidateCommitment(in, solutionsPlanContext(p))
}

func (s *Server) createCommitment(c echo.Context) error {
	p, err := s.planOr404(c)
	if err != nil {
		return err
	}
	if err := s.requireCoordinator(c, p.ID); err != nil {
		return err
	}
	var req commitmentRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	in, err := commitmentFrom(p, req)
	if err != nil {
		return err
	}
	cm, err := s.store.CreateCommitment(c.Request().Context(), p.ID, in)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, commitmentResponse(cm))
}

func (s *Server) updateCommitment(c echo.Context) error {
	p, id, err := s.commitmentWrite(c)
	if err != nil {
		return err
	}
	var req commitmentRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	in, err := commitmentFrom(p, req)
	if err != nil {
		return err
	}
	cm, err := s.store.UpdateCommitment(c.Request().Context(), p.ID, id, in)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, commitmentResponse(cm))
}

func (s *Server) deleteCommitment(c echo.Context) error {
	p, id, err := s.commitmentWrite(c)
	if err != nil {
		return err
	}
	if err := s.store.DeleteCommitment(c.Request().Context(), p.ID, id); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// milestoneFrom turns a request into a normalised milestone and checks it
// against the plan.
func milestoneFrom(p models.ActionPlan, req milestoneRequest) (ogp.Milestone, error) {
	m := ogp.Milestone{Title: strings.TrimSpace(req.Title), Deliverable: strings.TrimSpace(req.Deliverable),
		Indicator: strings.TrimSpace(req.Indicator), Target: strings.TrimSpace(req.Target),
		StartsOn: ogp.Date(strings.TrimSpace(req.StartsOn)), DueOn: ogp.Date(strings.TrimSpace(req.DueOn)),
		Responsible: strings.TrimSpace(req.Responsible), ResponsibleUserID: req.ResponsibleUserID}
	return m, ogp.ValidateMilestone(m, solutionsPlanContext(p))
}

func (s *Server) createMilestone(c echo.Context) error {
	p, cid, err := s.commitmentWrite(c)
	if err != nil {
		return err
	}
	var req milestoneRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	m, err := milestoneFrom(p, req)
	if err != nil {
		return err
	}
	out, err := s.store.CreateMilestone(c.Request().Context(), p.ID, cid, m)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, milestoneResponse(cid, out))
}

func (s *Server) updateMilestone(c echo.Context) error {
	p, cid, err := s.commitmentWrite(c)
	if err != nil {
		return err
	}
	id, err := parseID(c, "milestone_id", "milestone")
	if err != nil {
		return err
	}
	var req milestoneRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	m, err := milestoneFrom(p, req)
	if err != nil {
		return err
	}
	out, err := s.store.UpdateMilestone(c.Request().Context(), p.ID, cid, id, m)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, milestoneResponse(cid, out))
}

func (s *Server) deleteMilestone(c echo.Context) error {
	p, cid, err := s.commitmentWrite(c)
	if err != nil {
		return err
	}
	id, err := parseID(c, "milestone_id", "milestone")
	if err != nil {
		return err
	}
	if err := s.store.DeleteMilestone(c.Request().Context(), p.ID, cid, id); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// networkReaderIsCoordinator tells whether the optional bearer token of a public
// read is a coordinator's (or an administrator's) of the plan. A missing,
// unknown or revoked token reads as the public: this route answers
// everyone, and only ever shows less to a stranger.
func (s *Server) networkReaderIsCoordinator(c echo.Context, planID int64) (bool, error) {
	u, ok, err := s.optionalUser(c)
	if !ok || err != nil {
		return false, err
	}
	c.Set("user", u)
	err = s.requireCoordinator(c, planID)
	if ogp.ErrorKind(err) == ogp.EForbidden {
		return false, nil
	}
	return err == nil, err
}

func (s *Server) listNetwork(c echo.Context) error {
	p, err := s.planOr404(c)
	if err != nil {
		return err
	}
	id, err := parseID(c, "commitment_id", "commitment")
	if err != nil {
		return err
	}
	withContact, err := s.networkReaderIsCoordinator(c, p.ID)
	if err != nil {
		return err
	}
	cm, err := s.store.GetCommitment(c.Request().Context(), p.ID, id)
	if err != nil {
		return err
	}
	out := SupportNetworkResponse{Items: make([]SupportActorResponse, 0, len(cm.Network))}
	for _, a := range cm.Network {
		out.Items = append(out.Items, supportActorResponse(cm.ID, a, withContact))
	}
	return c.JSON(http.StatusOK, out)
}

// supportActorFrom turns a request into a normalised actor and checks it.
func supportActorFrom(req supportActorRequest) (ogp.SupportActor, error) {
	a := ogp.SupportActor{Name: strings.TrimSpace(req.Name), Organisation: strings.TrimSpace(req.Organisation),
		Sector: ogp.ActorSector(strings.TrimSpace(req.Sector)), Role: ogp.ActorRole(strings.TrimSpace(req.Role)),
		Contact: strings.TrimSpace(req.Contact)}
	return a, ogp.ValidateSupportActor(a)
}

func (s *Server) createSupportActor(c echo.Context) error {
	p, cid, err := s.commitmentWrite(c)
	if err != nil {
		return err
	}
	var req supportActorRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	a, err := supportActorFrom(req)
	if err != nil {
		return err
	}
	out, err := s.store.CreateSupportActor(c.Request().Context(), p.ID, cid, a)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, supportActorResponse(cid, out, true))
}

func (s *Server) updateSupportActor(c echo.Context) error {
	p, cid, err := s.commitmentWrite(c)
	if err != nil {
		return err
	}
	id, err := parseID(c, "actor_id", "support_actor")
	if err != nil {
		return err
	}
	var req supportActorRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	a, err := supportActorFrom(req)
	if err != nil {
		return err
	}
	out, err := s.store.UpdateSupportActor(c.Request().Context(), p.ID, cid, id, a)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, supportActorResponse(cid, out, true))
}

func (s *Server) deleteSupportActor(c echo.Context) error {
	p, cid, err := s.commitmentWrite(c)
	if err != nil {
		return err
	}
	id, err := parseID(c, "actor_id", "support_actor")
	if err != nil {
		return err
	}
	if err := s.store.DeleteSupportActor(c.Request().Context(), p.ID, cid, id); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}
