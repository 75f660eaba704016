package dashboards

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/servicecard/servicecard/internal/chstore"
	"github.com/servicecard/servicecard/internal/chtest"
)

// chPass is the password the tests give Grafana's ClickHouse users.
const chPass = "test-password"

// installGrafanaUsers puts deploy/clickhouse/users.d/grafana.xml on the
// test server, adapted to 18.16 and the test database: literal passwords,
// no <constraints> (18.16 refuses the setting; it lets a readonly=1 user
// set max_execution_time anyway), database names of the test.
func installGrafanaUsers(t *testing.T, db string) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(repoRoot, "deploy", "clickhouse", "users.d", "grafana.xml"))
	if err != nil {
		t.Fatal(err)
	}
	s := regexp.MustCompile(`<password from_env="[A-Z_]+"/>`).ReplaceAllString(string(b), "<password>"+chPass+"</password>")
	s = regexp.MustCompile(`(?s)\s*<constraints>.*?</constraints>`).ReplaceAllString(s, "")
	s = strings.ReplaceAll(s, "<database>servicecard_executive</database>", "<database>"+db+"_executive</database>")
	s = strings.ReplaceAll(s, "<database>servicecard</database>", "<database>"+db+"</database>")
	d := filepath.Join(chtest.Server().Dir, "users.d")
	if err := os.MkdirAll(d, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(d, "grafana.xml"), []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
	// The server reloads users.d on its own within seconds.
	deadline := time.Now().Add(30 * time.Second)
	for {
		_, err := chClient(t, "grafana_executive", "SELECT count() FROM "+db+"_executive.scorecards")
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("grafana users not loaded: %v", err)
		}
		time.Sleep(500 * time.Millisecond)
	}
}

// chClient runs q as user over the HTTP-less native client binary.
func chClient(t *testing.T, user, q string, args ...string) (string, error) {
	host, port := splitAddr(t, chtest.Server().Addr)
	args = append([]string{"--host", host, "--port", port, "--user", user, "--password", chPass, "-q", q}, args...)
	out, err := exec.Command("clickhouse-client", args...).CombinedOutput()
	return string(out), err
}

func splitAddr(t *testing.T, a string) (string, string) {
	h, p, ok := strings.Cut(a, ":")
	if !ok {
		t.Fatalf("address %q", a)
	}
	return h, p
}

// TestAudienceUsers checks deploy/clickhouse/users.d/grafana.xml on
// ClickHouse 18.16 with migration 0040: the executive user reaches the
// organisation, site, team and queue scorecards and nothing else, whatever
// SQL it sends; the supervisor user reads agent rows; neither writes.
func TestAudienceUsers(t *testing.T) {
	ctx := context.Background()
	dsn := chtest.NewDatabase(t)
	db := dsn[strings.LastIndex(dsn, "/")+1:]
	st, err := chstore.Open(ctx, dsn, chstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	insert := func(level, key string) {
		t.Helper()
		q := "INSERT INTO scorecards (level, key, team, grain, period_start, computed_at) VALUES ('" + level + "', '" + key + "', 'Team A', 'week', '2026-11-30', now())"
		host, port := splitAddr(t, chtest.Server().Addr)
		if out, err := exec.Command("clickhouse-client", "--host", host, "--port", port, "-d", db, "-q", q).CombinedOutput(); err != nil {
			t.Fatalf("%s: %v: %s", q, err, out)
		}
	}
	insert("org", "all")
	insert("agent", "a-1")
	// The materialized view copies every insert; agent rows stay behind.
	installGrafanaUsers(t, db)
	insert("team", "Team A")
	insert("agent", "a-2")

	exe := func(q string) (string, error) { return chClient(t, "grafana_executive", q) }
	if out, err := exe("SELECT level FROM " + db + "_executive.scorecards FINAL ORDER BY level FORMAT TSV"); err != nil || strings.Fields(out)[0] != "org" || strings.Join(strings.Fields(out), ",") != "org,team" {
		t.Errorf("executive scorecards: %q, %v; want org,team", out, err)
	}
	for _, q := range []string{
		"SELECT key FROM " + db + ".scorecards WHERE level = 'agent'",
		"SELECT agent_id FROM " + db + ".surveys",
		"SELECT agent_id FROM " + db + ".contacts",
		"SELECT * FROM " + db + ".agents",
		"SELECT * FROM remote('127.0.0.1', " + db + ".scorecards)",
		"INSERT INTO " + db + "_executive.scorecards (level, key) VALUES ('agent', 'x')",
		"CREATE TABLE " + db + "_executive.x (a UInt8) ENGINE = Memory",
	} {
		if out, err := exe(q); err == nil {
			t.Errorf("executive user ran %q: %s", q, out)
		}
	}
	sup := func(q string) (string, error) { return chClient(t, "grafana_supervisor", q, "-d", db) }
	if out, err := sup("SELECT count() FROM scorecards WHERE level = 'agent'"); err != nil || strings.TrimSpace(out) != "2" {
		t.Errorf("supervisor agent rows: %q, %v; want 2", out, err)
	}
	if out, err := sup("INSERT INTO " + db + ".scorecards (level, key) VALUES ('agent', 'x')"); err == nil {
		t.Errorf("supervisor user wrote: %s", out)
	}
}
