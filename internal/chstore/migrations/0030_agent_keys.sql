-- Pseudonymous agent keys (package auth): agent_key = "ak_" and 16 hex
-- digits of HMAC-SHA256(secret, agent_id). The secret is per deployment:
-- servicecard creates one random secret here when it has none (or takes
-- SERVICECARD_AGENT_KEY_SECRET), computes keys in Go and stores them in
-- agent_keys before it inserts a row naming a new agent, so no SQL text
-- ever holds the secret. The analyst database (0031) reads keys from
-- agent_keys; nobody but servicecard's own user may read this database.
CREATE TABLE IF NOT EXISTS agent_key_secret (
    secret     String,
    created_at DateTime('UTC')
) ENGINE = MergeTree
ORDER BY created_at;

CREATE TABLE IF NOT EXISTS agent_keys (
    agent_id  String,
    agent_key String
) ENGINE = ReplacingMergeTree()
ORDER BY agent_id;
