-- Rows accepted in the range.
SELECT sum(rows_ok) AS rows_ok
FROM ingest_batches FINAL
WHERE $__timeFilter(started_at)
