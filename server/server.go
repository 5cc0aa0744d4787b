// Package server is the HTTP API of the OGP Local engine (Echo v4, JSON
// under /api/v1). Reads come from the database projection; every change
// goes to the plan's workflow as an update and answers with the state the
// workflow computed, so a client always reads its own writes.
package server

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"reflect"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"

	"github.com/ogplocal/ogp"
	"github.com/ogplocal/ogp/models"
)

// MaxBodyBytes bounds request bodies.
const MaxBodyBytes = 1 << 20

// Store is what the API reads and writes in the database.
type Store interface {
	Ping(ctx context.Context) error
	CreateUser(ctx context.Context, name, email string, isAdmin bool, tokenPlain string) (models.User, error)
	UserByToken(ctx context.Context, plain string) (models.User, error)
	UserByID(ctx context.Context, id int64) (models.User, error)
	UsersByIDs(ctx context.Context, ids []int64) (map[int64]models.User, error)
	CreatePlan(ctx context.Context, p *models.ActionPlan) (existing bool, err error)
	DeletePlan(ctx context.Context, id int64) error
	GetPlan(ctx context.Context, id int64) (models.ActionPlan, error)
	ListPlans(ctx context.Context, status string, limit, offset int) ([]models.ActionPlan, int64, error)
	PlanSteps(ctx context.Context, planID int64) ([]models.Step, error)
	PlanDecisions(ctx context.Context, planID int64) ([]models.Decision, error)
	ListMembers(ctx context.Context, planID int64) ([]models.MemberRow, error)
	ApplyProjection(ctx context.Context, p models.Projection) error
	ListEvents(ctx context.Context, planID int64, limit, offset int) ([]models.AuditEvent, int64, error)
	ListNotifications(ctx context.Context, userID int64, unreadOnly bool, limit, offset int) ([]models.Notification, int64, error)
	MarkNotificationRead(ctx context.Context, userID, id int64) (models.Notification, error)
	ContentStore
	accountStore
}

// Server holds the API's dependencies.
type Server struct {
	echo   *echo.Echo
	store  Store
	engine Engine
	log    *slog.Logger
	now    func() time.Time
	// account holds the account routes' options and limits (account.go).
	account accountState
}

// New builds the API.
func New(store Store, engine Engine, log *slog.Logger) *Server {
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	s := &Server{echo: echo.New(), store: store, engine: engine, log: log, now: time.Now}
	e := s.echo
	e.HideBanner, e.HidePort = true, true
	e.HTTPErrorHandler = errorHandler(log)
	e.Use(middleware.Recover())
	e.Use(middleware.BodyLimit("1M"))
	e.Use(s.requestLog)

	e.GET("/healthz", s.healthz)
	e.GET("/readyz", s.readyz)

	api := e.Group("/api/v1")
	api.GET("/openapi.json", serveOpenAPI)
	api.GET("/action-plans", s.listPlans)
	api.GET("/action-plans/:id", s.getPlan)
	api.GET("/action-plans/:id/members", s.listMembers)
	api.GET("/action-plans/:id/events", s.listEvents)

	// Authentication is attached per route, not to a group: a group
	// middleware would also guard Echo's catch-all routes and answer 401
	// where 404 is the truth.
	auth := s.authenticate
	api.POST("/users", s.createUser, auth)
	api.GET("/me", s.me, auth)
	api.POST("/action-plans", s.createPlan, auth)
	api.PUT("/action-plans/:id/settings", s.setSettings, auth)
	api.PUT("/action-plans/:id/members/:user_id", s.setMember, auth)
	api.DELETE("/action-plans/:id/members/:user_id", s.removeMember, auth)
	api.POST("/action-plans/:id/steps/:n/submit", s.submitStep, auth)
	api.POST("/action-plans/:id/steps/:n/decisions", s.decideStep, auth)
	api.PUT("/action-plans/:id/steps/:n/due-date", s.setDueDate, auth)
	api.GET("/notifications", s.listNotifications, auth)
	api.POST("/notifications/:id/read", s.readNotification, auth)
	s.registerContentRoutes(api, auth)
	s.registerAccountRoutes(api, auth)
	s.registerUserRoutes(api, auth)
	s.registerStepCheckRoutes(api, auth)
	return s
}

// userKey carries a user already authenticated in-process.
type userKey struct{}

// WithUser marks a request context as coming from u, authenticated by the
// caller. The web workspace uses it to call the API in-process for its
// signed-in user (by session cookie), so every change a page makes takes
// the same handlers, rules and audit trail as a bearer-token client. A
// context value cannot be set from the network, so this opens no door.
func WithUser(ctx context.Context, u models.User) context.Context {
	return context.WithValue(ctx, userKey{}, u)
}

// Echo returns the Echo instance, so the web pages are served by the
// same router, middleware and process as the API.
func (s *Server) Echo() *echo.Echo { return s.echo }

// Handler returns the http.Handler to serve.
func (s *Server) Handler() http.Handler { return s.echo }

// Routes lists method and path of every route, for the OpenAPI check.
func (s *Server) Routes() []*echo.Route { return s.echo.Routes() }

// requestLog logs every request once, with its outcome, through slog.
func (s *Server) requestLog(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		start := time.Now()
		err := next(c)
		if err != nil {
			c.Error(err)
		}
		s.log.Info("http", "method", c.Request().Method, "path", c.Request().URL.Path,
			"status", c.Response().Status, "duration_ms", time.Since(start).Milliseconds())
		return nil
	}
}

// authenticate requires a bearer token and loads its user.
func (s *Server) authenticate(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if u, ok := c.Request().Context().Value(userKey{}).(models.User); ok {
			c.Set("user", u)
			return next(c)
		}
		h := c.Request().Header.Get(echo.HeaderAuthorization)
		token, ok := strings.CutPrefix(h, "Bearer ")
		if !ok || strings.TrimSpace(token) == "" {
			return ogp.Errorf(ogp.EUnauthorized, "unauthorized", "a bearer token is required: Authorization: Bearer <token>")
		}
		u, err := s.store.UserByToken(c.Request().Context(), strings.TrimSpace(token))
		if errors.Is(err, models.ErrNotFound) {
			return ogp.Errorf(ogp.EUnauthorized, "invalid_token", "the token is unknown or revoked")
		}
		if err != nil {
			return err
		}
		c.Set("user", u)
		return next(c)
	}
}

// optionalUser identifies the caller of a public route that shows more
// to some users (a coordinator sees pending proposals and contacts): the
// in-process user of the web, or a valid bearer token. No or an unknown
// token is simply anonymous.
func (s *Server) optionalUser(c echo.Context) (models.User, bool, error) {
	if u, ok := c.Request().Context().Value(userKey{}).(models.User); ok {
		return u, true, nil
	}
	token, ok := strings.CutPrefix(c.Request().Header.Get(echo.HeaderAuthorization), "Bearer ")
	if !ok || strings.TrimSpace(token) == "" {
		return models.User{}, false, nil
	}
	u, err := s.store.UserByToken(c.Request().Context(), strings.TrimSpace(token))
	if errors.Is(err, models.ErrNotFound) {
		return models.User{}, false, nil
	}
	if err != nil {
		return models.User{}, false, err
	}
	return u, true, nil
}

func currentUser(c echo.Context) models.User {
	u, _ := c.Get("user").(models.User)
	return u
}

func actorOf(c echo.Context) ogp.Actor {
	u := currentUser(c)
	return ogp.Actor{UserID: u.ID, IsAdmin: u.IsAdmin}
}

// decodeJSON reads a JSON object strictly: unknown fields, trailing data
// and wrong types are refused with a message saying what is wrong.
func decodeJSON(c echo.Context, dst any) error {
	body, err := readBody(c)
	if err != nil {
		return err
	}
	return parseJSON(body, dst)
}

// parseJSON is decodeJSON's pure part, fuzzed on its own. The body must
// be one JSON object whose keys are exactly the json names of dst's fields
// (encoding/json alone would match keys case-insensitively).
func parseJSON(body []byte, dst any) error {
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) == 0 {
		return ogp.Errorf(ogp.EInvalid, "empty_body", "a JSON object body is required")
	}
	if trimmed[0] != '{' {
		return ogp.Errorf(ogp.EInvalid, "malformed_json", "the body must be a JSON object")
	}
	var keys map[string]json.RawMessage
	if err := decodeOne(trimmed, &keys); err != nil {
		return err
	}
	known := jsonFieldNames(dst)
	for k := range keys {
		if known != nil && !known[k] {
			return ogp.Errorf(ogp.EInvalid, "unknown_field", "unknown field %q", k)
		}
	}
	return decodeOne(trimmed, dst)
}

// decodeOne decodes exactly one JSON value, refusing trailing data.
func decodeOne(body []byte, dst any) error {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		var typeErr *json.UnmarshalTypeError
		var syntaxErr *json.SyntaxError
		switch {
		case errors.As(err, &typeErr):
			return ogp.Errorf(ogp.EInvalid, "invalid_field", "field %q must be of type %s", typeErr.Field, typeErr.Type)
		case errors.As(err, &syntaxErr):
			return ogp.Errorf(ogp.EInvalid, "malformed_json", "malformed JSON at byte %d", syntaxErr.Offset)
		case strings.HasPrefix(err.Error(), "json: unknown field "):
			return ogp.Errorf(ogp.EInvalid, "unknown_field", "unknown field %s", strings.TrimPrefix(err.Error(), "json: unknown field "))
		}
		return ogp.Errorf(ogp.EInvalid, "malformed_json", "malformed JSON: %v", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return ogp.Errorf(ogp.EInvalid, "malformed_json", "unexpected data after the JSON object")
	}
	return nil
}

// jsonFieldNames lists the JSON names of a struct's fields; a map
// destination accepts any key.
func jsonFieldNames(dst any) map[string]bool {
	t := reflect.TypeOf(dst)
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	names := map[string]bool{}
	if t.Kind() != reflect.Struct {
		return nil
	}
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" {
			continue
		}
		if name == "" {
			name = f.Name
		}
		names[name] = true
	}
	return names
}

func (s *Server) healthz(c echo.Context) error {
	return c.JSON(http.StatusOK, map[string]string{"status": "ok"})
}

func (s *Server) readyz(c echo.Context) error {
	ctx, cancel := context.WithTimeout(c.Request().Context(), 3*time.Second)
	defer cancel()
	var failing []string
	if err := s.store.Ping(ctx); err != nil {
		failing = append(failing, "database: "+err.Error())
	}
	if err := s.engine.Ping(ctx); err != nil {
		failing = append(failing, "temporal: "+err.Error())
	}
	if len(failing) > 0 {
		return ogp.Errorf(ogp.EUnavailable, "not_ready", "not ready: %s", strings.Join(failing, "; "))
	}
	return c.JSON(http.StatusOK, map[string]string{"status": "ready"})
}
