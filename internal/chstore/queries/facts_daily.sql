-- facts_daily: the stored daily facts of [@from, @to] (dates) under
-- @config, current generation of each day only (a generation is complete
-- once its clean mark exists; older and unfinished ones are ignored).
-- Dimensions the caller does not group by are folded ('' ) so few rows
-- travel. Days computed live by the caller (@live) are left out.
SELECT
    day,
    part,
    {{if .Queue}}queue{{else}}''{{end}} AS queue_of,
    {{if .Team}}team{{else}}''{{end}} AS team_of,
    {{if .Site}}site{{else}}''{{end}} AS site_of,
    {{if .Agent}}agent_id{{else}}''{{end}} AS agent_of,
    {{.Sums}}
FROM facts_daily
WHERE config = @config
  AND day >= toDate(@from) AND day <= toDate(@to)
  AND (day, gen) {{.In}} (
      SELECT day, max(version) FROM facts_marks
      WHERE kind = 'clean' AND config = @config AND day >= toDate(@from) AND day <= toDate(@to)
      GROUP BY day)
  {{if .Live}}AND NOT has(@live, toString(day)){{end}}
  {{if .Teams}}AND has(@teams, team){{end}}
GROUP BY day, part, queue_of, team_of, site_of, agent_of
