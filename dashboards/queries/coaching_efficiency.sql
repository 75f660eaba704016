{{/* Each agent's metric .AHT and .NPS next to the team's (efficiencyTable);
below .MinN answers the pattern is not told. */}}
-- Each agent's AHT and NPS next to the team's, latest period.
SELECT
    agent,
    aht_s,
    nps,
    nps_n,
    team_aht_s,
    team_nps,
    multiIf(
        nps_n < {{.MinN}} OR isNull(nps) OR isNull(aht_s), 'too few answers to tell',
        aht_s <= team_aht_s AND nps >= team_nps, 'efficient and liked',
        aht_s <= team_aht_s, 'fast, customers less happy',
        nps >= team_nps, 'slower, customers happy',
        'slower, customers less happy') AS pattern
FROM
(
    SELECT
        key AS agent,
        {{template "mv" .AHT}} AS aht_s,
        {{template "mv" .NPS}} AS nps,
        {{template "mn" .NPS}} AS nps_n,
        (SELECT {{template "mv" .AHT}} FROM scorecards FINAL WHERE level = 'team' AND key = ${team:sqlstring} AND grain = ${grain:sqlstring} AND {{template "team_latest"}}) AS team_aht_s,
        (SELECT {{template "mv" .NPS}} FROM scorecards FINAL WHERE level = 'team' AND key = ${team:sqlstring} AND grain = ${grain:sqlstring} AND {{template "team_latest"}}) AS team_nps
    FROM scorecards FINAL
    WHERE level = 'agent' AND grain = ${grain:sqlstring}
      AND {{template "team_latest"}}
      AND key IN {{template "team_agents"}}
)
ORDER BY pattern, agent
