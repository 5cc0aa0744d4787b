package ogp

// StrategicVision is the narrative that aligns the commitments under one
// vision (step 7).
type StrategicVision struct {
	Text string `json:"text"`
}

func checkDraft(PlanContext, Content) []Violation { return nil }
