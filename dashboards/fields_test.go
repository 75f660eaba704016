package dashboards

import (
	"encoding/json"
	"strings"
	"testing"
)

// genPanel is the part of a generated panel these tests read.
type genPanel struct {
	Type        string `json:"type"`
	Title       string `json:"title"`
	FieldConfig struct {
		Defaults  map[string]any `json:"defaults"`
		Overrides []struct {
			Matcher    matcher    `json:"matcher"`
			Properties []property `json:"properties"`
		} `json:"overrides"`
	} `json:"fieldConfig"`
	Targets []struct {
		RawSQL string `json:"rawSql"`
	} `json:"targets"`
}

func generatedPanels(t *testing.T, file string) []genPanel {
	t.Helper()
	b, ok := generate(t, Options{})[file]
	if !ok {
		t.Fatalf("%s not generated", file)
	}
	var d struct {
		Panels []genPanel `json:"panels"`
	}
	if err := json.Unmarshal(b, &d); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	return d.Panels
}

// TestDurationFieldsKeepWholeSeconds: Grafana (9.4 up to 12.2) labels the
// axis of an hh:mm:ss field "NaN" when the ticks of close values fall on
// fractions of a second and the field has no decimals (the Average speed
// of answer axis did); every duration field carries decimals 0.
func TestDurationFieldsKeepWholeSeconds(t *testing.T) {
	seen := 0
	for _, file := range []string{"executive/servicecard-exec.json", "supervisor/servicecard-coaching.json"} {
		for _, p := range generatedPanels(t, file) {
			if p.FieldConfig.Defaults["unit"] == durationUnit {
				seen++
				if d, ok := p.FieldConfig.Defaults["decimals"].(float64); !ok || d != durationDecimals {
					t.Errorf("%s: panel %q: unit %s with decimals %v", file, p.Title, durationUnit, p.FieldConfig.Defaults["decimals"])
				}
			}
			for _, o := range p.FieldConfig.Overrides {
				var unit, decimals any
				for _, pr := range o.Properties {
					switch pr.ID {
					case "unit":
						unit = pr.Value
					case "decimals":
						decimals = pr.Value
					}
				}
				if unit != durationUnit {
					continue
				}
				seen++
				if d, ok := decimals.(float64); !ok || d != durationDecimals {
					t.Errorf("%s: panel %q field %s: unit %s with decimals %v", file, p.Title, o.Matcher.Options, durationUnit, decimals)
				}
			}
		}
	}
	if seen < 3 {
		t.Errorf("only %d duration fields found: the scan misses them", seen)
	}
}

// tableWidth is the width in pixels the executive table's columns may
// take: a 24-column panel on a 1400 px screen, less padding and scrollbar.
const tableWidth = 1300

// TestExecutiveTableFitsTheScreen: every column of the executive table has
// a set width and a short header, and together they fit a 1400 px screen;
// a partial period is marked in a compact form.
func TestExecutiveTableFitsTheScreen(t *testing.T) {
	var table *genPanel
	panels := generatedPanels(t, "executive/servicecard-exec.json")
	for i := range panels {
		if panels[i].Type == "table" {
			table = &panels[i]
		}
	}
	if table == nil {
		t.Fatal("no table on the executive dashboard")
	}
	g, err := newGenerator(Options{})
	if err != nil {
		t.Fatal(err)
	}
	cols := g.compareTable().targets[0].columns
	total := 0
	for _, c := range cols {
		width, header := columnLook(table, c)
		if width <= 0 {
			t.Errorf("column %s has no width", c)
		}
		if header == "" || len(header) > 16 {
			t.Errorf("column %s: header %q (want 1-16 characters)", c, header)
		}
		total += int(width)
	}
	if total > tableWidth {
		t.Errorf("the columns take %d px, more than %d", total, tableWidth)
	}
	if len(table.Targets) != 1 || !strings.Contains(table.Targets[0].RawSQL, "' d)'") {
		t.Errorf("the table's query does not mark partial periods as \"(4/7 d)\"")
	}
}

// columnLook returns the width and header that a table's field overrides
// give column c.
func columnLook(table *genPanel, c string) (width float64, header string) {
	for _, o := range table.FieldConfig.Overrides {
		if o.Matcher.Options != c {
			continue
		}
		for _, pr := range o.Properties {
			switch pr.ID {
			case "custom.width":
				width, _ = pr.Value.(float64)
			case "displayName":
				header, _ = pr.Value.(string)
			}
		}
	}
	return width, header
}

// TestCoachingTablesFitTheScreen: every column of the coaching tables has
// a set width and a short header, together fitting the panel's share of a
// 1400 px screen; the agent table has no abandon rate (abandons have no
// agent), and Praise and Complaints show the customer's comment.
func TestCoachingTablesFitTheScreen(t *testing.T) {
	g, err := newGenerator(Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]*panel{"Agent scorecards": g.agentTable(), "Efficiency next to sentiment": g.efficiencyTable(),
		"Praise": g.commentsTable("Praise", "", true), "Complaints": g.commentsTable("Complaints", "", false)}
	seen := 0
	for _, table := range generatedPanels(t, "supervisor/servicecard-coaching.json") {
		src, ok := want[table.Title]
		if !ok || table.Type != "table" {
			continue
		}
		seen++
		cols := src.targets[0].columns
		if (table.Title == "Praise" || table.Title == "Complaints") && !strings.Contains(strings.Join(cols, ","), "comment") {
			t.Errorf("%s: no comment column in %v", table.Title, cols)
		}
		for _, c := range cols {
			if c == "abandon_rate" {
				t.Errorf("%s: abandon rate at agent level", table.Title)
			}
		}
		total := 0
		for _, c := range cols {
			width, header := columnLook(&table, c)
			if width <= 0 {
				t.Errorf("%s: column %s has no width", table.Title, c)
			}
			if header == "" || len(header) > 16 {
				t.Errorf("%s: column %s: header %q (want 1-16 characters)", table.Title, c, header)
			}
			total += int(width)
		}
		if limit := tableWidth * src.w / 24; total > limit {
			t.Errorf("%s: the columns take %d px, more than %d", table.Title, total, limit)
		}
	}
	if seen != len(want) {
		t.Errorf("found %d of the %d coaching tables", seen, len(want))
	}
}
