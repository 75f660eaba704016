package metrics

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Star is an agent recognised as a service star, with why.
type Star struct {
	AgentID string  `json:"agent_id"`
	Team    string  `json:"team"`
	Score   float64 `json:"score"`
	NPS     float64 `json:"nps"`
	NPSLow  float64 `json:"nps_low"`
	NPSHigh float64 `json:"nps_high"`
	NPSN    int64   `json:"nps_n"`
	TeamNPS float64 `json:"team_nps"`
	Reason  string  `json:"reason"`
}

// Stars picks the service stars among agent-level cards: a composite score
// of at least recognition.min_score, at least min_n.survey NPS answers,
// and an NPS whose 95% interval lies wholly above the team's NPS (the low
// bound exceeds it), so a star's customers are credibly happier than the
// team's, not luckier. teams maps a team to its team-level card. Stars
// are ordered by score, then by the interval's low bound.
func Stars(agents []Card, teams map[string]Card, cfg Config) []Star {
	var out []Star
	for _, c := range agents {
		if c.Level != LevelAgent || c.Score == nil || *c.Score < cfg.Recognition.MinScore {
			continue
		}
		n := c.N[IDNPS]
		iv, hasIv := c.Intervals[IDNPS]
		v := c.Metrics[IDNPS]
		if n < cfg.MinN.Survey || !hasIv || v == nil {
			continue
		}
		team, ok := teams[c.Team]
		if !ok || team.Metrics[IDNPS] == nil {
			continue
		}
		tn := *team.Metrics[IDNPS]
		if iv.Low <= tn {
			continue
		}
		out = append(out, Star{
			AgentID: c.Key, Team: c.Team, Score: *c.Score,
			NPS: *v, NPSLow: iv.Low, NPSHigh: iv.High, NPSN: n, TeamNPS: tn,
			Reason: fmt.Sprintf("score %.0f; NPS %.0f (95%% interval %.0f to %.0f, %d answers) above the team's %.0f",
				*c.Score, *v, iv.Low, iv.High, n, tn),
		})
	}
	slices.SortStableFunc(out, func(x, y Star) int {
		return cmp.Or(cmp.Compare(y.Score, x.Score), cmp.Compare(y.NPSLow, x.NPSLow), cmp.Compare(x.AgentID, y.AgentID))
	})
	return out
}

// CustomerServiceWeek is the first full Monday-to-Friday week of October
// of year: it starts on the first Monday on or after October 1. start is
// that Monday and end the Saturday after it, both midnight UTC, so
// [start, end) covers Monday to Friday; callers in a business zone take
// the dates with time.Date(y, m, d, 0, 0, 0, 0, loc).
func CustomerServiceWeek(year int) (start, end time.Time) {
	oct1 := time.Date(year, time.October, 1, 0, 0, 0, 0, time.UTC)
	ahead := (int(time.Monday) - int(oct1.Weekday()) + 7) % 7
	start = oct1.AddDate(0, 0, ahead)
	return start, start.AddDate(0, 0, 5)
}

// Survey is a survey response as recognition needs it.
type Survey struct {
	ResponseID  string    `json:"response_id"`
	AgentID     string    `json:"agent_id"`
	Team        string    `json:"team"`
	RespondedAt time.Time `json:"responded_at"`
	NPS         *int      `json:"nps,omitempty"`  // 0-10
	CSAT        *int      `json:"csat,omitempty"` // 1-5
	Comment     string    `json:"comment"`
}

// Praise keeps the responses that praise an agent: attributed to an
// agent, a promoter NPS (9 or 10) or a CSAT of 5, and a comment that is
// not blank. Newest first; the input is not modified.
func Praise(surveys []Survey) []Survey {
	return commented(surveys, func(s Survey) bool {
		return (s.NPS != nil && *s.NPS >= 9 && *s.NPS <= 10) || (s.CSAT != nil && *s.CSAT == 5)
	})
}

// Complaints keeps the responses a supervisor should read with the agent:
// attributed to an agent, a detractor NPS (0-6) or a CSAT of 1 or 2, and a
// comment that is not blank. Newest first; the input is not modified.
func Complaints(surveys []Survey) []Survey {
	return commented(surveys, func(s Survey) bool {
		return (s.NPS != nil && *s.NPS <= 6) || (s.CSAT != nil && *s.CSAT <= 2)
	})
}

// commented keeps attributed responses with a comment that match keep,
// newest first.
func commented(surveys []Survey, keep func(Survey) bool) []Survey {
	var out []Survey
	for _, s := range surveys {
		if s.AgentID == "" || strings.TrimSpace(s.Comment) == "" {
			continue
		}
		if keep(s) {
			out = append(out, s)
		}
	}
	slices.SortStableFunc(out, func(x, y Survey) int {
		return cmp.Or(y.RespondedAt.Compare(x.RespondedAt), cmp.Compare(x.ResponseID, y.ResponseID))
	})
	return out
}
