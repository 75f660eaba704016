package digest

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/servicecard/servicecard/internal/domain"
	"github.com/servicecard/servicecard/metrics"
)

// maxSupervisorQuotes bounds the praise and the complaints quoted per
// team (the thank-you list counts them all).
const maxSupervisorQuotes = 8

// SupervisorDigest is what one supervisor receives for one week: for
// each of their teams and nothing else, the coaching opportunities of the
// trailing coaching window with their evidence, what customers wrote
// (praise and complaints), and who earned a thank-you note.
type SupervisorDigest struct {
	Recipient Recipient
	Week      time.Time
	WeekEnd   time.Time
	WeekName  string
	Range     string
	Window    string // the coaching window, "6 Oct – 2 Nov 2026"
	Zone      string
	Teams     []TeamDigest
}

// TeamDigest is one team's part of a supervisor digest.
type TeamDigest struct {
	Team           string
	Opportunities  []Coaching
	Praise         []Quote
	MorePraise     int
	Complaints     []Quote
	MoreComplaints int
	ThankYous      []ThankYou
}

// Coaching is one opportunity as shown.
type Coaching struct {
	Person
	Kind      string
	Focus     string
	Customers string
	Evidence  []Evidence
}

// Evidence is one comparison behind an opportunity.
type Evidence struct {
	Measure, Against, Agent, Baseline, N, Interval, Test string
}

// ThankYou is an agent customers praised this week, with how often.
type ThankYou struct {
	Person
	Comments int
	Star     bool
}

// ComposeSupervisor gathers the digest of r's teams for the week starting
// at week. Whatever the Source returns, nothing of another team is kept.
func ComposeSupervisor(ctx context.Context, src Source, dir Directory, cfg metrics.Config, r Recipient, week time.Time) (*SupervisorDigest, error) {
	loc := cfg.Location()
	end := metrics.Next(week, metrics.GrainWeek, loc)
	windowDays := cfg.Coaching.WindowDays
	if windowDays <= 0 {
		windowDays = 28
	}
	wy, wm, wd := end.In(loc).Date()
	wFrom := time.Date(wy, wm, wd-windowDays, 0, 0, 0, 0, loc)
	d := &SupervisorDigest{Recipient: r, Week: week, WeekEnd: end, WeekName: WeekName(week, loc),
		Range: dayRange(week, end, loc), Window: dayRange(wFrom, end, loc), Zone: loc.String()}
	teams := slices.Clone(r.Teams)
	var ops []metrics.Opportunity
	var rec domain.Recognition
	var complaints []metrics.Survey
	var names, channels map[string]string
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() (err error) {
		ops, err = src.Coaching(gctx, domain.CoachingQuery{From: wFrom, To: end, Teams: teams})
		return err
	})
	g.Go(func() (err error) {
		rec, err = src.Recognition(gctx, domain.RecognitionQuery{From: week, To: end, Teams: teams})
		return err
	})
	g.Go(func() (err error) {
		complaints, err = src.Complaints(gctx, domain.RecognitionQuery{From: week, To: end, Teams: teams})
		return err
	})
	if dir != nil {
		g.Go(func() (err error) { names, err = dir.AgentNames(gctx); return err })
		g.Go(func() (err error) { channels, err = dir.Channels(gctx, week, end); return err })
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	for _, team := range teams {
		td := TeamDigest{Team: team}
		for _, o := range ops {
			if o.Team == team {
				td.Opportunities = append(td.Opportunities, coaching(o, names))
			}
		}
		praise := ofTeam(rec.Praise, team)
		td.Praise = quotes(praise, maxSupervisorQuotes, names, channels, loc, true)
		td.MorePraise = len(praise) - len(td.Praise)
		bad := ofTeam(complaints, team)
		td.Complaints = quotes(bad, maxSupervisorQuotes, names, channels, loc, false)
		td.MoreComplaints = len(bad) - len(td.Complaints)
		td.ThankYous = thankYous(praise, rec.Stars, team, names)
		d.Teams = append(d.Teams, td)
	}
	return d, nil
}

func ofTeam(ss []metrics.Survey, team string) []metrics.Survey {
	var out []metrics.Survey
	for _, s := range ss {
		if s.Team == team {
			out = append(out, s)
		}
	}
	return out
}

// thankYous lists the agents of team with praise this week (and the
// service stars), most praised first.
func thankYous(praise []metrics.Survey, stars []metrics.Star, team string, names map[string]string) []ThankYou {
	by := map[string]*ThankYou{}
	for _, s := range praise {
		t := by[s.AgentID]
		if t == nil {
			t = &ThankYou{Person: person(s.AgentID, team, names)}
			by[s.AgentID] = t
		}
		t.Comments++
	}
	for _, s := range stars {
		if s.Team != team {
			continue
		}
		t := by[s.AgentID]
		if t == nil {
			t = &ThankYou{Person: person(s.AgentID, team, names)}
			by[s.AgentID] = t
		}
		t.Star = true
	}
	out := make([]ThankYou, 0, len(by))
	for _, t := range by {
		out = append(out, *t)
	}
	slices.SortFunc(out, func(a, b ThankYou) int {
		return cmp.Or(cmp.Compare(b.Comments, a.Comments), cmp.Compare(a.Name, b.Name))
	})
	return out
}

var kindLabels = map[metrics.CoachingKind]string{
	metrics.FastButUnhappy:    "Fast but unhappy customers",
	metrics.LongHolds:         "Long holds",
	metrics.FrequentTransfers: "Frequent transfers",
	metrics.RepeatContacts:    "Repeat contacts",
	metrics.FallingNPS:        "Falling NPS",
	metrics.LowAdherence:      "Low schedule adherence",
}

var measureLabels = map[string]string{
	"detractor_share": "Detractor share", "mean_hold_s": "Mean hold", "nps_change": "NPS change",
	metrics.IDAHT: "Handle time", metrics.IDNPS: "NPS", metrics.IDTransferRate: "Transfer rate",
	metrics.IDHoldRate: "Hold rate", metrics.IDFCRRate: "First contact resolution", metrics.IDAdherence: "Adherence",
}

func coaching(o metrics.Opportunity, names map[string]string) Coaching {
	c := Coaching{Person: person(o.AgentID, o.Team, names), Kind: kindLabels[o.Kind], Focus: o.Focus,
		Customers: fmt.Sprintf("about %.0f customers affected", math.Round(o.CustomersAffected))}
	if c.Kind == "" {
		c.Kind = strings.ReplaceAll(string(o.Kind), "_", " ")
	}
	for _, e := range o.Evidence {
		ev := Evidence{Measure: measureLabels[e.Measure], Against: "rest of team", Agent: measureValue(e.Measure, e.AgentValue),
			Baseline: measureValue(e.Measure, e.BaselineValue), N: thousands(e.N) + " vs " + thousands(e.BaselineN)}
		if e.Measure == metrics.IDAdherence { // scheduled seconds: hours read better
			ev.N = thousands(e.N/3600) + " h vs " + thousands(e.BaselineN/3600) + " h"
		}
		if ev.Measure == "" {
			ev.Measure = e.Measure
		}
		if e.Against == "previous_window" {
			ev.Against = "own previous window"
		}
		if e.Low != nil && e.High != nil {
			ev.Interval = measureValue(e.Measure, *e.Low) + " to " + measureValue(e.Measure, *e.High)
		}
		if e.P != nil && e.Z != nil {
			ev.Test = fmt.Sprintf("z = %.2f, %s", *e.Z, pValue(*e.P))
		}
		c.Evidence = append(c.Evidence, ev)
	}
	return c
}

func pValue(p float64) string {
	if p < 0.001 {
		return "p < 0.001"
	}
	return fmt.Sprintf("p = %.3f", p)
}

// measureValue shows an evidence value: shares as %, seconds as m:ss,
// NPS signed.
func measureValue(measure string, v float64) string {
	switch measure {
	case metrics.IDAHT, "mean_hold_s":
		return show(metrics.UnitSeconds, &v)
	case metrics.IDNPS, "nps_change":
		return signed(v)
	}
	return show(metrics.UnitRatio, &v)
}
