package models

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// IdempotencyTTL is how long a key is remembered: long enough for any
// client retry, short enough that the table stays small.
const IdempotencyTTL = 24 * time.Hour

// IdempotencyAbandonAfter is when a reservation that never got its answer
// (its process died mid-request) is given up, so the client's retry runs
// instead of being told "in progress" for a day. Every request finishes
// well within it (the HTTP server's write timeout is two minutes).
const IdempotencyAbandonAfter = 5 * time.Minute

// IdempotencyRecord is a request made with an Idempotency-Key, and its
// response once it has one (Status 0: still running).
type IdempotencyRecord struct {
	UserID      int64     `gorm:"column:user_id;primaryKey;autoIncrement:false"`
	Key         string    `gorm:"column:key;primaryKey"`
	RequestHash string    `gorm:"column:request_hash"`
	Status      int       `gorm:"column:status"`
	ContentType string    `gorm:"column:content_type"`
	Response    string    `gorm:"column:response"`
	CreatedAt   time.Time `gorm:"column:created_at"`
}

// TableName implements gorm's Tabler.
func (IdempotencyRecord) TableName() string { return "idempotency_records" }

// ReserveIdempotencyKey claims (userID, key) for a request. It returns
// reserved=true when the caller should run the request, or the existing
// record (finished or still running) when the key was used before.
// Expired records, and reservations abandoned by a crash, are forgotten
// first.
func (db *DB) ReserveIdempotencyKey(ctx context.Context, userID int64, key, requestHash string) (IdempotencyRecord, bool, error) {
	op := fmt.Sprintf("reserve idempotency key for user %d", userID)
	var rec IdempotencyRecord
	reserved := false
	err := db.transaction(ctx, func(tx *gorm.DB) error {
		now := db.now()
		if err := tx.Where("user_id = ? AND key = ? AND (created_at < ? OR (status = 0 AND created_at < ?))",
			userID, key, now.Add(-IdempotencyTTL), now.Add(-IdempotencyAbandonAfter)).
			Delete(&IdempotencyRecord{}).Error; err != nil {
			return err
		}
		rec = IdempotencyRecord{UserID: userID, Key: key, RequestHash: requestHash, CreatedAt: now}
		res := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&rec)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 1 {
			reserved = true
			return nil
		}
		return tx.Where("user_id = ? AND key = ?", userID, key).Take(&rec).Error
	})
	return rec, reserved, dbErr(op, err)
}

// CompleteIdempotencyKey stores the response of a reserved request.
func (db *DB) CompleteIdempotencyKey(ctx context.Context, userID int64, key string, status int, contentType, response string) error {
	err := db.Gorm.WithContext(ctx).Model(&IdempotencyRecord{}).Where("user_id = ? AND key = ?", userID, key).
		Updates(map[string]any{"status": status, "content_type": contentType, "response": response}).Error
	return dbErr(fmt.Sprintf("complete idempotency key for user %d", userID), err)
}

// ReleaseIdempotencyKey forgets a reserved key whose request failed in a
// way a retry may fix, so the retry runs.
func (db *DB) ReleaseIdempotencyKey(ctx context.Context, userID int64, key string) error {
	err := db.Gorm.WithContext(ctx).Where("user_id = ? AND key = ? AND status = 0", userID, key).Delete(&IdempotencyRecord{}).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		err = nil
	}
	return dbErr(fmt.Sprintf("release idempotency key for user %d", userID), err)
}
