-- The running row of one batch (MarkBatchFailed): what a failed row
-- written in its place keeps.
SELECT source, kind, format, file, rows_ok, rows_rejected, bytes, started_at
FROM ingest_batches FINAL
WHERE batch_id = @id AND status = 'running'
