package api

import (
	"encoding/json"
	"math/rand/v2"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/servicecard/servicecard/internal/auth"
	"github.com/servicecard/servicecard/metrics"
)

func decode(t *testing.T, rec *httptest.ResponseRecorder, v any) {
	t.Helper()
	if rec.Code != 200 {
		t.Fatalf("status = %d: %s", rec.Code, rec.Body)
	}
	if err := json.Unmarshal(rec.Body.Bytes(), v); err != nil {
		t.Fatalf("decode %s: %v", rec.Body, err)
	}
}

func TestBadParameters(t *testing.T) {
	f := newFixture(t, nil)
	tests := []struct {
		role, method, target string
		param                string // the message must start with it
		wantMsg              string
	}{
		{"admin", "GET", "/api/v1/scorecards?from=zzz", "from", "want YYYY-MM-DD or RFC 3339"},
		{"admin", "GET", "/api/v1/scorecards?to=2024-13-01", "to", "want YYYY-MM-DD or RFC 3339"},
		{"admin", "GET", "/api/v1/scorecards?from=2024-02-30", "from", "RFC 3339"},
		{"admin", "GET", "/api/v1/scorecards?from=2024-10-01T25:00:00Z", "from", "RFC 3339"},
		{"admin", "GET", "/api/v1/scorecards?level=galaxy", "level", "want org, site, team, queue or agent"},
		{"admin", "GET", "/api/v1/scorecards?level=AGENT", "level", "want org"},
		{"admin", "GET", "/api/v1/scorecards?grain=year", "grain", "want day, week or month"},
		{"admin", "GET", "/api/v1/scorecards?from=2024-10-10&to=2024-10-01", "to", "must be after from"},
		{"admin", "GET", "/api/v1/scorecards?from=2024-10-10T00:00:00Z&to=2024-10-10T00:00:00Z", "to", "must be after from"},
		{"admin", "GET", "/api/v1/scorecards?grain=day&from=2023-01-01&to=2024-02-04", "from", "range too large"},
		{"admin", "GET", "/api/v1/scorecards?grain=week&from=2015-01-01&to=2024-01-01", "from", "range too large"},
		{"admin", "GET", "/api/v1/scorecards?grain=month&from=1990-01-01&to=2024-01-01", "from", "range too large"},
		{"admin", "GET", "/api/v1/scorecards?from=1989-12-31", "from", "1990-01-01"},
		{"admin", "GET", "/api/v1/coaching?to=9999-12-31", "to", "before 3000-01-01"},
		{"admin", "GET", "/api/v1/scorecards?level=org&team=team-a", "team", "filters level team or agent"},
		{"admin", "GET", "/api/v1/scorecards?grian=week", "grian", "unknown parameter"},
		{"admin", "GET", "/api/v1/scorecards?level=org&level=team", "level", "given 2 times"},
		{"admin", "GET", "/api/v1/scorecards?level=team&team=" + strings.Repeat("x", 201), "team", "at most 200 bytes"},
		{"admin", "GET", "/api/v1/scorecards?level=team&team=a%00b", "team", "control characters"},
		{"admin", "GET", "/api/v1/scorecards?%zz", "query", "malformed"},
		{"admin", "GET", "/api/v1/metrics/catalog?x=1", "x", "this route takes none"},
		{"admin", "GET", "/api/v1/coaching?to=soon", "to", "RFC 3339"},
		{"admin", "GET", "/api/v1/coaching?from=2024-01-01", "from", "unknown parameter"},
		{"admin", "GET", "/api/v1/recognition?from=2000-01-01&to=2024-01-01", "from", "range too large"},
		{"analyst", "GET", "/api/v1/export/contacts?format=xlsx", "format", "want csv, ndjson or parquet"},
		{"analyst", "GET", "/api/v1/export/contacts?from=1.1.2024", "from", "YYYY-MM-DD"},
		{"admin", "POST", "/api/v1/ingest/contacts?format=xml", "format", "want auto, csv"},
		{"admin", "POST", "/api/v1/ingest/contacts?format=qualtrics", "format", "unknown format"},
		{"admin", "POST", "/api/v1/ingest/contacts?timezone=Mars/Olympus", "timezone", "IANA"},
		{"admin", "POST", "/api/v1/ingest/contacts?timezone=../../etc/passwd", "timezone", "IANA"},
		{"admin", "POST", "/api/v1/ingest/contacts?batch_id=a%20b", "batch_id", "letters"},
	}
	for _, tt := range tests {
		t.Run(tt.target, func(t *testing.T) {
			rec := f.do(t, tt.role, tt.method, tt.target, strings.NewReader(contactsCSV))
			if rec.Code != 400 {
				t.Fatalf("status = %d, want 400; body %s", rec.Code, rec.Body)
			}
			e := errorOf(t, rec)
			if e.Code != "bad_parameter" {
				t.Errorf("code = %q, want bad_parameter", e.Code)
			}
			if !strings.HasPrefix(e.Message, tt.param+": ") || !strings.Contains(e.Message, tt.wantMsg) {
				t.Errorf("message = %q, want %q... containing %q", e.Message, tt.param+": ", tt.wantMsg)
			}
		})
	}
}

// TestGarbageQueries throws random query strings at every GET route:
// the answer is a 2xx or a 4xx, never a 5xx or a panic.
func TestGarbageQueries(t *testing.T) {
	f := newFixture(t, nil)
	f.backend.exportRows = [][]any{{"c-1"}}
	names := []string{"level", "grain", "from", "to", "team", "format", "x", "", "from[]", "tEam"}
	values := []string{
		"", "zzz", "galaxy", "year", "day", "week", "month", "agent", "org", "csv", "parquet",
		"2024-10-01", "2024-10-01T00:00:00Z", "2024-10-01T00:00:00+14:00", "0000-01-01", "9999-12-31",
		"9999-12-31T23:59:59Z", "-2024-01-01", "2024-1-1", "2024-10-01T00:00:00", "1990-01-01",
		"team-a", "team-a,team-c", ",,,", "%00", "%ff%fe", "\u202e", strings.Repeat("9", 400),
		"1e309", "NaN", "null", "[]", "{}", "'; DROP TABLE contacts; --",
	}
	routes := []struct{ role, path string }{
		{"admin", "/api/v1/scorecards"},
		{"supervisor", "/api/v1/scorecards"},
		{"executive", "/api/v1/scorecards"},
		{"admin", "/api/v1/coaching"},
		{"supervisor", "/api/v1/recognition"},
		{"analyst", "/api/v1/export/contacts"},
		{"admin", "/api/v1/metrics/catalog"},
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range 600 {
		r := routes[i%len(routes)]
		var parts []string
		for range 1 + rng.IntN(4) {
			parts = append(parts, url.QueryEscape(names[rng.IntN(len(names))])+"="+url.QueryEscape(values[rng.IntN(len(values))]))
		}
		if i%7 == 0 { // raw, possibly malformed escapes
			parts = append(parts, values[rng.IntN(len(values))])
		}
		target := r.path + "?" + strings.Join(parts, "&")
		if i%11 == 0 {
			target = r.path + "?from=2024-10-01&to=2024-10-31&grain=day" // some must succeed
		}
		req := httptest.NewRequest("GET", "/", nil)
		req.URL.RawQuery = target[strings.IndexByte(target, '?')+1:]
		req.URL.Path = r.path
		req.RequestURI = ""
		req.Header.Set("Authorization", "Bearer "+f.tokens[r.role])
		rec := httptest.NewRecorder()
		f.srv.ServeHTTP(rec, req)
		if rec.Code >= 500 || rec.Code < 200 {
			t.Errorf("%s %s: status %d: %s", r.role, target, rec.Code, rec.Body)
		}
		if rec.Code >= 400 {
			errorOf(t, rec)
		}
	}
}

func FuzzScorecardsQuery(f *testing.F) {
	for _, s := range []string{"level=agent&grain=day&from=2024-10-01&to=2024-10-31", "from=zzz", "grain=year", "team=a,b&level=team", "%zz"} {
		f.Add(s)
	}
	fx := newFixture(f, nil)
	f.Fuzz(func(t *testing.T, raw string) {
		req := httptest.NewRequest("GET", "/api/v1/scorecards", nil)
		req.URL.RawQuery = raw
		req.Header.Set("Authorization", "Bearer "+fx.tokens["supervisor"])
		rec := httptest.NewRecorder()
		fx.srv.ServeHTTP(rec, req)
		if rec.Code >= 500 {
			t.Fatalf("%q: status %d: %s", raw, rec.Code, rec.Body)
		}
	})
}

func TestScorecardDefaults(t *testing.T) {
	f := newFixture(t, nil)
	tests := []struct {
		target    string
		level     metrics.Level
		grain     metrics.Grain
		from, to  string // RFC 3339 in UTC (the default business zone)
		wantTeams []string
	}{
		{"/api/v1/scorecards", metrics.LevelOrg, metrics.GrainWeek, "2024-07-22T00:00:00Z", "2024-10-10T00:00:00Z", nil},
		{"/api/v1/scorecards?grain=day", metrics.LevelOrg, metrics.GrainDay, "2024-09-12T00:00:00Z", "2024-10-10T00:00:00Z", nil},
		{"/api/v1/scorecards?grain=month&level=site", metrics.LevelSite, metrics.GrainMonth, "2023-11-01T00:00:00Z", "2024-10-10T00:00:00Z", nil},
		{"/api/v1/scorecards?level=team&team=x,y&from=2024-10-07&to=2024-10-13", metrics.LevelTeam, metrics.GrainWeek, "2024-10-07T00:00:00Z", "2024-10-14T00:00:00Z", []string{"x", "y"}},
		{"/api/v1/scorecards?from=2024-10-07T08:00:00%2B02:00&to=2024-10-08T00:00:00Z", metrics.LevelOrg, metrics.GrainWeek, "2024-10-07T06:00:00Z", "2024-10-08T00:00:00Z", nil},
		// 366 days of days is the limit, and allowed.
		{"/api/v1/scorecards?grain=day&from=2023-10-09&to=2024-10-08", metrics.LevelOrg, metrics.GrainDay, "2023-10-09T00:00:00Z", "2024-10-09T00:00:00Z", nil},
	}
	for _, tt := range tests {
		t.Run(tt.target, func(t *testing.T) {
			rec := f.do(t, "admin", "GET", tt.target, nil)
			var resp ScorecardsResponse
			decode(t, rec, &resp)
			q := f.backend.lastScorecards
			if q.Level != tt.level || q.Grain != tt.grain || q.From.UTC().Format(time.RFC3339) != tt.from ||
				q.To.UTC().Format(time.RFC3339) != tt.to || strings.Join(q.Teams, ",") != strings.Join(tt.wantTeams, ",") {
				t.Errorf("backend query = %+v, want %s %s %s..%s %v", q, tt.level, tt.grain, tt.from, tt.to, tt.wantTeams)
			}
			if resp.Rows == nil || !strings.Contains(rec.Body.String(), `"rows":[]`) {
				t.Errorf("no rows must be [], got %s", rec.Body)
			}
		})
	}
}

// TestBusinessTimeZone: dates are days of the configured zone.
func TestBusinessTimeZone(t *testing.T) {
	cfg, err := metrics.ParseConfig([]byte("timezone: America/New_York\n"))
	if err != nil {
		t.Fatal(err)
	}
	tok, entry, err := auth.NewTokenEntry("ny", auth.RoleAdmin, nil)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Tokens = append(cfg.Tokens, entry)
	f := newFixture(t, func(o *Options) { o.Config = &cfg })
	f.tokens["admin"] = tok
	// November 3 2024 is the DST change in New York: a 25-hour day.
	rec := f.do(t, "admin", "GET", "/api/v1/scorecards?grain=day&from=2024-11-03&to=2024-11-03", nil)
	var resp ScorecardsResponse
	decode(t, rec, &resp)
	q := f.backend.lastScorecards
	if got := q.From.UTC().Format(time.RFC3339); got != "2024-11-03T04:00:00Z" {
		t.Errorf("from = %s", got)
	}
	if got := q.To.Sub(q.From); got != 25*time.Hour {
		t.Errorf("to - from = %v, want 25h", got)
	}
}
