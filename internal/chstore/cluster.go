package chstore

import (
	"context"
	"fmt"
	"regexp"
	"strings"

	"github.com/ClickHouse/clickhouse-go/v2"
)

// Cluster mode (Options.Cluster) runs the same migration files on a
// ClickHouse cluster by rewriting each statement, so a table a migration
// adds is clustered without writing anything twice:
//
//   - CREATE TABLE T (...) ENGINE = XMergeTree(args) ... becomes a
//     replicated local table on every node, T_local, with engine
//     ReplicatedXMergeTree('/clickhouse/tables/{shard}/DB/T', '{replica}',
//     args), and a Distributed table T over the T_local of every shard,
//     sharded by cityHash64 of T's ORDER BY key. Code keeps reading and
//     writing T.
//   - a table of another engine (Null, Memory) is created on every node.
//   - CREATE MATERIALIZED VIEW V TO T AS SELECT ... FROM S becomes a view
//     on every node reading S_local and writing T_local: each shard
//     summarises its own rows.
//   - ALTER TABLE T ADD/DROP/MODIFY COLUMN applies to T_local and T;
//     other ALTERs (mutations) to T_local; DROP TABLE T drops both.
//
// Every DDL statement runs ON CLUSTER (distributed DDL), qualified with
// the database. Other statements (INSERT ... SELECT) run as written, on
// the Distributed tables.
//
// Why the ORDER BY key shards: rows that replace, collapse or sum into
// each other share their sorting key, so they share a shard, and FINAL,
// merges and the writer's cancel rows (a copy of the stored row, key
// included) stay exact on each shard. What joins rows of different keys
// (survey attribution, FCR) runs through the Distributed tables with
// distributed_product_mode = 'global', so it sees every shard.

// localSuffix names the replicated table under a Distributed one.
const localSuffix = "_local"

var (
	reCreateTable = regexp.MustCompile(`(?is)^CREATE\s+TABLE\s+(IF\s+NOT\s+EXISTS\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*\(`)
	reEngine      = regexp.MustCompile(`(?is)\)\s*ENGINE\s*=\s*([A-Za-z_][A-Za-z0-9_]*)`)
	reOrderBy     = regexp.MustCompile(`(?is)\bORDER\s+BY\s+`)
	reCreateMV    = regexp.MustCompile(`(?is)^CREATE\s+MATERIALIZED\s+VIEW\s+(IF\s+NOT\s+EXISTS\s+)?([A-Za-z_][A-Za-z0-9_]*)\s+TO\s+([A-Za-z_][A-Za-z0-9_]*)\s+AS\s+(.*)$`)
	reCreateView  = regexp.MustCompile(`(?is)^CREATE\s+VIEW\s+(IF\s+NOT\s+EXISTS\s+)?([A-Za-z_][A-Za-z0-9_]*)\s+AS\s+(.*)$`)
	reAlter       = regexp.MustCompile(`(?is)^ALTER\s+TABLE\s+([A-Za-z_][A-Za-z0-9_]*)\s+(.*)$`)
	reAlterColumn = regexp.MustCompile(`(?is)^(ADD|DROP|MODIFY|COMMENT|RENAME)\s+COLUMN\b`)
	reDrop        = regexp.MustCompile(`(?is)^DROP\s+TABLE\s+(IF\s+EXISTS\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*$`)
	reFromJoin    = regexp.MustCompile(`(?i)\b(FROM|JOIN)\s+([A-Za-z_][A-Za-z0-9_]*)\b`)
)

// clusterTables returns the tables the statements create that cluster
// mode splits into T_local and a Distributed T (the MergeTree family).
func clusterTables(statements []string) map[string]bool {
	out := map[string]bool{}
	for _, st := range statements {
		st = stripSQLComments(st)
		m := reCreateTable.FindStringSubmatchIndex(st)
		if m == nil {
			continue
		}
		if e := reEngine.FindStringSubmatch(st[m[1]:]); e != nil && strings.HasSuffix(e[1], "MergeTree") {
			out[st[m[4]:m[5]]] = true
		}
	}
	return out
}

// clusterStatements rewrites one migration statement for cluster mode.
// tables holds every MergeTree table of all migrations (clusterTables).
func clusterStatements(st, db, cluster string, tables map[string]bool) ([]string, error) {
	st = strings.TrimSpace(stripSQLComments(st))
	on := " ON CLUSTER " + cluster
	if m := reCreateTable.FindStringSubmatchIndex(st); m != nil {
		name := st[m[4]:m[5]]
		body := st[m[1]-1:] // from the column list's "("
		e := reEngine.FindStringSubmatchIndex(body)
		if e == nil {
			return nil, fmt.Errorf("table %s: no ENGINE", name)
		}
		cols := body[:e[0]+1]
		engine := body[e[2]:e[3]]
		if !strings.HasSuffix(engine, "MergeTree") {
			return []string{"CREATE TABLE IF NOT EXISTS " + db + "." + name + on + " " + body}, nil
		}
		rest := body[e[3]:]
		args := ""
		if r := strings.TrimLeft(rest, " \t\n"); strings.HasPrefix(r, "(") {
			end, err := closing(r, 0)
			if err != nil {
				return nil, fmt.Errorf("table %s: engine arguments: %w", name, err)
			}
			args = strings.TrimSpace(r[1:end])
			rest = r[end+1:]
		}
		if strings.HasPrefix(engine, "Replicated") {
			return nil, fmt.Errorf("table %s: write the plain engine, cluster mode makes it replicated", name)
		}
		key, err := orderKey(rest)
		if err != nil {
			return nil, fmt.Errorf("table %s: %w", name, err)
		}
		repl := fmt.Sprintf("Replicated%s('/clickhouse/tables/{shard}/%s/%s', '{replica}'", engine, db, name)
		if args != "" {
			repl += ", " + args
		}
		repl += ")"
		local := name + localSuffix
		return []string{
			"CREATE TABLE IF NOT EXISTS " + db + "." + local + on + " " + cols + " ENGINE = " + repl + rest,
			fmt.Sprintf("CREATE TABLE IF NOT EXISTS %s.%s%s AS %s.%s ENGINE = Distributed(%s, %s, %s, cityHash64(%s))",
				db, name, on, db, local, cluster, db, local, key),
		}, nil
	}
	if m := reCreateMV.FindStringSubmatch(st); m != nil {
		view, target, sel := m[2], m[3], m[4]
		if tables[target] {
			target += localSuffix
		}
		sel = reFromJoin.ReplaceAllStringFunc(sel, func(s string) string {
			sm := reFromJoin.FindStringSubmatch(s)
			if tables[sm[2]] {
				return sm[1] + " " + db + "." + sm[2] + localSuffix
			}
			return s
		})
		return []string{"CREATE MATERIALIZED VIEW IF NOT EXISTS " + db + "." + view + on + " TO " + db + "." + target + " AS " + sel}, nil
	}
	if m := reCreateView.FindStringSubmatch(st); m != nil {
		// A plain view on every node, over the Distributed tables.
		sel := reFromJoin.ReplaceAllStringFunc(m[3], func(s string) string {
			sm := reFromJoin.FindStringSubmatch(s)
			if tables[sm[2]] {
				return sm[1] + " " + db + "." + sm[2]
			}
			return s
		})
		return []string{"CREATE VIEW IF NOT EXISTS " + db + "." + m[2] + on + " AS " + sel}, nil
	}
	if strings.HasPrefix(strings.ToUpper(st), "CREATE MATERIALIZED VIEW") {
		return nil, fmt.Errorf("cluster mode needs materialized views written as CREATE MATERIALIZED VIEW v TO target AS SELECT")
	}
	if m := reAlter.FindStringSubmatch(st); m != nil && tables[m[1]] {
		local := "ALTER TABLE " + db + "." + m[1] + localSuffix + on + " " + m[2]
		if reAlterColumn.MatchString(m[2]) {
			return []string{local, "ALTER TABLE " + db + "." + m[1] + on + " " + m[2]}, nil
		}
		return []string{local}, nil
	}
	if m := reDrop.FindStringSubmatch(st); m != nil {
		if tables[m[2]] {
			return []string{
				"DROP TABLE IF EXISTS " + db + "." + m[2] + on,
				"DROP TABLE IF EXISTS " + db + "." + m[2] + localSuffix + on,
			}, nil
		}
		return []string{"DROP TABLE IF EXISTS " + db + "." + m[2] + on}, nil
	}
	return []string{st}, nil
}

// orderKey returns the ORDER BY expression of a table's engine clause,
// without the tuple's parentheses.
func orderKey(rest string) (string, error) {
	loc := reOrderBy.FindStringIndex(rest)
	if loc == nil {
		return "", fmt.Errorf("no ORDER BY to shard by")
	}
	r := rest[loc[1]:]
	if strings.HasPrefix(r, "(") {
		end, err := closing(r, 0)
		if err != nil {
			return "", err
		}
		key := strings.TrimSpace(r[1:end])
		if key == "" {
			return "", fmt.Errorf("ORDER BY () has no key to shard by")
		}
		return key, nil
	}
	end := strings.IndexFunc(r, func(c rune) bool { return c == ' ' || c == '\n' || c == '\t' })
	if end < 0 {
		end = len(r)
	}
	return r[:end], nil
}

// closing returns the index of the parenthesis closing the one at s[open],
// skipping quoted strings.
func closing(s string, open int) (int, error) {
	depth := 0
	for i := open; i < len(s); i++ {
		switch s[i] {
		case '\'':
			j := strings.IndexByte(s[i+1:], '\'')
			if j < 0 {
				return 0, fmt.Errorf("unterminated string")
			}
			i += j + 1
		case '(':
			depth++
		case ')':
			depth--
			if depth == 0 {
				return i, nil
			}
		}
	}
	return 0, fmt.Errorf("unbalanced parentheses")
}

// stripSQLComments drops -- comments (whole lines and line ends outside
// strings are enough for migration files).
func stripSQLComments(st string) string {
	var b strings.Builder
	for _, line := range strings.Split(st, "\n") {
		if i := commentStart(line); i >= 0 {
			line = line[:i]
		}
		if strings.TrimSpace(line) == "" {
			continue
		}
		b.WriteString(line)
		b.WriteByte('\n')
	}
	return strings.TrimSpace(b.String())
}

func commentStart(line string) int {
	in := false
	for i := 0; i+1 < len(line); i++ {
		switch {
		case line[i] == '\'':
			in = !in
		case !in && line[i] == '-' && line[i+1] == '-':
			return i
		}
	}
	return -1
}

// clusterSettings are the connection settings of a clustered store:
// INSERTs into Distributed tables return once the shards hold the rows
// (a lookup right after sees them).
var clusterSettings = map[string]any{
	"insert_distributed_sync": 1,
}

// clusterProfile are the settings a clustered store needs in the user's
// profile on the servers (clickhouse-go sends only numeric settings to
// ClickHouse 18.16): IN and JOIN over Distributed tables run GLOBAL, so
// they see every shard, and reads and writes prefer the first live
// replica of each shard.
var clusterProfile = map[string]string{
	"distributed_product_mode": "global",
	"load_balancing":           "in_order",
}

// openCluster checks the cluster, reads how many replicas a shard has
// (the quorum of the replacing writes) and connects the write lock.
func (s *Store) openCluster(ctx context.Context) error {
	s.cluster = s.opt.Cluster
	var shards, replicas uint64
	err := s.conn.QueryRow(ctx,
		"SELECT uniqExact(shard_num), toUInt64(min(replica_num)) FROM (SELECT shard_num, max(replica_num) AS replica_num FROM system.clusters WHERE cluster = ? GROUP BY shard_num)",
		s.cluster).Scan(&shards, &replicas)
	if err != nil {
		return fmt.Errorf("chstore: read cluster %s: %w", s.cluster, err)
	}
	if shards == 0 {
		return fmt.Errorf("chstore: cluster %q is not in the server's remote_servers", s.cluster)
	}
	for name, want := range clusterProfile {
		var got string
		if err := s.conn.QueryRow(ctx, "SELECT value FROM system.settings WHERE name = ?", name).Scan(&got); err != nil {
			return fmt.Errorf("chstore: read setting %s: %w", name, err)
		}
		if got != want {
			return fmt.Errorf("chstore: cluster mode needs <%s>%s</%s> in the user's settings profile on every server (it is %q)", name, want, name, got)
		}
	}
	s.quorum = int(replicas)
	if len(s.opt.ZooKeeper) == 0 {
		return fmt.Errorf("chstore: cluster mode needs the cluster's ZooKeeper or Keeper for the write lock (SERVICECARD_ZOOKEEPER=host:port)")
	}
	if s.zkLock, err = openWriteLock(s.opt.ZooKeeper, s.database, s.log); err != nil {
		return err
	}
	return nil
}

// Cluster is the cluster the store's database lives on ("" single node).
func (s *Store) Cluster() string { return s.cluster }

// writeContext adds, in cluster mode, the settings of a replacing write:
// it returns once every replica of the shard holds the rows, so whichever
// replica the next lookup reads has them.
func (s *Store) writeContext(ctx context.Context) context.Context {
	if s.cluster == "" || s.quorum < 2 {
		return ctx
	}
	return clickhouse.Context(ctx, clickhouse.WithSettings(clickhouse.Settings{
		"insert_quorum":         s.quorum,
		"insert_quorum_timeout": 30000,
	}))
}
