-- export_contacts: the current contacts whose started_at lies in
-- [from, to), in time order. Columns: those of the contacts table
-- (records.go), then ingested_at and batch_id; flags are UInt8
-- (ClickHouse 18.16 has no Bool), resolved NULL when unknown.
SELECT {{.Columns}}
FROM contacts FINAL
WHERE sign = 1 AND started_at >= @from AND started_at < @to
ORDER BY started_at
