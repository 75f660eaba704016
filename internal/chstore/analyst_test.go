package chstore

import (
	"context"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"
	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/servicecard/servicecard/ingest"
	"github.com/servicecard/servicecard/internal/chserver"
	"github.com/servicecard/servicecard/internal/chtest"
	"github.com/servicecard/servicecard/metrics"
)

// analystUser is the analyst user of deploy/clickhouse/users.d/analyst.xml
// in 18.16's dialect (no settings constraints, a literal password), for
// database db: readonly, allowed only the analyst database.
func analystUser(db string) string {
	return `<analyst><password>analyst-pw</password><networks><ip>127.0.0.1</ip></networks>` +
		`<profile>readonly</profile><quota>default</quota>` +
		`<allow_databases><database>` + AnalystDatabase(db) + `</database></allow_databases></analyst>`
}

// TestAnalystUserSeesOnlyAgentKeys runs a server with the analyst user,
// loads agents, contacts (one replaced), surveys and scorecards through
// the store, and reads everything the analyst may read: every agent
// appears under its key, no real id or name anywhere, and servicecard's
// own database (ids, keys, the secret) is refused.
func TestAnalystUserSeesOnlyAgentKeys(t *testing.T) {
	ctx := context.Background()
	const db = "vis"
	srv, err := chserver.Start(ctx, chserver.Options{Users: analystUser(db)})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Stop()
	st, err := Open(ctx, srv.DSN(db), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	day := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	ans := day.Add(10 * time.Second)
	ids := []string{"agent-0017", "agent-0022"}
	names := []string{"Ana Lima", "Bo Park"}
	load(t, st, ingest.Batch{ID: "roster", Kind: ingest.KindAgents}, agents(
		ingest.Agent{AgentID: ids[0], Name: names[0], Team: "Billing", Site: "North", ValidFrom: day.AddDate(0, -1, 0)},
		ingest.Agent{AgentID: ids[1], Name: names[1], Team: "Billing", Site: "North", ValidFrom: day.AddDate(0, -1, 0)}))
	contact := func(id, agent string, updated time.Time) ingest.Contact {
		return ingest.Contact{ContactID: id, Source: "pbx", Direction: "inbound", Queue: "billing", AgentID: agent,
			StartedAt: day, AnsweredAt: &ans, EndedAt: day.Add(5 * time.Minute), WaitS: 10, TalkS: 280,
			SourceUpdatedAt: updated}
	}
	load(t, st, ingest.Batch{ID: "c1", Source: "pbx", Kind: ingest.KindContacts}, contacts(
		contact("c-1", ids[0], day), contact("c-2", ids[1], day), contact("c-3", "", day)))
	// A correction moves c-2 to the first agent: the analyst copy collapses too.
	load(t, st, ingest.Batch{ID: "c2", Source: "pbx", Kind: ingest.KindContacts}, contacts(contact("c-2", ids[0], day.Add(time.Hour))))
	nine := uint8(9)
	load(t, st, ingest.Batch{ID: "s1", Source: "qx", Kind: ingest.KindSurveys}, surveys(
		ingest.Survey{ResponseID: "r-1", Source: "qx", ContactID: "c-1", AgentID: ids[1], RespondedAt: day.Add(time.Hour), NPS: &nine, Comment: "great"}))
	week := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)
	if err := st.WriteScorecards(ctx, []metrics.Card{
		{Level: metrics.LevelAgent, Key: ids[0], Team: "Billing", Grain: metrics.GrainWeek, PeriodStart: week},
		{Level: metrics.LevelTeam, Key: "Billing", Grain: metrics.GrainWeek, PeriodStart: week},
	}, day); err != nil {
		t.Fatal(err)
	}
	keyer, err := st.AgentKeyer(ctx)
	if err != nil {
		t.Fatal(err)
	}

	an, err := clickhouse.Open(&clickhouse.Options{Addr: []string{srv.Addr},
		Auth: clickhouse.Auth{Database: AnalystDatabase(db), Username: "analyst", Password: "analyst-pw"}})
	if err != nil {
		t.Fatal(err)
	}
	defer an.Close()

	got := strings.Join(analystStrings(t, an, "SELECT contact_id, agent_key FROM contacts FINAL ORDER BY contact_id"), " ")
	want := fmt.Sprintf("c-1 %s c-2 %s c-3 ", keyer.Key(ids[0]), keyer.Key(ids[0]))
	if got != want {
		t.Errorf("analyst contacts = %q, want %q", got, want)
	}
	if got := analystStrings(t, an, "SELECT agent_key FROM surveys FINAL"); !slices.Equal(got, []string{keyer.Key(ids[1])}) {
		t.Errorf("analyst surveys = %q", got)
	}
	if got := analystStrings(t, an, "SELECT agent_key FROM agent_scorecards"); !slices.Equal(got, []string{keyer.Key(ids[0])}) {
		t.Errorf("analyst agent scorecards = %q", got)
	}
	if got := analystStrings(t, an, "SELECT key FROM scorecards"); !slices.Equal(got, []string{"Billing"}) {
		t.Errorf("analyst scorecards = %q, want the team row only", got)
	}
	if got := analystStrings(t, an, "SELECT agent_key FROM agents FINAL ORDER BY agent_key"); len(got) != 2 || got[0] == "" {
		t.Errorf("analyst agents = %q", got)
	}

	// Nothing the analyst can read holds a real id or name.
	tables := analystStrings(t, an, "SELECT name FROM system.tables WHERE database = currentDatabase() ORDER BY name")
	wantTables := []string{"agent_scorecards", "agent_states", "agents", "contacts", "ingest_batches", "schedules", "scorecards", "surveys"}
	if !slices.Equal(tables, wantTables) {
		t.Errorf("analyst tables = %v, want %v", tables, wantTables)
	}
	for _, tbl := range tables {
		text := strings.Join(analystStrings(t, an, "SELECT * FROM "+tbl), "\n")
		for _, secret := range append(slices.Clone(ids), names...) {
			if strings.Contains(text, secret) {
				t.Errorf("analyst table %s shows %q", tbl, secret)
			}
		}
	}
	if n := analystStrings(t, an, "SELECT name FROM system.tables WHERE database = '"+db+"'"); len(n) != 0 {
		t.Errorf("analyst lists servicecard's tables: %v", n)
	}
	for _, q := range []string{
		"SELECT agent_id FROM " + db + ".contacts",
		"SELECT agent_id FROM " + db + ".agent_keys",
		"SELECT secret FROM " + db + ".agent_key_secret",
		"SHOW CREATE TABLE " + db + ".analyst_contacts_mv",
	} {
		rows, err := an.Query(ctx, q)
		if err == nil {
			rows.Close()
			t.Errorf("analyst ran %q", q)
		} else if !strings.Contains(err.Error(), "Access denied") {
			t.Errorf("%q: %v, want access denied", q, err)
		}
	}
	if err := an.Exec(ctx, "INSERT INTO contacts (contact_id) VALUES ('x')"); err == nil {
		t.Error("the analyst wrote a row")
	}
}

// analystStrings runs q and returns every value of every row as text.
func analystStrings(t *testing.T, c driver.Conn, q string) []string {
	t.Helper()
	rows, err := c.Query(context.Background(), q)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	defer rows.Close()
	var out []string
	types := rows.ColumnTypes()
	for rows.Next() {
		dest := make([]any, len(types))
		for i, ct := range types {
			dest[i] = reflect.New(ct.ScanType()).Interface()
		}
		if err := rows.Scan(dest...); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		for _, d := range dest {
			v := reflect.ValueOf(d).Elem()
			for v.Kind() == reflect.Pointer && !v.IsNil() {
				v = v.Elem()
			}
			out = append(out, fmt.Sprint(v.Interface()))
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return out
}

// TestAgentKeySecretPerDeployment: the secret Migrate creates is kept in
// the database, so every process of a deployment keys alike;
// Options.AgentKeySecret (SERVICECARD_AGENT_KEY_SECRET) overrides it.
func TestAgentKeySecretPerDeployment(t *testing.T) {
	ctx := context.Background()
	dsn := chtest.NewDatabase(t)
	keyOf := func(opt Options) string {
		st, err := Open(ctx, dsn, opt)
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		if err := st.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		k, err := st.AgentKeyer(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return k.Key("agent-0017")
	}
	first, again := keyOf(Options{}), keyOf(Options{})
	if first != again || !strings.HasPrefix(first, "ak_") {
		t.Errorf("keys %q then %q: not stable across processes", first, again)
	}
	if set := keyOf(Options{AgentKeySecret: "a configured secret of 32 bytes"}); set == first {
		t.Error("the configured secret did not change the key")
	}
	other := newStore(t, Options{})
	k, err := other.AgentKeyer(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if k.Key("agent-0017") == first {
		t.Error("two deployments share a key")
	}
	weak, err := Open(ctx, dsn, Options{AgentKeySecret: "short"})
	if err != nil {
		t.Fatal(err)
	}
	defer weak.Close()
	if _, err := weak.AgentKeyer(ctx); err == nil {
		t.Error("a 5-byte secret was accepted")
	}
}

// TestAnalystBackfill: data loaded before the analyst database existed
// (here: its tables dropped, agent_keys emptied and the migrations
// forgotten) is keyed and copied once when migrate runs, and running
// migrate again copies nothing twice.
func TestAnalystBackfill(t *testing.T) {
	ctx := context.Background()
	st := newStore(t, Options{})
	day := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	ans := day.Add(10 * time.Second)
	load(t, st, ingest.Batch{ID: "c1", Source: "pbx", Kind: ingest.KindContacts}, contacts(
		ingest.Contact{ContactID: "c-1", Source: "pbx", Direction: "inbound", Queue: "q", AgentID: "agent-0017",
			StartedAt: day, AnsweredAt: &ans, EndedAt: day.Add(time.Minute), SourceUpdatedAt: day}))
	an := AnalystDatabase(st.Database())
	for _, q := range []string{"DROP DATABASE " + an, "TRUNCATE TABLE agent_keys", "TRUNCATE TABLE schema_migrations"} {
		if err := st.conn.Exec(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	for _, name := range queryStrings(t, st, "SELECT name FROM system.tables WHERE database = currentDatabase() AND name LIKE 'analyst_%'") {
		if err := st.conn.Exec(ctx, "DROP TABLE "+name); err != nil {
			t.Fatal(err)
		}
	}
	fresh, err := Open(ctx, chtest.Server().DSN(st.Database()), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer fresh.Close()
	for range 2 {
		if err := fresh.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
	}
	k, err := fresh.AgentKeyer(ctx)
	if err != nil {
		t.Fatal(err)
	}
	got := queryStrings(t, fresh, "SELECT agent_key FROM "+an+".contacts")
	if !slices.Equal(got, []string{k.Key("agent-0017")}) {
		t.Errorf("backfilled contacts keyed %q, want one row keyed %s", got, k.Key("agent-0017"))
	}
}
