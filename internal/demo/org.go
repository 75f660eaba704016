package demo

import (
	"fmt"
	"hash/fnv"
	"math"
	"math/rand/v2"
	"slices"
	"time"
)

// system is the source system a site runs.
type system int

const (
	sysAsterisk system = iota
	sysConnect
	sysHelpdesk
)

// Source names the demo writes or passes to the ingest options.
const (
	sourceAsterisk  = "asterisk"
	sourceConnect   = "connect"
	sourceHelpdesk  = "helpdesk"
	sourceIVRSurvey = "ivr-survey"
	sourceWebSurvey = "web-survey"
	sourceQualtrics = "qualtrics"
	sourceWFM       = "wfm"
)

// hours are a queue's staffed hours on one weekday (local, in hours);
// close == 0 means closed.
type hours struct{ open, close float64 }

type site struct {
	name  string
	sys   system
	teams []*team
}

type team struct {
	idx        int
	name       string
	queue      string
	ext        string // Asterisk dial extension of the queue
	channel    string // voice, chat, email
	site       *site
	supervisor string
	slots      int      // concurrent contacts per agent
	weekend    float64  // share of the team on duty each weekend day
	week       [7]hours // by time.Weekday
	transferTo *team

	talkMedian, talkSigma float64
	holdP, holdMean       float64
	acwMedian             float64
	transferP             float64
	surveyP               float64
	slack                 float64 // staffing above the workload: beta of the square-root rule
	patience              float64 // median seconds; 0 = never abandons
	timeout               int64   // Asterisk queue timeout, seconds
	shape                 func(h float64) float64
	around                bool // arrivals around the clock (email)

	members []*agent // everyone who is ever in the team (in id order)
}

type agent struct {
	idx   int
	id    string
	first string
	last  string
	team  *team // team before the move
	moved *team // team from day move on (nil: never moves)
	move  int   // day index of the move
	hired time.Time

	speed, acwMult         float64
	holdPMult, holdLenMult float64
	transferMult           float64
	repeatMult             float64
	mu                     float64 // mean latent satisfaction (NPS scale)
	fallFrom               int     // day index NPS starts falling (-1: never)
	lowAdherence           bool
	vacation               span // day indexes [s, e) of a week off
	ext                    int  // phone extension (Asterisk login channel)
	pattern                string
}

func (a *agent) name() string { return a.first + " " + a.last }

// teamOn is the agent's team on day di.
func (a *agent) teamOn(di int) *team {
	if a.moved != nil && di >= a.move {
		return a.moved
	}
	return a.team
}

// rng returns a generator for one labelled stream of the seed, so that
// each part of the simulation draws independently of the others.
func (w *world) rng(label string, n ...int) *rand.Rand {
	h := fnv.New64a()
	h.Write([]byte(label))
	for _, x := range n {
		var b [8]byte
		for i := range b {
			b[i] = byte(uint64(x) >> (8 * i))
		}
		h.Write(b[:])
	}
	return rand.New(rand.NewPCG(uint64(w.opt.Seed), h.Sum64()))
}

func gauss(h, mean, sd float64) float64 {
	z := (h - mean) / sd
	return math.Exp(-z * z)
}

// Intraday demand: a late-morning peak, a lunch dip, a smaller
// mid-afternoon peak and a tail into the evening.
func voiceShape(h float64) float64 {
	return (0.45 + 0.9*gauss(h, 10.75, 1.5) + 0.5*gauss(h, 14.75, 1.3)) * evening(h)
}

// evening fades demand after 16:30.
func evening(h float64) float64 {
	if h < 16.5 {
		return 1
	}
	return math.Exp(-(h - 16.5) / 2)
}

func chatShape(h float64) float64 {
	return 0.45 + 0.7*gauss(h, 11, 1.8) + 0.55*gauss(h, 15, 1.5) + 0.45*gauss(h, 20, 1.4)
}

func emailShape(h float64) float64 {
	return 0.08 + gauss(h, 10, 2.4) + 0.6*gauss(h, 15, 2.4) + 0.25*gauss(h, 21, 1.5)
}

// week builds opening hours from Monday-Friday, Saturday and Sunday ones.
func week(wd hours, sat, sun hours) [7]hours {
	return [7]hours{time.Sunday: sun, time.Monday: wd, time.Tuesday: wd, time.Wednesday: wd,
		time.Thursday: wd, time.Friday: wd, time.Saturday: sat}
}

// buildOrg lays out 3 sites with 2 teams each and n agents.
func (w *world) buildOrg(n int) {
	riverbend := &site{name: "Riverbend", sys: sysAsterisk}
	lakeshore := &site{name: "Lakeshore", sys: sysConnect}
	cedar := &site{name: "Cedar Hill", sys: sysHelpdesk}
	billing := &team{name: "Billing", queue: "billing", ext: "8001", channel: "voice", site: riverbend,
		supervisor: "Morgan Tallowby", slots: 1, week: week(hours{8, 19}, hours{9, 15}, hours{}),
		talkMedian: 250, talkSigma: 0.55, transferP: 0.05, surveyP: 0.10, slack: 0.8,
		patience: 220, timeout: 600, shape: voiceShape}
	tech := &team{name: "Tech Support", queue: "techsupport", ext: "8002", channel: "voice", site: riverbend,
		supervisor: "Priya Glimmerton", slots: 1, week: week(hours{8, 20}, hours{9, 17}, hours{10, 16}),
		talkMedian: 330, talkSigma: 0.55, transferP: 0.05, surveyP: 0.10, slack: 0.8,
		patience: 240, timeout: 600, shape: voiceShape}
	orders := &team{name: "Orders", queue: "Orders", channel: "voice", site: lakeshore,
		supervisor: "Dana Cobblestone", slots: 1, week: week(hours{8, 19}, hours{9, 17}, hours{10, 16}),
		talkMedian: 240, talkSigma: 0.55, holdP: 0.18, holdMean: 40, acwMedian: 30,
		transferP: 0.05, surveyP: 0.10, slack: 0.8, patience: 220, shape: voiceShape}
	retention := &team{name: "Retention", queue: "Retention", channel: "voice", site: lakeshore,
		supervisor: "Felix Wintergreen", slots: 1, week: week(hours{8, 18}, hours{}, hours{}),
		talkMedian: 300, talkSigma: 0.55, holdP: 0.2, holdMean: 45, acwMedian: 45,
		transferP: 0.04, surveyP: 0.10, slack: 0.8, patience: 250, shape: voiceShape}
	chat := &team{name: "Chat", queue: "chat-support", channel: "chat", site: cedar,
		supervisor: "Rosa Lanternfield", slots: 2, week: week(hours{8, 22}, hours{9, 17}, hours{9, 17}),
		talkMedian: 480, talkSigma: 0.5, acwMedian: 25, transferP: 0.03, surveyP: 0.12,
		slack: 0.8, patience: 300, shape: chatShape}
	email := &team{name: "Email", queue: "email-support", channel: "email", site: cedar,
		supervisor: "Otto Brindlemarsh", slots: 1, week: week(hours{8, 18}, hours{8, 18}, hours{8, 18}),
		talkMedian: 230, talkSigma: 0.6, acwMedian: 60, surveyP: 0.08, slack: 0.2, weekend: 0.4,
		shape: emailShape, around: true}
	billing.transferTo, tech.transferTo = tech, billing
	orders.transferTo, retention.transferTo = retention, orders
	chat.transferTo = chat
	riverbend.teams = []*team{billing, tech}
	lakeshore.teams = []*team{orders, retention}
	cedar.teams = []*team{chat, email}
	w.sites = []*site{riverbend, lakeshore, cedar}
	for _, s := range w.sites {
		for _, t := range s.teams {
			if t.weekend == 0 {
				t.weekend = 0.25
			}
			t.idx = len(w.teams)
			w.teams = append(w.teams, t)
		}
	}

	r := w.rng("org")
	names := agentNames(r, n)
	idWidth := max(3, len(fmt.Sprint(n)))
	for i := range n {
		t := w.teams[i*len(w.teams)/n]
		a := &agent{
			idx: i, id: fmt.Sprintf("a%0*d", idWidth, i+1), first: names[i][0], last: names[i][1],
			team: t, ext: 1001 + i,
			hired:        w.from.AddDate(0, 0, -30-r.IntN(900)),
			speed:        math.Exp(0.1 * r.NormFloat64()),
			acwMult:      math.Exp(0.2 * r.NormFloat64()),
			holdPMult:    math.Exp(0.2 * r.NormFloat64()),
			holdLenMult:  math.Exp(0.15 * r.NormFloat64()),
			transferMult: math.Exp(max(-0.35, min(0.35, 0.2*r.NormFloat64()))),
			repeatMult:   math.Exp(0.15 * r.NormFloat64()),
			mu:           8.65 + 0.25*r.NormFloat64(),
			fallFrom:     -1,
			vacation:     span{-1, -1},
		}
		if lr := w.rng("leave", i); lr.Float64() < 0.55 {
			s := int64(lr.IntN(len(w.days)))
			a.vacation = span{s, s + 7}
		}
		w.agents = append(w.agents, a)
		t.members = append(t.members, a)
	}
	w.plantPatterns(r, billing, tech, orders, retention, chat, email)
}

// plantPatterns picks the agents that carry the coaching and recognition
// patterns, one role per agent.
func (w *world) plantPatterns(r *rand.Rand, billing, tech, orders, retention, chat, email *team) {
	used := map[*agent]bool{}
	pick := func(t *team, pattern string) *agent {
		var free []*agent
		for _, a := range t.members {
			if !used[a] {
				free = append(free, a)
			}
		}
		a := free[r.IntN(len(free))]
		used[a] = true
		a.pattern = pattern
		a.vacation = span{-1, -1} // keep the pattern's samples intact
		w.patterns[pattern] = a
		return a
	}
	fast := pick(billing, PatternFastUnhappy)
	fast.speed, fast.acwMult, fast.mu, fast.transferMult = 0.6, 0.6, 7.0, 1

	mover := pick(billing, PatternTeamChange)
	mover.moved = tech
	mover.move = w.moveDay()
	tech.members = append(tech.members, mover)
	slices.SortFunc(tech.members, func(a, b *agent) int { return a.idx - b.idx })

	trans := pick(tech, PatternTransfers)
	trans.transferMult = 4.5

	star := pick(orders, PatternStar)
	star.mu, star.speed = 10.4, 1.05

	fall := pick(orders, PatternFallingNPS)
	fall.mu = 8.9
	fall.fallFrom = max(0, len(w.days)-28)

	holds := pick(retention, PatternLongHolds)
	holds.holdPMult, holds.holdLenMult = 2.8, 3.2

	rep := pick(chat, PatternRepeat)
	rep.repeatMult = 4.5

	late := pick(email, PatternLowAdherence)
	late.lowAdherence = true
}

// moveDay is the first Monday at or after the middle of the range.
func (w *world) moveDay() int {
	for d := len(w.days) / 2; d < len(w.days); d++ {
		if w.days[d].Weekday() == time.Monday {
			return d
		}
	}
	return len(w.days) / 2
}

// Obviously made-up names: common first names with whimsical surnames.
var (
	firstNames = []string{"Ava", "Ben", "Chloe", "Dev", "Elena", "Finn", "Grace", "Hugo", "Isla", "Jonah",
		"Kira", "Liam", "Maya", "Noah", "Olive", "Pablo", "Quinn", "Rhea", "Sam", "Tara", "Umar", "Vera",
		"Wes", "Ximena", "Yusuf", "Zoe", "Amara", "Bruno", "Cleo", "Dmitri", "Esme", "Felipe", "Gemma",
		"Hassan", "Ines", "Jasper", "Keiko", "Leon", "Mira", "Nadia", "Oscar", "Petra", "Rafael", "Sana",
		"Theo", "Una", "Viktor", "Willa", "Yara", "Zane"}
	surnameHeads = []string{"Quill", "Thistle", "Marrow", "Penny", "Bramble", "Otter", "Fern", "Apple",
		"Cloud", "Hollow", "Copper", "Willow", "Bumble", "Moss", "Tinker", "Puddle", "Nettle", "Biscuit"}
	surnameTails = []string{"feather", "wood", "brook", "whistle", "cote", "worth", "garth", "sley",
		"mere", "pot", "bottom", "wick"}
)

// agentNames returns n distinct first/last pairs; first names repeat only
// when n exceeds the list.
func agentNames(r *rand.Rand, n int) [][2]string {
	firsts := slices.Clone(firstNames)
	r.Shuffle(len(firsts), func(i, j int) { firsts[i], firsts[j] = firsts[j], firsts[i] })
	combos := len(surnameHeads) * len(surnameTails)
	perm := r.Perm(combos)
	out := make([][2]string, n)
	for i := range n {
		c := perm[i%combos]
		last := surnameHeads[c/len(surnameTails)] + surnameTails[c%len(surnameTails)]
		if i >= combos {
			last += fmt.Sprintf("-%d", i/combos+1)
		}
		out[i] = [2]string{firsts[i%len(firsts)], last}
	}
	return out
}
