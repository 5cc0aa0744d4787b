package models

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// Projection is the state of one action plan's workflow as the database
// should show it. The workflow builds it and an activity hands it to
// ApplyProjection; the JSON tags are its Temporal payload encoding.
type Projection struct {
	PlanID int64 `json:"plan_id"`
	// Version increases with every state change of the workflow; it is what
	// makes out-of-order and retried activity executions harmless.
	Version              int64  `json:"version"`
	Status               string `json:"status"`
	CurrentStep          int    `json:"current_step"`
	ReminderIntervalDays int    `json:"reminder_interval_days"`
	// ReminderPolicy is the plan's reminder policy as JSON, "" for the
	// default (stored as NULL).
	ReminderPolicy string `json:"reminder_policy,omitempty"`
	// Steps is the full set of step rows (StepCount of them).
	Steps []Step `json:"steps"`
	// Members is the full roster; memberships missing from it are removed.
	Members []Membership `json:"members"`
	// Decisions and Events may repeat rows written by earlier projections.
	Decisions []Decision   `json:"decisions"`
	Events    []AuditEvent `json:"events"`
}

// stepCompareColumns are the step columns whose change bumps updated_at.
var stepCompareColumns = []string{
	"key", "status", "due_on", "started_at", "submitted_at", "submitted_by",
	"summary", "round", "approved_at", "reminders_sent",
}

// insertBatch keeps multi-row INSERTs below both dialects' bind-parameter
// limits (SQLite 32766, PostgreSQL 65535) for the widest row here.
const insertBatch = 200

// ApplyProjection writes p in one transaction, idempotently and safely
// against reordering:
//
//   - The plan row (status, current step, reminder interval, state version),
//     the steps and the roster are overwritten only when p.Version is greater
//     than the stored state_version. The version check is the UPDATE's WHERE
//     clause, so of two concurrent appliers the older one either waits on
//     the row lock and then loses, or goes first and is overwritten after.
//   - Decisions and events are inserted whatever the version, skipping those
//     already present; an old projection can therefore only add history,
//     never roll state back.
//
// Unchanged step and membership rows keep their updated_at. The argument's
// slices are not modified. ErrNotFound when the plan does not exist;
// ErrInvalid for malformed input (wrong plan id in a row, duplicate step
// number or member, empty event key) or rows the schema rejects.
func (db *DB) ApplyProjection(ctx context.Context, p Projection) error {
	op := fmt.Sprintf("apply projection v%d of plan %d", p.Version, p.PlanID)
	in, err := p.normalized()
	if err != nil {
		return dbErr(op, err)
	}
	err = db.transaction(ctx, func(tx *gorm.DB) error {
		now := db.now()
		res := tx.Model(&ActionPlan{}).
			Where("id = ? AND state_version < ?", p.PlanID, p.Version).
			Updates(map[string]any{
				"status":                 p.Status,
				"current_step":           p.CurrentStep,
				"reminder_interval_days": p.ReminderIntervalDays,
				"reminder_policy":        nullIfEmpty(p.ReminderPolicy),
				"state_version":          p.Version,
				"updated_at":             now,
			})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			var n int64
			if err := tx.Model(&ActionPlan{}).Where("id = ?", p.PlanID).Count(&n).Error; err != nil {
				return err
			}
			if n == 0 {
				return ErrNotFound
			}
		} else {
			if err := upsertSteps(tx, in.Steps, now); err != nil {
				return err
			}
			if err := replaceRoster(tx, p.PlanID, in.Members, now); err != nil {
				return err
			}
			if err := unlockReopenedSteps(tx, p.PlanID, in.Steps, now); err != nil {
				return err
			}
		}
		if err := insertDecisions(tx, p.PlanID, in.Decisions); err != nil {
			return err
		}
		return insertEvents(tx, in.Events)
	})
	return dbErr(op, err)
}

// normalized returns copies of p's rows with plan ids filled in, ids
// cleared (they are the database's), roles canonical, and duplicates
// rejected (steps, members) or dropped (decisions, events), because one
// multi-row upsert may not touch the same row twice.
func (p Projection) normalized() (Projection, error) {
	out := p
	if p.PlanID <= 0 {
		return out, invalidf("plan id %d", p.PlanID)
	}
	checkPlan := func(kind string, id int64) error {
		if id != 0 && id != p.PlanID {
			return invalidf("%s belongs to plan %d", kind, id)
		}
		return nil
	}

	out.Steps = make([]Step, 0, len(p.Steps))
	seenSteps := map[int]bool{}
	for _, s := range p.Steps {
		if err := checkPlan(fmt.Sprintf("step %d", s.Number), s.PlanID); err != nil {
			return out, err
		}
		if seenSteps[s.Number] {
			return out, invalidf("step %d listed twice", s.Number)
		}
		seenSteps[s.Number] = true
		s.PlanID = p.PlanID
		out.Steps = append(out.Steps, s)
	}

	out.Members = make([]Membership, 0, len(p.Members))
	seenMembers := map[int64]bool{}
	for _, m := range p.Members {
		if err := checkPlan(fmt.Sprintf("membership of user %d", m.UserID), m.PlanID); err != nil {
			return out, err
		}
		if seenMembers[m.UserID] {
			return out, invalidf("user %d listed twice in roster", m.UserID)
		}
		seenMembers[m.UserID] = true
		m.PlanID = p.PlanID
		m.Roles = JoinRoles(m.Roles)
		out.Members = append(out.Members, m)
	}

	out.Decisions = make([]Decision, 0, len(p.Decisions))
	seenDecisions := map[decisionKey]bool{}
	for _, d := range p.Decisions {
		if err := checkPlan("decision", d.PlanID); err != nil {
			return out, err
		}
		k := decisionKey{d.StepNumber, d.Round, d.ApproverID}
		if seenDecisions[k] {
			continue
		}
		seenDecisions[k] = true
		d.ID, d.PlanID = 0, p.PlanID
		out.Decisions = append(out.Decisions, d)
	}

	out.Events = make([]AuditEvent, 0, len(p.Events))
	seenEvents := map[string]bool{}
	for _, e := range p.Events {
		if err := checkPlan("event "+e.EventKey, e.PlanID); err != nil {
			return out, err
		}
		if strings.TrimSpace(e.EventKey) == "" {
			return out, invalidf("event with seq %d has no key", e.Seq)
		}
		if seenEvents[e.EventKey] {
			continue
		}
		seenEvents[e.EventKey] = true
		e.ID, e.PlanID = 0, p.PlanID
		out.Events = append(out.Events, e)
	}
	return out, nil
}

type decisionKey struct {
	step, round int
	approver    int64
}

// upsertSteps writes the step rows. updated_at is the database's write time
// (any value passed in is ignored) and only moves when a column changed, so
// it tells when the step last changed, not when it was last re-projected.
func upsertSteps(tx *gorm.DB, steps []Step, now time.Time) error {
	if len(steps) == 0 {
		return nil
	}
	for i := range steps {
		steps[i].UpdatedAt = now
	}
	changed := make([]string, 0, len(stepCompareColumns))
	for _, c := range stepCompareColumns {
		changed = append(changed, fmt.Sprintf(`steps.%[1]q IS DISTINCT FROM excluded.%[1]q`, c))
	}
	return tx.Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "plan_id"}, {Name: "number"}},
		DoUpdates: clause.AssignmentColumns(append(append([]string{}, stepCompareColumns...), "updated_at")),
		Where:     clause.Where{Exprs: []clause.Expression{clause.Expr{SQL: strings.Join(changed, " OR ")}}},
	}).CreateInBatches(&steps, insertBatch).Error
}

// replaceRoster makes the plan's memberships exactly members.
func replaceRoster(tx *gorm.DB, planID int64, members []Membership, now time.Time) error {
	del := tx.Where("plan_id = ?", planID)
	if len(members) > 0 {
		keep := make([]int64, len(members))
		for i, m := range members {
			keep[i] = m.UserID
		}
		del = del.Where("user_id NOT IN ?", keep)
	}
	if err := del.Delete(&Membership{}).Error; err != nil {
		return err
	}
	if len(members) == 0 {
		return nil
	}
	for i := range members {
		members[i].UpdatedAt = now
		if members[i].CreatedAt.IsZero() {
			members[i].CreatedAt = now
		}
	}
	return tx.Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "plan_id"}, {Name: "user_id"}},
		DoUpdates: clause.AssignmentColumns([]string{"roles", "sector", "updated_at"}),
		Where: clause.Where{Exprs: []clause.Expression{clause.Expr{
			SQL: `plan_memberships.roles IS DISTINCT FROM excluded.roles OR plan_memberships.sector IS DISTINCT FROM excluded.sector`,
		}}},
	}).CreateInBatches(&members, insertBatch).Error
}

// insertDecisions adds the decisions not stored yet. Filtering first keeps
// re-applied projections from burning PostgreSQL sequence values; ON
// CONFLICT still covers a concurrent writer.
func insertDecisions(tx *gorm.DB, planID int64, decisions []Decision) error {
	if len(decisions) == 0 {
		return nil
	}
	var stored []Decision
	if err := tx.Select("step_number", "round", "approver_id").
		Where("plan_id = ?", planID).Find(&stored).Error; err != nil {
		return err
	}
	have := make(map[decisionKey]bool, len(stored))
	for _, d := range stored {
		have[decisionKey{d.StepNumber, d.Round, d.ApproverID}] = true
	}
	missing := decisions[:0:0]
	for _, d := range decisions {
		if !have[decisionKey{d.StepNumber, d.Round, d.ApproverID}] {
			missing = append(missing, d)
		}
	}
	if len(missing) == 0 {
		return nil
	}
	// Concurrent inserters that meet on the unique index wait for each
	// other; a common key order makes that a queue, never a deadlock.
	slices.SortFunc(missing, func(a, b Decision) int {
		return cmp.Or(cmp.Compare(a.StepNumber, b.StepNumber), cmp.Compare(a.Round, b.Round), cmp.Compare(a.ApproverID, b.ApproverID))
	})
	return tx.Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "plan_id"}, {Name: "step_number"}, {Name: "round"}, {Name: "approver_id"}},
		DoNothing: true,
	}).CreateInBatches(&missing, insertBatch).Error
}

// insertEvents adds the events not stored yet (see insertDecisions), and
// replaces a stored event whose key comes back with other content, as
// insertCommitmentEvents does and for the same reason.
func insertEvents(tx *gorm.DB, events []AuditEvent) error {
	var missing []AuditEvent
	for start := 0; start < len(events); start += inListChunk {
		chunk := events[start:min(start+inListChunk, len(events))]
		keys := make([]string, len(chunk))
		for i, e := range chunk {
			keys[i] = e.EventKey
		}
		var stored []AuditEvent
		if err := tx.Select("event_key", "kind", "actor_id", "step_number", "payload", "occurred_at").
			Where("event_key IN ?", keys).Find(&stored).Error; err != nil {
			return err
		}
		have := make(map[string]AuditEvent, len(stored))
		for _, e := range stored {
			have[e.EventKey] = e
		}
		for _, e := range chunk {
			old, ok := have[e.EventKey]
			switch {
			case !ok:
				missing = append(missing, e)
			case !sameEvent(old.Kind, e.Kind, old.ActorID, e.ActorID, old.Payload, e.Payload, old.OccurredAt, e.OccurredAt) ||
				(old.StepNumber == nil) != (e.StepNumber == nil) || (old.StepNumber != nil && *old.StepNumber != *e.StepNumber):
				changes := eventChanges(e.Seq, e.Kind, e.ActorID, e.Payload, e.OccurredAt)
				changes["step_number"] = e.StepNumber
				if err := tx.Model(&AuditEvent{}).Where("event_key = ?", e.EventKey).Updates(changes).Error; err != nil {
					return err
				}
			}
		}
	}
	if len(missing) == 0 {
		return nil
	}
	// Deadlock-free ordering as in insertDecisions; an event's seq never
	// changes, so (seq, key) is the same total order for every writer.
	slices.SortFunc(missing, func(a, b AuditEvent) int {
		return cmp.Or(cmp.Compare(a.Seq, b.Seq), strings.Compare(a.EventKey, b.EventKey))
	})
	return tx.Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "event_key"}},
		DoNothing: true,
	}).CreateInBatches(&missing, insertBatch).Error
}

// nullIfEmpty stores "" as NULL.
func nullIfEmpty(v string) *string {
	if v == "" {
		return nil
	}
	return &v
}
