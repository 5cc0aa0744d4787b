package ogp

import (
	"errors"
	"fmt"
	"reflect"
	"slices"
	"testing"
)

// roadmapPlan is a plan from 2026-01-01 to 2028-06-30.
var roadmapPlan = PlanContext{PlanID: 1, StartsOn: "2026-01-01", EndsOn: "2028-06-30", Today: "2026-03-01"}

// fullRoadmap plans steps 3-10 one quarter each from April 2026.
func fullRoadmap() []RoadmapEntry {
	var out []RoadmapEntry
	for n := RoadmapFirstStep; n <= RoadmapLastStep; n++ {
		q := n - RoadmapFirstStep
		out = append(out, RoadmapEntry{
			Step:         n,
			StartsOn:     Date(fmt.Sprintf("%d-%02d-01", 2026+(3+3*q)/12, (3+3*q)%12+1)),
			EndsOn:       Date(fmt.Sprintf("%d-%02d-28", 2026+(5+3*q)/12, (5+3*q)%12+1)),
			Responsible:  "Sofia Papadopoulou, open government coordinator",
			Stakeholders: "The Open Government Forum; Vouliwatch",
		})
	}
	return out
}

func roadmapCodes(vs []Violation) []string {
	out := make([]string, 0, len(vs))
	for _, v := range vs {
		out = append(out, v.Code+"@"+v.Item)
	}
	return out
}

func TestFullRoadmapIsValid(t *testing.T) {
	r := fullRoadmap()
	if len(r) != 8 || r[7].EndsOn > roadmapPlan.EndsOn {
		t.Fatalf("fixture: %+v", r)
	}
	if vs := CheckStep(2, roadmapPlan, Content{Roadmap: r}); len(vs) != 0 {
		t.Errorf("a complete, valid roadmap has violations: %+v", vs)
	}
}

func TestCheckRoadmap(t *testing.T) {
	with := func(step int, f func(*RoadmapEntry)) []RoadmapEntry {
		r := fullRoadmap()
		f(&r[step-RoadmapFirstStep])
		return r
	}
	without := func(steps ...int) []RoadmapEntry {
		return slices.DeleteFunc(fullRoadmap(), func(e RoadmapEntry) bool { return slices.Contains(steps, e.Step) })
	}
	for _, c := range []struct {
		name    string
		plan    PlanContext
		roadmap []RoadmapEntry
		want    []string
	}{
		{"empty: every step is missing", roadmapPlan, nil, []string{
			"roadmap_entry_missing@roadmap_step:3", "roadmap_entry_missing@roadmap_step:4", "roadmap_entry_missing@roadmap_step:5",
			"roadmap_entry_missing@roadmap_step:6", "roadmap_entry_missing@roadmap_step:7", "roadmap_entry_missing@roadmap_step:8",
			"roadmap_entry_missing@roadmap_step:9", "roadmap_entry_missing@roadmap_step:10"}},
		{"two missing", roadmapPlan, without(4, 10), []string{"roadmap_entry_missing@roadmap_step:4", "roadmap_entry_missing@roadmap_step:10"}},
		{"start before the plan", roadmapPlan, with(3, func(e *RoadmapEntry) { e.StartsOn = "2025-12-31" }), []string{"date_outside_period@roadmap_step:3"}},
		{"end after the plan", roadmapPlan, with(10, func(e *RoadmapEntry) { e.EndsOn = "2028-07-01" }), []string{"date_outside_period@roadmap_step:10"}},
		{"both outside", roadmapPlan, with(5, func(e *RoadmapEntry) { e.StartsOn, e.EndsOn = "2024-01-01", "2030-01-01" }),
			[]string{"date_outside_period@roadmap_step:5", "date_outside_period@roadmap_step:5"}},
		{"on the plan's first and last days", roadmapPlan, with(6, func(e *RoadmapEntry) { e.StartsOn, e.EndsOn = "2026-01-01", "2028-06-30" }), nil},
		{"end before start", roadmapPlan, with(7, func(e *RoadmapEntry) { e.StartsOn, e.EndsOn = "2027-05-02", "2027-05-01" }),
			[]string{"roadmap_end_before_start@roadmap_step:7"}},
		{"one-day step", roadmapPlan, with(7, func(e *RoadmapEntry) { e.StartsOn, e.EndsOn = "2027-05-01", "2027-05-01" }), nil},
		{"malformed date", roadmapPlan, with(8, func(e *RoadmapEntry) { e.EndsOn = "2027-02-30" }), []string{"invalid_date@roadmap_step:8"}},
		{"no responsible", roadmapPlan, with(9, func(e *RoadmapEntry) { e.Responsible = "  " }), []string{"roadmap_responsible_required@roadmap_step:9"}},
		{"no stakeholders", roadmapPlan, with(9, func(e *RoadmapEntry) { e.Stakeholders = "" }), []string{"roadmap_stakeholders_required@roadmap_step:9"}},
		{"an entry for a step the roadmap does not plan", roadmapPlan, append(fullRoadmap(), RoadmapEntry{Step: 2, StartsOn: "2026-02-01", EndsOn: "2026-02-02", Responsible: "x", Stakeholders: "y"}),
			[]string{"unknown_roadmap_step@roadmap_step:2"}},
		// The plan's period may have changed since the roadmap was written:
		// the gate checks again.
		{"plan shortened since", PlanContext{StartsOn: "2026-01-01", EndsOn: "2027-12-31"}, fullRoadmap(), []string{
			"date_outside_period@roadmap_step:10", "date_outside_period@roadmap_step:10"}},
		{"everything at once", roadmapPlan, append(without(3, 4, 5, 6, 7, 8, 9), RoadmapEntry{Step: 10}), []string{
			"roadmap_entry_missing@roadmap_step:3", "roadmap_entry_missing@roadmap_step:4", "roadmap_entry_missing@roadmap_step:5",
			"roadmap_entry_missing@roadmap_step:6", "roadmap_entry_missing@roadmap_step:7", "roadmap_entry_missing@roadmap_step:8",
			"roadmap_entry_missing@roadmap_step:9",
			"invalid_date@roadmap_step:10", "invalid_date@roadmap_step:10",
			"roadmap_responsible_required@roadmap_step:10", "roadmap_stakeholders_required@roadmap_step:10"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			vs := CheckStep(2, c.plan, Content{Roadmap: c.roadmap})
			if got := roadmapCodes(vs); !slices.Equal(got, c.want) && (len(got) != 0 || len(c.want) != 0) {
				t.Errorf("violations %v, want %v", got, c.want)
			}
			for _, v := range vs {
				if v.Message == "" {
					t.Errorf("violation %s has no message", v.Code)
				}
			}
		})
	}
}

func TestValidateRoadmapEntry(t *testing.T) {
	ok := fullRoadmap()[0]
	for _, c := range []struct {
		name       string
		edit       func(*RoadmapEntry)
		kind, code string
	}{
		{"valid", func(*RoadmapEntry) {}, "", ""},
		{"malformed start", func(e *RoadmapEntry) { e.StartsOn = "1 March" }, EInvalid, "invalid_date"},
		// A malformed date is bad input even when other rules fail too.
		{"malformed end and no responsible", func(e *RoadmapEntry) { e.EndsOn, e.Responsible = "2027-13-01", "" }, EInvalid, "invalid_date"},
		{"outside the period", func(e *RoadmapEntry) { e.EndsOn = "2029-01-01" }, EUnprocessable, "date_outside_period"},
		{"end before start", func(e *RoadmapEntry) { e.EndsOn = "2026-03-31" }, EUnprocessable, "roadmap_end_before_start"},
		{"no responsible", func(e *RoadmapEntry) { e.Responsible = "" }, EUnprocessable, "roadmap_responsible_required"},
		{"no stakeholders", func(e *RoadmapEntry) { e.Stakeholders = "\n" }, EUnprocessable, "roadmap_stakeholders_required"},
		{"responsible too long", func(e *RoadmapEntry) { e.Responsible = string(make([]byte, MaxRoadmapResponsibleLen+1)) + "x" }, EUnprocessable, "roadmap_responsible_too_long"},
		{"stakeholders too long", func(e *RoadmapEntry) {
			e.Stakeholders = fmt.Sprintf("%0*d", MaxRoadmapStakeholdersLen+1, 0)
		}, EUnprocessable, "roadmap_stakeholders_too_long"},
		{"step 2", func(e *RoadmapEntry) { e.Step = 2 }, EUnprocessable, "unknown_roadmap_step"},
	} {
		t.Run(c.name, func(t *testing.T) {
			e := ok
			c.edit(&e)
			err := ValidateRoadmapEntry(e, roadmapPlan.StartsOn, roadmapPlan.EndsOn)
			if c.code == "" {
				if err != nil {
					t.Errorf("refused: %v", err)
				}
				return
			}
			var de *Error
			if !errors.As(err, &de) || de.Kind != c.kind || de.Code != c.code || de.Message == "" {
				t.Errorf("error %#v, want %s %s", err, c.kind, c.code)
			}
		})
	}
}

func TestRoadmapDueDates(t *testing.T) {
	r := fullRoadmap()
	slices.Reverse(r)
	got := RoadmapDueDates(Content{Roadmap: r})
	var want []StepDue
	for _, e := range fullRoadmap() {
		want = append(want, StepDue{Step: e.Step, DueOn: e.EndsOn})
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("due dates %+v, want %+v", got, want)
	}
	if got := RoadmapDueDates(Content{}); len(got) != 0 {
		t.Errorf("no roadmap, due dates %+v", got)
	}
	// Only the steps the roadmap plans get a due date from it.
	if got := RoadmapDueDates(Content{Roadmap: []RoadmapEntry{{Step: 1, EndsOn: "2026-02-01"}, {Step: 4, EndsOn: "2026-09-30"}}}); !reflect.DeepEqual(got, []StepDue{{4, "2026-09-30"}}) {
		t.Errorf("due dates %+v", got)
	}
}

func TestRoadmapStepsAndItems(t *testing.T) {
	for n := 0; n <= 11; n++ {
		if got, want := IsRoadmapStep(n), n >= 3 && n <= 10; got != want {
			t.Errorf("IsRoadmapStep(%d) = %v", n, got)
		}
	}
	if RoadmapItem(10) != "roadmap_step:10" {
		t.Errorf("RoadmapItem(10) = %q", RoadmapItem(10))
	}
}
