package main

// End-to-end tests of the whole product through the real run, in the
// manner of WTF Dial's MustRunMain: a demo contact center is generated
// once, loaded with `servicecard ingest` exactly as a user would, computed
// with `servicecard scorecards compute`, and served with `servicecard
// serve` on a free loopback port; the tests talk HTTP to it. ClickHouse is
// real (chtest), one server for the package.

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"
	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
	"gopkg.in/yaml.v3"

	"github.com/servicecard/servicecard/internal/auth"
	"github.com/servicecard/servicecard/internal/chtest"
	"github.com/servicecard/servicecard/internal/demo"
	"github.com/servicecard/servicecard/metrics"
)

func TestMain(m *testing.M) { chtest.Main(m) }

// The shared center: 42 days ending (exclusive) 2026-11-02 in the demo's
// time zone, so Customer Service Week 2026 (October 5) and the end of DST
// (November 1) fall inside. Fixed seed and end: the same files every run.
const (
	centerSeed = 7
	centerDays = 42
	centerEnd  = "2026-11-02"
)

// center is the loaded, computed and served contact center every API
// test reads. Tests that change data change only what no other test
// reads (see the comments where they do).
type center struct {
	dir     string
	m       *demo.Manifest
	loc     *time.Location
	dsn     string
	db      string
	cfg     []byte            // SERVICECARD_CONFIG's content
	cfgPath string            // where buildCenter wrote it (removed once served)
	tokens  map[string]string // token name -> bearer token
	teamOf  map[string]string // agent id -> team (latest roster row)
	base    string            // http://127.0.0.1:PORT
	loaded  map[string]ingestLine
	// helpdesk is the generated helpdesk contacts CSV, kept for the
	// re-ingest test; the generated files are removed once loaded.
	helpdesk []byte
	serveErr chan error
	stderr   *syncBuffer
}

var shared struct {
	once sync.Once
	c    *center
	err  error
}

// sharedCenter returns the center, building it on first use.
func sharedCenter(t *testing.T) *center {
	t.Helper()
	shared.once.Do(func() {
		start := time.Now()
		shared.c, shared.err = buildCenter()
		if shared.err == nil {
			t.Logf("center generated, ingested, computed and served in %v", time.Since(start).Round(time.Millisecond))
		}
	})
	if shared.err != nil {
		t.Fatalf("shared center: %v", shared.err)
	}
	return shared.c
}

// Token names in the config. Supervisors: one for the demo's supervisor
// team (Billing), one per team for the pattern checks.
const (
	tokExecutive  = "e2e-executive"
	tokSupervisor = "e2e-supervisor" // Billing only
	tokAnalyst    = "e2e-analyst"
	tokAdmin      = "e2e-admin"
	supervisorOf  = "Billing"
)

func supervisorToken(team string) string { return "e2e-sup-" + team }

func buildCenter() (*center, error) {
	ctx := context.Background()
	loc, err := time.LoadLocation(demo.DefaultTimezone)
	if err != nil {
		return nil, err
	}
	end, err := time.ParseInLocation(time.DateOnly, centerEnd, loc)
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "servicecard-e2e-")
	if err != nil {
		return nil, err
	}
	// Nothing runs after the tests to remove a shared directory (chtest.Main
	// exits), so it goes when the center is served: serve has read its
	// config by then, and tests that need files write them to their own
	// t.TempDir (see env).
	defer os.RemoveAll(dir)
	c := &center{dir: dir, loc: loc, loaded: map[string]ingestLine{}}
	c.m, err = demo.Generate(demo.Options{Dir: filepath.Join(dir, "demo"), Seed: centerSeed, Days: centerDays,
		Location: loc, End: end})
	if err != nil {
		return nil, fmt.Errorf("generate: %w", err)
	}

	// A database that lives as long as the package's server: it is shared
	// by every test, so it is not tied to one test's cleanup.
	c.db = fmt.Sprintf("e2e_center_%d", os.Getpid())
	conn, err := openCH("default")
	if err != nil {
		return nil, err
	}
	err = conn.Exec(ctx, "CREATE DATABASE IF NOT EXISTS "+c.db)
	conn.Close()
	if err != nil {
		return nil, fmt.Errorf("create database: %w", err)
	}
	c.dsn = chtest.Server().DSN(c.db)

	if err := c.writeConfig(); err != nil {
		return nil, err
	}
	env := c.envAt(c.cfgPath)

	for _, f := range c.m.Files {
		line, err := c.ingest(ctx, env, f)
		if err != nil {
			return nil, err
		}
		c.loaded[filepath.Base(f.Path)] = line
	}
	if c.teamOf, err = rosterTeams(filepath.Join(dir, "demo", demo.FileAgents)); err != nil {
		return nil, err
	}
	if c.helpdesk, err = os.ReadFile(filepath.Join(dir, "demo", demo.FileHelpdesk)); err != nil {
		return nil, err
	}

	res := runCmd(ctx, env, "scorecards", "compute", "--from", c.m.From.Format(time.DateOnly), "--to", c.lastDay())
	if res.err != nil {
		return nil, fmt.Errorf("scorecards compute: %w\n%s", res.err, res.stderr)
	}
	if !strings.Contains(res.stdout, "scorecard rows for "+c.m.From.Format(time.DateOnly)) {
		return nil, fmt.Errorf("scorecards compute printed %q", res.stdout)
	}

	c.base, c.serveErr, c.stderr, err = startServe(context.Background(), env)
	if err != nil {
		return nil, err
	}
	return c, nil
}

// envAt is the environment of run with the config file at cfgPath.
func (c *center) envAt(cfgPath string) map[string]string {
	return map[string]string{
		"SERVICECARD_CLICKHOUSE_DSN": c.dsn,
		metrics.EnvConfig:            cfgPath,
		"SERVICECARD_LISTEN":         "127.0.0.1:0",
	}
}

// env is the environment of run for a test, with the center's config
// written to the test's temporary directory.
func (c *center) env(t *testing.T) map[string]string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "servicecard.yaml")
	if err := os.WriteFile(path, c.cfg, 0o600); err != nil {
		t.Fatal(err)
	}
	return c.envAt(path)
}

// config is the center's configuration as serve reads it.
func (c *center) config(t *testing.T) metrics.Config {
	t.Helper()
	cfg, err := metrics.ParseConfig(c.cfg)
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// writeConfig writes SERVICECARD_CONFIG: the manifest's time zone and one
// token per role, plus a supervisor per team.
func (c *center) writeConfig() error {
	type tok struct {
		name  string
		role  auth.Role
		teams []string
	}
	list := []tok{
		{tokExecutive, auth.RoleExecutive, nil},
		{tokSupervisor, auth.RoleSupervisor, []string{supervisorOf}},
		{tokAnalyst, auth.RoleAnalyst, nil},
		{tokAdmin, auth.RoleAdmin, nil},
	}
	for _, team := range c.m.Teams {
		list = append(list, tok{supervisorToken(team), auth.RoleSupervisor, []string{team}})
	}
	doc := struct {
		Timezone string            `yaml:"timezone"`
		Tokens   []auth.TokenEntry `yaml:"tokens"`
	}{Timezone: c.m.Timezone}
	c.tokens = map[string]string{}
	for _, x := range list {
		secret, entry, err := auth.NewTokenEntry(x.name, x.role, x.teams)
		if err != nil {
			return err
		}
		c.tokens[x.name] = secret
		doc.Tokens = append(doc.Tokens, entry)
	}
	b, err := yaml.Marshal(doc)
	if err != nil {
		return err
	}
	c.cfg = b
	c.cfgPath = filepath.Join(c.dir, "servicecard.yaml")
	return os.WriteFile(c.cfgPath, b, 0o600)
}

// ingestLine is one --json summary line of `servicecard ingest`.
type ingestLine struct {
	File         string `json:"file"`
	Kind         string `json:"kind"`
	Format       string `json:"format"`
	Status       string `json:"status"`
	BatchID      string `json:"batch_id"`
	RowsOK       int64  `json:"rows_ok"`
	RowsRejected int64  `json:"rows_rejected"`
	Error        string `json:"error"`
}

// ingestArgs are the command-line arguments that load f, as a user would
// type them from the manifest.
func (c *center) ingestArgs(f demo.FileSpec) []string {
	args := []string{"ingest", "--kind", string(f.Kind), "--format", string(f.Format), "--timezone", c.m.Timezone}
	if f.Source != "" {
		args = append(args, "--source", f.Source)
	}
	for _, k := range sortedKeys(f.Columns) {
		args = append(args, "--map", k+"="+f.Columns[k])
	}
	return append(args, "--json", f.Path)
}

// ingest loads one manifest file with `servicecard ingest --json` and
// checks its summary against the manifest.
func (c *center) ingest(ctx context.Context, env map[string]string, f demo.FileSpec) (ingestLine, error) {
	res := runCmd(ctx, env, c.ingestArgs(f)...)
	if res.err != nil {
		return ingestLine{}, fmt.Errorf("ingest %s: %w\nstdout: %s\nstderr: %s", f.Path, res.err, res.stdout, res.stderr)
	}
	lines, err := ingestLines(res.stdout)
	if err != nil {
		return ingestLine{}, err
	}
	if len(lines) != 1 {
		return ingestLine{}, fmt.Errorf("ingest %s: %d summary lines, want 1:\n%s", f.Path, len(lines), res.stdout)
	}
	l := lines[0]
	var problems []string
	if l.File != f.Path {
		problems = append(problems, fmt.Sprintf("file %q, want %q", l.File, f.Path))
	}
	if l.RowsOK != int64(f.Rows) {
		problems = append(problems, fmt.Sprintf("rows_ok %d, want %d (manifest Rows, by kind %v)", l.RowsOK, f.Rows, f.Records))
	}
	if l.RowsRejected != int64(f.BadRows) {
		problems = append(problems, fmt.Sprintf("rows_rejected %d, want %d", l.RowsRejected, f.BadRows))
	}
	if l.BatchID == "" {
		problems = append(problems, "empty batch_id")
	}
	if l.Status != "done" {
		problems = append(problems, fmt.Sprintf("status %q (%s)", l.Status, l.Error))
	}
	if len(problems) > 0 {
		return l, fmt.Errorf("ingest %s: %s\n%s", filepath.Base(f.Path), strings.Join(problems, "; "), res.stdout)
	}
	return l, nil
}

func ingestLines(stdout string) ([]ingestLine, error) {
	var out []ingestLine
	sc := bufio.NewScanner(strings.NewReader(stdout))
	for sc.Scan() {
		if strings.TrimSpace(sc.Text()) == "" {
			continue
		}
		var l ingestLine
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			return nil, fmt.Errorf("summary line %q: %w", sc.Text(), err)
		}
		out = append(out, l)
	}
	return out, sc.Err()
}

// rosterTeams reads each agent's latest team from the generated roster.
func rosterTeams(path string) (map[string]string, error) {
	recs, err := readCSV(path)
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	latest := map[string]string{}
	for _, r := range recs[1:] {
		id, team, from := r[0], r[2], r[5]
		if from >= latest[id] {
			latest[id], out[id] = from, team
		}
	}
	return out, nil
}

// cmdResult is what one run printed and returned.
type cmdResult struct {
	stdout, stderr string
	err            error
}

// runCmd runs the binary's run with args and an environment map.
func runCmd(ctx context.Context, env map[string]string, args ...string) cmdResult {
	var stdout, stderr bytes.Buffer
	err := run(ctx, args, func(k string) string { return env[k] }, &stdout, &stderr)
	return cmdResult{stdout: stdout.String(), stderr: stderr.String(), err: err}
}

// syncBuffer is a goroutine-safe log sink that tells when the server
// logged its address.
type syncBuffer struct {
	mu   sync.Mutex
	b    bytes.Buffer
	addr chan string
	sent bool
}

var servingAddr = regexp.MustCompile(`msg=serving .*addr=http://(\S+)`)

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	n, err := s.b.Write(p)
	if !s.sent {
		if m := servingAddr.FindSubmatch(s.b.Bytes()); m != nil {
			s.sent = true
			s.addr <- string(m[1])
		}
	}
	return n, err
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// startServe runs `servicecard serve` on SERVICECARD_LISTEN (port 0) until
// ctx ends, learns the bound address from its "serving" log line, and
// waits for /readyz. errc receives run's result.
func startServe(ctx context.Context, env map[string]string, flags ...string) (base string, errc chan error, stderr *syncBuffer, err error) {
	stderr = &syncBuffer{addr: make(chan string, 1)}
	errc = make(chan error, 1)
	go func() {
		errc <- run(ctx, append([]string{"serve"}, flags...), func(k string) string { return env[k] }, io.Discard, stderr)
	}()
	select {
	case addr := <-stderr.addr:
		base = "http://" + addr
	case err := <-errc:
		return "", nil, nil, fmt.Errorf("serve returned before serving: %v\n%s", err, stderr.String())
	case <-time.After(60 * time.Second):
		return "", nil, nil, fmt.Errorf("serve logged no address within 60 s:\n%s", stderr.String())
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get(base + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return base, errc, stderr, nil
			}
		}
		if time.Now().After(deadline) {
			return "", nil, nil, fmt.Errorf("/readyz not 200 within 30 s (last: %v)", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// client is the tests' HTTP client: generous timeout for exports on a
// loaded machine.
var client = &http.Client{Timeout: 2 * time.Minute}

// response is one HTTP answer.
type response struct {
	status int
	header http.Header
	body   []byte
}

// get sends GET path (with query) as token name tok ("" for none).
func (c *center) get(t *testing.T, tok, path string, query url.Values) response {
	t.Helper()
	return c.do(t, http.MethodGet, tok, path, query, "", nil)
}

func (c *center) do(t *testing.T, method, tok, path string, query url.Values, contentType string, body io.Reader) response {
	t.Helper()
	u := c.base + path
	if len(query) > 0 {
		u += "?" + query.Encode()
	}
	req, err := http.NewRequest(method, u, body)
	if err != nil {
		t.Fatal(err)
	}
	if tok != "" {
		secret, ok := c.tokens[tok]
		if !ok {
			secret = tok // a raw (wrong) token
		}
		req.Header.Set("Authorization", "Bearer "+secret)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := client.Do(req)
	if err != nil {
		select {
		case serr := <-c.serveErr:
			t.Fatalf("%s %s: %v; serve had returned %v:\n%s", method, u, err, serr, tail(c.stderr.String(), 4000))
		default:
		}
		t.Fatalf("%s %s: %v", method, u, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: read body: %v", method, u, err)
	}
	if resp.StatusCode >= 500 {
		t.Logf("server errors after %s %s:\n%s", method, u, serverErrors(c.stderr.String(), 10))
	}
	return response{status: resp.StatusCode, header: resp.Header, body: b}
}

// serverErrors are the last n error and warning lines of a server log.
func serverErrors(log string, n int) string {
	var out []string
	for _, l := range strings.Split(log, "\n") {
		if strings.Contains(l, "level=ERROR") || strings.Contains(l, "level=WARN") {
			out = append(out, l)
		}
	}
	if len(out) > n {
		out = out[len(out)-n:]
	}
	return strings.Join(out, "\n")
}

// tail is the end of a log, at most n bytes.
func tail(s string, n int) string {
	if len(s) > n {
		return "..." + s[len(s)-n:]
	}
	return s
}

// getJSON expects a 200 and decodes the body into v.
func (c *center) getJSON(t *testing.T, tok, path string, query url.Values, v any) {
	t.Helper()
	r := c.get(t, tok, path, query)
	if r.status != http.StatusOK {
		t.Fatalf("GET %s?%s as %s: %d %s", path, query.Encode(), tok, r.status, r.body)
	}
	if err := json.Unmarshal(r.body, v); err != nil {
		t.Fatalf("GET %s: decode: %v\n%s", path, err, r.body)
	}
}

// wantError checks an error answer: the status and the JSON error shape.
func wantError(t *testing.T, r response, status int, code string) {
	t.Helper()
	if r.status != status {
		t.Fatalf("status %d, want %d: %s", r.status, status, r.body)
	}
	var body struct {
		Error *struct {
			Code    *string `json:"code"`
			Message *string `json:"message"`
		} `json:"error"`
	}
	if err := json.Unmarshal(r.body, &body); err != nil {
		t.Fatalf("error body is not JSON: %v: %q", err, r.body)
	}
	if body.Error == nil || body.Error.Code == nil || body.Error.Message == nil {
		t.Fatalf(`error body %s, want {"error":{"code":...,"message":...}}`, r.body)
	}
	if *body.Error.Code != code {
		t.Errorf("error code %q, want %q (%s)", *body.Error.Code, code, *body.Error.Message)
	}
	if *body.Error.Message == "" {
		t.Errorf("empty error message")
	}
}

// openCH connects to a database of the package's server.
func openCH(db string) (driver.Conn, error) {
	return clickhouse.Open(&clickhouse.Options{
		Addr:        []string{chtest.Server().Addr},
		Auth:        clickhouse.Auth{Database: db, Username: "default"},
		DialTimeout: 5 * time.Second,
	})
}

// conn connects to the center's database for direct checks.
func (c *center) conn(t *testing.T) driver.Conn {
	t.Helper()
	conn, err := openCH(c.db)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}

// lastDay is the last day of the center (To is exclusive).
func (c *center) lastDay() string { return c.m.To.AddDate(0, 0, -1).Format(time.DateOnly) }

func (c *center) firstDay() string { return c.m.From.Format(time.DateOnly) }

// spec returns the manifest entry of a file name.
func (c *center) spec(t *testing.T, name string) demo.FileSpec {
	t.Helper()
	for _, f := range c.m.Files {
		if filepath.Base(f.Path) == name {
			return f
		}
	}
	t.Fatalf("manifest has no %s", name)
	return demo.FileSpec{}
}

func sortedKeys(m map[string]string) []string { return slices.Sorted(maps.Keys(m)) }

// readCSV reads a whole CSV file.
func readCSV(path string) ([][]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.FieldsPerRecord = -1
	recs, err := r.ReadAll()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if len(recs) == 0 {
		return nil, fmt.Errorf("%s: empty", path)
	}
	return recs, nil
}
