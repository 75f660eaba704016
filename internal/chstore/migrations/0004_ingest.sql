-- One row per load: a 'running' row at the start, the outcome at the end
-- (the highest version wins; read with FINAL).
CREATE TABLE IF NOT EXISTS ingest_batches (
    batch_id        String,
    source          String,
    kind            String,
    format          String,
    file            String,
    status          String,
    rows_ok         UInt64,
    rows_rejected   UInt64,
    rows_superseded UInt64,
    bytes           UInt64,
    started_at      DateTime('UTC'),
    finished_at     Nullable(DateTime('UTC')),
    duration_ms     UInt64,
    error           String,
    version         UInt64
) ENGINE = ReplacingMergeTree(version)
ORDER BY batch_id;

-- Rows that were not loaded, with why. A retried batch (same batch_id)
-- replaces its rejects instead of adding to them.
CREATE TABLE IF NOT EXISTS ingest_rejects (
    batch_id    String,
    file        String,
    line        UInt64,
    raw         String,
    field       String,
    reason      String,
    ingested_at DateTime('UTC')
) ENGINE = ReplacingMergeTree()
ORDER BY (batch_id, line);

-- Never holds data: the writer sends the keys it looks up as an external
-- table of this name, which shadows this one for that query. The table
-- exists so the lookup statement is valid on its own (the statement log
-- replay on another server has no external data).
CREATE TABLE IF NOT EXISTS lookup_keys (
    source String,
    id     String
) ENGINE = Null;
