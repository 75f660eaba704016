package dashboards

import (
	"fmt"

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
		sqlQuery(formatTable, `
-- Seconds since the newest finished batch.
SELECT toInt64(now()) - toInt64(max(finished_at)) AS age_s
FROM ingest_batches FINAL
WHERE isNotNull(finished_at)`, "age_s"))
	age.defaults = fieldDefaults{Unit: "s", Decimals: intp(0), Color: &fieldColor{Mode: "thresholds"}, NoValue: "never loaded",
		Thresholds: &sdk.Thresholds{Mode: "absolute", Steps: []sdk.ThresholdStep{{Color: "green"}, {Color: "orange", Value: f64(3600)}, {Color: "red", Value: f64(6 * 3600)}}}}
	age.options["graphMode"] = "none"

	loaded := statPanel("Rows loaded", "Rows accepted by batches started in the range.", 6, 4, sqlQuery(formatTable, `
-- Rows accepted in the range.
SELECT sum(rows_ok) AS rows_ok
FROM ingest_batches FINAL
WHERE $__timeFilter(started_at)`, "rows_ok"))
	loaded.defaults = fieldDefaults{Unit: "short", Color: &fieldColor{Mode: "fixed", FixedColor: "blue"}}
	loaded.options["graphMode"] = "none"

	rejected := statPanel("Reject share", "Rejected rows / all rows read, batches started in the range. Every rejected row is kept with its reason in ingest_rejects; rejects a later file resolved (a queue_log call split across two files) are not counted.", 6, 4,
		sqlQuery(formatTable, `
-- Share of rows rejected in the range.
SELECT if(sum(rows_ok) + sum(rows_rejected) = 0, NULL, sum(rows_rejected) / (sum(rows_ok) + sum(rows_rejected))) AS reject_share
FROM `+openBatches+`
WHERE $__timeFilter(started_at)`, "reject_share"))
	rejected.defaults = fieldDefaults{Unit: "percentunit", Decimals: intp(2), Color: &fieldColor{Mode: "thresholds"},
		Thresholds: &sdk.Thresholds{Mode: "absolute", Steps: []sdk.ThresholdStep{{Color: "green"}, {Color: "orange", Value: f64(0.01)}, {Color: "red", Value: f64(0.05)}}}}
	rejected.options["graphMode"] = "none"

	failed := statPanel("Failed batches", "Batches started in the range that could not be loaded at all (status failed).", 6, 4, sqlQuery(formatTable, `
-- Batches that failed in the range.
SELECT countIf(status = 'failed') AS failed
FROM ingest_batches FINAL
WHERE $__timeFilter(started_at)`, "failed"))
	failed.defaults = fieldDefaults{Unit: "short", Color: &fieldColor{Mode: "thresholds"},
		Thresholds: &sdk.Thresholds{Mode: "absolute", Steps: []sdk.ThresholdStep{{Color: "green"}, {Color: "red", Value: f64(1)}}}}
	failed.options["graphMode"] = "none"
	d.add(age, loaded, rejected, failed)

	sources := tablePanel("Freshness by source", "Newest finished batch of each source and kind, oldest first.", 24, 7, sqlQuery(formatTable, `
-- Newest finished batch per source and kind.
SELECT
    source,
    kind,
    max(finished_at) AS last_load,
    toInt64(now()) - toInt64(max(finished_at)) AS age_s,
    sum(rows_ok) AS rows_ok,
    sum(rows_rejected) AS rows_rejected
FROM `+openBatches+`
WHERE isNotNull(finished_at)
GROUP BY source, kind
ORDER BY age_s DESC`, "source", "kind", "last_load", "age_s", "rows_ok", "rows_rejected"))
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
	reasons := tablePanel("Top reject reasons", "Why rows were rejected in the range, by format and field, with one example line.", 24, 9, sqlQuery(formatTable, `
-- Most frequent reject reasons in the range.
SELECT
    format,
    field,
    reason,
    count() AS rejects,
    any(raw) AS example
FROM
(
    SELECT batch_id, field, reason, raw
    FROM ingest_rejects FINAL
    WHERE $__timeFilter(ingested_at)
      AND (batch_id, line) NOT IN (SELECT batch_id, line FROM ingest_rejects_resolved)
) AS r
ANY LEFT JOIN
(
    SELECT batch_id, format
    FROM ingest_batches FINAL
) AS b USING batch_id
GROUP BY format, field, reason
ORDER BY rejects DESC
LIMIT 20`, "format", "field", "reason", "rejects", "example"))
	reasons.overrides = []override{byName("example", prop("displayName", "Example line"), prop("custom.width", 480))}
	d.add(reasons)

	d.row("Surveys")
	d.add(g.surveyRates())

	d.row("Recent batches")
	batches := tablePanel("Batches", "The latest batches started in the range.", 24, 10, sqlQuery(formatTable, `
-- The latest batches in the range.
SELECT
    started_at,
    source,
    kind,
    format,
    file,
    status,
    rows_ok,
    rows_rejected,
    rows_superseded,
    bytes,
    duration_ms / 1000 AS duration_s,
    error
FROM `+openBatches+`
WHERE $__timeFilter(started_at)
ORDER BY started_at DESC
LIMIT 100`, "started_at", "source", "kind", "format", "file", "status", "rows_ok", "rows_rejected", "rows_superseded", "bytes", "duration_s", "error"))
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

// openBatches is ingest_batches FINAL with rows_rejected counting only
// the rejects that no later load resolved (the view
// ingest_rejects_resolved: a queue_log call split across two files is
// rejected by the first and loaded by the second, which is no lost data).
const openBatches = `(
    SELECT batch_id, source, kind, format, file, status, rows_ok, toUInt64(greatest(rejected_all - resolved, 0)) AS rows_rejected,
        rows_superseded, bytes, started_at, finished_at, duration_ms, error
    FROM
    (
        SELECT batch_id, source, kind, format, file, status, rows_ok, rows_rejected AS rejected_all,
            rows_superseded, bytes, started_at, finished_at, duration_ms, error
        FROM ingest_batches FINAL
    ) AS b
    ANY LEFT JOIN
    (
        SELECT batch_id, count() AS resolved
        FROM ingest_rejects_resolved
        GROUP BY batch_id
    ) AS r USING batch_id
)`

// perFormat sums a batch counter per $__interval_s bucket and format
// (integer division instead of $__timeInterval, which needs
// toStartOfInterval).
func (g *generator) perFormat(title, col, desc string) *panel {
	p := timeSeriesPanel(title, desc, 12, 8, sqlQuery(formatTimeSeries, fmt.Sprintf(`
-- %[1]s per interval and format.
SELECT
    toDateTime(intDiv(toUInt32(started_at), $__interval_s) * $__interval_s, 'UTC') AS time,
    format,
    sum(%[2]s) AS %[2]s
FROM %[3]s
WHERE $__timeFilter(started_at)
GROUP BY time, format
ORDER BY time`, title, col, openBatches), "time", "format", col))
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
	response := sqlQuery(formatTimeSeries, fmt.Sprintf(`
-- Per business day of the contact: handled contacts with a survey / handled contacts.
SELECT
    toDateTime(%[1]s, 'UTC') AS time,
    avg(contact_id IN (
        SELECT contact_id FROM surveys FINAL
        WHERE sign = 1 AND contact_id != '' AND responded_at >= $__fromTime
    )) AS response_rate
FROM contacts FINAL
WHERE sign = 1 AND isNotNull(answered_at) AND (initial_contact_id = '' OR initial_contact_id = contact_id)
  AND $__timeFilter(started_at)
GROUP BY time
ORDER BY time`, g.day("started_at")), "time", "response_rate")
	links := sqlQuery(formatTimeSeries, fmt.Sprintf(`
-- Per business day of the answer: surveys with a contact id, and surveys whose id matches a stored contact.
SELECT
    toDateTime(%[1]s, 'UTC') AS time,
    avg(contact_id != '') AS link_rate,
    avg(contact_id != '' AND contact_id IN (
        SELECT contact_id FROM contacts
        WHERE started_at >= $__fromTime - INTERVAL 30 DAY AND started_at <= $__toTime
    )) AS match_rate
FROM surveys FINAL
WHERE sign = 1 AND $__timeFilter(responded_at)
GROUP BY time
ORDER BY time`, g.day("responded_at")), "time", "link_rate", "match_rate")
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
