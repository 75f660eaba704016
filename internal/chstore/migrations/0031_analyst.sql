-- The analyst database ({database}_analyst: {database} is the store's
-- database): what the read-only ClickHouse user `analyst` may read
-- (deploy/clickhouse/users.d/analyst.xml). It holds tables, not views: on
-- ClickHouse 18.16 a view cannot read a database its user may not, so
-- materialized views in this database write pseudonymised copies of each
-- insert there. Agent ids become agent keys (agent_keys), names and raw
-- reject lines stay here, and agent scorecards lose their card JSON (it
-- holds the id). Engines, sign and version are the source's: read with
-- FINAL as you would the source. Before this migration runs, servicecard
-- stores the keys of every agent already loaded, so the INSERT ... SELECT
-- backfills below key every row. Each backfill runs only into an empty
-- table and before its view exists, so running the migration again adds
-- nothing twice; rows loaded while it runs may miss the copy (migrate
-- before loading, as compose does).
CREATE DATABASE IF NOT EXISTS {database}_analyst;

CREATE TABLE IF NOT EXISTS {database}_analyst.contacts (
    source             String,
    contact_id         String,
    channel            String,
    direction          String,
    queue              String,
    team               String,
    site               String,
    agent_key          String,
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

INSERT INTO {database}_analyst.contacts
SELECT source, contact_id, channel, direction, queue, team, site, agent_key, customer_id,
    started_at, answered_at, ended_at, wait_s, talk_s, hold_s, hold_count, acw_s, abandoned,
    transferred, resolved, disposition, initial_contact_id, source_updated_at, ingested_at,
    batch_id, sign, version
FROM contacts ANY LEFT JOIN (SELECT agent_id, agent_key FROM agent_keys) AS k USING agent_id
WHERE (SELECT count() FROM {database}_analyst.contacts) = 0;

CREATE MATERIALIZED VIEW IF NOT EXISTS analyst_contacts_mv TO {database}_analyst.contacts AS
SELECT source, contact_id, channel, direction, queue, team, site, agent_key, customer_id,
    started_at, answered_at, ended_at, wait_s, talk_s, hold_s, hold_count, acw_s, abandoned,
    transferred, resolved, disposition, initial_contact_id, source_updated_at, ingested_at,
    batch_id, sign, version
FROM contacts ANY LEFT JOIN (SELECT agent_id, agent_key FROM agent_keys) AS k USING agent_id;

CREATE TABLE IF NOT EXISTS {database}_analyst.surveys (
    source       String,
    response_id  String,
    contact_id   String,
    agent_key    String,
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

INSERT INTO {database}_analyst.surveys
SELECT source, response_id, contact_id, agent_key, responded_at, nps, csat, ces, comment,
    ingested_at, batch_id, sign, version
FROM surveys ANY LEFT JOIN (SELECT agent_id, agent_key FROM agent_keys) AS k USING agent_id
WHERE (SELECT count() FROM {database}_analyst.surveys) = 0;

CREATE MATERIALIZED VIEW IF NOT EXISTS analyst_surveys_mv TO {database}_analyst.surveys AS
SELECT source, response_id, contact_id, agent_key, responded_at, nps, csat, ces, comment,
    ingested_at, batch_id, sign, version
FROM surveys ANY LEFT JOIN (SELECT agent_id, agent_key FROM agent_keys) AS k USING agent_id;

CREATE TABLE IF NOT EXISTS {database}_analyst.agents (
    agent_key   String,
    team        String,
    site        String,
    supervisor  String,
    valid_from  DateTime('UTC'),
    ingested_at DateTime('UTC'),
    batch_id    String,
    version     UInt64
) ENGINE = ReplacingMergeTree(version)
ORDER BY (agent_key, valid_from);

INSERT INTO {database}_analyst.agents
SELECT agent_key, team, site, supervisor, valid_from, ingested_at, batch_id, version
FROM agents ANY LEFT JOIN (SELECT agent_id, agent_key FROM agent_keys) AS k USING agent_id
WHERE (SELECT count() FROM {database}_analyst.agents) = 0;

CREATE MATERIALIZED VIEW IF NOT EXISTS analyst_agents_mv TO {database}_analyst.agents AS
SELECT agent_key, team, site, supervisor, valid_from, ingested_at, batch_id, version
FROM agents ANY LEFT JOIN (SELECT agent_id, agent_key FROM agent_keys) AS k USING agent_id;

CREATE TABLE IF NOT EXISTS {database}_analyst.agent_states (
    agent_key   String,
    source      String,
    state       String,
    reason      String,
    start       DateTime('UTC'),
    end         DateTime('UTC'),
    ingested_at DateTime('UTC'),
    batch_id    String,
    version     UInt64
) ENGINE = ReplacingMergeTree(version)
PARTITION BY toYYYYMM(start)
ORDER BY (agent_key, start, state);

INSERT INTO {database}_analyst.agent_states
SELECT agent_key, source, state, reason, start, end, ingested_at, batch_id, version
FROM agent_states ANY LEFT JOIN (SELECT agent_id, agent_key FROM agent_keys) AS k USING agent_id
WHERE (SELECT count() FROM {database}_analyst.agent_states) = 0;

CREATE MATERIALIZED VIEW IF NOT EXISTS analyst_agent_states_mv TO {database}_analyst.agent_states AS
SELECT agent_key, source, state, reason, start, end, ingested_at, batch_id, version
FROM agent_states ANY LEFT JOIN (SELECT agent_id, agent_key FROM agent_keys) AS k USING agent_id;

CREATE TABLE IF NOT EXISTS {database}_analyst.schedules (
    agent_key   String,
    activity    String,
    start       DateTime('UTC'),
    end         DateTime('UTC'),
    ingested_at DateTime('UTC'),
    batch_id    String,
    version     UInt64
) ENGINE = ReplacingMergeTree(version)
PARTITION BY toYYYYMM(start)
ORDER BY (agent_key, start, activity);

INSERT INTO {database}_analyst.schedules
SELECT agent_key, activity, start, end, ingested_at, batch_id, version
FROM schedules ANY LEFT JOIN (SELECT agent_id, agent_key FROM agent_keys) AS k USING agent_id
WHERE (SELECT count() FROM {database}_analyst.schedules) = 0;

CREATE MATERIALIZED VIEW IF NOT EXISTS analyst_schedules_mv TO {database}_analyst.schedules AS
SELECT agent_key, activity, start, end, ingested_at, batch_id, version
FROM schedules ANY LEFT JOIN (SELECT agent_id, agent_key FROM agent_keys) AS k USING agent_id;

-- Scorecards of levels org, site, team and queue, as stored.
CREATE TABLE IF NOT EXISTS {database}_analyst.scorecards (
    level          String,
    key            String,
    team           String,
    grain          String,
    period_start   Date,
    metric_ids     Array(String),
    metric_values  Array(Float64),
    metric_n       Array(UInt64),
    metric_low     Array(Float64),
    metric_high    Array(Float64),
    score          Nullable(Float64),
    internal       Nullable(Float64),
    external       Nullable(Float64),
    nps            Nullable(Float64),
    nps_low        Nullable(Float64),
    nps_high       Nullable(Float64),
    nps_n          UInt64,
    csat           Nullable(Float64),
    aht_s          Nullable(Float64),
    service_level  Nullable(Float64),
    config_version String,
    card           String,
    computed_at    DateTime('UTC')
) ENGINE = ReplacingMergeTree(computed_at)
ORDER BY (level, grain, key, period_start)
SETTINGS index_granularity = 256;

INSERT INTO {database}_analyst.scorecards
SELECT level, key, team, grain, period_start, metric_ids, metric_values, metric_n, metric_low,
    metric_high, score, internal, external, nps, nps_low, nps_high, nps_n, csat, aht_s,
    service_level, config_version, card, computed_at
FROM scorecards
WHERE level != 'agent'
    AND (SELECT count() FROM {database}_analyst.scorecards) = 0;

CREATE MATERIALIZED VIEW IF NOT EXISTS analyst_scorecards_mv TO {database}_analyst.scorecards AS
SELECT level, key, team, grain, period_start, metric_ids, metric_values, metric_n, metric_low,
    metric_high, score, internal, external, nps, nps_low, nps_high, nps_n, csat, aht_s,
    service_level, config_version, card, computed_at
FROM scorecards
WHERE level != 'agent';

-- Agent scorecards under agent keys, without the card JSON.
CREATE TABLE IF NOT EXISTS {database}_analyst.agent_scorecards (
    agent_key      String,
    team           String,
    grain          String,
    period_start   Date,
    metric_ids     Array(String),
    metric_values  Array(Float64),
    metric_n       Array(UInt64),
    metric_low     Array(Float64),
    metric_high    Array(Float64),
    score          Nullable(Float64),
    internal       Nullable(Float64),
    external       Nullable(Float64),
    nps            Nullable(Float64),
    nps_low        Nullable(Float64),
    nps_high       Nullable(Float64),
    nps_n          UInt64,
    csat           Nullable(Float64),
    aht_s          Nullable(Float64),
    service_level  Nullable(Float64),
    config_version String,
    computed_at    DateTime('UTC')
) ENGINE = ReplacingMergeTree(computed_at)
ORDER BY (grain, agent_key, period_start)
SETTINGS index_granularity = 256;

INSERT INTO {database}_analyst.agent_scorecards
SELECT agent_key, team, grain, period_start, metric_ids, metric_values, metric_n, metric_low,
    metric_high, score, internal, external, nps, nps_low, nps_high, nps_n, csat, aht_s,
    service_level, config_version, computed_at
FROM scorecards ANY LEFT JOIN (SELECT agent_id AS key, agent_key FROM agent_keys) AS k USING key
WHERE level = 'agent'
    AND (SELECT count() FROM {database}_analyst.agent_scorecards) = 0;

CREATE MATERIALIZED VIEW IF NOT EXISTS analyst_agent_scorecards_mv TO {database}_analyst.agent_scorecards AS
SELECT agent_key, team, grain, period_start, metric_ids, metric_values, metric_n, metric_low,
    metric_high, score, internal, external, nps, nps_low, nps_high, nps_n, csat, aht_s,
    service_level, config_version, computed_at
FROM scorecards ANY LEFT JOIN (SELECT agent_id AS key, agent_key FROM agent_keys) AS k USING key
WHERE level = 'agent';

-- Loads, without their rejects (raw lines name agents).
CREATE TABLE IF NOT EXISTS {database}_analyst.ingest_batches (
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

INSERT INTO {database}_analyst.ingest_batches
SELECT batch_id, source, kind, format, file, status, rows_ok, rows_rejected, rows_superseded,
    bytes, started_at, finished_at, duration_ms, error, version
FROM ingest_batches
WHERE (SELECT count() FROM {database}_analyst.ingest_batches) = 0;

CREATE MATERIALIZED VIEW IF NOT EXISTS analyst_ingest_batches_mv TO {database}_analyst.ingest_batches AS
SELECT batch_id, source, kind, format, file, status, rows_ok, rows_rejected, rows_superseded,
    bytes, started_at, finished_at, duration_ms, error, version
FROM ingest_batches;
