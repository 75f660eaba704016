-- export_scorecards: the stored scorecards whose period starts in
-- [from, to) (as dates), the metric arrays joined with commas.
SELECT level, key, grain, period_start, score, internal, external, nps, csat, aht_s, service_level,
    arrayStringConcat(metric_ids, ','), arrayStringConcat(arrayMap(x -> toString(x), metric_values), ','),
    config_version, computed_at
FROM scorecards FINAL
WHERE period_start >= toDate(@from) AND period_start < toDate(@to)
ORDER BY level, grain, key, period_start
