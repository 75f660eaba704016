-- counts_surveys: survey sums per business day of the response, queue,
-- team, site and agent, over the attributed survey facts (survey_facts.sql is
-- pasted in as the subquery). At org level every response counts; below
-- it only those attributed to the key.
-- The sums are named after the metrics.Counts fields they fill (counts.go
-- scans them by name).
SELECT
    toDate(responded_at, @tz) AS day,
    queue AS queue_of,
    team AS team_of,
    site AS site_of,
    agent_id AS agent_of,
    toInt64(countIf(linked = 1)) AS surveys_linked,
    toInt64(countIf(isNotNull(nps))) AS nps_n,
    toInt64(countIf(ifNull(nps >= 9, 0))) AS promoters,
    toInt64(countIf(ifNull(nps <= 6, 0))) AS detractors,
    toInt64(countIf(isNotNull(csat))) AS csat_n,
    toInt64(countIf(ifNull(csat >= 4, 0))) AS csat_satisfied,
    toInt64(countIf(isNotNull(ces))) AS ces_n,
    toInt64(sum(ifNull(ces, 0))) AS ces_sum,
    toInt64(sum(ifNull(ces, 0) * ifNull(ces, 0))) AS ces_sum_sq
FROM
(
{{.Facts}}
)
{{if .Teams}}WHERE has(@teams, team){{end}}
GROUP BY day, queue_of, team_of, site_of, agent_of
