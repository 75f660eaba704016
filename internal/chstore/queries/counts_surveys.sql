-- counts_surveys: survey sums per level key and business-time period of
-- the response, over the attributed survey facts (survey_facts.sql is
-- pasted in as the subquery). At org level every response counts; below
-- it only those attributed to the key (DESIGN.md section 2).
SELECT
    {{.Key}} AS key,
    {{if .Agent}}anyLast(team){{else}}''{{end}} AS team_of,
    {{.Period "responded_at"}} AS period,
    toInt64(countIf(linked = 1)),
    toInt64(countIf(isNotNull(nps))),
    toInt64(countIf(ifNull(nps >= 9, 0))),
    toInt64(countIf(ifNull(nps <= 6, 0))),
    toInt64(countIf(isNotNull(csat))),
    toInt64(countIf(ifNull(csat >= 4, 0))),
    toInt64(countIf(isNotNull(ces))),
    toInt64(sum(ifNull(ces, 0))),
    toInt64(sum(ifNull(ces, 0) * ifNull(ces, 0)))
FROM
(
{{.Facts}}
)
{{if .Teams}}WHERE has(@teams, team){{end}}
GROUP BY key, period
{{if not .Org}}HAVING key != ''{{end}}
