package web_test

// Helpers of the real-browser tests (browser_test.go): Debian's Chromium,
// headless, driven through the DevTools protocol with chromedp. One
// Chromium per test function; each person of a test gets a tab in a
// browser context of their own (their own cookies), like a private window.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// browserStep bounds each step of a browser test: a navigation, a click
// and the page it loads, a wait for an element.
const browserStep = 20 * time.Second

// chromiumPath finds Debian's Chromium (or the browser OGP_CHROMIUM
// names). Without one the test is skipped, except in CI (CI=true), where
// the browser tests must run: .ci/run installs the package.
func chromiumPath(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("OGP_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	const msg = "Chromium not found (no chromium or chromium-browser in PATH, and OGP_CHROMIUM is not set): " +
		"install Debian's package (apt-get install chromium) to run the browser tests"
	if os.Getenv("CI") == "true" {
		t.Fatal(msg + "; CI=true, so the browser tests must run")
	}
	t.Skip(msg)
	return ""
}

// lockedBuffer collects Chromium's output for failure reports.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.buf.Len() > 1<<20 {
		return len(p), nil
	}
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// chrome is a running Chromium.
type chrome struct {
	ctx  context.Context // has run once: the browser is up
	base string          // the site's root URL
}

// startChrome starts Chromium (headless, no sandbox: CI runs as root; no
// network but the site's) with a fresh profile, stopped when the test
// ends. The window is 1280 pixels wide and the browser asks for English.
func startChrome(t *testing.T, path, base string) *chrome {
	t.Helper()
	out := &lockedBuffer{}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.Flag("headless", "new"),
		chromedp.Flag("no-sandbox", true),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("no-default-browser-check", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("disable-default-apps", true),
		chromedp.Flag("disable-features", "Translate,MediaRouter,OptimizationHints"),
		chromedp.Flag("hide-scrollbars", true),
		chromedp.Flag("mute-audio", true),
		chromedp.Flag("password-store", "basic"),
		chromedp.Flag("use-mock-keychain", true),
		chromedp.Flag("force-color-profile", "srgb"),
		chromedp.Flag("lang", "en-US"),
		chromedp.WindowSize(1280, 900),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.CombinedOutput(out),
	}
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(allocCtx)
	t.Cleanup(func() {
		cancel()
		cancelAlloc()
		if t.Failed() {
			if s := strings.TrimSpace(out.String()); s != "" {
				t.Logf("Chromium's output (without D-Bus complaints):\n%s", tail(withoutDBus(s), 4000))
			}
		}
	})
	started := time.Now()
	version, err := chromedp.Run(ctx, chromedp.Evaluate[string](`navigator.userAgent`))
	if err != nil {
		t.Fatalf("start Chromium (%s): %v\n%s", path, err, tail(out.String(), 4000))
	}
	t.Logf("Chromium up in %v: %s", time.Since(started).Round(time.Millisecond), version)
	return &chrome{ctx: ctx, base: base}
}

// withoutDBus drops the lines where Chromium complains that there is no
// D-Bus (none in containers), which hide what matters.
func withoutDBus(s string) string {
	var keep []string
	for _, line := range strings.Split(s, "\n") {
		if !strings.Contains(line, "dbus") {
			keep = append(keep, line)
		}
	}
	return strings.Join(keep, "\n")
}

func tail(s string, n int) string {
	if len(s) > n {
		return "…" + s[len(s)-n:]
	}
	return s
}

// tab is one person's browser: a tab in a browser context of its own.
type tab struct {
	t    testing.TB
	ctx  context.Context
	base string
}

// tab opens a tab with no cookies, reporting to t and closed when t ends.
func (c *chrome) tab(t testing.TB) *tab {
	t.Helper()
	ctx, cancel := chromedp.NewContext(c.ctx, chromedp.WithNewBrowserContext())
	t.Cleanup(cancel)
	// The first run creates the tab: no time limit on its context, which
	// the tab keeps.
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(1280, 900)); err != nil {
		t.Fatalf("open a tab: %v", err)
	}
	return &tab{t: t, ctx: ctx, base: c.base}
}

// run runs a with the step's time limit and returns its value.
func run[T any](b *tab, what string, a chromedp.Action[T]) T {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, browserStep)
	defer cancel()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) {
			err = fmt.Errorf("nothing after %v: %w", browserStep, err)
		}
		b.fatalf("%s: %v", what, err)
	}
	return v
}

// do runs steps that return nothing, in order.
func (b *tab) do(what string, steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	run(b, what, chromedp.Steps(steps...))
}

// fatalf fails the test with what the page shows, to see why.
func (b *tab) fatalf(format string, args ...any) {
	b.t.Helper()
	b.t.Fatalf("%s\n%s", fmt.Sprintf(format, args...), b.describe())
}

// describe says where the tab is and what its page says.
func (b *tab) describe() string {
	ctx, cancel := context.WithTimeout(b.ctx, 5*time.Second)
	defer cancel()
	s, err := chromedp.Run(ctx, chromedp.Evaluate[string](`(() => {
		const main = document.querySelector("main") || document.body;
		return "page: " + location.href + " (" + document.title + ")\n" + (main ? main.innerText.slice(0, 3000) : "(no body)");
	})()`))
	if err != nil {
		return fmt.Sprintf("(cannot read the page: %v)", err)
	}
	return s
}

// open loads path and fails unless it answers 200.
func (b *tab) open(path string) {
	b.t.Helper()
	if status := b.openStatus(path); status != 200 {
		b.fatalf("GET %s: status %d, want 200 (is the page there yet?)", path, status)
	}
}

// openStatus loads path and returns its status.
func (b *tab) openStatus(path string) int {
	b.t.Helper()
	res := run(b, "GET "+path, chromedp.NavigateResponse(b.base+path))
	if res == nil {
		b.fatalf("GET %s: no response", path)
	}
	return int(res.Status)
}

// follow clicks the element sel (a link or a submit button), waits for the
// page it loads and returns that page's status (after redirects).
func (b *tab) follow(what, sel string) int {
	b.t.Helper()
	res := run(b, what, func(ctx context.Context, _ *chromedp.Target) (*network.Response, error) {
		return chromedp.RunResponse(ctx, chromedp.ScrollIntoView(chromedp.CSS(sel), chromedp.NodeVisible), chromedp.Click(chromedp.CSS(sel), chromedp.NodeVisible))
	})
	if res == nil {
		b.fatalf("%s: clicking %s loaded no page", what, sel)
	}
	return int(res.Status)
}

// followOK is follow, failing unless the page answers 200.
func (b *tab) followOK(what, sel string) {
	b.t.Helper()
	if status := b.follow(what, sel); status != 200 {
		b.fatalf("%s: status %d, want 200", what, status)
	}
}

// press sends keys to the focused element, waits for the page they load
// (Enter in a form) and returns its status.
func (b *tab) press(what, keys string) int {
	b.t.Helper()
	res := run(b, what, func(ctx context.Context, _ *chromedp.Target) (*network.Response, error) {
		return chromedp.RunResponse(ctx, chromedp.KeyEvent(keys))
	})
	if res == nil {
		b.fatalf("%s: no page loaded", what)
	}
	return int(res.Status)
}

// typeInto types text into the field sel, as a person would, after emptying it.
func (b *tab) typeInto(sel, text string) {
	b.t.Helper()
	steps := []chromedp.Action[chromedp.Void]{
		chromedp.WaitVisible(chromedp.CSS(sel)),
		chromedp.ScrollIntoView(chromedp.CSS(sel)),
		clearField(sel),
	}
	if text != "" {
		steps = append(steps, chromedp.SendKeys(chromedp.CSS(sel), text))
	}
	b.do("type into "+sel, steps...)
}

// clearField empties the input or textarea sel (chromedp.Clear resets
// the value attribute, which is not what a person's edits change).
func clearField(sel string) chromedp.Action[chromedp.Void] {
	return chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`(e => {
		e.focus();
		e.value = "";
		e.dispatchEvent(new Event("input", {bubbles: true}));
	})(document.querySelector(%s))`, jsString(sel)))
}

// evalString evaluates a JavaScript expression that gives a string.
func evalString(expr string) chromedp.Action[string] { return chromedp.Evaluate[string](expr) }

// waitFor waits d: only between two polls of something the test awaits.
func waitFor(d time.Duration) chromedp.Action[chromedp.Void] { return chromedp.Sleep(d) }

// wait waits until sel is visible.
func (b *tab) wait(sel string) {
	b.t.Helper()
	b.do("wait for "+sel, chromedp.WaitVisible(chromedp.CSS(sel)))
}

// text is the visible text of the first element sel matches.
func (b *tab) text(sel string) string {
	b.t.Helper()
	return run(b, "read "+sel, chromedp.Text(chromedp.CSS(sel), chromedp.NodeVisible))
}

// count is how many elements sel matches now.
func (b *tab) count(sel string) int {
	b.t.Helper()
	return run(b, "count "+sel, chromedp.Evaluate[int](fmt.Sprintf(`document.querySelectorAll(%s).length`, jsString(sel))))
}

// mustSee fails unless the element sel is visible and shows every text.
func (b *tab) mustSee(sel string, texts ...string) {
	b.t.Helper()
	b.wait(sel)
	got := b.text(sel)
	for _, s := range texts {
		if !strings.Contains(got, s) {
			b.fatalf("%s shows %q, without %q", sel, tail(got, 1500), s)
		}
	}
}

// path is the path and query of the tab's page.
func (b *tab) path() string {
	b.t.Helper()
	return run(b, "read the location", chromedp.Evaluate[string](`location.pathname + location.search + location.hash`))
}

// lang is the page's lang attribute.
func (b *tab) lang() string {
	b.t.Helper()
	return run(b, "read the page's language", chromedp.Evaluate[string](`document.documentElement.lang`))
}

// focused describes the focused element: its id, else its tag, name and
// text.
func (b *tab) focused() string {
	b.t.Helper()
	return run(b, "read the focused element", chromedp.Evaluate[string](`(() => {
		const e = document.activeElement;
		if (!e || e === document.body) return "body";
		if (e.id) return "#" + e.id;
		return e.tagName.toLowerCase() + (e.getAttribute("type") ? "[type=" + e.getAttribute("type") + "]" : "") +
			(e.className ? "." + String(e.className).trim().split(/\s+/).join(".") : "") + " " + (e.innerText || "").trim().slice(0, 40);
	})()`))
}

// key presses keys (see package kb) with no page load expected.
func (b *tab) key(keys string) {
	b.t.Helper()
	b.do("press "+describeKeys(keys), chromedp.KeyEvent(keys))
}

func describeKeys(keys string) string {
	switch keys {
	case kb.Tab:
		return "Tab"
	case kb.Enter:
		return "Enter"
	}
	return fmt.Sprintf("%q", keys)
}

func jsString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// --- axe-core

// axeSource is web/testdata/axe/axe.min.js, read once.
var axeSource = sync.OnceValues(func() (string, error) {
	b, err := os.ReadFile(filepath.Join("testdata", "axe", "axe.min.js"))
	return string(b), err
})

// axeViolation is one rule axe-core found broken, with the elements.
type axeViolation struct {
	ID      string `json:"id"`
	Impact  string `json:"impact"`
	Help    string `json:"help"`
	HelpURL string `json:"helpUrl"`
	Nodes   []struct {
		Target  []string `json:"target"`
		HTML    string   `json:"html"`
		Summary string   `json:"summary"`
	} `json:"nodes"`
}

func (v axeViolation) String() string {
	var s strings.Builder
	fmt.Fprintf(&s, "%s (%s): %s [%s]", v.ID, v.Impact, v.Help, v.HelpURL)
	for i, n := range v.Nodes {
		if i == 8 {
			fmt.Fprintf(&s, "\n      … and %d more", len(v.Nodes)-i)
			break
		}
		fmt.Fprintf(&s, "\n      %s: %s", strings.Join(n.Target, " "), strings.ReplaceAll(tail(n.Summary, 400), "\n", " / "))
	}
	return s.String()
}

// axeResult is what axe-core found on a page: the rules broken, the
// rules it could not decide (to check by hand), and how many it passed.
type axeResult struct {
	Version    string         `json:"version"`
	Passes     int            `json:"passes"`
	Violations []axeViolation `json:"violations"`
	Incomplete []axeViolation `json:"incomplete"`
}

// axe runs axe-core with the WCAG 2.1 A and AA rules on the tab's page.
// The script is evaluated through the DevTools protocol, which the
// page's Content-Security-Policy (script-src 'self') does not govern.
func (b *tab) axe() axeResult {
	b.t.Helper()
	src, err := axeSource()
	if err != nil {
		b.t.Fatalf("read axe-core: %v", err)
	}
	b.do("load axe-core", chromedp.Evaluate[chromedp.Void](src+"\n;void 0"))
	text := run(b, "run axe-core", chromedp.Evaluate[string](`axe.run(document, {
		runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
		resultTypes: ["violations", "incomplete"]
	}).then(r => {
		const rules = list => list.map(v => ({
			id: v.id, impact: v.impact || "", help: v.help, helpUrl: v.helpUrl,
			nodes: v.nodes.map(n => ({target: n.target.map(String), html: n.html.slice(0, 300), summary: n.failureSummary || ""}))
		}));
		return JSON.stringify({version: axe.version, passes: r.passes.length, violations: rules(r.violations), incomplete: rules(r.incomplete)});
	})`, chromedp.EvalAwaitPromise))
	var out axeResult
	if err := json.Unmarshal([]byte(text), &out); err != nil {
		b.t.Fatalf("axe-core's answer: %v: %s", err, tail(text, 500))
	}
	if out.Passes == 0 {
		b.fatalf("axe-core %s passed no rule at all: did it run?", out.Version)
	}
	return out
}

// --- screenshots

// screenshotQuality is the JPEG quality of the screenshots: small files
// for the repository, text still crisp. (Quality 100 would make PNGs,
// about ten times larger.)
const screenshotQuality = 85

// screenshot writes a full-page JPEG of the tab's page to dir/name (a
// .jpg name).
func (b *tab) screenshot(dir, name string) {
	b.t.Helper()
	jpg := run(b, "screenshot "+name, chromedp.FullScreenshot(screenshotQuality))
	if err := os.WriteFile(filepath.Join(dir, name), jpg, 0o644); err != nil {
		b.t.Fatal(err)
	}
}
