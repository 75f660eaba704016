-- counts_occupancy: agent time per business day (and agent, with the roster's team and site) of
-- the interval's start. Occupied = on contact + after-call work; staffed =
-- available + on contact + after-call work. Sources that only log
-- logins and pauses (queue_log) give neither: their occupancy is not
-- available (null), and their logged-in time does not dilute the
-- occupancy of agents whose states say when they were on contacts.
-- Agents get their team and site from the roster (latest entry).
-- The sums are named after the metrics.Counts fields they fill (counts.go
-- scans them by name).
SELECT
    period AS day,
    '' AS queue_of,
    team AS team_of,
    site AS site_of,
    agent_id AS agent_of,
    toInt64(sum(occupied)) AS occupied_s,
    toInt64(sum(staffed)) AS available_s
FROM
(
    SELECT
        agent_id,
        toDate(start, @tz) AS period,
        sumIf(d, state IN ('on_contact', 'acw')) AS occupied,
        sumIf(d, state IN ('available', 'on_contact', 'acw')) AS staffed
    FROM
    (
        SELECT agent_id, state, start, toInt64(end) - toInt64(start) AS d
        FROM agent_states FINAL
        WHERE start >= @from AND start < @to
    )
    GROUP BY agent_id, period
) AS per_agent
ANY LEFT JOIN
(
    SELECT agent_id, argMax(team, valid_from) AS team, argMax(site, valid_from) AS site
    FROM agents FINAL
    GROUP BY agent_id
) AS roster USING agent_id
{{if .Teams}}WHERE has(@teams, team){{end}}
GROUP BY day, queue_of, team_of, site_of, agent_of
