-- Scorecard snapshots the engine writes, one row per level, key, grain and
-- period; recomputing a period replaces its row (the latest computed_at
-- wins; read with FINAL). Metrics are parallel arrays (metric_ids[i] has
-- value metric_values[i] over metric_n[i] samples); the most used ones
-- are also columns of their own for Grafana. NULL: not available or too
-- few samples to score. metric_low/metric_high hold the 95% interval of
-- each metric (NaN where the metric has none); team is an agent row's
-- team, so a dashboard can list a team's agents; card is the whole
-- scorecard row as the API serves it (JSON, with its components).
CREATE TABLE IF NOT EXISTS scorecards (
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
-- Few rows, wide ones (card): small granules let a read of one level and
-- grain skip the others' cards instead of decompressing 8192 rows.
SETTINGS index_granularity = 256;

-- One row per snapshot run and grain: the whole periods it computed, when
-- (before it read any data) and under which configuration. The API serves
-- a range from the snapshots only when one run covers it, under the
-- configuration in force, and no load finished after that run started;
-- otherwise it computes the cards live.
CREATE TABLE IF NOT EXISTS scorecard_runs (
    grain          String,
    period_from    Date,
    period_to      Date,
    config_version String,
    computed_at    DateTime('UTC')
) ENGINE = MergeTree
ORDER BY (grain, computed_at);
