package web

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/ogplocal/ogp/models"
)

func (w *Web) registerAuthRoutes(r router) {
	r.POST("/language", w.setLanguage)
	r.GET("/signin", w.signInPage)
	r.POST("/signin", w.signIn)
	r.POST("/signout", w.signOut)
	r.GET("/account/forgot", w.forgotPage)
	r.POST("/account/forgot", w.forgot)
	r.GET("/account/password", w.passwordPage)
	r.POST("/account/password", w.setPassword)
}

type signInPage struct {
	Next    string
	Expired bool
}

func (w *Web) signInPage(c echo.Context) error {
	if w.user(c) != nil {
		return w.redirect(c, localPath(c.QueryParam("next")))
	}
	return w.render(c, http.StatusOK, "auth/signin.html", signInPage{Next: c.QueryParam("next"), Expired: c.QueryParam("expired") == "1"})
}

// signIn checks the password and starts a session. One message for an
// unknown address and a wrong password, so the form tells nobody who has
// an account.
func (w *Web) signIn(c echo.Context) error {
	email, password, next := strings.TrimSpace(c.FormValue("email")), c.FormValue("password"), c.FormValue("next")
	now := w.cfg.Now()
	okAddr, waitAddr := w.signInByAddress.Allow(w.cfg.API.ClientAddress(c), now)
	okAcct, waitAcct := w.signInByAccount.Allow(strings.ToLower(email), now)
	if !okAddr || !okAcct {
		forget(c, "password")
		wait := max(waitAddr, waitAcct)
		c.Response().Header().Set("Retry-After", strconv.Itoa(int(wait.Seconds())+1))
		return w.renderForm(c, "auth/signin.html", signInPage{Next: next},
			&Problem{Status: http.StatusTooManyRequests, Code: "too_many_sign_ins", Detail: w.T(c, "auth.signin.slow", int(wait.Minutes())+1)},
			map[string]string{"too_many_sign_ins": "password"})
	}
	u, err := w.cfg.Store.Authenticate(c.Request().Context(), email, password)
	if errors.Is(err, models.ErrBadCredentials) || (err == nil && email == "") {
		forget(c, "password")
		return w.renderForm(c, "auth/signin.html", signInPage{Next: next},
			&Problem{Status: http.StatusUnauthorized, Code: "bad_credentials", Detail: w.T(c, "auth.signin.bad")}, map[string]string{"bad_credentials": "password"})
	}
	if err != nil {
		return err
	}
	token, err := w.cfg.Store.CreateSession(c.Request().Context(), u.ID, w.cfg.SessionTTL)
	if err != nil {
		return err
	}
	// A session cookie without Max-Age ends with the browser; the server
	// side expires it after SessionTTL of inactivity anyway.
	w.setCookie(c, sessionCookie, token, 0)
	w.rotateCSRF(c)
	w.flash(c, "auth.signin.done")
	return w.redirect(c, localPath(next))
}

func (w *Web) signOut(c echo.Context) error {
	if token, ok := c.Get(ctxSession).(string); ok {
		if err := w.cfg.Store.DeleteSession(c.Request().Context(), token); err != nil && !errors.Is(err, models.ErrNotFound) {
			return err
		}
	}
	w.setCookie(c, sessionCookie, "", -1)
	w.rotateCSRF(c)
	w.flash(c, "auth.signout.done")
	return w.redirect(c, "/")
}

func (w *Web) forgotPage(c echo.Context) error {
	return w.render(c, http.StatusOK, "auth/forgot.html", nil)
}

// forgot asks the API for a reset link; the answer is the same whether
// the address has an account or not.
func (w *Web) forgot(c echo.Context) error {
	err := w.api(c, http.MethodPost, "/password-reset", map[string]string{"email": strings.TrimSpace(c.FormValue("email"))}, nil)
	if err != nil {
		return w.renderForm(c, "auth/forgot.html", nil, err, map[string]string{"invalid_email": "email"})
	}
	w.flash(c, "auth.forgot.sent")
	return w.redirect(c, "/signin")
}

type passwordPage struct {
	Token string
	User  models.User
	// Purpose is "invitation" or "password_reset".
	Purpose string
}

func (w *Web) passwordPage(c echo.Context) error {
	// The token is in this page's address: never pass it on as a referrer.
	c.Response().Header().Set("Referrer-Policy", "no-referrer")
	token := c.QueryParam("token")
	u, link, err := w.cfg.Store.AccountLinkUser(c.Request().Context(), token)
	if errors.Is(err, models.ErrNotFound) {
		return w.render(c, http.StatusGone, "auth/link_invalid.html", nil)
	}
	if err != nil {
		return err
	}
	return w.render(c, http.StatusOK, "auth/password.html", passwordPage{Token: token, User: u, Purpose: link.Purpose})
}

func (w *Web) setPassword(c echo.Context) error {
	token, password := c.FormValue("token"), c.FormValue("password")
	if password != c.FormValue("confirm") {
		return w.renderPasswordForm(c, token, &Problem{Status: http.StatusUnprocessableEntity, Code: "password_mismatch", Detail: w.T(c, "auth.password.mismatch"),
			Violations: nil})
	}
	err := w.api(c, http.MethodPost, "/account/password", map[string]string{"token": token, "password": password}, nil)
	var p *Problem
	if errors.As(err, &p) && p.Code == "invalid_link" {
		return w.render(c, http.StatusGone, "auth/link_invalid.html", nil)
	}
	if err != nil {
		return w.renderPasswordForm(c, token, err)
	}
	w.flash(c, "auth.password.done")
	return w.redirect(c, "/signin")
}

func (w *Web) renderPasswordForm(c echo.Context, token string, err error) error {
	page := passwordPage{Token: token}
	if u, link, lerr := w.cfg.Store.AccountLinkUser(c.Request().Context(), token); lerr == nil {
		page.User, page.Purpose = u, link.Purpose
	}
	forget(c, "password", "confirm")
	return w.renderForm(c, "auth/password.html", page, err, map[string]string{"weak_password": "password", "password_mismatch": "confirm"})
}
