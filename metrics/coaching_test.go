package metrics

import (
	"strings"
	"testing"
)

// normal is an agent in line with its peers over a 28-day window: 800 legs
// of 300 s, 12% held (48 s mean hold), 9% transferred, FCR 370/500 = 74%,
// adherence 524160/576000 s = 91%, NPS 100 answers with 45 promoters and
// 9 detractors.
func normal() Counts {
	return Counts{
		Handled: 800, HandledContacts: 800, HandleS: 240000, Held: 96, HoldS: 4608, Transferred: 72,
		FCRKnown: 500, FCRResolved: 370, ScheduledS: 576000, AdherentS: 524160,
		NPSN: 100, Promoters: 45, Detractors: 9,
	}
}

func with(c Counts, f func(*Counts)) Counts {
	f(&c)
	return c
}

func coachingAgents() []AgentWindow {
	n := normal()
	return []AgentWindow{
		// north: a1 is fast (225 s) with 18 detractors in 100 answers.
		{AgentID: "a1", Team: "north", Current: with(n, func(c *Counts) { c.HandleS = 180000; c.Detractors = 18; c.Promoters = 40 }), Previous: n},
		{AgentID: "a2", Team: "north", Current: n, Previous: n},
		{AgentID: "a3", Team: "north", Current: n, Previous: n},
		{AgentID: "a4", Team: "north", Current: n, Previous: n},
		// south: b1 holds 31% of legs (95 s mean), transfers 22%, resolves 66%,
		// and is 78% adherent.
		{AgentID: "b1", Team: "south", Current: with(n, func(c *Counts) {
			c.Held, c.HoldS, c.Transferred, c.FCRResolved, c.AdherentS = 248, 248*95, 176, 330, 449280
		}), Previous: n},
		{AgentID: "b2", Team: "south", Current: n, Previous: n},
		{AgentID: "b3", Team: "south", Current: n, Previous: n},
		{AgentID: "b4", Team: "south", Current: n, Previous: n},
		// east: c1's NPS fell from 45 (48 P, 12 D of 80) to 10 (32 P, 24 D of
		// 80); the rest of the team went from 35 to 33.
		{AgentID: "c1", Team: "east",
			Current:  with(n, func(c *Counts) { c.NPSN, c.Promoters, c.Detractors = 80, 32, 24 }),
			Previous: with(n, func(c *Counts) { c.NPSN, c.Promoters, c.Detractors = 80, 48, 12 })},
		{AgentID: "c2", Team: "east",
			Current:  with(n, func(c *Counts) { c.Promoters, c.Detractors = 44, 11 }),
			Previous: with(n, func(c *Counts) { c.Promoters, c.Detractors = 45, 10 })},
		{AgentID: "c3", Team: "east",
			Current:  with(n, func(c *Counts) { c.Promoters, c.Detractors = 44, 11 }),
			Previous: with(n, func(c *Counts) { c.Promoters, c.Detractors = 45, 10 })},
		// west, nothing credible: w1 is fast but 15/100 detractors vs 27/300
		// gives z = 1.695 < 1.96; w5 transfers half its legs but has 10 (< 20).
		{AgentID: "w1", Team: "west", Current: with(n, func(c *Counts) { c.HandleS = 180000; c.Detractors = 15 }), Previous: n},
		{AgentID: "w2", Team: "west", Current: n, Previous: n},
		{AgentID: "w3", Team: "west", Current: n, Previous: n},
		{AgentID: "w4", Team: "west", Current: n, Previous: n},
		{AgentID: "w5", Team: "west", Current: Counts{Handled: 10, HandleS: 3000, Transferred: 5}},
		// flat: the whole team fell from 45 to 10, so no one is singled out.
		{AgentID: "f1", Team: "flat",
			Current:  with(n, func(c *Counts) { c.NPSN, c.Promoters, c.Detractors = 80, 32, 24 }),
			Previous: with(n, func(c *Counts) { c.NPSN, c.Promoters, c.Detractors = 80, 48, 12 })},
		{AgentID: "f2", Team: "flat",
			Current:  with(n, func(c *Counts) { c.NPSN, c.Promoters, c.Detractors = 80, 32, 24 }),
			Previous: with(n, func(c *Counts) { c.NPSN, c.Promoters, c.Detractors = 80, 48, 12 })},
	}
}

func TestCoach(t *testing.T) {
	got := Coach(coachingAgents(), nil, Default())
	type ev struct {
		measure         string
		agent, baseline float64
		n, baselineN    int64
		z               *float64
		low             *float64
	}
	want := []struct {
		agent    string
		kind     CoachingKind
		affected float64
		ev       ev
		focus    string
	}{
		// v_before = 0.6+0.15-0.45² = 0.5475, v_now = 0.4+0.3-0.1² = 0.69,
		// se = sqrt(0.5475/80 + 0.69/80) = 0.124373, z = (0.10-0.45)/0.124373 = -2.814106;
		// net promoters lost 0.35 * 800 legs = 280.
		{"c1", FallingNPS, 280, ev{IDNPS, 10, 45, 80, 80, ptr(-2.814106), nil},
			"NPS fell from 45 to 10 over the last 28 days (80 answers, 80 the 28 days before) while the rest of the team went from 35 to 33"},
		// 0.78 vs 1572480/1728000 = 0.91: 0.13 * 576000 s = 74880 s = 20.8 h,
		// at the peers' AHT 720000/2400 = 300 s: 249.6 contacts.
		{"b1", LowAdherence, 249.6, ev{IDAdherence, 0.78, 0.91, 576000, 1728000, nil, nil},
			"Spent 78% of scheduled time in the scheduled activity vs 91% for the rest of the team (20.8 hours"},
		// 248/800 = 0.31 vs 288/2400 = 0.12, pooled 536/3200 = 0.1675,
		// se = sqrt(0.1675*0.8325*(1/800+1/2400)) = 0.015245, z = 0.19/0.015245 = 12.4632;
		// Wilson of 248/800: 0.278923 .. 0.342893; 0.19 * 800 = 152.
		{"b1", LongHolds, 152, ev{IDHoldRate, 0.31, 0.12, 800, 2400, ptr(12.463204), ptr(0.278923)},
			"Puts 31% of contacts on hold vs 12% for the rest of the team (mean hold 95 s vs 48 s)"},
		// 176/800 = 0.22 vs 216/2400 = 0.09, pooled 0.1225, se = 0.013385, z = 9.7124; 0.13 * 800 = 104.
		{"b1", FrequentTransfers, 104, ev{IDTransferRate, 0.22, 0.09, 800, 2400, ptr(9.712418), nil},
			"Transfers 22% of contacts vs 9.0% for the rest of the team"},
		// 225 s vs 300 s is 25% shorter; detractors 18/100 vs 27/300, z = 2.466679
		// (TestTwoProportion); Wilson of 18/100: 0.117001 .. 0.266675; 0.09 * 800 = 72.
		{"a1", FastButUnhappy, 72, ev{"detractor_share", 0.18, 0.09, 100, 300, ptr(2.466679), ptr(0.117001)},
			"Contacts are 25% shorter than the team's (225 s vs 300 s) but 18% of surveyed customers are detractors vs 9.0% for the rest of the team"},
		// unresolved 170/500 = 0.34 vs 390/1500 = 0.26, pooled 0.28,
		// se = sqrt(0.28*0.72*(1/500+1/1500)) = 0.023186, z = 3.450328, reported
		// for FCR as -3.450328; FCR Wilson = 1 - (0.382602 .. 0.299838); 0.08 * 800 = 64.
		{"b1", RepeatContacts, 64, ev{IDFCRRate, 0.66, 0.74, 500, 1500, ptr(-3.450328), ptr(0.617398)},
			"66% of contacts from known customers were resolved first time (no further contact within 7 days) vs 74% for the rest of the team"},
	}
	if len(got) != len(want) {
		for _, o := range got {
			t.Logf("%s %s %.1f: %s", o.AgentID, o.Kind, o.CustomersAffected, o.Focus)
		}
		t.Fatalf("%d opportunities, want %d", len(got), len(want))
	}
	for i, w := range want {
		o := got[i]
		t.Run(string(w.kind), func(t *testing.T) {
			if o.AgentID != w.agent || o.Kind != w.kind {
				t.Fatalf("rank %d: %s %s, want %s %s", i, o.AgentID, o.Kind, w.agent, w.kind)
			}
			near(t, "customers affected", o.CustomersAffected, w.affected, 1e-6)
			if !strings.HasPrefix(o.Focus, w.focus) {
				t.Errorf("focus %q\nwant prefix %q", o.Focus, w.focus)
			}
			e := o.Evidence[0]
			if e.Measure != w.ev.measure || e.N != w.ev.n || e.BaselineN != w.ev.baselineN {
				t.Errorf("evidence %+v", e)
			}
			near(t, "agent value", e.AgentValue, w.ev.agent, 1e-9)
			near(t, "baseline", e.BaselineValue, w.ev.baseline, 1e-9)
			if w.ev.z != nil {
				nearPtr(t, "z", e.Z, *w.ev.z, 1e-5)
				if e.P == nil || *e.P >= 0.05 {
					t.Errorf("p = %v, want < 0.05", e.P)
				}
			} else if w.kind == LowAdherence && e.Z != nil {
				t.Errorf("adherence has a z, want none")
			}
			if w.ev.low != nil {
				nearPtr(t, "interval low", e.Low, *w.ev.low, 1e-5)
			}
			if o.Team == "" {
				t.Error("no team")
			}
		})
	}
}

func TestCoachTeamTotals(t *testing.T) {
	agents := coachingAgents()
	// Supplying the team totals the agents sum to changes nothing.
	teams := map[string]Counts{}
	for _, a := range agents {
		c := teams[a.Team]
		c.Add(a.Current)
		teams[a.Team] = c
	}
	a, b := Coach(agents, nil, Default()), Coach(agents, teams, Default())
	if len(a) != len(b) {
		t.Fatalf("%d vs %d opportunities", len(a), len(b))
	}
	for i := range a {
		if a[i].AgentID != b[i].AgentID || a[i].Kind != b[i].Kind || a[i].CustomersAffected != b[i].CustomersAffected {
			t.Errorf("%d: %+v vs %+v", i, a[i], b[i])
		}
	}
}

func TestCoachThresholds(t *testing.T) {
	tests := []struct {
		name string
		cfg  func(*Config)
		// present / absent (agent, kind) pairs
		has, hasNot []string
	}{
		{name: "defaults", has: []string{"a1 fast_but_unhappy", "b1 low_adherence"},
			hasNot: []string{"w1 fast_but_unhappy", "w5 frequent_transfers", "f1 falling_nps", "f2 falling_nps", "c2 falling_nps"}},
		// A gap of 99%: shares must be 1.99 times the peers'. Holds 0.31 >=
		// 0.12*1.99 = 0.2388 and transfers 0.22 >= 0.09*1.99 = 0.1791 stay;
		// unresolved 0.34 < 0.26*1.99 goes, and a1's AHT would need to be
		// 300*(1-0.99) = 3 s or less.
		{name: "large relative gap", cfg: func(c *Config) { c.Coaching.MinRelativeGap = 0.99 },
			has: []string{"b1 long_holds", "b1 frequent_transfers"}, hasNot: []string{"a1 fast_but_unhappy", "b1 repeat_contacts"}},
		// 100 answers no longer reach min_n.survey = 150.
		{name: "min_n survey", cfg: func(c *Config) { c.MinN.Survey = 150 },
			has: []string{"b1 long_holds"}, hasNot: []string{"a1 fast_but_unhappy", "c1 falling_nps"}},
		// 160 scheduled hours < 200.
		{name: "min scheduled", cfg: func(c *Config) { c.Coaching.MinScheduledS = 200 * 3600 },
			hasNot: []string{"b1 low_adherence"}},
		// 13 points below needs a 0.2 gap now.
		{name: "adherence gap", cfg: func(c *Config) { c.Coaching.AdherenceGap = 0.2 },
			hasNot: []string{"b1 low_adherence"}, has: []string{"b1 long_holds"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := Default()
			if tc.cfg != nil {
				tc.cfg(&cfg)
			}
			found := map[string]bool{}
			for _, o := range Coach(coachingAgents(), nil, cfg) {
				found[o.AgentID+" "+string(o.Kind)] = true
			}
			for _, k := range tc.has {
				if !found[k] {
					t.Errorf("missing %s (have %v)", k, found)
				}
			}
			for _, k := range tc.hasNot {
				if found[k] {
					t.Errorf("unexpected %s", k)
				}
			}
		})
	}
}

func TestCoachFlagMode(t *testing.T) {
	cfg := Default()
	cfg.FCR.Mode = FCRFlag
	seen := false
	for _, o := range Coach(coachingAgents(), nil, cfg) {
		if o.Kind == RepeatContacts {
			seen = true
			if !strings.HasPrefix(o.Focus, "66% of contacts were marked resolved vs 74%") {
				t.Errorf("flag-mode focus %q", o.Focus)
			}
		}
	}
	if !seen {
		t.Error("no repeat_contacts opportunity")
	}
}

// TestCoachTinyCounts: flags on a handful of events are noise. Before the
// exact test, 1 held leg in 1,000 against none in the peers' 5,000 was a
// long_holds flag with z = 2.24, p = 0.025 (issue 8): the pooled z-test is
// invalid when the expected counts are this small. Fisher's exact p is the
// agent's share of the pooled legs, 1000/6000 = 0.17. 4 held legs in 40
// against none in 4,000 is significant (p < 1e-7) but only 4 customers:
// below coaching.min_events.
func TestCoachTinyCounts(t *testing.T) {
	peer := func(id string, team string, handled int64) AgentWindow {
		return AgentWindow{AgentID: id, Team: team, Current: Counts{Handled: handled, HandledContacts: handled, HandleS: 300 * handled}}
	}
	one := peer("t1", "tiny", 1000)
	one.Current.Held, one.Current.HoldS = 1, 60
	four := peer("u1", "few", 40)
	four.Current.Held, four.Current.HoldS = 4, 240
	agents := []AgentWindow{one, peer("t2", "tiny", 2500), peer("t3", "tiny", 2500),
		four, peer("u2", "few", 2000), peer("u3", "few", 2000)}
	if got := Coach(agents, nil, Default()); len(got) != 0 {
		for _, o := range got {
			t.Errorf("%s %s: %s (p %v)", o.AgentID, o.Kind, o.Focus, *o.Evidence[0].P)
		}
	}
	// Ten held legs in 40 is 10 customers: flagged, with the exact p.
	four.Current.Held, four.Current.HoldS = 10, 600
	agents[3] = four
	got := Coach(agents, nil, Default())
	if len(got) != 1 || got[0].AgentID != "u1" || got[0].Kind != LongHolds {
		t.Fatalf("got %+v, want one long_holds for u1", got)
	}
	if p := got[0].Evidence[0].P; p == nil || *p > 1e-9 {
		t.Errorf("p = %v, want Fisher's exact p < 1e-9", p)
	}
	// coaching.min_events: 0 turns the event minimum off.
	cfg := Default()
	cfg.Coaching.MinEvents = 0
	four.Current.Held, four.Current.HoldS = 4, 240
	agents[3] = four
	if got := Coach(agents, nil, cfg); len(got) != 1 || got[0].AgentID != "u1" {
		t.Errorf("min_events 0: got %+v, want u1 flagged", got)
	}
}
