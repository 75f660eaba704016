package dashboards

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/grafana-tools/sdk"

	"github.com/servicecard/servicecard/metrics"
)

// Query formats of the ClickHouse plugin (sqlds FormatQueryOption).
const (
	formatTimeSeries = 0
	formatTable      = 1
)

// pluginVersion is the ClickHouse data source plugin the compose stack
// installs and the targets are written for.
const pluginVersion = "4.11.2"

var metricID = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)

// dsRef points at a data source by uid.
type dsRef struct {
	Type string `json:"type"`
	UID  string `json:"uid"`
}

var (
	clickHouse = dsRef{Type: clickHouseType, UID: ClickHouseUID}
	prometheus = dsRef{Type: prometheusType, UID: PrometheusUID}
)

// target is one query of a panel or annotation.
type target struct {
	panel  string // title of the panel it feeds, for messages
	refID  string
	ds     dsRef
	sql    string // ClickHouse
	format int    // formatTable or formatTimeSeries
	expr   string // Prometheus
	legend string
	// columns are the result columns the panel expects, in order; the
	// SQL test runs the query and compares.
	columns []string
}

func (t *target) query() string {
	if t.ds == prometheus {
		return t.expr
	}
	return t.sql
}

// chTarget is a query of the ClickHouse plugin, as its SQL editor saves it.
type chTarget struct {
	RefID         string `json:"refId"`
	Datasource    dsRef  `json:"datasource"`
	EditorType    string `json:"editorType"`
	QueryType     string `json:"queryType"`
	Format        int    `json:"format"`
	RawSQL        string `json:"rawSql"`
	PluginVersion string `json:"pluginVersion"`
}

// promTarget is a PromQL query.
type promTarget struct {
	RefID        string `json:"refId"`
	Datasource   dsRef  `json:"datasource"`
	EditorMode   string `json:"editorMode"`
	Expr         string `json:"expr"`
	LegendFormat string `json:"legendFormat,omitempty"`
	Range        bool   `json:"range"`
}

func (t *target) json() any {
	if t.ds == prometheus {
		return promTarget{RefID: t.refID, Datasource: t.ds, EditorMode: "code", Expr: t.expr, LegendFormat: t.legend, Range: true}
	}
	qt := "table"
	if t.format == formatTimeSeries {
		qt = "timeseries"
	}
	return chTarget{RefID: t.refID, Datasource: t.ds, EditorType: "sql", QueryType: qt, Format: t.format, RawSQL: t.sql, PluginVersion: pluginVersion}
}

// sqlQuery is a ClickHouse query returning columns, in that order.
func sqlQuery(format int, sql string, columns ...string) *target {
	return &target{ds: clickHouse, sql: strings.TrimSpace(sql) + "\n", format: format, columns: columns}
}

// promQuery is a PromQL query drawn with legend.
func promQuery(expr, legend string) *target {
	return &target{ds: prometheus, expr: expr, legend: legend}
}

// panel is one panel before it becomes an sdk.Panel.
type panel struct {
	kind        string // row, stat, timeseries, table, text
	title       string
	description string
	w, h, x, y  int
	targets     []*target
	defaults    fieldDefaults
	overrides   []override
	options     map[string]any
	timeFrom    string
	transforms  []map[string]any
}

type fieldConfig struct {
	Defaults  fieldDefaults `json:"defaults"`
	Overrides []override    `json:"overrides"`
}

type fieldDefaults struct {
	DisplayName string          `json:"displayName,omitempty"`
	Unit        string          `json:"unit,omitempty"`
	Decimals    *int            `json:"decimals,omitempty"`
	Min         *float64        `json:"min,omitempty"`
	Max         *float64        `json:"max,omitempty"`
	NoValue     string          `json:"noValue,omitempty"`
	Color       *fieldColor     `json:"color,omitempty"`
	Thresholds  *sdk.Thresholds `json:"thresholds,omitempty"`
	Custom      map[string]any  `json:"custom,omitempty"`
	Mappings    []any           `json:"mappings"`
}

type fieldColor struct {
	Mode       string `json:"mode"`
	FixedColor string `json:"fixedColor,omitempty"`
}

type override struct {
	Matcher    matcher    `json:"matcher"`
	Properties []property `json:"properties"`
}

type matcher struct {
	ID      string `json:"id"`
	Options string `json:"options"`
}

type property struct {
	ID    string `json:"id"`
	Value any    `json:"value"`
}

// byName overrides the field called name.
func byName(name string, props ...property) override {
	return override{Matcher: matcher{ID: "byName", Options: name}, Properties: props}
}

func prop(id string, v any) property { return property{ID: id, Value: v} }

// sdk converts p into the SDK's panel, numbered id.
func (p *panel) sdk(id uint) *sdk.Panel {
	if p.kind == "row" {
		sp := &sdk.Panel{
			CommonPanel: sdk.CommonPanel{OfType: sdk.RowType, Type: "row", Title: p.title},
			RowPanel:    &sdk.RowPanel{Panels: []sdk.Panel{}},
		}
		sp.ID = id
		setGrid(sp, p)
		return sp
	}
	sp := sdk.NewCustom(p.title)
	sp.Type = p.kind
	sp.ID = id
	setGrid(sp, p)
	if p.description != "" {
		d := p.description
		sp.Description = &d
	}
	c := sdk.CustomPanel{}
	if len(p.targets) > 0 {
		sp.Datasource = p.targets[0].ds
		var ts []any
		for i, t := range p.targets {
			if t.refID == "" {
				t.refID = string(rune('A' + i))
			}
			t.panel = p.title
			ts = append(ts, t.json())
		}
		c["targets"] = ts
	}
	ov := p.overrides
	if ov == nil {
		ov = []override{}
	}
	d := p.defaults
	if d.Mappings == nil {
		d.Mappings = []any{}
	}
	c["fieldConfig"] = fieldConfig{Defaults: d, Overrides: ov}
	opts := p.options
	if opts == nil {
		opts = map[string]any{}
	}
	c["options"] = opts
	if p.timeFrom != "" {
		c["timeFrom"] = p.timeFrom
	}
	if len(p.transforms) > 0 {
		c["transformations"] = p.transforms
	}
	sp.CustomPanel = &c
	return sp
}

func setGrid(sp *sdk.Panel, p *panel) {
	h, w, x, y := p.h, p.w, p.x, p.y
	sp.GridPos.H, sp.GridPos.W, sp.GridPos.X, sp.GridPos.Y = &h, &w, &x, &y
}

// annotation is a dashboard annotation query.
type annotation struct {
	name, color string
	target      target
}

func (d *dashboard) annotationList() []any {
	list := []any{map[string]any{
		"builtIn":    1,
		"datasource": dsRef{Type: "grafana", UID: "-- Grafana --"},
		"enable":     true,
		"hide":       true,
		"iconColor":  "rgba(0, 211, 255, 1)",
		"name":       "Annotations & Alerts",
		"type":       "dashboard",
	}}
	for i := range d.annotations {
		a := &d.annotations[i]
		a.target.refID = "Anno"
		a.target.panel = "annotation " + a.name
		list = append(list, map[string]any{
			"datasource": a.target.ds,
			"enable":     true,
			"iconColor":  a.color,
			"name":       a.name,
			"target":     a.target.json(),
		})
	}
	return list
}

// Panel constructors.

func statPanel(title, desc string, w, h int, t *target) *panel {
	return &panel{kind: "stat", title: title, description: desc, w: w, h: h, targets: []*target{t},
		options: map[string]any{
			"colorMode":   "background",
			"graphMode":   "area",
			"justifyMode": "center",
			"orientation": "auto",
			"textMode":    "value",
			"reduceOptions": map[string]any{
				"calcs":  []string{"lastNotNull"},
				"fields": "",
				"values": false,
			},
		}}
}

func timeSeriesPanel(title, desc string, w, h int, ts ...*target) *panel {
	return &panel{kind: "timeseries", title: title, description: desc, w: w, h: h, targets: ts,
		defaults: fieldDefaults{
			Color: &fieldColor{Mode: "palette-classic"},
			Custom: map[string]any{
				"drawStyle":         "line",
				"lineWidth":         2,
				"fillOpacity":       0,
				"pointSize":         5,
				"showPoints":        "auto",
				"spanNulls":         false,
				"axisPlacement":     "auto",
				"lineInterpolation": "linear",
			},
		},
		options: map[string]any{
			"legend":  map[string]any{"displayMode": "list", "placement": "bottom", "showLegend": true, "calcs": []string{}},
			"tooltip": map[string]any{"mode": "multi", "sort": "none"},
		}}
}

func tablePanel(title, desc string, w, h int, t *target) *panel {
	return &panel{kind: "table", title: title, description: desc, w: w, h: h, targets: []*target{t},
		defaults: fieldDefaults{
			Custom: map[string]any{"align": "auto", "cellOptions": map[string]any{"type": "auto"}, "filterable": true},
		},
		options: map[string]any{
			"showHeader": true,
			"cellHeight": "sm",
			"footer":     map[string]any{"show": false, "reducer": []string{"sum"}, "fields": ""},
		}}
}

func textPanel(title string, w, h int, markdown string) *panel {
	return &panel{kind: "text", title: title, w: w, h: h,
		options: map[string]any{"mode": "markdown", "content": strings.TrimSpace(markdown) + "\n"}}
}

// Catalog-driven field settings.

// durationUnit is Grafana's "Duration (hh:mm:ss)" unit for seconds. A
// field of this unit must carry decimals 0 (durationDecimals): without
// explicit decimals, Grafana (9.4 up to 12.2, grafana/grafana#73795) turns
// the axis ticks of close values, which fall on fractions of a second,
// into "NaN"; with decimals 0 the axis keeps whole seconds.
const durationUnit = "dthms"

// durationDecimals are the decimals of a durationUnit field.
const durationDecimals = 0

// grafanaUnit maps a catalog unit to a Grafana unit id.
func grafanaUnit(u metrics.Unit) string {
	switch u {
	case metrics.UnitSeconds:
		// Durations read as hh:mm:ss ("00:06:12", "00:00:31"): unit "s"
		// with 0 decimals rounds every handle time to whole minutes.
		return durationUnit
	case metrics.UnitRatio:
		return "percentunit"
	case metrics.UnitCount:
		return "short"
	}
	return "none"
}

func f64(v float64) *float64 { return &v }

func intp(v int) *int { return &v }

// bounds returns the scale of a unit, where it has one.
func bounds(u metrics.Unit) (lo, hi *float64) {
	switch u {
	case metrics.UnitRatio:
		return f64(0), f64(1)
	case metrics.UnitNPS:
		return f64(-100), f64(100)
	case metrics.UnitScore17:
		return f64(1), f64(7)
	}
	return nil, nil
}

// thresholds colours a metric by its goal: red past the floor, green at
// or past the target, orange between (partly scored). Grafana steps
// ascend, so a lower-is-better metric starts green.
func thresholds(m metrics.Metric) *sdk.Thresholds {
	if m.Target == nil || m.Floor == nil {
		return &sdk.Thresholds{Mode: "absolute", Steps: []sdk.ThresholdStep{{Color: "text"}}}
	}
	t, f := *m.Target, *m.Floor
	if m.Direction == metrics.LowerIsBetter {
		return &sdk.Thresholds{Mode: "absolute", Steps: []sdk.ThresholdStep{
			{Color: "green"}, {Color: "orange", Value: f64(t)}, {Color: "red", Value: f64(f)},
		}}
	}
	return &sdk.Thresholds{Mode: "absolute", Steps: []sdk.ThresholdStep{
		{Color: "red"}, {Color: "orange", Value: f64(f)}, {Color: "green", Value: f64(t)},
	}}
}

// scoreThresholds colours 0..100 scores: a metric scores 0 at its floor
// and 100 at its target, so 50 is half way.
func scoreThresholds() *sdk.Thresholds {
	return &sdk.Thresholds{Mode: "absolute", Steps: []sdk.ThresholdStep{
		{Color: "red"}, {Color: "orange", Value: f64(50)}, {Color: "green", Value: f64(75)},
	}}
}

// describe is a metric's description for panels: what it is, its
// formula and its goal.
func describe(m metrics.Metric) string {
	var b strings.Builder
	fmt.Fprintf(&b, "**%s** (`%s`): %s\n\nFormula: %s.", m.Name, m.ID, m.Description, m.Formula)
	if m.Target != nil && m.Floor != nil {
		fmt.Fprintf(&b, " Target %s, floor %s (score 100 at the target, 0 at the floor).",
			formatValue(m, *m.Target), formatValue(m, *m.Floor))
	}
	if m.MinN > 0 {
		fmt.Fprintf(&b, " Shown as insufficient below %d %s.", m.MinN, m.SampleUnit)
	}
	return b.String()
}

func formatValue(m metrics.Metric, v float64) string {
	switch m.Unit {
	case metrics.UnitRatio:
		return fmt.Sprintf("%g%%", v*100)
	case metrics.UnitSeconds:
		return fmt.Sprintf("%g s", v)
	}
	return fmt.Sprintf("%g", v)
}

// metricProps are the field properties of a metric column.
func metricProps(m metrics.Metric, table bool) []property {
	props := append([]property{prop("displayName", m.Name)}, scaleProps(m)...)
	if m.Target != nil {
		props = append(props, prop("thresholds", thresholds(m)))
		if table {
			props = append(props, prop("custom.cellOptions", map[string]any{"type": "color-text"}))
		}
	}
	return props
}

// scaleProps are the properties that decide which axis a series of m's
// unit is drawn on: a band series carries them too, else Grafana gives it
// an axis of its own.
func scaleProps(m metrics.Metric) []property {
	props := []property{prop("unit", grafanaUnit(m.Unit))}
	if lo, hi := bounds(m.Unit); lo != nil {
		props = append(props, prop("min", *lo), prop("max", *hi))
	}
	if d := unitDecimals(m.Unit); d != nil {
		props = append(props, prop("decimals", *d))
	}
	return props
}

// metricDefaults are the field defaults of a panel showing one metric.
func metricDefaults(m metrics.Metric) fieldDefaults {
	d := fieldDefaults{Unit: grafanaUnit(m.Unit), Thresholds: thresholds(m), Color: &fieldColor{Mode: "thresholds"}}
	d.Min, d.Max = bounds(m.Unit)
	d.Decimals = unitDecimals(m.Unit)
	return d
}

// unitDecimals are the fixed decimals of a unit's fields, nil where
// Grafana chooses: NPS is read in whole points, durations in whole
// seconds (see durationUnit).
func unitDecimals(u metrics.Unit) *int {
	switch u {
	case metrics.UnitNPS:
		return intp(0)
	case metrics.UnitSeconds:
		return intp(durationDecimals)
	}
	return nil
}
