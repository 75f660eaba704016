package chstore

import (
	"context"
	"database/sql"
	sqldriver "database/sql/driver"
	_ "embed"
	"errors"
	"fmt"
	"io"
	"net"
	"syscall"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"
)

// Unavailable reports whether err says ClickHouse could not be reached or
// dropped the connection (refused, reset, closed, timed out, or no free
// connection), as opposed to a query ClickHouse answered with an error.
// Callers answer such errors "try again later".
func Unavailable(err error) bool {
	if err == nil || errors.Is(err, context.Canceled) {
		return false
	}
	var ne net.Error
	switch {
	case errors.As(err, &ne),
		errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE),
		errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, net.ErrClosed),
		errors.Is(err, clickhouse.ErrAcquireConnTimeout), errors.Is(err, sqldriver.ErrBadConn):
		return true
	}
	return false
}

//go:embed queries/batch_running.sql
var batchRunningSQL string

// MarkBatchFailed records batch id as failed with reason, when its row
// still says running (a load cut off before it could record its outcome,
// e.g. by a ClickHouse outage). It reports whether it changed the row.
func (s *Store) MarkBatchFailed(ctx context.Context, id, reason string) (bool, error) {
	var (
		source, kind, format, file string
		ok, rejected, bytes        uint64
		started                    time.Time
	)
	row := s.conn.QueryRow(ctx, batchRunningSQL, clickhouse.Named("id", id))
	if err := row.Scan(&source, &kind, &format, &file, &ok, &rejected, &bytes, &started); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return false, nil
		}
		return false, fmt.Errorf("chstore: read batch %s: %w", id, err)
	}
	now := time.Now().UTC()
	values := []any{
		[]string{id}, []string{source}, []string{kind}, []string{format},
		[]string{file}, []string{"failed"}, []uint64{ok}, []uint64{rejected},
		[]uint64{0}, []uint64{bytes}, []time.Time{started},
		[]*time.Time{&now}, []uint64{uint64(now.Sub(started).Milliseconds())}, []string{reason},
		[]uint64{s.versions(1)},
	}
	if err := s.insertColumns(ctx, insertBatch, values); err != nil {
		return false, fmt.Errorf("chstore: mark batch %s failed: %w", id, err)
	}
	return true, nil
}
