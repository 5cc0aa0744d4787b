package models

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/ogplocal/ogp"
)

// StrategicVision is a plan's strategic vision (step 7's content): one
// text per plan.
type StrategicVision struct {
	PlanID    int64     `gorm:"column:plan_id;primaryKey;autoIncrement:false"`
	Text      string    `gorm:"column:text"`
	CreatedAt time.Time `gorm:"column:created_at"`
	UpdatedAt time.Time `gorm:"column:updated_at"`
}

// TableName implements gorm's Tabler.
func (StrategicVision) TableName() string { return "strategic_visions" }

// BeforeSave keeps stored instants in UTC whatever the caller passed.
func (v *StrategicVision) BeforeSave(*gorm.DB) error {
	normTime(&v.CreatedAt)
	normTime(&v.UpdatedAt)
	return nil
}

// AfterFind returns instants in UTC (pgx decodes them in time.Local).
func (v *StrategicVision) AfterFind(tx *gorm.DB) error { return v.BeforeSave(tx) }

// PutVision writes the plan's strategic vision, replacing the one there,
// while step 7 is being worked on (else a *NotEditableError). The caller
// validates the text.
func (db *DB) PutVision(ctx context.Context, planID int64, text string) (StrategicVision, error) {
	var row StrategicVision
	err := db.EditContent(ctx, planID, ogp.HomeVision, func(tx *gorm.DB) error {
		now := db.now()
		row = StrategicVision{PlanID: planID, Text: text, CreatedAt: now, UpdatedAt: now}
		err := tx.Clauses(clause.OnConflict{
			Columns:   []clause.Column{{Name: "plan_id"}},
			DoUpdates: clause.AssignmentColumns([]string{"text", "updated_at"}),
		}).Create(&row).Error
		if err != nil {
			return err
		}
		return tx.Where("plan_id = ?", planID).Take(&row).Error
	})
	return row, err
}

// GetVision returns the plan's strategic vision; ErrNotFound when it has
// none yet.
func (db *DB) GetVision(ctx context.Context, planID int64) (StrategicVision, error) {
	var row StrategicVision
	err := db.Gorm.WithContext(ctx).Where("plan_id = ?", planID).Take(&row).Error
	return row, dbErr(fmt.Sprintf("get strategic vision of plan %d", planID), err)
}

// loadVision fills the content's strategic vision, if the plan has one.
func loadVision(tx *gorm.DB, planID int64, c *ogp.Content) error {
	var rows []StrategicVision
	if err := tx.Where("plan_id = ?", planID).Limit(1).Find(&rows).Error; err != nil {
		return err
	}
	if len(rows) == 1 {
		c.Vision = &ogp.StrategicVision{Text: rows[0].Text}
	}
	return nil
}
