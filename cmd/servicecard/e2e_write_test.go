package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"math"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/servicecard/servicecard/internal/api"
	"github.com/servicecard/servicecard/internal/demo"
)

// The tests in this file write to the shared center. They only add rows
// no other test reads (a source of their own, after the demo's range) or
// replace rows with equal ones, except TestE2EReingest's correction of
// three contacts of agents without a planted pattern.

// TestE2EAdminIngest posts a small CSV with one bad row as the admin.
func TestE2EAdminIngest(t *testing.T) {
	c := sharedCenter(t)
	// After the demo's range, in a team of its own: no other test reads it.
	at := c.m.To.Add(10 * time.Hour).UTC()
	ts := func(d time.Duration) string { return at.Add(d).Format(time.RFC3339) }
	var b strings.Builder
	w := csv.NewWriter(&b)
	_ = w.Write(demo.ContactColumns)
	for i := range 3 {
		off := time.Duration(i) * time.Hour
		_ = w.Write([]string{fmt.Sprintf("E2E-HTTP-%d", i+1), "e2e-http", "voice", "inbound", "e2e-queue", "E2E Team", "E2E Site",
			"e2e-agent", fmt.Sprintf("CUST-E2E-%d", i+1), ts(off), ts(off + 10*time.Second), ts(off + 5*time.Minute),
			"10", "240", "20", "1", "30", "false", "false", "true", "resolved", "", ts(off + 6*time.Minute)})
	}
	_ = w.Write([]string{"E2E-HTTP-BAD", "e2e-http", "voice", "inbound", "e2e-queue", "E2E Team", "E2E Site",
		"e2e-agent", "CUST-E2E-9", "not-a-time", "", ts(time.Hour), "10", "240", "0", "0", "30", "false", "false", "", "", "", ts(time.Hour)})
	w.Flush()
	body := b.String()

	t.Run("admin", func(t *testing.T) {
		r := c.do(t, http.MethodPost, tokAdmin, "/api/v1/ingest/contacts", q("format", "csv"), "text/csv", strings.NewReader(body))
		if r.status != http.StatusOK {
			t.Fatalf("%d %s", r.status, r.body)
		}
		var sum struct {
			BatchID      string `json:"batch_id"`
			RowsOK       int64  `json:"rows_ok"`
			RowsRejected int64  `json:"rows_rejected"`
			Status       string `json:"status"`
		}
		if err := json.Unmarshal(r.body, &sum); err != nil {
			t.Fatal(err)
		}
		if sum.RowsOK != 3 || sum.RowsRejected != 1 || sum.BatchID == "" || sum.Status != "done" {
			t.Fatalf("summary %s, want rows_ok 3, rows_rejected 1, a batch id, status done", r.body)
		}
		conn := c.conn(t)
		var stored, rejects uint64
		if err := conn.QueryRow(t.Context(), "SELECT count() FROM contacts FINAL WHERE sign = 1 AND source = 'e2e-http'").Scan(&stored); err != nil {
			t.Fatal(err)
		}
		if err := conn.QueryRow(t.Context(), "SELECT count() FROM ingest_rejects FINAL WHERE batch_id = ?", sum.BatchID).Scan(&rejects); err != nil {
			t.Fatal(err)
		}
		if stored != 3 || rejects != 1 {
			t.Errorf("stored %d contacts and %d rejects of batch %s, want 3 and 1", stored, rejects, sum.BatchID)
		}
	})
	t.Run("not admin", func(t *testing.T) {
		for _, tok := range []string{tokExecutive, tokSupervisor, tokAnalyst} {
			r := c.do(t, http.MethodPost, tok, "/api/v1/ingest/contacts", q("format", "csv"), "text/csv", strings.NewReader(body))
			wantError(t, r, http.StatusForbidden, "forbidden")
		}
	})
	t.Run("bad format", func(t *testing.T) {
		r := c.do(t, http.MethodPost, tokAdmin, "/api/v1/ingest/contacts", q("format", "xlsx"), "text/csv", strings.NewReader(body))
		wantError(t, r, http.StatusBadRequest, "bad_parameter")
	})
	t.Run("too large", func(t *testing.T) {
		// serve has no setting for the body limit, so announce a body one
		// byte over the default and send only its start: the server must
		// answer 413 from the Content-Length without reading on.
		conn, err := net.DialTimeout("tcp", strings.TrimPrefix(c.base, "http://"), 5*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		_ = conn.SetDeadline(time.Now().Add(30 * time.Second))
		req, err := http.NewRequest(http.MethodPost, c.base+"/api/v1/ingest/contacts?format=csv", nil)
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(conn, "POST /api/v1/ingest/contacts?format=csv HTTP/1.1\r\nHost: %s\r\nAuthorization: Bearer %s\r\n"+
			"Content-Type: text/csv\r\nContent-Length: %d\r\n\r\n%s",
			req.Host, c.tokens[tokAdmin], int64(api.DefaultMaxIngestBytes)+1, strings.Join(demo.ContactColumns, ",")+"\n")
		resp, err := http.ReadResponse(bufio.NewReader(conn), req)
		if err != nil {
			t.Fatalf("read response: %v", err)
		}
		defer resp.Body.Close()
		var rb strings.Builder
		_, _ = bufio.NewReader(resp.Body).WriteTo(&rb)
		wantError(t, response{status: resp.StatusCode, header: resp.Header, body: []byte(rb.String())}, http.StatusRequestEntityTooLarge, "too_large")
	})
}

// rollupTotals are sums over the whole contacts rollup and table.
type rollupTotals struct {
	Offered, Legs, Handled, HandleS, Held, Transfers int64
	Contacts                                         uint64
}

func (c *center) totals(t *testing.T) rollupTotals {
	t.Helper()
	var x rollupTotals
	conn := c.conn(t)
	err := conn.QueryRow(t.Context(), `SELECT sum(offered), sum(legs), sum(handled), sum(handle_sum_s), sum(held), sum(transfers)
		FROM contacts_rollup`).Scan(&x.Offered, &x.Legs, &x.Handled, &x.HandleS, &x.Held, &x.Transfers)
	if err != nil {
		t.Fatal(err)
	}
	if err := conn.QueryRow(t.Context(), "SELECT count() FROM contacts FINAL WHERE sign = 1").Scan(&x.Contacts); err != nil {
		t.Fatal(err)
	}
	return x
}

// orgDay is the org scorecard of one business day.
func (c *center) orgDay(t *testing.T, day string) wireCard {
	t.Helper()
	var sc wireScorecards
	c.getJSON(t, tokExecutive, "/api/v1/scorecards", q("level", "org", "grain", "day", "from", day, "to", day), &sc)
	if len(sc.Rows) != 1 {
		t.Fatalf("org %s: %d rows, want 1", day, len(sc.Rows))
	}
	return sc.Rows[0]
}

// orgOffered sums the org's weekly offered over the demo's range.
func (c *center) orgOffered(t *testing.T) float64 {
	t.Helper()
	var sc wireScorecards
	c.getJSON(t, tokExecutive, "/api/v1/scorecards", q("level", "org", "grain", "week", "from", c.firstDay(), "to", c.lastDay()), &sc)
	var sum float64
	for _, r := range sc.Rows {
		if v := r.Metrics["offered"]; v != nil {
			sum += *v
		}
	}
	return sum
}

// TestE2EReingest loads the helpdesk contacts again (sources deliver at
// least once: nothing may double), then a correction of three contacts
// with a newer source_updated_at, and checks AHT moves by exactly the
// corrected handle time.
func TestE2EReingest(t *testing.T) {
	c := sharedCenter(t)
	ctx := t.Context()
	env := c.env(t)
	f := c.spec(t, demo.FileHelpdesk)
	f.Path = filepath.Join(t.TempDir(), demo.FileHelpdesk)
	if err := os.WriteFile(f.Path, c.helpdesk, 0o600); err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(bytes.NewReader(c.helpdesk)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	col := map[string]int{}
	for i, h := range recs[0] {
		col[h] = i
	}
	source := recs[1][col["source"]]

	before, offeredBefore := c.totals(t), c.orgOffered(t)
	res := runCmd(ctx, env, c.ingestArgs(f)...)
	if res.err != nil {
		t.Fatalf("re-ingest: %v\n%s", res.err, res.stderr)
	}
	lines, err := ingestLines(res.stdout)
	if err != nil || len(lines) != 1 {
		t.Fatalf("re-ingest summary %q: %v", res.stdout, err)
	}
	if l := lines[0]; l.RowsOK != int64(f.Rows) || l.RowsRejected != int64(f.BadRows) || l.BatchID == "" || l.BatchID == c.loaded[demo.FileHelpdesk].BatchID {
		t.Errorf("re-ingest summary %+v, want rows_ok %d, rows_rejected %d and a new batch id", l, f.Rows, f.BadRows)
	}
	if after := c.totals(t); after != before {
		t.Errorf("re-ingesting the same file changed the totals:\nbefore %+v\nafter  %+v", before, after)
	}
	if offered := c.orgOffered(t); offered != offeredBefore {
		t.Errorf("org offered %v after re-ingest, %v before", offered, offeredBefore)
	}

	// A correction: three handled helpdesk contacts of one day, of agents
	// without a planted pattern, each with more talk time.
	day := c.m.From.AddDate(0, 0, 16)
	dayS := day.Format(time.DateOnly)
	var exclude []string
	for _, a := range c.m.Patterns {
		exclude = append(exclude, a)
	}
	conn := c.conn(t)
	rows, err := conn.Query(ctx, `SELECT source, contact_id, talk_s, source_updated_at FROM contacts FINAL
		WHERE sign = 1 AND source = ? AND answered_at IS NOT NULL AND NOT has(?, agent_id)
		  AND started_at >= ? AND started_at < ?
		ORDER BY contact_id LIMIT 3`, source, exclude, day.UTC(), day.AddDate(0, 0, 1).UTC())
	if err != nil {
		t.Fatal(err)
	}
	type stored struct {
		talk    uint32
		updated time.Time
	}
	picked := map[string]stored{}
	var ids []string
	for rows.Next() {
		var src, id string
		var s stored
		if err := rows.Scan(&src, &id, &s.talk, &s.updated); err != nil {
			t.Fatal(err)
		}
		picked[id] = s
		ids = append(ids, id)
	}
	rows.Close()
	if len(picked) != 3 {
		t.Fatalf("found %d handled %s contacts on %s, want 3", len(picked), source, dayS)
	}

	delta := map[string]int64{ids[0]: 60, ids[1]: 125, ids[2]: 301}
	// The file's latest row of each picked contact, corrected from what is
	// stored (an earlier run of this test may have corrected it already).
	latest := map[string][]string{}
	for _, rec := range recs[1:] {
		id := rec[col["contact_id"]]
		if _, ok := picked[id]; ok && (latest[id] == nil || rec[col["source_updated_at"]] > latest[id][col["source_updated_at"]]) {
			latest[id] = rec
		}
	}
	var out [][]string
	for _, id := range ids {
		rec, s := latest[id], picked[id]
		if rec == nil {
			t.Fatalf("stored contact %s is not in %s", id, f.Path)
		}
		fixed := slices.Clone(rec)
		fixed[col["talk_s"]] = strconv.FormatInt(int64(s.talk)+delta[id], 10)
		fixed[col["source_updated_at"]] = s.updated.Add(time.Hour).UTC().Format(time.RFC3339)
		out = append(out, fixed)
	}
	path := filepath.Join(t.TempDir(), "helpdesk-correction.csv")
	writeCSV(t, path, append([][]string{recs[0]}, out...))

	handle := func() (sum int64, n uint64) {
		err := conn.QueryRow(ctx, `SELECT toInt64(sum(talk_s + hold_s + acw_s)), count() FROM contacts FINAL
			WHERE sign = 1 AND answered_at IS NOT NULL AND started_at >= ? AND started_at < ?`,
			day.UTC(), day.AddDate(0, 0, 1).UTC()).Scan(&sum, &n)
		if err != nil {
			t.Fatal(err)
		}
		return sum, n
	}
	card0 := c.orgDay(t, dayS)
	sum0, n0 := handle()
	if card0.Metrics["aht_s"] == nil || uint64(card0.N["aht_s"]) != n0 {
		t.Fatalf("org %s: aht_s %s over n %d; contacts table has %d handled legs", dayS, fp(card0.Metrics["aht_s"]), card0.N["aht_s"], n0)
	}
	if got, want := *card0.Metrics["aht_s"], float64(sum0)/float64(n0); math.Abs(got-want) > 1e-9*want {
		t.Errorf("org %s aht_s %v, contacts table says %d/%d = %v", dayS, got, sum0, n0, want)
	}

	f2 := f
	f2.Path, f2.Rows, f2.BadRows = path, 3, 0
	res = runCmd(ctx, env, c.ingestArgs(f2)...)
	if res.err != nil {
		t.Fatalf("ingest correction: %v\n%s", res.err, res.stderr)
	}
	if lines, err := ingestLines(res.stdout); err != nil || len(lines) != 1 || lines[0].RowsOK != 3 || lines[0].RowsRejected != 0 {
		t.Fatalf("correction summary %q, want rows_ok 3, rows_rejected 0 (%v)", res.stdout, err)
	}

	var added int64
	for _, d := range delta {
		added += d
	}
	sum1, n1 := handle()
	if n1 != n0 || sum1 != sum0+added {
		t.Errorf("after the correction the contacts table has %d handled legs with %d s, want %d with %d s (+%d)", n1, sum1, n0, sum0+added, added)
	}
	card1 := c.orgDay(t, dayS)
	want := float64(sum0+added) / float64(n0)
	t.Logf("org %s: aht_s %s -> %s over %d handled legs after adding %d s of talk to %v", dayS,
		fp(card0.Metrics["aht_s"]), fp(card1.Metrics["aht_s"]), n0, added, ids)
	if got := card1.Metrics["aht_s"]; got == nil || math.Abs(*got-want) > 1e-9*want || card1.N["aht_s"] != card0.N["aht_s"] {
		t.Errorf("org %s aht_s %s over n %d after correcting %v by %v s, want (%d + %d) / %d = %v over the same n",
			dayS, fp(got), card1.N["aht_s"], ids, delta, sum0, added, n0, want)
	}
	if card1.Metrics["offered"] == nil || card0.Metrics["offered"] == nil || *card1.Metrics["offered"] != *card0.Metrics["offered"] {
		t.Errorf("org %s offered %s after the correction, %s before", dayS, fp(card1.Metrics["offered"]), fp(card0.Metrics["offered"]))
	}
}

func writeCSV(t *testing.T, path string, recs [][]string) {
	t.Helper()
	fh, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := csv.NewWriter(fh)
	if err := w.WriteAll(recs); err != nil {
		t.Fatal(err)
	}
	if err := fh.Close(); err != nil {
		t.Fatal(err)
	}
}

// TestE2EGracefulShutdown serves a second server on the same database and
// cancels it: run must return nil promptly, and the port must close.
func TestE2EGracefulShutdown(t *testing.T) {
	c := sharedCenter(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	base, errc, logs, err := startServe(ctx, c.env(t))
	if err != nil {
		t.Fatal(err)
	}
	r, err := client.Get(base + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	r.Body.Close()
	start := time.Now()
	cancel()
	select {
	case err := <-errc:
		if err != nil {
			t.Fatalf("run serve returned %v after cancel\n%s", err, tail(logs.String(), 3000))
		}
		t.Logf("serve stopped %v after cancel", time.Since(start).Round(time.Millisecond))
	case <-time.After(10 * time.Second):
		t.Fatalf("run serve still running 10 s after cancel\n%s", tail(logs.String(), 3000))
	}
	if _, err := net.DialTimeout("tcp", strings.TrimPrefix(base, "http://"), time.Second); err == nil {
		t.Errorf("%s still accepts connections after shutdown", base)
	}
}
