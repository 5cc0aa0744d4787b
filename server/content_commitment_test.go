package server

import (
	"reflect"
	"slices"
	"testing"

	"github.com/ogplocal/ogp"
)

// TestCommitmentSchemasMatchGoTypes keeps 50-commitments.json true to the
// request and response types of the commitment routes.
func TestCommitmentSchemasMatchGoTypes(t *testing.T) {
	doc := openapiDoc(t)
	for _, c := range []struct {
		schema  string
		typ     any
		request bool
	}{
		{"CommitmentRequest", commitmentRequest{}, true},
		{"CommitmentValueRequest", commitmentValueRequest{}, true},
		{"CommitmentMilestoneRequest", milestoneRequest{}, true},
		{"CommitmentSupportActorRequest", supportActorRequest{}, true},
		{"Commitment", CommitmentResponse{}, false},
		{"CommitmentValue", CommitmentValueResponse{}, false},
		{"CommitmentList", CommitmentListResponse{}, false},
		{"CommitmentMilestone", MilestoneResponse{}, false},
		{"CommitmentSupportActor", SupportActorResponse{}, false},
		{"CommitmentSupportNetwork", SupportNetworkResponse{}, false},
	} {
		ref := doc.Components.Schemas[c.schema]
		if ref == nil {
			t.Errorf("components.schemas.%s is missing", c.schema)
			continue
		}
		compareSchema(t, c.schema, ref.Value, reflect.TypeOf(c.typ), c.request)
	}
}

// TestCommitmentEnumsAndLimitsMatchDomain keeps the documented enums and
// lengths equal to what the domain accepts.
func TestCommitmentEnumsAndLimitsMatchDomain(t *testing.T) {
	doc := openapiDoc(t)
	enum := func(name string) []string {
		var out []string
		for _, v := range doc.Components.Schemas[name].Value.Enum {
			out = append(out, v.(string))
		}
		return out
	}
	for name, c := range map[string]struct {
		want  []string
		parse func(string) error
	}{
		"CommitmentOGPValue": {[]string{string(ogp.ValueTransparency), string(ogp.ValueAccountability), string(ogp.ValueParticipation)},
			func(s string) error { _, err := ogp.ParseValue(s); return err }},
		"CommitmentActorSector": {[]string{string(ogp.ActorGovernment), string(ogp.ActorCivilSociety), string(ogp.ActorPrivate), string(ogp.ActorAcademia), string(ogp.ActorOther)},
			func(s string) error { _, err := ogp.ParseActorSector(s); return err }},
		"CommitmentActorRole": {[]string{string(ogp.ActorLead), string(ogp.ActorSupporter)},
			func(s string) error { _, err := ogp.ParseActorRole(s); return err }},
	} {
		got := enum(name)
		if !slices.Equal(got, c.want) {
			t.Errorf("%s enum = %v, want %v", name, got, c.want)
		}
		for _, v := range got {
			if err := c.parse(v); err != nil {
				t.Errorf("%s %q is refused by the domain: %v", name, v, err)
			}
		}
	}
	for _, c := range []struct {
		schema, field string
		want          int
	}{
		{"CommitmentRequest", "title", ogp.MaxTitleLen},
		{"CommitmentRequest", "lead_agency", ogp.MaxCommitmentTextLen},
		{"CommitmentRequest", "problem_statement", ogp.MaxCommitmentTextLen},
		{"CommitmentRequest", "status_quo", ogp.MaxCommitmentTextLen},
		{"CommitmentRequest", "objective", ogp.MaxCommitmentTextLen},
		{"CommitmentRequest", "how_it_solves", ogp.MaxCommitmentTextLen},
		{"CommitmentRequest", "additional_info", ogp.MaxCommitmentTextLen},
		{"CommitmentValueRequest", "justification", ogp.MaxCommitmentTextLen},
		{"CommitmentMilestoneRequest", "title", ogp.MaxTitleLen},
		{"CommitmentMilestoneRequest", "deliverable", ogp.MaxCommitmentTextLen},
		{"CommitmentMilestoneRequest", "indicator", ogp.MaxCommitmentTextLen},
		{"CommitmentMilestoneRequest", "target", ogp.MaxCommitmentTextLen},
		{"CommitmentMilestoneRequest", "responsible", ogp.MaxCommitmentTextLen},
		{"CommitmentSupportActorRequest", "name", ogp.MaxTitleLen},
		{"CommitmentSupportActorRequest", "organisation", ogp.MaxTitleLen},
		{"CommitmentSupportActorRequest", "contact", ogp.MaxActorContactLen},
	} {
		p := doc.Components.Schemas[c.schema].Value.Properties[c.field]
		if p == nil || p.Value.MaxLength == nil || int(*p.Value.MaxLength) != c.want {
			t.Errorf("%s.%s maxLength is not %d", c.schema, c.field, c.want)
		}
	}
	if m := doc.Components.Schemas["Commitment"].Value.Properties["number"].Value.Max; m == nil || int(*m) != ogp.MaxCommitments {
		t.Errorf("Commitment.number maximum = %v, want %d", m, ogp.MaxCommitments)
	}
}
