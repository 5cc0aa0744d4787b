package models

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/ogplocal/ogp"
)

// StepDueSoon is how long before a step's due date "My work" starts to
// call it due soon: the default milestone reminder's first warning.
const StepDueSoon = 14 * 24 * time.Hour

// MyWorkNotificationLimit is how many unread notifications MyWork loads
// (the newest); MyWork.UnreadCount has the total.
const MyWorkNotificationLimit = 20

// Urgency classes of work items, most urgent first.
const (
	UrgencyOverdue = "overdue"
	UrgencyDueSoon = "due_soon"
	UrgencyOnTrack = "on_track"
	// UrgencyNoDate is an item with no date that still needs the person.
	UrgencyNoDate = "no_date"
)

// MyWork is everything waiting for one person, across every plan they
// are on. MyWork reads it with a fixed number of queries, whatever the
// number of plans or items.
type MyWork struct {
	// Plans are the plans the person is a member of, by id.
	Plans []MyPlan
	// Approvals are steps awaiting the person's decision in their current
	// round, oldest submission first.
	Approvals []ApprovalOwed
	// Requests are amendments and withdrawals of commitments awaiting the
	// person's decision, oldest first.
	Requests []RequestOwed
	// Steps are the current steps of the plans the person coordinates
	// (plans not completed), overdue first, then by due date.
	Steps []CoordinatedStep
	// Milestones are open milestones of commitments in implementation the
	// person leads or is responsible for, overdue first, then by due date.
	Milestones []MilestoneDue
	// SelfAssessments are commitments the person leads whose assessment
	// round waits for their self-assessment.
	SelfAssessments []SelfAssessmentDue
	// Assessments are rounds of plans where the person is the monitoring
	// body whose stage needs them (assessing, answering comments,
	// finalising).
	Assessments []AssessmentDue
	// Notifications are the newest unread notifications (at most
	// MyWorkNotificationLimit), newest first.
	Notifications []Notification
	// UnreadCount is the number of unread notifications.
	UnreadCount int64
}

// Empty says whether nothing waits for the person (their plans aside).
func (w MyWork) Empty() bool {
	return len(w.Approvals) == 0 && len(w.Requests) == 0 && len(w.Steps) == 0 && len(w.Milestones) == 0 &&
		len(w.SelfAssessments) == 0 && len(w.Assessments) == 0 && w.UnreadCount == 0
}

// MyPlan is a plan the person is on, with their roles and where it stands.
type MyPlan struct {
	PlanID      int64
	Title       string
	Member      string
	Status      string
	CurrentStep int
	// StepStatus and DueOn are the current step's.
	StepStatus string
	DueOn      string
	// Roles are the person's roles on the plan.
	Roles []string
}

// HasRole says whether the person holds role on the plan.
func (p MyPlan) HasRole(role string) bool { return slices.Contains(p.Roles, role) }

// ApprovalOwed is a step awaiting the person's decision.
type ApprovalOwed struct {
	PlanID      int64
	PlanTitle   string
	Step        int
	Round       int
	Summary     string
	DueOn       string
	SubmittedAt *time.Time
	Urgency     string
}

// Request kinds of RequestOwed.
const (
	RequestAmendment  = "amendment"
	RequestWithdrawal = "withdrawal"
)

// RequestOwed is an amendment of a milestone or a withdrawal of a
// commitment awaiting the person's decision.
type RequestOwed struct {
	Kind             string
	PlanID           int64
	PlanTitle        string
	CommitmentID     int64
	CommitmentNumber int
	CommitmentTitle  string
	// Seq is the amendment's number, or the withdrawal's round.
	Seq int
	// MilestoneID, MilestoneTitle, OldDueOn and NewDueOn describe an
	// amendment; empty for a withdrawal.
	MilestoneID    int64
	MilestoneTitle string
	OldDueOn       string
	NewDueOn       string
	Reason         string
	RequestedAt    time.Time
}

// CoordinatedStep is the current step of a plan the person coordinates.
type CoordinatedStep struct {
	PlanID    int64
	PlanTitle string
	Step      int
	Status    string
	DueOn     string
	Round     int
	Urgency   string
}

// NeedsCoordinator says whether the step waits for the coordinator
// (rather than for the approvers).
func (s CoordinatedStep) NeedsCoordinator() bool {
	return s.Status == StepStatusInProgress || s.Status == StepStatusChangesRequested
}

// MilestoneDue is an open milestone the person answers for.
type MilestoneDue struct {
	PlanID           int64
	PlanTitle        string
	CommitmentID     int64
	CommitmentNumber int
	CommitmentTitle  string
	MilestoneID      int64
	Title            string
	DueOn            string
	Status           string
	Percent          int
	// Schedule is the ogp schedule state (on_track, due_soon, overdue).
	Schedule string
	// Lead says the person leads the commitment; Responsible that they
	// are responsible for the milestone (both may hold).
	Lead        bool
	Responsible bool
}

// SelfAssessmentDue is a commitment the person leads whose round waits
// for their self-assessment.
type SelfAssessmentDue struct {
	PlanID           int64
	PlanTitle        string
	RoundID          int64
	Kind             string
	CommitmentID     int64
	CommitmentNumber int
	CommitmentTitle  string
	DueAt            *time.Time
	Urgency          string
}

// AssessmentDue is a round whose stage needs the monitoring body.
type AssessmentDue struct {
	PlanID    int64
	PlanTitle string
	RoundID   int64
	Kind      string
	Stage     string
	DueAt     *time.Time
	Urgency   string
	// ToAssess counts commitments not assessed yet (assessment stage);
	// Unanswered counts comments without an answer.
	ToAssess   int
	Unanswered int
}

// MyWork reads everything waiting for user userID, as of now: one query
// per kind of work (plans and the steps they coordinate, approvals,
// amendments, withdrawals, milestones, assessment rounds, and two for the
// unread notifications), never one per row.
func (db *DB) MyWork(ctx context.Context, userID int64, now time.Time) (MyWork, error) {
	now = now.UTC()
	var w MyWork
	var err error
	steps := []func() error{
		func() error { w.Plans, w.Steps, err = db.myPlans(ctx, userID, now); return err },
		func() error { w.Approvals, err = db.myApprovals(ctx, userID, now); return err },
		func() error { w.Requests, err = db.myRequests(ctx, userID); return err },
		func() error { w.Milestones, err = db.myMilestones(ctx, userID, now); return err },
		func() error { w.SelfAssessments, w.Assessments, err = db.myRounds(ctx, userID, now); return err },
		func() error {
			w.Notifications, w.UnreadCount, err = db.ListNotifications(ctx, userID, true, MyWorkNotificationLimit, 0)
			return err
		},
	}
	for _, step := range steps {
		if err := step(); err != nil {
			return MyWork{}, dbErr(fmt.Sprintf("my work of user %d", userID), err)
		}
	}
	return w, nil
}

// dateUrgency classifies a due date ('YYYY-MM-DD', empty for none): a
// date is overdue once its whole day has passed (UTC).
func dateUrgency(due string, now time.Time, soon time.Duration) string {
	if due == "" {
		return UrgencyNoDate
	}
	d := ogp.Date(due)
	switch {
	case !now.Before(d.EndTime()):
		return UrgencyOverdue
	case !now.Before(d.Time().Add(-soon)):
		return UrgencyDueSoon
	}
	return UrgencyOnTrack
}

// instantUrgency classifies a deadline instant (nil for none).
func instantUrgency(at *time.Time, now time.Time, soon time.Duration) string {
	switch {
	case at == nil:
		return UrgencyNoDate
	case !now.Before(*at):
		return UrgencyOverdue
	case !now.Before(at.Add(-soon)):
		return UrgencyDueSoon
	}
	return UrgencyOnTrack
}

// urgencyRank orders urgencies: overdue, due soon, no date (needs doing
// whenever), on track.
func urgencyRank(u string) int {
	switch u {
	case UrgencyOverdue:
		return 0
	case UrgencyDueSoon:
		return 1
	case UrgencyNoDate:
		return 2
	}
	return 3
}

// UrgencyRank orders urgency classes, most urgent first (overdue 0).
func UrgencyRank(u string) int { return urgencyRank(u) }

// byDue compares two items by urgency, then due date (empty last), then
// tiebreak.
func byDue(ua, ub, da, db string, tie int) int {
	if c := cmp.Compare(urgencyRank(ua), urgencyRank(ub)); c != 0 {
		return c
	}
	if da != db {
		if da == "" {
			return 1
		}
		if db == "" {
			return -1
		}
		return strings.Compare(da, db)
	}
	return tie
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func (db *DB) myPlans(ctx context.Context, userID int64, now time.Time) ([]MyPlan, []CoordinatedStep, error) {
	var rows []struct {
		ID          int64   `gorm:"column:id"`
		Title       string  `gorm:"column:title"`
		Member      string  `gorm:"column:member"`
		Status      string  `gorm:"column:status"`
		CurrentStep int     `gorm:"column:current_step"`
		Roles       string  `gorm:"column:roles"`
		StepStatus  *string `gorm:"column:step_status"`
		DueOn       *string `gorm:"column:due_on"`
		Round       *int    `gorm:"column:round"`
	}
	err := db.Gorm.WithContext(ctx).Raw(`
SELECT p.id, p.title, p.member, p.status, p.current_step, m.roles, s.status AS step_status, s.due_on, s.round
FROM plan_memberships m
JOIN action_plans p ON p.id = m.plan_id
LEFT JOIN steps s ON s.plan_id = p.id AND s.number = p.current_step
WHERE m.user_id = ?
ORDER BY p.id`, userID).Scan(&rows).Error
	if err != nil {
		return nil, nil, err
	}
	plans := make([]MyPlan, 0, len(rows))
	steps := []CoordinatedStep{}
	for _, r := range rows {
		p := MyPlan{PlanID: r.ID, Title: r.Title, Member: r.Member, Status: r.Status, CurrentStep: r.CurrentStep,
			StepStatus: deref(r.StepStatus), DueOn: deref(r.DueOn), Roles: Membership{Roles: r.Roles}.RoleList()}
		plans = append(plans, p)
		if r.Status == PlanStatusCompleted || r.StepStatus == nil || !p.HasRole(RoleCoordinator) {
			continue
		}
		st := CoordinatedStep{PlanID: r.ID, PlanTitle: r.Title, Step: r.CurrentStep, Status: *r.StepStatus, DueOn: p.DueOn,
			Urgency: dateUrgency(p.DueOn, now, StepDueSoon)}
		if r.Round != nil {
			st.Round = *r.Round
		}
		steps = append(steps, st)
	}
	slices.SortStableFunc(steps, func(a, b CoordinatedStep) int {
		// Steps waiting for the coordinator come before those waiting
		// for approvers, at equal urgency.
		tie := cmp.Compare(boolRank(!a.NeedsCoordinator()), boolRank(!b.NeedsCoordinator()))
		return byDue(a.Urgency, b.Urgency, a.DueOn, b.DueOn, tie)
	})
	return plans, steps, nil
}

func boolRank(b bool) int {
	if b {
		return 1
	}
	return 0
}

// myApprovals finds the steps awaiting the user's decision. The round's
// approvers are those the submission named (its step_submitted event),
// who are still members (a removed approver leaves the round); the
// submitter never decides, and a decision already given in the round
// settles it.
func (db *DB) myApprovals(ctx context.Context, userID int64, now time.Time) ([]ApprovalOwed, error) {
	var rows []struct {
		PlanID      int64      `gorm:"column:plan_id"`
		PlanTitle   string     `gorm:"column:plan_title"`
		Step        int        `gorm:"column:step"`
		Round       int        `gorm:"column:round"`
		Summary     string     `gorm:"column:summary"`
		DueOn       *string    `gorm:"column:due_on"`
		SubmittedAt *time.Time `gorm:"column:submitted_at"`
		Roles       string     `gorm:"column:roles"`
		Payload     *string    `gorm:"column:payload"`
	}
	err := db.Gorm.WithContext(ctx).Raw(`
SELECT s.plan_id, p.title AS plan_title, s.number AS step, s.round, s.summary, s.due_on, s.submitted_at, m.roles, e.payload
FROM steps s
JOIN action_plans p ON p.id = s.plan_id
JOIN plan_memberships m ON m.plan_id = s.plan_id AND m.user_id = ?
LEFT JOIN decisions d ON d.plan_id = s.plan_id AND d.step_number = s.number AND d.round = s.round AND d.approver_id = ?
LEFT JOIN audit_events e ON e.plan_id = s.plan_id AND e.step_number = s.number AND e.kind = ?
WHERE s.status = ? AND d.id IS NULL AND (s.submitted_by IS NULL OR s.submitted_by <> ?)
ORDER BY s.plan_id, s.number`, userID, userID, ogp.EventStepSubmitted, StepStatusAwaitingApproval, userID).Scan(&rows).Error
	if err != nil {
		return nil, err
	}
	type key struct {
		plan int64
		step int
	}
	// Each step comes once per submission event; the one of the current
	// round names its approvers. Without it (a projection still on its
	// way), the approver role decides.
	named := map[key]bool{}
	var order []key
	byKey := map[key]ApprovalOwed{}
	for _, r := range rows {
		k := key{r.PlanID, r.Step}
		if _, seen := byKey[k]; !seen {
			order = append(order, k)
			normTimePtr(&r.SubmittedAt)
			due := deref(r.DueOn)
			byKey[k] = ApprovalOwed{PlanID: r.PlanID, PlanTitle: r.PlanTitle, Step: r.Step, Round: r.Round, Summary: r.Summary,
				DueOn: due, SubmittedAt: r.SubmittedAt, Urgency: dateUrgency(due, now, StepDueSoon)}
			named[k] = Membership{Roles: r.Roles}.HasRole(RoleApprover)
		}
		if r.Payload == nil {
			continue
		}
		var p struct {
			Round     int     `json:"round"`
			Approvers []int64 `json:"approvers"`
		}
		if err := json.Unmarshal([]byte(*r.Payload), &p); err != nil || p.Round != r.Round {
			continue
		}
		named[k] = slices.Contains(p.Approvers, userID)
	}
	out := make([]ApprovalOwed, 0, len(order))
	for _, k := range order {
		if named[k] {
			out = append(out, byKey[k])
		}
	}
	slices.SortStableFunc(out, func(a, b ApprovalOwed) int {
		tie := 0
		if a.SubmittedAt != nil && b.SubmittedAt != nil {
			tie = a.SubmittedAt.Compare(*b.SubmittedAt)
		}
		return byDue(a.Urgency, b.Urgency, a.DueOn, b.DueOn, tie)
	})
	return out, nil
}

// owes says whether userID is one of approvers (JSON array of ids) with
// no decision among decisions (JSON array of ogp.Approval).
func owes(userID int64, approvers, decisions string) bool {
	var ids []int64
	if json.Unmarshal([]byte(cmp.Or(approvers, "[]")), &ids) != nil || !slices.Contains(ids, userID) {
		return false
	}
	var ds []ogp.Approval
	if json.Unmarshal([]byte(cmp.Or(decisions, "[]")), &ds) != nil {
		return false
	}
	return !slices.ContainsFunc(ds, func(d ogp.Approval) bool { return d.ApproverID == userID })
}

type requestRow struct {
	PlanID           int64     `gorm:"column:plan_id"`
	PlanTitle        string    `gorm:"column:plan_title"`
	CommitmentID     int64     `gorm:"column:commitment_id"`
	CommitmentNumber int       `gorm:"column:commitment_number"`
	CommitmentTitle  string    `gorm:"column:commitment_title"`
	Seq              int       `gorm:"column:seq"`
	MilestoneID      int64     `gorm:"column:milestone_id"`
	MilestoneTitle   string    `gorm:"column:milestone_title"`
	ProgressTitle    *string   `gorm:"column:progress_title"`
	OldDueOn         string    `gorm:"column:old_due_on"`
	NewDueOn         string    `gorm:"column:new_due_on"`
	Reason           string    `gorm:"column:reason"`
	RequestedAt      time.Time `gorm:"column:requested_at"`
	Approvers        string    `gorm:"column:approvers"`
	Decisions        string    `gorm:"column:decisions"`
}

// myRequests finds pending amendments and withdrawals the user is an
// approver of and has not decided: one query each.
func (db *DB) myRequests(ctx context.Context, userID int64) ([]RequestOwed, error) {
	var amendments, withdrawals []requestRow
	tx := db.Gorm.WithContext(ctx)
	err := tx.Raw(`
SELECT a.plan_id, p.title AS plan_title, a.commitment_id, c.number AS commitment_number, c.title AS commitment_title,
  a.seq, a.milestone_id, ms.title AS milestone_title, mp.title AS progress_title, a.old_due_on, a.new_due_on, a.reason,
  a.requested_at, a.approvers, a.decisions
FROM amendments a
JOIN plan_memberships m ON m.plan_id = a.plan_id AND m.user_id = ?
JOIN action_plans p ON p.id = a.plan_id
JOIN commitments c ON c.id = a.commitment_id
JOIN milestones ms ON ms.id = a.milestone_id
LEFT JOIN milestone_progress mp ON mp.milestone_id = a.milestone_id
WHERE a.status = 'pending' AND a.requested_by <> ?
ORDER BY a.requested_at, a.commitment_id, a.seq`, userID, userID).Scan(&amendments).Error
	if err != nil {
		return nil, err
	}
	err = tx.Raw(`
SELECT w.plan_id, p.title AS plan_title, w.commitment_id, c.number AS commitment_number, c.title AS commitment_title,
  w.round AS seq, w.reason, w.requested_at, w.approvers, w.decisions
FROM withdrawals w
JOIN plan_memberships m ON m.plan_id = w.plan_id AND m.user_id = ?
JOIN action_plans p ON p.id = w.plan_id
JOIN commitments c ON c.id = w.commitment_id
WHERE w.status = 'pending' AND w.requested_by <> ?
ORDER BY w.requested_at, w.commitment_id`, userID, userID).Scan(&withdrawals).Error
	if err != nil {
		return nil, err
	}
	out := []RequestOwed{}
	add := func(kind string, rows []requestRow) {
		for _, r := range rows {
			if !owes(userID, r.Approvers, r.Decisions) {
				continue
			}
			normTime(&r.RequestedAt)
			out = append(out, RequestOwed{Kind: kind, PlanID: r.PlanID, PlanTitle: r.PlanTitle, CommitmentID: r.CommitmentID,
				CommitmentNumber: r.CommitmentNumber, CommitmentTitle: r.CommitmentTitle, Seq: r.Seq, MilestoneID: r.MilestoneID,
				MilestoneTitle: cmp.Or(deref(r.ProgressTitle), r.MilestoneTitle), OldDueOn: r.OldDueOn, NewDueOn: r.NewDueOn,
				Reason: r.Reason, RequestedAt: r.RequestedAt})
		}
	}
	add(RequestAmendment, amendments)
	add(RequestWithdrawal, withdrawals)
	slices.SortStableFunc(out, func(a, b RequestOwed) int { return a.RequestedAt.Compare(b.RequestedAt) })
	return out, nil
}

// myMilestones finds the open milestones of running commitments the user
// leads or is responsible for, with their schedule state under each
// commitment's reminder policy.
func (db *DB) myMilestones(ctx context.Context, userID int64, now time.Time) ([]MilestoneDue, error) {
	var rows []struct {
		PlanID            int64  `gorm:"column:plan_id"`
		PlanTitle         string `gorm:"column:plan_title"`
		CommitmentID      int64  `gorm:"column:commitment_id"`
		CommitmentNumber  int    `gorm:"column:commitment_number"`
		CommitmentTitle   string `gorm:"column:commitment_title"`
		MilestoneID       int64  `gorm:"column:milestone_id"`
		Title             string `gorm:"column:title"`
		DueOn             string `gorm:"column:due_on"`
		Status            string `gorm:"column:status"`
		Percent           int    `gorm:"column:percent"`
		Policy            string `gorm:"column:policy"`
		LeadUserID        *int64 `gorm:"column:lead_user_id"`
		ResponsibleUserID *int64 `gorm:"column:responsible_user_id"`
	}
	err := db.Gorm.WithContext(ctx).Raw(`
SELECT mp.plan_id, p.title AS plan_title, c.id AS commitment_id, c.number AS commitment_number, c.title AS commitment_title,
  mp.milestone_id, mp.title, mp.due_on, mp.status, mp.percent, r.policy, c.lead_user_id, ms.responsible_user_id
FROM milestone_progress mp
JOIN milestones ms ON ms.id = mp.milestone_id
JOIN commitments c ON c.id = mp.commitment_id
JOIN commitment_runs r ON r.commitment_id = mp.commitment_id
JOIN action_plans p ON p.id = mp.plan_id
WHERE r.status = 'active' AND mp.status <> 'completed' AND (c.lead_user_id = ? OR ms.responsible_user_id = ?)
ORDER BY mp.due_on, c.number, mp.milestone_id`, userID, userID).Scan(&rows).Error
	if err != nil {
		return nil, err
	}
	windows := map[string]time.Duration{}
	out := make([]MilestoneDue, 0, len(rows))
	for _, r := range rows {
		window, ok := windows[r.Policy]
		if !ok {
			var p ogp.ReminderPolicy
			if json.Unmarshal([]byte(cmp.Or(r.Policy, "{}")), &p) != nil || p.IsZero() {
				p = ogp.DefaultReminderPolicy()
			}
			window = p.DueSoonWindow()
			windows[r.Policy] = window
		}
		sched := ogp.ScheduleOf(ogp.MilestoneState{DueOn: ogp.Date(r.DueOn), Status: ogp.MilestoneStatus(r.Status)}, now, window)
		out = append(out, MilestoneDue{PlanID: r.PlanID, PlanTitle: r.PlanTitle, CommitmentID: r.CommitmentID,
			CommitmentNumber: r.CommitmentNumber, CommitmentTitle: r.CommitmentTitle, MilestoneID: r.MilestoneID, Title: r.Title,
			DueOn: r.DueOn, Status: r.Status, Percent: r.Percent, Schedule: string(sched),
			Lead: r.LeadUserID != nil && *r.LeadUserID == userID, Responsible: r.ResponsibleUserID != nil && *r.ResponsibleUserID == userID})
	}
	slices.SortStableFunc(out, func(a, b MilestoneDue) int {
		return byDue(a.Schedule, b.Schedule, a.DueOn, b.DueOn, 0)
	})
	return out, nil
}

// myRounds finds the assessment rounds waiting for the user: a
// self-assessment of a commitment they lead (as the round named its
// lead), or, for a monitoring body independent of the team, a stage that
// needs them: assessing, then answering comments and finalising.
func (db *DB) myRounds(ctx context.Context, userID int64, now time.Time) ([]SelfAssessmentDue, []AssessmentDue, error) {
	var rows []struct {
		RoundRecord
		PlanTitle string `gorm:"column:plan_title"`
		Roles     string `gorm:"column:roles"`
	}
	err := db.Gorm.WithContext(ctx).Raw(`
SELECT r.*, p.title AS plan_title, m.roles
FROM assessment_rounds r
JOIN plan_memberships m ON m.plan_id = r.plan_id AND m.user_id = ?
JOIN action_plans p ON p.id = r.plan_id
WHERE r.stage IN ('self_assessment', 'assessment', 'public_comment', 'finalising')
ORDER BY r.id`, userID).Scan(&rows).Error
	if err != nil {
		return nil, nil, err
	}
	selfs, assessments := []SelfAssessmentDue{}, []AssessmentDue{}
	for _, r := range rows {
		st, err := r.RoundState()
		if err != nil {
			return nil, nil, err
		}
		due := st.StageDueAt
		if due != nil {
			t := due.UTC()
			due = &t
		}
		stage := ogp.RoundStage(r.Stage)
		if stage == ogp.StageSelfAssessment {
			for _, c := range st.Commitments {
				if c.LeadUserID != userID || slices.ContainsFunc(st.SelfAssessments, func(s ogp.SelfAssessment) bool { return s.CommitmentID == c.CommitmentID }) {
					continue
				}
				selfs = append(selfs, SelfAssessmentDue{PlanID: r.PlanID, PlanTitle: r.PlanTitle, RoundID: r.ID, Kind: r.Kind,
					CommitmentID: c.CommitmentID, CommitmentNumber: c.Number, CommitmentTitle: c.Title, DueAt: due,
					Urgency: instantUrgency(due, now, ogp.SelfAssessmentReminderBefore)})
			}
		}
		if !(Membership{Roles: r.Roles}).HasRole(RoleMonitoringBody) || slices.Contains(st.Team, userID) {
			continue
		}
		a := AssessmentDue{PlanID: r.PlanID, PlanTitle: r.PlanTitle, RoundID: r.ID, Kind: r.Kind, Stage: r.Stage, DueAt: due}
		for _, c := range st.Commitments {
			if !slices.ContainsFunc(st.Assessments, func(x ogp.CommitmentAssessment) bool { return x.CommitmentID == c.CommitmentID }) {
				a.ToAssess++
			}
		}
		for _, c := range st.Comments {
			if strings.TrimSpace(c.Answer) == "" {
				a.Unanswered++
			}
		}
		switch stage {
		case ogp.StageAssessment, ogp.StageFinalising:
		case ogp.StagePublicComment:
			if a.Unanswered == 0 {
				continue
			}
		default:
			continue
		}
		a.Urgency = instantUrgency(due, now, 3*24*time.Hour)
		assessments = append(assessments, a)
	}
	slices.SortStableFunc(selfs, func(a, b SelfAssessmentDue) int { return compareInstants(a.Urgency, b.Urgency, a.DueAt, b.DueAt) })
	slices.SortStableFunc(assessments, func(a, b AssessmentDue) int { return compareInstants(a.Urgency, b.Urgency, a.DueAt, b.DueAt) })
	return selfs, assessments, nil
}

func compareInstants(ua, ub string, a, b *time.Time) int {
	if c := cmp.Compare(urgencyRank(ua), urgencyRank(ub)); c != 0 {
		return c
	}
	switch {
	case a == nil && b == nil:
		return 0
	case a == nil:
		return 1
	case b == nil:
		return -1
	}
	return a.Compare(*b)
}

// StepRound is one submission of a step for approval, as its
// step_submitted event recorded it.
type StepRound struct {
	Round       int
	Summary     string
	SubmittedBy int64
	SubmittedAt time.Time
	// Approvers are the approvers the submission named.
	Approvers []int64
}

// StepRounds lists the submissions of a plan's step, oldest first, from
// the audit trail (one query).
func (db *DB) StepRounds(ctx context.Context, planID int64, step int) ([]StepRound, error) {
	var evs []AuditEvent
	err := db.Gorm.WithContext(ctx).Where("plan_id = ? AND step_number = ? AND kind = ?", planID, step, ogp.EventStepSubmitted).
		Order("seq").Find(&evs).Error
	if err != nil {
		return nil, dbErr(fmt.Sprintf("rounds of step %d of plan %d", step, planID), err)
	}
	out := make([]StepRound, 0, len(evs))
	for _, e := range evs {
		var p struct {
			Round     int     `json:"round"`
			Summary   string  `json:"summary"`
			Approvers []int64 `json:"approvers"`
		}
		if err := json.Unmarshal([]byte(e.Payload), &p); err != nil {
			return nil, fmt.Errorf("models: step_submitted event %d: %w", e.Seq, err)
		}
		r := StepRound{Round: p.Round, Summary: p.Summary, SubmittedAt: e.OccurredAt, Approvers: p.Approvers}
		if e.ActorID != nil {
			r.SubmittedBy = *e.ActorID
		}
		if r.Approvers == nil {
			r.Approvers = []int64{}
		}
		out = append(out, r)
	}
	return out, nil
}
