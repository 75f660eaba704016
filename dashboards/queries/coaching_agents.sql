{{/* The agent table (agentTable): every metric of .Metrics (metricViews),
with the sample of the survey metrics, and the flags. */}}
-- Agents of the team in its latest period; flags: metrics past their floor, survey samples below the minimum.
SELECT
    key AS agent,
    score,
    internal,
    external
{{- range .Metrics}},
    {{template "mv" .ID}} AS {{.ID}}
{{- if .External}},
    {{template "mn" .ID}} AS {{.ID}}_n
{{- end}}
{{- end}},
    arrayStringConcat(arrayFilter(f -> f != '', [
{{- range $i, $m := .Metrics}}{{if $i}},{{end}}
        if({{template "worse" $m}}, '{{sqlString $m.Name}}', '')
{{- if and $m.External (gt $m.MinN 0)}},
        if({{template "mn" $m.ID}} < {{$m.MinN}}, 'few {{sqlString (upper $m.ID)}} answers', '')
{{- end}}
{{- end}}
    ]), ', ') AS flags
FROM scorecards FINAL
WHERE level = 'agent' AND grain = ${grain:sqlstring}
  AND {{template "team_latest"}}
  AND key IN {{template "team_agents"}}
ORDER BY score
