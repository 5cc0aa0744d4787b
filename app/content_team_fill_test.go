package app_test

import (
	"fmt"
	"sync"
	"testing"
	"time"
)

// monitors remembers, per stack (its base URL: parallel tests run
// stacks whose plan ids collide) and plan, the token of the
// monitoring-body member fillTeamForumMonitoring created, for the
// assessment rounds of step 10.
var monitors = struct {
	sync.Mutex
	token map[string]string
}{token: map[string]string{}}

// monitorToken is the token of the plan's monitoring-body member on the
// stack at base ("" when step 1 was not filled by fillTeamForumMonitoring).
func monitorToken(base string, planID int64) string {
	monitors.Lock()
	defer monitors.Unlock()
	return monitors.token[fmt.Sprintf("%s/%d", base, planID)]
}

// fillTeamForumMonitoring records a step 1 that passes the gate: Sofia
// (coordinator, government) and Eleni (civil society) on the team, a
// forum with a government and a non-government member and one meeting,
// and Vouliwatch as monitoring body, whose member is a new plan member
// with the monitoring_body role and no place on the team.
func (p people) fillTeamForumMonitoring(t *testing.T, planID int64) {
	t.Helper()
	base := fmt.Sprintf("/api/v1/action-plans/%d", planID)
	c := p.coordinator
	c.do("PUT", fmt.Sprintf("%s/team/%d", base, p.ids["Sofia"]),
		map[string]any{"title": "Open government coordinator", "organisation": "City of Athens"}, 200, nil)
	c.do("PUT", fmt.Sprintf("%s/team/%d", base, p.ids["Eleni"]),
		map[string]any{"title": "Civic technology lead", "organisation": "SciFY"}, 200, nil)

	c.do("PUT", base+"/forum", map[string]any{
		"name":            "Open Government Forum of Athens",
		"is_new":          true,
		"purpose":         "Officials and civil society co-create, follow and review the action plan together.",
		"meeting_cadence": "every two months",
	}, 200, nil)
	c.do("POST", base+"/forum/members", map[string]any{"name": "Maria Georgiou", "organisation": "City of Athens, Digital Governance",
		"sector": "government"}, 201, nil)
	c.do("POST", base+"/forum/members", map[string]any{"name": "Nikos Ioannou", "organisation": "Athens Civil Society Network",
		"sector": "non_government"}, 201, nil)
	yesterday := time.Now().UTC().AddDate(0, 0, -1).Format(time.DateOnly)
	c.do("POST", base+"/forum/meetings", map[string]any{"held_on": yesterday, "agenda": "Forum rules; the team; the monitoring body",
		"minutes": "The forum adopted its rules and agreed to meet every two months.", "attendees": 14}, 201, nil)

	// The monitoring body's member: someone new, independent of the team,
	// created by the administrator (through the coordinator's client, which
	// follows the stack across a restart). The e-mail is unique per call,
	// as users are global to the stack.
	var monitor user
	c.as(adminToken).do("POST", "/api/v1/users", map[string]any{"name": "Vouliwatch Monitor",
		"email": fmt.Sprintf("monitor-%d-%d@vouliwatch.example", planID, time.Now().UnixNano())}, 201, &monitor)
	monitors.Lock()
	monitors.token[fmt.Sprintf("%s/%d", c.base, planID)] = monitor.Token
	monitors.Unlock()
	c.do("PUT", fmt.Sprintf("%s/members/%d", base, monitor.ID), map[string]any{"roles": []string{"monitoring_body"}, "sector": "civil_society"}, 200, nil)
	c.do("PUT", base+"/monitoring-body", map[string]any{"name": "Vouliwatch", "kind": "organisation",
		"independence_statement": "Vouliwatch receives no funding from the City of Athens and none of its people sit on the team."}, 200, nil)
}
