package ogp

import (
	"fmt"
	"strings"
)

// Notification kinds.
const (
	NotificationStepReminder        = "step_reminder"
	NotificationDecisionNeeded      = "decision_needed"
	NotificationChangesRequested    = "changes_requested"
	NotificationStepApproved        = "step_approved"
	NotificationReturned            = "submission_returned"
	NotificationImplementationEnded = "implementation_ended"
)

// Notification is a message to one person. DedupKey identifies the
// occasion, so sending the same occasion twice reaches nobody twice.
type Notification struct {
	UserID   int64  `json:"user_id"`
	PlanID   int64  `json:"plan_id"`
	Step     int    `json:"step,omitempty"`
	Kind     string `json:"kind"`
	Subject  string `json:"subject"`
	Body     string `json:"body"`
	DedupKey string `json:"dedup_key"`
}

// ReminderNotifications words a step reminder for each recipient.
func ReminderNotifications(s *PlanState, r Reminder) []Notification {
	st := s.Step(r.Step)
	key := fmt.Sprintf("%s/step/%d/due/%d/reminder/%d", s.WorkflowID, r.Step, r.DueVersion, r.Number)
	var subject, body string
	if r.AwaitingApproval {
		subject = fmt.Sprintf("%s: your decision on step %d is overdue", s.Title, r.Step)
		body = fmt.Sprintf("Step %d (%s) of the action plan %q was due on %s and is waiting for your decision. "+
			"Please approve it or request changes.", r.Step, st.Title, s.Title, r.DueOn)
	} else {
		subject = fmt.Sprintf("%s: step %d is overdue", s.Title, r.Step)
		body = fmt.Sprintf("Step %d (%s) of the action plan %q was due on %s and has not been submitted for approval. "+
			"Submit it, or set a new due date.", r.Step, st.Title, s.Title, r.DueOn)
	}
	if r.Number > 1 {
		subject += fmt.Sprintf(" (reminder %d)", r.Number)
	}
	out := make([]Notification, 0, len(r.Recipients))
	for _, id := range r.Recipients {
		out = append(out, Notification{UserID: id, PlanID: s.PlanID, Step: r.Step, Kind: NotificationStepReminder,
			Subject: strings.TrimSpace(subject), Body: body, DedupKey: key})
	}
	return out
}

// EventNotifications words what people must hear about the given events:
// approvers when a step awaits their decision, coordinators when changes
// are requested, a step is approved, or a submission comes back. Each is
// keyed by the event, so a retried delivery reaches nobody twice.
func EventNotifications(s *PlanState, events []Event) []Notification {
	var out []Notification
	add := func(e Event, to []int64, kind, subject, body string) {
		key := fmt.Sprintf("%s/event/%d", s.WorkflowID, e.Seq)
		for _, id := range to {
			out = append(out, Notification{UserID: id, PlanID: s.PlanID, Step: e.Step, Kind: kind, Subject: subject, Body: body, DedupKey: key})
		}
	}
	for _, e := range events {
		st := s.Step(e.Step)
		if st == nil {
			continue
		}
		switch e.Kind {
		case EventStepSubmitted:
			if st.Submission == nil {
				continue
			}
			due := ""
			if st.DueOn != "" {
				due = fmt.Sprintf(" The step is due on %s.", st.DueOn)
			}
			add(e, st.Submission.Approvers, NotificationDecisionNeeded,
				fmt.Sprintf("%s: step %d is waiting for your decision", s.Title, e.Step),
				fmt.Sprintf("Step %d (%s) of the action plan %q was submitted for approval:\n\n%s\n\nApprove it or request changes.%s",
					e.Step, st.Title, s.Title, excerpt(st.Submission.Summary, 500), due))
		case EventChangesRequested:
			comment, _ := e.Payload["comment"].(string)
			add(e, s.MembersWith(RoleCoordinator), NotificationChangesRequested,
				fmt.Sprintf("%s: changes requested on step %d", s.Title, e.Step),
				fmt.Sprintf("An approver asked for changes to step %d (%s):\n\n%s\n\nRevise the step and submit it again.", e.Step, st.Title, excerpt(comment, 2000)))
		case EventStepApproved:
			next := "The action plan is complete."
			if n := s.Step(e.Step + 1); n != nil {
				next = fmt.Sprintf("Step %d (%s) has started.", n.Number, n.Title)
			}
			add(e, s.MembersWith(RoleCoordinator), NotificationStepApproved,
				fmt.Sprintf("%s: step %d approved", s.Title, e.Step),
				fmt.Sprintf("Every approver approved step %d (%s). %s", e.Step, st.Title, next))
		case EventImplementationEnded:
			add(e, s.MembersWith(RoleCoordinator), NotificationImplementationEnded,
				fmt.Sprintf("%s: the plan's period has ended", s.Title),
				fmt.Sprintf("The action plan %q ended on %s. Step 9 (%s) can now be submitted for approval, with the commitments as they stand.",
					s.Title, s.EndsOn, st.Title))
		case EventSubmissionReturned:
			add(e, s.MembersWith(RoleCoordinator), NotificationReturned,
				fmt.Sprintf("%s: step %d came back without a decision", s.Title, e.Step),
				fmt.Sprintf("No approver is left to decide on step %d (%s). Add an approver and submit it again.", e.Step, st.Title))
		}
	}
	return out
}

// excerpt shortens text to at most n runes for a message.
func excerpt(text string, n int) string {
	r := []rune(strings.TrimSpace(text))
	if len(r) <= n {
		return string(r)
	}
	return string(r[:n]) + "…"
}
