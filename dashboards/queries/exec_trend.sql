-- Weekly composite, internal and external scores of the organisation.
SELECT {{template "period_time"}}, score, internal, external
FROM scorecards FINAL
WHERE level = 'org' AND grain = 'week' AND $__dateFilter(period_start)
ORDER BY time
