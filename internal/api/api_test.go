package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/servicecard/servicecard/ingest"
	"github.com/servicecard/servicecard/internal/auth"
	"github.com/servicecard/servicecard/internal/domain"
	"github.com/servicecard/servicecard/metrics"
)

// fakeBackend serves canned data and records what it was asked. It tests
// the HTTP layer only; the engine's own tests use ClickHouse.
type fakeBackend struct {
	mu          sync.Mutex
	cards       []metrics.Card
	ops         []metrics.Opportunity
	rec         domain.Recognition
	err         error // returned by every data method when set
	readyErr    error
	exportCols  []domain.Column
	exportRows  [][]any
	exportErrAt int // fail after this many rows (0: never)
	panicNext   bool

	lastScorecards  *domain.ScorecardQuery
	lastCoaching    *domain.CoachingQuery
	lastRecognition *domain.RecognitionQuery
	lastExport      *domain.ExportQuery
	lastIngest      *domain.IngestRequest
	ingested        *memStore
}

func (f *fakeBackend) Scorecards(_ context.Context, q domain.ScorecardQuery) ([]metrics.Card, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.panicNext {
		panic("boom")
	}
	f.lastScorecards = &q
	return append([]metrics.Card(nil), f.cards...), f.err
}

func (f *fakeBackend) Coaching(_ context.Context, q domain.CoachingQuery) ([]metrics.Opportunity, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.lastCoaching = &q
	return append([]metrics.Opportunity(nil), f.ops...), f.err
}

func (f *fakeBackend) Recognition(_ context.Context, q domain.RecognitionQuery) (domain.Recognition, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.lastRecognition = &q
	r := f.rec
	r.Stars = append([]metrics.Star(nil), r.Stars...)
	r.Praise = append([]metrics.Survey(nil), r.Praise...)
	return r, f.err
}

func (f *fakeBackend) Export(_ context.Context, q domain.ExportQuery, w domain.RowWriter) error {
	f.mu.Lock()
	f.lastExport = &q
	cols, rows, errAt, err := f.exportCols, f.exportRows, f.exportErrAt, f.err
	f.mu.Unlock()
	if err != nil {
		return err
	}
	if cols == nil {
		cols = []domain.Column{{Name: "contact_id", Type: domain.TypeString}}
	}
	if err := w.Columns(cols); err != nil {
		return err
	}
	for i, r := range rows {
		if errAt > 0 && i == errAt {
			return errors.New("fake: clickhouse went away")
		}
		if err := w.Row(r); err != nil {
			return err
		}
	}
	return nil
}

// Ingest goes through the real ingest.Load into memory, as the engine
// does into ClickHouse.
func (f *fakeBackend) Ingest(ctx context.Context, req domain.IngestRequest, body io.Reader) (ingest.Summary, error) {
	f.mu.Lock()
	f.lastIngest = &req
	if f.ingested == nil {
		f.ingested = &memStore{}
	}
	st := f.ingested
	f.mu.Unlock()
	id := req.BatchID
	if id == "" {
		id = "batch-1"
	}
	opt := ingest.Options{File: req.File, Source: req.Source, Location: req.Location}
	return ingest.Load(ctx, st, body, ingest.Batch{ID: id, Kind: req.Kind, Format: req.Format, File: req.File}, opt)
}

func (f *fakeBackend) Ready(context.Context) error { return f.readyErr }

// memStore is an ingest.Store in memory.
type memStore struct {
	mu       sync.Mutex
	contacts []ingest.Contact
	rejects  []ingest.Reject
}

func (m *memStore) Begin(context.Context, ingest.Batch) (ingest.Writer, error) {
	return memWriter{m}, nil
}

type memWriter struct{ m *memStore }

func (w memWriter) Contact(c ingest.Contact) error {
	w.m.mu.Lock()
	defer w.m.mu.Unlock()
	w.m.contacts = append(w.m.contacts, c)
	return nil
}
func (w memWriter) Survey(ingest.Survey) error                   { return nil }
func (w memWriter) Agent(ingest.Agent) error                     { return nil }
func (w memWriter) State(ingest.AgentState) error                { return nil }
func (w memWriter) Schedule(ingest.Schedule) error               { return nil }
func (w memWriter) Close(context.Context, *ingest.Summary) error { return nil }
func (w memWriter) Reject(r ingest.Reject) error {
	w.m.mu.Lock()
	defer w.m.mu.Unlock()
	w.m.rejects = append(w.m.rejects, r)
	return nil
}

// Tokens of the test configuration, by role name.
const (
	roleNone = "none"    // no Authorization header
	roleBad  = "unknown" // a token not in the config
)

type fixture struct {
	srv     *Server
	backend *fakeBackend
	reg     *prometheus.Registry
	tokens  map[string]string // role -> token
	logs    *syncBuffer
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// fixedNow is the test clock: a Wednesday.
var fixedNow = time.Date(2024, 10, 9, 15, 0, 0, 0, time.UTC)

func newFixture(t testing.TB, mod func(*Options)) *fixture {
	t.Helper()
	cfg := metrics.Default()
	f := &fixture{backend: &fakeBackend{}, reg: prometheus.NewRegistry(), tokens: map[string]string{}, logs: &syncBuffer{}}
	for _, r := range []struct {
		role  auth.Role
		teams []string
	}{
		{auth.RoleExecutive, nil},
		{auth.RoleSupervisor, []string{"team-a", "team-b"}},
		{auth.RoleAnalyst, nil},
		{auth.RoleAdmin, nil},
	} {
		tok, entry, err := auth.NewTokenEntry("test-"+string(r.role), r.role, r.teams)
		if err != nil {
			t.Fatal(err)
		}
		cfg.Tokens = append(cfg.Tokens, entry)
		f.tokens[string(r.role)] = tok
	}
	f.tokens[roleBad] = "sc_not-a-configured-token"
	opt := Options{
		Backend:    f.backend,
		Config:     &cfg,
		Logger:     slog.New(slog.NewTextHandler(f.logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Registerer: f.reg,
		Now:        func() time.Time { return fixedNow },
	}
	if mod != nil {
		mod(&opt)
	}
	srv, err := New(opt)
	if err != nil {
		t.Fatal(err)
	}
	f.srv = srv
	return f
}

// do sends a request as role and returns the recorded response.
func (f *fixture) do(t *testing.T, role, method, target string, body io.Reader) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(method, target, body)
	if tok, ok := f.tokens[role]; ok {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	rec := httptest.NewRecorder()
	f.srv.ServeHTTP(rec, req)
	return rec
}

// errorOf decodes an error body, failing the test when it is not the
// documented shape.
func errorOf(t *testing.T, rec *httptest.ResponseRecorder) ErrorDetail {
	t.Helper()
	if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Fatalf("error Content-Type = %q, want application/json; body %q", ct, rec.Body.String())
	}
	var raw map[string]map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &raw); err != nil {
		t.Fatalf("error body is not JSON: %v: %q", err, rec.Body.String())
	}
	e, ok := raw["error"]
	if !ok || len(raw) != 1 {
		t.Fatalf("error body = %s, want {\"error\":{...}}", rec.Body.String())
	}
	code, _ := e["code"].(string)
	msg, _ := e["message"].(string)
	if code == "" || msg == "" || len(e) != 2 {
		t.Fatalf("error object = %v, want exactly a non-empty code and message", e)
	}
	return ErrorDetail{Code: code, Message: msg}
}

func ptr[T any](v T) *T { return &v }

func TestErrorShape(t *testing.T) {
	f := newFixture(t, nil)
	f.backend.err = fmt.Errorf("query rollups: %w", errors.New("dial tcp 10.0.0.7:9000: connection refused"))
	tests := []struct {
		name, role, method, target string
		status                     int
		code                       string
	}{
		{"unknown path", roleNone, "GET", "/nope", 404, "not_found"},
		{"unknown api path", "admin", "GET", "/api/v1/nope", 404, "not_found"},
		{"wrong method", "admin", "DELETE", "/api/v1/scorecards", 405, "method_not_allowed"},
		{"backend failure is a generic 500", "admin", "GET", "/api/v1/scorecards", 500, "internal"},
		{"unknown export table", "analyst", "GET", "/api/v1/export/agents", 404, "not_found"},
		{"unknown ingest kind", "admin", "POST", "/api/v1/ingest/calls", 404, "not_found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := f.do(t, tt.role, tt.method, tt.target, nil)
			if rec.Code != tt.status {
				t.Fatalf("status = %d, want %d; body %s", rec.Code, tt.status, rec.Body)
			}
			e := errorOf(t, rec)
			if e.Code != tt.code {
				t.Errorf("code = %q, want %q", e.Code, tt.code)
			}
			if strings.Contains(e.Message, "10.0.0.7") {
				t.Errorf("message leaks the cause: %q", e.Message)
			}
		})
	}
	if !strings.Contains(f.logs.String(), "10.0.0.7:9000") {
		t.Errorf("the 500's cause was not logged; log:\n%s", f.logs)
	}
}

func TestBackendSentinels(t *testing.T) {
	tests := []struct {
		err    error
		status int
		code   string
	}{
		{fmt.Errorf("engine: %w: no such period", domain.ErrNotFound), 404, "not_found"},
		{fmt.Errorf("engine: %w: grain day needs a day", domain.ErrBadRequest), 400, "bad_request"},
		{fmt.Errorf("engine: %w", domain.ErrNotReady), 503, "not_ready"},
		{fmt.Errorf("engine: %w \"x\"", metrics.ErrUnknownMetric), 400, "bad_parameter"},
		// A wrapped *echo.HTTPError keeps its status (echo's default
		// handler would make it a 500).
		{fmt.Errorf("engine: %w", echo.NewHTTPError(http.StatusTeapot, "short and stout")), 418, "bad_request"},
	}
	for _, tt := range tests {
		t.Run(tt.code+"/"+tt.err.Error(), func(t *testing.T) {
			f := newFixture(t, nil)
			f.backend.err = tt.err
			rec := f.do(t, "admin", "GET", "/api/v1/scorecards", nil)
			if rec.Code != tt.status {
				t.Fatalf("status = %d, want %d; body %s", rec.Code, tt.status, rec.Body)
			}
			if e := errorOf(t, rec); e.Code != tt.code {
				t.Errorf("code = %q, want %q", e.Code, tt.code)
			}
		})
	}
}

func TestUnencodableIsA500(t *testing.T) {
	f := newFixture(t, nil)
	f.backend.cards = []metrics.Card{{Level: metrics.LevelOrg, Key: "org", Score: ptr(math.NaN())}}
	rec := f.do(t, "admin", "GET", "/api/v1/scorecards", nil)
	if rec.Code != 500 {
		t.Fatalf("status = %d: %s", rec.Code, rec.Body)
	}
	errorOf(t, rec)
}

func TestPanicIsA500(t *testing.T) {
	f := newFixture(t, nil)
	f.backend.panicNext = true
	rec := f.do(t, "admin", "GET", "/api/v1/scorecards", nil)
	if rec.Code != 500 {
		t.Fatalf("status = %d, want 500", rec.Code)
	}
	if e := errorOf(t, rec); e.Code != "internal" {
		t.Errorf("code = %q", e.Code)
	}
	if !strings.Contains(f.logs.String(), "panic: boom") {
		t.Errorf("panic not logged:\n%s", f.logs)
	}
}

func TestHealthAndReadiness(t *testing.T) {
	tests := []struct {
		name     string
		readyErr error
		status   int
		body     string
	}{
		{"ready", nil, 200, `"status":"ready"`},
		{"not migrated", fmt.Errorf("%w: schema not migrated (run servicecard migrate)", domain.ErrNotReady), 503, "servicecard migrate"},
		{"unreachable, cause hidden", errors.New("dial tcp 10.1.2.3:9000: refused"), 503, "storage unreachable or not migrated"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, nil)
			f.backend.readyErr = tt.readyErr
			if rec := f.do(t, roleNone, "GET", "/healthz", nil); rec.Code != 200 {
				t.Errorf("healthz = %d, want 200 whatever storage does", rec.Code)
			}
			rec := f.do(t, roleNone, "GET", "/readyz", nil)
			if rec.Code != tt.status || !strings.Contains(rec.Body.String(), tt.body) {
				t.Fatalf("readyz = %d %s, want %d containing %q", rec.Code, rec.Body, tt.status, tt.body)
			}
			if tt.status != 200 {
				if e := errorOf(t, rec); e.Code != "not_ready" || strings.Contains(e.Message, "10.1.2.3") {
					t.Errorf("error = %+v", e)
				}
			}
		})
	}
}

func TestPrometheusMetrics(t *testing.T) {
	f := newFixture(t, nil)
	f.backend.cards = []metrics.Card{{Level: metrics.LevelAgent, Key: "agent-007", Team: "team-a"}}
	f.backend.exportRows = [][]any{{"c-1"}}
	for _, target := range []string{
		"/api/v1/scorecards?level=agent&team=team-a",
		"/api/v1/scorecards?level=agent&team=agent-007",
	} {
		f.do(t, "supervisor", "GET", target, nil)
	}
	f.do(t, "analyst", "GET", "/api/v1/export/contacts?format=csv", nil)
	f.do(t, roleNone, "GET", "/agents/agent-007", nil)
	rec := f.do(t, roleNone, "GET", "/metrics", nil)
	if rec.Code != 200 {
		t.Fatalf("/metrics = %d", rec.Code)
	}
	body := rec.Body.String()
	for _, want := range []string{
		`servicecard_http_request_duration_seconds_bucket{code="200",method="GET",route="/api/v1/scorecards"`,
		`servicecard_http_request_duration_seconds_count{code="403",method="GET",route="/api/v1/scorecards"} 1`,
		`servicecard_http_request_duration_seconds_count{code="200",method="GET",route="/api/v1/export/:table"} 1`,
		`servicecard_http_request_duration_seconds_count{code="404",method="GET",route="unmatched"} 1`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	if strings.Contains(body, "agent-007") || strings.Contains(body, "team-a") {
		t.Errorf("/metrics carries agent or team ids:\n%s", body)
	}
}

func TestRequestLog(t *testing.T) {
	f := newFixture(t, nil)
	f.do(t, "executive", "GET", "/api/v1/metrics/catalog", nil)
	f.do(t, roleBad, "GET", "/api/v1/metrics/catalog", nil)
	log := f.logs.String()
	for _, want := range []string{"route=/api/v1/metrics/catalog", "status=200", "status=401", "user=test-executive", "duration="} {
		if !strings.Contains(log, want) {
			t.Errorf("log lacks %q:\n%s", want, log)
		}
	}
	for role, tok := range f.tokens {
		if strings.Contains(log, tok) {
			t.Errorf("log holds the %s token", role)
		}
	}
}

func TestRunShutsDownGracefully(t *testing.T) {
	f := newFixture(t, nil)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- f.srv.Run(ctx, ln) }()
	resp, err := http.Get("http://" + ln.Addr().String() + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("healthz = %d", resp.StatusCode)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Run = %v, want nil after shutdown", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return after cancel")
	}
}

func TestNewNeedsBackend(t *testing.T) {
	if _, err := New(Options{}); err == nil {
		t.Fatal("New without a backend succeeded")
	}
}

type fakePages struct{}

func (fakePages) Register(add func(method, path string, h echo.HandlerFunc, m ...echo.MiddlewareFunc)) {
	add("GET", "/teams/:team", func(c echo.Context) error { return c.HTML(200, "<h1>"+c.Param("team")+"</h1>") })
	add("GET", "/broken", func(echo.Context) error { return errors.New("template: no such field") })
}

func TestPages(t *testing.T) {
	f := newFixture(t, func(o *Options) { o.Pages = fakePages{} })
	if rec := f.do(t, roleNone, "GET", "/teams/team-a", nil); rec.Code != 200 || !strings.Contains(rec.Body.String(), "team-a") {
		t.Fatalf("page = %d %s", rec.Code, rec.Body)
	}
	rec := f.do(t, roleNone, "GET", "/broken", nil)
	if e := errorOf(t, rec); rec.Code != 500 || e.Code != "internal" {
		t.Errorf("broken page = %d %+v", rec.Code, e)
	}
	m := f.do(t, roleNone, "GET", "/metrics", nil).Body.String()
	if !strings.Contains(m, `route="/teams/:team"`) || strings.Contains(m, "team-a") {
		t.Errorf("page route not labelled by its template:\n%s", m)
	}
	// The OpenAPI document stays about the API.
	if strings.Contains(f.do(t, roleNone, "GET", "/api/v1/openapi.json", nil).Body.String(), "/teams/") {
		t.Error("pages in the OpenAPI document")
	}
}

type fakeStorage struct {
	pingErr     error
	migrated    bool
	migratedErr error
}

func (s fakeStorage) Ping(context.Context) error             { return s.pingErr }
func (s fakeStorage) Migrated(context.Context) (bool, error) { return s.migrated, s.migratedErr }

func TestStorageReady(t *testing.T) {
	tests := []struct {
		name   string
		st     fakeStorage
		status int
		reason string
	}{
		{"ready", fakeStorage{migrated: true}, 200, ""},
		{"down", fakeStorage{pingErr: errors.New("dial tcp 10.9.9.9:9000: refused")}, 503, "clickhouse does not answer"},
		{"not migrated", fakeStorage{}, 503, "servicecard migrate"},
		{"version unreadable", fakeStorage{migratedErr: errors.New("table schema_migrations: access denied for user bob")}, 503, "cannot read the schema version"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, nil)
			f.backend.readyErr = StorageReady(context.Background(), tt.st)
			rec := f.do(t, roleNone, "GET", "/readyz", nil)
			if rec.Code != tt.status {
				t.Fatalf("status = %d: %s", rec.Code, rec.Body)
			}
			if tt.status == 200 {
				return
			}
			e := errorOf(t, rec)
			if !strings.Contains(e.Message, tt.reason) || strings.Contains(e.Message, "10.9.9.9") || strings.Contains(e.Message, "bob") {
				t.Errorf("message = %q", e.Message)
			}
			if tt.st.pingErr != nil && !strings.Contains(f.logs.String(), "10.9.9.9") {
				t.Errorf("cause not logged:\n%s", f.logs)
			}
		})
	}
}
