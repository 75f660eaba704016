package digest

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/servicecard/servicecard/metrics"
)

const dash = "—"

// show writes a metric value in its unit: durations m:ss, ratios as
// percentages, NPS whole and signed, CES with two decimals.
func show(u metrics.Unit, v *float64) string {
	if v == nil || math.IsNaN(*v) || math.IsInf(*v, 0) {
		return dash
	}
	switch x := *v; u {
	case metrics.UnitSeconds:
		s := int64(math.Round(x))
		return fmt.Sprintf("%d:%02d", s/60, s%60)
	case metrics.UnitRatio:
		return strconv.FormatFloat(100*x, 'f', 1, 64) + "%"
	case metrics.UnitNPS:
		return signed(x)
	case metrics.UnitScore17:
		return strconv.FormatFloat(x, 'f', 2, 64)
	default:
		return thousands(int64(math.Round(x)))
	}
}

// signed is a whole number with a real minus sign.
func signed(x float64) string {
	r := math.Round(x)
	if r < 0 {
		return "−" + strconv.FormatFloat(-r, 'f', 0, 64)
	}
	return strconv.FormatFloat(math.Abs(r), 'f', 0, 64)
}

// thousands writes n as 12,345.
func thousands(n int64) string {
	s := strconv.FormatInt(n, 10)
	var b strings.Builder
	for i, r := range s {
		if i > 0 && r != '-' && (len(s)-i)%3 == 0 && s[i-1] != '-' {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// score is a 0..100 score rounded, or a dash.
func score(v *float64) string {
	if v == nil {
		return dash
	}
	return strconv.FormatFloat(math.Round(*v), 'f', 0, 64)
}

// change is the difference of two scores, "+3", "−2" or "±0".
func change(now, before *float64) string {
	if now == nil || before == nil {
		return ""
	}
	d := math.Round(*now) - math.Round(*before)
	switch {
	case d > 0:
		return "+" + strconv.FormatFloat(d, 'f', 0, 64)
	case d < 0:
		return "−" + strconv.FormatFloat(-d, 'f', 0, 64)
	}
	return "±0"
}

// goalText is "≥ 80%" or "≤ 5:00".
func goalText(m metrics.Metric) string {
	if m.Target == nil {
		return ""
	}
	v := strings.Replace(show(m.Unit, m.Target), ".0%", "%", 1)
	if m.Direction == metrics.LowerIsBetter {
		return "≤ " + v
	}
	return "≥ " + v
}

// nText is a sample size with its noun: "1,234 contacts", "210 answers".
func nText(m metrics.Metric, n int64) string {
	switch m.SampleUnit {
	case "surveys":
		return thousands(n) + " answers"
	case "seconds":
		return thousands(int64(math.Round(float64(n)/3600))) + " h scheduled"
	case "contacts":
		return thousands(n) + " contacts"
	}
	return thousands(n)
}

// dayRange is "27 Oct – 2 Nov 2026" for the days of [from, to).
func dayRange(from, to time.Time, loc *time.Location) string {
	f, l := from.In(loc), to.In(loc).Add(-time.Nanosecond)
	if f.Year() == l.Year() {
		return f.Format("2 Jan") + " – " + l.Format("2 Jan 2006")
	}
	return f.Format("2 Jan 2006") + " – " + l.Format("2 Jan 2006")
}

// rating is how the customer scored: "NPS 10 · CSAT 5/5".
func rating(s metrics.Survey) string {
	var parts []string
	if s.NPS != nil {
		parts = append(parts, "NPS "+strconv.Itoa(*s.NPS))
	}
	if s.CSAT != nil {
		parts = append(parts, "CSAT "+strconv.Itoa(*s.CSAT)+"/5")
	}
	return strings.Join(parts, " · ")
}

// clipText shortens s to at most n runes at a word boundary.
func clipText(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	cut := string(r[:n])
	if i := strings.LastIndexByte(cut, ' '); i > n/2 {
		cut = cut[:i]
	}
	return strings.TrimRight(cut, " ,.;:") + "…"
}
