package ogp

// Placeholder for the step5 content; replaced by its implementation.
type Commitment struct{}

func checkSolutions(PlanContext, Content) []Violation { return nil }
