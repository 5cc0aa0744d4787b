package timeline

import (
	"encoding/xml"
	"errors"
	"flag"
	"io"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite testdata/golden.html and testdata/example.svg")

func day(s string) time.Time {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return t
}

func ptr(t time.Time) *time.Time { return &t }

var today = day("2027-03-10")

var labels = Labels{
	Title:       "Commitment 2: Open contracting – milestones",
	Description: "Milestones of commitment 2, from planned start to due date.",
	Today:       "Today",
}

// example has every status, in the order a real commitment might show.
func example() []Milestone {
	return []Milestone{
		{Title: "Publish the procurement data standard", Start: day("2026-09-01"), Due: day("2026-12-15"), Completed: ptr(day("2026-12-02")),
			Status: StatusCompleted, StatusLabel: "Completed", CompletionPercent: 100},
		{Title: "Train 40 officials in open contracting & data use", Start: day("2026-10-01"), Due: day("2027-01-31"), Completed: ptr(day("2027-02-20")),
			Status: StatusCompletedLate, StatusLabel: "Completed late", CompletionPercent: 100},
		{Title: "Launch the contracts portal with search, downloads and an API for journalists", Start: day("2026-11-15"), Due: day("2027-02-28"),
			Status: StatusOverdue, StatusLabel: "Overdue", CompletionPercent: 60},
		{Title: "Citizen monitoring workshops", Start: day("2027-01-10"), Due: day("2027-03-20"),
			Status: StatusDueSoon, StatusLabel: "Due soon", CompletionPercent: 80},
		{Title: "Quarterly public report", Start: day("2027-02-01"), Due: day("2027-06-30"),
			Status: StatusOnTrack, StatusLabel: "On track", CompletionPercent: 25},
		{Title: "Evaluation with civil society", Start: day("2027-05-01"), Due: day("2027-09-30"),
			Status: StatusNotStarted, StatusLabel: "Not started", CompletionPercent: -1},
		{Title: "Open budget hackathon", Start: day("2026-12-01"), Due: day("2027-04-15"),
			Status: StatusWithdrawn, StatusLabel: "Withdrawn", CompletionPercent: -1},
	}
}

// wellFormed parses out as XML and returns its elements.
func wellFormed(t *testing.T, out string) []xml.StartElement {
	t.Helper()
	d := xml.NewDecoder(strings.NewReader(out))
	d.Strict = true
	var els []xml.StartElement
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			return els
		}
		if err != nil {
			t.Fatalf("not well-formed XML: %v\n%s", err, out)
		}
		if se, ok := tok.(xml.StartElement); ok {
			els = append(els, se.Copy())
		}
	}
}

func attr(e xml.StartElement, name string) string {
	for _, a := range e.Attr {
		if a.Name.Local == name {
			return a.Value
		}
	}
	return ""
}

func TestEmpty(t *testing.T) {
	if got := Render(nil, today, labels); got != "" {
		t.Fatalf("Render(nil) = %q, want empty", got)
	}
	if got := Render([]Milestone{}, today, labels); got != "" {
		t.Fatalf("Render([]) = %q, want empty", got)
	}
}

func TestStatusStyles(t *testing.T) {
	tests := []struct {
		status               Status
		fill, stroke, dash   string
		pattern              string // a pattern the defs must hold
		strike, lateSegment  bool
		marker, overdueTrail bool
		text                 string
	}{
		{status: StatusCompleted, fill: colGreen, stroke: colGreenDark, marker: true, text: colText},
		{status: StatusCompletedLate, fill: colGreen, stroke: colGreenDark, pattern: patOverdue, lateSegment: true, marker: true, text: colText},
		{status: StatusOnTrack, fill: colSkyTint, stroke: colBlue, text: colText},
		{status: StatusNotStarted, fill: colBlueTint, stroke: colBlue, dash: "5 3", text: colText},
		{status: StatusDueSoon, fill: "url(#ID-duesoon)", stroke: colOrangeDk, pattern: patDueSoon, text: colText},
		{status: StatusOverdue, fill: "url(#ID-overdue)", stroke: colVermDark, pattern: patOverdue, overdueTrail: true, text: colText},
		{status: StatusWithdrawn, fill: colGrey, stroke: colGreyDark, strike: true, text: colMuted},
		{status: "mystery", fill: "#ffffff", stroke: colGreyDark, text: colText},
	}
	for _, tt := range tests {
		t.Run(string(tt.status), func(t *testing.T) {
			m := Milestone{Title: "M", Start: day("2026-11-01"), Due: day("2027-02-01"), Status: tt.status, StatusLabel: "Label " + string(tt.status), CompletionPercent: -1}
			if tt.marker {
				m.Completed = ptr(day("2027-01-15"))
				if tt.lateSegment {
					m.Completed = ptr(day("2027-02-20"))
				}
			}
			out := string(Render([]Milestone{m}, today, labels))
			els := wellFormed(t, out)
			id := attr(els[1], "aria-labelledby")
			id = strings.TrimSuffix(strings.Fields(id)[0], "-title")
			want := strings.ReplaceAll(tt.fill, "ID", id)

			// The bar is the first rect with the row's height.
			var bar, swatch *xml.StartElement
			for i, e := range els {
				if e.Name.Local == "rect" && attr(e, "height") == num(barH) && bar == nil {
					bar = &els[i]
				}
				if e.Name.Local == "rect" && attr(e, "x") == num(statusX) {
					swatch = &els[i]
				}
			}
			if bar == nil || swatch == nil {
				t.Fatalf("no bar or swatch in\n%s", out)
			}
			for _, r := range []*xml.StartElement{bar, swatch} {
				if got := attr(*r, "fill"); got != want {
					t.Errorf("fill = %q, want %q", got, want)
				}
				if got := attr(*r, "stroke"); got != tt.stroke {
					t.Errorf("stroke = %q, want %q", got, tt.stroke)
				}
				if got := attr(*r, "stroke-dasharray"); got != tt.dash {
					t.Errorf("dash = %q, want %q", got, tt.dash)
				}
			}
			if tt.pattern != "" && !strings.Contains(out, `<pattern id="`+id+`-`+tt.pattern+`"`) {
				t.Errorf("pattern %s missing", tt.pattern)
			}
			if tt.pattern == "" && strings.Contains(out, "<pattern") {
				t.Errorf("unused pattern defined")
			}
			if got := strings.Contains(out, `stroke="`+colStrike+`"`); got != tt.strike {
				t.Errorf("strike = %v, want %v", got, tt.strike)
			}
			if got := strings.Contains(out, `class="ogp-timeline-done"`); got != tt.marker {
				t.Errorf("completion marker = %v, want %v", got, tt.marker)
			}
			if got := strings.Contains(out, `height="12" fill="url(#`+id+`-overdue)"`); got != tt.lateSegment {
				t.Errorf("late segment = %v, want %v", got, tt.lateSegment)
			}
			if got := strings.Contains(out, `stroke-dasharray="4 3"`); got != tt.overdueTrail {
				t.Errorf("overdue trail = %v, want %v", got, tt.overdueTrail)
			}
			// The status text is on the row, in a readable colour.
			if !strings.Contains(out, `fill="`+tt.text+`"><title>Label `+string(tt.status)+`</title>Label `+string(tt.status)+`</text>`) {
				t.Errorf("status label missing or wrong colour in\n%s", out)
			}
			if !strings.Contains(out, `class="ogp-timeline-row ogp-timeline-row--`+string(tt.status)+`"`) {
				t.Errorf("row class missing")
			}
		})
	}
}

func TestStatusFor(t *testing.T) {
	tests := []struct {
		status, schedule string
		withdrawn        bool
		want             Status
	}{
		{"completed", "done_on_time", false, StatusCompleted},
		{"completed", "done_late", false, StatusCompletedLate},
		{"completed", "done_on_time", true, StatusCompleted},
		{"in_progress", "on_track", false, StatusOnTrack},
		{"not_started", "on_track", false, StatusNotStarted},
		{"not_started", "", false, StatusNotStarted},
		{"in_progress", "due_soon", false, StatusDueSoon},
		{"not_started", "due_soon", false, StatusDueSoon},
		{"in_progress", "overdue", false, StatusOverdue},
		{"in_progress", "overdue", true, StatusWithdrawn},
		{"not_started", "on_track", true, StatusWithdrawn},
		{"in_progress", "", false, StatusOnTrack},
	}
	for _, tt := range tests {
		if got := StatusFor(tt.status, tt.schedule, tt.withdrawn); got != tt.want {
			t.Errorf("StatusFor(%q, %q, %v) = %q, want %q", tt.status, tt.schedule, tt.withdrawn, got, tt.want)
		}
	}
}

func TestEscaping(t *testing.T) {
	ms := []Milestone{
		{Title: `<script>alert("x")</script> & 'friends'`, Start: day("2027-01-01"), Due: day("2027-02-01"), Status: StatusOnTrack,
			StatusLabel: `<b>On & on</b>`, CompletionPercent: -1},
		{Title: "Tabs\tnew\nlines\x00nul\x01ctl \xff bad utf8 \u0085 ]]> --> <!--", Start: day("2027-01-01"), Due: day("2027-02-01"),
			Status: `"><script>`, StatusLabel: "x", CompletionPercent: 5},
	}
	l := Labels{Title: `Chart </title><script>`, Description: `A & B <i>`, Today: `<Today>`,
		DateFormat: func(t time.Time) string { return "<" + t.Format("2006") + ">" }}
	out := string(Render(ms, today, l))
	wellFormed(t, out)
	for _, bad := range []string{"<script", "<b>", "<i>", "<Today>", "<2027>", "\x00", "\x01", "<!--"} {
		if strings.Contains(out, bad) {
			t.Errorf("output contains %q:\n%s", bad, out)
		}
	}
	for _, good := range []string{
		"&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; &#39;friends&#39;",
		"&lt;b&gt;On &amp; on&lt;/b&gt;",
		"Chart &lt;/title&gt;&lt;script&gt;",
		"A &amp; B &lt;i&gt;",
		"&lt;Today&gt;",
		"Tabs new linesnulctl \uFFFD bad utf8 ]]&gt; --&gt; &lt;!--",
		`"ogp-timeline-row ogp-timeline-row-----script-"`,
	} {
		if !strings.Contains(out, good) {
			t.Errorf("output lacks %q:\n%s", good, out)
		}
	}
}

func TestTruncate(t *testing.T) {
	long := "Launch the contracts portal with search, downloads and an API for journalists"
	out := string(Render([]Milestone{{Title: long, Start: day("2027-01-01"), Due: day("2027-02-01"), Status: StatusOnTrack, CompletionPercent: -1}}, today, labels))
	m := regexp.MustCompile(`<text x="12" [^>]*><title>([^<]*)</title>(.*?)</text>`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no title text in\n%s", out)
	}
	if m[1] != long {
		t.Errorf("tooltip = %q, want the full title", m[1])
	}
	var lines []string
	for _, l := range regexp.MustCompile(`<tspan x="12" dy="[0-9.]+">([^<]*)</tspan>`).FindAllStringSubmatch(m[2], -1) {
		lines = append(lines, l[1])
		if w := textWidth(l[1], fontSize); w > titleW {
			t.Errorf("line %q is %.0f wide, room is %.0f", l[1], w, titleW)
		}
	}
	shown := strings.Join(lines, " ")
	if len(lines) != maxLines || !strings.HasSuffix(shown, "…") || !strings.HasPrefix(long, strings.TrimSuffix(shown, "…")) {
		t.Errorf("shown title = %q, want two lines, a prefix with an ellipsis", lines)
	}
	// A title that fits on two lines has no ellipsis.
	if got := wrap("Citizen monitoring workshops in every district", titleW, fontSize, maxLines); len(got) != 2 || strings.Contains(got[1], "…") {
		t.Errorf("wrap = %q", got)
	}
	if got := wrap("Short", titleW, fontSize, maxLines); len(got) != 1 || got[0] != "Short" {
		t.Errorf("wrap(short) = %q", got)
	}
	// A word too long for a line is cut inside.
	if got := wrap(strings.Repeat("x", 200), titleW, fontSize, maxLines); len(got) != 2 || textWidth(got[0], fontSize) > titleW || textWidth(got[1], fontSize) > titleW {
		t.Errorf("wrap(long word) = %q", got)
	}
	if got := truncate("Short", titleW, fontSize); got != "Short" {
		t.Errorf("truncate(short) = %q", got)
	}
	// A combining mark is never separated from its base.
	s := strings.Repeat("e\u0301", 60)
	got := truncate(s, 100, fontSize)
	if strings.HasSuffix(strings.TrimSuffix(got, "…"), "e") {
		t.Errorf("truncate split a combining mark: %q", got)
	}
	if got := truncate(strings.Repeat("行政", 40), 100, fontSize); textWidth(got, fontSize) > 100 {
		t.Errorf("wide characters overflow: %q", got)
	}
}

func TestAxisSpan(t *testing.T) {
	tests := []struct {
		name    string
		ms      []Milestone
		today   time.Time
		lo, hi  time.Time // what the axis must include
		minSpan time.Duration
	}{
		{"today inside", []Milestone{{Start: day("2027-01-01"), Due: day("2027-06-30")}}, day("2027-03-01"),
			day("2027-01-01"), day("2027-06-30"), 0},
		{"today before", []Milestone{{Start: day("2027-01-01"), Due: day("2027-06-30")}}, day("2026-10-01"),
			day("2026-10-01"), day("2027-06-30"), 0},
		{"today after", []Milestone{{Start: day("2027-01-01"), Due: day("2027-06-30")}}, day("2027-12-01"),
			day("2027-01-01"), day("2027-12-01"), 0},
		{"completed after due", []Milestone{{Start: day("2027-01-01"), Due: day("2027-02-01"), Completed: ptr(day("2027-08-01"))}}, day("2027-01-15"),
			day("2027-01-01"), day("2027-08-01"), 0},
		{"short span", []Milestone{{Start: day("2027-03-01"), Due: day("2027-03-05")}}, day("2027-03-03"),
			day("2027-03-01"), day("2027-03-05"), minSpan},
		{"zero start", []Milestone{{Due: day("2027-05-01")}}, day("2027-03-03"),
			day("2027-03-03"), day("2027-05-01"), 0},
		{"several", []Milestone{{Start: day("2026-05-01"), Due: day("2026-09-01")}, {Start: day("2027-01-01"), Due: day("2028-06-30")}}, day("2027-03-03"),
			day("2026-05-01"), day("2028-06-30"), 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := newAxis(tt.ms, tt.today)
			if !a.from.Before(tt.lo) || !a.to.After(tt.hi) {
				t.Errorf("axis %s..%s does not pad %s..%s", a.from, a.to, tt.lo, tt.hi)
			}
			if pad := tt.lo.Sub(a.from); pad < minPadding || (tt.minSpan == 0 && pad > tt.hi.Sub(tt.lo)/10+minPadding) {
				t.Errorf("padding %s before is not a little", pad)
			}
			if a.to.Sub(a.from) < tt.minSpan {
				t.Errorf("span %s < %s", a.to.Sub(a.from), tt.minSpan)
			}
			for _, m := range tt.ms {
				for _, d := range []time.Time{m.Start, m.Due} {
					if d.IsZero() {
						continue
					}
					if x := a.x(d); x < chartX0 || x > chartX1 {
						t.Errorf("x(%s) = %v outside the chart", d, x)
					}
				}
			}
			if len(a.monthTicks()) == 0 {
				t.Errorf("no month tick")
			}
		})
	}
	// Month labels never overlap and fit in the chart.
	for _, span := range []int{2, 6, 12, 24, 48, 120} {
		ms := []Milestone{{Start: day("2027-01-01"), Due: day("2027-01-01").AddDate(0, span, 0), Status: StatusOnTrack}}
		out := string(Render(ms, today, labels))
		var xs []float64
		for _, m := range regexp.MustCompile(`<text x="([0-9.]+)" y="`+num(tickY)+`"`).FindAllStringSubmatch(out, -1) {
			x, _ := strconv.ParseFloat(m[1], 64)
			xs = append(xs, x)
		}
		if len(xs) == 0 {
			t.Errorf("%d months: no month label", span)
		}
		for i := 1; i < len(xs); i++ {
			if xs[i]-xs[i-1] < textWidth("2027-06", tickSize)+4 {
				t.Errorf("%d months: labels at %v and %v overlap", span, xs[i-1], xs[i])
			}
		}
	}
}

// The today label has a band of its own above the month labels, and no
// month label is drawn where the today line crosses their band, wherever
// today falls (on a tick, just after one, between two).
func TestTodayLabelClear(t *testing.T) {
	if top := tickY - tickSize; todayY-14+20 >= top {
		t.Errorf("today label (bottom %v) overlaps the month labels (top %v)", todayY-14+20, top)
	}
	label := regexp.MustCompile(`<text x="([0-9.]+)" y="` + num(tickY) + `"[^>]*>([0-9-]+)</text>`)
	todayLine := regexp.MustCompile(`<g class="ogp-timeline-today"><title>[^<]*</title><line x1="([0-9.]+)"`)
	ms := []Milestone{{Start: day("2026-10-28"), Due: day("2026-11-22"), Status: StatusOverdue},
		{Start: day("2026-12-01"), Due: day("2027-09-23"), Status: StatusNotStarted}}
	for d := day("2026-10-20"); d.Before(day("2027-03-01")); d = d.AddDate(0, 0, 3) {
		out := string(Render(ms, d, labels))
		m := todayLine.FindStringSubmatch(out)
		if m == nil {
			t.Fatalf("today %s: no today line", d.Format(time.DateOnly))
		}
		tx, _ := strconv.ParseFloat(m[1], 64)
		found := label.FindAllStringSubmatch(out, -1)
		if len(found) < 3 {
			t.Errorf("today %s: only %d month labels", d.Format(time.DateOnly), len(found))
		}
		for _, l := range found {
			x, _ := strconv.ParseFloat(l[1], 64)
			if w := textWidth(l[2], tickSize); tx+1 >= x-2 && tx-1 <= x+w+2 {
				t.Errorf("today %s (x=%v): month label %s at %v..%v is crossed by the today line", d.Format(time.DateOnly), tx, l[2], x, x+w)
			}
		}
	}
}

func TestDeterministic(t *testing.T) {
	a := Render(example(), today, labels)
	for range 5 {
		if b := Render(example(), today, labels); a != b {
			t.Fatal("two renders of the same input differ")
		}
	}
	// Same instants in another location: same chart (dates are formatted
	// by the caller, in the location it chooses).
	l := labels
	l.DateFormat = func(t time.Time) string { return t.UTC().Format(time.DateOnly) }
	a = Render(example(), today, l)
	ms := example()
	loc := time.FixedZone("X", -5*3600)
	for i := range ms {
		ms[i].Start, ms[i].Due = ms[i].Start.In(loc), ms[i].Due.In(loc)
	}
	if b := Render(ms, today.In(loc), l); a != b {
		t.Error("the chart depends on the location of the times")
	}
}

var idRe = regexp.MustCompile(`aria-labelledby="(tl-[0-9a-f]{12})-title (tl-[0-9a-f]{12})-desc"`)

func chartID(t *testing.T, out string) string {
	t.Helper()
	m := idRe.FindStringSubmatch(out)
	if m == nil || m[1] != m[2] {
		t.Fatalf("no aria-labelledby in\n%s", out)
	}
	for _, want := range []string{`<title id="` + m[1] + `-title">`, `<desc id="` + m[1] + `-desc">`} {
		if !strings.Contains(out, want) {
			t.Fatalf("%s missing", want)
		}
	}
	return m[1]
}

func TestIDs(t *testing.T) {
	base := example()
	variants := map[string]func() ([]Milestone, time.Time, Labels){
		"base":  func() ([]Milestone, time.Time, Labels) { return base, today, labels },
		"today": func() ([]Milestone, time.Time, Labels) { return base, today.AddDate(0, 0, 1), labels },
		"title": func() ([]Milestone, time.Time, Labels) { ms := example(); ms[0].Title += "!"; return ms, today, labels },
		"status": func() ([]Milestone, time.Time, Labels) {
			ms := example()
			ms[4].Status = StatusDueSoon
			return ms, today, labels
		},
		"label": func() ([]Milestone, time.Time, Labels) { l := labels; l.Today = "Hoy"; return base, today, l },
		"fewer": func() ([]Milestone, time.Time, Labels) { return base[:3], today, labels },
		"dates": func() ([]Milestone, time.Time, Labels) {
			l := labels
			l.DateFormat = func(t time.Time) string { return t.Format("02/01/2006") }
			return base, today, l
		},
	}
	seen := map[string]string{}
	for name, v := range variants {
		out := string(Render(v()))
		id := chartID(t, out)
		if other, dup := seen[id]; dup {
			t.Errorf("%s and %s share id %s", name, other, id)
		}
		seen[id] = name
		// Every id reference points inside this chart.
		for _, ref := range regexp.MustCompile(`url\(#([^)]+)\)`).FindAllStringSubmatch(out, -1) {
			if !strings.HasPrefix(ref[1], id+"-") || !strings.Contains(out, `id="`+ref[1]+`"`) {
				t.Errorf("%s: dangling or foreign reference %s", name, ref[1])
			}
		}
		if strings.Contains(out, idMark) {
			t.Errorf("%s: id placeholder left", name)
		}
	}
	if chartID(t, string(Render(example(), today, labels))) != chartID(t, string(Render(base, today, labels))) {
		t.Error("the id is not stable")
	}
}

func TestWellFormedAndAccessible(t *testing.T) {
	out := string(Render(example(), today, labels))
	els := wellFormed(t, out)
	if els[0].Name.Local != "div" || attr(els[0], "class") != "ogp-timeline" {
		t.Errorf("wrapper = %v", els[0])
	}
	svg := els[1]
	if svg.Name.Local != "svg" || svg.Name.Space != "http://www.w3.org/2000/svg" {
		t.Fatalf("second element is %v", svg.Name)
	}
	for name, want := range map[string]string{"role": "img", "width": "100%"} {
		if got := attr(svg, name); got != want {
			t.Errorf("svg %s = %q, want %q", name, got, want)
		}
	}
	vb := strings.Fields(attr(svg, "viewBox"))
	if len(vb) != 4 || vb[3] != num(rowsY+7*rowH+bottom) {
		t.Errorf("viewBox = %v, want a height for 7 rows", vb)
	}
	if !strings.Contains(attr(svg, "font-family"), "system-ui") || attr(svg, "font-size") != "14" {
		t.Errorf("font = %q %q", attr(svg, "font-family"), attr(svg, "font-size"))
	}
	// The desc says each milestone in words.
	d := xml.NewDecoder(strings.NewReader(out))
	var doc struct {
		SVG struct {
			Title string `xml:"title"`
			Desc  string `xml:"desc"`
		} `xml:"svg"`
	}
	if err := d.Decode(&doc); err != nil {
		t.Fatal(err)
	}
	if doc.SVG.Title != labels.Title {
		t.Errorf("title = %q", doc.SVG.Title)
	}
	for _, want := range []string{
		labels.Description,
		"Publish the procurement data standard: 2026-09-01 – 2026-12-15, Completed (2026-12-02).",
		"Train 40 officials in open contracting & data use: 2026-10-01 – 2027-01-31, Completed late (2027-02-20).",
		"Launch the contracts portal with search, downloads and an API for journalists: 2026-11-15 – 2027-02-28, Overdue (60%).",
		"Evaluation with civil society: 2027-05-01 – 2027-09-30, Not started.",
		"Open budget hackathon: 2026-12-01 – 2027-04-15, Withdrawn.",
	} {
		if !strings.Contains(doc.SVG.Desc, want) {
			t.Errorf("desc lacks %q:\n%s", want, doc.SVG.Desc)
		}
	}
	// One row per milestone, each with its status text; the today line.
	if n := strings.Count(out, `<g class="ogp-timeline-row `); n != 7 {
		t.Errorf("%d rows, want 7", n)
	}
	if !strings.Contains(out, `class="ogp-timeline-today"><title>Today 2027-03-10</title>`) || !strings.Contains(out, `>Today</text>`) {
		t.Error("today line or label missing")
	}
	if !strings.Contains(out, ">Overdue (60%)</text>") {
		t.Error("overdue status with percent missing")
	}
}

func TestOddInput(t *testing.T) {
	ms := []Milestone{
		{Title: "No dates", Status: StatusOnTrack, StatusLabel: "On track", CompletionPercent: 150},
		{Title: "Start only", Start: day("2027-01-01"), Status: StatusOnTrack, CompletionPercent: -5},
		{Title: "Start after due", Start: day("2027-05-01"), Due: day("2027-02-01"), Status: StatusOverdue, CompletionPercent: 0},
		{Title: "Completed without a date", Start: day("2027-01-01"), Due: day("2027-02-01"), Status: StatusCompleted, CompletionPercent: 100},
		{Title: "Late, completed on the due date", Start: day("2027-01-01"), Due: day("2027-02-01"), Completed: ptr(day("2027-02-01")), Status: StatusCompletedLate},
		{Title: "", Due: day("2027-02-01"), Status: ""},
	}
	out := string(Render(ms, today, Labels{}))
	wellFormed(t, out)
	for _, bad := range []string{"NaN", "Inf", "-0 ", "(150%)", "(-5%)", "No dates:"} {
		if strings.Contains(out, bad) {
			t.Errorf("output contains %q:\n%s", bad, out)
		}
	}
	if !strings.Contains(out, "No dates, On track.") {
		t.Errorf("desc of a milestone without dates:\n%s", out)
	}
	if !strings.Contains(out, `aria-labelledby="`) || strings.Contains(out, "ogp-timeline-today\"><title> ") {
		t.Errorf("empty labels:\n%s", out)
	}
	// Only today on the axis.
	wellFormed(t, string(Render([]Milestone{{Title: "x"}}, today, labels)))
}

// luminance and contrast follow WCAG 2.1.
func luminance(hex string) float64 {
	v, _ := strconv.ParseUint(strings.TrimPrefix(hex, "#"), 16, 32)
	ch := func(c uint64) float64 {
		s := float64(c) / 255
		if s <= 0.03928 {
			return s / 12.92
		}
		return math.Pow((s+0.055)/1.055, 2.4)
	}
	return 0.2126*ch(v>>16&0xff) + 0.7152*ch(v>>8&0xff) + 0.0722*ch(v&0xff)
}

func contrast(a, b string) float64 {
	la, lb := luminance(a), luminance(b)
	return (max(la, lb) + 0.05) / (min(la, lb) + 0.05)
}

func TestContrast(t *testing.T) {
	for _, bg := range []string{"#ffffff", colZebra} {
		for _, fg := range []string{colText, colMuted} {
			if c := contrast(fg, bg); c < 4.5 {
				t.Errorf("text %s on %s: %.2f:1 < 4.5:1", fg, bg, c)
			}
		}
		// Month labels are 12px: they need 4.5:1 too.
		// Outlines and lines that carry meaning need 3:1 (WCAG 1.4.11).
		for _, s := range []Status{StatusCompleted, StatusOnTrack, StatusNotStarted, StatusDueSoon, StatusOverdue, StatusWithdrawn} {
			if c := contrast(styleOf(s).stroke, bg); c < 3 {
				t.Errorf("%s outline %s on %s: %.2f:1 < 3:1", s, styleOf(s).stroke, bg, c)
			}
		}
		for _, c := range []string{colToday, colMarker, colStrike, colAxis} {
			if r := contrast(c, bg); r < 3 {
				t.Errorf("line %s on %s: %.2f:1 < 3:1", c, bg, r)
			}
		}
	}
	if c := contrast(colText, "#ffffff"); c < 4.5 {
		t.Errorf("today label: %.2f:1", c)
	}
}

func TestGolden(t *testing.T) {
	out := string(Render(example(), today, labels))
	svg := strings.TrimSuffix(strings.TrimPrefix(out, `<div class="ogp-timeline">`), `</div>`)
	files := map[string]string{
		"golden.html": out + "\n",
		// A standalone file to look at in a browser.
		"example.svg": `<?xml version="1.0" encoding="UTF-8"?>` + "\n" + svg + "\n",
	}
	for name, got := range files {
		path := filepath.Join("testdata", name)
		if *update {
			if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%v (run go test -update)", err)
		}
		if got != string(want) {
			t.Errorf("%s differs from the output; run go test ./web/timeline -update and review the diff\ngot:\n%s", path, got)
		}
	}
}
