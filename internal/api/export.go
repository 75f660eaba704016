package api

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/compress"
	"github.com/parquet-go/parquet-go/encoding"

	"github.com/servicecard/servicecard/internal/domain"
)

// ExportFormat is how an export is encoded.
type ExportFormat string

// Export formats.
const (
	ExportCSV     ExportFormat = "csv"
	ExportNDJSON  ExportFormat = "ndjson"
	ExportParquet ExportFormat = "parquet"
)

// ExportFormats lists the export formats.
var ExportFormats = []ExportFormat{ExportCSV, ExportNDJSON, ExportParquet}

// errNoColumns says a backend returned from Export without calling Columns.
var errNoColumns = errors.New("api: export sent no columns")

// encoder is a domain.RowWriter that also finishes the stream.
type encoder interface {
	domain.RowWriter
	Close() error
}

// exportFlushRows is how many rows an encoder buffers before it pushes
// them to the client (and, for Parquet, closes a row group).
const exportFlushRows = 10_000

func newEncoder(f ExportFormat, w io.Writer) encoder {
	switch f {
	case ExportNDJSON:
		return &ndjsonEncoder{w: bufio.NewWriterSize(w, 64<<10), flusher: flusherOf(w)}
	case ExportParquet:
		return &parquetEncoder{w: w}
	default:
		return &csvEncoder{w: csv.NewWriter(w), flusher: flusherOf(w)}
	}
}

func flusherOf(w io.Writer) http.Flusher {
	f, _ := w.(http.Flusher)
	return f
}

// contentType returns the Content-Type and the file extension of f.
func (f ExportFormat) contentType() (string, string) {
	switch f {
	case ExportNDJSON:
		return "application/x-ndjson", "ndjson"
	case ExportParquet:
		return "application/vnd.apache.parquet", "parquet"
	}
	return "text/csv; charset=utf-8", "csv"
}

// columnsGuard checks the domain.RowWriter protocol for every encoder.
type columnsGuard struct {
	cols []domain.Column
}

func (g *columnsGuard) setColumns(cols []domain.Column) error {
	if g.cols != nil {
		return errors.New("api: export columns sent twice")
	}
	if len(cols) == 0 {
		return errors.New("api: export with no columns")
	}
	seen := make(map[string]bool, len(cols))
	for _, c := range cols {
		if c.Name == "" || seen[c.Name] {
			return fmt.Errorf("api: export column %q empty or repeated", c.Name)
		}
		seen[c.Name] = true
	}
	g.cols = cols
	return nil
}

func (g *columnsGuard) checkRow(values []any) error {
	if g.cols == nil {
		return errors.New("api: export row before columns")
	}
	if len(values) != len(g.cols) {
		return fmt.Errorf("api: export row has %d values for %d columns", len(values), len(g.cols))
	}
	return nil
}

// normalize turns v into the canonical Go value of t: nil, string, int64,
// float64, bool or time.Time. NaN and infinities become nil: neither CSV
// readers nor JSON agree on them, and a rate over zero contacts is "no
// value", not a number.
func normalize(v any, t domain.ColumnType, col string) (any, error) {
	rv := reflect.ValueOf(v)
	for rv.IsValid() && (rv.Kind() == reflect.Pointer || rv.Kind() == reflect.Interface) {
		if rv.IsNil() {
			return nil, nil
		}
		rv = rv.Elem()
	}
	if !rv.IsValid() {
		return nil, nil
	}
	bad := func() (any, error) {
		return nil, fmt.Errorf("api: export column %s: %s value %v does not fit type %s", col, rv.Type(), rv.Interface(), t)
	}
	switch t {
	case domain.TypeInt:
		switch rv.Kind() {
		case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
			return rv.Int(), nil
		case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
			u := rv.Uint()
			if u > math.MaxInt64 {
				return bad()
			}
			return int64(u), nil
		case reflect.Bool:
			if rv.Bool() {
				return int64(1), nil
			}
			return int64(0), nil
		}
		return bad()
	case domain.TypeFloat:
		var f float64
		switch rv.Kind() {
		case reflect.Float32, reflect.Float64:
			f = rv.Float()
		case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
			f = float64(rv.Int())
		case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
			f = float64(rv.Uint())
		default:
			return bad()
		}
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return nil, nil
		}
		return f, nil
	case domain.TypeBool:
		if rv.Kind() == reflect.Bool {
			return rv.Bool(), nil
		}
		return bad()
	case domain.TypeTime, domain.TypeDate:
		if tm, ok := rv.Interface().(time.Time); ok {
			if tm.IsZero() {
				return nil, nil
			}
			return tm, nil
		}
		return bad()
	default: // domain.TypeString
		switch x := rv.Interface().(type) {
		case string:
			return x, nil
		case []byte:
			return string(x), nil
		case fmt.Stringer:
			return x.String(), nil
		}
		if rv.Kind() == reflect.String {
			return rv.String(), nil
		}
		return bad()
	}
}

func formatDate(t time.Time) string { return t.Format(time.DateOnly) }

// text renders a normalized value for CSV.
func text(v any, t domain.ColumnType) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case int64:
		return strconv.FormatInt(x, 10)
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case bool:
		return strconv.FormatBool(x)
	case time.Time:
		if t == domain.TypeDate {
			return formatDate(x)
		}
		return x.UTC().Format(time.RFC3339)
	}
	return fmt.Sprint(v)
}

type csvEncoder struct {
	columnsGuard
	w       *csv.Writer
	flusher http.Flusher
	rec     []string
	n       int
}

func (e *csvEncoder) Columns(cols []domain.Column) error {
	if err := e.setColumns(cols); err != nil {
		return err
	}
	e.rec = make([]string, len(cols))
	for i, c := range cols {
		e.rec[i] = c.Name
	}
	return e.w.Write(e.rec)
}

func (e *csvEncoder) Row(values []any) error {
	if err := e.checkRow(values); err != nil {
		return err
	}
	for i, c := range e.cols {
		v, err := normalize(values[i], c.Type, c.Name)
		if err != nil {
			return err
		}
		e.rec[i] = text(v, c.Type)
	}
	if err := e.w.Write(e.rec); err != nil {
		return fmt.Errorf("write csv row: %w", err)
	}
	if e.n++; e.n%exportFlushRows == 0 {
		return e.flush()
	}
	return nil
}

func (e *csvEncoder) flush() error {
	e.w.Flush()
	if err := e.w.Error(); err != nil {
		return fmt.Errorf("write csv: %w", err)
	}
	if e.flusher != nil {
		e.flusher.Flush()
	}
	return nil
}

func (e *csvEncoder) Close() error {
	if e.cols == nil {
		return errNoColumns
	}
	return e.flush()
}

type ndjsonEncoder struct {
	columnsGuard
	w       *bufio.Writer
	flusher http.Flusher
	keys    [][]byte // `"name":` per column, JSON-escaped once
	n       int
}

func (e *ndjsonEncoder) Columns(cols []domain.Column) error {
	if err := e.setColumns(cols); err != nil {
		return err
	}
	e.keys = make([][]byte, len(cols))
	for i, c := range cols {
		k, _ := json.Marshal(c.Name) // a string always marshals
		e.keys[i] = append(k, ':')
	}
	return nil
}

func (e *ndjsonEncoder) Row(values []any) error {
	if err := e.checkRow(values); err != nil {
		return err
	}
	// Objects are written by hand so keys keep the column order.
	e.w.WriteByte('{')
	for i, c := range e.cols {
		v, err := normalize(values[i], c.Type, c.Name)
		if err != nil {
			return err
		}
		if i > 0 {
			e.w.WriteByte(',')
		}
		e.w.Write(e.keys[i])
		switch x := v.(type) {
		case time.Time:
			v = text(x, c.Type)
		}
		b, err := json.Marshal(v)
		if err != nil {
			return fmt.Errorf("api: export column %s: %w", c.Name, err)
		}
		e.w.Write(b)
	}
	if _, err := e.w.WriteString("}\n"); err != nil {
		return fmt.Errorf("write ndjson row: %w", err)
	}
	if e.n++; e.n%exportFlushRows == 0 {
		return e.flush()
	}
	return nil
}

func (e *ndjsonEncoder) flush() error {
	if err := e.w.Flush(); err != nil {
		return fmt.Errorf("write ndjson: %w", err)
	}
	if e.flusher != nil {
		e.flusher.Flush()
	}
	return nil
}

func (e *ndjsonEncoder) Close() error {
	if e.cols == nil {
		return errNoColumns
	}
	return e.flush()
}

// parquetWriteRows is how many rows the Parquet encoder hands the writer
// at once; it divides exportFlushRows so row groups are exactly that long.
const parquetWriteRows = 1000

// parquetEncoder writes one row group per exportFlushRows rows, so a file
// of any size needs one row group of memory.
type parquetEncoder struct {
	columnsGuard
	w       io.Writer
	pw      *parquet.Writer
	buf     []parquet.Row
	pending int // rows in the open row group
}

func (e *parquetEncoder) Columns(cols []domain.Column) error {
	if err := e.setColumns(cols); err != nil {
		return err
	}
	fields := make([]orderedField, len(cols))
	for i, c := range cols {
		fields[i] = orderedField{Node: parquet.Optional(parquetNode(c.Type)), name: c.Name}
	}
	schema := parquet.NewSchema("export", orderedGroup(fields))
	cfg, err := parquet.NewWriterConfig(schema, parquet.Compression(&parquet.Zstd))
	if err != nil {
		return fmt.Errorf("api: parquet schema: %w", err)
	}
	e.pw = parquet.NewWriter(e.w, cfg)
	e.buf = make([]parquet.Row, 0, parquetWriteRows)
	return nil
}

func parquetNode(t domain.ColumnType) parquet.Node {
	switch t {
	case domain.TypeInt:
		return parquet.Int(64)
	case domain.TypeFloat:
		return parquet.Leaf(parquet.DoubleType)
	case domain.TypeBool:
		return parquet.Leaf(parquet.BooleanType)
	case domain.TypeTime:
		return parquet.Timestamp(parquet.Millisecond)
	case domain.TypeDate:
		return parquet.Date()
	}
	return parquet.String()
}

func (e *parquetEncoder) Row(values []any) error {
	if err := e.checkRow(values); err != nil {
		return err
	}
	row := make(parquet.Row, len(e.cols))
	for i, c := range e.cols {
		v, err := normalize(values[i], c.Type, c.Name)
		if err != nil {
			return err
		}
		var pv parquet.Value
		switch x := v.(type) {
		case nil:
			row[i] = parquet.NullValue().Level(0, 0, i)
			continue
		case string:
			pv = parquet.ByteArrayValue([]byte(x))
		case int64:
			pv = parquet.Int64Value(x)
		case float64:
			pv = parquet.DoubleValue(x)
		case bool:
			pv = parquet.BooleanValue(x)
		case time.Time:
			if c.Type == domain.TypeDate {
				y, m, d := x.Date()
				days := time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix() / 86400
				pv = parquet.Int32Value(int32(days))
			} else {
				pv = parquet.Int64Value(x.UnixMilli())
			}
		}
		row[i] = pv.Level(0, 1, i)
	}
	e.buf = append(e.buf, row)
	if len(e.buf) == cap(e.buf) {
		if err := e.writeBuffered(); err != nil {
			return err
		}
	}
	return nil
}

func (e *parquetEncoder) writeBuffered() error {
	if len(e.buf) == 0 {
		return nil
	}
	if _, err := e.pw.WriteRows(e.buf); err != nil {
		return fmt.Errorf("write parquet rows: %w", err)
	}
	e.pending += len(e.buf)
	e.buf = e.buf[:0]
	if e.pending >= exportFlushRows {
		if err := e.pw.Flush(); err != nil {
			return fmt.Errorf("write parquet row group: %w", err)
		}
		e.pending = 0
	}
	return nil
}

func (e *parquetEncoder) Close() error {
	if e.cols == nil {
		return errNoColumns
	}
	if err := e.writeBuffered(); err != nil {
		return err
	}
	if err := e.pw.Close(); err != nil {
		return fmt.Errorf("write parquet footer: %w", err)
	}
	return nil
}

// orderedGroup is a Parquet group whose fields keep the export's column
// order (parquet.Group sorts them by name).
type orderedGroup []orderedField

type orderedField struct {
	parquet.Node
	name string
}

func (f *orderedField) Name() string { return f.name }

func (f *orderedField) Value(base reflect.Value) reflect.Value {
	// Only used when writing Go values; the encoder writes parquet.Rows.
	return reflect.Value{}
}

func (g orderedGroup) ID() int                     { return 0 }
func (g orderedGroup) String() string              { return "group(" + strings.Join(g.names(), ",") + ")" }
func (g orderedGroup) Type() parquet.Type          { return parquet.Group{}.Type() }
func (g orderedGroup) Optional() bool              { return false }
func (g orderedGroup) Repeated() bool              { return false }
func (g orderedGroup) Required() bool              { return true }
func (g orderedGroup) Leaf() bool                  { return false }
func (g orderedGroup) Encoding() encoding.Encoding { return nil }
func (g orderedGroup) Compression() compress.Codec { return nil }

func (g orderedGroup) names() []string {
	n := make([]string, len(g))
	for i := range g {
		n[i] = g[i].name
	}
	return n
}

func (g orderedGroup) Fields() []parquet.Field {
	f := make([]parquet.Field, len(g))
	for i := range g {
		f[i] = &g[i]
	}
	return f
}

func (g orderedGroup) GoType() reflect.Type {
	sf := make([]reflect.StructField, len(g))
	for i, f := range g {
		sf[i] = reflect.StructField{
			Name: fmt.Sprintf("F%d", i),
			Type: f.GoType(),
			Tag:  reflect.StructTag(`parquet:` + strconv.Quote(f.name)),
		}
	}
	return reflect.StructOf(sf)
}
