package web

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/ogplocal/ogp"
)

// The domain catalog (locales/*/domain.json) must name every code the
// domain can put in front of a person: each violation of a step's rules,
// each error code the API answers with, and each value of the enums the
// pages show. The codes are found in the Go sources themselves, so a new
// rule without its message fails here, not in front of a coordinator.

// codeModule is the module root, seen from package web.
const codeModule = "github.com/ogplocal/ogp"

// codeDirs are the packages whose errors and violations reach the API:
// the domain, the database, the HTTP layer and the workflows (whose
// domain errors come back through updates).
var codeDirs = []string{".", "models", "server", "workflows", "activities"}

// codePassthrough lists the places that build an error or a violation
// from a code made elsewhere, which no static reading can follow. Each
// entry is "file:function" of the site. fromViolations names a function
// whose violation codes are also returned as error codes there.
var codePassthrough = map[string]struct{ fromViolations string }{
	// A roadmap entry refused before it is written: the first
	// violation's code becomes the error's code.
	"content_step2.go:ValidateRoadmapEntry": {fromViolations: "RoadmapEntryViolations"},
	// The HTTP layer copies the domain error's code into problem+json.
	"server/errors.go:errorHandler": {},
	// A domain error that went through a workflow update keeps its code.
	"workflows/api.go:DomainError": {},
}

// codeSource is one parsed package.
type codeSource struct {
	dir, path string
	files     []*codeFile
	// consts are package-level string constants and variables by name.
	consts map[string][]ast.Expr
}

type codeFile struct {
	name    string // relative to the module root
	pkg     *codeSource
	ast     *ast.File
	imports map[string]string // local name -> import path
}

// codeFunc is a function or method declared in a parsed package.
type codeFunc struct {
	file *codeFile
	decl *ast.FuncDecl
}

// codeScope is where an expression is read: its file and the function
// around it (nil at package level).
type codeScope struct {
	file *codeFile
	fn   *ast.FuncDecl
}

// foundCode is a code with the function its literal was written in.
type foundCode struct {
	code   string
	origin string // function name of the literal
	where  string // file:line of the literal
}

// codeCollector reads the sources and follows codes through parameters,
// local variables, constants and tables.
type codeCollector struct {
	fset  *token.FileSet
	pkgs  map[string]*codeSource // import path -> package
	funcs map[string][]codeFunc  // "path.Name" for functions, ".Name" for methods
	calls []codeCall

	violations []foundCode
	errors     []foundCode
	// unresolved are sites whose code could not be followed.
	unresolved map[string][]string
	// passthroughSeen are the codePassthrough entries met.
	passthroughSeen map[string]bool
}

// codeCall is one call expression with where it is.
type codeCall struct {
	scope codeScope
	call  *ast.CallExpr
}

func newCodeCollector(t *testing.T, root string) *codeCollector {
	t.Helper()
	cc := &codeCollector{
		fset:            token.NewFileSet(),
		pkgs:            map[string]*codeSource{},
		funcs:           map[string][]codeFunc{},
		unresolved:      map[string][]string{},
		passthroughSeen: map[string]bool{},
	}
	for _, dir := range codeDirs {
		names, err := filepath.Glob(filepath.Join(root, dir, "*.go"))
		if err != nil {
			t.Fatal(err)
		}
		pkg := &codeSource{dir: dir, path: codeModule, consts: map[string][]ast.Expr{}}
		if dir != "." {
			pkg.path = codeModule + "/" + dir
		}
		for _, name := range names {
			if strings.HasSuffix(name, "_test.go") {
				continue
			}
			f, err := parser.ParseFile(cc.fset, name, nil, parser.SkipObjectResolution)
			if err != nil {
				t.Fatalf("parse %s: %v", name, err)
			}
			rel, _ := filepath.Rel(root, name)
			cf := &codeFile{name: filepath.ToSlash(rel), pkg: pkg, ast: f, imports: map[string]string{}}
			for _, im := range f.Imports {
				p, _ := strconv.Unquote(im.Path.Value)
				local := p[strings.LastIndex(p, "/")+1:]
				if im.Name != nil {
					local = im.Name.Name
				}
				cf.imports[local] = p
			}
			pkg.files = append(pkg.files, cf)
		}
		if len(pkg.files) == 0 {
			t.Fatalf("no Go sources in %s", filepath.Join(root, dir))
		}
		cc.pkgs[pkg.path] = pkg
	}
	// Index declarations and calls.
	for _, pkg := range cc.pkgs {
		for _, f := range pkg.files {
			for _, d := range f.ast.Decls {
				switch d := d.(type) {
				case *ast.FuncDecl:
					key := pkg.path + "." + d.Name.Name
					if d.Recv != nil {
						key = "." + d.Name.Name
					}
					cc.funcs[key] = append(cc.funcs[key], codeFunc{file: f, decl: d})
				case *ast.GenDecl:
					for _, s := range d.Specs {
						vs, ok := s.(*ast.ValueSpec)
						if !ok {
							continue
						}
						for i, n := range vs.Names {
							if i < len(vs.Values) {
								pkg.consts[n.Name] = append(pkg.consts[n.Name], vs.Values[i])
							}
						}
					}
				}
			}
			cc.eachNode(f, func(sc codeScope, n ast.Node) {
				if call, ok := n.(*ast.CallExpr); ok {
					cc.calls = append(cc.calls, codeCall{scope: sc, call: call})
				}
			})
		}
	}
	return cc
}

// eachNode visits every node of f with the function around it.
func (cc *codeCollector) eachNode(f *codeFile, visit func(codeScope, ast.Node)) {
	for _, d := range f.ast.Decls {
		sc := codeScope{file: f}
		if fd, ok := d.(*ast.FuncDecl); ok {
			sc.fn = fd
		}
		ast.Inspect(d, func(n ast.Node) bool {
			if n != nil {
				visit(sc, n)
			}
			return true
		})
	}
}

// collect finds every violation and error code.
func (cc *codeCollector) collect() {
	for _, pkg := range cc.sortedPkgs() {
		for _, f := range pkg.files {
			cc.eachNode(f, func(sc codeScope, n ast.Node) {
				lit, ok := n.(*ast.CompositeLit)
				if !ok {
					return
				}
				var typeName string
				switch ty := lit.Type.(type) {
				case *ast.Ident:
					if pkg.path == codeModule || ty.Name == "Problem" {
						typeName = ty.Name
					}
				case *ast.SelectorExpr:
					if x, ok := ty.X.(*ast.Ident); ok && (f.imports[x.Name] == codeModule || f.imports[x.Name] == codeModule+"/server") {
						typeName = ty.Sel.Name
					}
				}
				if typeName != "Error" && typeName != "Violation" && typeName != "Problem" {
					return
				}
				for _, e := range lit.Elts {
					kv, ok := e.(*ast.KeyValueExpr)
					if !ok {
						continue
					}
					if k, ok := kv.Key.(*ast.Ident); !ok || k.Name != "Code" {
						continue
					}
					found := cc.resolve(sc, kv.Value, nil)
					if typeName == "Violation" {
						cc.violations = append(cc.violations, found...)
					} else {
						cc.errors = append(cc.errors, found...)
					}
				}
			})
		}
	}
	// Codes passed through from violations.
	for site, p := range codePassthrough {
		if p.fromViolations == "" || !cc.passthroughSeen[site] {
			continue
		}
		for _, v := range cc.violations {
			if v.origin == p.fromViolations {
				cc.errors = append(cc.errors, v)
			}
		}
	}
}

func (cc *codeCollector) sortedPkgs() []*codeSource {
	var out []*codeSource
	for _, p := range cc.pkgs {
		out = append(out, p)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].path < out[j].path })
	return out
}

func (cc *codeCollector) site(sc codeScope, n ast.Node) string {
	pos := cc.fset.Position(n.Pos())
	return fmt.Sprintf("%s:%d", sc.file.name, pos.Line)
}

func (sc codeScope) funcName() string {
	if sc.fn == nil {
		return ""
	}
	return sc.fn.Name.Name
}

// unresolvedAt records a code that cannot be followed, unless the site is
// a known passthrough.
func (cc *codeCollector) unresolvedAt(sc codeScope, e ast.Expr, why string) {
	key := sc.file.name + ":" + sc.funcName()
	if _, ok := codePassthrough[key]; ok {
		cc.passthroughSeen[key] = true
		return
	}
	cc.unresolved[key] = append(cc.unresolved[key], fmt.Sprintf("%s: %s (%s)", cc.site(sc, e), exprString(e), why))
}

// resolve returns the strings e can hold. path guards against loops.
func (cc *codeCollector) resolve(sc codeScope, e ast.Expr, path []string) []foundCode {
	here := cc.site(sc, e) + " " + exprString(e)
	for _, p := range path {
		if p == here {
			return nil
		}
	}
	path = append(path, here)
	switch e := e.(type) {
	case *ast.BasicLit:
		if e.Kind == token.STRING {
			s, err := strconv.Unquote(e.Value)
			if err == nil {
				return []foundCode{{code: s, origin: sc.funcName(), where: cc.site(sc, e)}}
			}
		}
	case *ast.ParenExpr:
		return cc.resolve(sc, e.X, path)
	case *ast.BinaryExpr:
		if e.Op == token.ADD {
			left, right := cc.resolve(sc, e.X, path), cc.resolve(sc, e.Y, path)
			var out []foundCode
			for _, l := range left {
				for _, r := range right {
					where := l.where
					if r.where != l.where {
						where += "+" + r.where
					}
					out = append(out, foundCode{code: l.code + r.code, origin: l.origin, where: where})
				}
			}
			return out
		}
	case *ast.CallExpr:
		// A conversion such as string(x) or Role(x).
		if len(e.Args) == 1 {
			if id, ok := e.Fun.(*ast.Ident); ok && (id.Name == "string" || ast.IsExported(id.Name)) {
				if _, isFunc := cc.funcs[sc.file.pkg.path+"."+id.Name]; !isFunc {
					return cc.resolve(sc, e.Args[0], path)
				}
			}
		}
	case *ast.Ident:
		if out, ok := cc.resolveIdent(sc, e, path); ok {
			return out
		}
	case *ast.SelectorExpr:
		if x, ok := e.X.(*ast.Ident); ok {
			if p, ok := sc.file.imports[x.Name]; ok {
				if pkg := cc.pkgs[p]; pkg != nil {
					if vals, ok := pkg.consts[e.Sel.Name]; ok {
						var out []foundCode
						for _, v := range vals {
							out = append(out, cc.resolve(codeScope{file: cc.fileOf(pkg, v)}, v, path)...)
						}
						return out
					}
				}
			} else if out, ok := cc.resolveRangeField(sc, x, e.Sel.Name, path); ok {
				return out
			}
		}
	}
	cc.unresolvedAt(sc, e, "not a literal, parameter, constant or table field")
	return nil
}

// fileOf finds the file of pkg that holds node n.
func (cc *codeCollector) fileOf(pkg *codeSource, n ast.Node) *codeFile {
	for _, f := range pkg.files {
		if f.ast.Pos() <= n.Pos() && n.End() <= f.ast.End() {
			return f
		}
	}
	return pkg.files[0]
}

// resolveIdent follows a name: a parameter (through every call of the
// function), a local variable (through its assignments and ranges), or
// a package constant.
func (cc *codeCollector) resolveIdent(sc codeScope, id *ast.Ident, path []string) ([]foundCode, bool) {
	if sc.fn != nil {
		// Parameters of the function (or of a closure inside it).
		if idx, lit := paramIndex(sc.fn, id); idx >= 0 {
			if lit != nil {
				return cc.resolveClosureParam(sc, lit, idx, path), true
			}
			return cc.resolveParam(sc, idx, path), true
		}
		// Local variables.
		var out []foundCode
		found := false
		ast.Inspect(sc.fn.Body, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.AssignStmt:
				for i, l := range n.Lhs {
					if li, ok := l.(*ast.Ident); ok && li.Name == id.Name && len(n.Lhs) == len(n.Rhs) {
						found = true
						out = append(out, cc.resolve(sc, n.Rhs[i], path)...)
					}
				}
			case *ast.ValueSpec:
				for i, nm := range n.Names {
					if nm.Name == id.Name && i < len(n.Values) {
						found = true
						out = append(out, cc.resolve(sc, n.Values[i], path)...)
					}
				}
			case *ast.RangeStmt:
				if v, ok := n.Value.(*ast.Ident); ok && v.Name == id.Name {
					if cl, ok := n.X.(*ast.CompositeLit); ok {
						found = true
						for _, el := range cl.Elts {
							out = append(out, cc.resolve(sc, el, path)...)
						}
					}
				}
			}
			return true
		})
		if found {
			return out, true
		}
	}
	if vals, ok := sc.file.pkg.consts[id.Name]; ok {
		var out []foundCode
		for _, v := range vals {
			out = append(out, cc.resolve(codeScope{file: cc.fileOf(sc.file.pkg, v)}, v, path)...)
		}
		return out, true
	}
	return nil, false
}

// paramIndex tells whether id is a parameter of fn or of a closure in
// fn, and its position.
func paramIndex(fn *ast.FuncDecl, id *ast.Ident) (int, *ast.FuncLit) {
	idx, lit := -1, (*ast.FuncLit)(nil)
	ast.Inspect(fn.Body, func(n ast.Node) bool {
		fl, ok := n.(*ast.FuncLit)
		if ok && fl.Pos() <= id.Pos() && id.End() <= fl.End() {
			if i := fieldIndex(fl.Type.Params, id.Name); i >= 0 {
				idx, lit = i, fl
			}
		}
		return true
	})
	if idx >= 0 {
		return idx, lit
	}
	return fieldIndex(fn.Type.Params, id.Name), nil
}

func fieldIndex(fl *ast.FieldList, name string) int {
	i := 0
	for _, f := range fl.List {
		if len(f.Names) == 0 {
			i++
			continue
		}
		for _, n := range f.Names {
			if n.Name == name {
				return i
			}
			i++
		}
	}
	return -1
}

// resolveParam follows parameter idx of sc.fn through every call.
func (cc *codeCollector) resolveParam(sc codeScope, idx int, path []string) []foundCode {
	fn := sc.fn
	var out []foundCode
	calls := 0
	for _, c := range cc.calls {
		if !cc.callsOf(c, sc.file.pkg, fn) {
			continue
		}
		calls++
		if c.call.Ellipsis != token.NoPos || idx >= len(c.call.Args) {
			cc.unresolvedAt(c.scope, c.call, "call with too few arguments or a spread")
			continue
		}
		out = append(out, cc.resolve(c.scope, c.call.Args[idx], path)...)
	}
	if calls == 0 {
		cc.unresolvedAt(sc, fn.Name, "the function is never called directly")
	}
	return out
}

// calls_ tells whether c calls fn, declared in pkg.
func (cc *codeCollector) callsOf(c codeCall, pkg *codeSource, fn *ast.FuncDecl) bool {
	switch f := c.call.Fun.(type) {
	case *ast.Ident:
		return fn.Recv == nil && f.Name == fn.Name.Name && c.scope.file.pkg == pkg
	case *ast.SelectorExpr:
		if f.Sel.Name != fn.Name.Name {
			return false
		}
		x, isIdent := f.X.(*ast.Ident)
		imported := ""
		if isIdent {
			imported = c.scope.file.imports[x.Name]
		}
		if fn.Recv == nil {
			return imported == pkg.path
		}
		return imported == ""
	}
	return false
}

// resolveClosureParam follows parameter idx of a closure assigned to a
// local variable through the calls of that variable in the function.
func (cc *codeCollector) resolveClosureParam(sc codeScope, lit *ast.FuncLit, idx int, path []string) []foundCode {
	var name string
	ast.Inspect(sc.fn.Body, func(n ast.Node) bool {
		if as, ok := n.(*ast.AssignStmt); ok {
			for i, r := range as.Rhs {
				if r == lit && i < len(as.Lhs) {
					if id, ok := as.Lhs[i].(*ast.Ident); ok {
						name = id.Name
					}
				}
			}
		}
		return true
	})
	if name == "" {
		cc.unresolvedAt(sc, lit, "a closure not assigned to a variable")
		return nil
	}
	var out []foundCode
	ast.Inspect(sc.fn.Body, func(n ast.Node) bool {
		call, ok := n.(*ast.CallExpr)
		if !ok {
			return true
		}
		if id, ok := call.Fun.(*ast.Ident); ok && id.Name == name {
			if idx < len(call.Args) {
				out = append(out, cc.resolve(sc, call.Args[idx], path)...)
			}
		}
		return true
	})
	return out
}

// resolveRangeField follows x.field where x ranges over a table of
// struct literals written in the function.
func (cc *codeCollector) resolveRangeField(sc codeScope, x *ast.Ident, field string, path []string) ([]foundCode, bool) {
	if sc.fn == nil {
		return nil, false
	}
	var out []foundCode
	found := false
	ast.Inspect(sc.fn.Body, func(n ast.Node) bool {
		rs, ok := n.(*ast.RangeStmt)
		if !ok {
			return true
		}
		if v, ok := rs.Value.(*ast.Ident); !ok || v.Name != x.Name {
			return true
		}
		cl, ok := rs.X.(*ast.CompositeLit)
		if !ok {
			return true
		}
		at, ok := cl.Type.(*ast.ArrayType)
		if !ok {
			return true
		}
		st, ok := at.Elt.(*ast.StructType)
		if !ok {
			return true
		}
		idx := fieldIndex(st.Fields, field)
		if idx < 0 {
			return true
		}
		found = true
		for _, el := range cl.Elts {
			row, ok := el.(*ast.CompositeLit)
			if !ok {
				continue
			}
			for i, v := range row.Elts {
				if kv, ok := v.(*ast.KeyValueExpr); ok {
					if k, ok := kv.Key.(*ast.Ident); ok && k.Name == field {
						out = append(out, cc.resolve(sc, kv.Value, path)...)
					}
				} else if i == idx {
					out = append(out, cc.resolve(sc, v, path)...)
				}
			}
		}
		return true
	})
	return out, found
}

func exprString(e ast.Node) string {
	var b strings.Builder
	var walk func(n ast.Node)
	walk = func(n ast.Node) {
		switch n := n.(type) {
		case *ast.Ident:
			b.WriteString(n.Name)
		case *ast.BasicLit:
			b.WriteString(n.Value)
		case *ast.SelectorExpr:
			walk(n.X)
			b.WriteString("." + n.Sel.Name)
		case *ast.CallExpr:
			walk(n.Fun)
			b.WriteString("(...)")
		case *ast.IndexExpr:
			walk(n.X)
			b.WriteString("[")
			walk(n.Index)
			b.WriteString("]")
		case *ast.BinaryExpr:
			walk(n.X)
			b.WriteString(" " + n.Op.String() + " ")
			walk(n.Y)
		case *ast.ParenExpr:
			b.WriteString("(")
			walk(n.X)
			b.WriteString(")")
		default:
			fmt.Fprintf(&b, "%T", n)
		}
	}
	walk(e)
	return b.String()
}

// domainCodes reads the module's sources once per test.
func domainCodes(t *testing.T) (violations, errs map[string][]string) {
	t.Helper()
	cc := newCodeCollector(t, "..")
	cc.collect()
	if len(cc.unresolved) > 0 {
		var keys []string
		for k := range cc.unresolved {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		var b strings.Builder
		for _, k := range keys {
			fmt.Fprintf(&b, "\n  %s:", k)
			for _, s := range cc.unresolved[k] {
				fmt.Fprintf(&b, "\n    %s", s)
			}
		}
		t.Errorf("codes this test cannot follow (use a literal, or list the site in codePassthrough with the codes it can carry):%s", b.String())
	}
	for site := range codePassthrough {
		if !cc.passthroughSeen[site] {
			t.Errorf("codePassthrough lists %s, which builds no error or violation from a computed code any more: remove it", site)
		}
	}
	violations, errs = map[string][]string{}, map[string][]string{}
	for _, v := range cc.violations {
		violations[v.code] = append(violations[v.code], v.where)
	}
	for _, e := range cc.errors {
		// An empty code is what a helper such as checkText is passed when
		// the field is optional: the branch that would use it never runs.
		if e.code != "" {
			errs[e.code] = append(errs[e.code], e.where)
		}
	}
	return violations, errs
}

// codeRE is what a code clients switch on looks like.
var codeRE = regexp.MustCompile(`^[a-z][a-z0-9]*(_[a-z0-9]+)*$`)

// TestDomainCodesAreIdentifiers: codes are stable machine-readable
// identifiers, so a field name with a space or a capital letter that
// slips into one (a code built as field+"_too_long") is a bug.
func TestDomainCodesAreIdentifiers(t *testing.T) {
	violations, errs := domainCodes(t)
	for what, codes := range map[string]map[string][]string{"violation": violations, "error": errs} {
		for code, where := range codes {
			if !codeRE.MatchString(code) {
				t.Errorf("%s code %q is not a snake_case identifier (made at %s)", what, code, strings.Join(where, ", "))
			}
		}
	}
}

// domainEnums reads the string constants of the package in dir by type;
// untyped ones are listed under "" + their name.
func domainEnums(t *testing.T, dir string) map[string][]string {
	t.Helper()
	fset := token.NewFileSet()
	names, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]string{}
	for _, name := range names {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, parser.SkipObjectResolution)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range f.Decls {
			gd, ok := d.(*ast.GenDecl)
			if !ok || gd.Tok != token.CONST {
				continue
			}
			for _, s := range gd.Specs {
				vs := s.(*ast.ValueSpec)
				for i, v := range vs.Values {
					lit, ok := v.(*ast.BasicLit)
					if !ok || lit.Kind != token.STRING {
						continue
					}
					s, _ := strconv.Unquote(lit.Value)
					if ty, ok := vs.Type.(*ast.Ident); ok {
						out[ty.Name] = append(out[ty.Name], s)
					} else if vs.Type == nil {
						out[":"+vs.Names[i].Name] = append(out[":"+vs.Names[i].Name], s)
					}
				}
			}
		}
	}
	return out
}

// enumKeys maps each domain enum type to the catalog prefix of its values.
var enumKeys = map[string]string{
	"StepStatus":         "status.step.",
	"PlanStatus":         "status.plan.",
	"CommitmentStatus":   "status.commitment.",
	"MilestoneStatus":    "status.milestone.",
	"ScheduleState":      "status.milestone.",
	"AmendmentStatus":    "status.amendment.",
	"ProblemStatus":      "status.problem.",
	"RoundStage":         "status.round.",
	"AssessmentKind":     "round.kind.",
	"Role":               "role.",
	"Sector":             "sector.",
	"Decision":           "decision.",
	"Completion":         "completion.",
	"Impact":             "impact.",
	"OpenedGovernment":   "opened_government.",
	"EvidenceVerdict":    "evidence.",
	"ForumSector":        "forum.sector.",
	"MonitoringBodyKind": "monitoring_body.kind.",
	"AwarenessKind":      "awareness.kind.",
	"ProblemSource":      "problem.source.",
	"ModerationDecision": "moderation.",
	"Value":              "value.",
	"ActorSector":        "actor.sector.",
	"ActorRole":          "actor.role.",
}

// enumTypesWithoutKeys are string types of the domain that are not shown
// as words: identifiers, dates and keys.
var enumTypesWithoutKeys = map[string]bool{"StepKey": true, "Date": true}

func domainCatalog(t *testing.T) *catalog {
	t.Helper()
	c, err := loadCatalog(os.DirFS("."))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func missingKeys(c *catalog, keys []string) []string {
	var out []string
	for _, lang := range Languages {
		for _, k := range keys {
			if !c.has(lang, k) {
				out = append(out, lang+": "+k)
			}
		}
	}
	sort.Strings(out)
	return out
}

func TestDomainViolationMessages(t *testing.T) {
	violations, _ := domainCodes(t)
	if len(violations) < 10 {
		t.Fatalf("found only %d violation codes: the source reader is broken", len(violations))
	}
	c := domainCatalog(t)
	var keys []string
	for code := range violations {
		keys = append(keys, "violation."+code)
	}
	for _, k := range missingKeys(c, keys) {
		code := k[strings.Index(k, "violation.")+len("violation."):]
		t.Errorf("domain.json has no %s (violation made at %s)", k, strings.Join(violations[code], ", "))
	}
}

func TestDomainErrorCodeMessages(t *testing.T) {
	_, errs := domainCodes(t)
	if len(errs) < 10 {
		t.Fatalf("found only %d error codes: the source reader is broken", len(errs))
	}
	c := domainCatalog(t)
	var keys []string
	for code := range errs {
		keys = append(keys, "error.code."+code)
	}
	for _, k := range missingKeys(c, keys) {
		code := k[strings.Index(k, "error.code.")+len("error.code."):]
		t.Errorf("domain.json has no %s (error returned at %s)", k, strings.Join(errs[code], ", "))
	}
}

// TestDomainCatalogHasNoStaleCodes keeps the catalog from growing messages
// for codes nothing produces any more.
func TestDomainCatalogHasNoStaleCodes(t *testing.T) {
	violations, errs := domainCodes(t)
	c := domainCatalog(t)
	for key := range c.msgs["en"] {
		switch {
		case strings.HasPrefix(key, "violation."):
			if _, ok := violations[strings.TrimPrefix(key, "violation.")]; !ok {
				t.Errorf("%s: no violation has this code any more; remove the key from domain.json", key)
			}
		case strings.HasPrefix(key, "error.code."):
			if _, ok := errs[strings.TrimPrefix(key, "error.code.")]; !ok {
				t.Errorf("%s: no error has this code any more; remove the key from domain.json", key)
			}
		}
	}
}

func TestDomainEnumLabels(t *testing.T) {
	enums := domainEnums(t, "..")
	c := domainCatalog(t)
	var keys []string
	for ty, values := range enums {
		if strings.HasPrefix(ty, ":") {
			// Untyped: audit events are the plan's public record.
			if strings.HasPrefix(ty, ":Event") {
				keys = append(keys, "event."+values[0])
			}
			continue
		}
		prefix, ok := enumKeys[ty]
		if !ok {
			if !enumTypesWithoutKeys[ty] {
				t.Errorf("the string type ogp.%s has constants but no catalog prefix: add it to enumKeys (and its values to domain.json) or to enumTypesWithoutKeys", ty)
			}
			continue
		}
		for _, v := range values {
			keys = append(keys, prefix+v)
		}
	}
	for ty := range enumKeys {
		if len(enums[ty]) == 0 {
			t.Errorf("enumKeys lists ogp.%s, which has no string constants", ty)
		}
	}
	// Untyped values the pages show.
	for _, k := range ogp.ChecklistKeys {
		keys = append(keys, "checklist."+k)
	}
	for _, r := range []string{ogp.RatingMet, ogp.RatingPartlyMet, ogp.RatingNotMet} {
		keys = append(keys, "rating."+r)
	}
	// The milestone chart (web/timeline) labels its statuses with
	// status.milestone.<status>.
	if _, err := os.Stat("timeline"); err == nil {
		for _, v := range domainEnums(t, "timeline")["Status"] {
			keys = append(keys, "status.milestone."+v)
		}
	}
	for _, k := range missingKeys(c, keys) {
		t.Errorf("domain.json has no %s", k)
	}
	// The values the pages name most, referenced by name so a renamed
	// constant breaks the build rather than a page.
	for _, k := range []string{
		"status.step." + string(ogp.StepNotStarted), "status.step." + string(ogp.StepInProgress),
		"status.step." + string(ogp.StepAwaitingApproval), "status.step." + string(ogp.StepChangesRequested),
		"status.step." + string(ogp.StepApproved),
		"status.plan." + string(ogp.PlanCoCreation), "status.plan." + string(ogp.PlanImplementation),
		"status.plan." + string(ogp.PlanLearning), "status.plan." + string(ogp.PlanCompleted),
		"status.milestone." + string(ogp.ScheduleOnTrack), "status.milestone." + string(ogp.ScheduleDueSoon),
		"status.milestone." + string(ogp.ScheduleOverdue), "status.milestone." + string(ogp.ScheduleDoneLate),
		"status.milestone." + string(ogp.ScheduleDoneOnTime),
		"role." + string(ogp.RoleCoordinator), "role." + string(ogp.RoleApprover),
		"role." + string(ogp.RoleMonitoringBody), "role." + string(ogp.RoleContributor),
		"decision." + string(ogp.DecisionApprove), "decision." + string(ogp.DecisionRequestChanges),
	} {
		for _, lang := range Languages {
			if !c.has(lang, k) {
				t.Errorf("domain.json (%s) has no %s", lang, k)
			}
		}
	}
}

func TestDomainStepNames(t *testing.T) {
	c := domainCatalog(t)
	for _, def := range ogp.Steps {
		for _, part := range []string{"name", "title", "summary"} {
			k := fmt.Sprintf("step.%d.%s", def.Number, part)
			for _, lang := range Languages {
				if !c.has(lang, k) {
					t.Errorf("domain.json (%s) has no %s", lang, k)
				}
			}
		}
		if got := c.text("en", fmt.Sprintf("step.%d.title", def.Number)); got != def.Title {
			t.Errorf("step.%d.title is %q in English, but steps.go calls the step %q", def.Number, got, def.Title)
		}
	}
	if c.has("en", fmt.Sprintf("step.%d.name", ogp.StepCount+1)) {
		t.Errorf("domain.json names a step %d; there are %d", ogp.StepCount+1, ogp.StepCount)
	}
}

// TestDomainCatalogNeedsNoArguments: domain messages are shown by code,
// with nothing to fill in.
func TestDomainCatalogNeedsNoArguments(t *testing.T) {
	c := domainCatalog(t)
	for _, lang := range Languages {
		for k, v := range c.msgs[lang] {
			if !domainKey(k) {
				continue
			}
			if verbs := fmtVerbs(v); len(verbs) > 0 {
				t.Errorf("%s %s: %q has placeholders %v; domain messages are shown without arguments", lang, k, v, verbs)
			}
		}
	}
}

// domainKey tells the keys domain.json owns.
func domainKey(k string) bool {
	for _, p := range []string{"step.", "violation.", "error.code.", "event.", "checklist.", "rating."} {
		if strings.HasPrefix(k, p) {
			return true
		}
	}
	for _, p := range enumKeys {
		if strings.HasPrefix(k, p) {
			return true
		}
	}
	return false
}
