package server

import "github.com/labstack/echo/v4"

// Placeholder for the commitment content routes; replaced by their implementation.
type commitmentStore interface{}

func (s *Server) registerCommitmentRoutes(*echo.Group, echo.MiddlewareFunc) {}
