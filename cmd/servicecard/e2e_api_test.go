package main

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/parquet-go/parquet-go"

	"github.com/servicecard/servicecard/internal/demo"
	"github.com/servicecard/servicecard/metrics"
)

// wireCard is a scorecard row as a client reads it.
type wireCard struct {
	Level       string              `json:"level"`
	Key         string              `json:"key"`
	Team        string              `json:"team"`
	Grain       string              `json:"grain"`
	PeriodStart time.Time           `json:"period_start"`
	Metrics     map[string]*float64 `json:"metrics"`
	N           map[string]int64    `json:"n"`
	Intervals   map[string]struct {
		Low  float64 `json:"low"`
		High float64 `json:"high"`
	} `json:"intervals"`
	Internal   *float64          `json:"internal"`
	External   *float64          `json:"external"`
	Score      *float64          `json:"score"`
	Components []json.RawMessage `json:"components"`
}

type wireScorecards struct {
	Level string     `json:"level"`
	Grain string     `json:"grain"`
	Teams []string   `json:"teams"`
	Rows  []wireCard `json:"rows"`
}

type wireOpportunity struct {
	AgentID           string            `json:"agent_id"`
	Team              string            `json:"team"`
	Kind              string            `json:"kind"`
	Focus             string            `json:"focus"`
	Evidence          []json.RawMessage `json:"evidence"`
	CustomersAffected float64           `json:"customers_affected"`
}

type wireCoaching struct {
	From          time.Time         `json:"from"`
	To            time.Time         `json:"to"`
	Teams         []string          `json:"teams"`
	Opportunities []wireOpportunity `json:"opportunities"`
}

type wireRecognition struct {
	Stars []struct {
		AgentID string  `json:"agent_id"`
		Team    string  `json:"team"`
		Score   float64 `json:"score"`
		NPSLow  float64 `json:"nps_low"`
		TeamNPS float64 `json:"team_nps"`
	} `json:"stars"`
	Praise []struct {
		ResponseID string `json:"response_id"`
		AgentID    string `json:"agent_id"`
		Team       string `json:"team"`
		Comment    string `json:"comment"`
	} `json:"praise"`
	CustomerServiceWeeks []struct {
		Year  int       `json:"year"`
		Start time.Time `json:"start"`
	} `json:"customer_service_weeks"`
}

// contactColumns are the contacts ids in the order
// exports write them.
var contactColumns = append(slices.Clone(demo.ContactColumns), "ingested_at", "batch_id")

// analystContactColumns are what an analyst's export carries: the agent
// key in place of the agent id (auth.Policy).
var analystContactColumns = func() []string {
	cols := slices.Clone(contactColumns)
	cols[slices.Index(cols, "agent_id")] = "agent_key"
	return cols
}()

func q(kv ...string) url.Values {
	v := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Add(kv[i], kv[i+1])
	}
	return v
}

func TestE2EAnonymousAndAuth(t *testing.T) {
	c := sharedCenter(t)
	for _, path := range []string{"/healthz", "/readyz", "/metrics", "/api/v1/openapi.json"} {
		t.Run("anonymous"+path, func(t *testing.T) {
			r := c.get(t, "", path, nil)
			if r.status != http.StatusOK {
				t.Fatalf("GET %s: %d %s", path, r.status, r.body)
			}
			if path == "/metrics" {
				body := string(r.body)
				if !strings.Contains(body, "servicecard_http_request_duration_seconds") {
					t.Errorf("/metrics lacks servicecard_http_request_duration_seconds")
				}
				for _, agent := range c.m.Patterns {
					if strings.Contains(body, `"`+agent+`"`) || strings.Contains(body, "agent_id=") {
						t.Errorf("/metrics names an agent (%s): agent labels are not allowed", agent)
					}
				}
			}
		})
	}
	tests := []struct {
		name, path, tok string
	}{
		{"no token scorecards", "/api/v1/scorecards", ""},
		{"no token catalog", "/api/v1/metrics/catalog", ""},
		{"no token export", "/api/v1/export/contacts", ""},
		{"wrong token", "/api/v1/scorecards", "sc_not-a-token-of-this-config"},
		{"wrong token coaching", "/api/v1/coaching", "sc_not-a-token-of-this-config"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := c.get(t, tc.tok, tc.path, nil)
			wantError(t, r, http.StatusUnauthorized, "unauthorized")
			if !strings.HasPrefix(r.header.Get("WWW-Authenticate"), "Bearer") {
				t.Errorf("WWW-Authenticate %q, want Bearer ...", r.header.Get("WWW-Authenticate"))
			}
		})
	}
	t.Run("catalog", func(t *testing.T) {
		var cat struct {
			Timezone string `json:"timezone"`
			Metrics  []struct {
				ID string `json:"id"`
			} `json:"metrics"`
		}
		c.getJSON(t, tokAnalyst, "/api/v1/metrics/catalog", nil, &cat)
		if cat.Timezone != c.m.Timezone {
			t.Errorf("catalog timezone %q, want the config's %q", cat.Timezone, c.m.Timezone)
		}
		var ids []string
		for _, m := range cat.Metrics {
			ids = append(ids, m.ID)
		}
		if !slices.Equal(ids, metrics.IDs()) {
			t.Errorf("catalog ids %v, want %v", ids, metrics.IDs())
		}
	})
}

// TestE2EExecutive reads the scorecards an executive sees and checks the
// org volume against the contacts table itself.
func TestE2EExecutive(t *testing.T) {
	c := sharedCenter(t)
	weeks := metrics.Periods(c.m.From, c.m.To, metrics.GrainWeek, c.loc)
	rng := func(level string) url.Values {
		return q("level", level, "grain", "week", "from", c.firstDay(), "to", c.lastDay())
	}
	wantKeys := map[string][]string{"org": nil, "site": c.m.Sites, "team": c.m.Teams, "queue": nil}
	for _, level := range []string{"org", "site", "team", "queue"} {
		t.Run(level, func(t *testing.T) {
			r := c.get(t, tokExecutive, "/api/v1/scorecards", rng(level))
			if r.status != http.StatusOK {
				t.Fatalf("%d %s", r.status, r.body)
			}
			// The wire shape: every documented field is present.
			var raw struct {
				Rows []map[string]json.RawMessage `json:"rows"`
			}
			if err := json.Unmarshal(r.body, &raw); err != nil {
				t.Fatal(err)
			}
			if len(raw.Rows) == 0 {
				t.Fatal("no rows")
			}
			for _, f := range []string{"level", "key", "period_start", "metrics", "n", "internal", "external", "score", "components"} {
				if _, ok := raw.Rows[0][f]; !ok {
					t.Errorf("row lacks %q: %s", f, truncate(r.body, 600))
				}
			}
			var sc wireScorecards
			if err := json.Unmarshal(r.body, &sc); err != nil {
				t.Fatal(err)
			}
			keys := map[string]bool{}
			periods := map[int64]bool{}
			for _, row := range sc.Rows {
				if row.Level != level {
					t.Fatalf("row level %q in a %s query", row.Level, level)
				}
				keys[row.Key] = true
				periods[row.PeriodStart.Unix()] = true
				for _, id := range metrics.IDs() {
					if _, ok := row.Metrics[id]; !ok {
						t.Errorf("%s %s %s: metrics lack %s", level, row.Key, row.PeriodStart.Format(time.DateOnly), id)
					}
				}
				if row.N["offered"] <= 0 && row.N["handled"] <= 0 {
					t.Errorf("%s %s: no volume (n %v)", level, row.Key, row.N)
				}
			}
			if len(periods) != len(weeks) {
				t.Errorf("%d weeks in the answer, want %d", len(periods), len(weeks))
			}
			for _, w := range weeks {
				if !periods[w.Unix()] {
					t.Errorf("no row for the week of %s", w.In(c.loc).Format(time.DateOnly))
				}
			}
			if want := wantKeys[level]; want != nil {
				got := slices.Sorted(maps.Keys(keys))
				if !slices.Equal(got, slices.Sorted(slices.Values(want))) {
					t.Errorf("%s keys %v, want %v", level, got, want)
				}
			}
			if level != "org" {
				return
			}
			if len(sc.Rows) != len(weeks) {
				t.Errorf("%d org rows, want one per week (%d)", len(sc.Rows), len(weeks))
			}
			var offered float64
			for _, row := range sc.Rows {
				if row.Internal == nil || row.External == nil || row.Score == nil {
					t.Errorf("org week %s: internal %v external %v score %v, want all three", row.PeriodStart.Format(time.DateOnly),
						fp(row.Internal), fp(row.External), fp(row.Score))
				}
				nps, iv := row.Metrics["nps"], row.Intervals["nps"]
				if nps == nil || iv.Low >= iv.High || iv.Low < -100 || iv.High > 100 || *nps < iv.Low-5 || *nps > iv.High+5 {
					t.Errorf("org week %s: nps %v interval %+v, want an interval around it", row.PeriodStart.Format(time.DateOnly), fp(nps), iv)
				}
				if row.N["nps"] <= 0 {
					t.Errorf("org week %s: nps n %d", row.PeriodStart.Format(time.DateOnly), row.N["nps"])
				}
				if row.Metrics["offered"] != nil {
					offered += *row.Metrics["offered"]
				}
			}
			// Offered = inbound first legs of the real-time channels that
			// entered a queue (a transferred contact counts once), read
			// from contacts itself.
			cfg := c.config(t)
			var want uint64
			err := c.conn(t).QueryRow(t.Context(), `SELECT count() FROM contacts FINAL
				WHERE sign = 1 AND direction = 'inbound' AND queue != '' AND has(?, channel)
				  AND (initial_contact_id = '' OR initial_contact_id = contact_id)
				  AND started_at >= ? AND started_at < ?`, cfg.ServiceLevel.Channels, c.m.From.UTC(), c.m.To.UTC()).Scan(&want)
			if err != nil {
				t.Fatal(err)
			}
			if offered != float64(want) || want == 0 {
				t.Errorf("org offered over the range %v, contacts table says %d (channels %v)", offered, want, cfg.ServiceLevel.Channels)
			}
		})
	}
	t.Run("agent level forbidden", func(t *testing.T) {
		wantError(t, c.get(t, tokExecutive, "/api/v1/scorecards", rng("agent")), http.StatusForbidden, "forbidden")
	})
	t.Run("coaching forbidden", func(t *testing.T) {
		wantError(t, c.get(t, tokExecutive, "/api/v1/coaching", nil), http.StatusForbidden, "forbidden")
	})
	t.Run("export forbidden", func(t *testing.T) {
		wantError(t, c.get(t, tokExecutive, "/api/v1/export/contacts", nil), http.StatusForbidden, "forbidden")
	})
	t.Run("recognition", func(t *testing.T) {
		var rec wireRecognition
		c.getJSON(t, tokExecutive, "/api/v1/recognition", q("from", c.firstDay(), "to", c.lastDay()), &rec)
		if len(rec.Praise) == 0 {
			t.Errorf("no praise over %d days of surveys", centerDays)
		}
		cs := c.m.Events[demo.EventCSWeek]
		found := false
		for _, w := range rec.CustomerServiceWeeks {
			found = found || (w.Year == cs.Year() && w.Start.Equal(cs))
		}
		if !found {
			t.Errorf("customer_service_weeks %+v, want the week of %s", rec.CustomerServiceWeeks, cs.Format(time.DateOnly))
		}
	})
}

// TestE2ESupervisor checks a supervisor's scope: its team's agents and
// coaching, nothing of another team's.
func TestE2ESupervisor(t *testing.T) {
	c := sharedCenter(t)
	other := ""
	for _, team := range c.m.Teams {
		if team != supervisorOf {
			other = team
			break
		}
	}
	window := q("level", "agent", "grain", "week", "from", c.firstDay(), "to", c.lastDay())
	t.Run("agent scorecards of own team", func(t *testing.T) {
		var sc wireScorecards
		c.getJSON(t, tokSupervisor, "/api/v1/scorecards", window, &sc)
		if len(sc.Rows) == 0 {
			t.Fatal("no agent rows")
		}
		agents := map[string]bool{}
		for _, row := range sc.Rows {
			if row.Team != supervisorOf {
				t.Errorf("agent %s of team %q shown to a %s supervisor", row.Key, row.Team, supervisorOf)
			}
			agents[row.Key] = true
		}
		var want []string
		for id, team := range c.teamOf {
			if team == supervisorOf {
				want = append(want, id)
			}
		}
		for _, id := range want {
			if !agents[id] {
				t.Errorf("agent %s of %s has no agent-level rows", id, supervisorOf)
			}
		}
	})
	t.Run("agent scorecards of another team", func(t *testing.T) {
		v := q("level", "agent", "team", other)
		wantError(t, c.get(t, tokSupervisor, "/api/v1/scorecards", v), http.StatusForbidden, "forbidden")
	})
	t.Run("team scorecards scoped", func(t *testing.T) {
		var sc wireScorecards
		c.getJSON(t, tokSupervisor, "/api/v1/scorecards", q("level", "team", "from", c.firstDay(), "to", c.lastDay()), &sc)
		if len(sc.Rows) == 0 {
			t.Fatal("no team rows")
		}
		for _, row := range sc.Rows {
			if row.Key != supervisorOf {
				t.Errorf("team row %q shown to a %s supervisor", row.Key, supervisorOf)
			}
		}
	})
	t.Run("coaching of another team", func(t *testing.T) {
		wantError(t, c.get(t, tokSupervisor, "/api/v1/coaching", q("team", other)), http.StatusForbidden, "forbidden")
	})
	t.Run("coaching of own team", func(t *testing.T) {
		var co wireCoaching
		c.getJSON(t, tokSupervisor, "/api/v1/coaching", q("to", c.lastDay()), &co)
		if !slices.Equal(co.Teams, []string{supervisorOf}) {
			t.Errorf("teams %v, want [%s]", co.Teams, supervisorOf)
		}
		if len(co.Opportunities) == 0 {
			t.Fatal("no coaching opportunities for a team with a planted pattern")
		}
		for _, o := range co.Opportunities {
			if o.Team != supervisorOf || c.teamOf[o.AgentID] != supervisorOf {
				t.Errorf("opportunity for %s (team %q, roster %q) shown to a %s supervisor", o.AgentID, o.Team, c.teamOf[o.AgentID], supervisorOf)
			}
		}
		if want := co.To.Sub(co.From); want < 27*24*time.Hour || want > 29*24*time.Hour {
			t.Errorf("window %s..%s, want the default 28 days", co.From, co.To)
		}
	})
	t.Run("export forbidden", func(t *testing.T) {
		wantError(t, c.get(t, tokSupervisor, "/api/v1/export/contacts", nil), http.StatusForbidden, "forbidden")
	})
}

// patternKinds maps the demo's planted patterns to the coaching kind that
// should find each.
var patternKinds = map[string]string{
	demo.PatternFastUnhappy:  "fast_but_unhappy",
	demo.PatternLongHolds:    "long_holds",
	demo.PatternTransfers:    "frequent_transfers",
	demo.PatternRepeat:       "repeat_contacts",
	demo.PatternFallingNPS:   "falling_nps",
	demo.PatternLowAdherence: "low_adherence",
}

// TestE2EPlantedPatterns asks each pattern agent's supervisor for coaching
// over the last 28 days and expects the planted pattern among it.
func TestE2EPlantedPatterns(t *testing.T) {
	c := sharedCenter(t)
	for _, p := range slices.Sorted(maps.Keys(patternKinds)) {
		kind := patternKinds[p]
		t.Run(p, func(t *testing.T) {
			agent, ok := c.m.Patterns[p]
			if !ok {
				t.Fatalf("manifest plants no %s", p)
			}
			team := c.teamOf[agent]
			var co wireCoaching
			c.getJSON(t, supervisorToken(team), "/api/v1/coaching", q("to", c.lastDay()), &co)
			var mine []wireOpportunity
			for _, o := range co.Opportunities {
				if o.AgentID == agent {
					mine = append(mine, o)
					if o.Kind == kind {
						if len(o.Evidence) == 0 || o.Focus == "" {
							t.Errorf("%s for %s has no evidence or focus: %+v", kind, agent, o)
						}
						return
					}
				}
			}
			t.Errorf("planted %s (agent %s, team %s) not found as %s in coaching %s..%s", p, agent, team, kind,
				co.From.In(c.loc).Format(time.DateOnly), co.To.In(c.loc).Format(time.DateOnly))
			for _, o := range mine {
				t.Logf("  the agent's opportunity %s: %s; evidence %s", o.Kind, o.Focus, o.Evidence)
			}
			c.logAgentEvidence(t, agent, team, co.From, co.To)
		})
	}
	t.Run("star", func(t *testing.T) {
		star := c.m.Patterns[demo.PatternStar]
		var rec wireRecognition
		c.getJSON(t, tokExecutive, "/api/v1/recognition", q("from", c.firstDay(), "to", c.lastDay()), &rec)
		for _, s := range rec.Stars {
			if s.AgentID == star {
				return
			}
		}
		praised := 0
		for _, p := range rec.Praise {
			if p.AgentID == star {
				praised++
			}
		}
		if praised == 0 {
			t.Fatalf("star %s is neither a service star (%d stars) nor praised (%d praise)", star, len(rec.Stars), len(rec.Praise))
		}
		t.Logf("star %s is praised %d times but not a service star; stars: %+v", star, praised, rec.Stars)
		c.logAgentEvidence(t, star, c.teamOf[star], c.m.From, c.m.To)
	})
}

// logAgentEvidence prints the agent's and team's cards over a window, for
// a pattern the product did not find.
func (c *center) logAgentEvidence(t *testing.T, agent, team string, from, to time.Time) {
	t.Helper()
	v := q("level", "agent", "team", team, "from", from.Format(time.RFC3339), "to", to.Format(time.RFC3339), "grain", "month")
	var sc wireScorecards
	c.getJSON(t, tokAdmin, "/api/v1/scorecards", v, &sc)
	ids := []string{"handled", "aht_s", "transfer_rate", "hold_rate", "fcr_rate", "adherence", "nps", "csat"}
	for _, row := range sc.Rows {
		if row.Key != agent {
			continue
		}
		var b strings.Builder
		for _, id := range ids {
			fmt.Fprintf(&b, " %s=%s(n=%d)", id, fp(row.Metrics[id]), row.N[id])
		}
		t.Logf("  agent %s month %s:%s", agent, row.PeriodStart.In(c.loc).Format("2006-01"), b.String())
	}
	v.Set("level", "team")
	sc = wireScorecards{}
	c.getJSON(t, tokAdmin, "/api/v1/scorecards", v, &sc)
	for _, row := range sc.Rows {
		var b strings.Builder
		for _, id := range ids {
			fmt.Fprintf(&b, " %s=%s(n=%d)", id, fp(row.Metrics[id]), row.N[id])
		}
		t.Logf("  team %s month %s:%s", row.Key, row.PeriodStart.In(c.loc).Format("2006-01"), b.String())
	}
}

// TestE2EAnalystExport exports one week of contacts in every format and
// checks each against the contacts table.
func TestE2EAnalystExport(t *testing.T) {
	c := sharedCenter(t)
	from := c.m.From.AddDate(0, 0, 21) // a whole week inside the range
	to := from.AddDate(0, 0, 7)
	v := func(format string) url.Values {
		return q("format", format, "from", from.Format(time.DateOnly), "to", to.AddDate(0, 0, -1).Format(time.DateOnly))
	}
	var want uint64
	if err := c.conn(t).QueryRow(t.Context(), "SELECT count() FROM contacts FINAL WHERE sign = 1 AND started_at >= ? AND started_at < ?",
		from.UTC(), to.UTC()).Scan(&want); err != nil {
		t.Fatal(err)
	}
	if want < 1000 {
		t.Fatalf("only %d contacts in the export week", want)
	}

	t.Run("csv", func(t *testing.T) {
		r := c.get(t, tokAnalyst, "/api/v1/export/contacts", v("csv"))
		if r.status != http.StatusOK {
			t.Fatalf("%d %s", r.status, truncate(r.body, 300))
		}
		if cd := r.header.Get("Content-Disposition"); !strings.Contains(cd, "attachment") || !strings.Contains(cd, ".csv") {
			t.Errorf("Content-Disposition %q", cd)
		}
		recs, err := csv.NewReader(bytes.NewReader(r.body)).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(recs[0], analystContactColumns) {
			t.Errorf("csv header %v, want %v", recs[0], analystContactColumns)
		}
		if got := len(recs) - 1; uint64(got) != want {
			t.Errorf("csv has %d rows, contacts FINAL has %d", got, want)
		}
	})
	t.Run("ndjson", func(t *testing.T) {
		r := c.get(t, tokAnalyst, "/api/v1/export/contacts", v("ndjson"))
		if r.status != http.StatusOK {
			t.Fatalf("%d %s", r.status, truncate(r.body, 300))
		}
		lines := strings.Split(strings.TrimSuffix(string(r.body), "\n"), "\n")
		if uint64(len(lines)) != want {
			t.Errorf("ndjson has %d lines, contacts FINAL has %d", len(lines), want)
		}
		var first map[string]any
		if err := json.Unmarshal([]byte(lines[0]), &first); err != nil {
			t.Fatal(err)
		}
		if got := slices.Sorted(maps.Keys(first)); !slices.Equal(got, slices.Sorted(slices.Values(analystContactColumns))) {
			t.Errorf("ndjson keys %v, want %v", got, analystContactColumns)
		}
	})
	t.Run("parquet", func(t *testing.T) {
		r := c.get(t, tokAnalyst, "/api/v1/export/contacts", v("parquet"))
		if r.status != http.StatusOK {
			t.Fatalf("%d %s", r.status, truncate(r.body, 300))
		}
		f, err := parquet.OpenFile(bytes.NewReader(r.body), int64(len(r.body)))
		if err != nil {
			t.Fatalf("open parquet: %v", err)
		}
		if uint64(f.NumRows()) != want {
			t.Errorf("parquet has %d rows, contacts FINAL has %d", f.NumRows(), want)
		}
		var names []string
		for _, fl := range f.Schema().Fields() {
			names = append(names, fl.Name())
		}
		if !slices.Equal(names, analystContactColumns) {
			t.Errorf("parquet columns %v, want %v", names, analystContactColumns)
		}
		// Every page decodes.
		var read int64
		buf := make([]parquet.Row, 512)
		for _, rg := range f.RowGroups() {
			rows := rg.Rows()
			for {
				n, err := rows.ReadRows(buf)
				read += int64(n)
				if err == io.EOF {
					break
				}
				if err != nil {
					rows.Close()
					t.Fatalf("read parquet rows: %v", err)
				}
			}
			rows.Close()
		}
		if uint64(read) != want {
			t.Errorf("read %d parquet rows, want %d", read, want)
		}
	})
	t.Run("scorecards", func(t *testing.T) {
		r := c.get(t, tokAnalyst, "/api/v1/export/scorecards", v("csv"))
		if r.status != http.StatusOK {
			t.Fatalf("%d %s", r.status, truncate(r.body, 300))
		}
		recs, err := csv.NewReader(bytes.NewReader(r.body)).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		if len(recs) < 2 || !slices.Equal(recs[0][:4], []string{"level", "key", "grain", "period_start"}) {
			t.Fatalf("scorecards export: %d records, header %v", len(recs), recs[0])
		}
		levels := map[string]bool{}
		for _, rec := range recs[1:] {
			levels[rec[0]] = true
		}
		for _, l := range metrics.Levels() {
			if !levels[string(l)] {
				t.Errorf("scorecards export has no %s rows (computed by `scorecards compute`)", l)
			}
		}
	})
	t.Run("analyst gets agent rows under agent keys", func(t *testing.T) {
		var sc wireScorecards
		c.getJSON(t, tokAnalyst, "/api/v1/scorecards", q("level", "agent"), &sc)
		if len(sc.Rows) == 0 {
			t.Fatal("no agent rows")
		}
		for _, row := range sc.Rows {
			if !strings.HasPrefix(row.Key, "ak_") || c.teamOf[row.Key] != "" {
				t.Fatalf("analyst row keyed %q", row.Key)
			}
		}
	})
}

func fp(p *float64) string {
	if p == nil {
		return "null"
	}
	if math.Abs(*p) < 10 {
		return fmt.Sprintf("%.3f", *p)
	}
	return fmt.Sprintf("%.1f", *p)
}

func truncate(b []byte, n int) string {
	if len(b) > n {
		return string(b[:n]) + "..."
	}
	return string(b)
}
