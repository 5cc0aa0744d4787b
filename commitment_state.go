package ogp

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// The pure state machine of one commitment in implementation (step 9).
// Like PlanState, every change is a Validate*/Apply* pair: the workflow's
// update validators run Validate*, the handler runs it again under the
// lock and then Apply*, which returns the audit events. Validators take
// now because some rules depend on the date (a delay can be explained only
// for an overdue milestone).

// Audit event kinds of a commitment.
const (
	EventCommitmentStarted   = "commitment_started"
	EventProgressReported    = "progress_reported"
	EventMilestoneCompleted  = "milestone_completed"
	EventDelayExplained      = "delay_explained"
	EventAmendmentRequested  = "amendment_requested"
	EventAmendmentDecided    = "amendment_decided"
	EventAmendmentApproved   = "amendment_approved"
	EventAmendmentRejected   = "amendment_rejected"
	EventWithdrawalRequested = "withdrawal_requested"
	EventWithdrawalDecided   = "withdrawal_decided"
	EventWithdrawalRejected  = "withdrawal_rejected"
	EventCommitmentWithdrawn = "commitment_withdrawn"
	EventCommitmentCompleted = "commitment_completed"
	EventMilestoneReminder   = "milestone_reminder_sent"
)

// Notification kinds of a commitment.
const (
	NotificationMilestoneReminder = "milestone_reminder"
	NotificationRequestDecided    = "request_decided"
)

// Limits of a commitment's public record.
const (
	MaxEvidenceLinks = 20
	MaxNarrativeLen  = MaxSummaryLen
)

// commitmentStep is the plan step commitments are implemented in; their
// audit events carry it.
const commitmentStep = 9

// Reminder kinds: before the due date, on it, and while overdue.
const (
	ReminderBefore  = "before"
	ReminderDue     = "due"
	ReminderOverdue = "overdue"
)

// Escalation levels of a milestone reminder.
const (
	EscalationNone        = 0 // the responsible person and the lead
	EscalationCoordinator = 1 // ... and the plan's coordinators
	EscalationForum       = 2 // ... and the approvers and the monitoring body
)

// IsZero reports whether the policy was left unset: it names no reminder
// and no escalation (its spread aside).
func (p ReminderPolicy) IsZero() bool {
	return len(p.Before) == 0 && !p.OnDue && p.OverdueEvery == 0 && p.CoordinatorAfter == 0 && p.ForumAfter == 0
}

// DueSoonWindow is how long before the due date a milestone counts as
// due soon: the policy's smallest positive Before offset (0 without one:
// due soon only on the due date itself).
func (p ReminderPolicy) DueSoonWindow() time.Duration {
	var w time.Duration
	for _, b := range p.Before {
		if b > 0 && (w == 0 || b < w) {
			w = b
		}
	}
	return w
}

// befores returns the positive Before offsets, largest first (earliest
// reminder first), without duplicates.
func (p ReminderPolicy) befores() []time.Duration {
	var out []time.Duration
	for _, b := range p.Before {
		if b > 0 && !slices.Contains(out, b) {
			out = append(out, b)
		}
	}
	slices.SortFunc(out, func(a, b time.Duration) int { return cmp.Compare(b, a) })
	return out
}

// ValidateReminderPolicy checks a policy a plan chooses.
func ValidateReminderPolicy(p ReminderPolicy) error {
	for _, b := range p.Before {
		if b <= 0 || b > 365*24*time.Hour {
			return Errorf(EUnprocessable, "invalid_reminder_policy", "reminders before the due date must be between 1 second and 365 days before it")
		}
	}
	if p.OverdueEvery < 0 || (p.OverdueEvery > 0 && p.OverdueEvery < time.Minute) {
		return Errorf(EUnprocessable, "invalid_reminder_policy", "overdue reminders repeat at most every minute (0 turns them off)")
	}
	if p.CoordinatorAfter < 0 || p.ForumAfter < 0 {
		return Errorf(EUnprocessable, "invalid_reminder_policy", "escalation levels count overdue reminders: 0 turns a level off")
	}
	if p.Spread != nil && (*p.Spread < 0 || *p.Spread > MaxReminderSpread) {
		return Errorf(EUnprocessable, "invalid_reminder_policy", "reminders are spread over at most 24 hours (0 turns spreading off)")
	}
	return nil
}

// NewCommitmentState starts a commitment's implementation: every milestone
// not started, the plan's reminder policy (the default reminders when it
// names none, keeping its spread). The spread window is fixed here, so a
// later change of DefaultReminderSpread leaves running commitments as they
// are. It returns the opening event.
func NewCommitmentState(in CommitmentStart, workflowID string, now time.Time) (CommitmentState, []Event) {
	c := in.Commitment
	policy := in.Policy
	if policy.IsZero() {
		spread := policy.Spread
		policy = DefaultReminderPolicy()
		policy.Spread = spread
	}
	policy.Spread = new(policy.SpreadWindow())
	s := CommitmentState{
		PlanID:           in.PlanID,
		PlanTitle:        in.PlanTitle,
		CommitmentID:     c.ID,
		WorkflowID:       workflowID,
		Number:           c.Number,
		Title:            c.Title,
		LeadUserID:       in.LeadUserID,
		Status:           CommitmentActive,
		Completion:       CompletionNotStarted,
		Members:          slices.Clone(in.Members),
		Policy:           policy,
		Amendments:       []Amendment{},
		ParentWorkflowID: in.ParentWorkflowID,
		PlanStartsOn:     in.PlanStartsOn,
		PlanEndsOn:       in.PlanEndsOn,
		Milestones:       make([]MilestoneState, 0, len(c.Milestones)),
	}
	for _, m := range c.Milestones {
		s.Milestones = append(s.Milestones, MilestoneState{
			ID: m.ID, Title: m.Title, Responsible: m.Responsible, ResponsibleUserID: in.ResponsibleUserIDs[m.ID],
			StartsOn: m.StartsOn, DueOn: m.DueOn, Status: MilestoneNotStarted,
			Reports: []ProgressReport{}, Delays: []DelayExplanation{},
		})
	}
	s.Refresh(now)
	s.Version = 1
	ids := make([]int64, 0, len(s.Milestones))
	for _, m := range s.Milestones {
		ids = append(ids, m.ID)
	}
	ev := s.record(nil, now, EventCommitmentStarted, 0, map[string]any{
		"commitment_id": s.CommitmentID, "title": s.Title, "milestones": ids, "lead_user_id": s.LeadUserID,
	})
	return s, ev
}

// Refresh recomputes the derived values (each milestone's schedule and
// the completion level) as of now.
func (s *CommitmentState) Refresh(now time.Time) {
	for i := range s.Milestones {
		s.Milestones[i].Schedule = ScheduleOf(s.Milestones[i], now, s.Policy.DueSoonWindow())
	}
	s.Completion = CompletionOf(*s)
}

// At returns a copy of the state with its derived values as of now, for a
// query: the workflow's own state is not touched.
func (s CommitmentState) At(now time.Time) CommitmentState {
	s.Milestones = slices.Clone(s.Milestones)
	s.Refresh(now)
	return s
}

// Closed says whether the commitment is completed or withdrawn.
func (s *CommitmentState) Closed() bool {
	return s.Status == CommitmentCompleted || s.Status == CommitmentWithdrawn
}

// Ended says the commitment's workflow has nothing left to do: the
// commitment is closed, or its plan has completed.
func (s *CommitmentState) Ended() bool { return s.Closed() || s.PlanEnded }

// EventCommitmentEndedWithPlan records that the plan completed while the
// commitment was still open.
const EventCommitmentEndedWithPlan = "commitment_ended_with_plan"

// ApplyPlanEnded ends the commitment's implementation with its plan; a
// closed commitment or a repeated signal changes nothing.
func (s *CommitmentState) ApplyPlanEnded(now time.Time) []Event {
	if s.Ended() {
		return nil
	}
	s.PlanEnded = true
	s.Version++
	return s.record(nil, now, EventCommitmentEndedWithPlan, 0, map[string]any{"status": s.Status, "completion": s.Completion})
}

// Milestone returns milestone id.
func (s *CommitmentState) Milestone(id int64) *MilestoneState {
	for i := range s.Milestones {
		if s.Milestones[i].ID == id {
			return &s.Milestones[i]
		}
	}
	return nil
}

// MembersWith returns the IDs of members holding role r, ascending.
func (s *CommitmentState) MembersWith(r Role) []int64 {
	var ids []int64
	for _, m := range s.Members {
		if m.Has(r) {
			ids = append(ids, m.UserID)
		}
	}
	slices.Sort(ids)
	return ids
}

func (s *CommitmentState) isCoordinator(a Actor) bool {
	if a.IsAdmin {
		return true
	}
	return slices.Contains(s.MembersWith(RoleCoordinator), a.UserID)
}

func (s *CommitmentState) isLead(a Actor) bool {
	return s.LeadUserID != 0 && a.UserID == s.LeadUserID
}

// canWorkOn says whether the actor may report on milestone m: its
// responsible person, the commitment lead, a coordinator or an admin.
func (s *CommitmentState) canWorkOn(a Actor, m *MilestoneState) bool {
	return s.isCoordinator(a) || s.isLead(a) || (m.ResponsibleUserID != 0 && a.UserID == m.ResponsibleUserID)
}

func (s *CommitmentState) requireOpen() error {
	if s.Closed() {
		return Errorf(EConflict, "commitment_closed", "the commitment is %s", s.Status)
	}
	return nil
}

// openMilestone finds a milestone the actor may work on, in an open
// commitment, not yet completed.
func (s *CommitmentState) openMilestone(id int64, a Actor) (*MilestoneState, error) {
	m := s.Milestone(id)
	if m == nil {
		return nil, Errorf(ENotFound, "unknown_milestone", "commitment %d has no milestone %d", s.CommitmentID, id)
	}
	if !s.canWorkOn(a, m) {
		return nil, Errorf(EForbidden, "not_responsible",
			"only the milestone's responsible person, the commitment lead or a coordinator may act on milestone %d", id)
	}
	if err := s.requireOpen(); err != nil {
		return nil, err
	}
	if m.Status == MilestoneCompleted {
		return nil, Errorf(EConflict, "milestone_completed", "milestone %d is already completed", id)
	}
	return m, nil
}

func checkEvidence(links []string) error {
	if len(links) > MaxEvidenceLinks {
		return Errorf(EUnprocessable, "too_many_evidence_links", "at most %d evidence links per report", MaxEvidenceLinks)
	}
	for i, l := range links {
		if err := CheckWebURL(fmt.Sprintf("evidence[%d]", i), strings.TrimSpace(l)); err != nil {
			return err
		}
	}
	return nil
}

func trimAll(links []string) []string {
	out := make([]string, 0, len(links))
	for _, l := range links {
		out = append(out, strings.TrimSpace(l))
	}
	return out
}

func checkText(text, field, required string, maxLen int) error {
	text = strings.TrimSpace(text)
	if text == "" && required != "" {
		return Errorf(EUnprocessable, required, "%s is required", strings.ReplaceAll(field, "_", " "))
	}
	if utf8.RuneCountInString(text) > maxLen {
		return Errorf(EUnprocessable, field+"_too_long", "%s is longer than %d characters", strings.ReplaceAll(field, "_", " "), maxLen)
	}
	return nil
}

// ValidateReportProgress checks a report_progress request. Rules: the
// status is not_started (percent 0) or in_progress; completed goes through
// complete_milestone with its evidence. Percent is 0-100 and never below
// the milestone's last reported percent, nor goes a milestone in progress
// back to not started: reports are a public record of progress, and a
// slipping milestone is explained (explain_delay) or re-planned
// (request_amendment), not reported backwards. A narrative is required;
// evidence links are optional but must be http(s) links.
func (s *CommitmentState) ValidateReportProgress(in ReportProgressInput, _ time.Time) error {
	m, err := s.openMilestone(in.MilestoneID, in.Actor)
	if err != nil {
		return err
	}
	switch in.Status {
	case MilestoneNotStarted, MilestoneInProgress:
	case MilestoneCompleted:
		return Errorf(EUnprocessable, "use_complete_milestone", "a milestone is completed with complete_milestone, which requires evidence")
	default:
		return Errorf(EInvalid, "invalid_status", "status must be not_started or in_progress, not %q", in.Status)
	}
	if in.Percent < 0 || in.Percent > 100 {
		return Errorf(EInvalid, "invalid_percent", "percent must be between 0 and 100")
	}
	if in.Status == MilestoneNotStarted && in.Percent != 0 {
		return Errorf(EUnprocessable, "status_percent_mismatch", "a milestone not started is 0%% done")
	}
	if in.Status == MilestoneNotStarted && m.Status == MilestoneInProgress {
		return Errorf(EUnprocessable, "status_regressed", "milestone %d is already in progress", m.ID)
	}
	if in.Percent < m.Percent {
		return Errorf(EUnprocessable, "percent_decreased", "milestone %d was reported %d%% done; progress is not reported backwards", m.ID, m.Percent)
	}
	if err := checkText(in.Narrative, "narrative", "narrative_required", MaxNarrativeLen); err != nil {
		return err
	}
	return checkEvidence(in.Evidence)
}

// ApplyReportProgress records a progress report; validate first.
func (s *CommitmentState) ApplyReportProgress(in ReportProgressInput, now time.Time) []Event {
	m := s.Milestone(in.MilestoneID)
	r := ProgressReport{Seq: len(m.Reports) + 1, Status: in.Status, Percent: in.Percent, Narrative: strings.TrimSpace(in.Narrative),
		Evidence: trimAll(in.Evidence), ReportedBy: in.Actor.UserID, ReportedAt: now}
	m.Reports = append(m.Reports, r)
	m.Status, m.Percent = in.Status, in.Percent
	s.Version++
	s.Refresh(now)
	return s.record(nil, now, EventProgressReported, in.Actor.UserID, map[string]any{
		"milestone_id": m.ID, "report": r.Seq, "status": r.Status, "percent": r.Percent, "narrative": r.Narrative, "evidence": r.Evidence,
	})
}

// ValidateCompleteMilestone checks a complete_milestone request: at least
// one http(s) evidence link is required.
func (s *CommitmentState) ValidateCompleteMilestone(in CompleteMilestoneInput, _ time.Time) error {
	if _, err := s.openMilestone(in.MilestoneID, in.Actor); err != nil {
		return err
	}
	if len(in.Evidence) == 0 {
		return Errorf(EUnprocessable, "evidence_required", "completing a milestone requires at least one evidence link")
	}
	if err := checkText(in.Narrative, "narrative", "", MaxNarrativeLen); err != nil {
		return err
	}
	return checkEvidence(in.Evidence)
}

// ApplyCompleteMilestone completes a milestone; when it was the last one
// open, the commitment is completed. Validate first.
func (s *CommitmentState) ApplyCompleteMilestone(in CompleteMilestoneInput, now time.Time) []Event {
	m := s.Milestone(in.MilestoneID)
	narrative := strings.TrimSpace(in.Narrative)
	if narrative == "" {
		narrative = "Milestone completed."
	}
	r := ProgressReport{Seq: len(m.Reports) + 1, Status: MilestoneCompleted, Percent: 100, Narrative: narrative,
		Evidence: trimAll(in.Evidence), ReportedBy: in.Actor.UserID, ReportedAt: now}
	m.Reports = append(m.Reports, r)
	m.Status, m.Percent = MilestoneCompleted, 100
	at := now
	m.CompletedAt = &at
	s.Version++
	s.Refresh(now)
	ev := s.record(nil, now, EventMilestoneCompleted, in.Actor.UserID, map[string]any{
		"milestone_id": m.ID, "report": r.Seq, "due_on": m.DueOn, "schedule": m.Schedule, "evidence": r.Evidence, "narrative": narrative,
	})
	for _, x := range s.Milestones {
		if x.Status != MilestoneCompleted {
			return ev
		}
	}
	s.Status = CommitmentCompleted
	return s.record(ev, now, EventCommitmentCompleted, in.Actor.UserID, map[string]any{"completion": s.Completion})
}

// ValidateExplainDelay checks an explain_delay request: only an overdue
// milestone's delay is explained.
func (s *CommitmentState) ValidateExplainDelay(in ExplainDelayInput, now time.Time) error {
	m, err := s.openMilestone(in.MilestoneID, in.Actor)
	if err != nil {
		return err
	}
	if now.Before(m.DueOn.EndTime()) {
		return Errorf(EConflict, "not_overdue", "milestone %d is due on %s and is not overdue", m.ID, m.DueOn)
	}
	return checkText(in.Text, "text", "explanation_required", MaxCommentLen)
}

// ApplyExplainDelay publishes a delay explanation; validate first.
func (s *CommitmentState) ApplyExplainDelay(in ExplainDelayInput, now time.Time) []Event {
	m := s.Milestone(in.MilestoneID)
	text := strings.TrimSpace(in.Text)
	m.Delays = append(m.Delays, DelayExplanation{Text: text, ExplainedBy: in.Actor.UserID, ExplainedAt: now})
	s.Version++
	s.Refresh(now)
	return s.record(nil, now, EventDelayExplained, in.Actor.UserID, map[string]any{
		"milestone_id": m.ID, "due_on": m.DueOn, "text": text, "overdue_since": m.DueOn.EndTime().Format(time.DateOnly),
	})
}

// approversExcluding snapshots who decides a request: the plan's
// approvers other than the requester (four-eyes).
func (s *CommitmentState) approversExcluding(id int64) []int64 {
	return slices.DeleteFunc(s.MembersWith(RoleApprover), func(a int64) bool { return a == id })
}

// Amendment returns amendment seq.
func (s *CommitmentState) Amendment(seq int) *Amendment {
	if seq < 1 || seq > len(s.Amendments) {
		return nil
	}
	return &s.Amendments[seq-1]
}

// ValidateRequestAmendment checks a request_amendment request: by whoever
// may report on the milestone, for a milestone not completed and with no
// other amendment pending; a new due date (inside the plan's period, not
// before the milestone starts) or a new title; a reason; and approvers
// other than the requester to decide.
func (s *CommitmentState) ValidateRequestAmendment(in RequestAmendmentInput, _ time.Time) error {
	m, err := s.openMilestone(in.MilestoneID, in.Actor)
	if err != nil {
		return err
	}
	for _, a := range s.Amendments {
		if a.MilestoneID == m.ID && a.Status == AmendmentPending {
			return Errorf(EConflict, "amendment_pending", "amendment %d of milestone %d is still waiting for a decision", a.Seq, m.ID)
		}
	}
	title := strings.TrimSpace(in.NewTitle)
	if utf8.RuneCountInString(title) > MaxTitleLen {
		return Errorf(EUnprocessable, "title_too_long", "new_title is longer than %d characters", MaxTitleLen)
	}
	if (in.NewDueOn == "" || in.NewDueOn == m.DueOn) && (title == "" || title == m.Title) {
		return Errorf(EUnprocessable, "nothing_to_amend", "an amendment changes the due date or the title of the milestone")
	}
	if in.NewDueOn != "" {
		if _, err := ParseDate(string(in.NewDueOn)); err != nil {
			return err
		}
		if (s.PlanStartsOn != "" && in.NewDueOn < s.PlanStartsOn) || (s.PlanEndsOn != "" && in.NewDueOn > s.PlanEndsOn) {
			return Errorf(EUnprocessable, "due_date_outside_period", "due date %s is outside the plan's period %s to %s", in.NewDueOn, s.PlanStartsOn, s.PlanEndsOn)
		}
		if m.StartsOn != "" && in.NewDueOn < m.StartsOn {
			return Errorf(EUnprocessable, "due_before_start", "due date %s is before the milestone starts (%s)", in.NewDueOn, m.StartsOn)
		}
	}
	if err := checkText(in.Reason, "reason", "reason_required", MaxCommentLen); err != nil {
		return err
	}
	if len(s.approversExcluding(in.Actor.UserID)) == 0 {
		return Errorf(EUnprocessable, "no_approvers", "the plan has no approvers other than the requester to decide on the amendment")
	}
	return nil
}

// ApplyRequestAmendment opens an amendment for the approvers; validate
// first. Both dates are kept, whatever the decision.
func (s *CommitmentState) ApplyRequestAmendment(in RequestAmendmentInput, now time.Time) []Event {
	m := s.Milestone(in.MilestoneID)
	a := Amendment{
		Seq: len(s.Amendments) + 1, MilestoneID: m.ID, OldDueOn: m.DueOn, NewDueOn: in.NewDueOn, NewTitle: strings.TrimSpace(in.NewTitle),
		Reason: strings.TrimSpace(in.Reason), RequestedBy: in.Actor.UserID, RequestedAt: now,
		Approvers: s.approversExcluding(in.Actor.UserID), Decisions: []Approval{}, Status: AmendmentPending,
	}
	if a.NewDueOn == "" {
		a.NewDueOn = m.DueOn
	}
	s.Amendments = append(s.Amendments, a)
	s.Version++
	return s.record(nil, now, EventAmendmentRequested, in.Actor.UserID, map[string]any{
		"amendment": a.Seq, "milestone_id": m.ID, "old_due_on": a.OldDueOn, "new_due_on": a.NewDueOn, "new_title": a.NewTitle,
		"reason": a.Reason, "approvers": a.Approvers,
	})
}

// validateDecision checks one approver's decision on a request: a known
// decision, not by the requester (four-eyes), by one of its approvers,
// once, with a comment to reject (request_changes means reject here).
func validateDecision(in DecideRequestInput, requestedBy int64, approvers []int64, decisions []Approval, what string) error {
	if _, err := ParseDecision(string(in.Decision)); err != nil {
		return err
	}
	if in.Actor.UserID == requestedBy {
		return Errorf(EForbidden, "four_eyes", "the requester may not decide on their own %s", what)
	}
	if !slices.Contains(approvers, in.Actor.UserID) {
		return Errorf(EForbidden, "not_an_approver", "you are not one of the approvers of this %s", what)
	}
	if slices.ContainsFunc(decisions, func(d Approval) bool { return d.ApproverID == in.Actor.UserID }) {
		return Errorf(EConflict, "already_decided", "you have already decided on this %s", what)
	}
	comment := strings.TrimSpace(in.Comment)
	if in.Decision == DecisionRequestChanges && comment == "" {
		return Errorf(EUnprocessable, "comment_required", "a comment saying why is required to reject the %s", what)
	}
	if utf8.RuneCountInString(comment) > MaxCommentLen {
		return Errorf(EUnprocessable, "comment_too_long", "comment is longer than %d characters", MaxCommentLen)
	}
	return nil
}

// settle returns the request's outcome once decided: rejected at the
// first rejection, approved when every approver approved.
func settle(approvers []int64, decisions []Approval) AmendmentStatus {
	approved := 0
	for _, d := range decisions {
		if d.Decision == DecisionRequestChanges {
			return AmendmentRejected
		}
		approved++
	}
	if approved >= len(approvers) {
		return AmendmentApproved
	}
	return AmendmentPending
}

// ValidateDecideAmendment checks a decide_amendment request.
func (s *CommitmentState) ValidateDecideAmendment(in DecideRequestInput, _ time.Time) error {
	a := s.Amendment(in.Seq)
	if a == nil {
		return Errorf(ENotFound, "unknown_amendment", "commitment %d has no amendment %d", s.CommitmentID, in.Seq)
	}
	if err := s.requireOpen(); err != nil {
		return err
	}
	if a.Status != AmendmentPending {
		return Errorf(EConflict, "not_pending", "amendment %d is already %s", a.Seq, a.Status)
	}
	return validateDecision(in, a.RequestedBy, a.Approvers, a.Decisions, "amendment")
}

// ApplyDecideAmendment records a decision; when every approver approved,
// the milestone changes: a new due date starts a new due version, so its
// reminders start over under new keys. Validate first.
func (s *CommitmentState) ApplyDecideAmendment(in DecideRequestInput, now time.Time) []Event {
	a := s.Amendment(in.Seq)
	comment := strings.TrimSpace(in.Comment)
	a.Decisions = append(a.Decisions, Approval{Round: a.Seq, ApproverID: in.Actor.UserID, Decision: in.Decision, Comment: comment, DecidedAt: now})
	s.Version++
	ev := s.record(nil, now, EventAmendmentDecided, in.Actor.UserID, map[string]any{
		"amendment": a.Seq, "milestone_id": a.MilestoneID, "decision": in.Decision, "comment": comment,
	})
	switch a.Status = settle(a.Approvers, a.Decisions); a.Status {
	case AmendmentRejected:
		return s.record(ev, now, EventAmendmentRejected, in.Actor.UserID, map[string]any{
			"amendment": a.Seq, "milestone_id": a.MilestoneID, "comment": comment,
		})
	case AmendmentApproved:
		m := s.Milestone(a.MilestoneID)
		if a.NewTitle != "" {
			m.Title = a.NewTitle
		}
		if a.NewDueOn != m.DueOn {
			m.DueOn = a.NewDueOn
			m.DueVersion++
			m.RemindersSent, m.OverdueSent, m.LastReminderAt = 0, 0, nil
		}
		s.Refresh(now)
		return s.record(ev, now, EventAmendmentApproved, in.Actor.UserID, map[string]any{
			"amendment": a.Seq, "milestone_id": a.MilestoneID, "old_due_on": a.OldDueOn, "new_due_on": a.NewDueOn,
			"new_title": a.NewTitle, "due_version": m.DueVersion,
		})
	}
	return ev
}

// ValidateWithdrawCommitment checks a withdraw_commitment request: by the
// commitment lead or a coordinator, with a reason, when no withdrawal is
// pending, and with approvers other than the requester to decide.
func (s *CommitmentState) ValidateWithdrawCommitment(in WithdrawCommitmentInput, _ time.Time) error {
	if !s.isCoordinator(in.Actor) && !s.isLead(in.Actor) {
		return Errorf(EForbidden, "not_lead_or_coordinator", "only the commitment lead or a coordinator may ask to withdraw the commitment")
	}
	if err := s.requireOpen(); err != nil {
		return err
	}
	if s.Withdrawal != nil && s.Withdrawal.Status == AmendmentPending {
		return Errorf(EConflict, "withdrawal_pending", "a withdrawal is already waiting for a decision")
	}
	if err := checkText(in.Reason, "reason", "reason_required", MaxCommentLen); err != nil {
		return err
	}
	if len(s.approversExcluding(in.Actor.UserID)) == 0 {
		return Errorf(EUnprocessable, "no_approvers", "the plan has no approvers other than the requester to decide on the withdrawal")
	}
	return nil
}

// ApplyWithdrawCommitment opens a withdrawal request; an earlier rejected
// one moves to PastWithdrawals. Validate first.
func (s *CommitmentState) ApplyWithdrawCommitment(in WithdrawCommitmentInput, now time.Time) []Event {
	if s.Withdrawal != nil {
		s.PastWithdrawals = append(s.PastWithdrawals, *s.Withdrawal)
	}
	w := &Withdrawal{Reason: strings.TrimSpace(in.Reason), RequestedBy: in.Actor.UserID, RequestedAt: now,
		Approvers: s.approversExcluding(in.Actor.UserID), Decisions: []Approval{}, Status: AmendmentPending}
	s.Withdrawal = w
	s.Version++
	return s.record(nil, now, EventWithdrawalRequested, in.Actor.UserID, map[string]any{
		"withdrawal": s.withdrawalRound(), "reason": w.Reason, "approvers": w.Approvers,
	})
}

func (s *CommitmentState) withdrawalRound() int { return len(s.PastWithdrawals) + 1 }

// ValidateDecideWithdrawal checks a decide_withdrawal request.
func (s *CommitmentState) ValidateDecideWithdrawal(in DecideRequestInput, _ time.Time) error {
	if err := s.requireOpen(); err != nil {
		return err
	}
	w := s.Withdrawal
	if w == nil || w.Status != AmendmentPending {
		return Errorf(EConflict, "no_pending_withdrawal", "no withdrawal of the commitment is waiting for a decision")
	}
	return validateDecision(in, w.RequestedBy, w.Approvers, w.Decisions, "withdrawal")
}

// ApplyDecideWithdrawal records a decision; when every approver approved,
// the commitment is withdrawn (and its reminders stop). Validate first.
func (s *CommitmentState) ApplyDecideWithdrawal(in DecideRequestInput, now time.Time) []Event {
	w := s.Withdrawal
	comment := strings.TrimSpace(in.Comment)
	round := s.withdrawalRound()
	w.Decisions = append(w.Decisions, Approval{Round: round, ApproverID: in.Actor.UserID, Decision: in.Decision, Comment: comment, DecidedAt: now})
	s.Version++
	ev := s.record(nil, now, EventWithdrawalDecided, in.Actor.UserID, map[string]any{
		"withdrawal": round, "decision": in.Decision, "comment": comment,
	})
	switch w.Status = settle(w.Approvers, w.Decisions); w.Status {
	case AmendmentRejected:
		return s.record(ev, now, EventWithdrawalRejected, in.Actor.UserID, map[string]any{"withdrawal": round, "comment": comment})
	case AmendmentApproved:
		s.Status = CommitmentWithdrawn
		s.Refresh(now)
		return s.record(ev, now, EventCommitmentWithdrawn, in.Actor.UserID, map[string]any{
			"withdrawal": round, "reason": w.Reason, "completion": s.Completion,
		})
	}
	return ev
}

// ScheduleOf derives a milestone's schedule state: a completed milestone
// was done on time when completed before the end of its due date, late
// otherwise; an open one is overdue from the end of its due date, due soon
// from dueSoon before the start of its due date (and on the date itself),
// on track before that.
func ScheduleOf(m MilestoneState, now time.Time, dueSoon time.Duration) ScheduleState {
	if m.DueOn == "" {
		return ScheduleOnTrack
	}
	end := m.DueOn.EndTime()
	if m.Status == MilestoneCompleted {
		if m.CompletedAt != nil && !m.CompletedAt.Before(end) {
			return ScheduleDoneLate
		}
		return ScheduleDoneOnTime
	}
	switch {
	case !now.Before(end):
		return ScheduleOverdue
	case !now.Before(m.DueOn.Time().Add(-dueSoon)):
		return ScheduleDueSoon
	}
	return ScheduleOnTrack
}

// CompletionOf derives the commitment's OGP completion level from its
// milestones: not_started while no milestone has started (or there are
// none); completed when every milestone is; substantial when at least
// half of the milestones are completed or the average reported percent is
// at least 50; limited otherwise.
func CompletionOf(s CommitmentState) Completion {
	n := len(s.Milestones)
	started, completed, percent := 0, 0, 0
	for _, m := range s.Milestones {
		if m.Status != MilestoneNotStarted || m.Percent > 0 {
			started++
		}
		if m.Status == MilestoneCompleted {
			completed++
		}
		percent += m.Percent
	}
	switch {
	case n == 0 || started == 0:
		return CompletionNotStarted
	case completed == n:
		return CompletionCompleted
	case 2*completed >= n || percent >= 50*n:
		return CompletionSubstantial
	}
	return CompletionLimited
}

// MilestoneReminder is a milestone reminder that is due: who to chase
// about which milestone, and its place in the milestone's schedule.
type MilestoneReminder struct {
	MilestoneID int64 `json:"milestone_id"`
	// Number is the reminder's place in the schedule of the milestone's
	// current due date: the Before reminders, then the one on the due
	// date, then the overdue ones. Overdue is the overdue reminder's own
	// number (1 for the first); 0 for the others.
	Number  int    `json:"number"`
	Kind    string `json:"kind"`
	Overdue int    `json:"overdue,omitempty"`
	// At is when the reminder was due: its nominal time plus Offset, the
	// milestone's place in the policy's spread window.
	At         time.Time     `json:"at"`
	Offset     time.Duration `json:"offset,omitempty"`
	DueOn      Date          `json:"due_on"`
	DueVersion int           `json:"due_version"`
	Recipients []int64       `json:"recipients"`
	Escalation int           `json:"escalation"`
	DedupKey   string        `json:"dedup_key"`
}

// reminderSlot is the n-th reminder of a milestone's current due date.
type reminderSlot struct {
	number  int
	kind    string
	overdue int
	at      time.Time
}

// milestoneSlots computes a milestone's reminder times. The schedule of a
// due date D is: D (at 00:00 UTC) minus each Before offset, earliest
// first; D itself when OnDue; then, from the end of D (the first instant
// the milestone is overdue), one every OverdueEvery. So the first overdue
// reminder goes out the moment the milestone becomes overdue, and a short
// policy never calls a milestone overdue before it is. Spread moves the
// whole schedule by the milestone's offset: order and spacing stay.
type milestoneSlots struct {
	fixed        []reminderSlot
	overdueStart time.Time
	every        time.Duration
}

func slotsOf(p ReminderPolicy, m *MilestoneState, offset time.Duration) milestoneSlots {
	due := m.DueOn.Time().Add(offset)
	var sl milestoneSlots
	for _, b := range p.befores() {
		sl.fixed = append(sl.fixed, reminderSlot{number: len(sl.fixed) + 1, kind: ReminderBefore, at: due.Add(-b)})
	}
	if p.OnDue {
		sl.fixed = append(sl.fixed, reminderSlot{number: len(sl.fixed) + 1, kind: ReminderDue, at: due})
	}
	sl.overdueStart, sl.every = m.DueOn.EndTime().Add(offset), p.OverdueEvery
	return sl
}

// slot returns reminder number n (1-based), if the schedule has one.
// Without OverdueEvery there are no overdue reminders.
func (sl milestoneSlots) slot(n int) (reminderSlot, bool) {
	switch {
	case n < 1:
		return reminderSlot{}, false
	case n <= len(sl.fixed):
		return sl.fixed[n-1], true
	case sl.every <= 0:
		return reminderSlot{}, false
	}
	k := n - len(sl.fixed)
	return reminderSlot{number: n, kind: ReminderOverdue, overdue: k, at: sl.overdueStart.Add(time.Duration(k-1) * sl.every)}, true
}

// latestPassed returns the latest reminder whose time is not after now,
// if it comes after reminder number sent.
func (sl milestoneSlots) latestPassed(sent int, now time.Time) (reminderSlot, bool) {
	var best reminderSlot
	found := false
	if sl.every > 0 && !now.Before(sl.overdueStart) {
		best, found = sl.slot(len(sl.fixed) + int(now.Sub(sl.overdueStart)/sl.every) + 1)
	} else {
		for _, f := range sl.fixed {
			if !f.at.After(now) {
				best, found = f, true
			}
		}
	}
	if !found || best.number <= sent {
		return reminderSlot{}, false
	}
	return best, true
}

// nextSlot is the milestone's reminder to send next: the latest one whose
// time has passed but which was not sent (earlier passed ones are skipped:
// one reminder says it all), else the first one still to come. Reminder
// times strictly increase, so when no unsent one has passed, the one after
// the last sent is still to come.
func (sl milestoneSlots) nextSlot(sent int, now time.Time) (reminderSlot, bool) {
	if r, ok := sl.latestPassed(sent, now); ok {
		return r, true
	}
	if r, ok := sl.slot(sent + 1); ok && r.at.After(now) {
		return r, true
	}
	return reminderSlot{}, false
}

// reminderOffset is milestone m's offset under timing t.
func (s *CommitmentState) reminderOffset(m *MilestoneState, t ReminderTiming) time.Duration {
	if t != SpreadReminders {
		return 0
	}
	return MilestoneReminderOffset(s.Policy.SpreadWindow(), s.PlanID, s.CommitmentID, m.ID)
}

// remindable says whether a milestone still gets reminders.
func (s *CommitmentState) remindable(m *MilestoneState) bool {
	return !s.Closed() && m.Status != MilestoneCompleted && m.DueOn != ""
}

// NextMilestoneReminder is when the next milestone reminder of the
// commitment is due and for which milestone: over every open milestone,
// the earliest of each one's next reminder. A time not after now means
// the reminder is due now (its time passed while it could not be sent,
// say during a crash: it goes out once, on restart). ok is false when no
// reminder is scheduled (every milestone completed, or the commitment
// closed). Timing says whether the times are spread; the workflow decides
// it once per run.
func NextMilestoneReminder(s CommitmentState, now time.Time, timing ReminderTiming) (at time.Time, milestoneID int64, ok bool) {
	for i := range s.Milestones {
		m := &s.Milestones[i]
		if !s.remindable(m) {
			continue
		}
		r, found := slotsOf(s.Policy, m, s.reminderOffset(m, timing)).nextSlot(m.RemindersSent, now)
		if found && (!ok || r.at.Before(at)) {
			at, milestoneID, ok = r.at, m.ID, true
		}
	}
	return at, milestoneID, ok
}

// ApplyMilestoneReminder records that milestone milestoneID's due
// reminder is sent and says to whom: the milestone's responsible person
// and the commitment lead (the coordinators when neither is a user);
// from the CoordinatorAfter-th overdue reminder on also the coordinators;
// from the ForumAfter-th on also the approvers and the monitoring body.
// When no reminder of that milestone is due now it returns a zero
// MilestoneReminder (Number 0) and no events. Timing must be the one
// NextMilestoneReminder was asked with.
func (s *CommitmentState) ApplyMilestoneReminder(now time.Time, milestoneID int64, timing ReminderTiming) (MilestoneReminder, []Event) {
	m := s.Milestone(milestoneID)
	if m == nil || !s.remindable(m) {
		return MilestoneReminder{}, nil
	}
	offset := s.reminderOffset(m, timing)
	slot, ok := slotsOf(s.Policy, m, offset).latestPassed(m.RemindersSent, now)
	if !ok {
		return MilestoneReminder{}, nil
	}
	r := MilestoneReminder{MilestoneID: m.ID, Number: slot.number, Kind: slot.kind, Overdue: slot.overdue, At: slot.at, Offset: offset,
		DueOn: m.DueOn, DueVersion: m.DueVersion}
	var to []int64
	if m.ResponsibleUserID != 0 {
		to = append(to, m.ResponsibleUserID)
	}
	if s.LeadUserID != 0 {
		to = append(to, s.LeadUserID)
	}
	if len(to) == 0 {
		to = s.MembersWith(RoleCoordinator)
	}
	p := s.Policy
	if slot.overdue > 0 && p.CoordinatorAfter > 0 && slot.overdue >= p.CoordinatorAfter {
		r.Escalation = EscalationCoordinator
		to = append(to, s.MembersWith(RoleCoordinator)...)
	}
	if slot.overdue > 0 && p.ForumAfter > 0 && slot.overdue >= p.ForumAfter {
		r.Escalation = EscalationForum
		to = append(to, s.MembersWith(RoleApprover)...)
		to = append(to, s.MembersWith(RoleMonitoringBody)...)
	}
	slices.Sort(to)
	r.Recipients = slices.Compact(to)
	r.DedupKey = MilestoneReminderKey(s.WorkflowID, m.ID, m.DueVersion, r.Number)

	m.RemindersSent = r.Number
	if r.Overdue > 0 {
		m.OverdueSent = r.Overdue
	}
	at := now
	m.LastReminderAt = &at
	s.Version++
	s.Refresh(now)
	ev := s.record(nil, now, EventMilestoneReminder, 0, map[string]any{
		"milestone_id": m.ID, "number": r.Number, "kind": r.Kind, "overdue": r.Overdue, "due_on": r.DueOn,
		"due_version": r.DueVersion, "recipients": r.Recipients, "escalation": r.Escalation, "dedup_key": r.DedupKey,
	})
	return r, ev
}

// MilestoneReminderKey is the idempotency key of a milestone reminder:
// one per workflow, milestone, due date version and reminder number, so
// a retried or replayed send reaches nobody twice.
func MilestoneReminderKey(workflowID string, milestoneID int64, dueVersion, number int) string {
	return fmt.Sprintf("%s/milestone/%d/due/%d/reminder/%d", workflowID, milestoneID, dueVersion, number)
}

// MilestoneReminderNotifications words a milestone reminder for each
// recipient: what is due, when, since when it is overdue, and what to do.
// Durations are told from the reminder's nominal time (its spread offset
// taken off), so "due in 14 days" does not become 13 days and 23 hours.
func MilestoneReminderNotifications(s *CommitmentState, r MilestoneReminder, now time.Time) []Notification {
	m := s.Milestone(r.MilestoneID)
	if m == nil {
		return nil
	}
	now = now.Add(-r.Offset)
	what := fmt.Sprintf("milestone %q of commitment %d (%s)", m.Title, s.Number, s.Title)
	var subject, body string
	switch r.Kind {
	case ReminderBefore:
		subject = fmt.Sprintf("%s: milestone %q is due on %s", s.PlanTitle, m.Title, r.DueOn)
		body = fmt.Sprintf("The %s in the action plan %q is due on %s, in %s. It is %d%% done.",
			what, s.PlanTitle, r.DueOn, humanDuration(r.DueOn.Time().Sub(now)), m.Percent)
	case ReminderDue:
		subject = fmt.Sprintf("%s: milestone %q is due today", s.PlanTitle, m.Title)
		body = fmt.Sprintf("The %s in the action plan %q is due today, %s. It is %d%% done.", what, s.PlanTitle, r.DueOn, m.Percent)
	default:
		since := r.DueOn.EndTime()
		subject = fmt.Sprintf("%s: milestone %q is overdue", s.PlanTitle, m.Title)
		body = fmt.Sprintf("The %s in the action plan %q was due on %s and has been overdue since %s (%s). It is %d%% done.",
			what, s.PlanTitle, r.DueOn, since.Format(time.DateOnly), humanDuration(now.Sub(since)), m.Percent)
		if r.Overdue > 1 {
			subject += fmt.Sprintf(" (reminder %d)", r.Overdue)
		}
	}
	if m.Responsible != "" {
		body += fmt.Sprintf(" Responsible: %s.", m.Responsible)
	}
	body += "\n\nReport progress, complete the milestone with evidence"
	if r.Kind == ReminderOverdue {
		body += ", publish an explanation of the delay"
	}
	body += ", or ask the approvers to amend its due date."
	switch r.Escalation {
	case EscalationCoordinator:
		body += "\n\nThe plan's coordinators receive this reminder too."
	case EscalationForum:
		body += "\n\nThe plan's coordinators, its approvers and the monitoring body receive this reminder too."
	}
	out := make([]Notification, 0, len(r.Recipients))
	for _, id := range r.Recipients {
		out = append(out, Notification{UserID: id, PlanID: s.PlanID, Step: commitmentStep, Kind: NotificationMilestoneReminder,
			Subject: subject, Body: body, DedupKey: r.DedupKey})
	}
	return out
}

// CommitmentEventNotifications words what people must hear about a
// commitment's events: the approvers when an amendment or a withdrawal
// awaits their decision, the requester and the lead when it is decided.
// Each is keyed by the event.
func CommitmentEventNotifications(s *CommitmentState, events []Event) []Notification {
	var out []Notification
	add := func(e Event, to []int64, kind, subject, body string) {
		slices.Sort(to)
		for _, id := range slices.Compact(to) {
			if id == 0 {
				continue
			}
			out = append(out, Notification{UserID: id, PlanID: s.PlanID, Step: commitmentStep, Kind: kind, Subject: subject, Body: body,
				DedupKey: fmt.Sprintf("%s/event/%d", s.WorkflowID, e.Seq)})
		}
	}
	label := fmt.Sprintf("commitment %d (%s)", s.Number, s.Title)
	for _, e := range events {
		seq, _ := e.Payload["amendment"].(int)
		switch e.Kind {
		case EventAmendmentRequested:
			a := s.Amendment(seq)
			if a == nil {
				continue
			}
			m := s.Milestone(a.MilestoneID)
			add(e, slices.Clone(a.Approvers), NotificationDecisionNeeded,
				fmt.Sprintf("%s: an amendment of %s is waiting for your decision", s.PlanTitle, label),
				fmt.Sprintf("An amendment of milestone %q of %s asks to move its due date from %s to %s.\n\nReason: %s\n\nApprove it or reject it with a comment.",
					m.Title, label, a.OldDueOn, a.NewDueOn, excerpt(a.Reason, 2000)))
		case EventAmendmentApproved, EventAmendmentRejected:
			a := s.Amendment(seq)
			if a == nil {
				continue
			}
			add(e, []int64{a.RequestedBy, s.LeadUserID}, NotificationRequestDecided,
				fmt.Sprintf("%s: amendment of %s %s", s.PlanTitle, label, a.Status),
				fmt.Sprintf("The approvers %s the amendment of %s (due date %s to %s).", a.Status, label, a.OldDueOn, a.NewDueOn))
		case EventWithdrawalRequested:
			if s.Withdrawal == nil {
				continue
			}
			add(e, slices.Clone(s.Withdrawal.Approvers), NotificationDecisionNeeded,
				fmt.Sprintf("%s: the withdrawal of %s is waiting for your decision", s.PlanTitle, label),
				fmt.Sprintf("The withdrawal of %s was requested.\n\nReason: %s\n\nApprove it or reject it with a comment.", label, excerpt(s.Withdrawal.Reason, 2000)))
		case EventCommitmentWithdrawn, EventWithdrawalRejected:
			if s.Withdrawal == nil {
				continue
			}
			add(e, []int64{s.Withdrawal.RequestedBy, s.LeadUserID}, NotificationRequestDecided,
				fmt.Sprintf("%s: withdrawal of %s %s", s.PlanTitle, label, s.Withdrawal.Status),
				fmt.Sprintf("The approvers %s the withdrawal of %s.", s.Withdrawal.Status, label))
		}
	}
	return out
}

// humanDuration says a duration as people do: days, else hours, else
// minutes.
func humanDuration(d time.Duration) string {
	plural := func(n int64, unit string) string {
		if n == 1 {
			return "1 " + unit
		}
		return fmt.Sprintf("%d %ss", n, unit)
	}
	switch {
	case d >= 24*time.Hour:
		return plural(int64(d/(24*time.Hour)), "day")
	case d >= time.Hour:
		return plural(int64(d/time.Hour), "hour")
	case d >= 0:
		return plural(int64(d/time.Minute), "minute")
	}
	return "0 minutes"
}

func (s *CommitmentState) record(ev []Event, now time.Time, kind string, actor int64, payload map[string]any) []Event {
	s.EventSeq++
	return append(ev, Event{Seq: s.EventSeq, Kind: kind, ActorID: actor, Step: commitmentStep, Payload: payload, OccurredAt: now})
}
