package main

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
	"golang.org/x/sync/errgroup"
)

// The generated contact center: 50 agents in 6 teams on 3 sites, 6
// queues (one per team, the queue map), contacts spread over the year from yearStart (UTC) in time
// order, business hours 07:00 to 20:00 UTC.
var (
	benchTeams  = []string{"alpha", "bravo", "charlie", "delta", "echo", "foxtrot"}
	benchSites  = []string{"lyon", "porto", "austin"}
	benchQueues = []string{"billing", "sales", "support", "tech", "retention", "vip"}
	yearStart   = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
)

const benchAgents = 50

// genChunk is the rows of one INSERT ... SELECT. Contacts are numbered in
// time order, so a chunk covers a few days and lands in one or two monthly
// partitions (few parts), like a day's ingest files.
const genChunk = 1_000_000

// contactsSQL generates contacts numbered [offset, offset + count) of
// total. Distributions: 5 % outbound (no queue); 7 % of inbound abandoned
// (no agent; the queue's team and site kept); waits exponential with a
// 25 s mean; talk log-normal, median 200 s + 20 s per team; 20 % held
// (5 s + exponential 40 s); after-call work 20 to 80 s; 8 % transferred;
// resolved flag on answered ones (5 in 6 true); customers total/3, so a
// customer calls about three times a year and some within the FCR window.
// Every row is a first leg: sign 1, version 1.
const contactsSQL = `INSERT INTO contacts (source, contact_id, channel, direction, queue, team, site, agent_id, customer_id,
    started_at, answered_at, ended_at, wait_s, talk_s, hold_s, hold_count, acw_s, abandoned, transferred,
    resolved, disposition, initial_contact_id, source_updated_at, ingested_at, batch_id, sign, version)
SELECT
    'bench', concat('BC', toString(n)),
    multiIf(h_ch < 7, 'voice', h_ch < 9, 'chat', 'email'),
    if(outbound, 'outbound', 'inbound'),
    if(outbound, '', [QUEUES][1 + h_q]),
    [TEAMS][1 + team_idx],
    [SITES][1 + team_idx % 3],
    if(abandon, '', concat('agent-', toString(agent_idx))),
    concat('CUST-', toString(h_cust)),
    toDateTime(start, 'UTC'),
    if(abandon, NULL, toDateTime(start + wait, 'UTC')),
    toDateTime(start + wait + if(abandon, 0, talk + hold), 'UTC'),
    wait, if(abandon, 0, talk), if(abandon, 0, hold), if(abandon OR hold = 0, 0, 1), if(abandon, 0, acw),
    abandon, xfer, if(abandon, NULL, toUInt8(h_res != 0)),
    '', '', toDateTime(start + wait + talk + hold + acw + 60, 'UTC'), now(), 'bench', 1, 1
FROM
(
    SELECT
        n,
        cityHash64(n, 1) % AGENTS AS agent_idx,
        agent_idx % 6 AS team_idx,
        team_idx AS h_q,
        cityHash64(n, 3) % 10 AS h_ch,
        cityHash64(n, 4) % 20 = 0 AS outbound,
        NOT outbound AND cityHash64(n, 5) % 100 < 7 AS abandon,
        cityHash64(n, 7) % CUSTOMERS AS h_cust,
        toUInt32(START + intDiv(n * 365, TOTAL) * 86400 + 25200 + cityHash64(n, 8) % 23400 + cityHash64(n, 9) % 23400) AS start,
        if(outbound, toUInt32(0), toUInt32(-25 * log((cityHash64(n, 10) % 1000000 + 1) / 1000001))) AS wait,
        toUInt32(exp(log(200 + 20 * team_idx)
            + 0.5 * sqrt(-2 * log((cityHash64(n, 11) % 1000000 + 1) / 1000001)) * cos(6.283185307 * (cityHash64(n, 12) % 1000000) / 1000000))) AS talk,
        if(cityHash64(n, 13) % 5 = 0, toUInt32(5 + -40 * log((cityHash64(n, 14) % 1000000 + 1) / 1000001)), toUInt32(0)) AS hold,
        toUInt32(20 + cityHash64(n, 15) % 60) AS acw,
        NOT abandon AND cityHash64(n, 16) % 100 < 8 AS xfer,
        cityHash64(n, 17) % 6 AS h_res
    FROM (SELECT number + OFFSET AS n FROM numbers(COUNT))
)`

// surveysSQL answers a survey for one answered contact in nine (about
// 10 % of contacts), 5 minutes to a day after it ended, to its agent:
// every survey has NPS (30 % 10, 20 % 9, 15 % 8, 10 % 7, 25 % 0 to 6), 60 %
// CSAT (1 to 5, mostly 4 and 5), 20 % CES (1 to 7).
const surveysSQL = `INSERT INTO surveys (source, response_id, contact_id, agent_id, responded_at, nps, csat, ces, comment,
    ingested_at, batch_id, sign, version)
SELECT
    'bench', concat('S', contact_id), contact_id, agent_id,
    toDateTime(toUInt32(ended_at) + 300 + cityHash64(contact_id, 2) % 86400, 'UTC'),
    toNullable(toUInt8(multiIf(h_nps < 30, 10, h_nps < 50, 9, h_nps < 65, 8, h_nps < 75, 7, h_nps % 7))),
    if(h_csat < 60, toNullable(toUInt8(multiIf(h_csat < 27, 5, h_csat < 42, 4, h_csat < 49, 3, h_csat < 54, 2, 1))), NULL),
    if(h_ces < 20, toNullable(toUInt8(1 + h_ces % 7)), NULL),
    '', now(), 'bench', 1, 1
FROM
(
    SELECT contact_id, agent_id, ended_at,
        cityHash64(contact_id, 3) % 100 AS h_nps,
        cityHash64(contact_id, 4) % 100 AS h_csat,
        cityHash64(contact_id, 5) % 100 AS h_ces
    FROM contacts
    WHERE isNotNull(answered_at) AND cityHash64(contact_id, 1) % 9 = 0
)`

// agentsSQL is the roster: agent-i in team i % 6, site by team.
const agentsSQL = `INSERT INTO agents (agent_id, name, team, site, supervisor, valid_from, ingested_at, batch_id, version)
SELECT
    concat('agent-', toString(number)), concat('Agent ', toString(number)),
    [TEAMS][1 + number % 6],
    [SITES][1 + number % 6 % 3],
    concat('sup-', toString(number % 6)),
    toDateTime(START - 2678400, 'UTC'), now(), 'bench', 1
FROM numbers(AGENTS)`

// queuesSQL is the queue map: queue i is team i's (team i's agents answer
// it), so team queue metrics by owner equal those by the agents' team.
const queuesSQL = `INSERT INTO queues (queue, team, site, valid_from, ingested_at, batch_id, version)
SELECT [QUEUES][1 + number], [TEAMS][1 + number], [SITES][1 + number % 3], toDate('1990-01-01'), now(), 'bench', 1
FROM numbers(6)`

// statesSQL gives every agent, every day of the year, sixteen 30-minute
// states from 08:00 UTC: available, on contact, after-call work in turn,
// a break at 12:00. Their number does not grow with the contacts.
const statesSQL = `INSERT INTO agent_states (agent_id, source, state, reason, start, end, ingested_at, batch_id, version)
SELECT
    concat('agent-', toString(n % AGENTS)), 'bench',
    multiIf(slot = 8, 'break', slot % 3 = 0, 'available', slot % 3 = 1, 'on_contact', 'acw'), '',
    toDateTime(s, 'UTC'), toDateTime(s + 1800, 'UTC'), now(), 'bench', 1
FROM
(
    SELECT number AS n, intDiv(number, AGENTS) % 16 AS slot,
        toUInt32(START + intDiv(number, AGENTS * 16) * 86400 + 28800 + slot * 1800) AS s
    FROM numbers(AGENTS * 16 * 365)
)`

// schedulesSQL schedules every agent every day: work 08:00 to 16:00 UTC
// and a break at 12:00.
const schedulesSQL = `INSERT INTO schedules (agent_id, activity, start, end, ingested_at, batch_id, version)
SELECT
    concat('agent-', toString(n % AGENTS)), if(part = 0, 'work', 'break'),
    toDateTime(s, 'UTC'), toDateTime(s + if(part = 0, 28800, 1800), 'UTC'), now(), 'bench', 1
FROM
(
    SELECT number AS n, intDiv(number, AGENTS) % 2 AS part,
        toUInt32(START + intDiv(number, AGENTS * 2) * 86400 + 28800 + part * 14400) AS s
    FROM numbers(AGENTS * 2 * 365)
)`

// genSQL fills a generator's placeholders (numbers and fixed name lists:
// nothing here comes from outside).
func genSQL(q string, vars map[string]int) string {
	quote := func(xs []string) string { return "'" + strings.Join(xs, "', '") + "'" }
	pairs := []string{
		"QUEUES", quote(benchQueues), "TEAMS", quote(benchTeams), "SITES", quote(benchSites),
		"AGENTS", fmt.Sprint(benchAgents), "START", fmt.Sprint(yearStart.Unix()),
	}
	for k, v := range vars {
		pairs = append(pairs, k, fmt.Sprint(v))
	}
	return strings.NewReplacer(pairs...).Replace(q)
}

// generate fills an empty, migrated database with n contacts, their
// surveys, the roster, agent states and schedules, in chunks of genChunk
// rows on two connections (the server is single-threaded per INSERT
// ... SELECT from numbers), then waits for background merges.
func (h harness) generate(ctx context.Context, conn driver.Conn, n int) error {
	start := time.Now()
	for _, q := range []string{agentsSQL, queuesSQL, statesSQL, schedulesSQL} {
		if err := conn.Exec(ctx, genSQL(q, nil)); err != nil {
			return fmt.Errorf("generate workforce: %w", err)
		}
	}
	customers := max(1000, n/3)
	var done atomic.Int64
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(2)
	for off := 0; off < n; off += genChunk {
		count := min(genChunk, n-off)
		g.Go(func() error {
			q := genSQL(contactsSQL, map[string]int{"OFFSET": off, "COUNT": count, "TOTAL": n, "CUSTOMERS": customers})
			if err := conn.Exec(gctx, q); err != nil {
				return fmt.Errorf("generate contacts %d..%d: %w", off, off+count, err)
			}
			if d := done.Add(int64(count)); n > genChunk {
				h.log.Info("scorecard: generating contacts", "n", n, "done", d, "elapsed", time.Since(start).Round(time.Second))
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return err
	}
	if err := conn.Exec(ctx, surveysSQL); err != nil {
		return fmt.Errorf("generate surveys: %w", err)
	}
	var contacts, surveys uint64
	if err := conn.QueryRow(ctx, "SELECT toUInt64(sum(sign)) FROM contacts").Scan(&contacts); err != nil {
		return fmt.Errorf("count contacts: %w", err)
	}
	if err := conn.QueryRow(ctx, "SELECT toUInt64(sum(sign)) FROM surveys").Scan(&surveys); err != nil {
		return fmt.Errorf("count surveys: %w", err)
	}
	if int(contacts) != n {
		return fmt.Errorf("generated %d contacts, want %d", contacts, n)
	}
	h.log.Info("scorecard: generated", "contacts", contacts, "surveys", surveys, "elapsed", time.Since(start).Round(time.Second))
	return h.settle(ctx, conn)
}

// settle waits (at most 10 minutes) until no merge of the database runs,
// so every repetition reads the same parts, and logs the part counts.
func (h harness) settle(ctx context.Context, conn driver.Conn) error {
	start := time.Now()
	quiet := 0
	for quiet < 3 && time.Since(start) < 10*time.Minute {
		var merging uint64
		if err := conn.QueryRow(ctx, "SELECT count() FROM system.merges WHERE database = currentDatabase()").Scan(&merging); err != nil {
			return fmt.Errorf("watch merges: %w", err)
		}
		if merging == 0 {
			quiet++
		} else {
			quiet = 0
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(time.Second):
		}
	}
	rows, err := conn.Query(ctx, `SELECT table, toUInt64(count()), toUInt64(sum(rows)), toUInt64(sum(bytes_on_disk)) FROM system.parts
		WHERE database = currentDatabase() AND active AND table IN ('contacts', 'contacts_rollup', 'surveys')
		GROUP BY table ORDER BY table`)
	if err != nil {
		return fmt.Errorf("count parts: %w", err)
	}
	defer rows.Close()
	attrs := []any{"waited", time.Since(start).Round(time.Second)}
	for rows.Next() {
		var table string
		var parts, nrows, bytes uint64
		if err := rows.Scan(&table, &parts, &nrows, &bytes); err != nil {
			return fmt.Errorf("count parts: %w", err)
		}
		attrs = append(attrs, table, fmt.Sprintf("%d parts, %d rows, %d MB", parts, nrows, bytes/1e6))
	}
	h.log.Info("scorecard: merges settled", attrs...)
	return rows.Err()
}
