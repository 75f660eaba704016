// Package scorecard is the scorecard engine: it reads the additive sums of
// ClickHouse (internal/chstore), turns them into metric values, blended
// scorecards, coaching opportunities and recognition with the pure math of
// package metrics, and writes snapshots back. It implements the services
// of package domain, which the HTTP API and the pages call.
package scorecard

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"

	"github.com/servicecard/servicecard/ingest"
	"github.com/servicecard/servicecard/internal/chstore"
	"github.com/servicecard/servicecard/internal/domain"
	"github.com/servicecard/servicecard/metrics"
)

// Engine computes scorecards from a store under one configuration.
type Engine struct {
	store   *chstore.Store
	cfg     metrics.Config
	log     *slog.Logger
	compute *prometheus.HistogramVec
	served  *prometheus.CounterVec
	now     func() time.Time
	dirty   chan struct{}
}

// Options configure an Engine.
type Options struct {
	Logger     *slog.Logger
	Registerer prometheus.Registerer // nil: metrics are not registered
	Now        func() time.Time      // nil: time.Now
}

// The engine implements every service of the domain.
var (
	_ domain.ScorecardService   = (*Engine)(nil)
	_ domain.CoachingService    = (*Engine)(nil)
	_ domain.RecognitionService = (*Engine)(nil)
	_ domain.ExportService      = (*Engine)(nil)
	_ domain.IngestService      = (*Engine)(nil)
	_ domain.ReadinessService   = (*Engine)(nil)
	_ domain.ComplaintService   = (*Engine)(nil)
)

// New returns an engine over st.
func New(st *chstore.Store, cfg metrics.Config, opt Options) *Engine {
	e := &Engine{store: st, cfg: cfg, log: opt.Logger, now: opt.Now, dirty: make(chan struct{}, 1)}
	st.UseConfig(cfg) // the store's writers keep the facts of this configuration
	if e.log == nil {
		e.log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if e.now == nil {
		e.now = time.Now
	}
	reg := opt.Registerer
	if reg == nil {
		reg = prometheus.NewRegistry()
	}
	e.compute = promauto.With(reg).NewHistogramVec(prometheus.HistogramOpts{
		Name:    "servicecard_scorecard_compute_duration_seconds",
		Help:    "Time to compute scorecards, by level and grain (grain \"range\": one period over the whole range).",
		Buckets: prometheus.ExponentialBuckets(0.005, 2, 12),
	}, []string{"level", "grain"})
	e.served = promauto.With(reg).NewCounterVec(prometheus.CounterOpts{
		Name: "servicecard_scorecard_requests_total",
		Help: "Scorecard computations by source: facts (the daily facts kept current at write time; days not computed yet are read live).",
	}, []string{"source"})
	return e
}

// Config is the configuration the engine computes under.
func (e *Engine) Config() metrics.Config { return e.cfg }

// Scorecards returns the cards of q's level and grain (an empty grain:
// one card per key over the whole range). Agent cards shrink their survey
// metrics toward their team's values of the same period.
func (e *Engine) Scorecards(ctx context.Context, q domain.ScorecardQuery) ([]metrics.Card, error) {
	start := time.Now()
	defer func() {
		g := string(q.Grain)
		if g == "" {
			g = "range"
		}
		e.compute.WithLabelValues(string(q.Level), g).Observe(time.Since(start).Seconds())
	}()
	e.served.WithLabelValues("facts").Inc()
	qm, err := e.queueMap(ctx)
	if err != nil {
		return nil, outage(err)
	}
	teams, within := q.Teams, []string(nil)
	if len(teams) > 0 && ownedByQueue(q.Level) {
		// A team's queue metrics include contacts of its queues that no
		// agent of the team touched (abandons): read every team, keep the
		// asked ones after booking queues to their owners.
		teams, within = nil, q.Teams
	}
	cq := chstore.CountsQueryFor(e.cfg, q.Level, q.Grain, q.From, q.To, teams)
	cq.Only = q.Level != metrics.LevelAgent // agent cards also need their teams' cards
	facts, err := e.store.Facts(ctx, cq)
	if err != nil {
		return nil, outage(err)
	}
	cards := e.cardsWithin(facts, qm, q.Level, q.Grain, q.From, within)
	metrics.MarkPartial(cards, q.From, q.To, e.now(), e.cfg.Location())
	return cards, nil
}

// cards scores the facts grouped by level and grain; team and site queue
// metrics come from the queues qm gives them.
func (e *Engine) cards(facts chstore.Facts, qm metrics.QueueMap, level metrics.Level, grain metrics.Grain, from time.Time) []metrics.Card {
	return e.cardsWithin(facts, qm, level, grain, from, nil)
}

// cardsWithin is cards restricted to the facts of teams (nil: all), taken
// after queue ownership applied.
func (e *Engine) cardsWithin(facts chstore.Facts, qm metrics.QueueMap, level metrics.Level, grain metrics.Grain, from time.Time, teams []string) []metrics.Card {
	loc := e.cfg.Location()
	byLevel := facts
	if ownedByQueue(level) {
		byLevel = facts.ByQueueOwner(qm)
		if teams != nil {
			byLevel = byLevel.OfTeams(teams)
		}
	}
	groups := byLevel.Group(level, grain, from, loc)
	var teamValues map[groupKey]map[string]metrics.Value
	if level == metrics.LevelAgent {
		teams := facts.ByQueueOwner(qm).Group(metrics.LevelTeam, grain, from, loc)
		teamValues = make(map[groupKey]map[string]metrics.Value, len(teams))
		for _, t := range teams {
			teamValues[groupKey{t.Key, t.PeriodStart.Unix()}] = metrics.Compute(t.Counts, e.cfg)
		}
	}
	cards := make([]metrics.Card, 0, len(groups))
	for _, g := range groups {
		opts := metrics.ScoreOptions{Level: level, Key: g.Key, Team: g.Team, Grain: grain, PeriodStart: g.PeriodStart}
		if teamValues != nil {
			opts.TeamValues = teamValues[groupKey{g.Team, g.PeriodStart.Unix()}]
		}
		values := metrics.Compute(g.Counts, e.cfg)
		if ownedByQueue(level) && qm.Len() == 0 {
			metrics.Unavailable(values, metrics.NoQueueMapReason)
		}
		cards = append(cards, metrics.Score(values, e.cfg, opts))
	}
	return cards
}

type groupKey struct {
	key    string
	period int64
}

// Coaching compares each agent of q's teams with team peers over [From,
// To) and with their own previous window of the same length.
func (e *Engine) Coaching(ctx context.Context, q domain.CoachingQuery) ([]metrics.Opportunity, error) {
	window := q.To.Sub(q.From)
	// One read covers both windows; each is grouped from its own days.
	facts, err := e.store.Facts(ctx, chstore.CountsQueryFor(e.cfg, metrics.LevelAgent, "", q.From.Add(-window), q.To, q.Teams))
	if err != nil {
		return nil, outage(err)
	}
	loc := e.cfg.Location()
	cur := facts.Between(q.From, q.To).Group(metrics.LevelAgent, "", q.From, loc)
	prev := facts.Between(q.From.Add(-window), q.From).Group(metrics.LevelAgent, "", q.From.Add(-window), loc)
	before := make(map[string]metrics.Counts, len(prev))
	for _, p := range prev {
		before[p.Key] = p.Counts
	}
	agents := make([]metrics.AgentWindow, 0, len(cur))
	for _, c := range cur {
		agents = append(agents, metrics.AgentWindow{AgentID: c.Key, Team: c.Team, Current: c.Counts, Previous: before[c.Key]})
	}
	out := metrics.Coach(agents, nil, e.cfg)
	if out == nil {
		out = []metrics.Opportunity{}
	}
	return out, nil
}

// Recognition finds the service stars of [From, To), the praise
// customers wrote, the Customer Service Weeks inside the range and the
// org's weekly trend. It reads the daily facts once, from the Monday of
// the first week, and groups them for each part.
func (e *Engine) Recognition(ctx context.Context, q domain.RecognitionQuery) (domain.Recognition, error) {
	loc := e.cfg.Location()
	wfrom := metrics.Bucket(q.From, metrics.GrainWeek, loc)
	facts, err := e.store.Facts(ctx, chstore.CountsQueryFor(e.cfg, metrics.LevelOrg, "", wfrom, q.To, q.Teams))
	if err != nil {
		return domain.Recognition{}, outage(err)
	}
	surveys, err := e.surveys(ctx, q.From, q.To, q.Teams)
	if err != nil {
		return domain.Recognition{}, outage(err)
	}
	qm, err := e.queueMap(ctx)
	if err != nil {
		return domain.Recognition{}, err
	}
	rec := domain.Recognition{}
	rec.Stars, rec.Praise = e.recognise(facts.Between(q.From, q.To), qm, q.From, surveys)
	rec.WeeklyTrend = e.weeklyTrend(facts, qm, wfrom, q.To)
	for y := q.From.In(loc).Year(); y <= q.To.In(loc).Year(); y++ {
		s, end := metrics.CustomerServiceWeek(y)
		start := time.Date(s.Year(), s.Month(), s.Day(), 0, 0, 0, 0, loc)
		stop := time.Date(end.Year(), end.Month(), end.Day(), 0, 0, 0, 0, loc)
		if start.Before(q.From) || stop.After(q.To) {
			continue
		}
		var week []metrics.Survey
		for _, sv := range surveys {
			if !sv.RespondedAt.Before(start) && sv.RespondedAt.Before(stop) {
				week = append(week, sv)
			}
		}
		wstars, wpraise := e.recognise(facts.Between(start, stop), qm, start, week)
		rec.CustomerServiceWeeks = append(rec.CustomerServiceWeeks, domain.ServiceWeek{Year: y, Start: start, End: stop, Stars: wstars, Praise: wpraise})
	}
	return rec, nil
}

// Complaints are the detractor and low-CSAT responses with comments of
// [From, To) attributed to agents of q's teams, newest first, for the
// supervisor's coaching page.
func (e *Engine) Complaints(ctx context.Context, q domain.RecognitionQuery) ([]metrics.Survey, error) {
	surveys, err := e.surveys(ctx, q.From, q.To, q.Teams)
	if err != nil {
		return nil, outage(err)
	}
	out := metrics.Complaints(surveys)
	if out == nil {
		out = []metrics.Survey{}
	}
	return out, nil
}

// weeklyTrend is the org's weekly cards from facts, Customer Service
// Week marked.
func (e *Engine) weeklyTrend(facts chstore.Facts, qm metrics.QueueMap, wfrom, to time.Time) []domain.TrendPoint {
	cards := e.cards(facts, qm, metrics.LevelOrg, metrics.GrainWeek, wfrom)
	metrics.MarkPartial(cards, wfrom, to, e.now(), e.cfg.Location())
	out := make([]domain.TrendPoint, 0, len(cards))
	for _, c := range cards {
		csw, _ := metrics.CustomerServiceWeek(c.PeriodStart.Year())
		out = append(out, domain.TrendPoint{WeekStart: c.PeriodStart, Score: c.Score, Internal: c.Internal,
			External: c.External, NPS: c.Metrics[metrics.IDNPS], NPSN: c.N[metrics.IDNPS], Partial: c.Partial,
			CustomerServiceWeek: c.PeriodStart.Format(time.DateOnly) == csw.Format(time.DateOnly)})
	}
	return out
}

// recognise picks the stars among the agents of facts (one period from
// from) and the praise among surveys.
func (e *Engine) recognise(facts chstore.Facts, qm metrics.QueueMap, from time.Time, surveys []metrics.Survey) ([]metrics.Star, []metrics.Survey) {
	byTeam := map[string]metrics.Card{}
	for _, c := range e.cards(facts, qm, metrics.LevelTeam, "", from) {
		byTeam[c.Key] = c
	}
	stars := metrics.Stars(e.cards(facts, qm, metrics.LevelAgent, "", from), byTeam, e.cfg)
	praise := metrics.Praise(surveys)
	if stars == nil {
		stars = []metrics.Star{}
	}
	if praise == nil {
		praise = []metrics.Survey{}
	}
	return stars, praise
}

// surveys are the attributed responses with comments of [from, to) in
// teams (all when empty): what praise and complaints choose from.
func (e *Engine) surveys(ctx context.Context, from, to time.Time, teams []string) ([]metrics.Survey, error) {
	facts, err := e.store.CommentedSurveyFacts(ctx, from, to)
	if err != nil {
		return nil, err
	}
	allowed := map[string]bool{}
	for _, t := range teams {
		allowed[t] = true
	}
	out := make([]metrics.Survey, 0, len(facts))
	for _, f := range facts {
		if len(allowed) > 0 && !allowed[f.Team] {
			continue
		}
		out = append(out, metrics.Survey{ResponseID: f.ResponseID, AgentID: f.AgentID, Team: f.Team,
			RespondedAt: f.RespondedAt, NPS: intPtr(f.NPS), CSAT: intPtr(f.CSAT), Comment: f.Comment})
	}
	return out, nil
}

func intPtr(v *uint8) *int {
	if v == nil {
		return nil
	}
	n := int(*v)
	return &n
}

// Export streams a table's rows of [From, To) to w.
func (e *Engine) Export(ctx context.Context, q domain.ExportQuery, w domain.RowWriter) error {
	return outage(e.store.Export(ctx, string(q.Table), q.From, q.To, w))
}

// outage marks an error that says ClickHouse is unreachable
// (chstore.Unavailable) as domain.ErrUnavailable, which the API and the
// pages answer with 503 and Retry-After instead of 500.
func outage(err error) error {
	if chstore.Unavailable(err) {
		return fmt.Errorf("%w: %w", domain.ErrUnavailable, err)
	}
	return err
}

// Ingest loads an HTTP body through the same path as files.
func (e *Engine) Ingest(ctx context.Context, req domain.IngestRequest, body io.Reader) (ingest.Summary, error) {
	id := req.BatchID
	if id == "" {
		id = chstore.NewBatchID()
	}
	file := req.File
	if file == "" {
		file = "http"
	}
	loc := req.Location
	if loc == nil {
		loc = e.cfg.Location()
	}
	b := ingest.Batch{ID: id, Source: req.Source, Kind: req.Kind, Format: req.Format, File: file}
	sum, err := ingest.Load(ctx, e.store, body, b, ingest.Options{File: file, Source: req.Source, Location: loc})
	if sum.RowsOK > 0 {
		e.markDirty()
	}
	if err != nil && errors.Is(err, ingest.ErrFormat) {
		return sum, fmt.Errorf("%w: %v", domain.ErrBadRequest, err)
	}
	if err != nil && chstore.Unavailable(err) {
		// The load could not record its outcome: its batch row may say
		// running, even when the outage cut the very insert that recorded
		// it. Mark it failed once ClickHouse answers again (a no-op when
		// no running row was stored).
		go e.markFailed(id, "interrupted: ClickHouse became unavailable during the load; rows flushed before it may be stored under this batch (send the file again to replace them)")
	}
	if err != nil && chstore.Unavailable(err) && sum.Duration == 0 {
		// No row was loaded (Load sets Duration once it parsed).
		return sum, domain.Note(outage(err), fmt.Sprintf("nothing was loaded; batch %s, if it was recorded as running, is marked failed as soon as ClickHouse answers again", id))
	}
	if err != nil && chstore.Unavailable(err) {
		return sum, domain.Note(outage(err), fmt.Sprintf("batch %s was cut off by a storage outage; it is marked failed as soon as ClickHouse answers again (rows flushed before the outage may be stored; send the file again to replace them)", id))
	}
	return sum, err
}

// Retrying markFailed: every markFailedEvery for at most markFailedFor.
var (
	markFailedEvery = 2 * time.Second
	markFailedFor   = time.Hour
)

// markFailed records batch id as failed with reason, retrying while
// ClickHouse does not answer.
func (e *Engine) markFailed(id, reason string) {
	deadline := time.Now().Add(markFailedFor)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		changed, err := e.store.MarkBatchFailed(ctx, id, reason)
		cancel()
		if err == nil {
			e.log.Info("ingest batch marked failed after an outage", "batch", id, "changed", changed)
			return
		}
		if time.Now().After(deadline) {
			e.log.Error("could not mark an interrupted ingest batch failed; it still says running", "batch", id, "err", err)
			return
		}
		time.Sleep(markFailedEvery)
	}
}

// Ready reports whether ClickHouse answers and the schema is current.
func (e *Engine) Ready(ctx context.Context) error {
	if err := e.store.Ping(ctx); err != nil {
		return fmt.Errorf("%w: ClickHouse does not answer", domain.ErrNotReady)
	}
	ok, err := e.store.Migrated(ctx)
	if err != nil || !ok {
		return fmt.Errorf("%w: schema migrations not applied", domain.ErrNotReady)
	}
	return nil
}

// Snapshot computes the cards of every level and grain whose periods
// overlap [from, to) and writes them to the scorecards table. It reads the
// daily facts once, over whole months, and groups them for each level
// and grain. It returns how many rows it wrote.
func (e *Engine) Snapshot(ctx context.Context, from, to time.Time) (int, error) {
	loc := e.cfg.Location()
	computedAt := e.now().UTC().Truncate(time.Second)
	// Read whole months, widened to whole weeks, so every period written
	// is complete: a snapshot of part of a week would replace the full one.
	wfrom := metrics.Bucket(metrics.Bucket(from, metrics.GrainMonth, loc), metrics.GrainWeek, loc)
	wto := metrics.Bucket(to, metrics.GrainMonth, loc)
	if wto.Before(to) {
		wto = metrics.Next(wto, metrics.GrainMonth, loc)
	}
	if w := metrics.Bucket(wto, metrics.GrainWeek, loc); w.Before(wto) {
		wto = metrics.Next(w, metrics.GrainWeek, loc)
	}
	facts, err := e.store.Facts(ctx, chstore.CountsQueryFor(e.cfg, metrics.LevelOrg, metrics.GrainDay, wfrom, wto, nil))
	if err != nil {
		return 0, fmt.Errorf("snapshot: %w", err)
	}
	qm, err := e.queueMap(ctx)
	if err != nil {
		return 0, fmt.Errorf("snapshot: %w", err)
	}
	total := 0
	for _, g := range []metrics.Grain{metrics.GrainDay, metrics.GrainWeek, metrics.GrainMonth} {
		// Every period wholly inside what was read is complete as of
		// computedAt: write them all and record exactly that coverage.
		pfrom := metrics.Bucket(wfrom, g, loc)
		if pfrom.Before(wfrom) {
			pfrom = metrics.Next(pfrom, g, loc)
		}
		pto := metrics.Bucket(wto, g, loc)
		for _, lv := range metrics.Levels() {
			var cards []metrics.Card
			for _, c := range e.cards(facts, qm, lv, g, wfrom) {
				if !c.PeriodStart.Before(pfrom) && c.PeriodStart.Before(pto) {
					cards = append(cards, c)
				}
			}
			if err := e.store.WriteScorecards(ctx, cards, computedAt); err != nil {
				return total, fmt.Errorf("snapshot %s %s: %w", lv, g, err)
			}
			total += len(cards)
		}
		if err := e.store.RecordSnapshotRun(ctx, g, pfrom, pto, e.cfg.Version(), computedAt); err != nil {
			return total, err
		}
	}
	e.log.Info("scorecard snapshot", "rows", total, "from", from.Format(time.DateOnly), "to", to.Format(time.DateOnly))
	return total, nil
}
