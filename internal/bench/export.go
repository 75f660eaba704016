package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"
	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/servicecard/servicecard/internal/api"
)

// exportResult is one export of every contact of the data set through the
// API (CSV), beside clickhouse-client running the single query the export
// used to be (contacts FINAL ... ORDER BY started_at, FORMAT Null).
type exportResult struct {
	contacts       int
	rows           int64
	bytes          int64
	seconds        float64
	rssBefore      int64 // this process (the API server), bytes
	rssPeak        int64
	heapPeak       uint64
	chMemory       int64 // largest memory_usage of the export's statements
	chStatements   int
	refSeconds     float64
	refMemory      int64
	refErr         string
	statusOrErrMsg string
}

// exportOldSQL is the export before it was sliced: one query over the
// whole range with a global sort.
const exportOldSQL = `SELECT /* bench export reference */ contact_id, source, channel, direction, queue, team, site, agent_id, customer_id,
	started_at, answered_at, ended_at, wait_s, talk_s, hold_s, hold_count, acw_s,
	abandoned = 1, transferred = 1, if(isNull(resolved), NULL, resolved = 1), disposition,
	initial_contact_id, source_updated_at, ingested_at, batch_id
FROM contacts FINAL
WHERE sign = 1 AND started_at >= '2025-01-01 00:00:00' AND started_at < '2026-01-01 00:00:00'
ORDER BY started_at
FORMAT Null`

// export measures the export of the data set's year.
func (h harness) export(ctx context.Context, srv *apiServer, conn driver.Conn, db string, n int) (exportResult, error) {
	res := exportResult{contacts: n, rssBefore: rss()}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { // sample this process's memory while the export runs
		defer wg.Done()
		t := time.NewTicker(50 * time.Millisecond)
		defer t.Stop()
		var ms runtime.MemStats
		for {
			if r := rss(); r > res.rssPeak {
				res.rssPeak = r
			}
			runtime.ReadMemStats(&ms)
			res.heapPeak = max(res.heapPeak, ms.HeapInuse)
			select {
			case <-stop:
				return
			case <-t.C:
			}
		}
	}()
	start := time.Now()
	logStart := time.Now().Add(-time.Second).Truncate(time.Second)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, srv.base+api.Prefix+"/export/contacts?format=csv&from=2025-01-01&to=2025-12-31", nil)
	if err != nil {
		close(stop)
		return res, err
	}
	req.Header.Set("Authorization", "Bearer "+srv.analyst)
	resp, err := srv.client.Do(req)
	if err == nil {
		if resp.StatusCode != http.StatusOK {
			b, _ := io.ReadAll(io.LimitReader(resp.Body, 2000))
			err = fmt.Errorf("%w %d: %s", errStatus, resp.StatusCode, b)
		} else {
			res.rows, res.bytes, err = countLines(resp.Body)
		}
		resp.Body.Close()
	}
	res.seconds = time.Since(start).Seconds()
	close(stop)
	wg.Wait()
	if err != nil {
		return res, fmt.Errorf("export: %w", err)
	}
	res.rows-- // the header
	h.log.Info("export: API done", "contacts", n, "rows", res.rows, "seconds", res.seconds)

	refStart := time.Now()
	if secs, _, err := h.clickhouseClient(ctx, db, exportOldSQL); err != nil {
		res.refErr = firstLine(err.Error())
		res.refSeconds = time.Since(refStart).Seconds()
	} else {
		res.refSeconds = secs
	}
	if err := conn.Exec(ctx, "SYSTEM FLUSH LOGS"); err != nil {
		return res, fmt.Errorf("flush query log: %w", err)
	}
	var ours, ref int64
	var count uint64
	if err := conn.QueryRow(ctx, `SELECT toInt64(max(memory_usage)), count() FROM system.query_log
		WHERE type = 2 AND event_time >= @from AND query LIKE '%FROM contacts FINAL%' AND query NOT LIKE '%bench export reference%' AND query NOT LIKE '%system.query_log%'`,
		clickhouse.Named("from", logStart)).Scan(&ours, &count); err != nil {
		return res, fmt.Errorf("read query log: %w", err)
	}
	if err := conn.QueryRow(ctx, `SELECT toInt64(max(memory_usage)) FROM system.query_log
		WHERE type >= 2 AND event_time >= @from AND query LIKE '%bench export reference%' AND query NOT LIKE '%system.query_log%'`,
		clickhouse.Named("from", logStart)).Scan(&ref); err != nil {
		return res, fmt.Errorf("read query log: %w", err)
	}
	res.chMemory, res.chStatements, res.refMemory = ours, int(count), ref
	return res, nil
}

// countLines counts the lines and bytes of r without keeping them.
func countLines(r io.Reader) (lines, n int64, err error) {
	br := bufio.NewReaderSize(r, 1<<20)
	buf := make([]byte, 1<<20)
	for {
		k, err := br.Read(buf)
		n += int64(k)
		lines += int64(bytes.Count(buf[:k], []byte{'\n'}))
		if err == io.EOF {
			return lines, n, nil
		}
		if err != nil {
			return lines, n, err
		}
	}
}

// rss is this process's resident set size in bytes (0 if unknown).
func rss() int64 { return procStatus("self", "VmRSS") }

// procStatus is a size field of /proc/PID/status (VmRSS, VmHWM...) in
// bytes, 0 if unknown; pid may be "self".
func procStatus(pid, field string) int64 {
	b, err := os.ReadFile("/proc/" + pid + "/status")
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(b), "\n") {
		if f := strings.Fields(l); len(f) >= 2 && f[0] == field+":" {
			kb, _ := strconv.ParseInt(f[1], 10, 64)
			return kb << 10
		}
	}
	return 0
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	if len(s) > 160 {
		s = s[:160] + "…"
	}
	return s
}

func mib(b int64) string { return strconv.FormatFloat(float64(b)/(1<<20), 'f', 0, 64) }

// printExport prints the export table.
func (h harness) printExport(rs []exportResult) {
	fmt.Fprintln(h.out, "\nExport of every contact of the year (GET /api/v1/export/contacts, CSV), beside clickhouse-client running the former single query (contacts FINAL, global ORDER BY started_at, FORMAT Null)")
	tw := tabwriter.NewWriter(h.out, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "contacts\trows\tMiB sent\tAPI s\tserver RSS before → peak, MiB\tGo heap peak, MiB\tClickHouse peak per query, MiB (queries)\tformer query s\tformer query ClickHouse MiB\t\n")
	for _, r := range rs {
		ref := mib(r.refMemory)
		if r.refErr != "" {
			ref = "failed: " + r.refErr
		}
		fmt.Fprintf(tw, "%s\t%d\t%s\t%.1f\t%s → %s\t%s\t%s (%d)\t%.1f\t%s\t\n", count(r.contacts), r.rows, mib(r.bytes), r.seconds,
			mib(r.rssBefore), mib(r.rssPeak), mib(int64(r.heapPeak)), mib(r.chMemory), r.chStatements, r.refSeconds, ref)
	}
	tw.Flush()
}
