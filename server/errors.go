package server

import (
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/ogplocal/ogp"
	"github.com/ogplocal/ogp/models"
)

// statusByKind maps each domain error kind to its HTTP status, in one
// table, so every handler answers the same way.
var statusByKind = map[string]int{
	ogp.EInvalid:         http.StatusBadRequest,
	ogp.EUnauthorized:    http.StatusUnauthorized,
	ogp.EForbidden:       http.StatusForbidden,
	ogp.ENotFound:        http.StatusNotFound,
	ogp.EConflict:        http.StatusConflict,
	ogp.ETooLarge:        http.StatusRequestEntityTooLarge,
	ogp.EUnprocessable:   http.StatusUnprocessableEntity,
	ogp.EUnavailable:     http.StatusServiceUnavailable,
	ogp.EInternal:        http.StatusInternalServerError,
	kindMethodNotAllowed: http.StatusMethodNotAllowed,
}

// kindMethodNotAllowed exists only at the HTTP edge.
const kindMethodNotAllowed = "method_not_allowed"

// Problem is an RFC 9457 problem detail with a stable machine-readable
// code clients can switch on.
type Problem struct {
	Type     string `json:"type"`
	Title    string `json:"title"`
	Status   int    `json:"status"`
	Detail   string `json:"detail"`
	Code     string `json:"code"`
	Instance string `json:"instance,omitempty"`
	// Violations lists every unmet rule when a step's gate refuses a
	// submission (code step_rules_unmet).
	Violations []ogp.Violation `json:"violations,omitempty"`
}

// errorHandler is Echo's central error handler: handlers return errors,
// and this turns them into problem+json. Internal errors are logged and
// shown only as "internal error".
func errorHandler(log *slog.Logger) echo.HTTPErrorHandler {
	return func(err error, c echo.Context) {
		if c.Response().Committed {
			return
		}
		e := toDomain(err)
		status := statusByKind[e.Kind]
		if status == 0 {
			status = http.StatusInternalServerError
		}
		if status >= 500 {
			// The full error is logged; the client sees only the domain message.
			log.Error("request failed", "method", c.Request().Method, "path", c.Path(), "error", err)
			if e.Kind == ogp.EInternal {
				e.Message = "internal error"
			}
		}
		p := Problem{
			Type:       "https://ogp-local.dev/problems/" + e.Code,
			Title:      http.StatusText(status),
			Status:     status,
			Detail:     e.Message,
			Code:       e.Code,
			Instance:   c.Request().URL.Path,
			Violations: e.Violations,
		}
		b, _ := json.Marshal(p)
		if c.Request().Method == http.MethodHead {
			_ = c.NoContent(status)
			return
		}
		_ = c.Blob(status, "application/problem+json", b)
	}
}

// toDomain classifies any error the handlers may return.
func toDomain(err error) *ogp.Error {
	var de *ogp.Error
	if errors.As(err, &de) {
		return de
	}
	var ef *engineFailure
	if errors.As(err, &ef) {
		return &ogp.Error{Kind: ogp.EUnavailable, Code: "engine_unavailable", Message: "the workflow engine is unavailable; retry later with the same Idempotency-Key"}
	}
	var he *echo.HTTPError
	if errors.As(err, &he) {
		switch he.Code {
		case http.StatusNotFound:
			return ogp.Errorf(ogp.ENotFound, "route_not_found", "no such route")
		case http.StatusMethodNotAllowed:
			return &ogp.Error{Kind: kindMethodNotAllowed, Code: "method_not_allowed", Message: "method not allowed on this route"}
		case http.StatusRequestEntityTooLarge:
			return ogp.Errorf(ogp.ETooLarge, "body_too_large", "request body is larger than 1 MiB")
		case http.StatusUnauthorized:
			return ogp.Errorf(ogp.EUnauthorized, "unauthorized", "a valid bearer token is required")
		}
		if he.Code >= 400 && he.Code < 500 {
			return ogp.Errorf(ogp.EInvalid, "bad_request", "%v", he.Message)
		}
	}
	switch {
	case errors.Is(err, models.ErrNotFound):
		return ogp.Errorf(ogp.ENotFound, "not_found", "not found")
	case errors.Is(err, models.ErrConflict):
		return ogp.Errorf(ogp.EConflict, "conflict", "already exists")
	case errors.Is(err, models.ErrNotEditable):
		return ogp.Errorf(ogp.EConflict, "step_content_locked", "%v", err)
	case errors.Is(err, models.ErrInvalid):
		return ogp.Errorf(ogp.EUnprocessable, "invalid", "the database refused the values given")
	case models.Unavailable(err):
		return ogp.Errorf(ogp.EUnavailable, "database_unavailable", "the database is unavailable; retry later with the same Idempotency-Key")
	}
	return &ogp.Error{Kind: ogp.EInternal, Code: "internal", Message: err.Error()}
}
