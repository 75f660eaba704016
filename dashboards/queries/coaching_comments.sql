{{/* The team's survey answers with a comment (commentsTable): praise when
.Praise, else complaints. A survey belongs to the team through its agent
(the survey tool's agent, else the last handled leg of its contact) being
in the team, or the leg's team. */}}
-- {{.Title}}: answers with a comment for the team's agents in the range.
SELECT
    time,
    if(survey_agent != '', survey_agent, leg_agent) AS agent,
    nps,
    csat,
    ces,
    comment
FROM
(
    SELECT
        s.responded_at AS time,
        s.agent_id AS survey_agent,
        s.nps AS nps,
        s.csat AS csat,
        s.ces AS ces,
        s.comment AS comment,
        s.contact_id AS root_id
    FROM surveys AS s FINAL
    WHERE s.sign = 1 AND s.comment != '' AND $__timeFilter(s.responded_at) AND ({{if .Praise}}s.nps >= 9 OR s.csat = 5{{else}}s.nps <= 6 OR s.csat <= 2{{end}})
) AS answers
ANY LEFT JOIN
(
    SELECT
        if(initial_contact_id = '', contact_id, initial_contact_id) AS root_id,
        argMax(agent_id, started_at) AS leg_agent,
        argMax(team, started_at) AS leg_team
    FROM contacts FINAL
    WHERE sign = 1 AND isNotNull(answered_at) AND agent_id != ''
      AND started_at >= $__fromTime - INTERVAL 30 DAY AND started_at <= $__toTime
    GROUP BY root_id
) AS legs USING root_id
WHERE leg_team = ${team:sqlstring} OR if(survey_agent != '', survey_agent, leg_agent) IN {{template "team_agents"}}
ORDER BY time DESC
LIMIT 200
