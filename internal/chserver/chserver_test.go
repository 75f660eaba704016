package chserver

import (
	"context"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"
)

func TestStartQueryStop(t *testing.T) {
	ctx := context.Background()
	t0 := time.Now()
	s, err := Start(ctx, Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("started in %s", time.Since(t0))
	defer func() { t1 := time.Now(); s.Stop(); t.Logf("stopped in %s", time.Since(t1)) }()
	conn, err := clickhouse.Open(&clickhouse.Options{Addr: []string{s.Addr}})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	var one uint8
	if err := conn.QueryRow(ctx, "SELECT 1").Scan(&one); err != nil || one != 1 {
		t.Fatalf("SELECT 1 = %d, %v", one, err)
	}
	v, err := conn.ServerVersion()
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("server %s on %s", v, s.Addr)
}
