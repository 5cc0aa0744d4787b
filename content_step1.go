package ogp

// Placeholder for the step1 content; replaced by its implementation.
type TeamMember struct{}
type Forum struct{}
type MonitoringBody struct{}

func checkTeamForumMonitoring(PlanContext, Content) []Violation { return nil }
