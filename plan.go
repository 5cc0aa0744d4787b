package ogp

import (
	"cmp"
	"errors"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// Limits on free text, so one request cannot bloat a workflow history.
const (
	MaxSummaryLen = 20000
	MaxCommentLen = 10000
	MaxTitleLen   = 300
)

// DefaultReminderIntervalDays is how often an overdue step is chased.
const DefaultReminderIntervalDays = 7

// PlanState is the whole process state of one action plan. The workflow
// owns it, the state query returns it, continue-as-new carries it, and
// the database holds a projection of it.
type PlanState struct {
	PlanID               int64      `json:"plan_id"`
	WorkflowID           string     `json:"workflow_id"`
	Title                string     `json:"title"`
	Member               string     `json:"member"`
	StartsOn             Date       `json:"starts_on"`
	EndsOn               Date       `json:"ends_on"`
	CoordinatorID        int64      `json:"coordinator_id"`
	Status               PlanStatus `json:"status"`
	CurrentStep          int        `json:"current_step"`
	ReminderIntervalDays int        `json:"reminder_interval_days"`
	// ReminderPolicy is the plan's milestone reminder policy, which each
	// commitment workflow starts with; nil means DefaultReminderPolicy.
	ReminderPolicy *ReminderPolicy `json:"reminder_policy,omitempty"`
	Steps          []StepState     `json:"steps"`
	Members        []Member        `json:"members"`
	// Commitments are the plan's commitments in implementation (step 9),
	// each run by its own workflow; ImplementationEnded says the plan's
	// end date has passed. Step 9 can be submitted once every commitment
	// is closed or the period has ended.
	Commitments         []CommitmentRun `json:"commitments,omitempty"`
	ImplementationEnded bool            `json:"implementation_ended,omitempty"`
	// RoundSchedule are the assessment rounds the workflow opens on its
	// own when they are due (set_settings).
	RoundSchedule []ScheduledRound `json:"round_schedule,omitempty"`
	// Version increases with every change, so projections can refuse to
	// overwrite newer rows with older ones.
	Version int64 `json:"version"`
	// EventSeq numbers audit events; with the workflow ID it makes each
	// event's key unique, so a retried projection never writes twice.
	EventSeq int64 `json:"event_seq"`
}

// StepState is one step of a plan.
type StepState struct {
	Number     int         `json:"number"`
	Key        StepKey     `json:"key"`
	Title      string      `json:"title"`
	Status     StepStatus  `json:"status"`
	DueOn      Date        `json:"due_on,omitempty"`
	StartedAt  *time.Time  `json:"started_at,omitempty"`
	ApprovedAt *time.Time  `json:"approved_at,omitempty"`
	Round      int         `json:"round"`
	Submission *Submission `json:"submission,omitempty"`
	Decisions  []Approval  `json:"decisions"`
	// DueVersion counts due-date changes: reminders are numbered within
	// one due date, and a new date starts them over.
	DueVersion     int        `json:"due_version"`
	RemindersSent  int        `json:"reminders_sent"`
	LastReminderAt *time.Time `json:"last_reminder_at,omitempty"`
}

// Submission is the coordinator's request for approval of a step, with
// the approvers snapshotted at that moment: who must decide cannot change
// under an open round.
type Submission struct {
	Round       int       `json:"round"`
	Summary     string    `json:"summary"`
	SubmittedBy int64     `json:"submitted_by"`
	SubmittedAt time.Time `json:"submitted_at"`
	Approvers   []int64   `json:"approvers"`
	// ContentVersion and ContentDigest identify the content the approvers
	// approve, as the gate check locked and snapshotted it.
	ContentVersion int64  `json:"content_version,omitempty"`
	ContentDigest  string `json:"content_digest,omitempty"`
	// DueDates are the due dates the submitted content plans for later
	// steps (the roadmap's), applied when the step is approved.
	DueDates []StepDue `json:"due_dates,omitempty"`
}

// Gate is what a passed gate check hands to the submission.
type Gate struct {
	ContentVersion int64     `json:"content_version"`
	ContentDigest  string    `json:"content_digest"`
	DueDates       []StepDue `json:"due_dates,omitempty"`
}

// HasContentGate says whether submitting step n first checks its content.
func HasContentGate(n int) bool { return (n >= 1 && n <= 8) || n == HomeLearning }

// Approval is one approver's decision in one round.
type Approval struct {
	Round      int       `json:"round"`
	ApproverID int64     `json:"approver_id"`
	Decision   Decision  `json:"decision"`
	Comment    string    `json:"comment,omitempty"`
	DecidedAt  time.Time `json:"decided_at"`
}

// CommitmentRun is one commitment's workflow as the plan sees it.
type CommitmentRun struct {
	CommitmentID int64            `json:"commitment_id"`
	WorkflowID   string           `json:"workflow_id"`
	Status       CommitmentStatus `json:"status"`
}

// Event kinds written to the audit trail.
const (
	EventImplementationStarted = "implementation_started"
	EventCommitmentClosed      = "commitment_closed"
	EventImplementationEnded   = "implementation_ended"
	EventPlanCreated           = "plan_created"
	EventStepStarted           = "step_started"
	EventStepSubmitted         = "step_submitted"
	EventStepDecided           = "step_decided"
	EventStepApproved          = "step_approved"
	EventChangesRequested      = "changes_requested"
	EventSubmissionReturned    = "submission_returned"
	EventDueDateSet            = "due_date_set"
	EventReminderSent          = "reminder_sent"
	EventMemberSet             = "member_set"
	EventMemberRemoved         = "member_removed"
	EventSettingsChanged       = "settings_changed"
	EventPlanCompleted         = "plan_completed"
	EventSignalRefused         = "signal_refused"
)

// Event is one entry of the audit trail: who did what, when, where.
type Event struct {
	Seq        int64          `json:"seq"`
	Kind       string         `json:"kind"`
	ActorID    int64          `json:"actor_id,omitempty"`
	Step       int            `json:"step,omitempty"`
	Payload    map[string]any `json:"payload,omitempty"`
	OccurredAt time.Time      `json:"occurred_at"`
}

// NewPlanState starts a plan: step 1 in progress, the creator its
// coordinator. It returns the opening events. The plan's CreatedAt, when
// set, takes precedence over now.
func NewPlanState(in NewPlan, workflowID string, now time.Time) (PlanState, []Event) {
	if !in.CreatedAt.IsZero() {
		now = in.CreatedAt
	}
	interval := in.ReminderIntervalDays
	if interval <= 0 {
		interval = DefaultReminderIntervalDays
	}
	sector := in.CoordinatorSector
	if sector == "" {
		sector = SectorGovernment
	}
	s := PlanState{
		PlanID:               in.PlanID,
		WorkflowID:           workflowID,
		Title:                in.Title,
		Member:               in.Member,
		StartsOn:             in.StartsOn,
		EndsOn:               in.EndsOn,
		CoordinatorID:        in.CoordinatorID,
		CurrentStep:          1,
		ReminderIntervalDays: interval,
		Members:              []Member{{UserID: in.CoordinatorID, Roles: []Role{RoleCoordinator}, Sector: sector}},
	}
	for _, d := range Steps {
		s.Steps = append(s.Steps, StepState{Number: d.Number, Key: d.Key, Title: d.Title, Status: StepNotStarted, Decisions: []Approval{}})
	}
	s.Status = PlanStatusFor(1, false)
	var ev []Event
	ev = s.record(ev, now, EventPlanCreated, in.CoordinatorID, 0, map[string]any{
		"title": in.Title, "member": in.Member, "starts_on": in.StartsOn, "ends_on": in.EndsOn,
		"reminder_interval_days": interval,
	})
	ev = s.startStep(ev, 1, now)
	s.Version = 1
	return s, ev
}

// ValidateNewPlan checks what a coordinator supplies to create a plan.
func ValidateNewPlan(in NewPlan) error {
	title := strings.TrimSpace(in.Title)
	switch {
	case title == "":
		return Errorf(EUnprocessable, "title_required", "title is required")
	case utf8.RuneCountInString(title) > MaxTitleLen:
		return Errorf(EUnprocessable, "title_too_long", "title is longer than %d characters", MaxTitleLen)
	case strings.TrimSpace(in.Member) == "":
		return Errorf(EUnprocessable, "member_required", "member (the city or local government) is required")
	case utf8.RuneCountInString(in.Member) > MaxTitleLen:
		return Errorf(EUnprocessable, "member_too_long", "member is longer than %d characters", MaxTitleLen)
	}
	if _, err := ParseDate(string(in.StartsOn)); err != nil {
		return Errorf(EInvalid, "invalid_date", "starts_on: %v", err)
	}
	if _, err := ParseDate(string(in.EndsOn)); err != nil {
		return Errorf(EInvalid, "invalid_date", "ends_on: %v", err)
	}
	if in.EndsOn <= in.StartsOn {
		return Errorf(EUnprocessable, "invalid_period", "ends_on (%s) must be after starts_on (%s)", in.EndsOn, in.StartsOn)
	}
	if in.ReminderIntervalDays < 0 || in.ReminderIntervalDays > 365 {
		return Errorf(EUnprocessable, "invalid_reminder_interval", "reminder_interval_days must be between 1 and 365")
	}
	return nil
}

// Step returns step n (1-10).
func (s *PlanState) Step(n int) *StepState {
	if n < 1 || n > len(s.Steps) {
		return nil
	}
	return &s.Steps[n-1]
}

// MemberByID returns the membership of user id.
func (s *PlanState) MemberByID(id int64) (Member, bool) {
	i := slices.IndexFunc(s.Members, func(m Member) bool { return m.UserID == id })
	if i < 0 {
		return Member{}, false
	}
	return s.Members[i], true
}

// MembersWith returns the IDs of members holding role r, ascending.
func (s *PlanState) MembersWith(r Role) []int64 {
	var ids []int64
	for _, m := range s.Members {
		if m.Has(r) {
			ids = append(ids, m.UserID)
		}
	}
	slices.Sort(ids)
	return ids
}

func (s *PlanState) canManage(a Actor) bool {
	if a.IsAdmin {
		return true
	}
	m, ok := s.MemberByID(a.UserID)
	return ok && m.Has(RoleCoordinator)
}

func (s *PlanState) requireOpen() error {
	if s.Status == PlanCompleted {
		return Errorf(EConflict, "plan_completed", "the action plan is completed")
	}
	return nil
}

func (s *PlanState) stepOrNotFound(n int) (*StepState, error) {
	st := s.Step(n)
	if st == nil {
		return nil, Errorf(ENotFound, "unknown_step", "there is no step %d: steps are numbered 1 to %d", n, StepCount)
	}
	return st, nil
}

// ValidateSubmit checks a submit_step request against the rules.
func (s *PlanState) ValidateSubmit(in SubmitStepInput) error {
	st, err := s.stepOrNotFound(in.Step)
	if err != nil {
		return err
	}
	if !s.canManage(in.Actor) {
		return Errorf(EForbidden, "not_coordinator", "only the plan's coordinator may submit a step")
	}
	if err := s.requireOpen(); err != nil {
		return err
	}
	if in.Step != s.CurrentStep {
		return Errorf(EConflict, "not_current_step", "step %d is not the current step (the current step is %d)", in.Step, s.CurrentStep)
	}
	if st.Status != StepInProgress && st.Status != StepChangesRequested {
		return Errorf(EConflict, "step_not_submittable", "step %d is %s; only a step in progress or with changes requested can be submitted", in.Step, st.Status)
	}
	summary := strings.TrimSpace(in.Summary)
	if summary == "" {
		return Errorf(EUnprocessable, "summary_required", "a summary of the step's work is required")
	}
	if utf8.RuneCountInString(summary) > MaxSummaryLen {
		return Errorf(EUnprocessable, "summary_too_long", "summary is longer than %d characters", MaxSummaryLen)
	}
	approvers := s.approversExcluding(in.Actor.UserID)
	if len(approvers) == 0 {
		return Errorf(EUnprocessable, "no_approvers", "the plan has no approvers other than the submitter: add at least one member with the approver role")
	}
	if in.Step == ImplementationStep && !s.ImplementationDone() {
		return Errorf(EUnprocessable, "implementation_not_complete",
			"step %d can be submitted once every commitment is completed or withdrawn, or the plan's period has ended (%d still open)",
			in.Step, len(s.OpenCommitments()))
	}
	if in.Step == ValidationStep && !s.coversSectors(approvers) {
		return Errorf(EUnprocessable, "co_signature_impossible",
			"step %d needs co-signature: its approvers must include at least one from government and one from civil society", in.Step)
	}
	return nil
}

// ValidationStep is the step whose approval needs co-signature (the action
// plan is validated by government and civil society together) and starts
// implementation.
const ValidationStep = 8

// ImplementationStep is deliver and implement: it runs the commitments.
const ImplementationStep = 9

// OpenCommitments lists the commitments still being implemented.
func (s *PlanState) OpenCommitments() []int64 {
	var out []int64
	for _, c := range s.Commitments {
		if c.Status == CommitmentActive {
			out = append(out, c.CommitmentID)
		}
	}
	return out
}

// ImplementationDone says whether step 9's work is over: every commitment
// closed, or the plan's period ended.
func (s *PlanState) ImplementationDone() bool {
	return s.ImplementationEnded || len(s.OpenCommitments()) == 0
}

// ApplyImplementationStarted records the commitments whose workflows
// started when the plan was validated.
func (s *PlanState) ApplyImplementationStarted(runs []CommitmentRun, now time.Time) []Event {
	s.Commitments = runs
	s.Version++
	ids := make([]int64, len(runs))
	for i, r := range runs {
		ids[i] = r.CommitmentID
	}
	return s.record(nil, now, EventImplementationStarted, 0, ImplementationStep, map[string]any{"commitments": ids})
}

// ApplyCommitmentClosed records that a commitment was completed or
// withdrawn; a repeat (a retried signal) changes nothing.
func (s *PlanState) ApplyCommitmentClosed(id int64, status CommitmentStatus, now time.Time) []Event {
	for i := range s.Commitments {
		c := &s.Commitments[i]
		if c.CommitmentID != id || c.Status != CommitmentActive || status == CommitmentActive {
			continue
		}
		c.Status = status
		s.Version++
		return s.record(nil, now, EventCommitmentClosed, 0, ImplementationStep, map[string]any{
			"commitment_id": id, "status": status, "open": len(s.OpenCommitments()),
		})
	}
	return nil
}

// ImplementationEndsAt is when the plan's period ends: step 9 can then be
// submitted whatever the commitments' state.
func (s *PlanState) ImplementationEndsAt() (time.Time, bool) {
	if s.CurrentStep != ImplementationStep || s.ImplementationEnded || s.Status == PlanCompleted {
		return time.Time{}, false
	}
	return s.EndsOn.EndTime(), true
}

// ApplyImplementationEnded records that the plan's period has ended.
func (s *PlanState) ApplyImplementationEnded(now time.Time) []Event {
	if s.ImplementationEnded {
		return nil
	}
	s.ImplementationEnded = true
	s.Version++
	return s.record(nil, now, EventImplementationEnded, 0, ImplementationStep, map[string]any{
		"ends_on": s.EndsOn, "open": s.OpenCommitments(),
	})
}

// coversSectors says whether the approvers include government and civil
// society. Every approver of a round must approve, so approvers that cover
// both sectors make the approval co-signed.
func (s *PlanState) coversSectors(approvers []int64) bool {
	var gov, cso bool
	for _, id := range approvers {
		m, _ := s.MemberByID(id)
		gov = gov || m.Sector == SectorGovernment
		cso = cso || m.Sector == SectorCivilSociety
	}
	return gov && cso
}

func (s *PlanState) approversExcluding(id int64) []int64 {
	return slices.DeleteFunc(s.MembersWith(RoleApprover), func(a int64) bool { return a == id })
}

// ApplySubmit submits the current step with the content its gate check
// locked; call ValidateSubmit (and the gate check) first.
func (s *PlanState) ApplySubmit(in SubmitStepInput, gate Gate, now time.Time) []Event {
	st := s.Step(in.Step)
	st.Round++
	st.Status = StepAwaitingApproval
	st.Submission = &Submission{
		Round:          st.Round,
		Summary:        strings.TrimSpace(in.Summary),
		SubmittedBy:    in.Actor.UserID,
		SubmittedAt:    now,
		Approvers:      s.approversExcluding(in.Actor.UserID),
		ContentVersion: gate.ContentVersion,
		ContentDigest:  gate.ContentDigest,
		DueDates:       gate.DueDates,
	}
	s.Version++
	payload := map[string]any{"round": st.Round, "summary": st.Submission.Summary, "approvers": st.Submission.Approvers}
	if gate.ContentDigest != "" {
		payload["content_version"], payload["content_digest"] = gate.ContentVersion, gate.ContentDigest
	}
	return s.record(nil, now, EventStepSubmitted, in.Actor.UserID, in.Step, payload)
}

// ValidateDecide checks a decide_step request against the rules.
func (s *PlanState) ValidateDecide(in DecideStepInput) error {
	st, err := s.stepOrNotFound(in.Step)
	if err != nil {
		return err
	}
	if _, err := ParseDecision(string(in.Decision)); err != nil {
		return err
	}
	if err := s.requireOpen(); err != nil {
		return err
	}
	if st.Status != StepAwaitingApproval || st.Submission == nil {
		return Errorf(EConflict, "not_awaiting_approval", "step %d is %s, not awaiting approval", in.Step, st.Status)
	}
	sub := st.Submission
	if in.Actor.UserID == sub.SubmittedBy {
		return Errorf(EForbidden, "four_eyes", "the submitter of step %d may not decide on their own submission", in.Step)
	}
	if !slices.Contains(sub.Approvers, in.Actor.UserID) {
		return Errorf(EForbidden, "not_an_approver", "you are not one of the approvers of this submission of step %d", in.Step)
	}
	if st.decisionOf(in.Actor.UserID, st.Round) != nil {
		return Errorf(EConflict, "already_decided", "you have already decided on this submission of step %d", in.Step)
	}
	comment := strings.TrimSpace(in.Comment)
	if in.Decision == DecisionRequestChanges && comment == "" {
		return Errorf(EUnprocessable, "comment_required", "a comment saying what must change is required to request changes")
	}
	if utf8.RuneCountInString(comment) > MaxCommentLen {
		return Errorf(EUnprocessable, "comment_too_long", "comment is longer than %d characters", MaxCommentLen)
	}
	return nil
}

func (st *StepState) decisionOf(id int64, round int) *Approval {
	for i := range st.Decisions {
		if d := &st.Decisions[i]; d.Round == round && d.ApproverID == id {
			return d
		}
	}
	return nil
}

// Pending returns the approvers of the open round who have not decided.
func (st *StepState) Pending() []int64 {
	if st.Status != StepAwaitingApproval || st.Submission == nil {
		return nil
	}
	var out []int64
	for _, a := range st.Submission.Approvers {
		if st.decisionOf(a, st.Round) == nil {
			out = append(out, a)
		}
	}
	return out
}

// ApplyDecide records a decision and moves the plan on when the round is
// complete; call ValidateDecide first.
func (s *PlanState) ApplyDecide(in DecideStepInput, now time.Time) []Event {
	st := s.Step(in.Step)
	comment := strings.TrimSpace(in.Comment)
	st.Decisions = append(st.Decisions, Approval{Round: st.Round, ApproverID: in.Actor.UserID, Decision: in.Decision, Comment: comment, DecidedAt: now})
	s.Version++
	ev := s.record(nil, now, EventStepDecided, in.Actor.UserID, in.Step, map[string]any{
		"round": st.Round, "decision": in.Decision, "comment": comment,
	})
	if in.Decision == DecisionRequestChanges {
		st.Status = StepChangesRequested
		return s.record(ev, now, EventChangesRequested, in.Actor.UserID, in.Step, map[string]any{"round": st.Round, "comment": comment})
	}
	return s.settleRound(ev, st, in.Actor.UserID, now)
}

// settleRound approves the step once every approver of the round has.
func (s *PlanState) settleRound(ev []Event, st *StepState, actor int64, now time.Time) []Event {
	if st.Status != StepAwaitingApproval || len(st.Pending()) > 0 {
		return ev
	}
	st.Status = StepApproved
	st.ApprovedAt = &now
	ev = s.record(ev, now, EventStepApproved, actor, st.Number, map[string]any{"round": st.Round, "approvers": st.Submission.Approvers})
	// The approved roadmap sets the due dates of the steps it plans, so the
	// deadline reminders run on it.
	for _, d := range st.Submission.DueDates {
		if later := s.Step(d.Step); later != nil && later.Status != StepApproved && later.DueOn != d.DueOn {
			old := later.DueOn
			later.DueOn = d.DueOn
			later.DueVersion++
			later.RemindersSent = 0
			later.LastReminderAt = nil
			ev = s.record(ev, now, EventDueDateSet, actor, d.Step, map[string]any{"due_on": d.DueOn, "previous_due_on": old, "source": "roadmap"})
		}
	}
	if st.Number == StepCount {
		s.Status = PlanStatusFor(s.CurrentStep, true)
		return s.record(ev, now, EventPlanCompleted, actor, 0, nil)
	}
	return s.startStep(ev, st.Number+1, now)
}

func (s *PlanState) startStep(ev []Event, n int, now time.Time) []Event {
	st := s.Step(n)
	st.Status = StepInProgress
	st.StartedAt = &now
	s.CurrentStep = n
	s.Status = PlanStatusFor(n, false)
	return s.record(ev, now, EventStepStarted, 0, n, map[string]any{"key": st.Key, "plan_status": s.Status})
}

// ValidateSetDueDate checks a set_step_due_date request.
func (s *PlanState) ValidateSetDueDate(in SetStepDueDateInput) error {
	st, err := s.stepOrNotFound(in.Step)
	if err != nil {
		return err
	}
	if !s.canManage(in.Actor) {
		return Errorf(EForbidden, "not_coordinator", "only the plan's coordinator may set due dates")
	}
	if err := s.requireOpen(); err != nil {
		return err
	}
	if st.Status == StepApproved {
		return Errorf(EConflict, "step_approved", "step %d is already approved", in.Step)
	}
	if in.DueOn == "" {
		return nil
	}
	if _, err := ParseDate(string(in.DueOn)); err != nil {
		return err
	}
	if in.DueOn < s.StartsOn || in.DueOn > s.EndsOn {
		return Errorf(EUnprocessable, "due_date_outside_period", "due date %s is outside the plan's period %s to %s", in.DueOn, s.StartsOn, s.EndsOn)
	}
	return nil
}

// ApplySetDueDate sets a step's due date and restarts its reminders.
// Setting the same date again changes nothing, so retries are harmless.
func (s *PlanState) ApplySetDueDate(in SetStepDueDateInput, now time.Time) []Event {
	st := s.Step(in.Step)
	if st.DueOn == in.DueOn {
		return nil
	}
	old := st.DueOn
	st.DueOn = in.DueOn
	st.DueVersion++
	st.RemindersSent = 0
	st.LastReminderAt = nil
	s.Version++
	return s.record(nil, now, EventDueDateSet, in.Actor.UserID, in.Step, map[string]any{"due_on": in.DueOn, "previous_due_on": old})
}

// ValidateSetMember checks a set_member request.
func (s *PlanState) ValidateSetMember(in SetMemberInput) error {
	if !s.canManage(in.Actor) {
		return Errorf(EForbidden, "not_coordinator", "only the plan's coordinator may manage members")
	}
	if err := s.requireOpen(); err != nil {
		return err
	}
	if in.Member.UserID <= 0 {
		return Errorf(EInvalid, "invalid_user", "user_id must be positive")
	}
	if _, err := ParseRoles(rolesToStrings(in.Member.Roles)); err != nil {
		return err
	}
	if _, err := ParseSector(string(in.Member.Sector)); err != nil {
		return err
	}
	if old, ok := s.MemberByID(in.Member.UserID); ok && old.Has(RoleCoordinator) && !slices.Contains(in.Member.Roles, RoleCoordinator) &&
		len(s.MembersWith(RoleCoordinator)) == 1 {
		return Errorf(EUnprocessable, "last_coordinator", "the plan must keep at least one coordinator")
	}
	return nil
}

func rolesToStrings(rs []Role) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = string(r)
	}
	return out
}

// ApplySetMember adds or changes a member; the same roles and sector
// again change nothing.
func (s *PlanState) ApplySetMember(in SetMemberInput, now time.Time) []Event {
	roles, _ := ParseRoles(rolesToStrings(in.Member.Roles))
	m := Member{UserID: in.Member.UserID, Roles: roles, Sector: in.Member.Sector}
	i := slices.IndexFunc(s.Members, func(x Member) bool { return x.UserID == m.UserID })
	if i >= 0 && slices.Equal(s.Members[i].Roles, m.Roles) && s.Members[i].Sector == m.Sector {
		return nil
	}
	if i >= 0 {
		s.Members[i] = m
	} else {
		s.Members = append(s.Members, m)
		slices.SortFunc(s.Members, func(a, b Member) int { return cmp.Compare(a.UserID, b.UserID) })
	}
	s.Version++
	return s.record(nil, now, EventMemberSet, in.Actor.UserID, 0, map[string]any{"user_id": m.UserID, "roles": m.Roles, "sector": m.Sector})
}

// ValidateRemoveMember checks a remove_member request.
func (s *PlanState) ValidateRemoveMember(in RemoveMemberInput) error {
	if !s.canManage(in.Actor) {
		return Errorf(EForbidden, "not_coordinator", "only the plan's coordinator may manage members")
	}
	if err := s.requireOpen(); err != nil {
		return err
	}
	m, ok := s.MemberByID(in.UserID)
	if !ok {
		return nil // removing a non-member is a harmless retry
	}
	if m.Has(RoleCoordinator) && len(s.MembersWith(RoleCoordinator)) == 1 {
		return Errorf(EUnprocessable, "last_coordinator", "the plan must keep at least one coordinator")
	}
	return nil
}

// ApplyRemoveMember removes a member. A removed approver leaves the open
// round: if everyone left has approved, the step is approved; if nobody is
// left to decide, the submission goes back to the coordinator. Either way
// a departed person can no longer block the plan.
func (s *PlanState) ApplyRemoveMember(in RemoveMemberInput, now time.Time) []Event {
	i := slices.IndexFunc(s.Members, func(x Member) bool { return x.UserID == in.UserID })
	if i < 0 {
		return nil
	}
	s.Members = slices.Delete(s.Members, i, i+1)
	s.Version++
	ev := s.record(nil, now, EventMemberRemoved, in.Actor.UserID, 0, map[string]any{"user_id": in.UserID})
	st := s.Step(s.CurrentStep)
	if st.Status != StepAwaitingApproval || !slices.Contains(st.Pending(), in.UserID) {
		return ev
	}
	st.Submission.Approvers = slices.DeleteFunc(slices.Clone(st.Submission.Approvers), func(a int64) bool { return a == in.UserID })
	reason := ""
	switch {
	case len(st.Submission.Approvers) == 0:
		reason = "no approvers are left in the round"
	case st.Number == ValidationStep && !s.coversSectors(st.Submission.Approvers):
		// Approving without the departed approver would skip a sector's
		// co-signature.
		reason = "the round no longer has approvers from both government and civil society"
	}
	if reason != "" {
		st.Status = StepInProgress
		return s.record(ev, now, EventSubmissionReturned, in.Actor.UserID, st.Number, map[string]any{"round": st.Round, "reason": reason})
	}
	return s.settleRound(ev, st, in.Actor.UserID, now)
}

// ValidateSetSettings checks a set_settings request. A reminder interval
// of 0 leaves the interval unchanged when a reminder policy or a round
// schedule is given (a request may change only those); without either it
// is refused as before.
func (s *PlanState) ValidateSetSettings(in SetSettingsInput) error {
	if !s.canManage(in.Actor) {
		return Errorf(EForbidden, "not_coordinator", "only the plan's coordinator may change settings")
	}
	if err := s.requireOpen(); err != nil {
		return err
	}
	if (in.ReminderIntervalDays != 0 || (in.ReminderPolicy == nil && in.RoundSchedule == nil)) && (in.ReminderIntervalDays < 1 || in.ReminderIntervalDays > 365) {
		return Errorf(EUnprocessable, "invalid_reminder_interval", "reminder_interval_days must be between 1 and 365")
	}
	if in.ReminderPolicy != nil {
		if err := ValidateReminderPolicy(*in.ReminderPolicy); err != nil {
			return err
		}
		// Commitment workflows take the policy when they start (step 8
		// approved); changing it later would affect none of them, so it
		// is refused rather than silently ignored.
		if len(s.Commitments) > 0 && !in.ReminderPolicy.Equal(s.EffectiveReminderPolicy()) {
			return Errorf(EConflict, "implementation_started", "the reminder policy cannot change once implementation has started: the commitments run with the policy they started with")
		}
	}
	if in.RoundSchedule != nil {
		if err := s.validateRoundSchedule(in.RoundSchedule); err != nil {
			return err
		}
	}
	return nil
}

// EffectiveReminderPolicy is the policy commitments start with: the
// plan's own, else the default.
func (s *PlanState) EffectiveReminderPolicy() ReminderPolicy {
	if s.ReminderPolicy == nil {
		return DefaultReminderPolicy()
	}
	return s.ReminderPolicy.clone()
}

// ApplySetSettings changes the plan's settings.
func (s *PlanState) ApplySetSettings(in SetSettingsInput, now time.Time) []Event {
	payload := map[string]any{}
	if in.ReminderIntervalDays != 0 && s.ReminderIntervalDays != in.ReminderIntervalDays {
		s.ReminderIntervalDays = in.ReminderIntervalDays
		payload["reminder_interval_days"] = in.ReminderIntervalDays
	}
	if p := in.ReminderPolicy; p != nil && (s.ReminderPolicy == nil || !s.ReminderPolicy.Equal(*p)) {
		cp := p.clone()
		s.ReminderPolicy = &cp
		payload["reminder_policy"] = cp
	}
	if in.RoundSchedule != nil && s.applyRoundSchedule(in.RoundSchedule) {
		payload["round_schedule"] = slices.Clone(s.RoundSchedule)
	}
	if len(payload) == 0 {
		return nil
	}
	s.Version++
	return s.record(nil, now, EventSettingsChanged, in.Actor.UserID, 0, payload)
}

// Reminder is a due reminder: who to chase about which step.
type Reminder struct {
	Step       int     `json:"step"`
	Number     int     `json:"number"`
	DueOn      Date    `json:"due_on"`
	DueVersion int     `json:"due_version"`
	Recipients []int64 `json:"recipients"`
	// AwaitingApproval says whether approvers (rather than the
	// coordinator) are being chased.
	AwaitingApproval bool `json:"awaiting_approval"`
}

// NextReminderAt is when the current step is next to be chased: the end
// of its due date, then every reminder interval after the last reminder.
// With SpreadReminders the first is moved by the step's offset within the
// plan's spread window (the policy's), so plans sharing a due date are not
// chased all at once; the later ones follow the first, so they keep it.
func (s *PlanState) NextReminderAt(timing ReminderTiming) (time.Time, bool) {
	if s.Status == PlanCompleted {
		return time.Time{}, false
	}
	st := s.Step(s.CurrentStep)
	if st == nil || st.DueOn == "" || st.Status == StepApproved {
		return time.Time{}, false
	}
	if st.RemindersSent == 0 || st.LastReminderAt == nil {
		at := st.DueOn.EndTime()
		if timing == SpreadReminders {
			spread := DefaultReminderSpread
			if s.ReminderPolicy != nil {
				spread = s.ReminderPolicy.SpreadWindow()
			}
			at = at.Add(StepReminderOffset(spread, s.PlanID, st.Number))
		}
		return at, true
	}
	return st.LastReminderAt.Add(time.Duration(s.ReminderIntervalDays) * 24 * time.Hour), true
}

// ApplyReminder records that the current step's reminder is sent and
// says to whom: the coordinators while the step is being worked on, the
// approvers who have not decided while it awaits approval.
func (s *PlanState) ApplyReminder(now time.Time) (Reminder, []Event) {
	st := s.Step(s.CurrentStep)
	st.RemindersSent++
	st.LastReminderAt = &now
	s.Version++
	r := Reminder{Step: st.Number, Number: st.RemindersSent, DueOn: st.DueOn, DueVersion: st.DueVersion}
	if st.Status == StepAwaitingApproval {
		r.AwaitingApproval = true
		r.Recipients = st.Pending()
	} else {
		r.Recipients = s.MembersWith(RoleCoordinator)
	}
	ev := s.record(nil, now, EventReminderSent, 0, st.Number, map[string]any{
		"number": r.Number, "due_on": r.DueOn, "recipients": r.Recipients, "awaiting_approval": r.AwaitingApproval,
	})
	return r, ev
}

// RecordRefusedSignal notes a refused signal in the audit trail: a
// fire-and-forget caller gets no answer, so the trail must show it.
func (s *PlanState) RecordRefusedSignal(name string, actor int64, step int, reason error, now time.Time) []Event {
	code := "invalid"
	var e *Error
	if errors.As(reason, &e) {
		code = e.Code
	}
	// The sender is only claimed, not authenticated (any Temporal client can
	// signal), so it goes in the payload rather than as the event's actor.
	return s.record(nil, now, EventSignalRefused, 0, step, map[string]any{
		"signal": name, "code": code, "reason": reason.Error(), "claimed_actor_id": actor,
	})
}

func (s *PlanState) record(ev []Event, now time.Time, kind string, actor int64, step int, payload map[string]any) []Event {
	s.EventSeq++
	return append(ev, Event{Seq: s.EventSeq, Kind: kind, ActorID: actor, Step: step, Payload: payload, OccurredAt: now})
}
