package chstore

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"hash/maphash"
	"iter"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"
	"github.com/ClickHouse/clickhouse-go/v2/ext"
	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/servicecard/servicecard/ingest"
)

// This file is the read-before-write of the replacing tables (contacts,
// surveys); the package comment explains the design.

// rowKey identifies a record within its table: (source, contact_id) or
// (source, response_id).
type rowKey struct{ source, id string }

// rowMeta is what the store adds to a record.
type rowMeta struct {
	ingestedAt time.Time
	batchID    string
	sign       int8
	version    uint64
}

// storedRow is a row read back from a replacing table.
type storedRow[R any] struct {
	rec  R
	meta rowMeta
}

// storedRows are the rows a lookup read back: every stored row of the
// keys (cancel rows included), and the live ones (net weight +1; normally
// one per key) by the hash of their key.
type storedRows[R any] struct {
	rows rowCols[R]
	live map[uint64][]int32
	hash maphash.Hash
}

// liveOf returns the live stored rows of row i of c.
func (st *storedRows[R]) liveOf(c rowCols[R], i int) []int32 {
	js := st.live[hashKey(&st.hash, c, i)]
	for _, j := range js {
		if !sameKey(c, i, st.rows, int(j)) {
			// Another key with the same hash: keep the rows of this one.
			var own []int32
			for _, j := range js {
				if sameKey(c, i, st.rows, int(j)) {
					own = append(own, j)
				}
			}
			return own
		}
	}
	return js
}

// keyList is keys as views of buffers.
type keyList struct{ source, id [][]byte }

func (k *keyList) add(source, id []byte) {
	k.source, k.id = append(k.source, source), append(k.id, id)
}

func (k *keyList) len() int { return len(k.id) }

// all yields the keys.
func (k *keyList) all(yield func(source, id []byte) bool) {
	for i := range k.id {
		if !yield(k.source[i], k.id[i]) {
			return
		}
	}
}

func (k *keyList) reset() {
	clear(k.source)
	clear(k.id)
	k.source, k.id = k.source[:0], k.id[:0]
}

// lanes maps keys to the lanes of a store: a key always lands in the same
// lane, so the flushes of one lane never race each other's
// read-before-write, while the lanes of a table flush in parallel.
type lanes struct {
	seed maphash.Seed
	n    int
}

func (l lanes) of(k rowKey) int {
	if l.n == 1 {
		return 0
	}
	return int(maphash.Comparable(l.seed, k) % uint64(l.n))
}

// replacing is one replacing table and the locks of its lanes.
type replacing[R any] struct {
	*recordTable[R]
	locks []sync.Mutex
}

func (s *Store) contactsTable() *replacing[ingest.Contact] {
	return &replacing[ingest.Contact]{contactTable, s.contactLocks}
}

func (s *Store) surveysTable() *replacing[ingest.Survey] {
	return &replacing[ingest.Survey]{surveyTable, s.surveyLocks}
}

// lookupSQL reads every stored row (cancel rows included) of the keys
// sent in the external table lookup_keys. PREWHERE reads only the key
// columns of the rows that do not match, so looking up new keys is cheap.
func (t *replacing[R]) lookupSQL(global bool) string {
	in := " IN "
	if global {
		// On a cluster the keys (an external table of this query) must be
		// shipped to the shards: a plain IN would read each shard's own
		// empty lookup_keys.
		in = " GLOBAL IN "
	}
	return "SELECT " + strings.Join(t.columnNames(), ", ") + " FROM " + t.name +
		" PREWHERE (source, " + t.key + ")" + in + "(SELECT source, id FROM lookup_keys)"
}

// laneScratch is what one lane of a writer reuses from flush to flush.
type laneScratch[R any] struct {
	win     []bool           // win[i]: row i is the latest of its key in the flush
	keys    keyList          // keys of one lookup
	byHash  map[uint64]int32 // dedupe: key hash -> latest row
	hash    maphash.Hash
	stored  storedRows[R] // what one lookup read
	cancels []bool        // cancels[j]: stored row j is cancelled
}

// lookupChunk is how many keys one lookup sends: the rows it reads back
// (every stored row of the keys, to cancel the live ones) stay few.
const lookupChunk = 32768

// write stores the rows of one lane (in arrival order) into t, replacing
// what they supersede, and returns how many were superseded (by a stored
// row or by a later row of the lane with the same key). It holds the
// lane's lock from the lookup to the end of the insert, and sends the
// lane's rows and cancel rows as one INSERT. in is left stamped: the
// caller resets it.
func (t *replacing[R]) write(ctx context.Context, s *Store, lane int, in rowCols[R], sc *laneScratch[R], acc *touched, ingestedAt time.Time, batchID string) (superseded int, err error) {
	t.locks[lane].Lock()
	defer t.locks[lane].Unlock()
	unlock, err := s.zkLock.lock(ctx)
	if err != nil {
		return 0, err
	}
	defer unlock()
	ctx = s.writeContext(ctx)

	start := time.Now()
	n := in.rows()
	sc.hash.SetSeed(s.lanes.seed)
	superseded = sc.dedupe(in)
	win := sc.win
	in.stamp(ingestedAt, batchID, s.versions(n))
	out := sender{st: s, insert: t.insertSQL()}
	defer out.close()

	// A probe of the flush's key span first: new keys past the stored
	// ones (a first load) need no lookup at all.
	hit, err := t.probe(ctx, s, func(yield func(source, id []byte) bool) {
		for i := range n {
			if win[i] && !yield(in.keyBytes(i)) {
				return
			}
		}
	})
	if err != nil {
		return 0, err
	}
	keys := &sc.keys
	defer keys.reset()
	stored := &sc.stored
	if stored.rows == nil {
		stored.rows = t.newCols()
		stored.hash.SetSeed(s.lanes.seed)
	}
	written, existing := 0, 0
	for from := 0; from < n; {
		to := n
		stored.rows.reset()
		clear(stored.live)
		if hit {
			// Look the keys up a chunk at a time, and send the chunk's rows
			// and cancel rows before the next: memory stays bounded when
			// every key is stored (a file loaded again).
			keys.reset()
			for to = from; to < n && keys.len() < lookupChunk; to++ {
				if win[to] {
					keys.add(in.keyBytes(to))
				}
			}
			if err := t.lookupKeys(ctx, s, keys, stored); err != nil {
				return 0, err
			}
			existing += stored.rows.rows()
		}
		cancels := slices.Grow(sc.cancels[:0], stored.rows.rows())[:stored.rows.rows()]
		clear(cancels)
		sc.cancels = cancels
		for i := from; len(stored.live) > 0 && i < to; i++ {
			if !win[i] {
				continue
			}
			old := stored.liveOf(in, i)
			for _, j := range old {
				if in.updated(i) < stored.rows.updated(int(j)) {
					win[i] = false
					superseded++
					break
				}
			}
			if !win[i] {
				continue
			}
			for _, j := range old {
				stored.rows.cancel(int(j))
				cancels[j] = true
			}
		}
		// The rows that won and the cancel rows, in runs, their days
		// marked dirty first (facts.go).
		if err := acc.before(ctx, s, in, win, from, to); err != nil {
			return 0, err
		}
		if err := acc.before(ctx, s, stored.rows, cancels, 0, len(cancels)); err != nil {
			return 0, err
		}
		for _, set := range []struct {
			rows     rowCols[R]
			send     []bool
			from, to int
		}{{in, win, from, to}, {stored.rows, cancels, 0, len(cancels)}} {
			for i := set.from; i < set.to; {
				if !set.send[i] {
					i++
					continue
				}
				j := i + 1
				for j < set.to && set.send[j] {
					j++
				}
				if err := out.send(ctx, set.rows, i, j); err != nil {
					return 0, fmt.Errorf("chstore: write %s: %w", t.name, err)
				}
				written += j - i
				i = j
			}
		}
		from = to
	}
	if err := out.finish(); err != nil {
		return 0, fmt.Errorf("chstore: write %s: %w", t.name, err)
	}
	s.log.Debug("flushed", "table", t.name, "lane", lane, "rows", written, "existing", existing,
		"duration", time.Since(start))
	return superseded, nil
}

// sender streams rows into one INSERT, opened with the first row, in
// blocks of about sendChunk rows.
type sender struct {
	st      *Store
	insert  string
	b       driver.Batch
	pending int // rows appended since the last block went out
}

// send appends rows [from, to) of c.
func (o *sender) send(ctx context.Context, c interface {
	appendTo(driver.Batch, int, int) error
}, from, to int) error {
	for from < to {
		if o.b == nil {
			b, err := o.st.conn.PrepareBatch(ctx, o.insert)
			if err != nil {
				return err
			}
			o.b = b
		}
		end := min(to, from+sendChunk-o.pending)
		if err := c.appendTo(o.b, from, end); err != nil {
			return err
		}
		o.pending += end - from
		from = end
		if o.pending >= sendChunk {
			if err := o.b.Flush(); err != nil {
				return err
			}
			o.pending = 0
		}
	}
	return nil
}

// finish ends the INSERT (if any row was sent).
func (o *sender) finish() error {
	if o.b == nil {
		return nil
	}
	err := o.b.Send()
	o.b = nil
	return err
}

// close abandons an INSERT that was not finished.
func (o *sender) close() {
	if o.b != nil {
		_ = o.b.Abort()
	}
}

// dedupe sets sc.win to the latest row of each key in (the later of two
// rows with the same key wins unless it is older, see rowCols.updated)
// and returns how many rows lost. Rows in increasing key order (a file
// sorted by id) cannot repeat a key and skip the hashing. sc.hash must be
// seeded.
func (sc *laneScratch[R]) dedupe(in rowCols[R]) (losers int) {
	n := in.rows()
	sc.win = slices.Grow(sc.win[:0], n)[:n]
	win := sc.win
	sorted := true
	for i := 1; i < n && sorted; i++ {
		as, ai := in.keyBytes(i - 1)
		bs, bi := in.keyBytes(i)
		if c := bytes.Compare(as, bs); c != 0 {
			sorted = c < 0
		} else {
			sorted = bytes.Compare(ai, bi) < 0
		}
	}
	if sorted {
		for i := range win {
			win[i] = true
		}
		return 0
	}
	if sc.byHash == nil {
		sc.byHash = make(map[uint64]int32, n)
	}
	defer clear(sc.byHash)
	for i := range n {
		h := hashKey(&sc.hash, in, i)
		win[i] = true
		j, ok := sc.byHash[h]
		if !ok {
			sc.byHash[h] = int32(i)
			continue
		}
		if !sameKey(in, i, in, int(j)) {
			// Two keys with one 64-bit hash: start over, keyed by the keys.
			return sc.dedupeByKey(in)
		}
		losers++
		if in.updated(i) >= in.updated(int(j)) {
			win[j] = false
			sc.byHash[h] = int32(i)
		} else {
			win[i] = false
		}
	}
	return losers
}

// dedupeByKey is dedupe with the keys themselves as map keys.
func (sc *laneScratch[R]) dedupeByKey(in rowCols[R]) (losers int) {
	latest := make(map[rowKey]int32, in.rows())
	for i := range in.rows() {
		k := key(in, i)
		sc.win[i] = true
		j, ok := latest[k]
		if !ok {
			latest[k] = int32(i)
			continue
		}
		losers++
		if in.updated(i) >= in.updated(int(j)) {
			sc.win[j] = false
			latest[k] = int32(i)
		} else {
			sc.win[i] = false
		}
	}
	return losers
}

// lookup returns the live stored rows of the keys of win.
func (t *replacing[R]) lookup(ctx context.Context, s *Store, win map[rowKey]int32) (map[rowKey][]storedRow[R], error) {
	var keys keyList
	for k := range win {
		keys.add([]byte(k.source), []byte(k.id))
	}
	stored := storedRows[R]{rows: t.newCols()}
	stored.hash.SetSeed(s.lanes.seed)
	if err := t.lookupKeys(ctx, s, &keys, &stored); err != nil {
		return nil, err
	}
	live := make(map[rowKey][]storedRow[R])
	for _, js := range stored.live {
		for _, j := range js {
			k := key(stored.rows, int(j))
			live[k] = append(live[k], storedRow[R]{rec: stored.rows.record(int(j)), meta: stored.rows.meta(int(j))})
		}
	}
	return live, nil
}

// lookupKeys reads into stored (empty, its hash seeded) every stored row
// of keys (distinct) and finds the live ones. A cheap probe of the keys'
// range comes first: when it finds nothing (new keys past the stored
// ones, the usual case of a first load), the keys are not sent at all.
func (t *replacing[R]) lookupKeys(ctx context.Context, s *Store, keys *keyList, stored *storedRows[R]) error {
	if keys.len() == 0 {
		return nil
	}
	if hit, err := t.probe(ctx, s, keys.all); err != nil || !hit {
		return err
	}
	tbl, err := ext.NewTable("lookup_keys", ext.Column("source", "String"), ext.Column("id", "String"))
	if err != nil {
		return fmt.Errorf("chstore: lookup %s: %w", t.name, err)
	}
	blk := tbl.Block()
	if _, err := blk.Columns[0].Append(keys.source); err != nil {
		return fmt.Errorf("chstore: lookup %s: %w", t.name, err)
	}
	if _, err := blk.Columns[1].Append(keys.id); err != nil {
		return fmt.Errorf("chstore: lookup %s: %w", t.name, err)
	}
	rows, err := s.conn.Query(clickhouse.Context(ctx, clickhouse.WithExternalTable(tbl)), t.lookupSQL(s.cluster != ""))
	if err != nil {
		return fmt.Errorf("chstore: lookup %s: %w", t.name, err)
	}
	defer rows.Close()
	for rows.Next() {
		if err := stored.rows.scan(rows); err != nil {
			return fmt.Errorf("chstore: lookup %s: %w", t.name, err)
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("chstore: lookup %s: %w", t.name, err)
	}
	n := stored.rows.rows()
	if n == 0 {
		return nil
	}
	// A row is live when the rows of its key and version weigh +1 in all;
	// its cancel row (same version, sign -1) may sit in another part.
	type kv struct {
		k rowKey
		v uint64
	}
	weight := make(map[kv]int, n)
	ids := make([]kv, n)
	for i := range n {
		sign, version := stored.rows.signVersion(i)
		ids[i] = kv{key(stored.rows, i), version}
		weight[ids[i]] += int(sign)
	}
	if stored.live == nil {
		stored.live = make(map[uint64][]int32, n)
	}
	for i := range n {
		if sign, _ := stored.rows.signVersion(i); sign != 1 || weight[ids[i]] <= 0 {
			continue
		}
		weight[ids[i]] = 0 // one cancel per live version
		h := hashKey(&stored.hash, stored.rows, i)
		stored.live[h] = append(stored.live[h], int32(i))
	}
	return nil
}

// Bounds of the range probe: past them the probe is skipped (the keys
// are looked up) rather than sent as a long query.
const (
	probeMaxSources = 8
	probeMaxKey     = 512
)

// probe reports whether any row is stored with a key in the span
// [min, max] of keys (per source). It reads the primary index and at most
// the granules the span overlaps, and stops at the first row.
func (t *replacing[R]) probe(ctx context.Context, s *Store, keys iter.Seq2[[]byte, []byte]) (bool, error) {
	type span struct {
		source, lo, hi []byte
	}
	var spans []span // few: a run of one source extends its span
	cur := -1
	for src, id := range keys {
		if cur < 0 || !bytes.Equal(spans[cur].source, src) {
			cur = slices.IndexFunc(spans, func(sp span) bool { return bytes.Equal(sp.source, src) })
			if cur < 0 {
				if len(spans) == probeMaxSources {
					return true, nil // the caller looks the keys up
				}
				spans = append(spans, span{src, id, id})
				cur = len(spans) - 1
				continue
			}
		}
		sp := &spans[cur]
		if bytes.Compare(id, sp.lo) < 0 {
			sp.lo = id
		} else if bytes.Compare(id, sp.hi) > 0 {
			sp.hi = id
		}
	}
	if len(spans) == 0 {
		return false, nil
	}
	var q strings.Builder
	args := make([]any, 0, 3*len(spans))
	q.WriteString("SELECT 1 FROM " + t.name + " WHERE ")
	for i, sp := range spans {
		if len(sp.source) > probeMaxKey || len(sp.lo) > probeMaxKey || len(sp.hi) > probeMaxKey {
			return true, nil
		}
		if i > 0 {
			q.WriteString(" OR ")
		}
		q.WriteString("(source = ? AND " + t.key + " >= ? AND " + t.key + " <= ?)")
		args = append(args, string(sp.source), string(sp.lo), string(sp.hi))
	}
	q.WriteString(" LIMIT 1")
	rows, err := s.conn.Query(ctx, q.String(), args...)
	if err != nil {
		return false, fmt.Errorf("chstore: probe %s: %w", t.name, err)
	}
	defer rows.Close()
	found := rows.Next()
	if err := rows.Err(); err != nil {
		return false, fmt.Errorf("chstore: probe %s: %w", t.name, err)
	}
	return found, nil
}

// insertColumns sends one block, column by column. On a cluster, a
// quorum insert into a table is refused while the previous one into it
// (by another process: facts marks, batch rows) still waits for its
// replicas; nothing was written then, so it is sent again, for up to
// 30 s (a replica down keeps the quorum unmet: then the error is
// returned, and the load retried whole like any outage).
func (s *Store) insertColumns(ctx context.Context, insert string, values []any) error {
	deadline := time.Now().Add(30 * time.Second)
	for wait := 20 * time.Millisecond; ; wait = min(2*wait, time.Second) {
		err := s.insertColumnsOnce(ctx, insert, values)
		var ex *clickhouse.Exception
		if !errors.As(err, &ex) || ex.Code != quorumBusy || time.Now().After(deadline) {
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(wait):
		}
	}
}

// quorumBusy is ClickHouse's error code 286: "Quorum for previous write
// has not been satisfied yet".
const quorumBusy = 286

func (s *Store) insertColumnsOnce(ctx context.Context, insert string, values []any) error {
	b, err := s.conn.PrepareBatch(ctx, insert)
	if err != nil {
		return err
	}
	defer b.Close()
	for i, v := range values {
		if err := b.Column(i).Append(v); err != nil {
			return fmt.Errorf("column %d: %w", i, err)
		}
	}
	return b.Send()
}
