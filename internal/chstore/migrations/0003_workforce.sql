-- The roster and the agent state and schedule intervals. A row loaded
-- again under the same natural key replaces the older one (the highest
-- version wins); read them with FINAL.
CREATE TABLE IF NOT EXISTS agents (
    agent_id    String,
    name        String,
    team        String,
    site        String,
    supervisor  String,
    valid_from  DateTime('UTC'),
    ingested_at DateTime('UTC'),
    batch_id    String,
    version     UInt64
) ENGINE = ReplacingMergeTree(version)
ORDER BY (agent_id, valid_from);

CREATE TABLE IF NOT EXISTS agent_states (
    agent_id    String,
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
ORDER BY (agent_id, start, state);

CREATE TABLE IF NOT EXISTS schedules (
    agent_id    String,
    activity    String,
    start       DateTime('UTC'),
    end         DateTime('UTC'),
    ingested_at DateTime('UTC'),
    batch_id    String,
    version     UInt64
) ENGINE = ReplacingMergeTree(version)
PARTITION BY toYYYYMM(start)
ORDER BY (agent_id, start, activity);
