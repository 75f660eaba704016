package spool

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/servicecard/servicecard/internal/chserver"
	"github.com/servicecard/servicecard/internal/chstore"
	"github.com/servicecard/servicecard/internal/chtest"
)

// The worker process of TestCrashRecovery: this test binary re-executed
// with these variables set.
const (
	helperEnv      = "SPOOL_TEST_HELPER"
	helperDirEnv   = "SPOOL_TEST_DIR"
	helperDSNEnv   = "SPOOL_TEST_DSN"
	helperFlushEnv = "SPOOL_TEST_FLUSH_ROWS"
)

// helperMain runs a spool worker until SIGTERM.
func helperMain() int {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	log := slogStderr()
	flush, _ := strconv.Atoi(os.Getenv(helperFlushEnv))
	st, err := chstore.Open(ctx, os.Getenv(helperDSNEnv), chstore.Options{FlushRows: flush, Logger: log})
	if err != nil {
		fmt.Fprintln(os.Stderr, "helper:", err)
		return 2
	}
	defer st.Close()
	w, err := New(Options{Dir: os.Getenv(helperDirEnv), Workers: 1, Store: st, Logger: log, Poll: 50 * time.Millisecond})
	if err != nil {
		fmt.Fprintln(os.Stderr, "helper:", err)
		return 2
	}
	if err := w.Run(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "helper:", err)
		return 1
	}
	return 0
}

// startHelper starts a worker process on dir; its output goes to out.
func startHelper(t *testing.T, dir, dsn string, out *bytes.Buffer) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), helperEnv+"=1", helperDirEnv+"="+dir, helperDSNEnv+"="+dsn, helperFlushEnv+"=2000")
	cmd.Stdout, cmd.Stderr = out, out
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
			cmd.Wait()
		}
	})
	return cmd
}

// TestCrashRecovery kills a worker process (SIGKILL) in the middle of a
// large file and starts another: the file is loaded again under the same
// batch id and ClickHouse ends up with every row exactly once.
func TestCrashRecovery(t *testing.T) {
	dsn := chtest.NewDatabase(t)
	openStore(t, dsn, chstore.Options{}) // migrated before the workers start
	conn := chtest.Conn(t, dbName(dsn))
	dir := t.TempDir()
	if _, err := New(Options{Dir: dir, Store: unusedStore{}}); err != nil { // creates the layout
		t.Fatal(err)
	}
	const rows, badEvery = 50_000, 1000
	data, ok := contactsCSV("crash", rows, badEvery)
	rejected := rows - ok
	const name = "contacts.csv.big"
	drop(t, dir, name, data)

	var out1 bytes.Buffer
	p1 := startHelper(t, dir, dsn, &out1)
	waitFor(t, 60*time.Second, "first rows in clickhouse", func() bool {
		return queryUint(t, conn, "SELECT count() FROM contacts") > 0
	})
	if err := p1.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	p1.Wait()
	loaded := queryUint(t, conn, "SELECT count() FROM contacts FINAL")
	t.Logf("killed the worker with %d of %d rows loaded", loaded, ok)
	if exists(filepath.Join(dir, DoneDir, name)) || loaded >= uint64(ok) {
		t.Fatalf("the file was loaded before the kill; make it larger\n%s", out1.String())
	}
	work := listDir(t, filepath.Join(dir, WorkDir))
	if len(work) != 1 || !strings.HasSuffix(work[0], workSep+name) {
		t.Fatalf("work/ holds %v, want the claimed file", work)
	}
	id, _, _ := splitWorkName(work[0])

	var out2 bytes.Buffer
	p2 := startHelper(t, dir, dsn, &out2)
	waitFor(t, 120*time.Second, "the file in done/", func() bool {
		return exists(filepath.Join(dir, DoneDir, name+ReportSuffix))
	})
	if err := p2.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := p2.Wait(); err != nil {
		t.Errorf("second worker after SIGTERM: %v\n%s", err, out2.String())
	}

	r := readReport(t, filepath.Join(dir, DoneDir, name+ReportSuffix))
	if r.BatchID != id || !r.Recovered || r.RowsOK != int64(ok) || r.RowsRejected != int64(rejected) {
		t.Errorf("report: batch %s recovered %v rows %d rejected %d; want batch %s recovered, %d rows, %d rejected",
			r.BatchID, r.Recovered, r.RowsOK, r.RowsRejected, id, ok, rejected)
	}
	checks := []struct {
		query string
		want  int64
	}{
		{"SELECT toInt64(count()) FROM contacts FINAL", int64(ok)},
		{"SELECT toInt64(sum(sign)) FROM contacts", int64(ok)},
		{"SELECT toInt64(uniqExact(contact_id)) FROM contacts FINAL", int64(ok)},
		{"SELECT toInt64(count()) FROM ingest_rejects FINAL", int64(rejected)},
		{"SELECT toInt64(uniqExact(batch_id)) FROM ingest_rejects", 1},
		{"SELECT toInt64(count()) FROM (SELECT line FROM ingest_rejects FINAL GROUP BY line HAVING count() > 1)", 0},
		{"SELECT toInt64(uniqExact(batch_id)) FROM contacts FINAL", 1},
		{"SELECT toInt64(count()) FROM ingest_batches FINAL WHERE status = 'done'", 1},
	}
	for _, c := range checks {
		t.Run(c.query, func(t *testing.T) {
			if got := queryInt(t, conn, c.query); got != c.want {
				t.Errorf("%s = %d, want %d", c.query, got, c.want)
			}
		})
	}
	if got := listDir(t, filepath.Join(dir, WorkDir)); len(got) != 0 {
		t.Errorf("work/ not empty: %v", got)
	}
	if t.Failed() {
		t.Logf("first worker:\n%s\nsecond worker:\n%s", out1.String(), out2.String())
	}
}

// TestStorageOutage kills ClickHouse (a server of its own, not the
// package's) while files wait: they stay in work/, are retried with
// backoff, and load once the server is back; a worker stopped during the
// outage leaves its file for the next one, which keeps the batch id.
func TestStorageOutage(t *testing.T) {
	ctx := context.Background()
	srv, err := chserver.Start(ctx, chserver.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Stop()
	st := openStore(t, srv.DSN("outage"), chstore.Options{})
	conn := st.Conn()
	dir := t.TempDir()
	newWorker := func(reg prometheus.Registerer) *Worker {
		w, err := New(Options{Dir: dir, Store: st, Registerer: reg, Logger: testLogger(t),
			Poll: 50 * time.Millisecond, Retry: Backoff{Initial: 100 * time.Millisecond, Max: 400 * time.Millisecond}})
		if err != nil {
			t.Fatal(err)
		}
		return w
	}
	retries := func(reg *prometheus.Registry) float64 {
		return metricValue(t, reg, "servicecard_ingest_files_total", map[string]string{"outcome": "retry"})
	}
	claimed := func(name string) string {
		t.Helper()
		work := listDir(t, filepath.Join(dir, WorkDir))
		if len(work) != 1 || !strings.HasSuffix(work[0], workSep+name) {
			t.Fatalf("work/ holds %v, want %s", work, name)
		}
		id, _, _ := splitWorkName(work[0])
		return id
	}
	checkLoaded := func(name, id string, ok, rejected int, recovered bool) {
		t.Helper()
		r := readReport(t, filepath.Join(dir, DoneDir, name+ReportSuffix))
		if r.BatchID != id || r.Recovered != recovered || r.RowsOK != int64(ok) || r.RowsRejected != int64(rejected) {
			t.Errorf("%s report: batch %s recovered %v rows %d rejected %d; want %s %v %d %d",
				name, r.BatchID, r.Recovered, r.RowsOK, r.RowsRejected, id, recovered, ok, rejected)
		}
		n := queryUint(t, conn, "SELECT count() FROM contacts FINAL WHERE batch_id = ?", id)
		rej := queryUint(t, conn, "SELECT count() FROM ingest_rejects FINAL WHERE batch_id = ?", id)
		if n != uint64(ok) || rej != uint64(rejected) {
			t.Errorf("%s: clickhouse holds %d rows, %d rejects; want %d, %d", name, n, rej, ok, rejected)
		}
	}

	t.Run("retried until the server is back", func(t *testing.T) {
		reg := prometheus.NewRegistry()
		runWorker(t, newWorker(reg))
		srv.Kill()
		data, ok := contactsCSV("outage", 1000, 200)
		drop(t, dir, "contacts.csv.outage", data)
		waitFor(t, 30*time.Second, "three retries", func() bool { return retries(reg) >= 3 })
		id := claimed("contacts.csv.outage")
		if d := metricValue(t, reg, "servicecard_spool_depth", nil); d != 1 {
			t.Errorf("spool depth = %v during the outage, want 1", d)
		}
		if err := srv.Restart(ctx); err != nil {
			t.Fatal(err)
		}
		waitFor(t, 60*time.Second, "the file in done/", func() bool {
			return exists(filepath.Join(dir, DoneDir, "contacts.csv.outage"+ReportSuffix))
		})
		checkLoaded("contacts.csv.outage", id, ok, 1000-ok, false)
		if r := readReport(t, filepath.Join(dir, DoneDir, "contacts.csv.outage"+ReportSuffix)); float64(r.Attempts) != retries(reg)+1 {
			t.Errorf("report attempts %d, retry metric %v", r.Attempts, retries(reg))
		}
		if n := metricValue(t, reg, "servicecard_ingest_files_total", map[string]string{"outcome": "failed"}); n != 0 {
			t.Errorf("%v files failed, want 0", n)
		}
	})

	t.Run("stopped during the outage", func(t *testing.T) {
		reg := prometheus.NewRegistry()
		stop := runWorker(t, newWorker(reg))
		srv.Kill()
		data, ok := contactsCSV("stopped", 500, 0)
		drop(t, dir, "contacts.csv.stopped", data)
		waitFor(t, 30*time.Second, "a retry", func() bool { return retries(reg) >= 1 })
		t0 := time.Now()
		stop()
		if d := time.Since(t0); d > 5*time.Second {
			t.Errorf("stop took %s", d)
		}
		id := claimed("contacts.csv.stopped")
		if err := srv.Restart(ctx); err != nil {
			t.Fatal(err)
		}
		runWorker(t, newWorker(prometheus.NewRegistry()))
		waitFor(t, 60*time.Second, "the file in done/", func() bool {
			return exists(filepath.Join(dir, DoneDir, "contacts.csv.stopped"+ReportSuffix))
		})
		checkLoaded("contacts.csv.stopped", id, ok, 0, true)
	})
}

func slogStderr() *slog.Logger {
	return slog.New(slog.NewTextHandler(os.Stderr, nil))
}
