package dashboards

import (
	"context"
	"fmt"
	"math"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/servicecard/servicecard/ingest"
	"github.com/servicecard/servicecard/internal/chstore"
	"github.com/servicecard/servicecard/internal/chtest"
	"github.com/servicecard/servicecard/metrics"
)

// fixture is a migrated database with data in it, and the dashboard time
// range and variables the panels are run with.
type fixture struct {
	st       *chstore.Store
	from, to time.Time
	vars     map[string]string
}

// t0 is the Monday of Customer Service Week 2025; the fixture's contacts
// and surveys lie around it.
var t0 = time.Date(2025, 10, 6, 9, 0, 0, 0, time.UTC)

// newFixture loads a small contact center through chstore's writer (the
// real ingest path) and writes scorecard snapshots directly. To run the
// panels on the demo data instead, replace seed with the demo generator.
func newFixture(t *testing.T) *fixture {
	t.Helper()
	ctx := context.Background()
	st, err := chstore.Open(ctx, chtest.NewDatabase(t), chstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	f := &fixture{
		st:   st,
		from: t0.AddDate(0, 0, -60),
		// Batches are stamped with the wall clock: the range reaches now.
		to:   time.Now().UTC().Add(time.Hour),
		vars: map[string]string{"grain": "week", "level": "team", "team": "Team A"},
	}
	seed(t, st)
	return f
}

func u8(v uint8) *uint8           { return &v }
func tp(t time.Time) *time.Time   { return &t }
func minutes(m int) time.Duration { return time.Duration(m) * time.Minute }

// load writes one batch through the store's writer.
func load(t *testing.T, st *chstore.Store, b ingest.Batch, emit func(w ingest.Writer) error) {
	t.Helper()
	ctx := context.Background()
	w, err := st.Begin(ctx, b)
	if err != nil {
		t.Fatal(err)
	}
	if err := emit(w); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(ctx, &ingest.Summary{Status: "done", RowsOK: 1}); err != nil {
		t.Fatal(err)
	}
}

func seed(t *testing.T, st *chstore.Store) {
	t.Helper()
	load(t, st, ingest.Batch{Source: "hr", Kind: ingest.KindAgents, Format: ingest.FormatCSV, File: "roster.csv"}, func(w ingest.Writer) error {
		for _, a := range []ingest.Agent{
			{AgentID: "a1", Name: "Ada", Team: "Team A", Site: "North", ValidFrom: t0.AddDate(-1, 0, 0)},
			{AgentID: "a2", Name: "Bo", Team: "Team A", Site: "North", ValidFrom: t0.AddDate(-1, 0, 0)},
			{AgentID: "b1", Name: "Cy", Team: "Team B", Site: "South", ValidFrom: t0.AddDate(-1, 0, 0)},
		} {
			if err := w.Agent(a); err != nil {
				return err
			}
		}
		return nil
	})
	var contacts []ingest.Contact
	agents := []struct{ id, team string }{{"a1", "Team A"}, {"a2", "Team A"}, {"b1", "Team B"}, {"a1", "Team A"}}
	for i := 0; i < 40; i++ {
		a := agents[i%len(agents)]
		start := t0.Add(-time.Duration(i) * 7 * time.Hour)
		c := ingest.Contact{
			ContactID: fmt.Sprintf("c%02d", i), Source: "generic", Channel: "voice", Direction: "inbound",
			Queue: "sales", Team: a.team, Site: "North", AgentID: a.id, CustomerID: fmt.Sprintf("cust%d", i%9),
			StartedAt: start, EndedAt: start.Add(minutes(8)), WaitS: uint32(5 + i%40), TalkS: 240, HoldS: uint32(30 * (i % 2)),
			AcwS: 60, SourceUpdatedAt: start.Add(minutes(9)),
		}
		if i%10 == 9 {
			c.Abandoned, c.AgentID, c.TalkS, c.HoldS, c.AcwS = true, "", 0, 0, 0
		} else {
			c.AnsweredAt = tp(start.Add(time.Duration(c.WaitS) * time.Second))
		}
		contacts = append(contacts, c)
		if i%8 == 3 { // transferred to a second leg
			contacts[len(contacts)-1].Transferred = true
			leg := c
			leg.ContactID, leg.InitialContactID, leg.AgentID, leg.Team = c.ContactID+"-2", c.ContactID, "a2", "Team A"
			leg.StartedAt = start.Add(minutes(5))
			leg.AnsweredAt = tp(leg.StartedAt.Add(10 * time.Second))
			contacts = append(contacts, leg)
		}
	}
	load(t, st, ingest.Batch{Source: "generic", Kind: ingest.KindContacts, Format: ingest.FormatCSV, File: "contacts.csv"}, func(w ingest.Writer) error {
		for _, c := range contacts {
			if err := w.Contact(c); err != nil {
				return err
			}
		}
		return w.Reject(ingest.Reject{Line: 42, Raw: "c99,generic,voice", Field: "started_at", Reason: "not a timestamp"})
	})
	load(t, st, ingest.Batch{Source: "qualtrics", Kind: ingest.KindSurveys, Format: ingest.FormatNDJSON, File: "surveys.ndjson"}, func(w ingest.Writer) error {
		for i := 0; i < 24; i++ {
			s := ingest.Survey{
				ResponseID: fmt.Sprintf("r%02d", i), Source: "qualtrics", ContactID: fmt.Sprintf("c%02d", i),
				RespondedAt: t0.Add(-time.Duration(i)*7*time.Hour + time.Hour),
				NPS:         u8(uint8([]int{10, 9, 3, 7, 10, 0}[i%6])), CES: u8(uint8(1 + i%7)),
			}
			s.CSAT = u8(max(1, *s.NPS/2)) // 1-5, in line with the NPS answer
			switch i % 6 {
			case 0:
				s.Comment = "Ada sorted it out in minutes, thank you"
			case 2:
				s.Comment = "Transferred twice and still waiting"
			}
			if i == 4 {
				s.AgentID, s.ContactID = "a2", "" // the survey tool knows the agent, no contact
			}
			if i == 5 {
				s.ContactID = "gone" // links nothing stored
			}
			if err := w.Survey(s); err != nil {
				return err
			}
		}
		return w.Reject(ingest.Reject{Line: 7, Raw: `{"nps": 11}`, Field: "nps", Reason: "out of range 0-10"})
	})
	writeScorecards(t, st)
}

// writeScorecards stores snapshots for every level and grain around t0,
// with one metric missing (NaN) to exercise the NULL handling.
func writeScorecards(t *testing.T, st *chstore.Store) {
	t.Helper()
	ctx := context.Background()
	batch, err := st.Conn().PrepareBatch(ctx, `INSERT INTO scorecards (level, key, grain, period_start, metric_ids, metric_values, metric_n,
		score, internal, external, nps, csat, aht_s, service_level, config_version, computed_at)`)
	if err != nil {
		t.Fatal(err)
	}
	ids := metrics.IDs()
	keys := map[string][]string{"org": {"org"}, "site": {"North", "South"}, "team": {"Team A", "Team B"}, "queue": {"sales"}, "agent": {"a1", "a2", "b1"}}
	n := 0
	for _, level := range sortedKeys(keys) {
		for ki, key := range keys[level] {
			for _, grain := range []string{"day", "week", "month"} {
				for _, p := range periods(grain) {
					vals := make([]float64, len(ids))
					ns := make([]uint64, len(ids))
					for i, id := range ids {
						vals[i], ns[i] = sampleValue(id, ki, p), uint64(5+10*ki+i)
					}
					vals[len(vals)-2] = math.NaN() // ces: too few answers
					score, internal, external := 60+float64(ki)*10, 55+float64(ki)*10, 65+float64(ki)*10
					if err := batch.Append(level, key, grain, p, ids, vals, ns, &score, &internal, &external,
						&vals[11], &vals[12], &vals[2], &vals[4], "test", time.Now().UTC()); err != nil {
						t.Fatal(err)
					}
					n++
				}
			}
		}
	}
	if err := batch.Send(); err != nil {
		t.Fatal(err)
	}
	t.Logf("%d scorecard rows", n)
}

// periods lists the period starts of a grain in the fixture's range.
func periods(grain string) []time.Time {
	day := time.Date(t0.Year(), t0.Month(), t0.Day(), 0, 0, 0, 0, time.UTC)
	var out []time.Time
	switch grain {
	case "day":
		for i := 0; i < 14; i++ {
			out = append(out, day.AddDate(0, 0, -i))
		}
	case "week":
		for i := 0; i < 8; i++ {
			out = append(out, day.AddDate(0, 0, -7*i))
		}
	case "month":
		m := time.Date(t0.Year(), t0.Month(), 1, 0, 0, 0, 0, time.UTC)
		out = append(out, m, m.AddDate(0, -1, 0))
	}
	return out
}

func sampleValue(id string, k int, p time.Time) float64 {
	wobble := float64(p.YearDay()%5) / 100
	switch id {
	case metrics.IDAHT, metrics.IDASA:
		return 200 + float64(100*k) + 1000*wobble
	case metrics.IDNPS:
		return 30 - float64(20*k) + 100*wobble
	case metrics.IDCES:
		return 5
	case metrics.IDOffered, metrics.IDHandled:
		return 100
	}
	return 0.7 - float64(k)/10 + wobble
}

// chQuery is one ClickHouse query of the dashboards with where it sits.
type chQuery struct {
	where   string
	sql     string
	columns []string
}

// chQueries lists every ClickHouse query of the dashboards: panel
// targets, annotations and query variables.
func chQueries(t *testing.T) []chQuery {
	t.Helper()
	// The committed dashboards: generated for the compose stack's config.
	g, err := newGenerator(Options{Config: exampleConfig(t)})
	if err != nil {
		t.Fatal(err)
	}
	var out []chQuery
	for _, d := range g.dashboards() {
		if _, err := d.render(); err != nil { // names targets and refIds
			t.Fatal(err)
		}
		for _, tg := range d.targets() {
			if tg.ds.Type == clickHouseType {
				out = append(out, chQuery{where: d.uid + "/" + tg.panel + "/" + tg.refID, sql: tg.sql, columns: tg.columns})
			}
		}
		for _, v := range d.vars {
			if v.Type == "query" {
				out = append(out, chQuery{where: d.uid + "/$" + v.Name, sql: v.Query.(string), columns: []string{"key"}})
			}
		}
	}
	return out
}

// mayBeEmpty lists the queries whose fixture result is legitimately empty.
var mayBeEmpty = map[string]bool{}

// TestClickHouse runs the dashboards' queries on one fixture database.
func TestClickHouse(t *testing.T) {
	f := newFixture(t)
	// Each subtest gets its own copy: some change the range or variables.
	fork := func() *fixture {
		c := *f
		c.vars = map[string]string{}
		for k, v := range f.vars {
			c.vars[k] = v
		}
		return &c
	}
	t.Run("panel queries", func(t *testing.T) { testPanelQueries(t, fork()) })
	t.Run("service week annotation", func(t *testing.T) { testServiceWeekAnnotation(t, fork()) })
	t.Run("executive rows have no agents", func(t *testing.T) { testExecutiveRowsHaveNoAgents(t, fork()) })
	t.Run("coaching comments", func(t *testing.T) { testCoachingComments(t, fork()) })
}

// testPanelQueries runs every ClickHouse query of the dashboards, its
// macros and variables expanded as Grafana would, on a database with the
// real schema and data: each must run on this server and return the
// columns its panel reads, and rows.
func testPanelQueries(t *testing.T, f *fixture) {
	ctx := context.Background()
	qs := chQueries(t)
	if len(qs) < 20 {
		t.Fatalf("only %d ClickHouse queries found", len(qs))
	}
	for _, grain := range []string{"week", "month", "day"} {
		for _, q := range qs {
			if grain != "week" && !strings.Contains(q.sql, "${grain") {
				continue
			}
			t.Run(grain+"/"+q.where, func(t *testing.T) {
				vars := map[string]string{}
				for k, v := range f.vars {
					vars[k] = v
				}
				vars["grain"] = grain
				sql := ExpandMacros(q.sql, f.from, f.to, vars)
				if strings.Contains(sql, "$") {
					t.Fatalf("unexpanded reference left in:\n%s", sql)
				}
				rows, err := f.st.Conn().Query(ctx, sql)
				if err != nil {
					t.Fatalf("%v\n%s", err, sql)
				}
				defer rows.Close()
				cols := rows.Columns()
				if strings.Join(cols, ",") != strings.Join(q.columns, ",") {
					t.Errorf("columns %v, panel expects %v", cols, q.columns)
				}
				n := 0
				for rows.Next() {
					n++
				}
				if err := rows.Err(); err != nil {
					t.Fatal(err)
				}
				if n == 0 && !mayBeEmpty[q.where] {
					t.Errorf("no rows on the fixture data:\n%s", sql)
				}
			})
		}
	}
}

// queryRows runs a dashboard query (by panel title) on the fixture and
// returns its rows as strings.
func queryRows(t *testing.T, f *fixture, where string, vars map[string]string) [][]string {
	t.Helper()
	for _, q := range chQueries(t) {
		if q.where != where {
			continue
		}
		rows, err := f.st.Conn().Query(context.Background(), ExpandMacros(q.sql, f.from, f.to, vars))
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var out [][]string
		for rows.Next() {
			vals := make([]any, len(rows.Columns()))
			for i, ct := range rows.ColumnTypes() {
				vals[i] = newScan(ct.ScanType())
			}
			if err := rows.Scan(vals...); err != nil {
				t.Fatal(err)
			}
			row := make([]string, len(vals))
			for i, v := range vals {
				row[i] = deref(v)
			}
			out = append(out, row)
		}
		return out
	}
	t.Fatalf("no query %s", where)
	return nil
}

// testServiceWeekAnnotation checks the SQL's weeks against metrics'.
func testServiceWeekAnnotation(t *testing.T, f *fixture) {
	f.from, f.to = time.Date(2019, 6, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 12, 31, 0, 0, 0, 0, time.UTC)
	rows := queryRows(t, f, "servicecard-exec/annotation Customer Service Week/Anno", f.vars)
	var want [][]string
	for y := 2019; y <= 2026; y++ {
		s, e := metrics.CustomerServiceWeek(y)
		want = append(want, []string{s.Format(time.DateTime), e.Format(time.DateTime), fmt.Sprintf("Customer Service Week %d", y), "customer-service-week"})
	}
	if fmt.Sprint(rows) != fmt.Sprint(want) {
		t.Errorf("annotation rows\n%v\nwant\n%v", rows, want)
	}
}

// testExecutiveRowsHaveNoAgents runs the executive comparison table with
// the level variable forced to agent from the URL: no rows come back.
func testExecutiveRowsHaveNoAgents(t *testing.T, f *fixture) {
	vars := map[string]string{"grain": "week", "level": "team"}
	title := "servicecard-exec/Scorecards by ${level}, latest ${grain}/A"
	if got := queryRows(t, f, title, vars); len(got) != 2 {
		t.Fatalf("teams: %d rows, want 2", len(got))
	}
	vars["level"] = "agent"
	if got := queryRows(t, f, title, vars); len(got) != 0 {
		t.Errorf("level=agent from the URL returned %v", got)
	}
	vars["level"] = "x' OR level = 'agent"
	if got := queryRows(t, f, title, vars); len(got) != 0 {
		t.Errorf("injected level returned %v", got)
	}
}

// testCoachingComments checks praise and complaints reach the team via
// the contact's last leg and the survey tool's agent.
func testCoachingComments(t *testing.T, f *fixture) {
	praise := queryRows(t, f, "servicecard-coaching/Praise/A", f.vars)
	complaints := queryRows(t, f, "servicecard-coaching/Complaints/A", f.vars)
	if len(praise) == 0 || len(complaints) == 0 {
		t.Fatalf("praise %d rows, complaints %d rows", len(praise), len(complaints))
	}
	for _, r := range praise {
		if r[5] != "Ada sorted it out in minutes, thank you" || (r[1] != "a1" && r[1] != "a2") {
			t.Errorf("praise row %v", r)
		}
	}
	for _, r := range complaints {
		if r[5] != "Transferred twice and still waiting" {
			t.Errorf("complaint row %v", r)
		}
	}
	f.vars["team"] = "Team B"
	for _, r := range queryRows(t, f, "servicecard-coaching/Praise/A", f.vars) {
		if r[1] != "b1" {
			t.Errorf("Team B praise for %v", r)
		}
	}
}

func newScan(t reflect.Type) any { return reflect.New(t).Interface() }

// deref renders a scanned value: times as DateTime, NULL as "NULL".
func deref(v any) string {
	r := reflect.ValueOf(v).Elem()
	for r.Kind() == reflect.Pointer {
		if r.IsNil() {
			return "NULL"
		}
		r = r.Elem()
	}
	if tm, ok := r.Interface().(time.Time); ok {
		return tm.UTC().Format(time.DateTime)
	}
	return fmt.Sprint(r.Interface())
}
