package models

import (
	"context"
	"fmt"
	"strings"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// PlanWorkflowID is the Temporal workflow id CreatePlan assigns to plan id
// when the caller supplies none. Audit event keys build on it
// ("action-plan-1/17").
func PlanWorkflowID(planID int64) string {
	return fmt.Sprintf("action-plan-%d", planID)
}

// CreatePlan inserts p and fills in its id, timestamps and defaults (status
// co_creation, current step 1, workflow id PlanWorkflowID(id)). Step rows are
// not written here; they arrive with the workflow's first projection.
//
// When p.IdempotencyKey is set and p.CreatedBy already created a plan with
// that key, that plan is loaded into p and existing is true. This relies on
// the unique index rather than a prior lookup, so concurrent retries of the
// same request cannot create two plans.
func (db *DB) CreatePlan(ctx context.Context, p *ActionPlan) (existing bool, err error) {
	if p == nil {
		return false, dbErr("create plan", invalidf("nil plan"))
	}
	if strings.TrimSpace(p.Title) == "" || p.CreatedBy == 0 || p.CoordinatorID == 0 {
		return false, dbErr("create plan", invalidf("title, created_by and coordinator_id are required"))
	}
	if p.Status == "" {
		p.Status = PlanStatusCoCreation
	}
	if p.CurrentStep == 0 {
		p.CurrentStep = 1
	}
	p.ID = 0

	err = db.transaction(ctx, func(tx *gorm.DB) error {
		q := tx
		if p.IdempotencyKey != "" {
			q = q.Clauses(clause.OnConflict{
				Columns:   []clause.Column{{Name: "created_by"}, {Name: "idempotency_key"}},
				DoNothing: true,
			})
		}
		res := q.Create(p)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			// Only reachable with a key: the conflict target skipped the
			// insert. PostgreSQL waited for a concurrent inserter to commit,
			// so the row is visible to this next statement.
			var prev ActionPlan
			if err := tx.Where("created_by = ? AND idempotency_key = ?", p.CreatedBy, p.IdempotencyKey).
				Take(&prev).Error; err != nil {
				return err
			}
			*p = prev
			existing = true
			return nil
		}
		if p.WorkflowID == "" {
			p.WorkflowID = PlanWorkflowID(p.ID)
			// UpdateColumn: completing the insert is not a modification,
			// so updated_at stays equal to created_at.
			return tx.Model(&ActionPlan{}).Where("id = ?", p.ID).UpdateColumn("workflow_id", p.WorkflowID).Error
		}
		return nil
	})
	if err != nil {
		return false, dbErr("create plan", err)
	}
	return existing, nil
}

// DeletePlan removes a plan and everything that hangs off it. It is the
// compensation for a plan whose workflow could not be started, so it
// deletes explicitly instead of trusting ON DELETE CASCADE (which a SQLite
// connection without foreign_keys=ON would ignore). ErrNotFound when absent.
func (db *DB) DeletePlan(ctx context.Context, id int64) error {
	err := db.transaction(ctx, func(tx *gorm.DB) error {
		for _, model := range []any{&AuditEvent{}, &Notification{}, &Decision{}, &Step{}, &Membership{}} {
			if err := tx.Where("plan_id = ?", id).Delete(model).Error; err != nil {
				return err
			}
		}
		res := tx.Delete(&ActionPlan{}, "id = ?", id)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return ErrNotFound
		}
		return nil
	})
	return dbErr(fmt.Sprintf("delete plan %d", id), err)
}

// GetPlan loads one plan; ErrNotFound when absent.
func (db *DB) GetPlan(ctx context.Context, id int64) (ActionPlan, error) {
	var p ActionPlan
	if err := db.Gorm.WithContext(ctx).Take(&p, "id = ?", id).Error; err != nil {
		return ActionPlan{}, dbErr(fmt.Sprintf("plan %d", id), err)
	}
	return p, nil
}

// ListPlans returns a page of plans ordered by id, optionally only those
// with the given status ("" for all), and the total count matching the
// filter. limit <= 0 means no limit.
func (db *DB) ListPlans(ctx context.Context, status string, limit, offset int) ([]ActionPlan, int64, error) {
	q := db.Gorm.WithContext(ctx).Model(&ActionPlan{})
	if status != "" {
		q = q.Where("status = ?", status)
	}
	// A new session makes q a reusable base for both statements.
	q = q.Session(&gorm.Session{})
	var total int64
	if err := q.Count(&total).Error; err != nil {
		return nil, 0, dbErr("list plans", err)
	}
	plans := []ActionPlan{}
	if err := page(q, limit, offset).Order("id").Find(&plans).Error; err != nil {
		return nil, 0, dbErr("list plans", err)
	}
	return plans, total, nil
}

// PlanSteps returns the plan's step rows ordered by number; empty (not an
// error) before the first projection or for an unknown plan.
func (db *DB) PlanSteps(ctx context.Context, planID int64) ([]Step, error) {
	steps := []Step{}
	err := db.Gorm.WithContext(ctx).Where("plan_id = ?", planID).Order("number").Find(&steps).Error
	if err != nil {
		return nil, dbErr(fmt.Sprintf("steps of plan %d", planID), err)
	}
	return steps, nil
}

// PlanDecisions returns the plan's approval decisions in the order they
// were taken per step and round.
func (db *DB) PlanDecisions(ctx context.Context, planID int64) ([]Decision, error) {
	decisions := []Decision{}
	err := db.Gorm.WithContext(ctx).Where("plan_id = ?", planID).
		Order("step_number, round, decided_at, id").Find(&decisions).Error
	if err != nil {
		return nil, dbErr(fmt.Sprintf("decisions of plan %d", planID), err)
	}
	return decisions, nil
}

// ListMembers returns the plan's roster with user names and emails, ordered
// by user id.
func (db *DB) ListMembers(ctx context.Context, planID int64) ([]MemberRow, error) {
	rows := []MemberRow{}
	err := db.Gorm.WithContext(ctx).Table("plan_memberships AS m").
		Select("m.*, u.name AS name, u.email AS email").
		Joins("JOIN users u ON u.id = m.user_id").
		Where("m.plan_id = ?", planID).
		Order("m.user_id").
		Find(&rows).Error
	if err != nil {
		return nil, dbErr(fmt.Sprintf("members of plan %d", planID), err)
	}
	return rows, nil
}

// page applies limit/offset; limit <= 0 means all rows.
func page(q *gorm.DB, limit, offset int) *gorm.DB {
	if limit > 0 {
		q = q.Limit(limit)
	}
	if offset > 0 {
		q = q.Offset(offset)
	}
	return q
}
