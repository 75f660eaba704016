package chstore

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"runtime/pprof"
	"strconv"
	"testing"
	"time"

	"github.com/servicecard/servicecard/ingest"
	"github.com/servicecard/servicecard/internal/chtest"
	"github.com/servicecard/servicecard/internal/demo"
)

// benchContacts makes n distinct answered contacts cheaply (the
// benchmark measures the writer, not the generator).
func benchContacts(n int) []ingest.Contact {
	out := make([]ingest.Contact, n)
	queues := []string{"sales", "support", "billing"}
	for i := range out {
		start := t0.Add(time.Duration(i%(30*24*3600)) * time.Second)
		ans := start.Add(time.Duration(i%120) * time.Second)
		agent := i % 500
		out[i] = ingest.Contact{
			ContactID: fmt.Sprintf("bench-%09d", i), Source: "bench", Channel: "voice",
			Direction: "inbound", Queue: queues[i%3], Team: fmt.Sprintf("team%d", agent/25),
			Site: "lyon", AgentID: fmt.Sprintf("agent%03d", agent), CustomerID: fmt.Sprintf("cust%d", i%200000),
			StartedAt: start, AnsweredAt: &ans, EndedAt: ans.Add(300 * time.Second),
			WaitS: uint32(i % 120), TalkS: 240, HoldS: uint32(i % 3 * 20), AcwS: 40,
			SourceUpdatedAt: start.Add(time.Hour),
		}
	}
	return out
}

// BenchmarkWriterContacts loads 1M new contacts per iteration through
// the writer (read-before-write lookup, columnar inserts, the rollup
// view) and reports rows/s.
func BenchmarkWriterContacts(b *testing.B) {
	const n = 1_000_000
	cs := benchContacts(n)
	ctx := context.Background()
	var total time.Duration
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		st, err := Open(ctx, chtest.NewDatabase(b), Options{Logger: benchLogger()})
		if err != nil {
			b.Fatal(err)
		}
		if err := st.Migrate(ctx); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		start := time.Now()
		w, err := st.Begin(ctx, ingest.Batch{ID: fmt.Sprint("bench", i), Kind: ingest.KindContacts})
		if err != nil {
			b.Fatal(err)
		}
		for j := range cs {
			if err := w.Contact(cs[j]); err != nil {
				b.Fatal(err)
			}
		}
		if err := w.Close(ctx, nil); err != nil {
			b.Fatal(err)
		}
		total += time.Since(start)
		b.StopTimer()
		st.Close()
	}
	b.ReportMetric(float64(n)*float64(b.N)/total.Seconds(), "rows/s")
}

func writeHeapProfile(b *testing.B, name string) {
	f, err := os.Create(name)
	if err != nil {
		b.Error(err)
		return
	}
	defer f.Close()
	if err := pprof.Lookup("heap").WriteTo(f, 0); err != nil {
		b.Error(err)
	}
}

func benchLogger() *slog.Logger {
	if !testing.Verbose() {
		return nil
	}
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// BenchmarkIngestCSV loads a generic contacts CSV through ingest.Load
// (parse, writer, lookups, inserts). SERVICECARD_BENCH_CSV names the file
// (default: 200k generated rows); SERVICECARD_BENCH_DSN an existing
// server's database to use instead of the package's own;
// SERVICECARD_BENCH_FLUSH_ROWS, _FLUSH_BYTES and _LANES set Options;
// SERVICECARD_BENCH_KEEP keeps the rows of the previous iteration (with
// -benchtime 2x the second load replaces every row);
// SERVICECARD_BENCH_HEAP_AFTER (a duration) writes heap-N.prof then.
func BenchmarkIngestCSV(b *testing.B) {
	ctx := context.Background()
	path := os.Getenv("SERVICECARD_BENCH_CSV")
	if path == "" {
		path = filepath.Join(b.TempDir(), "contacts.csv")
		f, err := os.Create(path)
		if err != nil {
			b.Fatal(err)
		}
		to := time.Date(2026, 10, 31, 0, 0, 0, 0, time.UTC)
		if err := demo.WriteContactsCSV(f, 200_000, 1, to.AddDate(0, -3, 0), to); err != nil {
			b.Fatal(err)
		}
		if err := f.Close(); err != nil {
			b.Fatal(err)
		}
	}
	var rows int64
	var total time.Duration
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		dsn := os.Getenv("SERVICECARD_BENCH_DSN")
		if dsn == "" {
			dsn = chtest.NewDatabase(b)
		}
		opt := Options{Logger: benchLogger()}
		opt.FlushRows, _ = strconv.Atoi(os.Getenv("SERVICECARD_BENCH_FLUSH_ROWS"))
		opt.Lanes, _ = strconv.Atoi(os.Getenv("SERVICECARD_BENCH_LANES"))
		opt.FlushBytes, _ = strconv.Atoi(os.Getenv("SERVICECARD_BENCH_FLUSH_BYTES"))
		st, err := Open(ctx, dsn, opt)
		if err != nil {
			b.Fatal(err)
		}
		if err := st.Migrate(ctx); err != nil {
			b.Fatal(err)
		}
		for _, table := range []string{"contacts", "contacts_rollup"} {
			if os.Getenv("SERVICECARD_BENCH_KEEP") != "" {
				break // every load after the first replaces every row
			}
			if err := st.conn.Exec(ctx, "TRUNCATE TABLE "+table); err != nil {
				b.Fatal(err)
			}
		}
		f, err := os.Open(path)
		if err != nil {
			b.Fatal(err)
		}
		if d, err := time.ParseDuration(os.Getenv("SERVICECARD_BENCH_HEAP_AFTER")); err == nil {
			// A heap profile in the middle of the load.
			t := time.AfterFunc(d, func() { writeHeapProfile(b, fmt.Sprintf("heap-%d.prof", i)) })
			defer t.Stop()
		}
		b.StartTimer()
		start := time.Now()
		sum, err := ingest.Load(ctx, st, f, ingest.Batch{ID: fmt.Sprint("bench", i), Kind: ingest.KindContacts, Format: ingest.FormatCSV},
			ingest.Options{Now: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)})
		if err != nil {
			b.Fatal(err)
		}
		total += time.Since(start)
		rows += sum.RowsOK
		b.StopTimer()
		f.Close()
		st.Close()
	}
	b.ReportMetric(float64(rows)/total.Seconds(), "rows/s")
}

// BenchmarkBufferContacts measures what the writer does per contact in
// the emitter's goroutine: append it to a lane buffer (records.go), and
// encode the buffer into an insert's columns.
func BenchmarkBufferContacts(b *testing.B) {
	cs := benchContacts(100_000)
	cols := contactTable.newCols()
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		cols.reset()
		for j := range cs {
			if cols.full() {
				cols.reserve(max(1024, 2*cols.rows()))
			}
			cols.push(&cs[j])
		}
	}
	b.ReportMetric(float64(len(cs))*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}
