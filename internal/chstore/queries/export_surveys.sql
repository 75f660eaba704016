-- export_surveys: the current survey responses whose responded_at lies in
-- [from, to), in time order. Columns: those of the surveys table
-- (records.go), then ingested_at and batch_id.
SELECT {{.Columns}}
FROM surveys FINAL
WHERE sign = 1 AND responded_at >= @from AND responded_at < @to
ORDER BY responded_at
