{{/* The organisation's score column .Col per full period (orgScoreStat). */}}
-- The organisation's {{.Col}} per full period: the stat shows the latest
-- period that is over (a week of 4 days is not compared with full weeks).
SELECT {{template "period_time"}}, {{.Col}}
FROM scorecards FINAL
WHERE {{template "scorecards_where" "org"}} AND {{template "period_end"}} <= {{template "today" .TZ}}
ORDER BY time
