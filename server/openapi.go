package server

import (
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"net/http"
	"sort"

	"github.com/labstack/echo/v4"
)

// The OpenAPI document is the base document (the spine's routes) merged
// with one fragment per area of co-creation content in openapi/, so each
// area documents its own routes next to its handlers.
var (
	//go:embed openapi.json
	openapiBase []byte
	//go:embed openapi/*.json
	openapiFragments embed.FS
)

// OpenAPI is the API's OpenAPI 3 document; tests keep it true to the
// routes and responses.
var OpenAPI = mustMergeOpenAPI(openapiBase, openapiFragments)

// mergeOpenAPI adds each fragment's paths, components and tags to the
// base document. A fragment owns its paths and component names: defining
// one twice is an error, never a silent override.
func mergeOpenAPI(base []byte, fragments fs.FS) ([]byte, error) {
	var doc map[string]any
	if err := json.Unmarshal(base, &doc); err != nil {
		return nil, fmt.Errorf("openapi.json: %w", err)
	}
	files, err := fs.Glob(fragments, "openapi/*.json")
	if err != nil {
		return nil, err
	}
	sort.Strings(files)
	for _, f := range files {
		b, err := fs.ReadFile(fragments, f)
		if err != nil {
			return nil, err
		}
		var frag struct {
			Paths      map[string]any            `json:"paths"`
			Components map[string]map[string]any `json:"components"`
			Tags       []any                     `json:"tags"`
		}
		if err := json.Unmarshal(b, &frag); err != nil {
			return nil, fmt.Errorf("%s: %w", f, err)
		}
		if err := addPaths(section(doc, "paths"), frag.Paths, f); err != nil {
			return nil, err
		}
		components := section(doc, "components")
		for name, defs := range frag.Components {
			sec, ok := components[name].(map[string]any)
			if !ok {
				sec = map[string]any{}
				components[name] = sec
			}
			if err := addNew(sec, defs, f, "components."+name); err != nil {
				return nil, err
			}
		}
		if len(frag.Tags) > 0 {
			tags, _ := doc["tags"].([]any)
			doc["tags"] = append(tags, frag.Tags...)
		}
	}
	return json.MarshalIndent(doc, "", "  ")
}

func section(doc map[string]any, name string) map[string]any {
	m, ok := doc[name].(map[string]any)
	if !ok {
		m = map[string]any{}
		doc[name] = m
	}
	return m
}

func addNew(dst, src map[string]any, file, what string) error {
	for k, v := range src {
		if _, dup := dst[k]; dup {
			return fmt.Errorf("%s: %s %q is defined twice in the OpenAPI document", file, what, k)
		}
		dst[k] = v
	}
	return nil
}

// addPaths adds a fragment's paths. A path the document has already
// (GET /users next to the base's POST /users) is an error unless the
// fragment adds operations to it: only operations, each of them new.
func addPaths(dst, src map[string]any, file string) error {
	for path, item := range src {
		have, exists := dst[path].(map[string]any)
		if !exists {
			if _, dup := dst[path]; dup {
				return fmt.Errorf("%s: path %q is defined twice in the OpenAPI document", file, path)
			}
			dst[path] = item
			continue
		}
		ops, _ := item.(map[string]any)
		if len(ops) == 0 {
			return fmt.Errorf("%s: path %q is defined twice in the OpenAPI document", file, path)
		}
		for k := range ops {
			if !httpMethods[k] {
				return fmt.Errorf("%s: path %q is defined twice in the OpenAPI document (%q: a fragment may add only operations to another's path)", file, path, k)
			}
		}
		if err := addNew(have, ops, file, "operation of path "+path); err != nil {
			return err
		}
	}
	return nil
}

var httpMethods = map[string]bool{"get": true, "put": true, "post": true, "delete": true, "options": true, "head": true, "patch": true, "trace": true}

func mustMergeOpenAPI(base []byte, fragments fs.FS) []byte {
	b, err := mergeOpenAPI(base, fragments)
	if err != nil {
		panic(err)
	}
	return b
}

func serveOpenAPI(c echo.Context) error {
	return c.Blob(http.StatusOK, "application/json", OpenAPI)
}
