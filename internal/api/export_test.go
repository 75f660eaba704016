package api

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/parquet-go/parquet-go"

	"github.com/servicecard/servicecard/ingest"
	"github.com/servicecard/servicecard/internal/domain"
)

var exportCols = []domain.Column{
	{Name: "contact_id", Type: domain.TypeString},
	{Name: "started_at", Type: domain.TypeTime},
	{Name: "wait_s", Type: domain.TypeInt},
	{Name: "nps", Type: domain.TypeFloat},
	{Name: "abandoned", Type: domain.TypeBool},
	{Name: "period_start", Type: domain.TypeDate},
}

func exportRows(n int) [][]any {
	berlin, _ := time.LoadLocation("Europe/Berlin")
	rows := make([][]any, n)
	for i := range rows {
		started := time.Date(2024, 10, 1, 9, 0, i%60, 0, time.UTC)
		var nps any = float64(i%21) - 10
		if i%5 == 0 {
			nps = (*float64)(nil) // a null through a typed nil pointer
		}
		rows[i] = []any{
			fmt.Sprintf("c-%d", i), started, uint32(i), nps, i%2 == 0,
			time.Date(2024, 10, 7, 0, 0, 0, 0, berlin),
		}
	}
	return rows
}

func TestExportFormats(t *testing.T) {
	f := newFixture(t, nil)
	f.backend.exportCols = exportCols
	f.backend.exportRows = exportRows(3)
	f.backend.exportRows[1][3] = math.NaN() // written as null

	t.Run("csv", func(t *testing.T) {
		rec := f.do(t, "analyst", "GET", "/api/v1/export/contacts?from=2024-10-01&to=2024-10-31", nil)
		checkAttachment(t, rec, "text/csv; charset=utf-8", "servicecard-contacts-2024-10-01_2024-10-31.csv")
		recs, err := csv.NewReader(rec.Body).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		want := [][]string{
			{"contact_id", "started_at", "wait_s", "nps", "abandoned", "period_start"},
			{"c-0", "2024-10-01T09:00:00Z", "0", "", "true", "2024-10-07"},
			{"c-1", "2024-10-01T09:00:01Z", "1", "", "false", "2024-10-07"},
			{"c-2", "2024-10-01T09:00:02Z", "2", "-8", "true", "2024-10-07"},
		}
		if fmt.Sprint(recs) != fmt.Sprint(want) {
			t.Errorf("csv =\n%v\nwant\n%v", recs, want)
		}
		q := f.backend.lastExport
		if q.Table != domain.TableContacts || !q.From.Equal(time.Date(2024, 10, 1, 0, 0, 0, 0, time.UTC)) || !q.To.Equal(time.Date(2024, 11, 1, 0, 0, 0, 0, time.UTC)) {
			t.Errorf("backend query = %+v", q)
		}
	})
	t.Run("ndjson", func(t *testing.T) {
		rec := f.do(t, "analyst", "GET", "/api/v1/export/surveys?format=ndjson&from=2024-10-01&to=2024-10-01", nil)
		checkAttachment(t, rec, "application/x-ndjson", "servicecard-surveys-2024-10-01_2024-10-01.ndjson")
		lines := strings.Split(strings.TrimSuffix(rec.Body.String(), "\n"), "\n")
		if len(lines) != 3 {
			t.Fatalf("%d lines: %q", len(lines), rec.Body)
		}
		// Keys keep the column order.
		want := `{"contact_id":"c-2","started_at":"2024-10-01T09:00:02Z","wait_s":2,"nps":-8,"abandoned":true,"period_start":"2024-10-07"}`
		if lines[2] != want {
			t.Errorf("line 3 = %s\nwant      %s", lines[2], want)
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(lines[1]), &m); err != nil || m["nps"] != nil {
			t.Errorf("NaN row = %s (%v)", lines[1], err)
		}
	})
	t.Run("parquet", func(t *testing.T) {
		rec := f.do(t, "admin", "GET", "/api/v1/export/scorecards?format=parquet&from=2024-10-01&to=2024-10-31", nil)
		checkAttachment(t, rec, "application/vnd.apache.parquet", "servicecard-scorecards-2024-10-01_2024-10-31.parquet")
		pf := openParquet(t, rec.Body.Bytes())
		if pf.NumRows() != 3 {
			t.Errorf("rows = %d", pf.NumRows())
		}
		rows := readParquet(t, pf)
		if got := fmt.Sprint(rows[2]); got != "[c-2 2024-10-01T09:00:02Z 2 -8 true 2024-10-07]" {
			t.Errorf("row 3 = %s", got)
		}
		if rows[0][3] != nil || rows[1][3] != nil {
			t.Errorf("null nps = %v, %v", rows[0][3], rows[1][3])
		}
	})
}

func checkAttachment(t *testing.T, rec *httptest.ResponseRecorder, ct, filename string) {
	t.Helper()
	if rec.Code != 200 {
		t.Fatalf("status = %d: %s", rec.Code, rec.Body)
	}
	if got := rec.Header().Get("Content-Type"); got != ct {
		t.Errorf("Content-Type = %q, want %q", got, ct)
	}
	if got, want := rec.Header().Get("Content-Disposition"), `attachment; filename=`+filename; got != want {
		t.Errorf("Content-Disposition = %q, want %q", got, want)
	}
}

func openParquet(t *testing.T, b []byte) *parquet.File {
	t.Helper()
	pf, err := parquet.OpenFile(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatalf("open parquet: %v", err)
	}
	var names []string
	for _, c := range pf.Schema().Columns() {
		names = append(names, strings.Join(c, "."))
	}
	if got := strings.Join(names, ","); got != "contact_id,started_at,wait_s,nps,abandoned,period_start" {
		t.Errorf("parquet columns = %s", got)
	}
	return pf
}

// readParquet reads every row back as Go values, by column type.
func readParquet(t *testing.T, pf *parquet.File) [][]any {
	t.Helper()
	r := parquet.NewReader(pf)
	defer r.Close()
	var out [][]any
	buf := make([]parquet.Row, 100)
	for {
		n, err := r.ReadRows(buf)
		for _, row := range buf[:n] {
			vals := make([]any, len(row))
			for _, v := range row {
				i := v.Column()
				if v.IsNull() {
					continue
				}
				switch exportCols[i].Type {
				case domain.TypeString:
					vals[i] = string(v.ByteArray())
				case domain.TypeTime:
					vals[i] = time.UnixMilli(v.Int64()).UTC().Format(time.RFC3339)
				case domain.TypeInt:
					vals[i] = v.Int64()
				case domain.TypeFloat:
					vals[i] = v.Double()
				case domain.TypeBool:
					vals[i] = v.Boolean()
				case domain.TypeDate:
					vals[i] = time.Unix(int64(v.Int32())*86400, 0).UTC().Format(time.DateOnly)
				}
			}
			out = append(out, vals)
		}
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
	}
}

// TestParquetRowGroups: a large export is written in row groups as rows
// arrive, and reads back whole.
func TestParquetRowGroups(t *testing.T) {
	f := newFixture(t, nil)
	f.backend.exportCols = exportCols
	const n = 2*exportFlushRows + 123
	f.backend.exportRows = exportRows(n)
	rec := f.do(t, "analyst", "GET", "/api/v1/export/contacts?format=parquet", nil)
	pf := openParquet(t, rec.Body.Bytes())
	if pf.NumRows() != n {
		t.Fatalf("rows = %d, want %d", pf.NumRows(), n)
	}
	if g := len(pf.RowGroups()); g != 3 {
		t.Errorf("row groups = %d, want 3", g)
	}
	rows := readParquet(t, pf)
	if last := rows[n-1]; last[0] != fmt.Sprintf("c-%d", n-1) || last[2] != int64(n-1) {
		t.Errorf("last row = %v", last)
	}
}

func TestExportErrors(t *testing.T) {
	t.Run("failure before the first row is a JSON error", func(t *testing.T) {
		f := newFixture(t, nil)
		f.backend.err = errors.New("clickhouse: table contacts does not exist")
		rec := f.do(t, "analyst", "GET", "/api/v1/export/contacts?format=parquet", nil)
		if rec.Code != 500 {
			t.Fatalf("status = %d", rec.Code)
		}
		if e := errorOf(t, rec); e.Code != "internal" {
			t.Errorf("code = %q", e.Code)
		}
		if rec.Header().Get("Content-Disposition") != "" {
			t.Error("an error answer is an attachment")
		}
	})
	t.Run("a value that does not fit its column", func(t *testing.T) {
		f := newFixture(t, nil)
		f.backend.exportCols = []domain.Column{{Name: "wait_s", Type: domain.TypeInt}}
		f.backend.exportRows = [][]any{{"soon"}}
		rec := f.do(t, "analyst", "GET", "/api/v1/export/contacts?format=ndjson", nil)
		if rec.Code != 500 {
			t.Fatalf("status = %d: %s", rec.Code, rec.Body)
		}
		if !strings.Contains(f.logs.String(), "wait_s") {
			t.Errorf("log does not name the column:\n%s", f.logs)
		}
	})
	// After the first bytes are out the status cannot change: the server
	// breaks the connection so the client sees a failed transfer.
	for _, format := range []string{"csv", "ndjson", "parquet"} {
		t.Run("failure mid-stream aborts "+format, func(t *testing.T) {
			f := newFixture(t, nil)
			// Incompressible values, so a row group's bytes outgrow
			// Parquet's write buffer and reach the client.
			rng := rand.New(rand.NewPCG(3, 4))
			f.backend.exportCols = []domain.Column{{Name: "response_id", Type: domain.TypeString}}
			for range 3 * exportFlushRows {
				f.backend.exportRows = append(f.backend.exportRows, []any{fmt.Sprintf("%016x%016x", rng.Uint64(), rng.Uint64())})
			}
			f.backend.exportErrAt = 2*exportFlushRows + 5
			ts := httptest.NewServer(f.srv)
			defer ts.Close()
			req, _ := http.NewRequest("GET", ts.URL+"/api/v1/export/contacts?format="+format, nil)
			req.Header.Set("Authorization", "Bearer "+f.tokens["analyst"])
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			if resp.StatusCode != 200 {
				t.Fatalf("status = %d", resp.StatusCode)
			}
			n, err := io.Copy(io.Discard, bufio.NewReader(resp.Body))
			if err == nil {
				t.Fatalf("read %d bytes of a failed export without an error", n)
			}
			if !strings.Contains(f.logs.String(), "clickhouse went away") {
				t.Errorf("cause not logged:\n%s", f.logs)
			}
		})
	}
}

func TestEncoderProtocol(t *testing.T) {
	for _, format := range ExportFormats {
		t.Run(string(format), func(t *testing.T) {
			var b bytes.Buffer
			enc := newEncoder(format, &b)
			if err := enc.Row([]any{"x"}); err == nil {
				t.Error("row before columns accepted")
			}
			if err := enc.Columns([]domain.Column{{Name: "a"}, {Name: "a"}}); err == nil {
				t.Error("repeated column accepted")
			}
			if err := enc.Columns([]domain.Column{{Name: "a", Type: domain.TypeString}}); err != nil {
				t.Fatal(err)
			}
			if err := enc.Row([]any{"x", "y"}); err == nil {
				t.Error("row of the wrong width accepted")
			}
			if err := enc.Row([]any{42}); err == nil {
				t.Error("int accepted for a string column")
			}
			if err := enc.Close(); err != nil {
				t.Fatal(err)
			}
		})
	}
	if err := newEncoder(ExportCSV, io.Discard).Close(); !errors.Is(err, errNoColumns) {
		t.Errorf("close without columns = %v", err)
	}
}

func TestIngestOverHTTP(t *testing.T) {
	f := newFixture(t, func(o *Options) { o.MaxIngestBytes = 4096 })
	t.Run("summary", func(t *testing.T) {
		rec := f.do(t, "admin", "POST", "/api/v1/ingest/contacts?batch_id=retry-1&source=pbx&timezone=Europe/Berlin", strings.NewReader(contactsCSV))
		var sum ingest.Summary
		decode(t, rec, &sum)
		if sum.RowsOK != 1 || sum.RowsRejected != 1 || sum.BatchID != "retry-1" || sum.Format != ingest.FormatCSV || sum.Status != "done" {
			t.Errorf("summary = %+v", sum)
		}
		for _, key := range []string{`"rows_ok":1`, `"rows_rejected":1`, `"batch_id":"retry-1"`} {
			if !strings.Contains(rec.Body.String(), key) {
				t.Errorf("body lacks %s: %s", key, rec.Body)
			}
		}
		req := f.backend.lastIngest
		if req.Kind != ingest.KindContacts || req.Source != "pbx" || req.Location.String() != "Europe/Berlin" || req.By != "test-admin" || req.Format != ingest.FormatAuto {
			t.Errorf("backend request = %+v", req)
		}
	})
	t.Run("format from content type", func(t *testing.T) {
		req := httptest.NewRequest("POST", "/api/v1/ingest/contacts", strings.NewReader(contactsCSV))
		req.Header.Set("Authorization", "Bearer "+f.tokens["admin"])
		req.Header.Set("Content-Type", "text/csv; charset=utf-8")
		rec := httptest.NewRecorder()
		f.srv.ServeHTTP(rec, req)
		if rec.Code != 200 || f.backend.lastIngest.Format != ingest.FormatCSV {
			t.Errorf("status %d, format %q", rec.Code, f.backend.lastIngest.Format)
		}
	})
	t.Run("input not in the format", func(t *testing.T) {
		rec := f.do(t, "admin", "POST", "/api/v1/ingest/contacts?format=csv", strings.NewReader("foo,bar\n1,2\n"))
		if rec.Code != 400 {
			t.Fatalf("status = %d: %s", rec.Code, rec.Body)
		}
		if e := errorOf(t, rec); e.Code != "bad_input" || !strings.Contains(e.Message, "contact_id") {
			t.Errorf("error = %+v", e)
		}
	})
	big := contactsCSV + strings.Repeat("c-9,2024-10-01T09:00:00Z,2024-10-01T09:05:00Z,billing,team-a,agent-1,10,200\n", 100)
	tests := []struct {
		name   string
		body   io.Reader
		chunks bool
	}{
		{"declared length over the limit", strings.NewReader(big), false},
		{"chunked body over the limit", io.MultiReader(strings.NewReader(big)), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := httptest.NewRequest("POST", "/api/v1/ingest/contacts?format=csv", tt.body)
			if tt.chunks {
				req.ContentLength = -1
			}
			req.Header.Set("Authorization", "Bearer "+f.tokens["admin"])
			rec := httptest.NewRecorder()
			f.srv.ServeHTTP(rec, req)
			if rec.Code != 413 {
				t.Fatalf("status = %d, want 413: %s", rec.Code, rec.Body)
			}
			if e := errorOf(t, rec); e.Code != "too_large" || !strings.Contains(e.Message, "4096") {
				t.Errorf("error = %+v", e)
			}
		})
	}
	t.Run("form upload refused", func(t *testing.T) {
		req := httptest.NewRequest("POST", "/api/v1/ingest/contacts", strings.NewReader("--x\r\n"))
		req.Header.Set("Authorization", "Bearer "+f.tokens["admin"])
		req.Header.Set("Content-Type", "multipart/form-data; boundary=x")
		rec := httptest.NewRecorder()
		f.srv.ServeHTTP(rec, req)
		if rec.Code != 415 || !strings.Contains(rec.Body.String(), "--data-binary") {
			t.Errorf("status %d: %s", rec.Code, rec.Body)
		}
	})
}
