package demo

import (
	"container/heap"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sort"
	"time"
)

// span is a half-open interval of Unix seconds.
type span struct{ s, e int64 }

// block is a planned schedule interval.
type block struct {
	activity string
	s, e     int64
}

// busy is an agent's work on one contact leg: talking (and holding) from
// s to talkEnd, after-contact work to acwEnd.
type busy struct{ s, talkEnd, acwEnd int64 }

// shift is one agent's working day: the plan and what happened.
type shift struct {
	day     int
	ag      *agent
	team    *team
	plan    []block
	absent  bool  // scheduled but never logged in
	login   int64 // actual
	logoff  int64 // actual, before finishing a last contact
	breaks  []span
	windows []span // when the agent takes new contacts
	work    []busy

	// filled after the day: breaks shortened by contacts that ran into
	// them, and the logoff after the last contact.
	effBreaks []span
	effLogoff int64
}

// exit is how a contact leg left the queue.
type exit uint8

const (
	exitHandled exit = iota
	exitAbandon
	exitTimeout
	exitEmpty
)

// contact is one leg, as the simulation saw it.
type contact struct {
	seq      int64
	team     *team
	agent    *agent
	customer string
	arrive   int64
	answer   int64 // 0: never answered
	end      int64 // customer disconnect, transfer, or leaving the queue
	wait     int64
	talk     int64
	hold     int64
	holds    int64
	longest  int64
	acw      int64
	acwFirst int64 // Connect: ACW in the first delivery of a re-delivered CTR; -1 none
	updated  int64
	ring     int64
	ivr      int64
	patience int64
	exit     exit
	callback bool
	leg      int
	first    *contact // first leg of a transferred contact (nil on the first leg)
	next     *contact // the leg this one was transferred to
	from     *agent   // the agent who transferred this leg here
	resolved int8     // -1 unknown
	disp     string
	origPos  int
	exitPos  int
	rnaAgent *agent // Asterisk: an agent that rang without answering
	rnaAt    int64

	id      string // contact id (Asterisk: callid, shared by legs)
	bridged string // Asterisk: the agent channel's uniqueid
	survey  *survey
}

func (c *contact) handled() bool { return c.exit == exitHandled }

func (c *contact) transferred() bool { return c.next != nil }

func (c *contact) abandoned() bool { return c.exit != exitHandled }

// root is the first leg of c's contact.
func (c *contact) root() *contact {
	if c.first != nil {
		return c.first
	}
	return c
}

type world struct {
	opt      Options
	loc      *time.Location
	from, to time.Time
	days     []time.Time // local midnights
	dayStart []int64     // Unix seconds of days, plus the end
	sites    []*site
	teams    []*team
	agents   []*agent
	patterns map[string]*agent
	events   map[string]time.Time
	csFrom   int // day index range of Customer Service Week, csFrom < 0: none
	csTo     int
	outage   int // day index of the Tech Support outage, -1: none

	contacts []*contact
	surveys  []*survey
	shifts   []*shift
	pending  [][]*contact // arrivals carried to a later day (callbacks, email backlog)

	ids      *rand.Rand
	seq      int64
	uniqueID int64
	helpSeq  int
	respSeq  int
}

func newWorld(opt Options) *world {
	w := &world{opt: opt, loc: opt.Location, to: opt.End, patterns: map[string]*agent{},
		events: map[string]time.Time{}, csFrom: -1, outage: -1}
	y, m, d := opt.End.Date()
	w.from = time.Date(y, m, d-opt.Days, 0, 0, 0, 0, w.loc)
	for i := 0; i <= opt.Days; i++ {
		t := time.Date(y, m, d-opt.Days+i, 0, 0, 0, 0, w.loc)
		if i < opt.Days {
			w.days = append(w.days, t)
		}
		w.dayStart = append(w.dayStart, t.Unix())
	}
	w.pending = make([][]*contact, opt.Days)
	w.ids = w.rng("ids")
	w.uniqueID = 1000 + int64(w.ids.IntN(9000))
	w.findEvents()
	w.buildOrg(opt.headcount())
	return w
}

// findEvents places Customer Service Week (first full Monday-Friday week
// of October) and the outage day.
func (w *world) findEvents() {
	for y := w.from.Year(); y <= w.to.Year(); y++ {
		mon := time.Date(y, time.October, 1, 0, 0, 0, 0, w.loc)
		for mon.Weekday() != time.Monday {
			mon = mon.AddDate(0, 0, 1)
		}
		if di := w.dayIndex(mon.Unix()); di >= 0 && w.days[di].Equal(mon) {
			w.csFrom, w.csTo = di, min(di+5, len(w.days))
			w.events[EventCSWeek] = mon
		}
	}
	if len(w.days) >= 14 {
		for di := len(w.days) / 3; di < len(w.days); di++ {
			if w.days[di].Weekday() == time.Tuesday {
				w.outage = di
				w.events[EventOutage] = w.days[di]
				break
			}
		}
	}
}

// dayIndex is the index of the local day holding Unix time t, -1 outside.
func (w *world) dayIndex(t int64) int {
	i := sort.Search(len(w.dayStart), func(i int) bool { return w.dayStart[i] > t }) - 1
	if i < 0 || i >= len(w.days) {
		return -1
	}
	return i
}

// at is Unix seconds of day di at local wall-clock minute m (DST-correct).
func (w *world) at(di int, m float64) int64 {
	d := w.days[di]
	sec := int(math.Round(m * 60))
	return time.Date(d.Year(), d.Month(), d.Day(), 0, 0, sec, 0, w.loc).Unix()
}

func (w *world) inCSWeek(di int) bool { return di >= w.csFrom && di < w.csTo }

func (w *world) simulate() {
	for di := range w.days {
		for _, s := range w.sites {
			w.simulateSite(s, di)
		}
	}
}

// slot is one contact an agent can hold at a time (chat agents have two).
type slot struct {
	sh     *shift
	freeAt int64
}

type siteDay struct {
	di     int
	slots  map[*team][]*slot
	queued map[*team][]span // waiting contacts: arrival, leave
	heap   arrivalHeap
	r      *rand.Rand
}

func (w *world) simulateSite(s *site, di int) {
	sd := &siteDay{di: di, slots: map[*team][]*slot{}, queued: map[*team][]span{}, r: w.rng("site", di, int(s.sys))}
	var all []*shift
	for _, t := range s.teams {
		shifts, vol := w.planTeamDay(t, di)
		all = append(all, shifts...)
		for _, sh := range shifts {
			if sh.absent {
				continue
			}
			for range t.slots {
				sd.slots[t] = append(sd.slots[t], &slot{sh: sh, freeAt: sh.login})
			}
		}
		for _, c := range w.arrivals(t, di, vol) {
			heap.Push(&sd.heap, c)
		}
	}
	rest := w.pending[di][:0]
	for _, c := range w.pending[di] {
		if c.team.site == s {
			heap.Push(&sd.heap, c)
		} else {
			rest = append(rest, c)
		}
	}
	w.pending[di] = rest
	for sd.heap.Len() > 0 {
		w.route(sd, heap.Pop(&sd.heap).(*contact))
	}
	for _, sh := range all {
		sh.settle()
	}
}

// newContact makes an arrival; ids are given when it is routed, in
// arrival order, as the source systems do.
func (w *world) newContact(t *team, arrive int64, customer string, r *rand.Rand) *contact {
	w.seq++
	c := &contact{seq: w.seq, team: t, arrive: arrive, customer: customer, resolved: -1, acwFirst: -1}
	switch {
	case t.patience == 0:
		c.patience = math.MaxInt64 / 4
	case r.Float64() < 0.02:
		c.patience = 1 + r.Int64N(6)
	default:
		c.patience = int64(t.patience * math.Exp(0.9*r.NormFloat64()))
	}
	if t.site.sys == sysConnect {
		c.ivr = 8 + r.Int64N(30)
	}
	return c
}

func (w *world) customer(t *team, r *rand.Rand) string {
	switch t.site.sys {
	case sysHelpdesk:
		return fmt.Sprintf("CUST-%07d", 100000+r.IntN(40000))
	case sysAsterisk:
		n := r.IntN(30000)
		return fmt.Sprintf("%d555%04d", []int{312, 773, 630}[n%3], n/3)
	}
	n := r.IntN(30000)
	return fmt.Sprintf("+1%d555%04d", []int{214, 469, 972}[n%3], n/3)
}

var weekdayFactor = [7]float64{time.Sunday: 1, time.Monday: 1.12, time.Tuesday: 1.04, time.Wednesday: 1,
	time.Thursday: 0.98, time.Friday: 0.94, time.Saturday: 1}

// Email keeps arriving when the team is off: quieter Fridays and weekends
// leave room for the backlog of the nights before.
var emailFactor = [7]float64{time.Sunday: 0.55, time.Monday: 1.1, time.Tuesday: 1, time.Wednesday: 1,
	time.Thursday: 0.95, time.Friday: 0.8, time.Saturday: 0.5}

// arrivals draws the day's new contacts of team t: a Poisson process with
// the intraday shape t.shape and about the daily volume the staffing was
// planned for, busier on Mondays, noisy from day to day. Repeat contacts
// and transfers come on top.
func (w *world) arrivals(t *team, di int, vol float64) []*contact {
	if vol == 0 {
		return nil
	}
	r := w.rng("arrivals", di, t.idx)
	f := weekdayFactor
	if t.around {
		f = emailFactor
	}
	vol *= 0.88 * f[w.days[di].Weekday()] * math.Max(0.7, 1+0.06*r.NormFloat64())
	if di == w.outage && t.name == "Tech Support" {
		vol *= 1.6
	}
	h := t.week[w.days[di].Weekday()]
	open, close := h.open, h.close
	if t.around {
		open, close = 0, 24
	}
	quarters := int((close - open) * 4)
	weights := make([]float64, quarters)
	var sum float64
	for i := range weights {
		weights[i] = t.shape(open + (float64(i)+0.5)/4)
		sum += weights[i]
	}
	var out []*contact
	for i, wt := range weights {
		rate := vol * wt / sum // contacts in this quarter hour
		s := w.at(di, open*60+float64(i)*15)
		e := w.at(di, open*60+float64(i+1)*15)
		x := float64(s)
		for {
			x += r.ExpFloat64() * 900 / rate
			if x >= float64(e) {
				break
			}
			out = append(out, w.newContact(t, int64(x), w.customer(t, r), r))
		}
	}
	return out
}

// earliest is the first time at or after t inside one of ws.
func earliest(ws []span, t int64) (int64, bool) {
	for _, x := range ws {
		if t < x.e {
			return max(t, x.s), true
		}
	}
	return 0, false
}

// route serves one arrival first come, first served: it goes to the slot
// that can start it earliest (ties: the one idle longest), unless the
// caller's patience runs out first.
func (w *world) route(sd *siteDay, c *contact) {
	t, r := c.team, sd.r
	var best *slot
	var start int64
	var lastEnd int64
	for _, sl := range sd.slots[t] {
		if n := len(sl.sh.windows); n > 0 {
			lastEnd = max(lastEnd, sl.sh.windows[n-1].e)
		}
		if sl.sh.ag == c.from {
			continue
		}
		x, ok := earliest(sl.sh.windows, max(c.arrive, sl.freeAt))
		if ok && (best == nil || x < start || x == start && sl.freeAt < best.freeAt) {
			best, start = sl, x
		}
	}
	if best == nil && t.around {
		if sd.di+1 < len(w.days) {
			w.pending[sd.di+1] = append(w.pending[sd.di+1], c)
		}
		return // still waiting at the end of the range: not exported yet
	}
	w.assignID(c)
	c.origPos = w.queuePosition(sd, t, c.arrive)
	switch t.site.sys {
	case sysAsterisk:
		c.ring = 2 + r.Int64N(6)
	case sysConnect:
		c.ring = 1 + r.Int64N(4)
	default:
		if t.channel == "chat" {
			c.ring = 3 + r.Int64N(8)
		}
	}
	giveUp := c.arrive + c.patience
	if t.timeout > 0 && c.patience > t.timeout {
		giveUp = c.arrive + t.timeout
	}
	switch {
	case best == nil:
		c.end, c.exit = giveUp, exitAbandon
		if x := max(c.arrive, lastEnd) + 1; x < giveUp && t.site.sys == sysAsterisk {
			c.end, c.exit = x, exitEmpty
		}
	case start+c.ring > giveUp:
		c.end, c.exit = giveUp, exitAbandon
		if t.timeout > 0 && c.patience > t.timeout {
			c.exit = exitTimeout
		}
	default:
		w.serve(sd, c, best, start)
	}
	if c.exit != exitHandled {
		c.wait = c.end - c.arrive
		c.exitPos = w.positionAt(sd, t, c.end)
		c.updated = c.end + 20 + r.Int64N(120)
		w.maybeCallAgain(sd, c, true)
	}
	sd.queued[t] = append(sd.queued[t], span{c.arrive, c.arrive + c.wait})
	w.contacts = append(w.contacts, c)
}

// queuePosition is 1 + the contacts still waiting in t's queue at time at;
// it also forgets those that left.
func (w *world) queuePosition(sd *siteDay, t *team, at int64) int {
	q := sd.queued[t][:0]
	for _, x := range sd.queued[t] {
		if x.e > at {
			q = append(q, x)
		}
	}
	sd.queued[t] = q
	return len(q) + 1
}

func (w *world) positionAt(sd *siteDay, t *team, at int64) int {
	n := 1
	for _, x := range sd.queued[t] {
		if x.e > at {
			n++
		}
	}
	return n
}

func (w *world) assignID(c *contact) {
	switch c.team.site.sys {
	case sysAsterisk:
		if c.first != nil {
			c.id = c.first.id
			return
		}
		w.uniqueID++
		c.id = fmt.Sprintf("%d.%d", c.arrive, w.uniqueID)
	case sysConnect:
		c.id = uuid(w.ids)
	default:
		w.helpSeq++
		prefix := "CH"
		if c.team.channel == "email" {
			prefix = "EM"
		}
		c.id = fmt.Sprintf("%s%08d", prefix, w.helpSeq)
	}
}

// serve hands c to the agent of sl at start.
func (w *world) serve(sd *siteDay, c *contact, sl *slot, start int64) {
	t, a, r := c.team, sl.sh.ag, sd.r
	c.agent = a
	c.answer = start + c.ring
	c.wait = c.answer - c.arrive
	c.talk = clamp(int64(t.talkMedian*a.speed*math.Exp(t.talkSigma*r.NormFloat64())), 15, 5400)
	transfer := c.leg == 0 && t.transferTo != nil && r.Float64() < t.transferP*a.transferMult
	if transfer {
		c.talk = int64((40 + 160*r.Float64()) * a.speed)
	}
	if r.Float64() < math.Min(0.95, t.holdP*a.holdPMult) {
		c.holds = 1
		for c.holds < 4 && r.Float64() < 0.25 {
			c.holds++
		}
		for range c.holds {
			h := 5 + int64(t.holdMean*a.holdLenMult*r.ExpFloat64())
			c.hold += h
			c.longest = max(c.longest, h)
		}
	}
	if t.acwMedian > 0 {
		c.acw = clamp(int64(t.acwMedian*a.acwMult*math.Exp(0.5*r.NormFloat64())), 3, 900)
		if transfer {
			c.acw = max(3, c.acw*2/5)
		}
	}
	c.end = c.answer + c.talk + c.hold
	gap := int64(1)
	if t.site.sys == sysAsterisk {
		gap = 4 // wrap-up the queue allows; queue_log does not record it
	}
	sl.freeAt = c.end + c.acw + gap
	sl.sh.work = append(sl.sh.work, busy{c.answer, c.end, c.end + c.acw})
	c.updated = c.end + c.acw + 20 + r.Int64N(160)
	if t.site.sys == sysConnect && c.acw > 30 && r.Float64() < 0.012 {
		c.acwFirst = c.acw - 5 - r.Int64N(c.acw/2)
	}
	if t.site.sys == sysAsterisk && r.Float64() < 0.05 {
		w.ringNoAnswer(sd, c, sl)
	}
	c.disp = disposition(t, r)
	if transfer {
		c.disp = "transferred"
		next := w.newContact(t.transferTo, c.end+1, c.customer, r)
		next.patience = max(next.patience, 60) * 5 / 2
		next.leg = c.leg + 1
		next.first = c.root()
		next.from = a
		next.ivr = 0
		c.next = next
		if t.site.sys == sysHelpdesk {
			c.resolved = 0
		}
		heap.Push(&sd.heap, next)
		return
	}
	again := w.maybeCallAgain(sd, c, false)
	if t.site.sys == sysHelpdesk {
		switch p := r.Float64(); {
		case p < 0.05:
		case again && p < 0.7, !again && p < 0.12:
			c.resolved = 0
		default:
			c.resolved = 1
		}
	}
	w.maybeSurvey(c, r)
}

// ringNoAnswer lets another logged-in agent of the team ring unanswered
// before the one who took the call.
func (w *world) ringNoAnswer(sd *siteDay, c *contact, taker *slot) {
	at := c.answer - c.ring - 15
	if at <= c.arrive {
		return
	}
	var cands []*agent
	for _, sl := range sd.slots[c.team] {
		if sl.sh != taker.sh && sl.sh.login <= at && at < sl.sh.logoff {
			cands = append(cands, sl.sh.ag)
		}
	}
	if len(cands) > 0 {
		c.rnaAgent, c.rnaAt = cands[sd.r.IntN(len(cands))], at
	}
}

var dispositions = map[string][]string{
	"Billing":      {"payment_taken", "bill_explained", "refund_issued", "payment_plan"},
	"Tech Support": {"fixed_remotely", "engineer_booked", "reset_device", "advice_given"},
	"Orders":       {"order_placed", "order_status", "delivery_changed", "order_cancelled"},
	"Retention":    {"offer_accepted", "cancelled", "plan_changed", "offer_declined"},
	"Chat":         {"question_answered", "account_updated", "order_status", "password_reset"},
	"Email":        {"replied", "account_updated", "refund_issued", "forwarded"},
}

func disposition(t *team, r *rand.Rand) string {
	d := dispositions[t.name]
	return d[r.IntN(len(d))]
}

// maybeCallAgain schedules the same customer's next contact: often after
// an abandon, sometimes after an unresolved contact (more often with the
// repeat-contacts agent). It reports whether it did.
func (w *world) maybeCallAgain(sd *siteDay, c *contact, abandoned bool) bool {
	r := sd.r
	t := c.team
	var delay float64
	switch {
	case abandoned:
		if t.channel == "email" || c.wait < 5 || r.Float64() > 0.3 {
			return false
		}
		delay = 180 + 1200*r.ExpFloat64()
	default:
		p := 0.09 * c.agent.repeatMult
		if c.first != nil {
			p += 0.04
		}
		if r.Float64() > p {
			return false
		}
		if r.Float64() < 0.25 {
			delay = 600 + 7200*r.ExpFloat64()
		} else {
			delay = 3*3600 + r.Float64()*6.5*86400
		}
	}
	at, ok := w.nextOpen(t, c.end+int64(delay), r)
	if !ok {
		return false
	}
	n := w.newContact(t, at, c.customer, r)
	n.callback = true
	if di := w.dayIndex(at); di == sd.di {
		heap.Push(&sd.heap, n)
	} else {
		w.pending[di] = append(w.pending[di], n)
	}
	return true
}

// nextOpen moves at into t's open hours (email: any time); false when
// that falls outside the range.
func (w *world) nextOpen(t *team, at int64, r *rand.Rand) (int64, bool) {
	di := w.dayIndex(at)
	if di < 0 {
		return 0, false
	}
	if t.around {
		return at, true
	}
	for d := di; d < len(w.days) && d < di+8; d++ {
		h := t.week[w.days[d].Weekday()]
		if h.close == 0 {
			continue
		}
		open, close := w.at(d, h.open*60), w.at(d, h.close*60-10)
		if at < open {
			return w.busyTime(t, d, h, r), true
		}
		if at < close {
			return at, true
		}
	}
	return 0, false
}

// busyTime draws a time of day d from t's demand shape.
func (w *world) busyTime(t *team, d int, h hours, r *rand.Rand) int64 {
	for {
		x := h.open + r.Float64()*(h.close-h.open)
		if r.Float64()*2 < t.shape(x) {
			return w.at(d, x*60)
		}
	}
}

// settle shortens breaks that contacts ran into and moves the logoff past
// the last contact, as agents finish what they are on.
func (sh *shift) settle() {
	if sh.absent {
		return
	}
	sh.effLogoff = sh.logoff
	for _, b := range sh.work {
		sh.effLogoff = max(sh.effLogoff, b.acwEnd)
	}
	sh.effBreaks = sh.effBreaks[:0]
	for _, br := range sh.breaks {
		s := br.s
		for _, b := range sh.work {
			if b.s < br.s && b.acwEnd > s {
				s = b.acwEnd
			}
		}
		if s < br.e {
			sh.effBreaks = append(sh.effBreaks, span{s, br.e})
		}
	}
}

func clamp(x, lo, hi int64) int64 { return max(lo, min(hi, x)) }

type arrivalHeap []*contact

func (h arrivalHeap) Len() int { return len(h) }
func (h arrivalHeap) Less(i, j int) bool {
	if h[i].arrive != h[j].arrive {
		return h[i].arrive < h[j].arrive
	}
	return h[i].seq < h[j].seq
}
func (h arrivalHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *arrivalHeap) Push(x any)   { *h = append(*h, x.(*contact)) }
func (h *arrivalHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

// uuid formats 16 random bytes as a version-4 UUID.
func uuid(r *rand.Rand) string {
	var b [16]byte
	hi, lo := r.Uint64(), r.Uint64()
	for i := range 8 {
		b[i], b[8+i] = byte(hi>>(8*i)), byte(lo>>(8*i))
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// sortedContacts returns the legs in order of arrival (then creation).
func (w *world) sortedContacts() []*contact {
	out := slices.Clone(w.contacts)
	slices.SortStableFunc(out, func(a, b *contact) int {
		if a.arrive != b.arrive {
			return int(a.arrive - b.arrive)
		}
		return int(a.seq - b.seq)
	})
	return out
}
