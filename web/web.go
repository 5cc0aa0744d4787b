// Package web is the browser face of the engine: a public open-government
// portal anyone can read without an account, and a workspace where the
// people who run a plan sign in and act. It is served by the same Echo
// instance as the JSON API, and every change a page makes is a call to
// that API in-process, so a form can never skip a rule, an audit event or
// the idempotency the API gives curl users.
package web

import (
	"context"
	"embed"
	"errors"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/ogplocal/ogp/models"
	"github.com/ogplocal/ogp/server"
)

//go:embed templates static locales
var files embed.FS

// DefaultSessionTTL is how long a session lasts without use: long enough
// for a working day, short enough that a forgotten shared computer does
// not stay signed in.
const DefaultSessionTTL = 12 * time.Hour

// Store is what the web reads and writes itself: accounts and sessions.
// Everything else goes through the API.
type Store interface {
	Authenticate(ctx context.Context, email, password string) (models.User, error)
	CreateSession(ctx context.Context, userID int64, ttl time.Duration) (string, error)
	SessionUser(ctx context.Context, plain string, ttl time.Duration) (models.User, error)
	DeleteSession(ctx context.Context, plain string) error
	AccountLinkUser(ctx context.Context, plain string) (models.User, models.AccountLink, error)
	UseAccountLink(ctx context.Context, plain, newPassword string) (models.User, error)
}

// Config holds the web's dependencies and settings.
type Config struct {
	// API is the JSON API every page action goes through.
	API *server.Server
	// Store holds accounts and sessions.
	Store Store
	// DB, when set, lets pages read projections directly (lists where the
	// API has no single call); nil in handler tests that do not need it.
	DB  *models.DB
	Log *slog.Logger
	// SessionTTL is the idle lifetime of a session (DefaultSessionTTL).
	SessionTTL time.Duration
	// SecureCookies forces the Secure flag; otherwise it is set when the
	// request arrived over TLS (directly or as X-Forwarded-Proto).
	SecureCookies bool
	// Now is the clock (time.Now).
	Now func() time.Time
}

// Web serves the pages.
type Web struct {
	cfg     Config
	log     *slog.Logger
	pages   *pages
	catalog *catalog
	static  fs.FS
	// signInByAddress and signInByAccount slow down password guessing,
	// from one address and against one account.
	signInByAddress, signInByAccount *server.RateLimiter
}

// New builds the web; it fails only if an embedded template or catalog
// is broken, which the tests catch before any release.
func New(cfg Config) (*Web, error) {
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if cfg.SessionTTL <= 0 {
		cfg.SessionTTL = DefaultSessionTTL
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	w := &Web{cfg: cfg, log: cfg.Log,
		signInByAddress: server.NewRateLimiter(20, 15*time.Minute, 100_000),
		signInByAccount: server.NewRateLimiter(10, 15*time.Minute, 100_000)}
	var err error
	if w.catalog, err = loadCatalog(files); err != nil {
		return nil, err
	}
	if w.pages, err = loadPages(files, w); err != nil {
		return nil, err
	}
	if w.static, err = fs.Sub(files, "static"); err != nil {
		return nil, err
	}
	return w, nil
}

// router registers web routes with the web's middleware on each route
// rather than on a group: an Echo group with middleware would also claim
// every unmatched path, the API's included.
type router struct {
	e  *echo.Echo
	mw []echo.MiddlewareFunc
}

func (r router) wrap(h echo.HandlerFunc, m []echo.MiddlewareFunc) echo.HandlerFunc {
	for i := len(m) - 1; i >= 0; i-- {
		h = m[i](h)
	}
	for i := len(r.mw) - 1; i >= 0; i-- {
		h = r.mw[i](h)
	}
	return h
}

// GET registers a page.
func (r router) GET(path string, h echo.HandlerFunc, m ...echo.MiddlewareFunc) {
	r.e.GET(path, r.wrap(h, m))
}

// POST registers a form target.
func (r router) POST(path string, h echo.HandlerFunc, m ...echo.MiddlewareFunc) {
	r.e.POST(path, r.wrap(h, m))
}

// Register adds every page, form target and asset to e, and makes errors
// outside the API render as pages.
func (w *Web) Register(e *echo.Echo) {
	apiErrors := e.HTTPErrorHandler
	e.HTTPErrorHandler = func(err error, c echo.Context) {
		if isAPIPath(c.Request().URL.Path) {
			apiErrors(err, c)
			return
		}
		w.renderError(err, c)
	}
	static := http.StripPrefix("/static/", http.FileServerFS(w.static))
	e.GET("/static/*", echo.WrapHandler(http.HandlerFunc(func(rw http.ResponseWriter, req *http.Request) {
		// Files only: no directory listings of the embedded assets.
		if strings.HasSuffix(req.URL.Path, "/") {
			http.NotFound(rw, req)
			return
		}
		rw.Header().Set("Cache-Control", "public, max-age=86400")
		static.ServeHTTP(rw, req)
	})))
	r := router{e: e, mw: []echo.MiddlewareFunc{w.securityHeaders, w.language, w.session, w.csrf}}
	w.registerAuthRoutes(r)
	w.registerAreaRoutes(r)
}

// isAPIPath tells the API's paths (problem+json errors) from the pages'.
func isAPIPath(p string) bool {
	return strings.HasPrefix(p, "/api/") || p == "/healthz" || p == "/readyz"
}

// securityHeaders keeps pages from being framed or sniffed, and limits
// scripts to our own embedded assets.
func (w *Web) securityHeaders(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		h := c.Response().Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'self'")
		return next(c)
	}
}

// errNotSignedIn is returned by handlers that need a user; renderError
// turns it into a redirect to the sign-in page.
var errNotSignedIn = errors.New("not signed in")
