// Package chtest gives tests a real ClickHouse: one throwaway server per
// test package (started in TestMain by Main) and a fresh database per test.
//
// When SERVICECARD_SQL_LOG is set to a directory, Main writes every
// statement the package's tests executed successfully (read back from the
// server's query log) to a file there, one JSON string per line; `make
// test` replays them on ClickHouse 26 (tools/chcompat) so a statement
// that only works on 18.16 fails the build.
package chtest

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"
	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/servicecard/servicecard/internal/chserver"
)

var (
	server *chserver.Server
	seq    atomic.Int64
)

// Main starts the package's server, runs the tests, saves the statement
// log and stops the server. Use it as `func TestMain(m *testing.M) { chtest.Main(m) }`.
// A missing server binary fails the package: the test command installs it.
func Main(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	ctx := context.Background()
	s, err := chserver.Start(ctx, chserver.Options{})
	if err != nil {
		fmt.Fprintln(os.Stderr, "chtest:", err)
		return 1
	}
	server = s
	defer s.Stop()
	code := m.Run()
	if dir := os.Getenv("SERVICECARD_SQL_LOG"); dir != "" {
		if err := dumpQueryLog(ctx, s, dir); err != nil {
			fmt.Fprintln(os.Stderr, "chtest: statement log:", err)
			if code == 0 {
				code = 1
			}
		}
	}
	return code
}

// Server returns the package's server (Main must be running).
func Server() *chserver.Server {
	if server == nil {
		panic("chtest: no server: call chtest.Main(m) from TestMain")
	}
	return server
}

var unsafeName = regexp.MustCompile(`[^a-zA-Z0-9_]+`)

// NewDatabase creates an empty database for t and returns its DSN. The
// database is dropped when t ends.
func NewDatabase(t testing.TB) string {
	t.Helper()
	name := strings.ToLower(unsafeName.ReplaceAllString(t.Name(), "_"))
	if len(name) > 40 {
		name = name[:40]
	}
	name = fmt.Sprintf("t%d_%s", seq.Add(1), name)
	conn := Conn(t, "default")
	ctx := context.Background()
	if err := conn.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatalf("chtest: create database %s: %v", name, err)
	}
	t.Cleanup(func() {
		c, err := open(Server().Addr, "default")
		if err == nil {
			_ = c.Exec(context.Background(), "DROP DATABASE IF EXISTS "+name)
			c.Close()
		}
	})
	return Server().DSN(name)
}

// Conn opens a native connection to database db, closed when t ends.
func Conn(t testing.TB, db string) driver.Conn {
	t.Helper()
	c, err := open(Server().Addr, db)
	if err != nil {
		t.Fatalf("chtest: connect: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func open(addr, db string) (driver.Conn, error) {
	return clickhouse.Open(&clickhouse.Options{
		Addr:        []string{addr},
		Auth:        clickhouse.Auth{Database: db, Username: "default"},
		DialTimeout: 5 * time.Second,
	})
}

// dumpQueryLog writes the statements that finished without error, in the
// order the server logged them, skipping the harness's own.
func dumpQueryLog(ctx context.Context, s *chserver.Server, dir string) error {
	c, err := open(s.Addr, "default")
	if err != nil {
		return err
	}
	defer c.Close()
	if err := c.Exec(ctx, "SYSTEM FLUSH LOGS"); err != nil {
		return err
	}
	rows, err := c.Query(ctx, `
		SELECT query
		FROM system.query_log
		WHERE type = 2 AND is_initial_query
		  AND query NOT LIKE 'SYSTEM %'
		  AND query NOT LIKE '%system.query_log%'
		  AND query NOT LIKE 'CREATE DATABASE t%'
		  AND query NOT LIKE 'DROP DATABASE IF EXISTS t%'
		ORDER BY event_time, query_start_time`)
	if err != nil {
		return err
	}
	defer rows.Close()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	exe, _ := os.Executable()
	name := fmt.Sprintf("%s-%d.jsonl", strings.TrimSuffix(filepath.Base(exe), ".test"), os.Getpid())
	f, err := os.Create(filepath.Join(dir, name))
	if err != nil {
		return err
	}
	defer f.Close()
	enc := json.NewEncoder(f)
	for rows.Next() {
		var q string
		if err := rows.Scan(&q); err != nil {
			return err
		}
		if err := enc.Encode(q); err != nil {
			return err
		}
	}
	return rows.Err()
}
