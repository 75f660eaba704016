package main

import (
	"context"
	"fmt"
	"net"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"golang.org/x/sync/errgroup"

	"github.com/servicecard/servicecard/internal/api"
	"github.com/servicecard/servicecard/internal/chstore"
	"github.com/servicecard/servicecard/internal/digest"
	"github.com/servicecard/servicecard/internal/scorecard"
	"github.com/servicecard/servicecard/metrics"
)

// runServe serves the API, the built-in pages and /metrics, and keeps the
// scorecard snapshots current.
func runServe(ctx context.Context, e env) error {
	fs := newFlags("serve", e)
	listen := fs.String("listen", listenAddr(e), "address to listen on (SERVICECARD_LISTEN)")
	every := fs.Duration("snapshot-every", 15*time.Minute, "how often scorecard snapshots are recomputed")
	lookback := fs.Duration("snapshot-lookback", 400*24*time.Hour, "how far back each snapshot run recomputes (a year of weekly trend stays served from snapshots)")
	maxIngest := fs.Int64("max-ingest-bytes", api.DefaultMaxIngestBytes, "largest body POST /api/v1/ingest accepts (413 beyond, and nothing loaded)")
	bodyTimeout := fs.Duration("body-timeout", api.DefaultBodyTimeout, "how long a form body may take, and an ingest body may pause (408 beyond)")
	if err := parseFlags(fs, e.args); err != nil {
		return err
	}
	cfg, err := loadConfig(e)
	if err != nil {
		return err
	}
	if _, err := digest.ParseConfig(cfg); err != nil {
		return fmt.Errorf("config: %w", err)
	}
	st, cleanup, err := openStore(ctx, e, false)
	if err != nil {
		return err
	}
	defer cleanup()
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	return serve(ctx, e, st, cfg, ln, serveOptions{every: *every, lookback: *lookback, maxIngest: *maxIngest, bodyTimeout: *bodyTimeout})
}

type serveOptions struct {
	every, lookback time.Duration
	maxIngest       int64
	bodyTimeout     time.Duration
	reg             *prometheus.Registry
	ready           func(addr string) // called once the listener serves
}

// serve runs the HTTP server and the snapshot loop on ln until ctx ends.
func serve(ctx context.Context, e env, st *chstore.Store, cfg metrics.Config, ln net.Listener, o serveOptions) error {
	reg := o.reg
	if reg == nil {
		reg = newRegistry()
	}
	eng := scorecard.New(st, cfg, scorecard.Options{Logger: e.log, Registerer: reg})
	keys, err := st.AgentKeyer(ctx)
	if err != nil {
		return err
	}
	srv, err := api.New(api.Options{Backend: eng, Config: &cfg, Logger: e.log, Registerer: reg, Gatherer: reg,
		MaxIngestBytes: o.maxIngest, BodyTimeout: o.bodyTimeout, Pages: newPages(eng, st, cfg, e), AgentKeys: keys})
	if err != nil {
		return err
	}
	e.log.Info("serving", "addr", "http://"+ln.Addr().String())
	fmt.Fprintf(e.stdout, "serving on http://%s\n", ln.Addr())
	if o.ready != nil {
		o.ready(ln.Addr().String())
	}
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error { return srv.Run(gctx, ln) })
	g.Go(func() error { return eng.RunSnapshots(gctx, o.every, o.lookback) })
	if dcfg, err := digest.ParseConfig(cfg); err == nil && dcfg.Enabled() {
		// The weekly digests, once per recipient and week (digest_sends).
		s := newSender(st, cfg, dcfg, e)
		g.Go(func() error { return s.Run(gctx, time.Minute) })
	}
	return g.Wait()
}

func newRegistry() *prometheus.Registry {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return reg
}

// loadConfig reads SERVICECARD_CONFIG (defaults when unset).
func loadConfig(e env) (metrics.Config, error) {
	path := e.getenv(metrics.EnvConfig)
	// LoadConfig's errors already name the file ("config PATH: key: ...").
	return metrics.LoadConfig(path)
}
