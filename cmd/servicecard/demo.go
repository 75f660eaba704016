package main

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/servicecard/servicecard/ingest"
	"github.com/servicecard/servicecard/internal/auth"
	"github.com/servicecard/servicecard/internal/chstore"
	"github.com/servicecard/servicecard/internal/demo"
	"github.com/servicecard/servicecard/internal/scorecard"
	"github.com/servicecard/servicecard/metrics"
)

// runDemo starts (or reuses) ClickHouse, generates a demo contact center
// as files in the real formats, ingests them through the same path as
// `servicecard ingest`, computes the scorecard snapshots and serves the
// result with one token per role.
func runDemo(ctx context.Context, e env) error {
	fs := newFlags("demo", e)
	seed := fs.Int64("seed", 1, "random seed: the same seed (and end day) gives the same contact center")
	days := fs.Int("days", demo.DefaultDays, "days of history")
	end := fs.String("end", "", "day after the last day, YYYY-MM-DD (default: today)")
	dir := fs.String("dir", "", "where the generated files go (default: SERVICECARD_HOME/demo-data)")
	loadOnly := fs.Bool("load-only", false, "generate and ingest, then exit without serving")
	listen := fs.String("listen", listenAddr(e), "address to serve on")
	if err := parseFlags(fs, e.args); err != nil {
		return err
	}
	cfg, err := demoConfig(e)
	if err != nil {
		return err
	}
	loc := cfg.Location()
	opt := demo.Options{Seed: *seed, Days: *days, Location: loc, Dir: *dir}
	if *end != "" {
		if opt.End, err = time.ParseInLocation(time.DateOnly, *end, loc); err != nil {
			return usageError{fmt.Errorf("--end: want YYYY-MM-DD: %w", err)}
		}
	}
	if opt.Dir == "" {
		opt.Dir = filepath.Join(homeDir(e), "demo-data")
	}

	st, cleanup, err := openDemoStore(ctx, e)
	if err != nil {
		return err
	}
	defer cleanup()
	st.UseConfig(cfg) // loads keep the facts of the demo's configuration

	t0 := time.Now()
	m, err := demo.Generate(opt)
	if err != nil {
		return err
	}
	e.log.Info("demo generated", "dir", opt.Dir, "files", len(m.Files), "from", m.From.Format(time.DateOnly), "to", m.To.Format(time.DateOnly), "duration", time.Since(t0).Round(time.Millisecond))
	for _, f := range m.Files {
		_, err := ingestFile(ctx, st, f.Path, ingest.Batch{Kind: f.Kind, Format: f.Format, Source: f.Source},
			ingest.Options{Location: loc, Source: f.Source, Columns: f.Columns}, e, false)
		if err != nil {
			return fmt.Errorf("demo: %w", err)
		}
	}
	eng := scorecard.New(st, cfg, scorecard.Options{Logger: e.log})
	n, err := eng.Snapshot(ctx, m.From, m.To)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "demo: %d scorecard snapshot rows for %s to %s (%s)\n", n, m.From.Format(time.DateOnly), m.To.Format(time.DateOnly), cfg.Timezone)
	writeDemoDigests(ctx, e, st, cfg, m.To)
	if *loadOnly {
		return nil
	}
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	return serve(ctx, e, st, cfg, ln, serveOptions{every: 15 * time.Minute, lookback: 400 * 24 * time.Hour,
		ready: func(addr string) { printDemoTokens(e, cfg, addr) }})
}

// demoConfig is SERVICECARD_CONFIG when set; else the defaults in the demo's
// time zone with one fresh token per role (printed when serving).
func demoConfig(e env) (metrics.Config, error) {
	if e.getenv(metrics.EnvConfig) != "" {
		return loadConfig(e)
	}
	var doc struct {
		Timezone string            `yaml:"timezone"`
		Tokens   []auth.TokenEntry `yaml:"tokens"`
	}
	doc.Timezone = demo.DefaultTimezone
	demoTokens = map[string]string{}
	for _, r := range []struct {
		role  auth.Role
		teams []string
	}{
		{auth.RoleExecutive, nil}, {auth.RoleSupervisor, []string{demoSupervisorTeam}},
		{auth.RoleAnalyst, nil}, {auth.RoleAdmin, nil},
	} {
		tok, entry, err := auth.NewTokenEntry("demo-"+string(r.role), r.role, r.teams)
		if err != nil {
			return metrics.Config{}, err
		}
		doc.Tokens = append(doc.Tokens, entry)
		demoTokens[string(r.role)] = tok
	}
	b, err := yaml.Marshal(doc)
	if err != nil {
		return metrics.Config{}, err
	}
	return metrics.ParseConfig(b)
}

// demoSupervisorTeam is the team the demo's supervisor token may see.
const demoSupervisorTeam = "Billing"

var demoTokens map[string]string

func printDemoTokens(e env, cfg metrics.Config, addr string) {
	if len(demoTokens) == 0 {
		return
	}
	var b strings.Builder
	fmt.Fprintf(&b, "\nservicecard demo is serving on http://%s (business time zone %s)\n", addr, cfg.Timezone)
	fmt.Fprintf(&b, "tokens (Authorization: Bearer TOKEN), valid while this demo runs:\n")
	for _, role := range []string{"executive", "supervisor", "analyst", "admin"} {
		extra := ""
		if role == "supervisor" {
			extra = " (team " + demoSupervisorTeam + ")"
		}
		fmt.Fprintf(&b, "  %-10s %s%s\n", role, demoTokens[role], extra)
	}
	fmt.Fprintf(&b, "try: curl -H 'Authorization: Bearer %s' 'http://%s/api/v1/scorecards?level=team&grain=week'\n", demoTokens["executive"], addr)
	fmt.Fprintf(&b, "     open http://%s/ in a browser and sign in with the executive token\n", addr)
	fmt.Fprintf(&b, "     the last week's digest: http://%s/digest (executive token; the supervisor token shows theirs, with thank-you notes on /coaching)\n\n", addr)
	fmt.Fprint(e.stdout, b.String())
}

// openDemoStore uses SERVICECARD_CLICKHOUSE_DSN when set; otherwise a
// local server and a new demo database, so a demo run always shows exactly
// one generated contact center. Earlier demo databases are dropped, best
// effort: after an unclean stop ClickHouse 18.16 can refuse to drop one
// ("Directory not empty"), which must not stop the demo.
func openDemoStore(ctx context.Context, e env) (*chstore.Store, func(), error) {
	if strings.TrimSpace(e.getenv("SERVICECARD_CLICKHOUSE_DSN")) != "" {
		return openStore(ctx, e, false)
	}
	srv, err := localServer(ctx, e)
	if err != nil {
		return nil, nil, err
	}
	name := "servicecard_demo_" + time.Now().UTC().Format("20060102_150405")
	st, err := chstore.Open(ctx, srv.DSN(name), chstore.Options{Logger: e.log})
	if err != nil {
		srv.Stop()
		return nil, nil, err
	}
	dropOldDemoDatabases(ctx, e, st, name)
	if err := st.Migrate(ctx); err != nil {
		st.Close()
		srv.Stop()
		return nil, nil, fmt.Errorf("migrate: %w", err)
	}
	return st, func() { st.Close(); srv.Stop() }, nil
}

func dropOldDemoDatabases(ctx context.Context, e env, st *chstore.Store, keep string) {
	rows, err := st.Conn().Query(ctx, "SELECT name FROM system.databases WHERE startsWith(name, 'servicecard_demo')")
	if err != nil {
		e.log.Warn("list old demo databases", "err", err)
		return
	}
	var old []string
	for rows.Next() {
		var n string
		if rows.Scan(&n) == nil && n != keep {
			old = append(old, n)
		}
	}
	rows.Close()
	for _, n := range old {
		// n comes from system.databases and starts with servicecard_demo:
		// an identifier, quoted all the same.
		if err := st.Conn().Exec(ctx, "DROP DATABASE IF EXISTS `"+strings.ReplaceAll(n, "`", "")+"`"); err != nil {
			e.log.Warn("drop old demo database", "database", n, "err", err)
		}
	}
}

// homeDir is SERVICECARD_HOME, default ~/.cache/servicecard.
func homeDir(e env) string {
	if h := e.getenv("SERVICECARD_HOME"); h != "" {
		return h
	}
	base, err := os.UserCacheDir()
	if err != nil {
		base = os.TempDir()
	}
	return filepath.Join(base, "servicecard")
}
