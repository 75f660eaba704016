{{/* Bucketed by the contact's business day in time zone .TZ. */}}
-- Per business day of the contact: handled contacts with a survey / handled contacts.
SELECT
    toDateTime(toDate(started_at, '{{.TZ}}'), 'UTC') AS time,
    avg(contact_id IN (
        SELECT contact_id FROM surveys FINAL
        WHERE sign = 1 AND contact_id != '' AND responded_at >= $__fromTime
    )) AS response_rate
FROM contacts FINAL
WHERE sign = 1 AND isNotNull(answered_at) AND (initial_contact_id = '' OR initial_contact_id = contact_id)
  AND $__timeFilter(started_at)
GROUP BY time
ORDER BY time
