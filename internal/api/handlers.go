package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"os"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/servicecard/servicecard/ingest"
	"github.com/servicecard/servicecard/internal/auth"
	"github.com/servicecard/servicecard/internal/domain"
	"github.com/servicecard/servicecard/metrics"
)

// route is one endpoint: registration, access and documentation in one
// row, so the OpenAPI document cannot drift from what is served.
type route struct {
	method  string
	path    string // echo template
	access  access // nil: anonymous
	handler echo.HandlerFunc
	doc     opDoc
}

func (s *Server) routeTable(metricsHandler http.Handler) []route {
	p := Prefix
	return []route{
		{http.MethodGet, "/healthz", anonymous, s.healthz, docHealthz},
		{http.MethodGet, "/readyz", anonymous, s.readyz, docReadyz},
		{http.MethodGet, "/metrics", anonymous, echo.WrapHandler(metricsHandler), docMetrics},
		{http.MethodGet, p + "/openapi.json", anonymous, s.openapi, docOpenAPI},
		{http.MethodGet, p + "/scorecards", anyRole, s.scorecards, docScorecards},
		{http.MethodGet, p + "/metrics/catalog", anyRole, s.catalog, docCatalog},
		{http.MethodGet, p + "/coaching", coachRoles, s.coaching, docCoaching},
		{http.MethodGet, p + "/recognition", readerRoles, s.recognition, docRecognition},
		{http.MethodGet, p + "/export/:table", exportRoles, s.export, docExport},
		{http.MethodPost, p + "/ingest/:kind", adminRoles, s.ingest, docIngest},
	}
}

func (s *Server) loc() *time.Location { return s.cfg.Location() }

// writeJSON encodes v before sending anything, so a value that cannot be
// encoded (a NaN from the engine) is a clean 500, not a broken 200.
func writeJSON(c echo.Context, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encode response: %w", err)
	}
	return c.JSONBlob(http.StatusOK, b)
}

// Health is the body of /healthz and /readyz.
type Health struct {
	Status string `json:"status"`
}

func (s *Server) healthz(c echo.Context) error {
	return writeJSON(c, Health{Status: "ok"})
}

// readyTimeout bounds the readiness check, so a hung ClickHouse makes the
// probe fail instead of hang.
const readyTimeout = 5 * time.Second

func (s *Server) readyz(c echo.Context) error {
	ctx, cancel := context.WithTimeout(c.Request().Context(), readyTimeout)
	defer cancel()
	err := s.backend.Ready(ctx)
	if err == nil {
		return writeJSON(c, Health{Status: "ready"})
	}
	// The cause may name hosts or users: log it, answer with a reason
	// fit for an anonymous caller.
	var nr *notReadyError
	switch {
	case errors.As(err, &nr):
		s.log.Warn("not ready", "err", nr.cause)
		return fmt.Errorf("%w: %s", domain.ErrNotReady, nr.reason)
	case errors.Is(err, domain.ErrNotReady):
		return err
	}
	s.log.Warn("not ready", "err", err)
	return fmt.Errorf("%w: storage unreachable or not migrated", domain.ErrNotReady)
}

// Storage is what readiness asks of the ClickHouse store
// (*chstore.Store has both methods).
type Storage interface {
	Ping(ctx context.Context) error
	Migrated(ctx context.Context) (bool, error)
}

// StorageReady is a Backend.Ready over st: ClickHouse answers and every
// migration is applied. Its errors give /readyz a public reason and keep
// the cause for the log.
func StorageReady(ctx context.Context, st Storage) error {
	if err := st.Ping(ctx); err != nil {
		return &notReadyError{reason: "clickhouse does not answer", cause: err}
	}
	ok, err := st.Migrated(ctx)
	if err != nil {
		return &notReadyError{reason: "cannot read the schema version", cause: err}
	}
	if !ok {
		return &notReadyError{reason: "schema not migrated (run servicecard migrate)", cause: errors.New("pending migrations")}
	}
	return nil
}

// notReadyError is a readiness failure: reason is public, cause is not.
type notReadyError struct {
	reason string
	cause  error
}

func (e *notReadyError) Error() string   { return "not ready: " + e.reason + ": " + e.cause.Error() }
func (e *notReadyError) Unwrap() []error { return []error{domain.ErrNotReady, e.cause} }

// ScorecardsResponse is the body of GET /api/v1/scorecards.
type ScorecardsResponse struct {
	Level metrics.Level  `json:"level"`
	Grain metrics.Grain  `json:"grain"`
	From  time.Time      `json:"from"`
	To    time.Time      `json:"to"`
	Teams []string       `json:"teams,omitempty"`
	Rows  []metrics.Card `json:"rows"`
}

func (s *Server) scorecards(c echo.Context) error {
	q, err := readQuery(c, "level", "grain", "from", "to", "team")
	if err != nil {
		return err
	}
	level := metrics.LevelOrg
	if v := q.get("level"); v != "" {
		if level, err = metrics.ParseLevel(v); err != nil {
			return badParam("level", "want org, site, team, queue or agent, got %q", domain.Printable(v))
		}
	}
	grain := metrics.GrainWeek
	if v := q.get("grain"); v != "" {
		if grain, err = metrics.ParseGrain(v); err != nil {
			return badParam("grain", "want day, week or month, got %q", domain.Printable(v))
		}
	}
	teams, err := q.teams()
	if err != nil {
		return err
	}
	p := principalOf(c)
	if level == metrics.LevelAgent && !agentLevelers.allows(p.Role) {
		return forbidden("role %s sees no agent-level scorecards", p.Role)
	}
	if level == metrics.LevelTeam || level == metrics.LevelAgent {
		if teams, err = scopeTeams(p, teams); err != nil {
			return err
		}
	} else if len(teams) > 0 {
		return badParam("team", "filters level team or agent, not %s", level)
	}
	from, to, err := rangeParams(q, grain, s.loc(), s.now(), defaultFrom(grain, s.loc()))
	if err != nil {
		return err
	}
	cards, err := s.backend.Scorecards(c.Request().Context(), domain.ScorecardQuery{Level: level, Grain: grain, From: from, To: to, Teams: teams})
	if err != nil {
		return fmt.Errorf("scorecards: %w", err)
	}
	cards = s.agentCards(p, cards, teams)
	if cards == nil {
		cards = []metrics.Card{}
	}
	return writeJSON(c, ScorecardsResponse{Level: level, Grain: grain, From: from, To: to, Teams: teams, Rows: cards})
}

// CatalogResponse is the body of GET /api/v1/metrics/catalog.
type CatalogResponse struct {
	ConfigVersion string           `json:"config_version"`
	Timezone      string           `json:"timezone"`
	Metrics       []metrics.Metric `json:"metrics"`
}

func (s *Server) catalog(c echo.Context) error {
	if _, err := readQuery(c); err != nil {
		return err
	}
	return writeJSON(c, CatalogResponse{
		ConfigVersion: s.cfg.Version(),
		Timezone:      s.loc().String(),
		Metrics:       metrics.Catalog(*s.cfg),
	})
}

// CoachingResponse is the body of GET /api/v1/coaching.
type CoachingResponse struct {
	From          time.Time             `json:"from"`
	To            time.Time             `json:"to"`
	Teams         []string              `json:"teams,omitempty"`
	Opportunities []metrics.Opportunity `json:"opportunities"`
}

func (s *Server) coaching(c echo.Context) error {
	q, err := readQuery(c, "team", "to")
	if err != nil {
		return err
	}
	teams, err := q.teams()
	if err != nil {
		return err
	}
	p := principalOf(c)
	if teams, err = scopeTeams(p, teams); err != nil {
		return err
	}
	// Without to: domain.CoachingWindow, the window the coaching page shows.
	window, _, defTo := domain.CoachingWindow(s.cfg, s.now())
	from, to, err := rangeParams(q, "", s.loc(), defTo.Add(-time.Nanosecond), trailing(window))
	if err != nil {
		return err
	}
	ops, err := s.backend.Coaching(c.Request().Context(), domain.CoachingQuery{From: from, To: to, Teams: teams})
	if err != nil {
		return fmt.Errorf("coaching: %w", err)
	}
	if auth.Agents(p.Role, auth.SurfaceCoaching) == auth.AgentOwnTeams {
		ops = slices.DeleteFunc(ops, func(o metrics.Opportunity) bool { return !slices.Contains(teams, o.Team) })
	}
	if ops == nil {
		ops = []metrics.Opportunity{}
	}
	return writeJSON(c, CoachingResponse{From: from, To: to, Teams: teams, Opportunities: ops})
}

// RecognitionResponse is the body of GET /api/v1/recognition.
type RecognitionResponse struct {
	From  time.Time `json:"from"`
	To    time.Time `json:"to"`
	Teams []string  `json:"teams,omitempty"`
	domain.Recognition
}

func (s *Server) recognition(c echo.Context) error {
	q, err := readQuery(c, "from", "to", "team")
	if err != nil {
		return err
	}
	teams, err := q.teams()
	if err != nil {
		return err
	}
	p := principalOf(c)
	if teams, err = scopeTeams(p, teams); err != nil {
		return err
	}
	from, to, err := rangeParams(q, "", s.loc(), s.now(), trailing(28))
	if err != nil {
		return err
	}
	rec, err := s.backend.Recognition(c.Request().Context(), domain.RecognitionQuery{From: from, To: to, Teams: teams})
	if err != nil {
		return fmt.Errorf("recognition: %w", err)
	}
	if auth.Agents(p.Role, auth.SurfaceRecognition) == auth.AgentOwnTeams {
		rec = scopeRecognition(rec, teams)
	}
	rec.Stars = nonNil(rec.Stars)
	rec.Praise = nonNil(rec.Praise)
	return writeJSON(c, RecognitionResponse{From: from, To: to, Teams: teams, Recognition: rec})
}

func scopeRecognition(r domain.Recognition, teams []string) domain.Recognition {
	out := func(team string) bool { return !slices.Contains(teams, team) }
	stars := func(s []metrics.Star) []metrics.Star {
		return slices.DeleteFunc(s, func(x metrics.Star) bool { return out(x.Team) })
	}
	praise := func(s []metrics.Survey) []metrics.Survey {
		return slices.DeleteFunc(s, func(x metrics.Survey) bool { return out(x.Team) })
	}
	r.Stars, r.Praise = stars(r.Stars), praise(r.Praise)
	for i := range r.CustomerServiceWeeks {
		w := &r.CustomerServiceWeeks[i]
		w.Stars, w.Praise = stars(w.Stars), praise(w.Praise)
	}
	return r
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

func (s *Server) export(c echo.Context) error {
	table := domain.Table(c.Param("table"))
	if !slices.Contains(domain.Tables, table) {
		return fmt.Errorf("%w: no export %q (want contacts, surveys or scorecards)", domain.ErrNotFound, domain.Printable(string(table)))
	}
	q, err := readQuery(c, "format", "from", "to")
	if err != nil {
		return err
	}
	format := ExportCSV
	if v := q.get("format"); v != "" {
		format = ExportFormat(v)
		if !slices.Contains(ExportFormats, format) {
			return badParam("format", "want csv, ndjson or parquet, got %q", domain.Printable(v))
		}
	}
	loc := s.loc()
	from, to, err := rangeParams(q, "", loc, s.now(), trailing(28))
	if err != nil {
		return err
	}
	ct, ext := format.contentType()
	last := to.Add(-time.Nanosecond)
	name := fmt.Sprintf("servicecard-%s-%s_%s.%s", table, from.In(loc).Format(time.DateOnly), last.In(loc).Format(time.DateOnly), ext)
	out := &lazyResponse{c: c, contentType: ct, filename: name}
	enc := s.exportWriter(principalOf(c), newEncoder(format, out))
	err = s.backend.Export(c.Request().Context(), domain.ExportQuery{Table: table, From: from, To: to}, enc)
	if err == nil {
		err = enc.Close()
	}
	if err != nil {
		return fmt.Errorf("export %s: %w", table, err)
	}
	out.start()
	return nil
}

// lazyResponse sends the status and headers with the first byte, so an
// export that fails before any row still gets a JSON error.
type lazyResponse struct {
	c           echo.Context
	contentType string
	filename    string
	started     bool
}

func (l *lazyResponse) start() {
	if l.started {
		return
	}
	l.started = true
	h := l.c.Response().Header()
	h.Set(echo.HeaderContentType, l.contentType)
	h.Set(echo.HeaderContentDisposition, mime.FormatMediaType("attachment", map[string]string{"filename": l.filename}))
	h.Set("X-Content-Type-Options", "nosniff")
	l.c.Response().WriteHeader(http.StatusOK)
}

func (l *lazyResponse) Write(p []byte) (int, error) {
	l.start()
	return l.c.Response().Write(p)
}

// Flush pushes what was written to the client.
func (l *lazyResponse) Flush() {
	if l.started {
		l.c.Response().Flush()
	}
}

// batchIDPattern keeps client batch ids printable and short.
var batchIDPattern = regexp.MustCompile(`^[A-Za-z0-9._:-]{1,128}$`)

var ingestFormats = []ingest.Format{
	ingest.FormatAuto, ingest.FormatCSV, ingest.FormatNDJSON, ingest.FormatQueueLog,
	ingest.FormatConnectCTR, ingest.FormatQualtrics,
}

func (s *Server) ingest(c echo.Context) error {
	kind, err := ingest.ParseKind(c.Param("kind"))
	if err != nil {
		return fmt.Errorf("%w: no ingest kind %q (want contacts, surveys, agents, states, schedules or queues)", domain.ErrNotFound, domain.Printable(c.Param("kind")))
	}
	q, err := readQuery(c, "format", "source", "timezone", "batch_id", "file")
	if err != nil {
		return err
	}
	req := c.Request()
	mt, _, _ := mime.ParseMediaType(req.Header.Get(echo.HeaderContentType))
	// application/x-www-form-urlencoded is what curl --data-binary sends
	// by default: the body is read as the raw file, like any other type.
	if strings.HasPrefix(mt, "multipart/") {
		return echo.NewHTTPError(http.StatusUnsupportedMediaType,
			"send the file as the raw request body (curl --data-binary @FILE), not as a multipart form")
	}
	if ce := req.Header.Get(echo.HeaderContentEncoding); ce != "" && !strings.EqualFold(ce, "identity") {
		return echo.NewHTTPError(http.StatusUnsupportedMediaType, fmt.Sprintf("Content-Encoding %q is not supported; send the file uncompressed", domain.Printable(ce)))
	}
	ir := domain.IngestRequest{Kind: kind, Format: ingest.FormatAuto, File: "http", By: principalOf(c).Name}
	if v := q.get("format"); v != "" {
		ir.Format = ingest.Format(v)
		if !slices.Contains(ingestFormats, ir.Format) {
			return badParam("format", "want auto, csv, ndjson, queue_log, connect_ctr or qualtrics, got %q", domain.Printable(v))
		}
	} else {
		switch mt {
		case "text/csv":
			ir.Format = ingest.FormatCSV
		case "application/x-ndjson", "application/ndjson", "application/jsonl":
			ir.Format = ingest.FormatNDJSON
		}
	}
	if v := q.get("batch_id"); v != "" {
		if !batchIDPattern.MatchString(v) {
			return badParam("batch_id", "want 1-128 letters, digits, '.', '_', ':' or '-'")
		}
		ir.BatchID = v
	}
	if v := q.get("source"); v != "" {
		if len(v) > 100 || strings.IndexFunc(v, func(r rune) bool { return r < ' ' || r == 0x7f }) >= 0 {
			return badParam("source", "want at most 100 printable characters")
		}
		ir.Source = v
	}
	if v := q.get("file"); v != "" {
		if len(v) > 255 || strings.IndexFunc(v, func(r rune) bool { return r < ' ' || r == 0x7f }) >= 0 {
			return badParam("file", "want at most 255 printable characters")
		}
		ir.File = v
	}
	if v := q.get("timezone"); v != "" {
		loc, err := time.LoadLocation(v)
		if err != nil || v == "Local" {
			return badParam("timezone", "want an IANA time zone such as Europe/Berlin, got %q", domain.Printable(v))
		}
		ir.Location = loc
	}
	if req.ContentLength > s.maxIngestBytes {
		return fmt.Errorf("%w: %d bytes, the limit is %d; nothing was loaded (split the file, or load it with `servicecard ingest`)",
			domain.ErrTooLarge, req.ContentLength, s.maxIngestBytes)
	}
	// The body goes to a temporary file first and is loaded only once it
	// is complete and within the limit: a body cut off, too large or
	// stalled loads nothing.
	body, err := s.spoolBody(c)
	if err != nil {
		return err
	}
	defer body.Close()
	sum, err := s.backend.Ingest(req.Context(), ir, body)
	if err != nil {
		sum.Status = "failed"
	}
	s.ingested.Observe(sum)
	if err != nil {
		return ingestError(kind, ir.File, err)
	}
	return writeJSON(c, sum)
}

// spoolBody copies the ingest body to an unlinked temporary file, at most
// maxIngestBytes, and returns it rewound.
func (s *Server) spoolBody(c echo.Context) (*os.File, error) {
	f, err := os.CreateTemp("", "servicecard-ingest-*")
	if err != nil {
		return nil, fmt.Errorf("spool ingest body: %w", err)
	}
	// Unlinked at once: the file goes away with its descriptor, whatever
	// happens to the request.
	_ = os.Remove(f.Name())
	body := &limitedBody{r: http.MaxBytesReader(c.Response(), c.Request().Body, s.maxIngestBytes)}
	if _, err = io.Copy(f, body); err == nil {
		_, err = f.Seek(0, io.SeekStart)
	}
	if err == nil {
		return f, nil
	}
	f.Close()
	switch {
	case body.exceeded:
		return nil, fmt.Errorf("%w: the limit is %d bytes; nothing was loaded (split the file, or load it with `servicecard ingest`)",
			domain.ErrTooLarge, s.maxIngestBytes)
	case errors.Is(err, os.ErrDeadlineExceeded):
		return nil, err
	case body.failed:
		return nil, fmt.Errorf("%w: the request body could not be read (%v); nothing was loaded", domain.ErrBadRequest, err)
	}
	return nil, fmt.Errorf("spool ingest body: %w", err)
}

// ingestError gives a failed load one plain message: the kind, then what
// was wrong, without the layers' own prefixes.
func ingestError(kind ingest.Kind, file string, err error) error {
	if errors.Is(err, ingest.ErrFormat) || errors.Is(err, domain.ErrBadRequest) {
		msg := err.Error()
		for _, p := range []string{domain.ErrBadRequest.Error() + ": ", "ingest " + file + ": ", "ingest: "} {
			msg = strings.TrimPrefix(msg, p)
		}
		msg = strings.Replace(msg, ingest.ErrFormat.Error()[len("ingest: "):]+": "+file+": ", ingest.ErrFormat.Error()[len("ingest: "):]+": ", 1)
		return domain.Public(fmt.Sprintf("ingest %s: %s", kind, msg), err)
	}
	return fmt.Errorf("ingest %s: %w", kind, err)
}

// limitedBody tells the request body's errors (too large, or failed)
// from the temporary file's.
type limitedBody struct {
	r        io.Reader
	exceeded bool
	failed   bool
}

func (b *limitedBody) Read(p []byte) (int, error) {
	n, err := b.r.Read(p)
	var mbe *http.MaxBytesError
	if err != nil && err != io.EOF {
		b.failed = true
		b.exceeded = errors.As(err, &mbe)
	}
	return n, err
}
