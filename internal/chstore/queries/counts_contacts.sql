-- counts_contacts: contact sums per business day, queue, team, site and
-- agent, read from the rollup (never from raw contacts). The threshold
-- columns are chosen from whitelists in counts.go; values are bound
-- parameters.
SELECT
    toDate(bucket, @tz) AS day,
    queue AS queue_of,
    team AS team_of,
    site AS site_of,
    agent_id AS agent_of,
    sum(offered),
    sum(answered),
    sum(abandons),
    sum(wait_answered_sum_s),
    sum({{.AnsweredWithin}}),
    {{if .ShortAbandons}}sum({{.ShortAbandons}}){{else}}toInt64(0){{end}},
    sum(handled_contacts),
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
GROUP BY day, queue_of, team_of, site_of, agent_of
