package pages

import (
	"fmt"
	"html/template"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/servicecard/servicecard/metrics"
)

// funcs are the templates' helpers.
var funcs = template.FuncMap{
	"pct": func(v float64) string { return strconv.FormatFloat(math.Max(0, math.Min(100, v)), 'f', 1, 64) },
}

const dash = "—"

// formatValue shows a metric value in its unit: durations as m:ss,
// ratios as percentages, NPS as a whole number, CES with one decimal,
// counts with thousands separators.
func formatValue(u metrics.Unit, v *float64) string {
	if v == nil || math.IsNaN(*v) || math.IsInf(*v, 0) {
		return dash
	}
	x := *v
	switch u {
	case metrics.UnitSeconds:
		return formatSeconds(x)
	case metrics.UnitRatio:
		return strconv.FormatFloat(100*x, 'f', 1, 64) + "%"
	case metrics.UnitNPS:
		return formatSigned(x)
	case metrics.UnitScore17:
		return strconv.FormatFloat(x, 'f', 2, 64)
	}
	return formatCount(int64(math.Round(x)))
}

// formatSigned shows a whole number with a minus sign a projector does
// not lose (U+2212 is wider than a hyphen).
func formatSigned(x float64) string {
	r := math.Round(x)
	if r == 0 {
		return "0"
	}
	if r < 0 {
		return "−" + strconv.FormatFloat(-r, 'f', 0, 64)
	}
	return strconv.FormatFloat(r, 'f', 0, 64)
}

func formatSeconds(x float64) string {
	s := int64(math.Round(x))
	neg := s < 0
	if neg {
		s = -s
	}
	var out string
	if s >= 3600 {
		out = fmt.Sprintf("%d:%02d:%02d", s/3600, s%3600/60, s%60)
	} else {
		out = fmt.Sprintf("%d:%02d", s/60, s%60)
	}
	if neg {
		return "−" + out
	}
	return out
}

// formatCount writes n with thin-space-free comma separators: 12,345.
func formatCount(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	if neg {
		return "−" + b.String()
	}
	return b.String()
}

// formatInterval shows a 95% interval in the metric's unit.
func formatInterval(u metrics.Unit, low, high *float64) string {
	if low == nil || high == nil {
		return ""
	}
	return formatValue(u, low) + " to " + formatValue(u, high)
}

// formatScore is a 0..100 score, or a dash.
func formatScore(v *float64) string {
	if v == nil {
		return dash
	}
	return strconv.FormatFloat(math.Round(*v), 'f', 0, 64)
}

// formatTarget says which way a goal points: "≤ 5:00", "≥ 80.0%".
func formatTarget(m metrics.Metric) string {
	if m.Target == nil {
		return ""
	}
	v := formatValue(m.Unit, m.Target)
	if m.Unit == metrics.UnitRatio {
		// Goals are round numbers: 80%, not 80.0%.
		v = strings.Replace(v, ".0%", "%", 1)
	}
	switch m.Direction {
	case metrics.LowerIsBetter:
		return "≤ " + v
	case metrics.HigherIsBetter:
		return "≥ " + v
	}
	return v
}

// sampleNoun names what a metric's n counts, for "n = 1,234 contacts".
func sampleNoun(m metrics.Metric) string {
	switch m.SampleUnit {
	case "seconds":
		return "s scheduled"
	case "surveys":
		return "answers"
	case "contacts":
		return "contacts"
	}
	return ""
}

// formatN shows a sample size; time samples in hours, which read better.
func formatN(m metrics.Metric, n int64) string {
	if m.SampleUnit == "seconds" {
		return formatCount(int64(math.Round(float64(n)/3600))) + " h"
	}
	return formatCount(n)
}

// formatDay is a date for people: "Mon 6 Oct 2025".
func formatDay(t time.Time) string { return t.Format("Mon 2 Jan 2006") }

// formatRange is the inclusive day range of [from, to): "6 Oct – 2 Nov
// 2025", the year once when both ends share it.
func formatRange(from, to time.Time, loc *time.Location) string {
	f := from.In(loc)
	l := to.In(loc).Add(-time.Nanosecond)
	if f.Year() == l.Year() {
		if f.YearDay() == l.YearDay() {
			return f.Format("Mon 2 Jan 2006")
		}
		return f.Format("2 Jan") + " – " + l.Format("2 Jan 2006")
	}
	return f.Format("2 Jan 2006") + " – " + l.Format("2 Jan 2006")
}

// maxComment bounds a quoted comment on a page.
const maxComment = 320

// clip shortens a comment at a rune boundary.
func clip(s string) string {
	s = strings.TrimSpace(s)
	if utf8.RuneCountInString(s) <= maxComment {
		return s
	}
	r := []rune(s)
	return strings.TrimSpace(string(r[:maxComment])) + "…"
}
