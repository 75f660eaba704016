package digest

import (
	"cmp"
	"context"
	"slices"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/servicecard/servicecard/internal/domain"
	"github.com/servicecard/servicecard/metrics"
)

// TrendWeeks is how many weeks the executive trend shows, the digest's
// week last.
const TrendWeeks = 13

// How much recognition an executive digest quotes.
const (
	maxExecStars  = 6
	maxExecQuotes = 3
)

// pairs put each internal KPI next to the customer KPI it most affects,
// as the executive page does: handle time and promoters, speed of answer
// and satisfaction, transfers and effort.
var pairs = [][2]string{
	{metrics.IDAHT, metrics.IDNPS},
	{metrics.IDServiceLevel, metrics.IDCSAT},
	{metrics.IDTransferRate, metrics.IDCES},
}

// ExecutiveDigest is what an executive receives for one week: the
// organisation and its teams, never an agent's KPI (agents appear only
// by name, as service stars and in praise).
type ExecutiveDigest struct {
	Week     time.Time // Monday 00:00 in the business zone
	WeekEnd  time.Time // the Monday after
	WeekName string    // 2026-W44
	Range    string    // 26 Oct – 1 Nov 2026
	Zone     string

	Score, Internal, External *float64
	// ScoreChange etc. compare with the week before ("+3", "−1").
	ScoreChange, InternalChange, ExternalChange string
	Reason                                      string
	Contacts, Answers                           int64
	Pairs                                       [][2]Cell
	Trend                                       []TrendWeek
	Teams                                       []TeamRow
	Stars                                       []Person
	MoreStars                                   int
	Quotes                                      []Quote
}

// Cell is one KPI of a card as a digest shows it.
type Cell struct {
	ID, Name, Short string
	Value           string
	Target          string
	N               string
	Interval        string // "41 to 55"; empty without one
	Score           string // 0..100; empty when not scored
	Note            string // why not scored
	Met             bool   // at or beyond target
}

// TrendWeek is one week of the trend.
type TrendWeek struct {
	Start                     time.Time
	Label                     string
	Score, Internal, External *float64
	// Partial: the data does not cover the whole week (it starts within
	// it, or the week is not over).
	Partial bool
}

// TeamRow is one team in the comparison.
type TeamRow struct {
	Name                      string
	Score, Internal, External *float64
	NPS, ServiceLevel, AHT    Cell
	Reason                    string
}

// Person is an agent named for recognition.
type Person struct {
	AgentID, Name, Team string
}

// Quote is a customer's words about an agent.
type Quote struct {
	Person
	ResponseID string
	Comment    string
	Day        string
	Channel    string
	Rating     string
}

// ComposeExecutive gathers the executive digest of the week starting at
// week (a Monday in the business zone). now marks weeks not yet over as
// partial.
func ComposeExecutive(ctx context.Context, src Source, dir Directory, cfg metrics.Config, week, now time.Time) (*ExecutiveDigest, error) {
	loc := cfg.Location()
	end := metrics.Next(week, metrics.GrainWeek, loc)
	trendFrom := week
	for range TrendWeeks - 1 {
		trendFrom = metrics.Bucket(trendFrom.Add(-time.Hour), metrics.GrainWeek, loc)
	}
	var trend, days, teams []metrics.Card
	var rec domain.Recognition
	var names map[string]string
	var channels map[string]string
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() (err error) {
		trend, err = src.Scorecards(gctx, domain.ScorecardQuery{Level: metrics.LevelOrg, Grain: metrics.GrainWeek, From: trendFrom, To: end})
		return err
	})
	g.Go(func() (err error) {
		days, err = src.Scorecards(gctx, domain.ScorecardQuery{Level: metrics.LevelOrg, Grain: metrics.GrainDay, From: trendFrom, To: end})
		return err
	})
	g.Go(func() (err error) {
		teams, err = src.Scorecards(gctx, domain.ScorecardQuery{Level: metrics.LevelTeam, Grain: metrics.GrainWeek, From: week, To: end})
		return err
	})
	g.Go(func() (err error) {
		rec, err = src.Recognition(gctx, domain.RecognitionQuery{From: week, To: end})
		return err
	})
	if dir != nil {
		g.Go(func() (err error) { names, err = dir.AgentNames(gctx); return err })
		g.Go(func() (err error) { channels, err = dir.Channels(gctx, week, end); return err })
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	cat := metrics.Catalog(cfg)
	d := &ExecutiveDigest{Week: week, WeekEnd: end, WeekName: WeekName(week, loc), Range: dayRange(week, end, loc), Zone: loc.String()}

	byWeek := map[time.Time]metrics.Card{}
	for _, c := range trend {
		if c.Level == metrics.LevelOrg {
			byWeek[c.PeriodStart.UTC()] = c
		}
	}
	first := firstDataDay(days)
	for w := trendFrom; w.Before(end); w = metrics.Next(w, metrics.GrainWeek, loc) {
		c, ok := byWeek[w.UTC()]
		tw := TrendWeek{Start: w, Label: w.In(loc).Format("2 Jan")}
		if ok {
			tw.Score, tw.Internal, tw.External = c.Score, c.Internal, c.External
			wEnd := metrics.Next(w, metrics.GrainWeek, loc)
			tw.Partial = (!first.IsZero() && first.After(w)) || wEnd.After(now)
		}
		d.Trend = append(d.Trend, tw)
	}
	if c, ok := byWeek[week.UTC()]; ok {
		d.Score, d.Internal, d.External, d.Reason = c.Score, c.Internal, c.External, c.Reason
		d.Contacts = c.N[metrics.IDHandled]
		d.Answers = max(c.N[metrics.IDNPS], c.N[metrics.IDCSAT], c.N[metrics.IDCES])
		for _, p := range pairs {
			d.Pairs = append(d.Pairs, [2]Cell{cell(cat, c, p[0]), cell(cat, c, p[1])})
		}
		if prev, ok := byWeek[metrics.Bucket(week.Add(-time.Hour), metrics.GrainWeek, loc).UTC()]; ok {
			d.ScoreChange = change(c.Score, prev.Score)
			d.InternalChange = change(c.Internal, prev.Internal)
			d.ExternalChange = change(c.External, prev.External)
		}
	} else {
		d.Reason = "no contacts or surveys in this week"
	}

	for _, c := range teams {
		if c.Level != metrics.LevelTeam { // defence in depth: never an agent row
			continue
		}
		d.Teams = append(d.Teams, TeamRow{Name: c.Key, Score: c.Score, Internal: c.Internal, External: c.External,
			NPS: cell(cat, c, metrics.IDNPS), ServiceLevel: cell(cat, c, metrics.IDServiceLevel), AHT: cell(cat, c, metrics.IDAHT), Reason: c.Reason})
	}
	slices.SortStableFunc(d.Teams, func(a, b TeamRow) int {
		return cmp.Or(cmp.Compare(orMinus(b.Score), orMinus(a.Score)), cmp.Compare(a.Name, b.Name))
	})

	for _, s := range rec.Stars {
		if len(d.Stars) == maxExecStars {
			d.MoreStars++
			continue
		}
		d.Stars = append(d.Stars, person(s.AgentID, s.Team, names))
	}
	d.Quotes = quotes(rec.Praise, maxExecQuotes, names, channels, loc, true)
	return d, nil
}

func orMinus(v *float64) float64 {
	if v == nil {
		return -1
	}
	return *v
}

// firstDataDay is the first day with contacts or answers, zero if none.
func firstDataDay(days []metrics.Card) time.Time {
	var first time.Time
	for _, c := range days {
		if c.N[metrics.IDHandled] == 0 && c.N[metrics.IDOffered] == 0 && c.N[metrics.IDNPS] == 0 && c.N[metrics.IDCSAT] == 0 {
			continue
		}
		if first.IsZero() || c.PeriodStart.Before(first) {
			first = c.PeriodStart
		}
	}
	return first
}

func person(id, team string, names map[string]string) Person {
	p := Person{AgentID: id, Name: names[id], Team: team}
	if p.Name == "" {
		p.Name = id
	}
	return p
}

// quotes picks up to limit praise comments; spread takes at most one per
// agent first, so a digest does not quote one person three times.
func quotes(ss []metrics.Survey, limit int, names, channels map[string]string, loc *time.Location, spread bool) []Quote {
	var out []Quote
	seen := map[string]bool{}
	for pass := 0; pass < 2 && (limit <= 0 || len(out) < limit); pass++ {
		for _, s := range ss {
			if limit > 0 && len(out) == limit {
				break
			}
			if seen["r:"+s.ResponseID] || (spread && pass == 0 && seen[s.AgentID]) {
				continue
			}
			seen[s.AgentID], seen["r:"+s.ResponseID] = true, true
			out = append(out, Quote{Person: person(s.AgentID, s.Team, names), ResponseID: s.ResponseID,
				Comment: s.Comment, Day: s.RespondedAt.In(loc).Format("Mon 2 Jan"),
				Channel: channelName(channels[s.ResponseID]), Rating: rating(s)})
		}
		if !spread {
			break
		}
	}
	return out
}

func channelName(ch string) string {
	switch ch {
	case "":
		return "survey"
	case "voice":
		return "phone call"
	}
	return ch
}

// cell shows metric id of card c.
func cell(cat []metrics.Metric, c metrics.Card, id string) Cell {
	m := metrics.Metric{ID: id, Name: id}
	for _, x := range cat {
		if x.ID == id {
			m = x
		}
	}
	v := c.Metrics[id]
	out := Cell{ID: id, Name: m.Name, Short: shortName(m), Value: show(m.Unit, v), Target: goalText(m), N: nText(m, c.N[id])}
	if iv, ok := c.Intervals[id]; ok && v != nil {
		out.Interval = show(m.Unit, &iv.Low) + " to " + show(m.Unit, &iv.High)
	}
	for _, comp := range c.Components {
		if comp.Metric != id {
			continue
		}
		if comp.Score != nil {
			out.Score = score(comp.Score)
			out.Met = *comp.Score >= 100
		} else if comp.Insufficient {
			out.Note = "not scored: " + comp.Reason
		}
	}
	return out
}

var shortNames = map[string]string{
	metrics.IDAHT: "AHT", metrics.IDASA: "ASA", metrics.IDFCRRate: "FCR", metrics.IDNPS: "NPS",
	metrics.IDCSAT: "CSAT", metrics.IDCES: "CES", metrics.IDServiceLevel: "Service level", metrics.IDTransferRate: "Transfer rate",
}

func shortName(m metrics.Metric) string {
	if s, ok := shortNames[m.ID]; ok {
		return s
	}
	return m.Name
}
