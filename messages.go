package ogp

import (
	"strconv"
	"time"
)

// Names shared by the HTTP API, the worker and any Temporal client: a
// rename here would break running workflows, so these are stable forever.
const (
	// WorkflowActionPlan is the registered name of the action-plan workflow.
	WorkflowActionPlan = "ActionPlanWorkflow"
	// DefaultTaskQueue is where action-plan workflows and activities run.
	DefaultTaskQueue = "ogp-action-plans"

	// UpdateSubmitStep submits the current step for approval.
	UpdateSubmitStep = "submit_step"
	// UpdateDecideStep records an approver's decision on a submitted step.
	UpdateDecideStep = "decide_step"
	// SignalDecideStep is decide_step for fire-and-forget Temporal clients.
	SignalDecideStep = "decide_step"
	// UpdateSetStepDueDate sets or clears a step's due date.
	UpdateSetStepDueDate = "set_step_due_date"
	// UpdateSetMember adds a member or changes their roles and sector.
	UpdateSetMember = "set_member"
	// UpdateRemoveMember removes a member from the plan.
	UpdateRemoveMember = "remove_member"
	// UpdateSetSettings changes plan settings such as the reminder interval.
	UpdateSetSettings = "set_settings"
	// QueryState returns the full process state as PlanState.
	QueryState = "state"
)

// ActionPlanWorkflowID is the workflow ID of plan id: one workflow per plan.
func ActionPlanWorkflowID(planID int64) string {
	return "action-plan-" + strconv.FormatInt(planID, 10)
}

// Decision is an approver's verdict on a submission.
type Decision string

// Decisions.
const (
	DecisionApprove        Decision = "approve"
	DecisionRequestChanges Decision = "request_changes"
)

// ParseDecision accepts only approve and request_changes.
func ParseDecision(s string) (Decision, error) {
	switch d := Decision(s); d {
	case DecisionApprove, DecisionRequestChanges:
		return d, nil
	}
	return "", Errorf(EInvalid, "invalid_decision", "decision must be approve or request_changes, not %q", s)
}

// Date is a calendar date, YYYY-MM-DD. Plans work in dates, not instants.
type Date string

// ParseDate accepts a calendar date in ISO 8601 form.
func ParseDate(s string) (Date, error) {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil || t.Format(time.DateOnly) != s {
		return "", Errorf(EInvalid, "invalid_date", "%q is not a date in YYYY-MM-DD form", s)
	}
	return Date(s), nil
}

// Time is the start of the date in UTC.
func (d Date) Time() time.Time {
	t, _ := time.Parse(time.DateOnly, string(d))
	return t
}

// EndTime is the first instant after the date in UTC: a step due on a date
// is overdue once that whole day has passed.
func (d Date) EndTime() time.Time { return d.Time().AddDate(0, 0, 1) }

// NewPlan is what a coordinator supplies to create an action plan.
type NewPlan struct {
	PlanID               int64  `json:"plan_id"`
	Title                string `json:"title"`
	Member               string `json:"member"`
	StartsOn             Date   `json:"starts_on"`
	EndsOn               Date   `json:"ends_on"`
	CoordinatorID        int64  `json:"coordinator_id"`
	CoordinatorSector    Sector `json:"coordinator_sector"`
	ReminderIntervalDays int    `json:"reminder_interval_days"`
	// CreatedAt, when set, is the plan's creation instant: the API writes
	// the opening projection with it and the workflow then computes the
	// very same state.
	CreatedAt time.Time `json:"created_at,omitzero"`
}

// SubmitStepInput is the submit_step update's argument.
type SubmitStepInput struct {
	Step    int    `json:"step"`
	Summary string `json:"summary"`
	Actor   Actor  `json:"actor"`
}

// DecideStepInput is the decide_step update's (and signal's) argument.
type DecideStepInput struct {
	Step     int      `json:"step"`
	Decision Decision `json:"decision"`
	Comment  string   `json:"comment"`
	Actor    Actor    `json:"actor"`
}

// SetStepDueDateInput is the set_step_due_date update's argument; an
// empty DueOn clears the due date.
type SetStepDueDateInput struct {
	Step  int   `json:"step"`
	DueOn Date  `json:"due_on"`
	Actor Actor `json:"actor"`
}

// SetMemberInput is the set_member update's argument.
type SetMemberInput struct {
	Member Member `json:"member"`
	Actor  Actor  `json:"actor"`
}

// RemoveMemberInput is the remove_member update's argument.
type RemoveMemberInput struct {
	UserID int64 `json:"user_id"`
	Actor  Actor `json:"actor"`
}

// SetSettingsInput is the set_settings update's argument.
type SetSettingsInput struct {
	// ReminderIntervalDays of 0 leaves the interval unchanged, allowed only
	// together with a ReminderPolicy.
	ReminderIntervalDays int `json:"reminder_interval_days"`
	// ReminderPolicy, when set, replaces the plan's milestone reminder
	// policy; nil leaves it unchanged.
	ReminderPolicy *ReminderPolicy `json:"reminder_policy,omitempty"`
	// RoundSchedule, when not nil, replaces the plan's round schedule (an
	// empty list clears it); entries already opened must stay unchanged.
	RoundSchedule []ScheduledRound `json:"round_schedule"`
	Actor         Actor            `json:"actor"`
}
