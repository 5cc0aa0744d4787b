package server

import (
	"context"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/ogplocal/ogp"
	"github.com/ogplocal/ogp/models"
)

// roadmapStore is what the roadmap routes (step 2) need.
type roadmapStore interface {
	PutRoadmapEntry(ctx context.Context, planID int64, e ogp.RoadmapEntry) (models.RoadmapEntry, error)
	DeleteRoadmapEntry(ctx context.Context, planID int64, step int) (deleted bool, err error)
	ListRoadmap(ctx context.Context, planID int64) ([]models.RoadmapEntry, error)
}

// registerRoadmapRoutes adds the roadmap: one entry per step 3-10,
// written by the coordinator while step 2 is worked on, read by anyone.
func (s *Server) registerRoadmapRoutes(api *echo.Group, auth echo.MiddlewareFunc) {
	api.GET("/action-plans/:id/roadmap", s.listRoadmap)
	api.PUT("/action-plans/:id/roadmap/:n", s.putRoadmapEntry, auth)
	api.DELETE("/action-plans/:id/roadmap/:n", s.deleteRoadmapEntry, auth)
}

// roadmapEntryRequest is the body of PUT .../roadmap/{n}; the step is the
// path's.
type roadmapEntryRequest struct {
	StartsOn     string `json:"starts_on"`
	EndsOn       string `json:"ends_on"`
	Responsible  string `json:"responsible"`
	Stakeholders string `json:"stakeholders"`
}

// RoadmapEntryResponse is one roadmap entry as the API shows it: public,
// since the roadmap is how the city tells residents when each step
// happens and who answers for it.
type RoadmapEntryResponse struct {
	Step         int    `json:"step"`
	StepKey      string `json:"step_key"`
	StepTitle    string `json:"step_title"`
	StartsOn     string `json:"starts_on"`
	EndsOn       string `json:"ends_on"`
	Responsible  string `json:"responsible"`
	Stakeholders string `json:"stakeholders"`
	UpdatedAt    string `json:"updated_at"`
}

// RoadmapResponse is the plan's roadmap, by step.
type RoadmapResponse struct {
	Items []RoadmapEntryResponse `json:"items"`
}

func roadmapEntryResponse(e models.RoadmapEntry) RoadmapEntryResponse {
	def, _ := ogp.StepByNumber(e.Step)
	return RoadmapEntryResponse{Step: e.Step, StepKey: string(def.Key), StepTitle: def.Title, StartsOn: e.StartsOn, EndsOn: e.EndsOn,
		Responsible: e.Responsible, Stakeholders: e.Stakeholders, UpdatedAt: rfc3339(e.UpdatedAt)}
}

// parseRoadmapStep reads {n}: the roadmap has entries for steps 3-10 only.
func parseRoadmapStep(c echo.Context) (int, error) {
	n, err := strconv.Atoi(c.Param("n"))
	if err != nil || !ogp.IsRoadmapStep(n) {
		return 0, ogp.Errorf(ogp.ENotFound, "unknown_roadmap_step", "the roadmap has no step %q: it plans steps %d to %d",
			c.Param("n"), ogp.RoadmapFirstStep, ogp.RoadmapLastStep)
	}
	return n, nil
}

func (s *Server) listRoadmap(c echo.Context) error {
	p, err := s.planOr404(c)
	if err != nil {
		return err
	}
	rows, err := s.store.ListRoadmap(c.Request().Context(), p.ID)
	if err != nil {
		return err
	}
	out := RoadmapResponse{Items: make([]RoadmapEntryResponse, 0, len(rows))}
	for _, r := range rows {
		out.Items = append(out.Items, roadmapEntryResponse(r))
	}
	return c.JSON(http.StatusOK, out)
}

func (s *Server) putRoadmapEntry(c echo.Context) error {
	p, err := s.planOr404(c)
	if err != nil {
		return err
	}
	n, err := parseRoadmapStep(c)
	if err != nil {
		return err
	}
	if err := s.requireCoordinator(c, p.ID); err != nil {
		return err
	}
	var req roadmapEntryRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	e := ogp.RoadmapEntry{Step: n, StartsOn: ogp.Date(req.StartsOn), EndsOn: ogp.Date(req.EndsOn),
		Responsible: strings.TrimSpace(req.Responsible), Stakeholders: strings.TrimSpace(req.Stakeholders)}
	if err := ogp.ValidateRoadmapEntry(e, ogp.Date(p.StartsOn), ogp.Date(p.EndsOn)); err != nil {
		return err
	}
	row, err := s.store.PutRoadmapEntry(c.Request().Context(), p.ID, e)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, roadmapEntryResponse(row))
}

func (s *Server) deleteRoadmapEntry(c echo.Context) error {
	p, err := s.planOr404(c)
	if err != nil {
		return err
	}
	n, err := parseRoadmapStep(c)
	if err != nil {
		return err
	}
	if err := s.requireCoordinator(c, p.ID); err != nil {
		return err
	}
	if _, err := s.store.DeleteRoadmapEntry(c.Request().Context(), p.ID, n); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}
