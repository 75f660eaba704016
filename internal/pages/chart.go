package pages

import (
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/servicecard/servicecard/metrics"
)

// The weekly trend is an inline SVG drawn from numbers computed here, so
// the page needs no script and no chart library. Two panels share the week
// axis: the composite score (0..100) above, NPS with its 95% interval
// below. Scales differ, so one panel each reads better than a second axis.
const (
	chartW      = 1200.0
	chartLeft   = 92.0
	chartRight  = 24.0
	panelH      = 92.0
	panelGap    = 30.0
	chartTop    = 30.0
	xAxisH      = 30.0
	maxXLabels  = 12
	chartHeight = chartTop + 2*panelH + panelGap + xAxisH
)

type trendChart struct {
	Width, Height float64
	Panels        []chartPanel
	XTicks        []chartTick
	Events        []chartBand
	Weeks         int
	Empty         bool
	Desc          string
	// Partial: some week is partial; its label carries a *.
	Partial bool
}

type chartPanel struct {
	Title     string
	TitleX    float64 // the title runs up the left margin
	TitleY    float64
	Top       float64 // y of the panel's top edge
	Bottom    float64
	Left      float64
	Right     float64
	YTicks    []chartTick
	Lines     []string // polyline points, one per run of weeks with data
	Intervals []string // polygon points of the interval band
	Dots      []chartDot
	Last      *chartDot // the newest value, labelled
	Class     string
}

type chartTick struct {
	X, Y  float64
	Label string
}

type chartDot struct {
	X, Y  float64
	Label string // value as shown
	Title string // tooltip
}

type chartBand struct {
	X, Y, W, H     float64
	Label          string
	LabelX, LabelY float64
}

type trendPoint struct {
	partial   bool
	week      time.Time
	score     *float64
	nps       *float64
	low, high *float64
}

// buildTrend lays out the weekly cards of [from, to) on the chart: the
// weeks from the first with data to the last (at most 52), gaps where a
// week has no value, Customer Service Week as a shaded band.
func buildTrend(cards []metrics.Card, from, to time.Time, loc *time.Location) trendChart {
	ch := trendChart{Width: chartW, Height: chartHeight}
	weeks := metrics.Periods(from, to, metrics.GrainWeek, loc)
	byWeek := make(map[int64]metrics.Card, len(cards))
	for _, c := range cards {
		byWeek[c.PeriodStart.Unix()] = c
	}
	pts := make([]trendPoint, len(weeks))
	first, last := -1, -1
	for i, w := range weeks {
		pts[i].week = w
		c, ok := byWeek[w.Unix()]
		if !ok {
			continue
		}
		pts[i].score = c.Score
		pts[i].partial = c.Partial
		pts[i].nps = c.Metrics[metrics.IDNPS]
		if iv, ok := c.Intervals[metrics.IDNPS]; ok && pts[i].nps != nil {
			lo, hi := iv.Low, iv.High
			pts[i].low, pts[i].high = &lo, &hi
		}
		if pts[i].score != nil || pts[i].nps != nil {
			if first < 0 {
				first = i
			}
			last = i
		}
	}
	if first < 0 {
		ch.Empty = true
		return ch
	}
	pts = pts[first : last+1]
	n := len(pts)
	ch.Weeks = n
	plotW := chartW - chartLeft - chartRight
	step := plotW / float64(n)
	x := func(i int) float64 { return chartLeft + (float64(i)+0.5)*step }

	top := chartTop
	scoreP := chartPanel{Title: "Score", Class: "score", Top: top, Bottom: top + panelH, Left: chartLeft, Right: chartW - chartRight}
	npsP := chartPanel{Title: "NPS", Class: "nps", Top: top + panelH + panelGap, Bottom: top + 2*panelH + panelGap, Left: chartLeft, Right: chartW - chartRight}

	for _, p := range []*chartPanel{&scoreP, &npsP} {
		p.TitleX, p.TitleY = 22, round1((p.Top+p.Bottom)/2)
	}
	// Score: a fixed 0..100 scale, so weeks and pages compare.
	scoreY := scale(0, 100, scoreP)
	for _, v := range []float64{0, 25, 50, 75, 100} {
		scoreP.YTicks = append(scoreP.YTicks, chartTick{Y: scoreY(v), Label: formatSigned(v)})
	}
	// NPS: the data's range widened to include 0 (the sign matters) and
	// rounded to tens.
	lo, hi := 0.0, 0.0
	for _, p := range pts {
		for _, v := range []*float64{p.nps, p.low, p.high} {
			if v != nil {
				lo, hi = math.Min(lo, *v), math.Max(hi, *v)
			}
		}
	}
	lo, hi, tick := niceRange(lo, hi)
	npsY := scale(lo, hi, npsP)
	for v := lo; v <= hi+1e-9; v += tick {
		npsP.YTicks = append(npsP.YTicks, chartTick{Y: npsY(v), Label: formatSigned(v)})
	}

	week := func(p trendPoint) string {
		s := "Week of " + p.week.In(loc).Format("2 Jan 2006")
		if p.partial {
			s += " (partial week)"
		}
		return s
	}
	scoreP.Lines, scoreP.Dots = series(pts, x, scoreY, func(p trendPoint) *float64 { return p.score },
		func(p trendPoint) string { return week(p) + ": service score " + formatScore(p.score) })
	npsP.Lines, npsP.Dots = series(pts, x, npsY, func(p trendPoint) *float64 { return p.nps },
		func(p trendPoint) string {
			return week(p) + ": NPS " + formatSigned(*p.nps) + intervalSuffix(p)
		})
	npsP.Intervals = bands(pts, x, npsY)
	if d := scoreP.Dots; len(d) > 0 {
		scoreP.Last = &d[len(d)-1]
	}
	if d := npsP.Dots; len(d) > 0 {
		npsP.Last = &d[len(d)-1]
	}
	ch.Panels = []chartPanel{scoreP, npsP}

	// Week labels, at most maxXLabels of them, the year on the first and
	// wherever it changes.
	every := (n + maxXLabels - 1) / maxXLabels
	prevYear := 0
	for i := 0; i < n; i += every {
		w := pts[i].week.In(loc)
		label := w.Format("2 Jan")
		if w.Year() != prevYear {
			label = w.Format("2 Jan 2006")
			prevYear = w.Year()
		}
		if pts[i].partial {
			label += "*"
		}
		ch.XTicks = append(ch.XTicks, chartTick{X: x(i), Y: npsP.Bottom + 22, Label: label})
	}

	// Customer Service Week: the band covers its week on both panels.
	for y := pts[0].week.In(loc).Year(); y <= pts[n-1].week.In(loc).Year(); y++ {
		s, _ := metrics.CustomerServiceWeek(y)
		monday := time.Date(s.Year(), s.Month(), s.Day(), 0, 0, 0, 0, loc)
		for i, p := range pts {
			if p.week.Equal(monday) {
				bx := chartLeft + float64(i)*step
				label := "Customer Service Week " + strconv.Itoa(y)
				// Keep the label inside the chart (about 8.5 units a character).
				half := 4.25 * float64(len(label))
				lx := math.Min(math.Max(bx+step/2, chartLeft+half), chartW-chartRight-half)
				ch.Events = append(ch.Events, chartBand{X: round1(bx), Y: chartTop - 28, W: round1(step), H: npsP.Bottom - chartTop + 28 + 4,
					Label: label, LabelX: round1(lx), LabelY: chartTop - 9})
			}
		}
	}
	ch.Desc = describeTrend(pts, loc)
	for _, p := range pts {
		ch.Partial = ch.Partial || p.partial
	}
	return ch
}

func intervalSuffix(p trendPoint) string {
	if p.low == nil || p.high == nil {
		return ""
	}
	return " (95% interval " + formatSigned(*p.low) + " to " + formatSigned(*p.high) + ")"
}

// scale maps a value range onto a panel's height (up is more).
func scale(lo, hi float64, p chartPanel) func(float64) float64 {
	return func(v float64) float64 {
		if hi == lo {
			return (p.Top + p.Bottom) / 2
		}
		return round1(p.Bottom - (v-lo)/(hi-lo)*(p.Bottom-p.Top))
	}
}

// niceRange widens [lo, hi] to multiples of a tick of 10, 20, 25 or 50
// with at most 4 intervals (the panel is short), inside -100..100.
func niceRange(lo, hi float64) (float64, float64, float64) {
	for _, t := range []float64{10, 20, 25, 50} {
		l := math.Max(-100, math.Floor(lo/t)*t)
		h := math.Min(100, math.Ceil(hi/t)*t)
		if h == l {
			h = l + t
		}
		if (h-l)/t <= 4 {
			return l, h, t
		}
	}
	return -100, 100, 50
}

// series draws the values of pts as polylines, broken where a week has no
// value, and a dot per value.
func series(pts []trendPoint, x func(int) float64, y func(float64) float64, val func(trendPoint) *float64, title func(trendPoint) string) ([]string, []chartDot) {
	var lines []string
	var dots []chartDot
	var run []string
	flush := func() {
		if len(run) > 1 {
			lines = append(lines, strings.Join(run, " "))
		}
		run = nil
	}
	for i, p := range pts {
		v := val(p)
		if v == nil {
			flush()
			continue
		}
		px, py := round1(x(i)), y(*v)
		run = append(run, num(px)+","+num(py))
		dots = append(dots, chartDot{X: px, Y: py, Label: formatSigned(*v), Title: title(p)})
	}
	flush()
	return lines, dots
}

// bands draws the interval of each run of weeks as a polygon: highs left
// to right, then lows right to left. A lone week gets a narrow bar.
func bands(pts []trendPoint, x func(int) float64, y func(float64) float64) []string {
	type edge struct{ x, hi, lo float64 }
	var out []string
	var run []edge
	flush := func() {
		if len(run) == 1 {
			e := run[0]
			run = []edge{{e.x - 6, e.hi, e.lo}, {e.x + 6, e.hi, e.lo}}
		}
		if len(run) > 0 {
			ps := make([]string, 0, 2*len(run))
			for _, e := range run {
				ps = append(ps, num(e.x)+","+num(e.hi))
			}
			for i := len(run) - 1; i >= 0; i-- {
				ps = append(ps, num(run[i].x)+","+num(run[i].lo))
			}
			out = append(out, strings.Join(ps, " "))
		}
		run = nil
	}
	for i, p := range pts {
		if p.low == nil || p.high == nil {
			flush()
			continue
		}
		run = append(run, edge{round1(x(i)), y(*p.high), y(*p.low)})
	}
	flush()
	return out
}

// describeTrend is the chart's text alternative.
func describeTrend(pts []trendPoint, loc *time.Location) string {
	var first, last *trendPoint
	for i := range pts {
		if pts[i].score != nil {
			if first == nil {
				first = &pts[i]
			}
			last = &pts[i]
		}
	}
	if first == nil {
		return "No weekly service score in this range."
	}
	return "Weekly service score from " + formatScore(first.score) + " in the week of " + first.week.In(loc).Format("2 Jan 2006") +
		" to " + formatScore(last.score) + " in the week of " + last.week.In(loc).Format("2 Jan 2006") + "."
}

func round1(v float64) float64 { return math.Round(v*10) / 10 }

func num(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }
