package main

import (
	"context"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/servicecard/servicecard/internal/auth"
	"github.com/servicecard/servicecard/internal/chserver"
	"github.com/servicecard/servicecard/internal/chstore"
	"github.com/servicecard/servicecard/internal/demo"
	"github.com/servicecard/servicecard/metrics"
)

const defaultDSN = "clickhouse://default:@127.0.0.1:9000/servicecard"

// openStore connects to SERVICECARD_CLICKHOUSE_DSN and applies the
// migrations. With local set and no DSN configured (the demo), it starts
// or reuses a ClickHouse server of its own under the cache directory.
func openStore(ctx context.Context, e env, local bool) (*chstore.Store, func(), error) {
	dsn := strings.TrimSpace(e.getenv("SERVICECARD_CLICKHOUSE_DSN"))
	cleanup := func() {}
	if dsn == "" && local {
		srv, err := localServer(ctx, e)
		if err != nil {
			return nil, nil, err
		}
		dsn = srv.DSN("servicecard")
		cleanup = func() { srv.Stop() }
	} else if dsn == "" {
		dsn = defaultDSN
	}
	secret := strings.TrimSpace(e.getenv("SERVICECARD_AGENT_KEY_SECRET"))
	if secret != "" && len(secret) < auth.MinSecretBytes {
		cleanup()
		return nil, nil, fmt.Errorf("SERVICECARD_AGENT_KEY_SECRET: want at least %d bytes, got %d", auth.MinSecretBytes, len(secret))
	}
	opt := storeOptions(e)
	opt.AgentKeySecret = secret
	st, err := chstore.Open(ctx, dsn, opt)
	if err != nil {
		cleanup()
		return nil, nil, fmt.Errorf("connect to ClickHouse (%s): %w", redact(dsn), err)
	}
	if err := st.Migrate(ctx); err != nil {
		st.Close()
		cleanup()
		return nil, nil, fmt.Errorf("migrate: %w", err)
	}
	// The facts every load keeps current are those of the deployment's
	// configuration (the demo's own, when it has no file).
	cfg, err := loadConfig(e)
	if local && e.getenv(metrics.EnvConfig) == "" {
		cfg, err = metrics.ParseConfig([]byte("timezone: " + demo.DefaultTimezone + "\n"))
	}
	if err != nil {
		st.Close()
		cleanup()
		return nil, nil, err
	}
	st.UseConfig(cfg)
	return st, func() { st.Close(); cleanup() }, nil
}

// storeOptions reads cluster mode from the environment:
// SERVICECARD_CLICKHOUSE_CLUSTER names the cluster, SERVICECARD_ZOOKEEPER
// (host:port, comma separated) its ZooKeeper or Keeper for the write lock.
func storeOptions(e env) chstore.Options {
	opt := chstore.Options{Logger: e.log, Cluster: strings.TrimSpace(e.getenv("SERVICECARD_CLICKHOUSE_CLUSTER"))}
	for _, z := range strings.Split(e.getenv("SERVICECARD_ZOOKEEPER"), ",") {
		if z = strings.TrimSpace(z); z != "" {
			opt.ZooKeeper = append(opt.ZooKeeper, z)
		}
	}
	return opt
}

// localServer starts the demo's own ClickHouse with its data kept under
// SERVICECARD_HOME (default ~/.cache/servicecard), on port 19000 unless
// SERVICECARD_CH_PORT says otherwise.
func localServer(ctx context.Context, e env) (*chserver.Server, error) {
	home := homeDir(e)
	port := 19000
	if p := e.getenv("SERVICECARD_CH_PORT"); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil {
			return nil, fmt.Errorf("SERVICECARD_CH_PORT: %w", err)
		}
		port = n
	}
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	if chserver.Answers(ctx, addr) {
		e.log.Info("reusing running clickhouse", "addr", addr)
		return &chserver.Server{Addr: addr}, nil
	}
	dir := filepath.Join(home, "clickhouse")
	e.log.Info("starting local clickhouse", "dir", dir, "port", port)
	srv, err := chserver.Start(ctx, chserver.Options{Dir: dir, Port: port})
	if err != nil {
		return nil, fmt.Errorf("start local ClickHouse (set SERVICECARD_CLICKHOUSE_DSN to use your own): %w", err)
	}
	return srv, nil
}

// redact hides a password in a DSN for messages.
func redact(dsn string) string {
	at := strings.LastIndex(dsn, "@")
	scheme := strings.Index(dsn, "://")
	if at < 0 || scheme < 0 {
		return dsn
	}
	cred := dsn[scheme+3 : at]
	if user, _, ok := strings.Cut(cred, ":"); ok {
		return dsn[:scheme+3] + user + ":***" + dsn[at:]
	}
	return dsn
}
