-- The queue map: from the business day valid_from on, team and site own
-- queue. Team and site queue metrics (offered, abandons, ASA, service
-- level) book every contact of a queue to its owner, so contacts that
-- reached no agent count too. A row loaded again under the same queue and
-- valid_from replaces the older one (the highest version wins); read with
-- FINAL.
CREATE TABLE IF NOT EXISTS queues (
    queue       String,
    team        String,
    site        String,
    valid_from  Date,
    ingested_at DateTime('UTC'),
    batch_id    String,
    version     UInt64
) ENGINE = ReplacingMergeTree(version)
ORDER BY (queue, valid_from);
