// Package timeline draws a commitment's milestones as a server-rendered
// SVG chart, to be embedded inline in HTML pages (no JavaScript; CSS
// optional).
//
// Each milestone is one row, in the order given: its title at the left
// (wrapped on two lines, then cut with an ellipsis; the full title is its
// tooltip), a bar from its planned start to its due date on a shared time
// axis with month ticks, and its status at the right. A vertical line
// marks today, labelled with Labels.Today in a band of its own above the
// month labels (a month label the line would cross is left out). The axis spans the earliest
// start or today to the latest due date, completion or today, at least
// two months, padded by 4% (at least a week) on each side. Statuses are
// told apart three ways, so colour is never the only signal: a colour of
// the Okabe-Ito palette (safe for colour-blind readers), a fill pattern or
// shape, and the status text the caller supplies (StatusLabel):
//
//	completed       solid bluish green, a marker at the completion date
//	completed_late  solid bluish green, then a hatched vermillion segment
//	                from the due date to the completion marker
//	on_track        plain light sky blue, solid blue outline
//	not_started     plain very light blue, dashed blue outline
//	due_soon        orange dots, dark orange outline
//	overdue         vermillion diagonal hatch, and a dashed line from the
//	                due date to today
//	withdrawn       light grey, struck through, grey text
//
// An unknown status is drawn plain, with a grey outline. When a
// milestone's CompletionPercent is known (0-100) and it is open, a thin
// strip along the bottom of its bar shows the percentage, and the status
// text says it ("On track (40%)"; not "(0%)" for a not started one).
//
// The chart is accessible: the svg has role="img" and aria-labelledby
// pointing to its <title> (Labels.Title) and <desc> (Labels.Description
// followed by one sentence per milestone: "Title: 2027-01-15 – 2027-06-30,
// Overdue (40%)."). Text is system-ui 14px (axis 12px), dark on light with
// a contrast of at least 4.5:1; bar outlines contrast at least 3:1. All
// text is escaped (titles come from users); characters XML forbids are
// dropped.
//
// The package knows no language: every word shown comes from the caller
// (Labels and StatusLabel), dates go through Labels.DateFormat (ISO
// 2006-01-02 when nil), month ticks are labelled in the neutral ISO form
// 2006-01, and the desc sentences use only punctuation around the
// caller's words.
//
// The svg has a viewBox and width="100%", so it scales to its container;
// its height follows the number of rows. Below about 600px the text gets
// small: wrap it in a scrolling container with a minimum width, e.g.
// .ogp-timeline{overflow-x:auto} .ogp-timeline svg{min-width:40rem}.
// Render wraps the svg in <div class="ogp-timeline"> for that purpose.
//
// Ids (of the title, desc and patterns) derive from a hash of the
// rendered content, so the output is deterministic and two different
// charts on one page do not collide (48 bits of hash); the same chart rendered twice on one
// page repeats its ids (with identical definitions).
//
// No milestones: Render returns the empty string, so the caller shows its
// own localized sentence ({{with .Chart}}{{.}}{{else}}<p>{{t "..."}}</p>{{end}}).
package timeline

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"html/template"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Status is how a milestone stands, as the chart draws it.
type Status string

// Statuses. They follow the domain's schedule states (ogp.ScheduleState:
// done_on_time, done_late, on_track, due_soon, overdue), with not_started
// (ogp.MilestoneNotStarted on track) and withdrawn (the commitment was
// withdrawn) added; StatusFor maps the domain's values.
const (
	StatusCompleted     Status = "completed"
	StatusCompletedLate Status = "completed_late"
	StatusOnTrack       Status = "on_track"
	StatusNotStarted    Status = "not_started"
	StatusDueSoon       Status = "due_soon"
	StatusOverdue       Status = "overdue"
	StatusWithdrawn     Status = "withdrawn"
)

// StatusFor maps a milestone's domain state to a chart status:
// milestoneStatus is its ogp.MilestoneStatus (not_started, in_progress,
// completed), schedule its ogp.ScheduleState as of today (on_track,
// due_soon, overdue, done_on_time, done_late), and withdrawn whether its
// commitment was withdrawn (a completed milestone stays completed; an
// open one is shown withdrawn). An empty schedule counts as on track.
func StatusFor(milestoneStatus, schedule string, withdrawn bool) Status {
	switch {
	case schedule == "done_late":
		return StatusCompletedLate
	case milestoneStatus == "completed" || schedule == "done_on_time":
		return StatusCompleted
	case withdrawn:
		return StatusWithdrawn
	case schedule == "overdue":
		return StatusOverdue
	case schedule == "due_soon":
		return StatusDueSoon
	case milestoneStatus == "not_started":
		return StatusNotStarted
	}
	return StatusOnTrack
}

// Milestone is one row of the chart.
type Milestone struct {
	Title string
	// Start is the planned start, Due the due date (ogp.Date.Time()
	// values: the start of the day in UTC). A zero Start draws the bar as
	// a short mark at Due.
	Start, Due time.Time
	// Completed, when set, puts a marker at the completion time.
	Completed *time.Time
	Status    Status
	// StatusLabel is the localized text of Status, printed on the row.
	StatusLabel string
	// CompletionPercent is 0-100 when known, else -1.
	CompletionPercent int
}

// Labels are the chart's words, localized by the caller.
type Labels struct {
	// Title names the chart (its <title>), Description introduces the
	// per-milestone text of its <desc>, Today labels the today line.
	Title, Description, Today string
	// DateFormat formats dates in the desc and tooltips (ISO when nil).
	DateFormat func(time.Time) string
}

// Geometry, in viewBox units (the svg scales to its container).
const (
	width      = 1000.0
	margin     = 8.0
	titleX     = 12.0  // left edge of the titles
	titleW     = 228.0 // room for a title
	chartX0    = 256.0 // time axis
	chartX1    = 764.0
	statusX    = 780.0 // status swatch, then its text
	swatchW    = 14.0
	statusTX   = statusX + swatchW + 8
	statusW    = width - margin - statusTX
	todayY     = 15.0 // baseline of the today label, in its own band at the top
	tickY      = 42.0 // baseline of the month labels, in the band below
	axisY      = 50.0 // the axis line; rows start below
	rowsY      = 54.0
	rowH       = 44.0
	lineH      = 17.0 // between the lines of a wrapped title
	maxLines   = 2
	barH       = 18.0
	bottom     = 10.0
	fontSize   = 14.0
	tickSize   = 12.0
	minBarW    = 4.0
	todayGap   = 4.0                 // room kept free on each side of the today line, in the month labels' band
	minSpan    = 60 * 24 * time.Hour // the axis shows at least two months
	minPadding = 7 * 24 * time.Hour
)

// Colours: the Okabe-Ito palette, with light tints for fills and darker
// shades where an outline or text needs contrast.
const (
	colText      = "#1b1b1b" // 17:1 on white
	colMuted     = "#565c65" // 6.9:1 on white, 6.4:1 on the zebra rows
	colZebra     = "#f5f6f7"
	colGrid      = "#dfe1e2"
	colAxis      = "#71767a"
	colToday     = "#1b1b1b"
	colGreen     = "#009E73" // Okabe-Ito bluish green
	colGreenDark = "#00704f"
	colSky       = "#56B4E9" // Okabe-Ito sky blue
	colSkyTint   = "#c6e5f8"
	colBlue      = "#0072B2" // Okabe-Ito blue
	colBlueTint  = "#eef6fc"
	colOrange    = "#E69F00" // Okabe-Ito orange
	colOrangeDk  = "#8c5f00"
	colOrangeTnt = "#fff3d6"
	colVerm      = "#D55E00" // Okabe-Ito vermillion
	colVermDark  = "#a34700"
	colVermTint  = "#fbe3d2"
	colGrey      = "#e0e0e0"
	colGreyDark  = "#71767a"
	colStrike    = "#3d4551"
	colMarker    = "#1b1b1b"
)

// style is how one status is drawn.
type style struct {
	fill     string // colour, or a pattern name (patOverdue...)
	stroke   string
	dash     string // stroke-dasharray, "" for a solid outline
	progress string // colour of the progress strip
	text     string // colour of the row's texts
	strike   bool   // strike the bar through
}

// Pattern names (the ids are prefixed with the chart's id).
const (
	patOverdue = "overdue"
	patDueSoon = "duesoon"
)

func styleOf(s Status) style {
	switch s {
	case StatusCompleted, StatusCompletedLate:
		return style{fill: colGreen, stroke: colGreenDark, progress: colGreenDark, text: colText}
	case StatusOnTrack:
		return style{fill: colSkyTint, stroke: colBlue, progress: colBlue, text: colText}
	case StatusNotStarted:
		return style{fill: colBlueTint, stroke: colBlue, dash: "5 3", progress: colBlue, text: colText}
	case StatusDueSoon:
		return style{fill: patDueSoon, stroke: colOrangeDk, progress: colOrangeDk, text: colText}
	case StatusOverdue:
		return style{fill: patOverdue, stroke: colVermDark, progress: colVermDark, text: colText}
	case StatusWithdrawn:
		return style{fill: colGrey, stroke: colGreyDark, progress: colGreyDark, text: colMuted, strike: true}
	}
	return style{fill: "#ffffff", stroke: colGreyDark, progress: colGreyDark, text: colText}
}

// idMark stands for the chart's id while the chart is drawn: escaped text
// never contains a NUL, so replacing it afterwards touches nothing else.
const idMark = "\x00"

// Render draws the milestones, in the order given, with today's line.
// It returns the empty string when there are no milestones (see the
// package documentation).
func Render(ms []Milestone, today time.Time, l Labels) template.HTML {
	if len(ms) == 0 {
		return ""
	}
	if l.DateFormat == nil {
		l.DateFormat = func(t time.Time) string { return t.Format(time.DateOnly) }
	}
	ax := newAxis(ms, today)
	height := rowsY + float64(len(ms))*rowH + bottom

	var b strings.Builder
	b.Grow(4096 + 1500*len(ms))
	p := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }

	p(`<svg xmlns="http://www.w3.org/2000/svg" class="ogp-timeline-chart" viewBox="0 0 %s %s" width="100%%" role="img" aria-labelledby="%s-title %s-desc" font-family="system-ui, -apple-system, &#39;Segoe UI&#39;, Roboto, &#39;Helvetica Neue&#39;, Arial, sans-serif" font-size="%s" fill="%s">`,
		num(width), num(height), idMark, idMark, num(fontSize), colText)
	p(`<title id="%s-title">%s</title>`, idMark, esc(l.Title))
	p(`<desc id="%s-desc">%s</desc>`, idMark, esc(describe(ms, l)))
	writeDefs(&b, ms)

	// Zebra rows, month grid and ticks, the axis.
	for i := range ms {
		if i%2 == 1 {
			p(`<rect x="0" y="%s" width="%s" height="%s" fill="%s"/>`, num(rowY(i)), num(width), num(rowH), colZebra)
		}
	}
	// Today's line starts under its label (in its own band, above the
	// month labels) and crosses the month labels' band, where no label is
	// drawn over it; the rest is drawn over the bars, at the end.
	tx := ax.x(today)
	p(`<line x1="%s" y1="%s" x2="%s" y2="%s" stroke="%s" stroke-width="2" stroke-dasharray="6 3"/>`, num(tx), num(todayY+5), num(tx), num(axisY), colToday)
	ticks := ax.monthTicks()
	step := ax.labelStep()
	p(`<g class="ogp-timeline-axis">`)
	for _, t := range ticks {
		x := ax.x(t)
		p(`<line x1="%s" y1="%s" x2="%s" y2="%s" stroke="%s" stroke-width="1"/>`, num(x), num(axisY-6), num(x), num(height-bottom), colGrid)
		if (t.Year()*12+int(t.Month())-1)%step == 0 {
			lbl := t.Format("2006-01")
			lx0, lx1 := x+4, x+4+textWidth(lbl, tickSize)
			// A label the today line would cross is left out: its
			// neighbours still date the axis.
			if lx1 <= chartX1+margin && (tx+todayGap < lx0 || tx-todayGap > lx1) {
				p(`<text x="%s" y="%s" font-size="%s" fill="%s" stroke="#ffffff" stroke-width="4" stroke-linejoin="round" paint-order="stroke">%s</text>`, num(lx0), num(tickY), num(tickSize), colMuted, lbl)
			}
		}
	}
	p(`<line x1="%s" y1="%s" x2="%s" y2="%s" stroke="%s" stroke-width="1"/>`, num(chartX0), num(axisY), num(chartX1), num(axisY), colAxis)
	p(`</g>`)

	for i, m := range ms {
		writeRow(&b, i, m, ax, today, l)
	}

	// Today's line and label, above the bars.
	p(`<g class="ogp-timeline-today"><title>%s</title>`, esc(l.Today+" "+l.DateFormat(today)))
	p(`<line x1="%s" y1="%s" x2="%s" y2="%s" stroke="%s" stroke-width="2" stroke-dasharray="6 3"/>`, num(tx), num(axisY), num(tx), num(height-bottom+4), colToday)
	if l.Today != "" {
		label := truncate(clean(l.Today), 240, fontSize)
		w := textWidth(label, fontSize) + 12
		lx := math.Min(math.Max(tx-w/2, chartX0-margin), chartX1+margin-w)
		p(`<rect x="%s" y="%s" width="%s" height="20" rx="3" fill="#ffffff" stroke="%s" stroke-width="1.5"/>`, num(lx), num(todayY-14), num(w), colToday)
		p(`<text x="%s" y="%s" text-anchor="middle" font-weight="700">%s</text>`, num(lx+w/2), num(todayY+1), esc(label))
	}
	p(`</g></svg>`)

	body := b.String()
	sum := sha256.Sum256([]byte(body))
	id := "tl-" + hex.EncodeToString(sum[:6])
	// Every piece of text in body was escaped as it was written.
	return template.HTML(`<div class="ogp-timeline">` + strings.ReplaceAll(body, idMark, id) + `</div>`) //nolint:gosec // escaped when built
}

// writeDefs writes the fill patterns the chart uses, and only those.
func writeDefs(b *strings.Builder, ms []Milestone) {
	var dueSoon, overdue bool
	for _, m := range ms {
		switch m.Status {
		case StatusDueSoon:
			dueSoon = true
		case StatusOverdue, StatusCompletedLate:
			overdue = true
		}
	}
	if !dueSoon && !overdue {
		return
	}
	b.WriteString(`<defs>`)
	if overdue {
		fmt.Fprintf(b, `<pattern id="%s-%s" patternUnits="userSpaceOnUse" width="8" height="8" patternTransform="rotate(45)">`+
			`<rect width="8" height="8" fill="%s"/><rect width="3.5" height="8" fill="%s"/></pattern>`,
			idMark, patOverdue, colVermTint, colVerm)
	}
	if dueSoon {
		fmt.Fprintf(b, `<pattern id="%s-%s" patternUnits="userSpaceOnUse" width="7" height="7">`+
			`<rect width="7" height="7" fill="%s"/><circle cx="3.5" cy="3.5" r="2" fill="%s"/></pattern>`,
			idMark, patDueSoon, colOrangeTnt, colOrange)
	}
	b.WriteString(`</defs>`)
}

// fillOf is the value of a fill attribute: a colour or a pattern.
func fillOf(f string) string {
	if f == patOverdue || f == patDueSoon {
		return "url(#" + idMark + "-" + f + ")"
	}
	return f
}

func rowY(i int) float64 { return rowsY + float64(i)*rowH }

// writeRow draws one milestone: title, bar, markers, status.
func writeRow(b *strings.Builder, i int, m Milestone, ax axis, today time.Time, l Labels) {
	p := func(format string, args ...any) { fmt.Fprintf(b, format, args...) }
	st := styleOf(m.Status)
	y := rowY(i)
	mid := y + rowH/2
	barY := mid - barH/2
	title := clean(m.Title)

	class := "ogp-timeline-row"
	if m.Status != "" {
		class += " ogp-timeline-row--" + strings.Map(classRune, string(m.Status))
	}
	p(`<g class="%s">`, class)

	// Title, on up to two lines, truncated, with the full title as its
	// tooltip.
	writeText(b, titleX, mid, titleW, st.text, title)

	// The bar.
	start, due := m.Start, m.Due
	switch {
	case due.IsZero() && start.IsZero():
		start, due = time.Time{}, time.Time{}
	case due.IsZero():
		due = start
	case start.IsZero() || start.After(due):
		start = due
	}
	if !due.IsZero() {
		x0, x1 := ax.x(start), ax.x(due)
		if x1-x0 < minBarW {
			x0 = x1 - minBarW/2
			x1 = x0 + minBarW
		}
		p(`<g><title>%s</title>`, esc(rowSentence(m, title, l)))
		p(`<rect x="%s" y="%s" width="%s" height="%s" rx="3" fill="%s" stroke="%s" stroke-width="1.5"%s/>`,
			num(x0), num(barY), num(x1-x0), num(barH), fillOf(st.fill), st.stroke, dashAttr(st.dash))
		if pc := m.CompletionPercent; pc > 0 && pc <= 100 && !completed(m.Status) {
			p(`<rect x="%s" y="%s" width="%s" height="4" fill="%s"/>`, num(x0+0.75), num(barY+barH-4.75), num((x1-x0-1.5)*float64(pc)/100), st.progress)
		}
		if st.strike {
			p(`<line x1="%s" y1="%s" x2="%s" y2="%s" stroke="%s" stroke-width="2"/>`, num(x0-4), num(mid), num(x1+4), num(mid), colStrike)
		}
		// Lateness: from the due date to the completion (completed late)
		// or to today (overdue).
		switch {
		case m.Status == StatusCompletedLate && m.Completed != nil && m.Completed.After(due):
			cx := math.Max(ax.x(*m.Completed), x1+6)
			p(`<rect x="%s" y="%s" width="%s" height="%s" fill="%s" stroke="%s" stroke-width="1.5"/>`,
				num(x1), num(barY+3), num(cx-x1), num(barH-6), fillOf(patOverdue), colVermDark)
		case m.Status == StatusOverdue && today.After(due):
			if tx := ax.x(today); tx > x1+2 {
				p(`<line x1="%s" y1="%s" x2="%s" y2="%s" stroke="%s" stroke-width="2" stroke-dasharray="4 3"/>`, num(x1+2), num(mid), num(tx), num(mid), colVermDark)
			}
		}
		p(`</g>`)
	}

	// Completion marker: a diamond at the completion date.
	if m.Completed != nil && !m.Completed.IsZero() {
		cx := ax.x(*m.Completed)
		if m.Status == StatusCompletedLate && !due.IsZero() {
			cx = math.Max(cx, ax.x(due)+6)
		}
		r := 7.0
		p(`<g class="ogp-timeline-done"><title>%s</title><path d="M%s %sL%s %sL%s %sL%s %sZ" fill="%s" stroke="#ffffff" stroke-width="1.5"/></g>`,
			esc("✓ "+l.DateFormat(*m.Completed)),
			num(cx), num(mid-r), num(cx+r), num(mid), num(cx), num(mid+r), num(cx-r), num(mid), colMarker)
	}

	// Status: a swatch like the bar, then the text.
	sy := mid - swatchW/2
	p(`<rect x="%s" y="%s" width="%s" height="%s" rx="2" fill="%s" stroke="%s" stroke-width="1.5"%s/>`,
		num(statusX), num(sy), num(swatchW), num(swatchW), fillOf(st.fill), st.stroke, dashAttr(st.dash))
	if m.Status == StatusCompletedLate {
		p(`<rect x="%s" y="%s" width="%s" height="%s" fill="%s"/>`, num(statusX+swatchW/2), num(sy+0.75), num(swatchW/2-0.75), num(swatchW-1.5), fillOf(patOverdue))
	}
	if st.strike {
		p(`<line x1="%s" y1="%s" x2="%s" y2="%s" stroke="%s" stroke-width="2"/>`, num(statusX-2), num(mid), num(statusX+swatchW+2), num(mid), colStrike)
	}
	status := statusText(m)
	if status != "" {
		writeText(b, statusTX, mid, statusW, st.text, status)
	}
	p(`</g>`)
}

// writeText writes s in a box w wide, vertically centred on mid: on one
// line, or wrapped on up to maxLines lines, the last one truncated with an
// ellipsis; the whole text is the tooltip.
func writeText(b *strings.Builder, x, mid, w float64, colour, s string) {
	lines := wrap(s, w, fontSize, maxLines)
	y := mid + 5 - lineH*float64(len(lines)-1)/2
	fmt.Fprintf(b, `<text x="%s" y="%s" fill="%s"><title>%s</title>`, num(x), num(y), colour, esc(s))
	if len(lines) == 1 {
		b.WriteString(esc(lines[0]))
	} else {
		for i, l := range lines {
			dy := "0"
			if i > 0 {
				dy = num(lineH)
			}
			fmt.Fprintf(b, `<tspan x="%s" dy="%s">%s</tspan>`, num(x), dy, esc(l))
		}
	}
	b.WriteString(`</text>`)
}

// wrap breaks s into at most n lines no wider than w, at spaces (inside a
// word too long for a line), truncating the last line with an ellipsis.
func wrap(s string, w, size float64, n int) []string {
	var lines []string
	for len(lines) < n-1 && textWidth(s, size) > w {
		// The longest prefix that fits, cut at its last space if any.
		cut, used, lastSpace := 0, 0.0, -1
		for i, r := range s {
			used += runeWidth(r) * size
			if used > w {
				break
			}
			if r == ' ' {
				lastSpace = i
			}
			cut = i + utf8.RuneLen(r)
		}
		if lastSpace > 0 {
			cut = lastSpace
		}
		cut = keepMarks(s, cut)
		if cut == 0 {
			break
		}
		lines = append(lines, strings.TrimRight(s[:cut], " "))
		s = strings.TrimLeft(s[cut:], " ")
	}
	return append(lines, truncate(s, w, size))
}

func dashAttr(d string) string {
	if d == "" {
		return ""
	}
	return ` stroke-dasharray="` + d + `"`
}

func completed(s Status) bool { return s == StatusCompleted || s == StatusCompletedLate }

// statusText is the row's status: the label, with the percentage of an
// open milestone when known.
func statusText(m Milestone) string {
	s := clean(m.StatusLabel)
	if showPercent(m) {
		if s != "" {
			s += " "
		}
		s += "(" + strconv.Itoa(m.CompletionPercent) + "%)"
	}
	return s
}

// showPercent says whether the row says its percentage: when known, for
// an open milestone (not for a withdrawn one, nor 0% of a not started one).
func showPercent(m Milestone) bool {
	pc := m.CompletionPercent
	return pc >= 0 && pc <= 100 && !completed(m.Status) && m.Status != StatusWithdrawn && (pc > 0 || m.Status != StatusNotStarted)
}

// rowSentence says a milestone in words: "Title: 2027-01-15 – 2027-06-30,
// Overdue (40%)", or "Title: ..., Completed (2027-05-02)".
func rowSentence(m Milestone, title string, l Labels) string {
	var s strings.Builder
	s.WriteString(title)
	if !m.Start.IsZero() || !m.Due.IsZero() {
		s.WriteString(":")
	}
	switch {
	case !m.Start.IsZero() && !m.Due.IsZero():
		s.WriteString(" " + l.DateFormat(m.Start) + " – " + l.DateFormat(m.Due))
	case !m.Due.IsZero():
		s.WriteString(" " + l.DateFormat(m.Due))
	case !m.Start.IsZero():
		s.WriteString(" " + l.DateFormat(m.Start) + " –")
	}
	status := clean(m.StatusLabel)
	if status == "" {
		status = string(m.Status)
	}
	if status != "" {
		s.WriteString(", " + status)
	}
	switch {
	case m.Completed != nil && !m.Completed.IsZero():
		s.WriteString(" (" + l.DateFormat(*m.Completed) + ")")
	case showPercent(m):
		s.WriteString(" (" + strconv.Itoa(m.CompletionPercent) + "%)")
	}
	return s.String()
}

// describe is the text of the chart's desc.
func describe(ms []Milestone, l Labels) string {
	var parts []string
	if d := strings.TrimSpace(clean(l.Description)); d != "" {
		parts = append(parts, d)
	}
	for _, m := range ms {
		parts = append(parts, rowSentence(m, clean(m.Title), l)+".")
	}
	return strings.Join(parts, " ")
}

// axis maps times to x between chartX0 and chartX1.
type axis struct{ from, to time.Time }

// newAxis spans min(starts, today) to max(dues, completions, today), at
// least two months, with a little padding on both sides.
func newAxis(ms []Milestone, today time.Time) axis {
	lo, hi := today, today
	see := func(t time.Time) {
		if t.IsZero() {
			return
		}
		if t.Before(lo) {
			lo = t
		}
		if t.After(hi) {
			hi = t
		}
	}
	for _, m := range ms {
		see(m.Start)
		see(m.Due)
		if m.Completed != nil {
			see(*m.Completed)
		}
	}
	if span := hi.Sub(lo); span < minSpan {
		grow := (minSpan - span) / 2
		lo, hi = lo.Add(-grow), hi.Add(grow)
	}
	pad := max(hi.Sub(lo)/25, minPadding)
	return axis{from: lo.Add(-pad), to: hi.Add(pad)}
}

func (a axis) x(t time.Time) float64 {
	f := float64(t.Sub(a.from)) / float64(a.to.Sub(a.from))
	return chartX0 + f*(chartX1-chartX0)
}

// monthTicks are the first days of the months (UTC) inside the axis.
func (a axis) monthTicks() []time.Time {
	f := a.from.UTC()
	t := time.Date(f.Year(), f.Month(), 1, 0, 0, 0, 0, time.UTC)
	if t.Before(a.from) {
		t = t.AddDate(0, 1, 0)
	}
	var out []time.Time
	for ; !t.After(a.to); t = t.AddDate(0, 1, 0) {
		out = append(out, t)
	}
	return out
}

// labelStep labels every month, or every 2, 3, 4 or 6 months, or every
// 1, 2, 5 or 10 years, so labels do not overlap.
func (a axis) labelStep() int {
	month := (chartX1 - chartX0) * 30.44 * 24 * float64(time.Hour) / float64(a.to.Sub(a.from))
	need := textWidth("2027-06", tickSize) + 14
	for _, s := range []int{1, 2, 3, 4, 6, 12, 24, 60} {
		if month*float64(s) >= need {
			return s
		}
	}
	return 120
}

// num formats a coordinate with at most one decimal.
func num(f float64) string {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		f = 0
	}
	s := strconv.FormatFloat(math.Round(f*10)/10, 'f', -1, 64)
	if s == "-0" {
		s = "0"
	}
	return s
}

// clean makes user text safe to put in XML: valid UTF-8, line breaks and
// tabs as spaces, other control characters (which XML forbids) and
// non-characters dropped, spaces collapsed.
func clean(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	var b strings.Builder
	space := false
	for _, r := range s {
		switch {
		case r == '\t' || r == '\n' || r == '\r' || unicode.IsSpace(r):
			space = true
			continue
		case r < 0x20, r >= 0x7f && r < 0xa0, r == 0xFFFE, r == 0xFFFF, r >= 0xD800 && r <= 0xDFFF:
			continue
		}
		if space && b.Len() > 0 {
			b.WriteByte(' ')
		}
		space = false
		b.WriteRune(r)
	}
	return b.String()
}

var escaper = strings.NewReplacer(`&`, "&amp;", `<`, "&lt;", `>`, "&gt;", `"`, "&#34;", `'`, "&#39;")

// esc escapes cleaned text for an XML/HTML text node or attribute.
func esc(s string) string { return escaper.Replace(clean(s)) }

func classRune(r rune) rune {
	if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_' || r == '-' {
		return r
	}
	return '-'
}

// textWidth estimates the width of s in a sans-serif font of size px,
// erring wide (DejaVu Sans, the widest common fallback, is the model).
func textWidth(s string, size float64) float64 {
	w := 0.0
	for _, r := range s {
		w += runeWidth(r)
	}
	return w * size
}

func runeWidth(r rune) float64 {
	switch {
	case strings.ContainsRune("iljI.,:;'|!", r):
		return 0.32
	case strings.ContainsRune("ftr()[]{} -\"", r):
		return 0.42
	case strings.ContainsRune("mwMW@%", r):
		return 0.92
	case r >= 'A' && r <= 'Z':
		return 0.72
	case r >= '0' && r <= '9':
		return 0.64
	case r < 0x80:
		return 0.62
	case unicode.Is(unicode.Mn, r):
		return 0
	case isWide(r):
		return 1.0
	}
	return 0.66
}

// isWide reports East Asian wide characters and emoji.
func isWide(r rune) bool {
	return r >= 0x1100 && r <= 0x115F || r >= 0x2E80 && r <= 0xA4CF || r >= 0xAC00 && r <= 0xD7A3 ||
		r >= 0xF900 && r <= 0xFAFF || r >= 0xFE30 && r <= 0xFE4F || r >= 0xFF00 && r <= 0xFF60 ||
		r >= 0xFFE0 && r <= 0xFFE6 || r >= 0x1F300 && r <= 0x1FAFF || r >= 0x20000 && r <= 0x3FFFD
}

// truncate shortens s with an ellipsis to fit in w at size px, never
// splitting a character from its combining marks.
func truncate(s string, w, size float64) string {
	if textWidth(s, size) <= w {
		return s
	}
	room := w - runeWidth('…')*size
	cut, used := 0, 0.0
	for i, r := range s {
		used += runeWidth(r) * size
		if used > room {
			break
		}
		cut = i + utf8.RuneLen(r)
	}
	return strings.TrimRight(s[:keepMarks(s, cut)], " ") + "…"
}

// keepMarks moves a cut in s back so that no combining mark is separated
// from its base.
func keepMarks(s string, cut int) int {
	for cut < len(s) {
		r, _ := utf8.DecodeRuneInString(s[cut:])
		if !unicode.Is(unicode.Mn, r) {
			break
		}
		_, n := utf8.DecodeLastRuneInString(s[:cut])
		if n == 0 {
			break
		}
		cut -= n
	}
	return cut
}
