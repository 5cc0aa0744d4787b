package server

import "github.com/labstack/echo/v4"

// Placeholder for the problem content routes; replaced by their implementation.
type problemStore interface{}

func (s *Server) registerProblemRoutes(*echo.Group, echo.MiddlewareFunc) {}
