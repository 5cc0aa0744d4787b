package web

import (
	"bytes"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/ogplocal/ogp"
	"github.com/ogplocal/ogp/models"
)

// pages holds, per language, one template set per page: the layout and
// partials plus the page's own "title" and "content". Sets are built per
// language at start so "t" is bound without cloning per request.
type pages struct {
	byLang map[string]map[string]*template.Template
}

// View is what every page template receives.
type View struct {
	// Page is the page's own data.
	Page any
	// User is the signed-in user, or nil.
	User *models.User
	Lang string
	// CSRF goes into every form's hidden csrf field.
	CSRF string
	// Idem is a fresh Idempotency-Key for the forms of this rendering.
	Idem string
	// Flash is a message left by the previous request (already translated).
	Flash string
	// Path is the request path, for navigation state and language links.
	Path string
	// Form holds what the visitor typed, when a form is shown again.
	Form url.Values
	// Problem is the API's refusal, when a form is shown again.
	Problem *Problem
	// Errors maps a form field to the message shown next to it.
	Errors map[string]string
}

func (w *Web) funcs(lang string) template.FuncMap {
	return template.FuncMap{
		"t":        func(key string, args ...any) string { return w.catalog.text(lang, key, args...) },
		"has":      func(key string) bool { return w.catalog.has(lang, key) },
		"date":     func(v any) string { return formatTime(v, "2006-01-02") },
		"datetime": func(v any) string { return formatTime(v, "2006-01-02 15:04 MST") },
		"dict": func(kv ...any) (map[string]any, error) {
			if len(kv)%2 != 0 {
				return nil, errors.New("dict needs key/value pairs")
			}
			m := make(map[string]any, len(kv)/2)
			for i := 0; i < len(kv); i += 2 {
				k, ok := kv[i].(string)
				if !ok {
					return nil, fmt.Errorf("dict key %v is not a string", kv[i])
				}
				m[k] = kv[i+1]
			}
			return m, nil
		},
		"list": func(v ...any) []any { return v },
		"add":  func(a, b int) int { return a + b },
		"sub":  func(a, b int) int { return a - b },
		"seq": func(from, to int) []int {
			var s []int
			for i := from; i <= to; i++ {
				s = append(s, i)
			}
			return s
		},
		"stepName":  func(n int) string { return w.catalog.text(lang, fmt.Sprintf("step.%d.name", n)) },
		"stepCount": func() int { return ogp.StepCount },
		"join":      strings.Join,
		"lower":     strings.ToLower,
		"formValue": func(f url.Values, name string, fallback any) string {
			if f != nil {
				if _, ok := f[name]; ok {
					return f.Get(name)
				}
			}
			if fallback == nil {
				return ""
			}
			return fmt.Sprint(fallback)
		},
		"query": func(kv ...string) string {
			v := url.Values{}
			for i := 0; i+1 < len(kv); i += 2 {
				v.Set(kv[i], kv[i+1])
			}
			return v.Encode()
		},
	}
}

// formatTime formats time.Time, *time.Time, ogp.Date or an RFC 3339
// string; zero or nil is empty.
func formatTime(v any, layout string) string {
	switch t := v.(type) {
	case time.Time:
		if t.IsZero() {
			return ""
		}
		return t.UTC().Format(layout)
	case *time.Time:
		if t == nil {
			return ""
		}
		return formatTime(*t, layout)
	case string:
		if t == "" {
			return ""
		}
		if p, err := time.Parse(time.RFC3339Nano, t); err == nil {
			return formatTime(p, layout)
		}
		return t
	case *string:
		if t == nil {
			return ""
		}
		return formatTime(*t, layout)
	case fmt.Stringer:
		return t.String()
	case nil:
		return ""
	}
	return fmt.Sprint(v)
}

// loadPages parses templates/layout.html, templates/partials/*.html and
// every other templates/<area>/*.html as a page.
func loadPages(fsys fs.FS, w *Web) (*pages, error) {
	all, err := fs.Glob(fsys, "templates/*/*.html")
	if err != nil {
		return nil, err
	}
	sort.Strings(all)
	var partials, pageFiles []string
	for _, f := range all {
		if strings.HasPrefix(f, "templates/partials/") {
			partials = append(partials, f)
		} else {
			pageFiles = append(pageFiles, f)
		}
	}
	p := &pages{byLang: map[string]map[string]*template.Template{}}
	for _, lang := range Languages {
		base, err := template.New("layout.html").Funcs(w.funcs(lang)).ParseFS(fsys, append([]string{"templates/layout.html"}, partials...)...)
		if err != nil {
			return nil, err
		}
		p.byLang[lang] = map[string]*template.Template{}
		for _, f := range pageFiles {
			t, err := base.Clone()
			if err != nil {
				return nil, err
			}
			if _, err := t.ParseFS(fsys, f); err != nil {
				return nil, err
			}
			p.byLang[lang][strings.TrimPrefix(f, "templates/")] = t
		}
	}
	return p, nil
}

// view builds the common data of a page.
func (w *Web) view(c echo.Context, page any) *View {
	v := &View{Page: page, User: w.user(c), Lang: lang(c), Idem: randomToken(), Path: c.Request().URL.Path}
	v.CSRF, _ = c.Get(ctxCSRF).(string)
	if ck, err := c.Cookie("ogp_flash"); err == nil && ck.Value != "" {
		if key, err := url.QueryUnescape(ck.Value); err == nil && w.catalog.has(v.Lang, key) {
			v.Flash = w.catalog.text(v.Lang, key)
		}
		w.setCookie(c, "ogp_flash", "", -1)
	}
	return v
}

// render writes a page with the common data.
func (w *Web) render(c echo.Context, status int, name string, page any) error {
	return w.renderView(c, status, name, w.view(c, page))
}

// renderForm shows a page again after the API refused a form: what the
// visitor typed stays, and each violation is put next to its field.
//
// fieldOf names the field of a refusal that carries no item (a code such
// as weak_password belongs next to the password field).
func (w *Web) renderForm(c echo.Context, name string, page any, err error, fieldOf ...map[string]string) error {
	var p *Problem
	if !errors.As(err, &p) {
		return err
	}
	v := w.view(c, page)
	form, _ := c.FormParams()
	p = w.localProblem(v.Lang, p)
	v.Form, v.Problem = form, p
	v.Errors = p.fieldErrors(func(_, msg string) string { return msg })
	for _, m := range fieldOf {
		if f, ok := m[p.Code]; ok {
			v.Errors[f] = v.Errors["_"]
		}
	}
	status := p.Status
	if status < 400 || status >= 500 {
		status = http.StatusUnprocessableEntity
	}
	return w.renderView(c, status, name, v)
}

// localProblem translates a refusal for the page. English pages keep
// the API's own messages, which name the very item at fault; other
// languages use the catalog's message for the code.
func (w *Web) localProblem(lang string, p *Problem) *Problem {
	if lang == "en" {
		return p
	}
	text := func(code, msg string) string {
		for _, key := range []string{"violation." + code, "error.code." + code} {
			if w.catalog.has(lang, key) {
				return w.catalog.text(lang, key)
			}
		}
		return msg
	}
	cp := *p
	cp.Detail = text(p.Code, p.Detail)
	cp.Violations = make([]ogp.Violation, len(p.Violations))
	for i, v := range p.Violations {
		v.Message = text(v.Code, v.Message)
		cp.Violations[i] = v
	}
	return &cp
}

func (w *Web) renderView(c echo.Context, status int, name string, v *View) error {
	t, ok := w.pages.byLang[v.Lang][name]
	if !ok {
		return fmt.Errorf("web: no page template %q", name)
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout.html", v); err != nil {
		return fmt.Errorf("web: render %s: %w", name, err)
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.HTMLBlob(status, buf.Bytes())
}

// forget removes fields (passwords) from the request's form so a form
// shown again never echoes them.
func forget(c echo.Context, names ...string) {
	r := c.Request()
	_ = r.ParseForm()
	for _, n := range names {
		r.Form.Del(n)
		r.PostForm.Del(n)
	}
}

// flash leaves a message (a catalog key) for the next page.
func (w *Web) flash(c echo.Context, key string) {
	w.setCookie(c, "ogp_flash", url.QueryEscape(key), 60)
}

// redirect ends a successful form with a 303 to a page.
func (w *Web) redirect(c echo.Context, to string) error {
	return c.Redirect(http.StatusSeeOther, to)
}

// renderError shows an error as a page, in the visitor's language.
func (w *Web) renderError(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	if errors.Is(err, errNotSignedIn) {
		_ = c.Redirect(http.StatusSeeOther, signInURL(c))
		return
	}
	status, code, detail := http.StatusInternalServerError, "internal", ""
	var p *Problem
	var de *ogp.Error
	var he *echo.HTTPError
	switch {
	case errors.As(err, &p):
		status, code, detail = p.Status, p.Code, p.Detail
	case errors.As(err, &de):
		status, code, detail = statusOf(de.Kind), de.Code, de.Message
	case errors.As(err, &he):
		status, code = he.Code, "http_"+fmt.Sprint(he.Code)
		detail = fmt.Sprint(he.Message)
	}
	if status >= 500 {
		w.log.Error("web page failed", "path", c.Request().URL.Path, "error", err)
		detail = ""
	}
	if lang(c) == "" || c.Get(ctxLang) == nil {
		c.Set(ctxLang, pickLanguage(c.Request()))
	}
	shown := status
	if !w.catalog.has("en", fmt.Sprintf("error.%d.title", shown)) {
		shown = http.StatusBadRequest
		if status >= 500 {
			shown = http.StatusInternalServerError
		}
	}
	v := w.view(c, map[string]any{"Status": shown, "Code": code, "Detail": detail})
	if rerr := w.renderView(c, status, "errors/error.html", v); rerr != nil {
		w.log.Error("web error page failed", "error", rerr)
		_ = c.String(status, http.StatusText(status))
	}
}

func statusOf(kind string) int {
	switch kind {
	case ogp.EInvalid:
		return http.StatusBadRequest
	case ogp.EUnauthorized:
		return http.StatusUnauthorized
	case ogp.EForbidden:
		return http.StatusForbidden
	case ogp.ENotFound:
		return http.StatusNotFound
	case ogp.EConflict:
		return http.StatusConflict
	case ogp.EUnprocessable:
		return http.StatusUnprocessableEntity
	case ogp.ETooLarge:
		return http.StatusRequestEntityTooLarge
	case ogp.EUnavailable:
		return http.StatusServiceUnavailable
	}
	return http.StatusInternalServerError
}

func badRequest(code, format string, args ...any) error {
	return ogp.Errorf(ogp.EInvalid, code, format, args...)
}
