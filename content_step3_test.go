package ogp

import (
	"strings"
	"testing"
)

func TestCheckAwareness(t *testing.T) {
	p := PlanContext{PlanID: 1, StartsOn: "2026-01-01", EndsOn: "2028-06-30", Today: "2026-03-01"}
	held := func(dates ...Date) Content {
		var c Content
		for i, d := range dates {
			c.Awareness = append(c.Awareness, AwarenessActivity{ID: int64(i + 1), Kind: AwarenessEvent, HeldOn: d, Audience: "Residents", Description: "Open day"})
		}
		return c
	}
	for _, tc := range []struct {
		name string
		c    Content
		want []Violation
	}{
		{"none", held(), []Violation{{Code: "awareness_needs_past_activity"}}},
		{"only planned", held("2026-03-02", "2027-01-01"), []Violation{{Code: "awareness_needs_past_activity"}}},
		{"held today", held("2026-03-01"), nil},
		{"held in the past among planned ones", held("2027-01-01", "2026-01-15"), nil},
	} {
		t.Run(tc.name, func(t *testing.T) { teamAssertViolations(t, CheckStep(3, p, tc.c), tc.want) })
	}
}

func TestNormalizeAwarenessActivity(t *testing.T) {
	const starts, ends = Date("2026-01-01"), Date("2028-06-30")
	ok := AwarenessActivity{Kind: AwarenessCampaign, HeldOn: "2026-02-01", Audience: " Residents ", Description: " Posters in every district ", Reach: 5000}
	a, err := NormalizeAwarenessActivity(ok, starts, ends)
	if err != nil || a.Audience != "Residents" || a.Description != "Posters in every district" {
		t.Errorf("got %+v, %v", a, err)
	}
	for _, tc := range []struct {
		name       string
		mod        func(*AwarenessActivity)
		kind, code string
	}{
		{"planned ahead", func(a *AwarenessActivity) { a.HeldOn = "2028-06-30" }, "", ""},
		{"first day", func(a *AwarenessActivity) { a.HeldOn = starts }, "", ""},
		{"nobody reached yet", func(a *AwarenessActivity) { a.Reach = 0 }, "", ""},
		{"with evidence", func(a *AwarenessActivity) { a.EvidenceURL = " https://athens.example/open-day " }, "", ""},
		{"unknown kind", func(a *AwarenessActivity) { a.Kind = "podcast" }, EInvalid, "invalid_awareness_kind"},
		{"not a date", func(a *AwarenessActivity) { a.HeldOn = "2026-02-30" }, EInvalid, "invalid_date"},
		{"before the plan", func(a *AwarenessActivity) { a.HeldOn = "2025-12-31" }, EUnprocessable, "date_outside_period"},
		{"after the plan", func(a *AwarenessActivity) { a.HeldOn = "2028-07-01" }, EUnprocessable, "date_outside_period"},
		{"no audience", func(a *AwarenessActivity) { a.Audience = "" }, EUnprocessable, "audience_required"},
		{"audience too long", func(a *AwarenessActivity) { a.Audience = strings.Repeat("a", MaxTeamNameLen+1) }, EUnprocessable, "audience_too_long"},
		{"no description", func(a *AwarenessActivity) { a.Description = "\n" }, EUnprocessable, "description_required"},
		{"negative reach", func(a *AwarenessActivity) { a.Reach = -1 }, EUnprocessable, "invalid_reach"},
		{"evidence not a web link", func(a *AwarenessActivity) { a.EvidenceURL = "file:///etc/passwd" }, EUnprocessable, "invalid_url"},
	} {
		a := ok
		tc.mod(&a)
		_, err := NormalizeAwarenessActivity(a, starts, ends)
		if tc.code == "" {
			if err != nil {
				t.Errorf("%s: %v", tc.name, err)
			}
			continue
		}
		teamAssertCode(t, err, tc.kind, tc.code)
	}
	for _, s := range []string{"event", "campaign", "media", "online", "other"} {
		if v, err := ParseAwarenessKind(s); err != nil || string(v) != s {
			t.Errorf("ParseAwarenessKind(%q) = %q, %v", s, v, err)
		}
	}
}
