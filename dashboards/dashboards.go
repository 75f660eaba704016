// Package dashboards generates servicecard's Grafana dashboards from code
// and pushes them to a Grafana server.
//
// The dashboards are built with github.com/grafana-tools/sdk and read
// ClickHouse through the Grafana ClickHouse data source plugin
// (grafana-clickhouse-datasource) and servicecard's own Prometheus metrics.
// Units, thresholds and panel descriptions come from the metrics catalog, so
// a target changed in the configuration changes the dashboards with it.
// The panels' SQL is in queries/*.sql, text/templates the Go code fills
// with the catalog's metrics.
//
// Generate returns the JSON files that are committed under
// deploy/grafana/dashboards/<folder>/<uid>.json and provisioned into Grafana
// by deploy/grafana/provisioning; Push uploads the same JSON through
// Grafana's HTTP API into folders whose view permission is given to the
// executives and supervisors teams.
//
// Executive dashboards never show agent-level data:
// Generate refuses to emit a query that reads agent rows or the agent_id
// column into a dashboard of the Executive folder.
package dashboards

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/grafana-tools/sdk"

	"github.com/servicecard/servicecard/metrics"
)

// Data source uids the dashboards refer to. Each audience has its own
// ClickHouse data source, logging in as a ClickHouse user that may read
// only what the audience may see (deploy/clickhouse/users.d/grafana.xml).
// The provisioning files under deploy/grafana/provisioning/datasources
// create the main organisation's (ClickHouseUID, PrometheusUID); Push
// creates the executive and supervisor ones in their organisations.
const (
	ClickHouseUID           = "servicecard-ch"
	ClickHouseExecutiveUID  = "servicecard-ch-executive"
	ClickHouseSupervisorUID = "servicecard-ch-supervisor"
	PrometheusUID           = "servicecard-prom"

	clickHouseType = "grafana-clickhouse-datasource"
	prometheusType = "prometheus"
)

// Sentinel errors.
var (
	// ErrAgentData marks a query that would put agent-level data on an
	// executive dashboard.
	ErrAgentData = errors.New("dashboards: agent-level query in an executive dashboard")
	// ErrOptions marks unusable Options.
	ErrOptions = errors.New("dashboards: invalid options")
)

// Folder is a Grafana folder the dashboards go into.
type Folder struct {
	UID   string // stable folder uid, shared by provisioning and Push
	Title string
	// Dir names the folder's directory under deploy/grafana/dashboards
	// and /var/lib/grafana/dashboards.
	Dir string
	// Org is the Grafana organisation of an audience that must not share
	// a data source with the others (Grafana OSS lets every member of an
	// organisation query its data sources): Push creates it with the
	// folder's data source. "": the main organisation (provisioned).
	Org string
	// ClickHouse is the uid of the ClickHouse data source the folder's
	// dashboards query; User is the ClickHouse user it logs in as.
	ClickHouse, User string
	// Team is the Grafana team given view permission on the folder by
	// Push; "" leaves the organisation's default permissions.
	Team string
	// Executive folders get the no-agent-data check.
	Executive bool
}

// Folders lists the dashboard folders in display order.
func Folders() []Folder {
	return []Folder{
		{UID: "servicecard-executive", Title: "Executive", Dir: "executive", Org: "servicecard executives",
			ClickHouse: ClickHouseExecutiveUID, User: "grafana_executive", Team: "executives", Executive: true},
		{UID: "servicecard-supervisors", Title: "Supervisors", Dir: "supervisor", Org: "servicecard supervisors",
			ClickHouse: ClickHouseSupervisorUID, User: "grafana_supervisor", Team: "supervisors"},
		{UID: "servicecard-quality", Title: "Data quality", Dir: "quality", ClickHouse: ClickHouseUID, User: "grafana_ops"},
		{UID: "servicecard-platform-folder", Title: "Platform", Dir: "platform", ClickHouse: ClickHouseUID, User: "grafana_ops"},
	}
}

func folderByDir(dir string) (Folder, bool) {
	for _, f := range Folders() {
		if f.Dir == dir {
			return f, true
		}
	}
	return Folder{}, false
}

// Options configure Generate. The zero value generates the dashboards of
// the default configuration.
type Options struct {
	// Config is the configuration in force: its catalog gives units,
	// targets, floors, minimum samples and formulas, its time zone the
	// business days raw timestamps are bucketed by (scorecard periods come
	// pre-bucketed). Nil: metrics.Default().
	Config *metrics.Config
}

// Generate builds every dashboard and returns its JSON by path relative
// to deploy/grafana/dashboards ("executive/servicecard-exec.json"...).
// The output is deterministic: keys sorted, panel ids numbered in order.
func Generate(opt Options) (map[string][]byte, error) {
	g, err := newGenerator(opt)
	if err != nil {
		return nil, err
	}
	out := map[string][]byte{}
	for _, d := range g.dashboards() {
		b, err := d.render()
		if err != nil {
			return nil, fmt.Errorf("dashboard %s: %w", d.uid, err)
		}
		out[d.path()] = b
	}
	return out, nil
}

// Write stores files (as returned by Generate) under dir, creating the
// folder directories, and removes stale *.json files from them.
func Write(dir string, files map[string][]byte) error {
	keep := map[string]bool{}
	for name, b := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return fmt.Errorf("write dashboards: %w", err)
		}
		if err := os.WriteFile(p, b, 0o644); err != nil {
			return fmt.Errorf("write dashboards: %w", err)
		}
		keep[p] = true
	}
	old, err := filepath.Glob(filepath.Join(dir, "*", "*.json"))
	if err != nil {
		return fmt.Errorf("write dashboards: %w", err)
	}
	for _, p := range old {
		if !keep[p] {
			if err := os.Remove(p); err != nil {
				return fmt.Errorf("write dashboards: remove stale %s: %w", p, err)
			}
		}
	}
	return nil
}

type generator struct {
	cfg  metrics.Config
	kpis map[string]metrics.Metric
	tz   string
}

var tzName = regexp.MustCompile(`^[A-Za-z0-9_+\-/]+$`)

func newGenerator(opt Options) (*generator, error) {
	cfg := metrics.Default()
	if opt.Config != nil {
		cfg = *opt.Config
	}
	g := &generator{cfg: cfg, kpis: map[string]metrics.Metric{}, tz: cfg.Timezone}
	if g.tz == "" {
		g.tz = "UTC"
	}
	if !tzName.MatchString(g.tz) {
		return nil, fmt.Errorf("%w: time zone %q", ErrOptions, g.tz)
	}
	if _, err := time.LoadLocation(g.tz); err != nil {
		return nil, fmt.Errorf("%w: time zone %q: %v", ErrOptions, g.tz, err)
	}
	for _, k := range metrics.Catalog(cfg) {
		if !metricID.MatchString(k.ID) {
			return nil, fmt.Errorf("%w: metric id %q", ErrOptions, k.ID)
		}
		g.kpis[k.ID] = k
	}
	return g, nil
}

// kpi returns the catalog entry of id; a metric the catalog lacks gets a
// plain entry so a dashboard still renders (the golden test catches it).
func (g *generator) kpi(id string) metrics.Metric {
	if k, ok := g.kpis[id]; ok {
		return k
	}
	return metrics.Metric{ID: id, Name: id}
}

func (g *generator) dashboards() []*dashboard {
	return []*dashboard{g.executive(), g.coaching(), g.quality(), g.platform()}
}

// dashboard is one dashboard before rendering.
type dashboard struct {
	uid, title, description string
	folder                  string // Folder.Dir
	tags                    []string
	from, to                string
	refresh                 string
	vars                    []sdk.TemplateVar
	annotations             []annotation
	panels                  []*panel
}

func (d *dashboard) path() string { return path.Join(d.folder, d.uid+".json") }

func (d *dashboard) add(p ...*panel) { d.panels = append(d.panels, p...) }

// row starts a new row of panels under a title.
func (d *dashboard) row(title string) {
	d.panels = append(d.panels, &panel{kind: "row", title: title, w: 24, h: 1})
}

// targets lists every query of the dashboard with the panel it feeds.
func (d *dashboard) targets() []*target {
	var out []*target
	for _, p := range d.panels {
		out = append(out, p.targets...)
	}
	for i := range d.annotations {
		out = append(out, &d.annotations[i].target)
	}
	return out
}

// render lays the panels out, checks them and returns the JSON.
func (d *dashboard) render() ([]byte, error) {
	f, ok := folderByDir(d.folder)
	if !ok {
		return nil, fmt.Errorf("%w: unknown folder %q", ErrOptions, d.folder)
	}
	// Grafana refuses to save a dashboard titled like its folder, or one
	// whose uid is a folder's (folders are dashboards in its database).
	if d.title == f.Title {
		return nil, fmt.Errorf("%w: dashboard %q has its folder's title", ErrOptions, d.title)
	}
	for _, o := range Folders() {
		if o.UID == d.uid {
			return nil, fmt.Errorf("%w: dashboard uid %q is also folder %s's uid", ErrOptions, d.uid, o.Title)
		}
	}
	// Every ClickHouse query goes to the folder's data source.
	for _, t := range d.targets() {
		if t.ds.Type == clickHouseType {
			t.ds.UID = f.ClickHouse
		}
	}
	for i := range d.vars {
		if d.vars[i].Type == "query" {
			d.vars[i].Datasource = dsRef{Type: clickHouseType, UID: f.ClickHouse}
		}
	}
	if f.Executive {
		for _, t := range d.targets() {
			if err := checkExecutive(t.query()); err != nil {
				return nil, fmt.Errorf("%s: %w", t.panel, err)
			}
		}
	}
	b := sdk.NewBoard(d.title)
	b.ID = 0 // NewBoard counts boards process-wide; provisioning wants none
	b.UID = d.uid
	b.Tags = append([]string{"servicecard"}, d.tags...)
	b.Timezone = "utc"
	b.Editable = false
	b.SchemaVersion = schemaVersion
	b.Time = sdk.Time{From: d.from, To: d.to}
	b.Timepicker = sdk.Timepicker{RefreshIntervals: []string{"5m", "15m", "1h"}}
	b.GraphTooltip = 1
	if d.refresh != "" {
		b.Refresh = &sdk.BoolString{Flag: true, Value: d.refresh}
	}
	b.Templating = sdk.Templating{List: d.vars}
	if b.Templating.List == nil {
		b.Templating.List = []sdk.TemplateVar{}
	}
	b.Links = []sdk.Link{}
	layout(d.panels)
	for i, p := range d.panels {
		b.Panels = append(b.Panels, p.sdk(uint(i+1)))
	}
	raw, err := json.Marshal(b)
	if err != nil {
		return nil, err
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, err
	}
	// Keys the SDK writes for pre-5.0 dashboards; Grafana 12 has no use
	// for them.
	for _, k := range []string{"rows", "slug", "originalTitle", "style", "hideControls", "sharedCrosshair"} {
		delete(m, k)
	}
	m["description"] = d.description
	m["annotations"] = map[string]any{"list": d.annotationList()}
	if panels, ok := m["panels"].([]any); ok {
		for _, p := range panels {
			if pm, ok := p.(map[string]any); ok {
				for _, k := range []string{"renderer", "span", "isNew", "error", "editable", "transparent"} {
					delete(pm, k)
				}
			}
		}
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false) // SQL's < and > stay readable
	enc.SetIndent("", "  ")
	if err := enc.Encode(m); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// schemaVersion is the dashboard schema of Grafana 12.
const schemaVersion = 41

// layout places the panels left to right on Grafana's 24-column grid,
// wrapping to a new line when a panel does not fit; rows take a line.
func layout(ps []*panel) {
	x, y, lineH := 0, 0, 0
	for _, p := range ps {
		if p.kind == "row" {
			if x > 0 {
				y += lineH
			}
			p.x, p.y = 0, y
			y++
			x, lineH = 0, 0
			continue
		}
		if x+p.w > 24 {
			x = 0
			y += lineH
			lineH = 0
		}
		p.x, p.y = x, y
		x += p.w
		if p.h > lineH {
			lineH = p.h
		}
	}
}

// sortedKeys returns m's keys in order.
func sortedKeys[V any](m map[string]V) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

// agentRef finds what makes a query agent-level: the agent_id column or
// the 'agent' level (any quoting, any spacing, any case).
var agentRef = regexp.MustCompile(`(?i)\bagent_id\b|['"` + "`" + `]\s*agent\s*['"` + "`" + `]`)

var sqlComment = regexp.MustCompile(`--[^\n]*`)

var scorecardsRef = regexp.MustCompile(`(?i)\bscorecards\b`)

// levelPin finds the scorecard level conditions of a query.
var levelPin = regexp.MustCompile(`(?i)\blevel\s*(=\s*'([a-z]+)'|in\s*\(([^)]*)\))`)

// checkExecutive refuses a query that could return agent-level rows: it
// must not mention agent_id or the 'agent' level, and a query on
// scorecards must pin the level to literal non-agent levels (a template
// variable alone could be set to agent from the URL).
func checkExecutive(q string) error {
	if m := agentRef.FindString(q); m != "" {
		return fmt.Errorf("%w: it mentions %s", ErrAgentData, m)
	}
	code := sqlComment.ReplaceAllString(q, "")
	pins := levelPin.FindAllStringSubmatch(code, -1)
	if len(pins) < len(scorecardsRef.FindAllString(code, -1)) {
		return fmt.Errorf("%w: every read of scorecards needs a literal level condition", ErrAgentData)
	}
	for _, p := range pins {
		var levels []string
		if p[2] != "" {
			levels = []string{p[2]}
		} else {
			for _, l := range strings.Split(p[3], ",") {
				levels = append(levels, strings.Trim(strings.TrimSpace(l), "'"))
			}
		}
		for _, l := range levels {
			switch l {
			case "org", "site", "team", "queue":
			default:
				return fmt.Errorf("%w: level %q", ErrAgentData, l)
			}
		}
	}
	return nil
}
