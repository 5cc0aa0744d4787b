package server

import "github.com/labstack/echo/v4"

// Placeholder for the team content routes; replaced by their implementation.
type teamStore interface{}

func (s *Server) registerTeamRoutes(*echo.Group, echo.MiddlewareFunc) {}
