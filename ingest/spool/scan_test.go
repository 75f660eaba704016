package spool

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/servicecard/servicecard/ingest"
)

// unusedStore satisfies Options.Store for tests that never load.
type unusedStore struct{}

func (unusedStore) Begin(context.Context, ingest.Batch) (ingest.Writer, error) {
	panic("spool test: store used")
}

func names(js []job) []string {
	var out []string
	for _, j := range js {
		if j.work {
			out = append(out, "work/"+j.name)
		} else {
			out = append(out, "inbox/"+j.name)
		}
	}
	slices.Sort(out)
	return out
}

// TestScan: only files that held still for one poll are claimed, files
// being written by convention never are, work/ files are always offered
// unless held here.
func TestScan(t *testing.T) {
	dir := t.TempDir()
	w, err := New(Options{Dir: dir, Store: unusedStore{}})
	if err != nil {
		t.Fatal(err)
	}
	inbox := filepath.Join(dir, InboxDir)
	write := func(name, content string, mtime time.Time) {
		t.Helper()
		p := filepath.Join(inbox, name)
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(p, mtime, mtime); err != nil {
			t.Fatal(err)
		}
	}
	t0 := time.Now().Add(-time.Hour)
	id, _ := newBatchID(t0)
	held, _ := newBatchID(t0)
	for _, n := range []string{id + "__contacts.csv", held + "__surveys.csv"} {
		if err := os.WriteFile(filepath.Join(dir, WorkDir, n), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	w.busy[held+"__surveys.csv"] = true
	if err := os.Mkdir(filepath.Join(inbox, "contacts.subdir"), 0o755); err != nil {
		t.Fatal(err)
	}

	write("contacts.a.csv", "x", t0)
	write("contacts.growing.csv", "x", t0)
	write("contacts.touched.csv", "x", t0)
	write(".contacts.hidden.csv", "x", t0)
	write("contacts.b.csv.tmp", "x", t0)
	write("contacts.c.csv.part", "x", t0)

	steps := []struct {
		name   string
		change func()
		want   []string
		depth  int
	}{
		{"first sight", func() {}, []string{"work/" + id + "__contacts.csv"}, 5},
		{"second sight", func() {
			write("contacts.growing.csv", "xx", t0)
			write("contacts.touched.csv", "x", t0.Add(time.Second))
			write("contacts.new.csv", "x", t0)
		}, []string{"inbox/contacts.a.csv", "work/" + id + "__contacts.csv"}, 6},
		{"all stable", func() {}, []string{
			"inbox/contacts.a.csv", "inbox/contacts.growing.csv", "inbox/contacts.new.csv",
			"inbox/contacts.touched.csv", "work/" + id + "__contacts.csv",
		}, 6},
	}
	seen := map[string]fileStat{}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			s.change()
			var cands []job
			cands, seen = w.scan(seen)
			if got := names(cands); !slices.Equal(got, s.want) {
				t.Errorf("candidates\n got %v\nwant %v", got, s.want)
			}
			if got := gaugeValue(t, w); got != float64(s.depth) {
				t.Errorf("depth = %v, want %d", got, s.depth)
			}
		})
	}
}

func gaugeValue(t *testing.T, w *Worker) float64 {
	t.Helper()
	ch := make(chan prometheusMetric, 1)
	w.m.depth.Collect(ch)
	return readGauge(t, <-ch)
}
