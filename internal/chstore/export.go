package chstore

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"text/template"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"

	"github.com/servicecard/servicecard/internal/domain"
)

// ErrUnknownTable says a table is not exportable.
var ErrUnknownTable = errors.New("chstore: unknown export table")

// The export queries, one per table (queries/export_*.sql): templates
// that take the columns to select.
//
//go:embed queries/export_*.sql
var exportFS embed.FS

var exportTmpl = template.Must(template.ParseFS(exportFS, "queries/export_*.sql"))

// export is one exportable table: the current rows (FINAL, sign = 1)
// whose time column lies in [from, to). Column names are the table's own
// ids, so exports, SQL and the API agree.
type export struct {
	cols []domain.Column
	sql  string
	// sliced: read one calendar month (UTC, one partition) per query, in
	// time order, so FINAL and the sort hold one partition at a time.
	sliced bool
}

// exports are the exportable tables.
var exports = map[string]export{
	"contacts": recordExport(contactTable),
	"surveys":  recordExport(surveyTable),
	"scorecards": {
		cols: cols("level:string", "key:string", "grain:string", "period_start:date", "score:float",
			"internal:float", "external:float", "nps:float", "csat:float", "aht_s:float", "service_level:float",
			"metric_ids:string", "metric_values:string", "config_version:string", "computed_at:time"),
		sql: exportSQL("export_scorecards.sql", nil),
	},
}

// recordExport exports the columns of t (records.go), then ingested_at
// and batch_id, a month at a time.
func recordExport[R any](t *recordTable[R]) export {
	cols := t.exportColumns()
	names := make([]string, len(cols))
	for i, c := range cols {
		names[i] = c.Name
	}
	sql := exportSQL("export_"+t.name+".sql", map[string]string{"Columns": strings.Join(names, ", ")})
	return export{cols: cols, sql: sql, sliced: true}
}

// exportSQL executes the export query template name.
func exportSQL(name string, v any) string {
	var b strings.Builder
	if err := exportTmpl.ExecuteTemplate(&b, name, v); err != nil {
		panic(fmt.Sprintf("chstore: %s: %v", name, err))
	}
	return b.String()
}

// toBool turns ClickHouse 18.16's UInt8 flags (it has no Bool type) into
// bools; NULL stays nil.
func toBool(v any) any {
	switch x := v.(type) {
	case uint8:
		return x != 0
	case *uint8:
		if x == nil {
			return nil
		}
		return *x != 0
	case bool, *bool:
		return x
	}
	return v
}

func cols(specs ...string) []domain.Column {
	out := make([]domain.Column, len(specs))
	for i, s := range specs {
		for j := len(s) - 1; j >= 0; j-- {
			if s[j] == ':' {
				out[i] = domain.Column{Name: s[:j], Type: domain.ColumnType(s[j+1:])}
				break
			}
		}
	}
	return out
}

// exportSortSpill is where an export's sort spills to disk instead of
// growing in ClickHouse's memory (max_bytes_before_external_sort).
const exportSortSpill = 128 << 20

// exportBlockRows is the rows per block ClickHouse sends an export.
const exportBlockRows = 8192

// Export streams the rows of table in [from, to) to w. Contacts and
// surveys are read one calendar month (one partition) per query, each
// sorted by time with an external sort past 128 MiB, so ClickHouse's
// memory stays bounded whatever the range; rows go to w as the blocks
// arrive, so this side's memory stays flat too.
func (s *Store) Export(ctx context.Context, table string, from, to time.Time, w domain.RowWriter) error {
	ex, ok := exports[table]
	if !ok {
		return fmt.Errorf("%w %q", ErrUnknownTable, table)
	}
	ctx = clickhouse.Context(ctx, clickhouse.WithSettings(clickhouse.Settings{
		"max_bytes_before_external_sort": exportSortSpill,
		// Blocks of 8192 rows (not 65536): what this side holds at once.
		"max_block_size": exportBlockRows,
	}))
	from, to = from.UTC(), to.UTC()
	columns := func() error { return w.Columns(ex.cols) }
	for start := from; start.Before(to) || columns != nil; {
		end := to
		if ex.sliced {
			if next := time.Date(start.Year(), start.Month()+1, 1, 0, 0, 0, 0, time.UTC); next.Before(to) {
				end = next
			}
		}
		if err := s.exportSlice(ctx, table, ex.sql, ex.cols, start, end, columns, w); err != nil {
			return err
		}
		columns = nil
		start = end
	}
	return nil
}

// exportSlice streams one query's rows of [from, to) to w; columns, when
// set, goes first, once the query has started (so a query that fails at
// once still gets a clean error answer).
func (s *Store) exportSlice(ctx context.Context, table, sql string, cols []domain.Column, from, to time.Time, columns func() error, w domain.RowWriter) error {
	rows, err := s.conn.Query(ctx, sql, clickhouse.Named("from", from), clickhouse.Named("to", to))
	if err != nil {
		return fmt.Errorf("chstore: export %s: %w", table, err)
	}
	defer rows.Close()
	if columns != nil {
		if err := columns(); err != nil {
			return err
		}
	}
	types := rows.ColumnTypes()
	dest := make([]any, len(types))
	for i, ct := range types {
		dest[i] = reflect.New(ct.ScanType()).Interface()
	}
	vals := make([]any, len(types))
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return fmt.Errorf("chstore: export %s: %w", table, err)
		}
		for i, d := range dest {
			vals[i] = reflect.ValueOf(d).Elem().Interface()
			if cols[i].Type == domain.TypeBool {
				vals[i] = toBool(vals[i])
			}
		}
		if err := w.Row(vals); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("chstore: export %s: %w", table, err)
	}
	return nil
}
