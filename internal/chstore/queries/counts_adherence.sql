-- counts_adherence: scheduled seconds and the seconds of them spent in
-- the scheduled activity, per business day (and agent, with the roster's team and site) of the
-- schedule interval. A work activity is met by available, on-contact or
-- after-call-work states (or, for sources that only log logins and
-- pauses, by logged-in time minus breaks); any other activity by a state
-- of the same name (break, training...). States and schedules are joined
-- per agent and UTC day, which keeps the join small; an interval that
-- crosses midnight UTC is matched on its start day only.
-- The sums are named after the metrics.Counts fields they fill (counts.go
-- scans them by name).
SELECT
    period AS day,
    '' AS queue_of,
    team AS team_of,
    site AS site_of,
    agent_id AS agent_of,
    toInt64(sum(scheduled)) AS scheduled_s,
    toInt64(sum(adherent)) AS adherent_s
FROM
(
    SELECT
        agent_id,
        toDate(s_start, @tz) AS period,
        any(s_len) AS scheduled,
        least(any(s_len), greatest(
            sumIf(ov, if(s_work, st_state IN ('available', 'on_contact', 'acw'), st_state = s_activity)),
            if(s_work, sumIf(ov, st_state = 'logged_in') - sumIf(ov, st_state = 'break'), toInt64(0)))) AS adherent
    FROM
    (
        SELECT
            agent_id, s_start, s_len, s_work, s_activity, st_state,
            greatest(toInt64(0), least(toInt64(s_end), toInt64(st_end)) - greatest(toInt64(s_start), toInt64(st_start))) AS ov
        FROM
        (
            SELECT agent_id, toDate(start) AS day, start AS s_start, end AS s_end,
                   toInt64(end) - toInt64(start) AS s_len, lower(activity) AS s_activity,
                   lower(activity) IN ('work', 'on_contact', 'phone', 'available', 'open', 'shift', 'contacts', 'queue') AS s_work
            FROM schedules FINAL
            WHERE start >= @from AND start < @to
        ) AS sched
        ALL LEFT JOIN
        (
            SELECT agent_id, toDate(start) AS day, start AS st_start, end AS st_end, state AS st_state
            FROM agent_states FINAL
            WHERE start >= @from_day AND start < @to_day
        ) AS states USING agent_id, day
    )
    GROUP BY agent_id, s_start, s_activity, s_work, period
) AS per_agent
ANY LEFT JOIN
(
    SELECT agent_id, argMax(team, valid_from) AS team, argMax(site, valid_from) AS site
    FROM agents FINAL
    GROUP BY agent_id
) AS roster USING agent_id
{{if .Teams}}WHERE has(@teams, team){{end}}
GROUP BY day, queue_of, team_of, site_of, agent_of
