package chstore

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"testing"
	"time"

	"github.com/servicecard/servicecard/ingest"
	"github.com/servicecard/servicecard/internal/chtest"
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

func benchLogger() *slog.Logger {
	if !testing.Verbose() {
		return nil
	}
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
}
