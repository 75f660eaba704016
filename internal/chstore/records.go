package chstore

import (
	"strings"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/servicecard/servicecard/ingest"
	"github.com/servicecard/servicecard/internal/domain"
)

// Each stored record type is described once, by its table below: the
// columns in order, each with its ClickHouse type and the record field
// it holds. The insert column list, the writer's buffers, the lookup of
// the replacing tables and the exports of contacts and surveys all come
// from it. A new field takes a column here, its migration, and the
// parsers that fill it.

var contactTable = &recordTable[ingest.Contact]{
	name: "contacts",
	cols: []column[ingest.Contact]{
		text("contact_id", func(c *ingest.Contact) *string { return &c.ContactID }),
		text("source", func(c *ingest.Contact) *string { return &c.Source }),
		text("channel", func(c *ingest.Contact) *string { return &c.Channel }),
		text("direction", func(c *ingest.Contact) *string { return &c.Direction }),
		text("queue", func(c *ingest.Contact) *string { return &c.Queue }),
		text("team", func(c *ingest.Contact) *string { return &c.Team }),
		text("site", func(c *ingest.Contact) *string { return &c.Site }),
		text("agent_id", func(c *ingest.Contact) *string { return &c.AgentID }),
		text("customer_id", func(c *ingest.Contact) *string { return &c.CustomerID }),
		dateTime("started_at", func(c *ingest.Contact) *time.Time { return &c.StartedAt }),
		nullDateTime("answered_at", func(c *ingest.Contact) **time.Time { return &c.AnsweredAt }),
		dateTime("ended_at", func(c *ingest.Contact) *time.Time { return &c.EndedAt }),
		uint32s("wait_s", func(c *ingest.Contact) *uint32 { return &c.WaitS }),
		uint32s("talk_s", func(c *ingest.Contact) *uint32 { return &c.TalkS }),
		uint32s("hold_s", func(c *ingest.Contact) *uint32 { return &c.HoldS }),
		uint16s("hold_count", func(c *ingest.Contact) *uint16 { return &c.HoldCount }),
		uint32s("acw_s", func(c *ingest.Contact) *uint32 { return &c.AcwS }),
		flag("abandoned", func(c *ingest.Contact) *bool { return &c.Abandoned }),
		flag("transferred", func(c *ingest.Contact) *bool { return &c.Transferred }),
		nullFlag("resolved", func(c *ingest.Contact) **bool { return &c.Resolved }),
		text("disposition", func(c *ingest.Contact) *string { return &c.Disposition }),
		text("initial_contact_id", func(c *ingest.Contact) *string { return &c.InitialContactID }),
		dateTime("source_updated_at", func(c *ingest.Contact) *time.Time { return &c.SourceUpdatedAt }),
	},
	meta: replacingMeta,
	key:  "contact_id", updated: "source_updated_at", booked: "started_at",
	root: "initial_contact_id",
}

// Responses carry no update time: the later row of a flush and the newer
// ingest win.
var surveyTable = &recordTable[ingest.Survey]{
	name: "surveys",
	cols: []column[ingest.Survey]{
		text("response_id", func(x *ingest.Survey) *string { return &x.ResponseID }),
		text("source", func(x *ingest.Survey) *string { return &x.Source }),
		text("contact_id", func(x *ingest.Survey) *string { return &x.ContactID }),
		text("agent_id", func(x *ingest.Survey) *string { return &x.AgentID }),
		dateTime("responded_at", func(x *ingest.Survey) *time.Time { return &x.RespondedAt }),
		nullUint8("nps", func(x *ingest.Survey) **uint8 { return &x.NPS }),
		nullUint8("csat", func(x *ingest.Survey) **uint8 { return &x.CSAT }),
		nullUint8("ces", func(x *ingest.Survey) **uint8 { return &x.CES }),
		text("comment", func(x *ingest.Survey) *string { return &x.Comment }),
	},
	meta: replacingMeta,
	key:  "response_id", booked: "responded_at",
}

var agentTable = &recordTable[ingest.Agent]{
	name: "agents",
	cols: []column[ingest.Agent]{
		text("agent_id", func(x *ingest.Agent) *string { return &x.AgentID }),
		text("name", func(x *ingest.Agent) *string { return &x.Name }),
		text("team", func(x *ingest.Agent) *string { return &x.Team }),
		text("site", func(x *ingest.Agent) *string { return &x.Site }),
		text("supervisor", func(x *ingest.Agent) *string { return &x.Supervisor }),
		dateTime("valid_from", func(x *ingest.Agent) *time.Time { return &x.ValidFrom }),
	},
	meta: plainMeta,
}

var stateTable = &recordTable[ingest.AgentState]{
	name: "agent_states",
	cols: []column[ingest.AgentState]{
		text("agent_id", func(x *ingest.AgentState) *string { return &x.AgentID }),
		text("source", func(x *ingest.AgentState) *string { return &x.Source }),
		text("state", func(x *ingest.AgentState) *string { return &x.State }),
		text("reason", func(x *ingest.AgentState) *string { return &x.Reason }),
		dateTime("start", func(x *ingest.AgentState) *time.Time { return &x.Start }),
		dateTime("end", func(x *ingest.AgentState) *time.Time { return &x.End }),
	},
	meta: plainMeta,
}

var scheduleTable = &recordTable[ingest.Schedule]{
	name: "schedules",
	cols: []column[ingest.Schedule]{
		text("agent_id", func(x *ingest.Schedule) *string { return &x.AgentID }),
		text("activity", func(x *ingest.Schedule) *string { return &x.Activity }),
		dateTime("start", func(x *ingest.Schedule) *time.Time { return &x.Start }),
		dateTime("end", func(x *ingest.Schedule) *time.Time { return &x.End }),
	},
	meta: plainMeta,
}

var queueTable = &recordTable[ingest.QueueOwner]{
	name: "queues",
	cols: []column[ingest.QueueOwner]{
		text("queue", func(x *ingest.QueueOwner) *string { return &x.Queue }),
		text("team", func(x *ingest.QueueOwner) *string { return &x.Team }),
		text("site", func(x *ingest.QueueOwner) *string { return &x.Site }),
		date("valid_from", func(x *ingest.QueueOwner) *time.Time { return &x.ValidFrom }),
	},
	meta: plainMeta,
}

// The columns the store adds after a record's: replacingMeta to the
// replacing tables (metaCols), plainMeta to the others (the highest
// version of a key wins).
var (
	replacingMeta = []string{"ingested_at", "batch_id", "sign", "version"}
	plainMeta     = []string{"ingested_at", "batch_id", "version"}
)

// recordTable describes the table of record type R.
type recordTable[R any] struct {
	name string
	cols []column[R] // the record's columns, in insert order
	meta []string    // then these
	// Of a replacing table: the id column of the key (with source), the
	// update time of a row ("": none, see rowCols.updated), the time it
	// is booked to, and the column naming a contact's root ("": none).
	key, updated, booked, root string
}

// columnNames lists every column of an insert or lookup: the record's,
// then the meta.
func (t *recordTable[R]) columnNames() []string {
	names := make([]string, 0, len(t.cols)+len(t.meta))
	for _, c := range t.cols {
		names = append(names, c.name)
	}
	return append(names, t.meta...)
}

func (t *recordTable[R]) insertSQL() string {
	return "INSERT INTO " + t.name + " (" + strings.Join(t.columnNames(), ", ") + ")"
}

// exportColumns are the record's columns with their export types, then
// ingested_at and batch_id.
func (t *recordTable[R]) exportColumns() []domain.Column {
	cols := make([]domain.Column, 0, len(t.cols)+2)
	for _, c := range t.cols {
		cols = append(cols, domain.Column{Name: c.name, Type: c.export})
	}
	return append(cols, domain.Column{Name: "ingested_at", Type: domain.TypeTime},
		domain.Column{Name: "batch_id", Type: domain.TypeString})
}

// newCols returns empty buffers of the table's rows.
func (t *recordTable[R]) newCols() *recordCols[R] {
	c := &recordCols[R]{t: t, bufs: make([]colBuf[R], len(t.cols))}
	for i, col := range t.cols {
		c.bufs[i] = col.newBuf()
	}
	if t.key != "" {
		c.source, c.id = c.text("source"), c.text(t.key)
		c.booked = c.times(t.booked)
		if t.updated != "" {
			c.updatedAt = c.times(t.updated)
		}
		if t.root != "" {
			c.root = c.text(t.root)
		}
	}
	return c
}

// plainValues are the insert values of xs into a table with plainMeta:
// every row gets m's ingested_at and batch_id, and versions from
// m.version on.
func (t *recordTable[R]) plainValues(xs []R, m rowMeta) []any {
	c := t.newCols()
	for i := range xs {
		c.push(&xs[i])
	}
	v := c.recordValues()
	n := len(xs)
	return append(v, repeat(m.ingestedAt, n), repeat(m.batchID, n), versionsFrom(m.version, n))
}

// recordCols holds rows of a record table column by column (see
// rowCols).
type recordCols[R any] struct {
	t    *recordTable[R]
	bufs []colBuf[R]
	n    int // rows
	room int // rows reserved
	// Of a replacing table: the key, time and link columns.
	source, id, root  *strCol
	booked, updatedAt *timeCol[R]
	metaCols
	enc  encoder
	row  R     // the record push is at
	dest []any // a lookup's scan destinations
}

var _ rowCols[ingest.Contact] = (*recordCols[ingest.Contact])(nil)

// text is the String column name.
func (c *recordCols[R]) text(name string) *strCol {
	return &c.bufs[c.index(name)].(*textCol[R]).strCol
}

// times is the DateTime column name.
func (c *recordCols[R]) times(name string) *timeCol[R] {
	return c.bufs[c.index(name)].(*timeCol[R])
}

func (c *recordCols[R]) index(name string) int {
	for i, col := range c.t.cols {
		if col.name == name {
			return i
		}
	}
	panic("chstore: no column " + name + " in " + c.t.name)
}

func (c *recordCols[R]) reset() {
	for _, b := range c.bufs {
		b.reset()
	}
	c.n = 0
	c.metaCols.reset()
}

func (c *recordCols[R]) rows() int { return c.n }

// full reports whether the rows fill what was reserved.
func (c *recordCols[R]) full() bool { return c.n >= c.room }

// reserve makes room for rows in all (and text at the average row's
// length so far).
func (c *recordCols[R]) reserve(rows int) {
	for _, b := range c.bufs {
		b.reserve(rows)
	}
	c.room = max(c.room, rows)
}

func (c *recordCols[R]) keyBytes(i int) (source, id []byte) {
	return c.source.at(i), c.id.at(i)
}

// push appends r without its meta and returns the bytes of its text.
func (c *recordCols[R]) push(r *R) int {
	// The columns read a copy kept in c: a pointer passed to them escapes,
	// and a writer's record would be allocated on the heap row by row.
	c.row = *r
	text := 0
	for _, b := range c.bufs {
		text += b.push(&c.row)
	}
	c.n++
	return text
}

func (c *recordCols[R]) add(r *R, m rowMeta) {
	c.push(r)
	c.metaCols.add(m)
}

func (c *recordCols[R]) updated(i int) int64 {
	if c.updatedAt == nil {
		return 0
	}
	return int64(c.updatedAt.v[i])
}

func (c *recordCols[R]) bookedAt(i int) uint32 { return c.booked.v[i] }

// links are row i's contact id and root (when set), ok when the table
// links contacts: the survey responses naming either, or another leg of
// the root, are attributed through it.
func (c *recordCols[R]) links(i int) (id, root string, ok bool) {
	if c.root == nil {
		return "", "", false
	}
	return c.id.str(i), c.root.str(i), true
}

func (c *recordCols[R]) meta(i int) rowMeta { return c.metaCols.row(i) }

func (c *recordCols[R]) cancel(i int) { c.sign[i] = -1 }

func (c *recordCols[R]) record(i int) R {
	var x R
	for _, b := range c.bufs {
		b.load(&x, i)
	}
	return x
}

func (c *recordCols[R]) stamp(ingestedAt time.Time, batchID string, version uint64) {
	c.metaCols.stamp(ingestedAt, batchID, version)
}

func (c *recordCols[R]) appendTo(b driver.Batch, from, to int) error {
	e := &c.enc
	defer e.done()
	for i, buf := range c.bufs {
		if err := buf.appendTo(b, e, i, from, to); err != nil {
			return err
		}
	}
	return c.metaCols.appendTo(b, e, len(c.bufs), from, to)
}

// recordValues returns every row's record columns, one slice per column.
func (c *recordCols[R]) recordValues() []any {
	v := make([]any, 0, len(c.bufs)+len(c.t.meta))
	for _, b := range c.bufs {
		v = append(v, b.values())
	}
	return v
}

func (c *recordCols[R]) values() []any {
	return append(c.recordValues(), c.metaCols.values()...)
}

// scan appends the row rows is on (the columns of columnNames) to c.
func (c *recordCols[R]) scan(rows driver.Rows) error {
	var (
		x R
		m rowMeta
	)
	dest := c.dest[:0]
	for _, b := range c.bufs {
		dest = append(dest, b.dest(&x))
	}
	dest = append(dest, &m.ingestedAt, &m.batchID, &m.sign, &m.version)
	c.dest = dest
	defer clear(dest)
	if err := rows.Scan(dest...); err != nil {
		return err
	}
	for _, b := range c.bufs {
		b.scanned(&x)
	}
	c.add(&x, m)
	return nil
}
