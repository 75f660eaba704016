{{/* The latest period of every site, team or queue (compareTable): the
survey metrics .Surveys with their interval text, the metrics .Ops, and the
sample of metric .Handled as the contacts behind them. */}}
-- Latest period in the range of every site, team or queue (never agents).
SELECT
    key AS name,
    concat(toString(period_start), if({{template "period_end"}} > {{template "today" .TZ}},
        concat(' (', toString({{template "today" .TZ}} - period_start), '/', toString({{template "period_end"}} - period_start), ' d)'), '')) AS period,
    score
{{- range .Surveys}},
    {{template "mv" .ID}} AS {{.ID}},
    {{template "interval_text" .}} AS {{.ID}}_interval
{{- end}}
{{- range .Ops}},
    {{template "mv" .}} AS {{.}}
{{- end}},
    {{template "mn" .Handled}} AS handled
FROM scorecards FINAL
WHERE level IN ('site', 'team', 'queue') AND level = ${level:sqlstring} AND grain = ${grain:sqlstring}
  AND period_start = (
    SELECT max(period_start)
    FROM scorecards FINAL
    WHERE level IN ('site', 'team', 'queue') AND level = ${level:sqlstring} AND grain = ${grain:sqlstring}
      AND $__dateFilter(period_start)
  )
ORDER BY score DESC
