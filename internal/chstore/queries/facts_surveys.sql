-- facts_surveys: the stored attributed survey responses of [@from, @to]
-- (business dates) under @config, current generation of each day only,
-- responded in [@from_t, @to_t), days computed live (@live) left out;
-- with .Commented only those attributed to an agent with a comment.
SELECT source, response_id, responded_at, agent_id, team, site, queue, nps, csat, ces, comment,
       contact_id, linked
FROM facts_surveys
WHERE config = @config
  AND day >= toDate(@from) AND day <= toDate(@to)
  AND (day, gen) {{.In}} (
      SELECT day, max(version) FROM facts_marks
      WHERE kind = 'clean' AND config = @config AND day >= toDate(@from) AND day <= toDate(@to)
      GROUP BY day)
  AND responded_at >= @from_t AND responded_at < @to_t
  {{if .Live}}AND NOT has(@live, toString(day)){{end}}
  {{if .Commented}}AND agent_id != '' AND comment != ''{{end}}
ORDER BY responded_at, source, response_id
