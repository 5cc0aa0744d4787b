package web

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"net/http"
	"path"
	"sort"
	"strings"

	"github.com/labstack/echo/v4"
	"golang.org/x/text/language"
)

// Languages the catalog is complete in; the first is the fallback.
var Languages = []string{"en", "es"}

var langTags = []language.Tag{language.English, language.Spanish}

var langMatcher = language.NewMatcher(langTags)

// catalog maps language -> key -> message. Messages are fmt formats.
type catalog struct {
	msgs map[string]map[string]string
}

// loadCatalog reads locales/<lang>/*.json. Each area owns its files, and
// a key defined twice in one language is an error, not a silent override.
func loadCatalog(fsys fs.FS) (*catalog, error) {
	c := &catalog{msgs: map[string]map[string]string{}}
	for _, lang := range Languages {
		c.msgs[lang] = map[string]string{}
		names, err := fs.Glob(fsys, path.Join("locales", lang, "*.json"))
		if err != nil {
			return nil, err
		}
		sort.Strings(names)
		for _, name := range names {
			b, err := fs.ReadFile(fsys, name)
			if err != nil {
				return nil, err
			}
			var m map[string]string
			if err := json.Unmarshal(b, &m); err != nil {
				return nil, fmt.Errorf("catalog %s: %w", name, err)
			}
			for k, v := range m {
				if _, dup := c.msgs[lang][k]; dup {
					return nil, fmt.Errorf("catalog %s: key %q is defined twice", name, k)
				}
				c.msgs[lang][k] = v
			}
		}
	}
	return c, nil
}

// has tells whether key exists in lang.
func (c *catalog) has(lang, key string) bool {
	_, ok := c.msgs[lang][key]
	return ok
}

// text returns the message for key in lang, falling back to English and
// then to the key itself (which the catalog tests make impossible).
func (c *catalog) text(lang, key string, args ...any) string {
	m, ok := c.msgs[lang][key]
	if !ok {
		if m, ok = c.msgs["en"][key]; !ok {
			m = key
		}
	}
	if len(args) == 0 {
		return m
	}
	return fmt.Sprintf(m, args...)
}

// language picks the page language: the visitor's own choice (cookie)
// first, then the browser's Accept-Language.
func (w *Web) language(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		c.Set(ctxLang, pickLanguage(c.Request()))
		c.Response().Header().Add("Vary", "Accept-Language")
		return next(c)
	}
}

func pickLanguage(r *http.Request) string {
	if ck, err := r.Cookie(langCookie); err == nil {
		for _, l := range Languages {
			if ck.Value == l {
				return l
			}
		}
	}
	tags, _, err := language.ParseAcceptLanguage(r.Header.Get("Accept-Language"))
	if err != nil || len(tags) == 0 {
		return Languages[0]
	}
	_, i, _ := langMatcher.Match(tags...)
	return Languages[i]
}

// lang is the request's language.
func lang(c echo.Context) string {
	if l, ok := c.Get(ctxLang).(string); ok {
		return l
	}
	return Languages[0]
}

// T translates key for the request's language.
func (w *Web) T(c echo.Context, key string, args ...any) string {
	return w.catalog.text(lang(c), key, args...)
}

// setLanguage stores the visitor's choice and goes back to the page.
func (w *Web) setLanguage(c echo.Context) error {
	l := c.FormValue("lang")
	ok := false
	for _, x := range Languages {
		ok = ok || x == l
	}
	if !ok {
		return badRequest("unknown_language", "unknown language %q", l)
	}
	w.setCookie(c, langCookie, l, 365*24*3600)
	next := c.FormValue("next")
	if next == "" || !strings.HasPrefix(next, "/") {
		next = "/"
	}
	return c.Redirect(http.StatusSeeOther, localPath(next))
}
