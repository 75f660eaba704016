package dashboards

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestPlatformSeriesAreExported: every series the Platform dashboard reads
// is one that serve or the worker registers, and ingest rows are split by
// outcome so rejected rows never count as ingested (issue 9, item 3).
func TestPlatformSeriesAreExported(t *testing.T) {
	var exported []string
	for _, f := range []string{"ingest/spool/metrics.go", "internal/api/api.go", "internal/ingestmetrics/ingestmetrics.go"} {
		b, err := os.ReadFile(filepath.Join(repoRoot, f))
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range regexp.MustCompile(`Name:\s+"(servicecard_[a-z_]+)"`).FindAllStringSubmatch(string(b), -1) {
			exported = append(exported, m[1])
		}
	}
	g, err := newGenerator(Options{})
	if err != nil {
		t.Fatal(err)
	}
	series := regexp.MustCompile(`servicecard_[a-z_]+`)
	for _, tg := range g.platform().targets() {
		for _, s := range series.FindAllString(tg.expr, -1) {
			base := strings.TrimSuffix(strings.TrimSuffix(s, "_bucket"), "_count")
			found := false
			for _, e := range exported {
				found = found || e == base
			}
			if !found {
				t.Errorf("%s reads %s, which nothing exports (%v)", tg.panel, s, exported)
			}
		}
		if strings.Contains(tg.expr, SeriesIngestRows) && !strings.Contains(tg.expr, `outcome=`) {
			t.Errorf("%s sums %s over every outcome: %s", tg.panel, SeriesIngestRows, tg.expr)
		}
		if strings.Contains(tg.expr, `code=~"5..`) && !strings.Contains(tg.expr, "or vector(0)") {
			t.Errorf("%s draws nothing without 5xx: %s", tg.panel, tg.expr)
		}
	}
}
