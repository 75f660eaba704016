package main

import (
	"bufio"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"
	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
	"gopkg.in/yaml.v3"

	"github.com/servicecard/servicecard/internal/api"
	"github.com/servicecard/servicecard/internal/auth"
	"github.com/servicecard/servicecard/internal/demo"
	"github.com/servicecard/servicecard/metrics"
)

// The fresh table (issue 7, "Fresh and fast at once"): the requests of
// the executive and supervisor surfaces, asked one at a time of a real
// `servicecard serve` process, steady and while another process loads new
// contacts every few seconds, and how soon a load shows in the org
// scorecard.

// The loaded contacts' days: the last week of the data year, so they
// change the answers of every measured request.
var (
	freshFrom = time.Date(2025, 12, 25, 0, 0, 0, 0, time.UTC)
	freshTo   = monthTo
)

// freshParams is the org's daily scorecard over the loaded days: the
// freshness lag polls its offered count.
var freshParams = "level=org&grain=day&" + apiRange(freshFrom, freshTo)

const (
	freshPoll    = 100 * time.Millisecond // freshness poll interval
	freshTimeout = 120 * time.Second      // a load not visible by then is reported so
)

// freshRequest is one measured request: a path with its query, asked with
// the executive token or with the supervisor's (of benchTeam).
type freshRequest struct {
	name, path string
	supervisor bool
}

// freshRequests are the scorecard table's three requests, then the org
// over a free 45-day range, coaching and recognition, and the two HTML
// pages, all over periods that hold the loaded days.
func freshRequests() []freshRequest {
	var rs []freshRequest
	for _, q := range scQueries(metrics.Default()) {
		rs = append(rs, freshRequest{name: q.name, path: api.Prefix + "/scorecards?" + q.params, supervisor: q.supervisor})
	}
	last := monthTo.AddDate(0, 0, -1).Format(time.DateOnly)
	return append(rs,
		// The API has no whole-range grain: without one it answers weeks.
		freshRequest{name: "org, 45 days, no grain (weeks)", path: api.Prefix + "/scorecards?level=org&" + apiRange(monthTo.AddDate(0, 0, -45), monthTo)},
		freshRequest{name: "coaching, 1 team", path: api.Prefix + "/coaching?team=" + benchTeam + "&to=" + last, supervisor: true},
		freshRequest{name: "recognition, 1 month", path: api.Prefix + "/recognition?" + apiRange(monthTo.AddDate(0, -1, 0), monthTo)},
		freshRequest{name: "executive page /, 28 days", path: "/?" + apiRange(monthTo.AddDate(0, 0, -28), monthTo)},
		freshRequest{name: "coaching page /coaching", path: "/coaching?to=" + last, supervisor: true},
	)
}

// freshState is the requests' measured rounds in one state.
type freshState struct {
	secs          [][]float64 // per request
	computed      []float64   // engine computations per request (serve's /metrics, every source); -1 unknown
	before, after string      // load average
}

// freshResult is one data set's fresh table.
type freshResult struct {
	n               int
	rebuild         time.Duration // bin facts rebuild after generating
	snapshot        time.Duration // serve start until its snapshot of the year is recorded; 0 without snapshots
	steady, loading freshState
	loads           []float64 // seconds of each ingest process of the loading state
	lags            []float64 // seconds; +Inf for a load not visible after freshTimeout
	peakRSS         int64     // serve's VmHWM, bytes
}

// freshTable prints the fresh table of each size.
func (h harness) freshTable(ctx context.Context, dir string, o options) ([]freshResult, error) {
	var rs []freshResult
	for _, n := range o.sizes {
		r, err := h.fresh(ctx, dir, o, n)
		if err != nil {
			return rs, fmt.Errorf("%d contacts: %w", n, err)
		}
		rs = append(rs, r)
	}
	h.printFresh(rs, o)
	return rs, nil
}

// fresh generates the data set of n contacts, rebuilds its facts when the
// binary can, starts serve on it and measures both states and the lag.
func (h harness) fresh(ctx context.Context, dir string, o options, n int) (freshResult, error) {
	res := freshResult{n: n}
	ds, err := h.dataset(ctx, n, false) // facts: servicecard facts rebuild, timed below
	if err != nil {
		return res, err
	}
	defer ds.st.Close()
	defer func() {
		// The next size gets the disk and the page cache.
		if err := ds.st.Conn().Exec(context.WithoutCancel(ctx), "DROP DATABASE IF EXISTS "+ds.db); err != nil {
			h.log.Warn("fresh: drop database", "database", ds.db, "err", err)
		}
	}()
	tok, entries, err := newTokens()
	if err != nil {
		return res, err
	}
	cfgPath := filepath.Join(dir, fmt.Sprintf("fresh-%d.yaml", n))
	if err := writeConfig(cfgPath, entries); err != nil {
		return res, err
	}
	env := []string{"SERVICECARD_CLICKHOUSE_DSN=" + ds.dsn, metrics.EnvConfig + "=" + cfgPath}
	if res.rebuild, err = rebuildFacts(o.bin, env); err != nil {
		return res, err
	}
	h.log.Info("fresh: facts rebuilt", "contacts", n, "took", res.rebuild.Round(time.Millisecond))

	// serve snapshots the data year at start, as the scorecard table does.
	since := time.Now().Truncate(time.Second)
	lookback := time.Since(yearStart.AddDate(0, 0, -7)).Truncate(time.Hour) + time.Hour
	srv, pid, err := startServe(o.bin, env, tok, "--snapshot-lookback", lookback.String())
	if err != nil {
		return res, err
	}
	defer srv.stop()
	if res.snapshot, err = waitSnapshot(ctx, ds.st.Conn(), srv, since); err != nil {
		return res, err
	}
	h.log.Info("fresh: serving", "contacts", n, "snapshot", res.snapshot.Round(time.Millisecond), "load", loadAverage())

	if res.steady, err = h.measureFresh(ctx, srv, o, "steady"); err != nil {
		return res, fmt.Errorf("steady: %w", err)
	}
	loads := 0
	loop := h.startLoads(dir, o, env, &loads)
	select { // measure once the first load is in
	case <-loop.first:
		res.loading, err = h.measureFresh(ctx, srv, o, "loading")
	case <-loop.done: // it failed
	}
	close(loop.stop)
	<-loop.done
	if loop.err != nil {
		return res, fmt.Errorf("loads: %w", loop.err)
	}
	if err != nil {
		return res, fmt.Errorf("while loading: %w", err)
	}
	res.loads = loop.secs
	if res.lags, err = h.freshness(ctx, srv, dir, o, env, &loads); err != nil {
		return res, fmt.Errorf("freshness: %w", err)
	}
	res.peakRSS = procStatus(strconv.Itoa(pid), "VmHWM")
	return res, nil
}

// writeConfig writes a serve configuration: the defaults and entries.
func writeConfig(path string, entries []auth.TokenEntry) error {
	b, err := yaml.Marshal(map[string]any{"tokens": entries})
	if err != nil {
		return fmt.Errorf("config: %w", err)
	}
	return os.WriteFile(path, b, 0o600)
}

// rebuildFacts runs `bin facts rebuild` with env (data generated inside
// ClickHouse skips the facts kept at write time) and returns how long it
// took.
func rebuildFacts(bin string, env []string) (time.Duration, error) {
	secs, _, err := timed("", env, bin, "facts", "rebuild")
	if err != nil {
		return 0, fmt.Errorf("servicecard facts rebuild: %w", err)
	}
	return time.Duration(secs * float64(time.Second)), nil
}

// startServe runs `bin serve` with env and args on a free loopback port,
// and returns it once it listens, with its process id. What it logs above
// info level goes to its error log.
func startServe(bin string, env []string, tok tokens, args ...string) (*apiServer, int, error) {
	cmd := command(env, bin, append([]string{"serve", "--listen", "127.0.0.1:0"}, args...)...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, 0, err
	}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return nil, 0, err
	}
	if err := cmd.Start(); err != nil {
		return nil, 0, fmt.Errorf("start servicecard serve: %w", err)
	}
	errs := &errorLog{}
	addr := make(chan string, 1)
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { // the address, then whatever else it prints
		defer wg.Done()
		defer close(addr)
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if a, ok := strings.CutPrefix(sc.Text(), "serving on http://"); ok {
				addr <- a
			}
		}
	}()
	go func() {
		defer wg.Done()
		sc := bufio.NewScanner(stderr)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			if l := sc.Text(); !strings.Contains(l, "level=INFO") && !strings.Contains(l, "level=DEBUG") {
				_, _ = errs.Write([]byte(l))
			}
		}
	}()
	tr := &http.Transport{MaxIdleConns: 16, MaxIdleConnsPerHost: 16, IdleConnTimeout: time.Minute}
	srv := &apiServer{tokens: tok, errors: errs, client: &http.Client{
		Transport: tr, Timeout: 10 * time.Minute,
		// A page that redirects (to the sign-in form) did not answer.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
	srv.stop = func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		exited := make(chan struct{})
		go func() { wg.Wait(); close(exited) }()
		select {
		case <-exited:
		case <-time.After(30 * time.Second):
			_ = cmd.Process.Kill()
			<-exited
		}
		_ = cmd.Wait()
		tr.CloseIdleConnections()
	}
	select {
	case a, ok := <-addr:
		if ok {
			srv.base = "http://" + a
			return srv, cmd.Process.Pid, nil
		}
	case <-time.After(2 * time.Minute):
	}
	srv.stop()
	_, lines := errs.take()
	return nil, 0, fmt.Errorf("servicecard serve did not start: %s", strings.Join(lines, "; "))
}

// waitSnapshot waits (at most 30 minutes) until the snapshot serve starts
// with, begun at or after since, has recorded its day, week and month
// runs, and returns how long after since that was. An engine without
// snapshot runs (no scorecard_runs table) is not waited for.
func waitSnapshot(ctx context.Context, conn driver.Conn, srv *apiServer, since time.Time) (time.Duration, error) {
	var tables uint64
	if err := conn.QueryRow(ctx, "SELECT count() FROM system.tables WHERE database = currentDatabase() AND name = 'scorecard_runs'").Scan(&tables); err != nil {
		return 0, fmt.Errorf("look for snapshot runs: %w", err)
	}
	if tables == 0 {
		return 0, nil
	}
	for time.Since(since) < 30*time.Minute {
		var grains uint64
		if err := conn.QueryRow(ctx, "SELECT uniqExact(grain) FROM scorecard_runs WHERE computed_at >= @since",
			clickhouse.Named("since", since)).Scan(&grains); err != nil {
			return 0, fmt.Errorf("watch snapshot runs: %w", err)
		}
		if grains >= 3 {
			return time.Since(since), nil
		}
		if n, lines := srv.errors.take(); n > 0 {
			return 0, fmt.Errorf("serve logged %d problems before its snapshot: %s", n, strings.Join(lines, "; "))
		}
		select {
		case <-ctx.Done():
			return 0, ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
	return 0, errors.New("serve's snapshot of the year not recorded after 30 minutes")
}

// measureFresh runs every fresh request in turn (see repeat), counting
// the engine's computations by source from serve's /metrics around each.
func (h harness) measureFresh(ctx context.Context, srv *apiServer, o options, state string) (freshState, error) {
	st := freshState{before: loadAverage()}
	for _, r := range freshRequests() {
		token := srv.executive
		if r.supervisor {
			token = srv.supervisor
		}
		before := served(ctx, srv)
		secs, err := repeat(o, func() (float64, error) {
			d, _, err := srv.getPath(ctx, r.path, token)
			return d.Seconds(), err
		})
		if err != nil {
			return st, fmt.Errorf("%s: %w", r.name, err)
		}
		after := served(ctx, srv)
		// Before the engine's first computation serve has no sample.
		computed := -1.0
		if before != nil && len(after) > 0 {
			computed = 0
			for source, n := range after {
				computed += n - before[source]
			}
		}
		st.secs, st.computed = append(st.secs, secs), append(st.computed, computed)
		h.log.Info("fresh: measured", "state", state, "request", r.name, "rounds", len(secs),
			"p50_ms", ms(percentile(secs, 50)), "p95_ms", ms(percentile(secs, 95)), "computed", computed)
	}
	st.after = loadAverage()
	return st, nil
}

// repeat runs fn o.warmups times unmeasured (fewer once they took a
// quarter of o.budget), then up to o.reps times (fewer once they took
// o.budget, at least once), and returns what the measured runs returned.
func repeat(o options, fn func() (float64, error)) ([]float64, error) {
	start := time.Now()
	for i := 0; i < o.warmups && time.Since(start) < o.budget/4; i++ {
		if _, err := fn(); err != nil {
			return nil, err
		}
	}
	var out []float64
	start = time.Now()
	for i := 0; i < o.reps && (i == 0 || time.Since(start) < o.budget); i++ {
		v, err := fn()
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

// served reads serve's scorecard computations by source from its
// /metrics (empty when it does not say).
func served(ctx context.Context, srv *apiServer) map[string]float64 {
	_, body, err := srv.getPath(ctx, "/metrics", "")
	if err != nil {
		return nil
	}
	return counterValues(string(body), "servicecard_scorecard_requests_total", "source")
}

// counterValues reads the samples of metric name from Prometheus text,
// keyed by their label's value.
func counterValues(text, name, label string) map[string]float64 {
	out := map[string]float64{}
	prefix := name + "{"
	for _, l := range strings.Split(text, "\n") {
		rest, ok := strings.CutPrefix(l, prefix)
		if !ok {
			continue
		}
		labels, value, ok := strings.Cut(rest, "} ")
		if !ok {
			continue
		}
		v, err := strconv.ParseFloat(strings.TrimSpace(value), 64)
		if err != nil {
			continue
		}
		for _, kv := range strings.Split(labels, ",") {
			if k, val, ok := strings.Cut(kv, "="); ok && k == label {
				out[strings.Trim(val, `"`)] += v
			}
		}
	}
	return out
}

// loadLoop is the loading state's loads: one every o.freshEvery in
// another process, until stop is closed.
type loadLoop struct {
	stop        chan struct{}
	first, done chan struct{} // closed after the first load, at the end
	secs        []float64     // each ingest process's time
	err         error
}

// startLoads starts the loads; next numbers them (it is advanced by each).
func (h harness) startLoads(dir string, o options, env []string, next *int) *loadLoop {
	l := &loadLoop{stop: make(chan struct{}), first: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(l.done)
		for {
			start := time.Now()
			secs, err := h.loadFresh(dir, o, env, *next)
			*next++
			if err != nil {
				l.err = err
				return
			}
			if l.secs = append(l.secs, secs); len(l.secs) == 1 {
				close(l.first)
			}
			select {
			case <-l.stop:
				return
			case <-time.After(time.Until(start.Add(o.freshEvery))):
			}
		}
	}()
	return l
}

// freshness runs o.freshLoads loads one at a time, every o.freshEvery,
// and after each ingest process exits polls the org scorecard of the
// loaded days every freshPoll until its offered count is the count before
// the load plus the rows loaded: the lag, or +Inf after freshTimeout.
func (h harness) freshness(ctx context.Context, srv *apiServer, dir string, o options, env []string, next *int) ([]float64, error) {
	var lags []float64
	var start time.Time
	for k := range o.freshLoads {
		if k > 0 {
			time.Sleep(time.Until(start.Add(o.freshEvery)))
		}
		start = time.Now()
		before, err := freshOffered(ctx, srv)
		if err != nil {
			return lags, err
		}
		if _, err := h.loadFresh(dir, o, env, *next); err != nil {
			return lags, err
		}
		*next++
		lag, err := pollOffered(ctx, srv, before+int64(o.freshRows), time.Now())
		if err != nil {
			return lags, err
		}
		lags = append(lags, lag)
		h.log.Info("fresh: load visible", "load", *next, "lag_s", lag, "load_avg", loadAverage())
	}
	return lags, nil
}

// pollOffered asks for the org's offered count of the loaded days every
// freshPoll from exited until it is want, and returns the seconds since
// exited at the answer that showed it (+Inf after freshTimeout). A count
// beyond want is an error: only this load ran.
func pollOffered(ctx context.Context, srv *apiServer, want int64, exited time.Time) (float64, error) {
	tick := time.NewTicker(freshPoll)
	defer tick.Stop()
	for {
		got, err := freshOffered(ctx, srv)
		if err != nil {
			return 0, err
		}
		switch since := time.Since(exited); {
		case got == want:
			return since.Seconds(), nil
		case got > want:
			return 0, fmt.Errorf("org offered %d after the load, want %d", got, want)
		case since >= freshTimeout:
			return math.Inf(1), nil
		}
		select {
		case <-ctx.Done():
			return 0, ctx.Err()
		case <-tick.C:
		}
	}
}

// freshOffered is the org's offered count over the loaded days (the sum
// of its days), from the API (executive token).
func freshOffered(ctx context.Context, srv *apiServer) (int64, error) {
	_, body, err := srv.get(ctx, freshParams, srv.executive)
	if err != nil {
		return 0, err
	}
	var resp struct {
		Rows []struct {
			Metrics map[string]*float64 `json:"metrics"`
		} `json:"rows"`
	}
	if err := json.Unmarshal(body, &resp); err != nil {
		return 0, fmt.Errorf("decode org scorecard: %w", err)
	}
	var n int64
	for _, r := range resp.Rows {
		if v := r.Metrics[metrics.IDOffered]; v != nil {
			n += int64(*v)
		}
	}
	return n, nil
}

// loadFresh writes load k's CSV (o.freshRows new contacts on the loaded
// days) and loads it with `servicecard ingest` in another process; it
// returns the process's time. Every row must load.
func (h harness) loadFresh(dir string, o options, env []string, k int) (float64, error) {
	file := filepath.Join(dir, fmt.Sprintf("fresh-%d.csv", k))
	defer os.Remove(file)
	if err := writeFile(file, func(w io.Writer) error { return writeFreshCSV(w, k, o.freshRows, freshFrom, freshTo) }); err != nil {
		return 0, err
	}
	cmd := command(env, o.bin, "ingest", "--kind", "contacts", "--format", "csv", "--json", file)
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	secs, _, err := runTimed(cmd)
	if err != nil {
		return 0, fmt.Errorf("servicecard ingest %s: %w: %.500s", filepath.Base(file), err, stderr.String())
	}
	var sum struct {
		Status   string `json:"status"`
		RowsOK   int    `json:"rows_ok"`
		Rejected int    `json:"rows_rejected"`
	}
	if err := json.Unmarshal([]byte(stdout.String()), &sum); err != nil {
		return 0, fmt.Errorf("servicecard ingest %s: summary: %w", filepath.Base(file), err)
	}
	if sum.Status != "done" || sum.RowsOK != o.freshRows {
		return 0, fmt.Errorf("servicecard ingest %s: %s, %d rows ok, %d rejected, want %d ok", filepath.Base(file), sum.Status, sum.RowsOK, sum.Rejected, o.freshRows)
	}
	return secs, nil
}

// writeFreshCSV writes rows new contacts in the generic contacts CSV
// format: inbound voice calls to the generated queues and agents (7 %
// abandoned), spread over the days of [from, to) from 07:00 to 19:00
// UTC, with ids of load k only (BF<k>-<row>: the generator's are BC<n>).
// Every row counts in the org's offered.
func writeFreshCSV(w io.Writer, k, rows int, from, to time.Time) error {
	days := int(to.Sub(from) / (24 * time.Hour))
	if rows < 0 || days < 1 {
		return fmt.Errorf("fresh CSV: want rows >= 0 and a day or more, got %d rows over %s", rows, to.Sub(from))
	}
	r := rand.New(rand.NewPCG(uint64(k), 7))
	cw := csv.NewWriter(w)
	if err := cw.Write(demo.ContactColumns); err != nil {
		return err
	}
	ts := func(t time.Time) string { return t.UTC().Format(time.RFC3339) }
	num := strconv.Itoa
	rec := make([]string, len(demo.ContactColumns))
	for i := range rows {
		agent := r.IntN(benchAgents)
		team := agent % len(benchTeams)
		start := from.AddDate(0, 0, i%days).Add(7*time.Hour + time.Duration(r.IntN(12*3600))*time.Second)
		wait := int(25 * r.ExpFloat64())
		row := map[string]string{
			"contact_id": fmt.Sprintf("BF%d-%d", k, i), "source": "bench", "channel": "voice", "direction": "inbound",
			"queue": benchQueues[team], "team": benchTeams[team], "site": benchSites[team%len(benchSites)],
			"customer_id": fmt.Sprintf("CUST-%d", r.IntN(1_000_000)), "started_at": ts(start),
			"wait_s": num(wait), "talk_s": "0", "hold_s": "0", "hold_count": "0", "acw_s": "0",
			"abandoned": "true", "transferred": "false",
		}
		end := start.Add(time.Duration(wait) * time.Second)
		if r.IntN(100) >= 7 {
			talk, hold, acw := 120+r.IntN(400), 0, 20+r.IntN(60)
			if r.IntN(5) == 0 {
				hold = 5 + r.IntN(60)
				row["hold_count"] = "1"
			}
			row["agent_id"], row["answered_at"] = fmt.Sprintf("agent-%d", agent), ts(end)
			row["talk_s"], row["hold_s"], row["acw_s"] = num(talk), num(hold), num(acw)
			row["abandoned"], row["resolved"] = "false", strconv.FormatBool(r.IntN(6) != 0)
			end = end.Add(time.Duration(talk+hold) * time.Second)
			row["source_updated_at"] = ts(end.Add(time.Duration(acw+60) * time.Second))
		} else {
			row["source_updated_at"] = ts(end.Add(time.Minute))
		}
		row["ended_at"] = ts(end)
		for j, c := range demo.ContactColumns {
			rec[j] = row[c]
		}
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// printFresh prints the fresh table and, under it, each size's freshness
// lag, serve's peak memory, facts rebuild and load average.
func (h harness) printFresh(rs []freshResult, o options) {
	if len(rs) == 0 {
		return
	}
	fmt.Fprintf(h.out, "\nFresh and fast at once: latency (ms) of requests to `servicecard serve` (its own process) on loopback, "+
		"one at a time, steady and while `servicecard ingest` (another process) loads %d new contacts of %s..%s every %s\n",
		o.freshRows, freshFrom.Format(time.DateOnly), freshTo.AddDate(0, 0, -1).Format(time.DateOnly), o.freshEvery)
	tw := tabwriter.NewWriter(h.out, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "request\tcontacts\trounds steady/loading\tsteady p50\tsteady p95\tloading p50\tloading p95\t"+
		"p95 loading / steady\tengine computations, steady\tloading\t\n")
	for _, r := range rs {
		for i, q := range freshRequests() {
			s, l := r.steady.secs[i], r.loading.secs[i]
			fmt.Fprintf(tw, "%s\t%s\t%d/%d\t%s\t%s\t%s\t%s\t%.2f\t%s\t%s\t\n", q.name, count(r.n), len(s), len(l),
				ms(percentile(s, 50)), ms(percentile(s, 95)), ms(percentile(l, 50)), ms(percentile(l, 95)),
				percentile(l, 95)/percentile(s, 95), sources(r.steady, i), sources(r.loading, i))
		}
	}
	tw.Flush()
	fmt.Fprintf(h.out, "(warm-ups first; engine computations: scorecard computations serve counted over all rounds, warm-ups included)\n")
	for _, r := range rs {
		c := count(r.n)
		fmt.Fprintf(h.out, "%s: freshness lag (from the ingest process's exit until the org scorecard of %s counts the new contacts, polled every %s; %d loads one at a time): %s\n",
			c, freshParams, freshPoll, len(r.lags), lagSummary(r.lags))
		fmt.Fprintf(h.out, "%s: ingest processes while loading: %d, p50 %.2f s, max %.2f s\n", c, len(r.loads), percentile(r.loads, 50), percentile(r.loads, 100))
		fmt.Fprintf(h.out, "%s: serve peak RSS (VmHWM) over the table: %s MiB\n", c, mib(r.peakRSS))
		fmt.Fprintf(h.out, "%s: facts rebuild after generating: %.1f s\n", c, r.rebuild.Seconds())
		if r.snapshot > 0 {
			fmt.Fprintf(h.out, "%s: serve start until its snapshot of the year was recorded: %.1f s\n", c, r.snapshot.Seconds())
		}
		fmt.Fprintf(h.out, "%s: load average (1, 5, 15 min) steady %s → %s, loading %s → %s\n", c,
			r.steady.before, r.steady.after, r.loading.before, r.loading.after)
	}
}

// sources is request i's engine computations of a state.
func sources(s freshState, i int) string {
	if s.computed[i] < 0 {
		return "?"
	}
	return fmt.Sprintf("%.0f", s.computed[i])
}

// lagSummary is the p50 and max of lags (seconds, +Inf for a load not
// visible after freshTimeout).
func lagSummary(lags []float64) string {
	if len(lags) == 0 {
		return "no load"
	}
	f := func(s float64) string {
		if math.IsInf(s, 1) {
			return fmt.Sprintf("not visible after %.0f s", freshTimeout.Seconds())
		}
		return fmt.Sprintf("%.2f s", s)
	}
	out := "p50 " + f(percentile(lags, 50)) + ", max " + f(percentile(lags, 100))
	invisible := 0
	for _, s := range lags {
		if math.IsInf(s, 1) {
			invisible++
		}
	}
	if invisible > 0 {
		out += fmt.Sprintf(" (%d of %d loads)", invisible, len(lags))
	}
	return out
}
