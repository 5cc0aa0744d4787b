package app_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3filter"

	"github.com/ogplocal/ogp/models/modelstest"
)

func init() {
	// client.do validates every answer against the OpenAPI document; the
	// calendar feeds are text.
	openapi3filter.RegisterBodyDecoder("text/calendar", openapi3filter.PlainBodyDecoder)
}

// TestSettingsAndCalendarsSQLite sets a short reminder policy through the
// settings route, then subscribes to the plan's public feed and to each
// person's secret feed, and resets one.
func TestSettingsAndCalendarsSQLite(t *testing.T) {
	t.Parallel()
	settingsAndCalendars(t, "")
}

// TestSettingsAndCalendarsPostgres is the same on PostgreSQL.
func TestSettingsAndCalendarsPostgres(t *testing.T) {
	t.Parallel()
	settingsAndCalendars(t, modelstest.PostgresURL(t))
}

type reminderPolicyView struct {
	Before           []string `json:"before"`
	OnDue            bool     `json:"on_due"`
	OverdueEvery     string   `json:"overdue_every"`
	CoordinatorAfter int      `json:"coordinator_after"`
	ForumAfter       int      `json:"forum_after"`
}

func settingsAndCalendars(t *testing.T, databaseURL string) {
	st := startDev(t, stackConfig(t, t.TempDir(), databaseURL))
	defer st.Stop(context.Background())
	admin := newClient(t, st, adminToken)
	anon := admin.as("")
	p := cast(t, admin)
	now := time.Now().UTC()
	id := p.createPlan(t, now.AddDate(-1, 0, 0).Format(time.DateOnly))
	base := fmt.Sprintf("/api/v1/action-plans/%d", id)

	// --- the reminder policy, a plan setting
	var detail struct {
		ReminderIntervalDays int                 `json:"reminder_interval_days"`
		ReminderPolicy       *reminderPolicyView `json:"reminder_policy"`
	}
	anon.do("GET", base, nil, 200, &detail)
	if detail.ReminderPolicy != nil || detail.ReminderIntervalDays != 7 {
		t.Fatalf("a new plan: interval %d, policy %+v; want 7 and null (the default)", detail.ReminderIntervalDays, detail.ReminderPolicy)
	}
	var state struct {
		ReminderIntervalDays int                 `json:"reminder_interval_days"`
		ReminderPolicy       *reminderPolicyView `json:"reminder_policy"`
	}
	short := map[string]any{"before": []string{"90s", "1h"}, "on_due": true, "overdue_every": "2m", "coordinator_after": 1}
	// The interval may be left out when a policy is sent: it stays as it is.
	p.coordinator.do("PUT", base+"/settings", map[string]any{"reminder_policy": short}, 200, &state)
	want := reminderPolicyView{Before: []string{"1m30s", "1h0m0s"}, OnDue: true, OverdueEvery: "2m0s", CoordinatorAfter: 1}
	if state.ReminderIntervalDays != 7 || state.ReminderPolicy == nil || fmt.Sprint(*state.ReminderPolicy) != fmt.Sprint(want) {
		t.Fatalf("after setting the policy the workflow answers interval %d, policy %+v; want 7 and %+v", state.ReminderIntervalDays, state.ReminderPolicy, want)
	}
	anon.do("GET", base, nil, 200, &detail)
	if detail.ReminderPolicy == nil || fmt.Sprint(*detail.ReminderPolicy) != fmt.Sprint(want) {
		t.Fatalf("GET plan shows policy %+v, want %+v", detail.ReminderPolicy, want)
	}
	// The interval alone still works, and leaves the policy alone.
	p.coordinator.do("PUT", base+"/settings", map[string]any{"reminder_interval_days": 3}, 200, &state)
	if state.ReminderIntervalDays != 3 || state.ReminderPolicy == nil {
		t.Fatalf("after setting the interval: %d, policy %+v", state.ReminderIntervalDays, state.ReminderPolicy)
	}
	p.coordinator.problem("PUT", base+"/settings", map[string]any{}, 422, "invalid_reminder_interval")
	p.coordinator.problem("PUT", base+"/settings", map[string]any{"reminder_policy": map[string]any{"overdue_every": "soon"}}, 400, "invalid_duration")
	p.coordinator.problem("PUT", base+"/settings", map[string]any{"reminder_policy": map[string]any{"before": []string{"3d"}}}, 400, "invalid_duration")
	p.coordinator.problem("PUT", base+"/settings", map[string]any{"reminder_policy": map[string]any{"overdue_every": "10s"}}, 422, "invalid_reminder_policy")
	p.coordinator.problem("PUT", base+"/settings", map[string]any{"reminder_policy": map[string]any{"before": []string{"-1h"}}}, 422, "invalid_reminder_policy")
	p.coordinator.problem("PUT", base+"/settings", map[string]any{"reminder_policy": map[string]any{"every": "1h"}}, 400, "unknown_field")
	p.contributor.problem("PUT", base+"/settings", map[string]any{"reminder_policy": short}, 403, "not_coordinator")

	// --- content with due dates: the roadmap's (steps 3-10) and the
	// milestones'; Eleni leads the first commitment.
	for n := 1; n <= 4; n++ {
		p.approve(t, id, n)
	}
	p.fillStep(t, id, 5)
	var list struct {
		Items []map[string]any `json:"items"`
	}
	anon.do("GET", base+"/commitments", nil, 200, &list)
	first := list.Items[0]
	body := map[string]any{"lead_user_id": p.ids["Eleni"]}
	for _, k := range []string{"problem_id", "title", "starts_on", "ends_on", "lead_agency", "problem_statement", "status_quo",
		"objective", "how_it_solves", "values", "additional_info"} {
		body[k] = first[k]
	}
	p.coordinator.do("PUT", fmt.Sprintf("%s/commitments/%d", base, int64(first["id"].(float64))), body, 200, nil)
	p.submitApprove(t, id, 5)
	p.approve(t, id, 6) // support networks with private contacts

	// --- the plan's public feed
	feed := string(anon.do("GET", base+"/calendar.ics", nil, 200, nil))
	resp, err := http.Get(admin.base + base + "/calendar.ics")
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); ct != "text/calendar; charset=utf-8" {
		t.Errorf("Content-Type %q", ct)
	}
	milestones := 0
	for _, c := range list.Items {
		milestones += len(c["milestones"].([]any))
	}
	if n := strings.Count(feed, "BEGIN:VEVENT"); n != 8+milestones {
		t.Errorf("the plan feed has %d events, want 8 step due dates and %d milestones:\n%s", n, milestones, feed)
	}
	for _, s := range []string{"BEGIN:VCALENDAR\r\n", fmt.Sprintf("UID:plan-%d-step-3@ogp-local", id), "DTSTART;VALUE=DATE:", "UID:milestone-",
		"SUMMARY:milestone due: Design and pilot", "END:VCALENDAR\r\n"} {
		if !strings.Contains(feed, s) {
			t.Errorf("the plan feed lacks %q:\n%s", s, feed)
		}
	}
	// Nothing private: no e-mail address, no network contact.
	for _, s := range []string{"@example.org", "athens.example", "vouliwatch.example", "contact"} {
		if strings.Contains(feed, s) {
			t.Errorf("the public plan feed contains %q:\n%s", s, feed)
		}
	}
	anon.problem("GET", "/api/v1/action-plans/999999/calendar.ics", nil, 404, "unknown_plan")

	// --- personal feeds behind a secret URL
	var sub struct {
		URL string `json:"url"`
	}
	anon.problem("GET", "/api/v1/me/calendar", nil, 401, "unauthorized")
	p.contributor.do("GET", "/api/v1/me/calendar", nil, 200, &sub)
	eleniURL := sub.URL
	p.contributor.do("GET", "/api/v1/me/calendar", nil, 200, &sub)
	if sub.URL != eleniURL || !strings.HasPrefix(eleniURL, admin.base+"/api/v1/calendar/") || !strings.HasSuffix(eleniURL, ".ics") {
		t.Fatalf("Eleni's feed URL %q then %q: want one stable URL under %s/api/v1/calendar/", eleniURL, sub.URL, admin.base)
	}
	path := func(u string) string {
		pu, err := url.Parse(u)
		if err != nil {
			t.Fatal(err)
		}
		return pu.Path
	}
	// Eleni leads a commitment: its milestones, no step (she neither
	// coordinates nor approves).
	eleni := string(anon.do("GET", path(eleniURL), nil, 200, nil))
	if n := strings.Count(eleni, "UID:milestone-"); n != len(first["milestones"].([]any)) || strings.Contains(eleni, "-step-") {
		t.Errorf("Eleni's feed: %d milestones (want %d) and no step:\n%s", n, len(first["milestones"].([]any)), eleni)
	}
	// Maria approves: every step due date, no milestone.
	p.gov.do("GET", "/api/v1/me/calendar", nil, 200, &sub)
	maria := string(anon.do("GET", path(sub.URL), nil, 200, nil))
	if strings.Count(maria, "-step-") != 8 || strings.Contains(maria, "UID:milestone-") || !strings.Contains(maria, "SUMMARY:Open Athens 2027: step 3 due") {
		t.Errorf("Maria's feed, want the 8 steps of the plan she approves:\n%s", maria)
	}
	// Reset: a new URL; the old one is gone.
	p.contributor.do("POST", "/api/v1/me/calendar/reset", nil, 200, &sub)
	if sub.URL == eleniURL {
		t.Fatal("reset kept the same URL")
	}
	anon.problem("GET", path(eleniURL), nil, 404, "unknown_calendar")
	if again := string(anon.do("GET", path(sub.URL), nil, 200, nil)); strings.Count(again, "UID:milestone-") != len(first["milestones"].([]any)) {
		t.Errorf("the new URL serves %s", again)
	}
	anon.problem("GET", "/api/v1/calendar/not-a-token.ics", nil, 404, "unknown_calendar")
	anon.problem("GET", "/api/v1/calendar/"+strings.TrimSuffix(strings.TrimPrefix(path(sub.URL), "/api/v1/calendar/"), ".ics")+".txt", nil, 404, "unknown_calendar")
}
