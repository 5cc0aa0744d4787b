package server

import "github.com/labstack/echo/v4"

// Placeholder for the awareness content routes; replaced by their implementation.
type awarenessStore interface{}

func (s *Server) registerAwarenessRoutes(*echo.Group, echo.MiddlewareFunc) {}
