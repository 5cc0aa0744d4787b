package models

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// CalendarItem is one due date in a calendar feed: a step's (StepNumber
// set) or a milestone's (MilestoneID set). Only public content: titles
// and dates.
type CalendarItem struct {
	PlanID    int64  `gorm:"column:plan_id"`
	PlanTitle string `gorm:"column:plan_title"`
	// StepNumber is the step whose due date this is (0 for a milestone).
	StepNumber int `gorm:"column:step_number"`
	// MilestoneID, CommitmentNumber and CommitmentTitle name a milestone.
	MilestoneID      int64  `gorm:"column:milestone_id"`
	CommitmentNumber int    `gorm:"column:commitment_number"`
	CommitmentTitle  string `gorm:"column:commitment_title"`
	// Title is the milestone's current title (after amendments).
	Title string `gorm:"column:title"`
	// DueOn is 'YYYY-MM-DD': for a milestone the current due date, which
	// an approved amendment may have moved.
	DueOn string `gorm:"column:due_on"`
}

// calendarToken is a user's secret calendar feed token.
type calendarToken struct {
	UserID    int64     `gorm:"column:user_id;primaryKey"`
	Token     string    `gorm:"column:token"`
	CreatedAt time.Time `gorm:"column:created_at"`
}

// TableName implements gorm's Tabler.
func (calendarToken) TableName() string { return "calendar_tokens" }

// stepItems selects steps with a due date; milestoneItems milestones with
// their current title and due date (milestone_progress, written once
// implementation runs, holds amendments) and leaves out those of
// withdrawn commitments, which nobody delivers any more.
const (
	stepItems = `SELECT s.plan_id, p.title AS plan_title, s.number AS step_number, s.due_on
FROM steps s JOIN action_plans p ON p.id = s.plan_id
WHERE s.due_on IS NOT NULL AND s.due_on <> ''`
	milestoneItems = `SELECT m.plan_id, p.title AS plan_title, m.id AS milestone_id, c.number AS commitment_number,
  c.title AS commitment_title, COALESCE(mp.title, m.title) AS title, COALESCE(mp.due_on, m.due_on) AS due_on
FROM milestones m
JOIN commitments c ON c.id = m.commitment_id
JOIN action_plans p ON p.id = m.plan_id
LEFT JOIN milestone_progress mp ON mp.milestone_id = m.id
LEFT JOIN commitment_runs cr ON cr.commitment_id = c.id
WHERE (cr.status IS NULL OR cr.status <> 'withdrawn')`
)

// PlanCalendar lists a plan's due dates: its steps', then its milestones'
// (by commitment number and milestone id). ErrNotFound for no such plan is
// the caller's to check; an unknown plan simply has none.
func (db *DB) PlanCalendar(ctx context.Context, planID int64) ([]CalendarItem, error) {
	var steps, milestones []CalendarItem
	g := db.Gorm.WithContext(ctx)
	if err := g.Raw(stepItems+` AND s.plan_id = ? ORDER BY s.number`, planID).Scan(&steps).Error; err != nil {
		return nil, dbErr("plan calendar steps", err)
	}
	if err := g.Raw(milestoneItems+` AND m.plan_id = ? ORDER BY c.number, m.id`, planID).Scan(&milestones).Error; err != nil {
		return nil, dbErr("plan calendar milestones", err)
	}
	return append(steps, milestones...), nil
}

// UserCalendar lists the due dates that concern a user across plans: the
// steps of every plan they coordinate or approve, and the milestones they
// are responsible for or whose commitment they lead.
func (db *DB) UserCalendar(ctx context.Context, userID int64) ([]CalendarItem, error) {
	var steps, milestones []CalendarItem
	g := db.Gorm.WithContext(ctx)
	// roles is a sorted comma-separated set: wrapping it in commas makes a
	// whole-word match portable across both dialects.
	if err := g.Raw(stepItems+` AND EXISTS (SELECT 1 FROM plan_memberships pm WHERE pm.plan_id = s.plan_id AND pm.user_id = ?
  AND (',' || pm.roles || ',' LIKE '%,coordinator,%' OR ',' || pm.roles || ',' LIKE '%,approver,%'))
ORDER BY s.plan_id, s.number`, userID).Scan(&steps).Error; err != nil {
		return nil, dbErr("user calendar steps", err)
	}
	if err := g.Raw(milestoneItems+` AND (m.responsible_user_id = ? OR c.lead_user_id = ?)
ORDER BY m.plan_id, c.number, m.id`, userID, userID).Scan(&milestones).Error; err != nil {
		return nil, dbErr("user calendar milestones", err)
	}
	return append(steps, milestones...), nil
}

// newCalendarToken mints 256 random bits, hex-encoded.
func newCalendarToken() string {
	var b [32]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// CalendarToken returns the user's calendar feed token, creating it on
// first use. Two first uses at once agree on one token.
func (db *DB) CalendarToken(ctx context.Context, userID int64) (string, error) {
	var row calendarToken
	err := db.transaction(ctx, func(tx *gorm.DB) error {
		ins := calendarToken{UserID: userID, Token: newCalendarToken(), CreatedAt: db.now()}
		if err := tx.Clauses(clause.OnConflict{Columns: []clause.Column{{Name: "user_id"}}, DoNothing: true}).Create(&ins).Error; err != nil {
			return err
		}
		return tx.Where("user_id = ?", userID).Take(&row).Error
	})
	return row.Token, dbErr("calendar token", err)
}

// ResetCalendarToken replaces the user's calendar feed token: the old
// feed URL stops working at once.
func (db *DB) ResetCalendarToken(ctx context.Context, userID int64) (string, error) {
	row := calendarToken{UserID: userID, Token: newCalendarToken(), CreatedAt: db.now()}
	err := db.Gorm.WithContext(ctx).Clauses(clause.OnConflict{Columns: []clause.Column{{Name: "user_id"}},
		DoUpdates: clause.AssignmentColumns([]string{"token", "created_at"})}).Create(&row).Error
	return row.Token, dbErr("reset calendar token", err)
}

// UserByCalendarToken finds the user whose calendar feed token this is;
// ErrNotFound for an unknown (or reset) token.
func (db *DB) UserByCalendarToken(ctx context.Context, token string) (User, error) {
	var u User
	err := db.Gorm.WithContext(ctx).Table("users u").Select("u.*").
		Joins("JOIN calendar_tokens ct ON ct.user_id = u.id").Where("ct.token = ?", token).Take(&u).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		err = ErrNotFound
	}
	return u, dbErr("user by calendar token", err)
}
