package ogp

// Placeholder for the step2 content; replaced by its implementation.
type RoadmapEntry struct{}

func checkRoadmap(PlanContext, Content) []Violation { return nil }

// RoadmapDueDates is each roadmap entry's end date as its step's due date.
func RoadmapDueDates(Content) []StepDue { return nil }
