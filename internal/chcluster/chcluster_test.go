//go:build cluster

package chcluster

import (
	"context"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"
)

// The cluster starts, every node sees the others in system.clusters and
// sees ZooKeeper, and distributed DDL reaches every node.
func TestStart(t *testing.T) {
	ctx := context.Background()
	c, err := Start(ctx, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Stop()
	conn, err := clickhouse.Open(&clickhouse.Options{Addr: []string{c.Node(0, 0).Addr}, DialTimeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	var n uint64
	if err := conn.QueryRow(ctx, "SELECT count() FROM system.clusters WHERE cluster = '"+Name+"'").Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 4 {
		t.Fatalf("cluster has %d nodes, want 4", n)
	}
	if err := conn.Exec(ctx, "CREATE DATABASE IF NOT EXISTS probe ON CLUSTER "+Name); err != nil {
		t.Fatal(err)
	}
	for s := range 2 {
		for r := range 2 {
			c2, err := clickhouse.Open(&clickhouse.Options{Addr: []string{c.Node(s, r).Addr}})
			if err != nil {
				t.Fatal(err)
			}
			var dbs, zk uint64
			if err := c2.QueryRow(ctx, "SELECT count() FROM system.databases WHERE name = 'probe'").Scan(&dbs); err != nil {
				t.Fatal(err)
			}
			if err := c2.QueryRow(ctx, "SELECT count() FROM system.zookeeper WHERE path = '/'").Scan(&zk); err != nil {
				t.Fatalf("node %d/%d: zookeeper: %v", s, r, err)
			}
			c2.Close()
			if dbs != 1 || zk == 0 {
				t.Errorf("node %d/%d: probe databases %d, zookeeper entries %d", s, r, dbs, zk)
			}
		}
	}
}
