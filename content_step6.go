package ogp

// Placeholder for the step6 content; replaced by its implementation.

func checkSupportNetwork(PlanContext, Content) []Violation { return nil }
