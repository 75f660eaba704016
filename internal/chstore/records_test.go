package chstore

import (
	"slices"
	"testing"
)

// TestRecordTablesMatchSchema: each record table (records.go) names, with
// their types, exactly the columns of its table in the migrated schema
// that the writer fills (every column without a default), so its insert
// list, buffers, lookup and export agree with the database.
func TestRecordTablesMatchSchema(t *testing.T) {
	st := newStore(t, Options{})
	metaTypes := map[string]string{
		"ingested_at": "DateTime('UTC')", "batch_id": "String", "sign": "Int8", "version": "UInt64",
	}
	for _, tbl := range []interface {
		columnNames() []string
		schema() []string
		tableName() string
	}{contactTable, surveyTable, agentTable, stateTable, scheduleTable, queueTable} {
		want := tbl.schema()
		for _, name := range tbl.columnNames()[len(want):] {
			want = append(want, name+" "+metaTypes[name])
		}
		got := queryStrings(t, st, "SELECT concat(name, ' ', type) FROM system.columns "+
			"WHERE database = currentDatabase() AND table = ? AND default_kind = ''", tbl.tableName())
		slices.Sort(want)
		slices.Sort(got)
		if !slices.Equal(got, want) {
			t.Errorf("%s: system.columns has\n%q\nthe record table says\n%q", tbl.tableName(), got, want)
		}
	}
}

// schema lists the record's columns as "name type".
func (t *recordTable[R]) schema() []string {
	out := make([]string, len(t.cols))
	for i, c := range t.cols {
		out[i] = c.name + " " + c.typ
	}
	return out
}

func (t *recordTable[R]) tableName() string { return t.name }
