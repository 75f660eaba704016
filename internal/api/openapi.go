package api

import (
	"encoding/json"
	"net/http"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/servicecard/servicecard/ingest"
	"github.com/servicecard/servicecard/internal/domain"
	"github.com/servicecard/servicecard/metrics"
)

// opDoc documents one route for the OpenAPI document.
type opDoc struct {
	id          string
	summary     string
	description string
	params      []paramDoc
	body        *bodyDoc
	// result is a value of the 200 body's Go type (its JSON schema is
	// derived by reflection); nil with content set: a file.
	result  any
	content []string // 200 media types; default application/json
	errors  []int    // statuses besides 200 worth documenting
}

type paramDoc struct {
	name, in, description string
	enum                  []string
	required              bool
	array                 bool
}

type bodyDoc struct {
	description string
	media       []string
}

var (
	pFrom = paramDoc{name: "from", in: "query",
		description: "Start of the range: YYYY-MM-DD (midnight in the business time zone) or an RFC 3339 instant; inclusive."}
	pTo = paramDoc{name: "to", in: "query",
		description: "End of the range: YYYY-MM-DD (that whole day is included) or an RFC 3339 instant (exclusive). Default: end of today."}
	pTeam = paramDoc{name: "team", in: "query", array: true,
		description: "Team filter, repeated or comma-separated. Supervisors: only their teams; default their teams."}
)

var (
	docHealthz = opDoc{id: "healthz", summary: "Liveness: the process answers.", result: Health{}}
	docReadyz  = opDoc{id: "readyz", summary: "Readiness: ClickHouse reachable and migrated.",
		result: Health{}, errors: []int{503}}
	docMetrics = opDoc{id: "metrics", summary: "Prometheus metrics (no agent-level labels).",
		content: []string{"text/plain"}}
	docOpenAPI = opDoc{id: "openapi", summary: "This document.", content: []string{"application/json"}}

	docScorecards = opDoc{id: "scorecards", summary: "Blended scorecards.",
		description: "One row per key and period: metric values with sample sizes and intervals, internal and external subscores, the composite score and its components. " +
			"Ranges: at most 366 days for grain=day, 3 years for week, 10 years for month. Default range: 28 days, 12 weeks or 12 months to today.",
		params: []paramDoc{
			{name: "level", in: "query", enum: levelNames(), description: "Default org. agent: supervisors (their teams) and admins with agent ids, analysts with pseudonymous agent keys (ak_...), executives 403."},
			{name: "grain", in: "query", enum: []string{"day", "week", "month"}, description: "Period length (weeks start Monday). Default week."},
			pFrom, pTo,
			{name: "team", in: "query", array: true, description: "Team filter for level team or agent, repeated or comma-separated. Supervisors: only their teams; default their teams."},
		},
		result: ScorecardsResponse{}, errors: []int{400, 401, 403, 503}}
	docCatalog = opDoc{id: "catalog", summary: "The metric catalog with the configuration in force.",
		result: CatalogResponse{}, errors: []int{401}}
	docCoaching = opDoc{id: "coaching", summary: "Coaching opportunities over the trailing coaching window ending at to (default: the end of yesterday, as the coaching page).",
		params: []paramDoc{pTeam, pTo}, result: CoachingResponse{}, errors: []int{400, 401, 403, 503}}
	docRecognition = opDoc{id: "recognition", summary: "Service stars, praise and Customer Service Weeks in the range (default: 28 days to today).",
		params: []paramDoc{pFrom, pTo, pTeam}, result: RecognitionResponse{}, errors: []int{400, 401, 403, 503}}
	docExport = opDoc{id: "export", summary: "Stream a table as CSV, NDJSON or Parquet.",
		description: "Columns are the table's column ids (scorecards: metric ids); for analysts agent_id is agent_key and agent scorecard keys are agent keys. Rows whose time falls in the range (default: 28 days to today; at most 10 years). " +
			"The file is an attachment; a failure after the first byte breaks the connection rather than end the file early.",
		params: []paramDoc{
			{name: "table", in: "path", required: true, enum: tableNames()},
			{name: "format", in: "query", enum: []string{"csv", "ndjson", "parquet"}, description: "Default csv."},
			pFrom, pTo,
		},
		content: []string{"text/csv", "application/x-ndjson", "application/vnd.apache.parquet"},
		errors:  []int{400, 401, 403, 404, 503}}
	docIngest = opDoc{id: "ingest", summary: "Load a file sent as the raw request body.",
		description: "Same parsers, validation and rejects as `servicecard ingest`. The body is read whole into a temporary file first and loaded only then: beyond the server's limit (default 256 MiB) the answer is 413, a stalled body 408, and neither loads anything. " +
			"Any Content-Type but multipart is taken as the raw file (curl --data-binary's default form type included). During a ClickHouse outage: 503 with Retry-After. " +
			"Rejected rows are counted in rows_rejected and kept in ingest_rejects; they do not fail the request.",
		params: []paramDoc{
			{name: "kind", in: "path", required: true, enum: kindNames()},
			{name: "format", in: "query", enum: formatNames(), description: "Default auto (sniffed), or from Content-Type text/csv / application/x-ndjson."},
			{name: "timezone", in: "query", description: "IANA zone for timestamps without one. Default: the business time zone."},
			{name: "source", in: "query", description: "Overrides the stored source name."},
			{name: "batch_id", in: "query", description: "Client batch id: a retry with the same id replaces the earlier attempt's rows."},
			{name: "file", in: "query", description: "Name recorded for the batch. Default http."},
		},
		body:   &bodyDoc{description: "The file, as is.", media: []string{"text/csv", "application/x-ndjson", "text/plain", "application/json", "application/octet-stream", "application/x-www-form-urlencoded"}},
		result: ingest.Summary{}, errors: []int{400, 401, 403, 404, 408, 413, 415, 503}}
)

func levelNames() []string {
	var out []string
	for _, l := range metrics.Levels() {
		out = append(out, string(l))
	}
	return out
}

func tableNames() []string {
	var out []string
	for _, t := range domain.Tables {
		out = append(out, string(t))
	}
	return out
}

func kindNames() []string {
	var out []string
	for _, k := range ingest.Kinds {
		out = append(out, string(k))
	}
	return out
}

func formatNames() []string {
	var out []string
	for _, f := range ingestFormats {
		out = append(out, string(f))
	}
	return out
}

var echoParam = regexp.MustCompile(`:([A-Za-z_]+)`)

// openapiPath turns an echo template (/export/:table) into OpenAPI's
// (/export/{table}).
func openapiPath(p string) string { return echoParam.ReplaceAllString(p, "{$1}") }

// document builds the OpenAPI 3 document from the route table.
func (s *Server) document() map[string]any {
	schemas := map[string]any{}
	gen := &schemaGen{defs: schemas}
	errSchema := gen.ref(reflect.TypeFor[ErrorBody]())
	paths := map[string]any{}
	for _, r := range s.routes {
		d := r.doc
		op := map[string]any{"operationId": d.id, "summary": d.summary}
		if d.description != "" {
			op["description"] = d.description
		}
		if r.access == nil {
			op["security"] = []any{}
		} else {
			roles := make([]string, len(r.access))
			for i, role := range r.access {
				roles[i] = string(role)
			}
			op["x-roles"] = roles
		}
		var params []any
		for _, p := range d.params {
			sch := map[string]any{"type": "string"}
			if len(p.enum) > 0 {
				sch["enum"] = p.enum
			}
			if p.array {
				sch = map[string]any{"type": "array", "items": sch}
			}
			pm := map[string]any{"name": p.name, "in": p.in, "required": p.required || p.in == "path", "schema": sch}
			if p.description != "" {
				pm["description"] = p.description
			}
			if p.array {
				pm["style"], pm["explode"] = "form", true
			}
			params = append(params, pm)
		}
		if params != nil {
			op["parameters"] = params
		}
		if d.body != nil {
			content := map[string]any{}
			for _, m := range d.body.media {
				content[m] = map[string]any{"schema": map[string]any{"type": "string", "format": "binary"}}
			}
			op["requestBody"] = map[string]any{"required": true, "description": d.body.description, "content": content}
		}
		ok := map[string]any{"description": "OK"}
		switch {
		case d.result != nil:
			ok["content"] = map[string]any{"application/json": map[string]any{"schema": gen.ref(reflect.TypeOf(d.result))}}
		case len(d.content) > 0:
			content := map[string]any{}
			for _, m := range d.content {
				sch := map[string]any{"type": "string"}
				if m == "application/json" {
					sch = map[string]any{"type": "object"}
				}
				content[m] = map[string]any{"schema": sch}
			}
			ok["content"] = content
		}
		responses := map[string]any{"200": ok}
		errs := d.errors
		if r.access != nil {
			errs = append(errs, 401, 403)
		}
		errs = append(errs, 500)
		for _, code := range errs {
			responses[strconv.Itoa(code)] = map[string]any{
				"description": http.StatusText(code),
				"content":     map[string]any{"application/json": map[string]any{"schema": errSchema}},
			}
		}
		op["responses"] = responses
		path := openapiPath(r.path)
		item, _ := paths[path].(map[string]any)
		if item == nil {
			item = map[string]any{}
			paths[path] = item
		}
		item[strings.ToLower(r.method)] = op
	}
	return map[string]any{
		"openapi": "3.0.3",
		"info": map[string]any{
			"title":       "servicecard API",
			"version":     "1",
			"description": "Contact-center KPIs paired with what customers say. Authenticate with Authorization: Bearer TOKEN; errors are {\"error\":{\"code\",\"message\"}}.",
		},
		"paths": paths,
		"components": map[string]any{
			"schemas":         schemas,
			"securitySchemes": map[string]any{"bearer": map[string]any{"type": "http", "scheme": "bearer"}},
		},
		"security": []any{map[string]any{"bearer": []any{}}},
	}
}

func (s *Server) openapi(c echo.Context) error {
	if _, err := readQuery(c); err != nil {
		return err
	}
	s.docOnce.Do(func() {
		// A map of strings, slices and maps: it always marshals.
		s.doc, _ = json.Marshal(s.document())
	})
	return c.JSONBlob(http.StatusOK, s.doc)
}

// schemaGen derives JSON schemas from Go types by their json tags, so the
// document follows the types the handlers encode.
type schemaGen struct {
	defs map[string]any
}

var timeType = reflect.TypeFor[time.Time]()
var durationType = reflect.TypeFor[time.Duration]()

func (g *schemaGen) ref(t reflect.Type) map[string]any {
	if t.Kind() == reflect.Pointer || t.Kind() != reflect.Struct || t == timeType {
		return g.schema(t)
	}
	name := t.Name()
	if t.PkgPath() != reflect.TypeFor[ErrorBody]().PkgPath() {
		// Qualify other packages' types: metrics.Survey is not ingest's.
		pkg := t.PkgPath()
		name = pkg[strings.LastIndex(pkg, "/")+1:] + "." + name
	}
	if _, ok := g.defs[name]; !ok {
		g.defs[name] = nil // placeholder: breaks cycles
		g.defs[name] = g.schema(t)
	}
	return map[string]any{"$ref": "#/components/schemas/" + name}
}

func (g *schemaGen) schema(t reflect.Type) map[string]any {
	nullable := false
	for t.Kind() == reflect.Pointer {
		t, nullable = t.Elem(), true
	}
	var s map[string]any
	switch {
	case t == timeType:
		s = map[string]any{"type": "string", "format": "date-time"}
	case t == durationType:
		s = map[string]any{"type": "integer", "description": "nanoseconds"}
	default:
		switch t.Kind() {
		case reflect.Bool:
			s = map[string]any{"type": "boolean"}
		case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
			reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
			s = map[string]any{"type": "integer"}
		case reflect.Float32, reflect.Float64:
			s = map[string]any{"type": "number"}
		case reflect.String:
			s = map[string]any{"type": "string"}
		case reflect.Slice, reflect.Array:
			s = map[string]any{"type": "array", "items": g.ref(t.Elem())}
		case reflect.Map:
			s = map[string]any{"type": "object", "additionalProperties": g.ref(t.Elem())}
		case reflect.Struct:
			if nullable {
				return map[string]any{"allOf": []any{g.ref(t)}, "nullable": true}
			}
			props := map[string]any{}
			var required []string
			g.fields(t, props, &required)
			s = map[string]any{"type": "object", "properties": props}
			if len(required) > 0 {
				sort.Strings(required)
				s["required"] = required
			}
			return s
		default:
			s = map[string]any{}
		}
	}
	if nullable {
		s["nullable"] = true
	}
	return s
}

func (g *schemaGen) fields(t reflect.Type, props map[string]any, required *[]string) {
	for i := range t.NumField() {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		if tag == "-" || (!f.IsExported() && !f.Anonymous) {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		if f.Anonymous && name == "" && f.Type.Kind() == reflect.Struct {
			g.fields(f.Type, props, required)
			continue
		}
		if name == "" {
			name = f.Name
		}
		props[name] = g.ref(f.Type)
		if !strings.Contains(opts, "omitempty") {
			*required = append(*required, name)
		}
	}
}
