package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"
	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/servicecard/servicecard/internal/demo"
)

// loader is one ingest contender's runs.
type loader struct {
	name    string
	seconds []float64
	maxRSS  int64 // KiB, largest over runs
}

// ingestTable loads a generated contacts CSV of rows rows runs times with
// clickhouse-client and with `bin ingest`, each run into a new database,
// and prints the medians.
func (h harness) ingestTable(ctx context.Context, dir string, rows, runs int, bin string) error {
	file := filepath.Join(dir, "contacts.csv")
	if err := writeCSV(file, rows); err != nil {
		return err
	}
	fi, err := os.Stat(file)
	if err != nil {
		return err
	}
	h.log.Info("ingest: generated CSV", "file", filepath.Base(file), "rows", rows, "MB", fi.Size()/1e6)

	ref := loader{name: "clickhouse-client INSERT FORMAT CSVWithNames"}
	ours := loader{name: "servicecard ingest (validate, replace, facts marks)"}
	var refresh []float64 // servicecard facts refresh after each ingest
	for i := range runs {
		db := fmt.Sprintf("ref%d", i)
		conn, err := h.open(ctx, db)
		if err != nil {
			return err
		}
		err = conn.Exec(ctx, refTable)
		conn.Close()
		if err != nil {
			return fmt.Errorf("create reference table: %w", err)
		}
		secs, rss, err := timed(file, nil, h.client, "--port", h.port(), "--database", db,
			"--date_time_input_format=best_effort", "--query", "INSERT INTO contacts_ref FORMAT CSVWithNames")
		if err != nil {
			return fmt.Errorf("clickhouse-client: %w", err)
		}
		ref.seconds, ref.maxRSS = append(ref.seconds, secs), max(ref.maxRSS, rss)

		db = fmt.Sprintf("ours%d", i)
		env := []string{fmt.Sprintf("SERVICECARD_CLICKHOUSE_DSN=clickhouse://default:@%s/%s", h.addr, db)}
		// Migrations are applied before the clock starts: they are not ingest work.
		if _, _, err := timed("", env, bin, "migrate"); err != nil {
			return fmt.Errorf("servicecard migrate: %w", err)
		}
		secs, rss, err = timed("", env, bin, "ingest", "--kind", "contacts", "--format", "csv", "--json", file)
		if err != nil {
			return fmt.Errorf("servicecard ingest: %w", err)
		}
		ours.seconds, ours.maxRSS = append(ours.seconds, secs), max(ours.maxRSS, rss)
		// A load over more days than one refresh step leaves its facts to
		// serve's background refresh: time that work too.
		rsecs, _, err := timed("", env, bin, "facts", "refresh")
		if err != nil {
			return fmt.Errorf("servicecard facts refresh: %w", err)
		}
		refresh = append(refresh, rsecs)
		if conn, err = h.open(ctx, db); err != nil {
			return err
		}
		var n uint64
		err = conn.QueryRow(ctx, "SELECT toUInt64(sum(sign)) FROM contacts").Scan(&n)
		conn.Close()
		if err != nil {
			return fmt.Errorf("count ingested contacts: %w", err)
		}
		if int(n) != rows {
			return fmt.Errorf("servicecard ingest loaded %d rows, want %d", n, rows)
		}
		h.log.Info("ingest: run done", "run", i+1, "of", runs, "clickhouse_client_s", ref.seconds[i], "servicecard_s", secs)
	}

	fmt.Fprintf(h.out, "\nIngest: %d contacts from one CSV file\n", rows)
	tw := tabwriter.NewWriter(h.out, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "loader\trows\tmedian s\trows/s\tratio\tpeak RSS MB\t\n")
	base := float64(rows) / median(ref.seconds)
	for _, r := range []loader{ref, ours} {
		rps := float64(rows) / median(r.seconds)
		fmt.Fprintf(tw, "%s\t%d\t%.2f\t%.0f\t%.2f\t%.0f\t\n", r.name, rows, median(r.seconds), rps, rps/base, float64(r.maxRSS)/1024)
	}
	tw.Flush()
	fmt.Fprintf(h.out, "(%d runs each, median; ratio = rows/s relative to clickhouse-client; goal >= 0.8; RSS of the loader process)\n", runs)
	fmt.Fprintf(h.out, "then the facts of the loaded days (serve refreshes them in the background; `servicecard facts refresh` here): median %.2f s\n", median(refresh))
	return nil
}

// open connects to database db of the server, creating it.
func (h harness) open(ctx context.Context, db string) (driver.Conn, error) {
	def, err := clickhouse.Open(&clickhouse.Options{Addr: []string{h.addr}})
	if err != nil {
		return nil, err
	}
	err = def.Exec(ctx, "CREATE DATABASE IF NOT EXISTS "+db)
	def.Close()
	if err != nil {
		return nil, fmt.Errorf("create database %s: %w", db, err)
	}
	return clickhouse.Open(&clickhouse.Options{Addr: []string{h.addr}, Auth: clickhouse.Auth{Database: db}})
}

// timed runs a command with stdin from file (if set) and env added to this
// process's environment, and returns its wall time and peak resident set
// (KiB). Its output is discarded, its errors go to stderr.
func timed(stdin string, env []string, name string, args ...string) (float64, int64, error) {
	cmd := command(env, name, args...)
	cmd.Stderr = os.Stderr
	if stdin != "" {
		f, err := os.Open(stdin)
		if err != nil {
			return 0, 0, err
		}
		defer f.Close()
		cmd.Stdin = f
	}
	return runTimed(cmd)
}

// command is name with args, with env added to this process's
// environment.
func command(env []string, name string, args ...string) *exec.Cmd {
	cmd := exec.Command(name, args...)
	if env != nil {
		cmd.Env = append(os.Environ(), env...)
	}
	return cmd
}

// runTimed runs cmd and returns its wall time and peak resident set (KiB).
func runTimed(cmd *exec.Cmd) (float64, int64, error) {
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

// writeCSV writes a generic contacts CSV of rows rows (demo data over
// three months).
func writeCSV(path string, rows int) error {
	to := time.Date(2026, 10, 31, 0, 0, 0, 0, time.UTC)
	return writeFile(path, func(w io.Writer) error {
		return demo.WriteContactsCSV(w, rows, 1, to.AddDate(0, -3, 0), to)
	})
}

// writeFile creates path and fills it with fill through a buffer.
func writeFile(path string, fill func(io.Writer) error) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriterSize(f, 1<<20)
	if err := fill(w); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", filepath.Base(path), err)
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", filepath.Base(path), err)
	}
	return f.Close()
}

// refTable is the reference: the same columns as servicecard's contacts
// (booleans as Enum8 so 'true'/'false' text loads into one byte; resolved
// has ” for unknown, since clickhouse-client 18.16 reads an empty CSV
// field into Nullable(Enum8) as an error, not as NULL).
const refTable = `CREATE TABLE contacts_ref (
	contact_id String, source String, channel String, direction String, queue String,
	team String, site String, agent_id String, customer_id String,
	started_at DateTime('UTC'), answered_at Nullable(DateTime('UTC')), ended_at DateTime('UTC'),
	wait_s UInt32, talk_s UInt32, hold_s UInt32, hold_count UInt16, acw_s UInt32,
	abandoned Enum8('false' = 0, 'true' = 1), transferred Enum8('false' = 0, 'true' = 1),
	resolved Enum8('' = -1, 'false' = 0, 'true' = 1),
	disposition String, initial_contact_id String, source_updated_at DateTime('UTC')
) ENGINE = MergeTree PARTITION BY toYYYYMM(started_at) ORDER BY (source, contact_id)`
