package ogp

// Placeholder for the step4 content; replaced by its implementation.
type Problem struct{}

func checkOpportunityAreas(PlanContext, Content) []Violation { return nil }
