-- export_surveys: the current survey responses whose responded_at lies in
-- [from, to), in time order.
SELECT response_id, source, contact_id, agent_id, responded_at, nps, csat, ces, comment, ingested_at, batch_id
FROM surveys FINAL
WHERE sign = 1 AND responded_at >= @from AND responded_at < @to
ORDER BY responded_at
