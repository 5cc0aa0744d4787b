package ogp

import "strings"

// AwarenessKind is the form an awareness activity takes.
type AwarenessKind string

// Awareness activity kinds.
const (
	AwarenessEvent    AwarenessKind = "event"
	AwarenessCampaign AwarenessKind = "campaign"
	AwarenessMedia    AwarenessKind = "media"
	AwarenessOnline   AwarenessKind = "online"
	AwarenessOther    AwarenessKind = "other"
)

// ParseAwarenessKind accepts only the known kinds.
func ParseAwarenessKind(s string) (AwarenessKind, error) {
	switch v := AwarenessKind(s); v {
	case AwarenessEvent, AwarenessCampaign, AwarenessMedia, AwarenessOnline, AwarenessOther:
		return v, nil
	}
	return "", Errorf(EInvalid, "invalid_awareness_kind", "unknown awareness activity kind %q: use event, campaign, media, online or other", s)
}

// AwarenessActivity shares what open government and OGP Local are, and
// invites people into the plan (step 3).
type AwarenessActivity struct {
	ID          int64         `json:"id"`
	Kind        AwarenessKind `json:"kind"`
	HeldOn      Date          `json:"held_on"`
	Audience    string        `json:"audience"`
	Description string        `json:"description"`
	Reach       int           `json:"reach"`
	EvidenceURL string        `json:"evidence_url,omitempty"`
}

// NormalizeAwarenessActivity trims and checks an activity of a plan
// running from startsOn to endsOn. Activities may be planned ahead (the
// gate asks for one that has taken place), but only within the plan:
// raising awareness is one of its steps.
func NormalizeAwarenessActivity(a AwarenessActivity, startsOn, endsOn Date) (AwarenessActivity, error) {
	a.Audience, a.Description, a.EvidenceURL = strings.TrimSpace(a.Audience), strings.TrimSpace(a.Description), strings.TrimSpace(a.EvidenceURL)
	if _, err := ParseAwarenessKind(string(a.Kind)); err != nil {
		return a, err
	}
	if _, err := ParseDate(string(a.HeldOn)); err != nil {
		return a, Errorf(EInvalid, "invalid_date", "held_on: %v", err)
	}
	if a.HeldOn < startsOn || a.HeldOn > endsOn {
		return a, Errorf(EUnprocessable, "date_outside_period", "held_on %s is outside the plan's period %s to %s", a.HeldOn, startsOn, endsOn)
	}
	if err := teamRequiredLine("audience", a.Audience); err != nil {
		return a, err
	}
	if a.Description == "" {
		return a, Errorf(EUnprocessable, "description_required", "description is required")
	}
	if err := teamMaxLen("description", a.Description, MaxTeamProseLen); err != nil {
		return a, err
	}
	if a.Reach < 0 {
		return a, Errorf(EUnprocessable, "invalid_reach", "reach is a number of people, at least 0; got %d", a.Reach)
	}
	if a.EvidenceURL != "" {
		if err := CheckWebURL("evidence_url", a.EvidenceURL); err != nil {
			return a, err
		}
	}
	return a, nil
}

// checkAwareness is step 3's gate: awareness has been raised, not only
// planned, so at least one activity has taken place.
func checkAwareness(p PlanContext, c Content) []Violation {
	for _, a := range c.Awareness {
		if a.HeldOn <= p.Today {
			return nil
		}
	}
	if len(c.Awareness) == 0 {
		return []Violation{Violationf("awareness_needs_past_activity", "",
			"record at least one awareness activity that has taken place")}
	}
	return []Violation{Violationf("awareness_needs_past_activity", "",
		"all %d awareness activities are still to come: at least one must have taken place (on or before %s)", len(c.Awareness), p.Today)}
}
