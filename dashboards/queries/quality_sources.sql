-- Newest finished batch per source and kind.
SELECT
    source,
    kind,
    max(finished_at) AS last_load,
    toInt64(now()) - toInt64(max(finished_at)) AS age_s,
    sum(rows_ok) AS rows_ok,
    sum(rows_rejected) AS rows_rejected
FROM {{template "open_batches"}}
WHERE isNotNull(finished_at)
GROUP BY source, kind
ORDER BY age_s DESC
