package models

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/ogplocal/ogp"
)

// AwarenessRecord is one awareness activity of a plan (step 3).
type AwarenessRecord struct {
	ID          int64     `gorm:"column:id;primaryKey"`
	PlanID      int64     `gorm:"column:plan_id"`
	Kind        string    `gorm:"column:kind"`
	HeldOn      string    `gorm:"column:held_on"`
	Audience    string    `gorm:"column:audience"`
	Description string    `gorm:"column:description"`
	Reach       int       `gorm:"column:reach"`
	EvidenceURL string    `gorm:"column:evidence_url"`
	CreatedAt   time.Time `gorm:"column:created_at"`
	UpdatedAt   time.Time `gorm:"column:updated_at"`
}

// TableName implements gorm's Tabler.
func (AwarenessRecord) TableName() string { return "awareness_activities" }

// BeforeSave keeps stored instants in UTC whatever the caller passed.
func (a *AwarenessRecord) BeforeSave(*gorm.DB) error {
	normTime(&a.CreatedAt)
	normTime(&a.UpdatedAt)
	return nil
}

// AfterFind returns instants in UTC (pgx decodes them in time.Local).
func (a *AwarenessRecord) AfterFind(tx *gorm.DB) error { return a.BeforeSave(tx) }

func (a AwarenessRecord) domain() ogp.AwarenessActivity {
	return ogp.AwarenessActivity{ID: a.ID, Kind: ogp.AwarenessKind(a.Kind), HeldOn: ogp.Date(a.HeldOn), Audience: a.Audience,
		Description: a.Description, Reach: a.Reach, EvidenceURL: a.EvidenceURL}
}

// ListAwareness returns the plan's awareness activities by date (then id).
func (db *DB) ListAwareness(ctx context.Context, planID int64) ([]ogp.AwarenessActivity, error) {
	out, err := listAwareness(db.Gorm.WithContext(ctx), planID)
	return out, dbErr(fmt.Sprintf("awareness activities of plan %d", planID), err)
}

func listAwareness(tx *gorm.DB, planID int64) ([]ogp.AwarenessActivity, error) {
	var recs []AwarenessRecord
	if err := tx.Where("plan_id = ?", planID).Order("held_on, id").Find(&recs).Error; err != nil {
		return nil, err
	}
	out := make([]ogp.AwarenessActivity, 0, len(recs))
	for _, r := range recs {
		out = append(out, r.domain())
	}
	return out, nil
}

// AddAwarenessActivity records an activity while step 3 is being worked
// on (else a *NotEditableError). The caller validates the values.
func (db *DB) AddAwarenessActivity(ctx context.Context, planID int64, a ogp.AwarenessActivity) (ogp.AwarenessActivity, error) {
	var rec AwarenessRecord
	err := db.EditContent(ctx, planID, ogp.HomeAwareness, func(tx *gorm.DB) error {
		now := db.now()
		rec = AwarenessRecord{PlanID: planID, Kind: string(a.Kind), HeldOn: string(a.HeldOn), Audience: a.Audience,
			Description: a.Description, Reach: a.Reach, EvidenceURL: a.EvidenceURL, CreatedAt: now, UpdatedAt: now}
		return tx.Create(&rec).Error
	})
	return rec.domain(), err
}

// UpdateAwarenessActivity changes activity a.ID of the plan while step 3
// is being worked on; ErrNotFound when the plan has no such activity.
func (db *DB) UpdateAwarenessActivity(ctx context.Context, planID int64, a ogp.AwarenessActivity) (ogp.AwarenessActivity, error) {
	var rec AwarenessRecord
	err := db.EditContent(ctx, planID, ogp.HomeAwareness, func(tx *gorm.DB) error {
		res := tx.Model(&AwarenessRecord{}).Where("plan_id = ? AND id = ?", planID, a.ID).Updates(map[string]any{
			"kind": string(a.Kind), "held_on": string(a.HeldOn), "audience": a.Audience, "description": a.Description,
			"reach": a.Reach, "evidence_url": a.EvidenceURL, "updated_at": db.now()})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return fmt.Errorf("%w: no awareness activity %d in the plan", ErrNotFound, a.ID)
		}
		return tx.Where("plan_id = ? AND id = ?", planID, a.ID).Take(&rec).Error
	})
	return rec.domain(), err
}

// DeleteAwarenessActivity removes activity id of the plan while step 3 is
// being worked on; ErrNotFound when the plan has no such activity.
func (db *DB) DeleteAwarenessActivity(ctx context.Context, planID, id int64) error {
	return db.EditContent(ctx, planID, ogp.HomeAwareness, func(tx *gorm.DB) error {
		return deleteOne(tx.Where("plan_id = ? AND id = ?", planID, id), &AwarenessRecord{}, "awareness activity", id)
	})
}

// loadAwareness fills step 3's content: the awareness activities.
func loadAwareness(tx *gorm.DB, planID int64, c *ogp.Content) error {
	var err error
	c.Awareness, err = listAwareness(tx, planID)
	return err
}
