// Command bench prints servicecard's benchmark tables (`make bench`), each
// beside clickhouse-client doing the same work in the same run, on the
// same throwaway server:
//
//   - ingest: a generated generic contacts CSV loaded by `servicecard
//     ingest` and by clickhouse-client into an equivalent table;
//   - scorecard: p50/p95 latency of three scorecard requests to the real
//     HTTP API (org weekly trend over a year, team monthly, agent monthly
//     of one team), once the year's snapshots are computed as serve does
//     at start, beside a raw SQL query computing the same grouping from
//     contacts FINAL and surveys, at 1M and 10M generated contacts, with
//     the engine's per-statement timing read from the query log and
//     prototypes of faster reads;
//   - throughput: the executive org scorecard of one quarter under 50
//     concurrent clients, on each data set;
//   - export: every contact of each data set's year exported as CSV
//     through the API, with the server's RSS and ClickHouse's memory per
//     query, beside the former single-query export run by
//     clickhouse-client;
//   - fresh ("fresh and fast at once"): on each data set, a real
//     `servicecard serve` process (-bin) answers, one request at a time,
//     the scorecard table's three requests, the org over a free 45-day
//     range, coaching and the coaching page (supervisor of one team),
//     recognition of a month and the executive page (executive): p50/p95
//     steady, and while another process, `servicecard ingest`, loads a new
//     CSV of -fresh-rows contacts of the year's last week every
//     -fresh-every. Then the freshness lag: -fresh-loads loads one at a
//     time, each followed by the org scorecard of those days polled every
//     100 ms until its offered count grows by exactly the rows loaded (p50
//     and max; "not visible after 120 s" past that), and serve's peak RSS
//     (VmHWM). `facts rebuild` runs after generating (the generator writes
//     inside ClickHouse, past the facts kept at write time), timed.
//   - cluster: servicecard on a throwaway local cluster (internal/chcluster:
//     ZooKeeper and shards of 2 replicas of ClickHouse on loopback) beside
//     the single server. Ingest rows/s of 1, 2 and 4 (-cluster-workers)
//     concurrent `servicecard ingest` processes loading -cluster-rows
//     generated contacts from CSV files with disjoint ids, on the single
//     node, 1 shard and 2 shards (each ingest's sum(sign) checked against
//     the rows loaded); then p50/p95 of the scorecard table's three
//     requests to the real `servicecard serve` on the single node and on
//     the 2-shard cluster in turn, at the -sizes contact counts generated
//     inside ClickHouse (through the Distributed tables on the cluster).
//     `facts rebuild` runs after generating, timed. Needs ZooKeeper
//     (`make deps-cluster`).
//
// Contacts for the scorecard tables are generated inside ClickHouse
// (INSERT ... SELECT FROM numbers), so they pass through the rollup view
// exactly as ingested ones do and never sit in this process's memory.
//
// Slow queries get fewer repetitions than asked (see -budget), so the run
// stays bounded whatever the engine's speed; the tables say how many.
//
// Usage: go run ./internal/bench [-tables ingest,scorecard,throughput,export,fresh,cluster]
// [-rows 2000000] [-runs 3] [-bin bin/servicecard] [-sizes 1000000,10000000]
// [-huge] [-reps 30] [-warmups 3] [-budget 30s] [-clients 50]
// [-duration 10s] [-grace 30s] [-fresh-rows 1000] [-fresh-every 10s]
// [-fresh-loads 5] [-cluster-rows 2000000] [-cluster-workers 1,2,4]
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/servicecard/servicecard/internal/chserver"
)

// options are the command's flags.
type options struct {
	tables []string // ingest, scorecard, throughput, export, cluster

	// ingest
	rows, runs int
	bin        string

	// scorecard
	sizes   []int
	reps    int
	warmups int
	budget  time.Duration

	// throughput
	clients  int
	duration time.Duration
	grace    time.Duration

	// fresh
	freshRows, freshLoads int
	freshEvery            time.Duration

	// cluster (also sizes, reps, warmups, budget, bin)
	clusterRows    int
	clusterWorkers []int
}

var allTables = []string{"ingest", "scorecard", "throughput", "export", "fresh", "cluster"}

func main() {
	var o options
	tables := flag.String("tables", strings.Join(allTables, ","), "tables to print: ingest, scorecard, throughput, export, fresh, cluster")
	flag.IntVar(&o.rows, "rows", 2_000_000, "ingest: rows in the generated contacts CSV")
	flag.IntVar(&o.runs, "runs", 3, "ingest: runs per loader (the median is reported)")
	flag.StringVar(&o.bin, "bin", "bin/servicecard", "ingest, fresh, cluster: servicecard binary")
	sizes := flag.String("sizes", "1000000,10000000", "scorecard, throughput, export, fresh, cluster: contact counts to generate, comma-separated")
	huge := flag.Bool("huge", false, "scorecard: also 100M contacts (about 9 GB of disk and an hour or more here)")
	flag.IntVar(&o.reps, "reps", 30, "scorecard, fresh, cluster: measured repetitions per query (fresh: per request and state)")
	flag.IntVar(&o.warmups, "warmups", 3, "scorecard, fresh, cluster: unmeasured repetitions first")
	flag.DurationVar(&o.budget, "budget", 30*time.Second, "scorecard, fresh, cluster: time per query, size and side (API, raw SQL; fresh: state) after which repetitions stop early (at least one is measured)")
	flag.IntVar(&o.freshRows, "fresh-rows", 1000, "fresh: new contacts in each CSV that servicecard ingest loads")
	flag.DurationVar(&o.freshEvery, "fresh-every", 10*time.Second, "fresh: how often a load starts (while requests are measured, and for the freshness lag)")
	flag.IntVar(&o.freshLoads, "fresh-loads", 5, "fresh: loads whose freshness lag is measured (one at a time, after the requests)")
	flag.IntVar(&o.clients, "clients", 50, "throughput: concurrent clients")
	flag.DurationVar(&o.duration, "duration", 10*time.Second, "throughput: how long the clients run (on each data set)")
	flag.DurationVar(&o.grace, "grace", 30*time.Second, "throughput: how long requests still running at the end may take before they are cancelled")
	flag.IntVar(&o.clusterRows, "cluster-rows", 2_000_000, "cluster: contacts each ingest run loads, in as many CSV files as the most -cluster-workers")
	workers := flag.String("cluster-workers", "1,2,4", "cluster: concurrent servicecard ingest processes of the ingest runs, comma-separated")
	flag.Parse()

	o.tables = strings.Split(*tables, ",")
	for _, t := range o.tables {
		if !slices.Contains(allTables, t) {
			fatal(fmt.Errorf("unknown table %q (want %s)", t, strings.Join(allTables, ", ")))
		}
	}
	for _, s := range strings.Split(*sizes, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n < 1000 {
			fatal(fmt.Errorf("-sizes: %q is not a count of at least 1000", s))
		}
		o.sizes = append(o.sizes, n)
	}
	if *huge {
		o.sizes = append(o.sizes, 100_000_000)
	}
	var err error
	if o.clusterWorkers, err = parseWorkers(*workers); err != nil {
		fatal(fmt.Errorf("-cluster-workers: %w", err))
	}
	if o.reps < 1 || o.clients < 1 || o.freshRows < 1 || o.freshLoads < 1 {
		fatal(errors.New("-reps, -clients, -fresh-rows and -fresh-loads must be at least 1"))
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	if err := run(context.Background(), o, os.Stdout, log); err != nil {
		fatal(err)
	}
}

func fatal(err error) {
	fmt.Fprintln(os.Stderr, "bench:", err)
	os.Exit(1)
}

// run starts one throwaway ClickHouse server and prints the chosen tables
// to out; progress goes to log.
func run(ctx context.Context, o options, out io.Writer, log *slog.Logger) error {
	dir, err := os.MkdirTemp("", "servicecard-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	client, err := exec.LookPath("clickhouse-client")
	if err != nil {
		return fmt.Errorf("clickhouse-client not found (apt-get install -y clickhouse-client): %w", err)
	}
	start, startLoad := time.Now(), loadAverage()
	srv, err := chserver.Start(ctx, chserver.Options{Dir: filepath.Join(dir, "ch")})
	if err != nil {
		return err
	}
	defer srv.Stop()
	log.Info("clickhouse server up", "addr", srv.Addr, "load", loadAverage())

	h := harness{addr: srv.Addr, client: client, log: log, out: out, dsn: func(n int) string {
		return srv.DSN(fmt.Sprintf("bench_%d", n))
	}}
	if slices.Contains(o.tables, "ingest") {
		if err := h.ingestTable(ctx, dir, o.rows, o.runs, o.bin); err != nil {
			return fmt.Errorf("ingest: %w", err)
		}
	}
	wantSC, wantTP := slices.Contains(o.tables, "scorecard"), slices.Contains(o.tables, "throughput")
	if wantSC || wantTP || slices.Contains(o.tables, "export") {
		if _, err := h.scorecardTables(ctx, o, wantSC, wantTP); err != nil {
			return err
		}
	}
	if slices.Contains(o.tables, "fresh") {
		if _, err := h.freshTable(ctx, dir, o); err != nil {
			return fmt.Errorf("fresh: %w", err)
		}
	}
	if slices.Contains(o.tables, "cluster") {
		if err := h.clusterTable(ctx, dir, o); err != nil {
			return fmt.Errorf("cluster: %w", err)
		}
	}
	fmt.Fprintf(out, "\nmachine: %d CPUs; load average (1, 5, 15 min) at start %s, at end %s; %s in all\n",
		runtime.NumCPU(), startLoad, loadAverage(), time.Since(start).Round(time.Second))
	log.Info("bench done", "elapsed", time.Since(start).Round(time.Second), "load", loadAverage())
	return nil
}

// harness is what every table needs: the server, clickhouse-client,
// where progress and tables go.
type harness struct {
	addr   string
	client string // clickhouse-client path
	log    *slog.Logger
	out    io.Writer
	// dsn names the database of the scorecard data set of n contacts.
	dsn func(n int) string
}

func (h harness) port() string { return h.addr[strings.LastIndex(h.addr, ":")+1:] }

// loadAverage is the 1-minute load average (the machine may be shared).
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "?"
	}
	return strings.Join(f[:3], " ")
}
