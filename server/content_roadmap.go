package server

import "github.com/labstack/echo/v4"

// Placeholder for the roadmap content routes; replaced by their implementation.
type roadmapStore interface{}

func (s *Server) registerRoadmapRoutes(*echo.Group, echo.MiddlewareFunc) {}
