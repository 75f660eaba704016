package chstore

import (
	"bytes"
	"fmt"
	"hash/maphash"
	"math"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/servicecard/servicecard/ingest"
)

// Column lists and column stores of the tables the writer fills. The
// stores of the replacing tables (contactCols, surveyCols) are also the
// writer's buffers: rows are appended column by column as they arrive and
// sent to ClickHouse in slices, never copied into another layout. They
// hold no pointers, so the garbage collector never scans a buffer: text
// is kept in one byte slice per column, times as 32-bit Unix seconds
// (DateTime's range and resolution) and nullable values with a sentinel
// or a flag.

// noU8 marks NULL in a nullable UInt8 (flags and scores never reach it).
const noU8 = math.MaxUint8

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
	// push appends a record without its meta.
	push(r *R)
	// add appends a record with its meta.
	add(r *R, m rowMeta)
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

// times returns ts as the []int64 DateTime takes.
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

func boolOrNull(b *bool) uint8 {
	if b == nil {
		return noU8
	}
	return b2u(*b)
}

func b2u(b bool) uint8 {
	if b {
		return 1
	}
	return 0
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

var contactColumns = []string{
	"source", "contact_id", "channel", "direction", "queue", "team", "site", "agent_id",
	"customer_id", "started_at", "answered_at", "ended_at", "wait_s", "talk_s", "hold_s",
	"hold_count", "acw_s", "abandoned", "transferred", "resolved", "disposition",
	"initial_contact_id", "source_updated_at", "ingested_at", "batch_id", "sign", "version",
}

func (s *Store) contactsTable() *replacing[ingest.Contact] {
	return &replacing[ingest.Contact]{
		table:   "contacts",
		columns: contactColumns,
		keyCol:  "contact_id",
		locks:   s.contactLocks,
		newCols: func() rowCols[ingest.Contact] { return &contactCols{} },
		scan:    func(r driver.Rows, c rowCols[ingest.Contact]) error { return scanContact(r, c.(*contactCols)) },
	}
}

// scanContact appends the row rows is on (the columns of contactColumns)
// to c.
func scanContact(rows driver.Rows, c *contactCols) error {
	var (
		x                      ingest.Contact
		m                      rowMeta
		answered               *time.Time
		abandoned, transferred uint8
		resolved               *uint8
	)
	err := rows.Scan(&x.Source, &x.ContactID, &x.Channel, &x.Direction, &x.Queue, &x.Team, &x.Site,
		&x.AgentID, &x.CustomerID, &x.StartedAt, &answered, &x.EndedAt, &x.WaitS, &x.TalkS, &x.HoldS,
		&x.HoldCount, &x.AcwS, &abandoned, &transferred, &resolved, &x.Disposition,
		&x.InitialContactID, &x.SourceUpdatedAt, &m.ingestedAt, &m.batchID, &m.sign, &m.version)
	if err != nil {
		return err
	}
	x.AnsweredAt = answered
	x.Abandoned, x.Transferred = abandoned == 1, transferred == 1
	c.add(&x, m)
	c.resolved[len(c.resolved)-1] = u8OrNull(resolved) // x.Resolved was left nil
	return nil
}

// The text columns of a contactCols, in insert order: insert columns
// 0-8, then 20 and 21.
const (
	ccSource = iota
	ccContactID
	ccChannel
	ccDirection
	ccQueue
	ccTeam
	ccSite
	ccAgentID
	ccCustomerID
	ccDisposition
	ccInitialContactID
	ccText // how many
)

// contactCols holds contact rows column by column.
type contactCols struct {
	text                             [ccText]strCol
	startedAt, answeredAt, endedAt   []uint32
	unanswered                       []bool // answered_at is NULL
	waitS, talkS, holdS, acwS        []uint32
	holdCount                        []uint16
	abandoned, transferred, resolved []uint8
	sourceUpdatedAt                  []uint32
	metaCols
	enc encoder
}

var _ rowCols[ingest.Contact] = (*contactCols)(nil)

func (c *contactCols) reset() {
	for i := range c.text {
		c.text[i].reset()
	}
	c.startedAt, c.answeredAt, c.endedAt, c.sourceUpdatedAt = c.startedAt[:0], c.answeredAt[:0], c.endedAt[:0], c.sourceUpdatedAt[:0]
	c.unanswered = c.unanswered[:0]
	c.waitS, c.talkS, c.holdS, c.acwS, c.holdCount = c.waitS[:0], c.talkS[:0], c.holdS[:0], c.acwS[:0], c.holdCount[:0]
	c.abandoned, c.transferred, c.resolved = c.abandoned[:0], c.transferred[:0], c.resolved[:0]
	c.metaCols.reset()
}

func (c *contactCols) rows() int { return len(c.startedAt) }

// reserve makes room for rows in all (and text at the average row's
// length so far).
func (c *contactCols) reserve(rows int) {
	for i := range c.text {
		c.text[i].reserve(rows)
	}
	for _, s := range [...]*[]uint32{&c.startedAt, &c.answeredAt, &c.endedAt, &c.sourceUpdatedAt, &c.waitS, &c.talkS, &c.holdS, &c.acwS} {
		*s = reserve(*s, rows)
	}
	c.holdCount, c.unanswered = reserve(c.holdCount, rows), reserve(c.unanswered, rows)
	for _, s := range [...]*[]uint8{&c.abandoned, &c.transferred, &c.resolved} {
		*s = reserve(*s, rows)
	}
}

func (c *contactCols) keyBytes(i int) (source, id []byte) {
	return c.text[ccSource].at(i), c.text[ccContactID].at(i)
}

func (c *contactCols) push(x *ingest.Contact) {
	t := &c.text
	t[ccSource].push(x.Source)
	t[ccContactID].push(x.ContactID)
	t[ccChannel].push(x.Channel)
	t[ccDirection].push(x.Direction)
	t[ccQueue].push(x.Queue)
	t[ccTeam].push(x.Team)
	t[ccSite].push(x.Site)
	t[ccAgentID].push(x.AgentID)
	t[ccCustomerID].push(x.CustomerID)
	t[ccDisposition].push(x.Disposition)
	t[ccInitialContactID].push(x.InitialContactID)
	c.startedAt = append(c.startedAt, unix(x.StartedAt))
	if x.AnsweredAt != nil {
		c.answeredAt, c.unanswered = append(c.answeredAt, unix(*x.AnsweredAt)), append(c.unanswered, false)
	} else {
		c.answeredAt, c.unanswered = append(c.answeredAt, 0), append(c.unanswered, true)
	}
	c.endedAt = append(c.endedAt, unix(x.EndedAt))
	c.waitS = append(c.waitS, x.WaitS)
	c.talkS = append(c.talkS, x.TalkS)
	c.holdS = append(c.holdS, x.HoldS)
	c.holdCount = append(c.holdCount, x.HoldCount)
	c.acwS = append(c.acwS, x.AcwS)
	c.abandoned = append(c.abandoned, b2u(x.Abandoned))
	c.transferred = append(c.transferred, b2u(x.Transferred))
	c.resolved = append(c.resolved, boolOrNull(x.Resolved))
	c.sourceUpdatedAt = append(c.sourceUpdatedAt, unix(x.SourceUpdatedAt))
}

func (c *contactCols) add(x *ingest.Contact, m rowMeta) {
	c.push(x)
	c.metaCols.add(m)
}

func (c *contactCols) updated(i int) int64 { return int64(c.sourceUpdatedAt[i]) }

func (c *contactCols) bookedAt(i int) uint32 { return c.startedAt[i] }

// links are row i's contact id and root (initial_contact_id, when set):
// the survey responses naming either, or another leg of the root, are
// attributed through it.
func (c *contactCols) links(i int) (id, root string) {
	return c.text[ccContactID].str(i), c.text[ccInitialContactID].str(i)
}

func (c *contactCols) meta(i int) rowMeta { return c.metaCols.row(i) }

func (c *contactCols) cancel(i int) { c.sign[i] = -1 }

func (c *contactCols) record(i int) ingest.Contact {
	t := &c.text
	x := ingest.Contact{
		Source: t[ccSource].str(i), ContactID: t[ccContactID].str(i), Channel: t[ccChannel].str(i),
		Direction: t[ccDirection].str(i), Queue: t[ccQueue].str(i), Team: t[ccTeam].str(i),
		Site: t[ccSite].str(i), AgentID: t[ccAgentID].str(i), CustomerID: t[ccCustomerID].str(i),
		StartedAt: timeOf(c.startedAt[i]), EndedAt: timeOf(c.endedAt[i]), WaitS: c.waitS[i], TalkS: c.talkS[i],
		HoldS: c.holdS[i], HoldCount: c.holdCount[i], AcwS: c.acwS[i], Abandoned: c.abandoned[i] == 1,
		Transferred: c.transferred[i] == 1, Disposition: t[ccDisposition].str(i),
		InitialContactID: t[ccInitialContactID].str(i), SourceUpdatedAt: timeOf(c.sourceUpdatedAt[i]),
	}
	if !c.unanswered[i] {
		at := timeOf(c.answeredAt[i])
		x.AnsweredAt = &at
	}
	if c.resolved[i] != noU8 {
		b := c.resolved[i] == 1
		x.Resolved = &b
	}
	return x
}

func (c *contactCols) stamp(ingestedAt time.Time, batchID string, version uint64) {
	c.metaCols.stamp(ingestedAt, batchID, version)
}

func (c *contactCols) appendTo(b driver.Batch, from, to int) error {
	e := &c.enc
	defer e.done()
	for i := ccSource; i <= ccCustomerID; i++ {
		if err := c.text[i].appendTo(b, e, i, from, to); err != nil {
			return err
		}
	}
	if err := appendColumns(b, 9, e.timesOf(c.startedAt[from:to])); err != nil {
		return err
	}
	if err := appendColumns(b, 10, e.nullTimes(c.answeredAt[from:to], c.unanswered[from:to])); err != nil {
		return err
	}
	if err := appendColumns(b, 11, e.timesOf(c.endedAt[from:to])); err != nil {
		return err
	}
	err := appendColumns(b, 12, c.waitS[from:to], c.talkS[from:to], c.holdS[from:to],
		c.holdCount[from:to], c.acwS[from:to], c.abandoned[from:to], c.transferred[from:to],
		e.nullU8s(c.resolved[from:to]))
	if err != nil {
		return err
	}
	if err := c.text[ccDisposition].appendTo(b, e, 20, from, to); err != nil {
		return err
	}
	if err := c.text[ccInitialContactID].appendTo(b, e, 21, from, to); err != nil {
		return err
	}
	if err := appendColumns(b, 22, e.timesOf(c.sourceUpdatedAt[from:to])); err != nil {
		return err
	}
	return c.metaCols.appendTo(b, e, 23, from, to)
}

func (c *contactCols) values() []any {
	t := &c.text
	v := []any{t[ccSource].values(), t[ccContactID].values(), t[ccChannel].values(),
		t[ccDirection].values(), t[ccQueue].values(), t[ccTeam].values(), t[ccSite].values(),
		t[ccAgentID].values(), t[ccCustomerID].values(), timesOf(c.startedAt),
		nullTimes(c.answeredAt, c.unanswered), timesOf(c.endedAt), c.waitS, c.talkS, c.holdS,
		c.holdCount, c.acwS, c.abandoned, c.transferred, nullU8s(c.resolved),
		t[ccDisposition].values(), t[ccInitialContactID].values(), timesOf(c.sourceUpdatedAt)}
	return append(v, c.metaCols.values()...)
}

var surveyColumns = []string{
	"source", "response_id", "contact_id", "agent_id", "responded_at", "nps", "csat", "ces",
	"comment", "ingested_at", "batch_id", "sign", "version",
}

func (s *Store) surveysTable() *replacing[ingest.Survey] {
	return &replacing[ingest.Survey]{
		table:   "surveys",
		columns: surveyColumns,
		keyCol:  "response_id",
		locks:   s.surveyLocks,
		newCols: func() rowCols[ingest.Survey] { return &surveyCols{} },
		scan:    func(r driver.Rows, c rowCols[ingest.Survey]) error { return scanSurvey(r, c.(*surveyCols)) },
	}
}

// scanSurvey appends the row rows is on (the columns of surveyColumns)
// to c.
func scanSurvey(rows driver.Rows, c *surveyCols) error {
	var (
		x ingest.Survey
		m rowMeta
	)
	err := rows.Scan(&x.Source, &x.ResponseID, &x.ContactID, &x.AgentID, &x.RespondedAt,
		&x.NPS, &x.CSAT, &x.CES, &x.Comment, &m.ingestedAt, &m.batchID, &m.sign, &m.version)
	if err != nil {
		return err
	}
	c.add(&x, m)
	return nil
}

// surveyCols holds survey rows column by column. Responses carry no
// update time: the later row of a flush and the newer ingest win.
type surveyCols struct {
	source, responseID, contactID, agentID strCol
	respondedAt                            []uint32
	nps, csat, ces                         []uint8
	comment                                strCol
	metaCols
	enc encoder
}

var _ rowCols[ingest.Survey] = (*surveyCols)(nil)

func (c *surveyCols) text() [5]*strCol {
	return [5]*strCol{&c.source, &c.responseID, &c.contactID, &c.agentID, &c.comment}
}

func (c *surveyCols) reset() {
	for _, s := range c.text() {
		s.reset()
	}
	c.respondedAt, c.nps, c.csat, c.ces = c.respondedAt[:0], c.nps[:0], c.csat[:0], c.ces[:0]
	c.metaCols.reset()
}

func (c *surveyCols) rows() int { return len(c.respondedAt) }

// reserve makes room for rows in all (and text at the average row's
// length so far).
func (c *surveyCols) reserve(rows int) {
	for _, s := range c.text() {
		s.reserve(rows)
	}
	c.respondedAt = reserve(c.respondedAt, rows)
	c.nps, c.csat, c.ces = reserve(c.nps, rows), reserve(c.csat, rows), reserve(c.ces, rows)
}

func (c *surveyCols) keyBytes(i int) (source, id []byte) {
	return c.source.at(i), c.responseID.at(i)
}

func (c *surveyCols) push(x *ingest.Survey) {
	c.source.push(x.Source)
	c.responseID.push(x.ResponseID)
	c.contactID.push(x.ContactID)
	c.agentID.push(x.AgentID)
	c.respondedAt = append(c.respondedAt, unix(x.RespondedAt))
	c.nps = append(c.nps, u8OrNull(x.NPS))
	c.csat = append(c.csat, u8OrNull(x.CSAT))
	c.ces = append(c.ces, u8OrNull(x.CES))
	c.comment.push(x.Comment)
}

func (c *surveyCols) add(x *ingest.Survey, m rowMeta) {
	c.push(x)
	c.metaCols.add(m)
}

func (c *surveyCols) updated(i int) int64 { return 0 }

func (c *surveyCols) bookedAt(i int) uint32 { return c.respondedAt[i] }

func (c *surveyCols) meta(i int) rowMeta { return c.metaCols.row(i) }

func (c *surveyCols) cancel(i int) { c.sign[i] = -1 }

func (c *surveyCols) record(i int) ingest.Survey {
	x := ingest.Survey{
		Source: c.source.str(i), ResponseID: c.responseID.str(i), ContactID: c.contactID.str(i),
		AgentID: c.agentID.str(i), RespondedAt: timeOf(c.respondedAt[i]), Comment: c.comment.str(i),
	}
	for _, f := range [...]struct {
		v   uint8
		dst **uint8
	}{{c.nps[i], &x.NPS}, {c.csat[i], &x.CSAT}, {c.ces[i], &x.CES}} {
		if f.v != noU8 {
			v := f.v
			*f.dst = &v
		}
	}
	return x
}

func (c *surveyCols) stamp(ingestedAt time.Time, batchID string, version uint64) {
	c.metaCols.stamp(ingestedAt, batchID, version)
}

func (c *surveyCols) appendTo(b driver.Batch, from, to int) error {
	e := &c.enc
	defer e.done()
	for i, s := range [...]*strCol{&c.source, &c.responseID, &c.contactID, &c.agentID} {
		if err := s.appendTo(b, e, i, from, to); err != nil {
			return err
		}
	}
	if err := appendColumns(b, 4, e.timesOf(c.respondedAt[from:to])); err != nil {
		return err
	}
	for i, v := range [...][]uint8{c.nps[from:to], c.csat[from:to], c.ces[from:to]} {
		if err := appendColumns(b, 5+i, e.nullU8s(v)); err != nil {
			return err
		}
	}
	if err := c.comment.appendTo(b, e, 8, from, to); err != nil {
		return err
	}
	return c.metaCols.appendTo(b, e, 9, from, to)
}

func (c *surveyCols) values() []any {
	v := []any{c.source.values(), c.responseID.values(), c.contactID.values(), c.agentID.values(),
		timesOf(c.respondedAt), nullU8s(c.nps), nullU8s(c.csat), nullU8s(c.ces), c.comment.values()}
	return append(v, c.metaCols.values()...)
}

// The tables below take rows as they come; ReplacingMergeTree keeps the
// highest version of a natural key.

const insertAgents = "INSERT INTO agents (agent_id, name, team, site, supervisor, valid_from, ingested_at, batch_id, version)"

func agentValues(xs []ingest.Agent, m rowMeta) []any {
	n := len(xs)
	id, name, team, site, sup := make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	from := make([]time.Time, n)
	for i, x := range xs {
		id[i], name[i], team[i], site[i], sup[i], from[i] = x.AgentID, x.Name, x.Team, x.Site, x.Supervisor, x.ValidFrom
	}
	return []any{id, name, team, site, sup, from, repeat(m.ingestedAt, n), repeat(m.batchID, n), versionsFrom(m.version, n)}
}

const insertStates = "INSERT INTO agent_states (agent_id, source, state, reason, start, end, ingested_at, batch_id, version)"

func stateValues(xs []ingest.AgentState, m rowMeta) []any {
	n := len(xs)
	id, src, state, reason := make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	start, end := make([]time.Time, n), make([]time.Time, n)
	for i, x := range xs {
		id[i], src[i], state[i], reason[i], start[i], end[i] = x.AgentID, x.Source, x.State, x.Reason, x.Start, x.End
	}
	return []any{id, src, state, reason, start, end, repeat(m.ingestedAt, n), repeat(m.batchID, n), versionsFrom(m.version, n)}
}

const insertSchedules = "INSERT INTO schedules (agent_id, activity, start, end, ingested_at, batch_id, version)"

func scheduleValues(xs []ingest.Schedule, m rowMeta) []any {
	n := len(xs)
	id, act := make([]string, n), make([]string, n)
	start, end := make([]time.Time, n), make([]time.Time, n)
	for i, x := range xs {
		id[i], act[i], start[i], end[i] = x.AgentID, x.Activity, x.Start, x.End
	}
	return []any{id, act, start, end, repeat(m.ingestedAt, n), repeat(m.batchID, n), versionsFrom(m.version, n)}
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
