package web

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"

	"herald/store"
	"herald/store/storetest"
)

func openAPIServer(t *testing.T) *Server {
	t.Helper()
	db := storetest.Open(t, store.Options{Authority: "news.example.org"})
	return New(db, Config{BaseURL: &url.URL{Scheme: "https", Host: "news.example.org"}})
}

// openAPIDocument is what the checks read of openapi.json.
type openAPIDocument struct {
	OpenAPI string                                `json:"openapi"`
	Paths   map[string]map[string]json.RawMessage `json:"paths"`
}

var httpMethods = []string{"get", "put", "post", "delete", "options", "head", "patch", "trace"}

// openAPIMismatches compares the /api/ routes of a route table with the
// paths of an OpenAPI document, both ways, and asks mux which pattern
// serves each documented operation.
func openAPIMismatches(doc openAPIDocument, patterns []string, mux *http.ServeMux) []string {
	var out []string
	served := map[string]bool{}
	for _, p := range patterns {
		method, path, ok := strings.Cut(p, " ")
		if !ok {
			method, path = "", p
		}
		if !strings.HasPrefix(path, "/api/") {
			continue
		}
		if method == "" {
			out = append(out, "route "+p+" names no method; API routes must")
			continue
		}
		served[method+" "+path] = true
		if _, ok := doc.Paths[path][strings.ToLower(method)]; !ok {
			out = append(out, "route "+p+" is missing from openapi.json")
		}
	}
	for path, item := range doc.Paths {
		for key := range item {
			if !slices.Contains(httpMethods, key) {
				continue // summary, parameters...
			}
			op := strings.ToUpper(key) + " " + path
			if !served[op] {
				out = append(out, "openapi.json documents "+op+", which is not in the route table")
				continue
			}
			// The mux, not only the table, must send such a request there.
			concrete := regexp.MustCompile(`\{[^}]+\}`).ReplaceAllString(path, "1")
			_, pattern := mux.Handler(httptest.NewRequest(strings.ToUpper(key), concrete, nil))
			if pattern != op {
				out = append(out, "openapi.json documents "+op+", but "+concrete+" is served by "+pattern)
			}
		}
	}
	slices.Sort(out)
	return out
}

func TestOpenAPIMatchesRoutes(t *testing.T) {
	s := openAPIServer(t)
	var doc openAPIDocument
	if err := json.Unmarshal(openAPIDoc, &doc); err != nil {
		t.Fatalf("openapi.json: %v", err)
	}
	if got := openAPIMismatches(doc, s.patterns, s.mux); len(got) > 0 {
		t.Errorf("the OpenAPI document and the routes differ:\n%s", strings.Join(got, "\n"))
	}
	n := 0
	for _, p := range s.patterns {
		if strings.Contains(p, " /api/") {
			n++
		}
	}
	if n < 10 {
		t.Fatalf("found %d API routes in the table; the walk is not seeing the routes", n)
	}

	// The check fails when it should: a route not documented, an
	// operation not served, a route that the mux sends elsewhere.
	broken := openAPIDocument{OpenAPI: doc.OpenAPI, Paths: map[string]map[string]json.RawMessage{}}
	for k, v := range doc.Paths {
		if k != "/api/changes" {
			broken.Paths[k] = v
		}
	}
	broken.Paths["/api/nowhere"] = map[string]json.RawMessage{"get": nil}
	got := openAPIMismatches(broken, append(slices.Clone(s.patterns), "GET /api/elsewhere/{x}"), s.mux)
	want := []string{
		"openapi.json documents GET /api/nowhere, which is not in the route table",
		"route GET /api/changes is missing from openapi.json",
		"route GET /api/elsewhere/{x} is missing from openapi.json",
	}
	if !slices.Equal(got, want) {
		t.Errorf("mismatches of a broken document:\n got %q\nwant %q", got, want)
	}
	broken.Paths["/api/elsewhere/{x}"] = map[string]json.RawMessage{"get": nil}
	got = openAPIMismatches(broken, append(slices.Clone(s.patterns), "GET /api/elsewhere/{x}"), s.mux)
	if !slices.Contains(got, "openapi.json documents GET /api/elsewhere/{x}, but /api/elsewhere/1 is served by /") {
		t.Errorf("a route in the table that the mux does not serve went unnoticed: %q", got)
	}
}

// TestOpenAPIDocument checks the document's own consistency: unique
// operation ids, responses everywhere, path parameters declared, and every
// $ref pointing at something.
func TestOpenAPIDocument(t *testing.T) {
	var raw map[string]any
	if err := json.Unmarshal(openAPIDoc, &raw); err != nil {
		t.Fatal(err)
	}
	if raw["openapi"] != "3.1.0" {
		t.Errorf("openapi: got %v, want 3.1.0", raw["openapi"])
	}
	resolve := func(v any) map[string]any {
		m, _ := v.(map[string]any)
		if ref, ok := m["$ref"].(string); ok {
			var cur any = raw
			for _, part := range strings.Split(strings.TrimPrefix(ref, "#/"), "/") {
				next, _ := cur.(map[string]any)
				cur = next[part]
			}
			m, _ = cur.(map[string]any)
		}
		return m
	}
	// Every $ref resolves.
	var walk func(v any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			if ref, ok := v["$ref"].(string); ok && resolve(v) == nil {
				t.Errorf("$ref %s points at nothing", ref)
			}
			for _, x := range v {
				walk(x)
			}
		case []any:
			for _, x := range v {
				walk(x)
			}
		}
	}
	walk(raw)
	ids := map[string]bool{}
	for path, item := range raw["paths"].(map[string]any) {
		vars := regexp.MustCompile(`\{([^}]+)\}`).FindAllStringSubmatch(path, -1)
		for method, v := range item.(map[string]any) {
			op := v.(map[string]any)
			id, _ := op["operationId"].(string)
			if id == "" || ids[id] {
				t.Errorf("%s %s: operationId %q missing or repeated", method, path, id)
			}
			ids[id] = true
			if rs, _ := op["responses"].(map[string]any); len(rs) == 0 {
				t.Errorf("%s %s: no responses", method, path)
			}
			declared := map[string]bool{}
			params, _ := op["parameters"].([]any)
			for _, p := range params {
				if pm := resolve(p); pm["in"] == "path" {
					declared[pm["name"].(string)] = true
				}
			}
			for _, v := range vars {
				if !declared[v[1]] {
					t.Errorf("%s %s: path parameter %s is not declared", method, path, v[1])
				}
			}
		}
	}
}

func TestOpenAPIServed(t *testing.T) {
	s := openAPIServer(t)
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, httptest.NewRequest("GET", "/api/openapi.json", nil))
	var doc struct {
		OpenAPI string `json:"openapi"`
		Servers []struct {
			URL string `json:"url"`
		} `json:"servers"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &doc); err != nil || rec.Code != 200 {
		t.Fatalf("GET /api/openapi.json: %d %v", rec.Code, err)
	}
	if doc.OpenAPI != "3.1.0" || len(doc.Servers) != 1 || doc.Servers[0].URL != "https://news.example.org" {
		t.Errorf("served document: got %+v", doc)
	}
	again := httptest.NewRecorder()
	req := httptest.NewRequest("GET", "/api/openapi.json", nil)
	req.Header.Set("If-None-Match", rec.Header().Get("ETag"))
	s.ServeHTTP(again, req)
	if again.Code != 304 {
		t.Errorf("with its ETag: got %d, want 304", again.Code)
	}
}
