package models

import (
	"context"
	"fmt"

	"gorm.io/gorm"
)

// ListEvents returns a page of the plan's audit events, oldest first by
// sequence number, and the plan's total event count. limit <= 0 means no
// limit.
func (db *DB) ListEvents(ctx context.Context, planID int64, limit, offset int) ([]AuditEvent, int64, error) {
	q := db.Gorm.WithContext(ctx).Model(&AuditEvent{}).Where("plan_id = ?", planID).Session(&gorm.Session{})
	var total int64
	if err := q.Count(&total).Error; err != nil {
		return nil, 0, dbErr(fmt.Sprintf("events of plan %d", planID), err)
	}
	out := []AuditEvent{}
	if err := page(q, limit, offset).Order("seq, id").Find(&out).Error; err != nil {
		return nil, 0, dbErr(fmt.Sprintf("events of plan %d", planID), err)
	}
	return out, total, nil
}
