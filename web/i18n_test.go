package web

import (
	"encoding/json"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"path"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// The catalog tests read the embedded files, which are exactly the files
// of the working tree at build time: what ships is what is tested.

// catalogFile is one locales/<lang>/<area>.json, read on its own so that
// a failure can name the file to fix.
type catalogFile struct {
	lang, name string // name is e.g. "locales/es/public.json"
	msgs       map[string]string
}

// readCatalogFiles reads every catalog file and fails on a file that is
// not a JSON object of strings, or that defines a key twice (which
// encoding/json would silently resolve to the last one).
func readCatalogFiles(t *testing.T) map[string][]catalogFile {
	t.Helper()
	out := map[string][]catalogFile{}
	for _, lang := range Languages {
		names, err := fs.Glob(files, path.Join("locales", lang, "*.json"))
		if err != nil {
			t.Fatal(err)
		}
		sort.Strings(names)
		if len(names) == 0 {
			t.Fatalf("no catalog files for %s", lang)
		}
		for _, name := range names {
			b, err := fs.ReadFile(files, name)
			if err != nil {
				t.Fatal(err)
			}
			var m map[string]string
			if err := json.Unmarshal(b, &m); err != nil {
				t.Errorf("%s: %v", name, err)
				continue
			}
			for _, k := range duplicateJSONKeys(b) {
				t.Errorf("%s: key %q appears more than once", name, k)
			}
			out[lang] = append(out[lang], catalogFile{lang: lang, name: name, msgs: m})
		}
	}
	return out
}

// duplicateJSONKeys lists the keys of a flat JSON object given twice.
func duplicateJSONKeys(b []byte) []string {
	dec := json.NewDecoder(strings.NewReader(string(b)))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil
	}
	seen := map[string]bool{}
	var dups []string
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return dups
		}
		k, _ := tok.(string)
		if seen[k] {
			dups = append(dups, k)
		}
		seen[k] = true
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return dups
		}
	}
	return dups
}

// keyFiles maps each key of a language to the file defining it.
func keyFiles(fl []catalogFile) map[string]string {
	m := map[string]string{}
	for _, f := range fl {
		for k := range f.msgs {
			m[k] = f.name
		}
	}
	return m
}

func TestCatalogLoads(t *testing.T) {
	c, err := loadCatalog(files)
	if err != nil {
		t.Fatal(err)
	}
	for _, lang := range Languages {
		if len(c.msgs[lang]) == 0 {
			t.Errorf("the %s catalog is empty", lang)
		}
	}
}

// TestCatalogSameKeysInBothLanguages: every key exists in every language,
// and in the file of the same area.
func TestCatalogSameKeysInBothLanguages(t *testing.T) {
	all := readCatalogFiles(t)
	where := map[string]map[string]string{}
	for _, lang := range Languages {
		where[lang] = keyFiles(all[lang])
	}
	for _, lang := range Languages {
		for _, other := range Languages {
			if other == lang {
				continue
			}
			var missing []string
			for k, file := range where[lang] {
				otherFile, ok := where[other][k]
				want := path.Join("locales", other, path.Base(file))
				switch {
				case !ok:
					missing = append(missing, fmt.Sprintf("%s: key %q is missing (it is in %s)", want, k, file))
				case lang == Languages[0] && otherFile != want:
					missing = append(missing, fmt.Sprintf("%s: key %q is in %s, but belongs in %s like in %s", otherFile, k, otherFile, want, file))
				}
			}
			sort.Strings(missing)
			for _, m := range missing {
				t.Error(m)
			}
		}
	}
}

func TestCatalogNoEmptyValues(t *testing.T) {
	for _, fl := range readCatalogFiles(t) {
		for _, f := range fl {
			for k, v := range f.msgs {
				if strings.TrimSpace(v) == "" {
					t.Errorf("%s: key %q has an empty message", f.name, k)
				}
				if strings.TrimSpace(k) != k || k == "" {
					t.Errorf("%s: key %q has surrounding spaces or is empty", f.name, k)
				}
			}
		}
	}
}

// fmtVerbRE matches one fmt directive: flags, an optional explicit
// argument index, width, precision and the verb.
var fmtVerbRE = regexp.MustCompile(`%(\[\d+\])?[-+# 0]*(\[\d+\])?(\*|\d+)?(\.(\[\d+\])?(\*|\d+)?)?(\[\d+\])?([a-zA-Z%])`)

// fmtVerbs returns the verbs of a message by argument position, e.g.
// "%s has %d" -> ["1:s", "2:d"]; "%%" is not a verb.
func fmtVerbs(s string) []string {
	var out []string
	arg := 0
	for _, m := range fmtVerbRE.FindAllStringSubmatch(s, -1) {
		if m[8] == "%" {
			continue
		}
		idx := ""
		for _, g := range []string{m[1], m[2], m[7]} {
			if g != "" {
				idx = g
			}
		}
		if idx != "" {
			arg, _ = strconv.Atoi(strings.Trim(idx, "[]"))
		} else {
			arg++
		}
		out = append(out, fmt.Sprintf("%d:%s", arg, m[8]))
	}
	sort.Strings(out)
	return out
}

func TestCatalogFmtVerbs(t *testing.T) {
	for in, want := range map[string]string{
		"no verbs":                     "",
		"%s of %d":                     "1:s 2:d",
		"100%% sure, %s":               "1:s",
		"%[2]s before %[1]d":           "1:d 2:s",
		"%5.1f%%":                      "1:f",
		"width %-10s and %q and %v %T": "1:s 2:q 3:v 4:T",
	} {
		if got := strings.Join(fmtVerbs(in), " "); got != want {
			t.Errorf("fmtVerbs(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestCatalogSameVerbsInBothLanguages: a translation takes the same
// arguments, of the same kind, as the English message (in any order,
// with explicit indexes such as %[2]s).
func TestCatalogSameVerbsInBothLanguages(t *testing.T) {
	all := readCatalogFiles(t)
	en := map[string]string{}
	for _, f := range all[Languages[0]] {
		for k, v := range f.msgs {
			en[k] = v
		}
	}
	for _, lang := range Languages[1:] {
		for _, f := range all[lang] {
			for k, v := range f.msgs {
				want, ok := en[k]
				if !ok {
					continue // reported by TestCatalogSameKeysInBothLanguages
				}
				if a, b := strings.Join(fmtVerbs(want), " "), strings.Join(fmtVerbs(v), " "); a != b {
					t.Errorf("%s: key %q has arguments [%s], English has [%s]: %q vs %q", f.name, k, b, a, v, want)
				}
			}
		}
	}
}

// TestCatalogTranslated catches English copied into the Spanish catalog:
// a sentence of several words identical in both languages.
func TestCatalogTranslated(t *testing.T) {
	all := readCatalogFiles(t)
	en := map[string]string{}
	for _, f := range all["en"] {
		for k, v := range f.msgs {
			en[k] = v
		}
	}
	for _, f := range all["es"] {
		for k, v := range f.msgs {
			if en[k] == v && len(strings.Fields(v)) >= 4 {
				t.Errorf("%s: key %q is the same as in English: %q", f.name, k, v)
			}
		}
	}
}

// templateKeyRE finds {{t "key" ...}} and (t "key" ...); keys built at
// run time, (t (print ...)), are not literals and are skipped.
var templateKeyRE = regexp.MustCompile(`(?:\{\{-?|\()\s*t\s+"((?:[^"\\]|\\.)*)"`)

func TestCatalogTemplateKeysExist(t *testing.T) {
	c, err := loadCatalog(files)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	err = fs.WalkDir(files, "templates", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".html") {
			return err
		}
		b, err := fs.ReadFile(files, p)
		if err != nil {
			return err
		}
		lines := strings.Split(string(b), "\n")
		for i, line := range lines {
			for _, m := range templateKeyRE.FindAllStringSubmatch(line, -1) {
				n++
				key, err := strconv.Unquote(`"` + m[1] + `"`)
				if err != nil {
					key = m[1]
				}
				if !c.has("en", key) {
					t.Errorf("%s:%d: key %q is not in the English catalog", p, i+1, key)
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n == 0 {
		t.Error("found no {{t \"key\"}} in the templates: the pattern is broken")
	}
}

func TestCatalogTemplateKeyPattern(t *testing.T) {
	line := `{{t "a.b"}} {{- t "c" .X}} (t "d" 1) {{t (print "e." .N)}} (dict "V" $ "Label" (t "f")) {{template "t" .}} {{ t "g\"h" }}`
	var got []string
	for _, m := range templateKeyRE.FindAllStringSubmatch(line, -1) {
		got = append(got, m[1])
	}
	if want := `a.b c d f g\"h`; strings.Join(got, " ") != want {
		t.Errorf("keys found: %q, want %q", strings.Join(got, " "), want)
	}
}

// TestCatalogGoKeysExist checks the literal keys the web's Go code
// passes to T and flash.
func TestCatalogGoKeysExist(t *testing.T) {
	c, err := loadCatalog(files)
	if err != nil {
		t.Fatal(err)
	}
	names, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	for _, name := range names {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, parser.SkipObjectResolution)
		if err != nil {
			t.Fatalf("parse %s: %v", name, err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok {
				return true
			}
			sel, ok := call.Fun.(*ast.SelectorExpr)
			if !ok || (sel.Sel.Name != "T" && sel.Sel.Name != "flash") || len(call.Args) < 2 {
				return true
			}
			lit, ok := call.Args[1].(*ast.BasicLit)
			if !ok || lit.Kind != token.STRING {
				return true
			}
			key, _ := strconv.Unquote(lit.Value)
			if !c.has("en", key) {
				t.Errorf("%s: key %q is not in the English catalog", fset.Position(lit.Pos()), key)
			}
			return true
		})
	}
}

func TestPickLanguage(t *testing.T) {
	for _, tc := range []struct {
		name, accept, cookie, want string
	}{
		{"nothing", "", "", "en"},
		{"english", "en-US,en;q=0.9", "", "en"},
		{"spanish of mexico", "es-MX", "", "es"},
		{"spanish of latin america", "es-419,es;q=0.9", "", "es"},
		{"spanish of spain", "es-ES", "", "es"},
		{"french falls back to english", "fr", "", "en"},
		{"french then spanish", "fr-FR,fr;q=0.9,es;q=0.5", "", "es"},
		{"q-values prefer spanish", "en;q=0.3, es;q=0.8", "", "es"},
		{"q-values prefer english", "es;q=0.2, en-GB;q=0.7", "", "en"},
		{"malformed header", ";;;q=x", "", "en"},
		{"cookie overrides header", "en-US", "es", "es"},
		{"cookie english over spanish header", "es-MX", "en", "en"},
		{"unknown cookie ignored", "es-AR", "fr", "es"},
		{"empty cookie ignored", "es", "", "es"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodGet, "/", nil)
			if tc.accept != "" {
				r.Header.Set("Accept-Language", tc.accept)
			}
			if tc.cookie != "" {
				r.AddCookie(&http.Cookie{Name: langCookie, Value: tc.cookie})
			}
			if got := pickLanguage(r); got != tc.want {
				t.Errorf("pickLanguage(Accept-Language %q, cookie %q) = %q, want %q", tc.accept, tc.cookie, got, tc.want)
			}
		})
	}
}

func TestCatalogText(t *testing.T) {
	c := &catalog{msgs: map[string]map[string]string{
		"en": {"a": "Hello", "n": "%d plans of %s", "only.en": "English only"},
		"es": {"a": "Hola", "n": "%d planes de %s"},
	}}
	for _, tc := range []struct {
		lang, key string
		args      []any
		want      string
	}{
		{"en", "a", nil, "Hello"},
		{"es", "a", nil, "Hola"},
		{"es", "n", []any{3, "Atenas"}, "3 planes de Atenas"},
		{"es", "only.en", nil, "English only"},
		{"es", "nowhere", nil, "nowhere"},
		{"xx", "a", nil, "Hello"},
	} {
		if got := c.text(tc.lang, tc.key, tc.args...); got != tc.want {
			t.Errorf("text(%s, %s, %v) = %q, want %q", tc.lang, tc.key, tc.args, got, tc.want)
		}
	}
	if !c.has("en", "only.en") || c.has("es", "only.en") {
		t.Error("has does not tell the languages apart")
	}
}

func TestI18nNewLoadsCatalog(t *testing.T) {
	w, err := New(Config{})
	if err != nil {
		t.Fatal(err)
	}
	if w.catalog == nil {
		t.Fatal("New left the catalog nil")
	}
	for _, lang := range Languages {
		if got := w.catalog.text(lang, "site.name"); got == "site.name" || got == "" {
			t.Errorf("%s: site.name is %q", lang, got)
		}
		if w.pages.byLang[lang] == nil {
			t.Errorf("%s: no pages", lang)
		}
	}
	if w.catalog.text("en", "site.name") == w.catalog.text("es", "site.name") {
		t.Error("site.name is the same in English and Spanish")
	}
}
