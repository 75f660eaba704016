package main

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/servicecard/servicecard/internal/auth"
	"github.com/servicecard/servicecard/internal/chtest"
	"github.com/servicecard/servicecard/metrics"
)

// TestE2ECLIErrors runs commands a user gets wrong and checks the error,
// what it names and the exit status main would use.
func TestE2ECLIErrors(t *testing.T) {
	env := map[string]string{"SERVICECARD_CLICKHOUSE_DSN": chtest.NewDatabase(t)}
	dir := t.TempDir()
	noContactID := filepath.Join(dir, "no-contact-id.csv")
	writeCSV(t, noContactID, [][]string{
		{"source", "channel", "started_at", "ended_at", "agent_id"},
		{"helpdesk", "voice", "2026-10-01T10:00:00Z", "2026-10-01T10:05:00Z", "a001"},
	})
	missing := filepath.Join(dir, "missing.csv")

	tests := []struct {
		name string
		args []string
		code int
		// want are strings the error (or, where the error leaves it to
		// the log, what the user reads on stderr) must name.
		want       []string
		wantStderr []string
	}{
		{"unknown command", []string{"bogus"}, 2, []string{"bogus"}, nil},
		{"missing file", []string{"ingest", "--kind", "contacts", missing}, 1, []string{"missing.csv"}, nil},
		{"bogus kind", []string{"ingest", "--kind", "bogus", noContactID}, 2, []string{"bogus"}, nil},
		{"no kind", []string{"ingest", noContactID}, 2, nil, nil},
		{"bad timezone", []string{"ingest", "--kind", "contacts", "--timezone", "Mars/Olympus", noContactID}, 2, []string{"Mars/Olympus"}, nil},
		{"no files", []string{"ingest", "--kind", "contacts"}, 2, nil, nil},
		{"header lacks contact_id", []string{"ingest", "--kind", "contacts", "--format", "csv", noContactID}, 1,
			[]string{"no-contact-id.csv"}, []string{"contact_id"}},
		{"token without new", []string{"token"}, 2, nil, nil},
		{"token bad role", []string{"token", "new", "--role", "agent"}, 2, []string{"agent"}, nil},
		{"scorecards without compute", []string{"scorecards"}, 2, nil, nil},
		{"token new without role", []string{"token", "new"}, 2, []string{"--role is required"}, nil},
		{"scorecards compute without from", []string{"scorecards", "compute"}, 2, []string{"--from YYYY-MM-DD is required"}, nil},
		{"scorecards compute bad from", []string{"scorecards", "compute", "--from", "2026-13-01"}, 2, []string{`--from: want YYYY-MM-DD, got "2026-13-01"`}, nil},
		{"scorecards compute to before from", []string{"scorecards", "compute", "--from", "2026-10-02", "--to", "2026-10-01"}, 2, []string{"--to must not be before --from"}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res := runCmd(t.Context(), env, tc.args...)
			if res.err == nil {
				t.Fatalf("run %v succeeded; stdout %q", tc.args, res.stdout)
			}
			if got := exitCode(res.err); got != tc.code {
				t.Errorf("exit status %d, want %d (err %v)", got, tc.code, res.err)
			}
			for _, w := range tc.want {
				if !strings.Contains(res.err.Error(), w) {
					t.Errorf("error %q does not name %q", res.err, w)
				}
			}
			if strings.Contains(res.err.Error(), "parsing time") || strings.Contains(res.err.Error(), `unknown role ""`) {
				t.Errorf("error %q is a raw library message", res.err)
			}
			for _, w := range tc.wantStderr {
				if !strings.Contains(res.err.Error(), w) && !strings.Contains(res.stderr, w) {
					t.Errorf("neither the error %q nor stderr names %q:\n%s", res.err, w, res.stderr)
				}
			}
		})
	}
}

// A config error names its file once (it said "config X: config X: ...").
func TestE2EConfigErrorPrefix(t *testing.T) {
	path := filepath.Join(t.TempDir(), "bad.yaml")
	if err := os.WriteFile(path, []byte("timezone: Mars/Base\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	res := runCmd(t.Context(), map[string]string{metrics.EnvConfig: path}, "scorecards", "compute", "--from", "2026-10-01")
	if res.err == nil {
		t.Fatal("a bad config was accepted")
	}
	if got := strings.Count(res.err.Error(), "config "+path); got != 1 {
		t.Errorf("error %q names the config file %d times, want once", res.err, got)
	}
	if !strings.Contains(res.err.Error(), `timezone: unknown time zone "Mars/Base"`) {
		t.Errorf("error %q does not say what is wrong", res.err)
	}
}

// TestE2ETokenNew checks that `token new` prints a token and a config
// entry that admits exactly that token.
func TestE2ETokenNew(t *testing.T) {
	res := runCmd(context.Background(), nil, "token", "new", "--role", "supervisor", "--teams", "a,b")
	if res.err != nil {
		t.Fatal(res.err)
	}
	token, rest, ok := strings.Cut(res.stdout, "\n")
	if !ok || !strings.HasPrefix(token, auth.TokenPrefix) {
		t.Fatalf("first line %q, want a token starting %q", token, auth.TokenPrefix)
	}
	var entries []auth.TokenEntry
	if err := yaml.Unmarshal([]byte(rest), &entries); err != nil {
		t.Fatalf("config entry is not YAML: %v\n%s", err, rest)
	}
	if len(entries) != 1 {
		t.Fatalf("%d entries, want 1:\n%s", len(entries), rest)
	}
	e := entries[0]
	if e.SHA256 != auth.HashToken(token) || e.Role != auth.RoleSupervisor || !slices.Equal(e.Teams, []string{"a", "b"}) {
		t.Errorf("entry %+v, want sha256 %s, role supervisor, teams [a b]", e, auth.HashToken(token))
	}
	if strings.Contains(rest, token) {
		t.Errorf("the config entry contains the token itself")
	}
	// The entry pasted under tokens: admits the token, as that supervisor.
	cfg, err := metrics.ParseConfig([]byte("tokens:\n" + indent(rest)))
	if err != nil {
		t.Fatalf("entry does not parse as config: %v", err)
	}
	p, ok := auth.Authenticate(cfg.Tokens, token)
	if !ok || p.Role != auth.RoleSupervisor || !slices.Equal(p.Teams, []string{"a", "b"}) {
		t.Errorf("config with the entry authenticates the token as %+v (%v)", p, ok)
	}
}

func indent(s string) string {
	var b strings.Builder
	for _, l := range strings.SplitAfter(s, "\n") {
		if l != "" {
			b.WriteString("  " + l)
		}
	}
	return b.String()
}

// TestE2EMigrateTwice applies the migrations twice to a new database.
func TestE2EMigrateTwice(t *testing.T) {
	dsn := chtest.NewDatabase(t)
	env := map[string]string{"SERVICECARD_CLICKHOUSE_DSN": dsn}
	for i := range 2 {
		res := runCmd(t.Context(), env, "migrate")
		if res.err != nil {
			t.Fatalf("migrate #%d: %v\n%s", i+1, res.err, res.stderr)
		}
		if !strings.Contains(res.stdout, "migrations applied") {
			t.Errorf("migrate #%d printed %q", i+1, res.stdout)
		}
	}
	db := dsn[strings.LastIndex(dsn, "/")+1:]
	var n uint64
	conn := chtest.Conn(t, db)
	if err := conn.QueryRow(t.Context(), "SELECT count() FROM system.tables WHERE database = currentDatabase() AND name IN ('contacts', 'surveys', 'scorecards', 'contacts_rollup', 'ingest_batches')").Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 5 {
		t.Errorf("%d of the 5 core tables exist after migrate", n)
	}
}
