package ogp

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// The pure state machine of one assessment round (step 10). Like the
// commitment's, every change is a Validate*/Apply* pair taking now: the
// workflow's update validators run Validate*, the handler runs it again
// under the lock and then Apply*, which returns the audit events. Stage
// deadlines are timers: NextRoundTimer says when the next one is due and
// ApplyRoundTimer moves the stage on or reminds whoever must act.

// Audit event kinds of an assessment round.
const (
	EventRoundOpened             = "assessment_round_opened"
	EventEvidenceCollected       = "evidence_collected"
	EventSelfAssessmentRequested = "self_assessment_requested"
	EventSelfAssessmentSubmitted = "self_assessment_submitted"
	EventRoundStageChanged       = "round_stage_changed"
	EventCommitmentAssessed      = "commitment_assessed"
	EventChecklistRecorded       = "checklist_recorded"
	EventDraftPublished          = "assessment_draft_published"
	EventCommentAdded            = "assessment_comment_added"
	EventCommentAnswered         = "assessment_comment_answered"
	EventReportPublished         = "assessment_published"
	EventRoundCancelled          = "assessment_round_cancelled"
	EventRoundReminder           = "assessment_reminder_sent"
)

// Notification kinds of an assessment round.
const (
	NotificationAssessmentReminder       = "assessment_reminder"
	NotificationSelfAssessmentRequested  = "self_assessment_requested"
	NotificationAssessmentDraftPublished = "assessment_draft_published"
	NotificationAssessmentPublished      = "assessment_published"
)

// Co-creation checklist keys, in report order.
const (
	ChecklistForumMet                   = "forum_met"
	ChecklistAwarenessDone              = "awareness_done"
	ChecklistReasonedResponsesPublished = "reasoned_responses_published"
	ChecklistCivilSocietyCoSigned       = "civil_society_co_signed"
)

// ChecklistKeys are the co-creation checklist's points, in report order.
var ChecklistKeys = []string{ChecklistForumMet, ChecklistAwarenessDone, ChecklistReasonedResponsesPublished, ChecklistCivilSocietyCoSigned}

// Checklist ratings.
const (
	RatingMet       = "met"
	RatingPartlyMet = "partly_met"
	RatingNotMet    = "not_met"
)

// Round defaults and limits.
const (
	// DefaultStageDuration is every stage's default length.
	DefaultStageDuration = 14 * 24 * time.Hour
	// RoundReminderEvery is how often an overdue assessment or
	// finalisation is reminded.
	RoundReminderEvery = 7 * 24 * time.Hour
	// SelfAssessmentReminderBefore is when leads who have not answered
	// are reminded before the self-assessment deadline (at most half the
	// stage's length).
	SelfAssessmentReminderBefore = 3 * 24 * time.Hour
	// MaxRoundCommentLen is the longest public comment.
	MaxRoundCommentLen = 5000
	// MaxRoundCommentNameLen is the longest name a commenter gives.
	MaxRoundCommentNameLen = 200
	// MaxRoundComments bounds a draft's comments (the round's state
	// travels whole through the workflow's history).
	MaxRoundComments = 200
)

// assessmentStep is the plan step rounds belong to; events carry it.
const assessmentStep = HomeLearning

// SubmitSelfAssessmentInput is a commitment lead's self-assessment.
type SubmitSelfAssessmentInput struct {
	CommitmentID int64      `json:"commitment_id"`
	Completion   Completion `json:"completion"`
	Narrative    string     `json:"narrative"`
	Actor        Actor      `json:"actor"`
}

// RecordAssessmentInput is the monitoring body's assessment of one
// commitment; recording it again replaces it.
type RecordAssessmentInput struct {
	CommitmentID     int64              `json:"commitment_id"`
	Completion       Completion         `json:"completion"`
	Relevance        []ValueRelevance   `json:"relevance"`
	Impact           Impact             `json:"impact"`
	OpenedGovernment OpenedGovernment   `json:"opened_government,omitempty"`
	Milestones       []MilestoneVerdict `json:"milestones"`
	Recommendations  string             `json:"recommendations"`
	Actor            Actor              `json:"actor"`
}

// RecordChecklistInput rates points of the co-creation checklist; each
// item replaces the one with its key.
type RecordChecklistInput struct {
	Items []ChecklistItem `json:"items"`
	Actor Actor           `json:"actor"`
}

// PublishDraftInput opens the draft report for public comment.
type PublishDraftInput struct {
	Summary string `json:"summary"`
	Actor   Actor  `json:"actor"`
}

// AddCommentInput is a comment on the draft; Actor is zero for the
// public.
type AddCommentInput struct {
	Name  string `json:"name,omitempty"`
	Text  string `json:"text"`
	Actor Actor  `json:"actor"`
}

// AnswerCommentInput is the monitoring body's answer to comment Seq;
// answering again replaces the answer.
type AnswerCommentInput struct {
	Seq    int    `json:"seq"`
	Answer string `json:"answer"`
	Actor  Actor  `json:"actor"`
}

// FinaliseInput publishes the final report; a non-empty Summary replaces
// the draft's.
type FinaliseInput struct {
	Summary string `json:"summary,omitempty"`
	Actor   Actor  `json:"actor"`
}

// CancelRoundInput cancels a round, with a reason.
type CancelRoundInput struct {
	Reason string `json:"reason"`
	Actor  Actor  `json:"actor"`
}

// RoundReminder is one stage reminder the workflow sends: Number counts
// the stage's reminders (0: nothing to send).
type RoundReminder struct {
	Stage      RoundStage `json:"stage"`
	Number     int        `json:"number"`
	DueAt      time.Time  `json:"due_at"`
	Recipients []int64    `json:"recipients"`
	DedupKey   string     `json:"dedup_key"`
}

// NewRoundState opens a round: collecting evidence, each stage's length
// defaulted. It returns the opening event.
func NewRoundState(in RoundStart, workflowID string, now time.Time) (AssessmentRoundState, []Event) {
	for _, d := range []*time.Duration{&in.SelfAssessmentFor, &in.AssessmentFor, &in.CommentFor, &in.FinalisingFor} {
		if *d <= 0 {
			*d = DefaultStageDuration
		}
	}
	in.Members = slices.Clone(in.Members)
	in.Team = slices.Clone(in.Team)
	in.Commitments = slices.Clone(in.Commitments)
	s := AssessmentRoundState{
		RoundStart:      in,
		WorkflowID:      workflowID,
		Stage:           StageCollectingEvidence,
		SelfAssessments: []SelfAssessment{},
		Assessments:     []CommitmentAssessment{},
		Comments:        []RoundComment{},
		Version:         1,
	}
	ids := make([]int64, 0, len(in.Commitments))
	for _, c := range in.Commitments {
		ids = append(ids, c.CommitmentID)
	}
	ev := s.record(nil, now, EventRoundOpened, in.OpenedBy, map[string]any{
		"round_id": in.RoundID, "kind": in.Kind, "commitments": ids,
	})
	return s, ev
}

// Ended says whether the round is published or cancelled.
func (s *AssessmentRoundState) Ended() bool {
	return s.Stage == StagePublished || s.Stage == StageCancelled
}

// Commitment returns commitment id of the round.
func (s *AssessmentRoundState) Commitment(id int64) *RoundCommitment {
	for i := range s.Commitments {
		if s.Commitments[i].CommitmentID == id {
			return &s.Commitments[i]
		}
	}
	return nil
}

// SelfAssessment returns the self-assessment of commitment id, if any.
func (s *AssessmentRoundState) SelfAssessment(id int64) *SelfAssessment {
	for i := range s.SelfAssessments {
		if s.SelfAssessments[i].CommitmentID == id {
			return &s.SelfAssessments[i]
		}
	}
	return nil
}

// Assessment returns the monitoring body's assessment of commitment id.
func (s *AssessmentRoundState) Assessment(id int64) *CommitmentAssessment {
	for i := range s.Assessments {
		if s.Assessments[i].CommitmentID == id {
			return &s.Assessments[i]
		}
	}
	return nil
}

// ChecklistItem returns the checklist point key, if rated.
func (s *AssessmentRoundState) ChecklistItem(key string) *ChecklistItem {
	for i := range s.Checklist {
		if s.Checklist[i].Key == key {
			return &s.Checklist[i]
		}
	}
	return nil
}

// Comment returns comment seq.
func (s *AssessmentRoundState) Comment(seq int) *RoundComment {
	if seq < 1 || seq > len(s.Comments) {
		return nil
	}
	return &s.Comments[seq-1]
}

// MembersWith returns the IDs of members holding role r, ascending.
func (s *AssessmentRoundState) MembersWith(r Role) []int64 {
	var ids []int64
	for _, m := range s.Members {
		if m.Has(r) {
			ids = append(ids, m.UserID)
		}
	}
	slices.Sort(ids)
	return slices.Compact(ids)
}

// Assessors are the monitoring body's members who are independent of
// the team: those who may act on the round.
func (s *AssessmentRoundState) Assessors() []int64 {
	return slices.DeleteFunc(s.MembersWith(RoleMonitoringBody), func(id int64) bool { return slices.Contains(s.Team, id) })
}

// Leads are the commitment leads, ascending, without duplicates.
func (s *AssessmentRoundState) Leads() []int64 {
	var ids []int64
	for _, c := range s.Commitments {
		if c.LeadUserID != 0 {
			ids = append(ids, c.LeadUserID)
		}
	}
	slices.Sort(ids)
	return slices.Compact(ids)
}

// PendingLeads are the leads who owe a self-assessment, ascending.
func (s *AssessmentRoundState) PendingLeads() []int64 {
	var ids []int64
	for _, c := range s.Commitments {
		if c.LeadUserID != 0 && s.SelfAssessment(c.CommitmentID) == nil {
			ids = append(ids, c.LeadUserID)
		}
	}
	slices.Sort(ids)
	return slices.Compact(ids)
}

// missingSelfAssessments are the commitments with a lead and no
// self-assessment.
func (s *AssessmentRoundState) missingSelfAssessments() []int64 {
	ids := []int64{}
	for _, c := range s.Commitments {
		if c.LeadUserID != 0 && s.SelfAssessment(c.CommitmentID) == nil {
			ids = append(ids, c.CommitmentID)
		}
	}
	return ids
}

// requireChangeable refuses any change to an ended round.
func (s *AssessmentRoundState) requireChangeable() error {
	switch s.Stage {
	case StagePublished:
		return Errorf(EConflict, "report_published", "the report of round %d is published and can no longer change", s.RoundID)
	case StageCancelled:
		return Errorf(EConflict, "round_cancelled", "round %d was cancelled", s.RoundID)
	}
	return nil
}

// requireAssessor admits only an independent member of the monitoring
// body: not an admin by right, since the assessment must be independent.
func (s *AssessmentRoundState) requireAssessor(a Actor) error {
	if !slices.Contains(s.MembersWith(RoleMonitoringBody), a.UserID) || a.UserID == 0 {
		return Errorf(EForbidden, "not_monitoring_body", "only the plan's monitoring body may do this")
	}
	if slices.Contains(s.Team, a.UserID) {
		return Errorf(EForbidden, "not_independent",
			"you are on the plan's team: the monitoring body must be independent of the team it assesses")
	}
	return nil
}

func (s *AssessmentRoundState) requireStage(stages ...RoundStage) error {
	if slices.Contains(stages, s.Stage) {
		return nil
	}
	names := make([]string, 0, len(stages))
	for _, st := range stages {
		names = append(names, string(st))
	}
	return Errorf(EConflict, "wrong_stage", "round %d is in stage %s; this is done in stage %s", s.RoundID, s.Stage, strings.Join(names, " or "))
}

// checkMonitorAction is the common start of the monitoring body's
// actions: an open round, an independent assessor, the right stage.
func (s *AssessmentRoundState) checkMonitorAction(a Actor, stages ...RoundStage) error {
	if err := s.requireChangeable(); err != nil {
		return err
	}
	if err := s.requireAssessor(a); err != nil {
		return err
	}
	return s.requireStage(stages...)
}

// enter moves the round to stage st with its due time (none when zero).
func (s *AssessmentRoundState) enter(st RoundStage, due time.Duration, now time.Time) {
	s.Stage = st
	s.StageReminders = 0
	s.StageDueAt = nil
	if due > 0 {
		at := now.Add(due)
		s.StageDueAt = &at
	}
}

// stageChanged records a stage change; extra is a key and a value to add
// to the payload, when given.
func (s *AssessmentRoundState) stageChanged(ev []Event, now time.Time, from RoundStage, reason string, actor int64, extra ...any) []Event {
	p := map[string]any{"from": from, "to": s.Stage, "reason": reason}
	if s.StageDueAt != nil {
		p["due_at"] = *s.StageDueAt
	}
	if len(extra) == 2 {
		if k, ok := extra[0].(string); ok {
			p[k] = extra[1]
		}
	}
	return s.record(ev, now, EventRoundStageChanged, actor, p)
}

// ApplyEvidence records the evidence snapshot's hash and the checklist
// pre-filled from it, then asks the leads for self-assessments, or goes
// straight to the assessment when no commitment has a lead. A round no
// longer collecting evidence (cancelled meanwhile) is left as it is.
func (s *AssessmentRoundState) ApplyEvidence(hash string, prefill []ChecklistItem, now time.Time) []Event {
	if s.Stage != StageCollectingEvidence {
		return nil
	}
	s.EvidenceHash = hash
	if s.Kind == AssessCoCreation {
		for _, it := range prefill {
			if !slices.Contains(ChecklistKeys, it.Key) || !validRating(it.Rating) || s.ChecklistItem(it.Key) != nil {
				continue
			}
			it.Prefilled = true
			it.Note = strings.TrimSpace(it.Note)
			s.Checklist = append(s.Checklist, it)
		}
		s.sortChecklist()
	}
	s.Version++
	keys := make([]string, 0, len(s.Checklist))
	for _, it := range s.Checklist {
		keys = append(keys, it.Key)
	}
	ev := s.record(nil, now, EventEvidenceCollected, 0, map[string]any{"evidence_hash": hash, "prefilled": keys})
	from := s.Stage
	if leads := s.Leads(); len(leads) > 0 {
		s.enter(StageSelfAssessment, s.SelfAssessmentFor, now)
		ev = s.stageChanged(ev, now, from, "evidence_collected", 0)
		return s.record(ev, now, EventSelfAssessmentRequested, 0, map[string]any{
			"leads": leads, "commitments": s.missingSelfAssessments(), "due_at": *s.StageDueAt,
		})
	}
	s.enter(StageAssessment, s.AssessmentFor, now)
	return s.stageChanged(ev, now, from, "no_leads", 0)
}

func (s *AssessmentRoundState) sortChecklist() {
	slices.SortStableFunc(s.Checklist, func(a, b ChecklistItem) int {
		return slices.Index(ChecklistKeys, a.Key) - slices.Index(ChecklistKeys, b.Key)
	})
}

func validCompletion(c Completion) bool {
	switch c {
	case CompletionNotStarted, CompletionLimited, CompletionSubstantial, CompletionCompleted:
		return true
	}
	return false
}

func validRating(r string) bool {
	return r == RatingMet || r == RatingPartlyMet || r == RatingNotMet
}

func (s *AssessmentRoundState) knownCommitment(id int64) (*RoundCommitment, error) {
	c := s.Commitment(id)
	if c == nil {
		return nil, Errorf(ENotFound, "unknown_commitment", "round %d does not assess commitment %d", s.RoundID, id)
	}
	return c, nil
}

// ValidateSubmitSelfAssessment checks a lead's self-assessment: only the
// commitment's lead, in the self-assessment stage, once per commitment,
// with a completion level and a narrative.
func (s *AssessmentRoundState) ValidateSubmitSelfAssessment(in SubmitSelfAssessmentInput, _ time.Time) error {
	if err := s.requireChangeable(); err != nil {
		return err
	}
	c, err := s.knownCommitment(in.CommitmentID)
	if err != nil {
		return err
	}
	if c.LeadUserID == 0 || in.Actor.UserID != c.LeadUserID {
		return Errorf(EForbidden, "not_lead", "only the lead of commitment %d may submit its self-assessment", c.CommitmentID)
	}
	if err := s.requireStage(StageSelfAssessment); err != nil {
		return err
	}
	if s.SelfAssessment(c.CommitmentID) != nil {
		return Errorf(EConflict, "self_assessment_submitted", "the self-assessment of commitment %d was already submitted", c.CommitmentID)
	}
	if !validCompletion(in.Completion) {
		return Errorf(EInvalid, "invalid_completion", "completion must be not_started, limited, substantial or completed, not %q", in.Completion)
	}
	return checkText(in.Narrative, "narrative", "narrative_required", MaxNarrativeLen)
}

// ApplySubmitSelfAssessment records a self-assessment; when every lead
// has answered the round moves on to the assessment early. Validate
// first.
func (s *AssessmentRoundState) ApplySubmitSelfAssessment(in SubmitSelfAssessmentInput, now time.Time) []Event {
	sa := SelfAssessment{CommitmentID: in.CommitmentID, Completion: in.Completion, Narrative: strings.TrimSpace(in.Narrative),
		SubmittedBy: in.Actor.UserID, SubmittedAt: now}
	s.SelfAssessments = append(s.SelfAssessments, sa)
	s.Version++
	ev := s.record(nil, now, EventSelfAssessmentSubmitted, in.Actor.UserID, map[string]any{
		"commitment_id": sa.CommitmentID, "completion": sa.Completion, "narrative": sa.Narrative,
	})
	if len(s.missingSelfAssessments()) == 0 {
		from := s.Stage
		s.enter(StageAssessment, s.AssessmentFor, now)
		ev = s.stageChanged(ev, now, from, "all_self_assessments_in", in.Actor.UserID)
	}
	return ev
}

// ValidateRecordAssessment checks the monitoring body's assessment of a
// commitment: an independent assessor, in the assessment stage; a
// completion level; the relevance to each of the three OGP values with a
// note; the potential impact; whether it opened government in a results
// round only (and there required); a verdict on every milestone, with a
// note when challenged; recommendations.
func (s *AssessmentRoundState) ValidateRecordAssessment(in RecordAssessmentInput, _ time.Time) error {
	if err := s.checkMonitorAction(in.Actor, StageAssessment); err != nil {
		return err
	}
	c, err := s.knownCommitment(in.CommitmentID)
	if err != nil {
		return err
	}
	if !validCompletion(in.Completion) {
		return Errorf(EInvalid, "invalid_completion", "completion must be not_started, limited, substantial or completed, not %q", in.Completion)
	}
	seen := map[Value]bool{}
	for _, r := range in.Relevance {
		if _, err := ParseValue(string(r.Value)); err != nil {
			return err
		}
		if seen[r.Value] {
			return Errorf(EUnprocessable, "duplicate_value", "the relevance to %s is given twice", r.Value)
		}
		seen[r.Value] = true
		if err := checkText(r.Note, "relevance_note", "relevance_note_required", MaxCommentLen); err != nil {
			return err
		}
	}
	for _, v := range []Value{ValueTransparency, ValueParticipation, ValueAccountability} {
		if !seen[v] {
			return Errorf(EUnprocessable, "relevance_missing", "give the relevance to each OGP value: %s is missing", v)
		}
	}
	switch in.Impact {
	case ImpactMinor, ImpactModerate, ImpactTransformative:
	default:
		return Errorf(EInvalid, "invalid_impact", "impact must be minor, moderate or transformative, not %q", in.Impact)
	}
	switch {
	case s.Kind != AssessResults && in.OpenedGovernment != "":
		return Errorf(EUnprocessable, "opened_government_results_only", "whether a commitment opened government is assessed in results rounds only")
	case s.Kind == AssessResults:
		switch in.OpenedGovernment {
		case OpenedDidNotChange, OpenedMarginal, OpenedMajor, OpenedOutstanding:
		case "":
			return Errorf(EUnprocessable, "opened_government_required", "a results assessment says whether the commitment opened government")
		default:
			return Errorf(EInvalid, "invalid_opened_government", "opened_government must be did_not_change, marginal, major or outstanding, not %q", in.OpenedGovernment)
		}
	}
	given := map[int64]bool{}
	for _, v := range in.Milestones {
		if !slices.Contains(c.Milestones, v.MilestoneID) {
			return Errorf(ENotFound, "unknown_milestone", "commitment %d has no milestone %d", c.CommitmentID, v.MilestoneID)
		}
		if given[v.MilestoneID] {
			return Errorf(EUnprocessable, "duplicate_milestone", "milestone %d has two verdicts", v.MilestoneID)
		}
		given[v.MilestoneID] = true
		switch v.Verdict {
		case EvidenceAccepted:
		case EvidenceChallenged:
			if strings.TrimSpace(v.Note) == "" {
				return Errorf(EUnprocessable, "challenge_note_required", "say why the evidence of milestone %d is challenged", v.MilestoneID)
			}
		default:
			return Errorf(EInvalid, "invalid_verdict", "the verdict on milestone %d must be accepted or challenged, not %q", v.MilestoneID, v.Verdict)
		}
		if err := checkText(v.Note, "milestone_note", "", MaxCommentLen); err != nil {
			return err
		}
	}
	var missing []string
	for _, id := range c.Milestones {
		if !given[id] {
			missing = append(missing, strconv.FormatInt(id, 10))
		}
	}
	if len(missing) > 0 {
		return Errorf(EUnprocessable, "missing_verdicts", "give a verdict on the evidence of every milestone: missing %s", strings.Join(missing, ", "))
	}
	return checkText(in.Recommendations, "recommendations", "recommendations_required", MaxSummaryLen)
}

// ApplyRecordAssessment records (or replaces) a commitment's assessment,
// in the round's order of commitments and milestones. Validate first.
func (s *AssessmentRoundState) ApplyRecordAssessment(in RecordAssessmentInput, now time.Time) []Event {
	c := s.Commitment(in.CommitmentID)
	a := CommitmentAssessment{CommitmentID: c.CommitmentID, Completion: in.Completion, Impact: in.Impact,
		OpenedGovernment: in.OpenedGovernment, Recommendations: strings.TrimSpace(in.Recommendations),
		AssessedBy: in.Actor.UserID, AssessedAt: now}
	for _, v := range []Value{ValueTransparency, ValueParticipation, ValueAccountability} {
		for _, r := range in.Relevance {
			if r.Value == v {
				a.Relevance = append(a.Relevance, ValueRelevance{Value: v, Relevant: r.Relevant, Note: strings.TrimSpace(r.Note)})
			}
		}
	}
	a.Milestones = make([]MilestoneVerdict, 0, len(c.Milestones))
	for _, id := range c.Milestones {
		for _, v := range in.Milestones {
			if v.MilestoneID == id {
				a.Milestones = append(a.Milestones, MilestoneVerdict{MilestoneID: id, Verdict: v.Verdict, Note: strings.TrimSpace(v.Note)})
			}
		}
	}
	replaced := false
	if old := s.Assessment(c.CommitmentID); old != nil {
		*old = a
		replaced = true
	} else {
		s.Assessments = append(s.Assessments, a)
		slices.SortStableFunc(s.Assessments, func(x, y CommitmentAssessment) int {
			return s.commitmentIndex(x.CommitmentID) - s.commitmentIndex(y.CommitmentID)
		})
	}
	s.Version++
	return s.record(nil, now, EventCommitmentAssessed, in.Actor.UserID, map[string]any{
		"commitment_id": a.CommitmentID, "completion": a.Completion, "impact": a.Impact, "opened_government": a.OpenedGovernment,
		"relevance": a.Relevance, "milestones": a.Milestones, "recommendations": a.Recommendations, "replaced": replaced,
	})
}

func (s *AssessmentRoundState) commitmentIndex(id int64) int {
	return slices.IndexFunc(s.Commitments, func(c RoundCommitment) bool { return c.CommitmentID == id })
}

// ValidateRecordChecklist checks ratings of the co-creation checklist:
// co-creation rounds only, by an independent assessor in the assessment
// stage; known keys, each once, rated met, partly_met or not_met, with a
// note.
func (s *AssessmentRoundState) ValidateRecordChecklist(in RecordChecklistInput, _ time.Time) error {
	if err := s.requireChangeable(); err != nil {
		return err
	}
	if err := s.requireAssessor(in.Actor); err != nil {
		return err
	}
	if s.Kind != AssessCoCreation {
		return Errorf(EUnprocessable, "checklist_co_creation_only", "the process checklist is part of co-creation rounds only; this is a %s round", s.Kind)
	}
	if err := s.requireStage(StageAssessment); err != nil {
		return err
	}
	if len(in.Items) == 0 {
		return Errorf(EInvalid, "checklist_items_required", "rate at least one point of the checklist")
	}
	seen := map[string]bool{}
	for _, it := range in.Items {
		if !slices.Contains(ChecklistKeys, it.Key) {
			return Errorf(EInvalid, "unknown_checklist_item", "unknown checklist point %q: use %s", it.Key, strings.Join(ChecklistKeys, ", "))
		}
		if seen[it.Key] {
			return Errorf(EUnprocessable, "duplicate_checklist_item", "checklist point %s is rated twice", it.Key)
		}
		seen[it.Key] = true
		if !validRating(it.Rating) {
			return Errorf(EInvalid, "invalid_rating", "the rating of %s must be met, partly_met or not_met, not %q", it.Key, it.Rating)
		}
		if err := checkText(it.Note, "checklist_note", "checklist_note_required", MaxCommentLen); err != nil {
			return err
		}
	}
	return nil
}

// ApplyRecordChecklist records the ratings. Validate first.
func (s *AssessmentRoundState) ApplyRecordChecklist(in RecordChecklistInput, now time.Time) []Event {
	items := make([]ChecklistItem, 0, len(in.Items))
	for _, it := range in.Items {
		item := ChecklistItem{Key: it.Key, Rating: it.Rating, Note: strings.TrimSpace(it.Note)}
		items = append(items, item)
		if old := s.ChecklistItem(it.Key); old != nil {
			*old = item
		} else {
			s.Checklist = append(s.Checklist, item)
		}
	}
	s.sortChecklist()
	s.Version++
	return s.record(nil, now, EventChecklistRecorded, in.Actor.UserID, map[string]any{"items": items})
}

// DraftViolations lists what keeps the draft from being published: every
// commitment not assessed and, in a co-creation round, every checklist
// point not rated.
func (s *AssessmentRoundState) DraftViolations() []Violation {
	var vs []Violation
	for _, c := range s.Commitments {
		if s.Assessment(c.CommitmentID) == nil {
			vs = append(vs, Violationf("commitment_not_assessed", fmt.Sprintf("commitment:%d", c.CommitmentID),
				"commitment %d (%s) is not assessed", c.Number, c.Title))
		}
	}
	if s.Kind == AssessCoCreation {
		for _, k := range ChecklistKeys {
			if s.ChecklistItem(k) == nil {
				vs = append(vs, Violationf("checklist_incomplete", "checklist:"+k, "the checklist point %s is not rated", k))
			}
		}
	}
	return vs
}

// IncompleteError refuses an action while rules are unmet, listing them
// all (like GateError).
func IncompleteError(code, what string, vs []Violation) *Error {
	codes := make([]string, 0, len(vs))
	for _, v := range vs {
		codes = append(codes, v.Code)
	}
	return &Error{Kind: EUnprocessable, Code: code, Violations: vs,
		Message: fmt.Sprintf("%s: %d rule(s) unmet (%s)", what, len(vs), strings.Join(codes, ", "))}
}

// ValidatePublishDraft checks that the draft can be opened for comment:
// by an independent assessor in the assessment stage, with a summary,
// every commitment assessed and, for co-creation, the checklist complete
// (422 assessment_incomplete with the violations otherwise).
func (s *AssessmentRoundState) ValidatePublishDraft(in PublishDraftInput, _ time.Time) error {
	if err := s.checkMonitorAction(in.Actor, StageAssessment); err != nil {
		return err
	}
	if err := checkText(in.Summary, "summary", "summary_required", MaxSummaryLen); err != nil {
		return err
	}
	if vs := s.DraftViolations(); len(vs) > 0 {
		return IncompleteError("assessment_incomplete", "the draft cannot be published", vs)
	}
	return nil
}

// ApplyPublishDraft opens the draft for public comment for CommentFor.
// Validate first.
func (s *AssessmentRoundState) ApplyPublishDraft(in PublishDraftInput, now time.Time) []Event {
	s.Summary = strings.TrimSpace(in.Summary)
	at := now
	s.DraftPublishedAt = &at
	from := s.Stage
	s.enter(StagePublicComment, s.CommentFor, now)
	s.Version++
	ev := s.record(nil, now, EventDraftPublished, in.Actor.UserID, map[string]any{"summary": s.Summary, "comments_until": *s.StageDueAt})
	return s.stageChanged(ev, now, from, "draft_published", in.Actor.UserID)
}

// commentPeriodOver says whether the comment period has ended (the
// stage timer may not have moved the round on yet).
func (s *AssessmentRoundState) commentPeriodOver(now time.Time) bool {
	return s.Stage == StagePublicComment && s.StageDueAt != nil && !now.Before(*s.StageDueAt)
}

// ValidateAddComment checks a comment on the draft: anyone, the public
// included, while the comment period lasts; 1 to 5000 characters, an
// optional name.
func (s *AssessmentRoundState) ValidateAddComment(in AddCommentInput, now time.Time) error {
	if err := s.requireChangeable(); err != nil {
		return err
	}
	if err := s.requireStage(StagePublicComment); err != nil {
		return err
	}
	if s.commentPeriodOver(now) {
		return Errorf(EConflict, "comment_period_over", "the comment period ended on %s", s.StageDueAt.Format(time.DateOnly))
	}
	if len(s.Comments) >= MaxRoundComments {
		return Errorf(EConflict, "too_many_comments", "the draft has received the most comments it can take (%d)", MaxRoundComments)
	}
	if err := checkText(in.Name, "name", "", MaxRoundCommentNameLen); err != nil {
		return err
	}
	return checkText(in.Text, "text", "text_required", MaxRoundCommentLen)
}

// ApplyAddComment records a comment, numbered. Validate first.
func (s *AssessmentRoundState) ApplyAddComment(in AddCommentInput, now time.Time) []Event {
	c := RoundComment{Seq: len(s.Comments) + 1, Name: strings.TrimSpace(in.Name), Text: strings.TrimSpace(in.Text), PostedAt: now}
	s.Comments = append(s.Comments, c)
	s.Version++
	return s.record(nil, now, EventCommentAdded, in.Actor.UserID, map[string]any{"comment": c.Seq, "name": c.Name, "text": c.Text})
}

// ValidateAnswerComment checks the monitoring body's answer to a comment,
// during the comment period or the finalisation.
func (s *AssessmentRoundState) ValidateAnswerComment(in AnswerCommentInput, _ time.Time) error {
	if err := s.checkMonitorAction(in.Actor, StagePublicComment, StageFinalising); err != nil {
		return err
	}
	if s.Comment(in.Seq) == nil {
		return Errorf(ENotFound, "unknown_comment", "the draft has no comment %d", in.Seq)
	}
	return checkText(in.Answer, "answer", "answer_required", MaxCommentLen)
}

// ApplyAnswerComment records (or replaces) the answer. Validate first.
func (s *AssessmentRoundState) ApplyAnswerComment(in AnswerCommentInput, now time.Time) []Event {
	c := s.Comment(in.Seq)
	c.Answer = strings.TrimSpace(in.Answer)
	c.AnsweredBy = in.Actor.UserID
	at := now
	c.AnsweredAt = &at
	s.Version++
	return s.record(nil, now, EventCommentAnswered, in.Actor.UserID, map[string]any{"comment": c.Seq, "answer": c.Answer})
}

// ValidateFinalise checks that the report can be published: by an
// independent assessor, in the finalisation or once the comment period is
// over, with every comment answered (422 comments_unanswered otherwise).
func (s *AssessmentRoundState) ValidateFinalise(in FinaliseInput, now time.Time) error {
	if err := s.requireChangeable(); err != nil {
		return err
	}
	if err := s.requireAssessor(in.Actor); err != nil {
		return err
	}
	if s.Stage == StagePublicComment && !s.commentPeriodOver(now) {
		return Errorf(EConflict, "wrong_stage", "the comment period runs until %s: finalise after it", s.StageDueAt.Format(time.DateOnly))
	}
	if err := s.requireStage(StagePublicComment, StageFinalising); err != nil {
		return err
	}
	if err := checkText(in.Summary, "summary", "", MaxSummaryLen); err != nil {
		return err
	}
	var vs []Violation
	for _, c := range s.Comments {
		if c.Answer == "" {
			vs = append(vs, Violationf("comment_unanswered", fmt.Sprintf("comment:%d", c.Seq), "comment %d has no answer", c.Seq))
		}
	}
	if len(vs) > 0 {
		return IncompleteError("comments_unanswered", "answer every comment before finalising", vs)
	}
	return nil
}

// ApplyFinalise publishes the report, frozen: its content is hashed and
// nothing changes it afterwards. Validate first.
func (s *AssessmentRoundState) ApplyFinalise(in FinaliseInput, now time.Time) []Event {
	if sum := strings.TrimSpace(in.Summary); sum != "" {
		s.Summary = sum
	}
	at := now
	s.PublishedAt = &at
	from := s.Stage
	s.enter(StagePublished, 0, now)
	s.ReportHash = s.ComputeReportHash()
	s.Version++
	ev := s.stageChanged(nil, now, from, "finalised", in.Actor.UserID)
	return s.record(ev, now, EventReportPublished, in.Actor.UserID, map[string]any{
		"report_hash": s.ReportHash, "evidence_hash": s.EvidenceHash, "kind": s.Kind,
	})
}

// ValidateCancelRound checks a cancellation: an independent assessor,
// with a reason, before the report is published.
func (s *AssessmentRoundState) ValidateCancelRound(in CancelRoundInput, _ time.Time) error {
	if err := s.requireChangeable(); err != nil {
		return err
	}
	if err := s.requireAssessor(in.Actor); err != nil {
		return err
	}
	return checkText(in.Reason, "reason", "reason_required", MaxCommentLen)
}

// ApplyCancelRound cancels the round. Validate first.
func (s *AssessmentRoundState) ApplyCancelRound(in CancelRoundInput, now time.Time) []Event {
	s.CancelReason = strings.TrimSpace(in.Reason)
	from := s.Stage
	s.enter(StageCancelled, 0, now)
	s.Version++
	ev := s.stageChanged(nil, now, from, "cancelled", in.Actor.UserID)
	return s.record(ev, now, EventRoundCancelled, in.Actor.UserID, map[string]any{"reason": s.CancelReason, "stage": from})
}

// NextRoundTimer says when the round's next timer fires: the reminder of
// leads before the self-assessment deadline, then the deadline itself
// (the stage moves on); the end of the comment period; the assessment's
// and the finalisation's deadlines, reminded every RoundReminderEvery
// while nobody acts. ok is false when no timer runs.
func NextRoundTimer(s AssessmentRoundState) (at time.Time, ok bool) {
	if s.StageDueAt == nil || s.Ended() {
		return time.Time{}, false
	}
	due := *s.StageDueAt
	switch s.Stage {
	case StageSelfAssessment:
		if s.StageReminders == 0 {
			return due.Add(-min(SelfAssessmentReminderBefore, s.SelfAssessmentFor/2)), true
		}
		return due, true
	case StagePublicComment:
		return due, true
	case StageAssessment, StageFinalising:
		return due.Add(time.Duration(s.StageReminders) * RoundReminderEvery), true
	}
	return time.Time{}, false
}

// RoundReminderKey is the idempotency key of a stage reminder.
func RoundReminderKey(workflowID string, stage RoundStage, n int) string {
	return fmt.Sprintf("%s/stage/%s/reminder/%d", workflowID, stage, n)
}

// ApplyRoundTimer does what the timer due at now asks: a reminder (its
// Number is 0 when none is sent) or a stage change, with its events. Of
// several overdue reminders missed (a worker down for weeks), only the
// latest is sent.
func (s *AssessmentRoundState) ApplyRoundTimer(now time.Time) (RoundReminder, []Event) {
	at, ok := NextRoundTimer(*s)
	if !ok || at.After(now) {
		return RoundReminder{}, nil
	}
	due := *s.StageDueAt
	switch s.Stage {
	case StageSelfAssessment:
		if !now.Before(due) {
			missing := s.missingSelfAssessments()
			s.enter(StageAssessment, s.AssessmentFor, now)
			s.Version++
			return RoundReminder{}, s.stageChanged(nil, now, StageSelfAssessment, "deadline", 0, "missing_self_assessments", missing)
		}
		return s.remind(now, due, s.PendingLeads(), 1)
	case StagePublicComment:
		s.enter(StageFinalising, s.FinalisingFor, now)
		s.Version++
		return RoundReminder{}, s.stageChanged(nil, now, StagePublicComment, "comment_period_over", 0, "comments", len(s.Comments))
	default: // assessment, finalising
		n := int(now.Sub(due)/RoundReminderEvery) + 1
		return s.remind(now, due, s.Assessors(), max(n, s.StageReminders+1))
	}
}

func (s *AssessmentRoundState) remind(now, due time.Time, to []int64, n int) (RoundReminder, []Event) {
	s.StageReminders = n
	s.Reminders++
	s.Version++
	r := RoundReminder{Stage: s.Stage, Number: n, DueAt: due, Recipients: to, DedupKey: RoundReminderKey(s.WorkflowID, s.Stage, n)}
	ev := s.record(nil, now, EventRoundReminder, 0, map[string]any{
		"stage": r.Stage, "number": r.Number, "due_at": r.DueAt, "recipients": r.Recipients, "dedup_key": r.DedupKey,
	})
	if len(to) == 0 {
		r.Number = 0 // counted, so the schedule moves on, but nobody to tell
	}
	return r, ev
}

// RoundReminderNotifications words a stage reminder for each recipient.
func RoundReminderNotifications(s *AssessmentRoundState, r RoundReminder, now time.Time) []Notification {
	label := s.roundLabel()
	var subject, body string
	switch r.Stage {
	case StageSelfAssessment:
		subject = fmt.Sprintf("%s: your self-assessment is due on %s", s.PlanTitle, r.DueAt.Format(time.DateOnly))
		body = fmt.Sprintf("The monitoring body's %s asks each commitment lead for a self-assessment by %s (in %s). "+
			"Yours is still missing: give the commitment's completion level and say what was achieved.",
			label, r.DueAt.Format(time.DateOnly), humanDuration(r.DueAt.Sub(now)))
	case StageAssessment:
		subject = fmt.Sprintf("%s: the assessment is overdue", s.PlanTitle)
		body = fmt.Sprintf("The %s was due to be assessed by %s, %s ago. Assess every commitment and publish the draft report for comment.",
			label, r.DueAt.Format(time.DateOnly), humanDuration(now.Sub(r.DueAt)))
	default:
		subject = fmt.Sprintf("%s: the final report is overdue", s.PlanTitle)
		body = fmt.Sprintf("The final report of the %s was due on %s, %s ago. Answer every comment on the draft and finalise the report.",
			label, r.DueAt.Format(time.DateOnly), humanDuration(now.Sub(r.DueAt)))
	}
	if r.Number > 1 {
		subject += fmt.Sprintf(" (reminder %d)", r.Number)
	}
	out := make([]Notification, 0, len(r.Recipients))
	for _, id := range r.Recipients {
		out = append(out, Notification{UserID: id, PlanID: s.PlanID, Step: assessmentStep, Kind: NotificationAssessmentReminder,
			Subject: subject, Body: body, DedupKey: r.DedupKey})
	}
	return out
}

// Stakeholders are told about the draft and the report: the plan's
// coordinators, approvers and monitoring body.
func (s *AssessmentRoundState) stakeholders() []int64 {
	var ids []int64
	for _, r := range []Role{RoleCoordinator, RoleApprover, RoleMonitoringBody} {
		ids = append(ids, s.MembersWith(r)...)
	}
	slices.Sort(ids)
	return slices.Compact(ids)
}

func (s *AssessmentRoundState) roundLabel() string {
	return fmt.Sprintf("%s assessment round %d of the action plan %q", strings.ReplaceAll(string(s.Kind), "_", "-"), s.RoundID, s.PlanTitle)
}

// AssessmentEventNotifications words what people must hear about a
// round's events: leads asked for their self-assessment, stakeholders
// when the draft opens for comment and when the report is published.
// Each is keyed by the event.
func AssessmentEventNotifications(s *AssessmentRoundState, events []Event) []Notification {
	var out []Notification
	label := s.roundLabel()
	for _, e := range events {
		key := fmt.Sprintf("%s/event/%d", s.WorkflowID, e.Seq)
		add := func(id int64, kind, subject, body string) {
			out = append(out, Notification{UserID: id, PlanID: s.PlanID, Step: assessmentStep, Kind: kind, Subject: subject, Body: body, DedupKey: key})
		}
		switch e.Kind {
		case EventSelfAssessmentRequested:
			due, _ := e.Payload["due_at"].(time.Time)
			for _, lead := range s.Leads() {
				var mine []string
				for _, c := range s.Commitments {
					if c.LeadUserID == lead {
						mine = append(mine, fmt.Sprintf("- commitment %d: %s", c.Number, c.Title))
					}
				}
				add(lead, NotificationSelfAssessmentRequested,
					fmt.Sprintf("%s: your self-assessment is requested by %s", s.PlanTitle, due.Format(time.DateOnly)),
					fmt.Sprintf("The monitoring body opened the %s. As the lead of\n\n%s\n\nplease submit a self-assessment of each "+
						"(completion level and what was achieved) by %s.", label, strings.Join(mine, "\n"), due.Format(time.DateOnly)))
			}
		case EventDraftPublished:
			until, _ := e.Payload["comments_until"].(time.Time)
			for _, id := range s.stakeholders() {
				add(id, NotificationAssessmentDraftPublished,
					fmt.Sprintf("%s: draft assessment report open for comment", s.PlanTitle),
					fmt.Sprintf("The monitoring body published the draft report of the %s. Anyone may comment on it until %s.\n\n%s",
						label, until.Format(time.DateOnly), excerpt(s.Summary, 1000)))
			}
		case EventReportPublished:
			for _, id := range s.stakeholders() {
				add(id, NotificationAssessmentPublished,
					fmt.Sprintf("%s: assessment report published", s.PlanTitle),
					fmt.Sprintf("The monitoring body published the final report of the %s.\n\n%s\n\nReport SHA-256: %s\nEvidence snapshot SHA-256: %s",
						label, excerpt(s.Summary, 1000), s.ReportHash, s.EvidenceHash))
			}
		}
	}
	return out
}

// AssessmentReport is a round's report content, as published and hashed.
type AssessmentReport struct {
	RoundID          int64                  `json:"round_id"`
	PlanID           int64                  `json:"plan_id"`
	PlanTitle        string                 `json:"plan_title"`
	Kind             AssessmentKind         `json:"kind"`
	EvidenceHash     string                 `json:"evidence_hash"`
	Commitments      []RoundCommitment      `json:"commitments"`
	SelfAssessments  []SelfAssessment       `json:"self_assessments"`
	Assessments      []CommitmentAssessment `json:"assessments"`
	Checklist        []ChecklistItem        `json:"checklist"`
	Summary          string                 `json:"summary"`
	Comments         []RoundComment         `json:"comments"`
	DraftPublishedAt *time.Time             `json:"draft_published_at"`
	PublishedAt      *time.Time             `json:"published_at"`
}

// ReportContent is the report's content (an AssessmentReport), the
// input of ReportHash: everything the monitoring body published, with
// the evidence snapshot's hash it was based on; times in UTC.
func (s *AssessmentRoundState) ReportContent() any {
	utc := func(t *time.Time) *time.Time {
		if t == nil {
			return nil
		}
		u := t.UTC()
		return &u
	}
	r := AssessmentReport{
		RoundID: s.RoundID, PlanID: s.PlanID, PlanTitle: s.PlanTitle, Kind: s.Kind, EvidenceHash: s.EvidenceHash,
		Commitments: nonNil(s.Commitments), SelfAssessments: nonNil(s.SelfAssessments), Assessments: nonNil(s.Assessments),
		Checklist: nonNil(s.Checklist), Summary: s.Summary, Comments: nonNil(s.Comments),
		DraftPublishedAt: utc(s.DraftPublishedAt), PublishedAt: utc(s.PublishedAt),
	}
	for i := range r.SelfAssessments {
		r.SelfAssessments[i].SubmittedAt = r.SelfAssessments[i].SubmittedAt.UTC()
	}
	for i := range r.Assessments {
		r.Assessments[i].AssessedAt = r.Assessments[i].AssessedAt.UTC()
	}
	for i := range r.Comments {
		r.Comments[i].PostedAt = r.Comments[i].PostedAt.UTC()
		r.Comments[i].AnsweredAt = utc(r.Comments[i].AnsweredAt)
	}
	for i := range r.Commitments {
		r.Commitments[i].Milestones = nonNil(r.Commitments[i].Milestones)
	}
	return r
}

func nonNil[T any](xs []T) []T {
	if xs == nil {
		return []T{}
	}
	return slices.Clone(xs)
}

// ComputeReportHash is the SHA-256 (hex) of the canonical JSON of the
// report's content.
func (s *AssessmentRoundState) ComputeReportHash() string {
	b, err := CanonicalJSON(s.ReportContent())
	if err != nil {
		// The report is plain data: it always encodes.
		panic(err)
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// CanonicalJSON encodes v as canonical JSON: object keys sorted, no
// insignificant white space, no HTML escaping, numbers as written. Anyone
// can recompute a report's hash from its JSON this way.
func CanonicalJSON(v any) ([]byte, error) {
	raw, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var generic any
	if err := dec.Decode(&generic); err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(generic); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

func (s *AssessmentRoundState) record(ev []Event, now time.Time, kind string, actor int64, payload map[string]any) []Event {
	s.EventSeq++
	return append(ev, Event{Seq: s.EventSeq, Kind: kind, ActorID: actor, Step: assessmentStep, Payload: payload, OccurredAt: now})
}
