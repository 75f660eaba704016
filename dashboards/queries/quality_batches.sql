-- The latest batches in the range.
SELECT
    started_at,
    source,
    kind,
    format,
    file,
    status,
    rows_ok,
    rows_rejected,
    rows_superseded,
    bytes,
    duration_ms / 1000 AS duration_s,
    error
FROM {{template "open_batches"}}
WHERE $__timeFilter(started_at)
ORDER BY started_at DESC
LIMIT 100
