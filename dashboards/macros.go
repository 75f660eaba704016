package dashboards

import (
	"fmt"
	"math"
	"regexp"
	"strings"
	"time"
)

// ExpandMacros does to a panel's SQL what Grafana and the ClickHouse data
// source plugin (pkg/macros of grafana/clickhouse-datasource v4) do before
// ClickHouse sees it, so tests can run the real dashboard queries:
//
// Template variables first (Grafana's front end): ${name:sqlstring} is the
// value quoted with ' and ' doubled; ${name}, ${name:raw} and $name are the
// raw value. Names missing from vars stay as they are.
//
// Then the plugin's macros, with from and to in UTC:
//
//	$__timeFilter(c)     c >= toDateTime(<from unix>) AND c <= toDateTime(<to unix>)
//	$__dateFilter(c)     c >= toDate('<from date>') AND c <= toDate('<to date>')
//	$__dateTimeFilter(d, t) / $__dt(d, t)
//	                     (d >= toDate(..) AND d <= toDate(..)) AND (t >= toDateTime(..) AND t <= toDateTime(..))
//	$__fromTime, $__toTime                    toDateTime(<unix>)
//	$__fromTime_ms, $__toTime_ms             fromUnixTimestamp64Milli(<ms>)
//	$__timeFilter_ms(c)  as $__timeFilter with fromUnixTimestamp64Milli
//	$__timeInterval(c)   toStartOfInterval(toDateTime(c), INTERVAL <s> second)
//	$__interval_s        <s>
//
// The interval is vars["__interval_s"] when set, else Grafana's default for
// a 1000-point panel: (to - from) / 1000, at least one second.
func ExpandMacros(sql string, from, to time.Time, vars map[string]string) string {
	sql = expandVars(sql, vars)
	from, to = from.UTC(), to.UTC()
	interval := int64(math.Max(1, math.Floor(to.Sub(from).Seconds()/1000)))
	if v, ok := vars["__interval_s"]; ok {
		if _, err := fmt.Sscan(v, &interval); err != nil || interval < 1 {
			interval = 1
		}
	}
	dt := func(t time.Time) string { return fmt.Sprintf("toDateTime(%d)", t.Unix()) }
	dt64 := func(t time.Time) string { return fmt.Sprintf("fromUnixTimestamp64Milli(%d)", t.UnixMilli()) }
	date := func(t time.Time) string { return fmt.Sprintf("toDate('%s')", t.Format("2006-01-02")) }
	funcs := map[string]func(args []string) (string, bool){
		"timeFilter": func(a []string) (string, bool) {
			return fmt.Sprintf("%s >= %s AND %s <= %s", a[0], dt(from), a[0], dt(to)), len(a) == 1
		},
		"timeFilter_ms": func(a []string) (string, bool) {
			return fmt.Sprintf("%s >= %s AND %s <= %s", a[0], dt64(from), a[0], dt64(to)), len(a) == 1
		},
		"dateFilter": func(a []string) (string, bool) {
			return fmt.Sprintf("%s >= %s AND %s <= %s", a[0], date(from), a[0], date(to)), len(a) == 1
		},
		"dateTimeFilter": func(a []string) (string, bool) {
			if len(a) != 2 {
				return "", false
			}
			return fmt.Sprintf("(%s >= %s AND %s <= %s) AND (%s >= %s AND %s <= %s)",
				a[0], date(from), a[0], date(to), a[1], dt(from), a[1], dt(to)), true
		},
		"timeInterval": func(a []string) (string, bool) {
			return fmt.Sprintf("toStartOfInterval(toDateTime(%s), INTERVAL %d second)", a[0], interval), len(a) == 1
		},
	}
	funcs["dt"] = funcs["dateTimeFilter"]
	plain := map[string]string{
		"fromTime":    dt(from),
		"toTime":      dt(to),
		"fromTime_ms": dt64(from),
		"toTime_ms":   dt64(to),
		"interval_s":  fmt.Sprint(interval),
	}

	var b strings.Builder
	for {
		i := strings.Index(sql, "$__")
		if i < 0 {
			b.WriteString(sql)
			return b.String()
		}
		b.WriteString(sql[:i])
		rest := sql[i+3:]
		name := macroName.FindString(rest)
		after := rest[len(name):]
		if f, ok := funcs[name]; ok && strings.HasPrefix(after, "(") {
			if args, n, ok := macroArgs(after); ok {
				if out, ok := f(args); ok {
					b.WriteString(out)
					sql = after[n:]
					continue
				}
			}
		}
		if v, ok := plain[name]; ok {
			b.WriteString(v)
			sql = after
			continue
		}
		// Not a macro we know: leave it for ClickHouse to complain about.
		b.WriteString("$__" + name)
		sql = after
	}
}

var macroName = regexp.MustCompile(`^[A-Za-z0-9_]*`)

// macroArgs splits "(a, f(b, c))..." into its top-level arguments and
// returns how many bytes the parenthesised list took.
func macroArgs(s string) ([]string, int, bool) {
	depth, start := 0, 1
	var args []string
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '(':
			depth++
		case ')':
			depth--
			if depth == 0 {
				args = append(args, strings.TrimSpace(s[start:i]))
				return args, i + 1, true
			}
		case ',':
			if depth == 1 {
				args = append(args, strings.TrimSpace(s[start:i]))
				start = i + 1
			}
		}
	}
	return nil, 0, false
}

var varRef = regexp.MustCompile(`\$\{([A-Za-z0-9_]+)(?::([A-Za-z0-9_]+))?\}|\$([A-Za-z0-9_]+)`)

// expandVars substitutes the template variables in vars.
func expandVars(sql string, vars map[string]string) string {
	return varRef.ReplaceAllStringFunc(sql, func(ref string) string {
		m := varRef.FindStringSubmatch(ref)
		name, format := m[1], m[2]
		if name == "" {
			name = m[3]
		}
		if strings.HasPrefix(name, "__") {
			return ref // macros and Grafana's globals
		}
		v, ok := vars[name]
		if !ok {
			return ref
		}
		switch format {
		case "sqlstring":
			return "'" + strings.ReplaceAll(v, "'", "''") + "'"
		case "", "raw":
			return v
		}
		return ref
	})
}
