package ogp

// Placeholder for the step3 content; replaced by its implementation.
type AwarenessActivity struct{}

func checkAwareness(PlanContext, Content) []Violation { return nil }
