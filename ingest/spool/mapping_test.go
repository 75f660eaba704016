package spool

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/servicecard/servicecard/internal/chstore"
	"github.com/servicecard/servicecard/internal/chtest"
)

// TestMappedQualtrics checks that a Qualtrics export that needs --map
// loads through the spool once the worker has a mapping config for its
// name, while the same file without one fails.
func TestMappedQualtrics(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("..", "testdata", "real", "qualtrics-csv", "QualtricsTools-better-sample-survey-2016-singlequote-importid.csv"))
	if err != nil {
		t.Fatal(err)
	}
	cfg := filepath.Join(t.TempDir(), "mappings.yaml")
	if err := os.WriteFile(cfg, []byte("- files: \"surveys.qualtrics.mapped*\"\n  columns: {csat: q2_favorite}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	ms, err := LoadMappings(cfg)
	if err != nil {
		t.Fatal(err)
	}
	dsn := chtest.NewDatabase(t)
	st := openStore(t, dsn, chstore.Options{})
	conn := chtest.Conn(t, dbName(dsn))
	dir := t.TempDir()
	w, err := New(Options{Dir: dir, Store: st, Registerer: prometheus.NewRegistry(), Poll: 50 * time.Millisecond, Logger: testLogger(t), Mappings: ms})
	if err != nil {
		t.Fatal(err)
	}
	drop(t, dir, "surveys.qualtrics.mapped.csv", data)
	drop(t, dir, "surveys.qualtrics.plain.csv", data)
	stop := runWorker(t, w)
	for _, n := range []string{"surveys.qualtrics.mapped.csv", "surveys.qualtrics.plain.csv"} {
		waitFor(t, 60*time.Second, n+" to finish", func() bool {
			return exists(filepath.Join(dir, DoneDir, n+ReportSuffix)) || exists(filepath.Join(dir, FailedDir, n+ReportSuffix))
		})
	}
	stop()
	rep := readReport(t, filepath.Join(dir, DoneDir, "surveys.qualtrics.mapped.csv"+ReportSuffix))
	if rep.Summary.Status != "done" || rep.Summary.RowsOK != 10 {
		t.Errorf("mapped file: %+v", rep.Summary)
	}
	if n := queryUint(t, conn, "SELECT count() FROM surveys FINAL WHERE sign = 1"); n != 10 {
		t.Errorf("%d surveys stored, want 10", n)
	}
	if !exists(filepath.Join(dir, FailedDir, "surveys.qualtrics.plain.csv"+ReportSuffix)) {
		t.Error("the file without a mapping did not fail")
	}
}

func TestLoadMappingsErrors(t *testing.T) {
	for _, in := range []string{
		"- files: \"[\"\n  columns: {nps: Q1}\n",
		"- files: \"surveys.*\"\n",
		"- files: \"surveys.*\"\n  colums: {nps: Q1}\n",
	} {
		p := filepath.Join(t.TempDir(), "m.yaml")
		if err := os.WriteFile(p, []byte(in), 0o600); err != nil {
			t.Fatal(err)
		}
		if _, err := LoadMappings(p); err == nil {
			t.Errorf("%q: no error", in)
		} else if !errors.Is(err, ErrOptions) && !errors.Is(err, os.ErrNotExist) && in != "- files: \"surveys.*\"\n  colums: {nps: Q1}\n" {
			t.Errorf("%q: %v is not ErrOptions", in, err)
		}
	}
}
