{{/* The team's column .ID per period, or metric .ID when .Metric (teamStat). */}}
-- The team's {{.Title}} per period; the stat shows the latest.
SELECT {{template "period_time"}}, {{if .Metric}}{{template "mv" .ID}}{{else}}{{.ID}}{{end}} AS {{.ID}}
FROM scorecards FINAL
WHERE level = 'team' AND key = ${team:sqlstring} AND grain = ${grain:sqlstring} AND $__dateFilter(period_start)
ORDER BY time
