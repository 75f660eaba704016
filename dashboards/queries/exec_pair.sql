{{/* An internal metric (.In) next to a sentiment metric (.Ext) with its interval (pairPanel). */}}
-- {{.In.Name}} and {{.Ext.Name}} of the organisation per period, with {{.Ext.Name}}'s 95% interval.
SELECT
    {{template "period_time"}},
    {{template "mv" .In.ID}} AS {{.In.ID}},
    {{template "mv" .Ext.ID}} AS {{.Ext.ID}},
    {{template "mlow" .Ext.ID}} AS {{.Ext.ID}}_low,
    {{template "mhigh" .Ext.ID}} AS {{.Ext.ID}}_high
FROM scorecards FINAL
WHERE {{template "scorecards_where" "org"}}
ORDER BY time
