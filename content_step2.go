package ogp

import (
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// RoadmapEntry plans one of steps 3-10: when, who is responsible, and who
// takes part. The roadmap is a high-level plan, not a task tracker.
type RoadmapEntry struct {
	Step         int    `json:"step"`
	StartsOn     Date   `json:"starts_on"`
	EndsOn       Date   `json:"ends_on"`
	Responsible  string `json:"responsible"`
	Stakeholders string `json:"stakeholders"`
}

// The roadmap plans the steps after its own: the rest of co-creation,
// implementation and learning.
const (
	RoadmapFirstStep = 3
	RoadmapLastStep  = StepCount
)

// Limits on a roadmap entry's free text: a roadmap names people and
// groups, it does not describe the work.
const (
	MaxRoadmapResponsibleLen  = 300
	MaxRoadmapStakeholdersLen = 2000
)

// IsRoadmapStep says whether the roadmap has an entry for step n.
func IsRoadmapStep(n int) bool { return n >= RoadmapFirstStep && n <= RoadmapLastStep }

// RoadmapEntryViolations lists what is wrong with one entry in a plan
// running from startsOn to endsOn: the same rules hold when the entry is
// written and when the roadmap is submitted, so content recorded before a
// rule changed is still caught at the gate.
func RoadmapEntryViolations(e RoadmapEntry, startsOn, endsOn Date) []Violation {
	item := RoadmapItem(e.Step)
	var vs []Violation
	if !IsRoadmapStep(e.Step) {
		vs = append(vs, Violationf("unknown_roadmap_step", item, "the roadmap plans steps %d to %d, not step %d", RoadmapFirstStep, RoadmapLastStep, e.Step))
	}
	datesValid := true
	for _, d := range []struct {
		name string
		on   Date
	}{{"starts_on", e.StartsOn}, {"ends_on", e.EndsOn}} {
		if _, err := ParseDate(string(d.on)); err != nil {
			datesValid = false
			vs = append(vs, Violationf("invalid_date", item, "step %d: %s %q is not a date in YYYY-MM-DD form", e.Step, d.name, d.on))
			continue
		}
		if d.on < startsOn || d.on > endsOn {
			vs = append(vs, Violationf("date_outside_period", item, "step %d: %s %s is outside the plan's period %s to %s", e.Step, d.name, d.on, startsOn, endsOn))
		}
	}
	if datesValid && e.EndsOn < e.StartsOn {
		vs = append(vs, Violationf("roadmap_end_before_start", item, "step %d: the end (%s) is before the start (%s)", e.Step, e.EndsOn, e.StartsOn))
	}
	if strings.TrimSpace(e.Responsible) == "" {
		vs = append(vs, Violationf("roadmap_responsible_required", item, "step %d: name the person responsible", e.Step))
	} else if utf8.RuneCountInString(e.Responsible) > MaxRoadmapResponsibleLen {
		vs = append(vs, Violationf("roadmap_responsible_too_long", item, "step %d: responsible is longer than %d characters", e.Step, MaxRoadmapResponsibleLen))
	}
	if strings.TrimSpace(e.Stakeholders) == "" {
		vs = append(vs, Violationf("roadmap_stakeholders_required", item, "step %d: name the stakeholders involved", e.Step))
	} else if utf8.RuneCountInString(e.Stakeholders) > MaxRoadmapStakeholdersLen {
		vs = append(vs, Violationf("roadmap_stakeholders_too_long", item, "step %d: stakeholders is longer than %d characters", e.Step, MaxRoadmapStakeholdersLen))
	}
	return vs
}

// ValidateRoadmapEntry checks an entry before it is written: a malformed
// date is bad input (400 invalid_date); any other broken rule is 422 with
// the first rule's code, and the message lists them all.
func ValidateRoadmapEntry(e RoadmapEntry, startsOn, endsOn Date) error {
	vs := RoadmapEntryViolations(e, startsOn, endsOn)
	if len(vs) == 0 {
		return nil
	}
	if i := slices.IndexFunc(vs, func(v Violation) bool { return v.Code == "invalid_date" }); i >= 0 {
		return Errorf(EInvalid, "invalid_date", "%s", vs[i].Message)
	}
	msgs := make([]string, len(vs))
	for i, v := range vs {
		msgs[i] = v.Message
	}
	return Errorf(EUnprocessable, vs[0].Code, "%s", strings.Join(msgs, "; "))
}

// RoadmapItem names a roadmap entry in a violation.
func RoadmapItem(step int) string { return "roadmap_step:" + strconv.Itoa(step) }

// checkRoadmap is step 2's gate: an entry for each of steps 3-10, each
// one valid in the plan's period.
func checkRoadmap(p PlanContext, c Content) []Violation {
	byStep := map[int]RoadmapEntry{}
	var vs []Violation
	for _, e := range c.Roadmap {
		if !IsRoadmapStep(e.Step) {
			vs = append(vs, Violationf("unknown_roadmap_step", RoadmapItem(e.Step), "the roadmap plans steps %d to %d, not step %d", RoadmapFirstStep, RoadmapLastStep, e.Step))
			continue
		}
		byStep[e.Step] = e
	}
	for n := RoadmapFirstStep; n <= RoadmapLastStep; n++ {
		e, ok := byStep[n]
		if !ok {
			def, _ := StepByNumber(n)
			vs = append(vs, Violationf("roadmap_entry_missing", RoadmapItem(n), "the roadmap has no entry for step %d (%s)", n, def.Title))
			continue
		}
		vs = append(vs, RoadmapEntryViolations(e, p.StartsOn, p.EndsOn)...)
	}
	return vs
}

// RoadmapDueDates is each roadmap entry's end date as its step's due
// date, by step: when step 2 is approved the workflow sets them, so the
// deadline timers and reminders run on the roadmap.
func RoadmapDueDates(c Content) []StepDue {
	out := make([]StepDue, 0, len(c.Roadmap))
	for _, e := range c.Roadmap {
		if IsRoadmapStep(e.Step) && e.EndsOn != "" {
			out = append(out, StepDue{Step: e.Step, DueOn: e.EndsOn})
		}
	}
	slices.SortStableFunc(out, func(a, b StepDue) int { return a.Step - b.Step })
	return slices.CompactFunc(out, func(a, b StepDue) bool { return a.Step == b.Step })
}
