package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"
	"golang.org/x/sync/errgroup"

	"github.com/servicecard/servicecard/ingest/spool"
)

// metricsListenAddr is SERVICECARD_METRICS_LISTEN or the worker's default.
func metricsListenAddr(e env) string {
	if a := strings.TrimSpace(e.getenv("SERVICECARD_METRICS_LISTEN")); a != "" {
		return a
	}
	return "127.0.0.1:9464"
}

// runWorker loads files dropped into a spool directory (see package
// spool for the layout and the guarantees) and serves /metrics.
func runWorker(ctx context.Context, e env) error {
	fs := newFlags("worker", e)
	dir := fs.String("spool", "", "spool directory (inbox/, work/, done/, failed/ inside) (required)")
	workers := fs.Int("workers", 2, "files loaded at once")
	tz := fs.String("timezone", "", "IANA zone for timestamps without one (default: the config's timezone)")
	mapFile := fs.String("mappings", "", "YAML list of column mappings by file name for files that need --map (e.g. Qualtrics): - {files: \"surveys.qualtrics.*\", columns: {nps: QID1}}")
	metricsAddr := fs.String("metrics-listen", metricsListenAddr(e), "address of the worker's /metrics, empty for none (SERVICECARD_METRICS_LISTEN)")
	if err := parseFlags(fs, e.args); err != nil {
		return err
	}
	if *dir == "" {
		return usageError{errors.New("worker: --spool DIR is required")}
	}
	cfg, err := loadConfig(e)
	if err != nil {
		return err
	}
	loc := cfg.Location()
	if *tz != "" {
		if loc, err = time.LoadLocation(*tz); err != nil {
			return usageError{fmt.Errorf("--timezone: %w", err)}
		}
	}
	var mappings []spool.Mapping
	if *mapFile != "" {
		if mappings, err = spool.LoadMappings(*mapFile); err != nil {
			return usageError{err}
		}
	}
	st, cleanup, err := openStore(ctx, e, false)
	if err != nil {
		return err
	}
	defer cleanup()
	reg := newRegistry()
	w, err := spool.New(spool.Options{Dir: *dir, Workers: *workers, Store: st, Logger: e.log, Registerer: reg, Location: loc, Mappings: mappings})
	if err != nil {
		return err
	}
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error { return w.Run(gctx) })
	if *metricsAddr != "" {
		ln, err := net.Listen("tcp", *metricsAddr)
		if err != nil {
			return fmt.Errorf("worker metrics listen: %w", err)
		}
		srv := &http.Server{Handler: promhttp.HandlerFor(reg, promhttp.HandlerOpts{}), ReadHeaderTimeout: 5 * time.Second}
		g.Go(func() error {
			if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
				return err
			}
			return nil
		})
		g.Go(func() error {
			<-gctx.Done()
			sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			return srv.Shutdown(sctx)
		})
	}
	e.log.Info("worker running", "spool", *dir, "workers", *workers)
	return g.Wait()
}
