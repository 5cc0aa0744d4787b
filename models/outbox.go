package models

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// Notification channels of the outbox.
const (
	ChannelInApp   = "in_app"
	ChannelEmail   = "email"
	ChannelWebhook = "webhook"
)

// NotificationWebhookFailing tells coordinators that a webhook of their
// plan keeps refusing deliveries.
const NotificationWebhookFailing = "webhook_failing"

// Outbox statuses.
const (
	OutboxPending = "pending"
	// OutboxQueued is an e-mail held for the user's daily digest: it is
	// never delivered alone, only listed in the next digest.
	OutboxQueued    = "queued"
	OutboxDelivered = "delivered"
	OutboxFailed    = "failed"
)

// DefaultDigestHour is the hour (UTC) of the daily digest when the user
// did not choose one.
const DefaultDigestHour = 7

// NotificationSettings are the channels a user wants. Without a stored
// row every channel is on, and e-mails come one by one.
type NotificationSettings struct {
	UserID int64 `gorm:"column:user_id;primaryKey"`
	Email  bool  `gorm:"column:email"`
	InApp  bool  `gorm:"column:in_app"`
	// Digest holds the user's e-mails for one daily digest at DigestHour
	// (0-23, UTC) instead of one e-mail per notification.
	Digest     bool      `gorm:"column:digest"`
	DigestHour int       `gorm:"column:digest_hour"`
	UpdatedAt  time.Time `gorm:"column:updated_at"`
}

// TableName implements gorm's Tabler.
func (NotificationSettings) TableName() string { return "notification_settings" }

// PlanWebhook is an endpoint a coordinator registered to hear about a plan.
type PlanWebhook struct {
	ID     int64  `gorm:"column:id;primaryKey"`
	PlanID int64  `gorm:"column:plan_id"`
	URL    string `gorm:"column:url"`
	// Secret signs every call; it is needed in clear to sign.
	Secret string `gorm:"column:secret"`
	// Events is a comma-separated list of notification kinds; empty
	// means every kind.
	Events    string    `gorm:"column:events"`
	CreatedBy *int64    `gorm:"column:created_by"`
	CreatedAt time.Time `gorm:"column:created_at"`
}

// TableName implements gorm's Tabler.
func (PlanWebhook) TableName() string { return "plan_webhooks" }

// EventList returns the kinds the webhook wants, nil for all.
func (w PlanWebhook) EventList() []string {
	if w.Events == "" {
		return nil
	}
	return strings.Split(w.Events, ",")
}

// Wants reports whether a notification of kind goes to the webhook.
func (w PlanWebhook) Wants(kind string) bool {
	return w.Events == "" || slices.Contains(w.EventList(), kind)
}

// OutboxEntry is one notification to one recipient over one channel.
type OutboxEntry struct {
	ID       int64  `gorm:"column:id;primaryKey"`
	DedupKey string `gorm:"column:dedup_key"`
	Channel  string `gorm:"column:channel"`
	// Recipient is "user:<id>" or "webhook:<id>".
	Recipient   string     `gorm:"column:recipient"`
	UserID      *int64     `gorm:"column:user_id"`
	WebhookID   *int64     `gorm:"column:webhook_id"`
	PlanID      *int64     `gorm:"column:plan_id"`
	StepNumber  *int       `gorm:"column:step_number"`
	Kind        string     `gorm:"column:kind"`
	Subject     string     `gorm:"column:subject"`
	Body        string     `gorm:"column:body"`
	Status      string     `gorm:"column:status"`
	Attempts    int        `gorm:"column:attempts"`
	LastError   string     `gorm:"column:last_error"`
	CreatedAt   time.Time  `gorm:"column:created_at"`
	UpdatedAt   time.Time  `gorm:"column:updated_at"`
	DeliveredAt *time.Time `gorm:"column:delivered_at"`
}

// TableName implements gorm's Tabler.
func (OutboxEntry) TableName() string { return "notification_outbox" }

// AfterFind returns instants in UTC (pgx decodes them in time.Local).
func (e *OutboxEntry) AfterFind(*gorm.DB) error {
	normTime(&e.CreatedAt)
	normTime(&e.UpdatedAt)
	normTimePtr(&e.DeliveredAt)
	return nil
}

// WebhookDelivery is one attempt to call a webhook: its delivery log.
type WebhookDelivery struct {
	ID         int64     `gorm:"column:id;primaryKey"`
	WebhookID  int64     `gorm:"column:webhook_id"`
	OutboxID   int64     `gorm:"column:outbox_id"`
	Attempt    int       `gorm:"column:attempt"`
	StatusCode *int      `gorm:"column:status_code"`
	Error      string    `gorm:"column:error"`
	DurationMS int64     `gorm:"column:duration_ms"`
	Delivered  bool      `gorm:"column:delivered"`
	CreatedAt  time.Time `gorm:"column:created_at"`
	// DedupKey and Kind are read from the outbox entry.
	DedupKey string `gorm:"->;column:dedup_key"`
	Kind     string `gorm:"->;column:kind"`
}

// TableName implements gorm's Tabler.
func (WebhookDelivery) TableName() string { return "webhook_deliveries" }

// AfterFind returns instants in UTC.
func (d *WebhookDelivery) AfterFind(*gorm.DB) error { normTime(&d.CreatedAt); return nil }

// OutboxOptions says which external channels are in service.
type OutboxOptions struct {
	// Email is false when no SMTP server is configured: no e-mail entry
	// is recorded then, and the in-app inbox is used whatever the user
	// chose, so nobody misses a message.
	Email bool
	// Webhooks records an entry per matching webhook of the plan.
	Webhooks bool
}

// userChannels is a user's address and stored choice.
type userChannels struct {
	UserID  int64  `gorm:"column:user_id"`
	Address string `gorm:"column:address"`
	EmailOn bool   `gorm:"column:email_on"`
	InAppOn bool   `gorm:"column:in_app_on"`
	Digest  bool   `gorm:"column:digest"`
}

// RecordNotifications records the notifications in the outbox, per
// recipient and channel, and writes the in-app inbox rows, in one
// transaction. Recording the same notification again (same DedupKey and
// user) adds nothing, so retried activities are harmless. It returns how
// many inbox rows were new, and the ids of the entries of these
// notifications still waiting for an external delivery (e-mail,
// webhook) — also those recorded by an earlier attempt and not yet
// delivered, so a retry after a crash resumes their delivery. The e-mail
// of a user who chose the daily digest is recorded as queued and is not
// returned: the user's DigestWorkflow sends it with the next digest.
func (db *DB) RecordNotifications(ctx context.Context, ns []Notification, opts OutboxOptions) (inserted int, pending []int64, err error) {
	if len(ns) == 0 {
		return 0, nil, nil
	}
	var userIDs, planIDs []int64
	keys := make([]string, 0, len(ns))
	for i, n := range ns {
		if n.DedupKey == "" || n.UserID == 0 || n.Kind == "" {
			return 0, nil, dbErr("record notifications", invalidf("notification %d needs user_id, kind and dedup_key", i))
		}
		userIDs = append(userIDs, n.UserID)
		keys = append(keys, n.DedupKey)
		if n.PlanID != nil {
			planIDs = append(planIDs, *n.PlanID)
		}
	}
	slices.Sort(userIDs)
	userIDs = slices.Compact(userIDs)
	slices.Sort(keys)
	keys = slices.Compact(keys)
	slices.Sort(planIDs)
	planIDs = slices.Compact(planIDs)

	now := db.now()
	err = db.transaction(ctx, func(tx *gorm.DB) error {
		var chans []userChannels
		if err := tx.Table("users AS u").
			Select("u.id AS user_id, u.email AS address, COALESCE(s.email, TRUE) AS email_on, COALESCE(s.in_app, TRUE) AS in_app_on, COALESCE(s.digest, FALSE) AS digest").
			Joins("LEFT JOIN notification_settings s ON s.user_id = u.id").
			Where("u.id IN ?", userIDs).Scan(&chans).Error; err != nil {
			return err
		}
		byUser := map[int64]userChannels{}
		for _, c := range chans {
			byUser[c.UserID] = c
		}
		var hooks []PlanWebhook
		if opts.Webhooks && len(planIDs) > 0 {
			if err := tx.Where("plan_id IN ?", planIDs).Order("id").Find(&hooks).Error; err != nil {
				return err
			}
		}

		var inbox []Notification
		var entries []OutboxEntry
		entry := func(n Notification, channel, recipient string, status string) OutboxEntry {
			e := OutboxEntry{DedupKey: n.DedupKey, Channel: channel, Recipient: recipient, PlanID: n.PlanID, StepNumber: n.StepNumber,
				Kind: n.Kind, Subject: n.Subject, Body: n.Body, Status: status, CreatedAt: now, UpdatedAt: now}
			if status == OutboxDelivered {
				e.DeliveredAt = &now
			}
			return e
		}
		hooked := map[string]bool{}
		for _, n := range ns {
			c, known := byUser[n.UserID]
			// An account link is needed now and by its owner only: it
			// goes by e-mail whatever the user chose, never into a
			// digest, and to the inbox only when no e-mail can go out
			// (one stored copy of a live link fewer).
			link := n.Kind == NotificationAccountLink
			email := known && opts.Email && (c.EmailOn || link) && c.Address != ""
			recipient := fmt.Sprintf("user:%d", n.UserID)
			if !known || (c.InAppOn && !link) || !email {
				row := n
				row.ID, row.ReadAt, row.CreatedAt = 0, nil, now
				inbox = append(inbox, row)
				e := entry(n, ChannelInApp, recipient, OutboxDelivered)
				e.UserID = &row.UserID
				entries = append(entries, e)
			}
			if email {
				status := OutboxPending
				if c.Digest && !link {
					status = OutboxQueued
				}
				e := entry(n, ChannelEmail, recipient, status)
				uid := n.UserID
				e.UserID = &uid
				entries = append(entries, e)
			}
			// A webhook hears of the occasion once, not once per person.
			if n.PlanID == nil || hooked[n.DedupKey] {
				continue
			}
			hooked[n.DedupKey] = true
			for _, h := range hooks {
				if h.PlanID != *n.PlanID || !h.Wants(n.Kind) {
					continue
				}
				e := entry(n, ChannelWebhook, fmt.Sprintf("webhook:%d", h.ID), OutboxPending)
				hid := h.ID
				e.WebhookID = &hid
				entries = append(entries, e)
			}
		}
		// A common key order turns concurrent writers meeting on the
		// unique indexes into a queue instead of a deadlock.
		slices.SortStableFunc(inbox, func(a, b Notification) int {
			return cmp.Or(cmp.Compare(a.UserID, b.UserID), strings.Compare(a.DedupKey, b.DedupKey))
		})
		slices.SortStableFunc(entries, func(a, b OutboxEntry) int {
			return cmp.Or(strings.Compare(a.DedupKey, b.DedupKey), strings.Compare(a.Recipient, b.Recipient), strings.Compare(a.Channel, b.Channel))
		})
		if len(inbox) > 0 {
			res := tx.Clauses(clause.OnConflict{
				Columns:   []clause.Column{{Name: "dedup_key"}, {Name: "user_id"}},
				DoNothing: true,
			}).CreateInBatches(&inbox, insertBatch)
			if res.Error != nil {
				return res.Error
			}
			inserted = int(res.RowsAffected)
		}
		if len(entries) > 0 {
			if err := tx.Clauses(clause.OnConflict{
				Columns:   []clause.Column{{Name: "dedup_key"}, {Name: "recipient"}, {Name: "channel"}},
				DoNothing: true,
			}).CreateInBatches(&entries, insertBatch).Error; err != nil {
				return err
			}
		}
		pending = []int64{}
		return tx.Model(&OutboxEntry{}).Where("dedup_key IN ? AND status = ? AND channel <> ?", keys, OutboxPending, ChannelInApp).
			Order("id").Pluck("id", &pending).Error
	})
	if err != nil {
		return 0, nil, dbErr("record notifications", err)
	}
	return inserted, pending, nil
}

// GetOutboxEntry returns one outbox entry (ErrNotFound when it is gone,
// as when its webhook was deleted).
func (db *DB) GetOutboxEntry(ctx context.Context, id int64) (OutboxEntry, error) {
	var e OutboxEntry
	err := db.Gorm.WithContext(ctx).Where("id = ?", id).Take(&e).Error
	return e, dbErr(fmt.Sprintf("outbox entry %d", id), err)
}

// BeginDeliveryAttempt counts a new attempt of a pending entry and returns
// the entry with its attempt number. An entry no longer pending is
// returned unchanged, so the caller sees there is nothing to do.
func (db *DB) BeginDeliveryAttempt(ctx context.Context, id int64) (OutboxEntry, error) {
	var e OutboxEntry
	err := db.transaction(ctx, func(tx *gorm.DB) error {
		if err := tx.Model(&OutboxEntry{}).Where("id = ? AND status = ?", id, OutboxPending).
			Updates(map[string]any{"attempts": gorm.Expr("attempts + 1"), "updated_at": db.now()}).Error; err != nil {
			return err
		}
		return tx.Where("id = ?", id).Take(&e).Error
	})
	return e, dbErr(fmt.Sprintf("begin delivery of outbox entry %d", id), err)
}

// DeliveryResult is the outcome of one attempt.
type DeliveryResult struct {
	Attempt   int
	Delivered bool
	// Error says why the attempt failed (empty when delivered).
	Error string
	// StatusCode is the webhook's HTTP answer, if it answered.
	StatusCode *int
	Duration   time.Duration
}

// FinishDeliveryAttempt records an attempt's outcome on a pending entry
// and, for a webhook, in its delivery log.
func (db *DB) FinishDeliveryAttempt(ctx context.Context, e OutboxEntry, r DeliveryResult) error {
	now := db.now()
	err := db.transaction(ctx, func(tx *gorm.DB) error {
		if e.WebhookID != nil {
			d := WebhookDelivery{WebhookID: *e.WebhookID, OutboxID: e.ID, Attempt: r.Attempt, StatusCode: r.StatusCode,
				Error: truncate(r.Error, 2000), DurationMS: r.Duration.Milliseconds(), Delivered: r.Delivered, CreatedAt: now}
			if err := tx.Create(&d).Error; err != nil {
				return err
			}
		}
		up := map[string]any{"updated_at": now, "last_error": truncate(r.Error, 2000)}
		if r.Delivered {
			up["status"], up["delivered_at"] = OutboxDelivered, now
		}
		return tx.Model(&OutboxEntry{}).Where("id = ? AND status = ?", e.ID, OutboxPending).Updates(up).Error
	})
	return dbErr(fmt.Sprintf("finish delivery of outbox entry %d", e.ID), err)
}

// MarkOutboxFailed gives up on a pending entry, keeping reason as its
// last error. It returns the entry and whether it was pending until now
// (false for a repeat, so the caller reports a failure once).
func (db *DB) MarkOutboxFailed(ctx context.Context, id int64, reason string) (OutboxEntry, bool, error) {
	var e OutboxEntry
	var changed bool
	err := db.transaction(ctx, func(tx *gorm.DB) error {
		up := map[string]any{"status": OutboxFailed, "updated_at": db.now()}
		if reason != "" {
			up["last_error"] = truncate(reason, 2000)
		}
		res := tx.Model(&OutboxEntry{}).Where("id = ? AND status = ?", id, OutboxPending).Updates(up)
		if res.Error != nil {
			return res.Error
		}
		changed = res.RowsAffected > 0
		return tx.Where("id = ?", id).Take(&e).Error
	})
	return e, changed, dbErr(fmt.Sprintf("mark outbox entry %d failed", id), err)
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	r := []rune(s[:n])
	return string(r[:len(r)-1]) + "…"
}

// GetNotificationSettings returns the user's channels (every channel on
// when none were chosen).
func (db *DB) GetNotificationSettings(ctx context.Context, userID int64) (NotificationSettings, error) {
	var s NotificationSettings
	err := db.Gorm.WithContext(ctx).Where("user_id = ?", userID).Take(&s).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return NotificationSettings{UserID: userID, Email: true, InApp: true, DigestHour: DefaultDigestHour}, nil
	}
	normTime(&s.UpdatedAt)
	return s, dbErr(fmt.Sprintf("notification settings of user %d", userID), err)
}

// PutNotificationSettings stores the user's channels, keeping the
// digest choice. At least one must be on (ErrInvalid otherwise, from the
// schema too).
func (db *DB) PutNotificationSettings(ctx context.Context, userID int64, email, inApp bool) (NotificationSettings, error) {
	op := fmt.Sprintf("put notification settings of user %d", userID)
	if !email && !inApp {
		return NotificationSettings{}, dbErr(op, invalidf("at least one channel must stay on"))
	}
	s := NotificationSettings{UserID: userID, Email: email, InApp: inApp, DigestHour: DefaultDigestHour, UpdatedAt: db.now()}
	err := db.Gorm.WithContext(ctx).Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "user_id"}},
		DoUpdates: clause.AssignmentColumns([]string{"email", "in_app", "updated_at"}),
	}).Create(&s).Error
	return s, dbErr(op, err)
}

// CreateWebhook stores a plan's webhook and sets its id and creation time.
func (db *DB) CreateWebhook(ctx context.Context, w *PlanWebhook) error {
	w.ID, w.CreatedAt = 0, db.now()
	return dbErr(fmt.Sprintf("create webhook of plan %d", w.PlanID), db.Gorm.WithContext(ctx).Create(w).Error)
}

// ListWebhooks returns a plan's webhooks, oldest first.
func (db *DB) ListWebhooks(ctx context.Context, planID int64) ([]PlanWebhook, error) {
	out := []PlanWebhook{}
	err := db.Gorm.WithContext(ctx).Where("plan_id = ?", planID).Order("id").Find(&out).Error
	for i := range out {
		normTime(&out[i].CreatedAt)
	}
	return out, dbErr(fmt.Sprintf("webhooks of plan %d", planID), err)
}

// GetWebhook returns a webhook by id (ErrNotFound when deleted).
func (db *DB) GetWebhook(ctx context.Context, id int64) (PlanWebhook, error) {
	var w PlanWebhook
	err := db.Gorm.WithContext(ctx).Where("id = ?", id).Take(&w).Error
	normTime(&w.CreatedAt)
	return w, dbErr(fmt.Sprintf("webhook %d", id), err)
}

// DeleteWebhook deletes a plan's webhook, with its pending deliveries and
// its log (ErrNotFound when the plan has no such webhook).
func (db *DB) DeleteWebhook(ctx context.Context, planID, id int64) error {
	op := fmt.Sprintf("delete webhook %d of plan %d", id, planID)
	res := db.Gorm.WithContext(ctx).Where("id = ? AND plan_id = ?", id, planID).Delete(&PlanWebhook{})
	if res.Error != nil {
		return dbErr(op, res.Error)
	}
	if res.RowsAffected == 0 {
		return dbErr(op, ErrNotFound)
	}
	return nil
}

// ListWebhookDeliveries returns a page of a plan's webhook's delivery
// log, newest first, and the total (ErrNotFound when the plan has no such
// webhook). limit <= 0 means no limit.
func (db *DB) ListWebhookDeliveries(ctx context.Context, planID, webhookID int64, limit, offset int) ([]WebhookDelivery, int64, error) {
	op := fmt.Sprintf("deliveries of webhook %d", webhookID)
	g := db.Gorm.WithContext(ctx)
	var n int64
	if err := g.Model(&PlanWebhook{}).Where("id = ? AND plan_id = ?", webhookID, planID).Count(&n).Error; err != nil {
		return nil, 0, dbErr(op, err)
	}
	if n == 0 {
		return nil, 0, dbErr(op, ErrNotFound)
	}
	q := g.Table("webhook_deliveries AS d").Where("d.webhook_id = ?", webhookID).Session(&gorm.Session{})
	var total int64
	if err := q.Count(&total).Error; err != nil {
		return nil, 0, dbErr(op, err)
	}
	out := []WebhookDelivery{}
	if err := page(q, limit, offset).Select("d.*, o.dedup_key AS dedup_key, o.kind AS kind").
		Joins("JOIN notification_outbox o ON o.id = d.outbox_id").
		Order("d.id DESC").Find(&out).Error; err != nil {
		return nil, 0, dbErr(op, err)
	}
	for i := range out {
		normTime(&out[i].CreatedAt)
	}
	return out, total, nil
}
