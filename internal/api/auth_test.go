package api

import (
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"

	"github.com/servicecard/servicecard/internal/domain"
	"github.com/servicecard/servicecard/metrics"
)

const contactsCSV = "contact_id,started_at,ended_at,queue,team,agent_id,wait_s,talk_s\n" +
	"c-1,2024-10-01T09:00:00Z,2024-10-01T09:05:00Z,billing,team-a,agent-1,10,200\n" +
	"c-2,yesterday-ish,2024-10-01T09:05:00Z,billing,team-a,agent-1,10,200\n"

// TestRoleMatrix is the access table of auth.go, request by request: every
// route crossed with no token, an unknown token and each role.
func TestRoleMatrix(t *testing.T) {
	roles := []string{roleNone, roleBad, "executive", "supervisor", "analyst", "admin"}
	type st = [6]int // in the order of roles
	anon := st{200, 200, 200, 200, 200, 200}
	tests := []struct {
		method, target string
		want           st
	}{
		{"GET", "/healthz", anon},
		{"GET", "/readyz", anon},
		{"GET", "/metrics", anon},
		{"GET", "/api/v1/openapi.json", anon},
		{"GET", "/api/v1/scorecards", st{401, 401, 200, 200, 200, 200}},
		{"GET", "/api/v1/scorecards?level=site&grain=month", st{401, 401, 200, 200, 200, 200}},
		{"GET", "/api/v1/scorecards?level=queue&grain=day", st{401, 401, 200, 200, 200, 200}},
		{"GET", "/api/v1/scorecards?level=team", st{401, 401, 200, 200, 200, 200}},
		{"GET", "/api/v1/scorecards?level=team&team=team-c", st{401, 401, 200, 403, 200, 200}},
		{"GET", "/api/v1/scorecards?level=agent", st{401, 401, 403, 200, 200, 200}},
		{"GET", "/api/v1/scorecards?level=agent&team=team-a", st{401, 401, 403, 200, 200, 200}},
		{"GET", "/api/v1/scorecards?level=agent&team=team-a,team-c", st{401, 401, 403, 403, 200, 200}},
		{"GET", "/api/v1/metrics/catalog", st{401, 401, 200, 200, 200, 200}},
		{"GET", "/api/v1/coaching", st{401, 401, 403, 200, 403, 200}},
		{"GET", "/api/v1/coaching?team=team-b", st{401, 401, 403, 200, 403, 200}},
		{"GET", "/api/v1/coaching?team=team-c", st{401, 401, 403, 403, 403, 200}},
		{"GET", "/api/v1/recognition", st{401, 401, 200, 200, 403, 200}},
		{"GET", "/api/v1/recognition?team=team-c", st{401, 401, 200, 403, 403, 200}},
		{"GET", "/api/v1/export/contacts", st{401, 401, 403, 403, 200, 200}},
		{"GET", "/api/v1/export/surveys?format=ndjson", st{401, 401, 403, 403, 200, 200}},
		{"GET", "/api/v1/export/scorecards?format=parquet", st{401, 401, 403, 403, 200, 200}},
		{"POST", "/api/v1/ingest/contacts?format=csv", st{401, 401, 403, 403, 403, 200}},
	}
	f := newFixture(t, nil)
	covered := map[string]bool{}
	for _, tt := range tests {
		req := httptest.NewRequest(tt.method, tt.target, nil)
		ctx := f.srv.Echo().NewContext(req, httptest.NewRecorder())
		f.srv.Echo().Router().Find(tt.method, echo.GetPath(req), ctx)
		covered[tt.method+" "+ctx.Path()] = true
		for i, role := range roles {
			t.Run(role+" "+tt.method+" "+tt.target, func(t *testing.T) {
				var body *strings.Reader
				if tt.method == "POST" {
					body = strings.NewReader(contactsCSV)
				} else {
					body = strings.NewReader("")
				}
				rec := f.do(t, role, tt.method, tt.target, body)
				if rec.Code != tt.want[i] {
					t.Fatalf("status = %d, want %d; body %s", rec.Code, tt.want[i], rec.Body)
				}
				switch rec.Code {
				case 401:
					if e := errorOf(t, rec); e.Code != "unauthorized" {
						t.Errorf("code = %q", e.Code)
					}
					if got := rec.Header().Get("WWW-Authenticate"); !strings.HasPrefix(got, "Bearer") {
						t.Errorf("WWW-Authenticate = %q", got)
					}
				case 403:
					if e := errorOf(t, rec); e.Code != "forbidden" {
						t.Errorf("code = %q", e.Code)
					}
				}
			})
		}
	}
	// Every registered route is in the table.
	for _, r := range f.srv.Echo().Routes() {
		if r.Method == echo.RouteNotFound {
			continue
		}
		if !covered[r.Method+" "+r.Path] {
			t.Errorf("route %s %s is missing from the role matrix", r.Method, r.Path)
		}
	}
}

func TestBearerParsing(t *testing.T) {
	f := newFixture(t, nil)
	tok := f.tokens["executive"]
	tests := []struct {
		header string
		status int
	}{
		{"Bearer " + tok, 200},
		{"bearer " + tok, 200},
		{"BEARER   " + tok + "  ", 200},
		{"", 401},
		{"Bearer", 401},
		{"Bearer ", 401},
		{"Basic " + tok, 401},
		{tok, 401},
		{"Bearer " + tok + "x", 401},
		{"Bearer " + strings.ToUpper(tok), 401},
	}
	for _, tt := range tests {
		t.Run(tt.header, func(t *testing.T) {
			req := httptest.NewRequest("GET", "/api/v1/metrics/catalog", nil)
			if tt.header != "" {
				req.Header.Set("Authorization", tt.header)
			}
			rec := httptest.NewRecorder()
			f.srv.ServeHTTP(rec, req)
			if rec.Code != tt.status {
				t.Fatalf("status = %d, want %d", rec.Code, tt.status)
			}
		})
	}
}

func TestNoConfigMeansNoAccess(t *testing.T) {
	f := newFixture(t, func(o *Options) { o.Config = nil })
	if rec := f.do(t, "admin", "GET", "/api/v1/metrics/catalog", nil); rec.Code != 401 {
		t.Fatalf("status = %d, want 401 without configured tokens", rec.Code)
	}
	if rec := f.do(t, roleNone, "GET", "/healthz", nil); rec.Code != 200 {
		t.Fatalf("healthz = %d", rec.Code)
	}
}

// TestSupervisorScope checks what reaches the backend and what comes back.
func TestSupervisorScope(t *testing.T) {
	f := newFixture(t, nil)
	f.backend.cards = []metrics.Card{
		{Level: metrics.LevelAgent, Key: "agent-1", Team: "team-a"},
		{Level: metrics.LevelAgent, Key: "agent-2", Team: "team-b"},
		{Level: metrics.LevelAgent, Key: "agent-9", Team: "team-c"}, // a backend that ignored the filter
	}
	f.backend.ops = []metrics.Opportunity{{AgentID: "agent-1", Team: "team-a"}, {AgentID: "agent-9", Team: "team-c"}}
	f.backend.rec = domain.Recognition{
		Stars:  []metrics.Star{{AgentID: "agent-2", Team: "team-b"}, {AgentID: "agent-9", Team: "team-c"}},
		Praise: []metrics.Survey{{ResponseID: "r-9", AgentID: "agent-9", Team: "team-c"}},
	}

	tests := []struct {
		name, target string
		wantTeams    []string
		wantKeys     []string
	}{
		{"no filter means own teams", "/api/v1/scorecards?level=agent", []string{"team-a", "team-b"}, []string{"agent-1", "agent-2"}},
		{"filter kept", "/api/v1/scorecards?level=agent&team=team-b", []string{"team-b"}, []string{"agent-2"}},
		{"repeated filter", "/api/v1/scorecards?level=agent&team=team-b&team=team-a", []string{"team-b", "team-a"}, []string{"agent-1", "agent-2"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := f.do(t, "supervisor", "GET", tt.target, nil)
			if rec.Code != 200 {
				t.Fatalf("status = %d: %s", rec.Code, rec.Body)
			}
			if got := f.backend.lastScorecards.Teams; !slices.Equal(got, tt.wantTeams) {
				t.Errorf("backend teams = %v, want %v", got, tt.wantTeams)
			}
			var resp ScorecardsResponse
			decode(t, rec, &resp)
			var keys []string
			for _, c := range resp.Rows {
				keys = append(keys, c.Key)
			}
			if !slices.Equal(keys, tt.wantKeys) {
				t.Errorf("rows = %v, want %v", keys, tt.wantKeys)
			}
		})
	}

	t.Run("org level is unfiltered for a supervisor", func(t *testing.T) {
		f.backend.cards = []metrics.Card{{Level: metrics.LevelOrg, Key: "org"}}
		rec := f.do(t, "supervisor", "GET", "/api/v1/scorecards?level=org", nil)
		var resp ScorecardsResponse
		decode(t, rec, &resp)
		if len(resp.Rows) != 1 || f.backend.lastScorecards.Teams != nil {
			t.Fatalf("rows %v, backend teams %v", resp.Rows, f.backend.lastScorecards.Teams)
		}
	})
	t.Run("coaching", func(t *testing.T) {
		rec := f.do(t, "supervisor", "GET", "/api/v1/coaching", nil)
		var resp CoachingResponse
		decode(t, rec, &resp)
		if len(resp.Opportunities) != 1 || resp.Opportunities[0].AgentID != "agent-1" {
			t.Errorf("opportunities = %+v", resp.Opportunities)
		}
		if q := f.backend.lastCoaching; !slices.Equal(q.Teams, []string{"team-a", "team-b"}) || q.To.Sub(q.From).Hours() != 28*24 {
			t.Errorf("backend query = %+v", q)
		}
	})
	t.Run("recognition", func(t *testing.T) {
		rec := f.do(t, "supervisor", "GET", "/api/v1/recognition", nil)
		var resp RecognitionResponse
		decode(t, rec, &resp)
		if len(resp.Stars) != 1 || resp.Stars[0].AgentID != "agent-2" || len(resp.Praise) != 0 {
			t.Errorf("recognition = %+v", resp.Recognition)
		}
		if !strings.Contains(rec.Body.String(), `"praise":[]`) {
			t.Errorf("empty praise is not []: %s", rec.Body)
		}
	})
	t.Run("executive recognition is every team", func(t *testing.T) {
		rec := f.do(t, "executive", "GET", "/api/v1/recognition", nil)
		var resp RecognitionResponse
		decode(t, rec, &resp)
		if len(resp.Stars) != 2 || len(resp.Praise) != 1 || f.backend.lastRecognition.Teams != nil {
			t.Errorf("recognition = %+v, teams %v", resp.Recognition, f.backend.lastRecognition.Teams)
		}
	})
}
