package dashboards

import (
	"strings"

	"github.com/servicecard/servicecard/metrics"
)

// coaching is the supervisors' dashboard: agent-level scorecards of one
// team, for coaching conversations, never shown to agents as a league
// table.
func (g *generator) coaching() *dashboard {
	d := &dashboard{
		uid:         "servicecard-coaching",
		title:       "Supervisor coaching",
		description: "Agent scorecards, efficiency next to sentiment, and what customers said, for one team. For coaching conversations, not for public league tables.",
		folder:      "supervisor",
		tags:        []string{"supervisor", "coaching"},
		from:        "now-90d",
		to:          "now",
		refresh:     "1h",
	}
	d.vars = append(d.vars,
		queryVar("team", "Team", query("coaching_teams", nil)),
		customVar("grain", "Period", "week", "month", "day"),
	)

	d.row("Team ${team}, latest ${grain}")
	d.add(g.teamStat("Team score", "score", metrics.Metric{}))
	for _, id := range []string{metrics.IDNPS, metrics.IDCSAT, metrics.IDAHT} {
		d.add(g.teamStat(g.kpi(id).Name, id, g.kpi(id)))
	}

	d.row("Agents of ${team}")
	d.add(g.agentTable(), g.efficiencyTable())

	d.row("What customers said about ${team}")
	d.add(
		g.commentsTable("Praise", "Promoters (NPS 9-10) and 5-star CSAT answers with a comment: recognise the people behind them.",
			true),
		g.commentsTable("Complaints", "Detractors (NPS 0-6) and CSAT 1-2 answers with a comment: material for coaching, not blame.",
			false),
	)
	return d
}

func (g *generator) teamStat(title, id string, m metrics.Metric) *panel {
	data := struct {
		Title, ID string
		Metric    bool
	}{title, id, m.ID != ""}
	p := statPanel(title, "", 6, 4, sqlQuery(formatTable, query("coaching_team_stat", data), "time", id))
	if m.ID == "" {
		p.description = "The team's composite score: internal and external subscores blended."
		p.defaults = fieldDefaults{Unit: "none", Decimals: intp(0), Min: f64(0), Max: f64(100),
			Color: &fieldColor{Mode: "thresholds"}, Thresholds: scoreThresholds(), NoValue: "no scorecard"}
		return p
	}
	p.description = describe(m)
	p.defaults = metricDefaults(m)
	p.defaults.NoValue = "insufficient"
	return p
}

// agentTable lists the team's agents for its latest period, with flags on
// every metric past its floor and on survey samples too small to score.
func (g *generator) agentTable() *panel {
	cols := []string{"agent", "score", "internal", "external"}
	var overrides []override
	for _, m := range g.agentMetrics() {
		cols = append(cols, m.ID)
		overrides = append(overrides, byName(m.ID, append(metricProps(m, true), short(m.ID, metricWidth(m))...)...))
		if m.Family == metrics.FamilyExternal {
			n := m.ID + "_n"
			cols = append(cols, n)
			overrides = append(overrides, byName(n, prop("unit", "short"), prop("thresholds", minNThresholds(m.MinN)),
				prop("custom.cellOptions", map[string]any{"type": "color-text"}), prop("displayName", coachingHeaders[m.ID]+" n"), prop("custom.width", 60)))
		}
	}
	cols = append(cols, "flags")
	q := sqlQuery(formatTable, query("coaching_agents", struct{ Metrics []metricView }{viewsOf(g.agentMetrics())}), cols...)
	p := tablePanel("Agent scorecards",
		"Latest period of the team. Flags name the metrics past their floor (score 0) and survey samples below the minimum: agent survey metrics with few answers are shrunk toward the team's value by the engine and are not scored below the minimum. Use for coaching, not as a league table.",
		24, 12, q)
	for _, c := range []string{"score", "internal", "external"} {
		p.overrides = append(p.overrides, byName(c, prop("displayName", strings.ToUpper(c[:1])+c[1:]), prop("decimals", 0), prop("min", 0), prop("max", 100),
			prop("thresholds", scoreThresholds()), prop("custom.cellOptions", map[string]any{"type": "color-background"}), prop("custom.width", 75)))
	}
	p.overrides = append(p.overrides, byName("agent", prop("displayName", "Agent"), prop("custom.width", 100)))
	p.overrides = append(p.overrides, overrides...)
	p.overrides = append(p.overrides, byName("flags", prop("displayName", "Flags"), prop("custom.width", 1300-agentTableWidth(g.agentMetrics()))))
	p.defaults.Custom["filterable"] = false
	return p
}

// efficiencyTable sets each agent's AHT and NPS against the team's: fast
// but unhappy customers is the pattern worth a conversation.
func (g *generator) efficiencyTable() *panel {
	aht, nps := g.kpi(metrics.IDAHT), g.kpi(metrics.IDNPS)
	minN := nps.MinN
	data := struct {
		AHT, NPS string
		MinN     int64
	}{aht.ID, nps.ID, minN}
	q := sqlQuery(formatTable, query("coaching_efficiency", data),
		"agent", "aht_s", "nps", "nps_n", "team_aht_s", "team_nps", "pattern")
	p := tablePanel("Efficiency next to sentiment", describe(aht)+"\n\n"+describe(nps)+
		"\n\nPattern compares the agent with the team in the same period.", 24, 10, q)
	p.overrides = []override{
		byName("agent", prop("displayName", "Agent"), prop("custom.width", 160)),
		byName("aht_s", append(metricProps(aht, true), short(aht.ID, 100)...)...),
		byName("nps", append(metricProps(nps, true), short(nps.ID, 90)...)...),
		byName("nps_n", prop("thresholds", minNThresholds(minN)), prop("custom.cellOptions", map[string]any{"type": "color-text"}),
			prop("displayName", coachingHeaders[nps.ID]+" n"), prop("custom.width", 90)),
		byName("team_aht_s", prop("displayName", "Team "+coachingHeaders[aht.ID]), prop("unit", durationUnit), prop("decimals", durationDecimals), prop("custom.width", 110)),
		byName("team_nps", prop("displayName", "Team "+coachingHeaders[nps.ID]), prop("decimals", 0), prop("custom.width", 110)),
		byName("pattern", prop("displayName", "Pattern"), prop("custom.width", 640)),
	}
	p.defaults.Custom["filterable"] = false
	return p
}

// commentsTable lists the team's survey answers with a comment: praise
// (promoters, 5-star CSAT), else complaints (detractors, CSAT 1-2). A
// survey belongs to the team through its agent (the survey tool's agent,
// else the last handled leg of its contact) being in the team, or the
// leg's team.
func (g *generator) commentsTable(title, desc string, praise bool) *panel {
	data := struct {
		Title  string
		Praise bool
	}{title, praise}
	q := sqlQuery(formatTable, query("coaching_comments", data), "time", "agent", "nps", "csat", "ces", "comment")
	p := tablePanel(title, desc, 12, 12, q)
	p.overrides = []override{
		byName("time", prop("displayName", "Answered"), prop("unit", "time:YYYY-MM-DD HH:mm"), prop("custom.width", 140)),
		byName("agent", prop("displayName", "Agent"), prop("custom.width", 70)),
		byName("nps", prop("displayName", "NPS"), prop("custom.width", 50)),
		byName("csat", prop("displayName", "CSAT"), prop("custom.width", 55)),
		byName("ces", prop("displayName", "CES"), prop("custom.width", 50)),
		// The comment is the point of the table: it takes the rest of the panel and wraps.
		byName("comment", prop("displayName", "Comment"), prop("custom.width", 260), prop("custom.inspect", true),
			prop("custom.cellOptions", map[string]any{"type": "auto", "wrapText": true})),
	}
	p.defaults.Custom["filterable"] = false
	return p
}

// coachingHeaders are the short column headers of the coaching tables.
var coachingHeaders = map[string]string{
	metrics.IDAHT: "AHT", metrics.IDASA: "ASA", metrics.IDServiceLevel: "SL", metrics.IDTransferRate: "Transfers",
	metrics.IDHoldRate: "Hold", metrics.IDFCRRate: "FCR", metrics.IDOccupancy: "Occupancy", metrics.IDAdherence: "Adherence",
	metrics.IDNPS: "NPS", metrics.IDCSAT: "CSAT", metrics.IDCES: "CES", metrics.IDSurveyRate: "Surveyed",
}

// short is the short header and the width of a metric column; a metric
// without a short header keeps its name.
func short(id string, width int) []property {
	if h, ok := coachingHeaders[id]; ok {
		return []property{prop("displayName", h), prop("custom.width", width)}
	}
	return []property{prop("custom.width", width)}
}

// metricWidth is the width of a metric column of the agent table:
// hh:mm:ss durations need more than percentages.
func metricWidth(m metrics.Metric) int {
	if m.Unit == metrics.UnitSeconds {
		return 80
	}
	return 65
}

// agentMetrics are the metrics of the agent table: abandons have no
// agent, so the abandon rate is always 0 at agent level and left out.
func (g *generator) agentMetrics() []metrics.Metric {
	var out []metrics.Metric
	for _, m := range append(g.goalMetrics(metrics.FamilyInternal), g.goalMetrics(metrics.FamilyExternal)...) {
		if m.ID != metrics.IDAbandonRate {
			out = append(out, m)
		}
	}
	return out
}

// agentTableWidth is what the agent table's columns but flags take:
// agent, three scores, the metrics and the survey samples.
func agentTableWidth(ms []metrics.Metric) int {
	w := 100 + 3*75
	for _, m := range ms {
		w += metricWidth(m)
		if m.Family == metrics.FamilyExternal {
			w += 60
		}
	}
	return w
}
