package metrics

import (
	"cmp"
	"fmt"
	"math"
	"slices"
)

// CoachingKind names a coaching opportunity.
type CoachingKind string

// Coaching kinds.
const (
	FastButUnhappy    CoachingKind = "fast_but_unhappy"
	LongHolds         CoachingKind = "long_holds"
	FrequentTransfers CoachingKind = "frequent_transfers"
	RepeatContacts    CoachingKind = "repeat_contacts"
	FallingNPS        CoachingKind = "falling_nps"
	LowAdherence      CoachingKind = "low_adherence"
)

// AgentWindow is one agent's agent-level Counts over the trailing coaching
// window (Current) and over the window of the same length before it
// (Previous).
type AgentWindow struct {
	AgentID  string
	Team     string
	Current  Counts
	Previous Counts
}

// Comparison is one piece of evidence: the agent's value against a
// baseline, which is the rest of the agent's team over the same window
// (Against "team") or the agent's own previous window (Against
// "previous_window").
type Comparison struct {
	Measure       string  `json:"measure"` // a metric id, or detractor_share, mean_hold_s, nps_change
	Against       string  `json:"against"` // team or previous_window
	AgentValue    float64 `json:"agent_value"`
	BaselineValue float64 `json:"baseline_value"`
	// N and BaselineN are the sample sizes (answers, legs, contacts or
	// scheduled seconds).
	N         int64 `json:"n"`
	BaselineN int64 `json:"baseline_n"`
	// Low and High are the agent's 95% interval (Wilson for shares,
	// adjusted Wald for NPS); P the two-sided p-value of the test that
	// decided (Fisher's exact test for shares, a z-test for falling NPS)
	// and Z the z statistic (for shares the pooled two-proportion z, shown
	// for reading only). Nil where no test applies.
	Low  *float64 `json:"low,omitempty"`
	High *float64 `json:"high,omitempty"`
	Z    *float64 `json:"z,omitempty"`
	P    *float64 `json:"p,omitempty"`
}

// Opportunity is one coaching suggestion for a supervisor.
type Opportunity struct {
	AgentID string       `json:"agent_id"`
	Team    string       `json:"team"`
	Kind    CoachingKind `json:"kind"`
	// Focus is a plain-language sentence for the supervisor.
	Focus string `json:"focus"`
	// Evidence starts with the comparison that was tested.
	Evidence []Comparison `json:"evidence"`
	// CustomersAffected estimates how many of the agent's customers in the
	// window the gap touched; opportunities are ranked by it.
	CustomersAffected float64 `json:"customers_affected"`
}

const (
	againstTeam     = "team"
	againstPrevious = "previous_window"
)

// Coach lists the coaching opportunities of agents, most customers
// affected first.
//
// Each agent is compared with its peers: the rest of its team (the team's
// Counts minus the agent's). teams gives team totals for the current
// window; a team missing from it is the sum of its agents in agents.
// Team totals must be sums of agent-level Counts (legs), the units the
// agents' Counts are in.
//
// Credibility. A share (detractors, held legs, transferred legs, contacts
// not resolved first time) is flagged only when
//   - both samples reach min_n (survey answers for detractors, legs or
//     contacts otherwise),
//   - Fisher's exact test rejects equality at 95% (two-sided p < 0.05) and
//     the agent's share is the worse one. The test is exact for any
//     counts: a normal-approximation z-test is not valid when the expected
//     counts are tiny, and flagged 1 held contact in 1,000 against none
//     among the peers with p = 0.02,
//   - the agent has at least coaching.min_events (default 5) more events
//     than the peers' share predicts for its sample (x_agent - n_agent *
//     p_peers >= 5): a flag is about several customers, never one,
//   - and the gap matters: the agent's share is at least
//     coaching.min_relative_gap (default 10%) worse, relative to the peers'.
//
// The evidence reports the Fisher p-value and, for reading, the pooled
// two-proportion z = (p_agent - p_peers) / sqrt(p(1-p)(1/n_agent + 1/n_peers)).
//
// fast_but_unhappy also needs an AHT at least min_relative_gap below the
// peers' (no test: the rollups hold no sum of squared handle times).
// falling_nps compares the agent's NPS with its own previous window:
// z = (nps_now - nps_before) / sqrt(v_now/n_now + v_before/n_before) with
// v = p + d - (p-d)² on the shares, z <= -1.96, both windows at min_n, and
// the fall larger than the peers' over the same windows (a team-wide fall
// is not the agent's). low_adherence uses no test (scheduled seconds are
// not independent trials): at least coaching.min_scheduled_s scheduled and
// adherence at least coaching.adherence_gap below the peers'.
//
// Customers affected is the gap times the agent's handled legs in the
// window: excess detractors, held or transferred contacts, unresolved
// contacts, net promoters lost. Survey-based gaps are thereby extrapolated
// from respondents to every handled contact. For adherence it is the excess
// time out of adherence divided by the peers' AHT: contacts' worth of time.
func Coach(agents []AgentWindow, teams map[string]Counts, cfg Config) []Opportunity {
	cur := map[string]Counts{}
	prev := map[string]Counts{}
	for _, a := range agents {
		c, p := cur[a.Team], prev[a.Team]
		c.Add(a.Current)
		p.Add(a.Previous)
		cur[a.Team], prev[a.Team] = c, p
	}
	for name, c := range teams {
		cur[name] = c
	}
	var out []Opportunity
	for _, a := range agents {
		k := coach{
			cfg:       cfg,
			a:         a,
			peers:     cur[a.Team].without(a.Current),
			prevPeers: prev[a.Team].without(a.Previous),
		}
		for _, rule := range []func() (Opportunity, bool){
			k.fastButUnhappy, k.longHolds, k.frequentTransfers, k.repeatContacts, k.fallingNPS, k.lowAdherence,
		} {
			if o, ok := rule(); ok {
				o.AgentID, o.Team = a.AgentID, a.Team
				out = append(out, o)
			}
		}
	}
	slices.SortStableFunc(out, func(x, y Opportunity) int {
		return cmp.Or(
			cmp.Compare(y.CustomersAffected, x.CustomersAffected),
			cmp.Compare(x.AgentID, y.AgentID),
			cmp.Compare(x.Kind, y.Kind),
		)
	})
	return out
}

type coach struct {
	cfg       Config
	a         AgentWindow
	peers     Counts
	prevPeers Counts
}

// affected scales a per-contact gap to the agent's handled legs (or to the
// sample when there are none, e.g. surveys without contact data).
func (k coach) affected(gap float64, sample int64) float64 {
	base := k.a.Current.Handled
	if base <= 0 {
		base = sample
	}
	return math.Max(gap, 0) * float64(base)
}

// worseShare tests whether the agent's share xa/na is credibly and
// materially above the peers' xp/np.
func (k coach) worseShare(measure string, xa, na, xp, np, minN int64) (Comparison, bool) {
	if na < minN || np < minN || na <= 0 || np <= 0 {
		return Comparison{}, false
	}
	pa, pp := float64(xa)/float64(na), float64(xp)/float64(np)
	if pa <= pp || pa < pp*(1+k.cfg.Coaching.MinRelativeGap) {
		return Comparison{}, false
	}
	if float64(xa)-float64(na)*pp < float64(k.cfg.Coaching.MinEvents) {
		return Comparison{}, false
	}
	p, ok := fisherExact(xa, na, xp, np)
	if !ok || p >= 0.05 {
		return Comparison{}, false
	}
	z, _, _ := twoProportion(xa, na, xp, np)
	lo, hi := Wilson(xa, na, Z95)
	return Comparison{
		Measure: measure, Against: againstTeam, AgentValue: pa, BaselineValue: pp,
		N: na, BaselineN: np, Low: &lo, High: &hi, Z: &z, P: &p,
	}, true
}

func (k coach) fastButUnhappy() (Opportunity, bool) {
	a, t, mn := k.a.Current, k.peers, k.cfg.MinN
	if a.Handled < mn.Contact || t.Handled < mn.Contact || a.Handled <= 0 || t.Handled <= 0 {
		return Opportunity{}, false
	}
	ahtA, ahtT := float64(a.HandleS)/float64(a.Handled), float64(t.HandleS)/float64(t.Handled)
	if ahtT <= 0 || ahtA > ahtT*(1-k.cfg.Coaching.MinRelativeGap) {
		return Opportunity{}, false
	}
	det, ok := k.worseShare("detractor_share", a.Detractors, a.NPSN, t.Detractors, t.NPSN, mn.Survey)
	if !ok {
		return Opportunity{}, false
	}
	return Opportunity{
		Kind: FastButUnhappy,
		Focus: fmt.Sprintf("Contacts are %s shorter than the team's (%.0f s vs %.0f s) but %s of surveyed customers are detractors vs %s for the rest of the team: review call closure, since rushed endings leave customers unsure their issue is solved.",
			pct(1-ahtA/ahtT), ahtA, ahtT, pct(det.AgentValue), pct(det.BaselineValue)),
		Evidence: []Comparison{det, {
			Measure: IDAHT, Against: againstTeam, AgentValue: ahtA, BaselineValue: ahtT,
			N: a.Handled, BaselineN: t.Handled,
		}},
		CustomersAffected: k.affected(det.AgentValue-det.BaselineValue, a.NPSN),
	}, true
}

func (k coach) longHolds() (Opportunity, bool) {
	a, t := k.a.Current, k.peers
	c, ok := k.worseShare(IDHoldRate, a.Held, a.Handled, t.Held, t.Handled, k.cfg.MinN.Contact)
	if !ok {
		return Opportunity{}, false
	}
	ev := []Comparison{c}
	focus := fmt.Sprintf("Puts %s of contacts on hold vs %s for the rest of the team", pct(c.AgentValue), pct(c.BaselineValue))
	if a.Held > 0 && t.Held > 0 {
		ma, mt := float64(a.HoldS)/float64(a.Held), float64(t.HoldS)/float64(t.Held)
		ev = append(ev, Comparison{Measure: "mean_hold_s", Against: againstTeam, AgentValue: ma, BaselineValue: mt, N: a.Held, BaselineN: t.Held})
		focus += fmt.Sprintf(" (mean hold %.0f s vs %.0f s)", ma, mt)
	}
	focus += ": find out what the holds are for (lookups, approvals, system access) and close that gap."
	return Opportunity{Kind: LongHolds, Focus: focus, Evidence: ev,
		CustomersAffected: k.affected(c.AgentValue-c.BaselineValue, a.Handled)}, true
}

func (k coach) frequentTransfers() (Opportunity, bool) {
	a, t := k.a.Current, k.peers
	c, ok := k.worseShare(IDTransferRate, a.Transferred, a.Handled, t.Transferred, t.Handled, k.cfg.MinN.Contact)
	if !ok {
		return Opportunity{}, false
	}
	return Opportunity{
		Kind: FrequentTransfers,
		Focus: fmt.Sprintf("Transfers %s of contacts vs %s for the rest of the team: check which contact types get passed on and whether training or permissions would let them be resolved first time.",
			pct(c.AgentValue), pct(c.BaselineValue)),
		Evidence:          []Comparison{c},
		CustomersAffected: k.affected(c.AgentValue-c.BaselineValue, a.Handled),
	}, true
}

func (k coach) repeatContacts() (Opportunity, bool) {
	a, t := k.a.Current, k.peers
	// Tested on the unresolved share, the bad direction; reported as FCR.
	c, ok := k.worseShare(IDFCRRate, a.FCRKnown-a.FCRResolved, a.FCRKnown, t.FCRKnown-t.FCRResolved, t.FCRKnown, k.cfg.MinN.Contact)
	if !ok {
		return Opportunity{}, false
	}
	gap := c.AgentValue - c.BaselineValue
	c.AgentValue, c.BaselineValue = 1-c.AgentValue, 1-c.BaselineValue
	lo, hi := 1-*c.High, 1-*c.Low
	z := -*c.Z
	c.Low, c.High, c.Z = &lo, &hi, &z
	what := fmt.Sprintf("%s of contacts from known customers were resolved first time (no further contact within %d days)",
		pct(c.AgentValue), k.cfg.FCR.WindowDays)
	if k.cfg.FCR.Mode == FCRFlag {
		what = fmt.Sprintf("%s of contacts were marked resolved", pct(c.AgentValue))
	}
	return Opportunity{
		Kind:              RepeatContacts,
		Focus:             fmt.Sprintf("%s vs %s for the rest of the team: review how contacts are closed and what brings these customers back.", what, pct(c.BaselineValue)),
		Evidence:          []Comparison{c},
		CustomersAffected: k.affected(gap, a.FCRKnown),
	}, true
}

// npsShares returns NPS (-100..100) and the per-answer variance of
// (p - d), p + d - (p-d)².
func npsShares(c Counts) (score, variance float64) {
	p, d := float64(c.Promoters)/float64(c.NPSN), float64(c.Detractors)/float64(c.NPSN)
	return 100 * float64(c.Promoters-c.Detractors) / float64(c.NPSN), p + d - (p-d)*(p-d)
}

func (k coach) fallingNPS() (Opportunity, bool) {
	now, before, mn := k.a.Current, k.a.Previous, k.cfg.MinN.Survey
	if now.NPSN < mn || before.NPSN < mn || now.NPSN <= 0 || before.NPSN <= 0 {
		return Opportunity{}, false
	}
	sNow, vNow := npsShares(now)
	sBefore, vBefore := npsShares(before)
	se := math.Sqrt(vNow/float64(now.NPSN) + vBefore/float64(before.NPSN))
	if se == 0 {
		return Opportunity{}, false
	}
	z := (sNow - sBefore) / 100 / se
	if z > -Z95 {
		return Opportunity{}, false
	}
	drop := sBefore - sNow
	p := twoSidedP(z)
	lo, hi := NPSInterval(now.Promoters, now.Detractors, now.NPSN, Z95)
	ev := []Comparison{{
		Measure: IDNPS, Against: againstPrevious, AgentValue: sNow, BaselineValue: sBefore,
		N: now.NPSN, BaselineN: before.NPSN, Low: &lo, High: &hi, Z: &z, P: &p,
	}}
	days := k.cfg.Coaching.WindowDays
	focus := fmt.Sprintf("NPS fell from %.0f to %.0f over the last %d days (%d answers, %d the %d days before)",
		sBefore, sNow, days, now.NPSN, before.NPSN, days)
	if tn, tb := k.peers, k.prevPeers; tn.NPSN > 0 && tb.NPSN > 0 {
		tNow, _ := npsShares(tn)
		tBefore, _ := npsShares(tb)
		if drop <= tBefore-tNow {
			return Opportunity{}, false // the whole team fell as much: not the agent's
		}
		ev = append(ev, Comparison{Measure: "nps_change", Against: againstTeam, AgentValue: sNow - sBefore,
			BaselineValue: tNow - tBefore, N: now.NPSN, BaselineN: tn.NPSN})
		focus += fmt.Sprintf(" while the rest of the team went from %.0f to %.0f", tBefore, tNow)
	}
	focus += ": listen to recent detractor contacts and check what changed (contact mix, tools, process)."
	return Opportunity{Kind: FallingNPS, Focus: focus, Evidence: ev,
		CustomersAffected: k.affected(drop/100, now.NPSN)}, true
}

func (k coach) lowAdherence() (Opportunity, bool) {
	a, t, kc := k.a.Current, k.peers, k.cfg.Coaching
	if a.ScheduledS <= 0 || a.ScheduledS < kc.MinScheduledS || t.ScheduledS <= 0 {
		return Opportunity{}, false
	}
	adhA, adhT := float64(a.AdherentS)/float64(a.ScheduledS), float64(t.AdherentS)/float64(t.ScheduledS)
	if adhA > adhT-kc.AdherenceGap {
		return Opportunity{}, false
	}
	excessS := (adhT - adhA) * float64(a.ScheduledS)
	var affected float64
	if t.Handled > 0 && t.HandleS > 0 {
		affected = excessS / (float64(t.HandleS) / float64(t.Handled))
	}
	return Opportunity{
		Kind: LowAdherence,
		Focus: fmt.Sprintf("Spent %s of scheduled time in the scheduled activity vs %s for the rest of the team (%.1f hours more out of schedule over %d days): review schedule fit, breaks and after-contact work.",
			pct(adhA), pct(adhT), excessS/3600, kc.WindowDays),
		Evidence: []Comparison{{Measure: IDAdherence, Against: againstTeam, AgentValue: adhA, BaselineValue: adhT,
			N: a.ScheduledS, BaselineN: t.ScheduledS}},
		CustomersAffected: affected,
	}, true
}

// pct formats a share as a percentage, with a decimal below 10%.
func pct(x float64) string {
	if math.Abs(x) < 0.1 {
		return fmt.Sprintf("%.1f%%", 100*x)
	}
	return fmt.Sprintf("%.0f%%", 100*x)
}
