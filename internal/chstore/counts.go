package chstore

import (
	"bytes"
	"context"
	"embed"
	"fmt"
	"slices"
	"sort"
	"strings"
	"text/template"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"
	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

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
	// PlaceholderCustomers are customer ids, besides
	// DefaultPlaceholderCustomers, that name nobody (fcr.placeholder_customers).
	PlaceholderCustomers []string
	// Channels are the real-time channels queue metrics cover.
	Channels []string
	// Only says the facts will be grouped at Level alone, so dimensions
	// that level does not need may be summed away before they travel.
	Only bool
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
		FCRMode: cfg.FCR.Mode, FCRWindowDays: cfg.FCR.WindowDays, Channels: cfg.ServiceLevel.Channels,
		PlaceholderCustomers: cfg.FCR.PlaceholderCustomers,
	}
}

// DefaultPlaceholderCustomers are customer ids that name nobody (compared
// trimmed, in lower case); with CountsQuery.PlaceholderCustomers they are
// not customers: their contacts never count for repeat-contact FCR.
var DefaultPlaceholderCustomers = []string{"", "anonymous", "unknown", "0"}

// placeholders are the lower-case, trimmed customer ids of q that are not
// customers.
func (q CountsQuery) placeholders() []string {
	out := slices.Clone(DefaultPlaceholderCustomers)
	for _, p := range q.PlaceholderCustomers {
		out = append(out, strings.ToLower(strings.TrimSpace(p)))
	}
	return out
}

// countsView is what the counts_*.sql templates see.
type countsView struct {
	Teams         bool
	ServiceLevelS int // whitelisted: metrics.ServiceLevelThresholds
	ShortAbandonS int // whitelisted: metrics.ShortAbandonThresholds
	Facts         string
}

func validThreshold(v int, allowed []int) bool {
	for _, a := range allowed {
		if a == v {
			return true
		}
	}
	return false
}

// fact is the Counts of one business day, queue, team, site and agent,
// from one of the count queries. Every field of Counts is a sum, so any
// level and grain is a sum of facts.
type fact struct {
	day                      time.Time // local midnight in the business zone
	queue, team, site, agent string
	part                     string
	c                        metrics.Counts
}

// countParts are the count queries, each reading one family of inputs.
// Each returns the dimensions (countDims), then sums named after the
// metrics.Counts fields they fill; scanning goes by those names.
var countParts = []struct{ file string }{
	{"counts_contacts.sql"},
	{"counts_surveys.sql"},
	{"counts_occupancy.sql"},
	{"counts_adherence.sql"},
	{"counts_fcr.sql"},
}

// countDims are the leading columns of every count query.
var countDims = []string{"day", "queue_of", "team_of", "site_of", "agent_of"}

// countSums checks the columns of a count query, countDims then
// metrics.Counts field names, and returns the place in Counts.Fields of
// each sum.
func countSums(cols []string) ([]int, error) {
	if len(cols) < len(countDims) || !slices.Equal(cols[:len(countDims)], countDims) {
		return nil, fmt.Errorf("columns %v do not start with %v", cols, countDims)
	}
	sums := cols[len(countDims):]
	out := make([]int, len(sums))
	for i, name := range sums {
		j, ok := metrics.CountsFieldIndex(name)
		if !ok {
			return nil, fmt.Errorf("column %q is no metrics.Counts field", name)
		}
		if slices.Contains(sums[:i], name) {
			return nil, fmt.Errorf("column %q repeated", name)
		}
		out[i] = j
	}
	return out, nil
}

// scanFact scans one row of a count query into f; sums are the places in
// Counts.Fields of its sums (countSums).
func scanFact(rows driver.Rows, f *fact, day *time.Time, sums []int) error {
	fields := f.c.Fields()
	dest := make([]any, 0, len(countDims)+len(sums))
	dest = append(dest, day, &f.queue, &f.team, &f.site, &f.agent)
	for _, i := range sums {
		dest = append(dest, fields[i])
	}
	return rows.Scan(dest...)
}

// partRank is the place of a count query in countParts.
func partRank(file string) int {
	for i, p := range countParts {
		if p.file == file {
			return i
		}
	}
	return -1
}

// Counts returns the sums of every metric input for q, one GroupCounts per
// key and period that has any data, ordered by period then key.
//
// Each count query (the contacts rollup, the attributed surveys, agent
// states, schedules and, in fcr.mode repeat, the contacts of known
// customers) returns sums per business day, queue, team, site and agent;
// the level and grain asked for are sums of those, made here. At agent
// level a leg is the agent's contact, so HandledContacts is Handled.
func (s *Store) Counts(ctx context.Context, q CountsQuery) ([]GroupCounts, error) {
	facts, err := s.Facts(ctx, q)
	if err != nil {
		return nil, err
	}
	return facts.Group(q.Level, q.Grain, q.From, q.Location), nil
}

// Facts are the daily sums behind Counts, fetched once and grouped as
// often as needed (a snapshot groups them by every level and grain).
type Facts []fact

// Between keeps the facts of the business days in [from, to).
func (facts Facts) Between(from, to time.Time) Facts {
	out := make(Facts, 0, len(facts))
	for _, f := range facts {
		if !f.day.Before(metrics.Bucket(from, metrics.GrainDay, f.day.Location())) && f.day.Before(to) {
			out = append(out, f)
		}
	}
	return out
}

// Group sums facts by level and grain (an empty grain: one period over
// the whole range, starting at from) in the business zone loc.
func (facts Facts) Group(level metrics.Level, grain metrics.Grain, from time.Time, loc *time.Location) []GroupCounts {
	q := CountsQuery{Level: level, Grain: grain, From: from}
	if loc == nil {
		loc = time.UTC
	}
	type agg struct {
		g        *GroupCounts
		teamDay  time.Time
		teamRank int
	}
	groups := map[groupKey]*agg{}
	for i := range facts {
		f := &facts[i]
		var key string
		switch q.Level {
		case metrics.LevelOrg:
			key = "org"
		case metrics.LevelSite:
			key = f.site
		case metrics.LevelTeam:
			key = f.team
		case metrics.LevelQueue:
			key = f.queue
			if f.part == "counts_occupancy.sql" || f.part == "counts_adherence.sql" {
				continue // agent time has no queue
			}
		case metrics.LevelAgent:
			key = f.agent
		}
		if key == "" {
			continue
		}
		start := q.From
		if q.Grain != "" {
			start = metrics.Bucket(f.day, q.Grain, loc)
		}
		k := groupKey{key, start.Unix()}
		a, ok := groups[k]
		if !ok {
			a = &agg{g: &GroupCounts{Key: key, PeriodStart: start}}
			groups[k] = a
		}
		c := f.c
		if q.Level == metrics.LevelAgent {
			c.HandledContacts = c.Handled
			// The agent's team is the one of its latest day in the period;
			// on that day, the one of the latest count query (countParts
			// order), then the greatest name: the same whatever order the
			// facts come in.
			if r := partRank(f.part); f.team != "" && (f.day.After(a.teamDay) ||
				f.day.Equal(a.teamDay) && (r > a.teamRank || r == a.teamRank && f.team > a.g.Team)) {
				a.g.Team, a.teamDay, a.teamRank = f.team, f.day, r
			}
		}
		a.g.Counts.Add(c)
	}
	out := make([]GroupCounts, 0, len(groups))
	for _, a := range groups {
		out = append(out, *a.g)
	}
	sort.Slice(out, func(i, j int) bool {
		if !out[i].PeriodStart.Equal(out[j].PeriodStart) {
			return out[i].PeriodStart.Before(out[j].PeriodStart)
		}
		return out[i].Key < out[j].Key
	})
	return out
}

// Facts returns the daily facts of q's range and teams (q's level and
// grain are only validated: Facts.Group applies them). A range of whole
// business days is read from the stored facts (facts.go), the days not
// computed yet live; any other range is computed live.
func (s *Store) Facts(ctx context.Context, q CountsQuery) (Facts, error) {
	if err := q.validate(); err != nil {
		return nil, err
	}
	p, err := s.plan(ctx, q)
	if err != nil {
		return nil, err
	}
	if !p.wholeRange {
		return s.liveFacts(ctx, q)
	}
	out, err := s.storedFacts(ctx, p)
	if err != nil {
		return nil, err
	}
	live, err := s.liveRuns(ctx, p)
	if err != nil {
		return nil, err
	}
	return append(out, live...), nil
}

// validate checks q's level, grain and thresholds.
func (q CountsQuery) validate() error {
	if _, ok := map[metrics.Level]bool{metrics.LevelOrg: true, metrics.LevelSite: true, metrics.LevelTeam: true,
		metrics.LevelQueue: true, metrics.LevelAgent: true}[q.Level]; !ok {
		return fmt.Errorf("%w %q", metrics.ErrUnknownLevel, q.Level)
	}
	switch q.Grain {
	case "", metrics.GrainDay, metrics.GrainWeek, metrics.GrainMonth:
	default:
		return fmt.Errorf("%w %q", metrics.ErrUnknownGrain, q.Grain)
	}
	if !validThreshold(q.ServiceLevelS, metrics.ServiceLevelThresholds) {
		return fmt.Errorf("chstore: service level threshold %d s is not one of %v", q.ServiceLevelS, metrics.ServiceLevelThresholds)
	}
	if !validThreshold(q.ShortAbandonS, metrics.ShortAbandonThresholds) {
		return fmt.Errorf("chstore: short abandon threshold %d s is not one of %v", q.ShortAbandonS, metrics.ShortAbandonThresholds)
	}
	return nil
}

// liveFacts runs the count queries over the raw tables for q's range and
// teams.
func (s *Store) liveFacts(ctx context.Context, q CountsQuery) (Facts, error) {
	if err := q.validate(); err != nil {
		return nil, err
	}
	loc := q.Location
	if loc == nil {
		loc = time.UTC
	}
	repeatFCR := q.FCRMode == metrics.FCRRepeat
	var out Facts
	for _, p := range countParts {
		if p.file == "counts_fcr.sql" && !repeatFCR {
			continue
		}
		rows, sums, err := s.queryCounts(ctx, q, p.file)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			f := fact{part: p.file}
			var day time.Time
			if err := scanFact(rows, &f, &day, sums); err != nil {
				rows.Close()
				return nil, fmt.Errorf("chstore: %s: %w", p.file, err)
			}
			f.day = time.Date(day.Year(), day.Month(), day.Day(), 0, 0, 0, 0, loc)
			if p.file == "counts_contacts.sql" && repeatFCR {
				// The rollup's resolved flags are the flag mode's input.
				f.c.FCRKnown, f.c.FCRResolved = 0, 0
			}
			out = append(out, f)
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return nil, fmt.Errorf("chstore: %s: %w", p.file, err)
		}
	}
	return out, nil
}

// queryCounts runs the count query file over the raw tables for q's range
// and teams, and returns its rows with the places in Counts.Fields of its
// sums (countSums). The caller closes the rows.
func (s *Store) queryCounts(ctx context.Context, q CountsQuery, file string) (driver.Rows, []int, error) {
	loc := q.Location
	if loc == nil {
		loc = time.UTC
	}
	v := countsView{
		Teams:         len(q.Teams) > 0,
		ServiceLevelS: q.ServiceLevelS,
		ShortAbandonS: q.ShortAbandonS,
		Facts:         strings.TrimRight(strings.TrimSpace(surveyFactsSQL), ";"),
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
		clickhouse.Named("teams", q.Teams),
		clickhouse.Named("channels", q.Channels),
		clickhouse.Named("placeholders", q.placeholders()),
	}
	var b bytes.Buffer
	if err := countsTmpl.ExecuteTemplate(&b, file, v); err != nil {
		return nil, nil, fmt.Errorf("chstore: %s: %w", file, err)
	}
	rows, err := s.conn.Query(ctx, b.String(), args...)
	if err != nil {
		return nil, nil, fmt.Errorf("chstore: %s: %w", file, err)
	}
	sums, err := countSums(rows.Columns())
	if err != nil {
		rows.Close()
		return nil, nil, fmt.Errorf("chstore: %s: %w", file, err)
	}
	return rows, sums, nil
}

type groupKey struct {
	key    string
	period int64
}
