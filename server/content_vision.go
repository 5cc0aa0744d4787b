package server

import "github.com/labstack/echo/v4"

// Placeholder for the vision content routes; replaced by their implementation.
type visionStore interface{}

func (s *Server) registerVisionRoutes(*echo.Group, echo.MiddlewareFunc) {}
