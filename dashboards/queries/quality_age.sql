-- Seconds since the newest finished batch.
SELECT toInt64(now()) - toInt64(max(finished_at)) AS age_s
FROM ingest_batches FINAL
WHERE isNotNull(finished_at)
