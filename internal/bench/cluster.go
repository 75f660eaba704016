package main

// The cluster table: servicecard on the local cluster harness
// (internal/chcluster: ZooKeeper and shards × 2 replicas of ClickHouse on
// loopback) beside the bench's single server, in the same run. Ingest
// rows/s of concurrent `servicecard ingest` processes with 1 and 2 shards
// (this file), and scorecard latency of the real `servicecard serve`
// pointed at the 2-shard cluster (cluster_serve.go).

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"
	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/servicecard/servicecard/internal/chcluster"
	"github.com/servicecard/servicecard/internal/demo"
)

// clusterReplicas is the replicas per shard of every benchmarked cluster:
// two, the least that keeps a shard answering with a server down, and
// what makes each write wait for a second copy (insert_quorum = 2).
const clusterReplicas = 2

// target is where servicecard processes load and read: the bench's single
// server (cluster nil) or a cluster.
type target struct {
	name    string
	single  string // the single server's address
	cluster *chcluster.Cluster
	zk      string // ZooKeeper of the write lock
}

// addrs are the servers a process may connect to, the first preferred.
func (t target) addrs() []string {
	if t.cluster == nil {
		return []string{t.single}
	}
	var out []string
	for _, shard := range t.cluster.Nodes {
		for _, n := range shard {
			out = append(out, n.Addr)
		}
	}
	return out
}

// env is the environment of the i-th servicecard process on database db:
// its DSN lists every server of the target starting with the i-th (the
// processes enter the cluster through different servers, as on different
// hosts), cluster mode when it is a cluster, and ZooKeeper for the write
// lock in both modes (several processes on one server need it too).
func (t target) env(db string, i int) []string {
	env := []string{"SERVICECARD_CLICKHOUSE_DSN=" + nodesDSN(t.addrs(), db, i), "SERVICECARD_ZOOKEEPER=" + t.zk}
	if t.cluster != nil {
		env = append(env, "SERVICECARD_CLICKHOUSE_CLUSTER="+chcluster.Name)
	}
	return env
}

// nodesDSN is a DSN for database db on addrs, listed from addrs[first %
// len(addrs)] on (the client prefers the first and fails over in order).
func nodesDSN(addrs []string, db string, first int) string {
	k := first % len(addrs)
	order := append(slices.Clone(addrs[k:]), addrs[:k]...)
	return "clickhouse://default:@" + strings.Join(order, ",") + "/" + db
}

// open connects to the target's first server, in database db.
func (t target) open(db string) (driver.Conn, error) {
	return clickhouse.Open(&clickhouse.Options{Addr: t.addrs()[:1], Auth: clickhouse.Auth{Database: db}})
}

// exec runs q on the target's first server, in database db.
func (t target) exec(ctx context.Context, db, q string) error {
	conn, err := t.open(db)
	if err != nil {
		return err
	}
	defer conn.Close()
	return conn.Exec(ctx, q)
}

// storedContacts is SELECT sum(sign) FROM contacts of database db (through
// the Distributed table on a cluster).
func (t target) storedContacts(ctx context.Context, db string) (int64, error) {
	conn, err := t.open(db)
	if err != nil {
		return 0, err
	}
	defer conn.Close()
	var n int64
	if err := conn.QueryRow(ctx, "SELECT toInt64(sum(sign)) FROM contacts").Scan(&n); err != nil {
		return 0, fmt.Errorf("%s: count contacts: %w", t.name, err)
	}
	return n, nil
}

// drop drops database db from the target (every server of a cluster).
func (t target) drop(ctx context.Context, db string) error {
	q := "DROP DATABASE IF EXISTS " + db
	if t.cluster != nil {
		q += " ON CLUSTER " + chcluster.Name
	}
	if err := t.exec(ctx, "default", q); err != nil {
		return fmt.Errorf("%s: drop %s: %w", t.name, db, err)
	}
	return nil
}

func clusterName(shards int) string {
	if shards == 1 {
		return fmt.Sprintf("1 shard × %d replicas", clusterReplicas)
	}
	return fmt.Sprintf("%d shards × %d replicas", shards, clusterReplicas)
}

// ingestRun is one concurrent load.
type ingestRun struct {
	setup   string
	procs   int
	rows    int
	seconds float64 // from the first process's start to the last one's end
	stored  int64   // sum(sign) of contacts afterwards
}

// clusterTable prints the cluster ingest table (single node, 1 shard, 2
// shards × o.clusterWorkers processes) and then the cluster scorecard
// table at o.sizes on the 2-shard cluster, beside single node.
func (h harness) clusterTable(ctx context.Context, dir string, o options) error {
	if o.clusterRows < slices.Max(o.clusterWorkers) {
		return fmt.Errorf("-cluster-rows %d: fewer rows than processes", o.clusterRows)
	}
	files, err := h.workerCSVs(dir, o.clusterRows, slices.Max(o.clusterWorkers))
	if err != nil {
		return err
	}
	var runs []ingestRun
	// The single-node reference uses the 1-shard cluster's ZooKeeper for
	// its write lock.
	c1, err := h.startCluster(ctx, 1)
	if err != nil {
		return err
	}
	single := target{name: "single node", single: h.addr, zk: c1.ZooKeeper}
	for _, t := range []target{single, {name: clusterName(1), cluster: c1, zk: c1.ZooKeeper}} {
		for _, p := range o.clusterWorkers {
			r, err := h.ingestRun(ctx, t, files, p, o.bin)
			if err != nil {
				c1.Stop()
				return err
			}
			runs = append(runs, r)
		}
	}
	c1.Stop()
	c2, err := h.startCluster(ctx, 2)
	if err != nil {
		return err
	}
	defer c2.Stop()
	single.zk = c2.ZooKeeper
	two := target{name: clusterName(2), cluster: c2, zk: c2.ZooKeeper}
	for _, p := range o.clusterWorkers {
		r, err := h.ingestRun(ctx, two, files, p, o.bin)
		if err != nil {
			return err
		}
		runs = append(runs, r)
	}
	h.printClusterIngest(runs, len(files))
	res, err := h.clusterScorecard(ctx, dir, single, two, o)
	if err != nil {
		return fmt.Errorf("scorecard: %w", err)
	}
	h.printClusterScorecard(res, two.name)
	return nil
}

func (h harness) startCluster(ctx context.Context, shards int) (*chcluster.Cluster, error) {
	start := time.Now()
	c, err := chcluster.Start(ctx, chcluster.Options{Shards: shards, Replicas: clusterReplicas})
	if err != nil {
		return nil, err
	}
	h.log.Info("cluster: up", "cluster", clusterName(shards), "zookeeper", c.ZooKeeper, "elapsed", time.Since(start).Round(time.Millisecond))
	return c, nil
}

// workerCSVs writes rows generated generic contacts (the ingest table's
// generator) into files CSV files of about rows/files rows each, with
// disjoint contact ids (prefixed w1-, w2-, …) and a seed of their own.
func (h harness) workerCSVs(dir string, rows, files int) ([]string, error) {
	var paths []string
	for i := range files {
		n := rows/files + btoi(i < rows%files)
		path := filepath.Join(dir, fmt.Sprintf("cluster-contacts-%d.csv", i+1))
		f, err := os.Create(path)
		if err != nil {
			return nil, err
		}
		b := bufio.NewWriterSize(f, 1<<20)
		w := &linePrefixer{w: b, prefix: fmt.Sprintf("w%d-", i+1)}
		to := time.Date(2026, 10, 31, 0, 0, 0, 0, time.UTC)
		err = demo.WriteContactsCSV(w, n, int64(i+1), to.AddDate(0, -3, 0), to)
		if err == nil {
			err = b.Flush()
		}
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return nil, fmt.Errorf("write %s: %w", path, err)
		}
		paths = append(paths, path)
	}
	h.log.Info("cluster: generated CSV files", "files", files, "rows", rows)
	return paths, nil
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// linePrefixer writes through to w with prefix inserted at the start of
// every line but the first (the CSV header): it makes the contact ids of
// a generated file (the first column) its own.
type linePrefixer struct {
	w       io.Writer
	prefix  string
	started bool // past the header line
	midLine bool // the last write did not end a line
}

func (p *linePrefixer) Write(b []byte) (int, error) {
	n := 0
	for len(b) > 0 {
		if p.started && !p.midLine {
			if _, err := io.WriteString(p.w, p.prefix); err != nil {
				return n, err
			}
		}
		end := bytes.IndexByte(b, '\n') + 1
		if end == 0 {
			end = len(b)
		}
		m, err := p.w.Write(b[:end])
		n += m
		if err != nil {
			return n, err
		}
		p.midLine = b[end-1] != '\n'
		if !p.midLine {
			p.started = true
		}
		b = b[end:]
	}
	return n, nil
}

// shares splits files among procs processes: process i loads files i,
// i+procs, … (every file once).
func shares(files []string, procs int) [][]string {
	out := make([][]string, procs)
	for i, f := range files {
		out[i%procs] = append(out[i%procs], f)
	}
	return out
}

// ingestRun loads every file into a new, migrated database of t with
// procs `servicecard ingest` processes started together, each with its
// share of the files, then checks that contacts hold every row once.
func (h harness) ingestRun(ctx context.Context, t target, files []string, procs int, bin string) (ingestRun, error) {
	run := ingestRun{setup: t.name, procs: procs}
	for _, f := range files {
		n, err := csvRows(f)
		if err != nil {
			return run, err
		}
		run.rows += n
	}
	db := fmt.Sprintf("cluster_ingest_%d", procs)
	// Migrations are applied before the clock starts: they are not ingest work.
	if _, _, err := timed("", t.env(db, 0), bin, "migrate"); err != nil {
		return run, fmt.Errorf("%s: servicecard migrate: %w", t.name, err)
	}
	cmds := make([]*exec.Cmd, procs)
	logs := make([]*bytes.Buffer, procs)
	for i, share := range shares(files, procs) {
		args := append([]string{"ingest", "--kind", "contacts", "--format", "csv", "--json"}, share...)
		cmds[i] = exec.CommandContext(ctx, bin, args...)
		cmds[i].Env = append(os.Environ(), t.env(db, i)...)
		logs[i] = &bytes.Buffer{}
		cmds[i].Stderr = logs[i]
	}
	start := time.Now()
	for i, c := range cmds {
		if err := c.Start(); err != nil {
			for _, started := range cmds[:i] {
				_ = started.Process.Kill()
				_ = started.Wait()
			}
			return run, fmt.Errorf("%s: start servicecard ingest: %w", t.name, err)
		}
	}
	var errs []error
	for i, c := range cmds {
		if err := c.Wait(); err != nil {
			errs = append(errs, fmt.Errorf("process %d: %w: %s", i+1, err, tail(logs[i].String(), 1000)))
		}
	}
	run.seconds = time.Since(start).Seconds()
	if err := errors.Join(errs...); err != nil {
		return run, fmt.Errorf("%s, %d processes: servicecard ingest: %w", t.name, procs, err)
	}
	stored, err := t.storedContacts(ctx, db)
	if err != nil {
		return run, err
	}
	run.stored = stored
	h.log.Info("cluster: ingest run done", "setup", t.name, "processes", procs, "rows", run.rows,
		"seconds", strconv.FormatFloat(run.seconds, 'f', 2, 64), "stored", stored, "load", loadAverage())
	return run, t.drop(ctx, db)
}

// csvRows counts a CSV file's records (lines after the header; the
// generated files quote no newlines).
func csvRows(path string) (int, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	lines := 0
	buf := make([]byte, 1<<20)
	for {
		n, err := f.Read(buf)
		lines += bytes.Count(buf[:n], []byte{'\n'})
		if errors.Is(err, io.EOF) {
			return max(lines-1, 0), nil
		}
		if err != nil {
			return 0, err
		}
	}
}

// tail is the end of s, at most n bytes.
func tail(s string, n int) string {
	s = strings.TrimSpace(s)
	if len(s) > n {
		return "…" + s[len(s)-n:]
	}
	return s
}

// sumCheck says whether contacts hold exactly the rows loaded.
func sumCheck(stored int64, rows int) string {
	if stored == int64(rows) {
		return "ok"
	}
	return fmt.Sprintf("mismatch (%d)", stored)
}

// printClusterIngest prints the ingest runs with rows/s relative to the
// single node at the same process count.
func (h harness) printClusterIngest(runs []ingestRun, files int) {
	if len(runs) == 0 {
		return
	}
	plural := "s"
	if files == 1 {
		plural = ""
	}
	fmt.Fprintf(h.out, "\nCluster ingest: %d generated contacts in %d CSV file%s (disjoint ids), loaded by `servicecard ingest` processes "+
		"started together, each with its share of the files, into a new database\n", runs[0].rows, files, plural)
	base := map[int]float64{}
	for _, r := range runs {
		if r.setup == "single node" {
			base[r.procs] = float64(r.rows) / r.seconds
		}
	}
	tw := tabwriter.NewWriter(h.out, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "setup\tprocesses\trows\twall s\trows/s\tvs single node\tsum(sign) = rows\t\n")
	for _, r := range runs {
		rps := float64(r.rows) / r.seconds
		ratio := "-"
		if b, ok := base[r.procs]; ok && b > 0 {
			ratio = fmt.Sprintf("%.2f", rps/b)
		}
		fmt.Fprintf(tw, "%s\t%d\t%d\t%.2f\t%.0f\t%s\t%s\t\n", r.setup, r.procs, r.rows, r.seconds, rps, ratio, sumCheck(r.stored, r.rows))
	}
	tw.Flush()
	fmt.Fprintf(h.out, "(one run each; rows/s = rows / wall time from the first process's start to the last one's end; "+
		"vs single node = rows/s relative to the single node with as many processes; every process holds the ZooKeeper "+
		"write lock around its flushes, on the single node too; on a cluster process i connects through server i; "+
		"sum(sign) = rows: SELECT sum(sign) FROM contacts afterwards)\n")
}

// parseWorkers reads -cluster-workers: process counts of at least 1.
func parseWorkers(s string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 {
			return nil, fmt.Errorf("%q is not a process count of at least 1", f)
		}
		out = append(out, n)
	}
	return out, nil
}
