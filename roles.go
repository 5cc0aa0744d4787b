package ogp

import (
	"slices"
	"strings"
)

// Role is what a member may do in one plan. Roles are per plan: the same
// person can coordinate one plan and approve another.
type Role string

// Plan roles.
const (
	RoleCoordinator    Role = "coordinator"
	RoleApprover       Role = "approver"
	RoleMonitoringBody Role = "monitoring_body"
	RoleContributor    Role = "contributor"
)

// ParseRole accepts only the known roles.
func ParseRole(s string) (Role, error) {
	switch r := Role(s); r {
	case RoleCoordinator, RoleApprover, RoleMonitoringBody, RoleContributor:
		return r, nil
	}
	return "", Errorf(EInvalid, "invalid_role", "unknown role %q: use coordinator, approver, monitoring_body or contributor", s)
}

// ParseRoles parses a non-empty set of roles and returns it sorted and
// without duplicates, so equal sets compare and store equal.
func ParseRoles(in []string) ([]Role, error) {
	if len(in) == 0 {
		return nil, Errorf(EInvalid, "roles_required", "at least one role is required")
	}
	out := make([]Role, 0, len(in))
	for _, s := range in {
		r, err := ParseRole(strings.TrimSpace(s))
		if err != nil {
			return nil, err
		}
		if !slices.Contains(out, r) {
			out = append(out, r)
		}
	}
	slices.Sort(out)
	return out, nil
}

// Sector records whether a member speaks for government or civil society,
// which OGP Local's co-creation balance is judged on.
type Sector string

// Sectors.
const (
	SectorGovernment   Sector = "government"
	SectorCivilSociety Sector = "civil_society"
	SectorOther        Sector = "other"
)

// ParseSector accepts only the known sectors.
func ParseSector(s string) (Sector, error) {
	switch v := Sector(s); v {
	case SectorGovernment, SectorCivilSociety, SectorOther:
		return v, nil
	}
	return "", Errorf(EInvalid, "invalid_sector", "unknown sector %q: use government, civil_society or other", s)
}

// Member is one person's membership of a plan.
type Member struct {
	UserID int64  `json:"user_id"`
	Roles  []Role `json:"roles"`
	Sector Sector `json:"sector"`
}

// Has reports whether the member holds role r.
func (m Member) Has(r Role) bool { return slices.Contains(m.Roles, r) }

// Actor is who performs an action, as authenticated by the API.
type Actor struct {
	UserID  int64 `json:"user_id"`
	IsAdmin bool  `json:"is_admin,omitempty"`
}
