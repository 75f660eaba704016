package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"
	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/servicecard/servicecard/internal/api"
	"github.com/servicecard/servicecard/internal/auth"
	"github.com/servicecard/servicecard/internal/chstore"
	"github.com/servicecard/servicecard/internal/scorecard"
	"github.com/servicecard/servicecard/metrics"
)

// scQuery is one scorecard request and its raw SQL counterpart.
type scQuery struct {
	name       string
	params     string // the API query string
	supervisor bool   // ask with the supervisor token (agent level)
	raw        string // the same grouping straight from contacts FINAL and surveys

	// The grouping, for the prototypes.
	key, period string
	from, to    time.Time
	team        string
}

// The measured range: 52 weeks from the first Monday of the data year,
// and the calendar year for months; the throughput request asks for
// the last quarter (13 weeks).
var (
	weekFrom    = time.Date(2025, 1, 6, 0, 0, 0, 0, time.UTC)
	weekTo      = weekFrom.AddDate(0, 0, 52*7)
	monthFrom   = yearStart
	monthTo     = yearStart.AddDate(1, 0, 0)
	quarterFrom = time.Date(2025, 10, 6, 0, 0, 0, 0, time.UTC)
	quarterTo   = quarterFrom.AddDate(0, 0, 13*7)
	benchTeam   = benchTeams[0]
)

// apiRange is from..to as the API takes it (to is an inclusive day).
func apiRange(from, to time.Time) string {
	return "from=" + from.Format(time.DateOnly) + "&to=" + to.AddDate(0, 0, -1).Format(time.DateOnly)
}

func scQueries(cfg metrics.Config) []scQuery {
	qs := []scQuery{
		{name: "org weekly, 52 weeks", params: "level=org&grain=week&" + apiRange(weekFrom, weekTo),
			key: "'org'", period: "toMonday", from: weekFrom, to: weekTo},
		{name: "team monthly, 12 months", params: "level=team&grain=month&" + apiRange(monthFrom, monthTo),
			key: "team", period: "toStartOfMonth", from: monthFrom, to: monthTo},
		{name: "agent monthly, 1 team", params: "level=agent&grain=month&team=" + benchTeam + "&" + apiRange(monthFrom, monthTo),
			supervisor: true, key: "agent_id", period: "toStartOfMonth", from: monthFrom, to: monthTo, team: benchTeam},
	}
	for i, q := range qs {
		qs[i].raw = rawSQL(cfg, q.key, q.period, q.from, q.to, q.team)
	}
	return qs
}

// rawSQL is what an analyst would write against the raw tables for offered,
// answered, AHT, ASA, service level and NPS per key and period, with the
// configuration's definitions (queue metrics over its real-time channels,
// its service level threshold and short abandons): contacts read with
// FINAL, surveys attributed to their contact's team and agent below org
// level. It leaves out what the engine adds (FCR, occupancy, adherence,
// CSAT, CES, transfers, the roster fallback).
func rawSQL(cfg metrics.Config, key, period string, from, to time.Time, team string) string {
	ts := func(t time.Time) string { return "toDateTime('" + t.UTC().Format(time.DateTime) + "', 'UTC')" }
	rng := func(col string) string { return fmt.Sprintf("%s >= %s AND %s < %s", col, ts(from), col, ts(to)) }
	channels := "'" + strings.Join(cfg.ServiceLevel.Channels, "', '") + "'"
	tz := cfg.Location().String()
	teamFilter := ""
	if team != "" {
		teamFilter = " AND team = '" + team + "'"
	}
	surveys := fmt.Sprintf(`SELECT 'org' AS key, %s(responded_at, '%s') AS period,
            (countIf(nps >= 9) - countIf(nps <= 6)) * 100 / countIf(isNotNull(nps)) AS nps
        FROM surveys FINAL
        WHERE %s
        GROUP BY key, period`, period, tz, rng("responded_at"))
	if key != "'org'" {
		surveys = fmt.Sprintf(`SELECT %s AS key, %s(responded_at, '%s') AS period,
            (countIf(nps >= 9) - countIf(nps <= 6)) * 100 / countIf(isNotNull(nps)) AS nps
        FROM
        (
            SELECT contact_id, responded_at, nps FROM surveys FINAL WHERE %s
        ) AS s
        ANY INNER JOIN
        (
            SELECT contact_id, team, agent_id FROM contacts FINAL
            WHERE contact_id IN (SELECT contact_id FROM surveys WHERE %s)%s
        ) AS c USING contact_id
        GROUP BY key, period
        HAVING key != ''`, key, period, tz, rng("responded_at"), rng("responded_at"), teamFilter)
	}
	return fmt.Sprintf(`-- bench raw: %s by %s
SELECT key, period, offered, answered, aht_s, asa_s, service_level, nps
FROM
(
    SELECT %s AS key, %s(started_at, '%s') AS period,
        countIf(inq) AS offered,
        countIf(inq AND isNotNull(answered_at)) AS answered,
        sumIf(talk_s + hold_s + acw_s, isNotNull(answered_at)) / countIf(isNotNull(answered_at)) AS aht_s,
        sumIf(wait_s, inq AND isNotNull(answered_at)) / answered AS asa_s,
        countIf(inq AND isNotNull(answered_at) AND wait_s <= %d) / (offered - countIf(inq AND abandoned = 1 AND wait_s < %d)) AS service_level
    FROM
    (
        SELECT started_at, answered_at, talk_s, hold_s, acw_s, wait_s, abandoned, team, agent_id,
            direction = 'inbound' AND queue != '' AND has([%s], channel) AS inq
        FROM contacts FINAL
        WHERE %s%s
    )
    GROUP BY key, period
    HAVING key != ''
) AS c
ANY LEFT JOIN
(
    %s
) AS s USING key, period
ORDER BY key, period`, key, period, key, period, tz, cfg.ServiceLevel.ThresholdS, cfg.ShortAbandonS, channels,
		rng("started_at"), teamFilter, surveys)
}

// latencies are one query's measured repetitions at one size.
type latencies struct {
	query      string
	n          int
	api, raw   []float64 // seconds
	check      check     // the API's numbers against the raw SQL's
	body       []byte    // the API's first answer
	statements []statementStats
}

// statementStats is one engine statement's timing over a query's measured
// repetitions, from the server's query log.
type statementStats struct {
	name        string
	perRequest  float64
	p50, p95    float64 // ms
	readRows    float64 // average rows read
	resultRows  float64 // average rows returned to the engine
	memoryBytes float64 // average peak memory
}

// results are what the scorecard and throughput tables print.
type results struct {
	latencies  []latencies
	prototypes []prototype
	throughput []throughputResult
	snapshots  []snapshotTiming
	exports    []exportResult
}

// snapshotTiming is how long the snapshot of the data set's year took:
// `serve` computes it in the background (at start, every 15 minutes, after
// loads), and the API answers from it while it is current.
type snapshotTiming struct {
	contacts int
	seconds  float64
	rows     int
}

// scorecardTables generates each size's data set, serves the real API on
// it, measures the scorecard queries beside raw SQL (wantSC) and the
// throughput (wantTP). It prints the tables and returns their numbers.
func (h harness) scorecardTables(ctx context.Context, o options, wantSC, wantTP bool) (results, error) {
	var res results
	for _, n := range o.sizes {
		if err := h.size(ctx, o, n, wantSC, wantTP, slices.Contains(o.tables, "export"), &res); err != nil {
			return res, fmt.Errorf("%d contacts: %w", n, err)
		}
	}
	if len(res.snapshots) > 0 {
		fmt.Fprintln(h.out, "\nScorecard snapshots (computed by serve in the background; the API answers from them while current)")
		tw := tabwriter.NewWriter(h.out, 0, 0, 2, ' ', tabwriter.AlignRight)
		fmt.Fprintf(tw, "contacts\tsnapshot of a year, s\trows written\t\n")
		for _, t := range res.snapshots {
			fmt.Fprintf(tw, "%s\t%.1f\t%d\t\n", count(t.contacts), t.seconds, t.rows)
		}
		tw.Flush()
	}
	if wantSC {
		h.printScorecard(res.latencies, res.prototypes)
	}
	if wantTP {
		h.printThroughput(res.throughput)
	}
	if len(res.exports) > 0 {
		h.printExport(res.exports)
	}
	return res, nil
}

// dataSet is a generated data set: its database, DSN and store.
type dataSet struct {
	st      *chstore.Store
	dsn, db string
}

// dataset opens the database of the data set of n contacts, migrates it,
// generates the data set in it and, with buildFacts, builds its facts.
// The caller closes st.
func (h harness) dataset(ctx context.Context, n int, buildFacts bool) (dataSet, error) {
	d := dataSet{dsn: h.dsn(n)}
	copt, err := clickhouse.ParseDSN(d.dsn)
	if err != nil {
		return d, err
	}
	d.db = copt.Auth.Database
	if d.st, err = chstore.Open(ctx, d.dsn, chstore.Options{}); err != nil {
		return d, err
	}
	if err := d.st.Migrate(ctx); err != nil {
		d.st.Close()
		return d, err
	}
	h.log.Info("generating data set", "contacts", n, "database", d.db, "load", loadAverage())
	if err := h.generate(ctx, d.st.Conn(), n); err != nil {
		d.st.Close()
		return d, err
	}
	if !buildFacts {
		return d, nil
	}
	// The generator writes inside ClickHouse, past the facts kept at
	// write time: rebuild them, as `servicecard facts rebuild` does.
	d.st.UseConfig(metrics.Default())
	rebuild := time.Now()
	if _, err := d.st.RebuildFacts(ctx); err != nil {
		d.st.Close()
		return d, fmt.Errorf("rebuild facts: %w", err)
	}
	h.log.Info("facts rebuilt", "contacts", n, "took", time.Since(rebuild).Round(time.Millisecond))
	return d, nil
}

// size measures the data set of n contacts into res.
func (h harness) size(ctx context.Context, o options, n int, wantSC, wantTP, wantEX bool, res *results) error {
	ds, err := h.dataset(ctx, n, true)
	if err != nil {
		return err
	}
	st, db := ds.st, ds.db
	defer st.Close()
	cfg := metrics.Default()
	srv, err := startAPI(ctx, st, cfg)
	if err != nil {
		return err
	}
	defer srv.stop()
	if wantEX {
		ex, err := h.export(ctx, srv, st.Conn(), db, n)
		if err != nil {
			return err
		}
		res.exports = append(res.exports, ex)
	}
	if !wantSC && !wantTP {
		return st.Conn().Exec(ctx, "DROP DATABASE IF EXISTS "+db)
	}
	// As `serve` does at start: snapshot the year, then serve from it.
	t0 := time.Now()
	rows, err := srv.engine.Snapshot(ctx, time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC))
	if err != nil {
		return fmt.Errorf("snapshot: %w", err)
	}
	res.snapshots = append(res.snapshots, snapshotTiming{contacts: n, seconds: time.Since(t0).Seconds(), rows: rows})
	h.log.Info("scorecard: snapshots computed", "contacts", n, "rows", rows, "duration", time.Since(t0).Round(time.Millisecond))

	if wantSC {
		var measured []latencies
		for _, q := range scQueries(cfg) {
			l, err := h.measure(ctx, srv, st.Conn(), db, q, n, o)
			if err != nil {
				return fmt.Errorf("%s: %w", q.name, err)
			}
			measured = append(measured, l)
		}
		protos, err := h.prototypes(ctx, st.Conn(), db, cfg, measured, o)
		if err != nil {
			return fmt.Errorf("prototypes: %w", err)
		}
		res.latencies = append(res.latencies, measured...)
		res.prototypes = append(res.prototypes, protos...)
	}
	if wantTP {
		tp, err := h.throughput(ctx, srv, n, o.clients, o.duration, o.grace)
		if err != nil {
			return fmt.Errorf("throughput: %w", err)
		}
		res.throughput = append(res.throughput, tp)
	}
	// The next size gets the disk and the page cache.
	if err := st.Conn().Exec(ctx, "DROP DATABASE IF EXISTS "+db); err != nil {
		return fmt.Errorf("drop %s: %w", db, err)
	}
	return nil
}

// apiServer is the API serving one store on loopback.
type apiServer struct {
	base string
	tokens
	client *http.Client
	errors *errorLog         // the server's warnings and errors
	engine *scorecard.Engine // nil for a serve process
	stop   func()
}

// tokens are the bench's bearer tokens: an executive, a supervisor of
// benchTeam and an analyst.
type tokens struct {
	executive, supervisor, analyst string
}

// newTokens makes the bench's tokens and their configuration entries.
func newTokens() (tokens, []auth.TokenEntry, error) {
	var t tokens
	var entries []auth.TokenEntry
	for _, r := range []struct {
		token *string
		role  auth.Role
		teams []string
	}{
		{&t.executive, auth.RoleExecutive, nil},
		{&t.supervisor, auth.RoleSupervisor, []string{benchTeam}},
		{&t.analyst, auth.RoleAnalyst, nil},
	} {
		tok, entry, err := auth.NewTokenEntry("bench-"+string(r.role), r.role, r.teams)
		if err != nil {
			return t, nil, err
		}
		*r.token = tok
		entries = append(entries, entry)
	}
	return t, entries, nil
}

// errorLog keeps the first lines the API server logs at warning level or
// above (why a request failed: the answer only says "internal error").
type errorLog struct {
	mu    sync.Mutex
	lines []string
	count int
}

func (e *errorLog) Write(p []byte) (int, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.count++
	if len(e.lines) < 3 {
		e.lines = append(e.lines, strings.TrimSpace(string(p)))
	}
	return len(p), nil
}

// take returns how many lines were logged and the first ones, and
// starts over.
func (e *errorLog) take() (int, []string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	n, lines := e.count, e.lines
	e.count, e.lines = 0, nil
	return n, lines
}

// startAPI builds the serve command's stack (scorecard engine, API server
// with cfg plus an executive and a supervisor token) on
// 127.0.0.1:0. The caller computes the snapshots once, as serve does at
// start; the periodic loop and the HTML pages are left out (not on the
// measured routes; the loop would compete for the CPU).
func startAPI(ctx context.Context, st *chstore.Store, cfg metrics.Config) (*apiServer, error) {
	tok, entries, err := newTokens()
	if err != nil {
		return nil, err
	}
	cfg.Tokens = append(cfg.Tokens, entries...)
	reg := prometheus.NewRegistry()
	errs := &errorLog{}
	logger := slog.New(slog.NewTextHandler(errs, &slog.HandlerOptions{Level: slog.LevelWarn}))
	eng := scorecard.New(st, cfg, scorecard.Options{Registerer: reg, Logger: logger})
	srv, err := api.New(api.Options{Backend: eng, Config: &cfg, Registerer: reg, Gatherer: reg, Logger: logger})
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("listen: %w", err)
	}
	sctx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- srv.Run(sctx, ln) }()
	tr := &http.Transport{MaxIdleConns: 256, MaxIdleConnsPerHost: 256, IdleConnTimeout: time.Minute}
	return &apiServer{
		base: "http://" + ln.Addr().String(), tokens: tok,
		client: &http.Client{Transport: tr, Timeout: 10 * time.Minute}, errors: errs, engine: eng,
		stop: func() {
			cancel()
			<-done
			tr.CloseIdleConnections()
		},
	}, nil
}

// errStatus says the API answered with a status other than 200.
var errStatus = errors.New("bench: unexpected HTTP status")

// get asks for a scorecard and returns its time and body.
func (s *apiServer) get(ctx context.Context, params, token string) (time.Duration, []byte, error) {
	return s.getPath(ctx, api.Prefix+"/scorecards?"+params, token)
}

// getPath asks for path (with its query) with a bearer token and returns
// the time until the whole answer was read, and the answer.
func (s *apiServer) getPath(ctx context.Context, path, token string) (time.Duration, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.base+path, nil)
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	start := time.Now()
	resp, err := s.client.Do(req)
	if err != nil {
		return 0, nil, err
	}
	var body bytes.Buffer
	_, err = io.Copy(&body, resp.Body)
	resp.Body.Close()
	d := time.Since(start)
	if err != nil {
		return d, nil, fmt.Errorf("read answer: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		err := fmt.Errorf("%w %d: %.300s", errStatus, resp.StatusCode, strings.TrimSpace(body.String()))
		if _, lines := s.errors.take(); len(lines) > 0 {
			err = fmt.Errorf("%w; server log: %.1000s", err, lines[0])
		}
		return d, nil, err
	}
	return d, body.Bytes(), nil
}

// clickhouseClient runs q with clickhouse-client --time and returns the
// query's time as the client reports it (without the process start) and
// the result (TabSeparated).
func (h harness) clickhouseClient(ctx context.Context, db, q string) (float64, string, error) {
	cmd := exec.CommandContext(ctx, h.client, "--port", h.port(), "--database", db, "--time", "--query", q)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return 0, "", fmt.Errorf("clickhouse-client: %w: %.500s", err, stderr.String())
	}
	fields := strings.Fields(stderr.String())
	if len(fields) == 0 {
		return 0, "", fmt.Errorf("clickhouse-client --time printed no time")
	}
	secs, err := strconv.ParseFloat(fields[len(fields)-1], 64)
	if err != nil {
		return 0, "", fmt.Errorf("clickhouse-client --time: %w", err)
	}
	return secs, stdout.String(), nil
}

// measure runs warm-up rounds and then measured rounds of q, the API
// request and the raw SQL in turn (so load changes on the machine hit
// both alike), then reads the engine's statements of the measured rounds
// from the query log. The first warm-up checks the API's numbers against
// the raw SQL's. Slow queries get fewer rounds: warm-ups stop once they
// took a quarter of budget, measured rounds of each side once that side
// took budget (at least one round of each).
func (h harness) measure(ctx context.Context, srv *apiServer, conn driver.Conn, db string, q scQuery, n int, o options) (latencies, error) {
	token := srv.executive
	if q.supervisor {
		token = srv.supervisor
	}
	l := latencies{query: q.name, n: n}
	round := func() (time.Duration, []byte, float64, string, error) {
		d, body, err := srv.get(ctx, q.params, token)
		if err != nil {
			return 0, nil, 0, "", err
		}
		secs, out, err := h.clickhouseClient(ctx, db, q.raw)
		return d, body, secs, out, err
	}
	start := time.Now()
	for i := 0; i < max(o.warmups, 1) && (i == 0 || time.Since(start) < o.budget/4); i++ {
		_, body, _, out, err := round()
		if err != nil {
			return l, err
		}
		if i == 0 {
			l.body = body
			if l.check, err = compare(body, out, comparedMetrics); err != nil {
				return l, err
			}
		}
	}
	// Each side has its own budget, so a slow raw SQL does not cut the
	// API's rounds short (nor the reverse); while both run they alternate.
	from := nextSecond()
	var apiSpent, rawSpent time.Duration
	for i := 0; i < o.reps; i++ {
		doAPI, doRaw := i == 0 || apiSpent < o.budget, i == 0 || rawSpent < o.budget
		if !doAPI && !doRaw {
			break
		}
		if doAPI {
			t0 := time.Now()
			d, _, err := srv.get(ctx, q.params, token)
			if err != nil {
				return l, err
			}
			apiSpent += time.Since(t0)
			l.api = append(l.api, d.Seconds())
		}
		if doRaw {
			t0 := time.Now()
			secs, _, err := h.clickhouseClient(ctx, db, q.raw)
			if err != nil {
				return l, err
			}
			rawSpent += time.Since(t0)
			l.raw = append(l.raw, secs)
		}
	}
	to := nextSecond()
	stmts, err := statements(ctx, conn, from, to, len(l.api))
	if err != nil {
		return l, err
	}
	l.statements = stmts
	h.log.Info("scorecard: measured", "query", q.name, "contacts", n, "api_rounds", len(l.api), "raw_rounds", len(l.raw),
		"api_p50_ms", ms(percentile(l.api, 50)), "api_p95_ms", ms(percentile(l.api, 95)),
		"raw_p50_ms", ms(percentile(l.raw, 50)), "raw_p95_ms", ms(percentile(l.raw, 95)),
		"rows", l.check.rows, "same_numbers", l.check.String(), "load", loadAverage())
	return l, nil
}

// nextSecond waits for the next wall-clock second and returns it: the
// query log records start times in whole seconds, so each query's
// measured rounds get a window of their own.
func nextSecond() time.Time {
	now := time.Now()
	next := now.Truncate(time.Second).Add(time.Second)
	time.Sleep(next.Sub(now) + 10*time.Millisecond)
	return next
}

// statements reads the statements the engine ran, started in [from, to),
// from the query log: every statement but the bench's own and system
// queries, named by its leading comment (the counts_*.sql templates have
// one) or else its first words.
func statements(ctx context.Context, conn driver.Conn, from, to time.Time, reps int) ([]statementStats, error) {
	if err := conn.Exec(ctx, "SYSTEM FLUSH LOGS"); err != nil {
		return nil, fmt.Errorf("flush query log: %w", err)
	}
	rows, err := conn.Query(ctx, `SELECT
			if(extract(query, '^\\s*--\\s*([A-Za-z0-9_]+)') != '', extract(query, '^\\s*--\\s*([A-Za-z0-9_]+)'),
			   substring(replaceRegexpAll(replaceRegexpAll(query, '^\\s+', ''), '\\s+', ' '), 1, 40)) AS stmt,
			count(), quantile(0.5)(query_duration_ms), quantile(0.95)(query_duration_ms),
			avg(read_rows), avg(result_rows), avg(memory_usage)
		FROM system.query_log
		WHERE type = 2 AND query_start_time >= @from AND query_start_time < @to
		  AND query NOT LIKE '%-- bench %' AND query NOT LIKE '%system.%' AND query NOT LIKE 'SYSTEM %'
		GROUP BY stmt
		ORDER BY stmt`, clickhouse.Named("from", from), clickhouse.Named("to", to))
	if err != nil {
		return nil, fmt.Errorf("read query log: %w", err)
	}
	defer rows.Close()
	var out []statementStats
	for rows.Next() {
		var s statementStats
		var count uint64
		if err := rows.Scan(&s.name, &count, &s.p50, &s.p95, &s.readRows, &s.resultRows, &s.memoryBytes); err != nil {
			return nil, fmt.Errorf("read query log: %w", err)
		}
		s.perRequest = float64(count) / float64(reps)
		out = append(out, s)
	}
	return out, rows.Err()
}

func ms(secs float64) string { return strconv.FormatFloat(secs*1000, 'f', 1, 64) }
