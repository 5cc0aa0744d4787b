package ogp

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

func checkAwareness(PlanContext, Content) []Violation { return nil }
