package activities

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"time"

	"go.temporal.io/sdk/temporal"

	"github.com/ogplocal/ogp"
	"github.com/ogplocal/ogp/models"
	"github.com/ogplocal/ogp/notify"
	"github.com/ogplocal/ogp/workflows"
)

// outboxStore is what the notification activities need from the database.
type outboxStore interface {
	RecordNotifications(ctx context.Context, ns []models.Notification, opts models.OutboxOptions) (int, []int64, error)
	BeginDeliveryAttempt(ctx context.Context, id int64) (models.OutboxEntry, error)
	FinishDeliveryAttempt(ctx context.Context, e models.OutboxEntry, r models.DeliveryResult) error
	MarkOutboxFailed(ctx context.Context, id int64, reason string) (models.OutboxEntry, bool, error)
	GetWebhook(ctx context.Context, id int64) (models.PlanWebhook, error)
	UserByID(ctx context.Context, id int64) (models.User, error)
	GetPlan(ctx context.Context, id int64) (models.ActionPlan, error)
	ListMembers(ctx context.Context, planID int64) ([]models.MemberRow, error)
	CollectDigest(ctx context.Context, userID int64, key string, until time.Time) ([]models.OutboxEntry, bool, error)
	FinishDigest(ctx context.Context, userID int64, key string, until time.Time, ids []int64) (bool, error)
}

// Notify records notifications in the outbox, per recipient and channel,
// and writes the in-app inbox at once. It returns the outbox entries that
// still need an external delivery (e-mail, webhook), for the workflow to
// deliver one by one with Deliver. Recording is idempotent by key, so a
// retried Notify adds nothing and returns the same pending entries.
func (a *Activities) Notify(ctx context.Context, in workflows.NotifyInput) (workflows.NotifyResult, error) {
	rows := make([]models.Notification, 0, len(in.Notifications))
	for _, n := range in.Notifications {
		row := models.Notification{UserID: n.UserID, Kind: n.Kind, Subject: n.Subject, Body: n.Body, DedupKey: n.DedupKey}
		if n.PlanID > 0 {
			// A message about no plan (an account link) has none.
			planID := n.PlanID
			row.PlanID = &planID
		}
		if n.Step > 0 {
			step := n.Step
			row.StepNumber = &step
		}
		rows = append(rows, row)
	}
	inserted, pending, err := a.Store.RecordNotifications(ctx, rows, models.OutboxOptions{Email: a.Mailer != nil, Webhooks: true})
	if err != nil {
		return workflows.NotifyResult{}, err
	}
	return workflows.NotifyResult{Delivered: inserted, Pending: pending}, nil
}

// Deliver sends one outbox entry: one e-mail or one webhook call. Every
// attempt is counted, with its error, in the outbox (and in the webhook's
// delivery log). An entry already delivered, given up, or gone (its
// webhook deleted) is a no-op, so Temporal may retry freely. An error
// that no retry can fix (no e-mail address, e-mail no longer configured)
// is not retryable.
//
// Delivery is at least once: if the process dies between sending and
// recording, the retry sends again. Webhook receivers deduplicate by the
// payload's key.
func (a *Activities) Deliver(ctx context.Context, outboxID int64) error {
	e, err := a.Store.BeginDeliveryAttempt(ctx, outboxID)
	if errors.Is(err, models.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	if e.Status != models.OutboxPending {
		return nil
	}
	msg := notify.Message{Kind: e.Kind, Subject: e.Subject, Body: e.Body, Key: e.DedupKey, CreatedAt: e.CreatedAt}
	if e.PlanID != nil {
		msg.PlanID = *e.PlanID
	}
	if e.StepNumber != nil {
		msg.Step = *e.StepNumber
	}
	start := a.now()
	res := models.DeliveryResult{Attempt: e.Attempts}
	var sendErr error
	permanent := false
	switch {
	case e.Channel == models.ChannelEmail && e.UserID != nil:
		permanent, sendErr = a.sendEmail(ctx, *e.UserID, msg)
	case e.Channel == models.ChannelWebhook && e.WebhookID != nil:
		h, err := a.Store.GetWebhook(ctx, *e.WebhookID)
		if errors.Is(err, models.ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		body, err := notify.WebhookBody(msg)
		if err != nil {
			return err
		}
		hc := a.HTTPClient
		if hc == nil {
			hc = notify.NewWebhookClient()
		}
		var status int
		status, sendErr = notify.CallWebhook(ctx, hc, h.URL, h.Secret, body, a.now())
		if status != 0 {
			res.StatusCode = &status
		}
	default:
		return nil
	}
	res.Duration = a.now().Sub(start)
	res.Delivered = sendErr == nil
	if sendErr != nil {
		res.Error = sendErr.Error()
	}
	if err := a.Store.FinishDeliveryAttempt(ctx, e, res); err != nil {
		return err
	}
	if sendErr == nil {
		return nil
	}
	msgErr := fmt.Sprintf("%s delivery %d, attempt %d: %v", e.Channel, e.ID, e.Attempts, sendErr)
	if permanent {
		return temporal.NewNonRetryableApplicationError(msgErr, "undeliverable", sendErr)
	}
	return temporal.NewApplicationError(msgErr, "delivery_failed")
}

// sendEmail sends msg to the user; permanent is true when retrying cannot
// help.
func (a *Activities) sendEmail(ctx context.Context, userID int64, msg notify.Message) (permanent bool, err error) {
	if a.Mailer == nil {
		return true, errors.New("e-mail is not configured (OGP_SMTP_HOST)")
	}
	u, err := a.Store.UserByID(ctx, userID)
	if errors.Is(err, models.ErrNotFound) {
		return true, fmt.Errorf("user %d no longer exists", userID)
	}
	if err != nil {
		return false, err
	}
	if u.Email == "" {
		return true, fmt.Errorf("user %d has no e-mail address", userID)
	}
	m, err := notify.RenderEmail(u.Email, msg, a.publicURL())
	if err != nil {
		return true, err
	}
	return false, a.Mailer.Send(ctx, m)
}

// MarkUndeliverable gives up on an outbox entry after its last failed
// attempt, keeping reason. For a webhook it tells the plan's coordinators
// in-app that the webhook keeps failing (once a day per webhook at most,
// so a dead endpoint does not flood them).
func (a *Activities) MarkUndeliverable(ctx context.Context, outboxID int64, reason string) error {
	e, _, err := a.Store.MarkOutboxFailed(ctx, outboxID, reason)
	if errors.Is(err, models.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	if e.Channel != models.ChannelWebhook || e.WebhookID == nil || e.PlanID == nil {
		return nil
	}
	h, err := a.Store.GetWebhook(ctx, *e.WebhookID)
	if errors.Is(err, models.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	plan, err := a.Store.GetPlan(ctx, *e.PlanID)
	if errors.Is(err, models.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	members, err := a.Store.ListMembers(ctx, plan.ID)
	if err != nil {
		return err
	}
	// The host only: a URL's path may itself be a secret (chat bridges).
	where := h.URL
	if u, err := url.Parse(h.URL); err == nil {
		where = u.Scheme + "://" + u.Host
	}
	day := a.now().UTC().Format(time.DateOnly)
	key := fmt.Sprintf("webhook/%d/failing/%s", h.ID, day)
	subject := fmt.Sprintf("%s: webhook %d (%s) keeps failing", plan.Title, h.ID, where)
	body := fmt.Sprintf("The webhook %d of the action plan %q (%s) did not accept the %q notification after every retry: %s\n\n"+
		"Its delivery log is at GET /api/v1/action-plans/%d/webhooks/%d/deliveries. Fix the endpoint, or delete the webhook.",
		h.ID, plan.Title, where, e.Kind, reason, plan.ID, h.ID)
	var notes []models.Notification
	for _, m := range members {
		if !m.HasRole(string(ogp.RoleCoordinator)) {
			continue
		}
		planID := plan.ID
		notes = append(notes, models.Notification{UserID: m.UserID, PlanID: &planID, Kind: models.NotificationWebhookFailing,
			Subject: subject, Body: body, DedupKey: key})
	}
	if len(notes) == 0 {
		// No roster projected yet: the plan's creator coordinates it.
		planID := plan.ID
		notes = append(notes, models.Notification{UserID: plan.CoordinatorID, PlanID: &planID, Kind: models.NotificationWebhookFailing,
			Subject: subject, Body: body, DedupKey: key})
	}
	// In-app only: a failing channel must not be reported through itself.
	_, _, err = a.Store.RecordNotifications(ctx, notes, models.OutboxOptions{})
	return err
}

func (a *Activities) now() time.Time {
	if a.Now != nil {
		return a.Now()
	}
	return time.Now()
}

func (a *Activities) publicURL() string {
	if a.PublicURL == "" {
		return "http://localhost:8080"
	}
	return a.PublicURL
}
