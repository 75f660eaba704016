package chstore

import (
	"bytes"
	"context"
	"embed"
	"fmt"
	"sort"
	"strings"
	"text/template"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"

	"github.com/servicecard/servicecard/metrics"
)

//go:embed queries/counts_*.sql
var countsFS embed.FS

var countsTmpl = template.Must(template.ParseFS(countsFS, "queries/counts_*.sql"))

// CountsQuery asks for the additive sums behind scorecards.
type CountsQuery struct {
	Level metrics.Level
	// Grain buckets periods in Location; empty sums the whole range into
	// one period that starts at From.
	Grain    metrics.Grain
	From, To time.Time
	Location *time.Location
	// Teams restricts to these teams (empty: all).
	Teams []string
	// ServiceLevelS and ShortAbandonS pick the rollup's threshold columns;
	// FCRMode and FCRWindowDays choose how first contact resolution is read.
	ServiceLevelS int
	ShortAbandonS int
	FCRMode       string
	FCRWindowDays int
}

// GroupCounts is the Counts of one level key in one period. Team is the
// agent's team at agent level.
type GroupCounts struct {
	Key         string
	Team        string
	PeriodStart time.Time
	Counts      metrics.Counts
}

// CountsQueryFor fills the thresholds of q from cfg.
func CountsQueryFor(cfg metrics.Config, level metrics.Level, grain metrics.Grain, from, to time.Time, teams []string) CountsQuery {
	return CountsQuery{
		Level: level, Grain: grain, From: from, To: to, Location: cfg.Location(), Teams: teams,
		ServiceLevelS: cfg.ServiceLevel.ThresholdS, ShortAbandonS: cfg.ShortAbandonS,
		FCRMode: cfg.FCR.Mode, FCRWindowDays: cfg.FCR.WindowDays,
	}
}

// levelKeys are the only key expressions a query may group by.
var levelKeys = map[metrics.Level]string{
	metrics.LevelOrg:   "'org'",
	metrics.LevelSite:  "site",
	metrics.LevelTeam:  "team",
	metrics.LevelQueue: "queue",
	metrics.LevelAgent: "agent_id",
}

// periodFuncs bucket a UTC DateTime column into business-time periods.
var periodFuncs = map[metrics.Grain]string{
	metrics.GrainDay:   "toDate(%s, @tz)",
	metrics.GrainWeek:  "toMonday(%s, @tz)",
	metrics.GrainMonth: "toStartOfMonth(%s, @tz)",
	"":                 "toDate(@from_date)",
}

// countsView is what the counts_*.sql templates see.
type countsView struct {
	Key            string
	Agent, Org     bool
	Teams          bool
	AnsweredWithin string
	ShortAbandons  string
	Facts          string
	grain          metrics.Grain
}

// Period is the period expression of column col.
func (v countsView) Period(col string) string {
	f := periodFuncs[v.grain]
	if v.grain == "" {
		return f
	}
	return fmt.Sprintf(f, col)
}

func validThreshold(v int, allowed []int) bool {
	for _, a := range allowed {
		if a == v {
			return true
		}
	}
	return false
}

// Counts returns the sums of every metric input for q, one GroupCounts per
// key and period that has any data, ordered by period then key. It reads
// the contacts rollup, the attributed surveys, agent states and
// schedules, and (fcr.mode repeat) the contacts of known customers.
func (s *Store) Counts(ctx context.Context, q CountsQuery) ([]GroupCounts, error) {
	key, ok := levelKeys[q.Level]
	if !ok {
		return nil, fmt.Errorf("%w %q", metrics.ErrUnknownLevel, q.Level)
	}
	if _, ok := periodFuncs[q.Grain]; !ok {
		return nil, fmt.Errorf("%w %q", metrics.ErrUnknownGrain, q.Grain)
	}
	if !validThreshold(q.ServiceLevelS, metrics.ServiceLevelThresholds) {
		return nil, fmt.Errorf("chstore: no rollup column for a service level threshold of %d s", q.ServiceLevelS)
	}
	if !validThreshold(q.ShortAbandonS, metrics.ShortAbandonThresholds) {
		return nil, fmt.Errorf("chstore: no rollup column for a short abandon threshold of %d s", q.ShortAbandonS)
	}
	loc := q.Location
	if loc == nil {
		loc = time.UTC
	}
	v := countsView{
		Key: key, Agent: q.Level == metrics.LevelAgent, Org: q.Level == metrics.LevelOrg,
		Teams:          len(q.Teams) > 0,
		AnsweredWithin: fmt.Sprintf("answered_within_%d", q.ServiceLevelS),
		Facts:          strings.TrimRight(strings.TrimSpace(surveyFactsSQL), ";"),
		grain:          q.Grain,
	}
	if q.ShortAbandonS > 0 {
		v.ShortAbandons = fmt.Sprintf("short_abandons_%d", q.ShortAbandonS)
	}
	window := time.Duration(q.FCRWindowDays) * 24 * time.Hour
	args := []any{
		clickhouse.Named("from", q.From.UTC()),
		clickhouse.Named("to", q.To.UTC()),
		clickhouse.Named("from_day", q.From.UTC().Add(-24*time.Hour)),
		clickhouse.Named("to_day", q.To.UTC().Add(24*time.Hour)),
		clickhouse.Named("to_window", q.To.UTC().Add(window)),
		clickhouse.Named("window_s", int64(window/time.Second)),
		clickhouse.Named("tz", loc.String()),
		clickhouse.Named("from_date", q.From.In(loc).Format("2006-01-02")),
		clickhouse.Named("teams", q.Teams),
	}

	groups := map[groupKey]*GroupCounts{}
	get := func(key, team string, period time.Time) *GroupCounts {
		k := groupKey{key, period.Format("2006-01-02")}
		g, ok := groups[k]
		if !ok {
			start := time.Date(period.Year(), period.Month(), period.Day(), 0, 0, 0, 0, loc)
			if q.Grain == "" {
				start = q.From
			}
			g = &GroupCounts{Key: key, PeriodStart: start}
			groups[k] = g
		}
		if g.Team == "" {
			g.Team = team
		}
		return g
	}

	type part struct {
		file string
		scan func(c *metrics.Counts) []any
	}
	parts := []part{
		{"counts_contacts.sql", func(c *metrics.Counts) []any {
			return []any{&c.Offered, &c.Answered, &c.Abandoned, &c.WaitAnsweredS, &c.AnsweredWithin,
				&c.ShortAbandons, &c.HandledContacts, &c.Legs, &c.Handled, &c.HandleS, &c.TalkS, &c.HoldS,
				&c.AcwS, &c.Transferred, &c.Held, &c.FCRKnown, &c.FCRResolved}
		}},
		{"counts_surveys.sql", func(c *metrics.Counts) []any {
			return []any{&c.SurveysLinked, &c.NPSN, &c.Promoters, &c.Detractors, &c.CSATN, &c.CSATSatisfied,
				&c.CESN, &c.CESSum, &c.CESSumSq}
		}},
	}
	if q.Level != metrics.LevelQueue { // agent time has no queue
		parts = append(parts,
			part{"counts_occupancy.sql", func(c *metrics.Counts) []any { return []any{&c.OccupiedS, &c.AvailableS} }},
			part{"counts_adherence.sql", func(c *metrics.Counts) []any { return []any{&c.ScheduledS, &c.AdherentS} }})
	}
	repeatFCR := q.FCRMode == metrics.FCRRepeat
	if repeatFCR {
		parts = append(parts, part{"counts_fcr.sql", func(c *metrics.Counts) []any { return []any{&c.FCRKnown, &c.FCRResolved} }})
	}
	for _, p := range parts {
		var b bytes.Buffer
		if err := countsTmpl.ExecuteTemplate(&b, p.file, v); err != nil {
			return nil, fmt.Errorf("chstore: %s: %w", p.file, err)
		}
		rows, err := s.conn.Query(ctx, b.String(), args...)
		if err != nil {
			return nil, fmt.Errorf("chstore: %s: %w", p.file, err)
		}
		for rows.Next() {
			var key, team string
			var period time.Time
			var c metrics.Counts
			if err := rows.Scan(append([]any{&key, &team, &period}, p.scan(&c)...)...); err != nil {
				rows.Close()
				return nil, fmt.Errorf("chstore: %s: %w", p.file, err)
			}
			g := get(key, team, period)
			if p.file == "counts_contacts.sql" && repeatFCR {
				// The rollup's resolved flags are the flag mode's input.
				c.FCRKnown, c.FCRResolved = 0, 0
			}
			g.Counts.Add(c)
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return nil, fmt.Errorf("chstore: %s: %w", p.file, err)
		}
	}
	out := make([]GroupCounts, 0, len(groups))
	for _, g := range groups {
		out = append(out, *g)
	}
	sort.Slice(out, func(i, j int) bool {
		if !out[i].PeriodStart.Equal(out[j].PeriodStart) {
			return out[i].PeriodStart.Before(out[j].PeriodStart)
		}
		return out[i].Key < out[j].Key
	})
	return out, nil
}

type groupKey struct{ key, period string }
