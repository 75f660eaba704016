package metrics

import (
	"strings"
	"testing"
	"time"
)

func TestCustomerServiceWeek(t *testing.T) {
	tests := []struct {
		year       int
		start, end string
	}{
		// 2024 is a leap year starting on a Monday; October 1 is day 275,
		// (275-1) mod 7 = 1 day after Monday: Tuesday. First Monday: October 7.
		{2024, "2024-10-07", "2024-10-12"},
		// 2025 starts on a Wednesday; October 1 is day 274, 273 mod 7 = 0:
		// Wednesday. First Monday: October 6.
		{2025, "2025-10-06", "2025-10-11"},
		// 2026 starts on a Thursday; October 1 is day 274: Thursday -> October 5.
		{2026, "2026-10-05", "2026-10-10"},
		// 2029 starts on a Monday; October 1 is day 274: Monday, itself the start.
		{2029, "2029-10-01", "2029-10-06"},
	}
	for _, tc := range tests {
		t.Run(tc.start, func(t *testing.T) {
			start, end := CustomerServiceWeek(tc.year)
			if got := start.Format(time.DateOnly); got != tc.start {
				t.Errorf("start %s, want %s", got, tc.start)
			}
			if got := end.Format(time.DateOnly); got != tc.end {
				t.Errorf("end %s, want %s (the Saturday after)", got, tc.end)
			}
			if start.Weekday() != time.Monday || end.AddDate(0, 0, -1).Weekday() != time.Friday {
				t.Errorf("not Monday..Friday: %s .. %s", start.Weekday(), end.AddDate(0, 0, -1).Weekday())
			}
		})
	}
}

func agentCard(id, team string, score float64, nps float64, n int64, low, high float64) Card {
	return Card{
		Level: LevelAgent, Key: id, Team: team, Score: ptr(score),
		Metrics:   map[string]*float64{IDNPS: ptr(nps)},
		N:         map[string]int64{IDNPS: n},
		Intervals: map[string]Interval{IDNPS: {Low: low, High: high}},
	}
}

func TestStars(t *testing.T) {
	cfg := Default() // min_score 80, min_n.survey 10
	// s1 from real counts: 40 promoters, 4 detractors of 50 -> NPS 72; adjusted
	// Wald n' = 53, p = 40.75/53 = 0.768868, d = 4.75/53 = 0.089623,
	// p-d = 0.679245, var = (0.858491 - 0.461374)/53 = 0.0074928, se = 0.086561,
	// low = 100*(0.679245 - 1.96*0.086561) = 50.96 > team 40.
	v := Compute(Counts{NPSN: 50, Promoters: 40, Detractors: 4}, cfg)
	s1 := Card{Level: LevelAgent, Key: "s1", Team: "north", Score: ptr(86),
		Metrics: map[string]*float64{IDNPS: v[IDNPS].Value}, N: map[string]int64{IDNPS: v[IDNPS].N},
		Intervals: map[string]Interval{IDNPS: {Low: *v[IDNPS].Low, High: *v[IDNPS].High}}}
	agents := []Card{
		s1,
		agentCard("s2", "north", 91, 60, 80, 45, 72),     // star, higher score: first
		agentCard("x1", "north", 95, 55, 40, 38, 69),     // interval overlaps the team's 40
		agentCard("x2", "north", 79.9, 80, 60, 70, 88),   // score below 80
		agentCard("x3", "north", 90, 90, 9, 60, 100),     // 9 answers < 10
		agentCard("x4", "south", 90, 90, 50, 70, 98),     // team without NPS
		agentCard("x5", "nowhere", 90, 90, 50, 70, 98),   // team unknown
		{Level: LevelTeam, Key: "north", Score: ptr(99)}, // not an agent
	}
	teams := map[string]Card{
		"north": {Level: LevelTeam, Key: "north", Metrics: map[string]*float64{IDNPS: ptr(40)}},
		"south": {Level: LevelTeam, Key: "south", Metrics: map[string]*float64{IDNPS: nil}},
	}
	got := Stars(agents, teams, cfg)
	if len(got) != 2 || got[0].AgentID != "s2" || got[1].AgentID != "s1" {
		t.Fatalf("stars %+v, want s2, s1", got)
	}
	near(t, "s1 NPS", got[1].NPS, 72, 1e-9)
	near(t, "s1 low", got[1].NPSLow, 50.96, 0.01)
	if got[1].TeamNPS != 40 || got[1].NPSN != 50 || !strings.Contains(got[1].Reason, "above the team's 40") {
		t.Errorf("s1 %+v", got[1])
	}
	cfg.Recognition.MinScore = 90
	if got := Stars(agents, teams, cfg); len(got) != 1 || got[0].AgentID != "s2" {
		t.Errorf("min_score 90: %+v", got)
	}
}

func TestPraise(t *testing.T) {
	i := func(x int) *int { return &x }
	day := func(d int) time.Time { return time.Date(2025, 10, d, 12, 0, 0, 0, time.UTC) }
	in := []Survey{
		{ResponseID: "r1", AgentID: "a1", RespondedAt: day(6), NPS: i(10), Comment: "Sam sorted it in minutes"},
		{ResponseID: "r2", AgentID: "a1", RespondedAt: day(7), CSAT: i(5), Comment: "Lovely"},
		{ResponseID: "r3", AgentID: "a2", RespondedAt: day(8), NPS: i(9), CSAT: i(2), Comment: "ok"},
		{ResponseID: "r4", AgentID: "a2", RespondedAt: day(9), NPS: i(8), CSAT: i(4), Comment: "fine"}, // passive, CSAT 4
		{ResponseID: "r5", AgentID: "a2", RespondedAt: day(9), NPS: i(10), Comment: "   "},             // blank comment
		{ResponseID: "r6", AgentID: "", RespondedAt: day(9), NPS: i(10), Comment: "great"},             // no agent
		{ResponseID: "r7", AgentID: "a3", RespondedAt: day(5), NPS: i(3), CSAT: i(5), Comment: "nice person, broken product"},
	}
	got := Praise(in)
	var ids []string
	for _, s := range got {
		ids = append(ids, s.ResponseID)
	}
	if strings.Join(ids, ",") != "r3,r2,r1,r7" {
		t.Errorf("praise %v, want r3,r2,r1,r7 (newest first)", ids)
	}
	if in[0].ResponseID != "r1" {
		t.Error("input reordered")
	}
	ids = nil
	for _, s := range Complaints(in) {
		ids = append(ids, s.ResponseID)
	}
	// r3 (CSAT 2) and r7 (NPS 3); r4 is a passive with CSAT 4.
	if strings.Join(ids, ",") != "r3,r7" {
		t.Errorf("complaints %v, want r3,r7", ids)
	}
}
