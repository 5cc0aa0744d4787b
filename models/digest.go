package models

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// NotificationDigest records one digest e-mail sent to a user: its key
// makes a retried send a no-op.
type NotificationDigest struct {
	ID        int64     `gorm:"column:id;primaryKey"`
	UserID    int64     `gorm:"column:user_id"`
	DigestKey string    `gorm:"column:digest_key"`
	Until     time.Time `gorm:"column:until"`
	Entries   int       `gorm:"column:entries"`
	SentAt    time.Time `gorm:"column:sent_at"`
}

// TableName implements gorm's Tabler.
func (NotificationDigest) TableName() string { return "notification_digests" }

// SaveNotificationSettings stores all of the user's settings (channels
// and digest). At least one channel must be on and the digest hour must
// be 0-23 (ErrInvalid otherwise).
func (db *DB) SaveNotificationSettings(ctx context.Context, s NotificationSettings) (NotificationSettings, error) {
	op := fmt.Sprintf("save notification settings of user %d", s.UserID)
	if !s.Email && !s.InApp {
		return NotificationSettings{}, dbErr(op, invalidf("at least one channel must stay on"))
	}
	if s.DigestHour < 0 || s.DigestHour > 23 {
		return NotificationSettings{}, dbErr(op, invalidf("the digest hour must be 0 to 23"))
	}
	s.UpdatedAt = db.now()
	err := db.Gorm.WithContext(ctx).Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "user_id"}},
		DoUpdates: clause.AssignmentColumns([]string{"email", "in_app", "digest", "digest_hour", "updated_at"}),
	}).Create(&s).Error
	return s, dbErr(op, err)
}

// DigestKey names the digest of a user scheduled at until: one a day in
// production, and the same on every retry of the activity that sends it.
func DigestKey(userID int64, until time.Time) string {
	return fmt.Sprintf("digest/user/%d/%s", userID, until.UTC().Format(time.RFC3339))
}

// CollectDigest returns the user's e-mails queued for the digest up to
// until, oldest first, and whether the digest named key was already sent
// (then nothing is returned: there is nothing left to do).
func (db *DB) CollectDigest(ctx context.Context, userID int64, key string, until time.Time) (entries []OutboxEntry, sent bool, err error) {
	op := fmt.Sprintf("collect the digest of user %d", userID)
	g := db.Gorm.WithContext(ctx)
	var n int64
	if err := g.Model(&NotificationDigest{}).Where("digest_key = ?", key).Count(&n).Error; err != nil {
		return nil, false, dbErr(op, err)
	}
	if n > 0 {
		return nil, true, nil
	}
	entries = []OutboxEntry{}
	err = g.Where("user_id = ? AND channel = ? AND status = ? AND created_at <= ?", userID, ChannelEmail, OutboxQueued, until.UTC()).
		Order("created_at, id").Find(&entries).Error
	return entries, false, dbErr(op, err)
}

// FinishDigest records that the digest named key went out with the given
// entries and marks them delivered, in one transaction. A digest already
// recorded (a concurrent retry) changes nothing; it reports whether this
// call recorded it.
func (db *DB) FinishDigest(ctx context.Context, userID int64, key string, until time.Time, ids []int64) (bool, error) {
	now := db.now()
	recorded := false
	err := db.transaction(ctx, func(tx *gorm.DB) error {
		d := NotificationDigest{UserID: userID, DigestKey: key, Until: until.UTC(), Entries: len(ids), SentAt: now}
		res := tx.Clauses(clause.OnConflict{Columns: []clause.Column{{Name: "digest_key"}}, DoNothing: true}).Create(&d)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return nil
		}
		recorded = true
		if len(ids) == 0 {
			return nil
		}
		return tx.Model(&OutboxEntry{}).Where("id IN ? AND status = ?", ids, OutboxQueued).
			Updates(map[string]any{"status": OutboxDelivered, "delivered_at": now, "updated_at": now, "attempts": gorm.Expr("attempts + 1")}).Error
	})
	return recorded, dbErr(fmt.Sprintf("finish the digest of user %d", userID), err)
}
