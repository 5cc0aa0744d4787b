package server

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/mail"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"github.com/ogplocal/ogp"
	"github.com/ogplocal/ogp/models"
)

// The users list: administrators list and search every account; anyone
// else signed in may only look one address up, so that a coordinator can
// add a person to a plan by the address they know, without learning
// anyone else's.

// userLister is the query the users list needs; *models.DB has it.
type userLister interface {
	ListUsers(ctx context.Context, f models.UserFilter, limit, offset int) ([]models.User, int64, error)
}

// MaxUserQueryLen bounds ?q= (in characters).
const MaxUserQueryLen = 200

// Look-ups by e-mail address are limited per user, so nobody can sweep a
// list of addresses to learn who has an account here. Administrators are
// not limited: they see every account anyway.
const (
	UserLookupBurst  = 60
	UserLookupWindow = time.Hour
	// userLookupUsers bounds the limiter's memory.
	userLookupUsers = 10000
)

var (
	userLookupLimiterOnce sync.Once
	userLookupLimiterV    *rateLimiter
)

// userLookupLimiter is created on first use; keys include the server, so
// two servers in one process (tests) never share buckets.
func userLookupLimiter() *rateLimiter {
	userLookupLimiterOnce.Do(func() { userLookupLimiterV = newRateLimiter(UserLookupBurst, UserLookupWindow, userLookupUsers) })
	return userLookupLimiterV
}

type userLookupKey struct {
	s      *Server
	userID int64
}

// UserListItem is one user in the users list. Administrators see each
// user's e-mail address and whether they administer the site; an exact
// look-up by someone else answers the id and name only (they typed the
// address).
type UserListItem struct {
	ID      int64   `json:"id"`
	Name    string  `json:"name"`
	Email   *string `json:"email,omitempty"`
	IsAdmin *bool   `json:"is_admin,omitempty"`
}

func (s *Server) registerUserRoutes(api *echo.Group, auth echo.MiddlewareFunc) {
	api.GET("/users", s.listUsers, auth)
}

func (s *Server) listUsers(c echo.Context) error {
	u := currentUser(c)
	query := c.QueryParams()
	if !u.IsAdmin && (len(query) != 1 || len(query["email"]) != 1) {
		return ogp.Errorf(ogp.EForbidden, "admin_only",
			"only an administrator may list or search users; others may look up one e-mail address: ?email=<address>")
	}
	pg, err := parsePage(c)
	if err != nil {
		return err
	}
	var f models.UserFilter
	if _, ok := query["email"]; ok {
		raw := c.QueryParam("email")
		email := strings.ToLower(strings.TrimSpace(raw))
		if addr, err := mail.ParseAddress(email); err != nil || addr.Address != email || len(email) > 320 {
			return ogp.Errorf(ogp.EUnprocessable, "invalid_email", "%q is not a valid e-mail address", raw)
		}
		f.Email = email
	}
	if q := strings.TrimSpace(c.QueryParam("q")); q != "" {
		if utf8.RuneCountInString(q) > MaxUserQueryLen {
			return ogp.Errorf(ogp.EInvalid, "invalid_query", "q is at most %d characters", MaxUserQueryLen)
		}
		f.Query = q
	}
	if !u.IsAdmin {
		if ok, wait := userLookupLimiter().allow(userLookupKey{s, u.ID}, s.now()); !ok {
			return userLookupLimited(c, wait)
		}
	}
	lister, ok := s.store.(userLister)
	if !ok {
		return fmt.Errorf("the store cannot list users")
	}
	users, total, err := lister.ListUsers(c.Request().Context(), f, pg.PerPage, pg.offset())
	if err != nil {
		return err
	}
	out := Page[UserListItem]{Items: make([]UserListItem, 0, len(users)), Total: total, Page: pg.Page, PerPage: pg.PerPage}
	for _, x := range users {
		item := UserListItem{ID: x.ID, Name: x.Name}
		if u.IsAdmin {
			email, admin := x.Email, x.IsAdmin
			item.Email, item.IsAdmin = &email, &admin
		}
		out.Items = append(out.Items, item)
	}
	return c.JSON(http.StatusOK, out)
}

// userLookupLimited answers 429 to a user who looked up too many
// addresses.
func userLookupLimited(c echo.Context, wait time.Duration) error {
	secs := max(int64(math.Ceil(wait.Seconds())), 1)
	c.Response().Header().Set("Retry-After", strconv.FormatInt(secs, 10))
	b, err := json.Marshal(Problem{
		Type: "https://ogp-local.dev/problems/rate_limited", Title: http.StatusText(http.StatusTooManyRequests),
		Status: http.StatusTooManyRequests, Code: "rate_limited", Instance: c.Request().URL.Path,
		Detail: fmt.Sprintf("at most %d e-mail look-ups per %.0f minutes: retry in %d seconds", UserLookupBurst, UserLookupWindow.Minutes(), secs),
	})
	if err != nil {
		return err
	}
	return c.Blob(http.StatusTooManyRequests, "application/problem+json", b)
}
