package ogp

// Placeholder for the step7 content; replaced by its implementation.
type StrategicVision struct{}

func checkDraft(PlanContext, Content) []Violation { return nil }
