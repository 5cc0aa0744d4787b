package timeline_test

import (
	"fmt"
	"html/template"
	"time"

	ogp "github.com/ogplocal/ogp"
	"github.com/ogplocal/ogp/web/timeline"
)

// A commitment page turns the commitment's state (as of now) into chart
// rows; the words come from the message catalog (here, fixed strings).
func ExampleRender() {
	now := time.Date(2027, 3, 10, 12, 0, 0, 0, time.UTC)
	done := time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC)
	s := ogp.CommitmentState{Status: ogp.CommitmentActive, Milestones: []ogp.MilestoneState{
		{Title: "Publish the data standard", StartsOn: "2026-09-01", DueOn: "2026-12-15", Status: ogp.MilestoneCompleted, Percent: 100, CompletedAt: &done},
		{Title: "Launch the contracts portal", StartsOn: "2026-11-15", DueOn: "2027-02-28", Status: ogp.MilestoneInProgress, Percent: 60},
	}}.At(now)
	label := map[timeline.Status]string{timeline.StatusCompleted: "Completed", timeline.StatusOverdue: "Overdue"} // w.T(c, "status.milestone."+...)

	var rows []timeline.Milestone
	for _, m := range s.Milestones {
		st := timeline.StatusFor(string(m.Status), string(m.Schedule), s.Status == ogp.CommitmentWithdrawn)
		rows = append(rows, timeline.Milestone{Title: m.Title, Start: m.StartsOn.Time(), Due: m.DueOn.Time(), Completed: m.CompletedAt,
			Status: st, StatusLabel: label[st], CompletionPercent: m.Percent})
	}
	chart := timeline.Render(rows, now, timeline.Labels{
		Title: "Milestones of commitment 2", Description: "From planned start to due date.", Today: "Today",
		DateFormat: func(t time.Time) string { return t.Format("2 Jan 2006") },
	})
	_ = template.HTML(chart) // put it in the page data: {{with .Page.Chart}}{{.}}{{else}}<p>{{t "..."}}</p>{{end}}
	fmt.Println(rows[0].Status, rows[1].Status)
	// Output: completed overdue
}
