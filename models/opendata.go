package models

import (
	"context"
	"database/sql"
	"fmt"

	"gorm.io/gorm"

	"github.com/ogplocal/ogp"
)

// Open data: everything the public may read of one plan, gathered for its
// Atom feed and its JSON and CSV downloads. Each table is read with one
// query for the plan, whatever the number of rows, and nothing private
// leaves this file: support actors' contacts, public proposers' e-mail
// addresses, moderation notes, proposals not published, and assessment
// rounds whose draft report is not published yet are left out here, not by
// the callers.

// OpenDataEventKinds are the plan audit events that are public updates of
// the plan's progress: a step started, submitted, sent back or approved,
// the plan's period ended, the plan completed. (Roster, settings, due
// date and reminder events stay in the audit trail only.)
var OpenDataEventKinds = []string{
	ogp.EventPlanCreated,
	ogp.EventStepStarted,
	ogp.EventStepSubmitted,
	ogp.EventChangesRequested,
	ogp.EventSubmissionReturned,
	ogp.EventStepApproved,
	ogp.EventImplementationEnded,
	ogp.EventPlanCompleted,
}

// OpenData is a plan's public record, as stored now.
type OpenData struct {
	Plan ActionPlan
	// Steps are the ten steps, by number.
	Steps []Step
	// Decisions are the approvers' decisions on the steps, by step, round
	// and time, with each approver's name.
	Decisions []OpenDecision
	// Events are the plan's audit events of OpenDataEventKinds, oldest
	// first.
	Events []AuditEvent
	// Commitments are by number, each with its values, its milestones as
	// planned at step 5 (by dates) and its support network (by id) without
	// contacts.
	Commitments []ogp.Commitment
	// Runs are the commitments' workflows (implementation status and
	// completion), by commitment id; none before step 9.
	Runs []CommitmentRunRecord
	// Progress is where each milestone stands in implementation, with its
	// current title and due date, by milestone id.
	Progress []MilestoneProgressRecord
	// Reports are the progress reports, by milestone and sequence.
	Reports []ProgressReportRecord
	// Delays are the delay explanations, by milestone and time.
	Delays []DelayExplanationRecord
	// Amendments are the requests to change a milestone, whatever their
	// status, by commitment and sequence.
	Amendments []AmendmentRecord
	// Withdrawals are the requests to withdraw a commitment, by
	// commitment and round.
	Withdrawals []WithdrawalRecord
	// Problems are the published problems only, by id, scored and ranked,
	// without the coordinators' fields (contact, moderation note and time,
	// idempotency key).
	Problems []ProblemRecord
	// Rounds are the assessment rounds whose draft or final report is
	// published, oldest first, as last projected.
	Rounds []ogp.AssessmentRoundState
}

// OpenDecision is an approver's decision on a step, with the approver's
// name (public, as on the plan's roster).
type OpenDecision struct {
	Decision     `gorm:"embedded"`
	ApproverName string `gorm:"column:approver_name"`
}

// PlanOpenData reads a plan's public record: one query per table, in one
// read-only snapshot on PostgreSQL (SQLite's single connection serves the
// queries one after the other). ErrNotFound when there is no such plan.
func (db *DB) PlanOpenData(ctx context.Context, planID int64) (OpenData, error) {
	var out OpenData
	err := db.readSnapshot(ctx, func(tx *gorm.DB) error {
		var err error
		out, err = loadOpenData(tx, planID)
		return err
	})
	return out, dbErr(fmt.Sprintf("open data of plan %d", planID), err)
}

// readSnapshot runs fn in a read-only repeatable-read transaction on
// PostgreSQL, so every table is read as of one moment; on SQLite it runs
// fn on the session (a transaction there would take the write lock).
func (db *DB) readSnapshot(ctx context.Context, fn func(tx *gorm.DB) error) error {
	g := db.Gorm.WithContext(ctx)
	if db.Dialect == DialectPostgres {
		return g.Transaction(fn, &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true})
	}
	return fn(g)
}

func loadOpenData(tx *gorm.DB, planID int64) (OpenData, error) {
	var out OpenData
	if err := tx.Take(&out.Plan, "id = ?", planID).Error; err != nil {
		return out, err
	}
	if err := tx.Where("plan_id = ?", planID).Order("number").Find(&out.Steps).Error; err != nil {
		return out, err
	}
	if err := tx.Table("decisions AS d").
		Select("d.id, d.plan_id, d.step_number, d.round, d.approver_id, d.decision, d.comment, d.decided_at, COALESCE(u.name, '') AS approver_name").
		Joins("LEFT JOIN users u ON u.id = d.approver_id").
		Where("d.plan_id = ?", planID).Order("d.step_number, d.round, d.decided_at, d.id").
		Scan(&out.Decisions).Error; err != nil {
		return out, err
	}
	if err := tx.Where("plan_id = ? AND kind IN ?", planID, OpenDataEventKinds).Order("seq, id").Find(&out.Events).Error; err != nil {
		return out, err
	}
	var content ogp.Content
	if err := loadCommitments(tx, planID, &content); err != nil {
		return out, err
	}
	out.Commitments = content.Commitments
	for i := range out.Commitments {
		for j := range out.Commitments[i].Network {
			out.Commitments[i].Network[j].Contact = ""
		}
	}
	if err := tx.Where("plan_id = ?", planID).Order("commitment_id").Find(&out.Runs).Error; err != nil {
		return out, err
	}
	if err := tx.Where("plan_id = ?", planID).Order("milestone_id").Find(&out.Progress).Error; err != nil {
		return out, err
	}
	if err := tx.Where("plan_id = ?", planID).Order("milestone_id, seq").Find(&out.Reports).Error; err != nil {
		return out, err
	}
	if err := tx.Where("plan_id = ?", planID).Order("milestone_id, explained_at, id").Find(&out.Delays).Error; err != nil {
		return out, err
	}
	if err := tx.Where("plan_id = ?", planID).Order("commitment_id, seq").Find(&out.Amendments).Error; err != nil {
		return out, err
	}
	if err := tx.Where("plan_id = ?", planID).Order("commitment_id, round").Find(&out.Withdrawals).Error; err != nil {
		return out, err
	}
	problems, err := loadProblemRecords(tx, planID)
	if err != nil {
		return out, err
	}
	out.Problems = make([]ProblemRecord, 0, len(problems))
	for _, p := range problems {
		if p.Status != ogp.ProblemPublished {
			continue
		}
		p.SubmitterEmail, p.IdempotencyKey, p.ModerationReason, p.ModeratedAt = "", "", "", nil
		out.Problems = append(out.Problems, p)
	}
	var rounds []RoundRecord
	if err := tx.Where("plan_id = ?", planID).Order("id").Find(&rounds).Error; err != nil {
		return out, err
	}
	out.Rounds = make([]ogp.AssessmentRoundState, 0, len(rounds))
	for _, r := range rounds {
		st, err := r.RoundState()
		if err != nil {
			return out, err
		}
		// As the report routes: public once the draft is published.
		if st.DraftPublishedAt == nil && st.PublishedAt == nil {
			continue
		}
		out.Rounds = append(out.Rounds, st)
	}
	out.normalize()
	return out, nil
}

// normalize returns every instant in UTC at microsecond precision (pgx
// decodes them in time.Local, and some rows have no AfterFind hook) and
// every list non-nil, so both dialects answer the same values.
func (d *OpenData) normalize() {
	for i := range d.Decisions {
		normTime(&d.Decisions[i].DecidedAt)
	}
	for i := range d.Events {
		normTime(&d.Events[i].OccurredAt)
	}
	for i := range d.Runs {
		normTime(&d.Runs[i].UpdatedAt)
	}
	for i := range d.Progress {
		normTimePtr(&d.Progress[i].CompletedAt)
		normTime(&d.Progress[i].UpdatedAt)
	}
	for i := range d.Reports {
		normTime(&d.Reports[i].ReportedAt)
	}
	for i := range d.Delays {
		normTime(&d.Delays[i].ExplainedAt)
	}
	for i := range d.Amendments {
		normTime(&d.Amendments[i].RequestedAt)
		normTime(&d.Amendments[i].UpdatedAt)
	}
	for i := range d.Withdrawals {
		normTime(&d.Withdrawals[i].RequestedAt)
		normTime(&d.Withdrawals[i].UpdatedAt)
	}
	if d.Steps == nil {
		d.Steps = []Step{}
	}
	if d.Decisions == nil {
		d.Decisions = []OpenDecision{}
	}
	if d.Events == nil {
		d.Events = []AuditEvent{}
	}
	if d.Commitments == nil {
		d.Commitments = []ogp.Commitment{}
	}
	if d.Runs == nil {
		d.Runs = []CommitmentRunRecord{}
	}
	if d.Progress == nil {
		d.Progress = []MilestoneProgressRecord{}
	}
	if d.Reports == nil {
		d.Reports = []ProgressReportRecord{}
	}
	if d.Delays == nil {
		d.Delays = []DelayExplanationRecord{}
	}
	if d.Amendments == nil {
		d.Amendments = []AmendmentRecord{}
	}
	if d.Withdrawals == nil {
		d.Withdrawals = []WithdrawalRecord{}
	}
}
