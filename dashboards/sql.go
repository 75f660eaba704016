package dashboards

import (
	"fmt"
	"strings"

	"github.com/servicecard/servicecard/metrics"
)

// SQL fragments shared by the ClickHouse panels. Everything here must run
// on ClickHouse 18.16 and 26 alike (see /work/shared/CLICKHOUSE.md): no
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

// wilson returns the bounds of the 95%% Wilson interval of a share p over
// n answers (the same formula as metrics.Wilson), NULL without answers.
func wilson(p, n string) (low, high string) {
	z2 := metrics.Z95 * metrics.Z95
	den := fmt.Sprintf("(1 + %.6g / %s)", z2, n)
	center := fmt.Sprintf("(%s + %.6g / %s)", p, z2/2, n)
	half := fmt.Sprintf("%g * sqrt(%s * (1 - %s) / %s + %.6g / (%s * %s))", metrics.Z95, p, p, n, z2/4, n, n)
	low = fmt.Sprintf("if(%s = 0, NULL, greatest(0, (%s - %s) / %s))", n, center, half, den)
	high = fmt.Sprintf("if(%s = 0, NULL, least(1, (%s + %s) / %s))", n, center, half, den)
	return low, high
}

// npsInterval returns the bounds of the adjusted-Wald interval of an
// NPS from counts of promoters, detractors and answers (the formula of
// metrics.NPSInterval).
func npsInterval(prom, det, n string) (low, high string) {
	p := fmt.Sprintf("((%s + 0.75) / (%s + 3))", prom, n)
	d := fmt.Sprintf("((%s + 0.75) / (%s + 3))", det, n)
	se := fmt.Sprintf("sqrt((%s + %s - pow(%s - %s, 2)) / (%s + 3))", p, d, p, d, n)
	low = fmt.Sprintf("if(%s = 0, NULL, greatest(-100, 100 * (%s - %s - %g * %s)))", n, p, d, metrics.Z95, se)
	high = fmt.Sprintf("if(%s = 0, NULL, least(100, 100 * (%s - %s + %g * %s)))", n, p, d, metrics.Z95, se)
	return low, high
}

// worse is the condition "value is past its floor" of a metric with a goal.
func worse(m metrics.Metric, value string) string {
	op := "<"
	if m.Direction == metrics.LowerIsBetter {
		op = ">"
	}
	return fmt.Sprintf("ifNull(%s %s %g, 0)", value, op, *m.Floor)
}

// grainDay buckets a raw timestamp column into the period of the grain
// variable in the business zone, as a Date.
func (g *generator) grainDay(col string) string {
	return fmt.Sprintf("multiIf(${grain:sqlstring} = 'day', toDate(%[1]s, '%[2]s'), ${grain:sqlstring} = 'month', toStartOfMonth(%[1]s, '%[2]s'), toMonday(%[1]s, '%[2]s'))", col, g.tz)
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
