package web

import (
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/ogplocal/ogp"
	"github.com/ogplocal/ogp/server"
)

// The account pages: the signed-in person's API tokens (create, shown
// once; revoke), notification channels and daily digest, calendar feed
// (with its reset), and a link to set a new password; and, for
// administrators, inviting people. Every read and change is a call to
// the JSON API in-process.
//
// The API has no route to change a password while signed in, so the
// account page sends the person the same single-use link as "forgot your
// password" (POST /password-reset with their own address). It has no
// route listing users either, so the administrators' page invites people
// but cannot list them.

func init() { areas = append(areas, (*Web).registerAccountPages) }

const (
	accountTemplate = "account/account.html"
	usersTemplate   = "account/users.html"
)

func (w *Web) registerAccountPages(r router) {
	u := w.requireUser
	r.GET("/account", w.accountPage, u)
	r.POST("/account/tokens", w.accountCreateToken, u)
	r.POST("/account/tokens/:tid/revoke", w.accountRevokeToken, u)
	r.POST("/account/notifications", w.accountSaveNotifications, u)
	r.POST("/account/calendar/reset", w.accountResetCalendar, u)
	r.POST("/account/password-link", w.accountPasswordLink, u)
	r.GET("/account/users", w.accountUsersPage, u, w.requireAdmin)
	r.POST("/account/users", w.accountInvite, u, w.requireAdmin)
	r.POST("/account/users/:uid/invitation", w.accountReinvite, u, w.requireAdmin)
}

// requireAdmin lets only administrators through (after requireUser).
func (w *Web) requireAdmin(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if u := w.user(c); u == nil || !u.IsAdmin {
			return ogp.Errorf(ogp.EForbidden, "admin_only", "%s", w.T(c, "account.users.forbidden"))
		}
		return next(c)
	}
}

// --- my account

type accountPage struct {
	Tokens []server.TokenResponse
	// NewToken is the token just created, shown this once.
	NewToken *server.CreatedTokenResponse
	Settings server.NotificationSettingsResponse
	Hours    []monOption
	// Calendar is the personal feed's URL; Webcal the same for calendar
	// applications that subscribe on a click.
	Calendar string
	Webcal   template.URL
	// NotifyForm: the notification form is the one shown again (its
	// checkboxes then show what was typed).
	NotifyForm bool
}

func (w *Web) accountData(c echo.Context) (*accountPage, error) {
	page := &accountPage{}
	var tokens server.TokenList
	if err := w.api(c, http.MethodGet, "/me/tokens", nil, &tokens); err != nil {
		return nil, err
	}
	page.Tokens = tokens.Items
	if err := w.api(c, http.MethodGet, "/me/notification-settings", nil, &page.Settings); err != nil {
		return nil, err
	}
	var cal server.CalendarSubscription
	if err := w.api(c, http.MethodGet, "/me/calendar", nil, &cal); err != nil {
		return nil, err
	}
	page.Calendar = cal.URL
	// webcal: opens the calendar application; html/template allows only
	// http(s) and mailto links unless told the URL is safe, which it is:
	// the API built it on this site's address.
	for _, scheme := range []string{"https://", "http://"} {
		if rest, ok := strings.CutPrefix(cal.URL, scheme); ok {
			// The API built this feed address (a secret path on our own host); only its scheme changes.
			page.Webcal = template.URL("webcal://" + rest) //nolint:gosec // not user input
			break
		}
	}
	for h := 0; h < 24; h++ {
		page.Hours = append(page.Hours, monOption{Value: strconv.Itoa(h), Label: fmt.Sprintf("%02d:00 UTC", h)})
	}
	return page, nil
}

func (w *Web) accountPage(c echo.Context) error {
	page, err := w.accountData(c)
	if err != nil {
		return err
	}
	return w.render(c, http.StatusOK, accountTemplate, page)
}

// accountRefused shows the account page again with the API's refusal.
func (w *Web) accountRefused(c echo.Context, err error, fieldOf map[string]string, edit func(*accountPage)) error {
	page, lerr := w.accountData(c)
	if lerr != nil {
		return lerr
	}
	if edit != nil {
		edit(page)
	}
	return w.renderForm(c, accountTemplate, page, err, fieldOf)
}

// accountCreateToken creates a token and shows it on the answer itself:
// a token is never stored to be shown later, so this page is the only
// place it appears (the API's creation is not idempotent for the same
// reason).
func (w *Web) accountCreateToken(c echo.Context) error {
	var out server.CreatedTokenResponse
	if err := w.api(c, http.MethodPost, "/me/tokens", map[string]string{"name": strings.TrimSpace(c.FormValue("token_name"))}, &out); err != nil {
		return w.accountRefused(c, err, map[string]string{"invalid_token_name": "token_name", "too_many_tokens": "token_name"}, nil)
	}
	page, err := w.accountData(c)
	if err != nil {
		return err
	}
	page.NewToken = &out
	v := w.view(c, page)
	v.Flash = w.T(c, "account.tokens.created")
	return w.renderView(c, http.StatusOK, accountTemplate, v)
}

func (w *Web) accountRevokeToken(c echo.Context) error {
	id, err := pathID(c, "tid", "token")
	if err != nil {
		return err
	}
	if err := w.api(c, http.MethodDelete, fmt.Sprintf("/me/tokens/%d", id), nil, nil); err != nil {
		return err
	}
	w.flash(c, "account.tokens.revoked")
	return w.redirect(c, "/account#tokens")
}

func (w *Web) accountSaveNotifications(c echo.Context) error {
	body := map[string]any{"email": c.FormValue("notify_email") == "true", "in_app": c.FormValue("notify_in_app") == "true",
		"digest": c.FormValue("digest") == "true"}
	if h, err := strconv.Atoi(c.FormValue("digest_hour")); err == nil {
		body["digest_hour"] = h
	}
	if err := w.api(c, http.MethodPut, "/me/notification-settings", body, nil); err != nil {
		return w.accountRefused(c, err, map[string]string{"no_channel": "notify_email", "missing_field": "notify_email",
			"invalid_digest_hour": "digest_hour"}, func(p *accountPage) { p.NotifyForm = true })
	}
	w.flash(c, "account.notifications.saved")
	return w.redirect(c, "/account#notifications")
}

func (w *Web) accountResetCalendar(c echo.Context) error {
	if err := w.api(c, http.MethodPost, "/me/calendar/reset", nil, nil); err != nil {
		return err
	}
	w.flash(c, "account.calendar.reset.done")
	return w.redirect(c, "/account#calendar")
}

// accountPasswordLink sends the signed-in person a link to set a new
// password, to their own address.
func (w *Web) accountPasswordLink(c echo.Context) error {
	if err := w.api(c, http.MethodPost, "/password-reset", map[string]string{"email": w.user(c).Email}, nil); err != nil {
		return w.accountRefused(c, err, nil, nil)
	}
	w.flash(c, "account.password.sent")
	return w.redirect(c, "/account#password")
}

// --- administrators: inviting people

type usersPage struct {
	// Pending is a user just created whose invitation could not be sent:
	// the page offers to send it again.
	Pending *server.UserResponse
	// Users is one page of everyone, found by Query when given.
	Users      []server.UserResponse
	Query      string
	Page, Last int
	Total      int64
}

// usersPerPage keeps the list short enough to scan.
const usersPerPage = 25

// accountUsersPage lists the users (searchable, paginated) beside the
// invitation form, so an administrator can find someone and send their
// invitation again.
func (w *Web) accountUsersPage(c echo.Context) error {
	page, err := w.loadUsers(c)
	if err != nil {
		return err
	}
	return w.render(c, http.StatusOK, usersTemplate, page)
}

func (w *Web) loadUsers(c echo.Context) (usersPage, error) {
	p := usersPage{Query: strings.TrimSpace(c.QueryParam("q")), Page: 1}
	if n, err := strconv.Atoi(c.QueryParam("page")); err == nil && n > 1 {
		p.Page = n
	}
	q := url.Values{"page": {strconv.Itoa(p.Page)}, "per_page": {strconv.Itoa(usersPerPage)}}
	if p.Query != "" {
		q.Set("q", p.Query)
	}
	var list struct {
		Items []server.UserResponse `json:"items"`
		Total int64                 `json:"total"`
	}
	if err := w.api(c, http.MethodGet, "/users?"+q.Encode(), nil, &list); err != nil {
		return p, err
	}
	p.Users, p.Total = list.Items, list.Total
	p.Last = max(1, int((list.Total+usersPerPage-1)/usersPerPage))
	return p, nil
}

// accountInvite creates the user, then sends the invitation: a link to
// choose a password (the API's own creation answer, with an API token,
// is not shown: the person makes their own tokens once signed in).
func (w *Web) accountInvite(c echo.Context) error {
	body := map[string]any{"name": strings.TrimSpace(c.FormValue("name")), "email": strings.TrimSpace(c.FormValue("email")),
		"is_admin": c.FormValue("is_admin") == "true"}
	var u server.UserResponse
	if err := w.api(c, http.MethodPost, "/users", body, &u); err != nil {
		page, lerr := w.loadUsers(c)
		if lerr != nil {
			return lerr
		}
		return w.renderForm(c, usersTemplate, page, err, map[string]string{"name_required": "name", "invalid_email": "email", "email_taken": "email"})
	}
	u.Token = ""
	if err := w.api(c, http.MethodPost, fmt.Sprintf("/users/%d/invitation", u.ID), struct{}{}, nil); err != nil {
		forget(c, "name", "email", "is_admin")
		page, lerr := w.loadUsers(c)
		if lerr != nil {
			return lerr
		}
		page.Pending = &u
		return w.renderForm(c, usersTemplate, page, err)
	}
	w.flash(c, "account.users.invited")
	return w.redirect(c, "/account/users")
}

func (w *Web) accountReinvite(c echo.Context) error {
	id, err := pathID(c, "uid", "user")
	if err != nil {
		return err
	}
	if err := w.api(c, http.MethodPost, fmt.Sprintf("/users/%d/invitation", id), struct{}{}, nil); err != nil {
		page, lerr := w.loadUsers(c)
		if lerr != nil {
			return lerr
		}
		page.Pending = &server.UserResponse{ID: id}
		return w.renderForm(c, usersTemplate, page, err)
	}
	w.flash(c, "account.users.invited")
	return w.redirect(c, "/account/users")
}
