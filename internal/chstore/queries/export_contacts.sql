-- export_contacts: the current contacts whose started_at lies in
-- [from, to), in time order; flags as UInt8 (ClickHouse 18.16 has no
-- Bool), resolved NULL when unknown.
SELECT contact_id, source, channel, direction, queue, team, site, agent_id, customer_id,
    started_at, answered_at, ended_at, wait_s, talk_s, hold_s, hold_count, acw_s,
    abandoned = 1, transferred = 1, if(isNull(resolved), NULL, resolved = 1), disposition,
    initial_contact_id, source_updated_at, ingested_at, batch_id
FROM contacts FINAL
WHERE sign = 1 AND started_at >= @from AND started_at < @to
ORDER BY started_at
