package models

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/ogplocal/ogp"
)

// RoadmapEntry is a plan's roadmap entry for one of steps 3-10 (step 2's
// content). The step is the key: a plan has at most one entry per step.
type RoadmapEntry struct {
	PlanID       int64     `gorm:"column:plan_id;primaryKey"`
	Step         int       `gorm:"column:step;primaryKey;autoIncrement:false"`
	StartsOn     string    `gorm:"column:starts_on"`
	EndsOn       string    `gorm:"column:ends_on"`
	Responsible  string    `gorm:"column:responsible"`
	Stakeholders string    `gorm:"column:stakeholders"`
	CreatedAt    time.Time `gorm:"column:created_at"`
	UpdatedAt    time.Time `gorm:"column:updated_at"`
}

// TableName implements gorm's Tabler.
func (RoadmapEntry) TableName() string { return "roadmap_entries" }

// BeforeSave keeps stored instants in UTC whatever the caller passed.
func (e *RoadmapEntry) BeforeSave(*gorm.DB) error {
	normTime(&e.CreatedAt)
	normTime(&e.UpdatedAt)
	return nil
}

// AfterFind returns instants in UTC (pgx decodes them in time.Local).
func (e *RoadmapEntry) AfterFind(tx *gorm.DB) error { return e.BeforeSave(tx) }

// Domain is the entry as the gate rules see it.
func (e RoadmapEntry) Domain() ogp.RoadmapEntry {
	return ogp.RoadmapEntry{Step: e.Step, StartsOn: ogp.Date(e.StartsOn), EndsOn: ogp.Date(e.EndsOn),
		Responsible: e.Responsible, Stakeholders: e.Stakeholders}
}

// PutRoadmapEntry writes the plan's roadmap entry for e.Step, replacing
// the one there, while step 2 is being worked on (else a
// *NotEditableError). The caller validates the values.
func (db *DB) PutRoadmapEntry(ctx context.Context, planID int64, e ogp.RoadmapEntry) (RoadmapEntry, error) {
	var row RoadmapEntry
	err := db.EditContent(ctx, planID, ogp.HomeRoadmap, func(tx *gorm.DB) error {
		now := db.now()
		row = RoadmapEntry{PlanID: planID, Step: e.Step, StartsOn: string(e.StartsOn), EndsOn: string(e.EndsOn),
			Responsible: e.Responsible, Stakeholders: e.Stakeholders, CreatedAt: now, UpdatedAt: now}
		err := tx.Clauses(clause.OnConflict{
			Columns:   []clause.Column{{Name: "plan_id"}, {Name: "step"}},
			DoUpdates: clause.AssignmentColumns([]string{"starts_on", "ends_on", "responsible", "stakeholders", "updated_at"}),
		}).Create(&row).Error
		if err != nil {
			return err
		}
		// Read back: an existing entry keeps its created_at.
		return tx.Where("plan_id = ? AND step = ?", planID, e.Step).Take(&row).Error
	})
	return row, err
}

// DeleteRoadmapEntry removes the plan's roadmap entry for step, while
// step 2 is being worked on. Removing an entry that is not there changes
// nothing (deleted is false), so a retried delete is harmless.
func (db *DB) DeleteRoadmapEntry(ctx context.Context, planID int64, step int) (deleted bool, err error) {
	err = db.EditContent(ctx, planID, ogp.HomeRoadmap, func(tx *gorm.DB) error {
		res := tx.Where("plan_id = ? AND step = ?", planID, step).Delete(&RoadmapEntry{})
		deleted = res.RowsAffected > 0
		return res.Error
	})
	return deleted, err
}

// ListRoadmap returns the plan's roadmap entries by step.
func (db *DB) ListRoadmap(ctx context.Context, planID int64) ([]RoadmapEntry, error) {
	var rows []RoadmapEntry
	err := db.Gorm.WithContext(ctx).Where("plan_id = ?", planID).Order("step").Find(&rows).Error
	return rows, dbErr(fmt.Sprintf("list roadmap of plan %d", planID), err)
}

// loadRoadmap fills the content's roadmap, by step.
func loadRoadmap(tx *gorm.DB, planID int64, c *ogp.Content) error {
	var rows []RoadmapEntry
	if err := tx.Where("plan_id = ?", planID).Order("step").Find(&rows).Error; err != nil {
		return err
	}
	c.Roadmap = make([]ogp.RoadmapEntry, 0, len(rows))
	for _, r := range rows {
		c.Roadmap = append(c.Roadmap, r.Domain())
	}
	return nil
}
