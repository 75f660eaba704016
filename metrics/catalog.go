package metrics

import (
	"fmt"
	"math"
	"strings"
)

// Metric ids: the names used in the API, exports,
// snapshots and dashboards.
const (
	IDOffered      = "offered"
	IDHandled      = "handled"
	IDAHT          = "aht_s"
	IDASA          = "asa_s"
	IDServiceLevel = "service_level"
	IDAbandonRate  = "abandon_rate"
	IDTransferRate = "transfer_rate"
	IDHoldRate     = "hold_rate"
	IDFCRRate      = "fcr_rate"
	IDOccupancy    = "occupancy"
	IDAdherence    = "adherence"
	IDNPS          = "nps"
	IDCSAT         = "csat"
	IDCES          = "ces"
	IDSurveyRate   = "survey_rate"
)

// Unit is what a metric's value measures.
type Unit string

// Units. Rates are fractions 0..1, durations seconds, NPS -100..100.
const (
	UnitCount   Unit = "count"
	UnitSeconds Unit = "seconds"
	UnitRatio   Unit = "ratio"
	UnitNPS     Unit = "nps"
	UnitScore17 Unit = "score_1_7"
)

// Direction says which way a metric improves.
type Direction string

// Directions. Volume metrics (offered, handled) are Neutral: more contacts
// are neither good nor bad, and they are never scored.
const (
	HigherIsBetter Direction = "higher_is_better"
	LowerIsBetter  Direction = "lower_is_better"
	Neutral        Direction = "neutral"
)

// Family groups metrics: internal (how the operation performed), external
// (how the customer felt) and volume (how much work there was).
type Family string

// Families.
const (
	FamilyInternal Family = "internal"
	FamilyExternal Family = "external"
	FamilyVolume   Family = "volume"
)

// Metric describes one catalog entry, with the configuration in force.
type Metric struct {
	ID          string    `json:"id"`
	Name        string    `json:"name"`
	Unit        Unit      `json:"unit"`
	Direction   Direction `json:"direction"`
	Formula     string    `json:"formula"`
	Family      Family    `json:"family"`
	Description string    `json:"description"`
	// Target and Floor are the scoring goal (nil: the metric has none).
	Target *float64 `json:"target,omitempty"`
	Floor  *float64 `json:"floor,omitempty"`
	// Weight within its subscore; 0: shown but not scored.
	Weight float64 `json:"weight"`
	// MinN is the sample size below which the metric is insufficient;
	// SampleUnit says what N counts (contacts, surveys, seconds).
	MinN       int64  `json:"min_n"`
	SampleUnit string `json:"sample_unit"`
}

// sample is what a metric's N counts; it picks the min_n that applies.
type sample int

const (
	sampleVolume   sample = iota // the count itself; no minimum
	sampleContacts               // contacts or legs: min_n.contact
	sampleSurveys                // survey answers: min_n.survey
	sampleSeconds                // scheduled or logged-in seconds: min_n.time_s
)

func (s sample) String() string {
	switch s {
	case sampleContacts:
		return "contacts"
	case sampleSurveys:
		return "surveys"
	case sampleSeconds:
		return "seconds"
	}
	return "count"
}

// def is one catalog entry: the definition, the Counts fields it reads
// (inputs, by JSON name: Counts' field table, CountsFieldNames) and the
// compute that derives its value, sample size and interval from them.
// compute reads no field outside inputs (a test checks it).
type def struct {
	id, name    string
	unit        Unit
	dir         Direction
	family      Family
	sample      sample
	description string
	formula     func(Config) string
	inputs      []string
	compute     func(Counts, Config) Value
}

func fixed(s string) func(Config) string { return func(Config) string { return s } }

// defs is the catalog in display order. A function, not a package
// variable, so nothing can mutate it.
//
// Adding a KPI is adding its id and an entry here. If it needs a sum
// Counts does not hold, add the field to Counts and to Counts.fields (its
// JSON name is its name everywhere), name a column of a count query after
// it (internal/chstore/queries/counts_*.sql) and add it to facts_daily in
// a new migration; the tests of this package and internal/chstore say
// what is missing.
func defs() []def {
	return []def{{
		id: IDOffered, name: "Offered", unit: UnitCount, dir: Neutral, family: FamilyVolume, sample: sampleVolume,
		description: "Inbound contacts that entered a queue, counted once per contact.",
		formula:     func(c Config) string { return "inbound contacts that entered a queue" + channelsNote(c) },
		inputs:      []string{"offered"},
		compute:     func(c Counts, _ Config) Value { return count(c.Offered) },
	}, {
		id: IDHandled, name: "Handled", unit: UnitCount, dir: Neutral, family: FamilyVolume, sample: sampleVolume,
		description: "Contacts connected to an agent, counted once per contact; at agent level every leg the agent handled.",
		formula:     fixed("contacts connected to an agent"),
		inputs:      []string{"handled_contacts"},
		compute:     func(c Counts, _ Config) Value { return count(c.HandledContacts) },
	}, {
		id: IDAHT, name: "Average handle time", unit: UnitSeconds, dir: LowerIsBetter, family: FamilyInternal, sample: sampleContacts,
		description: "Talk, hold and after-call work per handled leg.",
		formula:     fixed("sum(talk + hold + acw) / handled legs"),
		inputs:      []string{"handle_s", "handled"},
		compute:     func(c Counts, _ Config) Value { return mean(c.HandleS, c.Handled) },
	}, {
		id: IDASA, name: "Average speed of answer", unit: UnitSeconds, dir: LowerIsBetter, family: FamilyInternal, sample: sampleContacts,
		description: "Mean queue wait of the contacts that were answered.",
		formula:     func(c Config) string { return "sum(wait of answered contacts) / answered" + channelsNote(c) },
		inputs:      []string{"wait_answered_s", "answered"},
		compute:     func(c Counts, _ Config) Value { return mean(c.WaitAnsweredS, c.Answered) },
	}, {
		id: IDServiceLevel, name: "Service level", unit: UnitRatio, dir: HigherIsBetter, family: FamilyInternal, sample: sampleContacts,
		description: "Share of offered contacts answered within the threshold; short abandons are left out of the denominator.",
		formula:     serviceLevelFormula,
		inputs:      []string{"answered_within", "offered", "short_abandons"},
		compute: func(c Counts, cfg Config) Value {
			return share(c.AnsweredWithin, c.Offered-shortAbandons(c, cfg))
		},
	}, {
		id: IDAbandonRate, name: "Abandon rate", unit: UnitRatio, dir: LowerIsBetter, family: FamilyInternal, sample: sampleContacts,
		description: "Share of offered contacts that hung up in the queue, short abandons left out.",
		formula:     abandonFormula,
		inputs:      []string{"abandoned", "offered", "short_abandons"},
		compute: func(c Counts, cfg Config) Value {
			short := shortAbandons(c, cfg)
			return share(max(c.Abandoned-short, 0), c.Offered-short)
		},
	}, {
		id: IDTransferRate, name: "Transfer rate", unit: UnitRatio, dir: LowerIsBetter, family: FamilyInternal, sample: sampleContacts,
		description: "Share of handled legs the agent transferred.",
		formula:     fixed("transferred legs / handled legs"),
		inputs:      []string{"transferred", "handled"},
		compute:     func(c Counts, _ Config) Value { return share(c.Transferred, c.Handled) },
	}, {
		id: IDHoldRate, name: "Hold rate", unit: UnitRatio, dir: LowerIsBetter, family: FamilyInternal, sample: sampleContacts,
		description: "Share of handled legs with the customer put on hold at least once.",
		formula:     fixed("handled legs with hold > 0 / handled legs"),
		inputs:      []string{"held", "handled"},
		compute:     func(c Counts, _ Config) Value { return share(c.Held, c.Handled) },
	}, {
		id: IDFCRRate, name: "First contact resolution", unit: UnitRatio, dir: HigherIsBetter, family: FamilyInternal, sample: sampleContacts,
		description: "Share of handled contacts that did not bring the customer back.",
		formula:     fcrFormula,
		inputs:      []string{"fcr_resolved", "fcr_known"},
		compute:     func(c Counts, _ Config) Value { return share(c.FCRResolved, c.FCRKnown) },
	}, {
		id: IDOccupancy, name: "Occupancy", unit: UnitRatio, dir: HigherIsBetter, family: FamilyInternal, sample: sampleSeconds,
		description: "Share of productive logged-in time spent on contacts and after-call work.",
		formula:     fixed("time on contacts and after-call work / time available, on contact or in after-call work"),
		inputs:      []string{"occupied_s", "available_s"},
		compute:     func(c Counts, _ Config) Value { return occupancy(c.OccupiedS, c.AvailableS) },
	}, {
		id: IDAdherence, name: "Schedule adherence", unit: UnitRatio, dir: HigherIsBetter, family: FamilyInternal, sample: sampleSeconds,
		description: "Share of scheduled time spent in the scheduled activity.",
		formula:     fixed("scheduled time spent in the scheduled activity / scheduled time"),
		inputs:      []string{"adherent_s", "scheduled_s"},
		compute:     func(c Counts, _ Config) Value { return ratio(c.AdherentS, c.ScheduledS) },
	}, {
		id: IDNPS, name: "Net promoter score", unit: UnitNPS, dir: HigherIsBetter, family: FamilyExternal, sample: sampleSurveys,
		description: "Promoters (9-10) minus detractors (0-6), in points of -100..100.",
		formula:     fixed("100 * promoters (9-10) / NPS answers - 100 * detractors (0-6) / NPS answers"),
		inputs:      []string{"promoters", "detractors", "nps_n"},
		compute:     func(c Counts, _ Config) Value { return nps(c.Promoters, c.Detractors, c.NPSN) },
	}, {
		id: IDCSAT, name: "Customer satisfaction", unit: UnitRatio, dir: HigherIsBetter, family: FamilyExternal, sample: sampleSurveys,
		description: "Share of CSAT answers that are 4 or 5 on the 1-5 scale.",
		formula:     fixed("CSAT answers 4 or 5 / CSAT answers"),
		inputs:      []string{"csat_satisfied", "csat_n"},
		compute:     func(c Counts, _ Config) Value { return share(c.CSATSatisfied, c.CSATN) },
	}, {
		id: IDCES, name: "Customer effort score", unit: UnitScore17, dir: HigherIsBetter, family: FamilyExternal, sample: sampleSurveys,
		description: "Mean effort answer on the 1-7 scale, 7 = very easy.",
		formula:     fixed("sum(effort answers, 1-7) / effort answers"),
		// ces_sum_sq is optional: 0 means the rollup does not hold it, and
		// ces then has no interval.
		inputs:  []string{"ces_sum", "ces_sum_sq", "ces_n"},
		compute: func(c Counts, _ Config) Value { return ces(c.CESSum, c.CESSumSq, c.CESN) },
	}, {
		id: IDSurveyRate, name: "Survey rate", unit: UnitRatio, dir: HigherIsBetter, family: FamilyVolume, sample: sampleContacts,
		description: "Share of handled contacts with a linked survey response: how much of the work customers rated.",
		formula:     fixed("surveys linked to handled contacts / handled contacts"),
		inputs:      []string{"surveys_linked", "handled_contacts"},
		compute:     func(c Counts, _ Config) Value { return share(c.SurveysLinked, c.HandledContacts) },
	}}
}

// Compute derives every catalog metric from c, each with its entry's
// compute. cfg matters only for short_abandon_s = 0, where any
// ShortAbandons in c are ignored.
func Compute(c Counts, cfg Config) map[string]Value {
	d := defs()
	out := make(map[string]Value, len(d))
	for _, m := range d {
		out[m.id] = m.compute(c, cfg)
	}
	return out
}

// shortAbandons are the abandons left out of the queue metrics: none when
// short_abandon_s is 0.
func shortAbandons(c Counts, cfg Config) int64 {
	if cfg.ShortAbandonS == 0 {
		return 0
	}
	return c.ShortAbandons
}

// NoOccupancyReason explains a null occupancy.
const NoOccupancyReason = "not available: no agent time in available, on-contact or after-call-work states (queue_log logs only logins and pauses)"

// occupancy is occupied over staffed time; without staffed time it is not
// available, not 0.
func occupancy(occupied, available int64) Value {
	v := ratio(occupied, available)
	if v.Value == nil {
		v.Reason = NoOccupancyReason
	}
	return v
}

// nps is 100*(promoters-detractors)/n with the adjusted-Wald interval.
func nps(promoters, detractors, n int64) Value {
	if n <= 0 {
		return Value{}
	}
	v := 100 * float64(promoters-detractors) / float64(n)
	lo, hi := NPSInterval(promoters, detractors, n, Z95)
	return Value{Value: &v, N: n, Low: &lo, High: &hi}
}

// ces is the mean effort score; with a sum of squares it carries a
// Student t interval, mean ± t(0.975, n-1)·s/sqrt(n), clamped to 1..7.
func ces(sum, sumSq, n int64) Value {
	v := mean(sum, n)
	if v.Value == nil || n < 2 || sumSq <= 0 {
		return v
	}
	nf := float64(n)
	variance := (float64(sumSq) - float64(sum)*float64(sum)/nf) / (nf - 1)
	if variance < 0 { // a sum of squares that does not fit the sum: no interval
		return v
	}
	half := tQuantile975(n-1) * math.Sqrt(variance/nf)
	lo, hi := clamp(*v.Value-half, 1, 7), clamp(*v.Value+half, 1, 7)
	v.Low, v.High = &lo, &hi
	return v
}

func serviceLevelFormula(c Config) string {
	if c.ShortAbandonS == 0 {
		return fmt.Sprintf("answered within %d s / offered", c.ServiceLevel.ThresholdS) + channelsNote(c)
	}
	return fmt.Sprintf("answered within %d s / (offered - abandons under %d s)",
		c.ServiceLevel.ThresholdS, c.ShortAbandonS) + channelsNote(c)
}

func abandonFormula(c Config) string {
	if c.ShortAbandonS == 0 {
		return "abandoned / offered" + channelsNote(c)
	}
	return fmt.Sprintf("(abandoned - abandons under %d s) / (offered - abandons under %d s)",
		c.ShortAbandonS, c.ShortAbandonS) + channelsNote(c)
}

// channelsNote names the real-time channels queue metrics cover.
func channelsNote(c Config) string {
	if len(c.ServiceLevel.Channels) == 0 {
		return ""
	}
	return "; channels " + strings.Join(c.ServiceLevel.Channels, ", ")
}

func fcrFormula(c Config) string {
	if c.FCR.Mode == FCRFlag {
		return "handled contacts the source marked resolved / handled contacts with a resolved flag"
	}
	return fmt.Sprintf("handled contacts with a known customer and no further contact from that customer within %d days / handled contacts with a known customer",
		c.FCR.WindowDays)
}

// IDs lists every metric id in catalog order.
func IDs() []string {
	d := defs()
	ids := make([]string, len(d))
	for i, m := range d {
		ids[i] = m.id
	}
	return ids
}

func lookup(id string) (def, bool) {
	for _, d := range defs() {
		if d.id == id {
			return d, true
		}
	}
	return def{}, false
}

// Lookup returns the catalog entry of id under cfg.
func Lookup(id string, cfg Config) (Metric, error) {
	d, ok := lookup(id)
	if !ok {
		return Metric{}, fmt.Errorf("%w %q (want one of %s)", ErrUnknownMetric, id, strings.Join(IDs(), ", "))
	}
	return d.metric(cfg), nil
}

// Catalog lists every metric with the formulas, goals, weights and minimum
// samples of cfg, for GET /api/v1/metrics/catalog.
func Catalog(cfg Config) []Metric {
	d := defs()
	out := make([]Metric, len(d))
	for i, m := range d {
		out[i] = m.metric(cfg)
	}
	return out
}

func (d def) metric(cfg Config) Metric {
	m := Metric{
		ID:          d.id,
		Name:        d.name,
		Unit:        d.unit,
		Direction:   d.dir,
		Formula:     d.formula(cfg),
		Family:      d.family,
		Description: d.description,
		Weight:      cfg.Weights.Metrics[d.id],
		MinN:        cfg.minN(d.sample),
		SampleUnit:  d.sample.String(),
	}
	if g, ok := cfg.Targets[d.id]; ok {
		t, f := g.Target, g.Floor
		m.Target, m.Floor = &t, &f
	}
	return m
}
