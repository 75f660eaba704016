package metrics

import (
	"fmt"
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

type def struct {
	id, name    string
	unit        Unit
	dir         Direction
	family      Family
	sample      sample
	description string
	formula     func(Config) string
}

func fixed(s string) func(Config) string { return func(Config) string { return s } }

// defs is the catalog in display order. A function, not a package
// variable, so nothing can mutate it.
func defs() []def {
	return []def{
		{IDOffered, "Offered", UnitCount, Neutral, FamilyVolume, sampleVolume,
			"Inbound contacts that entered a queue, counted once per contact.",
			func(c Config) string { return "inbound contacts that entered a queue" + channelsNote(c) }},
		{IDHandled, "Handled", UnitCount, Neutral, FamilyVolume, sampleVolume,
			"Contacts connected to an agent, counted once per contact; at agent level every leg the agent handled.",
			fixed("contacts connected to an agent")},
		{IDAHT, "Average handle time", UnitSeconds, LowerIsBetter, FamilyInternal, sampleContacts,
			"Talk, hold and after-call work per handled leg.",
			fixed("sum(talk + hold + acw) / handled legs")},
		{IDASA, "Average speed of answer", UnitSeconds, LowerIsBetter, FamilyInternal, sampleContacts,
			"Mean queue wait of the contacts that were answered.",
			func(c Config) string { return "sum(wait of answered contacts) / answered" + channelsNote(c) }},
		{IDServiceLevel, "Service level", UnitRatio, HigherIsBetter, FamilyInternal, sampleContacts,
			"Share of offered contacts answered within the threshold; short abandons are left out of the denominator.",
			serviceLevelFormula},
		{IDAbandonRate, "Abandon rate", UnitRatio, LowerIsBetter, FamilyInternal, sampleContacts,
			"Share of offered contacts that hung up in the queue, short abandons left out.",
			abandonFormula},
		{IDTransferRate, "Transfer rate", UnitRatio, LowerIsBetter, FamilyInternal, sampleContacts,
			"Share of handled legs the agent transferred.",
			fixed("transferred legs / handled legs")},
		{IDHoldRate, "Hold rate", UnitRatio, LowerIsBetter, FamilyInternal, sampleContacts,
			"Share of handled legs with the customer put on hold at least once.",
			fixed("handled legs with hold > 0 / handled legs")},
		{IDFCRRate, "First contact resolution", UnitRatio, HigherIsBetter, FamilyInternal, sampleContacts,
			"Share of handled contacts that did not bring the customer back.",
			fcrFormula},
		{IDOccupancy, "Occupancy", UnitRatio, HigherIsBetter, FamilyInternal, sampleSeconds,
			"Share of productive logged-in time spent on contacts and after-call work.",
			fixed("time on contacts and after-call work / time available, on contact or in after-call work")},
		{IDAdherence, "Schedule adherence", UnitRatio, HigherIsBetter, FamilyInternal, sampleSeconds,
			"Share of scheduled time spent in the scheduled activity.",
			fixed("scheduled time spent in the scheduled activity / scheduled time")},
		{IDNPS, "Net promoter score", UnitNPS, HigherIsBetter, FamilyExternal, sampleSurveys,
			"Promoters (9-10) minus detractors (0-6), in points of -100..100.",
			fixed("100 * promoters (9-10) / NPS answers - 100 * detractors (0-6) / NPS answers")},
		{IDCSAT, "Customer satisfaction", UnitRatio, HigherIsBetter, FamilyExternal, sampleSurveys,
			"Share of CSAT answers that are 4 or 5 on the 1-5 scale.",
			fixed("CSAT answers 4 or 5 / CSAT answers")},
		{IDCES, "Customer effort score", UnitScore17, HigherIsBetter, FamilyExternal, sampleSurveys,
			"Mean effort answer on the 1-7 scale, 7 = very easy.",
			fixed("sum(effort answers, 1-7) / effort answers")},
		{IDSurveyRate, "Survey rate", UnitRatio, HigherIsBetter, FamilyVolume, sampleContacts,
			"Share of handled contacts with a linked survey response: how much of the work customers rated.",
			fixed("surveys linked to handled contacts / handled contacts")},
	}
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
