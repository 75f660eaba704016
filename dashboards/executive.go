package dashboards

import (
	"fmt"
	"strings"

	"github.com/servicecard/servicecard/metrics"
)

// pairing is the customer-sentiment metric each internal metric is drawn
// next to: the pairing is the product (DESIGN.md section 1).
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
	d.row("Scorecard per ${grain}")
	d.add(
		g.orgScoreStat("Composite score", "score", fmt.Sprintf(
			"The blended scorecard of the organisation, latest %s in the range: %g × internal + %g × external subscore (weights normalised). Each metric scores 0 at its floor and 100 at its target.",
			"${grain}", w.Internal, w.External)),
		g.orgScoreStat("Internal subscore", "internal", "Weighted mean of the internal metric scores: "+g.names(metrics.FamilyInternal)+"."),
		g.orgScoreStat("External subscore", "external", "Weighted mean of the customer-sentiment metric scores: "+g.names(metrics.FamilyExternal)+"."),
		textPanel("How to read this", 6, 5, `
Internal metrics say how the operation performed; external ones how the
customer felt. Each internal KPI below is drawn **next to** a sentiment KPI:
a faster operation that leaves customers unhappier is not an improvement.
Shaded bands are 95% intervals (NPS: adjusted Wald; CSAT: Wilson).`),
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
	p := statPanel(title, desc, 6, 5, sqlQuery(formatTable, fmt.Sprintf(`
-- The organisation's %[1]s per period; the stat shows the latest.
SELECT %[2]s, %[1]s
FROM scorecards FINAL
WHERE %[3]s
ORDER BY time`, col, periodTime, scorecardsWhere("org")), "time", col))
	p.defaults = fieldDefaults{Unit: "none", Decimals: intp(0), Min: f64(0), Max: f64(100),
		Color: &fieldColor{Mode: "thresholds"}, Thresholds: scoreThresholds(), NoValue: "no scorecard"}
	return p
}

// pairPanel draws an internal metric and a sentiment metric of the
// organisation on one chart, the sentiment on the right axis, with the
// sentiment's 95% interval as a band where the method needs only the
// stored values (CSAT) or the raw answers (NPS).
func (g *generator) pairPanel(in, ext metrics.Metric) *panel {
	cols := []string{"time", in.ID, ext.ID}
	items := []string{periodTime, mv(in.ID) + " AS " + in.ID, mv(ext.ID) + " AS " + ext.ID}
	var band []string
	if ext.ID == metrics.IDCSAT {
		lo, hi := wilson(mv(ext.ID), mn(ext.ID))
		items = append(items, lo+" AS csat_low", hi+" AS csat_high")
		cols = append(cols, "csat_low", "csat_high")
		band = []string{"csat_low", "csat_high"}
	}
	q := sqlQuery(formatTimeSeries, fmt.Sprintf(`
-- %s and %s of the organisation per period.
SELECT
    %s
FROM scorecards FINAL
WHERE %s
ORDER BY time`, in.Name, ext.Name, join(items), scorecardsWhere("org")), cols...)
	p := timeSeriesPanel(in.Name+" next to "+ext.Name, describe(in)+"\n\n"+describe(ext), 12, 8, q)
	if ext.ID == metrics.IDNPS {
		p.targets = append(p.targets, g.orgNPSInterval())
		band = []string{"nps_low", "nps_high"}
	}
	p.overrides = append(p.overrides,
		byName(in.ID, append(metricProps(in, false), prop("custom.axisPlacement", "left"), prop("custom.axisLabel", in.Name))...),
		byName(ext.ID, append(metricProps(ext, false), prop("custom.axisPlacement", "right"), prop("custom.axisLabel", ext.Name))...),
	)
	if band != nil {
		unit := grafanaUnit(ext.Unit)
		p.overrides = append(p.overrides,
			byName(band[0], prop("displayName", ext.Name+" 95% low"), prop("unit", unit), prop("custom.axisPlacement", "right"),
				prop("custom.lineWidth", 0), prop("custom.hideFrom", map[string]bool{"legend": true, "tooltip": false, "viz": false})),
			byName(band[1], prop("displayName", ext.Name+" 95% high"), prop("unit", unit), prop("custom.axisPlacement", "right"),
				prop("custom.lineWidth", 0), prop("custom.fillBelowTo", ext.Name+" 95% low"), prop("custom.fillOpacity", 15),
				prop("custom.hideFrom", map[string]bool{"legend": true, "tooltip": false, "viz": false})),
		)
	}
	return p
}

// orgNPSInterval computes the organisation's NPS interval per period from
// the raw answers: the organisation counts every response (DESIGN.md
// section 2), so no attribution is involved.
func (g *generator) orgNPSInterval() *target {
	lo, hi := npsInterval("promoters", "detractors", "answers")
	return sqlQuery(formatTimeSeries, fmt.Sprintf(`
-- 95%% adjusted-Wald interval of the organisation's NPS per period, from every answer.
SELECT
    toDateTime(period, 'UTC') AS time,
    %s AS nps_low,
    %s AS nps_high
FROM
(
    SELECT
        %s AS period,
        count() AS answers,
        countIf(nps >= 9) AS promoters,
        countIf(nps <= 6) AS detractors
    FROM surveys FINAL
    WHERE sign = 1 AND isNotNull(nps) AND $__timeFilter(responded_at)
    GROUP BY period
)
ORDER BY time`, lo, hi, g.grainDay("responded_at")), "time", "nps_low", "nps_high")
}

// compareTable lists the latest period of every site, team or queue: the
// scores, every scored metric, and the samples behind the survey metrics
// with CSAT's interval, so a small team's number is read with its n.
func (g *generator) compareTable() *panel {
	cols := []string{"name", "period", "score", "internal", "external"}
	items := []string{"key AS name", "period_start AS period", "score", "internal", "external"}
	var overrides []override
	for _, m := range append(g.goalMetrics(metrics.FamilyInternal), g.goalMetrics(metrics.FamilyExternal)...) {
		items = append(items, mv(m.ID)+" AS "+m.ID)
		cols = append(cols, m.ID)
		overrides = append(overrides, byName(m.ID, metricProps(m, true)...))
		if m.Family == metrics.FamilyExternal {
			n := m.ID + "_n"
			items = append(items, mn(m.ID)+" AS "+n)
			cols = append(cols, n)
			overrides = append(overrides, byName(n, prop("displayName", m.Name+" answers"), prop("unit", "short"),
				prop("thresholds", minNThresholds(m.MinN)), prop("custom.cellOptions", map[string]any{"type": "color-text"})))
		}
		if m.ID == metrics.IDCSAT {
			lo, hi := wilson(mv(m.ID), mn(m.ID))
			items = append(items, lo+" AS csat_low", hi+" AS csat_high")
			cols = append(cols, "csat_low", "csat_high")
			overrides = append(overrides,
				byName("csat_low", prop("displayName", m.Name+" 95% low"), prop("unit", "percentunit")),
				byName("csat_high", prop("displayName", m.Name+" 95% high"), prop("unit", "percentunit")))
		}
	}
	q := sqlQuery(formatTable, fmt.Sprintf(`
-- Latest period in the range of every site, team or queue (never agents).
SELECT
    %s
FROM scorecards FINAL
WHERE level IN ('site', 'team', 'queue') AND level = ${level:sqlstring} AND grain = ${grain:sqlstring}
  AND period_start = (
    SELECT max(period_start)
    FROM scorecards FINAL
    WHERE level IN ('site', 'team', 'queue') AND level = ${level:sqlstring} AND grain = ${grain:sqlstring}
      AND $__dateFilter(period_start)
  )
ORDER BY score DESC`, join(items)), cols...)
	p := tablePanel("Scorecards by ${level}, latest ${grain}",
		"Latest period in the range. Answers columns are the survey samples: below the minimum (orange) a survey metric is not scored. CSAT carries its 95% Wilson interval.", 24, 10, q)
	for _, c := range []string{"score", "internal", "external"} {
		title := strings.ToUpper(c[:1]) + c[1:]
		p.overrides = append(p.overrides, byName(c, prop("displayName", title), prop("decimals", 0), prop("min", 0), prop("max", 100),
			prop("thresholds", scoreThresholds()), prop("custom.cellOptions", map[string]any{"type": "color-background"})))
	}
	p.overrides = append(p.overrides, byName("name", prop("displayName", "${level}")), byName("period", prop("unit", "time:YYYY-MM-DD")))
	p.overrides = append(p.overrides, overrides...)
	return p
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
	q := sqlQuery(formatTimeSeries, fmt.Sprintf(`
-- Weekly composite, internal and external scores of the organisation.
SELECT %s, score, internal, external
FROM scorecards FINAL
WHERE level = 'org' AND grain = 'week' AND $__dateFilter(period_start)
ORDER BY time`, periodTime), "time", "score", "internal", "external")
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
	return sqlQuery(formatTable, `
-- Customer Service Week: the first full Monday-Friday week of October of each year in the range.
SELECT
    toDateTime(monday, 'UTC') AS time,
    toDateTime(addDays(monday, 5), 'UTC') AS timeEnd,
    concat('Customer Service Week ', toString(toYear(monday))) AS text,
    'customer-service-week' AS tags
FROM
(
    SELECT toMonday(toDate(concat(toString(toYear($__fromTime) + offset), '-10-07'))) AS monday
    FROM system.one
    ARRAY JOIN range(toUInt64(toYear($__toTime) - toYear($__fromTime) + 1)) AS offset
)
WHERE toDateTime(monday, 'UTC') <= $__toTime AND toDateTime(addDays(monday, 5), 'UTC') >= $__fromTime
ORDER BY time`, "time", "timeEnd", "text", "tags")
}
