{{- /* open_batches: ingest_batches FINAL with rows_rejected counting only
the rejects that no later load resolved (the view ingest_rejects_resolved:
a queue_log call split across two files is rejected by the first and
loaded by the second, which is no lost data). */ -}}
{{define "open_batches"}}(
    SELECT batch_id, source, kind, format, file, status, rows_ok, toUInt64(greatest(rejected_all - resolved, 0)) AS rows_rejected,
        rows_superseded, bytes, started_at, finished_at, duration_ms, error
    FROM
    (
        SELECT batch_id, source, kind, format, file, status, rows_ok, rows_rejected AS rejected_all,
            rows_superseded, bytes, started_at, finished_at, duration_ms, error
        FROM ingest_batches FINAL
    ) AS b
    ANY LEFT JOIN
    (
        SELECT batch_id, count() AS resolved
        FROM ingest_rejects_resolved
        GROUP BY batch_id
    ) AS r USING batch_id
){{end}}
