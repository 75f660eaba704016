package main

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/servicecard/servicecard/metrics"
)

// prototype is a candidate faster query, timed beside the engine's.
type prototype struct {
	name  string
	n     int
	build time.Duration // one-off: filling its table for the whole year
	secs  []float64
	check check // its numbers against the API's
}

// The prototype: daily facts. Every additive input of the compared
// metrics (and FCR) summed per business day, queue, team, site and agent
// into one small SummingMergeTree, so a year of any level reads about
// 365 x (agents x queues) rows instead of every contact. Filled here in
// one go from the rollup, contacts FINAL and surveys FINAL with the
// engine's definitions (FCR: repeat within the window, booked to the
// contact's day and first leg's agent; surveys: to the contact's agent,
// which is the last agent leg here since every generated contact has one
// leg). In the product the snapshot loop would fill it for closed days
// (older than the FCR window) and requests would add the open days live.
const protoTable = `CREATE TABLE IF NOT EXISTS proto_daily_facts (
    day Date, queue String, team String, site String, agent_id String,
    offered Int64, answered Int64, short_abandons Int64, wait_answered_sum_s Int64, answered_within Int64,
    handled Int64, handle_sum_s Int64, fcr_known Int64, fcr_resolved Int64,
    nps_n Int64, promoters Int64, detractors Int64
) ENGINE = SummingMergeTree() ORDER BY (day, team, site, queue, agent_id)`

func protoFill(cfg metrics.Config) []string {
	tz := cfg.Location().String()
	channels := "['" + strings.Join(cfg.ServiceLevel.Channels, "', '") + "']"
	short := "toInt64(0)"
	if cfg.ShortAbandonS > 0 {
		short = fmt.Sprintf("sumIf(short_abandons_%d, has(%s, channel))", cfg.ShortAbandonS, channels)
	}
	return []string{
		fmt.Sprintf(`INSERT INTO proto_daily_facts (day, queue, team, site, agent_id, offered, answered, short_abandons,
    wait_answered_sum_s, answered_within, handled, handle_sum_s)
SELECT toDate(bucket, '%[1]s') AS d, queue, team, site, agent_id,
    sumIf(offered, has(%[2]s, channel)), sumIf(answered, has(%[2]s, channel)), %[3]s,
    sumIf(wait_answered_sum_s, has(%[2]s, channel)), sumIf(answered_within_%[4]d, has(%[2]s, channel)),
    sum(handled), sum(handle_sum_s)
FROM contacts_rollup
GROUP BY d, queue, team, site, agent_id`, tz, channels, short, cfg.ServiceLevel.ThresholdS),
		fmt.Sprintf(`INSERT INTO proto_daily_facts (day, queue, team, site, agent_id, fcr_known, fcr_resolved)
SELECT toDate(tupleElement(c, 1), '%[1]s') AS d, tupleElement(c, 5) AS q, tupleElement(c, 3) AS t, tupleElement(c, 4) AS s,
    tupleElement(c, 2) AS a, toInt64(count()),
    toInt64(sum(if(arrayExists(x -> x > tupleElement(c, 1) AND x <= tupleElement(c, 1) + %[2]d, starts), 0, 1)))
FROM
(
    SELECT customer_id,
        groupArray((started_at, agent_id, team, site, queue, if(isNotNull(answered_at), 1, 0))) AS cs,
        groupArray(started_at) AS starts
    FROM contacts FINAL
    WHERE customer_id != '' AND (initial_contact_id = '' OR initial_contact_id = contact_id)
    GROUP BY customer_id
)
ARRAY JOIN cs AS c
WHERE tupleElement(c, 6) = 1
GROUP BY d, q, t, s, a`, tz, cfg.FCR.WindowDays*86400),
		fmt.Sprintf(`INSERT INTO proto_daily_facts (day, queue, team, site, agent_id, nps_n, promoters, detractors)
SELECT toDate(responded_at, '%s') AS d, queue, team, site, agent_id,
    toInt64(countIf(isNotNull(nps))), toInt64(countIf(ifNull(nps >= 9, 0))), toInt64(countIf(ifNull(nps <= 6, 0)))
FROM
(
    SELECT contact_id, responded_at, nps FROM surveys FINAL
) AS s
ANY LEFT JOIN
(
    SELECT contact_id, queue, team, site, agent_id FROM contacts FINAL
    WHERE contact_id IN (SELECT contact_id FROM surveys)
) AS c USING contact_id
GROUP BY d, queue, team, site, agent_id`, tz),
	}
}

// protoSQL reads q's grouping from the daily facts, in the raw SQL's
// columns plus fcr_rate.
func protoSQL(cfg metrics.Config, key, period string, from, to time.Time, team string) string {
	filter := ""
	if team != "" {
		filter = " AND team = '" + team + "'"
	}
	return fmt.Sprintf(`-- bench prototype: daily facts by %s
SELECT %s AS key, %s(day) AS period,
    sum(offered) AS offered_n, sum(answered) AS answered_n,
    sum(handle_sum_s) / sum(handled) AS aht_s,
    sum(wait_answered_sum_s) / answered_n AS asa_s,
    sum(answered_within) / (offered_n - sum(short_abandons)) AS service_level,
    (sum(promoters) - sum(detractors)) * 100 / sum(nps_n) AS nps_score,
    sum(fcr_resolved) / sum(fcr_known) AS fcr
FROM proto_daily_facts
WHERE day >= toDate('%s') AND day < toDate('%s')%s
GROUP BY key, period
HAVING key != ''
ORDER BY key, period`, key, key, period, from.In(cfg.Location()).Format(time.DateOnly), to.In(cfg.Location()).Format(time.DateOnly), filter)
}

// prototypes builds the daily facts of the data set and times each
// query's grouping from them, checking the numbers against the API's.
func (h harness) prototypes(ctx context.Context, conn driver.Conn, db string, cfg metrics.Config, measured []latencies, o options) ([]prototype, error) {
	start := time.Now()
	for _, q := range append([]string{protoTable}, protoFill(cfg)...) {
		if err := conn.Exec(ctx, q); err != nil {
			return nil, fmt.Errorf("build daily facts: %w", err)
		}
	}
	build := time.Since(start)
	var rows uint64
	if err := conn.QueryRow(ctx, "SELECT count() FROM proto_daily_facts").Scan(&rows); err != nil {
		return nil, fmt.Errorf("count daily facts: %w", err)
	}
	h.log.Info("scorecard: prototype daily facts built", "rows", rows, "took", build.Round(time.Millisecond))
	var out []prototype
	for i, q := range scQueries(cfg) {
		p := prototype{name: q.name + " from daily facts", n: measured[i].n, build: build}
		sql := protoSQL(cfg, q.key, q.period, q.from, q.to, q.team)
		begin := time.Now()
		for r := 0; r < o.reps+o.warmups && (len(p.secs) == 0 || time.Since(begin) < o.budget); r++ {
			secs, res, err := h.clickhouseClient(ctx, db, sql)
			if err != nil {
				return nil, err
			}
			if r == 0 {
				if p.check, err = compare(measured[i].body, res, protoMetrics); err != nil {
					return nil, err
				}
			}
			if r >= o.warmups || time.Since(begin) > o.budget/4 {
				p.secs = append(p.secs, secs)
			}
		}
		out = append(out, p)
	}
	reads, err := h.snapshotReads(ctx, conn, db, cfg, measured[0].n, o)
	if err != nil {
		return nil, err
	}
	return append(out, reads...), nil
}

// protoScorecards is the engine's scorecards table with small granules:
// the same key, so a level, grain and range reads a few hundred rows of
// cards instead of whole 8192-row granules.
const protoScorecards = `CREATE TABLE IF NOT EXISTS proto_scorecards AS scorecards
ENGINE = ReplacingMergeTree(computed_at) ORDER BY (level, grain, key, period_start) SETTINGS index_granularity = 256`

// snapshotReads times the engine's snapshot read of each query (when the
// snapshots exist: serve computes them in the background) on its own
// table and on a copy with index_granularity 256, and checks both give
// the same cards.
func (h harness) snapshotReads(ctx context.Context, conn driver.Conn, db string, cfg metrics.Config, n int, o options) ([]prototype, error) {
	var cols, rows uint64
	if err := conn.QueryRow(ctx, `SELECT count() FROM system.columns WHERE database = currentDatabase()
		AND table = 'scorecards' AND name IN ('card', 'team', 'config_version', 'computed_at')`).Scan(&cols); err != nil {
		return nil, fmt.Errorf("look for snapshots: %w", err)
	}
	if cols == 4 {
		if err := conn.QueryRow(ctx, "SELECT count() FROM scorecards").Scan(&rows); err != nil {
			return nil, fmt.Errorf("count snapshots: %w", err)
		}
	}
	if rows == 0 {
		return nil, nil
	}
	start := time.Now()
	for _, q := range []string{protoScorecards, "INSERT INTO proto_scorecards SELECT * FROM scorecards"} {
		if err := conn.Exec(ctx, q); err != nil {
			return nil, fmt.Errorf("copy snapshots: %w", err)
		}
	}
	build := time.Since(start)
	var out []prototype
	for _, q := range scQueries(cfg) {
		v, err := url.ParseQuery(q.params)
		if err != nil {
			return nil, err
		}
		teams := ""
		if q.team != "" {
			teams = fmt.Sprintf(" AND (has(['%[1]s'], team) OR (level = 'team' AND has(['%[1]s'], key)))", q.team)
		}
		read := func(table string) string {
			return fmt.Sprintf(`-- bench snapshot read
SELECT card FROM %s FINAL
WHERE level = '%s' AND grain = '%s' AND config_version = '%s'
  AND period_start >= toDate('%s') AND period_start < toDate('%s')%s
ORDER BY period_start, key`, table, v.Get("level"), v.Get("grain"), cfg.Version(),
				q.from.Format(time.DateOnly), q.to.Format(time.DateOnly), teams)
		}
		engine := prototype{name: q.name + " snapshot read, engine's table", n: n}
		small := prototype{name: q.name + " snapshot read, copy in granules of 256", n: n, build: build}
		begin := time.Now()
		for r := 0; r < o.reps+o.warmups && (len(engine.secs) == 0 || time.Since(begin) < o.budget); r++ {
			a, ares, err := h.clickhouseClient(ctx, db, read("scorecards"))
			if err != nil {
				return nil, err
			}
			b, bres, err := h.clickhouseClient(ctx, db, read("proto_scorecards"))
			if err != nil {
				return nil, err
			}
			if r == 0 {
				lines := strings.Count(ares, "\n")
				engine.check = check{rows: lines, same: lines}
				small.check = check{rows: lines}
				if ares == bres {
					small.check.same = lines
				} else {
					small.check.first = "other cards than the engine's table"
				}
			}
			if r >= o.warmups || time.Since(begin) > o.budget/4 {
				engine.secs, small.secs = append(engine.secs, a), append(small.secs, b)
			}
		}
		out = append(out, engine, small)
	}
	return out, nil
}

// protoMetrics are the prototype's columns after key and period.
var protoMetrics = append(append([]string(nil), comparedMetrics...), "fcr_rate")
