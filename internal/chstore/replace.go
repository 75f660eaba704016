package chstore

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"
	"github.com/ClickHouse/clickhouse-go/v2/ext"
	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
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

// columnBuilder accumulates rows of one table column by column.
type columnBuilder[R any] interface {
	reset()
	add(r *R, m rowMeta)
	rows() int
	// values returns one slice per column, in the order of the insert's
	// column list.
	values() []any
}

// replacing describes one replacing table.
type replacing[R any] struct {
	table   string
	columns []string // insert order; sign and version last
	keyCol  string   // the id column of the key
	mu      *sync.Mutex
	key     func(*R) rowKey
	// supersedes reports whether n replaces old; a tie must return true
	// (the newer ingest wins).
	supersedes func(n, old *R) bool
	scan       func(driver.Rows) (storedRow[R], error)
}

func (t *replacing[R]) insertSQL() string {
	return "INSERT INTO " + t.table + " (" + strings.Join(t.columns, ", ") + ")"
}

// lookupSQL reads every stored row (cancel rows included) of the keys
// sent in the external table lookup_keys. PREWHERE reads only the key
// columns of the rows that do not match, so looking up new keys is cheap.
func (t *replacing[R]) lookupSQL() string {
	return "SELECT " + strings.Join(t.columns, ", ") + " FROM " + t.table +
		" PREWHERE (source, " + t.keyCol + ") IN (SELECT source, id FROM lookup_keys)"
}

// write stores buf (in arrival order) into t, replacing what it
// supersedes, and returns how many rows of buf were superseded (by a
// stored row or by a later row of buf with the same key).
func (t *replacing[R]) write(ctx context.Context, s *Store, buf []R, cols columnBuilder[R], ingestedAt time.Time, batchID string) (superseded int, err error) {
	t.mu.Lock()
	defer t.mu.Unlock()

	// Keep the winner of each key within the flush.
	win := make(map[rowKey]int32, len(buf))
	for i := range buf {
		k := t.key(&buf[i])
		if j, ok := win[k]; ok {
			superseded++
			if !t.supersedes(&buf[i], &buf[j]) {
				continue
			}
		}
		win[k] = int32(i)
	}

	start := time.Now()
	live, err := t.lookup(ctx, s, win)
	if err != nil {
		return 0, err
	}
	looked := time.Since(start)

	cols.reset()
	version := s.versions(len(win))
	for i := range buf {
		k := t.key(&buf[i])
		if win[k] != int32(i) {
			continue
		}
		old := live[k]
		replace := true
		for j := range old {
			if !t.supersedes(&buf[i], &old[j].rec) {
				replace = false
				break
			}
		}
		if !replace {
			superseded++
			continue
		}
		for j := range old {
			m := old[j].meta
			m.sign = -1
			cols.add(&old[j].rec, m)
		}
		cols.add(&buf[i], rowMeta{ingestedAt: ingestedAt, batchID: batchID, sign: 1, version: version})
		version++
	}
	if cols.rows() == 0 {
		return superseded, nil
	}
	if err := s.insertColumns(ctx, t.insertSQL(), cols.values()); err != nil {
		return 0, fmt.Errorf("chstore: write %s: %w", t.table, err)
	}
	s.log.Debug("flushed", "table", t.table, "rows", cols.rows(), "existing", len(live),
		"lookup", looked, "duration", time.Since(start))
	return superseded, nil
}

// lookup returns the live stored rows (net weight +1; normally one per
// key) of the keys in win.
func (t *replacing[R]) lookup(ctx context.Context, s *Store, win map[rowKey]int32) (map[rowKey][]storedRow[R], error) {
	keys, err := ext.NewTable("lookup_keys", ext.Column("source", "String"), ext.Column("id", "String"))
	if err != nil {
		return nil, fmt.Errorf("chstore: lookup %s: %w", t.table, err)
	}
	sources := make([]string, 0, len(win))
	ids := make([]string, 0, len(win))
	for k := range win {
		sources = append(sources, k.source)
		ids = append(ids, k.id)
	}
	blk := keys.Block()
	if _, err := blk.Columns[0].Append(sources); err != nil {
		return nil, fmt.Errorf("chstore: lookup %s: %w", t.table, err)
	}
	if _, err := blk.Columns[1].Append(ids); err != nil {
		return nil, fmt.Errorf("chstore: lookup %s: %w", t.table, err)
	}
	rows, err := s.conn.Query(clickhouse.Context(ctx, clickhouse.WithExternalTable(keys)), t.lookupSQL())
	if err != nil {
		return nil, fmt.Errorf("chstore: lookup %s: %w", t.table, err)
	}
	defer rows.Close()
	var found []storedRow[R]
	for rows.Next() {
		r, err := t.scan(rows)
		if err != nil {
			return nil, fmt.Errorf("chstore: lookup %s: %w", t.table, err)
		}
		found = append(found, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("chstore: lookup %s: %w", t.table, err)
	}
	if len(found) == 0 {
		return nil, nil
	}
	// A row is live when the rows of its key and version weigh +1 in all;
	// its cancel row (same version, sign -1) may sit in another part.
	type kv struct {
		k rowKey
		v uint64
	}
	weight := make(map[kv]int, len(found))
	for i := range found {
		weight[kv{t.key(&found[i].rec), found[i].meta.version}] += int(found[i].meta.sign)
	}
	live := make(map[rowKey][]storedRow[R], len(found))
	for i := range found {
		r := found[i]
		id := kv{t.key(&r.rec), r.meta.version}
		if r.meta.sign != 1 || weight[id] <= 0 {
			continue
		}
		weight[id] = 0 // one cancel per live version
		live[id.k] = append(live[id.k], r)
	}
	return live, nil
}

// insertColumns sends one block, column by column.
func (s *Store) insertColumns(ctx context.Context, insert string, values []any) error {
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
