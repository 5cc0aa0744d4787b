package web

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/ogplocal/ogp"
	"github.com/ogplocal/ogp/models"
)

// Cookie names. The session cookie holds a random token stored hashed;
// the CSRF cookie holds the double-submit token every form echoes.
const (
	sessionCookie = "ogp_session"
	csrfCookie    = "ogp_csrf"
	langCookie    = "ogp_lang"
)

// Context keys.
const (
	ctxUser    = "web.user"
	ctxCSRF    = "web.csrf"
	ctxLang    = "web.lang"
	ctxSession = "web.session"
)

func randomToken() string {
	var b [32]byte
	_, _ = rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// secure tells whether cookies must carry the Secure flag: always behind
// TLS, so a session never travels in clear once the site is on https.
func (w *Web) secure(c echo.Context) bool {
	return w.cfg.SecureCookies || c.Scheme() == "https"
}

func (w *Web) setCookie(c echo.Context, name, value string, maxAge int) {
	// Secure is set whenever the site is served over TLS (see secure).
	c.SetCookie(&http.Cookie{Name: name, Value: value, Path: "/", MaxAge: maxAge, //nolint:gosec // HttpOnly and SameSite always; Secure behind TLS
		HttpOnly: true, Secure: w.secure(c), SameSite: http.SameSiteLaxMode})
}

// session loads the signed-in user from the session cookie. An unknown or
// expired session is cleared, and the request goes on anonymously.
func (w *Web) session(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		ck, err := c.Cookie(sessionCookie)
		if err != nil || ck.Value == "" {
			return next(c)
		}
		u, err := w.cfg.Store.SessionUser(c.Request().Context(), ck.Value, w.cfg.SessionTTL)
		switch {
		case errors.Is(err, models.ErrNotFound):
			w.setCookie(c, sessionCookie, "", -1)
			c.Set("web.expired", true)
		case err != nil:
			return err
		default:
			c.Set(ctxUser, &u)
			c.Set(ctxSession, ck.Value)
		}
		return next(c)
	}
}

// user is the signed-in user, or nil.
func (w *Web) user(c echo.Context) *models.User {
	u, _ := c.Get(ctxUser).(*models.User)
	return u
}

// requireUser sends anonymous visitors to the sign-in page and back.
func (w *Web) requireUser(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if w.user(c) == nil {
			return errNotSignedIn
		}
		return next(c)
	}
}

// signInURL is the sign-in page that returns to where the visitor was.
func signInURL(c echo.Context) string {
	next := c.Request().URL.RequestURI()
	if c.Request().Method != http.MethodGet {
		next = c.Request().Referer()
		if u, err := url.Parse(next); err == nil {
			next = u.RequestURI()
		}
	}
	v := url.Values{"next": {next}}
	if expired, _ := c.Get("web.expired").(bool); expired {
		v.Set("expired", "1")
	}
	return "/signin?" + v.Encode()
}

// localPath keeps a post-sign-in redirect on this site.
func localPath(p string) string {
	if !strings.HasPrefix(p, "/") || strings.HasPrefix(p, "//") || strings.HasPrefix(p, "/\\") || strings.HasPrefix(p, "/api/") {
		return "/work"
	}
	return p
}

// csrf is the double-submit check: every form carries the token of the
// CSRF cookie, which another site can neither read nor set. Requests a
// browser marks as cross-site are refused outright.
func (w *Web) csrf(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		token := ""
		if ck, err := c.Cookie(csrfCookie); err == nil && len(ck.Value) >= 32 {
			token = ck.Value
		}
		switch c.Request().Method {
		case http.MethodGet, http.MethodHead, http.MethodOptions:
			if token == "" {
				token = randomToken()
				w.setCookie(c, csrfCookie, token, 0)
			}
		default:
			if c.Request().Header.Get("Sec-Fetch-Site") == "cross-site" {
				return ogp.Errorf(ogp.EForbidden, "csrf_cross_site", "this form was sent from another site")
			}
			sent := c.FormValue("csrf")
			if sent == "" {
				sent = c.Request().Header.Get("X-CSRF-Token")
			}
			if token == "" || subtle.ConstantTimeCompare([]byte(sent), []byte(token)) != 1 {
				return ogp.Errorf(ogp.EForbidden, "csrf_invalid", "the form has expired or did not come from this site; reload the page and try again")
			}
		}
		c.Set(ctxCSRF, token)
		return next(c)
	}
}

// rotateCSRF gives a fresh CSRF token, on sign-in and sign-out, so a
// token planted before sign-in is worthless after it.
func (w *Web) rotateCSRF(c echo.Context) {
	t := randomToken()
	w.setCookie(c, csrfCookie, t, 0)
	c.Set(ctxCSRF, t)
}
