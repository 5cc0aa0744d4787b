package models

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/ogplocal/ogp"
)

// Implementation (step 9): the projection of each commitment's workflow.
// The workflow owns the state; ApplyCommitmentProjection writes it here so
// the public can read milestones, progress, delays and amendments without
// asking Temporal.

// CommitmentRunRecord is a commitment's workflow as the database shows
// it: its status, OGP completion level and the state version last written.
type CommitmentRunRecord struct {
	CommitmentID int64     `gorm:"column:commitment_id;primaryKey;autoIncrement:false"`
	PlanID       int64     `gorm:"column:plan_id"`
	WorkflowID   string    `gorm:"column:workflow_id"`
	Status       string    `gorm:"column:status"`
	Completion   string    `gorm:"column:completion"`
	Policy       string    `gorm:"column:policy"`
	StateVersion int64     `gorm:"column:state_version"`
	UpdatedAt    time.Time `gorm:"column:updated_at"`
}

// TableName implements gorm's Tabler.
func (CommitmentRunRecord) TableName() string { return "commitment_runs" }

// MilestoneProgressRecord is where a milestone stands. Title and DueOn are
// the current ones, after any approved amendment.
type MilestoneProgressRecord struct {
	MilestoneID   int64      `gorm:"column:milestone_id;primaryKey;autoIncrement:false"`
	PlanID        int64      `gorm:"column:plan_id"`
	CommitmentID  int64      `gorm:"column:commitment_id"`
	Title         string     `gorm:"column:title"`
	Status        string     `gorm:"column:status"`
	Percent       int        `gorm:"column:percent"`
	DueOn         string     `gorm:"column:due_on"`
	CompletedAt   *time.Time `gorm:"column:completed_at"`
	RemindersSent int        `gorm:"column:reminders_sent"`
	UpdatedAt     time.Time  `gorm:"column:updated_at"`
}

// TableName implements gorm's Tabler.
func (MilestoneProgressRecord) TableName() string { return "milestone_progress" }

// ProgressReportRecord is one public progress report; Evidence is a JSON
// array of links.
type ProgressReportRecord struct {
	MilestoneID  int64     `gorm:"column:milestone_id;primaryKey;autoIncrement:false"`
	Seq          int       `gorm:"column:seq;primaryKey;autoIncrement:false"`
	PlanID       int64     `gorm:"column:plan_id"`
	CommitmentID int64     `gorm:"column:commitment_id"`
	Status       string    `gorm:"column:status"`
	Percent      int       `gorm:"column:percent"`
	Narrative    string    `gorm:"column:narrative"`
	Evidence     string    `gorm:"column:evidence"`
	ReportedBy   int64     `gorm:"column:reported_by"`
	ReportedAt   time.Time `gorm:"column:reported_at"`
}

// TableName implements gorm's Tabler.
func (ProgressReportRecord) TableName() string { return "progress_reports" }

// DelayExplanationRecord is one public explanation of a late milestone.
type DelayExplanationRecord struct {
	ID           int64     `gorm:"column:id;primaryKey"`
	PlanID       int64     `gorm:"column:plan_id"`
	CommitmentID int64     `gorm:"column:commitment_id"`
	MilestoneID  int64     `gorm:"column:milestone_id"`
	Text         string    `gorm:"column:text"`
	ExplainedBy  int64     `gorm:"column:explained_by"`
	ExplainedAt  time.Time `gorm:"column:explained_at"`
}

// TableName implements gorm's Tabler.
func (DelayExplanationRecord) TableName() string { return "delay_explanations" }

// AmendmentRecord is a request to change a milestone, with both dates.
// Approvers and Decisions are JSON arrays (user ids; ogp.Approval).
type AmendmentRecord struct {
	CommitmentID int64     `gorm:"column:commitment_id;primaryKey;autoIncrement:false"`
	Seq          int       `gorm:"column:seq;primaryKey;autoIncrement:false"`
	PlanID       int64     `gorm:"column:plan_id"`
	MilestoneID  int64     `gorm:"column:milestone_id"`
	OldDueOn     string    `gorm:"column:old_due_on"`
	NewDueOn     string    `gorm:"column:new_due_on"`
	NewTitle     string    `gorm:"column:new_title"`
	Reason       string    `gorm:"column:reason"`
	RequestedBy  int64     `gorm:"column:requested_by"`
	RequestedAt  time.Time `gorm:"column:requested_at"`
	Status       string    `gorm:"column:status"`
	Approvers    string    `gorm:"column:approvers"`
	Decisions    string    `gorm:"column:decisions"`
	UpdatedAt    time.Time `gorm:"column:updated_at"`
}

// TableName implements gorm's Tabler.
func (AmendmentRecord) TableName() string { return "amendments" }

// WithdrawalRecord is a request to withdraw a commitment; Round numbers a
// commitment's requests from 1 (a rejected one may be followed by another).
type WithdrawalRecord struct {
	CommitmentID int64     `gorm:"column:commitment_id;primaryKey;autoIncrement:false"`
	Round        int       `gorm:"column:round;primaryKey;autoIncrement:false"`
	PlanID       int64     `gorm:"column:plan_id"`
	Reason       string    `gorm:"column:reason"`
	RequestedBy  int64     `gorm:"column:requested_by"`
	RequestedAt  time.Time `gorm:"column:requested_at"`
	Status       string    `gorm:"column:status"`
	Approvers    string    `gorm:"column:approvers"`
	Decisions    string    `gorm:"column:decisions"`
	UpdatedAt    time.Time `gorm:"column:updated_at"`
}

// TableName implements gorm's Tabler.
func (WithdrawalRecord) TableName() string { return "withdrawals" }

// CommitmentEventRecord is one entry of a commitment's audit trail,
// emitted by its workflow. EventKey ("commitment-<id>/<seq>") is unique:
// re-projecting an event is a no-op.
type CommitmentEventRecord struct {
	ID           int64     `gorm:"column:id;primaryKey"`
	PlanID       int64     `gorm:"column:plan_id"`
	CommitmentID int64     `gorm:"column:commitment_id"`
	EventKey     string    `gorm:"column:event_key"`
	Seq          int64     `gorm:"column:seq"`
	Kind         string    `gorm:"column:kind"`
	ActorID      *int64    `gorm:"column:actor_id"`
	Payload      string    `gorm:"column:payload"`
	OccurredAt   time.Time `gorm:"column:occurred_at"`
}

// TableName implements gorm's Tabler.
func (CommitmentEventRecord) TableName() string { return "commitment_events" }

// CommitmentProjection is the state of one commitment's workflow as the
// database should show it (see NewCommitmentProjection).
type CommitmentProjection struct {
	PlanID       int64
	CommitmentID int64
	WorkflowID   string
	// Version increases with every state change of the workflow; it is
	// what makes out-of-order and retried projections harmless.
	Version    int64
	Status     string
	Completion string
	// Policy is the reminder policy, JSON.
	Policy string
	// Milestones, Amendments and Withdrawals are current state: written
	// only when Version is newer than the stored one.
	Milestones  []MilestoneProgressRecord
	Amendments  []AmendmentRecord
	Withdrawals []WithdrawalRecord
	// Reports, Delays and Events are history: inserted whatever the
	// version, each once.
	Reports []ProgressReportRecord
	Delays  []DelayExplanationRecord
	Events  []CommitmentEventRecord
}

// NewCommitmentProjection converts a commitment workflow's state and new
// audit events into the rows ApplyCommitmentProjection writes. Event keys
// join the workflow ID and the event's sequence number, as the plan's do;
// the events go to the commitment's own trail, not the plan's.
func NewCommitmentProjection(st ogp.CommitmentState, events []ogp.Event) (CommitmentProjection, error) {
	p := CommitmentProjection{PlanID: st.PlanID, CommitmentID: st.CommitmentID, WorkflowID: st.WorkflowID,
		Version: st.Version, Status: string(st.Status), Completion: string(st.Completion)}
	policy, err := json.Marshal(st.Policy)
	if err != nil {
		return CommitmentProjection{}, fmt.Errorf("policy: %w", err)
	}
	p.Policy = string(policy)
	for _, m := range st.Milestones {
		row := MilestoneProgressRecord{MilestoneID: m.ID, PlanID: st.PlanID, CommitmentID: st.CommitmentID, Title: m.Title,
			Status: string(m.Status), Percent: m.Percent, DueOn: string(m.DueOn), RemindersSent: m.RemindersSent}
		if m.CompletedAt != nil {
			at := *m.CompletedAt
			row.CompletedAt = &at
		}
		p.Milestones = append(p.Milestones, row)
		for _, r := range m.Reports {
			evidence, err := jsonText(r.Evidence, len(r.Evidence), "[]")
			if err != nil {
				return CommitmentProjection{}, fmt.Errorf("report %d of milestone %d: %w", r.Seq, m.ID, err)
			}
			p.Reports = append(p.Reports, ProgressReportRecord{MilestoneID: m.ID, Seq: r.Seq, PlanID: st.PlanID,
				CommitmentID: st.CommitmentID, Status: string(r.Status), Percent: r.Percent, Narrative: r.Narrative,
				Evidence: evidence, ReportedBy: r.ReportedBy, ReportedAt: r.ReportedAt})
		}
		for _, d := range m.Delays {
			p.Delays = append(p.Delays, DelayExplanationRecord{PlanID: st.PlanID, CommitmentID: st.CommitmentID,
				MilestoneID: m.ID, Text: d.Text, ExplainedBy: d.ExplainedBy, ExplainedAt: d.ExplainedAt})
		}
	}
	for _, a := range st.Amendments {
		approvers, err := jsonText(a.Approvers, len(a.Approvers), "[]")
		if err != nil {
			return CommitmentProjection{}, err
		}
		decisions, err := jsonText(a.Decisions, len(a.Decisions), "[]")
		if err != nil {
			return CommitmentProjection{}, err
		}
		p.Amendments = append(p.Amendments, AmendmentRecord{CommitmentID: st.CommitmentID, Seq: a.Seq, PlanID: st.PlanID,
			MilestoneID: a.MilestoneID, OldDueOn: string(a.OldDueOn), NewDueOn: string(a.NewDueOn), NewTitle: a.NewTitle,
			Reason: a.Reason, RequestedBy: a.RequestedBy, RequestedAt: a.RequestedAt, Status: string(a.Status),
			Approvers: approvers, Decisions: decisions})
	}
	withdrawals := append([]ogp.Withdrawal{}, st.PastWithdrawals...)
	if st.Withdrawal != nil {
		withdrawals = append(withdrawals, *st.Withdrawal)
	}
	for i, w := range withdrawals {
		approvers, err := jsonText(w.Approvers, len(w.Approvers), "[]")
		if err != nil {
			return CommitmentProjection{}, err
		}
		decisions, err := jsonText(w.Decisions, len(w.Decisions), "[]")
		if err != nil {
			return CommitmentProjection{}, err
		}
		p.Withdrawals = append(p.Withdrawals, WithdrawalRecord{CommitmentID: st.CommitmentID, Round: i + 1, PlanID: st.PlanID,
			Reason: w.Reason, RequestedBy: w.RequestedBy, RequestedAt: w.RequestedAt, Status: string(w.Status),
			Approvers: approvers, Decisions: decisions})
	}
	for _, e := range events {
		payload, err := jsonText(e.Payload, len(e.Payload), "{}")
		if err != nil {
			return CommitmentProjection{}, fmt.Errorf("event %d payload: %w", e.Seq, err)
		}
		row := CommitmentEventRecord{PlanID: st.PlanID, CommitmentID: st.CommitmentID, EventKey: fmt.Sprintf("%s/%d", st.WorkflowID, e.Seq),
			Seq: e.Seq, Kind: e.Kind, Payload: payload, OccurredAt: e.OccurredAt}
		if e.ActorID != 0 {
			actor := e.ActorID
			row.ActorID = &actor
		}
		p.Events = append(p.Events, row)
	}
	return p, nil
}

// jsonText encodes v (a slice or a map), or answers empty when v has no
// elements, so stored JSON is never "null".
func jsonText(v any, n int, empty string) (string, error) {
	if n == 0 {
		return empty, nil
	}
	b, err := json.Marshal(v)
	return string(b), err
}

// ApplyCommitmentProjection writes p in one transaction, idempotently and
// safely against reordering, like ApplyProjection:
//
//   - The run (status, completion, state version), the milestones'
//     progress, the amendments and the withdrawal are written only when
//     p.Version is greater than the stored state_version; the version check
//     is the UPDATE's WHERE clause, so of two concurrent appliers the older
//     one loses whichever goes first.
//   - Progress reports, delay explanations and the commitment's audit
//     events (its own trail, apart from the plan's) are inserted
//     whatever the version, skipping those already present: an old
//     projection can only add history, never roll state back, and history
//     the workflow has since dropped from its state (continue-as-new) stays.
//
// Unchanged milestone, amendment and withdrawal rows keep their
// updated_at; none is ever deleted, so the public record of a request
// stays even if a newer state no longer carries it. ErrNotFound when the commitment is not one of
// the plan's; ErrInvalid for malformed input (version below 1, no workflow
// ID, a milestone of another commitment, an empty event key).
func (db *DB) ApplyCommitmentProjection(ctx context.Context, p CommitmentProjection) error {
	op := fmt.Sprintf("apply projection v%d of commitment %d", p.Version, p.CommitmentID)
	in, err := p.normalized()
	if err != nil {
		return dbErr(op, err)
	}
	err = db.transaction(ctx, func(tx *gorm.DB) error {
		var n int64
		if err := tx.Model(&commitmentRow{}).Where("id = ? AND plan_id = ?", in.CommitmentID, in.PlanID).Count(&n).Error; err != nil {
			return err
		}
		if n == 0 {
			return ErrNotFound
		}
		if err := checkProjectedMilestones(tx, in); err != nil {
			return err
		}
		now := db.now()
		applied, err := applyRun(tx, in, now)
		if err != nil {
			return err
		}
		if applied {
			if err := upsertChanged(tx, in.Milestones, "milestone_progress", []string{"milestone_id"},
				[]string{"title", "status", "percent", "due_on", "completed_at", "reminders_sent"}, now); err != nil {
				return err
			}
			if err := upsertChanged(tx, in.Amendments, "amendments", []string{"commitment_id", "seq"},
				[]string{"milestone_id", "old_due_on", "new_due_on", "new_title", "reason", "requested_by", "requested_at",
					"status", "approvers", "decisions"}, now); err != nil {
				return err
			}
			if err := upsertChanged(tx, in.Withdrawals, "withdrawals", []string{"commitment_id", "round"},
				[]string{"reason", "requested_by", "requested_at", "status", "approvers", "decisions"}, now); err != nil {
				return err
			}
		}
		if err := insertReports(tx, in.CommitmentID, in.Reports); err != nil {
			return err
		}
		if err := insertDelays(tx, in.CommitmentID, in.Delays); err != nil {
			return err
		}
		return insertCommitmentEvents(tx, in.CommitmentID, in.Events)
	})
	return dbErr(op, err)
}

// normalized returns copies of p's rows with plan and commitment ids
// filled in, instants normalised, and duplicates rejected (current state)
// or dropped (history), because one multi-row statement may not touch the
// same row twice.
func (p CommitmentProjection) normalized() (CommitmentProjection, error) {
	out := p
	switch {
	case p.PlanID <= 0:
		return out, invalidf("plan id %d", p.PlanID)
	case p.CommitmentID <= 0:
		return out, invalidf("commitment id %d", p.CommitmentID)
	case p.Version < 1:
		return out, invalidf("state version %d", p.Version)
	case strings.TrimSpace(p.WorkflowID) == "":
		return out, invalidf("commitment %d has no workflow id", p.CommitmentID)
	}
	own := func(kind string, plan, commitment int64) error {
		if plan != 0 && plan != p.PlanID {
			return invalidf("%s belongs to plan %d", kind, plan)
		}
		if commitment != 0 && commitment != p.CommitmentID {
			return invalidf("%s belongs to commitment %d", kind, commitment)
		}
		return nil
	}

	out.Milestones = make([]MilestoneProgressRecord, 0, len(p.Milestones))
	seenMilestones := map[int64]bool{}
	for _, m := range p.Milestones {
		if err := own(fmt.Sprintf("milestone %d", m.MilestoneID), m.PlanID, m.CommitmentID); err != nil {
			return out, err
		}
		if seenMilestones[m.MilestoneID] {
			return out, invalidf("milestone %d listed twice", m.MilestoneID)
		}
		seenMilestones[m.MilestoneID] = true
		m.PlanID, m.CommitmentID = p.PlanID, p.CommitmentID
		normTimePtr(&m.CompletedAt)
		out.Milestones = append(out.Milestones, m)
	}

	out.Amendments = make([]AmendmentRecord, 0, len(p.Amendments))
	seenAmendments := map[int]bool{}
	for _, a := range p.Amendments {
		if err := own(fmt.Sprintf("amendment %d", a.Seq), a.PlanID, a.CommitmentID); err != nil {
			return out, err
		}
		if seenAmendments[a.Seq] {
			return out, invalidf("amendment %d listed twice", a.Seq)
		}
		seenAmendments[a.Seq] = true
		a.PlanID, a.CommitmentID = p.PlanID, p.CommitmentID
		normTime(&a.RequestedAt)
		out.Amendments = append(out.Amendments, a)
	}

	out.Withdrawals = make([]WithdrawalRecord, 0, len(p.Withdrawals))
	seenWithdrawals := map[int]bool{}
	for _, w := range p.Withdrawals {
		if err := own(fmt.Sprintf("withdrawal %d", w.Round), w.PlanID, w.CommitmentID); err != nil {
			return out, err
		}
		if seenWithdrawals[w.Round] {
			return out, invalidf("withdrawal %d listed twice", w.Round)
		}
		seenWithdrawals[w.Round] = true
		w.PlanID, w.CommitmentID = p.PlanID, p.CommitmentID
		normTime(&w.RequestedAt)
		out.Withdrawals = append(out.Withdrawals, w)
	}

	out.Reports = make([]ProgressReportRecord, 0, len(p.Reports))
	seenReports := map[reportKey]bool{}
	for _, r := range p.Reports {
		if err := own(fmt.Sprintf("report %d of milestone %d", r.Seq, r.MilestoneID), r.PlanID, r.CommitmentID); err != nil {
			return out, err
		}
		k := reportKey{r.MilestoneID, r.Seq}
		if seenReports[k] {
			continue
		}
		seenReports[k] = true
		r.PlanID, r.CommitmentID = p.PlanID, p.CommitmentID
		if r.Evidence == "" {
			r.Evidence = "[]"
		}
		normTime(&r.ReportedAt)
		out.Reports = append(out.Reports, r)
	}

	out.Delays = make([]DelayExplanationRecord, 0, len(p.Delays))
	seenDelays := map[delayKey]bool{}
	for _, d := range p.Delays {
		if err := own(fmt.Sprintf("delay explanation of milestone %d", d.MilestoneID), d.PlanID, d.CommitmentID); err != nil {
			return out, err
		}
		d.ID, d.PlanID, d.CommitmentID = 0, p.PlanID, p.CommitmentID
		normTime(&d.ExplainedAt)
		k := delayKeyOf(d)
		if seenDelays[k] {
			continue
		}
		seenDelays[k] = true
		out.Delays = append(out.Delays, d)
	}

	out.Events = make([]CommitmentEventRecord, 0, len(p.Events))
	seenEvents := map[string]bool{}
	for _, e := range p.Events {
		if err := own("event "+e.EventKey, e.PlanID, e.CommitmentID); err != nil {
			return out, err
		}
		if strings.TrimSpace(e.EventKey) == "" {
			return out, invalidf("event with seq %d has no key", e.Seq)
		}
		if seenEvents[e.EventKey] {
			continue
		}
		seenEvents[e.EventKey] = true
		e.ID, e.PlanID, e.CommitmentID = 0, p.PlanID, p.CommitmentID
		if e.Payload == "" {
			e.Payload = "{}"
		}
		normTime(&e.OccurredAt)
		out.Events = append(out.Events, e)
	}
	return out, nil
}

type reportKey struct {
	milestone int64
	seq       int
}

type delayKey struct {
	milestone, by int64
	at            int64 // UnixMicro: the precision both dialects keep
}

func delayKeyOf(d DelayExplanationRecord) delayKey {
	return delayKey{d.MilestoneID, d.ExplainedBy, d.ExplainedAt.UnixMicro()}
}

// checkProjectedMilestones refuses rows naming a milestone that is not
// the commitment's: the foreign keys would accept any milestone.
func checkProjectedMilestones(tx *gorm.DB, p CommitmentProjection) error {
	var ids []int64
	if err := tx.Model(&milestoneRow{}).Where("commitment_id = ?", p.CommitmentID).Pluck("id", &ids).Error; err != nil {
		return err
	}
	have := make(map[int64]bool, len(ids))
	for _, id := range ids {
		have[id] = true
	}
	check := func(kind string, id int64) error {
		if !have[id] {
			return invalidf("%s names milestone %d, which is not one of commitment %d's", kind, id, p.CommitmentID)
		}
		return nil
	}
	for _, m := range p.Milestones {
		if err := check("progress", m.MilestoneID); err != nil {
			return err
		}
	}
	for _, r := range p.Reports {
		if err := check(fmt.Sprintf("report %d", r.Seq), r.MilestoneID); err != nil {
			return err
		}
	}
	for _, d := range p.Delays {
		if err := check("a delay explanation", d.MilestoneID); err != nil {
			return err
		}
	}
	for _, a := range p.Amendments {
		if err := check(fmt.Sprintf("amendment %d", a.Seq), a.MilestoneID); err != nil {
			return err
		}
	}
	return nil
}

// applyRun writes the run row when p is newer than what is stored and
// says whether it was: a first projection inserts it, a later one updates
// it under the version guard.
func applyRun(tx *gorm.DB, p CommitmentProjection, now time.Time) (bool, error) {
	run := CommitmentRunRecord{CommitmentID: p.CommitmentID, PlanID: p.PlanID, WorkflowID: p.WorkflowID, Status: p.Status,
		Completion: p.Completion, Policy: cmp.Or(p.Policy, "{}"), StateVersion: p.Version, UpdatedAt: now}
	res := tx.Clauses(clause.OnConflict{Columns: []clause.Column{{Name: "commitment_id"}}, DoNothing: true}).Create(&run)
	if res.Error != nil {
		return false, res.Error
	}
	if res.RowsAffected == 1 {
		return true, nil
	}
	res = tx.Model(&CommitmentRunRecord{}).
		Where("commitment_id = ? AND state_version < ?", p.CommitmentID, p.Version).
		Updates(map[string]any{"workflow_id": p.WorkflowID, "status": p.Status, "completion": p.Completion,
			"policy": cmp.Or(p.Policy, "{}"), "state_version": p.Version, "updated_at": now})
	return res.RowsAffected == 1, res.Error
}

// upsertChanged writes rows keyed by conflict, updating only the rows in
// which one of the compared columns changed, so updated_at tells when a
// row last changed rather than when it was last re-projected.
func upsertChanged[T any](tx *gorm.DB, rows []T, table string, conflict, compare []string, now time.Time) error {
	if len(rows) == 0 {
		return nil
	}
	rv := make([]T, len(rows))
	copy(rv, rows)
	for i := range rv {
		setUpdatedAt(&rv[i], now)
	}
	cols := make([]clause.Column, len(conflict))
	for i, c := range conflict {
		cols[i] = clause.Column{Name: c}
	}
	changed := make([]string, 0, len(compare))
	for _, c := range compare {
		changed = append(changed, fmt.Sprintf(`%[1]s.%[2]q IS DISTINCT FROM excluded.%[2]q`, table, c))
	}
	return tx.Clauses(clause.OnConflict{
		Columns:   cols,
		DoUpdates: clause.AssignmentColumns(append(append([]string{}, compare...), "updated_at")),
		Where:     clause.Where{Exprs: []clause.Expression{clause.Expr{SQL: strings.Join(changed, " OR ")}}},
	}).CreateInBatches(&rv, insertBatch).Error
}

func setUpdatedAt(row any, now time.Time) {
	switch r := row.(type) {
	case *MilestoneProgressRecord:
		r.UpdatedAt = now
	case *AmendmentRecord:
		r.UpdatedAt = now
	case *WithdrawalRecord:
		r.UpdatedAt = now
	}
}

// insertReports adds the reports not stored yet (see insertDecisions for
// why it filters first, and sorts).
func insertReports(tx *gorm.DB, commitmentID int64, reports []ProgressReportRecord) error {
	if len(reports) == 0 {
		return nil
	}
	var stored []ProgressReportRecord
	if err := tx.Select("milestone_id", "seq").Where("commitment_id = ?", commitmentID).Find(&stored).Error; err != nil {
		return err
	}
	have := make(map[reportKey]bool, len(stored))
	for _, r := range stored {
		have[reportKey{r.MilestoneID, r.Seq}] = true
	}
	var missing []ProgressReportRecord
	for _, r := range reports {
		if !have[reportKey{r.MilestoneID, r.Seq}] {
			missing = append(missing, r)
		}
	}
	if len(missing) == 0 {
		return nil
	}
	slices.SortFunc(missing, func(a, b ProgressReportRecord) int {
		return cmp.Or(cmp.Compare(a.MilestoneID, b.MilestoneID), cmp.Compare(a.Seq, b.Seq))
	})
	return tx.Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "milestone_id"}, {Name: "seq"}},
		DoNothing: true,
	}).CreateInBatches(&missing, insertBatch).Error
}

// insertCommitmentEvents adds the events not stored yet (see
// insertDecisions), and replaces a stored event whose key comes back with
// other content: the workflow writes its projection as a local activity,
// so a workflow task that wrote and then failed (its worker killed, the
// server gone) is run again, possibly handling its timers and messages in
// another order; the history keeps the later run, and so must the trail
// (see sameEvent).
func insertCommitmentEvents(tx *gorm.DB, commitmentID int64, events []CommitmentEventRecord) error {
	if len(events) == 0 {
		return nil
	}
	var stored []CommitmentEventRecord
	if err := tx.Select("event_key", "kind", "actor_id", "payload", "occurred_at").Where("commitment_id = ?", commitmentID).Find(&stored).Error; err != nil {
		return err
	}
	have := make(map[string]CommitmentEventRecord, len(stored))
	for _, e := range stored {
		have[e.EventKey] = e
	}
	var missing []CommitmentEventRecord
	for _, e := range events {
		old, ok := have[e.EventKey]
		switch {
		case !ok:
			missing = append(missing, e)
		case !sameEvent(old.Kind, e.Kind, old.ActorID, e.ActorID, old.Payload, e.Payload, old.OccurredAt, e.OccurredAt):
			if err := tx.Model(&CommitmentEventRecord{}).Where("event_key = ?", e.EventKey).
				Updates(eventChanges(e.Seq, e.Kind, e.ActorID, e.Payload, e.OccurredAt)).Error; err != nil {
				return err
			}
		}
	}
	if len(missing) == 0 {
		return nil
	}
	slices.SortFunc(missing, func(a, b CommitmentEventRecord) int {
		return cmp.Or(cmp.Compare(a.Seq, b.Seq), strings.Compare(a.EventKey, b.EventKey))
	})
	return tx.Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "event_key"}},
		DoNothing: true,
	}).CreateInBatches(&missing, insertBatch).Error
}

// eventChanges are the columns that replace a stored event's.
func eventChanges(seq int64, kind string, actor *int64, payload string, at time.Time) map[string]any {
	out := map[string]any{"seq": seq, "kind": kind, "actor_id": actor, "payload": payload}
	if !at.IsZero() {
		out["occurred_at"] = at
	}
	return out
}

// sameEvent says whether a stored event (the old values) is the one
// projected again (the new ones). Times are compared to the microsecond,
// PostgreSQL's precision (a zero new time, "the insert time", matches
// any); payloads are JSON written by the same encoder.
func sameEvent(oldKind, newKind string, oldActor, newActor *int64, oldPayload, newPayload string, oldAt, newAt time.Time) bool {
	sameActor := (oldActor == nil) == (newActor == nil) && (oldActor == nil || *oldActor == *newActor)
	sameTime := newAt.IsZero() || oldAt.Truncate(time.Microsecond).Equal(newAt.Truncate(time.Microsecond))
	return oldKind == newKind && sameActor && oldPayload == newPayload && sameTime
}

// CommitmentEvents reads a commitment's audit trail, oldest first.
func (db *DB) CommitmentEvents(ctx context.Context, commitmentID int64) ([]CommitmentEventRecord, error) {
	out := []CommitmentEventRecord{}
	err := db.Gorm.WithContext(ctx).Where("commitment_id = ?", commitmentID).Order("seq, id").Find(&out).Error
	for i := range out {
		normTime(&out[i].OccurredAt)
	}
	return out, dbErr(fmt.Sprintf("events of commitment %d", commitmentID), err)
}

// insertDelays adds the delay explanations not stored yet.
func insertDelays(tx *gorm.DB, commitmentID int64, delays []DelayExplanationRecord) error {
	if len(delays) == 0 {
		return nil
	}
	var stored []DelayExplanationRecord
	if err := tx.Select("milestone_id", "explained_by", "explained_at").Where("commitment_id = ?", commitmentID).Find(&stored).Error; err != nil {
		return err
	}
	have := make(map[delayKey]bool, len(stored))
	for _, d := range stored {
		have[delayKeyOf(d)] = true
	}
	var missing []DelayExplanationRecord
	for _, d := range delays {
		if !have[delayKeyOf(d)] {
			missing = append(missing, d)
		}
	}
	if len(missing) == 0 {
		return nil
	}
	slices.SortFunc(missing, func(a, b DelayExplanationRecord) int {
		return cmp.Or(cmp.Compare(a.MilestoneID, b.MilestoneID), a.ExplainedAt.Compare(b.ExplainedAt), cmp.Compare(a.ExplainedBy, b.ExplainedBy))
	})
	return tx.Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "milestone_id"}, {Name: "explained_at"}, {Name: "explained_by"}},
		DoNothing: true,
	}).CreateInBatches(&missing, insertBatch).Error
}

// errImplementationNotStarted answers for a commitment whose workflow has
// not projected anything yet: the plan is before step 9.
func errImplementationNotStarted(commitmentID int64) error {
	return ogp.Errorf(ogp.EConflict, "implementation_not_started",
		"commitment %d is not in implementation yet: its workflow starts when step 8 is approved", commitmentID)
}

// CommitmentImplementation reads one commitment's implementation as last
// projected: its run, milestones with their progress, reports and delay
// explanations, amendments and withdrawals, and its reminder policy. The
// members are not projected and stay empty. A commitment of another plan is unknown here
// (404 unknown_commitment); one whose workflow has not projected yet is
// 409 implementation_not_started.
func (db *DB) CommitmentImplementation(ctx context.Context, planID, commitmentID int64) (ogp.CommitmentState, error) {
	op := fmt.Sprintf("implementation of commitment %d of plan %d", commitmentID, planID)
	tx := db.Gorm.WithContext(ctx)
	if _, err := findCommitment(tx, planID, commitmentID); err != nil {
		return ogp.CommitmentState{}, dbErr(op, err)
	}
	out, err := loadImplementation(tx, planID, commitmentID, true)
	if err != nil {
		return ogp.CommitmentState{}, dbErr(op, err)
	}
	if len(out) == 0 {
		return ogp.CommitmentState{}, errImplementationNotStarted(commitmentID)
	}
	return out[0], nil
}

// PlanImplementation reads the implementation of every commitment of the
// plan whose workflow has projected, by commitment number, each with its
// milestones' progress and amendments and withdrawal but without the
// reports and delay explanations (CommitmentImplementation has them).
// Before step 9 the list is empty.
func (db *DB) PlanImplementation(ctx context.Context, planID int64) ([]ogp.CommitmentState, error) {
	out, err := loadImplementation(db.Gorm.WithContext(ctx), planID, 0, false)
	return out, dbErr(fmt.Sprintf("implementation of plan %d", planID), err)
}

// CommitmentRun reads a commitment's run row (ErrNotFound before its
// workflow has projected).
func (db *DB) CommitmentRun(ctx context.Context, commitmentID int64) (CommitmentRunRecord, error) {
	var run CommitmentRunRecord
	err := db.Gorm.WithContext(ctx).Where("commitment_id = ?", commitmentID).Take(&run).Error
	normTime(&run.UpdatedAt)
	return run, dbErr(fmt.Sprintf("run of commitment %d", commitmentID), err)
}

// loadImplementation builds the projected states of the plan's
// commitments (only commitmentID's unless 0), with the reports and delay
// explanations when withHistory.
func loadImplementation(tx *gorm.DB, planID, commitmentID int64, withHistory bool) ([]ogp.CommitmentState, error) {
	scope := func() *gorm.DB {
		q := tx.Where("plan_id = ?", planID)
		if commitmentID != 0 {
			q = q.Where("commitment_id = ?", commitmentID)
		}
		return q
	}
	var runs []CommitmentRunRecord
	if err := scope().Find(&runs).Error; err != nil {
		return nil, err
	}
	if len(runs) == 0 {
		return []ogp.CommitmentState{}, nil
	}
	var commitments []commitmentRow
	cq := tx.Where("plan_id = ?", planID)
	if commitmentID != 0 {
		cq = cq.Where("id = ?", commitmentID)
	}
	if err := cq.Order("number, id").Find(&commitments).Error; err != nil {
		return nil, err
	}
	var milestones []milestoneRow
	if err := scope().Order("starts_on, due_on, id").Find(&milestones).Error; err != nil {
		return nil, err
	}
	var progress []MilestoneProgressRecord
	if err := scope().Find(&progress).Error; err != nil {
		return nil, err
	}
	var amendments []AmendmentRecord
	if err := scope().Order("commitment_id, seq").Find(&amendments).Error; err != nil {
		return nil, err
	}
	var withdrawals []WithdrawalRecord
	if err := scope().Order("commitment_id, round").Find(&withdrawals).Error; err != nil {
		return nil, err
	}
	var reports []ProgressReportRecord
	var delays []DelayExplanationRecord
	if withHistory {
		if err := scope().Order("milestone_id, seq").Find(&reports).Error; err != nil {
			return nil, err
		}
		if err := scope().Order("milestone_id, explained_at, id").Find(&delays).Error; err != nil {
			return nil, err
		}
	}

	runOf := make(map[int64]CommitmentRunRecord, len(runs))
	for _, r := range runs {
		runOf[r.CommitmentID] = r
	}
	progressOf := make(map[int64]MilestoneProgressRecord, len(progress))
	for _, p := range progress {
		progressOf[p.MilestoneID] = p
	}
	reportsOf := map[int64][]ogp.ProgressReport{}
	for _, r := range reports {
		var evidence []string
		if err := json.Unmarshal([]byte(r.Evidence), &evidence); err != nil {
			return nil, fmt.Errorf("evidence of report %d of milestone %d: %w", r.Seq, r.MilestoneID, err)
		}
		if len(evidence) == 0 {
			evidence = nil // as the workflow holds it: no links
		}
		normTime(&r.ReportedAt)
		reportsOf[r.MilestoneID] = append(reportsOf[r.MilestoneID], ogp.ProgressReport{Seq: r.Seq, Status: ogp.MilestoneStatus(r.Status),
			Percent: r.Percent, Narrative: r.Narrative, Evidence: evidence, ReportedBy: r.ReportedBy, ReportedAt: r.ReportedAt})
	}
	delaysOf := map[int64][]ogp.DelayExplanation{}
	for _, d := range delays {
		normTime(&d.ExplainedAt)
		delaysOf[d.MilestoneID] = append(delaysOf[d.MilestoneID], ogp.DelayExplanation{Text: d.Text, ExplainedBy: d.ExplainedBy, ExplainedAt: d.ExplainedAt})
	}
	milestonesOf := map[int64][]ogp.MilestoneState{}
	for _, m := range milestones {
		p, ok := progressOf[m.ID]
		if !ok {
			continue
		}
		normTimePtr(&p.CompletedAt)
		ms := ogp.MilestoneState{ID: m.ID, Title: p.Title, Responsible: m.Responsible, ResponsibleUserID: userIDOf(m.ResponsibleUserID),
			StartsOn: ogp.Date(m.StartsOn), DueOn: ogp.Date(p.DueOn), Status: ogp.MilestoneStatus(p.Status), Percent: p.Percent,
			CompletedAt: p.CompletedAt, RemindersSent: p.RemindersSent,
			Reports: reportsOf[m.ID], Delays: delaysOf[m.ID]}
		if ms.Reports == nil {
			ms.Reports = []ogp.ProgressReport{}
		}
		if ms.Delays == nil {
			ms.Delays = []ogp.DelayExplanation{}
		}
		milestonesOf[m.CommitmentID] = append(milestonesOf[m.CommitmentID], ms)
	}
	amendmentsOf := map[int64][]ogp.Amendment{}
	for _, a := range amendments {
		am := ogp.Amendment{Seq: a.Seq, MilestoneID: a.MilestoneID, OldDueOn: ogp.Date(a.OldDueOn), NewDueOn: ogp.Date(a.NewDueOn),
			NewTitle: a.NewTitle, Reason: a.Reason, RequestedBy: a.RequestedBy, RequestedAt: a.RequestedAt.UTC().Truncate(time.Microsecond),
			Status: ogp.AmendmentStatus(a.Status)}
		if err := decodeRequestJSON(a.Approvers, a.Decisions, &am.Approvers, &am.Decisions); err != nil {
			return nil, fmt.Errorf("amendment %d of commitment %d: %w", a.Seq, a.CommitmentID, err)
		}
		amendmentsOf[a.CommitmentID] = append(amendmentsOf[a.CommitmentID], am)
	}
	withdrawalsOf := map[int64][]ogp.Withdrawal{}
	for _, w := range withdrawals {
		wd := ogp.Withdrawal{Reason: w.Reason, RequestedBy: w.RequestedBy, RequestedAt: w.RequestedAt.UTC().Truncate(time.Microsecond),
			Status: ogp.AmendmentStatus(w.Status)}
		if err := decodeRequestJSON(w.Approvers, w.Decisions, &wd.Approvers, &wd.Decisions); err != nil {
			return nil, fmt.Errorf("withdrawal %d of commitment %d: %w", w.Round, w.CommitmentID, err)
		}
		withdrawalsOf[w.CommitmentID] = append(withdrawalsOf[w.CommitmentID], wd)
	}

	out := make([]ogp.CommitmentState, 0, len(runs))
	for _, c := range commitments {
		run, ok := runOf[c.ID]
		if !ok {
			continue
		}
		st := ogp.CommitmentState{PlanID: planID, CommitmentID: c.ID, WorkflowID: run.WorkflowID, Number: c.Number, Title: c.Title,
			LeadUserID: userIDOf(c.LeadUserID), Status: ogp.CommitmentStatus(run.Status), Completion: ogp.Completion(run.Completion),
			Milestones: milestonesOf[c.ID], Amendments: amendmentsOf[c.ID], Version: run.StateVersion}
		if err := json.Unmarshal([]byte(cmp.Or(run.Policy, "{}")), &st.Policy); err != nil {
			return nil, fmt.Errorf("policy of commitment %d: %w", c.ID, err)
		}
		// The latest request is the withdrawal; earlier ones were rejected.
		if ws := withdrawalsOf[c.ID]; len(ws) > 0 {
			last := ws[len(ws)-1]
			st.Withdrawal = &last
			st.PastWithdrawals = ws[:len(ws)-1]
			if len(st.PastWithdrawals) == 0 {
				st.PastWithdrawals = nil
			}
		}
		if st.Milestones == nil {
			st.Milestones = []ogp.MilestoneState{}
		}
		if st.Amendments == nil {
			st.Amendments = []ogp.Amendment{}
		}
		out = append(out, st)
	}
	return out, nil
}

// decodeRequestJSON reads the approvers and decisions of an amendment or
// a withdrawal, as empty slices rather than nil.
func decodeRequestJSON(approvers, decisions string, toApprovers *[]int64, toDecisions *[]ogp.Approval) error {
	if err := json.Unmarshal([]byte(cmp.Or(approvers, "[]")), toApprovers); err != nil {
		return fmt.Errorf("approvers: %w", err)
	}
	if err := json.Unmarshal([]byte(cmp.Or(decisions, "[]")), toDecisions); err != nil {
		return fmt.Errorf("decisions: %w", err)
	}
	if *toApprovers == nil {
		*toApprovers = []int64{}
	}
	if *toDecisions == nil {
		*toDecisions = []ogp.Approval{}
	}
	for i := range *toDecisions {
		normTime(&(*toDecisions)[i].DecidedAt)
	}
	return nil
}
