-- Share of rows rejected in the range.
SELECT if(sum(rows_ok) + sum(rows_rejected) = 0, NULL, sum(rows_rejected) / (sum(rows_ok) + sum(rows_rejected))) AS reject_share
FROM {{template "open_batches"}}
WHERE $__timeFilter(started_at)
