package app_test

import (
	"fmt"
	"testing"
	"time"
)

// roadmapPlanEnd is the end of the plans createPlan makes.
const roadmapPlanEnd = "2028-06-30"

// roadmapFillDates spreads steps 3-10 in order from tomorrow to the
// plan's end. Each end date becomes its step's due date when step 2 is
// approved, and a date already past would fire a reminder, so every date
// is in the future: the tests that count reminders set the past due dates
// they want themselves.
func roadmapFillDates(now time.Time) map[int][2]string {
	first := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC).AddDate(0, 0, 1)
	last, _ := time.Parse(time.DateOnly, roadmapPlanEnd)
	days := int(last.Sub(first).Hours()/24) + 1
	if days < 1 {
		days, first = 1, last
	}
	out := map[int][2]string{}
	for i := range 8 {
		start := first.AddDate(0, 0, i*days/8)
		end := first.AddDate(0, 0, (i+1)*days/8-1)
		if end.Before(start) {
			end = start
		}
		out[i+3] = [2]string{start.Format(time.DateOnly), end.Format(time.DateOnly)}
	}
	return out
}

// fillRoadmap records a roadmap entry for each of steps 3-10.
func (p people) fillRoadmap(t *testing.T, planID int64) {
	t.Helper()
	who := map[int]string{3: "Sofia Papadopoulou, with the communications office", 4: "Sofia Papadopoulou", 5: "Maria Georgiou, Finance Department",
		6: "Sofia Papadopoulou", 7: "Sofia Papadopoulou and Nikos Ioannou", 8: "The Mayor's Office", 9: "Commitment leads", 10: "Sofia Papadopoulou"}
	for n, d := range roadmapFillDates(time.Now().UTC()) {
		p.coordinator.do("PUT", fmt.Sprintf("/api/v1/action-plans/%d/roadmap/%d", planID, n), map[string]any{
			"starts_on": d[0], "ends_on": d[1], "responsible": who[n],
			"stakeholders": "The Athens Open Government Forum; Vouliwatch; neighbourhood councils",
		}, 200, nil)
	}
}
