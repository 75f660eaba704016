package scorecard

import (
	"context"
	"math"
	"testing"
	"time"

	"github.com/servicecard/servicecard/internal/chstore"
	"github.com/servicecard/servicecard/internal/chtest"
	"github.com/servicecard/servicecard/internal/demo"
	"github.com/servicecard/servicecard/internal/domain"
	"github.com/servicecard/servicecard/metrics"
)

func TestMain(m *testing.M) { chtest.Main(m) }

// demoEngine loads a 21-day demo center that spans Customer Service Week
// 2026 (Oct 5-9) through ingest.Load, as the CLI does.
func demoEngine(t *testing.T) (*Engine, *demo.Manifest) {
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
	loc, _ := time.LoadLocation(demo.DefaultTimezone)
	m, err := demo.Generate(demo.Options{Dir: t.TempDir(), Seed: 7, Days: 21, End: time.Date(2026, 10, 19, 0, 0, 0, 0, loc), Location: loc})
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := metrics.ParseConfig([]byte("timezone: " + demo.DefaultTimezone))
	if err != nil {
		t.Fatal(err)
	}
	st.UseConfig(cfg) // the loads keep the engine's facts
	if _, err := m.Load(ctx, st, loc); err != nil {
		t.Fatal(err)
	}
	return New(st, cfg, Options{Now: func() time.Time { return m.To }}), m
}

// TestEngineOnDemo shares one loaded demo center between its subtests.
func TestEngineOnDemo(t *testing.T) {
	e, m := demoEngine(t)
	t.Run("snapshot equals live cards", func(t *testing.T) { testSnapshotEqualsLiveCards(t, e, m) })
	t.Run("recognition trend marks Customer Service Week", func(t *testing.T) { testRecognitionTrend(t, e, m) })
	t.Run("demo team and site offered add up to org", func(t *testing.T) { testDemoOfferedAddsUp(t, e, m) })
}

func testSnapshotEqualsLiveCards(t *testing.T, e *Engine, m *demo.Manifest) {
	ctx := context.Background()
	n, err := e.Snapshot(ctx, m.From, m.To)
	if err != nil {
		t.Fatal(err)
	}
	if n == 0 {
		t.Fatal("snapshot wrote no rows")
	}
	// A whole week inside the range: the snapshot row must equal the card
	// the API computes live for that week.
	loc := e.cfg.Location()
	week := metrics.Bucket(m.From.AddDate(0, 0, 8), metrics.GrainWeek, loc)
	for _, level := range []metrics.Level{metrics.LevelOrg, metrics.LevelTeam, metrics.LevelAgent} {
		live, err := e.Scorecards(ctx, domain.ScorecardQuery{Level: level, Grain: metrics.GrainWeek, From: week, To: week.AddDate(0, 0, 7)})
		if err != nil {
			t.Fatal(err)
		}
		if len(live) == 0 {
			t.Fatalf("%s: no live cards", level)
		}
		for _, c := range live {
			var score, nps *float64
			var npsN uint64
			err := e.store.Conn().QueryRow(ctx, `SELECT score, nps, nps_n FROM scorecards FINAL
				WHERE level = ? AND grain = 'week' AND key = ? AND period_start = ?`,
				string(level), c.Key, week.Format(time.DateOnly)).Scan(&score, &nps, &npsN)
			if err != nil {
				t.Fatalf("%s %s: snapshot row: %v", level, c.Key, err)
			}
			if !sameFloat(score, c.Score) || !sameFloat(nps, c.Metrics[metrics.IDNPS]) || int64(npsN) != c.N[metrics.IDNPS] {
				t.Errorf("%s %s: snapshot score %v nps %v n %d, live %v %v %d", level, c.Key,
					deref(score), deref(nps), npsN, deref(c.Score), deref(c.Metrics[metrics.IDNPS]), c.N[metrics.IDNPS])
			}
		}
	}
	// Every level x grain appears.
	rows, err := e.store.Conn().Query(ctx, "SELECT level, grain, count() FROM scorecards FINAL GROUP BY level, grain")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	seen := 0
	for rows.Next() {
		var level, grain string
		var c uint64
		if err := rows.Scan(&level, &grain, &c); err != nil {
			t.Fatal(err)
		}
		seen++
	}
	if seen != 15 {
		t.Errorf("snapshot has %d level x grain combinations, want 15", seen)
	}
}

func testRecognitionTrend(t *testing.T, e *Engine, m *demo.Manifest) {
	rec, err := e.Recognition(context.Background(), domain.RecognitionQuery{From: m.From, To: m.To})
	if err != nil {
		t.Fatal(err)
	}
	if len(rec.WeeklyTrend) < 3 {
		t.Fatalf("weekly trend has %d weeks, want >= 3", len(rec.WeeklyTrend))
	}
	marked := 0
	for _, p := range rec.WeeklyTrend {
		if p.CustomerServiceWeek {
			marked++
			if p.WeekStart.Format(time.DateOnly) != "2026-10-05" {
				t.Errorf("Customer Service Week marked on %s, want 2026-10-05", p.WeekStart.Format(time.DateOnly))
			}
		}
	}
	if marked != 1 {
		t.Errorf("%d weeks marked as Customer Service Week, want 1", marked)
	}
	if len(rec.CustomerServiceWeeks) != 1 || rec.CustomerServiceWeeks[0].Year != 2026 {
		t.Errorf("customer service weeks = %+v", rec.CustomerServiceWeeks)
	}
	if len(rec.Praise) == 0 {
		t.Error("no praise in three weeks of a demo center with a star")
	}
	star := m.Patterns[demo.PatternStar]
	praised := false
	for _, p := range rec.Praise {
		praised = praised || p.AgentID == star
	}
	if !praised {
		t.Errorf("the planted star %s is not among the praised agents", star)
	}
}

func sameFloat(a, b *float64) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return math.Abs(*a-*b) < 1e-9
}

func deref(p *float64) any {
	if p == nil {
		return nil
	}
	return *p
}
