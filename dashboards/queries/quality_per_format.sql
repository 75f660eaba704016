{{/* The batch counter .Col per $__interval_s bucket and format (perFormat):
integer division instead of $__timeInterval, which needs
toStartOfInterval. */}}
-- {{.Title}} per interval and format.
SELECT
    toDateTime(intDiv(toUInt32(started_at), $__interval_s) * $__interval_s, 'UTC') AS time,
    format,
    sum({{.Col}}) AS {{.Col}}
FROM {{template "open_batches"}}
WHERE $__timeFilter(started_at)
GROUP BY time, format
ORDER BY time
