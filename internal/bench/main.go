// Command bench prints servicecard's benchmark tables (`make bench`):
// ingest of a generated generic contacts CSV by `servicecard ingest`
// beside clickhouse-client loading the same file into an equivalent table,
// in the same run, on the same throwaway server.
//
// Usage: go run ./internal/bench [-rows 2000000] [-runs 3] [-bin bin/servicecard]
package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"

	"github.com/servicecard/servicecard/internal/chserver"
	"github.com/servicecard/servicecard/internal/demo"
)

func main() {
	rows := flag.Int("rows", 2_000_000, "rows in the generated contacts CSV")
	runs := flag.Int("runs", 3, "runs per loader (the median is reported)")
	bin := flag.String("bin", "bin/servicecard", "servicecard binary")
	flag.Parse()
	if err := run(context.Background(), *rows, *runs, *bin); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

type result struct {
	name    string
	seconds []float64
	maxRSS  int64 // KiB, largest over runs
}

func (r result) median() float64 {
	s := append([]float64(nil), r.seconds...)
	sort.Float64s(s)
	return s[len(s)/2]
}

func run(ctx context.Context, rows, runs int, bin string) error {
	dir, err := os.MkdirTemp("", "servicecard-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)

	file := filepath.Join(dir, "contacts.csv")
	if err := writeCSV(file, rows); err != nil {
		return err
	}
	fi, _ := os.Stat(file)
	fmt.Printf("generated %s: %d rows, %.0f MB\n", filepath.Base(file), rows, float64(fi.Size())/1e6)

	srv, err := chserver.Start(ctx, chserver.Options{Dir: filepath.Join(dir, "ch")})
	if err != nil {
		return err
	}
	defer srv.Stop()
	conn, err := clickhouse.Open(&clickhouse.Options{Addr: []string{srv.Addr}})
	if err != nil {
		return err
	}
	defer conn.Close()

	client, err := exec.LookPath("clickhouse-client")
	if err != nil {
		return fmt.Errorf("clickhouse-client not found (apt-get install -y clickhouse-client): %w", err)
	}
	port := srv.Addr[strings.LastIndex(srv.Addr, ":")+1:]

	ref := result{name: "clickhouse-client INSERT FORMAT CSVWithNames"}
	ours := result{name: "servicecard ingest (validate, dedupe, rollups)"}
	for i := 0; i < runs; i++ {
		db := fmt.Sprintf("ref%d", i)
		for _, q := range []string{"CREATE DATABASE " + db, fmt.Sprintf(refTable, db)} {
			if err := conn.Exec(ctx, q); err != nil {
				return fmt.Errorf("%s: %w", q, err)
			}
		}
		secs, rss, err := timed(file, client, "--port", port, "--database", db,
			"--date_time_input_format=best_effort", "--query", "INSERT INTO contacts_ref FORMAT CSVWithNames")
		if err != nil {
			return fmt.Errorf("clickhouse-client: %w", err)
		}
		ref.seconds, ref.maxRSS = append(ref.seconds, secs), max(ref.maxRSS, rss)

		os.Setenv("SERVICECARD_CLICKHOUSE_DSN", srv.DSN(fmt.Sprintf("ours%d", i)))
		// Migrations are applied before the clock starts: they are not ingest work.
		if _, _, err := timed("", bin, "migrate"); err != nil {
			return fmt.Errorf("servicecard migrate: %w", err)
		}
		secs, rss, err = timed("", bin, "ingest", "--kind", "contacts", "--format", "csv", "--json", file)
		if err != nil {
			return fmt.Errorf("servicecard ingest: %w", err)
		}
		ours.seconds, ours.maxRSS = append(ours.seconds, secs), max(ours.maxRSS, rss)
		var n uint64
		if err := conn.QueryRow(ctx, fmt.Sprintf("SELECT toUInt64(sum(sign)) FROM ours%d.contacts", i)).Scan(&n); err != nil {
			return err
		}
		if int(n) != rows {
			return fmt.Errorf("servicecard ingest loaded %d rows, want %d", n, rows)
		}
	}

	tw := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "loader\trows\tmedian s\trows/s\tratio\tpeak RSS MB\t\n")
	base := float64(rows) / ref.median()
	for _, r := range []result{ref, ours} {
		rps := float64(rows) / r.median()
		fmt.Fprintf(tw, "%s\t%d\t%.2f\t%.0f\t%.2f\t%.0f\t\n", r.name, rows, r.median(), rps, rps/base, float64(r.maxRSS)/1024)
	}
	tw.Flush()
	fmt.Printf("(%d runs each, median; ratio = rows/s relative to clickhouse-client; goal >= 0.8; RSS of the loader process)\n", runs)
	return nil
}

// timed runs a command with stdin from file (if set) and returns its wall
// time and peak resident set (KiB).
func timed(stdin string, name string, args ...string) (float64, int64, error) {
	cmd := exec.Command(name, args...)
	cmd.Stderr = os.Stderr
	if stdin != "" {
		f, err := os.Open(stdin)
		if err != nil {
			return 0, 0, err
		}
		defer f.Close()
		cmd.Stdin = f
	}
	start := time.Now()
	if err := cmd.Run(); err != nil {
		return 0, 0, err
	}
	secs := time.Since(start).Seconds()
	var rss int64
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		rss = ru.Maxrss
	}
	return secs, rss, nil
}

func writeCSV(path string, rows int) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriterSize(f, 1<<20)
	to := time.Date(2026, 10, 31, 0, 0, 0, 0, time.UTC)
	if err := demo.WriteContactsCSV(w, rows, 1, to.AddDate(0, -3, 0), to); err != nil {
		f.Close()
		return err
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// refTable is the reference: the same columns as servicecard's contacts
// (booleans as Enum8 so 'true'/'false' text loads into one byte).
const refTable = `CREATE TABLE %s.contacts_ref (
	contact_id String, source String, channel String, direction String, queue String,
	team String, site String, agent_id String, customer_id String,
	started_at DateTime('UTC'), answered_at Nullable(DateTime('UTC')), ended_at DateTime('UTC'),
	wait_s UInt32, talk_s UInt32, hold_s UInt32, hold_count UInt16, acw_s UInt32,
	abandoned Enum8('false' = 0, 'true' = 1), transferred Enum8('false' = 0, 'true' = 1),
	resolved Nullable(Enum8('false' = 0, 'true' = 1)),
	disposition String, initial_contact_id String, source_updated_at DateTime('UTC')
) ENGINE = MergeTree PARTITION BY toYYYYMM(started_at) ORDER BY (source, contact_id)`
