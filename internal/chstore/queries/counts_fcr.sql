-- counts_fcr: first contact resolution by repeat contacts (fcr.mode
-- repeat). A handled contact (first leg) of a known customer is resolved
-- when the same customer starts no other contact within the window after
-- it. The look-ahead reads contacts up to @to + window, so the last days
-- of a range are judged on what is known so far. Booked to the contact's
-- own period, attributed to its first leg's agent.
SELECT
    toDate(c_start, @tz) AS day,
    queue AS queue_of,
    team AS team_of,
    site AS site_of,
    agent_id AS agent_of,
    toInt64(count()),
    toInt64(sum(c_resolved))
FROM
(
    SELECT
        tupleElement(c, 1) AS c_start,
        tupleElement(c, 2) AS agent_id,
        tupleElement(c, 3) AS team,
        tupleElement(c, 4) AS site,
        tupleElement(c, 5) AS queue,
        tupleElement(c, 6) AS c_handled,
        if(arrayExists(x -> x > tupleElement(c, 1) AND x <= tupleElement(c, 1) + @window_s, starts), 0, 1) AS c_resolved
    FROM
    (
        SELECT
            customer_id,
            groupArray((started_at, agent_id, team, site, queue, if(isNotNull(answered_at), 1, 0))) AS cs,
            groupArray(started_at) AS starts
        FROM contacts FINAL
        WHERE customer_id != ''
          AND (initial_contact_id = '' OR initial_contact_id = contact_id)
          AND started_at >= @from AND started_at < @to_window
        GROUP BY customer_id
    )
    ARRAY JOIN cs AS c
    WHERE c_start >= @from AND c_start < @to AND c_handled = 1
)
{{if .Teams}}WHERE has(@teams, team){{end}}
GROUP BY day, queue_of, team_of, site_of, agent_of
