package ogp

// ActorSector is the background of a supporting actor.
type ActorSector string

// Actor sectors.
const (
	ActorGovernment   ActorSector = "government"
	ActorCivilSociety ActorSector = "civil_society"
	ActorPrivate      ActorSector = "private"
	ActorAcademia     ActorSector = "academia"
	ActorOther        ActorSector = "other"
)

// ActorRole is what an actor does for a commitment.
type ActorRole string

// Actor roles.
const (
	ActorLead      ActorRole = "lead"
	ActorSupporter ActorRole = "supporter"
)

// SupportActor is one actor of a commitment's support network (step 6).
// The contact is private: it is never part of the published content.
type SupportActor struct {
	ID           int64       `json:"id"`
	Name         string      `json:"name"`
	Organisation string      `json:"organisation"`
	Sector       ActorSector `json:"sector"`
	Role         ActorRole   `json:"role"`
	Contact      string      `json:"-"`
}

func checkSupportNetwork(PlanContext, Content) []Violation { return nil }
