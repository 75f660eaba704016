-- Batches that failed in the range.
SELECT countIf(status = 'failed') AS failed
FROM ingest_batches FINAL
WHERE $__timeFilter(started_at)
