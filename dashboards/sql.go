package dashboards

import (
	"fmt"
	"strings"

	"github.com/servicecard/servicecard/metrics"
)

// SQL fragments shared by the ClickHouse panels. Everything here must run
// on ClickHouse 18.16 and 26 alike: no
// toStartOfInterval, so no $__timeInterval; scorecard periods come
// pre-bucketed and raw timestamps are bucketed with toDate/toMonday/
// toStartOfMonth in the business zone or with integer division by
// $__interval_s.

// mv is the value of metric id in a scorecards row: NULL when the row
// has no such metric or the engine stored NaN (too few samples).
func mv(id string) string {
	i := fmt.Sprintf("indexOf(metric_ids, '%s')", id)
	return fmt.Sprintf("if(%s = 0 OR isNaN(metric_values[%s]), NULL, metric_values[%s])", i, i, i)
}

// mlow and mhigh are the stored 95% interval of metric id in a
// scorecards row (NULL where the metric has none).
func mlow(id string) string  { return arrayMetric("metric_low", id) }
func mhigh(id string) string { return arrayMetric("metric_high", id) }

func arrayMetric(col, id string) string {
	i := fmt.Sprintf("indexOf(metric_ids, '%s')", id)
	return fmt.Sprintf("if(%[1]s = 0 OR isNaN(%[2]s[%[1]s]), NULL, %[2]s[%[1]s])", i, col)
}

// mn is the sample size of metric id in a scorecards row (0 when absent).
func mn(id string) string {
	return fmt.Sprintf("metric_n[indexOf(metric_ids, '%s')]", id)
}

// periodTime turns a scorecard period into the panel's time column.
// Periods are business-zone dates; the dashboards run in UTC so a week
// starting Monday shows on Monday.
const periodTime = "toDateTime(period_start, 'UTC') AS time"

// scorecardsWhere selects one level (a literal) and the grain variable in
// the dashboard's range.
func scorecardsWhere(level string) string {
	return fmt.Sprintf("level = '%s' AND grain = ${grain:sqlstring} AND $__dateFilter(period_start)", level)
}

// worse is the condition "value is past its floor" of a metric with a goal.
func worse(m metrics.Metric, value string) string {
	op := "<"
	if m.Direction == metrics.LowerIsBetter {
		op = ">"
	}
	return fmt.Sprintf("ifNull(%s %s %g, 0)", value, op, *m.Floor)
}

// day buckets a raw timestamp column into its business day.
func (g *generator) day(col string) string {
	return fmt.Sprintf("toDate(%s, '%s')", col, g.tz)
}

// join lists SQL select items, one a line.
func join(items []string) string {
	return strings.Join(items, ",\n    ")
}

// goalMetrics returns the catalog metrics of family that have a goal
// (target and floor), in catalog order: the ones scored and flagged.
func (g *generator) goalMetrics(family metrics.Family) []metrics.Metric {
	var out []metrics.Metric
	for _, m := range metrics.Catalog(g.cfg) {
		if m.Family == family && m.Target != nil && m.Floor != nil {
			out = append(out, m)
		}
	}
	return out
}
