-- counts_contacts: contact sums per business day, queue, team, site and
-- agent, read from the rollup (never from raw contacts). The threshold
-- columns are chosen from whitelists in counts.go; values are bound
-- parameters. Queue metrics (offered .. short abandons) cover the
-- real-time channels of service_level.channels only; handling counts
-- every channel.
SELECT
    toDate(bucket, @tz) AS day,
    queue AS queue_of,
    team AS team_of,
    site AS site_of,
    agent_id AS agent_of,
    sumIf(offered, has(@channels, channel)),
    sumIf(answered, has(@channels, channel)),
    sumIf(abandons, has(@channels, channel)),
    sumIf(wait_answered_sum_s, has(@channels, channel)),
    sumIf({{.AnsweredWithin}}, has(@channels, channel)),
    {{if .ShortAbandons}}sumIf({{.ShortAbandons}}, has(@channels, channel)){{else}}toInt64(0){{end}},
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
