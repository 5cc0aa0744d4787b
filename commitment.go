package ogp

import (
	"strconv"
	"time"
)

// Implementation (step 9): each approved commitment runs as its own
// workflow. These are its message names, shared by the API and the
// workflow, and its process state.
const (
	// WorkflowCommitment is the registered name of the commitment workflow.
	WorkflowCommitment = "CommitmentWorkflow"

	// UpdateReportProgress records progress on a milestone.
	UpdateReportProgress = "report_progress"
	// UpdateCompleteMilestone completes a milestone, with evidence.
	UpdateCompleteMilestone = "complete_milestone"
	// UpdateExplainDelay publishes why an overdue milestone is late.
	UpdateExplainDelay = "explain_delay"
	// UpdateRequestAmendment asks the approvers to change a milestone.
	UpdateRequestAmendment = "request_amendment"
	// UpdateDecideAmendment is an approver's decision on an amendment.
	UpdateDecideAmendment = "decide_amendment"
	// UpdateWithdrawCommitment asks the approvers to withdraw the commitment.
	UpdateWithdrawCommitment = "withdraw_commitment"
	// UpdateDecideWithdrawal is an approver's decision on a withdrawal.
	UpdateDecideWithdrawal = "decide_withdrawal"
	// QueryCommitmentState returns the CommitmentState.
	QueryCommitmentState = "state"
	// SignalCommitmentClosed tells the plan's workflow a commitment closed.
	SignalCommitmentClosed = "commitment_closed"
	// SignalPlanEnded tells a commitment's or an assessment round's
	// workflow that its plan is completed, so it stops (nothing about a
	// finished plan should keep reminding people).
	SignalPlanEnded = "plan_ended"
)

// CommitmentWorkflowID is the workflow ID of commitment id.
func CommitmentWorkflowID(commitmentID int64) string {
	return "commitment-" + strconv.FormatInt(commitmentID, 10)
}

// MilestoneStatus is what the people doing the work report.
type MilestoneStatus string

// Milestone statuses.
const (
	MilestoneNotStarted MilestoneStatus = "not_started"
	MilestoneInProgress MilestoneStatus = "in_progress"
	MilestoneCompleted  MilestoneStatus = "completed"
)

// ScheduleState is derived from the status, the due date and today.
type ScheduleState string

// Schedule states.
const (
	ScheduleOnTrack    ScheduleState = "on_track"
	ScheduleDueSoon    ScheduleState = "due_soon"
	ScheduleOverdue    ScheduleState = "overdue"
	ScheduleDoneLate   ScheduleState = "done_late"
	ScheduleDoneOnTime ScheduleState = "done_on_time"
)

// Completion is OGP's completion level of a commitment (the IRM scale).
type Completion string

// Completion levels.
const (
	CompletionNotStarted  Completion = "not_started"
	CompletionLimited     Completion = "limited"
	CompletionSubstantial Completion = "substantial"
	CompletionCompleted   Completion = "completed"
)

// CommitmentStatus is where a commitment stands in implementation.
type CommitmentStatus string

// Commitment statuses: closed ones are completed or withdrawn.
const (
	CommitmentActive    CommitmentStatus = "active"
	CommitmentCompleted CommitmentStatus = "completed"
	CommitmentWithdrawn CommitmentStatus = "withdrawn"
)

// ReminderPolicy says when milestone reminders go out and when they
// escalate. Durations, not days, so tests (and impatient cities) can use
// short ones.
type ReminderPolicy struct {
	// Before are offsets before the due time (default 14 days, 3 days).
	Before []time.Duration `json:"before"`
	// OnDue sends a reminder at the due time itself.
	OnDue bool `json:"on_due"`
	// OverdueEvery repeats reminders while overdue (default 7 days).
	OverdueEvery time.Duration `json:"overdue_every"`
	// CoordinatorAfter includes the coordinators from this overdue
	// reminder on (default 2); ForumAfter includes the approvers (the
	// forum's representatives on the plan) and the monitoring body from
	// this one on (default 4). 0 disables the level.
	CoordinatorAfter int `json:"coordinator_after"`
	ForumAfter       int `json:"forum_after"`
	// Spread is the window each milestone's reminders are moved within,
	// by a deterministic per-milestone offset, so deadlines shared by many
	// milestones do not fire all at once: nil means DefaultReminderSpread
	// (see SpreadWindow), 0 no spreading.
	Spread *time.Duration `json:"spread,omitempty"`
}

// DefaultReminderPolicy is OGP Local's sensible default (its spread is
// unset: DefaultReminderSpread).
func DefaultReminderPolicy() ReminderPolicy {
	return ReminderPolicy{
		Before:           []time.Duration{14 * 24 * time.Hour, 3 * 24 * time.Hour},
		OnDue:            true,
		OverdueEvery:     7 * 24 * time.Hour,
		CoordinatorAfter: 2,
		ForumAfter:       4,
	}
}

// CommitmentStart is what a commitment workflow starts from: the approved
// commitment, who may act on it, and the plan's reminder policy.
type CommitmentStart struct {
	PlanID           int64          `json:"plan_id"`
	PlanTitle        string         `json:"plan_title"`
	Commitment       Commitment     `json:"commitment"`
	LeadUserID       int64          `json:"lead_user_id,omitempty"`
	Members          []Member       `json:"members"`
	Policy           ReminderPolicy `json:"policy"`
	ParentWorkflowID string         `json:"parent_workflow_id"`
	// PlanStartsOn and PlanEndsOn are the plan's period: an amended due
	// date must stay inside it.
	PlanStartsOn Date `json:"plan_starts_on,omitempty"`
	PlanEndsOn   Date `json:"plan_ends_on,omitempty"`
	// ResponsibleUserIDs maps a milestone ID to the user responsible for
	// it, when that person has an account.
	ResponsibleUserIDs map[int64]int64 `json:"responsible_user_ids,omitempty"`
}

// CommitmentState is the whole process state of one commitment in
// implementation: the workflow owns it, the state query returns it,
// continue-as-new carries it, and the database holds a projection of it.
type CommitmentState struct {
	PlanID       int64            `json:"plan_id"`
	PlanTitle    string           `json:"plan_title"`
	CommitmentID int64            `json:"commitment_id"`
	WorkflowID   string           `json:"workflow_id"`
	Number       int              `json:"number"`
	Title        string           `json:"title"`
	LeadUserID   int64            `json:"lead_user_id,omitempty"`
	Status       CommitmentStatus `json:"status"`
	Completion   Completion       `json:"completion"`
	Milestones   []MilestoneState `json:"milestones"`
	Members      []Member         `json:"members"`
	Policy       ReminderPolicy   `json:"policy"`
	// Amendments and Withdrawal are requests the plan's approvers decide,
	// kept whatever the outcome: the public record keeps both dates.
	Amendments []Amendment `json:"amendments"`
	Withdrawal *Withdrawal `json:"withdrawal,omitempty"`
	// Version increases with every change (projection ordering); EventSeq
	// numbers the audit events (unique keys with the workflow ID).
	Version          int64  `json:"version"`
	EventSeq         int64  `json:"event_seq"`
	ParentWorkflowID string `json:"parent_workflow_id"`
	// PlanStartsOn and PlanEndsOn bound amended due dates.
	PlanStartsOn Date `json:"plan_starts_on,omitempty"`
	PlanEndsOn   Date `json:"plan_ends_on,omitempty"`
	// PastWithdrawals are earlier withdrawal requests the approvers
	// rejected, kept in the public record.
	PastWithdrawals []Withdrawal `json:"past_withdrawals,omitempty"`
	// PlanEnded says the plan completed while the commitment was open:
	// its workflow ends, its status stays as it was.
	PlanEnded bool `json:"plan_ended,omitempty"`
}

// MilestoneState is one milestone in implementation.
type MilestoneState struct {
	ID          int64  `json:"id"`
	Title       string `json:"title"`
	Responsible string `json:"responsible"`
	// ResponsibleUserID, when the responsible person is a user, lets them
	// report progress and receive reminders.
	ResponsibleUserID int64              `json:"responsible_user_id,omitempty"`
	StartsOn          Date               `json:"starts_on"`
	DueOn             Date               `json:"due_on"`
	Status            MilestoneStatus    `json:"status"`
	Percent           int                `json:"percent"`
	CompletedAt       *time.Time         `json:"completed_at,omitempty"`
	Reports           []ProgressReport   `json:"reports"`
	Delays            []DelayExplanation `json:"delays"`
	// DueVersion counts due-date changes; reminders are numbered within
	// one due date, so their keys never repeat across an amendment.
	DueVersion     int        `json:"due_version"`
	RemindersSent  int        `json:"reminders_sent"`
	OverdueSent    int        `json:"overdue_sent"`
	LastReminderAt *time.Time `json:"last_reminder_at,omitempty"`
	// Schedule is the derived schedule state as of the last change (the
	// state query recomputes it for the moment of the query).
	Schedule ScheduleState `json:"schedule,omitempty"`
}

// ProgressReport is one report on a milestone, public.
type ProgressReport struct {
	Seq        int             `json:"seq"`
	Status     MilestoneStatus `json:"status"`
	Percent    int             `json:"percent"`
	Narrative  string          `json:"narrative"`
	Evidence   []string        `json:"evidence,omitempty"`
	ReportedBy int64           `json:"reported_by"`
	ReportedAt time.Time       `json:"reported_at"`
}

// DelayExplanation is a public explanation of why a milestone is late.
type DelayExplanation struct {
	Text        string    `json:"text"`
	ExplainedBy int64     `json:"explained_by"`
	ExplainedAt time.Time `json:"explained_at"`
}

// AmendmentStatus is where an amendment request stands.
type AmendmentStatus string

// Amendment statuses.
const (
	AmendmentPending  AmendmentStatus = "pending"
	AmendmentApproved AmendmentStatus = "approved"
	AmendmentRejected AmendmentStatus = "rejected"
)

// Amendment asks to change a milestone's due date (or title), with a
// reason; the plan's approvers decide, like a step.
type Amendment struct {
	Seq         int             `json:"seq"`
	MilestoneID int64           `json:"milestone_id"`
	OldDueOn    Date            `json:"old_due_on"`
	NewDueOn    Date            `json:"new_due_on"`
	NewTitle    string          `json:"new_title,omitempty"`
	Reason      string          `json:"reason"`
	RequestedBy int64           `json:"requested_by"`
	RequestedAt time.Time       `json:"requested_at"`
	Approvers   []int64         `json:"approvers"`
	Decisions   []Approval      `json:"decisions"`
	Status      AmendmentStatus `json:"status"`
}

// Withdrawal asks the approvers to withdraw the commitment, with a reason.
type Withdrawal struct {
	Reason      string          `json:"reason"`
	RequestedBy int64           `json:"requested_by"`
	RequestedAt time.Time       `json:"requested_at"`
	Approvers   []int64         `json:"approvers"`
	Decisions   []Approval      `json:"decisions"`
	Status      AmendmentStatus `json:"status"`
}

// Inputs of the commitment workflow's updates.
type (
	// ReportProgressInput is report_progress's argument.
	ReportProgressInput struct {
		MilestoneID int64           `json:"milestone_id"`
		Status      MilestoneStatus `json:"status"`
		Percent     int             `json:"percent"`
		Narrative   string          `json:"narrative"`
		Evidence    []string        `json:"evidence,omitempty"`
		Actor       Actor           `json:"actor"`
	}
	// CompleteMilestoneInput is complete_milestone's argument.
	CompleteMilestoneInput struct {
		MilestoneID int64    `json:"milestone_id"`
		Narrative   string   `json:"narrative"`
		Evidence    []string `json:"evidence"`
		Actor       Actor    `json:"actor"`
	}
	// ExplainDelayInput is explain_delay's argument.
	ExplainDelayInput struct {
		MilestoneID int64  `json:"milestone_id"`
		Text        string `json:"text"`
		Actor       Actor  `json:"actor"`
	}
	// RequestAmendmentInput is request_amendment's argument.
	RequestAmendmentInput struct {
		MilestoneID int64  `json:"milestone_id"`
		NewDueOn    Date   `json:"new_due_on"`
		NewTitle    string `json:"new_title,omitempty"`
		Reason      string `json:"reason"`
		Actor       Actor  `json:"actor"`
	}
	// DecideRequestInput is decide_amendment's and decide_withdrawal's
	// argument (Seq names the amendment; unused for a withdrawal).
	DecideRequestInput struct {
		Seq      int      `json:"seq,omitempty"`
		Decision Decision `json:"decision"`
		Comment  string   `json:"comment,omitempty"`
		Actor    Actor    `json:"actor"`
	}
	// WithdrawCommitmentInput is withdraw_commitment's argument.
	WithdrawCommitmentInput struct {
		Reason string `json:"reason"`
		Actor  Actor  `json:"actor"`
	}
)
