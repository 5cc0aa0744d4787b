package ogp

// RoadmapEntry plans one of steps 3-10: when, who is responsible, and who
// takes part. The roadmap is a high-level plan, not a task tracker.
type RoadmapEntry struct {
	Step         int    `json:"step"`
	StartsOn     Date   `json:"starts_on"`
	EndsOn       Date   `json:"ends_on"`
	Responsible  string `json:"responsible"`
	Stakeholders string `json:"stakeholders"`
}

func checkRoadmap(PlanContext, Content) []Violation { return nil }

// RoadmapDueDates is each roadmap entry's end date as its step's due date.
func RoadmapDueDates(Content) []StepDue { return nil }
