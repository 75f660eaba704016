-- Every agent id stored in any table, for keying them all (agentkeys.go)
-- before the analyst database is backfilled.
SELECT DISTINCT agent_id FROM (
    SELECT agent_id FROM contacts
    UNION ALL SELECT agent_id FROM surveys
    UNION ALL SELECT agent_id FROM agents
    UNION ALL SELECT agent_id FROM agent_states
    UNION ALL SELECT agent_id FROM schedules
    UNION ALL SELECT key AS agent_id FROM scorecards WHERE level = 'agent'
)
WHERE agent_id != ''
