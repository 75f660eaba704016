//go:build cluster

package chcluster_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"
	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/servicecard/servicecard/internal/chcluster"
	"github.com/servicecard/servicecard/internal/chserver"
	"github.com/servicecard/servicecard/internal/chstore"
)

// One cluster and one single-node server for the package; a database per test.
var (
	cluster *chcluster.Cluster
	single  *chserver.Server
	binary  string // the servicecard command, built once
	seq     atomic.Int64
)

func TestMain(m *testing.M) { os.Exit(run(m)) }

func run(m *testing.M) int {
	ctx := context.Background()
	start := time.Now()
	c, err := chcluster.Start(ctx, chcluster.Options{})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer c.Stop()
	cluster = c
	s, err := chserver.Start(ctx, chserver.Options{})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer s.Stop()
	single = s
	dir, err := os.MkdirTemp("", "servicecard-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	binary = filepath.Join(dir, "servicecard")
	out, err := exec.Command("go", "build", "-o", binary, "github.com/servicecard/servicecard/cmd/servicecard").CombinedOutput()
	if err != nil {
		fmt.Fprintf(os.Stderr, "build servicecard: %v\n%s", err, out)
		return 1
	}
	fmt.Fprintf(os.Stderr, "cluster and single node up in %s\n", time.Since(start).Round(time.Millisecond))
	return m.Run()
}

// dbName is a fresh database name for t.
func dbName(t *testing.T) string {
	name := strings.ToLower(strings.NewReplacer("/", "_", " ", "_", "-", "_").Replace(t.Name()))
	if len(name) > 30 {
		name = name[:30]
	}
	return fmt.Sprintf("c%d_%s", seq.Add(1), name)
}

// clusterDSN is a DSN for db listing every node (the client fails over).
func clusterDSN(db string) string {
	var addrs []string
	for _, shard := range cluster.Nodes {
		for _, n := range shard {
			addrs = append(addrs, n.Addr)
		}
	}
	return "clickhouse://default:@" + strings.Join(addrs, ",") + "/" + db
}

// openCluster opens and migrates a clustered store on a new database.
func openCluster(t *testing.T, opt chstore.Options) (*chstore.Store, string) {
	t.Helper()
	db := dbName(t)
	opt.Cluster = chcluster.Name
	opt.ZooKeeper = []string{cluster.ZooKeeper}
	st, err := chstore.Open(context.Background(), clusterDSN(db), opt)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if err := st.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return st, db
}

// openSingle opens and migrates a single-node store on a new database.
func openSingle(t *testing.T, opt chstore.Options) *chstore.Store {
	t.Helper()
	st, err := chstore.Open(context.Background(), single.DSN(dbName(t)), opt)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if err := st.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return st
}

// nodeConn connects to one node's database directly.
func nodeConn(t *testing.T, s *chserver.Server, db string) driver.Conn {
	t.Helper()
	c, err := clickhouse.Open(&clickhouse.Options{Addr: []string{s.Addr}, Auth: clickhouse.Auth{Database: db}, DialTimeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}
