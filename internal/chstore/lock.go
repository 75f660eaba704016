package chstore

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/go-zookeeper/zk"
)

// writeLock serializes the read-before-write of every writer process of
// a clustered database: a flush holds it from its lookup to the end of
// its INSERT, so the next holder's lookup sees what it wrote. It is a
// ZooKeeper lock (the ephemeral sequential node recipe) at
// /servicecard/<database>/locks/write: a crashed process's session ends
// and its place in the queue with it.
type writeLock struct {
	conn *zk.Conn
	path string
}

// openWriteLock connects to ZooKeeper (or ClickHouse Keeper).
func openWriteLock(servers []string, database string, log *slog.Logger) (*writeLock, error) {
	conn, _, err := zk.Connect(servers, 10*time.Second, zk.WithLogger(zkLogger{log}))
	if err != nil {
		return nil, fmt.Errorf("chstore: zookeeper %v: %w", servers, err)
	}
	return &writeLock{conn: conn, path: "/servicecard/" + database + "/locks/write"}, nil
}

// lock blocks until this caller holds the lock (or ctx ends) and returns
// the function that releases it.
func (l *writeLock) lock(ctx context.Context) (func(), error) {
	if l == nil {
		return func() {}, nil
	}
	m := zk.NewLock(l.conn, l.path, zk.WorldACL(zk.PermAll))
	done := make(chan error, 1)
	go func() { done <- m.Lock() }()
	select {
	case err := <-done:
		if err != nil {
			return nil, fmt.Errorf("chstore: write lock %s: %w", l.path, err)
		}
		return func() { _ = m.Unlock() }, nil
	case <-ctx.Done():
		go func() {
			if <-done == nil {
				_ = m.Unlock()
			}
		}()
		return nil, ctx.Err()
	}
}

func (l *writeLock) close() {
	if l != nil {
		l.conn.Close()
	}
}

// zkLogger sends the ZooKeeper client's messages to the store's log.
type zkLogger struct{ log *slog.Logger }

func (z zkLogger) Printf(format string, args ...any) { z.log.Debug(fmt.Sprintf(format, args...)) }
