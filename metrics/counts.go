package metrics

import (
	"reflect"
	"slices"
	"strings"
)

// Counts are the additive inputs of every metric: sums and counts as the
// ClickHouse rollups hold them, never averages or rates, so Counts of two
// periods, queues or agents add up (Add) and the metrics of the total are
// exact.
//
// Level matters for the contact fields. At org, site, team and queue level
// a transferred contact is one contact: Offered, Answered, Abandoned,
// WaitAnsweredS, AnsweredWithin, ShortAbandons, HandledContacts,
// SurveysLinked and the FCR fields count it once (by initial_contact_id).
// The leg fields (Legs, Handled, HandleS, TalkS, HoldS, AcwS, Transferred,
// Held) count every leg at every level, because handle time, transfers and
// holds are things an agent does on a leg. At agent level there is only
// the agent's own legs: a leg is that agent's contact, so HandledContacts
// equals Handled.
//
// The JSON names of the fields (CountsFieldNames) are the names everything
// else uses: a catalog entry lists the fields it reads by these names
// (catalog.go), the count queries name their output columns after them
// (internal/chstore/queries/counts_*.sql) and facts_daily has one column
// of each name. Every field is read by some metric, or listed in
// internalCounts.
type Counts struct {
	// Contacts, once per contact above agent level.
	Offered        int64 `json:"offered"`         // inbound contacts that entered a queue
	Answered       int64 `json:"answered"`        // of those, answered by an agent
	Abandoned      int64 `json:"abandoned"`       // of those, abandoned in queue (short abandons included)
	WaitAnsweredS  int64 `json:"wait_answered_s"` // sum of wait_s over answered contacts
	AnsweredWithin int64 `json:"answered_within"` // answered with wait_s <= service_level.threshold_s
	ShortAbandons  int64 `json:"short_abandons"`  // abandoned with wait_s < short_abandon_s (0 when that is 0)

	HandledContacts int64 `json:"handled_contacts"` // contacts connected to an agent

	// Legs, at every level.
	Legs        int64 `json:"legs"`        // contact legs (rows of contacts)
	Handled     int64 `json:"handled"`     // legs connected to an agent
	HandleS     int64 `json:"handle_s"`    // sum of talk_s + hold_s + acw_s over handled legs
	TalkS       int64 `json:"talk_s"`      // sum of talk_s over handled legs
	HoldS       int64 `json:"hold_s"`      // sum of hold_s over handled legs
	AcwS        int64 `json:"acw_s"`       // sum of acw_s over handled legs
	Transferred int64 `json:"transferred"` // handled legs transferred
	Held        int64 `json:"held"`        // handled legs with hold_s > 0

	// First contact resolution (fcr.mode repeat: a known customer and a
	// fcr.window_days look-ahead; flag: contacts with a resolved flag).
	FCRKnown    int64 `json:"fcr_known"`    // handled contacts FCR can be judged for
	FCRResolved int64 `json:"fcr_resolved"` // of those, resolved

	// Agent time, from agent_states and schedules.
	OccupiedS  int64 `json:"occupied_s"`  // on contact + after-call work
	AvailableS int64 `json:"available_s"` // available, on contact or in after-call work
	ScheduledS int64 `json:"scheduled_s"` // scheduled time
	AdherentS  int64 `json:"adherent_s"`  // scheduled time spent in the scheduled activity

	// Surveys: at org level every response, below it those attributed to
	// the level.
	SurveysLinked int64 `json:"surveys_linked"` // responses linked to a handled contact
	NPSN          int64 `json:"nps_n"`          // responses with an NPS answer
	Promoters     int64 `json:"promoters"`      // NPS 9-10
	Detractors    int64 `json:"detractors"`     // NPS 0-6
	CSATN         int64 `json:"csat_n"`         // responses with a CSAT answer
	CSATSatisfied int64 `json:"csat_satisfied"` // CSAT 4-5
	CESN          int64 `json:"ces_n"`          // responses with a CES answer
	CESSum        int64 `json:"ces_sum"`        // sum of CES answers (1-7)
	// CESSumSq is the sum of squared CES answers. Optional: 0 means the
	// rollup does not hold it, and ces then has no interval.
	CESSumSq int64 `json:"ces_sum_sq"`
}

// internalCounts are the Counts fields no catalog metric reads: Legs, and
// TalkS, HoldS and AcwS, whose sum is HandleS (coaching reads HoldS for
// the mean hold). They are stored like the others.
var internalCounts = []string{"legs", "talk_s", "hold_s", "acw_s"}

// fields lists pointers to every field, in declaration order, so Add and
// without cannot forget one (a test checks the list is complete and in
// order).
func (c *Counts) fields() []*int64 {
	return []*int64{&c.Offered, &c.Answered, &c.Abandoned, &c.WaitAnsweredS, &c.AnsweredWithin,
		&c.ShortAbandons, &c.HandledContacts, &c.Legs, &c.Handled, &c.HandleS, &c.TalkS, &c.HoldS,
		&c.AcwS, &c.Transferred, &c.Held, &c.FCRKnown, &c.FCRResolved, &c.OccupiedS, &c.AvailableS,
		&c.ScheduledS, &c.AdherentS, &c.SurveysLinked, &c.NPSN, &c.Promoters, &c.Detractors,
		&c.CSATN, &c.CSATSatisfied, &c.CESN, &c.CESSum, &c.CESSumSq}
}

// Fields lists pointers to every field of c, in declaration order: the
// order of CountsFieldNames, which names them.
func (c *Counts) Fields() []*int64 { return c.fields() }

// countsNames are CountsFieldNames, computed once; countsIndex maps each
// to its place in Fields.
var countsNames, countsIndex = func() ([]string, map[string]int) {
	t := reflect.TypeFor[Counts]()
	names := make([]string, t.NumField())
	index := make(map[string]int, len(names))
	for i := range names {
		names[i], _, _ = strings.Cut(t.Field(i).Tag.Get("json"), ",")
		index[names[i]] = i
	}
	return names, index
}()

// CountsFieldNames are the names of the Counts fields (their JSON names),
// in the order of Fields.
func CountsFieldNames() []string { return slices.Clone(countsNames) }

// CountsFieldIndex is the place in Fields of the field named name (a
// CountsFieldNames name); ok is false when no field has that name.
func CountsFieldIndex(name string) (i int, ok bool) {
	i, ok = countsIndex[name]
	return i, ok
}

// Field returns a pointer to c's field named name (a CountsFieldNames
// name); ok is false when no field has that name.
func (c *Counts) Field(name string) (p *int64, ok bool) {
	i, ok := countsIndex[name]
	if !ok {
		return nil, false
	}
	return c.fields()[i], true
}

// Add adds o field by field.
func (c *Counts) Add(o Counts) {
	dst, src := c.fields(), o.fields()
	for i := range dst {
		*dst[i] += *src[i]
	}
}

// without is c minus o, each field floored at 0: the peers of an agent are
// the team without the agent, and a team total that does not contain the
// agent must not go negative.
func (c Counts) without(o Counts) Counts {
	dst, src := c.fields(), o.fields()
	for i := range dst {
		*dst[i] = max(*dst[i]-*src[i], 0)
	}
	return c
}
