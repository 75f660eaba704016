package dashboards

import (
	"strings"

	"github.com/grafana-tools/sdk"
)

// customVar is a template variable with a fixed list of values; the first
// is the default.
func customVar(name, label string, values ...string) sdk.TemplateVar {
	never := int64(0)
	var opts []sdk.Option
	for i, v := range values {
		opts = append(opts, sdk.Option{Text: v, Value: v, Selected: i == 0})
	}
	return sdk.TemplateVar{
		Name:    name,
		Label:   label,
		Type:    "custom",
		Query:   strings.Join(values, ","),
		Options: opts,
		Refresh: sdk.BoolInt{Value: &never},
		Current: current(values[0]),
	}
}

// queryVar is a template variable whose values a ClickHouse query lists,
// refreshed when the time range changes.
func queryVar(name, label, sql string) sdk.TemplateVar {
	onTimeRange := int64(2)
	return sdk.TemplateVar{
		Name:       name,
		Label:      label,
		Type:       "query",
		Datasource: clickHouse,
		Query:      sql,
		Refresh:    sdk.BoolInt{Value: &onTimeRange},
		Options:    []sdk.Option{},
		Sort:       1,
		Current:    sdk.Current{},
	}
}

func current(v string) sdk.Current {
	return sdk.Current{Text: &sdk.StringSliceString{Value: []string{v}, Valid: true}, Value: v}
}
