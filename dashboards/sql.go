package dashboards

import (
	"embed"
	"fmt"
	"strings"
	"text/template"

	"github.com/servicecard/servicecard/metrics"
)

// The ClickHouse panels' SQL lives in queries/*.sql, one text/template
// per query (queries/<name>.sql), with the fragments they share in the
// files whose names start with "_" (queries/_scorecards.sql holds the
// ClickHouse 18.16 and 26 rules every query follows). The Go code picks
// the metrics and passes them in; it writes no SQL.

//go:embed queries/*.sql
var queryFS embed.FS

var queries = template.Must(template.New("").Funcs(template.FuncMap{
	"sqlString": sqlString,
	"upper":     strings.ToUpper,
}).ParseFS(queryFS, "queries/*.sql"))

// query renders queries/<name>.sql with data, without the surrounding
// blank lines. The templates and their data are both this package's: a
// failure is a bug that every test run meets, so it panics like
// template.Must.
func query(name string, data any) string {
	var b strings.Builder
	if err := queries.ExecuteTemplate(&b, name+".sql", data); err != nil {
		panic(fmt.Sprintf("dashboards: query %s: %v", name, err))
	}
	return strings.TrimSpace(b.String())
}

// metricView is what the query templates read of a catalog metric.
type metricView struct {
	ID, Name      string
	External      bool    // a customer-sentiment (survey) metric
	Ratio         bool    // stored as 0..1, shown as a percentage
	LowerIsBetter bool    // past its floor means above it
	Floor         float64 // 0 when the metric has no goal
	MinN          int64
}

func viewOf(m metrics.Metric) metricView {
	v := metricView{ID: m.ID, Name: m.Name, External: m.Family == metrics.FamilyExternal,
		Ratio: m.Unit == metrics.UnitRatio, LowerIsBetter: m.Direction == metrics.LowerIsBetter, MinN: m.MinN}
	if m.Floor != nil {
		v.Floor = *m.Floor
	}
	return v
}

func viewsOf(ms []metrics.Metric) []metricView {
	out := make([]metricView, len(ms))
	for i, m := range ms {
		out[i] = viewOf(m)
	}
	return out
}

// sqlString escapes s for a single-quoted SQL literal.
func sqlString(s string) string {
	return strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(s)
}

// goalMetrics returns the catalog metrics of family that have a goal
// (target and floor), in catalog order: the ones scored and flagged.
func (g *generator) goalMetrics(family metrics.Family) []metrics.Metric {
	var out []metrics.Metric
	for _, m := range metrics.Catalog(g.cfg) {
		if m.Family == family && m.Target != nil && m.Floor != nil {
			out = append(out, m)
		}
	}
	return out
}
