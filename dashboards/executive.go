package dashboards

import (
	"fmt"
	"strings"

	"github.com/servicecard/servicecard/metrics"
)

// pairing is the customer-sentiment metric each internal metric is drawn
// next to: the pairing is the product.
var pairing = map[string]string{
	metrics.IDAHT:          metrics.IDNPS,
	metrics.IDASA:          metrics.IDCSAT,
	metrics.IDServiceLevel: metrics.IDCSAT,
	metrics.IDAbandonRate:  metrics.IDNPS,
	metrics.IDFCRRate:      metrics.IDCES,
	metrics.IDTransferRate: metrics.IDCES,
	metrics.IDHoldRate:     metrics.IDCSAT,
	metrics.IDOccupancy:    metrics.IDNPS,
	metrics.IDAdherence:    metrics.IDNPS,
}

// executive is the scorecard executives see: organisation, site, team and
// queue level only. Every query is checked by checkExecutive.
func (g *generator) executive() *dashboard {
	d := &dashboard{
		uid:         "servicecard-exec",
		title:       "Executive service scorecard",
		description: "Internal performance next to how customers felt, for the organisation and its sites, teams and queues. No agent-level data.",
		folder:      "executive",
		tags:        []string{"executive"},
		from:        "now-1y",
		to:          "now",
		refresh:     "1h",
	}
	d.vars = append(d.vars,
		customVar("grain", "Period", "week", "month", "day"),
		customVar("level", "Compare by", "team", "site", "queue"),
	)
	d.annotations = append(d.annotations, annotation{name: "Customer Service Week", color: "purple", target: *g.serviceWeekQuery()})

	w := g.cfg.Weights
	// The text stays short enough for its 6×5 panel on a 1400 px screen;
	// the interval methods are in its description.
	howToRead := textPanel("How to read this", 6, 5, `
Internal KPIs: how the operation performed. External: how customers felt.
Each internal KPI is drawn **next to** a sentiment KPI: faster with
unhappier customers is no improvement. Shaded bands: 95% intervals.`)
	howToRead.description = "95% intervals from the answers of each period: NPS adjusted Wald, CSAT Wilson, CES Student t."
	d.row("Scorecard per ${grain}")
	d.add(
		g.orgScoreStat("Composite score", "score", fmt.Sprintf(
			"The blended scorecard of the organisation, latest %s in the range: %g × internal + %g × external subscore (weights normalised). Each metric scores 0 at its floor and 100 at its target.",
			"${grain}", w.Internal, w.External)),
		g.orgScoreStat("Internal subscore", "internal", "Weighted mean of the internal metric scores: "+g.names(metrics.FamilyInternal)+"."),
		g.orgScoreStat("External subscore", "external", "Weighted mean of the customer-sentiment metric scores: "+g.names(metrics.FamilyExternal)+"."),
		howToRead,
	)

	d.row("Internal performance next to customer sentiment (organisation, per ${grain})")
	for _, in := range g.goalMetrics(metrics.FamilyInternal) {
		ext, ok := pairing[in.ID]
		if !ok {
			ext = metrics.IDNPS
		}
		d.add(g.pairPanel(g.kpi(in.ID), g.kpi(ext)))
	}

	d.row("Compare by ${level}")
	d.add(g.compareTable())

	d.row("Every week should feel like Customer Service Week")
	d.add(g.trendPanel())
	return d
}

// names lists the scored metric names of a family.
func (g *generator) names(f metrics.Family) string {
	var ns []string
	for _, m := range g.goalMetrics(f) {
		ns = append(ns, m.Name)
	}
	return strings.Join(ns, ", ")
}

func (g *generator) orgScoreStat(title, col, desc string) *panel {
	q := sqlQuery(formatTable, query("exec_score", struct{ Col, TZ string }{col, g.tz}), "time", col)
	p := statPanel(title, desc+" The number is the last full ${grain}; the sparkline includes the current, partial one.", 6, 5, q)
	p.defaults = fieldDefaults{Unit: "none", Decimals: intp(0), Min: f64(0), Max: f64(100),
		Color: &fieldColor{Mode: "thresholds"}, Thresholds: scoreThresholds(), NoValue: "no scorecard"}
	return p
}

// pairPanel draws an internal metric and a sentiment metric of the
// organisation on one chart, the sentiment on the right axis, with the
// sentiment's stored 95% interval as a shaded band on the same axis.
func (g *generator) pairPanel(in, ext metrics.Metric) *panel {
	lo, hi := ext.ID+"_low", ext.ID+"_high"
	q := sqlQuery(formatTimeSeries, query("exec_pair", struct{ In, Ext metrics.Metric }{in, ext}), "time", in.ID, ext.ID, lo, hi)
	p := timeSeriesPanel(in.Name+" next to "+ext.Name, describe(in)+"\n\n"+describe(ext)+"\n\nThe shaded band is "+ext.Name+"'s 95% interval.", 12, 8, q)
	right := func(extra ...property) []property {
		return append(append(scaleProps(ext), prop("custom.axisPlacement", "right"), prop("custom.axisLabel", ext.Name)), extra...)
	}
	hide := prop("custom.hideFrom", map[string]bool{"legend": true, "tooltip": false, "viz": false})
	p.overrides = append(p.overrides,
		byName(in.ID, append(metricProps(in, false), prop("custom.axisPlacement", "left"), prop("custom.axisLabel", in.Name))...),
		byName(ext.ID, append(metricProps(ext, false), prop("custom.axisPlacement", "right"), prop("custom.axisLabel", ext.Name))...),
		byName(lo, right(prop("displayName", ext.Name+" 95% low"), prop("custom.lineWidth", 0), prop("color", map[string]any{"mode": "fixed", "fixedColor": "transparent"}), hide)...),
		byName(hi, right(prop("displayName", ext.Name+" 95% high"), prop("custom.lineWidth", 0), prop("color", map[string]any{"mode": "fixed", "fixedColor": "orange"}),
			prop("custom.fillBelowTo", ext.Name+" 95% low"), prop("custom.fillOpacity", 20), hide)...),
	)
	return p
}

// compareTable lists the latest period of every site, team or queue with
// a few numbers, each read with its sample and interval: the score, the
// survey metrics with their 95% interval and answers, handle time and
// service level with the contacts behind them. A period that is not over
// says so ("2026-11-30 (4/7 d)"). Short headers and set column widths keep
// every column on a 1400 px screen.
func (g *generator) compareTable() *panel {
	cols := []string{"name", "period", "score"}
	data := struct {
		TZ      string
		Surveys []metricView
		Ops     []string
		Handled string
	}{TZ: g.tz, Handled: metrics.IDAHT}
	var overrides []override
	column := func(name, header string, width int, props ...property) {
		overrides = append(overrides, byName(name, append(props, prop("displayName", header), prop("custom.width", width))...))
	}
	for _, m := range g.goalMetrics(metrics.FamilyExternal) {
		if m.ID != metrics.IDNPS && m.ID != metrics.IDCSAT {
			continue
		}
		iv := m.ID + "_interval"
		data.Surveys = append(data.Surveys, viewOf(m))
		cols = append(cols, m.ID, iv)
		column(m.ID, tableHeaders[m.ID], 80, metricProps(m, true)...)
		column(iv, tableHeaders[m.ID]+" 95%, n", 170)
	}
	for _, id := range []string{metrics.IDAHT, metrics.IDServiceLevel} {
		data.Ops = append(data.Ops, id)
		cols = append(cols, id)
		column(id, tableHeaders[id], 110, metricProps(g.kpi(id), true)...)
	}
	cols = append(cols, "handled")
	column("handled", "Contacts", 100, prop("unit", "locale"))
	q := sqlQuery(formatTable, query("exec_compare", data), cols...)
	p := tablePanel("Scorecards by ${level}, latest ${grain}",
		"Latest period in the range; a period not over yet is marked \"(4/7 d)\" (days elapsed of the period). Survey metrics carry their 95% interval and the number of answers: below the minimum a survey metric is not scored. AHT: "+g.kpi(metrics.IDAHT).Name+"; Contacts: the handled contacts behind AHT and service level.", 24, 9, q)
	p.defaults.Custom["filterable"] = false
	column("name", "${level}", 140)
	column("period", "Period", 150)
	column("score", "Score", 70, prop("decimals", 0), prop("min", 0), prop("max", 100),
		prop("thresholds", scoreThresholds()), prop("custom.cellOptions", map[string]any{"type": "color-background"}))
	p.overrides = append(p.overrides, overrides...)
	return p
}

// tableHeaders are the short column headers of the executive table.
var tableHeaders = map[string]string{
	metrics.IDNPS: "NPS", metrics.IDCSAT: "CSAT", metrics.IDAHT: "AHT", metrics.IDServiceLevel: "Service level",
}

// minNThresholds colours a sample size orange below the minimum.
func minNThresholds(min int64) any {
	return map[string]any{"mode": "absolute", "steps": []map[string]any{
		{"color": "orange", "value": nil}, {"color": "text", "value": min},
	}}
}

// trendPanel is the year-round trend: weekly scores over 52 weeks, with
// Customer Service Week marked by the dashboard annotation.
func (g *generator) trendPanel() *panel {
	q := sqlQuery(formatTimeSeries, query("exec_trend", nil), "time", "score", "internal", "external")
	p := timeSeriesPanel("Composite, internal and external score, last 52 weeks",
		"Weekly scores of the organisation over the last 52 weeks. The shaded region marks Customer Service Week (the first full Monday-Friday week of October): every week should look like that week.", 24, 9, q)
	p.timeFrom = "52w"
	p.defaults.Min, p.defaults.Max, p.defaults.Decimals = f64(0), f64(100), intp(0)
	p.overrides = []override{
		byName("score", prop("displayName", "Composite"), prop("custom.lineWidth", 3)),
		byName("internal", prop("displayName", "Internal")),
		byName("external", prop("displayName", "External")),
	}
	return p
}

// serviceWeekQuery returns, for every year in the range, the first full
// Monday-Friday week of October: the Monday on or after October 1 is
// toMonday(October 7).
func (g *generator) serviceWeekQuery() *target {
	return sqlQuery(formatTable, query("exec_service_week", nil), "time", "timeEnd", "text", "tags")
}
