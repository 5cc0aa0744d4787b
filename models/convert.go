package models

import (
	"encoding/json"
	"fmt"

	"github.com/ogplocal/ogp"
)

// NewProjection converts a plan's workflow state and new audit events
// into the rows ApplyProjection writes. Event keys join the workflow ID
// and the event's sequence number, which continue-as-new preserves.
func NewProjection(st ogp.PlanState, events []ogp.Event) (Projection, error) {
	p := Projection{
		PlanID:               st.PlanID,
		Version:              st.Version,
		Status:               string(st.Status),
		CurrentStep:          st.CurrentStep,
		ReminderIntervalDays: st.ReminderIntervalDays,
	}
	if st.ReminderPolicy != nil {
		b, err := json.Marshal(*st.ReminderPolicy)
		if err != nil {
			return Projection{}, fmt.Errorf("reminder policy: %w", err)
		}
		p.ReminderPolicy = string(b)
	}
	for _, s := range st.Steps {
		row := Step{PlanID: st.PlanID, Number: s.Number, Key: string(s.Key), Status: string(s.Status),
			StartedAt: s.StartedAt, ApprovedAt: s.ApprovedAt, Round: s.Round, RemindersSent: s.RemindersSent}
		if s.DueOn != "" {
			due := string(s.DueOn)
			row.DueOn = &due
		}
		if sub := s.Submission; sub != nil {
			at, by := sub.SubmittedAt, sub.SubmittedBy
			row.SubmittedAt, row.SubmittedBy, row.Summary = &at, &by, sub.Summary
		}
		p.Steps = append(p.Steps, row)
		for _, d := range s.Decisions {
			p.Decisions = append(p.Decisions, Decision{PlanID: st.PlanID, StepNumber: s.Number, Round: d.Round,
				ApproverID: d.ApproverID, Decision: string(d.Decision), Comment: d.Comment, DecidedAt: d.DecidedAt})
		}
	}
	for _, m := range st.Members {
		roles := make([]string, len(m.Roles))
		for i, r := range m.Roles {
			roles[i] = string(r)
		}
		p.Members = append(p.Members, Membership{PlanID: st.PlanID, UserID: m.UserID, Roles: JoinRoles(roles...), Sector: string(m.Sector)})
	}
	for _, e := range events {
		payload := "{}"
		if len(e.Payload) > 0 {
			b, err := json.Marshal(e.Payload)
			if err != nil {
				return Projection{}, fmt.Errorf("event %d payload: %w", e.Seq, err)
			}
			payload = string(b)
		}
		row := AuditEvent{PlanID: st.PlanID, EventKey: fmt.Sprintf("%s/%d", st.WorkflowID, e.Seq), Seq: e.Seq,
			Kind: e.Kind, Payload: payload, OccurredAt: e.OccurredAt}
		if e.ActorID != 0 {
			actor := e.ActorID
			row.ActorID = &actor
		}
		if e.Step != 0 {
			step := e.Step
			row.StepNumber = &step
		}
		p.Events = append(p.Events, row)
	}
	return p, nil
}
