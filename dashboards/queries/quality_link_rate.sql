{{/* Bucketed by the answer's business day in time zone .TZ. */}}
-- Per business day of the answer: surveys with a contact id, and surveys whose id matches a stored contact.
SELECT
    toDateTime(toDate(responded_at, '{{.TZ}}'), 'UTC') AS time,
    avg(contact_id != '') AS link_rate,
    avg(contact_id != '' AND contact_id IN (
        SELECT contact_id FROM contacts
        WHERE started_at >= $__fromTime - INTERVAL 30 DAY AND started_at <= $__toTime
    )) AS match_rate
FROM surveys FINAL
WHERE sign = 1 AND $__timeFilter(responded_at)
GROUP BY time
ORDER BY time
