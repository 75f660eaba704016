package metrics

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

// vals builds a value map with N = n for every metric, in seconds (n
// hours) for the time shares.
func vals(n int64, kv map[string]float64) map[string]Value {
	out := map[string]Value{}
	for id, v := range kv {
		out[id] = Value{Value: ptr(v), N: n}
		if id == IDAdherence || id == IDOccupancy {
			out[id] = Value{Value: ptr(v), N: n * 3600}
		}
	}
	return out
}

func component(t *testing.T, c Card, id string) Component {
	t.Helper()
	for _, x := range c.Components {
		if x.Metric == id {
			return x
		}
	}
	t.Fatalf("no component %s", id)
	return Component{}
}

func TestMetricScore(t *testing.T) {
	tests := []struct {
		name  string
		value float64
		goal  Goal
		want  float64
	}{
		// (360-600)/(300-600) = -240/-300 = 0.8.
		{"aht between", 360, Goal{300, 600}, 80},
		{"aht better than target", 250, Goal{300, 600}, 100},
		{"aht worse than floor", 700, Goal{300, 600}, 0},
		// (50-120)/(20-120) = 0.7.
		{"asa", 50, Goal{20, 120}, 70},
		// (0.74-0.5)/(0.8-0.5) = 0.8.
		{"service level", 0.74, Goal{0.8, 0.5}, 80},
		// (30-0)/(50-0) = 0.6.
		{"nps", 30, Goal{50, 0}, 60},
		{"nps negative", -10, Goal{50, 0}, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { near(t, "score", MetricScore(tc.value, tc.goal), tc.want, 1e-9) })
	}
}

func TestScore(t *testing.T) {
	cfg := Default()
	full := map[string]float64{
		IDAHT: 360, IDASA: 50, IDServiceLevel: 0.74, IDAbandonRate: 0.07, IDFCRRate: 0.8,
		IDTransferRate: 0.3, IDAdherence: 0.85, IDNPS: 30, IDCSAT: 0.8, IDCES: 5.5,
		IDHoldRate: 0.2, IDOffered: 1000,
	}
	// Metric scores: aht 80, asa 70, service_level 80,
	// abandon (0.07-0.15)/(0.05-0.15) = 80, fcr 0.8 > 0.75 -> 100, transfer at floor -> 0,
	// adherence (0.85-0.7)/0.2 = 75; internal = (80+70+80+80+100+0+75)/7 = 485/7 = 69.285714.
	// nps 60, csat (0.8-0.6)/0.25 = 80, ces (5.5-4)/2 = 75; external = 215/3 = 71.666667.
	// score = (69.285714 + 71.666667)/2 = 70.476190.
	tests := []struct {
		name                   string
		values                 map[string]Value
		cfg                    func(*Config)
		internal, external, sc *float64
		reason                 string
		insufficient           []string
	}{
		{name: "all metrics", values: vals(100, full),
			internal: ptr(485.0 / 7), external: ptr(215.0 / 3), sc: ptr((485.0/7 + 215.0/3) / 2)},
		{name: "nps weighted twice", values: vals(100, full),
			cfg: func(c *Config) { c.Weights.Metrics[IDNPS] = 2 },
			// external = (2*60 + 80 + 75)/4 = 68.75.
			internal: ptr(485.0 / 7), external: ptr(68.75), sc: ptr((485.0/7 + 68.75) / 2)},
		{name: "internal weighted 3:1", values: vals(100, full),
			cfg:      func(c *Config) { c.Weights.Internal, c.Weights.External = 0.75, 0.25 },
			internal: ptr(485.0 / 7), external: ptr(215.0 / 3), sc: ptr(0.75*485.0/7 + 0.25*215.0/3)},
		{name: "small survey sample", values: func() map[string]Value {
			v := vals(100, full)
			for _, id := range []string{IDNPS, IDCSAT, IDCES} {
				x := v[id]
				x.N = 9 // below min_n.survey = 10
				v[id] = x
			}
			return v
		}(), internal: ptr(485.0 / 7), external: nil, sc: nil,
			reason: "no external subscore", insufficient: []string{IDNPS, IDCSAT, IDCES}},
		{name: "external weight 0 scores internal alone", values: func() map[string]Value {
			v := vals(100, full)
			delete(v, IDNPS)
			delete(v, IDCSAT)
			delete(v, IDCES)
			return v
		}(), cfg: func(c *Config) { c.Weights.External = 0 },
			internal: ptr(485.0 / 7), external: nil, sc: ptr(485.0 / 7), insufficient: []string{IDNPS, IDCSAT, IDCES}},
		{name: "missing metrics renormalise", values: func() map[string]Value {
			v := vals(100, full)
			delete(v, IDAdherence) // no schedules
			x := v[IDTransferRate]
			x.N = 19 // below min_n.contact = 20
			v[IDTransferRate] = x
			return v
		}(),
			// internal = (80+70+80+80+100)/5 = 82.
			internal: ptr(82), external: ptr(215.0 / 3), sc: ptr((82 + 215.0/3) / 2),
			insufficient: []string{IDAdherence, IDTransferRate}},
		{name: "nothing", values: map[string]Value{}, reason: "no subscore",
			insufficient: []string{IDAHT, IDNPS}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := Default()
			if tc.cfg != nil {
				tc.cfg(&c)
			}
			card := Score(tc.values, c, ScoreOptions{Level: LevelTeam, Key: "north"})
			for _, x := range []struct {
				name      string
				got, want *float64
			}{{"internal", card.Internal, tc.internal}, {"external", card.External, tc.external}, {"score", card.Score, tc.sc}} {
				switch {
				case x.want == nil && x.got != nil:
					t.Errorf("%s = %v, want nil", x.name, *x.got)
				case x.want != nil:
					nearPtr(t, x.name, x.got, *x.want, 1e-9)
				}
			}
			if !strings.Contains(card.Reason, tc.reason) || (tc.reason == "" && card.Reason != "") {
				t.Errorf("reason %q, want %q", card.Reason, tc.reason)
			}
			for _, id := range tc.insufficient {
				if x := component(t, card, id); !x.Insufficient || x.Score != nil || x.EffectiveWeight != 0 {
					t.Errorf("%s: %+v, want insufficient", id, x)
				}
			}
		})
	}

	card := Score(vals(100, full), cfg, ScoreOptions{Level: LevelTeam, Key: "north"})
	if len(card.Components) != 10 {
		t.Errorf("%d components, want the 10 weighted metrics", len(card.Components))
	}
	ab := component(t, card, IDAbandonRate)
	nearPtr(t, "abandon score", ab.Score, 80, 1e-9)
	near(t, "abandon effective weight", ab.EffectiveWeight, 1.0/7, 1e-12)
	if ab.Target != 0.05 || ab.Floor != 0.15 || ab.MinN != 20 || ab.Subscore != FamilyInternal {
		t.Errorf("abandon component %+v", ab)
	}
	if card.ConfigVersion != cfg.Version() {
		t.Errorf("config version %q", card.ConfigVersion)
	}
}

func TestScoreShrinkage(t *testing.T) {
	cfg := Default() // shrinkage_k 30, min_n.survey 10
	agent := vals(100, map[string]float64{IDAHT: 300, IDNPS: 60, IDCSAT: 1.0, IDCES: 6})
	agent[IDNPS] = Value{Value: ptr(60), N: 30}
	agent[IDCSAT] = Value{Value: ptr(1.0), N: 10}
	agent[IDCES] = Value{Value: ptr(6), N: 5} // insufficient: not shrunk, not scored
	team := vals(1000, map[string]float64{IDAHT: 400, IDNPS: 30, IDCSAT: 0.8, IDCES: 5})
	tests := []struct {
		name        string
		level       Level
		id          string
		adjusted    float64
		credibility *float64
		score       *float64
	}{
		// w = 30/(30+30) = 0.5: 0.5*60 + 0.5*30 = 45 -> score 45/50 = 90.
		{"agent nps", LevelAgent, IDNPS, 45, ptr(0.5), ptr(90)},
		// w = 10/40 = 0.25: 0.25*1 + 0.75*0.8 = 0.85 -> score 100.
		{"agent csat", LevelAgent, IDCSAT, 0.85, ptr(0.25), ptr(100)},
		{"agent ces insufficient", LevelAgent, IDCES, 6, nil, nil},
		// Contact metrics are never shrunk: 300 -> 100.
		{"agent aht", LevelAgent, IDAHT, 300, nil, ptr(100)},
		// Only agents are shrunk: a team-level card scores 60 as 60 -> 100.
		{"team nps", LevelTeam, IDNPS, 60, nil, ptr(100)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			card := Score(agent, cfg, ScoreOptions{Level: tc.level, Key: "a1", Team: "north", TeamValues: team})
			c := component(t, card, tc.id)
			nearPtr(t, "adjusted", c.Adjusted, tc.adjusted, 1e-12)
			if (c.Credibility == nil) != (tc.credibility == nil) {
				t.Fatalf("credibility %v, want %v", c.Credibility, tc.credibility)
			}
			if tc.credibility != nil {
				nearPtr(t, "credibility", c.Credibility, *tc.credibility, 1e-12)
			}
			if tc.score == nil {
				if c.Score != nil {
					t.Errorf("score %v, want nil", *c.Score)
				}
			} else {
				nearPtr(t, "score", c.Score, *tc.score, 1e-9)
			}
			nearPtr(t, "raw value kept", c.Value, *agent[tc.id].Value, 0)
		})
	}
	// Shrinkage off.
	cfg.ShrinkageK = 0
	c := component(t, Score(agent, cfg, ScoreOptions{Level: LevelAgent, TeamValues: team}), IDNPS)
	nearPtr(t, "adjusted without shrinkage", c.Adjusted, 60, 0)
}

func TestCardJSON(t *testing.T) {
	v := Compute(sampleCounts(), Default())
	start := time.Date(2025, 3, 23, 23, 0, 0, 0, time.UTC)
	card := Score(v, Default(), ScoreOptions{Level: LevelQueue, Key: "billing", Grain: GrainWeek, PeriodStart: start})
	b, err := json.Marshal(card)
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"level", "key", "period_start", "metrics", "n", "internal", "external", "score", "components", "intervals", "config_version"} {
		if _, ok := got[k]; !ok {
			t.Errorf("JSON lacks %q: %s", k, b)
		}
	}
	if got["period_start"] != "2025-03-23T23:00:00Z" || got["level"] != "queue" {
		t.Errorf("period_start %v level %v", got["period_start"], got["level"])
	}
	m := got["metrics"].(map[string]any)
	if m["nps"] != 30.0 || m["aht_s"] != 320.0 {
		t.Errorf("metrics %v", m)
	}
	undefined := Score(Compute(Counts{}, Default()), Default(), ScoreOptions{Level: LevelOrg})
	b, _ = json.Marshal(undefined)
	if !strings.Contains(string(b), `"nps":null`) || !strings.Contains(string(b), `"score":null`) {
		t.Errorf("undefined values should be null: %s", b)
	}
}

func TestParseLevel(t *testing.T) {
	for _, s := range []string{"org", "site", "team", "queue", "agent"} {
		t.Run(s, func(t *testing.T) {
			if l, err := ParseLevel(s); err != nil || string(l) != s {
				t.Errorf("ParseLevel(%q) = %q, %v", s, l, err)
			}
		})
	}
	if _, err := ParseLevel("galaxy"); err == nil || !strings.Contains(err.Error(), "metrics: unknown level") {
		t.Errorf("ParseLevel(galaxy) = %v", err)
	}
}
