-- What the weekly digests sent: one row per audience, week and recipient
-- (its latest status wins: sending, then sent or failed). serve reads it
-- before sending, so a restart never mails the same week twice
-- (internal/digest).
CREATE TABLE IF NOT EXISTS digest_sends (
    week       Date,
    audience   String,
    recipient  String,
    status     String,
    message_id String,
    error      String,
    at         DateTime('UTC'),
    version    UInt64
) ENGINE = ReplacingMergeTree(version)
ORDER BY (audience, week, recipient);
