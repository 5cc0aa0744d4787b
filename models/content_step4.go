package models

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/ogplocal/ogp"
)

// Problem is a problem (opportunity area) raised for a plan at step 4, as
// stored. SubmitterEmail is a public proposer's private contact.
type Problem struct {
	ID               int64      `gorm:"column:id;primaryKey"`
	PlanID           int64      `gorm:"column:plan_id"`
	Title            string     `gorm:"column:title"`
	Description      string     `gorm:"column:description"`
	PolicyArea       string     `gorm:"column:policy_area"`
	Source           string     `gorm:"column:source"`
	Submitter        string     `gorm:"column:submitter"`
	SubmitterEmail   string     `gorm:"column:submitter_email"`
	Status           string     `gorm:"column:status"`
	ModerationReason string     `gorm:"column:moderation_reason"`
	ModeratedBy      *int64     `gorm:"column:moderated_by"`
	ModeratedAt      *time.Time `gorm:"column:moderated_at"`
	Selected         bool       `gorm:"column:selected"`
	ReasonedResponse string     `gorm:"column:reasoned_response"`
	CreatedBy        *int64     `gorm:"column:created_by"`
	// IdempotencyKey makes creation retry-safe per plan; nil means none.
	IdempotencyKey *string   `gorm:"column:idempotency_key"`
	CreatedAt      time.Time `gorm:"column:created_at"`
	UpdatedAt      time.Time `gorm:"column:updated_at"`
}

// TableName implements gorm's Tabler.
func (Problem) TableName() string { return "problems" }

// BeforeSave keeps stored instants in UTC whatever the caller passed.
func (p *Problem) BeforeSave(*gorm.DB) error {
	normTime(&p.CreatedAt)
	normTime(&p.UpdatedAt)
	normTimePtr(&p.ModeratedAt)
	return nil
}

// AfterFind returns instants in UTC (pgx decodes them in time.Local).
func (p *Problem) AfterFind(tx *gorm.DB) error { return p.BeforeSave(tx) }

// Scorer kinds: who gave a score. Team members score for themselves;
// forum members are not users, so the coordinator records their scores.
const (
	ScorerTeamMember  = "team_member"
	ScorerForumMember = "forum_member"
)

// ProblemScore is one person's score of a problem's priority; a new score
// by the same person replaces it.
type ProblemScore struct {
	ProblemID  int64     `gorm:"column:problem_id;primaryKey;autoIncrement:false"`
	ScorerKind string    `gorm:"column:scorer_kind;primaryKey"`
	ScorerID   int64     `gorm:"column:scorer_id;primaryKey;autoIncrement:false"`
	PlanID     int64     `gorm:"column:plan_id"`
	Score      int       `gorm:"column:score"`
	RecordedBy *int64    `gorm:"column:recorded_by"`
	CreatedAt  time.Time `gorm:"column:created_at"`
	UpdatedAt  time.Time `gorm:"column:updated_at"`
}

// TableName implements gorm's Tabler.
func (ProblemScore) TableName() string { return "problem_scores" }

// BeforeSave keeps stored instants in UTC whatever the caller passed.
func (s *ProblemScore) BeforeSave(*gorm.DB) error {
	normTime(&s.CreatedAt)
	normTime(&s.UpdatedAt)
	return nil
}

// AfterFind returns instants in UTC (pgx decodes them in time.Local).
func (s *ProblemScore) AfterFind(tx *gorm.DB) error { return s.BeforeSave(tx) }

// ProblemRecord is a problem as the content has it (scored and ranked),
// with what only coordinators see: the proposer's contact and when it was
// recorded and moderated.
type ProblemRecord struct {
	ogp.Problem
	SubmitterEmail string
	IdempotencyKey string
	CreatedAt      time.Time
	UpdatedAt      time.Time
	ModeratedAt    *time.Time
}

// NewProblem is a problem the coordinator records for the team or the
// forum, or a proposal from the public.
type NewProblem struct {
	Text   ogp.ProblemText
	Source ogp.ProblemSource
	// Email is a public proposer's optional contact.
	Email string
	// IdempotencyKey, when set, makes a retry answer the problem it
	// created instead of recording it twice. The API uses it for the
	// public's proposals: the public has no account, so its per-user
	// Idempotency-Key layer cannot serve them.
	IdempotencyKey string
	// CreatedBy is the recording user; 0 for the public.
	CreatedBy int64
}

// ScoreInput is a score of a problem by a team member (ScorerID is the
// user) or by a forum member (ScorerID is the forum member's id).
type ScoreInput struct {
	ScorerKind string
	ScorerID   int64
	Score      int
	RecordedBy int64
}

// errReplay rolls back the version bump of an edit that turned out to be
// the retry of one already applied.
var errReplay = errors.New("idempotent replay")

func unknownProblem(id int64) error {
	return ogp.Errorf(ogp.ENotFound, "unknown_problem", "there is no problem %d in this plan", id)
}

func problemNotPublished(p Problem) error {
	return ogp.Errorf(ogp.EConflict, "problem_not_published", "problem %d is %s: only published problems are scored and selected", p.ID, p.Status)
}

// loadProblems fills the content's problems, every status, ordered by id,
// with their scores and ranks. Keeping pending and hidden ones in the
// content lets the gate see them; ogp.ContentForStep and the API show the
// public only the published ones.
func loadProblems(tx *gorm.DB, planID int64, c *ogp.Content) error {
	recs, err := loadProblemRecords(tx, planID)
	if err != nil {
		return err
	}
	c.Problems = make([]ogp.Problem, 0, len(recs))
	for _, r := range recs {
		c.Problems = append(c.Problems, r.Problem)
	}
	return nil
}

// problemScoreSum is a problem's scores added up.
type problemScoreSum struct {
	ProblemID int64 `gorm:"column:problem_id"`
	N         int   `gorm:"column:n"`
	Total     int64 `gorm:"column:total"`
}

func loadProblemRecords(tx *gorm.DB, planID int64) ([]ProblemRecord, error) {
	var rows []Problem
	if err := tx.Where("plan_id = ?", planID).Order("id").Find(&rows).Error; err != nil {
		return nil, err
	}
	var sums []problemScoreSum
	if err := tx.Model(&ProblemScore{}).Select("problem_id, COUNT(*) AS n, SUM(score) AS total").
		Where("plan_id = ?", planID).Group("problem_id").Scan(&sums).Error; err != nil {
		return nil, err
	}
	ps := make([]ogp.Problem, len(rows))
	for i, r := range rows {
		ps[i] = ogp.Problem{ID: r.ID, Title: r.Title, Description: r.Description, PolicyArea: r.PolicyArea,
			Source: ogp.ProblemSource(r.Source), Submitter: r.Submitter, Status: ogp.ProblemStatus(r.Status),
			ModerationReason: r.ModerationReason, Selected: r.Selected, ReasonedResponse: r.ReasonedResponse}
		for _, s := range sums {
			if s.ProblemID == r.ID && s.N > 0 {
				ps[i].ScoreCount, ps[i].ScoreAverage = s.N, float64(s.Total)/float64(s.N)
			}
		}
	}
	ogp.RankProblems(ps)
	out := make([]ProblemRecord, len(rows))
	for i, r := range rows {
		ps[i].ScoreAverage = ogp.RoundScore(ps[i].ScoreAverage)
		out[i] = ProblemRecord{Problem: ps[i], SubmitterEmail: r.SubmitterEmail, CreatedAt: r.CreatedAt,
			UpdatedAt: r.UpdatedAt, ModeratedAt: r.ModeratedAt}
		if r.IdempotencyKey != nil {
			out[i].IdempotencyKey = *r.IdempotencyKey
		}
	}
	return out, nil
}

// problemRecord reloads one problem with its score and rank among the
// plan's problems.
func problemRecord(tx *gorm.DB, planID, id int64) (ProblemRecord, error) {
	recs, err := loadProblemRecords(tx, planID)
	if err != nil {
		return ProblemRecord{}, err
	}
	i := slices.IndexFunc(recs, func(r ProblemRecord) bool { return r.ID == id })
	if i < 0 {
		return ProblemRecord{}, unknownProblem(id)
	}
	return recs[i], nil
}

// findProblem loads a problem of the plan; another plan's is unknown here.
func findProblem(tx *gorm.DB, planID, id int64) (Problem, error) {
	var p Problem
	err := tx.Where("plan_id = ? AND id = ?", planID, id).Take(&p).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return p, unknownProblem(id)
	}
	return p, err
}

// Problems lists a plan's problems, every status, ordered by id, with
// scores, ranks and the coordinators' private fields: callers decide what
// each reader may see.
func (db *DB) Problems(ctx context.Context, planID int64) ([]ProblemRecord, error) {
	recs, err := loadProblemRecords(db.Gorm.WithContext(ctx), planID)
	return recs, dbErr(fmt.Sprintf("list problems of plan %d", planID), err)
}

// ProblemByKey finds the problem created with an idempotency key, or
// ErrNotFound.
func (db *DB) ProblemByKey(ctx context.Context, planID int64, key string) (ProblemRecord, error) {
	op := fmt.Sprintf("problem of plan %d by key", planID)
	var rec ProblemRecord
	err := db.transaction(ctx, func(tx *gorm.DB) error {
		var p Problem
		if err := tx.Where("plan_id = ? AND idempotency_key = ?", planID, key).Take(&p).Error; err != nil {
			return err
		}
		var err error
		rec, err = problemRecord(tx, planID, p.ID)
		return err
	})
	return rec, dbErr(op, err)
}

// byKey returns the problem a retry with this key already created.
func byKey(tx *gorm.DB, planID int64, key string) (Problem, bool, error) {
	if key == "" {
		return Problem{}, false, nil
	}
	var p Problem
	err := tx.Where("plan_id = ? AND idempotency_key = ?", planID, key).Take(&p).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return p, false, nil
	}
	return p, err == nil, err
}

func newProblemRow(planID int64, in NewProblem, status ogp.ProblemStatus, now time.Time) Problem {
	row := Problem{PlanID: planID, Title: in.Text.Title, Description: in.Text.Description, PolicyArea: in.Text.PolicyArea,
		Source: string(in.Source), Submitter: in.Text.Submitter, SubmitterEmail: in.Email, Status: string(status),
		CreatedAt: now, UpdatedAt: now}
	if in.IdempotencyKey != "" {
		row.IdempotencyKey = &in.IdempotencyKey
	}
	if in.CreatedBy != 0 {
		row.CreatedBy = &in.CreatedBy
	}
	return row
}

// CreateProblem records a problem from the team or the forum, published
// at once. It is step 4 content. With in.IdempotencyKey, replayed is true
// when the key had already created the problem, which is then answered.
// (The API leaves the coordinator's retries to its per-user
// Idempotency-Key layer and passes no key.)
func (db *DB) CreateProblem(ctx context.Context, planID int64, in NewProblem) (rec ProblemRecord, replayed bool, err error) {
	op := fmt.Sprintf("create problem of plan %d", planID)
	err = db.EditContent(ctx, planID, ogp.HomeProblems, func(tx *gorm.DB) error {
		_, found, err := byKey(tx, planID, in.IdempotencyKey)
		if err != nil {
			return err
		}
		if found {
			return errReplay
		}
		row := newProblemRow(planID, in, ogp.ProblemPublished, db.now())
		if err := tx.Create(&row).Error; err != nil {
			return err
		}
		rec, err = problemRecord(tx, planID, row.ID)
		return err
	})
	if errors.Is(err, errReplay) || (in.IdempotencyKey != "" && errors.Is(err, ErrConflict)) {
		// Answered from the first request (or a concurrent one that won
		// the unique key); errReplay rolled back the version bump.
		rec, err = db.ProblemByKey(ctx, planID, in.IdempotencyKey)
		return rec, true, err
	}
	return rec, false, dbErr(op, err)
}

// ProposeProblem records a proposal from the public, pending moderation.
// The public may propose until step 4 is submitted: after that nobody
// could moderate the proposal or answer it in this plan. The check and the
// insert run under step 4's content lock, so a proposal never slips into a
// submission being checked.
func (db *DB) ProposeProblem(ctx context.Context, planID int64, in NewProblem) (rec ProblemRecord, replayed bool, err error) {
	op := fmt.Sprintf("propose problem to plan %d", planID)
	in.Source = ogp.SourcePublic
	err = db.transaction(ctx, func(tx *gorm.DB) error {
		now := db.now()
		sc, err := lockStepContent(tx, planID, ogp.HomeProblems, now)
		if err != nil {
			return err
		}
		var plan ActionPlan
		if err := tx.Where("id = ?", planID).Take(&plan).Error; err != nil {
			return err
		}
		var step Step
		if err := tx.Where("plan_id = ? AND number = ?", planID, ogp.HomeProblems).Take(&step).Error; err != nil && !errors.Is(err, gorm.ErrRecordNotFound) {
			return err
		}
		prior, found, err := byKey(tx, planID, in.IdempotencyKey)
		if err != nil {
			return err
		}
		if found {
			rec, err = problemRecord(tx, planID, prior.ID)
			replayed = true
			return err
		}
		if !proposalsOpen(plan, step, sc) {
			return ogp.Errorf(ogp.EConflict, "proposals_closed", "this plan no longer takes proposals: its problems were chosen at step 4")
		}
		row := newProblemRow(planID, in, ogp.ProblemPending, now)
		if err := tx.Create(&row).Error; err != nil {
			return err
		}
		rec, err = problemRecord(tx, planID, row.ID)
		return err
	})
	if err != nil && in.IdempotencyKey != "" && errors.Is(dbErr(op, err), ErrConflict) {
		rec, err = db.ProblemByKey(ctx, planID, in.IdempotencyKey)
		return rec, true, err
	}
	return rec, replayed, dbErr(op, err)
}

// proposalsOpen says whether the public may still propose problems: until
// step 4, and during step 4 while it is being worked on and not submitted.
func proposalsOpen(plan ActionPlan, step4 Step, content StepContent) bool {
	switch {
	case plan.Status != string(ogp.PlanCoCreation) || content.Locked:
		return false
	case plan.CurrentStep < ogp.HomeProblems:
		return true
	case plan.CurrentStep == ogp.HomeProblems:
		return step4.Status == string(ogp.StepInProgress) || step4.Status == string(ogp.StepChangesRequested)
	}
	return false
}

// UpdateProblem changes what a problem says; an empty source keeps it. A
// public proposal stays the public's, whatever the coordinator corrects,
// and no other problem can pass for one.
func (db *DB) UpdateProblem(ctx context.Context, planID, id int64, text ogp.ProblemText, source ogp.ProblemSource) (ProblemRecord, error) {
	op := fmt.Sprintf("update problem %d of plan %d", id, planID)
	var rec ProblemRecord
	err := db.EditContent(ctx, planID, ogp.HomeProblems, func(tx *gorm.DB) error {
		p, err := findProblem(tx, planID, id)
		if err != nil {
			return err
		}
		isPublic := p.Source == string(ogp.SourcePublic)
		switch {
		case source == "":
			source = ogp.ProblemSource(p.Source)
		case isPublic && source != ogp.SourcePublic:
			return ogp.Errorf(ogp.EUnprocessable, "public_source_immutable", "problem %d was proposed by the public and stays so", id)
		case !isPublic && source == ogp.SourcePublic:
			return ogp.Errorf(ogp.EUnprocessable, "public_source_reserved", "only proposals made through the public endpoint have source public")
		}
		if err := tx.Model(&Problem{}).Where("id = ?", id).Updates(map[string]any{
			"title": text.Title, "description": text.Description, "policy_area": text.PolicyArea,
			"submitter": text.Submitter, "source": string(source), "updated_at": db.now(),
		}).Error; err != nil {
			return err
		}
		rec, err = problemRecord(tx, planID, id)
		return err
	})
	return rec, dbErr(op, err)
}

// DeleteProblem removes a problem the team or forum raised, with its
// scores. The public's proposals are never deleted: they are hidden with a
// reason, so the plan keeps an account of what it was told.
func (db *DB) DeleteProblem(ctx context.Context, planID, id int64) error {
	op := fmt.Sprintf("delete problem %d of plan %d", id, planID)
	err := db.EditContent(ctx, planID, ogp.HomeProblems, func(tx *gorm.DB) error {
		p, err := findProblem(tx, planID, id)
		if err != nil {
			return err
		}
		if p.Source == string(ogp.SourcePublic) {
			return ogp.Errorf(ogp.EConflict, "public_problem_not_deletable", "problem %d was proposed by the public: hide it with a reason instead of deleting it", id)
		}
		// Explicitly, not trusting ON DELETE CASCADE to be enforced.
		if err := tx.Where("problem_id = ?", id).Delete(&ProblemScore{}).Error; err != nil {
			return err
		}
		return tx.Where("id = ?", id).Delete(&Problem{}).Error
	})
	return dbErr(op, err)
}

// ModerateProblem publishes or hides a problem, keeping the reason for
// the coordinators (required when hiding).
func (db *DB) ModerateProblem(ctx context.Context, planID, id int64, d ogp.ModerationDecision, reason string, by int64) (ProblemRecord, error) {
	op := fmt.Sprintf("moderate problem %d of plan %d", id, planID)
	status := ogp.ProblemPublished
	if d == ogp.ModerationHide {
		status = ogp.ProblemHidden
	}
	var rec ProblemRecord
	err := db.EditContent(ctx, planID, ogp.HomeProblems, func(tx *gorm.DB) error {
		if _, err := findProblem(tx, planID, id); err != nil {
			return err
		}
		now := db.now()
		var moderator *int64
		if by != 0 {
			moderator = &by
		}
		if err := tx.Model(&Problem{}).Where("id = ?", id).Updates(map[string]any{
			"status": string(status), "moderation_reason": reason, "moderated_by": moderator,
			"moderated_at": now, "updated_at": now,
		}).Error; err != nil {
			return err
		}
		var err error
		rec, err = problemRecord(tx, planID, id)
		return err
	})
	return rec, dbErr(op, err)
}

// ScoreProblem records (or replaces) a score of a published problem by a
// member of the team (the caller, a user on step 1's team) or of the forum
// (recorded by the coordinator). Eligibility is read from step 1's content,
// which is final by step 4.
func (db *DB) ScoreProblem(ctx context.Context, planID, id int64, in ScoreInput) (ProblemRecord, error) {
	op := fmt.Sprintf("score problem %d of plan %d", id, planID)
	var rec ProblemRecord
	err := db.EditContent(ctx, planID, ogp.HomeProblems, func(tx *gorm.DB) error {
		p, err := findProblem(tx, planID, id)
		if err != nil {
			return err
		}
		if p.Status != string(ogp.ProblemPublished) {
			return problemNotPublished(p)
		}
		var team ogp.Content
		if err := loadTeamForumMonitoring(tx, planID, &team); err != nil {
			return err
		}
		switch in.ScorerKind {
		case ScorerTeamMember:
			if !slices.ContainsFunc(team.Team, func(m ogp.TeamMember) bool { return m.UserID == in.ScorerID }) {
				return ogp.Errorf(ogp.EForbidden, "not_team_member", "only members of the plan's team (step 1) score problems; the coordinator records forum members' scores with forum_member_id")
			}
		case ScorerForumMember:
			if team.Forum == nil || !slices.ContainsFunc(team.Forum.Members, func(m ogp.ForumMember) bool { return m.ID == in.ScorerID }) {
				return ogp.Errorf(ogp.ENotFound, "unknown_forum_member", "there is no forum member %d in this plan", in.ScorerID)
			}
		default:
			return fmt.Errorf("%w: scorer kind %q", ErrInvalid, in.ScorerKind)
		}
		now := db.now()
		row := ProblemScore{ProblemID: id, ScorerKind: in.ScorerKind, ScorerID: in.ScorerID, PlanID: planID,
			Score: in.Score, CreatedAt: now, UpdatedAt: now}
		if in.RecordedBy != 0 {
			row.RecordedBy = &in.RecordedBy
		}
		if err := tx.Clauses(clause.OnConflict{
			Columns:   []clause.Column{{Name: "problem_id"}, {Name: "scorer_kind"}, {Name: "scorer_id"}},
			DoUpdates: clause.AssignmentColumns([]string{"score", "recorded_by", "updated_at"}),
		}).Create(&row).Error; err != nil {
			return err
		}
		rec, err = problemRecord(tx, planID, id)
		return err
	})
	return rec, dbErr(op, err)
}

// SelectProblem selects a published problem to address, or unselects
// one. Selecting beyond OGP Local's cap is refused here already, so the
// coordinator learns it at once rather than at submission.
func (db *DB) SelectProblem(ctx context.Context, planID, id int64, selected bool) (ProblemRecord, error) {
	op := fmt.Sprintf("select problem %d of plan %d", id, planID)
	var rec ProblemRecord
	err := db.EditContent(ctx, planID, ogp.HomeProblems, func(tx *gorm.DB) error {
		p, err := findProblem(tx, planID, id)
		if err != nil {
			return err
		}
		if selected && !p.Selected {
			if p.Status != string(ogp.ProblemPublished) {
				return problemNotPublished(p)
			}
			var c ogp.Content
			if err := loadProblems(tx, planID, &c); err != nil {
				return err
			}
			if err := loadCommitments(tx, planID, &c); err != nil {
				return err
			}
			for i := range c.Problems {
				if c.Problems[i].ID == id {
					c.Problems[i].Selected = true
				}
			}
			if n, others := ogp.CommitmentSlots(c); n+others > ogp.MaxCommitments {
				return ogp.Errorf(ogp.EUnprocessable, "too_many_selected",
					"OGP Local allows at most %d commitments: %d problem(s) are selected already and the plan has %d other commitment(s)",
					ogp.MaxCommitments, n-1, others)
			}
		}
		if err := tx.Model(&Problem{}).Where("id = ?", id).
			Updates(map[string]any{"selected": selected, "updated_at": db.now()}).Error; err != nil {
			return err
		}
		rec, err = problemRecord(tx, planID, id)
		return err
	})
	return rec, dbErr(op, err)
}

// SetReasonedResponse records the plan's public answer on a problem: why
// it is not taken up (required for every published problem not selected)
// or why it is.
func (db *DB) SetReasonedResponse(ctx context.Context, planID, id int64, text string) (ProblemRecord, error) {
	op := fmt.Sprintf("reasoned response to problem %d of plan %d", id, planID)
	var rec ProblemRecord
	err := db.EditContent(ctx, planID, ogp.HomeProblems, func(tx *gorm.DB) error {
		if _, err := findProblem(tx, planID, id); err != nil {
			return err
		}
		if err := tx.Model(&Problem{}).Where("id = ?", id).
			Updates(map[string]any{"reasoned_response": text, "updated_at": db.now()}).Error; err != nil {
			return err
		}
		var err error
		rec, err = problemRecord(tx, planID, id)
		return err
	})
	return rec, dbErr(op, err)
}
