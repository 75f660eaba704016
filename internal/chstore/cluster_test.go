package chstore

import (
	"strings"
	"testing"
)

// The migration rewrite for cluster mode: every MergeTree table becomes a
// replicated local table plus a Distributed table sharded by its ORDER BY
// key; views read and write local tables; ALTERs reach both.
func TestClusterStatements(t *testing.T) {
	ms, err := migrations()
	if err != nil {
		t.Fatal(err)
	}
	var all []string
	for _, m := range ms {
		all = append(all, m.statements...)
	}
	tables := clusterTables(all)
	for _, name := range []string{"contacts", "surveys", "agents", "contacts_rollup", "scorecards", "scorecard_runs"} {
		if !tables[name] {
			t.Errorf("%s not clustered", name)
		}
	}
	if tables["lookup_keys"] {
		t.Error("lookup_keys (engine Null) clustered")
	}
	got := map[string]string{}
	var audience int
	for _, m := range ms {
		if audienceMigration(m) {
			audience++
			continue
		}
		for _, st := range m.statements {
			out, err := clusterStatements(st, "db", "c", tables)
			if err != nil {
				t.Fatalf("%v in:\n%s", err, st)
			}
			for _, o := range out {
				got[o[:min(len(o), 60)]] = o
			}
		}
	}
	if audience != 2 {
		t.Errorf("%d audience migrations (analyst, executive) left out of cluster mode, want 2", audience)
	}
	joined := strings.Join(mapValues(got), "\n")
	for _, want := range []string{
		"CREATE TABLE IF NOT EXISTS db.contacts_local ON CLUSTER c (",
		"ENGINE = ReplicatedVersionedCollapsingMergeTree('/clickhouse/tables/{shard}/db/contacts', '{replica}', sign, version)",
		"CREATE TABLE IF NOT EXISTS db.contacts ON CLUSTER c AS db.contacts_local ENGINE = Distributed(c, db, contacts_local, cityHash64(source, contact_id))",
		"ENGINE = ReplicatedMergeTree('/clickhouse/tables/{shard}/db/scorecard_runs', '{replica}')",
		"Distributed(c, db, ingest_batches_local, cityHash64(batch_id))",
		"CREATE MATERIALIZED VIEW IF NOT EXISTS db.contacts_rollup_mv ON CLUSTER c TO db.contacts_rollup_local AS",
		"FROM db.contacts_local",
		"CREATE TABLE IF NOT EXISTS db.lookup_keys ON CLUSTER c (",
		"CREATE VIEW IF NOT EXISTS db.ingest_rejects_resolved ON CLUSTER c AS",
	} {
		if !strings.Contains(joined, want) {
			t.Errorf("rewrite lacks %q", want)
		}
	}
	for _, tc := range []struct{ in, want string }{
		{"ALTER TABLE contacts ADD COLUMN x String", "ALTER TABLE db.contacts_local ON CLUSTER c ADD COLUMN x String|ALTER TABLE db.contacts ON CLUSTER c ADD COLUMN x String"},
		{"ALTER TABLE contacts DELETE WHERE 1", "ALTER TABLE db.contacts_local ON CLUSTER c DELETE WHERE 1"},
		{"DROP TABLE IF EXISTS contacts", "DROP TABLE IF EXISTS db.contacts ON CLUSTER c|DROP TABLE IF EXISTS db.contacts_local ON CLUSTER c"},
		{"INSERT INTO contacts SELECT * FROM contacts", "INSERT INTO contacts SELECT * FROM contacts"},
	} {
		out, err := clusterStatements(tc.in, "db", "c", tables)
		if err != nil || strings.Join(out, "|") != tc.want {
			t.Errorf("%s: got %q, %v", tc.in, out, err)
		}
	}
	for _, bad := range []string{
		"CREATE TABLE t (a UInt8) ENGINE = ReplicatedMergeTree('/p', 'r') ORDER BY a",
		"CREATE TABLE t (a UInt8) ENGINE = MergeTree",
		"CREATE MATERIALIZED VIEW v ENGINE = MergeTree ORDER BY a AS SELECT 1 AS a",
	} {
		if _, err := clusterStatements(bad, "db", "c", tables); err == nil {
			t.Errorf("%s: no error", bad)
		}
	}
}

func mapValues(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for _, v := range m {
		out = append(out, v)
	}
	return out
}
