package server

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ogplocal/ogp/models"
)

// TestPlanCalendarGolden renders a plan's feed: steps and milestones as
// all-day events, titles escaped, long lines folded. go test -update
// rewrites testdata/plan_calendar.ics.
func TestPlanCalendarGolden(t *testing.T) {
	items := []models.CalendarItem{
		{PlanID: 7, PlanTitle: "Open Athens, 2026-2028", StepNumber: 3, DueOn: "2026-12-20"},
		{PlanID: 7, PlanTitle: "Open Athens, 2026-2028", StepNumber: 10, DueOn: "2028-06-30"},
		{PlanID: 7, PlanTitle: "Open Athens, 2026-2028", MilestoneID: 12, CommitmentNumber: 1, CommitmentTitle: "Open budget; month by month",
			Title: "Pilot", DueOn: "2027-06-30"},
		{PlanID: 7, PlanTitle: "Open Athens, 2026-2028", MilestoneID: 13, CommitmentNumber: 1, CommitmentTitle: "Open budget; month by month",
			Title: "City-wide: every district (Κυψέλη, Πατήσια\\Άνω) with a long title that needs folding", DueOn: "2028-06-15"},
		{PlanID: 7, PlanTitle: "Open Athens, 2026-2028", MilestoneID: 14, Title: "Broken date", DueOn: "2028-13-01"},
	}
	got := buildCalendar("Open Athens, 2026-2028", items, "https://ogp.example/api/v1", false).
		Encode(time.Date(2027, 2, 3, 4, 5, 6, 0, time.UTC))
	path := filepath.Join("testdata", "plan_calendar.ics")
	if *updateGolden {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if string(got) != string(want) {
		t.Errorf("plan feed differs from %s (go test -update rewrites it):\n%s", path, got)
	}
	for i, l := range strings.Split(strings.TrimSuffix(string(got), "\r\n"), "\r\n") {
		if len(l) > 75 || strings.Contains(l, "\n") {
			t.Errorf("line %d is not a folded content line: %q", i, l)
		}
	}
	if n := strings.Count(string(got), "BEGIN:VEVENT"); n != 4 {
		t.Errorf("%d events, want 4 (the unparsable date left out)", n)
	}
}
