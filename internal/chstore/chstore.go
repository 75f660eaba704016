// Package chstore keeps servicecard's data in ClickHouse: the schema and
// its migrations, the batch writer behind ingest.Store, the rollups, and
// the queries other packages read through.
//
// # Replacement
//
// Sources deliver records at least once and correct them later, so a
// contact (key: source, contact_id) or survey (source, response_id) loaded
// again replaces the stored one and is never counted twice, whatever order
// the files arrive in: the newest source_updated_at wins, and a tie goes
// to the newer ingest (surveys carry no update time: the newer ingest
// wins). contacts and surveys are VersionedCollapsingMergeTree(sign,
// version) tables. Before each flush the writer reads the stored rows of
// the flush's keys and, for every stored row the new one supersedes,
// writes a cancel row (the stored values, sign -1, the stored version) in
// the same INSERT as the new row (sign +1, a fresh version). A new row
// older than the stored one is skipped and counted as superseded. So at
// any moment, before or after ClickHouse merges parts, each key has
// exactly one row of net weight +1, and readers get exactly the live rows
// by reading with FINAL or by weighting every aggregate by sign
// (sum(sign), sum(sign * talk_s)); the materialized rollups weight by
// sign, so they subtract what a replaced row had added.
//
// The read is cheap when the keys are new (a first load): a probe of the
// flush's key span per source (SELECT 1 ... WHERE source = ? AND
// contact_id BETWEEN ? AND ? LIMIT 1, which reads the primary index and a
// granule or so per part) comes first, and only when it finds a row are
// the keys sent, as an external table of up to 32768 keys per query, to
// read their stored rows.
//
// Flushes of one table are serialized inside one process, per lane: a key
// always maps to the same lane (Options.Lanes, default 1), so the
// read-before-write cannot race itself there. In cluster mode a flush
// also holds a ZooKeeper lock shared by every process (lock.go) and
// writes with a quorum of every replica (cluster.go), so processes on any
// host take turns and each lookup sees the previous flushes. On a single
// server two processes loading the same keys at the same moment can still
// each miss the other's rows; the next load of such a key heals it (every
// live row it finds is cancelled).
//
// # Writing
//
// A writer buffers contacts and surveys column by column, in buffers
// without pointers (text in one byte slice per column), so the garbage
// collector has nothing to scan, and flushes them every 200,000 rows or
// 64 MiB (Options). A flush is one INSERT per lane, sent in blocks of
// 4096 rows that the server squashes into one part per partition.
//
// Roster, agent states and schedules are ReplacingMergeTree tables keyed
// by their natural keys; read them with FINAL.
//
// Each record type the writer stores is described once, by its column
// table in records.go: the insert column list, the writer's buffers, the
// lookup of stored rows and the contacts and surveys exports all follow
// it.
package chstore

import (
	"context"
	"errors"
	"fmt"
	"hash/maphash"
	"log/slog"
	"regexp"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"
	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
)

// Sentinel errors.
var (
	// ErrBadDatabase says the DSN names a database that is not a plain
	// identifier.
	ErrBadDatabase = errors.New("chstore: database name must match [A-Za-z_][A-Za-z0-9_]*")
	// ErrClosed says a writer was used after Close.
	ErrClosed = errors.New("chstore: writer is closed")
)

// Options tune a Store. The zero value is usable.
type Options struct {
	// AgentKeySecret, when set (at least 16 bytes), is the secret of the
	// pseudonymous agent keys analysts see (SERVICECARD_AGENT_KEY_SECRET);
	// empty: the deployment's stored secret (see AgentKeyer).
	AgentKeySecret string
	// Logger receives the store's logs (default: discarded).
	Logger *slog.Logger
	// FlushRows flushes a writer's buffers when they hold this many rows
	// (default 200_000).
	FlushRows int
	// FlushBytes flushes a writer's buffers when the rows they hold take
	// about this many bytes (default 64 MiB, at most 1 GiB), so wide rows
	// flush before FlushRows. A writer holds at most two buffers: the one
	// filling and the one being written.
	FlushBytes int
	// FlushInterval flushes a writer's buffers this long after the last
	// flush, when rows are waiting (default 1s).
	FlushInterval time.Duration
	// Lanes splits the keys of the replacing tables into this many lanes
	// (default 1): a flush writes its lanes in parallel, one INSERT each,
	// while the flushes of one lane run one at a time. More lanes help
	// when ClickHouse has cores to spare: each lane makes its own parts.
	Lanes int
	// Cluster, when set, names the ClickHouse cluster (remote_servers) the
	// database lives on: migrations create replicated tables under
	// Distributed ones (cluster.go), and writers serialize their
	// read-before-write through ZooKeeper.
	Cluster string
	// ZooKeeper lists the host:port of the cluster's ZooKeeper or
	// ClickHouse Keeper; a clustered store that writes needs it.
	ZooKeeper []string
}

// Store is a ClickHouse database holding servicecard's tables. It is safe
// for concurrent use.
type Store struct {
	conn     driver.Conn
	opt      Options
	log      *slog.Logger
	database string
	version  driver.ServerVersion

	// Serialize the read-before-write of each lane of the replacing
	// tables.
	lanes        lanes
	contactLocks []sync.Mutex
	surveyLocks  []sync.Mutex

	lastVersion atomic.Uint64

	keys agentKeys // see agentkeys.go

	// Daily facts (facts.go): the configuration they are kept under, and
	// one refresh at a time.
	factsQ    atomic.Pointer[CountsQuery]
	refreshMu sync.Mutex
	// Cluster mode: the cluster, the replicas a write must reach (all of
	// a shard's) and the cross-process write lock.
	cluster string
	quorum  int
	zkLock  *writeLock
}

var identifier = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// Open connects to the database the DSN names (e.g.
// clickhouse://default:@127.0.0.1:9000/servicecard), creating it when
// missing. It does not migrate: call Migrate.
func Open(ctx context.Context, dsn string, opt Options) (*Store, error) {
	if opt.Logger == nil {
		opt.Logger = slog.New(slog.DiscardHandler)
	}
	if opt.FlushRows <= 0 {
		opt.FlushRows = 200_000
	}
	if opt.FlushBytes <= 0 {
		opt.FlushBytes = 64 << 20
	}
	opt.FlushBytes = min(opt.FlushBytes, 1<<30) // a buffer's text offsets are 32-bit
	if opt.FlushInterval <= 0 {
		opt.FlushInterval = time.Second
	}
	if opt.Lanes <= 0 {
		opt.Lanes = 1
	}
	copt, err := clickhouse.ParseDSN(dsn)
	if err != nil {
		return nil, fmt.Errorf("chstore: parse dsn: %w", err)
	}
	if copt.MaxOpenConns <= 0 {
		// The API runs two small queries per served scorecard; with
		// clickhouse-go's default pool (10) fifty concurrent clients
		// queue for connections. A DSN's max_open_conns still wins.
		copt.MaxOpenConns = 64
		if copt.MaxIdleConns <= 0 {
			copt.MaxIdleConns = 16
		}
	}
	db := copt.Auth.Database
	if db == "" {
		db = "default"
	}
	if !identifier.MatchString(db) {
		return nil, fmt.Errorf("%w: %q", ErrBadDatabase, db)
	}
	if opt.Cluster != "" {
		if !identifier.MatchString(opt.Cluster) {
			return nil, fmt.Errorf("chstore: cluster name %q is not an identifier", opt.Cluster)
		}
		if copt.Settings == nil {
			copt.Settings = clickhouse.Settings{}
		}
		for k, v := range clusterSettings {
			copt.Settings[k] = v
		}
	}
	if db != "default" {
		if err := createDatabase(ctx, *copt, db, opt.Cluster); err != nil {
			return nil, err
		}
	}
	conn, err := clickhouse.Open(copt)
	if err != nil {
		return nil, fmt.Errorf("chstore: connect: %w", err)
	}
	if err := conn.Ping(ctx); err != nil {
		conn.Close()
		return nil, fmt.Errorf("chstore: ping: %w", err)
	}
	v, err := conn.ServerVersion()
	if err != nil {
		conn.Close()
		return nil, fmt.Errorf("chstore: server version: %w", err)
	}
	s := &Store{conn: conn, opt: opt, log: opt.Logger, database: db, version: *v,
		lanes:        lanes{seed: maphash.MakeSeed(), n: opt.Lanes},
		contactLocks: make([]sync.Mutex, opt.Lanes),
		surveyLocks:  make([]sync.Mutex, opt.Lanes),
	}
	if opt.Cluster != "" {
		if err := s.openCluster(ctx); err != nil {
			conn.Close()
			return nil, err
		}
	} else if len(opt.ZooKeeper) > 0 {
		// One server, several writer processes: the same lock.
		if s.zkLock, err = openWriteLock(opt.ZooKeeper, db, s.log); err != nil {
			conn.Close()
			return nil, err
		}
	}
	s.log.Debug("connected to clickhouse", "database", db, "version", v.String(), "cluster", opt.Cluster)
	return s, nil
}

// createDatabase connects to the default database to create db.
func createDatabase(ctx context.Context, copt clickhouse.Options, db, cluster string) error {
	copt.Auth.Database = "default"
	conn, err := clickhouse.Open(&copt)
	if err != nil {
		return fmt.Errorf("chstore: connect: %w", err)
	}
	defer conn.Close()
	// Distributed DDL waits for every node: skip it when the database is
	// there already (a store opening while a replica is down).
	var n uint64
	if err := conn.QueryRow(ctx, "SELECT count() FROM system.databases WHERE name = ?", db).Scan(&n); err == nil && n > 0 {
		return nil
	}
	q := "CREATE DATABASE IF NOT EXISTS " + db
	if cluster != "" {
		q += " ON CLUSTER " + cluster
	}
	if err := conn.Exec(ctx, q); err != nil {
		return fmt.Errorf("chstore: create database %s: %w", db, err)
	}
	return nil
}

// Conn is the store's connection, for the queries of other packages.
// Refer to tables unqualified: the connection's database is the store's.
func (s *Store) Conn() driver.Conn { return s.conn }

// Database is the name of the store's database.
func (s *Store) Database() string { return s.database }

// ServerVersion is the version the server reported when the store opened.
func (s *Store) ServerVersion() driver.ServerVersion { return s.version }

// Ping checks that the server answers.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.conn.Ping(ctx); err != nil {
		return fmt.Errorf("chstore: ping: %w", err)
	}
	return nil
}

// Close closes the connection.
func (s *Store) Close() error {
	s.zkLock.close()
	return s.conn.Close()
}

// versions reserves n consecutive row versions and returns the first.
// Versions grow with time (UnixNano), so they also order the ingests of
// other processes, and strictly within this one.
func (s *Store) versions(n int) uint64 {
	if n < 1 {
		n = 1
	}
	for {
		last := s.lastVersion.Load()
		base := uint64(time.Now().UnixNano())
		if base <= last {
			base = last + 1
		}
		if s.lastVersion.CompareAndSwap(last, base+uint64(n)-1) {
			return base
		}
	}
}
