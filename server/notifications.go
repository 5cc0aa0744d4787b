package server

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"github.com/ogplocal/ogp"
	"github.com/ogplocal/ogp/models"
	"github.com/ogplocal/ogp/workflows"
)

// notificationStore is what the notification channel routes need: each
// user's channels and each plan's webhooks with their delivery log.
type notificationStore interface {
	GetNotificationSettings(ctx context.Context, userID int64) (models.NotificationSettings, error)
	SaveNotificationSettings(ctx context.Context, s models.NotificationSettings) (models.NotificationSettings, error)
	CreateWebhook(ctx context.Context, w *models.PlanWebhook) error
	ListWebhooks(ctx context.Context, planID int64) ([]models.PlanWebhook, error)
	DeleteWebhook(ctx context.Context, planID, id int64) error
	ListWebhookDeliveries(ctx context.Context, planID, webhookID int64, limit, offset int) ([]models.WebhookDelivery, int64, error)
}

// maxWebhooksPerPlan keeps a plan's fan-out (and a coordinator's
// mistakes) bounded.
const maxWebhooksPerPlan = 10

// webhookEventKinds are the notification kinds a webhook may subscribe to.
var webhookEventKinds = []string{
	ogp.NotificationStepReminder, ogp.NotificationDecisionNeeded, ogp.NotificationChangesRequested,
	ogp.NotificationStepApproved, ogp.NotificationReturned, ogp.NotificationImplementationEnded,
	ogp.NotificationMilestoneReminder, ogp.NotificationRequestDecided,
}

// registerNotificationRoutes adds the caller's notification settings and
// the plans' webhooks (coordinators only: URLs and logs are private).
func (s *Server) registerNotificationRoutes(api *echo.Group, auth echo.MiddlewareFunc) {
	api.GET("/me/notification-settings", s.getNotificationSettings, auth)
	api.PUT("/me/notification-settings", s.putNotificationSettings, auth)
	api.GET("/action-plans/:id/webhooks", s.listWebhooks, auth)
	api.POST("/action-plans/:id/webhooks", s.createWebhook, auth)
	api.DELETE("/action-plans/:id/webhooks/:webhook_id", s.deleteWebhook, auth)
	api.GET("/action-plans/:id/webhooks/:webhook_id/deliveries", s.listWebhookDeliveries, auth)
}

// NotificationSettingsResponse is the caller's channels and digest.
type NotificationSettingsResponse struct {
	Email      bool `json:"email"`
	InApp      bool `json:"in_app"`
	Digest     bool `json:"digest"`
	DigestHour int  `json:"digest_hour"`
}

// notificationSettingsRequest is the body of PUT /me/notification-settings;
// both channels are required, so a client never switches a channel by
// omission. The digest fields are optional: omitted, they stay as stored.
type notificationSettingsRequest struct {
	Email      *bool `json:"email"`
	InApp      *bool `json:"in_app"`
	Digest     *bool `json:"digest"`
	DigestHour *int  `json:"digest_hour"`
}

func notificationSettingsResponse(st models.NotificationSettings) NotificationSettingsResponse {
	return NotificationSettingsResponse{Email: st.Email, InApp: st.InApp, Digest: st.Digest, DigestHour: st.DigestHour}
}

func (s *Server) getNotificationSettings(c echo.Context) error {
	st, err := s.store.GetNotificationSettings(c.Request().Context(), currentUser(c).ID)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, notificationSettingsResponse(st))
}

func (s *Server) putNotificationSettings(c echo.Context) error {
	var req notificationSettingsRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	if req.Email == nil || req.InApp == nil {
		return ogp.Errorf(ogp.EInvalid, "missing_field", "both email and in_app are required (true or false)")
	}
	if !*req.Email && !*req.InApp {
		return ogp.Errorf(ogp.EUnprocessable, "no_channel", "at least one channel must stay on: email or in_app")
	}
	if req.DigestHour != nil && (*req.DigestHour < 0 || *req.DigestHour > 23) {
		return ogp.Errorf(ogp.EUnprocessable, "invalid_digest_hour", "digest_hour is the hour of the daily digest in UTC: 0 to 23")
	}
	ctx := c.Request().Context()
	userID := currentUser(c).ID
	old, err := s.store.GetNotificationSettings(ctx, userID)
	if err != nil {
		return err
	}
	next := old
	next.UserID, next.Email, next.InApp = userID, *req.Email, *req.InApp
	if req.Digest != nil {
		next.Digest = *req.Digest
	}
	if req.DigestHour != nil {
		next.DigestHour = *req.DigestHour
	}
	st, err := s.store.SaveNotificationSettings(ctx, next)
	if err != nil {
		return err
	}
	// The stored settings come first: a failed signal is retried by
	// repeating the PUT, and the digest workflow is told only what holds.
	// Settings without a digest, before or after, need no workflow.
	if st.Digest || old.Digest {
		if err := s.engine.SignalDigest(ctx, userID, workflows.DigestSettings{Enabled: st.Digest, Hour: st.DigestHour}); err != nil {
			return err
		}
	}
	return c.JSON(http.StatusOK, notificationSettingsResponse(st))
}

// webhookRequest is the body of POST .../webhooks.
type webhookRequest struct {
	URL    string   `json:"url"`
	Secret string   `json:"secret"`
	Events []string `json:"events"`
}

// WebhookResponse is a plan's webhook. The secret is never shown again
// after creation.
type WebhookResponse struct {
	ID        int64    `json:"id"`
	URL       string   `json:"url"`
	Events    []string `json:"events"`
	CreatedAt string   `json:"created_at"`
}

// WebhookCreatedResponse is a new webhook with its secret, shown once.
type WebhookCreatedResponse struct {
	WebhookResponse
	Secret string `json:"secret"`
}

func webhookResponse(w models.PlanWebhook) WebhookResponse {
	events := w.EventList()
	if events == nil {
		events = []string{}
	}
	return WebhookResponse{ID: w.ID, URL: w.URL, Events: events, CreatedAt: rfc3339(w.CreatedAt)}
}

func (s *Server) listWebhooks(c echo.Context) error {
	p, err := s.planOr404(c)
	if err != nil {
		return err
	}
	if err := s.requireCoordinator(c, p.ID); err != nil {
		return err
	}
	hooks, err := s.store.ListWebhooks(c.Request().Context(), p.ID)
	if err != nil {
		return err
	}
	out := make([]WebhookResponse, 0, len(hooks))
	for _, h := range hooks {
		out = append(out, webhookResponse(h))
	}
	return c.JSON(http.StatusOK, map[string]any{"items": out})
}

func (s *Server) createWebhook(c echo.Context) error {
	p, err := s.planOr404(c)
	if err != nil {
		return err
	}
	if err := s.requireCoordinator(c, p.ID); err != nil {
		return err
	}
	var req webhookRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	target, err := validateWebhookURL(req.URL)
	if err != nil {
		return err
	}
	secret := req.Secret
	switch n := utf8.RuneCountInString(secret); {
	case secret == "":
		b := make([]byte, 32)
		if _, err := rand.Read(b); err != nil {
			return err
		}
		secret = "whsec_" + hex.EncodeToString(b)
	case n < 16 || n > 200:
		return ogp.Errorf(ogp.EUnprocessable, "invalid_webhook_secret", "a secret must have 16 to 200 characters (or be omitted to have one generated)")
	}
	events := []string{}
	for _, e := range req.Events {
		if !slices.Contains(webhookEventKinds, e) {
			return ogp.Errorf(ogp.EUnprocessable, "invalid_webhook_event", "unknown event %q: use one of %s", e, strings.Join(webhookEventKinds, ", "))
		}
		if !slices.Contains(events, e) {
			events = append(events, e)
		}
	}
	ctx := c.Request().Context()
	existing, err := s.store.ListWebhooks(ctx, p.ID)
	if err != nil {
		return err
	}
	if len(existing) >= maxWebhooksPerPlan {
		return ogp.Errorf(ogp.EUnprocessable, "too_many_webhooks", "a plan has at most %d webhooks", maxWebhooksPerPlan)
	}
	by := currentUser(c).ID
	w := models.PlanWebhook{PlanID: p.ID, URL: target, Secret: secret, Events: strings.Join(events, ","), CreatedBy: &by}
	if err := s.store.CreateWebhook(ctx, &w); err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, WebhookCreatedResponse{WebhookResponse: webhookResponse(w), Secret: secret})
}

// validateWebhookURL accepts https URLs, and http only to the loopback
// interface (a receiver on the same machine, and tests): notifications
// must not cross a network in clear.
func validateWebhookURL(raw string) (string, error) {
	raw = strings.TrimSpace(raw)
	bad := func(why string) error {
		return ogp.Errorf(ogp.EUnprocessable, "invalid_webhook_url", "the webhook URL %s", why)
	}
	if raw == "" || len(raw) > 2000 {
		return "", bad("is required, at most 2000 characters")
	}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || u.Opaque != "" {
		return "", bad("must be an absolute http(s) URL")
	}
	if u.Fragment != "" {
		return "", bad("must not have a #fragment")
	}
	switch u.Scheme {
	case "https":
	case "http":
		host := u.Hostname()
		ip := net.ParseIP(host)
		if host != "localhost" && (ip == nil || !ip.IsLoopback()) {
			return "", bad("must use https (http only to localhost)")
		}
	default:
		return "", bad("must use https")
	}
	return u.String(), nil
}

func (s *Server) deleteWebhook(c echo.Context) error {
	p, err := s.planOr404(c)
	if err != nil {
		return err
	}
	if err := s.requireCoordinator(c, p.ID); err != nil {
		return err
	}
	id, err := parseID(c, "webhook_id", "webhook")
	if err != nil {
		return err
	}
	err = s.store.DeleteWebhook(c.Request().Context(), p.ID, id)
	if errors.Is(err, models.ErrNotFound) {
		return ogp.Errorf(ogp.ENotFound, "unknown_webhook", "action plan %d has no webhook %d", p.ID, id)
	}
	if err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// WebhookDeliveryResponse is one attempt to call a webhook.
type WebhookDeliveryResponse struct {
	ID         int64  `json:"id"`
	Key        string `json:"key"`
	Kind       string `json:"kind"`
	Attempt    int    `json:"attempt"`
	Delivered  bool   `json:"delivered"`
	StatusCode *int   `json:"status_code"`
	Error      string `json:"error"`
	DurationMS int64  `json:"duration_ms"`
	CreatedAt  string `json:"created_at"`
}

func (s *Server) listWebhookDeliveries(c echo.Context) error {
	p, err := s.planOr404(c)
	if err != nil {
		return err
	}
	if err := s.requireCoordinator(c, p.ID); err != nil {
		return err
	}
	id, err := parseID(c, "webhook_id", "webhook")
	if err != nil {
		return err
	}
	pg, err := parsePage(c)
	if err != nil {
		return err
	}
	ds, total, err := s.store.ListWebhookDeliveries(c.Request().Context(), p.ID, id, pg.PerPage, pg.offset())
	if errors.Is(err, models.ErrNotFound) {
		return ogp.Errorf(ogp.ENotFound, "unknown_webhook", "action plan %d has no webhook %d", p.ID, id)
	}
	if err != nil {
		return err
	}
	out := Page[WebhookDeliveryResponse]{Items: make([]WebhookDeliveryResponse, 0, len(ds)), Total: total, Page: pg.Page, PerPage: pg.PerPage}
	for _, d := range ds {
		out.Items = append(out.Items, WebhookDeliveryResponse{ID: d.ID, Key: d.DedupKey, Kind: d.Kind, Attempt: d.Attempt, Delivered: d.Delivered,
			StatusCode: d.StatusCode, Error: d.Error, DurationMS: d.DurationMS, CreatedAt: rfc3339(d.CreatedAt)})
	}
	return c.JSON(http.StatusOK, out)
}
