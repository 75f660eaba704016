-- counts_contacts: contact sums per business day, queue, team, site and
-- agent, from the contacts table weighted by sign (no FINAL): a replaced
-- row and its cancel row add up to nothing, so every sum equals the same
-- sum over contacts FINAL. Per-contact sums (offered .. handled_contacts)
-- count first legs only (initial_contact_id empty or the contact's own
-- id); per-leg sums count every leg. The thresholds are whitelisted
-- integers (counts.go). Queue metrics (offered .. short abandons) cover
-- the real-time channels of service_level.channels only; handling counts
-- every channel. The sums are named after the metrics.Counts fields they
-- fill (counts.go scans them by name); inner names differ from those on
-- purpose (ClickHouse 18.16 substitutes an alias for a same-named column).
SELECT
    toDate(started_at, @tz) AS day,
    queue AS queue_of,
    team AS team_of,
    site AS site_of,
    agent_id AS agent_of,
    toInt64(sumIf(sign, c_queued)) AS offered,
    toInt64(sumIf(sign, c_queued AND c_answered)) AS answered,
    toInt64(sumIf(sign, c_queued AND c_abandoned)) AS abandoned,
    toInt64(sumIf(sign * toInt64(wait_s), c_queued AND c_answered)) AS wait_answered_s,
    toInt64(sumIf(sign, c_queued AND c_answered AND wait_s <= {{.ServiceLevelS}})) AS answered_within,
    {{if .ShortAbandonS}}toInt64(sumIf(sign, c_queued AND c_abandoned AND wait_s < {{.ShortAbandonS}})){{else}}toInt64(0){{end}} AS short_abandons,
    toInt64(sumIf(sign, c_first AND c_answered)) AS handled_contacts,
    toInt64(sum(sign)) AS legs,
    toInt64(sumIf(sign, c_answered)) AS handled,
    toInt64(sumIf(sign * toInt64(c_talk_s + c_hold_s + c_acw_s), c_answered)) AS handle_s,
    toInt64(sumIf(sign * toInt64(c_talk_s), c_answered)) AS talk_s,
    toInt64(sumIf(sign * toInt64(c_hold_s), c_answered)) AS hold_s,
    toInt64(sumIf(sign * toInt64(c_acw_s), c_answered)) AS acw_s,
    toInt64(sumIf(sign, c_transferred)) AS transferred,
    toInt64(sumIf(sign, c_answered AND c_hold_s > 0)) AS held,
    toInt64(sumIf(sign, isNotNull(resolved))) AS fcr_known,
    toInt64(sumIf(sign, ifNull(resolved, 0) = 1)) AS fcr_resolved
FROM
(
    SELECT
        started_at, queue, team, site, agent_id, sign, wait_s, resolved,
        talk_s AS c_talk_s, hold_s AS c_hold_s, acw_s AS c_acw_s,
        abandoned = 1 AS c_abandoned,
        transferred = 1 AS c_transferred,
        isNotNull(answered_at) AS c_answered,
        (initial_contact_id = '' OR initial_contact_id = contact_id) AS c_first,
        (initial_contact_id = '' OR initial_contact_id = contact_id) AND direction = 'inbound'
            AND queue != '' AND has(@channels, channel) AS c_queued
    FROM contacts
    WHERE started_at >= @from AND started_at < @to
      {{if .Teams}}AND has(@teams, team){{end}}
) AS leg_rows
GROUP BY day, queue_of, team_of, site_of, agent_of
