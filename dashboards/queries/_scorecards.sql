{{/*
Fragments of the queries on the scorecards table. Every query here must
run on ClickHouse 18.16 and 26 alike: no toStartOfInterval, so no
$__timeInterval; scorecard periods come pre-bucketed and raw timestamps
are bucketed with toDate in the business zone or with integer division by
$__interval_s.
*/}}

{{- /* mv: the value of metric id (.) in a scorecards row: NULL when the
row has no such metric or the engine stored NaN (too few samples). */ -}}
{{define "mv"}}if(indexOf(metric_ids, '{{.}}') = 0 OR isNaN(metric_values[indexOf(metric_ids, '{{.}}')]), NULL, metric_values[indexOf(metric_ids, '{{.}}')]){{end}}

{{- /* mlow and mhigh: the stored 95% interval of metric id (.) in a
scorecards row (NULL where the metric has none). */ -}}
{{define "mlow"}}if(indexOf(metric_ids, '{{.}}') = 0 OR isNaN(metric_low[indexOf(metric_ids, '{{.}}')]), NULL, metric_low[indexOf(metric_ids, '{{.}}')]){{end}}
{{define "mhigh"}}if(indexOf(metric_ids, '{{.}}') = 0 OR isNaN(metric_high[indexOf(metric_ids, '{{.}}')]), NULL, metric_high[indexOf(metric_ids, '{{.}}')]){{end}}

{{- /* mn: the sample size of metric id (.) in a scorecards row (0 when
absent). */ -}}
{{define "mn"}}metric_n[indexOf(metric_ids, '{{.}}')]{{end}}

{{- /* period_time: a scorecard period as the panel's time column.
Periods are business-zone dates; the dashboards run in UTC so a week
starting Monday shows on Monday. */ -}}
{{define "period_time"}}toDateTime(period_start, 'UTC') AS time{{end}}

{{- /* period_end: the day after a scorecards row's period. */ -}}
{{define "period_end"}}multiIf(grain = 'day', period_start + 1, grain = 'month', addMonths(period_start, 1), period_start + 7){{end}}

{{- /* today: the current business day in time zone (.). */ -}}
{{define "today"}}toDate(now(), '{{.}}'){{end}}

{{- /* scorecards_where: one level (.) and the grain variable in the
dashboard's range. */ -}}
{{define "scorecards_where"}}level = '{{.}}' AND grain = ${grain:sqlstring} AND $__dateFilter(period_start){{end}}

{{- /* worse: "the metric (a metricView) is past its floor". */ -}}
{{define "worse"}}ifNull({{template "mv" .ID}} {{if .LowerIsBetter}}>{{else}}<{{end}} {{.Floor}}, 0){{end}}

{{- /* interval_text: "24–38 n=412" for a survey metric's (a metricView)
stored interval and sample, with "too few" below its minimum. */ -}}
{{define "interval_text"}}if({{template "mn" .ID}} = 0, 'no answers', concat(
        if(isNull({{template "mlow" .ID}}), '', concat(toString(round({{template "mlow" .ID}}{{if .Ratio}} * 100{{end}})), '{{if .Ratio}}%{{end}}–', toString(round({{template "mhigh" .ID}}{{if .Ratio}} * 100{{end}})), '{{if .Ratio}}%{{end}} ')),
        'n=', toString({{template "mn" .ID}}), if({{template "mn" .ID}} < {{.MinN}}, ' too few', ''))){{end}}
