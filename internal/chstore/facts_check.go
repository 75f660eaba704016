package chstore

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/servicecard/servicecard/metrics"
)

// FactsReport is what CheckFacts found.
type FactsReport struct {
	Config string // the configuration fingerprint checked
	// Days is how many business days have facts; Stale lists those a
	// newer dirty mark touches (a load running, or a crash not yet
	// repaired: refresh them first), Missing those touched that have no
	// facts at all.
	Days           int
	Stale, Missing []time.Time
	// Diffs describe every stored fact that differs from a recomputation
	// from the raw rows, on days that are not stale.
	Diffs []string
}

// CheckFacts recomputes every stored fact of the store's configuration
// from the raw rows, with the count queries that answer live, and diffs
// the two: the daily sums key by key, and the attribution of every survey
// response (`servicecard facts check`; the tests run it after every
// arrival order and after crashes).
func (s *Store) CheckFacts(ctx context.Context) (FactsReport, error) {
	q := s.factsQuery()
	loc := q.Location
	if loc == nil {
		loc = time.UTC
	}
	rep := FactsReport{Config: q.fingerprint()}
	m, err := s.readMarks(ctx, rep.Config, 0, lastDay)
	if err != nil {
		return rep, err
	}
	stale := map[dayNum]bool{}
	for _, d := range m.stale(q, ^uint64(0)) {
		stale[d] = true
		if m.clean[d] == 0 {
			rep.Missing = append(rep.Missing, d.midnight(loc))
		} else {
			rep.Stale = append(rep.Stale, d.midnight(loc))
		}
	}
	days := slices.Sorted(maps.Keys(m.clean))
	rep.Days = len(days)
	for _, r := range runs(days, refreshSpanDays) {
		p := plan{q: q, config: rep.Config, from: r[0], to: r[1], loc: loc, wholeRange: true}
		p.q.From, p.q.To = r[0].midnight(loc), (r[1] + 1).midnight(loc)
		stored, err := s.storedFacts(ctx, p)
		if err != nil {
			return rep, err
		}
		live, err := s.liveFacts(ctx, p.q)
		if err != nil {
			return rep, err
		}
		rep.Diffs = append(rep.Diffs, diffFacts(stored, live, stale)...)
		storedSurveys, err := s.SurveyFacts(ctx, p.q.From, p.q.To)
		if err != nil {
			return rep, err
		}
		liveSurveys, err := s.liveSurveyFacts(ctx, p.q.From, p.q.To)
		if err != nil {
			return rep, err
		}
		rep.Diffs = append(rep.Diffs, diffSurveyFacts(storedSurveys, liveSurveys, stale, loc)...)
	}
	return rep, nil
}

type factKey struct {
	day                            dayNum
	part, queue, team, site, agent string
}

func (k factKey) String() string {
	return fmt.Sprintf("%s %s queue=%q team=%q site=%q agent=%q", k.day, k.part, k.queue, k.team, k.site, k.agent)
}

func sumFacts(facts Facts, stale map[dayNum]bool) map[factKey]metrics.Counts {
	out := map[factKey]metrics.Counts{}
	for _, f := range facts {
		k := factKey{dayOf(f.day), f.part, f.queue, f.team, f.site, f.agent}
		if stale[k.day] {
			continue
		}
		c := out[k]
		c.Add(f.c)
		out[k] = c
	}
	return out
}

// diffFacts lists the keys whose sums differ (all-zero sums and missing
// keys are the same thing).
func diffFacts(stored, live Facts, stale map[dayNum]bool) []string {
	a, b := sumFacts(stored, stale), sumFacts(live, stale)
	keys := map[factKey]bool{}
	for k := range a {
		keys[k] = true
	}
	for k := range b {
		keys[k] = true
	}
	var out []string
	names := metrics.CountsFieldNames()
	for k := range keys {
		ca, cb := a[k], b[k]
		fa, fb := ca.Fields(), cb.Fields()
		for i := range fa {
			if *fa[i] != *fb[i] {
				out = append(out, fmt.Sprintf("%s: %s stored %d, raw %d", k, names[i], *fa[i], *fb[i]))
			}
		}
	}
	slices.Sort(out)
	return out
}

// diffSurveyFacts lists the responses whose stored attribution differs
// from the raw rows'.
func diffSurveyFacts(stored, live []SurveyFact, stale map[dayNum]bool, loc *time.Location) []string {
	type key struct{ source, id string }
	show := func(f SurveyFact) string {
		v := func(p *uint8) string {
			if p == nil {
				return "-"
			}
			return fmt.Sprint(*p)
		}
		return fmt.Sprintf("%s agent=%q team=%q site=%q queue=%q nps=%s csat=%s ces=%s linked=%t contact=%q comment=%q",
			f.RespondedAt.UTC().Format(time.RFC3339), f.AgentID, f.Team, f.Site, f.Queue, v(f.NPS), v(f.CSAT), v(f.CES),
			f.Linked, f.ContactID, f.Comment)
	}
	index := func(fs []SurveyFact) map[key]string {
		out := map[key]string{}
		for _, f := range fs {
			if !stale[dayOf(f.RespondedAt.In(loc))] {
				out[key{f.Source, f.ResponseID}] = show(f)
			}
		}
		return out
	}
	a, b := index(stored), index(live)
	var out []string
	for k, va := range a {
		if vb, ok := b[k]; !ok || va != vb {
			out = append(out, fmt.Sprintf("survey %s/%s: stored %s, raw %s", k.source, k.id, va, vb))
		}
	}
	for k, vb := range b {
		if _, ok := a[k]; !ok {
			out = append(out, fmt.Sprintf("survey %s/%s: not stored, raw %s", k.source, k.id, vb))
		}
	}
	slices.Sort(out)
	return out
}
