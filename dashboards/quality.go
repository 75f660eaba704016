package dashboards

import (
	"github.com/grafana-tools/sdk"
)

// quality shows whether the numbers can be trusted: what was loaded,
// what was rejected and why, how fresh the data is, and how many
// contacts carry a survey.
func (g *generator) quality() *dashboard {
	d := &dashboard{
		uid:         "servicecard-data-quality",
		title:       "servicecard data quality",
		description: "Ingest volumes and rejects by format, reject reasons, survey response and link rates, and data freshness.",
		folder:      "quality",
		tags:        []string{"data-quality", "ingest"},
		from:        "now-7d",
		to:          "now",
		refresh:     "5m",
	}

	d.row("Freshness")
	age := statPanel("Since the last load", "Time since the newest finished batch of any source (now() - max(finished_at)).", 6, 4,
		sqlQuery(formatTable, query("quality_age", nil), "age_s"))
	age.defaults = fieldDefaults{Unit: "s", Decimals: intp(0), Color: &fieldColor{Mode: "thresholds"}, NoValue: "never loaded",
		Thresholds: &sdk.Thresholds{Mode: "absolute", Steps: []sdk.ThresholdStep{{Color: "green"}, {Color: "orange", Value: f64(3600)}, {Color: "red", Value: f64(6 * 3600)}}}}
	age.options["graphMode"] = "none"

	loaded := statPanel("Rows loaded", "Rows accepted by batches started in the range.", 6, 4, sqlQuery(formatTable, query("quality_loaded", nil), "rows_ok"))
	loaded.defaults = fieldDefaults{Unit: "short", Color: &fieldColor{Mode: "fixed", FixedColor: "blue"}}
	loaded.options["graphMode"] = "none"

	rejected := statPanel("Reject share", "Rejected rows / all rows read, batches started in the range. Every rejected row is kept with its reason in ingest_rejects; rejects a later file resolved (a queue_log call split across two files) are not counted.", 6, 4,
		sqlQuery(formatTable, query("quality_reject_share", nil), "reject_share"))
	rejected.defaults = fieldDefaults{Unit: "percentunit", Decimals: intp(2), Color: &fieldColor{Mode: "thresholds"},
		Thresholds: &sdk.Thresholds{Mode: "absolute", Steps: []sdk.ThresholdStep{{Color: "green"}, {Color: "orange", Value: f64(0.01)}, {Color: "red", Value: f64(0.05)}}}}
	rejected.options["graphMode"] = "none"

	failed := statPanel("Failed batches", "Batches started in the range that could not be loaded at all (status failed).", 6, 4, sqlQuery(formatTable, query("quality_failed", nil), "failed"))
	failed.defaults = fieldDefaults{Unit: "short", Color: &fieldColor{Mode: "thresholds"},
		Thresholds: &sdk.Thresholds{Mode: "absolute", Steps: []sdk.ThresholdStep{{Color: "green"}, {Color: "red", Value: f64(1)}}}}
	failed.options["graphMode"] = "none"
	d.add(age, loaded, rejected, failed)

	sources := tablePanel("Freshness by source", "Newest finished batch of each source and kind, oldest first.", 24, 7, sqlQuery(formatTable, query("quality_sources", nil), "source", "kind", "last_load", "age_s", "rows_ok", "rows_rejected"))
	sources.overrides = []override{
		byName("age_s", prop("displayName", "Age"), prop("unit", "s"), prop("decimals", 0),
			prop("thresholds", &sdk.Thresholds{Mode: "absolute", Steps: []sdk.ThresholdStep{{Color: "green"}, {Color: "orange", Value: f64(24 * 3600)}, {Color: "red", Value: f64(72 * 3600)}}}),
			prop("custom.cellOptions", map[string]any{"type": "color-text"})),
		byName("last_load", prop("displayName", "Last load")),
		byName("rows_ok", prop("displayName", "Rows loaded (all time)")),
		byName("rows_rejected", prop("displayName", "Rows rejected (all time)")),
	}
	d.add(sources)

	d.row("Volumes and rejects by format")
	d.add(g.perFormat("Rows loaded by format", "rows_ok", "Rows accepted per interval, by input format."),
		g.perFormat("Rows rejected by format", "rows_rejected", "Rows rejected per interval, by input format."))
	reasons := tablePanel("Top reject reasons", "Why rows were rejected in the range, by format and field, with one example line.", 24, 9, sqlQuery(formatTable, query("quality_reasons", nil), "format", "field", "reason", "rejects", "example"))
	reasons.overrides = []override{byName("example", prop("displayName", "Example line"), prop("custom.width", 480))}
	d.add(reasons)

	d.row("Surveys")
	d.add(g.surveyRates())

	d.row("Recent batches")
	batches := tablePanel("Batches", "The latest batches started in the range.", 24, 10, sqlQuery(formatTable, query("quality_batches", nil), "started_at", "source", "kind", "format", "file", "status", "rows_ok", "rows_rejected", "rows_superseded", "bytes", "duration_s", "error"))
	batches.overrides = []override{
		byName("bytes", prop("unit", "bytes")),
		byName("duration_s", prop("unit", "s"), prop("displayName", "Duration")),
		byName("status", prop("custom.cellOptions", map[string]any{"type": "color-text"}),
			prop("mappings", []any{map[string]any{"type": "value", "options": map[string]any{
				"done":    map[string]any{"color": "green", "index": 0},
				"running": map[string]any{"color": "blue", "index": 1},
				"failed":  map[string]any{"color": "red", "index": 2},
			}}})),
	}
	d.add(batches)
	return d
}

// perFormat sums a batch counter per interval and format.
func (g *generator) perFormat(title, col, desc string) *panel {
	q := sqlQuery(formatTimeSeries, query("quality_per_format", struct{ Title, Col string }{title, col}), "time", "format", col)
	p := timeSeriesPanel(title, desc, 12, 8, q)
	p.defaults.Unit = "short"
	p.defaults.Custom["drawStyle"] = "bars"
	p.defaults.Custom["fillOpacity"] = 80
	p.defaults.Custom["stacking"] = map[string]any{"mode": "normal", "group": "A"}
	return p
}

// surveyRates shows per business day the share of handled contacts that
// got a survey (by the contact's day), and the share of surveys that carry
// a contact id and that match a stored contact (by the answer's day).
func (g *generator) surveyRates() *panel {
	sr := g.kpi("survey_rate")
	tz := struct{ TZ string }{g.tz}
	response := sqlQuery(formatTimeSeries, query("quality_response_rate", tz), "time", "response_rate")
	links := sqlQuery(formatTimeSeries, query("quality_link_rate", tz), "time", "link_rate", "match_rate")
	p := timeSeriesPanel("Survey response and link rates", describe(sr)+
		"\n\nResponse rate: handled contacts of the day with a survey. Linked: surveys that carry a contact id. Matched: the id belongs to a stored contact (only those can be attributed to an agent).",
		24, 8, response, links)
	p.defaults.Unit = "percentunit"
	p.defaults.Min, p.defaults.Max = f64(0), f64(1)
	p.overrides = []override{
		byName("response_rate", prop("displayName", "Response rate ("+sr.Name+")")),
		byName("link_rate", prop("displayName", "Surveys with a contact id")),
		byName("match_rate", prop("displayName", "Surveys matched to a contact")),
	}
	return p
}
