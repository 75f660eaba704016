package chstore

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/servicecard/servicecard/ingest"
	"github.com/servicecard/servicecard/internal/chtest"
)

func TestMain(m *testing.M) { chtest.Main(m) }

// newStore opens a migrated store on a fresh database.
func newStore(t testing.TB, opt Options) *Store {
	t.Helper()
	st, err := Open(context.Background(), chtest.NewDatabase(t), opt)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if err := st.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return st
}

// load writes one batch through a writer and closes it with a done
// summary; it returns the writer for its counts.
func load(t testing.TB, st *Store, b ingest.Batch, emit func(w ingest.Writer) error) *Writer {
	t.Helper()
	ctx := context.Background()
	w, err := st.Begin(ctx, b)
	if err != nil {
		t.Fatal(err)
	}
	if err := emit(w); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(ctx, &ingest.Summary{Status: "done", RowsOK: 1}); err != nil {
		t.Fatal(err)
	}
	return w.(*Writer)
}

// contacts returns an emit func for load.
func contacts(cs ...ingest.Contact) func(ingest.Writer) error {
	return func(w ingest.Writer) error {
		for _, c := range cs {
			if err := w.Contact(c); err != nil {
				return err
			}
		}
		return nil
	}
}

func surveys(xs ...ingest.Survey) func(ingest.Writer) error {
	return func(w ingest.Writer) error {
		for _, x := range xs {
			if err := w.Survey(x); err != nil {
				return err
			}
		}
		return nil
	}
}

func agents(xs ...ingest.Agent) func(ingest.Writer) error {
	return func(w ingest.Writer) error {
		for _, x := range xs {
			if err := w.Agent(x); err != nil {
				return err
			}
		}
		return nil
	}
}

var t0 = time.Date(2024, 3, 4, 9, 0, 0, 0, time.UTC)

func at(min int) time.Time { return t0.Add(time.Duration(min) * time.Minute) }

func ptime(t time.Time) *time.Time { return &t }

func pbool(b bool) *bool { return &b }

func pu8(v uint8) *uint8 { return &v }

// contact is an answered inbound voice leg: id, agent, start minute,
// wait and talk seconds, source_updated_at minute.
func contact(id, agent string, start int, wait, talk uint32, updated int) ingest.Contact {
	s := at(start)
	ans := s.Add(time.Duration(wait) * time.Second)
	return ingest.Contact{
		ContactID: id, Source: "test", Channel: "voice", Direction: "inbound", Queue: "sales",
		AgentID: agent, StartedAt: s, AnsweredAt: &ans, EndedAt: ans.Add(time.Duration(talk) * time.Second),
		WaitS: wait, TalkS: talk, SourceUpdatedAt: at(updated),
	}
}

func queryInt(t testing.TB, st *Store, q string, args ...any) int64 {
	t.Helper()
	var n int64
	if err := st.Conn().QueryRow(context.Background(), "SELECT toInt64(("+q+"))", args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return n
}

func queryStrings(t testing.TB, st *Store, q string, args ...any) []string {
	t.Helper()
	rows, err := st.Conn().Query(context.Background(), q, args...)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestOpenCreatesDatabase(t *testing.T) {
	ctx := context.Background()
	name := fmt.Sprintf("chstore_open_%d", time.Now().UnixNano())
	admin := chtest.Conn(t, "default")
	t.Cleanup(func() { _ = admin.Exec(ctx, "DROP DATABASE IF EXISTS "+name) })
	st, err := Open(ctx, chtest.Server().DSN(name), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if got := queryStrings(t, st, "SELECT currentDatabase()"); len(got) != 1 || got[0] != name {
		t.Fatalf("current database = %v, want %s", got, name)
	}
	if st.ServerVersion().Version.Major == 0 {
		t.Fatalf("no server version: %+v", st.ServerVersion())
	}
	if err := st.Ping(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(ctx, chtest.Server().DSN("bad-name"), Options{}); !errors.Is(err, ErrBadDatabase) {
		t.Fatalf("Open with bad database name: %v, want ErrBadDatabase", err)
	}
}

func TestMigrate(t *testing.T) {
	ctx := context.Background()
	st, err := Open(ctx, chtest.NewDatabase(t), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ok, err := st.Migrated(ctx)
	if err != nil || ok {
		t.Fatalf("Migrated before Migrate = %v, %v; want false, nil", ok, err)
	}
	for range 2 {
		if err := st.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
	}
	ok, err = st.Migrated(ctx)
	if err != nil || !ok {
		t.Fatalf("Migrated = %v, %v; want true, nil", ok, err)
	}
	tables := queryStrings(t, st, "SELECT name FROM system.tables WHERE database = currentDatabase() ORDER BY name")
	want := []string{"agent_key_secret", "agent_keys", "agent_states", "agents",
		"analyst_agent_scorecards_mv", "analyst_agent_states_mv", "analyst_agents_mv", "analyst_contacts_mv",
		"analyst_ingest_batches_mv", "analyst_schedules_mv", "analyst_scorecards_mv", "analyst_surveys_mv",
		"contacts", "contacts_rollup", "contacts_rollup_mv", "digest_sends", "executive_scorecards_mv", "facts_daily", "facts_marks", "facts_surveys", "ingest_batches", "ingest_rejects", "ingest_rejects_resolved", "link_ids", "lookup_keys", "queues", "schedules", "schema_migrations", "scorecard_runs", "scorecards", "surveys"}
	if strings.Join(tables, ",") != strings.Join(want, ",") {
		t.Fatalf("tables = %v\nwant %v", tables, want)
	}
	// Migration 0040: the executive audience's database beside this one.
	exec := queryStrings(t, st, "SELECT name FROM system.tables WHERE database = concat(currentDatabase(), '_executive') ORDER BY name")
	if strings.Join(exec, ",") != "scorecards" {
		t.Fatalf("executive database tables = %v, want [scorecards]", exec)
	}
	ms, err := migrations()
	if err != nil {
		t.Fatal(err)
	}
	if n := queryInt(t, st, "SELECT count() FROM schema_migrations"); n != int64(len(ms)) {
		t.Fatalf("schema_migrations has %d rows, want %d (one per migration, none twice)", n, len(ms))
	}
	names := queryStrings(t, st, "SELECT name FROM schema_migrations ORDER BY version")
	if names[0] != "contacts" {
		t.Fatalf("first migration recorded as %q", names[0])
	}
	for _, tbl := range []string{"contacts", "surveys", "agents", "agent_states", "schedules", "ingest_batches", "ingest_rejects", "contacts_rollup", "scorecards"} {
		var n uint64
		q := "SELECT count() FROM system.columns WHERE database = currentDatabase() AND table = ? AND type LIKE 'DateTime%' AND type NOT LIKE '%UTC%'"
		if err := st.Conn().QueryRow(ctx, q, tbl).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != 0 {
			t.Errorf("%s has %d DateTime columns without the UTC zone", tbl, n)
		}
	}
}

func TestSplitStatements(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []string
	}{
		{"one", "CREATE TABLE a (x UInt8) ENGINE = Memory;\n", []string{"CREATE TABLE a (x UInt8) ENGINE = Memory"}},
		{"two with comments", "-- first\nCREATE TABLE a (x UInt8)\nENGINE = Memory;\n\n-- second\nCREATE TABLE b (x UInt8) ENGINE = Memory;  \n-- trailing comment\n",
			[]string{"-- first\nCREATE TABLE a (x UInt8)\nENGINE = Memory", "-- second\nCREATE TABLE b (x UInt8) ENGINE = Memory"}},
		{"semicolon inside a line", "SELECT ';' AS x, 1\n;\n", []string{"SELECT ';' AS x, 1"}},
		{"no final semicolon", "SELECT 1\n", []string{"SELECT 1"}},
		{"only comments", "-- nothing\n\n", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := splitStatements(tt.in)
			if fmt.Sprintf("%q", got) != fmt.Sprintf("%q", tt.want) {
				t.Fatalf("got %q\nwant %q", got, tt.want)
			}
		})
	}
}

// TestMigrationsEmbedded checks every embedded migration parses into
// idempotent statements.
func TestMigrationsEmbedded(t *testing.T) {
	ms, err := migrations()
	if err != nil {
		t.Fatal(err)
	}
	// Numbers rise strictly; gaps are allowed (parallel branches take
	// ranges of numbers, e.g. 0020-0029, so their merges do not collide).
	for i, m := range ms {
		// Engineers get ranges of numbers (0040-0049...): gaps are fine,
		// the order is what counts.
		if i > 0 && m.version <= ms[i-1].version {
			t.Errorf("migration %d numbered %04d after %04d: numbers must rise", i, m.version, ms[i-1].version)
		}
		for _, st := range m.statements {
			code := strings.ToUpper(strings.Join(strings.Fields(stripComments(st)), " "))
			// A back-fill INSERT ... SELECT into a ReplacingMergeTree run
			// twice writes rows FINAL collapses: idempotent for readers.
			backfill := strings.HasPrefix(code, "INSERT INTO ") && strings.Contains(code, " SELECT ")
			if !strings.Contains(code, "IF NOT EXISTS") && !backfill {
				t.Errorf("%04d_%s: statement is not idempotent: %.60s", m.version, m.name, code)
			}
		}
	}
}

func stripComments(s string) string {
	var b strings.Builder
	for _, l := range strings.Split(s, "\n") {
		if !strings.HasPrefix(strings.TrimSpace(l), "--") {
			b.WriteString(l + "\n")
		}
	}
	return b.String()
}
