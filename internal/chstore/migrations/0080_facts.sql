-- Daily facts, kept current at write time (see facts.go).
--
-- facts_daily holds the sums behind every scorecard (metrics.Counts, one
-- column per field) per business day, part (the count query it came
-- from), queue, team, site and agent, under one configuration (config:
-- the fingerprint of the time zone and thresholds the sums depend on).
-- Each refresh of a day writes a complete new generation (gen) of its
-- rows; facts_marks then records that generation as the day's current
-- one. Readers read only the current generation of each day, so a
-- refresh cut off half-way (a crash) is never seen, and two refreshes of
-- the same day at once cannot mix. Old generations are deleted later.
CREATE TABLE IF NOT EXISTS facts_daily (
    config    String,
    day       Date,
    gen       UInt64,
    part      String,
    queue     String,
    team      String,
    site      String,
    agent_id  String,
    offered          Int64,
    answered         Int64,
    abandoned        Int64,
    wait_answered_s  Int64,
    answered_within  Int64,
    short_abandons   Int64,
    handled_contacts Int64,
    legs             Int64,
    handled          Int64,
    handle_s         Int64,
    talk_s           Int64,
    hold_s           Int64,
    acw_s            Int64,
    transferred      Int64,
    held             Int64,
    fcr_known        Int64,
    fcr_resolved     Int64,
    occupied_s       Int64,
    available_s      Int64,
    scheduled_s      Int64,
    adherent_s       Int64,
    surveys_linked   Int64,
    nps_n            Int64,
    promoters        Int64,
    detractors       Int64,
    csat_n           Int64,
    csat_satisfied   Int64,
    ces_n            Int64,
    ces_sum          Int64,
    ces_sum_sq       Int64
) ENGINE = MergeTree()
PARTITION BY toYYYYMM(day)
ORDER BY (config, day, gen, part, queue, team, site, agent_id);

-- facts_surveys: every survey response with its attribution (last agent
-- leg of its contact, that leg's team, site and queue), per business day
-- of the response, in generations like facts_daily. Recognition (praise
-- with comments) and the coaching page's complaints read it.
CREATE TABLE IF NOT EXISTS facts_surveys (
    config       String,
    day          Date,
    gen          UInt64,
    source       String,
    response_id  String,
    responded_at DateTime('UTC'),
    agent_id     String,
    team         String,
    site         String,
    queue        String,
    nps          Nullable(UInt8),
    csat         Nullable(UInt8),
    ces          Nullable(UInt8),
    comment      String,
    contact_id   String,
    linked       UInt8
) ENGINE = MergeTree()
PARTITION BY toYYYYMM(day)
ORDER BY (config, day, gen, source, response_id);

-- facts_marks: kind 'dirty' rows name a UTC day whose raw rows a load is
-- changing (written before its rows and again after them); kind 'clean'
-- rows name a business day's current generation under a config (version
-- = gen). A business day is stale when a dirty mark that touches it is
-- newer than its clean mark. Read with max(version) ... GROUP BY.
CREATE TABLE IF NOT EXISTS facts_marks (
    kind    String,
    config  String,
    day     Date,
    version UInt64
) ENGINE = ReplacingMergeTree(version)
ORDER BY (kind, config, day);

-- Data loaded before the facts existed: every day that holds rows is
-- dirty, so the first refresh computes it.
INSERT INTO facts_marks (kind, config, day, version)
SELECT 'dirty', '', d, 1 FROM (
    SELECT DISTINCT toDate(started_at) AS d FROM contacts
    UNION ALL SELECT DISTINCT toDate(responded_at) AS d FROM surveys
    UNION ALL SELECT DISTINCT toDate(start) AS d FROM agent_states
    UNION ALL SELECT DISTINCT toDate(start) AS d FROM schedules
);

-- Never holds data: the writer sends the contact ids whose survey days it
-- looks up (facts_links.sql) as an external table of this name, which
-- shadows this one for that query; it exists so the statement is valid on
-- its own (the statement log replay has no external data), like
-- lookup_keys.
CREATE TABLE IF NOT EXISTS link_ids (
    id String
) ENGINE = Null;
