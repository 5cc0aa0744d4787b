package ogp

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
)

func TestCheckSupportNetwork(t *testing.T) {
	for _, tc := range []struct {
		name   string
		change func(c *Content)
		want   []string
	}{
		{"valid", func(*Content) {}, []string{}},
		{"no commitments, nothing to check", func(c *Content) { c.Commitments = nil }, []string{}},
		{"empty network", func(c *Content) { c.Commitments[1].Network = nil },
			[]string{"network_needs_government_lead@commitment:2", "network_needs_non_government_supporter@commitment:2"}},
		{"the lead is not from government", func(c *Content) { c.Commitments[0].Network[0].Sector = ActorCivilSociety },
			[]string{"network_needs_government_lead@commitment:1"}},
		{"a government actor who only supports", func(c *Content) { c.Commitments[0].Network[0].Role = ActorSupporter },
			[]string{"network_needs_government_lead@commitment:1"}},
		{"the only supporter is from government", func(c *Content) { c.Commitments[1].Network[1].Sector = ActorGovernment },
			[]string{"network_needs_non_government_supporter@commitment:2"}},
		{"a non-government co-lead is not a supporter", func(c *Content) { c.Commitments[1].Network[1].Role = ActorLead },
			[]string{"network_needs_non_government_supporter@commitment:2"}},
		{"academia, private and other support too", func(c *Content) {
			c.Commitments[0].Network[1].Sector = ActorAcademia
			c.Commitments[1].Network[1].Sector = ActorPrivate
			c.Commitments[1].Network = append(c.Commitments[1].Network, SupportActor{ID: 99, Name: "X", Sector: ActorOther, Role: ActorSupporter})
		}, []string{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := solutionsContent()
			tc.change(&c)
			vs := CheckStep(6, solutionsPlan(), c)
			if got := solutionsCodes(vs); !slices.Equal(got, tc.want) {
				t.Errorf("violations %v, want %v", got, tc.want)
			}
			for _, v := range vs {
				if !strings.Contains(v.Message, "commitment ") {
					t.Errorf("message %q does not name the commitment", v.Message)
				}
			}
		})
	}
}

func TestValidateSupportActor(t *testing.T) {
	for _, tc := range []struct {
		name       string
		change     func(a *SupportActor)
		kind, code string
	}{
		{"valid", func(*SupportActor) {}, "", ""},
		{"a person without organisation", func(a *SupportActor) { a.Organisation = "" }, "", ""},
		{"no name", func(a *SupportActor) { a.Name = " " }, EUnprocessable, "name_required"},
		{"long name", func(a *SupportActor) { a.Name = strings.Repeat("n", MaxTitleLen+1) }, EUnprocessable, "name_too_long"},
		{"long organisation", func(a *SupportActor) { a.Organisation = strings.Repeat("o", MaxTitleLen+1) }, EUnprocessable, "organisation_too_long"},
		{"long contact", func(a *SupportActor) { a.Contact = strings.Repeat("c", MaxActorContactLen+1) }, EUnprocessable, "contact_too_long"},
		{"unknown sector", func(a *SupportActor) { a.Sector = "ngo" }, EInvalid, "invalid_sector"},
		{"no sector", func(a *SupportActor) { a.Sector = "" }, EInvalid, "invalid_sector"},
		{"unknown role", func(a *SupportActor) { a.Role = "sponsor" }, EInvalid, "invalid_role"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := SupportActor{Name: "Eva Lopez", Organisation: "Finance Directorate", Sector: ActorGovernment, Role: ActorLead, Contact: "eva@city.example"}
			tc.change(&a)
			solutionsAssertError(t, ValidateSupportActor(a), tc.kind, tc.code)
		})
	}
}

// TestSupportActorContactNeverPublished keeps the contact out of every
// snapshot of steps 5 and 6, which approvers and the public read.
func TestSupportActorContactNeverPublished(t *testing.T) {
	c := solutionsContent()
	for _, n := range []int{5, 6, 7, 8} {
		b, err := json.Marshal(ContentForStep(n, c))
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(b), "eva@city.example") || strings.Contains(string(b), "contact") {
			t.Errorf("step %d snapshot holds the contact: %s", n, b)
		}
		if !strings.Contains(string(b), `"network":[`) {
			t.Errorf("step %d snapshot has no network: %s", n, b)
		}
	}
}
