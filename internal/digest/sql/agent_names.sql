-- agent_names: each agent's name from the roster row valid last (a team
-- move repeats the name in a new row).
SELECT agent_id, argMax(name, valid_from) AS name
FROM agents FINAL
GROUP BY agent_id
