-- counts_contacts: contact sums per level key and business-time period,
-- read from the rollup (never from raw contacts). the key, the period
-- and the threshold columns are chosen from whitelists in counts.go;
-- values are bound parameters.
SELECT
    {{.Key}} AS key,
    {{if .Agent}}anyLast(team){{else}}''{{end}} AS team_of,
    {{.Period "bucket"}} AS period,
    sum(offered),
    sum(answered),
    sum(abandons),
    sum(wait_answered_sum_s),
    sum({{.AnsweredWithin}}),
    {{if .ShortAbandons}}sum({{.ShortAbandons}}){{else}}toInt64(0){{end}},
    sum({{if .Agent}}handled{{else}}handled_contacts{{end}}),
    sum(legs),
    sum(handled),
    sum(handle_sum_s),
    sum(talk_sum_s),
    sum(hold_sum_s),
    sum(acw_sum_s),
    sum(transfers),
    sum(held),
    sum(resolved_known),
    sum(resolved_true)
FROM contacts_rollup
WHERE bucket >= @from AND bucket < @to
  {{if .Teams}}AND has(@teams, team){{end}}
GROUP BY key, period
{{if not .Org}}HAVING key != ''{{end}}
