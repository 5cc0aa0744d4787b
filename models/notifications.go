package models

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// CreateNotifications inserts the notifications in one transaction and
// returns how many were new. A notification whose (DedupKey, UserID) is
// already stored is skipped, which makes retried activities and replayed
// reminders harmless. Every notification needs a DedupKey (ErrInvalid
// otherwise). The argument is not modified: ids are not reported back,
// because a multi-row insert that skips rows cannot say which got which id.
func (db *DB) CreateNotifications(ctx context.Context, ns []Notification) (inserted int, err error) {
	if len(ns) == 0 {
		return 0, nil
	}
	rows := make([]Notification, len(ns))
	for i, n := range ns {
		if n.DedupKey == "" || n.UserID == 0 || n.Kind == "" {
			return 0, dbErr("create notifications", invalidf("notification %d needs user_id, kind and dedup_key", i))
		}
		n.ID, n.ReadAt = 0, nil
		rows[i] = n
	}
	// A common key order turns concurrent writers meeting on the unique
	// index into a queue instead of a deadlock.
	slices.SortStableFunc(rows, func(a, b Notification) int {
		return cmp.Or(cmp.Compare(a.UserID, b.UserID), strings.Compare(a.DedupKey, b.DedupKey))
	})
	err = db.transaction(ctx, func(tx *gorm.DB) error {
		res := tx.Clauses(clause.OnConflict{
			Columns:   []clause.Column{{Name: "dedup_key"}, {Name: "user_id"}},
			DoNothing: true,
		}).CreateInBatches(&rows, insertBatch)
		inserted = int(res.RowsAffected)
		return res.Error
	})
	if err != nil {
		return 0, dbErr("create notifications", err)
	}
	return inserted, nil
}

// ListNotifications returns a page of the user's notifications, newest
// first, and the total matching count. limit <= 0 means no limit.
func (db *DB) ListNotifications(ctx context.Context, userID int64, unreadOnly bool, limit, offset int) ([]Notification, int64, error) {
	q := db.Gorm.WithContext(ctx).Model(&Notification{}).Where("user_id = ?", userID)
	if unreadOnly {
		q = q.Where("read_at IS NULL")
	}
	q = q.Session(&gorm.Session{})
	var total int64
	if err := q.Count(&total).Error; err != nil {
		return nil, 0, dbErr("list notifications", err)
	}
	out := []Notification{}
	if err := page(q, limit, offset).Order("created_at DESC, id DESC").Find(&out).Error; err != nil {
		return nil, 0, dbErr("list notifications", err)
	}
	return out, total, nil
}

// MarkNotificationRead marks the user's notification read and returns it.
// Marking twice keeps the first read time. ErrNotFound when the
// notification does not exist or belongs to someone else, so ids of other
// users' notifications cannot be probed.
func (db *DB) MarkNotificationRead(ctx context.Context, userID, id int64) (Notification, error) {
	op := fmt.Sprintf("mark notification %d read", id)
	g := db.Gorm.WithContext(ctx)
	// Conditional update instead of read-modify-write: idempotent and free of
	// races without a transaction.
	if err := g.Model(&Notification{}).
		Where("id = ? AND user_id = ? AND read_at IS NULL", id, userID).
		Update("read_at", db.now()).Error; err != nil {
		return Notification{}, dbErr(op, err)
	}
	var n Notification
	if err := g.Where("id = ? AND user_id = ?", id, userID).Take(&n).Error; err != nil {
		return Notification{}, dbErr(op, err)
	}
	return n, nil
}
