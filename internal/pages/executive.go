package pages

import (
	"errors"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"golang.org/x/sync/errgroup"

	"github.com/servicecard/servicecard/internal/auth"
	"github.com/servicecard/servicecard/internal/domain"
	"github.com/servicecard/servicecard/metrics"
)

// trendWeeks is how far back the executive trend reaches.
const trendWeeks = 52

// Recognition shown on the executive page.
const (
	maxStars  = 8
	maxPraise = 4
)

// pairs put each internal KPI next to the sentiment KPI it most affects:
// handle time and promoters, speed of answer and satisfaction, transfers
// and effort. The pairing is the product.
var pairs = [][2]string{
	{metrics.IDAHT, metrics.IDNPS},
	{metrics.IDServiceLevel, metrics.IDCSAT},
	{metrics.IDTransferRate, metrics.IDCES},
}

type executiveView struct {
	page
	Period    periodView
	Org       scoreTiles
	HasOrg    bool
	Pairs     []pairView
	KPIs      []kpiRow
	Teams     []teamRow
	Trend     trendChart
	ShowRecog bool
	Stars     []starView
	MoreStars int
	Praise    []surveyView
	CSWeeks   []csWeekView
	Mail      *mailView
}

type periodView struct {
	Label    string // "6 Oct – 2 Nov 2025"
	Zone     string
	From, To string // YYYY-MM-DD, to inclusive, for the form
	Default  bool
}

type scoreTiles struct {
	Score, Internal, External          metricCell
	Reason                             string
	Contacts, Answers                  string
	ScoreBar, InternalBar, ExternalBar float64
}

// metricCell is one metric of a card as shown.
type metricCell struct {
	ID           string
	Name         string
	Short        string
	Value        string
	Interval     string
	N            string
	Noun         string
	Target       string
	Score        string
	Bar          float64
	HasScore     bool
	Insufficient bool
	Note         string
}

type pairView struct {
	Internal, External metricCell
}

type kpiRow struct {
	metricCell
	Family string
}

type teamRow struct {
	Name                      string
	Score, Internal, External string
	ScoreBar                  float64
	HasScore                  bool
	NPS, AHT, ServiceLevel    metricCell
	Reason                    string
}

type starView struct {
	AgentID, Team string
}

type surveyView struct {
	Comment string
	AgentID string
	Team    string
	Day     string
	Rating  string
}

type csWeekView struct {
	Label  string
	Stars  []starView
	Praise int
}

func (p *Pages) executive(c echo.Context) error {
	pr, done, err := p.caller(c)
	if done {
		return err
	}
	switch {
	case pr.Role == auth.RoleSupervisor:
		return c.Redirect(http.StatusSeeOther, pathCoaching)
	case !execRole(pr.Role):
		return p.errorPage(c, http.StatusForbidden, "Not for this role", "Your role may not see the scorecard.")
	}
	loc := p.cfg.Location()
	v, err := readQuery(c.Request().URL.RawQuery, "from", "to")
	if err != nil {
		return p.badRequest(c, err)
	}
	def := p.defaultExecutivePeriod()
	per, err := readPeriod(v, def, 28, loc)
	if err != nil {
		return p.badRequest(c, err)
	}
	trendFrom := addDays(metrics.Bucket(per.To.Add(-time.Nanosecond), metrics.GrainWeek, loc), -7*(trendWeeks-1), loc)
	// Recognition names agents: shown to the roles the policy lets see it.
	showRecog := auth.Agents(pr.Role, auth.SurfaceRecognition) != auth.AgentNone

	var org, teams, trend []metrics.Card
	var rec domain.Recognition
	g, ctx := errgroup.WithContext(c.Request().Context())
	g.Go(func() (err error) {
		org, err = p.src.Scorecards(ctx, domain.ScorecardQuery{Level: metrics.LevelOrg, From: per.From, To: per.To})
		return err
	})
	g.Go(func() (err error) {
		teams, err = p.src.Scorecards(ctx, domain.ScorecardQuery{Level: metrics.LevelTeam, From: per.From, To: per.To})
		return err
	})
	g.Go(func() (err error) {
		trend, err = p.src.Scorecards(ctx, domain.ScorecardQuery{Level: metrics.LevelOrg, Grain: metrics.GrainWeek, From: trendFrom, To: per.To})
		return err
	})
	if showRecog {
		g.Go(func() (err error) {
			rec, err = p.src.Recognition(ctx, domain.RecognitionQuery{From: per.From, To: per.To})
			return err
		})
	}
	if err := g.Wait(); err != nil {
		return p.sourceError(c, err)
	}

	view := executiveView{
		page:      p.page("Service scorecard", pr, pathExecutive),
		Period:    p.periodView(per, per == def),
		Trend:     buildTrend(onlyLevel(trend, metrics.LevelOrg), trendFrom, per.To, loc),
		ShowRecog: showRecog,
	}
	view.Subtitle = view.Period.Label
	if cd, ok := firstOf(onlyLevel(org, metrics.LevelOrg)); ok {
		view.HasOrg = true
		view.Org = p.tiles(cd)
		for _, pair := range pairs {
			view.Pairs = append(view.Pairs, pairView{Internal: p.cell(cd, pair[0]), External: p.cell(cd, pair[1])})
		}
		for _, m := range p.cat {
			view.KPIs = append(view.KPIs, kpiRow{metricCell: p.cell(cd, m.ID), Family: string(m.Family)})
		}
	}
	teams = onlyLevel(teams, metrics.LevelTeam)
	slices.SortFunc(teams, func(a, b metrics.Card) int { return strings.Compare(a.Key, b.Key) })
	for _, cd := range teams {
		view.Teams = append(view.Teams, p.teamRow(cd))
	}
	if showRecog {
		view.Stars, view.MoreStars = starViews(rec.Stars, maxStars)
		view.Praise = p.surveyViews(rec.Praise, maxPraise, true)
		for _, w := range rec.CustomerServiceWeeks {
			sv, _ := starViews(w.Stars, maxStars)
			view.CSWeeks = append(view.CSWeeks, csWeekView{
				Label: "Customer Service Week " + w.Start.In(loc).Format("2006") + " (" + formatRange(w.Start, w.End.AddDate(0, 0, -1), loc) + ")",
				Stars: sv, Praise: len(w.Praise),
			})
		}
		view.Mail = p.mailLinks("executive", "", csYears(rec, per.To, loc))
	}
	return p.render(c, http.StatusOK, "executive", view)
}

// defaultExecutivePeriod is the last four full weeks (Monday to Sunday)
// of the business time zone.
func (p *Pages) defaultExecutivePeriod() period {
	loc := p.cfg.Location()
	to := metrics.Bucket(p.now(), metrics.GrainWeek, loc)
	return period{From: addDays(to, -28, loc), To: to}
}

func (p *Pages) periodView(per period, isDefault bool) periodView {
	loc := p.cfg.Location()
	return periodView{
		Label:   formatRange(per.From, per.To, loc),
		Zone:    loc.String(),
		From:    per.From.In(loc).Format(time.DateOnly),
		To:      per.To.In(loc).Add(-time.Nanosecond).Format(time.DateOnly),
		Default: isDefault,
	}
}

// onlyLevel keeps the cards of one level: whatever a Source returns, a
// page shows no row of another level (an executive page no agent rows).
func onlyLevel(cards []metrics.Card, lv metrics.Level) []metrics.Card {
	return slices.DeleteFunc(slices.Clone(cards), func(c metrics.Card) bool { return c.Level != lv })
}

func firstOf(cards []metrics.Card) (metrics.Card, bool) {
	if len(cards) == 0 {
		return metrics.Card{}, false
	}
	return cards[0], true
}

func (p *Pages) metric(id string) metrics.Metric {
	for _, m := range p.cat {
		if m.ID == id {
			return m
		}
	}
	return metrics.Metric{ID: id, Name: id}
}

// shortNames are the abbreviations contact centers use, for tiles and
// column heads a projector must show large.
var shortNames = map[string]string{
	metrics.IDAHT: "AHT", metrics.IDASA: "ASA", metrics.IDFCRRate: "FCR",
	metrics.IDNPS: "NPS", metrics.IDCSAT: "CSAT", metrics.IDCES: "CES",
}

func shortName(m metrics.Metric) string {
	if s, ok := shortNames[m.ID]; ok {
		return s
	}
	return m.Name
}

func component(cd metrics.Card, id string) *metrics.Component {
	for i := range cd.Components {
		if cd.Components[i].Metric == id {
			return &cd.Components[i]
		}
	}
	return nil
}

// cell shows one metric of a card: raw value, interval, n, target and
// the metric's score, or why it is insufficient.
func (p *Pages) cell(cd metrics.Card, id string) metricCell {
	m := p.metric(id)
	v := cd.Metrics[id]
	mc := metricCell{ID: id, Name: m.Name, Short: shortName(m), Value: formatValue(m.Unit, v), Target: formatTarget(m), Noun: sampleNoun(m)}
	if n, ok := cd.N[id]; ok {
		mc.N = formatN(m, n)
	}
	if iv, ok := cd.Intervals[id]; ok && v != nil {
		mc.Interval = formatInterval(m.Unit, &iv.Low, &iv.High)
	}
	if comp := component(cd, id); comp != nil {
		switch {
		case comp.Insufficient:
			mc.Insufficient = true
			if comp.MinN > 0 && comp.N < comp.MinN {
				mc.Note = "insufficient: n " + formatN(m, comp.N) + " < " + formatN(m, comp.MinN)
			} else {
				mc.Note = "insufficient"
			}
		case comp.Score != nil:
			mc.HasScore = true
			mc.Score = formatScore(comp.Score)
			mc.Bar = *comp.Score
		}
	} else if v == nil && m.Family != metrics.FamilyVolume {
		mc.Note = "no data"
	}
	return mc
}

func (p *Pages) tiles(cd metrics.Card) scoreTiles {
	t := scoreTiles{
		Score:    metricCell{Name: "Service score", Value: formatScore(cd.Score), HasScore: cd.Score != nil},
		Internal: metricCell{Name: "Operations", Value: formatScore(cd.Internal), HasScore: cd.Internal != nil},
		External: metricCell{Name: "Customers", Value: formatScore(cd.External), HasScore: cd.External != nil},
		Reason:   cd.Reason,
		Contacts: formatCount(cd.N[metrics.IDHandled]),
		Answers:  formatCount(maxN(cd, metrics.IDNPS, metrics.IDCSAT, metrics.IDCES)),
	}
	t.ScoreBar, t.InternalBar, t.ExternalBar = bar(cd.Score), bar(cd.Internal), bar(cd.External)
	return t
}

func bar(v *float64) float64 {
	if v == nil {
		return 0
	}
	return *v
}

func maxN(cd metrics.Card, ids ...string) int64 {
	var n int64
	for _, id := range ids {
		n = max(n, cd.N[id])
	}
	return n
}

func (p *Pages) teamRow(cd metrics.Card) teamRow {
	return teamRow{
		Name:         cd.Key,
		Score:        formatScore(cd.Score),
		Internal:     formatScore(cd.Internal),
		External:     formatScore(cd.External),
		ScoreBar:     bar(cd.Score),
		HasScore:     cd.Score != nil,
		NPS:          p.cell(cd, metrics.IDNPS),
		AHT:          p.cell(cd, metrics.IDAHT),
		ServiceLevel: p.cell(cd, metrics.IDServiceLevel),
		Reason:       cd.Reason,
	}
}

func starViews(stars []metrics.Star, limit int) ([]starView, int) {
	var out []starView
	for _, s := range stars {
		if len(out) == limit {
			break
		}
		out = append(out, starView{AgentID: s.AgentID, Team: s.Team})
	}
	return out, len(stars) - len(out)
}

// surveyViews shows up to limit responses with a comment; withTeam names
// the agent's team too (the coaching page is about one team).
func (p *Pages) surveyViews(ss []metrics.Survey, limit int, withTeam bool) []surveyView {
	loc := p.cfg.Location()
	var out []surveyView
	for _, s := range ss {
		if limit > 0 && len(out) == limit {
			break
		}
		if strings.TrimSpace(s.Comment) == "" {
			continue
		}
		var rating []string
		if s.NPS != nil {
			rating = append(rating, "NPS "+formatSigned(float64(*s.NPS)))
		}
		if s.CSAT != nil {
			rating = append(rating, "CSAT "+formatSigned(float64(*s.CSAT))+"/5")
		}
		sv := surveyView{Comment: clip(s.Comment), AgentID: s.AgentID, Day: formatDay(s.RespondedAt.In(loc)), Rating: strings.Join(rating, " · ")}
		if withTeam {
			sv.Team = s.Team
		}
		out = append(out, sv)
	}
	return out
}

// csYears are the years of the Customer Service Weeks to offer notes
// for: those in rec's range and, when it has none, the last one that
// began before to (every period has a Customer Service Week to look
// back on).
func csYears(rec domain.Recognition, to time.Time, loc *time.Location) []int {
	var ys []int
	for _, w := range rec.CustomerServiceWeeks {
		ys = append(ys, w.Start.In(loc).Year())
	}
	if len(ys) > 0 {
		return ys
	}
	y := to.In(loc).Year()
	if s, _ := metrics.CustomerServiceWeek(y); !time.Date(s.Year(), s.Month(), s.Day(), 0, 0, 0, 0, loc).Before(to) {
		y--
	}
	return []int{y}
}

// badRequest answers a page's bad input with a 400 page naming it.
func (p *Pages) badRequest(c echo.Context, err error) error {
	var ie *inputError
	if errors.As(err, &ie) {
		return p.errorPage(c, http.StatusBadRequest, "Check the address", ie.Error())
	}
	return p.fail(c, err)
}

// sourceError answers the Source's errors with the status the API would
// give them (domain.ErrorStatus): 400, 403, 404 or 503 with their message;
// anything else is a logged 500.
func (p *Pages) sourceError(c echo.Context, err error) error {
	status, _, msg := domain.ErrorStatus(err)
	switch {
	case status == http.StatusServiceUnavailable:
		p.log.Warn("page source unavailable", "err", err)
		return p.errorPage(c, status, "Not ready", "The data store is not reachable yet; try again in a minute.")
	case status >= 500:
		return p.fail(c, err)
	case status == http.StatusForbidden:
		return p.errorPage(c, status, "Not allowed", msg)
	case status == http.StatusNotFound:
		return p.errorPage(c, status, "Not found", msg)
	}
	return p.errorPage(c, status, "Check the address", msg)
}
