package chstore

// Daily facts, kept current at write time.
//
// Every scorecard, coaching window and recognition answer is a sum of
// daily facts: metrics.Counts per business day, part (the count query it
// comes from), queue, team, site and agent, in facts_daily, and the
// attributed survey responses per business day in facts_surveys. Their
// size grows with days × keys, never with contacts.
//
// How they stay exact, whatever crashes:
//
//  1. Before a flush inserts raw rows, the writer marks the UTC days
//     those rows (and the stored rows they cancel) fall on as dirty in
//     facts_marks, and marks them again after the insert, with the
//     survey days whose attribution the flush's contacts can change.
//     A mark's version is the time it was written.
//  2. A refresh recomputes every stale business day (one that a dirty
//     mark newer than its current generation touches) from the raw rows,
//     with the same count queries that answer live, and writes the
//     result as a new generation: rows tagged gen, then one clean mark
//     per day whose version is gen. A generation without its clean mark
//     (a refresh cut off) is never read; of two refreshes at once the
//     later-numbered wins whole. Nothing is ever updated in place, so no
//     interrupted write can leave a sum half-changed.
//  3. Readers read each day's current generation; a day that a dirty mark
//     touches but that has no generation yet is computed live.
//
// Each load refreshes when its writer closes, so its rows are in every
// answer as soon as the load returns, unless it left more than
// loadRefreshDays days stale (a backfill); serve refreshes those, and
// whatever a process that died left stale (RefreshFacts with a minimum
// age), within seconds. A
// generation is numbered by the time its refresh began, before it read
// anything: a dirty mark written before that time follows an insert that
// had finished, so the refresh saw its rows; one written later keeps the
// day stale. Marks and generations from several hosts are compared by
// their clocks, which must agree (NTP) to within the time between an
// INSERT's end and the mark after it.
//
// Which raw rows a business day's facts read: contacts started that day
// (and, for repeat-contact FCR, the contacts of the next window days),
// surveys answered that day with the legs of their contacts, agent states
// and schedules starting that day, and the roster. So a dirty UTC day
// touches the business days it overlaps and, in repeat FCR mode, the
// window days before them; a roster load marks every day.

import (
	"bytes"
	"context"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"text/template"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"
	"github.com/ClickHouse/clickhouse-go/v2/ext"

	"github.com/servicecard/servicecard/metrics"
)

//go:embed queries/facts_*.sql
var factsFS embed.FS

var factsTmpl = template.Must(template.ParseFS(factsFS, "queries/facts_*.sql"))

const (
	// refreshSpanDays bounds the days one refresh step reads at once.
	refreshSpanDays = 31
	dayS            = 24 * 60 * 60
	// lastDay is past any date a record may carry (2100-01-01) and
	// inside ClickHouse's Date range.
	lastDay dayNum = 47482
)

// dayNum is a date as days since 1970-01-01: a UTC day for dirty marks,
// a business date for facts.
type dayNum int32

func dayOf(t time.Time) dayNum {
	y, m, d := t.Date()
	return dayNum(time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix() / dayS)
}

func (d dayNum) date() time.Time { return time.Unix(int64(d)*dayS, 0).UTC() }

func (d dayNum) String() string { return d.date().Format(time.DateOnly) }

// midnight is the start of business date d in loc.
func (d dayNum) midnight(loc *time.Location) time.Time {
	y, m, dd := d.date().Date()
	return time.Date(y, m, dd, 0, 0, 0, 0, loc)
}

// UseConfig sets the configuration whose facts this store's writers keep
// current (time zone, thresholds, FCR rule). Every process of a
// deployment should run under the same configuration: facts are stored
// per configuration fingerprint, and answers under another one are
// computed live until it is refreshed.
func (s *Store) UseConfig(cfg metrics.Config) {
	q := CountsQueryFor(cfg, metrics.LevelOrg, "", time.Time{}, time.Time{}, nil)
	s.factsQ.Store(&q)
}

// factsQuery is the configuration facts are refreshed under.
func (s *Store) factsQuery() CountsQuery {
	if q := s.factsQ.Load(); q != nil {
		return *q
	}
	return CountsQueryFor(metrics.Default(), metrics.LevelOrg, "", time.Time{}, time.Time{}, nil)
}

// fingerprint names everything the facts of q depend on besides the raw
// rows: the business zone and the thresholds and FCR rule of the count
// queries.
func (q CountsQuery) fingerprint() string {
	loc := q.Location
	if loc == nil {
		loc = time.UTC
	}
	ph := q.placeholders()
	sort.Strings(ph)
	ch := slices.Clone(q.Channels)
	sort.Strings(ch)
	window := 0
	if q.FCRMode == metrics.FCRRepeat {
		window = q.FCRWindowDays
	}
	sum := sha256.Sum256(fmt.Appendf(nil, "tz=%s sl=%d sa=%d fcr=%s/%d ph=%q ch=%q",
		loc, q.ServiceLevelS, q.ShortAbandonS, q.FCRMode, window, ph, ch))
	return hex.EncodeToString(sum[:8])
}

// reach is how many business days before a dirty day its raw rows can
// change: the FCR window in repeat mode.
func (q CountsQuery) reach() dayNum {
	if q.FCRMode == metrics.FCRRepeat {
		return dayNum(q.FCRWindowDays)
	}
	return 0
}

// touches returns the business dates (first, last) whose facts rows of
// UTC day d can change.
func (q CountsQuery) touches(d dayNum) (dayNum, dayNum) {
	loc := q.Location
	if loc == nil {
		loc = time.UTC
	}
	start := time.Unix(int64(d)*dayS, 0)
	first := dayOf(start.In(loc))
	last := dayOf(start.Add(dayS*time.Second - time.Nanosecond).In(loc))
	return first - q.reach(), last
}

// marks are the facts marks of a range: the newest dirty mark of each UTC
// day and the current generation of each business day.
type marks struct {
	dirty map[dayNum]uint64
	clean map[dayNum]uint64
}

// readMarks reads the marks of config between from and to (dates, both
// included).
func (s *Store) readMarks(ctx context.Context, config string, from, to dayNum) (marks, error) {
	m := marks{dirty: map[dayNum]uint64{}, clean: map[dayNum]uint64{}}
	sql, err := factsSQL("facts_marks.sql", nil)
	if err != nil {
		return m, err
	}
	rows, err := s.conn.Query(ctx, sql, clickhouse.Named("config", config),
		clickhouse.Named("from", from.String()), clickhouse.Named("to", to.String()))
	if err != nil {
		return m, fmt.Errorf("chstore: read facts marks: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var (
			kind string
			day  time.Time
			v    uint64
		)
		if err := rows.Scan(&kind, &day, &v); err != nil {
			return m, fmt.Errorf("chstore: read facts marks: %w", err)
		}
		if kind == "dirty" {
			m.dirty[dayOf(day)] = v
		} else {
			m.clean[dayOf(day)] = v
		}
	}
	if err := rows.Err(); err != nil {
		return m, fmt.Errorf("chstore: read facts marks: %w", err)
	}
	return m, nil
}

// stale returns, sorted, the business dates of q that a dirty mark
// written before notAfter and newer than their generation touches.
func (m marks) stale(q CountsQuery, notAfter uint64) []dayNum {
	set := map[dayNum]bool{}
	for d, v := range m.dirty {
		if v > notAfter {
			continue
		}
		first, last := q.touches(d)
		for b := first; b <= last; b++ {
			if m.clean[b] < v {
				set[b] = true
			}
		}
	}
	return sortedDays(set)
}

// unknown returns, sorted, the business dates in [from, to] that a dirty
// mark touches and that have no generation yet: they must be computed
// live.
func (m marks) unknown(q CountsQuery, from, to dayNum) []dayNum {
	set := map[dayNum]bool{}
	for d := range m.dirty {
		first, last := q.touches(d)
		for b := max(first, from); b <= min(last, to); b++ {
			if m.clean[b] == 0 {
				set[b] = true
			}
		}
	}
	return sortedDays(set)
}

func sortedDays(set map[dayNum]bool) []dayNum {
	out := make([]dayNum, 0, len(set))
	for d := range set {
		out = append(out, d)
	}
	slices.Sort(out)
	return out
}

// runs splits sorted days into runs of consecutive days, each at most
// span long.
func runs(days []dayNum, span int) [][2]dayNum {
	var out [][2]dayNum
	for i := 0; i < len(days); {
		j := i + 1
		for j < len(days) && days[j] == days[j-1]+1 && j-i < span {
			j++
		}
		out = append(out, [2]dayNum{days[i], days[j-1]})
		i = j
	}
	return out
}

// markDirty records the UTC days as dirty, now.
func (s *Store) markDirty(ctx context.Context, days []dayNum) error {
	if len(days) == 0 {
		return nil
	}
	n := len(days)
	dates := make([]time.Time, n)
	for i, d := range days {
		dates[i] = d.date()
	}
	v := uint64(time.Now().UnixNano())
	err := s.insertColumns(s.writeContext(ctx), insertMarks,
		[]any{repeat("dirty", n), repeat("", n), dates, repeat(v, n)})
	if err != nil {
		return fmt.Errorf("chstore: mark facts dirty: %w", err)
	}
	return nil
}

const insertMarks = "INSERT INTO facts_marks (kind, config, day, version)"

// MarkAllDirty marks every day that holds raw rows dirty, so the next
// refresh recomputes every fact (`servicecard facts rebuild`; needed
// after rows were written around the writer, e.g. INSERT ... SELECT).
func (s *Store) MarkAllDirty(ctx context.Context) error {
	sql, err := factsSQL("facts_mark_all.sql", nil)
	if err != nil {
		return err
	}
	if err := s.conn.Exec(s.writeContext(ctx), sql, clickhouse.Named("version", uint64(time.Now().UnixNano()))); err != nil {
		return fmt.Errorf("chstore: mark every day dirty: %w", err)
	}
	return nil
}

// RefreshFacts recomputes the facts of every business day that is stale
// under the store's configuration and whose newest dirty mark is at least
// minAge old (0: every stale day; serve uses 15 s, so it leaves alone the
// days a running load is still writing: each flush marks its days). It returns the days refreshed. One
// refresh runs at a time per store.
func (s *Store) RefreshFacts(ctx context.Context, minAge time.Duration) ([]time.Time, error) {
	days, _, err := s.refreshFacts(ctx, minAge, 0, nil)
	return days, err
}

// RebuildFacts marks every day stale and refreshes them all: for rows
// written past servicecard (INSERT … SELECT by hand, the bench's
// generator) or a changed configuration (`servicecard facts rebuild`).
func (s *Store) RebuildFacts(ctx context.Context) ([]time.Time, error) {
	if err := s.MarkAllDirty(ctx); err != nil {
		return nil, err
	}
	return s.RefreshFacts(ctx, 0)
}

// loadRefreshDays is the most stale days a load refreshes itself when it
// closes (one refresh step): daily and weekly loads are in the answers
// when they return, while a backfill of months hands its days to serve's
// background refresh rather than multiplying its own time (`make
// bench`'s ingest table prints both for a 2M-row file over 99 days). Until then those days answer from their previous
// generation, or live when they have none.
const loadRefreshDays = refreshSpanDays

// refreshFacts is RefreshFacts of the stale business days that the UTC
// days only touch (nil: every stale day); with most > 0 it refreshes
// nothing when more than most such days are stale, and says how many
// (skipped).
func (s *Store) refreshFacts(ctx context.Context, minAge time.Duration, most int, only []dayNum) (_ []time.Time, skipped int, _ error) {
	s.refreshMu.Lock()
	defer s.refreshMu.Unlock()
	q := s.factsQuery()
	config := q.fingerprint()
	m, err := s.readMarks(ctx, config, 0, lastDay)
	if err != nil {
		return nil, 0, err
	}
	days := m.stale(q, uint64(time.Now().Add(-minAge).UnixNano()))
	if only != nil {
		touched := map[dayNum]bool{}
		for _, d := range only {
			first, last := q.touches(d)
			for b := first; b <= last; b++ {
				touched[b] = true
			}
		}
		days = slices.DeleteFunc(days, func(d dayNum) bool { return !touched[d] })
	}
	if most > 0 && len(days) > most {
		return nil, len(days), nil
	}
	start := time.Now()
	for _, r := range runs(days, refreshSpanDays) {
		if err := s.refreshSpan(ctx, q, config, r[0], r[1]); err != nil {
			return nil, 0, err
		}
	}
	out := make([]time.Time, len(days))
	for i, d := range days {
		out[i] = d.midnight(q.Location)
	}
	if len(days) > 0 {
		s.log.Debug("facts refreshed", "days", len(days), "first", days[0], "last", days[len(days)-1],
			"took", time.Since(start).Round(time.Millisecond))
	}
	return out, 0, nil
}

// refreshSpan writes a new generation of the business dates first..last.
func (s *Store) refreshSpan(ctx context.Context, q CountsQuery, config string, first, last dayNum) error {
	gen := uint64(time.Now().UnixNano())
	loc := q.Location
	if loc == nil {
		loc = time.UTC
	}
	q.From, q.To, q.Teams = first.midnight(loc), (last + 1).midnight(loc), nil
	facts, err := s.liveFacts(ctx, q)
	if err != nil {
		return fmt.Errorf("chstore: refresh facts %s..%s: %w", first, last, err)
	}
	surveys, err := s.liveSurveyFacts(ctx, q.From, q.To)
	if err != nil {
		return fmt.Errorf("chstore: refresh facts %s..%s: %w", first, last, err)
	}
	wctx := s.writeContext(ctx)
	if err := s.writeFacts(wctx, config, gen, facts); err != nil {
		return fmt.Errorf("chstore: refresh facts %s..%s: %w", first, last, err)
	}
	if err := s.writeSurveyFacts(wctx, config, gen, loc, surveys); err != nil {
		return fmt.Errorf("chstore: refresh facts %s..%s: %w", first, last, err)
	}
	n := int(last - first + 1)
	dates := make([]time.Time, n)
	for i := range n {
		dates[i] = (first + dayNum(i)).date()
	}
	if err := s.insertColumns(wctx, insertMarks, []any{repeat("clean", n), repeat(config, n), dates, repeat(gen, n)}); err != nil {
		return fmt.Errorf("chstore: refresh facts %s..%s: mark clean: %w", first, last, err)
	}
	return nil
}

// factColumns are facts_daily's value columns, in metrics.Counts order.
var factColumns = metrics.CountsFieldNames()

func (s *Store) writeFacts(ctx context.Context, config string, gen uint64, facts Facts) error {
	if len(facts) == 0 {
		return nil
	}
	n := len(facts)
	days := make([]time.Time, n)
	part, queue, team, site, agent := make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	sums := make([][]int64, len(factColumns))
	for j := range sums {
		sums[j] = make([]int64, n)
	}
	for i := range facts {
		f := &facts[i]
		days[i] = dayOf(f.day).date()
		part[i], queue[i], team[i], site[i], agent[i] = f.part, f.queue, f.team, f.site, f.agent
		for j, p := range f.c.Fields() {
			sums[j][i] = *p
		}
	}
	values := []any{repeat(config, n), days, repeat(gen, n), part, queue, team, site, agent}
	for _, col := range sums {
		values = append(values, col)
	}
	insert := "INSERT INTO facts_daily (config, day, gen, part, queue, team, site, agent_id, " +
		strings.Join(factColumns, ", ") + ")"
	if err := s.insertColumns(ctx, insert, values); err != nil {
		return fmt.Errorf("write facts_daily: %w", err)
	}
	return nil
}

const insertSurveyFacts = "INSERT INTO facts_surveys (config, day, gen, source, response_id, responded_at, " +
	"agent_id, team, site, queue, nps, csat, ces, comment, contact_id, linked)"

func (s *Store) writeSurveyFacts(ctx context.Context, config string, gen uint64, loc *time.Location, fs []SurveyFact) error {
	if len(fs) == 0 {
		return nil
	}
	n := len(fs)
	days, at := make([]time.Time, n), make([]time.Time, n)
	src, id, agent, team, site, queue, comment, contact := make([]string, n), make([]string, n),
		make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	nps, csat, ces := make([]*uint8, n), make([]*uint8, n), make([]*uint8, n)
	linked := make([]uint8, n)
	for i, f := range fs {
		days[i], at[i] = dayOf(f.RespondedAt.In(loc)).date(), f.RespondedAt.UTC()
		src[i], id[i], agent[i], team[i], site[i], queue[i] = f.Source, f.ResponseID, f.AgentID, f.Team, f.Site, f.Queue
		nps[i], csat[i], ces[i], comment[i], contact[i] = f.NPS, f.CSAT, f.CES, f.Comment, f.ContactID
		if f.Linked {
			linked[i] = 1
		}
	}
	err := s.insertColumns(ctx, insertSurveyFacts, []any{repeat(config, n), days, repeat(gen, n), src, id, at,
		agent, team, site, queue, nps, csat, ces, comment, contact, linked})
	if err != nil {
		return fmt.Errorf("write facts_surveys: %w", err)
	}
	return nil
}

// factsSQL renders one of the facts_*.sql templates.
func factsSQL(name string, v any) (string, error) {
	var b bytes.Buffer
	if err := factsTmpl.ExecuteTemplate(&b, name, v); err != nil {
		return "", fmt.Errorf("chstore: %s: %w", name, err)
	}
	return b.String(), nil
}

// plan says how to read the business dates [from, to] of q: the dates
// with no generation that a dirty mark touches are computed live, in
// runs; every other date is read from its current generation (a date
// nothing ever touched has no rows).
type plan struct {
	q          CountsQuery
	config     string
	from, to   dayNum
	live       []dayNum
	loc        *time.Location
	wholeRange bool // q's range is whole business days
}

func (s *Store) plan(ctx context.Context, q CountsQuery) (plan, error) {
	loc := q.Location
	if loc == nil {
		loc = time.UTC
	}
	p := plan{q: q, config: q.fingerprint(), loc: loc}
	from, to := q.From.In(loc), q.To.In(loc)
	p.wholeRange = !from.IsZero() && to.After(from) && isMidnight(from) && isMidnight(to)
	if !p.wholeRange {
		return p, nil
	}
	p.from, p.to = dayOf(from), dayOf(to)-1
	// Dirty marks of UTC days up to a day around the range, and the
	// window after it, can touch it.
	m, err := s.readMarks(ctx, p.config, p.from-1, p.to+q.reach()+1)
	if err != nil {
		return p, err
	}
	p.live = m.unknown(q, p.from, p.to)
	return p, nil
}

func isMidnight(t time.Time) bool {
	h, m, sec := t.Clock()
	return h == 0 && m == 0 && sec == 0 && t.Nanosecond() == 0
}

// liveStrings are the live dates as the SQL compares them.
func (p plan) liveStrings() []string {
	out := make([]string, len(p.live))
	for i, d := range p.live {
		out[i] = d.String()
	}
	return out
}

// in is the IN operator: GLOBAL on a cluster, so the subquery over the
// distributed marks runs once.
func (s *Store) in() string {
	if s.cluster != "" {
		return "GLOBAL IN"
	}
	return "IN"
}

// storedFacts reads the current generations of p's dates not computed
// live, folding the dimensions q.Only says are not needed.
func (s *Store) storedFacts(ctx context.Context, p plan) (Facts, error) {
	q := p.q
	sums := make([]string, len(factColumns))
	for i, c := range factColumns {
		sums[i] = "toInt64(sum(" + c + "))"
	}
	keep := dims(q)
	sql, err := factsSQL("facts_daily.sql", map[string]any{
		"Queue": keep.queue, "Team": keep.team, "Site": keep.site, "Agent": keep.agent,
		"Sums": strings.Join(sums, ",\n    "), "In": s.in(), "Live": len(p.live) > 0, "Teams": len(q.Teams) > 0,
	})
	if err != nil {
		return nil, err
	}
	rows, err := s.conn.Query(ctx, sql, clickhouse.Named("config", p.config),
		clickhouse.Named("from", p.from.String()), clickhouse.Named("to", p.to.String()),
		clickhouse.Named("live", p.liveStrings()), clickhouse.Named("teams", q.Teams))
	if err != nil {
		return nil, fmt.Errorf("chstore: read facts: %w", err)
	}
	defer rows.Close()
	var out Facts
	for rows.Next() {
		var f fact
		var day time.Time
		dest := append([]any{&day, &f.part, &f.queue, &f.team, &f.site, &f.agent}, anys(f.c.Fields())...)
		if err := rows.Scan(dest...); err != nil {
			return nil, fmt.Errorf("chstore: read facts: %w", err)
		}
		f.day = dayOf(day).midnight(p.loc)
		out = append(out, f)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("chstore: read facts: %w", err)
	}
	return out, nil
}

func anys(ps []*int64) []any {
	out := make([]any, len(ps))
	for i, p := range ps {
		out[i] = p
	}
	return out
}

// keepDims are the fact dimensions a caller groups by.
type keepDims struct{ queue, team, site, agent bool }

// dims: with q.Only the facts are grouped at q.Level alone, so the other
// dimensions can be summed away in ClickHouse; team and site keep the
// queue (queue ownership books queue metrics by it).
func dims(q CountsQuery) keepDims {
	if !q.Only {
		return keepDims{true, true, true, true}
	}
	switch q.Level {
	case metrics.LevelOrg:
		return keepDims{}
	case metrics.LevelQueue:
		return keepDims{queue: true}
	case metrics.LevelTeam, metrics.LevelSite:
		return keepDims{queue: true, team: true, site: true}
	}
	return keepDims{true, true, true, true}
}

// liveRuns computes the facts of p's live dates with the count queries.
func (s *Store) liveRuns(ctx context.Context, p plan) (Facts, error) {
	var out Facts
	for _, r := range runs(p.live, 1<<30) {
		q := p.q
		q.From, q.To = r[0].midnight(p.loc), (r[1] + 1).midnight(p.loc)
		f, err := s.liveFacts(ctx, q)
		if err != nil {
			return nil, err
		}
		out = append(out, f...)
	}
	return out, nil
}

// linkDays returns the UTC days of the survey responses whose
// attribution contacts with these ids and roots can change.
// linkChunk bounds the ids of one survey-link query. Each query scans
// the roots of contacts once, so a flush sends its ids in one query
// (a flush holds at most FlushRows contacts: 200,000 by default) rather
// than in the replace lookups' chunks of 32,768.
const linkChunk = 1 << 20

func (s *Store) linkDays(ctx context.Context, ids []string) ([]dayNum, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	sql, err := factsSQL("facts_links.sql", map[string]any{"In": s.in()})
	if err != nil {
		return nil, err
	}
	var out []dayNum
	for len(ids) > 0 {
		chunk := ids[:min(len(ids), linkChunk)]
		ids = ids[len(chunk):]
		tbl, err := ext.NewTable("link_ids", ext.Column("id", "String"))
		if err != nil {
			return nil, fmt.Errorf("chstore: survey links: %w", err)
		}
		blk := tbl.Block()
		if _, err := blk.Columns[0].Append(chunk); err != nil {
			return nil, fmt.Errorf("chstore: survey links: %w", err)
		}
		rows, err := s.conn.Query(clickhouse.Context(ctx, clickhouse.WithExternalTable(tbl)), sql)
		if err != nil {
			return nil, fmt.Errorf("chstore: survey links: %w", err)
		}
		for rows.Next() {
			var d time.Time
			if err := rows.Scan(&d); err != nil {
				rows.Close()
				return nil, fmt.Errorf("chstore: survey links: %w", err)
			}
			out = append(out, dayOf(d))
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return nil, fmt.Errorf("chstore: survey links: %w", err)
		}
	}
	return out, nil
}

// touched collects what one flush changes, for the facts marks: the UTC
// days of its rows (those already marked dirty before their insert), the
// contact ids and roots whose responses it can re-attribute, and whether
// it holds roster rows (they change every day's attribution).
type touched struct {
	mu     sync.Mutex
	days   map[dayNum]bool // true: marked before the insert
	links  map[string]bool
	roster bool
}

func newTouched() *touched {
	return &touched{days: map[dayNum]bool{}, links: map[string]bool{}}
}

// bookedRows are rows a flush sends: each is booked to a day, and a
// contact links the responses of its id and root.
type bookedRows interface {
	bookedAt(i int) uint32
	links(i int) (id, root string, ok bool)
}

// before marks the days of rows [from, to) where send is set (send nil:
// all) dirty unless already marked, and notes their links. It runs
// before those rows are inserted.
func (t *touched) before(ctx context.Context, s *Store, rows bookedRows, send []bool, from, to int) error {
	var fresh []dayNum
	t.mu.Lock()
	for i := from; i < to; i++ {
		if send != nil && !send[i] {
			continue
		}
		d := dayNum(rows.bookedAt(i) / dayS)
		if !t.days[d] {
			t.days[d] = true
			fresh = append(fresh, d)
		}
		if id, root, ok := rows.links(i); ok {
			t.links[id] = true
			if root != "" {
				t.links[root] = true
			}
		}
	}
	t.mu.Unlock()
	return s.markDirty(ctx, fresh)
}

// beforeDays marks days dirty unless already marked.
func (t *touched) beforeDays(ctx context.Context, s *Store, days []dayNum) error {
	var fresh []dayNum
	t.mu.Lock()
	for _, d := range days {
		if !t.days[d] {
			t.days[d] = true
			fresh = append(fresh, d)
		}
	}
	t.mu.Unlock()
	return s.markDirty(ctx, fresh)
}

// after marks again, once the rows are in, every day the flush touched
// and the days of the responses its contacts can re-attribute (or every
// day, for roster rows).
func (t *touched) after(ctx context.Context, s *Store) ([]dayNum, error) {
	if t.roster {
		return nil, s.MarkAllDirty(ctx)
	}
	days := make([]dayNum, 0, len(t.days))
	for d := range t.days {
		days = append(days, d)
	}
	if len(t.links) > 0 {
		ids := make([]string, 0, len(t.links))
		for id := range t.links {
			ids = append(ids, id)
		}
		slices.Sort(ids)
		linked, err := s.linkDays(ctx, ids)
		if err != nil {
			return nil, err
		}
		days = append(days, linked...)
	}
	slices.Sort(days)
	days = slices.Compact(days)
	return days, s.markDirty(ctx, days)
}

// FactsVersions returns the current generation of every business day
// that has one under the store's configuration, by the day's midnight in
// its zone. A day whose generation changed has new facts: serve
// re-snapshots its periods.
func (s *Store) FactsVersions(ctx context.Context) (map[time.Time]uint64, error) {
	q := s.factsQuery()
	m, err := s.readMarks(ctx, q.fingerprint(), 0, lastDay)
	if err != nil {
		return nil, err
	}
	loc := q.Location
	if loc == nil {
		loc = time.UTC
	}
	out := make(map[time.Time]uint64, len(m.clean))
	for d, v := range m.clean {
		out[d.midnight(loc)] = v
	}
	return out, nil
}

// CollectFacts deletes the facts generations, older than age, that are
// no longer current (serve runs it every few minutes with an hour). Single
// server only: on a cluster the old generations stay, unread, until an
// operator deletes them (README, Cluster).
func (s *Store) CollectFacts(ctx context.Context, age time.Duration) error {
	if s.cluster != "" {
		return nil
	}
	before := uint64(time.Now().Add(-age).UnixNano())
	for _, table := range []string{"facts_daily", "facts_surveys"} {
		sql, err := factsSQL("facts_collect.sql", map[string]any{"Table": table})
		if err != nil {
			return err
		}
		if err := s.conn.Exec(ctx, sql, clickhouse.Named("before", before)); err != nil {
			return fmt.Errorf("chstore: collect old %s generations: %w", table, err)
		}
	}
	return nil
}
