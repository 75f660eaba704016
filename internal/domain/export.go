package domain

import (
	"context"
	"time"
)

// ExportService streams stored rows out.
type ExportService interface {
	// Export pushes the rows of q's table with a time in [From, To) to w:
	// w.Columns once, then w.Row per row, reading as it writes. It stops
	// at the first error from w and returns it.
	Export(ctx context.Context, q ExportQuery, w RowWriter) error
}

// ExportQuery selects an export.
type ExportQuery struct {
	Table Table
	From  time.Time
	To    time.Time
}

// Table is an exportable table.
type Table string

// Exportable tables.
const (
	TableContacts   Table = "contacts"
	TableSurveys    Table = "surveys"
	TableScorecards Table = "scorecards"
)

// Tables lists the exportable tables.
var Tables = []Table{TableContacts, TableSurveys, TableScorecards}

// ColumnType is the type of an exported column's values.
type ColumnType string

// Column types. Every column is nullable: a nil value is an empty CSV
// field, a JSON null and a Parquet null.
// The zero value is read as TypeString.
const (
	TypeString ColumnType = "string" // string, []byte, fmt.Stringer
	TypeInt    ColumnType = "int"    // any Go integer type
	TypeFloat  ColumnType = "float"  // float32, float64 (NaN and Inf are written as null)
	TypeBool   ColumnType = "bool"   // bool
	TypeTime   ColumnType = "time"   // time.Time, written in UTC
	TypeDate   ColumnType = "date"   // time.Time, its calendar date in its own location
)

// Column is one exported column: Name is the table column id or the metric id.
type Column struct {
	Name string     `json:"name"`
	Type ColumnType `json:"type"`
}

// RowWriter receives an export as the store reads it: Columns exactly
// once, before any row, then Row for every row with one value per column
// (nil for null; pointers are followed). The writer encodes and sends rows
// as they come, so memory stays bounded whatever the export's size. An
// error from either method means the client is gone or a value does not
// fit its column: the reader stops and returns it.
type RowWriter interface {
	Columns(cols []Column) error
	Row(values []any) error
}
