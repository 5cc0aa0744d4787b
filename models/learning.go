package models

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/ogplocal/ogp"
)

// Learning (step 10): the learning plan, and the projection of the
// assessment rounds. Each round's workflow owns its state; the database
// keeps the last projected state whole (JSON), so the public reads a round
// without asking Temporal, and the evidence snapshot it was based on.

// learningPlanRow is step 10's learning plan.
type learningPlanRow struct {
	PlanID                     int64     `gorm:"column:plan_id;primaryKey;autoIncrement:false"`
	Objectives                 string    `gorm:"column:objectives"`
	AccountabilityRequirements string    `gorm:"column:accountability_requirements"`
	DataCollection             string    `gorm:"column:data_collection"`
	DataStorage                string    `gorm:"column:data_storage"`
	DataAnalysis               string    `gorm:"column:data_analysis"`
	DataSharing                string    `gorm:"column:data_sharing"`
	Participants               string    `gorm:"column:participants"`
	UpdatedAt                  time.Time `gorm:"column:updated_at"`
}

func (learningPlanRow) TableName() string { return "learning_plans" }

// RoundRecord is an assessment round as last projected. State is the
// round's whole public state, JSON (ogp.AssessmentRoundState).
type RoundRecord struct {
	ID         int64   `gorm:"column:id;primaryKey"`
	PlanID     int64   `gorm:"column:plan_id"`
	Kind       string  `gorm:"column:kind"`
	Stage      string  `gorm:"column:stage"`
	OpenedBy   *int64  `gorm:"column:opened_by"`
	WorkflowID *string `gorm:"column:workflow_id"`
	// ScheduleKey names the plan's schedule entry a scheduled round was
	// opened for (ogp.ScheduledRoundKey); nil for a round opened through
	// the API.
	ScheduleKey  *string    `gorm:"column:schedule_key"`
	EvidenceHash string     `gorm:"column:evidence_hash"`
	ReportHash   string     `gorm:"column:report_hash"`
	PublishedAt  *time.Time `gorm:"column:published_at"`
	StateVersion int64      `gorm:"column:state_version"`
	State        string     `gorm:"column:state"`
	CreatedAt    time.Time  `gorm:"column:created_at"`
	UpdatedAt    time.Time  `gorm:"column:updated_at"`
}

// TableName implements gorm's Tabler.
func (RoundRecord) TableName() string { return "assessment_rounds" }

// AfterFind returns instants in UTC (pgx decodes them in time.Local).
func (r *RoundRecord) AfterFind(*gorm.DB) error {
	normTime(&r.CreatedAt)
	normTime(&r.UpdatedAt)
	normTimePtr(&r.PublishedAt)
	return nil
}

// RoundState decodes the projected state; a round whose workflow has not
// projected yet answers its row's facts with an empty state.
func (r RoundRecord) RoundState() (ogp.AssessmentRoundState, error) {
	var st ogp.AssessmentRoundState
	if err := json.Unmarshal([]byte(cmp.Or(r.State, "{}")), &st); err != nil {
		return st, fmt.Errorf("state of round %d: %w", r.ID, err)
	}
	if st.RoundID == 0 {
		st.RoundID, st.PlanID, st.Kind, st.Stage = r.ID, r.PlanID, ogp.AssessmentKind(r.Kind), ogp.RoundStage(r.Stage)
		if r.OpenedBy != nil {
			st.OpenedBy = *r.OpenedBy
		}
		if r.WorkflowID != nil {
			st.WorkflowID = *r.WorkflowID
		}
	}
	if st.SelfAssessments == nil {
		st.SelfAssessments = []ogp.SelfAssessment{}
	}
	if st.Assessments == nil {
		st.Assessments = []ogp.CommitmentAssessment{}
	}
	if st.Comments == nil {
		st.Comments = []ogp.RoundComment{}
	}
	return st, nil
}

// EvidenceSnapshotRecord is the immutable evidence of a round: Content is
// the canonical JSON, Hash its SHA-256 (hex).
type EvidenceSnapshotRecord struct {
	RoundID   int64     `gorm:"column:round_id;primaryKey;autoIncrement:false"`
	Hash      string    `gorm:"column:hash"`
	Content   string    `gorm:"column:content"`
	CreatedAt time.Time `gorm:"column:created_at"`
}

// TableName implements gorm's Tabler.
func (EvidenceSnapshotRecord) TableName() string { return "evidence_snapshots" }

// RoundEventRecord is one entry of a round's audit trail; EventKey
// ("assessment-<id>/<seq>") makes re-projection a no-op.
type RoundEventRecord struct {
	ID         int64     `gorm:"column:id;primaryKey"`
	PlanID     int64     `gorm:"column:plan_id"`
	RoundID    int64     `gorm:"column:round_id"`
	EventKey   string    `gorm:"column:event_key"`
	Seq        int64     `gorm:"column:seq"`
	Kind       string    `gorm:"column:kind"`
	ActorID    *int64    `gorm:"column:actor_id"`
	Payload    string    `gorm:"column:payload"`
	OccurredAt time.Time `gorm:"column:occurred_at"`
}

// TableName implements gorm's Tabler.
func (RoundEventRecord) TableName() string { return "round_events" }

// --- learning plan

// SaveLearningPlan records the plan's learning plan, through the step 10
// guard: only while step 10 is being worked on.
func (db *DB) SaveLearningPlan(ctx context.Context, planID int64, lp ogp.LearningPlan) error {
	return db.EditContent(ctx, planID, ogp.HomeLearning, func(tx *gorm.DB) error {
		row := learningPlanRow{PlanID: planID, Objectives: lp.Objectives, AccountabilityRequirements: lp.AccountabilityRequirements,
			DataCollection: lp.DataCollection, DataStorage: lp.DataStorage, DataAnalysis: lp.DataAnalysis,
			DataSharing: lp.DataSharing, Participants: lp.Participants, UpdatedAt: db.now()}
		return tx.Clauses(clause.OnConflict{Columns: []clause.Column{{Name: "plan_id"}}, UpdateAll: true}).Create(&row).Error
	})
}

// LearningPlan reads the plan's learning plan (nil when none is recorded).
func (db *DB) LearningPlan(ctx context.Context, planID int64) (*ogp.LearningPlan, error) {
	var c ogp.Content
	err := loadLearning(db.Gorm.WithContext(ctx), planID, &c)
	return c.LearningPlan, dbErr(fmt.Sprintf("learning plan of plan %d", planID), err)
}

// loadLearning fills step 10's content: the learning plan and whether a
// results round is published.
func loadLearning(tx *gorm.DB, planID int64, c *ogp.Content) error {
	var rows []learningPlanRow
	if err := tx.Where("plan_id = ?", planID).Limit(1).Find(&rows).Error; err != nil {
		return err
	}
	if len(rows) == 1 {
		r := rows[0]
		c.LearningPlan = &ogp.LearningPlan{Objectives: r.Objectives, AccountabilityRequirements: r.AccountabilityRequirements,
			DataCollection: r.DataCollection, DataStorage: r.DataStorage, DataAnalysis: r.DataAnalysis,
			DataSharing: r.DataSharing, Participants: r.Participants}
	}
	var n int64
	if err := tx.Model(&RoundRecord{}).Where("plan_id = ? AND kind = ? AND stage = ?", planID,
		string(ogp.AssessResults), string(ogp.StagePublished)).Count(&n).Error; err != nil {
		return err
	}
	c.ResultsPublished = n > 0
	return nil
}

// --- rounds

// CreateRound records a new round, opened by openedBy, before its
// workflow starts (its id names the workflow).
func (db *DB) CreateRound(ctx context.Context, planID int64, kind ogp.AssessmentKind, openedBy int64) (RoundRecord, error) {
	var r RoundRecord
	err := db.transaction(ctx, func(tx *gorm.DB) (err error) {
		r, err = createRound(tx, db.now(), planID, kind, openedBy, nil)
		return err
	})
	return r, dbErr(fmt.Sprintf("create %s round of plan %d", kind, planID), err)
}

// CreateScheduledRound records the round of one entry of the plan's round
// schedule, exactly as CreateRound does but opened by no one (0: the
// plan's workflow opened it on time). Idempotent per key: the round
// already recorded for key is returned as it is.
func (db *DB) CreateScheduledRound(ctx context.Context, planID int64, kind ogp.AssessmentKind, key string) (RoundRecord, error) {
	op := fmt.Sprintf("create scheduled %s round %q of plan %d", kind, key, planID)
	if key == "" {
		return RoundRecord{}, dbErr(op, invalidf("empty schedule key"))
	}
	var r RoundRecord
	err := db.transaction(ctx, func(tx *gorm.DB) error {
		err := tx.Where("schedule_key = ?", key).Take(&r).Error
		if err == nil {
			if r.PlanID != planID || r.Kind != string(kind) {
				return invalidf("schedule key %q names round %d (%s of plan %d)", key, r.ID, r.Kind, r.PlanID)
			}
			return nil
		}
		if !errors.Is(err, gorm.ErrRecordNotFound) {
			return err
		}
		r, err = createRound(tx, db.now(), planID, kind, 0, &key)
		return err
	})
	return r, dbErr(op, err)
}

// createRound inserts a round and names its workflow after its id.
// openedBy 0 (a scheduled round) is stored as NULL.
func createRound(tx *gorm.DB, now time.Time, planID int64, kind ogp.AssessmentKind, openedBy int64, key *string) (RoundRecord, error) {
	r := RoundRecord{PlanID: planID, Kind: string(kind), Stage: string(ogp.StageCollectingEvidence),
		ScheduleKey: key, State: "{}", CreatedAt: now, UpdatedAt: now}
	if openedBy != 0 {
		r.OpenedBy = &openedBy
	}
	if err := tx.Create(&r).Error; err != nil {
		return r, err
	}
	id := ogp.AssessmentRoundWorkflowID(r.ID)
	r.WorkflowID = &id
	return r, tx.Model(&RoundRecord{}).Where("id = ?", r.ID).Update("workflow_id", id).Error
}

// RoundStart builds what round rec's workflow starts from: the plan's
// roster, its team (for the independence rule) and its commitments as
// they stand now, with the stage durations given (zero: default). The API
// and the scheduled opening both use it.
func (db *DB) RoundStart(ctx context.Context, rec RoundRecord, durations [4]time.Duration) (ogp.RoundStart, error) {
	p, err := db.GetPlan(ctx, rec.PlanID)
	if err != nil {
		return ogp.RoundStart{}, err
	}
	members, err := db.ListMembers(ctx, rec.PlanID)
	if err != nil {
		return ogp.RoundStart{}, err
	}
	content, err := db.LoadContent(ctx, rec.PlanID)
	if err != nil {
		return ogp.RoundStart{}, err
	}
	for i, d := range durations {
		if d <= 0 {
			durations[i] = DefaultRoundStageFor
		}
	}
	var openedBy int64
	if rec.OpenedBy != nil {
		openedBy = *rec.OpenedBy
	}
	start := ogp.RoundStart{RoundID: rec.ID, PlanID: p.ID, PlanTitle: p.Title, Kind: ogp.AssessmentKind(rec.Kind), OpenedBy: openedBy,
		Members: make([]ogp.Member, 0, len(members)), Commitments: make([]ogp.RoundCommitment, 0, len(content.Commitments)),
		SelfAssessmentFor: durations[0], AssessmentFor: durations[1], CommentFor: durations[2], FinalisingFor: durations[3],
		ParentWorkflowID: ogp.ActionPlanWorkflowID(p.ID)}
	for _, m := range members {
		mm := ogp.Member{UserID: m.UserID, Sector: ogp.Sector(m.Sector)}
		for _, r := range m.RoleList() {
			mm.Roles = append(mm.Roles, ogp.Role(r))
		}
		start.Members = append(start.Members, mm)
	}
	// The workflow applies the independence rule to every change too: it
	// needs the team as it stands when the round opens.
	for _, tm := range content.Team {
		start.Team = append(start.Team, tm.UserID)
	}
	for _, cm := range content.Commitments {
		rc := ogp.RoundCommitment{CommitmentID: cm.ID, Number: cm.Number, Title: cm.Title, LeadUserID: cm.LeadUserID, Milestones: []int64{}}
		for _, m := range cm.Milestones {
			rc.Milestones = append(rc.Milestones, m.ID)
		}
		start.Commitments = append(start.Commitments, rc)
	}
	return start, nil
}

// DefaultRoundStageFor is a round stage's default duration (the issue:
// 14 days each).
const DefaultRoundStageFor = 14 * 24 * time.Hour

// Round reads one round of the plan (ErrNotFound for a round of another
// plan).
func (db *DB) Round(ctx context.Context, planID, roundID int64) (RoundRecord, error) {
	var r RoundRecord
	err := db.Gorm.WithContext(ctx).Where("id = ? AND plan_id = ?", roundID, planID).Take(&r).Error
	return r, dbErr(fmt.Sprintf("round %d of plan %d", roundID, planID), err)
}

// Rounds lists the plan's rounds, oldest first.
func (db *DB) Rounds(ctx context.Context, planID int64) ([]RoundRecord, error) {
	out := []RoundRecord{}
	err := db.Gorm.WithContext(ctx).Where("plan_id = ?", planID).Order("id").Find(&out).Error
	return out, dbErr(fmt.Sprintf("rounds of plan %d", planID), err)
}

// OpenRounds lists the plan's rounds that are neither published nor
// cancelled, so the plan can end them when it completes.
func (db *DB) OpenRounds(ctx context.Context, planID int64) ([]int64, error) {
	var ids []int64
	err := db.Gorm.WithContext(ctx).Model(&RoundRecord{}).
		Where("plan_id = ? AND stage NOT IN ?", planID, []string{string(ogp.StagePublished), string(ogp.StageCancelled)}).
		Order("id").Pluck("id", &ids).Error
	return ids, dbErr(fmt.Sprintf("open rounds of plan %d", planID), err)
}

// RoundEvents reads a round's audit trail, oldest first.
func (db *DB) RoundEvents(ctx context.Context, roundID int64) ([]RoundEventRecord, error) {
	out := []RoundEventRecord{}
	err := db.Gorm.WithContext(ctx).Where("round_id = ?", roundID).Order("seq, id").Find(&out).Error
	for i := range out {
		normTime(&out[i].OccurredAt)
	}
	return out, dbErr(fmt.Sprintf("events of round %d", roundID), err)
}

// ApplyRoundProjection writes a round's state and new audit events. The
// state is written only when st.Version is newer than the stored one (the
// guard is the UPDATE's WHERE clause); events are inserted whatever the
// version, each once, so a retried or reordered projection is harmless.
// ErrNotFound for a round with no row; ErrInvalid for malformed input.
func (db *DB) ApplyRoundProjection(ctx context.Context, st ogp.AssessmentRoundState, events []ogp.Event) error {
	op := fmt.Sprintf("apply projection v%d of round %d", st.Version, st.RoundID)
	switch {
	case st.RoundID <= 0:
		return dbErr(op, invalidf("round id %d", st.RoundID))
	case st.Version < 1:
		return dbErr(op, invalidf("state version %d", st.Version))
	}
	state, err := json.Marshal(st)
	if err != nil {
		return dbErr(op, invalidf("state: %v", err))
	}
	wf := cmp.Or(st.WorkflowID, ogp.AssessmentRoundWorkflowID(st.RoundID))
	err = db.transaction(ctx, func(tx *gorm.DB) error {
		var r RoundRecord
		if err := tx.Where("id = ?", st.RoundID).Take(&r).Error; err != nil {
			return err
		}
		if st.PlanID != 0 && st.PlanID != r.PlanID {
			return invalidf("round %d belongs to plan %d, not %d", r.ID, r.PlanID, st.PlanID)
		}
		now := db.now()
		updates := map[string]any{"stage": string(st.Stage), "evidence_hash": st.EvidenceHash, "report_hash": st.ReportHash,
			"state_version": st.Version, "state": string(state), "updated_at": now, "workflow_id": wf}
		if st.PublishedAt != nil {
			updates["published_at"] = st.PublishedAt.UTC()
		}
		if err := tx.Model(&RoundRecord{}).Where("id = ? AND state_version < ?", r.ID, st.Version).Updates(updates).Error; err != nil {
			return err
		}
		return insertRoundEvents(tx, r, wf, events)
	})
	return dbErr(op, err)
}

func insertRoundEvents(tx *gorm.DB, r RoundRecord, workflowID string, events []ogp.Event) error {
	if len(events) == 0 {
		return nil
	}
	var stored []string
	if err := tx.Model(&RoundEventRecord{}).Where("round_id = ?", r.ID).Pluck("event_key", &stored).Error; err != nil {
		return err
	}
	var missing []RoundEventRecord
	seen := map[string]bool{}
	for _, k := range stored {
		seen[k] = true
	}
	for _, e := range events {
		key := fmt.Sprintf("%s/%d", workflowID, e.Seq)
		if seen[key] {
			continue
		}
		seen[key] = true
		payload, err := jsonText(e.Payload, len(e.Payload), "{}")
		if err != nil {
			return invalidf("event %d payload: %v", e.Seq, err)
		}
		row := RoundEventRecord{PlanID: r.PlanID, RoundID: r.ID, EventKey: key, Seq: e.Seq, Kind: e.Kind, Payload: payload,
			OccurredAt: e.OccurredAt.UTC()}
		if e.ActorID != 0 {
			actor := e.ActorID
			row.ActorID = &actor
		}
		missing = append(missing, row)
	}
	if len(missing) == 0 {
		return nil
	}
	slices.SortFunc(missing, func(a, b RoundEventRecord) int { return cmp.Compare(a.Seq, b.Seq) })
	return tx.Clauses(clause.OnConflict{Columns: []clause.Column{{Name: "event_key"}}, DoNothing: true}).
		CreateInBatches(&missing, insertBatch).Error
}

// --- evidence

// Evidence is what a round is based on: the plan's public record at the
// moment the round collected it. It is stored as canonical JSON (Go's
// encoding of this struct: fields in declaration order, maps sorted) and
// hashed, so anyone can check a report against it.
type Evidence struct {
	PlanID      int64                 `json:"plan_id"`
	RoundID     int64                 `json:"round_id"`
	Kind        ogp.AssessmentKind    `json:"kind"`
	CollectedAt time.Time             `json:"collected_at"`
	Plan        EvidencePlan          `json:"plan"`
	Steps       []EvidenceStep        `json:"steps"`
	Content     json.RawMessage       `json:"content"`
	Implement   []ogp.CommitmentState `json:"implementation"`
	Reminders   []EvidenceReminder    `json:"reminders_sent"`
	Overdue     []EvidenceOverdue     `json:"overdue_periods"`
}

// EvidencePlan is the plan's frame.
type EvidencePlan struct {
	Title       string `json:"title"`
	StartsOn    string `json:"starts_on"`
	EndsOn      string `json:"ends_on"`
	Status      string `json:"status"`
	CurrentStep int    `json:"current_step"`
}

// EvidenceStep is a step with its submissions and decisions.
type EvidenceStep struct {
	Number      int                  `json:"number"`
	Status      string               `json:"status"`
	StartedAt   *time.Time           `json:"started_at,omitempty"`
	SubmittedAt *time.Time           `json:"submitted_at,omitempty"`
	ApprovedAt  *time.Time           `json:"approved_at,omitempty"`
	Submissions []EvidenceSubmission `json:"submissions"`
	Decisions   []EvidenceDecision   `json:"decisions"`
}

// EvidenceSubmission is one submitted round of a step's content.
type EvidenceSubmission struct {
	Round       int       `json:"round"`
	Digest      string    `json:"digest"`
	SubmittedAt time.Time `json:"submitted_at"`
}

// EvidenceDecision is an approver's decision on a step.
type EvidenceDecision struct {
	Round      int       `json:"round"`
	ApproverID int64     `json:"approver_id"`
	Sector     string    `json:"sector"`
	Decision   string    `json:"decision"`
	Comment    string    `json:"comment"`
	DecidedAt  time.Time `json:"decided_at"`
}

// EvidenceReminder is one reminder sent, of a step or a milestone.
type EvidenceReminder struct {
	Kind         string    `json:"kind"`
	Step         int       `json:"step,omitempty"`
	CommitmentID int64     `json:"commitment_id,omitempty"`
	SentAt       time.Time `json:"sent_at"`
	Payload      string    `json:"payload"`
}

// EvidenceOverdue is a period a milestone was (or is) past its due date.
type EvidenceOverdue struct {
	CommitmentID int64      `json:"commitment_id"`
	MilestoneID  int64      `json:"milestone_id"`
	DueOn        string     `json:"due_on"`
	Until        *time.Time `json:"until,omitempty"`
}

// CollectEvidence builds the round's evidence snapshot from the database
// and stores it, once: a retry answers the stored hash and content. For
// co-creation rounds it also answers the checklist pre-filled from the
// evidence.
func (db *DB) CollectEvidence(ctx context.Context, roundID int64) (hash string, prefill []ogp.ChecklistItem, err error) {
	op := fmt.Sprintf("collect evidence of round %d", roundID)
	err = db.transaction(ctx, func(tx *gorm.DB) error {
		var r RoundRecord
		if err := tx.Where("id = ?", roundID).Take(&r).Error; err != nil {
			return err
		}
		var snap EvidenceSnapshotRecord
		err := tx.Where("round_id = ?", roundID).Take(&snap).Error
		switch {
		case err == nil:
			// Already collected: what the round is based on never changes.
		case errors.Is(err, gorm.ErrRecordNotFound):
			ev, err := buildEvidence(tx, r, db.now())
			if err != nil {
				return err
			}
			b, err := json.Marshal(ev)
			if err != nil {
				return err
			}
			sum := sha256.Sum256(b)
			snap = EvidenceSnapshotRecord{RoundID: roundID, Hash: hex.EncodeToString(sum[:]), Content: string(b), CreatedAt: db.now()}
			if err := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&snap).Error; err != nil {
				return err
			}
			// A concurrent collection may have won the insert: what is
			// stored is the snapshot, not what this call built.
			if err := tx.Where("round_id = ?", roundID).Take(&snap).Error; err != nil {
				return err
			}
		default:
			return err
		}
		hash = snap.Hash
		if ogp.AssessmentKind(r.Kind) == ogp.AssessCoCreation {
			var ev Evidence
			if err := json.Unmarshal([]byte(snap.Content), &ev); err != nil {
				return err
			}
			prefill = PrefillChecklist(ev)
		}
		return nil
	})
	return hash, prefill, dbErr(op, err)
}

// EvidenceSnapshot reads a round's stored evidence (ErrNotFound before it
// is collected).
func (db *DB) EvidenceSnapshot(ctx context.Context, roundID int64) (EvidenceSnapshotRecord, error) {
	var s EvidenceSnapshotRecord
	err := db.Gorm.WithContext(ctx).Where("round_id = ?", roundID).Take(&s).Error
	normTime(&s.CreatedAt)
	return s, dbErr(fmt.Sprintf("evidence of round %d", roundID), err)
}

func buildEvidence(tx *gorm.DB, r RoundRecord, now time.Time) (Evidence, error) {
	ev := Evidence{PlanID: r.PlanID, RoundID: r.ID, Kind: ogp.AssessmentKind(r.Kind), CollectedAt: now.UTC().Truncate(time.Microsecond),
		Steps: []EvidenceStep{}, Reminders: []EvidenceReminder{}, Overdue: []EvidenceOverdue{}}
	var plan ActionPlan
	if err := tx.Where("id = ?", r.PlanID).Take(&plan).Error; err != nil {
		return ev, err
	}
	ev.Plan = EvidencePlan{Title: plan.Title, StartsOn: plan.StartsOn, EndsOn: plan.EndsOn, Status: plan.Status, CurrentStep: plan.CurrentStep}

	var members []Membership
	if err := tx.Where("plan_id = ?", r.PlanID).Find(&members).Error; err != nil {
		return ev, err
	}
	sector := map[int64]string{}
	for _, m := range members {
		sector[m.UserID] = m.Sector
	}
	var steps []Step
	if err := tx.Where("plan_id = ?", r.PlanID).Order("number").Find(&steps).Error; err != nil {
		return ev, err
	}
	var snaps []StepSnapshot
	if err := tx.Where("plan_id = ?", r.PlanID).Order("step, round").Find(&snaps).Error; err != nil {
		return ev, err
	}
	var decisions []Decision
	if err := tx.Where("plan_id = ?", r.PlanID).Order("step_number, round, decided_at, id").Find(&decisions).Error; err != nil {
		return ev, err
	}
	utc := func(t *time.Time) *time.Time {
		if t == nil {
			return nil
		}
		u := t.UTC().Truncate(time.Microsecond)
		return &u
	}
	for _, s := range steps {
		es := EvidenceStep{Number: s.Number, Status: s.Status, StartedAt: utc(s.StartedAt), SubmittedAt: utc(s.SubmittedAt),
			ApprovedAt: utc(s.ApprovedAt), Submissions: []EvidenceSubmission{}, Decisions: []EvidenceDecision{}}
		for _, sn := range snaps {
			if sn.Step == s.Number {
				es.Submissions = append(es.Submissions, EvidenceSubmission{Round: sn.Round, Digest: sn.Digest, SubmittedAt: *utc(&sn.CreatedAt)})
			}
		}
		for _, d := range decisions {
			if d.StepNumber == s.Number {
				es.Decisions = append(es.Decisions, EvidenceDecision{Round: d.Round, ApproverID: d.ApproverID, Sector: sector[d.ApproverID],
					Decision: d.Decision, Comment: d.Comment, DecidedAt: *utc(&d.DecidedAt)})
			}
		}
		ev.Steps = append(ev.Steps, es)
	}

	// The public content as approvers saw it at validation: no private
	// contacts, only published problems (with scores and reasoned
	// responses).
	c, err := loadContent(tx, r.PlanID)
	if err != nil {
		return ev, err
	}
	content, err := json.Marshal(ogp.ContentForStep(8, c))
	if err != nil {
		return ev, err
	}
	ev.Content = content

	impl, err := loadImplementation(tx, r.PlanID, 0, true)
	if err != nil {
		return ev, err
	}
	ev.Implement = impl

	var audits []AuditEvent
	if err := tx.Where("plan_id = ? AND kind = ?", r.PlanID, ogp.EventReminderSent).Order("seq, id").Find(&audits).Error; err != nil {
		return ev, err
	}
	for _, a := range audits {
		rem := EvidenceReminder{Kind: a.Kind, SentAt: *utc(&a.OccurredAt), Payload: a.Payload}
		if a.StepNumber != nil {
			rem.Step = *a.StepNumber
		}
		ev.Reminders = append(ev.Reminders, rem)
	}
	var cevents []CommitmentEventRecord
	if err := tx.Where("plan_id = ? AND kind = ?", r.PlanID, ogp.EventMilestoneReminder).Order("commitment_id, seq, id").Find(&cevents).Error; err != nil {
		return ev, err
	}
	for _, e := range cevents {
		ev.Reminders = append(ev.Reminders, EvidenceReminder{Kind: e.Kind, CommitmentID: e.CommitmentID, SentAt: *utc(&e.OccurredAt), Payload: e.Payload})
	}

	today := now.UTC().Format(time.DateOnly)
	for _, st := range impl {
		for _, m := range st.Milestones {
			due := string(m.DueOn)
			switch {
			case m.CompletedAt != nil && m.CompletedAt.UTC().Format(time.DateOnly) > due:
				ev.Overdue = append(ev.Overdue, EvidenceOverdue{CommitmentID: st.CommitmentID, MilestoneID: m.ID, DueOn: due, Until: utc(m.CompletedAt)})
			case m.CompletedAt == nil && due < today:
				ev.Overdue = append(ev.Overdue, EvidenceOverdue{CommitmentID: st.CommitmentID, MilestoneID: m.ID, DueOn: due})
			}
		}
	}
	return ev, nil
}

// Checklist keys of a co-creation round.
const (
	ChecklistForumMet                   = "forum_met"
	ChecklistAwarenessDone              = "awareness_done"
	ChecklistReasonedResponsesPublished = "reasoned_responses_published"
	ChecklistCivilSocietyCoSigned       = "civil_society_co_signed"
)

// PrefillChecklist rates the co-creation checklist from the evidence
// alone; the monitoring body may override every rating.
func PrefillChecklist(ev Evidence) []ogp.ChecklistItem {
	var c struct {
		Forum *struct {
			Meetings []json.RawMessage `json:"meetings"`
		} `json:"forum"`
		Awareness []ogp.AwarenessActivity `json:"awareness"`
		Problems  []ogp.Problem           `json:"problems"`
	}
	_ = json.Unmarshal(ev.Content, &c)
	today := ogp.Date(ev.CollectedAt.UTC().Format(time.DateOnly))
	rate := func(key string, met bool, note string) ogp.ChecklistItem {
		r := "not_met"
		if met {
			r = "met"
		}
		return ogp.ChecklistItem{Key: key, Rating: r, Note: note, Prefilled: true}
	}
	forum := c.Forum != nil && len(c.Forum.Meetings) > 0
	awareness := false
	for _, a := range c.Awareness {
		if a.HeldOn != "" && a.HeldOn <= today {
			awareness = true
		}
	}
	responses := true
	for _, p := range c.Problems {
		if p.Status == ogp.ProblemPublished && !p.Selected && strings.TrimSpace(p.ReasonedResponse) == "" {
			responses = false
		}
	}
	cosigned := false
	for _, s := range ev.Steps {
		if s.Number != 8 || s.Status != string(ogp.StepApproved) {
			continue
		}
		last := 0
		for _, d := range s.Decisions {
			last = max(last, d.Round)
		}
		for _, d := range s.Decisions {
			if d.Round == last && d.Decision == string(ogp.DecisionApprove) && d.Sector == string(ogp.SectorCivilSociety) {
				cosigned = true
			}
		}
	}
	return []ogp.ChecklistItem{
		rate(ChecklistForumMet, forum, "from the evidence: forum meetings recorded"),
		rate(ChecklistAwarenessDone, awareness, "from the evidence: awareness activities held"),
		rate(ChecklistReasonedResponsesPublished, responses, "from the evidence: every published problem not selected has a reasoned response"),
		rate(ChecklistCivilSocietyCoSigned, cosigned, "from the evidence: a civil society approver approved step 8"),
	}
}
