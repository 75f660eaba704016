//go:build cluster

package chcluster_test

import (
	"context"
	"testing"

	"github.com/servicecard/servicecard/internal/chstore"
)

// Cluster mode creates, on every node, a replicated local table and a
// Distributed table for each MergeTree table of the migrations, and the
// materialized view on the local tables.
func TestClusterSchema(t *testing.T) {
	_, db := openCluster(t, chstore.Options{})
	ctx := context.Background()
	for _, shard := range cluster.Nodes {
		for _, n := range shard {
			c := nodeConn(t, n, db)
			var repl, dist, mv uint64
			err := c.QueryRow(ctx, `SELECT countIf(engine LIKE 'Replicated%'), countIf(engine = 'Distributed'), countIf(engine = 'MaterializedView')
				FROM system.tables WHERE database = ?`, db).Scan(&repl, &dist, &mv)
			if err != nil {
				t.Fatal(err)
			}
			if repl < 10 || repl != dist || mv < 1 {
				t.Errorf("node %s: %d replicated, %d distributed, %d views", n.Addr, repl, dist, mv)
			}
		}
	}
}
