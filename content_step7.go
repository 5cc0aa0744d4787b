package ogp

import (
	"strings"
	"unicode/utf8"
)

// StrategicVision is the narrative that aligns the commitments under one
// vision (step 7).
type StrategicVision struct {
	Text string `json:"text"`
}

// MaxVisionLen bounds the strategic vision: a narrative of a few pages.
const MaxVisionLen = 20000

// ValidateVision checks a strategic vision before it is written.
func ValidateVision(text string) error {
	switch t := strings.TrimSpace(text); {
	case t == "":
		return Errorf(EUnprocessable, "vision_required", "the strategic vision's text is required")
	case utf8.RuneCountInString(t) > MaxVisionLen:
		return Errorf(EUnprocessable, "vision_too_long", "the strategic vision is longer than %d characters", MaxVisionLen)
	}
	return nil
}

// commitmentTemplateCheck is the commitment template check that step 7's
// gate runs on every commitment: the same one as step 5's gate, so a
// commitment passes or fails the same way in both. A variable so that
// tests can see the draft rules on their own.
var commitmentTemplateCheck = CommitmentTemplateViolations

// checkDraft is step 7's gate: the plan has a strategic vision and
// commitments, each of which passes the template check, so what step 8
// validates reads as a complete OGP Local action plan.
func checkDraft(p PlanContext, c Content) []Violation {
	var vs []Violation
	if c.Vision == nil || strings.TrimSpace(c.Vision.Text) == "" {
		vs = append(vs, Violationf("vision_missing", "", "the plan has no strategic vision: write the narrative that aligns its commitments"))
	}
	if len(c.Commitments) == 0 {
		vs = append(vs, Violationf("commitments_missing", "", "the plan has no commitments to draft"))
	}
	for _, cm := range c.Commitments {
		vs = append(vs, commitmentTemplateCheck(cm, p)...)
	}
	return vs
}
