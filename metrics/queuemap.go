package metrics

import (
	"fmt"
	"slices"
	"sort"
	"time"
)

// QueueEntry is one queue map entry of the config's queues: section: from
// the business day ValidFrom (YYYY-MM-DD; empty: always) on, Team and Site
// own Queue.
type QueueEntry struct {
	Queue     string `json:"queue" yaml:"queue"`
	Team      string `json:"team" yaml:"team"`
	Site      string `json:"site,omitempty" yaml:"site"`
	ValidFrom string `json:"valid_from,omitempty" yaml:"valid_from"`
}

// Unmapped is the team and site that own the contacts of a queue missing
// from a queue map that is otherwise loaded: they stay visible, and team
// offered still adds up to the org's.
const Unmapped = "(unmapped queues)"

// NoQueueMapReason explains the null queue metrics of team and site cards
// when no queue map is loaded.
const NoQueueMapReason = "not available: no queue map (load one with `servicecard ingest --kind queues` or the config's queues: section); without it contacts that reached no agent have no team"

// queueFields are the queue fields of Counts (QueueFields): at team and
// site level they come from the queues the team or site owns.
var queueFields = []string{"offered", "answered", "abandoned", "wait_answered_s", "answered_within", "short_abandons"}

// QueueMetric says whether a metric reads a queue field of Counts
// (Offered, Answered, Abandoned, WaitAnsweredS, AnsweredWithin,
// ShortAbandons) among its catalog inputs: offered, asa_s, service_level
// and abandon_rate.
func QueueMetric(id string) bool {
	d, ok := lookup(id)
	if !ok {
		return false
	}
	for _, in := range d.inputs {
		if slices.Contains(queueFields, in) {
			return true
		}
	}
	return false
}

// QueueFields returns c's queue fields only (every other field 0).
func (c Counts) QueueFields() Counts {
	return Counts{Offered: c.Offered, Answered: c.Answered, Abandoned: c.Abandoned,
		WaitAnsweredS: c.WaitAnsweredS, AnsweredWithin: c.AnsweredWithin, ShortAbandons: c.ShortAbandons}
}

// WithoutQueueFields returns c with its queue fields 0.
func (c Counts) WithoutQueueFields() Counts {
	c.Offered, c.Answered, c.Abandoned, c.WaitAnsweredS, c.AnsweredWithin, c.ShortAbandons = 0, 0, 0, 0, 0, 0
	return c
}

// Unavailable sets the queue metrics of values to null with reason.
func Unavailable(values map[string]Value, reason string) {
	for id := range values {
		if QueueMetric(id) {
			values[id] = Value{Reason: reason}
		}
	}
}

type queueOwner struct {
	from       time.Time // a date at UTC midnight
	team, site string
}

// QueueMap says which team and site own a queue on a business day. The
// zero value is an empty map.
type QueueMap struct {
	m map[string][]queueOwner
}

// Add records that team and site own queue from the date of validFrom (as
// written: its year, month and day) on. A later Add of the same queue and
// date replaces the earlier.
func (qm *QueueMap) Add(queue, team, site string, validFrom time.Time) {
	if qm.m == nil {
		qm.m = map[string][]queueOwner{}
	}
	from := time.Date(validFrom.Year(), validFrom.Month(), validFrom.Day(), 0, 0, 0, 0, time.UTC)
	es := qm.m[queue]
	for i := range es {
		if es[i].from.Equal(from) {
			es[i].team, es[i].site = team, site
			return
		}
	}
	es = append(es, queueOwner{from: from, team: team, site: site})
	sort.Slice(es, func(i, j int) bool { return es[i].from.Before(es[j].from) })
	qm.m[queue] = es
}

// Len is the number of queues mapped.
func (qm QueueMap) Len() int { return len(qm.m) }

// Owner returns the team and site that own queue on the business day day
// (its calendar date in its own location): the latest entry from on or
// before that date, or, for a day before the queue's first entry, that
// first entry. ok is false for a queue the map does not know.
func (qm QueueMap) Owner(queue string, day time.Time) (team, site string, ok bool) {
	es := qm.m[queue]
	if len(es) == 0 {
		return "", "", false
	}
	d := time.Date(day.Year(), day.Month(), day.Day(), 0, 0, 0, 0, time.UTC)
	i := sort.Search(len(es), func(i int) bool { return es[i].from.After(d) })
	if i > 0 {
		i--
	}
	return es[i].team, es[i].site, true
}

// AddQueuesTo adds the config's queues: section to qm; an entry for the
// same queue and date as one already in qm replaces it.
func (c Config) AddQueuesTo(qm *QueueMap) {
	for _, e := range c.Queues {
		from := time.Time{}
		if e.ValidFrom != "" {
			from, _ = time.Parse(time.DateOnly, e.ValidFrom) // validated
		}
		qm.Add(e.Queue, e.Team, e.Site, from)
	}
}

func (c *Config) validateQueues(bad func(path, format string, a ...any)) {
	seen := map[[2]string]int{}
	for i, e := range c.Queues {
		p := fmt.Sprintf("queues[%d]", i)
		if e.Queue == "" {
			bad(p+".queue", "required")
		}
		if e.Team == "" {
			bad(p+".team", "required")
		}
		if e.ValidFrom != "" {
			if _, err := time.Parse(time.DateOnly, e.ValidFrom); err != nil {
				bad(p+".valid_from", "want a date YYYY-MM-DD, got %q", e.ValidFrom)
			}
		}
		k := [2]string{e.Queue, e.ValidFrom}
		if j, ok := seen[k]; ok && e.Queue != "" {
			bad(p, "queue %q from %q is already given by queues[%d]", e.Queue, e.ValidFrom, j)
		}
		seen[k] = i
	}
}
