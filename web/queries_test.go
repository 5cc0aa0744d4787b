package web_test

// Pages render from the database projections with no query per row: the
// number of SQL statements of a page is the same for a plan with 5
// commitments of 10 milestones each as for a plan with one commitment of
// two milestones, and stays under a bound, so a regression shows. A page
// that fails shows the statements it ran; OGP_QUERIES_SQL=1 shows them
// for every page:
//
//	OGP_QUERIES_SQL=1 go test ./web -run Queries -v

import (
	"fmt"
	"html"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/ogplocal/ogp/web/webtest"
	"gorm.io/gorm"
)

// queriesMax bounds the SQL statements of a page that names no bound of
// its own.
const queriesMax = 25

// queriesTries is how many times a page is fetched: the worker's
// background activities run statements too, so the page's own count is
// the smallest of the tries.
const queriesTries = 3

// queryPage is a page measured on two plans (or two states of the site).
type queryPage struct {
	name       string
	small, big string           // the page's path for the small and the big plan
	b          *webtest.Browser // who fetches it
	// want are texts the big plan's page shows: its last rows, so the
	// count is that of a page showing them all.
	want []string
	// max bounds the page's statements (queriesMax when 0).
	max              int
	smallN, bigN     int
	smallSQL, bigSQL []string
}

func (p *queryPage) bound() int {
	if p.max > 0 {
		return p.max
	}
	return queriesMax
}

// sqlLog records the SQL statements the site runs while on, so a test
// can show which statements a page ran when their number is wrong.
type sqlLog struct {
	mu   sync.Mutex
	on   bool
	stmt []string
}

func recordSQL(t *testing.T, site *webtest.Site) *sqlLog {
	t.Helper()
	l := &sqlLog{}
	record := func(db *gorm.DB) {
		l.mu.Lock()
		defer l.mu.Unlock()
		if l.on && db.Statement != nil {
			l.stmt = append(l.stmt, db.Statement.SQL.String())
		}
	}
	cb := site.Stack.DB.Gorm.Callback()
	const name = "queries_test:record"
	for _, err := range []error{
		cb.Query().After("gorm:query").Register(name, record),
		cb.Row().After("gorm:row").Register(name, record),
		cb.Raw().After("gorm:raw").Register(name, record),
		cb.Create().After("gorm:create").Register(name, record),
		cb.Update().After("gorm:update").Register(name, record),
		cb.Delete().After("gorm:delete").Register(name, record),
	} {
		if err != nil {
			t.Fatal(err)
		}
	}
	return l
}

// during runs f and returns the statements recorded meanwhile.
func (l *sqlLog) during(f func()) []string {
	l.mu.Lock()
	l.on, l.stmt = true, nil
	l.mu.Unlock()
	f()
	l.mu.Lock()
	defer l.mu.Unlock()
	l.on = false
	return l.stmt
}

// countPage fetches path queriesTries times and returns the smallest
// number of SQL statements a fetch ran, with the statements of that
// fetch; every fetch must answer 200.
func countPage(t *testing.T, qc *webtest.QueryCounter, sql *sqlLog, b *webtest.Browser, path string, want ...string) (int, []string) {
	t.Helper()
	least := -1
	var stmts []string
	for range queriesTries {
		var p *webtest.Page
		var ran []string
		n := qc.Since(func() { ran = sql.during(func() { p = b.Get(path) }) })
		if p.Status != http.StatusOK || p.URL.Path != strings.SplitN(path, "?", 2)[0] {
			t.Fatalf("GET %s: status %d at %s:\n%s", path, p.Status, p.URL, p.Body)
		}
		for _, text := range want {
			if !strings.Contains(p.Body, html.EscapeString(text)) {
				t.Errorf("GET %s does not show %q", path, text)
			}
		}
		if least < 0 || n < least {
			least, stmts = n, ran
		}
	}
	return least, stmts
}

// TestPageQueries builds, through the API, a plan in implementation with
// 5 commitments of 10 milestones each (big) and one with 1 commitment of
// 2 milestones (small), both with progress reports, delays, a pending
// amendment and an assessment round's published draft, and counts the SQL
// statements of each public and workspace page for both.
func TestPageQueries(t *testing.T) {
	t.Parallel()
	site := webtest.Start(t, "")
	cast := site.Cast()
	qc := site.CountQueries()
	sql := recordSQL(t, site)
	anon, coord, lead := site.Browser(), site.Browser(), site.Browser()
	coord.SignIn(cast.Coordinator)
	lead.SignIn(cast.Lead)

	// Pages of the whole site (the list of plans, My work) are measured
	// with the small plan alone, then with both.
	small := site.ImplementingPlan(cast, "Riverton small plan", 1, 2)
	sitePages := []*queryPage{
		{name: "public: plans", small: "/", big: "/", b: anon, want: []string{"Riverton big plan"}},
		{name: "work: my work (coordinator)", small: "/work", big: "/work", b: coord},
		{name: "work: my work (lead)", small: "/work", big: "/work", b: lead},
	}
	for _, p := range sitePages {
		p.smallN, p.smallSQL = countPage(t, qc, sql, p.b, p.small)
	}
	big := site.ImplementingPlan(cast, "Riverton big plan", 5, 10)
	for _, p := range sitePages {
		p.bigN, p.bigSQL = countPage(t, qc, sql, p.b, p.big, p.want...)
	}
	if n := len(big.Commitments[0].Milestones); len(big.Commitments) != 5 || n != 10 {
		t.Fatalf("the big plan has %d commitments, the first with %d milestones", len(big.Commitments), n)
	}

	plan := func(sp webtest.SizedPlan) []any { return []any{sp.ID} }
	commitment := func(sp webtest.SizedPlan) []any { return []any{sp.ID, sp.Commitments[0].ID} }
	round := func(sp webtest.SizedPlan) []any { return []any{sp.ID, sp.RoundID} }
	milestone := func(sp webtest.SizedPlan) []any {
		return []any{sp.ID, sp.Commitments[0].ID, sp.Commitments[0].Milestones[0].ID}
	}
	// The big plan's last rows.
	lastC, lastP := webtest.SizedCommitmentTitle(5), webtest.SizedProblemTitle(5)
	lastM, firstLastM := webtest.SizedMilestoneTitle(5, 10), webtest.SizedMilestoneTitle(1, 10)
	pages := sitePages
	for _, p := range []struct {
		name, format string
		args         func(webtest.SizedPlan) []any
		b            *webtest.Browser
		max          int
		want         []string
	}{
		// Eight API calls in-process, each of which reads the plan again
		// (SELECT action_plans) for its own access check.
		{"public: plan", "/plans/%d", plan, anon, 32, []string{lastC}},
		{"public: commitments", "/plans/%d/commitments", plan, anon, 0, []string{lastC, lastM}},
		{"public: commitment", "/plans/%d/commitments/%d", commitment, anon, 0, []string{firstLastM}},
		{"public: problems", "/plans/%d/problems", plan, anon, 0, []string{lastP}},
		{"public: assessments", "/plans/%d/assessments", plan, anon, 0, nil},
		{"public: assessment round", "/plans/%d/assessments/%d", round, anon, 0, []string{lastC}},
		{"public: document", "/plans/%d/document", plan, anon, 0, []string{lastC, lastM}},
		{"work: plan", "/work/plans/%d", plan, coord, 0, []string{lastC}},
		{"work: step 9", "/work/plans/%d/steps/9", plan, coord, 0, nil},
		{"work: commitment", "/work/plans/%d/commitments/%d", commitment, coord, 0, []string{firstLastM}},
		{"work: commitment (lead)", "/work/plans/%d/commitments/%d", commitment, lead, 0, []string{firstLastM}},
		{"work: milestone", "/work/plans/%d/commitments/%d/milestones/%d", milestone, coord, 0, []string{webtest.SizedMilestoneTitle(1, 1)}},
		{"work: content commitments", "/work/plans/%d/content/commitments", plan, coord, 0, []string{lastC, lastM}},
		// The whole content as the gate sees it (models.LoadContent, one
		// statement per table), then the problems, their scores, the team
		// and the forum again for the scoring forms.
		{"work: content problems", "/work/plans/%d/content/problems", plan, coord, 36, []string{lastP}},
		{"work: assessment rounds", "/work/plans/%d/assessments", plan, coord, 0, nil},
		{"work: assessment round", "/work/plans/%d/assessments/%d", round, coord, 0, []string{lastC}},
	} {
		pages = append(pages, &queryPage{name: p.name, small: fmt.Sprintf(p.format, p.args(small)...),
			big: fmt.Sprintf(p.format, p.args(big)...), b: p.b, max: p.max, want: p.want})
	}
	for _, p := range pages[len(sitePages):] {
		p.smallN, p.smallSQL = countPage(t, qc, sql, p.b, p.small)
		p.bigN, p.bigSQL = countPage(t, qc, sql, p.b, p.big, p.want...)
	}

	var table strings.Builder
	fmt.Fprintf(&table, "SQL statements per GET (least of %d), small plan (1 commitment x 2 milestones) and big plan (5 x 10):\n", queriesTries)
	fmt.Fprintf(&table, "%-28s %-52s %6s %6s %6s\n", "page", "path (big plan)", "small", "big", "max")
	for _, p := range pages {
		mark := ""
		if p.bigN != p.smallN {
			mark = "  <- grows with rows"
		}
		if max(p.bigN, p.smallN) > p.bound() {
			mark += "  <- over the bound"
		}
		fmt.Fprintf(&table, "%-28s %-52s %6d %6d %6d%s\n", p.name, p.big, p.smallN, p.bigN, p.bound(), mark)
	}
	t.Log(table.String())
	for _, p := range pages {
		wrong := false
		if p.bigN != p.smallN {
			t.Errorf("%s: %d statements for the big plan (%s), %d for the small one (%s): a query per row", p.name, p.bigN, p.big, p.smallN, p.small)
			wrong = true
		}
		if n := max(p.bigN, p.smallN); n > p.bound() {
			t.Errorf("%s: %d statements, more than %d", p.name, n, p.bound())
			wrong = true
		}
		if wrong || os.Getenv("OGP_QUERIES_SQL") != "" {
			t.Logf("%s, small plan (%s):\n\t%s", p.name, p.small, strings.Join(p.smallSQL, "\n\t"))
			t.Logf("%s, big plan (%s):\n\t%s", p.name, p.big, strings.Join(p.bigSQL, "\n\t"))
		}
	}
}

// --- benchmarks (go test ./web -run '^$' -bench Page)

// benchTB lends the first benchmark's testing.B to the stack the
// benchmarks share, without the cleanups that would stop the stack when
// that benchmark ends: it lives until the test binary exits (its data
// folder, under the system's temporary folder, is left behind).
type benchTB struct {
	testing.TB
}

func (benchTB) Cleanup(func()) {}

func (b benchTB) TempDir() string {
	dir, err := os.MkdirTemp("", "ogp-web-bench-")
	if err != nil {
		b.Fatal(err)
	}
	return dir
}

// benchStack is the stack of the benchmarks: the big plan, and the
// coordinator's signed-in browser.
type benchStack struct {
	site  *webtest.Site
	plan  webtest.SizedPlan
	anon  *webtest.Browser
	coord *webtest.Browser
	qc    *webtest.QueryCounter
}

var (
	benchOnce  sync.Once
	benchState *benchStack
)

// bench starts the shared stack on its first call (not timed) and returns
// it; a benchmark whose setup failed is skipped by the next ones.
func bench(b *testing.B) *benchStack {
	b.Helper()
	benchOnce.Do(func() {
		site := webtest.Start(benchTB{b}, "")
		cast := site.Cast()
		st := &benchStack{site: site, anon: site.Browser(), coord: site.Browser(), qc: site.CountQueries()}
		st.plan = site.ImplementingPlan(cast, "Riverton big plan", 5, 10)
		st.coord.SignIn(cast.Coordinator)
		benchState = st
	})
	if benchState == nil {
		b.Skip("the benchmarks' stack failed to start")
	}
	return benchState
}

// benchGet times GETs of path, and reports the SQL statements per page.
func benchGet(b *testing.B, st *benchStack, browser *webtest.Browser, path string) {
	br := browser.For(b)
	if p := br.Get(path); p.Status != http.StatusOK {
		b.Fatalf("GET %s: status %d", path, p.Status)
	}
	n := 0
	queries := st.qc.Since(func() {
		for b.Loop() {
			if p := br.Get(path); p.Status != http.StatusOK {
				b.Fatalf("GET %s: status %d", path, p.Status)
			}
			n++
		}
	})
	b.ReportMetric(float64(queries)/float64(n), "queries/op")
}

// BenchmarkPlanPage renders the big plan's page, public and workspace.
func BenchmarkPlanPage(b *testing.B) {
	st := bench(b)
	b.Run("public", func(b *testing.B) { benchGet(b, st, st.anon, fmt.Sprintf("/plans/%d", st.plan.ID)) })
	b.Run("work", func(b *testing.B) { benchGet(b, st, st.coord, fmt.Sprintf("/work/plans/%d", st.plan.ID)) })
}

// BenchmarkCommitmentPage renders a commitment of 10 milestones of the
// big plan, public and workspace.
func BenchmarkCommitmentPage(b *testing.B) {
	st := bench(b)
	cm := st.plan.Commitments[0].ID
	b.Run("public", func(b *testing.B) { benchGet(b, st, st.anon, fmt.Sprintf("/plans/%d/commitments/%d", st.plan.ID, cm)) })
	b.Run("work", func(b *testing.B) {
		benchGet(b, st, st.coord, fmt.Sprintf("/work/plans/%d/commitments/%d", st.plan.ID, cm))
	})
}
