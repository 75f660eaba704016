package metrics

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/servicecard/servicecard/internal/auth"
)

func TestDefaultConfigIsValid(t *testing.T) {
	c, err := ParseConfig(nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.Version() != Default().Version() {
		t.Errorf("empty file version %s, Default %s", c.Version(), Default().Version())
	}
	if c.Location().String() != "UTC" || c.ServiceLevel.ThresholdS != 20 || c.ShortAbandonS != 5 ||
		c.MinN.Survey != 10 || c.MinN.Contact != 20 || c.ShrinkageK != 30 || c.Coaching.WindowDays != 28 ||
		c.Recognition.MinScore != 80 || c.FCR.Mode != FCRRepeat || c.FCR.WindowDays != 7 {
		t.Errorf("defaults: %+v", c)
	}
	wantGoals := map[string]Goal{
		IDAHT: {300, 600}, IDASA: {20, 120}, IDServiceLevel: {0.8, 0.5}, IDAbandonRate: {0.05, 0.15},
		IDFCRRate: {0.75, 0.5}, IDTransferRate: {0.1, 0.3}, IDAdherence: {0.9, 0.7},
		IDNPS: {50, 0}, IDCSAT: {0.85, 0.6}, IDCES: {6, 4},
	}
	for id, g := range wantGoals {
		if c.Targets[id] != g {
			t.Errorf("targets.%s = %+v, want %+v", id, c.Targets[id], g)
		}
		if c.Weights.Metrics[id] != 1 {
			t.Errorf("weights.metrics.%s = %v, want 1", id, c.Weights.Metrics[id])
		}
	}
	if len(c.Targets) != len(wantGoals) {
		t.Errorf("%d default targets, want %d", len(c.Targets), len(wantGoals))
	}
}

func TestExampleConfig(t *testing.T) {
	path := filepath.Join("..", "deploy", "servicecard.example.yaml")
	c, err := LoadConfig(path)
	if err != nil {
		t.Fatal(err)
	}
	if c.Location().String() != "Europe/Berlin" {
		t.Errorf("timezone %s", c.Location())
	}
	if len(c.Tokens) != 4 || c.Tokens[1].Role != auth.RoleSupervisor || strings.Join(c.Tokens[1].Teams, ",") != "north,north-night" {
		t.Errorf("tokens: %+v", c.Tokens)
	}
	// Apart from its time zone the example spells out the defaults, so it
	// computes what Default does.
	d := Default()
	d.Timezone = "Europe/Berlin"
	if c.Version() != d.Version() {
		t.Errorf("example version %s differs from the defaults' %s", c.Version(), d.Version())
	}
}

func TestParseConfigOverrides(t *testing.T) {
	c, err := ParseConfig([]byte(`
timezone: America/New_York
service_level: {threshold_s: 30}
short_abandon_s: 0
fcr: {mode: flag}
targets:
  nps: {floor: -20}          # target keeps its default 50
  hold_rate: {target: 0.1, floor: 0.4}
weights:
  metrics: {hold_rate: 1, ces: 0}
`))
	if err != nil {
		t.Fatal(err)
	}
	if c.Targets[IDNPS] != (Goal{Target: 50, Floor: -20}) {
		t.Errorf("targets.nps = %+v", c.Targets[IDNPS])
	}
	if c.Weights.Metrics[IDHoldRate] != 1 || c.Weights.Metrics[IDCES] != 0 || c.Weights.Metrics[IDNPS] != 1 {
		t.Errorf("weights.metrics = %v", c.Weights.Metrics)
	}
	if c.FCR.WindowDays != 7 || c.FCR.Mode != FCRFlag {
		t.Errorf("fcr = %+v", c.FCR)
	}
	cat := map[string]Metric{}
	for _, m := range Catalog(c) {
		cat[m.ID] = m
	}
	for id, want := range map[string]string{
		IDServiceLevel: "answered within 30 s / offered; channels voice, chat",
		IDAbandonRate:  "abandoned / offered; channels voice, chat",
		IDFCRRate:      "handled contacts the source marked resolved / handled contacts with a resolved flag",
	} {
		if cat[id].Formula != want {
			t.Errorf("%s formula %q, want %q", id, cat[id].Formula, want)
		}
	}
	if c.Version() == Default().Version() {
		t.Error("changed config kept the default version")
	}
	// Weight 0 and no weight are the same configuration.
	z, err := ParseConfig([]byte("weights:\n  metrics: {hold_rate: 0}\n"))
	if err != nil {
		t.Fatal(err)
	}
	if z.Version() != Default().Version() {
		t.Error("hold_rate weight 0 changed the version")
	}
}

func TestConfigVersion(t *testing.T) {
	a, err := ParseConfig([]byte("timezone: Europe/Berlin\nshrinkage_k: 40\n"))
	if err != nil {
		t.Fatal(err)
	}
	b, err := ParseConfig([]byte("shrinkage_k: 40.0\ntimezone: Europe/Berlin\ntokens:\n  - {name: x, role: admin, sha256: " +
		strings.Repeat("ab", 32) + "}\n"))
	if err != nil {
		t.Fatal(err)
	}
	c, err := ParseConfig([]byte("timezone: Europe/Berlin\nshrinkage_k: 41\n"))
	if err != nil {
		t.Fatal(err)
	}
	if a.Version() != b.Version() {
		t.Errorf("key order, number spelling or tokens changed the version: %s vs %s", a.Version(), b.Version())
	}
	if a.Version() == c.Version() {
		t.Error("shrinkage_k 40 and 41 share a version")
	}
	if len(a.Version()) != 16 {
		t.Errorf("version %q, want 16 hex digits", a.Version())
	}
}

func TestParseConfigErrors(t *testing.T) {
	hash := strings.Repeat("0f", 32)
	tests := []struct {
		name, yaml string
		want       []string // every one must appear in the error
	}{
		{"unknown top-level key", "colour: blue\n", []string{"colour: unknown key (line 1)"}},
		{"unknown nested key", "weights:\n  interal: 0.5\n", []string{"weights.interal: unknown key (line 2)"}},
		{"unknown key in a target", "targets:\n  nps: {goal: 60}\n", []string{"targets.nps.goal: unknown key"}},
		{"unknown key in a token", "tokens:\n  - {name: a, role: admin, sha256: " + hash + ", pass: x}\n", []string{"tokens[0].pass: unknown key"}},
		{"unknown zone", "timezone: Mars/Base\n", []string{`timezone: unknown time zone "Mars/Base"`}},
		{"empty zone", "timezone: ''\n", []string{"timezone: must name an IANA time zone"}},
		{"local zone", "timezone: Local\n", []string{`timezone: "Local" depends on the server`}},
		{"threshold not precomputed", "service_level: {threshold_s: 25}\n", []string{"service_level.threshold_s: must be one of 10, 15, 20, 30, 45, 60, 90, 120, 180, 300 (the rollups precompute these), got 25"}},
		{"short abandon", "short_abandon_s: 4\n", []string{"short_abandon_s: must be one of 3, 5, 10"}},
		{"fcr mode", "fcr: {mode: survey}\n", []string{`fcr.mode: must be "repeat" or "flag", got "survey"`}},
		{"fcr window", "fcr: {window_days: 0}\n", []string{"fcr.window_days: must be between 1 and 90"}},
		{"min_n", "min_n: {survey: -1}\n", []string{"min_n.survey: must not be negative"}},
		{"shrinkage", "shrinkage_k: -3\n", []string{"shrinkage_k: must be a number >= 0"}},
		{"floor equals target", "targets:\n  nps: {target: 20, floor: 20}\n", []string{"targets.nps.floor: must differ from target"}},
		{"floor equals default target", "targets:\n  nps: {floor: 50}\n", []string{"targets.nps.floor: must differ from target"}},
		{"higher-is-better upside down", "targets:\n  csat: {target: 0.5, floor: 0.8}\n", []string{"targets.csat.target: must be above the floor (0.8) for a higher-is-better metric"}},
		{"lower-is-better upside down", "targets:\n  aht_s: {target: 700}\n", []string{"targets.aht_s.target: must be below the floor (600) for a lower-is-better metric, got 700"}},
		{"ratio out of range", "targets:\n  service_level: {target: 80}\n", []string{"targets.service_level.target: must be between 0 and 1, got 80"}},
		{"nps out of range", "targets:\n  nps: {floor: -150}\n", []string{"targets.nps.floor: must be between -100 and 100"}},
		{"ces out of range", "targets:\n  ces: {target: 9}\n", []string{"targets.ces.target: must be between 1 and 7"}},
		{"new goal half given", "targets:\n  hold_rate: {target: 0.1}\n", []string{"targets.hold_rate.floor: missing"}},
		{"unknown target metric", "targets:\n  happiness: {target: 1, floor: 0}\n", []string{"targets.happiness: unknown metric"}},
		{"volume target", "targets:\n  offered: {target: 1, floor: 0}\n", []string{"targets.offered: offered is a volume metric"}},
		{"weight without goal", "weights:\n  metrics: {occupancy: 1}\n", []string{"weights.metrics.occupancy: a scored metric needs targets.occupancy.target"}},
		{"negative weight", "weights: {internal: -1}\n", []string{"weights.internal: must be a number >= 0, got -1"}},
		{"both weights zero", "weights: {internal: 0, external: 0}\n", []string{"weights: internal and external must not both be 0"}},
		{"external side empty", "weights:\n  metrics: {nps: 0, csat: 0, ces: 0}\n", []string{"weights.metrics: no external metric has a positive weight"}},
		{"unknown weight metric", "weights:\n  metrics: {speed: 1}\n", []string{"weights.metrics.speed: unknown metric"}},
		{"coaching window", "coaching: {window_days: 0}\n", []string{"coaching.window_days: must be between 1 and 365"}},
		{"recognition", "recognition: {min_score: 120}\n", []string{"recognition.min_score: must be between 0 and 100"}},
		{"token role", "tokens:\n" +
			"  - {name: a, role: admin, sha256: " + hash + "}\n" +
			"  - {name: b, role: analyst, sha256: " + strings.Repeat("1a", 32) + "}\n" +
			"  - {name: c, role: manager, sha256: " + strings.Repeat("2b", 32) + "}\n",
			[]string{`tokens[2].role: unknown role "manager" (want executive, supervisor, analyst or admin)`}},
		{"token hash", "tokens:\n  - {name: a, role: admin, sha256: secret}\n", []string{"tokens[0].sha256: must be 64 hex digits"}},
		{"token duplicate", "tokens:\n  - {name: a, role: admin, sha256: " + hash + "}\n  - {name: a, role: admin, sha256: " + strings.ToUpper(hash) + "}\n",
			[]string{`tokens[1].name: "a" is already used by tokens[0]`, "tokens[1].sha256: same token as tokens[0]"}},
		{"supervisor without teams", "tokens:\n  - {name: s, role: supervisor, sha256: " + hash + "}\n", []string{"tokens[0].teams: a supervisor token needs at least one team"}},
		{"executive with teams", "tokens:\n  - {name: e, role: executive, teams: [north], sha256: " + hash + "}\n", []string{"tokens[0].teams: only supervisor tokens are scoped to teams"}},
		{"no name", "tokens:\n  - {role: admin, sha256: " + hash + "}\n", []string{"tokens[0].name: must not be empty"}},
		{"several at once", "timezone: Mars/Base\nshort_abandon_s: 7\n", []string{"timezone: unknown time zone", "short_abandon_s: must be one of"}},
		{"wrong type", "shrinkage_k: lots\n", []string{"parse config:", "cannot unmarshal"}},
		{"not yaml", "timezone: [\n", []string{"parse config:"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseConfig([]byte(tc.yaml))
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q\ndoes not contain %q", err, w)
				}
			}
			var ce *ConfigError
			if strings.HasPrefix(tc.want[0], "parse config:") {
				return
			}
			if !errors.As(err, &ce) || !errors.Is(err, ErrInvalidConfig) {
				t.Errorf("error %v is not a ConfigError matching ErrInvalidConfig", err)
			}
		})
	}
}

func TestLoadConfig(t *testing.T) {
	c, err := LoadConfig("")
	if err != nil || c.Version() != Default().Version() {
		t.Errorf("empty path: %v, %v", c, err)
	}
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.yaml")
	if err := os.WriteFile(bad, []byte("timezone: Mars/Base\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err = LoadConfig(bad)
	if err == nil || !strings.Contains(err.Error(), bad) || !errors.Is(err, ErrInvalidConfig) {
		t.Errorf("bad file: %v", err)
	}
	if _, err := LoadConfig(filepath.Join(dir, "missing.yaml")); err == nil || !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
}

func TestCatalog(t *testing.T) {
	cat := Catalog(Default())
	want := []string{"offered", "handled", "aht_s", "asa_s", "service_level", "abandon_rate", "transfer_rate",
		"hold_rate", "fcr_rate", "occupancy", "adherence", "nps", "csat", "ces", "survey_rate"}
	if len(cat) != len(want) {
		t.Fatalf("catalog has %d metrics, want %d", len(cat), len(want))
	}
	for i, m := range cat {
		t.Run(want[i], func(t *testing.T) {
			if m.ID != want[i] {
				t.Fatalf("catalog[%d] = %s, want %s", i, m.ID, want[i])
			}
			if m.Name == "" || m.Formula == "" || m.Description == "" || m.Unit == "" || m.Family == "" || m.Direction == "" {
				t.Errorf("incomplete entry %+v", m)
			}
			scored := m.Weight > 0
			if scored != (m.Target != nil) {
				t.Errorf("weight %v but target %v", m.Weight, m.Target)
			}
		})
	}
	byID := map[string]Metric{}
	for _, m := range cat {
		byID[m.ID] = m
	}
	checks := []struct {
		id         string
		unit       Unit
		dir        Direction
		family     Family
		formula    string
		minN       int64
		sampleUnit string
	}{
		{IDServiceLevel, UnitRatio, HigherIsBetter, FamilyInternal, "answered within 20 s / (offered - abandons under 5 s); channels voice, chat", 20, "contacts"},
		{IDAbandonRate, UnitRatio, LowerIsBetter, FamilyInternal, "(abandoned - abandons under 5 s) / (offered - abandons under 5 s); channels voice, chat", 20, "contacts"},
		{IDAHT, UnitSeconds, LowerIsBetter, FamilyInternal, "sum(talk + hold + acw) / handled legs", 20, "contacts"},
		{IDFCRRate, UnitRatio, HigherIsBetter, FamilyInternal, "handled contacts with a known customer and no further contact from that customer within 7 days / handled contacts with a known customer", 20, "contacts"},
		{IDNPS, UnitNPS, HigherIsBetter, FamilyExternal, "100 * promoters (9-10) / NPS answers - 100 * detractors (0-6) / NPS answers", 10, "surveys"},
		{IDCES, UnitScore17, HigherIsBetter, FamilyExternal, "sum(effort answers, 1-7) / effort answers", 10, "surveys"},
		{IDAdherence, UnitRatio, HigherIsBetter, FamilyInternal, "scheduled time spent in the scheduled activity / scheduled time", 3600, "seconds"},
		{IDOffered, UnitCount, Neutral, FamilyVolume, "inbound contacts that entered a queue; channels voice, chat", 0, "count"},
	}
	for _, c := range checks {
		t.Run(c.id+" details", func(t *testing.T) {
			m := byID[c.id]
			if m.Unit != c.unit || m.Direction != c.dir || m.Family != c.family || m.Formula != c.formula || m.MinN != c.minN || m.SampleUnit != c.sampleUnit {
				t.Errorf("got %+v", m)
			}
		})
	}
	if _, err := Lookup("nope", Default()); !errors.Is(err, ErrUnknownMetric) {
		t.Errorf("Lookup(nope) = %v", err)
	}
	if m, err := Lookup(IDASA, Default()); err != nil || *m.Target != 20 || *m.Floor != 120 {
		t.Errorf("Lookup(asa_s) = %+v, %v", m, err)
	}
}

// fcr.placeholder_customers is read, and changes what the config computes.
func TestParseConfigPlaceholderCustomers(t *testing.T) {
	c, err := ParseConfig([]byte("fcr: {placeholder_customers: [walk-in, \"n/a\"]}\n"))
	if err != nil {
		t.Fatal(err)
	}
	if got := c.FCR.PlaceholderCustomers; len(got) != 2 || got[0] != "walk-in" || got[1] != "n/a" {
		t.Errorf("fcr.placeholder_customers = %q", got)
	}
	if c.Version() == Default().Version() {
		t.Error("placeholders leave the config version unchanged")
	}
	if c, err := ParseConfig([]byte("fcr: {placeholder_customers: []}\n")); err != nil || c.Version() != Default().Version() {
		t.Errorf("an empty list: err %v, version changed %v", err, c.Version() != Default().Version())
	}
}
