-- Rejects that a later load resolved. A queue_log call split across two
-- files (log rotation mid-call) is rejected by the first file's load as
-- "incomplete call <callid>: ..." and loaded as a contact by the second
-- file's. Such a reject is not lost data: the data-quality figures leave
-- out the rows of this view. A reject is resolved when a contact with its
-- call id is stored by another batch.
CREATE VIEW IF NOT EXISTS ingest_rejects_resolved AS
SELECT reject_batch AS batch_id, line
FROM
(
    SELECT batch_id AS reject_batch, line, extract(reason, '^incomplete call (.*): no end event') AS contact_id
    FROM ingest_rejects FINAL
    WHERE reason LIKE 'incomplete call %'
) AS r
ALL INNER JOIN
(
    SELECT DISTINCT contact_id, batch_id AS loaded_by
    FROM contacts FINAL
    WHERE sign = 1 AND contact_id IN (
        SELECT extract(reason, '^incomplete call (.*): no end event')
        FROM ingest_rejects
        WHERE reason LIKE 'incomplete call %'
    )
) AS c USING contact_id
WHERE loaded_by != reject_batch
GROUP BY batch_id, line;
