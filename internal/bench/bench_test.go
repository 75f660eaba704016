package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/servicecard/servicecard/internal/chserver"
	"github.com/servicecard/servicecard/internal/chtest"
)

func TestMain(m *testing.M) { chtest.Main(m) }

func testLog() *slog.Logger {
	if testing.Verbose() {
		return slog.New(slog.NewTextHandler(os.Stderr, nil))
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

func testHarness(t *testing.T, addr string) (harness, *bytes.Buffer) {
	t.Helper()
	client, err := exec.LookPath("clickhouse-client")
	if err != nil {
		t.Fatalf("clickhouse-client: %v", err)
	}
	var out bytes.Buffer
	return harness{addr: addr, client: client, log: testLog(), out: &out,
		dsn: func(int) string { return chtest.NewDatabase(t) }}, &out
}

// TestScorecardAndThroughput runs the scorecard and throughput tables on
// 20k generated contacts, 3 rounds, and checks what they measured.
func TestScorecardAndThroughput(t *testing.T) {
	h, out := testHarness(t, chtest.Server().Addr)
	o := options{sizes: []int{20_000}, reps: 3, warmups: 1, budget: time.Minute, clients: 4, duration: time.Second, grace: 30 * time.Second}
	res, err := h.scorecardTables(context.Background(), o, true, true)
	if err != nil {
		t.Fatal(err)
	}
	// 52 weeks; 6 teams x 12 months; the 9 agents of team alpha x 12 months.
	wantRows := map[string]int{"org weekly, 52 weeks": 52, "team monthly, 12 months": 72, "agent monthly, 1 team": 108}
	if len(res.latencies) != len(wantRows) {
		t.Fatalf("%d measured queries, want %d", len(res.latencies), len(wantRows))
	}
	for _, l := range res.latencies {
		t.Run(l.query, func(t *testing.T) {
			if len(l.api) != 3 || len(l.raw) != 3 {
				t.Errorf("%d API and %d raw SQL rounds, want 3 each", len(l.api), len(l.raw))
			}
			for _, s := range append(l.api, l.raw...) {
				if s <= 0 || s > 60 {
					t.Errorf("a round took %v s", s)
				}
			}
			if l.check.rows != wantRows[l.query] || l.check.same != l.check.rows {
				t.Errorf("API against raw SQL: %s, want all of %d rows the same", l.check, wantRows[l.query])
			}
			// Whatever the engine runs (live statements or a snapshot
			// read), the breakdown names it and counts it per request.
			if len(l.statements) == 0 {
				t.Error("no engine statement in the query log breakdown")
			}
			for _, s := range l.statements {
				if s.name == "" || strings.HasPrefix(s.name, "bench") || s.perRequest <= 0 || s.p50 > s.p95 {
					t.Errorf("statement %+v", s)
				}
			}
		})
	}
	// Daily facts for the 3 queries, and, when the engine's snapshots
	// exist, their read on 2 tables each.
	if len(res.prototypes) != 3 && len(res.prototypes) != 9 {
		t.Errorf("%d prototypes, want 3 or 9", len(res.prototypes))
	}
	for _, p := range res.prototypes {
		if len(p.secs) == 0 || p.check.rows == 0 || p.check.same != p.check.rows {
			t.Errorf("prototype %s: %d rounds, %s", p.name, len(p.secs), p.check)
		}
	}
	if len(res.throughput) != 1 {
		t.Fatalf("%d throughput results, want 1", len(res.throughput))
	}
	if tp := res.throughput[0]; len(tp.latencies) == 0 || tp.errs != 0 || tp.unfinished != 0 || tp.serverErrors != 0 {
		t.Errorf("throughput: %d answered, %d errors (%v), %d unfinished, %d server errors",
			len(tp.latencies), tp.errs, tp.firstErr, tp.unfinished, tp.serverErrors)
	}
	for _, want := range []string{"Scorecard latency", "org weekly, 52 weeks", "Engine statements", "daily facts", "API throughput"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

// TestIngestTable builds servicecard and runs the ingest table on 2000
// rows. It uses a server of its own: clickhouse-client's CSV insert has
// no place in the statement log replayed on ClickHouse 26.
func TestIngestTable(t *testing.T) {
	dir := t.TempDir()
	bin := filepath.Join(dir, "servicecard")
	build := exec.Command("go", "build", "-o", bin, "../../cmd/servicecard")
	if b, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, b)
	}
	ctx := context.Background()
	srv, err := chserver.Start(ctx, chserver.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Stop()
	h, out := testHarness(t, srv.Addr)
	if err := h.ingestTable(ctx, dir, 2000, 1, bin); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"clickhouse-client INSERT FORMAT CSVWithNames", "servicecard ingest", "2000", "then the facts of the loaded days"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

func TestCompare(t *testing.T) {
	body := []byte(`{"rows":[
		{"key":"org","period_start":"2025-01-06T00:00:00Z","metrics":{"offered":10,"aht_s":300,"asa_s":20,"service_level":0.5,"nps":null}},
		{"key":"org","period_start":"2025-01-13T00:00:00Z","metrics":{"offered":12,"aht_s":310.5,"asa_s":21,"service_level":0.25,"nps":40}}]}`)
	tests := []struct {
		name     string
		raw      string
		wantSame int
		wantDiff string
	}{
		{"equal", "org\t2025-01-06\t10\t8\t300\t20\t0.5\t\\N\norg\t2025-01-13\t12\t9\t310.5\t21\t0.25\t40\n", 2, ""},
		{"nan for null", "org\t2025-01-06\t10\t8\t300\t20\t0.5\tnan\norg\t2025-01-13\t12\t9\t310.5\t21\t0.25\t40\n", 2, ""},
		{"other offered", "org\t2025-01-06\t11\t8\t300\t20\t0.5\t\\N\norg\t2025-01-13\t12\t9\t310.5\t21\t0.25\t40\n", 1, "offered: API 10, SQL 11"},
		{"value for null", "org\t2025-01-06\t10\t8\t300\t20\t0.5\t12\norg\t2025-01-13\t12\t9\t310.5\t21\t0.25\t40\n", 1, "nps: API null, SQL 12"},
		{"missing row", "org\t2025-01-13\t12\t9\t310.5\t21\t0.25\t40\n", 1, "1 SQL rows"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := compare(body, tt.raw, comparedMetrics)
			if err != nil {
				t.Fatal(err)
			}
			if c.rows != 2 || c.same != tt.wantSame || !strings.Contains(c.first, tt.wantDiff) {
				t.Errorf("got %d of %d same, first difference %q; want %d same and %q", c.same, c.rows, c.first, tt.wantSame, tt.wantDiff)
			}
		})
	}
	if _, err := compare(body, "org\t2025-01-06\t10\n", comparedMetrics); err == nil {
		t.Error("a short SQL row gave no error")
	}
}

func TestPercentile(t *testing.T) {
	xs := []float64{5, 1, 4, 2, 3, 10, 9, 8, 7, 6}
	tests := []struct {
		p    float64
		want float64
	}{{50, 5}, {95, 10}, {10, 1}, {0, 1}, {100, 10}}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("p%v", tt.p), func(t *testing.T) {
			if got := percentile(xs, tt.p); got != tt.want {
				t.Errorf("percentile(%v) = %v, want %v", tt.p, got, tt.want)
			}
		})
	}
	if got := percentile(nil, 50); got != 0 {
		t.Errorf("percentile of nothing = %v", got)
	}
	if xs[0] != 5 {
		t.Error("percentile sorted its input")
	}
	if got := median([]float64{3, 1, 2}); got != 2 {
		t.Errorf("median = %v, want 2", got)
	}
}

func TestCount(t *testing.T) {
	tests := map[int]string{1_000_000: "1M", 10_000_000: "10M", 20_000: "20k", 1500: "1500", 999: "999"}
	for n, want := range tests {
		t.Run(want, func(t *testing.T) {
			if got := count(n); got != want {
				t.Errorf("count(%d) = %q, want %q", n, got, want)
			}
		})
	}
}
