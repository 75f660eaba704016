-- Most frequent reject reasons in the range.
SELECT
    format,
    field,
    reason,
    count() AS rejects,
    any(raw) AS example
FROM
(
    SELECT batch_id, field, reason, raw
    FROM ingest_rejects FINAL
    WHERE $__timeFilter(ingested_at)
      AND (batch_id, line) NOT IN (SELECT batch_id, line FROM ingest_rejects_resolved)
) AS r
ANY LEFT JOIN
(
    SELECT batch_id, format
    FROM ingest_batches FINAL
) AS b USING batch_id
GROUP BY format, field, reason
ORDER BY rejects DESC
LIMIT 20
