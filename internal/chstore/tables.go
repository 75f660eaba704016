package chstore

import (
	"bytes"
	"hash/maphash"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/servicecard/servicecard/ingest"
)

// The rows of the replacing tables (contacts, surveys) and what the store
// adds to them. Their column stores (recordCols, records.go) are also the
// writer's buffers: rows are appended column by column as they arrive and
// sent to ClickHouse in slices, never copied into another layout.

// sendChunk is how many rows go into one block of an INSERT: the client
// holds one block at a time, and the server squashes the blocks of one
// INSERT into parts of up to min_insert_block_size_rows.
const sendChunk = 4096

// rowCols holds rows of a replacing table column by column, in the order
// of the table's insert column list: the record's columns, then
// ingested_at, batch_id, sign and version (the meta). Either every row is
// added with its meta (rows read back by a lookup), or every row is
// pushed without it (a writer's buffer) and stamp gives them one before
// they are sent.
type rowCols[R any] interface {
	reset()
	// rows is the number of records held.
	rows() int
	// keyBytes is row i's key, as views of the buffer.
	keyBytes(i int) (source, id []byte)
	// push appends a record without its meta and returns the bytes of
	// its text.
	push(r *R) int
	// add appends a record with its meta.
	add(r *R, m rowMeta)
	// scan adds the row a lookup is on (the columns of the insert list).
	scan(rows driver.Rows) error
	// updated is row i's update time at the source, in seconds: of two
	// rows with one key the later updated wins, and a tie goes to the
	// later row (in a flush) or the newer ingest. Tables without an update
	// time return 0.
	updated(i int) int64
	// meta is row i's meta; the row must have it.
	meta(i int) rowMeta
	// signVersion is row i's sign and version.
	signVersion(i int) (int8, uint64)
	// cancel makes row i a cancel row (sign -1).
	cancel(i int)
	// record returns row i as a record.
	record(i int) R
	// stamp gives the pushed rows sign +1, ingestedAt, batchID and
	// consecutive versions from version.
	stamp(ingestedAt time.Time, batchID string, version uint64)
	// bookedAt is the time row i is booked to (a contact's start, a
	// response's time), in Unix seconds: the day whose facts it changes.
	bookedAt(i int) uint32
	// links are row i's contact id and root (when set); ok is false but
	// for contacts.
	links(i int) (id, root string, ok bool)
	// appendTo appends rows [from, to) to an insert of the table's columns.
	appendTo(b driver.Batch, from, to int) error
	// values returns every row, one slice per column (rows added with
	// their meta only).
	values() []any
}

// key is row i's key as strings.
func key[R any](c rowCols[R], i int) rowKey {
	src, id := c.keyBytes(i)
	return rowKey{string(src), string(id)}
}

// hashKey hashes row i's key with h (reset first): equal keys hash alike
// in any rowCols of one seed.
func hashKey[R any](h *maphash.Hash, c rowCols[R], i int) uint64 {
	src, id := c.keyBytes(i)
	h.Reset()
	_, _ = h.Write(src)
	_ = h.WriteByte(0)
	_, _ = h.Write(id)
	return h.Sum64()
}

// sameKey reports whether row i of a and row j of b have one key.
func sameKey[R any](a rowCols[R], i int, b rowCols[R], j int) bool {
	as, ai := a.keyBytes(i)
	bs, bi := b.keyBytes(j)
	return bytes.Equal(ai, bi) && bytes.Equal(as, bs)
}

// metaCols are the columns the store adds to a record: per row for rows
// added with their meta (stored rows), or one meta for all the rows of a
// buffer, stamped before it is sent, with consecutive versions.
type metaCols struct {
	ingestedAt []uint32
	batchID    strCol
	sign       []int8
	version    []uint64

	stamped  bool
	at       uint32
	batch    []byte
	version0 uint64
}

func (m *metaCols) reset() {
	m.batchID.reset()
	m.ingestedAt, m.sign, m.version = m.ingestedAt[:0], m.sign[:0], m.version[:0]
	m.stamped = false
}

func (m *metaCols) row(i int) rowMeta {
	if m.stamped {
		return rowMeta{ingestedAt: timeOf(m.at), batchID: string(m.batch), sign: 1, version: m.version0 + uint64(i)}
	}
	return rowMeta{ingestedAt: timeOf(m.ingestedAt[i]), batchID: m.batchID.str(i), sign: m.sign[i], version: m.version[i]}
}

func (m *metaCols) signVersion(i int) (int8, uint64) {
	if m.stamped {
		return 1, m.version0 + uint64(i)
	}
	return m.sign[i], m.version[i]
}

func (m *metaCols) add(x rowMeta) {
	m.ingestedAt = append(m.ingestedAt, unix(x.ingestedAt))
	m.batchID.push(x.batchID)
	m.sign = append(m.sign, x.sign)
	m.version = append(m.version, x.version)
}

func (m *metaCols) stamp(ingestedAt time.Time, batchID string, version uint64) {
	m.stamped, m.at, m.batch, m.version0 = true, unix(ingestedAt), append(m.batch[:0], batchID...), version
}

// appendTo appends the meta of rows [from, to) to b, from column first.
func (m *metaCols) appendTo(b driver.Batch, e *encoder, first, from, to int) error {
	if !m.stamped {
		if err := appendColumns(b, first, e.timesOf(m.ingestedAt[from:to])); err != nil {
			return err
		}
		if err := m.batchID.appendTo(b, e, first+1, from, to); err != nil {
			return err
		}
		return appendColumns(b, first+2, m.sign[from:to], m.version[from:to])
	}
	e.times, e.views, e.signs, e.version = e.times[:0], e.views[:0], e.signs[:0], e.version[:0]
	for i := from; i < to; i++ {
		e.times = append(e.times, int64(m.at))
		e.views = append(e.views, m.batch)
		e.signs = append(e.signs, 1)
		e.version = append(e.version, m.version0+uint64(i))
	}
	return appendColumns(b, first, e.times, e.views, e.signs, e.version)
}

// values returns every row's meta, one slice per column (rows added with
// their meta only).
func (m *metaCols) values() []any {
	return []any{timesOf(m.ingestedAt), m.batchID.values(), m.sign, m.version}
}

const insertRejects = "INSERT INTO ingest_rejects (batch_id, file, line, raw, field, reason, ingested_at)"

func rejectValues(xs []ingest.Reject, file string, m rowMeta) []any {
	n := len(xs)
	line := make([]uint64, n)
	raw, field, reason := make([]string, n), make([]string, n), make([]string, n)
	for i, x := range xs {
		line[i], raw[i], field[i], reason[i] = uint64(max(x.Line, 0)), x.Raw, x.Field, x.Reason
	}
	return []any{repeat(m.batchID, n), repeat(file, n), line, raw, field, reason, repeat(m.ingestedAt, n)}
}

const insertBatch = "INSERT INTO ingest_batches (batch_id, source, kind, format, file, status, rows_ok, rows_rejected, rows_superseded, bytes, started_at, finished_at, duration_ms, error, version)"

func repeat[T any](v T, n int) []T {
	out := make([]T, n)
	for i := range out {
		out[i] = v
	}
	return out
}

func versionsFrom(base uint64, n int) []uint64 {
	out := make([]uint64, n)
	for i := range out {
		out[i] = base + uint64(i)
	}
	return out
}
