package chstore

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Migrations are numbered files NNNN_name.sql, applied in order. Each may
// hold several statements (a statement ends with `;` at the end of a
// line), all idempotent (CREATE ... IF NOT EXISTS): ClickHouse DDL is not
// transactional, so a migration that stopped half-way is simply run again.
// A migration is recorded in schema_migrations after all its statements
// succeeded. Never edit an applied migration: add the next number.
// `{database}` in a statement stands for the store's database, for the
// audience databases beside it (e.g. {database}_executive).
//
//go:embed migrations/*.sql
var migrationFS embed.FS

const createMigrationsTable = `CREATE TABLE IF NOT EXISTS schema_migrations (
    version    UInt32,
    name       String,
    applied_at DateTime('UTC')
) ENGINE = ReplacingMergeTree()
ORDER BY version`

type migration struct {
	version    uint32
	name       string
	statements []string
}

var migrationName = regexp.MustCompile(`^(\d{4})_([a-z0-9_]+)\.sql$`)

// migrations returns the embedded migrations in order.
func migrations() ([]migration, error) {
	entries, err := fs.ReadDir(migrationFS, "migrations")
	if err != nil {
		return nil, fmt.Errorf("chstore: read migrations: %w", err)
	}
	var out []migration
	for _, e := range entries {
		m := migrationName.FindStringSubmatch(e.Name())
		if m == nil {
			return nil, fmt.Errorf("chstore: migration file %q is not named NNNN_name.sql", e.Name())
		}
		v, _ := strconv.ParseUint(m[1], 10, 32)
		b, err := migrationFS.ReadFile(path.Join("migrations", e.Name()))
		if err != nil {
			return nil, fmt.Errorf("chstore: read migration %s: %w", e.Name(), err)
		}
		out = append(out, migration{version: uint32(v), name: m[2], statements: splitStatements(string(b))})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].version < out[j].version })
	for i := 1; i < len(out); i++ {
		if out[i].version == out[i-1].version {
			return nil, fmt.Errorf("chstore: two migrations numbered %04d", out[i].version)
		}
	}
	return out, nil
}

// splitStatements cuts a file into statements at lines ending with `;`.
// Comment-only pieces are dropped.
func splitStatements(src string) []string {
	var out []string
	var cur strings.Builder
	flush := func() {
		st := strings.TrimSpace(cur.String())
		cur.Reset()
		if hasCode(st) {
			out = append(out, st)
		}
	}
	for _, line := range strings.Split(src, "\n") {
		trimmed := strings.TrimRight(line, " \t\r")
		if strings.HasSuffix(trimmed, ";") {
			cur.WriteString(strings.TrimSuffix(trimmed, ";"))
			flush()
			continue
		}
		cur.WriteString(line)
		cur.WriteByte('\n')
	}
	flush()
	return out
}

// hasCode reports whether a statement holds more than comments.
func hasCode(st string) bool {
	for _, line := range strings.Split(st, "\n") {
		line = strings.TrimSpace(line)
		if line != "" && !strings.HasPrefix(line, "--") {
			return true
		}
	}
	return false
}

// Migrate applies the migrations not yet recorded. Running it again is a
// no-op; running it from two processes at once is harmless (every
// statement is idempotent).
func (s *Store) Migrate(ctx context.Context) error {
	ms, err := migrations()
	if err != nil {
		return err
	}
	var tables map[string]bool
	if s.cluster != "" {
		// Distributed DDL waits for every node: a migrated database runs
		// none, so a process can start while a replica is down.
		if ok, err := s.Migrated(ctx); err == nil && ok {
			return nil
		}
		ms, tables, err = s.clusterMigrations(ms)
		if err != nil {
			return err
		}
	}
	create := []string{createMigrationsTable}
	if s.cluster != "" {
		if create, err = clusterStatements(createMigrationsTable, s.database, s.cluster, tables); err != nil {
			return err
		}
	}
	for _, st := range create {
		if err := s.conn.Exec(ctx, st); err != nil {
			return fmt.Errorf("chstore: create schema_migrations: %w", err)
		}
	}
	done, err := s.appliedMigrations(ctx)
	if err != nil {
		return err
	}
	var db string
	if err := s.conn.QueryRow(ctx, "SELECT currentDatabase()").Scan(&db); err != nil {
		return fmt.Errorf("chstore: current database: %w", err)
	}
	for _, m := range ms {
		if done[m.version] {
			continue
		}
		start := time.Now()
		if m.version == analystMigration {
			if err := s.keyAllAgents(ctx); err != nil {
				return fmt.Errorf("chstore: migration %04d_%s: %w", m.version, m.name, err)
			}
		}
		for i, st := range m.statements {
			if err := s.conn.Exec(ctx, s.expandMigration(st)); err != nil {
				return fmt.Errorf("chstore: migration %04d_%s statement %d: %w", m.version, m.name, i+1, err)
			}
		}
		if err := s.recordMigration(ctx, m); err != nil {
			return err
		}
		s.log.Info("applied migration", "version", m.version, "name", m.name, "duration", time.Since(start))
	}
	// The agent key secret is made here, before processes load in
	// parallel (see AgentKeyer).
	if _, err := s.AgentKeyer(ctx); err != nil {
		return err
	}
	return nil
}

func (s *Store) recordMigration(ctx context.Context, m migration) error {
	b, err := s.conn.PrepareBatch(ctx, "INSERT INTO schema_migrations (version, name, applied_at)")
	if err != nil {
		return fmt.Errorf("chstore: record migration %04d: %w", m.version, err)
	}
	defer b.Close()
	if err := b.Append(m.version, m.name, time.Now().UTC()); err != nil {
		return fmt.Errorf("chstore: record migration %04d: %w", m.version, err)
	}
	if err := b.Send(); err != nil {
		return fmt.Errorf("chstore: record migration %04d: %w", m.version, err)
	}
	return nil
}

func (s *Store) appliedMigrations(ctx context.Context) (map[uint32]bool, error) {
	rows, err := s.conn.Query(ctx, "SELECT DISTINCT version FROM schema_migrations")
	if err != nil {
		return nil, fmt.Errorf("chstore: read schema_migrations: %w", err)
	}
	defer rows.Close()
	done := make(map[uint32]bool)
	for rows.Next() {
		var v uint32
		if err := rows.Scan(&v); err != nil {
			return nil, fmt.Errorf("chstore: read schema_migrations: %w", err)
		}
		done[v] = true
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("chstore: read schema_migrations: %w", err)
	}
	return done, nil
}

// clusterMigrations rewrites the migrations for cluster mode (cluster.go).
func (s *Store) clusterMigrations(ms []migration) ([]migration, map[string]bool, error) {
	var all []string
	for _, m := range ms {
		all = append(all, m.statements...)
	}
	all = append(all, createMigrationsTable)
	tables := clusterTables(all)
	out := make([]migration, len(ms))
	for i, m := range ms {
		out[i] = migration{version: m.version, name: m.name}
		if audienceMigration(m) {
			// The audience databases (analyst, executive) are not
			// clustered yet: the migration is recorded, nothing created.
			s.log.Warn("cluster mode: audience database not created", "version", m.version, "name", m.name)
			continue
		}
		for j, st := range m.statements {
			sts, err := clusterStatements(st, s.database, s.cluster, tables)
			if err != nil {
				return nil, nil, fmt.Errorf("chstore: migration %04d_%s statement %d in cluster mode: %w", m.version, m.name, j+1, err)
			}
			out[i].statements = append(out[i].statements, sts...)
		}
	}
	return out, tables, nil
}

// audienceMigration reports whether m creates an audience database
// ({database}_analyst, {database}_executive) beside the store's own.
func audienceMigration(m migration) bool {
	for _, st := range m.statements {
		if strings.Contains(st, "{database}_") {
			return true
		}
	}
	return false
}

// Migrated reports whether every migration this binary knows has been
// applied (for /readyz). A database without schema_migrations is not
// migrated; that is not an error.
func (s *Store) Migrated(ctx context.Context) (bool, error) {
	var n uint64
	err := s.conn.QueryRow(ctx,
		"SELECT count() FROM system.tables WHERE database = currentDatabase() AND name = 'schema_migrations'").Scan(&n)
	if err != nil {
		return false, fmt.Errorf("chstore: look for schema_migrations: %w", err)
	}
	if n == 0 {
		return false, nil
	}
	ms, err := migrations()
	if err != nil {
		return false, err
	}
	done, err := s.appliedMigrations(ctx)
	if err != nil {
		return false, err
	}
	for _, m := range ms {
		if !done[m.version] {
			return false, nil
		}
	}
	return true, nil
}
