package server

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/ogplocal/ogp"
	"github.com/ogplocal/ogp/models"
)

// The step check: what a step's content gate would refuse now, without
// submitting, so people see what a step still needs while they work on
// it. It runs the very rules submission runs (ogp.HasContentGate and
// ogp.CheckStep, on the content loaded by the same models code the gate
// activity reads in its transaction, for the plan's period and roster and
// today's date in UTC); the gate itself still decides at submission.

// StepCheckResponse is what step n's gate would answer now.
type StepCheckResponse struct {
	Step int `json:"step"`
	// Ready says the gate would let the content through: no violation.
	Ready bool `json:"ready"`
	// Violations lists every unmet rule, as a refused submission would
	// (422 step_rules_unmet); empty when ready.
	Violations []ogp.Violation `json:"violations"`
}

func (s *Server) registerStepCheckRoutes(api *echo.Group, auth echo.MiddlewareFunc) {
	api.GET("/action-plans/:id/steps/:n/check", s.checkStep, auth)
}

// checkStep answers the gate's verdict to the plan's members and to
// administrators: rules name people (user:N items, members' names in
// messages), and the check is a working tool, not a public view.
func (s *Server) checkStep(c echo.Context) error {
	p, err := s.planOr404(c)
	if err != nil {
		return err
	}
	n, err := parseStep(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	rows, err := s.store.ListMembers(ctx, p.ID)
	if err != nil {
		return err
	}
	u := currentUser(c)
	member := false
	for _, r := range rows {
		member = member || r.UserID == u.ID
	}
	if !member && !u.IsAdmin {
		return ogp.Errorf(ogp.EForbidden, "not_member", "only the plan's members (and administrators) may check its steps")
	}
	out := StepCheckResponse{Step: n, Violations: []ogp.Violation{}}
	if ogp.HasContentGate(n) {
		content, err := s.store.LoadContent(ctx, p.ID)
		if err != nil {
			return err
		}
		if vs := ogp.CheckStep(n, gateContext(p, rows, s.now()), content); len(vs) > 0 {
			out.Violations = vs
		}
	}
	out.Ready = len(out.Violations) == 0
	return c.JSON(http.StatusOK, out)
}

// gateContext is what the gate rules know about the plan, as the plan's
// workflow gives it to the gate activity (period and members) with the
// date the activity adds (today, UTC), read here from the projection.
func gateContext(p models.ActionPlan, members []models.MemberRow, now time.Time) ogp.PlanContext {
	pc := ogp.PlanContext{PlanID: p.ID, StartsOn: ogp.Date(p.StartsOn), EndsOn: ogp.Date(p.EndsOn),
		Today: ogp.Date(now.UTC().Format(time.DateOnly)), Members: make([]ogp.Member, 0, len(members))}
	for _, r := range members {
		m := ogp.Member{UserID: r.UserID, Sector: ogp.Sector(r.Sector)}
		for _, role := range r.RoleList() {
			m.Roles = append(m.Roles, ogp.Role(role))
		}
		pc.Members = append(pc.Members, m)
	}
	return pc
}
