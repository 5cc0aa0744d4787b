package app_test

import (
	"fmt"
	"testing"
	"time"
)

// fillAwareness records a step 3 that passes the gate: an awareness
// activity held yesterday (so it has taken place whatever the time of
// day the gate runs).
func (p people) fillAwareness(t *testing.T, planID int64) {
	t.Helper()
	yesterday := time.Now().UTC().AddDate(0, 0, -1).Format(time.DateOnly)
	p.coordinator.do("POST", fmt.Sprintf("/api/v1/action-plans/%d/awareness", planID), map[string]any{
		"kind":         "event",
		"held_on":      yesterday,
		"audience":     "Residents of the seven districts",
		"description":  "Open day at City Hall: what open government is and how to take part in the action plan.",
		"reach":        240,
		"evidence_url": "https://athens.example/open-day",
	}, 201, nil)
}
