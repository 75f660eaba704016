package spool

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/servicecard/servicecard/ingest"
	"github.com/servicecard/servicecard/internal/chstore"
	"github.com/servicecard/servicecard/internal/chtest"
)

func TestMain(m *testing.M) {
	// The crash test re-executes this binary as a worker process: it must
	// not start a ClickHouse server of its own.
	if os.Getenv(helperEnv) != "" {
		os.Exit(helperMain())
	}
	chtest.Main(m)
}

const contactsHeader = "contact_id,source,channel,direction,queue,team,site,agent_id,customer_id,started_at,answered_at,ended_at,wait_s,talk_s,hold_s,hold_count,acw_s,abandoned,transferred,resolved,disposition,initial_contact_id,source_updated_at\n"

// contactsCSV writes n generic contact rows with ids prefix-0...; every
// badEvery-th row (when badEvery > 0) has an unreadable started_at and is
// rejected. It returns the file and how many rows load.
func contactsCSV(prefix string, n, badEvery int) ([]byte, int) {
	var b bytes.Buffer
	b.WriteString(contactsHeader)
	t0 := time.Date(2024, 10, 1, 8, 0, 0, 0, time.UTC)
	ok := 0
	for i := range n {
		start := t0.Add(time.Duration(i) * time.Second)
		started := start.Format(time.RFC3339)
		if badEvery > 0 && i%badEvery == badEvery-1 {
			started = "yesterday"
		} else {
			ok++
		}
		fmt.Fprintf(&b, "%s-%d,spooltest,voice,inbound,q1,t1,s1,a%d,cust%d,%s,%s,%s,20,250,10,1,20,false,false,true,ok,,%s\n",
			prefix, i, i%10, i, started,
			start.Add(20*time.Second).Format(time.RFC3339),
			start.Add(300*time.Second).Format(time.RFC3339),
			start.Add(320*time.Second).Format(time.RFC3339))
	}
	return b.Bytes(), ok
}

// openStore opens and migrates a store on dsn, closed when t ends.
func openStore(t testing.TB, dsn string, opt chstore.Options) *chstore.Store {
	t.Helper()
	ctx := context.Background()
	st, err := chstore.Open(ctx, dsn, opt)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	return st
}

// drop writes a file into inbox/ the way writers should: a dotfile
// renamed into place.
func drop(t testing.TB, dir, name string, data []byte) {
	t.Helper()
	tmp := filepath.Join(dir, InboxDir, "."+name)
	if err := os.WriteFile(tmp, data, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, filepath.Join(dir, InboxDir, name)); err != nil {
		t.Fatal(err)
	}
}

// runWorker runs w until the returned stop is called (also at t's end).
func runWorker(t testing.TB, w *Worker) (stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx) }()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			select {
			case err := <-done:
				if err != nil {
					t.Errorf("Run: %v", err)
				}
			case <-time.After(30 * time.Second):
				t.Errorf("Run did not return 30 s after cancel")
			}
		})
	}
	t.Cleanup(stop)
	return stop
}

// waitFor polls cond until it holds or timeout passes.
func waitFor(t testing.TB, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", timeout, what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

func readReport(t testing.TB, path string) Report {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var r Report
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatalf("report %s: %v", path, err)
	}
	return r
}

func listDir(t testing.TB, dir string) []string {
	t.Helper()
	es, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range es {
		out = append(out, e.Name())
	}
	return out
}

func queryUint(t testing.TB, conn driver.Conn, q string, args ...any) uint64 {
	t.Helper()
	var v uint64
	if err := conn.QueryRow(context.Background(), q, args...).Scan(&v); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return v
}

func queryInt(t testing.TB, conn driver.Conn, q string, args ...any) int64 {
	t.Helper()
	var v int64
	if err := conn.QueryRow(context.Background(), q, args...).Scan(&v); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return v
}

func dbName(dsn string) string { return dsn[strings.LastIndex(dsn, "/")+1:] }

func testLogger(t testing.TB) *slog.Logger {
	return slog.New(slog.NewTextHandler(tLogWriter{t}, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

type tLogWriter struct{ t testing.TB }

func (w tLogWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSuffix(string(p), "\n"))
	return len(p), nil
}

// TestLoadFiles: dropped files are loaded into ClickHouse and moved to
// done/ or failed/ with reports; files being written are left alone.
func TestLoadFiles(t *testing.T) {
	dsn := chtest.NewDatabase(t)
	st := openStore(t, dsn, chstore.Options{})
	conn := chtest.Conn(t, dbName(dsn))
	dir := t.TempDir()
	reg := prometheus.NewRegistry()
	w, err := New(Options{Dir: dir, Store: st, Registerer: reg, Poll: 50 * time.Millisecond, Logger: testLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	good, goodOK := contactsCSV("good", 1000, 100) // 10 rejected
	plain, plainOK := contactsCSV("plain", 50, 0)
	files := []struct {
		name     string
		data     []byte
		status   string
		kind     ingest.Kind
		rowsOK   int64
		rejected int64
		errPart  string
	}{
		{"contacts.csv.2024-10-01", good, "done", ingest.KindContacts, int64(goodOK), 10, ""},
		{"contacts.2024-10-02.csv", plain, "done", ingest.KindContacts, int64(plainOK), 0, ""},
		{"calls.csv", plain, "failed", "", 0, 0, "unknown kind"},
		{"contacts.nohead.csv", []byte("a,b,c\n1,2,3\n"), "failed", ingest.KindContacts, 0, 0, "not in the expected format"},
	}
	// Still being written, by convention: never claimed.
	drop(t, dir, "ignored.part", plain)
	for _, n := range []string{".contacts.writing.csv", "contacts.writing.csv.tmp"} {
		if err := os.WriteFile(filepath.Join(dir, InboxDir, n), plain, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, f := range files {
		drop(t, dir, f.name, f.data)
	}
	stop := runWorker(t, w)
	for _, f := range files {
		waitFor(t, 60*time.Second, f.name+" to finish", func() bool {
			return exists(filepath.Join(dir, DoneDir, f.name+ReportSuffix)) || exists(filepath.Join(dir, FailedDir, f.name+ReportSuffix))
		})
	}
	stop()

	for _, f := range files {
		t.Run(f.name, func(t *testing.T) {
			sub := DoneDir
			if f.status == "failed" {
				sub = FailedDir
			}
			got, err := os.ReadFile(filepath.Join(dir, sub, f.name))
			if err != nil || !bytes.Equal(got, f.data) {
				t.Fatalf("%s/%s: %d bytes, %v; want the input (%d bytes)", sub, f.name, len(got), err, len(f.data))
			}
			r := readReport(t, filepath.Join(dir, sub, f.name+ReportSuffix))
			if r.Status != f.status || r.File != f.name || r.Kind != f.kind || r.RowsOK != f.rowsOK || r.RowsRejected != f.rejected {
				t.Errorf("report %+v; want status %s kind %q rows %d rejected %d", r, f.status, f.kind, f.rowsOK, f.rejected)
			}
			if !strings.Contains(r.Error, f.errPart) {
				t.Errorf("report error %q, want it to contain %q", r.Error, f.errPart)
			}
			wantAttempts := 1
			if f.kind == "" {
				wantAttempts = 0 // never loaded
			}
			if _, err := batchTime(r.BatchID); err != nil || r.Attempts != wantAttempts || r.FinishedAt.Before(r.ClaimedAt) {
				t.Errorf("report batch %q attempts %d claimed %v finished %v", r.BatchID, r.Attempts, r.ClaimedAt, r.FinishedAt)
			}
			if f.status == "done" {
				if r.Bytes != int64(len(f.data)) || r.Format != ingest.FormatCSV {
					t.Errorf("report bytes %d format %q, want %d csv", r.Bytes, r.Format, len(f.data))
				}
				n := queryUint(t, conn, "SELECT count() FROM contacts FINAL WHERE batch_id = ?", r.BatchID)
				rej := queryUint(t, conn, "SELECT count() FROM ingest_rejects FINAL WHERE batch_id = ?", r.BatchID)
				if int64(n) != f.rowsOK || int64(rej) != f.rejected {
					t.Errorf("clickhouse holds %d contacts, %d rejects of batch %s; want %d, %d", n, rej, r.BatchID, f.rowsOK, f.rejected)
				}
			}
		})
	}
	if got := listDir(t, filepath.Join(dir, WorkDir)); len(got) != 0 {
		t.Errorf("work/ not empty: %v", got)
	}
	wantInbox := []string{".contacts.writing.csv", "contacts.writing.csv.tmp", "ignored.part"}
	if got := listDir(t, filepath.Join(dir, InboxDir)); strings.Join(got, " ") != strings.Join(wantInbox, " ") {
		t.Errorf("inbox holds %v, want %v", got, wantInbox)
	}
	metrics := []struct {
		name   string
		labels map[string]string
		want   float64
	}{
		{"servicecard_ingest_files_total", map[string]string{"outcome": "done"}, 2},
		{"servicecard_ingest_files_total", map[string]string{"outcome": "failed"}, 2},
		{"servicecard_ingest_files_total", map[string]string{"outcome": "retry"}, 0},
		{"servicecard_ingest_rows_total", map[string]string{"kind": "contacts", "format": "csv", "outcome": "ok"}, float64(goodOK + plainOK)},
		{"servicecard_ingest_rows_total", map[string]string{"kind": "contacts", "format": "csv", "outcome": "rejected"}, 10},
		{"servicecard_ingest_bytes_total", map[string]string{"kind": "contacts", "format": "csv"}, float64(len(good) + len(plain) + len("a,b,c\n1,2,3\n"))},
		{"servicecard_ingest_batch_duration_seconds", map[string]string{"kind": "contacts", "format": "csv"}, 3},
		{"servicecard_spool_depth", nil, 0},
	}
	for _, m := range metrics {
		t.Run(fmt.Sprint(m.name, m.labels), func(t *testing.T) {
			if got := metricValue(t, reg, m.name, m.labels); got != m.want {
				t.Errorf("%s%v = %v, want %v", m.name, m.labels, got, m.want)
			}
		})
	}
}

// TestConcurrentWorkers: two workers of three goroutines each on one
// spool (as two processes would be) load every file exactly once.
func TestConcurrentWorkers(t *testing.T) {
	dsn := chtest.NewDatabase(t)
	st := openStore(t, dsn, chstore.Options{})
	conn := chtest.Conn(t, dbName(dsn))
	dir := t.TempDir()
	const files, rows = 24, 300
	regs := []*prometheus.Registry{prometheus.NewRegistry(), prometheus.NewRegistry()}
	for _, reg := range regs {
		w, err := New(Options{Dir: dir, Workers: 3, Store: st, Registerer: reg, Poll: 20 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		runWorker(t, w)
	}
	for i := range files {
		data, _ := contactsCSV(fmt.Sprintf("f%d", i), rows, 0)
		drop(t, dir, fmt.Sprintf("contacts.csv.%03d", i), data)
	}
	waitFor(t, 120*time.Second, "all files done", func() bool {
		n := 0
		for _, name := range listDir(t, filepath.Join(dir, DoneDir)) {
			if strings.HasSuffix(name, ReportSuffix) {
				n++
			}
		}
		return n >= files
	})
	done := listDir(t, filepath.Join(dir, DoneDir))
	if len(done) != 2*files {
		t.Errorf("done/ holds %d entries, want %d (a file and its report each): %v", len(done), 2*files, done)
	}
	checks := []struct {
		name string
		got  func() uint64
		want uint64
	}{
		{"contacts FINAL", func() uint64 { return queryUint(t, conn, "SELECT count() FROM contacts FINAL") }, files * rows},
		{"contacts sum(sign)", func() uint64 { return uint64(queryInt(t, conn, "SELECT sum(sign) FROM contacts")) }, files * rows},
		{"contacts rows written", func() uint64 { return queryUint(t, conn, "SELECT count() FROM contacts") }, files * rows},
		{"batches", func() uint64 { return queryUint(t, conn, "SELECT count() FROM ingest_batches FINAL") }, files},
		{"batched files", func() uint64 {
			return queryUint(t, conn, "SELECT uniqExact(file) FROM ingest_batches FINAL WHERE status = 'done'")
		}, files},
		{"metric rows ok", func() uint64 {
			var sum float64
			for _, reg := range regs {
				sum += metricValue(t, reg, "servicecard_ingest_rows_total", map[string]string{"outcome": "ok"})
			}
			return uint64(sum)
		}, files * rows},
	}
	for _, c := range checks {
		t.Run(c.name, func(t *testing.T) {
			if got := c.got(); got != c.want {
				t.Errorf("%s = %d, want %d", c.name, got, c.want)
			}
		})
	}
}
