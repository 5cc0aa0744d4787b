package app_test

import (
	"fmt"
	"testing"
)

// visionFillText is the strategic vision fillVision records.
const visionFillText = "By 2028 every Athenian can see how the city spends, decides and delivers, and has a say in it.\n\n" +
	"The commitments open the budget and public contracts, and let residents shape the public spaces they use."

// fillVision records the plan's strategic vision.
func (p people) fillVision(t *testing.T, planID int64) {
	t.Helper()
	p.coordinator.do("PUT", fmt.Sprintf("/api/v1/action-plans/%d/vision", planID), map[string]any{"text": visionFillText}, 200, nil)
}
