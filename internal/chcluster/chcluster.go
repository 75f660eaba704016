// Package chcluster starts and stops a throwaway ClickHouse cluster on
// loopback for tests: one ZooKeeper (Debian's zookeeper package, run
// directly with its own config and data dir) and 2 shards × 2 replicas of
// the machine's ClickHouse server (internal/chserver), each with its own
// data dir and ports, the cluster in remote_servers, {shard} and
// {replica} macros, and distributed DDL. Missing binaries are an error
// that says how to install them: cluster tests never skip.
package chcluster

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/servicecard/servicecard/internal/chserver"
)

// Name is the cluster's name in remote_servers.
const Name = "servicecard"

// ErrNoZooKeeper says Debian's zookeeper package (or Java) is missing.
var ErrNoZooKeeper = errors.New("chcluster: ZooKeeper not found (install it: apt-get install -y zookeeper, or run `make deps-cluster`)")

// zooJar is where Debian's zookeeper package puts the server.
const zooJar = "/usr/share/java/zookeeper.jar"

// ProfileSettings are the settings the servicecard user's profile needs
// on a cluster (see chstore's cluster mode): IN and JOIN over Distributed
// tables run GLOBAL, and every query prefers the first live replica.
const ProfileSettings = `<distributed_product_mode>global</distributed_product_mode>
            <load_balancing>in_order</load_balancing>`

// Options configure a cluster. The zero value is 2 shards × 2 replicas.
type Options struct {
	Shards, Replicas int
}

// Cluster is a running ZooKeeper and its ClickHouse servers.
type Cluster struct {
	Dir       string
	ZooKeeper string // host:port
	// Nodes[shard][replica], both from 0.
	Nodes [][]*chserver.Server
	zk    *exec.Cmd
	zkErr chan error
}

// Start launches ZooKeeper and the servers and waits until every server
// answers and sees ZooKeeper.
func Start(ctx context.Context, opt Options) (*Cluster, error) {
	if opt.Shards <= 0 {
		opt.Shards = 2
	}
	if opt.Replicas <= 0 {
		opt.Replicas = 2
	}
	if _, err := chserver.Binary(); err != nil {
		return nil, err
	}
	java, err := exec.LookPath("java")
	if err != nil {
		return nil, ErrNoZooKeeper
	}
	if _, err := os.Stat(zooJar); err != nil {
		return nil, ErrNoZooKeeper
	}
	dir, err := os.MkdirTemp("", "servicecard-cluster-")
	if err != nil {
		return nil, fmt.Errorf("chcluster: dir: %w", err)
	}
	c := &Cluster{Dir: dir}
	if err := c.startZooKeeper(ctx, java); err != nil {
		c.Stop()
		return nil, err
	}
	ports := make([][]int, opt.Shards)
	for s := range ports {
		for range opt.Replicas {
			p, err := chserver.FreePort()
			if err != nil {
				c.Stop()
				return nil, err
			}
			ports[s] = append(ports[s], p)
		}
	}
	remote := remoteServers(ports)
	c.Nodes = make([][]*chserver.Server, opt.Shards)
	for s := range ports {
		c.Nodes[s] = make([]*chserver.Server, opt.Replicas)
	}
	// Start the servers in parallel: each takes a few seconds.
	var wg sync.WaitGroup
	errs := make(chan error, opt.Shards*opt.Replicas)
	for s := range ports {
		for r := range ports[s] {
			wg.Add(1)
			go func() {
				defer wg.Done()
				extra := remote + fmt.Sprintf(`
    <macros><shard>%02d</shard><replica>r%d</replica></macros>
    <interserver_http_host>127.0.0.1</interserver_http_host>
    <zookeeper><node><host>127.0.0.1</host><port>%s</port></node><session_timeout_ms>6000</session_timeout_ms></zookeeper>
    <distributed_ddl><path>/clickhouse/task_queue/ddl</path></distributed_ddl>`, s+1, r+1, strings.Split(c.ZooKeeper, ":")[1])
				srv, err := chserver.Start(ctx, chserver.Options{
					Dir:   filepath.Join(dir, fmt.Sprintf("s%d-r%d", s+1, r+1)),
					Port:  ports[s][r],
					Extra: extra,
					// What a clustered servicecard needs of its profile
					// (clickhouse-go cannot send string settings to 18.16).
					Profile: ProfileSettings,
				})
				if err != nil {
					errs <- fmt.Errorf("chcluster: shard %d replica %d: %w", s+1, r+1, err)
					return
				}
				c.Nodes[s][r] = srv
			}()
		}
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		c.Stop()
		return nil, err
	}
	return c, nil
}

// remoteServers is the remote_servers section naming every node.
func remoteServers(ports [][]int) string {
	var b strings.Builder
	b.WriteString("\n    <remote_servers><" + Name + ">")
	for _, shard := range ports {
		b.WriteString("<shard><internal_replication>true</internal_replication>")
		for _, p := range shard {
			fmt.Fprintf(&b, "<replica><host>127.0.0.1</host><port>%d</port></replica>", p)
		}
		b.WriteString("</shard>")
	}
	b.WriteString("</" + Name + "></remote_servers>")
	return b.String()
}

func (c *Cluster) startZooKeeper(ctx context.Context, java string) error {
	port, err := chserver.FreePort()
	if err != nil {
		return err
	}
	zdir := filepath.Join(c.Dir, "zookeeper")
	if err := os.MkdirAll(filepath.Join(zdir, "data"), 0o755); err != nil {
		return fmt.Errorf("chcluster: %w", err)
	}
	cfg := fmt.Sprintf(`tickTime=500
dataDir=%s/data
clientPort=%d
clientPortAddress=127.0.0.1
admin.enableServer=false
maxClientCnxns=0
4lw.commands.whitelist=ruok
`, zdir, port)
	if err := os.WriteFile(filepath.Join(zdir, "zoo.cfg"), []byte(cfg), 0o644); err != nil {
		return fmt.Errorf("chcluster: %w", err)
	}
	logf, err := os.Create(filepath.Join(zdir, "zookeeper.log"))
	if err != nil {
		return fmt.Errorf("chcluster: %w", err)
	}
	defer logf.Close()
	c.zk = exec.Command(java, "-Xmx128m", "-XX:+UseSerialGC",
		"-cp", "/etc/zookeeper/conf:"+zooJar, "-Dzookeeper.log.dir="+zdir,
		"org.apache.zookeeper.server.quorum.QuorumPeerMain", filepath.Join(zdir, "zoo.cfg"))
	c.zk.Dir = zdir
	c.zk.Stdout, c.zk.Stderr = logf, logf
	c.zk.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := c.zk.Start(); err != nil {
		return fmt.Errorf("chcluster: start zookeeper: %w", err)
	}
	c.zkErr = make(chan error, 1)
	go func() { c.zkErr <- c.zk.Wait() }()
	c.ZooKeeper = fmt.Sprintf("127.0.0.1:%d", port)
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case err := <-c.zkErr:
			c.zkErr <- err
			return fmt.Errorf("chcluster: zookeeper exited (%v); see %s", err, logf.Name())
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
		if ruok(c.ZooKeeper) {
			return nil
		}
	}
	return fmt.Errorf("chcluster: zookeeper not answering on %s; see %s", c.ZooKeeper, logf.Name())
}

// ruok asks ZooKeeper whether it serves.
func ruok(addr string) bool {
	conn, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return false
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(time.Second))
	if _, err := conn.Write([]byte("ruok")); err != nil {
		return false
	}
	buf := make([]byte, 4)
	n, _ := conn.Read(buf)
	return string(buf[:n]) == "imok"
}

// Node is the server of shard s, replica r (from 0).
func (c *Cluster) Node(s, r int) *chserver.Server { return c.Nodes[s][r] }

// DSN is a DSN for database db on the first node.
func (c *Cluster) DSN(db string) string { return c.Nodes[0][0].DSN(db) }

// Stop kills every server and ZooKeeper and removes the data.
func (c *Cluster) Stop() {
	if c == nil {
		return
	}
	var wg sync.WaitGroup
	for _, shard := range c.Nodes {
		for _, n := range shard {
			if n == nil {
				continue
			}
			wg.Add(1)
			go func() { defer wg.Done(); n.Kill() }()
		}
	}
	wg.Wait()
	if c.zk != nil && c.zk.Process != nil {
		_ = syscall.Kill(-c.zk.Process.Pid, syscall.SIGKILL)
		<-c.zkErr
	}
	os.RemoveAll(c.Dir)
}
