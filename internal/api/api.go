// Package api is servicecard's HTTP server: the JSON API under /api/v1,
// health and readiness probes, Prometheus /metrics and the OpenAPI
// document, on echo v4.
//
// The package is only the HTTP side: what it serves, the services of the
// scorecard engine with their queries, results and errors, lives in
// internal/domain. Handlers parse and validate requests, authorise them
// against the bearer tokens of the configuration (see access for the role
// matrix) and call a Backend (those services) for data. Every error
// becomes the same JSON shape in one place, handleError, with the status
// domain.ErrorStatus gives it. Exports stream rows from the Backend
// to CSV, NDJSON or Parquet with bounded memory; ingest streams the request
// body into the same loader files use.
package api

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"runtime/debug"
	"strconv"
	"sync"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/servicecard/servicecard/internal/auth"
	"github.com/servicecard/servicecard/internal/ingestmetrics"
	"github.com/servicecard/servicecard/metrics"
)

// Prefix is where the JSON API lives.
const Prefix = "/api/v1"

// DefaultMaxIngestBytes bounds one ingest request body.
const DefaultMaxIngestBytes = 256 << 20

// Options configure a Server. Backend is required; the rest have defaults.
type Options struct {
	Backend Backend
	// Config supplies the tokens, the business time zone and the catalog's
	// goals. Nil: metrics.Default(), which has no tokens, so every
	// authenticated route answers 401.
	Config *metrics.Config
	// Logger gets request logs and errors. Nil: discard.
	Logger *slog.Logger
	// Registerer gets the HTTP metrics. Nil: a new registry of its own.
	Registerer prometheus.Registerer
	// Gatherer is what /metrics serves. Nil: Registerer when it is a
	// Gatherer (a *prometheus.Registry), else prometheus.DefaultGatherer.
	Gatherer prometheus.Gatherer
	// MaxIngestBytes bounds an ingest body; beyond it the answer is 413.
	// 0: DefaultMaxIngestBytes.
	MaxIngestBytes int64
	// Pages, if set, mounts the built-in HTML pages (outside /api/v1).
	Pages Pages
	// AgentKeys turns agent ids into the pseudonymous agent keys that
	// analysts see (auth.Policy). Nil: a random secret of this process,
	// so keys never reveal an id but change on restart; serve passes the
	// deployment's (chstore.Store.AgentKeyer).
	AgentKeys *auth.Keyer
	// Now is the clock for default ranges. Nil: time.Now.
	Now func() time.Time
	// ShutdownTimeout bounds Run's graceful shutdown. 0: 30 s.
	ShutdownTimeout time.Duration
	// BodyTimeout bounds a request body: a form must arrive whole within
	// it, an ingest body must not pause longer (408 otherwise). 0:
	// DefaultBodyTimeout.
	BodyTimeout time.Duration
}

// Pages is the place for the built-in pages, outside /api/v1.
// Register adds each page route with add, which labels it for metrics and
// logs like the API's; pages get the same error handler and panic
// recovery, and authenticate as they see fit.
type Pages interface {
	Register(add func(method, path string, h echo.HandlerFunc, m ...echo.MiddlewareFunc))
}

// Server is the HTTP server. It is an http.Handler; Run serves it on a
// listener until its context ends.
type Server struct {
	e              *echo.Echo
	backend        Backend
	cfg            *metrics.Config
	keys           *auth.Keyer
	log            *slog.Logger
	maxIngestBytes int64
	now            func() time.Time
	shutdown       time.Duration
	bodyTimeout    time.Duration
	duration       *prometheus.HistogramVec
	ingested       *ingestmetrics.Counters
	routes         []route
	docOnce        sync.Once
	doc            []byte
}

// New builds the server and registers its routes.
func New(opt Options) (*Server, error) {
	if opt.Backend == nil {
		return nil, errors.New("api: Options.Backend is required")
	}
	s := &Server{
		backend:        opt.Backend,
		cfg:            opt.Config,
		keys:           opt.AgentKeys,
		log:            opt.Logger,
		maxIngestBytes: opt.MaxIngestBytes,
		now:            opt.Now,
		shutdown:       opt.ShutdownTimeout,
		bodyTimeout:    opt.BodyTimeout,
	}
	if s.cfg == nil {
		d := metrics.Default()
		s.cfg = &d
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.keys == nil {
		k, err := auth.RandomKeyer()
		if err != nil {
			return nil, fmt.Errorf("api: agent keys: %w", err)
		}
		s.keys = k
	}
	if s.maxIngestBytes <= 0 {
		s.maxIngestBytes = DefaultMaxIngestBytes
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.shutdown <= 0 {
		s.shutdown = 30 * time.Second
	}
	if s.bodyTimeout <= 0 {
		s.bodyTimeout = DefaultBodyTimeout
	}
	reg, gat := opt.Registerer, opt.Gatherer
	if reg == nil {
		r := prometheus.NewRegistry()
		reg = r
		if gat == nil {
			gat = r
		}
	}
	if gat == nil {
		if g, ok := reg.(prometheus.Gatherer); ok {
			gat = g
		} else {
			gat = prometheus.DefaultGatherer
		}
	}
	s.duration = promauto.With(reg).NewHistogramVec(prometheus.HistogramOpts{
		Name:    "servicecard_http_request_duration_seconds",
		Help:    "Time to answer HTTP requests, by route template, method and status code.",
		Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60, 300},
	}, []string{"route", "method", "code"})
	s.ingested = ingestmetrics.New(reg)

	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.HTTPErrorHandler = s.handleError
	e.Server.ReadHeaderTimeout = 10 * time.Second
	e.Server.IdleTimeout = 2 * time.Minute
	// No write or whole-request read timeout: exports and ingest stream
	// for as long as they take; bodyDeadline bounds stalled bodies.
	e.Use(s.observe, s.recoverPanics, s.bodyDeadline)
	s.e = e

	s.routes = s.routeTable(promhttp.HandlerFor(gat, promhttp.HandlerOpts{}))
	for _, r := range s.routes {
		m := []echo.MiddlewareFunc{routeLabel(r.path)}
		if r.access != nil {
			m = append(m, s.authenticate(r.access))
		}
		e.Add(r.method, r.path, r.handler, m...)
	}
	if opt.Pages != nil {
		opt.Pages.Register(func(method, path string, h echo.HandlerFunc, m ...echo.MiddlewareFunc) {
			e.Add(method, path, h, append([]echo.MiddlewareFunc{routeLabel(path)}, m...)...)
		})
	}
	return s, nil
}

// ServeHTTP serves one request. HEAD is answered on every GET route, API
// and pages alike: the route sees a GET, and net/http, which still holds
// the original HEAD request, sends the status and headers without the
// body.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodHead {
		r = r.Clone(r.Context())
		r.Method = http.MethodGet
	}
	s.e.ServeHTTP(w, r)
}

// Echo returns the underlying echo instance (for tests and route listings).
func (s *Server) Echo() *echo.Echo { return s.e }

// Run serves on ln until ctx ends, then shuts down gracefully: in-flight
// requests get ShutdownTimeout to finish. It returns nil after a clean
// shutdown.
func (s *Server) Run(ctx context.Context, ln net.Listener) error {
	srv := s.e.Server
	srv.Handler = s
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("serve http: %w", err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.shutdown)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("shut down http: %w", err)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve http: %w", err)
	}
	return nil
}

const keyRoute = "servicecard.route"

// routeLabel records the route template a request matched.
func routeLabel(path string) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			c.Set(keyRoute, path)
			return next(c)
		}
	}
}

// routeOf is the route template of a request, never the raw URL, so the
// metrics' labels stay few and carry no agent ids. Requests that matched
// no route (404, 405) are "unmatched".
func routeOf(c echo.Context) string {
	if p, ok := c.Get(keyRoute).(string); ok {
		return p
	}
	return "unmatched"
}

// methodLabel bounds the method label to the methods HTTP defines.
func methodLabel(m string) string {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodOptions, http.MethodConnect, http.MethodTrace:
		return m
	}
	return "other"
}

// observe times, counts and logs every request. It writes an error answer
// itself (instead of leaving it to echo) so the status is known here.
func (s *Server) observe(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		start := time.Now()
		if err := next(c); err != nil {
			c.Error(err)
		}
		d := time.Since(start)
		status := c.Response().Status
		route := routeOf(c)
		s.duration.WithLabelValues(route, methodLabel(c.Request().Method), strconv.Itoa(status)).Observe(d.Seconds())
		attrs := []any{"method", c.Request().Method, "route", route, "status", status, "duration", d}
		if p := principalOf(c); p != nil {
			attrs = append(attrs, "user", p.Name)
		}
		if n := c.Response().Size; n > 0 {
			attrs = append(attrs, "bytes", n)
		}
		level := slog.LevelInfo
		if route == "/healthz" || route == "/readyz" || route == "/metrics" {
			level = slog.LevelDebug // probes and scrapes every few seconds
		}
		s.log.Log(c.Request().Context(), level, "request", attrs...)
		if aborted, _ := c.Get(keyAbort).(bool); aborted {
			// The answer failed half-way: break the connection so the
			// client cannot take a truncated export for a whole one.
			panic(http.ErrAbortHandler)
		}
		return nil
	}
}

// recoverPanics turns a handler's panic into a logged 500 (echo's own
// Recover middleware would pull in golang.org/x/time for its rate limiter).
func (s *Server) recoverPanics(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) (err error) {
		defer func() {
			r := recover()
			if r == nil {
				return
			}
			if r == http.ErrAbortHandler {
				panic(r)
			}
			// handleError logs it, once, with the stack.
			err = fmt.Errorf("panic: %v\n%s", r, debug.Stack())
		}()
		return next(c)
	}
}
