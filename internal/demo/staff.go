package demo

import (
	"math"
	"slices"
	"time"
)

// Schedule activities and the planned shift length (minutes).
const (
	activityWork  = "on_contact"
	activityBreak = "break"
	shiftMinutes  = 510 // 8 h paid with two 15-minute breaks, plus a 30-minute lunch
)

// planTeamDay schedules the team's agents for day di, decides what each
// actually did (login, breaks, logoff) and returns the volume the plan
// was made for.
func (w *world) planTeamDay(t *team, di int) ([]*shift, float64) {
	d := w.days[di]
	h := t.week[d.Weekday()]
	if h.close == 0 {
		return nil, 0
	}
	var members []*agent
	for _, a := range t.members {
		if a.teamOn(di) == t {
			members = append(members, a)
		}
	}
	wk := weekNumber(d)
	var working []*agent
	for k, a := range members {
		if w.works(a, t, k, len(members), di, wk) {
			working = append(working, a)
		}
	}
	if len(working) == 0 && len(members) > 0 {
		// Someone always covers an open day (overtime from the rota).
		for k := range members {
			a := members[(k+wk)%len(members)]
			if int64(di) < a.vacation.s || int64(di) >= a.vacation.e {
				working = append(working, a)
				break
			}
		}
	}
	if len(working) == 0 {
		return nil, 0
	}
	starts, length, vol := planStarts(t, h, len(working))
	var out []*shift
	for j, a := range working {
		start := starts[(j+wk)%len(starts)]
		sh := &shift{day: di, ag: a, team: t}
		sh.plan = w.planBlocks(di, start, length, j%3)
		w.act(sh)
		out = append(out, sh)
		w.shifts = append(w.shifts, sh)
	}
	return out, vol
}

// weekNumber counts weeks (Monday-start) since 1970.
func weekNumber(d time.Time) int {
	days := time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, time.UTC).Unix() / 86400
	return int((days + 3) / 7) // 1970-01-01 was a Thursday
}

// works applies the rota: everyone works Monday to Friday; on teams open
// at weekends a rotating share of the team (t.weekend) works Saturday or
// Sunday and takes a weekday off that week (never Monday). Planned leave
// comes on top.
func (w *world) works(a *agent, t *team, k, n, di, wk int) bool {
	nw := max(1, int(math.Round(float64(n)*t.weekend)))
	sat := (k+wk)%n < nw
	sun := (k+wk+nw)%n < nw
	satOpen := t.week[time.Saturday].close > 0
	sunOpen := t.week[time.Sunday].close > 0
	switch w.days[di].Weekday() {
	case time.Saturday:
		if !sat {
			return false
		}
	case time.Sunday:
		if !sun {
			return false
		}
	default: // a weekday off for the weekend worked, spread over the week
		wd := w.days[di].Weekday()
		if satOpen && sat && wd == []time.Weekday{time.Tuesday, time.Wednesday, time.Thursday}[k%3] ||
			sunOpen && sun && wd == []time.Weekday{time.Thursday, time.Friday}[k%2] {
			return false
		}
	}
	if int64(di) >= a.vacation.s && int64(di) < a.vacation.e {
		return false
	}
	return a.pattern != "" || w.rng("dayoff", di, a.idx).Float64() >= 0.02
}

// handleTime is the team's mean seconds of agent work per contact.
func (t *team) handleTime() float64 {
	return t.talkMedian*math.Exp(t.talkSigma*t.talkSigma/2) + t.holdP*t.holdMean + t.acwMedian*1.13
}

// planStarts plays workforce management for m agents: it finds the daily
// volume whose square-root staffing requirement (workload A plus
// t.slack * sqrt(A) agents, at least one) the m shifts could cover, places
// the shifts where the uncovered requirement is largest, then lowers the
// volume until the placed shifts leave little of it uncovered. It returns
// the starts (local minutes), the shift length (minutes) and that volume.
func planStarts(t *team, h hours, m int) ([]float64, float64, float64) {
	openM, closeM := h.open*60, h.close*60
	length := math.Min(shiftMinutes, closeM-openM)
	q := int((closeM - openM) / 15)
	lq := int(length / 15)
	shape := make([]float64, q)
	var sum float64
	for i := range shape {
		shape[i] = t.shape(h.open + (float64(i)+0.5)/4)
		sum += shape[i]
	}
	need := make([]float64, q)
	requirement := func(vol float64) float64 {
		var total float64
		for i, s := range shape {
			a := vol * s / sum * t.handleTime() / 900 / float64(t.slots)
			need[i] = math.Max(1, a+t.slack*math.Sqrt(a))
			total += need[i]
		}
		return total
	}
	capacity := float64(m*lq) * 0.87 * 0.9 // breaks and lunch; shifts never fit the curve exactly
	lo, hi := 0.0, 1e7
	for range 60 {
		mid := (lo + hi) / 2
		if requirement(mid) > capacity {
			hi = mid
		} else {
			lo = mid
		}
	}
	vol := lo
	requirement(vol)
	cover := make([]float64, q)
	place := func(s int, d float64) {
		for i := s; i < s+lq; i++ {
			cover[i] += d
		}
	}
	bestStart := func() int {
		s, best := 0, -1.0
		for c := 0; c+lq <= q; c++ {
			var gain float64
			for i := c; i < c+lq; i++ {
				gain += math.Max(0, need[i]-cover[i])
			}
			if gain > best {
				s, best = c, gain
			}
		}
		return s
	}
	// One shift opens and one closes; the others go where they cover most.
	starts := make([]int, m)
	for k := range starts {
		switch k {
		case 0:
		case 1:
			starts[k] = q - lq
		default:
			starts[k] = bestStart()
		}
		place(starts[k], 0.87)
	}
	for range 3 { // move shifts one at a time while that covers more
		for k := 2; k < m; k++ {
			place(starts[k], -0.87)
			starts[k] = bestStart()
			place(starts[k], 0.87)
		}
	}
	// The shifts never fit the curve exactly: plan the volume the placed
	// cover serves with few short intervals.
	uncovered := func(vol float64) bool {
		total := requirement(vol)
		var short float64
		for i := range need {
			short += math.Max(0, need[i]-cover[i])
		}
		return short > 0.05*total
	}
	lo, hi = 0, vol
	for range 40 {
		mid := (lo + hi) / 2
		if uncovered(mid) {
			hi = mid
		} else {
			lo = mid
		}
	}
	vol = lo
	slices.Sort(starts)
	out := make([]float64, m)
	for i, s := range starts {
		out[i] = openM + float64(15*s)
	}
	return out, length, vol
}

// planBlocks lays out one shift starting at local minute start: work
// broken by two short breaks and lunch, staggered by st (0..2) so the
// team does not all leave at once.
func (w *world) planBlocks(di int, start, length float64, st int) []block {
	off := float64(st - 1)
	var breaks [][2]float64
	switch {
	case length >= 480:
		breaks = [][2]float64{{start + 120 + 15*off, 15}, {start + 240 + 30*off, 30}, {start + 390 + 15*off, 15}}
	case length >= 240:
		breaks = [][2]float64{{start + length/2 - 15 + 15*off, 15}}
	}
	var out []block
	cur := start
	for _, b := range breaks {
		out = append(out, block{activityWork, w.at(di, cur), w.at(di, b[0])})
		out = append(out, block{activityBreak, w.at(di, b[0]), w.at(di, b[0]+b[1])})
		cur = b[0] + b[1]
	}
	return append(out, block{activityWork, w.at(di, cur), w.at(di, start+length)})
}

// act decides what the agent actually did: punctual within a few minutes
// and slightly long breaks for most, late and long breaks for the
// low-adherence agent, and the odd unplanned absence.
func (w *world) act(sh *shift) {
	r := w.rng("act", sh.day, sh.ag.idx)
	low := sh.ag.lowAdherence
	absentP := 0.012
	if low {
		absentP = 0.05
	}
	if r.Float64() < absentP {
		sh.absent = true
		return
	}
	minutes := func(mean, sd, lo float64) int64 { return int64(60 * math.Max(lo, mean+sd*r.NormFloat64())) }
	start, end := sh.plan[0].s, sh.plan[len(sh.plan)-1].e
	late := minutes(0.5, 2, -8)
	if r.Float64() < 0.06 {
		late += minutes(12, 5, 5)
	}
	early := minutes(-1, 2, -10) // negative: stays on a little
	if r.Float64() < 0.05 {
		early += minutes(12, 5, 5)
	}
	overrun := func() int64 { return minutes(1.5, 2, 0) }
	if low {
		late = minutes(35, 10, 5)
		if r.Float64() < 0.2 {
			late += minutes(25, 8, 5)
		}
		early = minutes(25, 8, 0)
		overrun = func() int64 { return minutes(14, 5, 2) }
	}
	sh.login, sh.logoff = start+late, end-early
	cur := sh.login
	for _, b := range sh.plan {
		if b.activity != activityBreak {
			continue
		}
		s := b.s + minutes(0, 2.5, -6)
		e := s + (b.e - b.s) + overrun()
		if s < cur || e >= sh.logoff {
			continue
		}
		sh.breaks = append(sh.breaks, span{s, e})
		sh.windows = append(sh.windows, span{cur, s})
		cur = e
	}
	if cur < sh.logoff {
		sh.windows = append(sh.windows, span{cur, sh.logoff})
	}
}
