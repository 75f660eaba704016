package metrics

import (
	"cmp"
	"fmt"
	"time"
)

// Level is what a scorecard row is about.
type Level string

// Levels.
const (
	LevelOrg   Level = "org"
	LevelSite  Level = "site"
	LevelTeam  Level = "team"
	LevelQueue Level = "queue"
	LevelAgent Level = "agent"
)

// Levels lists every level, widest first.
func Levels() []Level { return []Level{LevelOrg, LevelSite, LevelTeam, LevelQueue, LevelAgent} }

// ParseLevel validates a level name.
func ParseLevel(s string) (Level, error) {
	for _, l := range Levels() {
		if string(l) == s {
			return l, nil
		}
	}
	return "", fmt.Errorf("%w %q (want org, site, team, queue or agent)", ErrUnknownLevel, s)
}

// ScoreOptions say whose card Score builds.
type ScoreOptions struct {
	Level       Level
	Key         string // the org, site, team, queue or agent id
	Team        string // the agent's team (agent level)
	Grain       Grain  // empty for an arbitrary date range
	PeriodStart time.Time
	// TeamValues are the agent's team's values (Compute of the team's
	// Counts): at agent level, survey metrics are shrunk toward them.
	TeamValues map[string]Value
}

// Interval is a 95% interval.
type Interval struct {
	Low  float64 `json:"low"`
	High float64 `json:"high"`
}

// Card is one scorecard row, explainable down to each metric's score.
type Card struct {
	Level       Level     `json:"level"`
	Key         string    `json:"key"`
	Team        string    `json:"team,omitempty"`
	Grain       Grain     `json:"grain,omitempty"`
	PeriodStart time.Time `json:"period_start"`
	// Metrics holds every metric's raw value (null: undefined) and N its
	// sample size; Intervals the 95% intervals that exist.
	Metrics   map[string]*float64 `json:"metrics"`
	N         map[string]int64    `json:"n"`
	Intervals map[string]Interval `json:"intervals,omitempty"`
	// Reasons says why a metric is null where that is more than missing
	// data: not available for the source (occupancy from queue_log) or
	// the level (team queue metrics without a queue map).
	Reasons map[string]string `json:"reasons,omitempty"`
	// Internal, External and Score are 0..100, nil when not computable;
	// Reason then says why.
	Internal      *float64    `json:"internal"`
	External      *float64    `json:"external"`
	Score         *float64    `json:"score"`
	Reason        string      `json:"reason,omitempty"`
	Components    []Component `json:"components"`
	ConfigVersion string      `json:"config_version"`
	// Partial marks a period (day, week, month) that the asked range cuts
	// or that is not over yet: its values cover only part of it.
	Partial bool `json:"partial"`
}

// MarkPartial sets Partial on the cards with a grain whose period is not
// wholly inside [from, to) or ends after now.
func MarkPartial(cards []Card, from, to, now time.Time, loc *time.Location) {
	for i := range cards {
		c := &cards[i]
		if c.Grain == "" {
			continue
		}
		end := Next(c.PeriodStart, c.Grain, loc)
		c.Partial = c.PeriodStart.Before(from) || end.After(to) || end.After(now)
	}
}

// Component is one scored metric of a card.
type Component struct {
	Metric   string `json:"metric"`
	Subscore Family `json:"subscore"` // internal or external
	// Value is the raw value; Adjusted the value scored (after shrinkage
	// toward the team at agent level, else equal to Value).
	Value    *float64 `json:"value"`
	Adjusted *float64 `json:"adjusted"`
	// Credibility is the shrinkage weight n/(n+k) given to the agent's own
	// value, and TeamValue what it was shrunk toward; nil without shrinkage.
	Credibility *float64 `json:"credibility,omitempty"`
	TeamValue   *float64 `json:"team_value,omitempty"`
	N           int64    `json:"n"`
	MinN        int64    `json:"min_n"`
	Target      float64  `json:"target"`
	Floor       float64  `json:"floor"`
	// Weight is the configured weight; EffectiveWeight its share of the
	// subscore after renormalising over the metrics that were scored (0
	// when this one was not).
	Weight          float64  `json:"weight"`
	EffectiveWeight float64  `json:"effective_weight"`
	Score           *float64 `json:"score"` // 0..100; nil when insufficient
	Insufficient    bool     `json:"insufficient"`
	Reason          string   `json:"reason,omitempty"`
	Low             *float64 `json:"low,omitempty"`
	High            *float64 `json:"high,omitempty"`
}

// MetricScore is clamp((value - floor) / (target - floor), 0, 1) * 100.
// For lower-is-better metrics target < floor, so the same formula holds:
// an AHT of 360 s with target 300 and floor 600 scores
// (360-600)/(300-600) = 0.8, i.e. 80.
func MetricScore(value float64, g Goal) float64 {
	return clamp((value-g.Floor)/(g.Target-g.Floor), 0, 1) * 100
}

// Shrink is the credibility-weighted value w*own + (1-w)*toward with
// w = n/(n+k): an agent with n = k answers is halfway to the team.
func Shrink(own, toward float64, n int64, k float64) (adjusted, w float64) {
	if n <= 0 {
		return toward, 0
	}
	w = float64(n) / (float64(n) + k)
	return w*own + (1-w)*toward, w
}

// Score builds the card of values under cfg.
//
// Each metric with a positive weight and a goal is a component. It is
// insufficient, and not scored, when its value is undefined or its N is
// below the min_n of its kind. At agent level the survey metrics (nps,
// csat, ces) are shrunk toward opts.TeamValues before scoring. A subscore
// is the weighted mean of its scored components, the weights renormalised
// over those present; the composite blends the two subscores by
// weights.internal and weights.external. When a subscore with a positive
// weight is missing the composite is nil, not the other side alone: the
// pairing of internal and external measures is the product, and an
// operation-only score would silently rank differently from one that
// includes how customers felt.
func Score(values map[string]Value, cfg Config, opts ScoreOptions) Card {
	card := Card{
		Level:         opts.Level,
		Key:           opts.Key,
		Team:          opts.Team,
		Grain:         opts.Grain,
		PeriodStart:   opts.PeriodStart,
		Metrics:       make(map[string]*float64, len(values)),
		N:             make(map[string]int64, len(values)),
		Components:    []Component{},
		ConfigVersion: cfg.Version(),
	}
	for id, v := range values {
		card.Metrics[id] = v.Value
		card.N[id] = v.N
		if v.Low != nil && v.High != nil {
			if card.Intervals == nil {
				card.Intervals = map[string]Interval{}
			}
			card.Intervals[id] = Interval{Low: *v.Low, High: *v.High}
		}
		if v.Value == nil && v.Reason != "" {
			if card.Reasons == nil {
				card.Reasons = map[string]string{}
			}
			card.Reasons[id] = v.Reason
		}
	}

	type acc struct{ sum, w float64 }
	sub := map[Family]*acc{FamilyInternal: {}, FamilyExternal: {}}
	for _, d := range defs() {
		w := cfg.Weights.Metrics[d.id]
		g, ok := cfg.Targets[d.id]
		a := sub[d.family]
		if w <= 0 || !ok || a == nil {
			continue
		}
		v := values[d.id]
		c := Component{
			Metric: d.id, Subscore: d.family, Value: v.Value, Adjusted: v.Value,
			N: v.N, MinN: cfg.minN(d.sample), Target: g.Target, Floor: g.Floor,
			Weight: w, Low: v.Low, High: v.High,
		}
		switch {
		case v.Value == nil:
			c.Insufficient, c.Reason = true, cmp.Or(v.Reason, "no data")
		case v.N < c.MinN:
			c.Insufficient, c.Reason = true, fmt.Sprintf("n = %d is below min_n %d", v.N, c.MinN)
		default:
			if opts.Level == LevelAgent && d.sample == sampleSurveys && cfg.ShrinkageK > 0 {
				if t := opts.TeamValues[d.id].Value; t != nil {
					adj, cred := Shrink(*v.Value, *t, v.N, cfg.ShrinkageK)
					c.Adjusted, c.Credibility, c.TeamValue = &adj, &cred, ptr(*t)
				}
			}
			c.Score = ptr(MetricScore(*c.Adjusted, g))
			a.sum += w * *c.Score
			a.w += w
		}
		card.Components = append(card.Components, c)
	}
	for i := range card.Components {
		c := &card.Components[i]
		if a := sub[c.Subscore]; c.Score != nil && a.w > 0 {
			c.EffectiveWeight = c.Weight / a.w
		}
	}
	if a := sub[FamilyInternal]; a.w > 0 {
		card.Internal = ptr(a.sum / a.w)
	}
	if a := sub[FamilyExternal]; a.w > 0 {
		card.External = ptr(a.sum / a.w)
	}

	wi, we := cfg.Weights.Internal, cfg.Weights.External
	switch {
	case wi+we <= 0:
		card.Reason = "weights.internal and weights.external are both 0"
	case wi > 0 && card.Internal == nil && we > 0 && card.External == nil:
		card.Reason = "no subscore: no metric has enough data"
	case wi > 0 && card.Internal == nil:
		card.Reason = "no internal subscore: no internal metric has enough data"
	case we > 0 && card.External == nil:
		card.Reason = "no external subscore: no survey metric has enough answers"
	default:
		var s float64
		if wi > 0 {
			s += wi * *card.Internal
		}
		if we > 0 {
			s += we * *card.External
		}
		card.Score = ptr(s / (wi + we))
	}
	return card
}
