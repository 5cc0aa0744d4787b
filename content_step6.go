package ogp

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

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

// ParseActorSector accepts only the known actor sectors.
func ParseActorSector(s string) (ActorSector, error) {
	switch v := ActorSector(s); v {
	case ActorGovernment, ActorCivilSociety, ActorPrivate, ActorAcademia, ActorOther:
		return v, nil
	}
	return "", Errorf(EInvalid, "invalid_sector", "unknown sector %q: use government, civil_society, private, academia or other", s)
}

// ActorRole is what an actor does for a commitment.
type ActorRole string

// Actor roles.
const (
	ActorLead      ActorRole = "lead"
	ActorSupporter ActorRole = "supporter"
)

// ParseActorRole accepts only lead and supporter.
func ParseActorRole(s string) (ActorRole, error) {
	switch v := ActorRole(s); v {
	case ActorLead, ActorSupporter:
		return v, nil
	}
	return "", Errorf(EInvalid, "invalid_role", "unknown role %q: use lead or supporter", s)
}

// MaxActorContactLen bounds a support actor's contact (an e-mail address,
// a phone number, or both).
const MaxActorContactLen = 500

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

// ValidateSupportActor checks an actor as written: a name, known sector
// and role, and texts of a sane length. The organisation may be empty
// for a person who supports a commitment on their own account.
func ValidateSupportActor(a SupportActor) error {
	switch {
	case strings.TrimSpace(a.Name) == "":
		return Errorf(EUnprocessable, "name_required", "name is required")
	case utf8.RuneCountInString(a.Name) > MaxTitleLen:
		return Errorf(EUnprocessable, "name_too_long", "name is longer than %d characters", MaxTitleLen)
	case utf8.RuneCountInString(a.Organisation) > MaxTitleLen:
		return Errorf(EUnprocessable, "organisation_too_long", "organisation is longer than %d characters", MaxTitleLen)
	case utf8.RuneCountInString(a.Contact) > MaxActorContactLen:
		return Errorf(EUnprocessable, "contact_too_long", "contact is longer than %d characters", MaxActorContactLen)
	}
	if _, err := ParseActorSector(string(a.Sector)); err != nil {
		return err
	}
	_, err := ParseActorRole(string(a.Role))
	return err
}

// checkSupportNetwork is step 6's gate: every commitment is led from
// government and backed by at least one supporter from outside it, so no
// commitment rests on the administration alone.
func checkSupportNetwork(_ PlanContext, c Content) []Violation {
	var vs []Violation
	for _, cm := range c.Commitments {
		lead, supporter := false, false
		for _, a := range cm.Network {
			switch {
			case a.Role == ActorLead && a.Sector == ActorGovernment:
				lead = true
			case a.Role == ActorSupporter && a.Sector != ActorGovernment:
				supporter = true
			}
		}
		item := fmt.Sprintf("commitment:%d", cm.ID)
		if !lead {
			vs = append(vs, Violationf("network_needs_government_lead", item,
				"%s has no government lead in its support network: add the implementing agency's actor, sector government, role lead", commitmentLabel(cm)))
		}
		if !supporter {
			vs = append(vs, Violationf("network_needs_non_government_supporter", item,
				"%s has no supporter from outside government: add an actor from civil society, academia, the private sector or other, role supporter", commitmentLabel(cm)))
		}
	}
	return vs
}
