-- The executive audience's database (deploy/README.md, "Audiences"): the
-- ClickHouse user Grafana's executive data source logs in as may read
-- {database}_executive and nothing else, so no query it sends, raw SQL
-- included, can reach agent rows. ClickHouse 18.16 checks a view's source
-- database against the querying user, so this database holds a table, not a
-- view: scorecards of the organisation, sites, teams and queues, fed by a
-- materialized view on every insert into scorecards (it runs as the writer)
-- and back-filled here once. No `team` column (an agent row's team) and no
-- `card` JSON. Same engine and key as scorecards: read it with FINAL.
CREATE DATABASE IF NOT EXISTS {database}_executive;

CREATE TABLE IF NOT EXISTS {database}_executive.scorecards (
    level          String,
    key            String,
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
ORDER BY (level, grain, key, period_start)
SETTINGS index_granularity = 256;

CREATE MATERIALIZED VIEW IF NOT EXISTS executive_scorecards_mv
TO {database}_executive.scorecards
AS SELECT
    level, key, grain, period_start, metric_ids, metric_values, metric_n, metric_low, metric_high,
    score, internal, external, nps, nps_low, nps_high, nps_n, csat, aht_s, service_level,
    config_version, computed_at
FROM scorecards
WHERE level IN ('org', 'site', 'team', 'queue');

-- Rows written before this migration (a duplicate of a row the view also
-- copied collapses under FINAL: same key, same computed_at).
INSERT INTO {database}_executive.scorecards
SELECT
    level, key, grain, period_start, metric_ids, metric_values, metric_n, metric_low, metric_high,
    score, internal, external, nps, nps_low, nps_high, nps_n, csat, aht_s, service_level,
    config_version, computed_at
FROM scorecards
WHERE level IN ('org', 'site', 'team', 'queue');
