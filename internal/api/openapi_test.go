package api

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"
)

// TestOpenAPICoverage: every registered route is documented with its
// method, every documented operation is registered, and every $ref
// resolves.
func TestOpenAPICoverage(t *testing.T) {
	f := newFixture(t, nil)
	rec := f.do(t, roleNone, "GET", "/api/v1/openapi.json", nil)
	var doc struct {
		OpenAPI    string                               `json:"openapi"`
		Paths      map[string]map[string]map[string]any `json:"paths"`
		Components struct {
			Schemas map[string]any `json:"schemas"`
		} `json:"components"`
	}
	decode(t, rec, &doc)
	if !strings.HasPrefix(doc.OpenAPI, "3.") {
		t.Errorf("openapi = %q", doc.OpenAPI)
	}

	registered := map[string]bool{}
	apiRoutes := 0
	for _, r := range f.srv.Echo().Routes() {
		if r.Method == echo.RouteNotFound {
			continue
		}
		switch {
		case strings.HasPrefix(r.Path, Prefix+"/"):
			apiRoutes++
		case r.Path != "/healthz" && r.Path != "/readyz" && r.Path != "/metrics":
			continue // pages are not API
		}
		path := openapiPath(r.Path)
		registered[strings.ToLower(r.Method)+" "+path] = true
		t.Run(r.Method+" "+r.Path, func(t *testing.T) {
			op, ok := doc.Paths[path][strings.ToLower(r.Method)]
			if !ok {
				t.Fatalf("%s %s is not in the OpenAPI document", r.Method, path)
			}
			if op["summary"] == "" || op["responses"] == nil {
				t.Errorf("operation lacks summary or responses: %v", op)
			}
			for _, name := range regexp.MustCompile(`\{(\w+)\}`).FindAllStringSubmatch(path, -1) {
				if !hasParam(op, name[1], "path") {
					t.Errorf("path parameter %s undocumented", name[1])
				}
			}
		})
	}
	if apiRoutes < 7 {
		t.Errorf("only %d /api/v1 routes registered", apiRoutes)
	}
	for path, item := range doc.Paths {
		for method := range item {
			if !registered[method+" "+path] {
				t.Errorf("documented %s %s is not registered", method, path)
			}
		}
	}
	for _, ref := range regexp.MustCompile(`"\$ref":"#/components/schemas/([^"]+)"`).FindAllStringSubmatch(rec.Body.String(), -1) {
		if _, ok := doc.Components.Schemas[ref[1]]; !ok {
			t.Errorf("dangling $ref %s", ref[1])
		}
	}
	// The scorecard row shape (README, HTTP API) is in the schema.
	var card struct {
		Properties map[string]any `json:"properties"`
	}
	b, _ := json.Marshal(doc.Components.Schemas["metrics.Card"])
	if err := json.Unmarshal(b, &card); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"level", "key", "period_start", "metrics", "n", "internal", "external", "score", "components"} {
		if _, ok := card.Properties[p]; !ok {
			t.Errorf("metrics.Card schema lacks %s", p)
		}
	}
}

func hasParam(op map[string]any, name, in string) bool {
	ps, _ := op["parameters"].([]any)
	for _, p := range ps {
		m, _ := p.(map[string]any)
		if m["name"] == name && m["in"] == in {
			return true
		}
	}
	return false
}
