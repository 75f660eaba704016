-- Contact sums per 15-minute UTC bucket and dimension, fed by a
-- materialized view on every insert into contacts. Sums and counts only:
-- rates and averages are derived at read time. Each value is weighted by
-- sign, so the cancel rows of a replaced contact subtract exactly what
-- the replaced row added: sum() over this table always equals the same
-- aggregate over contacts FINAL, before and after merges. Read it with
-- sum(...) GROUP BY, never as rows (parts merge whenever they like).
--
-- 15 minutes because every UTC offset in use is a multiple of 15
-- minutes: a bucket never straddles a business-day boundary in any time
-- zone, so toDate(bucket, tz) / toMonday(bucket, tz) / toStartOfMonth
-- (bucket, tz) bucket correctly, DST included.
--
-- Per-contact columns (contact_count .. handled_contacts) count first legs only
-- (initial_contact_id = '' or = contact_id): queue and org counts count a
-- contact once. Per-leg columns (legs .. resolved_true) count every leg:
-- agent counts count each leg. Thresholds: answered_within_T is wait <= T
-- of answered contacts; short_abandons_S is wait < S of abandons.
--
-- The view maps each inserted row to one rollup row and lets
-- SummingMergeTree add them up when parts merge: aggregating in the view
-- (GROUP BY over eight keys) made inserts about three times slower, and
-- with the agent in the key few rows share a group anyway.
--
-- Names differ from contacts' own columns (abandons, talk_sum_s,
-- transfers...) on purpose: ClickHouse 18.16 substitutes an alias for a
-- same-named column inside the view's expressions.
CREATE TABLE IF NOT EXISTS contacts_rollup (
    bucket    DateTime('UTC'),
    source    String,
    channel   String,
    direction String,
    queue     String,
    team      String,
    site      String,
    agent_id  String,
    contact_count       Int64,
    offered             Int64,
    answered            Int64,
    abandons            Int64,
    wait_answered_sum_s Int64,
    answered_within_10  Int64,
    answered_within_15  Int64,
    answered_within_20  Int64,
    answered_within_30  Int64,
    answered_within_45  Int64,
    answered_within_60  Int64,
    answered_within_90  Int64,
    answered_within_120 Int64,
    answered_within_180 Int64,
    answered_within_300 Int64,
    short_abandons_3    Int64,
    short_abandons_5    Int64,
    short_abandons_10   Int64,
    handled_contacts    Int64,
    legs                Int64,
    handled             Int64,
    handle_sum_s        Int64,
    talk_sum_s          Int64,
    hold_sum_s          Int64,
    acw_sum_s           Int64,
    transfers           Int64,
    held                Int64,
    resolved_known      Int64,
    resolved_true       Int64
) ENGINE = SummingMergeTree()
PARTITION BY toYYYYMM(bucket)
ORDER BY (bucket, source, channel, direction, queue, team, site, agent_id);

CREATE MATERIALIZED VIEW IF NOT EXISTS contacts_rollup_mv TO contacts_rollup AS
SELECT
    toStartOfFifteenMinutes(started_at) AS bucket,
    source,
    channel,
    direction,
    queue,
    team,
    site,
    agent_id,
    if((initial_contact_id = '' OR initial_contact_id = contact_id), toInt64(sign), toInt64(0)) AS contact_count,
    if((initial_contact_id = '' OR initial_contact_id = contact_id) AND direction = 'inbound' AND queue != '', toInt64(sign), toInt64(0)) AS offered,
    if((initial_contact_id = '' OR initial_contact_id = contact_id) AND direction = 'inbound' AND queue != '' AND isNotNull(answered_at), toInt64(sign), toInt64(0)) AS answered,
    if((initial_contact_id = '' OR initial_contact_id = contact_id) AND direction = 'inbound' AND queue != '' AND abandoned = 1, toInt64(sign), toInt64(0)) AS abandons,
    if((initial_contact_id = '' OR initial_contact_id = contact_id) AND direction = 'inbound' AND queue != '' AND isNotNull(answered_at), toInt64(sign) * wait_s, toInt64(0)) AS wait_answered_sum_s,
    if((initial_contact_id = '' OR initial_contact_id = contact_id) AND direction = 'inbound' AND queue != '' AND isNotNull(answered_at) AND wait_s <= 10, toInt64(sign), toInt64(0)) AS answered_within_10,
    if((initial_contact_id = '' OR initial_contact_id = contact_id) AND direction = 'inbound' AND queue != '' AND isNotNull(answered_at) AND wait_s <= 15, toInt64(sign), toInt64(0)) AS answered_within_15,
    if((initial_contact_id = '' OR initial_contact_id = contact_id) AND direction = 'inbound' AND queue != '' AND isNotNull(answered_at) AND wait_s <= 20, toInt64(sign), toInt64(0)) AS answered_within_20,
    if((initial_contact_id = '' OR initial_contact_id = contact_id) AND direction = 'inbound' AND queue != '' AND isNotNull(answered_at) AND wait_s <= 30, toInt64(sign), toInt64(0)) AS answered_within_30,
    if((initial_contact_id = '' OR initial_contact_id = contact_id) AND direction = 'inbound' AND queue != '' AND isNotNull(answered_at) AND wait_s <= 45, toInt64(sign), toInt64(0)) AS answered_within_45,
    if((initial_contact_id = '' OR initial_contact_id = contact_id) AND direction = 'inbound' AND queue != '' AND isNotNull(answered_at) AND wait_s <= 60, toInt64(sign), toInt64(0)) AS answered_within_60,
    if((initial_contact_id = '' OR initial_contact_id = contact_id) AND direction = 'inbound' AND queue != '' AND isNotNull(answered_at) AND wait_s <= 90, toInt64(sign), toInt64(0)) AS answered_within_90,
    if((initial_contact_id = '' OR initial_contact_id = contact_id) AND direction = 'inbound' AND queue != '' AND isNotNull(answered_at) AND wait_s <= 120, toInt64(sign), toInt64(0)) AS answered_within_120,
    if((initial_contact_id = '' OR initial_contact_id = contact_id) AND direction = 'inbound' AND queue != '' AND isNotNull(answered_at) AND wait_s <= 180, toInt64(sign), toInt64(0)) AS answered_within_180,
    if((initial_contact_id = '' OR initial_contact_id = contact_id) AND direction = 'inbound' AND queue != '' AND isNotNull(answered_at) AND wait_s <= 300, toInt64(sign), toInt64(0)) AS answered_within_300,
    if((initial_contact_id = '' OR initial_contact_id = contact_id) AND direction = 'inbound' AND queue != '' AND abandoned = 1 AND wait_s < 3, toInt64(sign), toInt64(0)) AS short_abandons_3,
    if((initial_contact_id = '' OR initial_contact_id = contact_id) AND direction = 'inbound' AND queue != '' AND abandoned = 1 AND wait_s < 5, toInt64(sign), toInt64(0)) AS short_abandons_5,
    if((initial_contact_id = '' OR initial_contact_id = contact_id) AND direction = 'inbound' AND queue != '' AND abandoned = 1 AND wait_s < 10, toInt64(sign), toInt64(0)) AS short_abandons_10,
    if((initial_contact_id = '' OR initial_contact_id = contact_id) AND isNotNull(answered_at), toInt64(sign), toInt64(0)) AS handled_contacts,
    toInt64(sign) AS legs,
    if(isNotNull(answered_at), toInt64(sign), toInt64(0)) AS handled,
    if(isNotNull(answered_at), toInt64(sign) * toInt64(talk_s + hold_s + acw_s), toInt64(0)) AS handle_sum_s,
    if(isNotNull(answered_at), toInt64(sign) * talk_s, toInt64(0)) AS talk_sum_s,
    if(isNotNull(answered_at), toInt64(sign) * hold_s, toInt64(0)) AS hold_sum_s,
    if(isNotNull(answered_at), toInt64(sign) * acw_s, toInt64(0)) AS acw_sum_s,
    if(transferred = 1, toInt64(sign), toInt64(0)) AS transfers,
    if(isNotNull(answered_at) AND hold_s > 0, toInt64(sign), toInt64(0)) AS held,
    if(isNotNull(resolved), toInt64(sign), toInt64(0)) AS resolved_known,
    if(ifNull(resolved, 0) = 1, toInt64(sign), toInt64(0)) AS resolved_true
FROM contacts;
