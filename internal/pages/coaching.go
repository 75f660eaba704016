package pages

import (
	"math"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"
	"golang.org/x/sync/errgroup"

	"github.com/servicecard/servicecard/internal/auth"
	"github.com/servicecard/servicecard/internal/domain"
	"github.com/servicecard/servicecard/metrics"
)

// maxPraiseCoaching bounds the praise and complaints listed for a team.
const maxPraiseCoaching = 12

type coachingView struct {
	page
	Period        periodView
	Window        int
	Team          string
	Teams         []navLink
	Opportunities []opportunityView
	TeamRow       *agentRow
	Agents        []agentRow
	Praise        []surveyView
	Complaints    []surveyView
	HasComplaints bool
	Mail          *mailView
}

type opportunityView struct {
	AgentID   string
	Kind      string
	Focus     string
	Customers string
	Evidence  []evidenceRow
}

type evidenceRow struct {
	Measure  string
	Against  string
	Agent    string
	Baseline string
	N        string
	Interval string
	P        string
}

type agentRow struct {
	AgentID            string
	Score              string
	ScoreBar           float64
	HasScore           bool
	Internal, External string
	AHT, NPS, Transfer metricCell
	Flags              []string
}

// kindLabels name the coaching kinds for people.
var kindLabels = map[metrics.CoachingKind]string{
	metrics.FastButUnhappy:    "Fast but unhappy customers",
	metrics.LongHolds:         "Long holds",
	metrics.FrequentTransfers: "Frequent transfers",
	metrics.RepeatContacts:    "Repeat contacts",
	metrics.FallingNPS:        "Falling NPS",
	metrics.LowAdherence:      "Low schedule adherence",
}

func kindLabel(k metrics.CoachingKind) string {
	if l, ok := kindLabels[k]; ok {
		return l
	}
	return strings.ReplaceAll(string(k), "_", " ")
}

func (p *Pages) coaching(c echo.Context) error {
	pr, done, err := p.caller(c)
	if done {
		return err
	}
	// Real agent ids of the caller's own teams (auth.Policy); admins, who
	// have no teams, use the API.
	if auth.Agents(pr.Role, auth.SurfaceCoaching) != auth.AgentOwnTeams || len(pr.Teams) == 0 {
		return p.errorPage(c, http.StatusForbidden, "For supervisors only",
			"The coaching page shows agent-level results, to supervisors and only for their own teams. "+
				"Your role ("+string(pr.Role)+") sees the service scorecard instead.")
	}
	v, err := readQuery(c.Request().URL.RawQuery, "team", "to")
	if err != nil {
		return p.badRequest(c, err)
	}
	team := pr.Teams[0]
	if t := v.Get("team"); t != "" {
		team = t
	}
	if !pr.SeesAgentsOf(team) {
		return p.errorPage(c, http.StatusForbidden, "Not your team",
			"Team "+strconv.Quote(domain.Printable(team))+" is not one of your teams ("+strings.Join(pr.Teams, ", ")+").")
	}
	loc := p.cfg.Location()
	// The API's default window: the last full days up to yesterday.
	window, from, to := domain.CoachingWindow(p.cfg, p.now())
	def := period{From: from, To: to}
	per, err := readPeriod(v, def, window, loc)
	if err != nil {
		return p.badRequest(c, err)
	}
	teams := []string{team}

	var ops []metrics.Opportunity
	var agents, teamCards []metrics.Card
	var rec domain.Recognition
	var complaints []metrics.Survey
	cs, hasComplaints := p.src.(ComplaintSource)
	g, ctx := errgroup.WithContext(c.Request().Context())
	g.Go(func() (err error) {
		ops, err = p.src.Coaching(ctx, domain.CoachingQuery{From: per.From, To: per.To, Teams: teams})
		return err
	})
	g.Go(func() (err error) {
		agents, err = p.src.Scorecards(ctx, domain.ScorecardQuery{Level: metrics.LevelAgent, From: per.From, To: per.To, Teams: teams})
		return err
	})
	g.Go(func() (err error) {
		teamCards, err = p.src.Scorecards(ctx, domain.ScorecardQuery{Level: metrics.LevelTeam, From: per.From, To: per.To, Teams: teams})
		return err
	})
	g.Go(func() (err error) {
		rec, err = p.src.Recognition(ctx, domain.RecognitionQuery{From: per.From, To: per.To, Teams: teams})
		return err
	})
	if hasComplaints {
		g.Go(func() (err error) {
			complaints, err = cs.Complaints(ctx, domain.RecognitionQuery{From: per.From, To: per.To, Teams: teams})
			return err
		})
	}
	if err := g.Wait(); err != nil {
		return p.sourceError(c, err)
	}

	// Defence in depth, as in the API: whatever the Source did with the
	// team filter, nothing of another team reaches the page.
	ops = slices.DeleteFunc(ops, func(o metrics.Opportunity) bool { return !pr.SeesAgentsOf(o.Team) || o.Team != team })
	agents = slices.DeleteFunc(onlyLevel(agents, metrics.LevelAgent), func(cd metrics.Card) bool {
		return !pr.SeesAgentsOf(cd.Team) || cd.Team != team
	})
	otherTeam := func(s metrics.Survey) bool { return !pr.SeesAgentsOf(s.Team) || s.Team != team }
	praise := slices.DeleteFunc(slices.Clone(rec.Praise), otherTeam)
	complaints = slices.DeleteFunc(complaints, otherTeam)

	view := coachingView{
		page:          p.page("Coaching", pr, pathCoaching),
		Period:        p.periodView(per, per == def),
		Window:        window,
		Team:          team,
		Praise:        p.surveyViews(praise, maxPraiseCoaching, false),
		Complaints:    p.surveyViews(complaints, maxPraiseCoaching, false),
		HasComplaints: hasComplaints,
		Mail:          p.mailLinks("supervisor", team, csYears(rec, per.To, loc)),
	}
	view.Subtitle = team + " · " + view.Period.Label
	for _, t := range pr.Teams {
		view.Teams = append(view.Teams, navLink{Label: t, URL: pathCoaching + "?team=" + url.QueryEscape(t), Current: t == team})
	}
	flags := map[string][]string{}
	for _, o := range ops {
		view.Opportunities = append(view.Opportunities, p.opportunity(o))
		flags[o.AgentID] = append(flags[o.AgentID], kindLabel(o.Kind))
	}
	for _, cd := range onlyLevel(teamCards, metrics.LevelTeam) {
		if cd.Key == team {
			r := p.agentRow(cd, nil)
			r.AgentID = "Team " + team
			view.TeamRow = &r
		}
	}
	slices.SortFunc(agents, func(a, b metrics.Card) int { return strings.Compare(a.Key, b.Key) })
	for _, cd := range agents {
		view.Agents = append(view.Agents, p.agentRow(cd, flags[cd.Key]))
	}
	return p.render(c, http.StatusOK, "coaching", view)
}

func (p *Pages) agentRow(cd metrics.Card, flags []string) agentRow {
	r := agentRow{
		AgentID:  cd.Key,
		Score:    formatScore(cd.Score),
		ScoreBar: bar(cd.Score),
		HasScore: cd.Score != nil,
		Internal: formatScore(cd.Internal),
		External: formatScore(cd.External),
		AHT:      p.cell(cd, metrics.IDAHT),
		NPS:      p.cell(cd, metrics.IDNPS),
		Transfer: p.cell(cd, metrics.IDTransferRate),
		Flags:    flags,
	}
	if r.NPS.Insufficient {
		r.Flags = append(r.Flags, "few surveys")
	}
	return r
}

func (p *Pages) opportunity(o metrics.Opportunity) opportunityView {
	ov := opportunityView{AgentID: o.AgentID, Kind: kindLabel(o.Kind), Focus: o.Focus}
	if o.CustomersAffected > 0 {
		ov.Customers = "≈ " + formatCount(int64(math.Round(o.CustomersAffected))) + " customers affected"
	}
	for _, e := range o.Evidence {
		u, name := p.measure(e.Measure)
		row := evidenceRow{
			Measure:  name,
			Against:  against(e.Against),
			Agent:    formatValue(u, &e.AgentValue),
			Baseline: formatValue(u, &e.BaselineValue),
			N:        formatCount(e.N) + " vs " + formatCount(e.BaselineN),
			Interval: formatInterval(u, e.Low, e.High),
		}
		if e.Measure == metrics.IDAdherence {
			row.N = formatCount(int64(math.Round(float64(e.N)/3600))) + " h vs " + formatCount(int64(math.Round(float64(e.BaselineN)/3600))) + " h"
		}
		if e.P != nil {
			row.P = formatP(*e.P)
		}
		ov.Evidence = append(ov.Evidence, row)
	}
	return ov
}

// measure names a Comparison's measure and its unit: a metric id or one
// of coaching's own measures.
func (p *Pages) measure(id string) (metrics.Unit, string) {
	switch id {
	case "detractor_share":
		return metrics.UnitRatio, "Detractor share"
	case "mean_hold_s":
		return metrics.UnitSeconds, "Mean hold"
	case "nps_change":
		return metrics.UnitNPS, "NPS change"
	}
	m := p.metric(id)
	return m.Unit, m.Name
}

func against(a string) string {
	switch a {
	case "team":
		return "rest of team"
	case "previous_window":
		return "own previous window"
	}
	return a
}

func formatP(v float64) string {
	if v < 0.001 {
		return "p < 0.001"
	}
	return "p = " + strconv.FormatFloat(v, 'f', 3, 64)
}
