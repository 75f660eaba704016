package dashboards

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/servicecard/servicecard/internal/chtest"
	"github.com/servicecard/servicecard/metrics"
)

var update = flag.Bool("update", false, "rewrite the committed dashboards under deploy/grafana/dashboards")

// TestMain starts the package's ClickHouse server (for sql_test.go).
func TestMain(m *testing.M) { chtest.Main(m) }

// dashboardsDir is where the generated dashboards are committed.
var dashboardsDir = filepath.Join("..", "deploy", "grafana", "dashboards")

func generate(t *testing.T, opt Options) map[string][]byte {
	t.Helper()
	files, err := Generate(opt)
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// exampleConfig is the configuration the compose stack runs with; the
// committed dashboards are generated from it.
func exampleConfig(t *testing.T) *metrics.Config {
	t.Helper()
	cfg, err := metrics.LoadConfig(filepath.Join(repoRoot, "deploy", "servicecard.example.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	return &cfg
}

// TestGolden fails when the committed dashboards differ from what the
// generator writes for deploy/servicecard.example.yaml; go test
// ./dashboards -update rewrites them.
func TestGolden(t *testing.T) {
	files := generate(t, Options{Config: exampleConfig(t)})
	if *update {
		if err := Write(dashboardsDir, files); err != nil {
			t.Fatal(err)
		}
	}
	committed, err := filepath.Glob(filepath.Join(dashboardsDir, "*", "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range committed {
		rel, _ := filepath.Rel(dashboardsDir, p)
		got = append(got, filepath.ToSlash(rel))
	}
	want := sortedKeys(files)
	sort.Strings(got)
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("committed dashboards %v, generator writes %v (run go test ./dashboards -update)", got, want)
	}
	for _, name := range want {
		b, err := os.ReadFile(filepath.Join(dashboardsDir, filepath.FromSlash(name)))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(b, files[name]) {
			t.Errorf("%s differs from the generator's output (run go test ./dashboards -update)", name)
		}
	}
}

func TestGenerateIsDeterministic(t *testing.T) {
	a, b := generate(t, Options{}), generate(t, Options{})
	for name := range a {
		if !bytes.Equal(a[name], b[name]) {
			t.Errorf("%s: two runs differ", name)
		}
	}
}

func TestDashboardsAndFolders(t *testing.T) {
	files := generate(t, Options{})
	want := map[string]string{
		"executive/servicecard-exec.json":       "Executive service scorecard",
		"supervisor/servicecard-coaching.json":  "Supervisor coaching",
		"quality/servicecard-data-quality.json": "servicecard data quality",
		"platform/servicecard-platform.json":    "servicecard platform",
	}
	if len(files) != len(want) {
		t.Errorf("generated %d dashboards, want %d", len(files), len(want))
	}
	for name, title := range want {
		t.Run(name, func(t *testing.T) {
			var d struct {
				UID    string `json:"uid"`
				Title  string `json:"title"`
				ID     *int   `json:"id"`
				Panels []struct {
					ID      int    `json:"id"`
					Type    string `json:"type"`
					GridPos struct{ H, W, X, Y int }
					Targets []struct {
						Datasource struct{ Type, UID string }
						RawSQL     string `json:"rawSql"`
						Expr       string `json:"expr"`
						Format     *int   `json:"format"`
						EditorType string `json:"editorType"`
					} `json:"targets"`
				} `json:"panels"`
			}
			if err := json.Unmarshal(files[name], &d); err != nil {
				t.Fatal(err)
			}
			if d.Title != title || d.UID+".json" != filepath.Base(name) {
				t.Errorf("uid %q title %q, want %q in %s", d.UID, d.Title, title, name)
			}
			// Grafana refuses both at provisioning (issue 9, item 1).
			for _, f := range Folders() {
				if f.UID == d.UID {
					t.Errorf("uid %q is also the uid of folder %s", d.UID, f.Title)
				}
				if f.Dir == filepath.Dir(name) && f.Title == d.Title {
					t.Errorf("title %q is its folder's", d.Title)
				}
			}
			if d.ID != nil {
				t.Errorf("id %d: provisioned dashboards carry none", *d.ID)
			}
			seen := map[int]bool{}
			for _, p := range d.Panels {
				if seen[p.ID] {
					t.Errorf("panel id %d twice", p.ID)
				}
				seen[p.ID] = true
				if p.GridPos.W <= 0 || p.GridPos.X+p.GridPos.W > 24 {
					t.Errorf("panel %d off the grid: %+v", p.ID, p.GridPos)
				}
				if p.Type != "row" && p.Type != "text" && len(p.Targets) == 0 {
					t.Errorf("panel %d (%s) has no query", p.ID, p.Type)
				}
				folder, _ := folderByDir(filepath.Dir(name))
				for _, tg := range p.Targets {
					switch tg.Datasource.UID {
					case folder.ClickHouse:
						if tg.Datasource.Type != "grafana-clickhouse-datasource" || tg.RawSQL == "" || tg.EditorType != "sql" || tg.Format == nil {
							t.Errorf("panel %d: bad ClickHouse target %+v", p.ID, tg)
						}
					case PrometheusUID:
						if tg.Datasource.Type != "prometheus" || tg.Expr == "" {
							t.Errorf("panel %d: bad Prometheus target %+v", p.ID, tg)
						}
					default:
						t.Errorf("panel %d: unknown data source %+v", p.ID, tg.Datasource)
					}
				}
			}
		})
	}
}

// agentLevel finds agent-level data in dashboard JSON: the agent_id
// column or the 'agent' level, however quoted (the SQL sits inside a JSON
// string, so a double quote arrives escaped).
var agentLevel = regexp.MustCompile(`(?i)agent_id|'\s*agent\s*'|\\"agent\\"|key\s+AS\s+agent\b`)

// TestExecutiveHasNoAgentData scans the executive dashboards' JSON as
// committed: no query may read agent rows or agent ids.
func TestExecutiveHasNoAgentData(t *testing.T) {
	files := generate(t, Options{})
	found := 0
	for name, b := range files {
		if !strings.HasPrefix(name, "executive/") {
			continue
		}
		found++
		if m := agentLevel.Find(b); m != nil {
			t.Errorf("%s contains %q", name, m)
		}
	}
	if found == 0 {
		t.Fatal("no executive dashboard generated")
	}
	// The scan itself must see agent data where it is: the coaching
	// dashboard is all about agents.
	if agentLevel.Find(files["supervisor/servicecard-coaching.json"]) == nil {
		t.Error("the scan finds nothing in the coaching dashboard: it would miss agent data")
	}
}

func TestCheckExecutive(t *testing.T) {
	cases := []struct {
		name, sql string
		ok        bool
	}{
		{"org scorecards", "SELECT score FROM scorecards FINAL WHERE level = 'org'", true},
		{"whitelisted levels", "SELECT * FROM scorecards FINAL WHERE level IN ('site', 'team', 'queue') AND level = ${level:sqlstring}", true},
		{"surveys, no agent", "SELECT count() FROM surveys FINAL WHERE sign = 1", true},
		{"agent level", "SELECT score FROM scorecards FINAL WHERE level = 'agent'", false},
		{"agent level, spaced and upper case", "SELECT score FROM scorecards FINAL WHERE LEVEL = ' AGENT '", false},
		{"agent in a list", "SELECT * FROM scorecards FINAL WHERE level IN ('team', 'agent')", false},
		{"agent id column", "SELECT agent_id, count() FROM contacts_rollup GROUP BY agent_id", false},
		{"variable level only", "SELECT * FROM scorecards FINAL WHERE level = ${level:sqlstring}", false},
		{"second read unpinned", "SELECT * FROM scorecards FINAL WHERE level = 'org' AND key IN (SELECT key FROM scorecards)", false},
		{"comment does not pin", "-- level = 'org'\nSELECT * FROM scorecards", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := checkExecutive(c.sql)
			if c.ok && err != nil {
				t.Errorf("refused: %v", err)
			}
			if !c.ok && !errors.Is(err, ErrAgentData) {
				t.Errorf("got %v, want ErrAgentData", err)
			}
		})
	}
}

// TestGeneratorRefusesAgentPanelOnExecutive puts an agent panel on an
// executive dashboard: rendering must fail.
func TestGeneratorRefusesAgentPanelOnExecutive(t *testing.T) {
	g, err := newGenerator(Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, folder := range []string{"executive", "supervisor"} {
		t.Run(folder, func(t *testing.T) {
			d := g.executive()
			d.folder = folder
			d.add(g.agentTable())
			_, err := d.render()
			if folder == "executive" && !errors.Is(err, ErrAgentData) {
				t.Errorf("executive render: %v, want ErrAgentData", err)
			}
			if folder == "supervisor" && err != nil {
				t.Errorf("supervisor render: %v", err)
			}
		})
	}
}

// TestCatalogDrivesPanels changes a goal and a minimum sample in the
// configuration: thresholds, flags and descriptions follow.
func TestCatalogDrivesPanels(t *testing.T) {
	cfg := metrics.Default()
	cfg.Targets[metrics.IDAHT] = metrics.Goal{Target: 271, Floor: 777}
	cfg.MinN.Survey = 42
	files := generate(t, Options{Config: &cfg})
	exec, coach := string(files["executive/servicecard-exec.json"]), string(files["supervisor/servicecard-coaching.json"])
	for _, want := range []string{`"value": 271`, `"value": 777`, "Target 271 s, floor 777 s"} {
		if !strings.Contains(exec, want) {
			t.Errorf("executive dashboard lacks %q", want)
		}
	}
	for _, want := range []string{"> 777, 0)", "< 42, 'few NPS answers'", `"value": 42`} {
		if !strings.Contains(coach, want) {
			t.Errorf("coaching dashboard lacks %q", want)
		}
	}
	def := string(generate(t, Options{})["executive/servicecard-exec.json"])
	if strings.Contains(def, `"value": 777`) {
		t.Error("the default dashboards carry the changed floor")
	}
}

func TestOptionsRejectBadTimezone(t *testing.T) {
	for _, tz := range []string{"Mars/Olympus", "UTC'; DROP TABLE contacts; --"} {
		cfg := metrics.Default()
		cfg.Timezone = tz
		if _, err := Generate(Options{Config: &cfg}); !errors.Is(err, ErrOptions) {
			t.Errorf("timezone %q: %v, want ErrOptions", tz, err)
		}
	}
}

func TestLayout(t *testing.T) {
	ps := []*panel{
		{kind: "row", w: 24, h: 1},
		{kind: "stat", w: 6, h: 5}, {kind: "stat", w: 12, h: 4}, {kind: "stat", w: 12, h: 8},
		{kind: "row", w: 24, h: 1},
		{kind: "table", w: 24, h: 3},
	}
	layout(ps)
	want := [][2]int{{0, 0}, {0, 1}, {6, 1}, {0, 6}, {0, 14}, {0, 15}}
	for i, p := range ps {
		if [2]int{p.x, p.y} != want[i] {
			t.Errorf("panel %d at (%d,%d), want %v", i, p.x, p.y, want[i])
		}
	}
}

func TestExpandMacros(t *testing.T) {
	from := time.Date(2025, 10, 6, 8, 30, 0, 0, time.UTC)    // 1759739400
	to := time.Date(2025, 10, 13, 8, 30, 0, 500e6, time.UTC) // 1760344200.5
	vars := map[string]string{"team": "O'Brien's", "grain": "week"}
	cases := []struct{ name, in, want string }{
		{"timeFilter", "WHERE $__timeFilter(started_at)", "WHERE started_at >= toDateTime(1759739400) AND started_at <= toDateTime(1760344200)"},
		{"timeFilter_ms", "$__timeFilter_ms(t)", "t >= fromUnixTimestamp64Milli(1759739400000) AND t <= fromUnixTimestamp64Milli(1760344200500)"},
		{"dateFilter", "$__dateFilter(period_start)", "period_start >= toDate('2025-10-06') AND period_start <= toDate('2025-10-13')"},
		{"dateTimeFilter", "$__dateTimeFilter(d, t)", "(d >= toDate('2025-10-06') AND d <= toDate('2025-10-13')) AND (t >= toDateTime(1759739400) AND t <= toDateTime(1760344200))"},
		{"dt", "$__dt(d,t)", "(d >= toDate('2025-10-06') AND d <= toDate('2025-10-13')) AND (t >= toDateTime(1759739400) AND t <= toDateTime(1760344200))"},
		{"from and to", "$__fromTime - INTERVAL 1 DAY, $__toTime", "toDateTime(1759739400) - INTERVAL 1 DAY, toDateTime(1760344200)"},
		{"ms bounds", "$__fromTime_ms $__toTime_ms", "fromUnixTimestamp64Milli(1759739400000) fromUnixTimestamp64Milli(1760344200500)"},
		{"interval", "intDiv(x, $__interval_s)", "intDiv(x, 604)"},
		{"timeInterval", "$__timeInterval(toStartOfDay(t))", "toStartOfInterval(toDateTime(toStartOfDay(t)), INTERVAL 604 second)"},
		{"sqlstring escapes", "team = ${team:sqlstring}", "team = 'O''Brien''s'"},
		{"raw and bare", "${grain} $grain ${grain:raw}", "week week week"},
		{"unknown stays", "$nope ${nope:sqlstring} $__unknown(x)", "$nope ${nope:sqlstring} $__unknown(x)"},
		{"nested macro args", "$__timeFilter(coalesce(a, b))", "coalesce(a, b) >= toDateTime(1759739400) AND coalesce(a, b) <= toDateTime(1760344200)"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := ExpandMacros(c.in, from, to, vars); got != c.want {
				t.Errorf("got  %s\nwant %s", got, c.want)
			}
		})
	}
	t.Run("interval from vars", func(t *testing.T) {
		if got := ExpandMacros("$__interval_s", from, to, map[string]string{"__interval_s": "3600"}); got != "3600" {
			t.Errorf("got %s", got)
		}
	})
	t.Run("local times are converted to UTC", func(t *testing.T) {
		berlin, _ := time.LoadLocation("Europe/Berlin")
		got := ExpandMacros("$__dateFilter(d)", time.Date(2025, 10, 6, 1, 0, 0, 0, berlin), to, nil)
		if !strings.Contains(got, "toDate('2025-10-05')") {
			t.Errorf("got %s", got)
		}
	})
}
