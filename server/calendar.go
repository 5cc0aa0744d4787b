package server

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/ogplocal/ogp"
	"github.com/ogplocal/ogp/ical"
	"github.com/ogplocal/ogp/models"
)

// calendarStore is what the iCalendar feeds need.
type calendarStore interface {
	PlanCalendar(ctx context.Context, planID int64) ([]models.CalendarItem, error)
	UserCalendar(ctx context.Context, userID int64) ([]models.CalendarItem, error)
	CalendarToken(ctx context.Context, userID int64) (string, error)
	ResetCalendarToken(ctx context.Context, userID int64) (string, error)
	UserByCalendarToken(ctx context.Context, token string) (models.User, error)
}

// calendarProdID is the feeds' PRODID.
const calendarProdID = "-//OGP Local//Action plan engine//EN"

// calendarFeedSuffix ends every feed URL, so calendar clients and people
// recognise it; the user feed's route parameter includes it.
const calendarFeedSuffix = ".ics"

// registerCalendarRoutes adds the iCalendar feeds of due dates: one per
// plan (public) and one per user behind a secret token, which a calendar
// client fetches without an Authorization header.
func (s *Server) registerCalendarRoutes(api *echo.Group, auth echo.MiddlewareFunc) {
	api.GET("/action-plans/:id/calendar.ics", s.planCalendar)
	// The parameter is the whole last segment, "<token>.ics": OpenAPI path
	// templates (and the routers that read them) have no suffix after a
	// parameter, so the handler checks and strips the suffix.
	api.GET("/calendar/:feed", s.userCalendar)
	api.GET("/me/calendar", s.myCalendar, auth)
	api.POST("/me/calendar/reset", s.resetMyCalendar, auth)
}

// CalendarSubscription is the URL to subscribe to in a calendar client.
type CalendarSubscription struct {
	URL string `json:"url"`
}

func (s *Server) planCalendar(c echo.Context) error {
	p, err := s.planOr404(c)
	if err != nil {
		return err
	}
	items, err := s.store.PlanCalendar(c.Request().Context(), p.ID)
	if err != nil {
		return err
	}
	return writeCalendar(c, buildCalendar(p.Title, items, apiBase(c), false), s.now())
}

func (s *Server) userCalendar(c echo.Context) error {
	token, ok := strings.CutSuffix(c.Param("feed"), calendarFeedSuffix)
	unknown := ogp.Errorf(ogp.ENotFound, "unknown_calendar", "there is no calendar at this address (its link may have been reset)")
	if !ok || token == "" || len(token) > 200 {
		return unknown
	}
	u, err := s.store.UserByCalendarToken(c.Request().Context(), token)
	if errors.Is(err, models.ErrNotFound) {
		return unknown
	}
	if err != nil {
		return err
	}
	items, err := s.store.UserCalendar(c.Request().Context(), u.ID)
	if err != nil {
		return err
	}
	// The URL is a secret: keep the answer out of shared caches.
	c.Response().Header().Set("Cache-Control", "private, no-store")
	return writeCalendar(c, buildCalendar("OGP Local: "+u.Name, items, apiBase(c), true), s.now())
}

func (s *Server) myCalendar(c echo.Context) error {
	token, err := s.store.CalendarToken(c.Request().Context(), currentUser(c).ID)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, CalendarSubscription{URL: apiBase(c) + "/calendar/" + token + calendarFeedSuffix})
}

func (s *Server) resetMyCalendar(c echo.Context) error {
	token, err := s.store.ResetCalendarToken(c.Request().Context(), currentUser(c).ID)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, CalendarSubscription{URL: apiBase(c) + "/calendar/" + token + calendarFeedSuffix})
}

// apiBase is the absolute URL of /api/v1 as the client reached it
// (X-Forwarded-Proto honoured through Echo's Scheme).
func apiBase(c echo.Context) string {
	return c.Scheme() + "://" + c.Request().Host + "/api/v1"
}

func writeCalendar(c echo.Context, cal ical.Calendar, now time.Time) error {
	return c.Blob(http.StatusOK, ical.ContentType, cal.Encode(now))
}

// buildCalendar turns due dates into all-day events. UIDs name the item
// (plan and step, or milestone), so a moved due date moves the event in
// subscribers' calendars instead of adding one. withPlan puts the plan's
// title in each summary, for feeds that mix plans. Items with a date
// that does not parse are left out rather than failing the whole feed.
func buildCalendar(name string, items []models.CalendarItem, base string, withPlan bool) ical.Calendar {
	cal := ical.Calendar{ProdID: calendarProdID, Name: name, Events: make([]ical.Event, 0, len(items))}
	for _, it := range items {
		day, err := ogp.ParseDate(it.DueOn)
		if err != nil {
			continue
		}
		prefix := ""
		if withPlan {
			prefix = it.PlanTitle + ": "
		}
		ev := ical.Event{Date: day.Time(), URL: fmt.Sprintf("%s/action-plans/%d", base, it.PlanID)}
		if it.StepNumber != 0 {
			title := ""
			if def, ok := ogp.StepByNumber(it.StepNumber); ok {
				title = def.Title
			}
			ev.UID = fmt.Sprintf("plan-%d-step-%d@ogp-local", it.PlanID, it.StepNumber)
			ev.Summary = fmt.Sprintf("%sstep %d due: %s", prefix, it.StepNumber, title)
			ev.Description = fmt.Sprintf("Step %d of 10 (%s) of the action plan \"%s\" is due on %s.", it.StepNumber, title, it.PlanTitle, it.DueOn)
		} else {
			ev.UID = fmt.Sprintf("milestone-%d@ogp-local", it.MilestoneID)
			ev.Summary = fmt.Sprintf("%smilestone due: %s", prefix, it.Title)
			ev.Description = fmt.Sprintf("Milestone \"%s\" of commitment %d (%s) of the action plan \"%s\" is due on %s.",
				it.Title, it.CommitmentNumber, it.CommitmentTitle, it.PlanTitle, it.DueOn)
		}
		cal.Events = append(cal.Events, ev)
	}
	return cal
}
