-- counts_contacts: contact sums per business day, queue, team, site and
-- agent, from the contacts table weighted by sign (no FINAL): a replaced
-- row and its cancel row add up to nothing, so every sum equals the same
-- sum over contacts FINAL. Per-contact sums (offered .. handled_contacts)
-- count first legs only (initial_contact_id empty or the contact's own
-- id); per-leg sums count every leg. The thresholds are whitelisted
-- integers (counts.go). Queue metrics (offered .. short abandons) cover
-- the real-time channels of service_level.channels only; handling counts
-- every channel. Names differ from the columns on purpose (ClickHouse
-- 18.16 substitutes an alias for a same-named column).
SELECT
    toDate(started_at, @tz) AS day,
    queue AS queue_of,
    team AS team_of,
    site AS site_of,
    agent_id AS agent_of,
    toInt64(sumIf(sign, c_queued)),
    toInt64(sumIf(sign, c_queued AND c_answered)),
    toInt64(sumIf(sign, c_queued AND abandoned = 1)),
    toInt64(sumIf(sign * toInt64(wait_s), c_queued AND c_answered)),
    toInt64(sumIf(sign, c_queued AND c_answered AND wait_s <= {{.ServiceLevelS}})),
    {{if .ShortAbandonS}}toInt64(sumIf(sign, c_queued AND abandoned = 1 AND wait_s < {{.ShortAbandonS}})){{else}}toInt64(0){{end}},
    toInt64(sumIf(sign, c_first AND c_answered)),
    toInt64(sum(sign)),
    toInt64(sumIf(sign, c_answered)),
    toInt64(sumIf(sign * toInt64(talk_s + hold_s + acw_s), c_answered)),
    toInt64(sumIf(sign * toInt64(talk_s), c_answered)),
    toInt64(sumIf(sign * toInt64(hold_s), c_answered)),
    toInt64(sumIf(sign * toInt64(acw_s), c_answered)),
    toInt64(sumIf(sign, transferred = 1)),
    toInt64(sumIf(sign, c_answered AND hold_s > 0)),
    toInt64(sumIf(sign, isNotNull(resolved))),
    toInt64(sumIf(sign, ifNull(resolved, 0) = 1))
FROM
(
    SELECT
        started_at, queue, team, site, agent_id, sign, abandoned, wait_s, talk_s, hold_s, acw_s,
        transferred, resolved,
        isNotNull(answered_at) AS c_answered,
        (initial_contact_id = '' OR initial_contact_id = contact_id) AS c_first,
        (initial_contact_id = '' OR initial_contact_id = contact_id) AND direction = 'inbound'
            AND queue != '' AND has(@channels, channel) AS c_queued
    FROM contacts
    WHERE started_at >= @from AND started_at < @to
      {{if .Teams}}AND has(@teams, team){{end}}
) AS legs
GROUP BY day, queue_of, team_of, site_of, agent_of
