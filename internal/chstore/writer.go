package chstore

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/servicecard/servicecard/ingest"
)

// Writer is the ingest.Writer of one batch. It buffers rows per table
// and flushes them when FlushRows (or FlushBytes) are waiting or
// FlushInterval has passed, whichever comes first. A flush runs in the
// background while the next buffer fills (one flush at a time, so each
// flush sees the rows of the previous one); a database error of a flush
// is returned by the next call and by Close, and fails the writer. Bad
// rows are never errors: they are stored as rejects.
type Writer struct {
	st        *Store
	batch     ingest.Batch
	ctx       context.Context // the Begin context, for flushes
	startedAt time.Time

	mu         sync.Mutex
	buf        *buffers // being filled
	spare      *buffers // the other buffer; nil while a flush holds it
	inflight   chan flushResult
	roster     roster // loaded once per batch
	cscratch   []laneScratch[ingest.Contact]
	sscratch   []laneScratch[ingest.Survey]
	lastFlush  time.Time
	err        error // sticky: the first database error
	closed     bool
	ok         int64
	rejected   int64
	superseded int64

	stop chan struct{}
	done chan struct{}

	marked markedDays // the UTC days the batch's flushes marked dirty
}

// markedDays are the UTC days a batch's flushes marked dirty (all: a
// roster flush marked every day): Close refreshes those.
type markedDays struct {
	mu   sync.Mutex
	days []dayNum
	all  bool
}

func (m *markedDays) add(days []dayNum, all bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.days = append(m.days, days...)
	m.all = m.all || all
}

// only is the days for refreshFacts: nil when every day was marked.
func (m *markedDays) only() []dayNum {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.all {
		return nil
	}
	return append([]dayNum{}, m.days...)
}

// buffers hold the rows of one flush; contacts and surveys by lane.
type buffers struct {
	contacts  []*recordCols[ingest.Contact]
	surveys   []*recordCols[ingest.Survey]
	agents    []ingest.Agent
	states    []ingest.AgentState
	schedules []ingest.Schedule
	queues    []ingest.QueueOwner
	rejects   []ingest.Reject
	n         int // rows
	bytes     int // about what the rows take
}

// Row sizes for buffers.bytes: the fixed part of a buffered row (its
// numbers, offsets and meta), to which its text adds its length.
const (
	contactRowBytes = 160
	surveyRowBytes  = 96
	otherRowBytes   = 160
)

func newBuffers(lanes int) *buffers {
	b := &buffers{contacts: make([]*recordCols[ingest.Contact], lanes), surveys: make([]*recordCols[ingest.Survey], lanes)}
	for i := range lanes {
		b.contacts[i], b.surveys[i] = contactTable.newCols(), surveyTable.newCols()
	}
	return b
}

func (b *buffers) reset() {
	for i := range b.contacts {
		b.contacts[i].reset()
		b.surveys[i].reset()
	}
	// clear drops the strings the rows point to, then keep the capacity.
	clear(b.agents)
	clear(b.states)
	clear(b.schedules)
	clear(b.rejects)
	clear(b.queues)
	b.queues = b.queues[:0]
	b.agents, b.states, b.schedules, b.rejects = b.agents[:0], b.states[:0], b.schedules[:0], b.rejects[:0]
	b.n, b.bytes = 0, 0
}

type flushResult struct {
	buf        *buffers
	superseded int64
	err        error
}

var _ ingest.Store = (*Store)(nil)

// Begin records a running batch and returns its writer (a *Writer). A
// batch without an ID gets a new one. Loading the same batch ID again (a
// retry) replaces the batch's row and rejects. For contact batches the
// roster is loaded here, once, to fill in team and site.
func (s *Store) Begin(ctx context.Context, b ingest.Batch) (ingest.Writer, error) {
	if b.ID == "" {
		b.ID = NewBatchID()
	}
	w := &Writer{
		st:        s,
		batch:     b,
		ctx:       ctx,
		startedAt: time.Now().UTC().Truncate(time.Second),
		buf:       newBuffers(s.lanes.n),
		spare:     newBuffers(s.lanes.n),
		cscratch:  make([]laneScratch[ingest.Contact], s.lanes.n),
		sscratch:  make([]laneScratch[ingest.Survey], s.lanes.n),
		lastFlush: time.Now(),
		stop:      make(chan struct{}),
		done:      make(chan struct{}),
	}
	if b.Kind == ingest.KindContacts {
		r, err := s.loadRoster(ctx)
		if err != nil {
			return nil, err
		}
		w.roster = r
	}
	if err := w.writeBatchRow(ctx, "running", nil, nil); err != nil {
		return nil, err
	}
	go w.loop()
	return w, nil
}

// NewBatchID returns a new unique batch ID: the UTC time and 8 random
// bytes.
func NewBatchID() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return time.Now().UTC().Format("20060102T150405Z") + "-" + hex.EncodeToString(b[:])
}

// ID is the batch's ID.
func (w *Writer) ID() string { return w.batch.ID }

// Superseded is how many rows of the finished flushes were not stored
// because a stored row or a later row of the batch with the same key is
// newer. After Close it covers the whole batch.
func (w *Writer) Superseded() int64 {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.superseded
}

// loop starts a flush when rows waited FlushInterval since the last one.
func (w *Writer) loop() {
	defer close(w.done)
	iv := w.st.opt.FlushInterval
	t := time.NewTicker(max(iv/4, 10*time.Millisecond))
	defer t.Stop()
	for {
		select {
		case <-w.stop:
			return
		case <-t.C:
			w.mu.Lock()
			busy := false
			if w.inflight != nil {
				select {
				case r := <-w.inflight:
					w.collectLocked(r)
				default:
					busy = true // never wait here: a full buffer will
				}
			}
			if !busy && w.err == nil && w.buf.n > 0 && time.Since(w.lastFlush) >= iv {
				_ = w.startFlushLocked() // an error is sticky in w.err
			}
			w.mu.Unlock()
		}
	}
}

// add runs under the lock: it checks the writer's state, lets put buffer
// the row, then starts a flush when the buffer is full.
func (w *Writer) add(put func(b *buffers) error) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return ErrClosed
	}
	if w.err != nil {
		return w.err
	}
	if err := put(w.buf); err != nil {
		w.err = err
		return err
	}
	w.buf.n++
	if w.buf.n >= w.st.opt.FlushRows || w.buf.bytes >= w.st.opt.FlushBytes {
		return w.startFlushLocked()
	}
	return nil
}

// startFlushLocked waits for the running flush, then hands the filled
// buffer to a new background flush. w.mu is held; emitters wait while a
// flush is outstanding and the next buffer is full, which bounds memory.
func (w *Writer) startFlushLocked() error {
	if err := w.waitLocked(); err != nil {
		return err
	}
	if w.buf.n == 0 {
		return nil
	}
	b := w.buf
	w.buf, w.spare = w.spare, nil
	ch := make(chan flushResult, 1)
	w.inflight = ch
	w.lastFlush = time.Now()
	go func() {
		n, err := w.write(w.ctx, b)
		ch <- flushResult{buf: b, superseded: n, err: err}
	}()
	return nil
}

// waitLocked waits for the running flush, if any, and returns the
// writer's error.
func (w *Writer) waitLocked() error {
	if w.inflight != nil {
		w.collectLocked(<-w.inflight)
	}
	return w.err
}

// collectLocked takes in the result of the finished flush.
func (w *Writer) collectLocked(r flushResult) {
	w.inflight = nil
	r.buf.reset()
	w.spare = r.buf
	w.superseded += r.superseded
	if r.err != nil && w.err == nil {
		w.err = r.err
	}
}

// Flush writes every buffered row before it returns.
func (w *Writer) Flush(ctx context.Context) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.flushLocked(ctx)
}

// flushLocked waits for the running flush and writes the current buffer
// in the caller's goroutine.
func (w *Writer) flushLocked(ctx context.Context) error {
	if err := w.waitLocked(); err != nil {
		return err
	}
	if w.buf.n == 0 {
		return nil
	}
	n, err := w.write(ctx, w.buf)
	w.superseded += n
	if err != nil {
		w.err = err
		return err
	}
	w.buf.reset()
	w.lastFlush = time.Now()
	return nil
}

// write stores one buffer. Only one write runs at a time per writer (it
// uses the writer's lane scratch); the store's lane locks order it
// against other writers.
func (w *Writer) write(ctx context.Context, b *buffers) (superseded int64, err error) {
	now := time.Now().UTC().Truncate(time.Second)
	meta := rowMeta{ingestedAt: now, batchID: w.batch.ID}
	// Keys first: the analyst database's views join them as rows land.
	if err := w.st.ensureAgentKeys(ctx, b.agentIDs()); err != nil {
		return 0, err
	}
	// Facts marks (facts.go): the days of the rows are marked dirty before
	// they are inserted and again after.
	acc := newTouched()
	acc.roster = len(b.agents) > 0
	if acc.roster {
		if err := w.st.MarkAllDirty(ctx); err != nil {
			return 0, err
		}
	}
	if err := acc.beforeDays(ctx, w.st, b.timeDays()); err != nil {
		return 0, err
	}
	n, err := writeLanes(ctx, w.st, w.st.contactsTable(), b.contacts, w.cscratch, acc, now, w.batch.ID)
	superseded += n
	if err != nil {
		return superseded, err
	}
	n, err = writeLanes(ctx, w.st, w.st.surveysTable(), b.surveys, w.sscratch, acc, now, w.batch.ID)
	superseded += n
	if err != nil {
		return superseded, err
	}
	if err := writePlain(ctx, w.st, agentTable, b.agents, meta); err != nil {
		return superseded, err
	}
	if err := writePlain(ctx, w.st, stateTable, b.states, meta); err != nil {
		return superseded, err
	}
	if err := writePlain(ctx, w.st, scheduleTable, b.schedules, meta); err != nil {
		return superseded, err
	}
	if err := writePlain(ctx, w.st, queueTable, b.queues, meta); err != nil {
		return superseded, err
	}
	if len(b.rejects) > 0 {
		if err := w.st.insertColumns(ctx, insertRejects, rejectValues(b.rejects, w.batch.File, meta)); err != nil {
			return superseded, fmt.Errorf("chstore: write ingest_rejects: %w", err)
		}
	}
	days, err := acc.after(ctx, w.st)
	w.marked.add(days, acc.roster)
	return superseded, err
}

// writePlain stores the rows xs of a table with plainMeta, with m's
// ingested_at and batch_id and fresh versions.
func writePlain[R any](ctx context.Context, s *Store, t *recordTable[R], xs []R, m rowMeta) error {
	if len(xs) == 0 {
		return nil
	}
	m.version = s.versions(len(xs))
	if err := s.insertColumns(ctx, t.insertSQL(), t.plainValues(xs, m)); err != nil {
		return fmt.Errorf("chstore: write %s: %w", t.name, err)
	}
	return nil
}

// timeDays are the UTC days of the buffer's agent states and schedules.
func (b *buffers) timeDays() []dayNum {
	var days []dayNum
	seen := map[dayNum]bool{}
	note := func(t time.Time) {
		if d := dayNum(t.Unix() / dayS); !seen[d] {
			seen[d] = true
			days = append(days, d)
		}
	}
	for _, x := range b.states {
		note(x.Start)
	}
	for _, x := range b.schedules {
		note(x.Start)
	}
	return days
}

// writeLanes writes the lanes of one replacing table in parallel and
// returns how many rows were superseded.
func writeLanes[R any, C rowCols[R]](ctx context.Context, s *Store, t *replacing[R], lanes []C, scratch []laneScratch[R], acc *touched, ingestedAt time.Time, batchID string) (int64, error) {
	var (
		g          errgroup.Group
		superseded atomic.Int64
	)
	for i, in := range lanes {
		if in.rows() == 0 {
			continue
		}
		g.Go(func() error {
			n, err := t.write(ctx, s, i, in, &scratch[i], acc, ingestedAt, batchID)
			superseded.Add(int64(n))
			return err
		})
	}
	err := g.Wait()
	return superseded.Load(), err
}

// Contact buffers a contact leg; a missing team or site is filled from
// the roster entry of its agent valid when the contact started.
func (w *Writer) Contact(c ingest.Contact) error {
	c.SourceUpdatedAt = c.SourceUpdatedAt.Truncate(time.Second)
	return w.add(func(b *buffers) error {
		if c.AgentID != "" && (c.Team == "" || c.Site == "") {
			if w.roster == nil {
				// A batch of another kind with contacts: load on first use.
				r, err := w.st.loadRoster(w.ctx)
				if err != nil {
					return err
				}
				w.roster = r
			}
			if team, site, ok := w.roster.at(c.AgentID, c.StartedAt); ok {
				if c.Team == "" {
					c.Team = team
				}
				if c.Site == "" {
					c.Site = site
				}
			}
		}
		cols := b.contacts[w.st.lanes.of(rowKey{c.Source, c.ContactID})]
		if cols.full() {
			cols.reserve(w.room(cols.rows()))
		}
		b.bytes += contactRowBytes + cols.push(&c)
		w.ok++
		return nil
	})
}

// room is the rows a full lane buffer of n rows grows to: twice as many,
// up to its share of a flush (and an eighth for the lanes' imbalance),
// then by a quarter.
func (w *Writer) room(n int) int {
	share := w.st.opt.FlushRows/w.st.lanes.n + w.st.opt.FlushRows/w.st.lanes.n/8
	switch {
	case n < 1024:
		return 1024
	case n < share:
		return min(2*n, share)
	}
	return n + n/4
}

// Survey buffers a survey response.
func (w *Writer) Survey(x ingest.Survey) error {
	return w.add(func(b *buffers) error {
		cols := b.surveys[w.st.lanes.of(rowKey{x.Source, x.ResponseID})]
		if cols.full() {
			cols.reserve(w.room(cols.rows()))
		}
		b.bytes += surveyRowBytes + cols.push(&x)
		w.ok++
		return nil
	})
}

// Agent buffers a roster row. Contacts of the same batch do not see it:
// the roster is read when the batch begins.
func (w *Writer) Agent(x ingest.Agent) error {
	return w.add(func(b *buffers) error {
		b.agents = append(b.agents, x)
		b.bytes += otherRowBytes + len(x.Name) + len(x.Team) + len(x.Site) + len(x.Supervisor)
		w.ok++
		return nil
	})
}

// State buffers an agent state interval.
func (w *Writer) State(x ingest.AgentState) error {
	return w.add(func(b *buffers) error {
		b.states = append(b.states, x)
		b.bytes += otherRowBytes + len(x.Reason)
		w.ok++
		return nil
	})
}

// Schedule buffers a planned activity interval.
func (w *Writer) Schedule(x ingest.Schedule) error {
	return w.add(func(b *buffers) error {
		b.schedules = append(b.schedules, x)
		b.bytes += otherRowBytes
		w.ok++
		return nil
	})
}

// Reject buffers a rejected row for ingest_rejects.
func (w *Writer) Reject(x ingest.Reject) error {
	return w.add(func(b *buffers) error {
		b.rejects = append(b.rejects, x)
		b.bytes += otherRowBytes + len(x.Raw) + len(x.Field) + len(x.Reason)
		w.rejected++
		return nil
	})
}

// Close flushes what is buffered and records the batch's outcome from s
// (nil: from the writer's own counts). A flush error marks the batch
// failed and is returned.
func (w *Writer) Close(ctx context.Context, s *ingest.Summary) error {
	w.mu.Lock()
	if w.closed {
		w.mu.Unlock()
		return ErrClosed
	}
	w.closed = true
	w.mu.Unlock()
	close(w.stop)
	<-w.done

	w.mu.Lock()
	defer w.mu.Unlock()
	err := w.flushLocked(ctx)
	if berr := w.writeBatchRow(ctx, "", s, err); berr != nil {
		return errors.Join(err, berr)
	}
	if err == nil && w.ok > 0 {
		// The batch's rows reach the facts before Close returns, unless
		// more than loadRefreshDays of the days it marked are stale (a
		// backfill: serve refreshes them in the background). A failed refresh loses
		// nothing: the days stay marked dirty and the next refresh (any
		// load's, or serve's) computes them.
		_, skipped, rerr := w.st.refreshFacts(ctx, 0, loadRefreshDays, w.marked.only())
		switch {
		case rerr != nil:
			w.st.log.Warn("facts refresh after load failed; serve or the next load repairs it",
				"batch", w.batch.ID, "err", rerr)
		case skipped > 0:
			w.st.log.Info("facts of the load's days left to serve's refresh (or servicecard facts refresh)",
				"batch", w.batch.ID, "stale_days", skipped)
		}
	}
	return err
}

// writeBatchRow records the batch: status running at Begin, the outcome
// at Close (status from s, failed when flushErr is set).
func (w *Writer) writeBatchRow(ctx context.Context, status string, s *ingest.Summary, flushErr error) error {
	var (
		ok, rejected, bytes uint64
		finished            *time.Time
		duration            uint64
		errText             string
	)
	if status == "" {
		status = "done"
		ok, rejected = uint64(w.ok), uint64(w.rejected)
		if s != nil {
			if s.Status != "" {
				status = s.Status
			}
			errText = s.Error
			ok, rejected, bytes = uint64(max(s.RowsOK, 0)), uint64(max(s.RowsRejected, 0)), uint64(max(s.Bytes, 0))
		}
		if flushErr != nil {
			status, errText = "failed", flushErr.Error()
		}
		now := time.Now().UTC()
		finished = &now
		duration = uint64(now.Sub(w.startedAt).Milliseconds())
		if s != nil && s.Duration > 0 {
			duration = uint64(s.Duration.Milliseconds())
		}
	}
	b := w.batch
	values := []any{
		[]string{b.ID}, []string{b.Source}, []string{string(b.Kind)}, []string{string(b.Format)},
		[]string{b.File}, []string{status}, []uint64{ok}, []uint64{rejected},
		[]uint64{uint64(w.superseded)}, []uint64{bytes}, []time.Time{w.startedAt},
		[]*time.Time{finished}, []uint64{duration}, []string{errText},
		[]uint64{w.st.versions(1)},
	}
	if err := w.st.insertColumns(ctx, insertBatch, values); err != nil {
		return fmt.Errorf("chstore: record batch %s: %w", b.ID, err)
	}
	return nil
}
