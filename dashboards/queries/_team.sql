{{/* Fragments of the supervisors' queries on one team (${team}). */}}

{{- /* team_latest: scorecards rows of the team's latest period in range. */ -}}
{{define "team_latest"}}period_start = (
    SELECT max(period_start)
    FROM scorecards FINAL
    WHERE level = 'team' AND key = ${team:sqlstring} AND grain = ${grain:sqlstring} AND $__dateFilter(period_start)
  ){{end}}

{{- /* team_agents: the agents of the team: those the roster puts in it,
and those who handled the team's contacts in the range. */ -}}
{{define "team_agents"}}(
    SELECT agent_id FROM agents FINAL WHERE team = ${team:sqlstring}
    UNION ALL
    SELECT DISTINCT agent_id FROM contacts_rollup WHERE team = ${team:sqlstring} AND agent_id != '' AND $__timeFilter(bucket)
  ){{end}}
