package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"
	"gopkg.in/yaml.v3"

	"github.com/servicecard/servicecard/internal/auth"
	"github.com/servicecard/servicecard/internal/chcluster"
	"github.com/servicecard/servicecard/internal/chstore"
	"github.com/servicecard/servicecard/metrics"
)

// pairLatency is one scorecard request's measured rounds at one size on
// the single node and on the cluster.
type pairLatency struct {
	query           string
	n               int
	single, cluster []float64 // seconds
	checks          [2]check  // each side's first answer against raw SQL on the single node
}

// setupTiming is how long something took on one setup at one size.
type setupTiming struct {
	setup   string
	n       int
	seconds float64
}

// clusterScorecardResult is what the cluster scorecard table prints.
type clusterScorecardResult struct {
	latencies []pairLatency
	snapshots []setupTiming // from serve's start to its first snapshot logged
	rebuilds  []setupTiming // bin/servicecard facts rebuild after generating
}

// clusterScorecard generates each size's contacts inside ClickHouse on
// the single node and (through the Distributed tables) on the cluster,
// serves each with the real `servicecard serve` and measures the
// scorecard table's requests on both in turn.
func (h harness) clusterScorecard(ctx context.Context, dir string, single, clus target, o options) (clusterScorecardResult, error) {
	var res clusterScorecardResult
	cfgPath := filepath.Join(dir, "cluster-serve.yaml")
	tokens, err := writeServeConfig(cfgPath)
	if err != nil {
		return res, err
	}
	for _, n := range o.sizes {
		if err := h.clusterSize(ctx, single, clus, n, cfgPath, tokens, o, &res); err != nil {
			return res, fmt.Errorf("%d contacts: %w", n, err)
		}
	}
	return res, nil
}

// clusterSize measures the data sets of n contacts into res.
func (h harness) clusterSize(ctx context.Context, single, clus target, n int, cfgPath string, tokens serveTokens, o options, res *clusterScorecardResult) error {
	db := fmt.Sprintf("cluster_sc_%d", n)
	// serve's environment, and facts rebuild's.
	env := func(t target) []string { return append(t.env(db, 0), "SERVICECARD_CONFIG="+cfgPath) }
	for _, t := range []target{single, clus} {
		if err := h.generateOn(ctx, t, db, n); err != nil {
			return err
		}
		took, err := rebuildFacts(o.bin, env(t))
		if err != nil {
			return fmt.Errorf("%s: %w", t.name, err)
		}
		res.rebuilds = append(res.rebuilds, setupTiming{t.name, n, took.Seconds()})
	}
	var srvs [2]*apiServer
	defer func() {
		for _, s := range srvs {
			if s != nil {
				s.stop()
			}
		}
	}()
	for i, t := range []target{single, clus} {
		s, took, err := startClusterServe(ctx, t, db, o.bin, env(t), tokens)
		if err != nil {
			return fmt.Errorf("%s: %w", t.name, err)
		}
		srvs[i] = s
		res.snapshots = append(res.snapshots, setupTiming{t.name, n, took.Seconds()})
		h.log.Info("cluster: serve up, snapshot done", "setup", t.name, "contacts", n, "snapshot_s", fmt.Sprintf("%.1f", took.Seconds()))
	}
	for _, q := range scQueries(metrics.Default()) {
		l, err := h.measurePair(ctx, srvs, q, n, db, o)
		if err != nil {
			return fmt.Errorf("%s: %w", q.name, err)
		}
		res.latencies = append(res.latencies, l)
	}
	for _, t := range []target{single, clus} {
		if err := t.drop(ctx, db); err != nil {
			return err
		}
	}
	return nil
}

// generateOn fills a new, migrated database db of t with the scorecard
// table's n generated contacts (on a cluster through its Distributed
// tables), then waits until every replica has every part and merges are
// done on every server.
func (h harness) generateOn(ctx context.Context, t target, db string, n int) error {
	opt := chstore.Options{}
	if t.cluster != nil {
		opt = chstore.Options{Cluster: chcluster.Name, ZooKeeper: []string{t.zk}}
	}
	st, err := chstore.Open(ctx, nodesDSN(t.addrs(), db, 0), opt)
	if err != nil {
		return fmt.Errorf("%s: %w", t.name, err)
	}
	defer st.Close()
	if err := st.Migrate(ctx); err != nil {
		return fmt.Errorf("%s: %w", t.name, err)
	}
	h.log.Info("cluster: generating data set", "setup", t.name, "contacts", n, "load", loadAverage())
	if err := h.generate(ctx, st.Conn(), n); err != nil {
		return fmt.Errorf("%s: %w", t.name, err)
	}
	if t.cluster == nil {
		return nil
	}
	for _, addr := range t.addrs() {
		if err := h.settleNode(ctx, addr, db); err != nil {
			return fmt.Errorf("%s: server %s: %w", t.name, addr, err)
		}
	}
	return nil
}

// settleNode syncs every replicated table of db on the server at addr
// with its other replica, then waits for its merges.
func (h harness) settleNode(ctx context.Context, addr, db string) error {
	conn, err := clickhouse.Open(&clickhouse.Options{Addr: []string{addr}, Auth: clickhouse.Auth{Database: db}})
	if err != nil {
		return err
	}
	defer conn.Close()
	rows, err := conn.Query(ctx, "SELECT table FROM system.replicas WHERE database = currentDatabase() ORDER BY table")
	if err != nil {
		return fmt.Errorf("list replicas: %w", err)
	}
	var tables []string
	for rows.Next() {
		var t string
		if err := rows.Scan(&t); err != nil {
			rows.Close()
			return err
		}
		tables = append(tables, t)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, t := range tables {
		if err := conn.Exec(ctx, "SYSTEM SYNC REPLICA "+db+"."+t); err != nil {
			return fmt.Errorf("sync replica %s: %w", t, err)
		}
	}
	return h.settle(ctx, conn)
}

// serveTokens are the bearer tokens the served config admits.
type serveTokens struct{ executive, supervisor string }

// writeServeConfig writes a config of default settings admitting an
// executive and a supervisor of the bench team, and returns their tokens.
func writeServeConfig(path string) (serveTokens, error) {
	var t serveTokens
	executive, execEntry, err := auth.NewTokenEntry("bench-executive", auth.RoleExecutive, nil)
	if err != nil {
		return t, err
	}
	sup, supEntry, err := auth.NewTokenEntry("bench-supervisor", auth.RoleSupervisor, []string{benchTeam})
	if err != nil {
		return t, err
	}
	b, err := yaml.Marshal(map[string][]auth.TokenEntry{"tokens": {execEntry, supEntry}})
	if err != nil {
		return t, err
	}
	if err := os.WriteFile(path, b, 0o600); err != nil {
		return t, fmt.Errorf("write serve config: %w", err)
	}
	return serveTokens{executive: executive, supervisor: sup}, nil
}

// startClusterServe starts `bin serve` (startServe) with env on database
// db of t and returns it once the snapshot of the generated year it
// computes at start is recorded (waitSnapshot), with the time that took.
func startClusterServe(ctx context.Context, t target, db, bin string, env []string, toks serveTokens) (*apiServer, time.Duration, error) {
	conn, err := t.open(db)
	if err != nil {
		return nil, 0, err
	}
	defer conn.Close()
	lookback := time.Since(yearStart) + 8*24*time.Hour
	since := time.Now().Truncate(time.Second)
	srv, _, err := startServe(bin, env, tokens{executive: toks.executive, supervisor: toks.supervisor},
		"--snapshot-every", "24h", "--snapshot-lookback", lookback.Round(time.Hour).String())
	if err != nil {
		return nil, 0, err
	}
	took, err := waitSnapshot(ctx, conn, srv, since)
	if err != nil {
		srv.stop()
		return nil, 0, err
	}
	return srv, took, nil
}

// measurePair runs warm-up rounds and then measured rounds of q on both
// servers in turn, so load changes on the machine hit both alike (warm-ups
// stop once they took a quarter of o.budget, each side's measured rounds
// once that side took o.budget; at least one of each). The first warm-up
// answers are checked against the raw SQL on the single node's database.
func (h harness) measurePair(ctx context.Context, srvs [2]*apiServer, q scQuery, n int, db string, o options) (pairLatency, error) {
	l := pairLatency{query: q.name, n: n}
	token := func(s *apiServer) string {
		if q.supervisor {
			return s.supervisor
		}
		return s.executive
	}
	start := time.Now()
	for i := 0; i < max(o.warmups, 1) && (i == 0 || time.Since(start) < o.budget/4); i++ {
		var bodies [2][]byte
		for k, s := range srvs {
			_, body, err := s.get(ctx, q.params, token(s))
			if err != nil {
				return l, err
			}
			bodies[k] = body
		}
		if i > 0 {
			continue
		}
		_, raw, err := h.clickhouseClient(ctx, db, q.raw)
		if err != nil {
			return l, err
		}
		for k, body := range bodies {
			if l.checks[k], err = compare(body, raw, comparedMetrics); err != nil {
				return l, err
			}
		}
	}
	var spent [2]time.Duration
	samples := [2]*[]float64{&l.single, &l.cluster}
	for i := 0; i < o.reps; i++ {
		ran := false
		for k, s := range srvs {
			if i > 0 && spent[k] >= o.budget {
				continue
			}
			ran = true
			t0 := time.Now()
			d, _, err := s.get(ctx, q.params, token(s))
			if err != nil {
				return l, err
			}
			spent[k] += time.Since(t0)
			*samples[k] = append(*samples[k], d.Seconds())
		}
		if !ran {
			break
		}
	}
	h.log.Info("cluster: measured", "query", q.name, "contacts", n,
		"single_p95_ms", ms(percentile(l.single, 95)), "cluster_p95_ms", ms(percentile(l.cluster, 95)),
		"same_numbers", l.checks[0].String()+" / "+l.checks[1].String(), "load", loadAverage())
	return l, nil
}

// printClusterScorecard prints the latencies side by side, then serve's
// first snapshot and the facts rebuild of each setup.
func (h harness) printClusterScorecard(res clusterScorecardResult, cluster string) {
	if len(res.latencies) == 0 {
		return
	}
	fmt.Fprintf(h.out, "\nCluster scorecard latency (ms): GET /api/v1/scorecards of `servicecard serve` on the single node and on the cluster "+
		"(%s), in turn, after warm-ups and serve's first snapshot; contacts generated inside ClickHouse\n", cluster)
	tw := tabwriter.NewWriter(h.out, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "query\tcontacts\trounds single/cluster\tsingle p50\tsingle p95\tcluster p50\tcluster p95\tcluster p95 / single p95\tsame numbers single/cluster\t\n")
	for _, l := range res.latencies {
		same := func(c check) string { return yesNo(c.rows > 0 && c.same == c.rows) }
		fmt.Fprintf(tw, "%s\t%s\t%d/%d\t%s\t%s\t%s\t%s\t%.2f\t%s/%s\t\n", l.query, count(l.n), len(l.single), len(l.cluster),
			ms(percentile(l.single, 50)), ms(percentile(l.single, 95)), ms(percentile(l.cluster, 50)), ms(percentile(l.cluster, 95)),
			percentile(l.cluster, 95)/percentile(l.single, 95), same(l.checks[0]), same(l.checks[1]))
	}
	tw.Flush()
	fmt.Fprintln(h.out, "(same numbers: offered, AHT, ASA, service level and NPS of every API row equal raw SQL over contacts FINAL + surveys on the single node)")
	for _, l := range res.latencies {
		for k, side := range []string{"single node", "cluster"} {
			if c := l.checks[k]; c.rows == 0 || c.same != c.rows {
				fmt.Fprintf(h.out, "  %s at %s, %s: %s\n", l.query, count(l.n), side, c)
			}
		}
	}
	fmt.Fprintf(h.out, "serve's first snapshot (from its start): %s\n", timings(res.snapshots))
	fmt.Fprintf(h.out, "facts rebuild (bin/servicecard facts rebuild after generating): %s\n", timings(res.rebuilds))
}

// timings prints "single node 1M 21.0 s, 2 shards × 2 replicas 1M 30.2 s".
func timings(ts []setupTiming) string {
	var parts []string
	for _, t := range ts {
		parts = append(parts, fmt.Sprintf("%s %s %.1f s", t.setup, count(t.n), t.seconds))
	}
	return strings.Join(parts, ", ")
}
