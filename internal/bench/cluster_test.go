package main

import (
	"bytes"
	"encoding/csv"
	"os"
	"slices"
	"testing"
)

func TestLinePrefixer(t *testing.T) {
	in := "contact_id,source\nBM1,bench\nBM2,bench\nBM3,bench\n"
	// Every way of cutting the input into two writes gives the same output.
	want := "contact_id,source\nw2-BM1,bench\nw2-BM2,bench\nw2-BM3,bench\n"
	for cut := range len(in) + 1 {
		var out bytes.Buffer
		p := &linePrefixer{w: &out, prefix: "w2-"}
		for _, part := range []string{in[:cut], in[cut:]} {
			if n, err := p.Write([]byte(part)); err != nil || n != len(part) {
				t.Fatalf("cut %d: wrote %d of %d: %v", cut, n, len(part), err)
			}
		}
		if out.String() != want {
			t.Fatalf("cut %d: got %q, want %q", cut, out.String(), want)
		}
	}
}

func TestWorkerCSVsDisjoint(t *testing.T) {
	h, _ := testHarness(t, "127.0.0.1:0")
	files, err := h.workerCSVs(t.TempDir(), 1003, 4)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	total := 0
	for _, f := range files {
		n, err := csvRows(f)
		if err != nil {
			t.Fatal(err)
		}
		if n < 250 || n > 251 {
			t.Errorf("%s: %d rows, want 250 or 251", f, n)
		}
		total += n
		r, err := os.Open(f)
		if err != nil {
			t.Fatal(err)
		}
		recs, err := csv.NewReader(r).ReadAll()
		r.Close()
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		if recs[0][0] != "contact_id" || len(recs) != n+1 {
			t.Fatalf("%s: header %q, %d records for %d rows", f, recs[0][0], len(recs), n)
		}
		for _, rec := range recs[1:] {
			if seen[rec[0]] {
				t.Fatalf("contact id %s in two files", rec[0])
			}
			seen[rec[0]] = true
		}
	}
	if total != 1003 {
		t.Errorf("%d rows in all, want 1003", total)
	}
}

func TestShares(t *testing.T) {
	files := []string{"a", "b", "c", "d"}
	for procs, want := range map[int][][]string{
		1: {{"a", "b", "c", "d"}},
		2: {{"a", "c"}, {"b", "d"}},
		4: {{"a"}, {"b"}, {"c"}, {"d"}},
	} {
		if got := shares(files, procs); !slices.EqualFunc(got, want, slices.Equal) {
			t.Errorf("%d processes: %v, want %v", procs, got, want)
		}
	}
}

func TestNodesDSN(t *testing.T) {
	addrs := []string{"h1:1", "h2:2", "h3:3"}
	for first, want := range map[int]string{
		0: "clickhouse://default:@h1:1,h2:2,h3:3/db",
		1: "clickhouse://default:@h2:2,h3:3,h1:1/db",
		5: "clickhouse://default:@h3:3,h1:1,h2:2/db",
	} {
		if got := nodesDSN(addrs, "db", first); got != want {
			t.Errorf("first %d: %s, want %s", first, got, want)
		}
	}
}

func TestParseWorkersAndSumCheck(t *testing.T) {
	if got, err := parseWorkers("1, 2,4"); err != nil || !slices.Equal(got, []int{1, 2, 4}) {
		t.Errorf("parseWorkers: %v %v", got, err)
	}
	for _, bad := range []string{"", "0", "1,x", "-2"} {
		if _, err := parseWorkers(bad); err == nil {
			t.Errorf("parseWorkers(%q) accepted", bad)
		}
	}
	if sumCheck(10, 10) != "ok" || sumCheck(20, 10) != "mismatch (20)" {
		t.Errorf("sumCheck: %q %q", sumCheck(10, 10), sumCheck(20, 10))
	}
}

func TestCSVRowsCountsAfterHeader(t *testing.T) {
	f := t.TempDir() + "/x.csv"
	if err := os.WriteFile(f, []byte("h\n1\n2\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if n, err := csvRows(f); err != nil || n != 2 {
		t.Errorf("csvRows: %d %v", n, err)
	}
}
