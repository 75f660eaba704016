-- counts_fcr: first contact resolution by repeat contacts (fcr.mode
-- repeat). A handled contact (first leg) of a known customer is resolved
-- when the same customer starts no other contact within the window after
-- it. The look-ahead reads contacts up to @to + window, so the last days
-- of a range are judged on what is known so far. Booked to the contact's
-- own period, attributed to its first leg's agent.
--
-- Linear in a customer's contacts (n log n for one sort): the contacts are
-- grouped by customer and start second, each customer's distinct starts
-- are sorted once and paired with the next one (a shifted copy of the
-- array), so a contact is resolved when the next later start is past its
-- start + window, or there is none. Contacts starting in the same second
-- do not repeat each other. Placeholder customer ids (@placeholders, lower
-- case, trimmed: empty, anonymous, unknown, 0 and the configured ones) are
-- not customers: their contacts are left out, like those without an id.
-- The sums are named after the metrics.Counts fields they fill (counts.go
-- scans them by name).
SELECT
    toDate(c_start, @tz) AS day,
    queue AS queue_of,
    team AS team_of,
    site AS site_of,
    agent_id AS agent_of,
    toInt64(count()) AS fcr_known,
    toInt64(sum(c_resolved)) AS fcr_resolved
FROM
(
    SELECT
        c_start,
        tupleElement(c, 1) AS agent_id,
        tupleElement(c, 2) AS team,
        tupleElement(c, 3) AS site,
        tupleElement(c, 4) AS queue,
        if(toInt64(next_start) = 0 OR toInt64(next_start) > toInt64(c_start) + @window_s, 1, 0) AS c_resolved
    FROM
    (
        SELECT c_start, next_start, arrayJoin(handled) AS c
        FROM
        (
            SELECT
                arraySort(groupArray(started_at)) AS starts,
                arraySort((h, s) -> s, groupArray(at_start), groupArray(started_at)) AS handled_at
            FROM
            (
                SELECT
                    customer_id,
                    started_at,
                    groupArrayIf((agent_id, team, site, queue),
                        isNotNull(answered_at) AND started_at >= @from AND started_at < @to) AS at_start
                FROM contacts FINAL
                WHERE started_at >= @from AND started_at < @to_window
                  AND (initial_contact_id = '' OR initial_contact_id = contact_id)
                  AND NOT has(@placeholders, lower(replaceRegexpAll(customer_id, '^\\s+|\\s+$', '')))
                GROUP BY customer_id, started_at
            )
            GROUP BY customer_id
        )
        ARRAY JOIN
            starts AS c_start,
            arrayPushBack(arrayPopFront(starts), toDateTime(0, 'UTC')) AS next_start,
            handled_at AS handled
    )
)
{{if .Teams}}WHERE has(@teams, team){{end}}
GROUP BY day, queue_of, team_of, site_of, agent_of
