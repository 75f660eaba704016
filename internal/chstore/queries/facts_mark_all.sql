-- facts_mark_all: every UTC day that holds raw rows is marked dirty
-- (version @version), so the next refresh recomputes all facts
-- (`servicecard facts rebuild`, a roster load, data written around the
-- writer).
INSERT INTO facts_marks (kind, config, day, version)
SELECT 'dirty', '', d, toUInt64(@version) FROM (
    SELECT DISTINCT toDate(started_at) AS d FROM contacts
    UNION ALL SELECT DISTINCT toDate(responded_at) AS d FROM surveys
    UNION ALL SELECT DISTINCT toDate(start) AS d FROM agent_states
    UNION ALL SELECT DISTINCT toDate(start) AS d FROM schedules
    UNION ALL SELECT DISTINCT day AS d FROM facts_marks WHERE kind = 'dirty'
) AS days
