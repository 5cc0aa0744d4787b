package web

import (
	"strings"
	"testing"
)

// Each table of the document gets a scrolling region named after the
// headings it sits under; the names are escaped once.
func TestPublicScrollTables(t *testing.T) {
	doc := `<h2>Commitments</h2><h3>Commitment 1: Bread &amp; &#34;roses&#34;</h3><h4>Milestones</h4><table><tr><td>x</td></tr></table>` +
		`<h2>Team</h2><table></table><h3>Forum members</h3><table class="x"></table>` + `<table></table>`
	got := pubScrollTables(doc, func(h string) string {
		if h == "" {
			return "Table"
		}
		return "Table: " + h
	})
	for _, want := range []string{
		`<h4>Milestones</h4><div class="ogp-table-scroll" role="region" tabindex="0" aria-label="Table: Milestones – Commitment 1: Bread &amp; &#34;roses&#34;"><table><tr><td>x</td></tr></table></div>`,
		`<h2>Team</h2><div class="ogp-table-scroll" role="region" tabindex="0" aria-label="Table: Team"><table></table></div>`,
		`<div class="ogp-table-scroll" role="region" tabindex="0" aria-label="Table: Forum members – Team"><table class="x"></table></div>`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("missing %s\nin %s", want, got)
		}
	}
	if strings.Count(got, `<div class="ogp-table-scroll"`) != 4 || strings.Count(got, "</table></div>") != 4 {
		t.Errorf("not every table is wrapped once:\n%s", got)
	}
	if got := pubScrollTables("<p>no table</p>", func(string) string { return "" }); got != "<p>no table</p>" {
		t.Errorf("a document without tables changed: %s", got)
	}
}
