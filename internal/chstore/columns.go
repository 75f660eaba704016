package chstore

import (
	"fmt"
	"math"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/servicecard/servicecard/internal/domain"
)

// The column kinds of a record table (records.go). A column reads and
// writes one field of a record through a pointer to it, and buffers its
// values without pointers, so the garbage collector never scans a
// writer's buffer: text is kept in one byte slice per column, times as
// 32-bit Unix seconds (DateTime's range and resolution) and nullable
// values with a sentinel or a flag.

// column is one column of the table of record type R.
type column[R any] struct {
	name   string
	typ    string            // the ClickHouse type, as system.columns names it
	export domain.ColumnType // the type of its exported values
	newBuf func() colBuf[R]
}

// colBuf holds the values of one column, row after row.
type colBuf[R any] interface {
	reset()
	// reserve makes room for rows values in all.
	reserve(rows int)
	// push appends r's value and returns the bytes of text it holds.
	push(r *R) int
	// load sets r's field to row i's value.
	load(r *R, i int)
	// dest is where a lookup scans the column into r; scanned completes
	// r's field after the scan.
	dest(r *R) any
	scanned(r *R)
	// appendTo appends values [from, to) to column col of b.
	appendTo(b driver.Batch, e *encoder, col, from, to int) error
	// values returns every value, as an insert takes them.
	values() any
}

// text is a String column.
func text[R any](name string, f func(*R) *string) column[R] {
	return column[R]{name, "String", domain.TypeString, func() colBuf[R] { return &textCol[R]{f: f} }}
}

// dateTime is a DateTime('UTC') column.
func dateTime[R any](name string, f func(*R) *time.Time) column[R] {
	return column[R]{name, "DateTime('UTC')", domain.TypeTime, func() colBuf[R] { return &timeCol[R]{f: f} }}
}

// date is a Date column: the calendar date of the field (in its own
// location, as the driver takes a time.Time).
func date[R any](name string, f func(*R) *time.Time) column[R] {
	return column[R]{name, "Date", domain.TypeDate, func() colBuf[R] { return &timeCol[R]{f: f, date: true} }}
}

// nullDateTime is a Nullable(DateTime('UTC')) column.
func nullDateTime[R any](name string, f func(*R) **time.Time) column[R] {
	return column[R]{name, "Nullable(DateTime('UTC'))", domain.TypeTime, func() colBuf[R] { return &nullTimeCol[R]{f: f} }}
}

// uint32s is a UInt32 column.
func uint32s[R any](name string, f func(*R) *uint32) column[R] {
	return column[R]{name, "UInt32", domain.TypeInt, func() colBuf[R] { return &numCol[R, uint32]{f: f} }}
}

// uint16s is a UInt16 column.
func uint16s[R any](name string, f func(*R) *uint16) column[R] {
	return column[R]{name, "UInt16", domain.TypeInt, func() colBuf[R] { return &numCol[R, uint16]{f: f} }}
}

// flag is a bool kept as UInt8 (ClickHouse 18.16 has no Bool).
func flag[R any](name string, f func(*R) *bool) column[R] {
	return column[R]{name, "UInt8", domain.TypeBool, func() colBuf[R] { return &flagCol[R]{f: f} }}
}

// nullFlag is a *bool kept as Nullable(UInt8).
func nullFlag[R any](name string, f func(*R) **bool) column[R] {
	return column[R]{name, "Nullable(UInt8)", domain.TypeBool, func() colBuf[R] { return &nullFlagCol[R]{u8Col{nullable: true}, f} }}
}

// nullUint8 is a *uint8 kept as Nullable(UInt8) (a score).
func nullUint8[R any](name string, f func(*R) **uint8) column[R] {
	return column[R]{name, "Nullable(UInt8)", domain.TypeInt, func() colBuf[R] { return &nullU8Col[R]{u8Col{nullable: true}, f} }}
}

// noU8 marks NULL in a nullable UInt8 (flags and scores never reach it).
const noU8 = math.MaxUint8

type textCol[R any] struct {
	strCol
	f func(*R) *string
}

func (c *textCol[R]) push(r *R) int {
	s := *c.f(r)
	c.strCol.push(s)
	return len(s)
}

func (c *textCol[R]) load(r *R, i int) { *c.f(r) = c.str(i) }
func (c *textCol[R]) dest(r *R) any    { return c.f(r) }
func (c *textCol[R]) scanned(*R)       {}
func (c *textCol[R]) values() any      { return c.strCol.values() }

// timeCol holds DateTime (or Date) values as Unix seconds.
type timeCol[R any] struct {
	v    []uint32
	f    func(*R) *time.Time
	date bool
}

func (c *timeCol[R]) reset()           { c.v = c.v[:0] }
func (c *timeCol[R]) reserve(rows int) { c.v = reserve(c.v, rows) }

func (c *timeCol[R]) push(r *R) int {
	t := *c.f(r)
	if c.date {
		y, m, d := t.Date()
		t = time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	}
	c.v = append(c.v, unix(t))
	return 0
}

func (c *timeCol[R]) load(r *R, i int) { *c.f(r) = timeOf(c.v[i]) }
func (c *timeCol[R]) dest(r *R) any    { return c.f(r) }
func (c *timeCol[R]) scanned(*R)       {}

func (c *timeCol[R]) appendTo(b driver.Batch, e *encoder, col, from, to int) error {
	if c.date {
		return appendColumns(b, col, dates(c.v[from:to]))
	}
	return appendColumns(b, col, e.timesOf(c.v[from:to]))
}

func (c *timeCol[R]) values() any {
	if c.date {
		return dates(c.v)
	}
	return timesOf(c.v)
}

// dates returns the UTC midnights ts stand for, as the Date column takes
// them.
func dates(ts []uint32) []time.Time {
	out := make([]time.Time, len(ts))
	for i, t := range ts {
		out[i] = timeOf(t)
	}
	return out
}

// nullTimeCol holds Nullable(DateTime) values: the seconds, and null set
// for NULL.
type nullTimeCol[R any] struct {
	v    []uint32
	null []bool
	f    func(*R) **time.Time
}

func (c *nullTimeCol[R]) reset() { c.v, c.null = c.v[:0], c.null[:0] }

func (c *nullTimeCol[R]) reserve(rows int) {
	c.v, c.null = reserve(c.v, rows), reserve(c.null, rows)
}

func (c *nullTimeCol[R]) push(r *R) int {
	var sec uint32
	at := *c.f(r)
	if at != nil {
		sec = unix(*at)
	}
	c.v, c.null = append(c.v, sec), append(c.null, at == nil)
	return 0
}

func (c *nullTimeCol[R]) load(r *R, i int) {
	*c.f(r) = nil
	if !c.null[i] {
		at := timeOf(c.v[i])
		*c.f(r) = &at
	}
}

func (c *nullTimeCol[R]) dest(r *R) any { return c.f(r) }
func (c *nullTimeCol[R]) scanned(*R)    {}

func (c *nullTimeCol[R]) appendTo(b driver.Batch, e *encoder, col, from, to int) error {
	return appendColumns(b, col, e.nullTimes(c.v[from:to], c.null[from:to]))
}

func (c *nullTimeCol[R]) values() any { return nullTimes(c.v, c.null) }

// numCol holds unsigned integers as they are.
type numCol[R any, T uint16 | uint32] struct {
	v []T
	f func(*R) *T
}

func (c *numCol[R, T]) reset()           { c.v = c.v[:0] }
func (c *numCol[R, T]) reserve(rows int) { c.v = reserve(c.v, rows) }
func (c *numCol[R, T]) push(r *R) int    { c.v = append(c.v, *c.f(r)); return 0 }
func (c *numCol[R, T]) load(r *R, i int) { *c.f(r) = c.v[i] }
func (c *numCol[R, T]) dest(r *R) any    { return c.f(r) }
func (c *numCol[R, T]) scanned(*R)       {}
func (c *numCol[R, T]) values() any      { return c.v }

func (c *numCol[R, T]) appendTo(b driver.Batch, _ *encoder, col, from, to int) error {
	return appendColumns(b, col, c.v[from:to])
}

// u8Col holds UInt8 values, noU8 for NULL in a nullable column; the kinds
// below read and write their field through it.
type u8Col struct {
	v        []uint8
	nullable bool
	scan     *uint8 // what a lookup scanned
}

func (c *u8Col) reset()           { c.v = c.v[:0] }
func (c *u8Col) reserve(rows int) { c.v = reserve(c.v, rows) }

func (c *u8Col) appendTo(b driver.Batch, e *encoder, col, from, to int) error {
	if c.nullable {
		return appendColumns(b, col, e.nullU8s(c.v[from:to]))
	}
	return appendColumns(b, col, c.v[from:to])
}

func (c *u8Col) values() any {
	if c.nullable {
		return nullU8s(c.v)
	}
	return c.v
}

// flagCol holds a bool as UInt8 0 or 1.
type flagCol[R any] struct {
	u8Col
	f func(*R) *bool
}

func (c *flagCol[R]) push(r *R) int    { c.v = append(c.v, b2u(*c.f(r))); return 0 }
func (c *flagCol[R]) load(r *R, i int) { *c.f(r) = c.v[i] == 1 }
func (c *flagCol[R]) dest(r *R) any    { return c.f(r) }
func (c *flagCol[R]) scanned(*R)       {}

// nullFlagCol holds a *bool as UInt8 0 or 1, noU8 for NULL.
type nullFlagCol[R any] struct {
	u8Col
	f func(*R) **bool
}

func (c *nullFlagCol[R]) push(r *R) int {
	v := uint8(noU8)
	if b := *c.f(r); b != nil {
		v = b2u(*b)
	}
	c.v = append(c.v, v)
	return 0
}

func (c *nullFlagCol[R]) load(r *R, i int) {
	*c.f(r) = nil
	if c.v[i] != noU8 {
		b := c.v[i] == 1
		*c.f(r) = &b
	}
}

func (c *nullFlagCol[R]) dest(*R) any { return &c.scan }

func (c *nullFlagCol[R]) scanned(r *R) {
	*c.f(r) = nil
	if c.scan != nil {
		b := *c.scan == 1
		*c.f(r) = &b
	}
}

// nullU8Col holds a *uint8 as UInt8, noU8 for NULL.
type nullU8Col[R any] struct {
	u8Col
	f func(*R) **uint8
}

func (c *nullU8Col[R]) push(r *R) int { c.v = append(c.v, u8OrNull(*c.f(r))); return 0 }

func (c *nullU8Col[R]) load(r *R, i int) {
	*c.f(r) = nil
	if c.v[i] != noU8 {
		v := c.v[i]
		*c.f(r) = &v
	}
}

func (c *nullU8Col[R]) dest(r *R) any { return c.f(r) }
func (c *nullU8Col[R]) scanned(*R)    {}

// strCol is a String column: the values one after the other in data,
// ends[i] where value i ends.
type strCol struct {
	data []byte
	ends []uint32
}

func (c *strCol) reset() { c.data, c.ends = c.data[:0], c.ends[:0] }

// reserve makes room for rows values in all, and text for them at the
// average length so far.
func (c *strCol) reserve(rows int) {
	if n := len(c.ends); n > 0 {
		c.data = reserve(c.data, len(c.data)*rows/n*9/8)
	}
	c.ends = reserve(c.ends, rows)
}

func (c *strCol) push(s string) {
	c.data = append(c.data, s...)
	c.ends = append(c.ends, uint32(len(c.data)))
}

func (c *strCol) at(i int) []byte {
	start := uint32(0)
	if i > 0 {
		start = c.ends[i-1]
	}
	return c.data[start:c.ends[i]:c.ends[i]]
}

func (c *strCol) str(i int) string { return string(c.at(i)) }

// appendTo appends values [from, to) to column col of b, as views of
// data.
func (c *strCol) appendTo(b driver.Batch, e *encoder, col, from, to int) error {
	e.views = e.views[:0]
	for i := from; i < to; i++ {
		e.views = append(e.views, c.at(i))
	}
	if err := b.Column(col).Append(e.views); err != nil {
		return fmt.Errorf("column %d: %w", col, err)
	}
	return nil
}

// values returns every value (views of data).
func (c *strCol) values() [][]byte {
	v := make([][]byte, len(c.ends))
	for i := range v {
		v[i] = c.at(i)
	}
	return v
}

// reserve returns s with room for n elements in all, allocated once to
// the size (append would grow a large slice by 1.25x at a time).
func reserve[T any](s []T, n int) []T {
	if cap(s) >= n {
		return s
	}
	t := make([]T, len(s), n)
	copy(t, s)
	return t
}

// appendColumns appends one slice per column to b, from column first.
func appendColumns(b driver.Batch, first int, cols ...any) error {
	for i, v := range cols {
		if err := b.Column(first + i).Append(v); err != nil {
			return fmt.Errorf("column %d: %w", first+i, err)
		}
	}
	return nil
}

// encoder is the scratch appendTo converts columns in.
type encoder struct {
	times   []int64
	ptrs    []*int64
	u8s     []*uint8
	signs   []int8
	version []uint64
	views   [][]byte
}

// timesOf returns ts as the []int64 DateTime takes.
func (e *encoder) timesOf(ts []uint32) []int64 {
	e.times = e.times[:0]
	for _, t := range ts {
		e.times = append(e.times, int64(t))
	}
	return e.times
}

// nullTimes returns ts, NULL where null is set, as the []*int64 a
// Nullable(DateTime) takes.
func (e *encoder) nullTimes(ts []uint32, null []bool) []*int64 {
	t := e.timesOf(ts)
	e.ptrs = e.ptrs[:0]
	for i := range t {
		if null[i] {
			e.ptrs = append(e.ptrs, nil)
		} else {
			e.ptrs = append(e.ptrs, &t[i])
		}
	}
	return e.ptrs
}

// nullU8s points at the non-NULL values of vs.
func (e *encoder) nullU8s(vs []uint8) []*uint8 {
	e.u8s = e.u8s[:0]
	for i := range vs {
		if vs[i] == noU8 {
			e.u8s = append(e.u8s, nil)
		} else {
			e.u8s = append(e.u8s, &vs[i])
		}
	}
	return e.u8s
}

// done drops the pointers into the columns.
func (e *encoder) done() {
	clear(e.ptrs)
	clear(e.u8s)
	clear(e.views)
}

func nullU8s(vs []uint8) []*uint8 { var e encoder; return e.nullU8s(vs) }

func nullTimes(ts []uint32, null []bool) []*int64 { var e encoder; return e.nullTimes(ts, null) }

func timesOf(ts []uint32) []int64 { var e encoder; return e.timesOf(ts) }

// unix is t in DateTime's seconds.
func unix(t time.Time) uint32 { return uint32(t.Unix()) }

func timeOf(sec uint32) time.Time { return time.Unix(int64(sec), 0).UTC() }

func u8OrNull(v *uint8) uint8 {
	if v == nil {
		return noU8
	}
	return *v
}

func b2u(b bool) uint8 {
	if b {
		return 1
	}
	return 0
}
