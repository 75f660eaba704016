-- Survey responses, replaced on re-ingest like contacts (see
-- 0001_contacts.sql). contact_id = '' means not linked to a contact.
CREATE TABLE IF NOT EXISTS surveys (
    source       String,
    response_id  String,
    contact_id   String,
    agent_id     String,
    responded_at DateTime('UTC'),
    nps          Nullable(UInt8),
    csat         Nullable(UInt8),
    ces          Nullable(UInt8),
    comment      String,
    ingested_at  DateTime('UTC'),
    batch_id     String,
    sign         Int8,
    version      UInt64
) ENGINE = VersionedCollapsingMergeTree(sign, version)
PARTITION BY toYYYYMM(responded_at)
ORDER BY (source, response_id);
