package models

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/ogplocal/ogp"
)

// ErrNotEditable means a part of the content cannot change now: its home
// step is not the one being worked on, or it has been submitted.
var ErrNotEditable = errors.New("not editable")

// NotEditableError says why content cannot change, for the client.
type NotEditableError struct {
	Step   int
	Reason string
}

func (e *NotEditableError) Error() string {
	return fmt.Sprintf("the content of step %d cannot change now: %s", e.Step, e.Reason)
}

// Unwrap makes errors.Is(err, ErrNotEditable) hold.
func (e *NotEditableError) Unwrap() error { return ErrNotEditable }

// StepContent is the version counter and lock of one step's content.
type StepContent struct {
	PlanID    int64     `gorm:"column:plan_id;primaryKey"`
	Step      int       `gorm:"column:step;primaryKey;autoIncrement:false"`
	Version   int64     `gorm:"column:version"`
	Locked    bool      `gorm:"column:locked"`
	UpdatedAt time.Time `gorm:"column:updated_at"`
}

// TableName implements gorm's Tabler.
func (StepContent) TableName() string { return "step_contents" }

// StepSnapshot is the content of a step as submitted in one round.
type StepSnapshot struct {
	PlanID    int64     `gorm:"column:plan_id;primaryKey" json:"plan_id"`
	Step      int       `gorm:"column:step;primaryKey;autoIncrement:false" json:"step"`
	Round     int       `gorm:"column:round;primaryKey;autoIncrement:false" json:"round"`
	Version   int64     `gorm:"column:version" json:"version"`
	Digest    string    `gorm:"column:digest" json:"digest"`
	Content   string    `gorm:"column:content" json:"content"`
	CreatedAt time.Time `gorm:"column:created_at" json:"created_at"`
}

// TableName implements gorm's Tabler.
func (StepSnapshot) TableName() string { return "step_snapshots" }

// AfterFind returns instants in UTC (pgx decodes them in time.Local).
func (s *StepSnapshot) AfterFind(*gorm.DB) error { normTime(&s.CreatedAt); return nil }

// lockStepContent returns the step's content row, created if missing,
// locked for the rest of the transaction on PostgreSQL (SQLite serialises
// writers anyway), so an edit and a submission of the same step never
// interleave.
func lockStepContent(tx *gorm.DB, planID int64, step int, now time.Time) (StepContent, error) {
	row := StepContent{PlanID: planID, Step: step, UpdatedAt: now}
	if err := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&row).Error; err != nil {
		return row, err
	}
	q := tx
	if tx.Name() == "postgres" {
		q = q.Clauses(clause.Locking{Strength: "UPDATE"})
	}
	err := q.Where("plan_id = ? AND step = ?", planID, step).Take(&row).Error
	return row, err
}

// EditContent runs fn, which changes content whose home step is homeStep,
// in one transaction, but only while homeStep is the plan's current step,
// being worked on (in progress or with changes requested) and not
// submitted. Otherwise it returns a *NotEditableError and writes nothing.
// fn must use only tx (on SQLite the pool has one connection).
func (db *DB) EditContent(ctx context.Context, planID int64, homeStep int, fn func(tx *gorm.DB) error) error {
	op := fmt.Sprintf("edit content of step %d of plan %d", homeStep, planID)
	err := db.transaction(ctx, func(tx *gorm.DB) error {
		if err := editable(tx, planID, homeStep, db.now()); err != nil {
			return err
		}
		return fn(tx)
	})
	var ne *NotEditableError
	if errors.As(err, &ne) {
		return err
	}
	return dbErr(op, err)
}

func editable(tx *gorm.DB, planID int64, homeStep int, now time.Time) error {
	var plan ActionPlan
	if err := tx.Where("id = ?", planID).Take(&plan).Error; err != nil {
		return err
	}
	sc, err := lockStepContent(tx, planID, homeStep, now)
	if err != nil {
		return err
	}
	var step Step
	if err := tx.Where("plan_id = ? AND number = ?", planID, homeStep).Take(&step).Error; err != nil {
		return err
	}
	switch {
	case sc.Locked || step.Status == string(ogp.StepAwaitingApproval):
		return &NotEditableError{Step: homeStep, Reason: "it is submitted and awaiting approval; an approver can request changes"}
	case step.Status == string(ogp.StepApproved):
		return &NotEditableError{Step: homeStep, Reason: "step is approved, so its content is final"}
	case plan.CurrentStep != homeStep || step.Status == string(ogp.StepNotStarted):
		return &NotEditableError{Step: homeStep, Reason: fmt.Sprintf("the plan is at step %d; this content is recorded during step %d", plan.CurrentStep, homeStep)}
	}
	return tx.Model(&StepContent{}).Where("plan_id = ? AND step = ?", planID, homeStep).
		Updates(map[string]any{"version": gorm.Expr("version + 1"), "updated_at": now}).Error
}

// SubmitResult is the outcome of a gate check at submission.
type SubmitResult struct {
	// Violations lists every unmet rule; empty means the step passed, its
	// content is locked and snapshotted.
	Violations []ogp.Violation `json:"violations,omitempty"`
	Version    int64           `json:"version"`
	Digest     string          `json:"digest"`
	// Content is the plan's content as checked.
	Content ogp.Content `json:"content"`
}

// SubmitContent checks step's content with check and, when it passes,
// locks it and snapshots it for round, in one transaction: nothing can
// change between the check and the lock. A retry for a round already
// snapshotted answers the stored result, so the activity is idempotent.
func (db *DB) SubmitContent(ctx context.Context, planID int64, step, round int, check func(ogp.Content) []ogp.Violation) (SubmitResult, error) {
	op := fmt.Sprintf("submit content of step %d round %d of plan %d", step, round, planID)
	var res SubmitResult
	err := db.transaction(ctx, func(tx *gorm.DB) error {
		now := db.now()
		sc, err := lockStepContent(tx, planID, step, now)
		if err != nil {
			return err
		}
		c, err := loadContent(tx, planID)
		if err != nil {
			return err
		}
		res.Content = c
		var prior StepSnapshot
		err = tx.Where("plan_id = ? AND step = ? AND round = ?", planID, step, round).Take(&prior).Error
		if err == nil {
			res.Version, res.Digest = prior.Version, prior.Digest
			return nil
		}
		if !errors.Is(err, gorm.ErrRecordNotFound) {
			return err
		}
		if res.Violations = check(c); len(res.Violations) > 0 {
			return nil
		}
		b, err := json.Marshal(ogp.ContentForStep(step, c))
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		res.Version, res.Digest = sc.Version, hex.EncodeToString(sum[:])
		snap := StepSnapshot{PlanID: planID, Step: step, Round: round, Version: sc.Version, Digest: res.Digest, Content: string(b), CreatedAt: now}
		if err := tx.Create(&snap).Error; err != nil {
			return err
		}
		return tx.Model(&StepContent{}).Where("plan_id = ? AND step = ?", planID, step).
			Updates(map[string]any{"locked": true, "updated_at": now}).Error
	})
	return res, dbErr(op, err)
}

// LoadContent loads everything the plan's co-creation has recorded.
func (db *DB) LoadContent(ctx context.Context, planID int64) (ogp.Content, error) {
	c, err := loadContent(db.Gorm.WithContext(ctx), planID)
	return c, dbErr(fmt.Sprintf("load content of plan %d", planID), err)
}

func loadContent(tx *gorm.DB, planID int64) (ogp.Content, error) {
	var c ogp.Content
	for _, load := range []func(*gorm.DB, int64, *ogp.Content) error{
		loadTeamForumMonitoring, loadRoadmap, loadAwareness, loadProblems, loadCommitments, loadVision, loadLearning,
	} {
		if err := load(tx, planID, &c); err != nil {
			return c, err
		}
	}
	return c, nil
}

// StepSnapshots lists the submissions of a step, oldest round first.
func (db *DB) StepSnapshots(ctx context.Context, planID int64, step int) ([]StepSnapshot, error) {
	var out []StepSnapshot
	err := db.Gorm.WithContext(ctx).Where("plan_id = ? AND step = ?", planID, step).Order("round").Find(&out).Error
	return out, dbErr(fmt.Sprintf("list snapshots of step %d of plan %d", step, planID), err)
}

// unlockReopenedSteps releases the content of steps that are being worked
// on again (changes requested, or a submission returned), as a projection
// of the workflow's state.
func unlockReopenedSteps(tx *gorm.DB, planID int64, steps []Step, now time.Time) error {
	var reopened []int
	for _, s := range steps {
		if s.Status == string(ogp.StepInProgress) || s.Status == string(ogp.StepChangesRequested) {
			reopened = append(reopened, s.Number)
		}
	}
	if len(reopened) == 0 {
		return nil
	}
	return tx.Model(&StepContent{}).Where("plan_id = ? AND step IN ? AND locked", planID, reopened).
		Updates(map[string]any{"locked": false, "updated_at": now}).Error
}
