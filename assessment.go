package ogp

import (
	"strconv"
	"strings"
	"time"
)

// Learning (step 10): the monitoring body assesses the co-creation
// process and the results in assessment rounds, each run by its own
// workflow. These are its names and its process state.
const (
	// WorkflowAssessmentRound is the registered name of the round workflow.
	WorkflowAssessmentRound = "AssessmentRoundWorkflow"

	// UpdateSubmitSelfAssessment is a commitment lead's self-assessment.
	UpdateSubmitSelfAssessment = "submit_self_assessment"
	// UpdateRecordAssessment is the monitoring body's assessment of one
	// commitment.
	UpdateRecordAssessment = "record_assessment"
	// UpdateRecordChecklist is the co-creation process checklist.
	UpdateRecordChecklist = "record_checklist"
	// UpdatePublishDraft opens the draft report for public comment.
	UpdatePublishDraft = "publish_draft"
	// UpdateAddComment is a public comment on the draft.
	UpdateAddComment = "add_comment"
	// UpdateAnswerComment is the monitoring body's answer to a comment.
	UpdateAnswerComment = "answer_comment"
	// UpdateFinalise publishes the final report, frozen.
	UpdateFinalise = "finalise"
	// UpdateCancelRound cancels the round, with a reason.
	UpdateCancelRound = "cancel_round"
	// QueryRoundState returns the AssessmentRoundState.
	QueryRoundState = "state"
)

// AssessmentRoundWorkflowID is the workflow ID of round id.
func AssessmentRoundWorkflowID(roundID int64) string {
	return "assessment-" + strconv.FormatInt(roundID, 10)
}

// AssessmentKind is what a round assesses.
type AssessmentKind string

// Assessment kinds.
const (
	AssessCoCreation     AssessmentKind = "co_creation"
	AssessImplementation AssessmentKind = "implementation"
	AssessResults        AssessmentKind = "results"
)

// RoundStage is where a round stands.
type RoundStage string

// Round stages, in order; cancelled ends a round early.
const (
	StageCollectingEvidence RoundStage = "collecting_evidence"
	StageSelfAssessment     RoundStage = "self_assessment"
	StageAssessment         RoundStage = "assessment"
	StagePublicComment      RoundStage = "public_comment"
	StageFinalising         RoundStage = "finalising"
	StagePublished          RoundStage = "published"
	StageCancelled          RoundStage = "cancelled"
)

// Impact is the potential impact of a commitment (IRM vocabulary).
type Impact string

// Potential impact levels.
const (
	ImpactMinor          Impact = "minor"
	ImpactModerate       Impact = "moderate"
	ImpactTransformative Impact = "transformative"
)

// OpenedGovernment is the results verdict: did it open government?
type OpenedGovernment string

// Did-it-open-government levels.
const (
	OpenedDidNotChange OpenedGovernment = "did_not_change"
	OpenedMarginal     OpenedGovernment = "marginal"
	OpenedMajor        OpenedGovernment = "major"
	OpenedOutstanding  OpenedGovernment = "outstanding"
)

// EvidenceVerdict is the monitoring body's verdict on a milestone's evidence.
type EvidenceVerdict string

// Evidence verdicts.
const (
	EvidenceAccepted   EvidenceVerdict = "accepted"
	EvidenceChallenged EvidenceVerdict = "challenged"
)

// RoundStart is what a round workflow starts from.
type RoundStart struct {
	RoundID   int64          `json:"round_id"`
	PlanID    int64          `json:"plan_id"`
	PlanTitle string         `json:"plan_title"`
	Kind      AssessmentKind `json:"kind"`
	OpenedBy  int64          `json:"opened_by"`
	Members   []Member       `json:"members"`
	// Team are the user IDs of the plan's team (step 1.1): a monitoring
	// body member among them is not independent and may not assess.
	Team []int64 `json:"team,omitempty"`
	// Commitments to assess, with their leads (0: none named).
	Commitments []RoundCommitment `json:"commitments"`
	// Durations of the stages with deadlines (defaults: 14 days each).
	SelfAssessmentFor time.Duration `json:"self_assessment_for"`
	AssessmentFor     time.Duration `json:"assessment_for"`
	CommentFor        time.Duration `json:"comment_for"`
	FinalisingFor     time.Duration `json:"finalising_for"`
	ParentWorkflowID  string        `json:"parent_workflow_id"`
}

// RoundCommitment is a commitment under assessment.
type RoundCommitment struct {
	CommitmentID int64   `json:"commitment_id"`
	Number       int     `json:"number"`
	Title        string  `json:"title"`
	LeadUserID   int64   `json:"lead_user_id,omitempty"`
	Milestones   []int64 `json:"milestones"`
}

// AssessmentRoundState is a round's whole process state.
type AssessmentRoundState struct {
	RoundStart
	WorkflowID string     `json:"workflow_id"`
	Stage      RoundStage `json:"stage"`
	StageDueAt *time.Time `json:"stage_due_at,omitempty"`
	Reminders  int        `json:"reminders"`
	// StageReminders counts the reminders of the current stage (the n of
	// their keys); a stage change resets it.
	StageReminders   int                    `json:"stage_reminders"`
	EvidenceHash     string                 `json:"evidence_hash,omitempty"`
	SelfAssessments  []SelfAssessment       `json:"self_assessments"`
	Assessments      []CommitmentAssessment `json:"assessments"`
	Checklist        []ChecklistItem        `json:"checklist,omitempty"`
	Summary          string                 `json:"summary,omitempty"`
	Comments         []RoundComment         `json:"comments"`
	DraftPublishedAt *time.Time             `json:"draft_published_at,omitempty"`
	PublishedAt      *time.Time             `json:"published_at,omitempty"`
	ReportHash       string                 `json:"report_hash,omitempty"`
	CancelReason     string                 `json:"cancel_reason,omitempty"`
	Version          int64                  `json:"version"`
	EventSeq         int64                  `json:"event_seq"`
}

// SelfAssessment is a commitment lead's own account.
type SelfAssessment struct {
	CommitmentID int64      `json:"commitment_id"`
	Completion   Completion `json:"completion"`
	Narrative    string     `json:"narrative"`
	SubmittedBy  int64      `json:"submitted_by"`
	SubmittedAt  time.Time  `json:"submitted_at"`
}

// ValueRelevance is the relevance of a commitment to one OGP value.
type ValueRelevance struct {
	Value    Value  `json:"value"`
	Relevant bool   `json:"relevant"`
	Note     string `json:"note,omitempty"`
}

// MilestoneVerdict is the verdict on one milestone's evidence.
type MilestoneVerdict struct {
	MilestoneID int64           `json:"milestone_id"`
	Verdict     EvidenceVerdict `json:"verdict"`
	Note        string          `json:"note,omitempty"`
}

// CommitmentAssessment is the monitoring body's assessment of one
// commitment in a round.
type CommitmentAssessment struct {
	CommitmentID     int64              `json:"commitment_id"`
	Completion       Completion         `json:"completion"`
	Relevance        []ValueRelevance   `json:"relevance"`
	Impact           Impact             `json:"impact"`
	OpenedGovernment OpenedGovernment   `json:"opened_government,omitempty"`
	Milestones       []MilestoneVerdict `json:"milestones"`
	Recommendations  string             `json:"recommendations"`
	AssessedBy       int64              `json:"assessed_by"`
	AssessedAt       time.Time          `json:"assessed_at"`
}

// ChecklistItem is one point of the co-creation process checklist.
type ChecklistItem struct {
	Key    string `json:"key"`    // forum_met, awareness_done, reasoned_responses_published, civil_society_co_signed
	Rating string `json:"rating"` // met, partly_met, not_met
	Note   string `json:"note,omitempty"`
	// Prefilled says the rating came from the evidence, not a person.
	Prefilled bool `json:"prefilled,omitempty"`
}

// RoundComment is a public comment on a draft report, and its answer.
type RoundComment struct {
	Seq        int        `json:"seq"`
	Name       string     `json:"name,omitempty"`
	Text       string     `json:"text"`
	PostedAt   time.Time  `json:"posted_at"`
	Answer     string     `json:"answer,omitempty"`
	AnsweredBy int64      `json:"answered_by,omitempty"`
	AnsweredAt *time.Time `json:"answered_at,omitempty"`
}

// LearningPlan is step 10's content: how the plan learns, with the
// monitoring body.
type LearningPlan struct {
	Objectives                 string `json:"objectives"`
	AccountabilityRequirements string `json:"accountability_requirements"`
	DataCollection             string `json:"data_collection"`
	DataStorage                string `json:"data_storage"`
	DataAnalysis               string `json:"data_analysis"`
	DataSharing                string `json:"data_sharing"`
	Participants               string `json:"participants"`
}

// HomeLearning is the learning plan's home step.
const HomeLearning = 10

// checkLearn is step 10's gate: a learning plan, and a published results
// round (the monitoring body's final word on what the plan achieved).
func checkLearn(_ PlanContext, c Content) []Violation {
	var vs []Violation
	lp := c.LearningPlan
	if lp == nil {
		vs = append(vs, Violationf("learning_plan_missing", "", "record the learning plan: objectives, accountability, how data is collected, stored, analysed and shared, and who takes part"))
	} else {
		for _, f := range []struct{ name, value string }{
			{"objectives", lp.Objectives}, {"accountability_requirements", lp.AccountabilityRequirements},
			{"data_collection", lp.DataCollection}, {"data_storage", lp.DataStorage}, {"data_analysis", lp.DataAnalysis},
			{"data_sharing", lp.DataSharing}, {"participants", lp.Participants},
		} {
			if strings.TrimSpace(f.value) == "" {
				vs = append(vs, Violationf("learning_plan_incomplete", "learning_plan:"+f.name, "the learning plan has no %s", strings.ReplaceAll(f.name, "_", " ")))
			}
		}
	}
	if !c.ResultsPublished {
		vs = append(vs, Violationf("results_report_missing", "", "the monitoring body has not published a results assessment yet"))
	}
	return vs
}
