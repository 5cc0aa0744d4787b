package server

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/ogplocal/ogp"
	"github.com/ogplocal/ogp/models"
)

// visionStore is what the strategic vision routes (step 7) need.
type visionStore interface {
	PutVision(ctx context.Context, planID int64, text string) (models.StrategicVision, error)
	GetVision(ctx context.Context, planID int64) (models.StrategicVision, error)
}

// registerVisionRoutes adds the strategic vision, written by the
// coordinator while step 7 is worked on, and the action-plan document
// that step 7 drafts; both are public reads.
func (s *Server) registerVisionRoutes(api *echo.Group, auth echo.MiddlewareFunc) {
	api.GET("/action-plans/:id/vision", s.getVision)
	api.PUT("/action-plans/:id/vision", s.putVision, auth)
	api.GET("/action-plans/:id/document", s.getDocument)
}

// visionRequest is the body of PUT .../vision.
type visionRequest struct {
	Text string `json:"text"`
}

// VisionResponse is the plan's strategic vision.
type VisionResponse struct {
	Text      string `json:"text"`
	UpdatedAt string `json:"updated_at"`
}

func (s *Server) getVision(c echo.Context) error {
	p, err := s.planOr404(c)
	if err != nil {
		return err
	}
	v, err := s.store.GetVision(c.Request().Context(), p.ID)
	if errors.Is(err, models.ErrNotFound) {
		return ogp.Errorf(ogp.ENotFound, "no_vision", "action plan %d has no strategic vision yet", p.ID)
	}
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, VisionResponse{Text: v.Text, UpdatedAt: rfc3339(v.UpdatedAt)})
}

func (s *Server) putVision(c echo.Context) error {
	p, err := s.planOr404(c)
	if err != nil {
		return err
	}
	if err := s.requireCoordinator(c, p.ID); err != nil {
		return err
	}
	var req visionRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	if err := ogp.ValidateVision(req.Text); err != nil {
		return err
	}
	v, err := s.store.PutVision(c.Request().Context(), p.ID, strings.TrimSpace(req.Text))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, VisionResponse{Text: v.Text, UpdatedAt: rfc3339(v.UpdatedAt)})
}
