package ogp

import (
	"fmt"
	"strings"
)

// Notification kinds.
const (
	NotificationStepReminder = "step_reminder"
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
