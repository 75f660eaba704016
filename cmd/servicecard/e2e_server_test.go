package main

// A server that holds up: stalled bodies, oversized ingest, outages of
// ClickHouse, HEAD, logout and the small contract points of serve, each
// over real HTTP against a `servicecard serve` of its own on the
// center's database.

import (
	"bufio"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/servicecard/servicecard/internal/chtest"
	"github.com/servicecard/servicecard/internal/demo"
)

// contactsCSV is a generic contacts CSV of n answered contacts of source,
// one a minute from at, in a team no other test reads.
func contactsCSV(source string, n int, at time.Time) string {
	var b strings.Builder
	w := csv.NewWriter(&b)
	_ = w.Write(demo.ContactColumns)
	for i := range n {
		start := at.Add(time.Duration(i) * time.Minute).UTC()
		ts := func(d time.Duration) string { return start.Add(d).Format(time.RFC3339) }
		_ = w.Write([]string{fmt.Sprintf("%s-%06d", source, i), source, "voice", "inbound", "e2e-queue", "E2E Server Team", "E2E Site",
			"e2e-agent", fmt.Sprintf("CUST-%s-%d", source, i), ts(0), ts(10 * time.Second), ts(5 * time.Minute),
			"10", "240", "20", "1", "30", "false", "false", "true", "resolved", "", ts(6 * time.Minute)})
	}
	w.Flush()
	return b.String()
}

// rawRequest sends head and then body on a new connection to base and
// reads the answer, waiting at most wait.
func rawRequest(t *testing.T, base, head, body string, wait time.Duration) (*http.Response, string, time.Duration) {
	t.Helper()
	conn, err := net.DialTimeout("tcp", strings.TrimPrefix(base, "http://"), 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(wait))
	start := time.Now()
	if _, err := io.WriteString(conn, head+"\r\n"+body); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("no answer within %v: %v", wait, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b), time.Since(start)
}

func (c *center) count(t *testing.T, query string, args ...any) uint64 {
	t.Helper()
	var n uint64
	if err := c.conn(t).QueryRow(t.Context(), query, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

func TestE2EServerLimits(t *testing.T) {
	c := sharedCenter(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	const maxBody = 64 << 10
	base, _, logs, err := startServe(ctx, c.env(t), "--body-timeout", "3s", "--max-ingest-bytes", fmt.Sprint(maxBody))
	if err != nil {
		t.Fatal(err)
	}
	srv := *c
	srv.base = base
	srv.stderr = logs
	host := strings.TrimPrefix(base, "http://")
	at := c.m.To.Add(30 * 24 * time.Hour)

	t.Run("stalled login body", func(t *testing.T) {
		resp, body, took := rawRequest(t, base, "POST /login HTTP/1.1\r\nHost: "+host+"\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n",
			"token=", 10*time.Second)
		if resp.StatusCode < 400 || resp.StatusCode >= 500 || took > 6*time.Second {
			t.Fatalf("status %d after %v, want a 4xx within the 3 s body timeout: %.200s", resp.StatusCode, took, body)
		}
	})
	t.Run("stalled ingest body", func(t *testing.T) {
		resp, body, took := rawRequest(t, base, "POST /api/v1/ingest/contacts?format=csv HTTP/1.1\r\nHost: "+host+
			"\r\nAuthorization: Bearer "+c.tokens[tokAdmin]+"\r\nContent-Type: text/csv\r\nContent-Length: 1000\r\n",
			strings.Join(demo.ContactColumns, ",")+"\n", 10*time.Second)
		wantError(t, response{status: resp.StatusCode, header: resp.Header, body: []byte(body)}, http.StatusRequestTimeout, "request_timeout")
		if took > 6*time.Second {
			t.Errorf("answered after %v, want about the 3 s body timeout", took)
		}
	})
	t.Run("413 loads nothing", func(t *testing.T) {
		// Chunked (no Content-Length), the first part under the limit and
		// held long enough for the writer's 1 s flush, then the rest.
		rows := contactsCSV("e2e-413", 700, at)
		cut := strings.Index(rows[maxBody/2:], "\n") + maxBody/2 + 1
		pr, pw := io.Pipe()
		go func() {
			_, _ = io.WriteString(pw, rows[:cut])
			time.Sleep(1500 * time.Millisecond)
			_, _ = io.WriteString(pw, rows[cut:])
			pw.Close()
		}()
		r := srv.do(t, http.MethodPost, tokAdmin, "/api/v1/ingest/contacts", q("format", "csv", "batch_id", "e2e-413"), "text/csv", pr)
		wantError(t, r, http.StatusRequestEntityTooLarge, "too_large")
		if !strings.Contains(string(r.body), "nothing was loaded") {
			t.Errorf("413 does not say nothing was loaded: %s", r.body)
		}
		if n := c.count(t, "SELECT count() FROM contacts FINAL WHERE sign = 1 AND source = 'e2e-413'"); n != 0 {
			t.Errorf("%d contacts of the refused body are stored, want 0", n)
		}
		if n := c.count(t, "SELECT count() FROM ingest_batches FINAL WHERE batch_id = 'e2e-413'"); n != 0 {
			t.Errorf("the refused body left %d ingest_batches rows, want 0", n)
		}
	})
	t.Run("curl's form content type", func(t *testing.T) {
		// curl --data-binary @file sends application/x-www-form-urlencoded.
		r := srv.do(t, http.MethodPost, tokAdmin, "/api/v1/ingest/contacts", q("format", "csv"), "application/x-www-form-urlencoded",
			strings.NewReader(contactsCSV("e2e-form", 3, at)))
		if r.status != http.StatusOK {
			t.Fatalf("%d %s", r.status, r.body)
		}
		if n := c.count(t, "SELECT count() FROM contacts FINAL WHERE sign = 1 AND source = 'e2e-form'"); n != 3 {
			t.Errorf("stored %d contacts, want 3", n)
		}
		m := srv.get(t, "", "/metrics", nil)
		want := `servicecard_ingest_rows_total{format="csv",kind="contacts",outcome="ok"} 3`
		if !strings.Contains(string(m.body), want) {
			t.Errorf("/metrics lacks %s", want)
		}
	})
	t.Run("ingest error message", func(t *testing.T) {
		r := srv.do(t, http.MethodPost, tokAdmin, "/api/v1/ingest/contacts", q("format", "csv"), "text/csv", strings.NewReader("id,when\n1,2\n"))
		wantError(t, r, http.StatusBadRequest, "bad_request")
		var body ErrorBodyForTest
		_ = json.Unmarshal(r.body, &body)
		if !strings.HasPrefix(body.Error.Message, "ingest contacts: input is not in the expected format") ||
			strings.Contains(body.Error.Message, "api:") || strings.Contains(body.Error.Message, "http:") {
			t.Errorf("message %q, want one plain \"ingest contacts: input is not in the expected format: ...\"", body.Error.Message)
		}
	})
	t.Run("HEAD", func(t *testing.T) {
		for _, path := range []string{"/healthz", "/api/v1/scorecards", "/api/v1/metrics/catalog", "/"} {
			r := srv.do(t, http.MethodHead, tokExecutive, path, nil, "", nil)
			if r.status != http.StatusOK || len(r.body) != 0 {
				t.Errorf("HEAD %s: %d with %d body bytes, want 200 and none", path, r.status, len(r.body))
			}
		}
	})
	t.Run("partial periods", func(t *testing.T) {
		// From a Wednesday: the first week is cut, the next ones whole.
		first := c.m.From
		for first.In(c.loc).Weekday() != time.Wednesday {
			first = first.AddDate(0, 0, 1)
		}
		var sc struct {
			Rows []struct {
				PeriodStart time.Time `json:"period_start"`
				Partial     *bool     `json:"partial"`
			} `json:"rows"`
		}
		srv.getJSON(t, tokExecutive, "/api/v1/scorecards", q("grain", "week", "from", first.Format(time.DateOnly), "to", c.lastDay()), &sc)
		if len(sc.Rows) < 3 {
			t.Fatalf("%d weekly rows", len(sc.Rows))
		}
		for i, r := range sc.Rows[:len(sc.Rows)-1] {
			if r.Partial == nil || *r.Partial != (i == 0) {
				t.Errorf("week %s: partial %v, want %v", r.PeriodStart.Format(time.DateOnly), r.Partial, i == 0)
			}
		}
	})
	t.Run("logout is POST only", func(t *testing.T) {
		r := srv.get(t, "", "/logout", nil)
		if r.status != http.StatusMethodNotAllowed {
			t.Errorf("GET /logout: %d, want 405", r.status)
		}
		r = srv.do(t, http.MethodPost, "", "/logout", nil, "", nil)
		if r.status != http.StatusSeeOther && r.status != http.StatusOK {
			t.Errorf("POST /logout (same origin): %d, want a redirect to the login", r.status)
		}
	})
}

// ErrorBodyForTest is the JSON error shape.
type ErrorBodyForTest struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

// TestE2EOutage stops the package's ClickHouse under a running serve:
// every data route answers 503 with Retry-After, and an ingest cut off by
// the outage ends as a failed batch once ClickHouse is back.
func TestE2EOutage(t *testing.T) {
	c := sharedCenter(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	base, _, logs, err := startServe(ctx, c.env(t))
	if err != nil {
		t.Fatal(err)
	}
	srv := *c
	srv.base = base
	srv.stderr = logs
	ch := chtest.Server()
	down := false
	restart := func() {
		if !down {
			return
		}
		if err := ch.Restart(context.Background()); err != nil {
			t.Fatalf("restart ClickHouse: %v", err)
		}
		down = false
		// Wait for both servers to see it again.
		deadline := time.Now().Add(60 * time.Second)
		for _, b := range []string{base, c.base} {
			for {
				resp, err := http.Get(b + "/readyz")
				if err == nil {
					resp.Body.Close()
					if resp.StatusCode == http.StatusOK {
						break
					}
				}
				if time.Now().After(deadline) {
					t.Fatalf("%s not ready 60 s after the restart", b)
				}
				time.Sleep(100 * time.Millisecond)
			}
		}
	}
	defer restart()

	t.Run("503 with Retry-After", func(t *testing.T) {
		ch.Kill()
		down = true
		period := q("from", c.firstDay(), "to", c.lastDay())
		for _, tc := range []struct {
			method, tok, path, ct, body string
		}{
			{http.MethodGet, tokExecutive, "/api/v1/scorecards", "", ""},
			{http.MethodGet, tokSupervisor, "/api/v1/coaching", "", ""},
			{http.MethodGet, tokExecutive, "/api/v1/recognition", "", ""},
			{http.MethodGet, tokAnalyst, "/api/v1/export/contacts", "", ""},
			{http.MethodPost, tokAdmin, "/api/v1/ingest/contacts", "text/csv", contactsCSV("e2e-down", 2, c.m.To.Add(40*24*time.Hour))},
			{http.MethodGet, tokExecutive, "/", "", ""},
			{http.MethodGet, tokSupervisor, "/coaching", "", ""},
		} {
			query := period
			if tc.method == http.MethodPost {
				query = q("format", "csv")
			}
			if tc.path == "/api/v1/coaching" {
				query = q("to", c.lastDay())
			}
			if !strings.HasPrefix(tc.path, "/api/") {
				query = nil
			}
			var body io.Reader
			if tc.body != "" {
				body = strings.NewReader(tc.body)
			}
			r := srv.do(t, tc.method, tc.tok, tc.path, query, tc.ct, body)
			if r.status != http.StatusServiceUnavailable || r.header.Get("Retry-After") == "" {
				t.Errorf("%s %s during an outage: %d, Retry-After %q, want 503 with Retry-After: %.300s",
					tc.method, tc.path, r.status, r.header.Get("Retry-After"), r.body)
			}
			if strings.HasPrefix(tc.path, "/api/") && r.status == http.StatusServiceUnavailable {
				wantError(t, r, http.StatusServiceUnavailable, "unavailable")
			}
		}
		restart()
	})
	t.Run("ingest cut off is marked failed", func(t *testing.T) {
		body := contactsCSV("e2e-cut", 150_000, c.m.To.Add(60*24*time.Hour))
		done := make(chan response, 1)
		go func() {
			done <- srv.do(t, http.MethodPost, tokAdmin, "/api/v1/ingest/contacts", q("format", "csv", "batch_id", "e2e-cut"), "text/csv", strings.NewReader(body))
		}()
		status := func() string {
			conn, err := openCH(c.db)
			if err != nil {
				return ""
			}
			defer conn.Close()
			var s string
			_ = conn.QueryRow(context.Background(), "SELECT status FROM ingest_batches FINAL WHERE batch_id = 'e2e-cut'").Scan(&s)
			return s
		}
		deadline := time.Now().Add(60 * time.Second)
		for status() != "running" {
			if time.Now().After(deadline) {
				t.Fatal("the batch never showed running")
			}
			time.Sleep(10 * time.Millisecond)
		}
		ch.Kill()
		down = true
		var r response
		select {
		case r = <-done:
		case <-time.After(90 * time.Second):
			t.Fatal("the cut-off ingest got no answer within 90 s")
		}
		wantError(t, r, http.StatusServiceUnavailable, "unavailable")
		if !strings.Contains(string(r.body), "e2e-cut") || !strings.Contains(string(r.body), "failed") {
			t.Errorf("the answer does not say batch e2e-cut failed: %s", r.body)
		}
		restart()
		deadline = time.Now().Add(60 * time.Second)
		for {
			s := status()
			if s == "failed" {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("batch e2e-cut says %q 60 s after ClickHouse came back, want failed", s)
			}
			time.Sleep(200 * time.Millisecond)
		}
	})
}
