-- Contact legs. Re-ingested records replace stored ones through cancel
-- rows (sign -1, the old row's values and version) written before the
-- new row (sign +1): see replace.go. Read with FINAL or weight by sign.
-- Partitioned by month of started_at: a cancel row repeats the old
-- started_at, so it always lands in its partner's partition.
CREATE TABLE IF NOT EXISTS contacts (
    source             String,
    contact_id         String,
    channel            String,
    direction          String,
    queue              String,
    team               String,
    site               String,
    agent_id           String,
    customer_id        String,
    started_at         DateTime('UTC'),
    answered_at        Nullable(DateTime('UTC')),
    ended_at           DateTime('UTC'),
    wait_s             UInt32,
    talk_s             UInt32,
    hold_s             UInt32,
    hold_count         UInt16,
    acw_s              UInt32,
    abandoned          UInt8,
    transferred        UInt8,
    resolved           Nullable(UInt8),
    disposition        String,
    initial_contact_id String,
    source_updated_at  DateTime('UTC'),
    ingested_at        DateTime('UTC'),
    batch_id           String,
    sign               Int8,
    version            UInt64
) ENGINE = VersionedCollapsingMergeTree(sign, version)
PARTITION BY toYYYYMM(started_at)
ORDER BY (source, contact_id);
