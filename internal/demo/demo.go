// Package demo generates a fictional but realistic contact center as files
// in the formats servicecard ingests: a roster, contacts from three source
// systems (a generic helpdesk CSV, an Asterisk queue_log and Amazon Connect
// contact trace records), surveys (generic CSV and a Qualtrics export),
// agent states and schedules.
//
// The output is a pure function of Options: the same seed and options give
// byte-identical files. Volumes follow a simulated queue (agents on shift,
// breaks, FCFS routing, caller patience), so waits, service levels and
// abandonment come out of the staffing rather than being drawn directly.
// A few agents carry planted patterns (Manifest.Patterns) that the
// coaching and recognition features are expected to find.
package demo

import (
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/servicecard/servicecard/ingest"
)

// DefaultTimezone is the demo's business time zone; it has DST.
const DefaultTimezone = "America/Chicago"

// Defaults of Options.
const (
	DefaultDays   = 90
	DefaultAgents = 48
)

// minAgents is two agents per team: the smallest center that can staff
// both ends of a day and keep the planted patterns apart.
const minAgents = 12

// Planted patterns: keys of Manifest.Patterns.
const (
	// PatternFastUnhappy: handle time about 40% below the team, about
	// three times the team's share of detractors.
	PatternFastUnhappy = "fast_unhappy"
	// PatternStar: NPS around 80, high CSAT, praise comments naming them.
	PatternStar = "star"
	// PatternLongHolds: holds more often and much longer than the team.
	PatternLongHolds = "long_holds"
	// PatternTransfers: transfers about four times as often as the team.
	PatternTransfers = "frequent_transfers"
	// PatternRepeat: their customers contact again within 7 days far more often.
	PatternRepeat = "repeat_contacts"
	// PatternFallingNPS: NPS declines steadily over the last 4 weeks.
	PatternFallingNPS = "falling_nps"
	// PatternLowAdherence: about 70% schedule adherence (late, long breaks).
	PatternLowAdherence = "low_adherence"
	// PatternTeamChange: moves to another team halfway (two roster rows).
	PatternTeamChange = "team_change"
)

// Events of Manifest.Events.
const (
	// EventCSWeek is the Monday of Customer Service Week (first full
	// Monday-Friday week of October), when it falls in the range.
	EventCSWeek = "customer_service_week"
	// EventOutage is the day Tech Support gets 60% more calls than staffed for.
	EventOutage = "tech_support_outage"
)

// ErrOptions says Options cannot describe a contact center.
var ErrOptions = errors.New("demo: invalid options")

// Options describe the center to generate. The zero value (plus Dir) is
// the default 90-day, 48-agent center ending today.
type Options struct {
	// Dir receives the files; it is created if missing.
	Dir string
	// Seed fixes every random choice.
	Seed int64
	// Days is the length of the range (default 90).
	Days int
	// End is the exclusive end of the range, truncated to local midnight
	// (default: today 00:00 in Location).
	End time.Time
	// Location is the business time zone (default America/Chicago).
	Location *time.Location
	// Agents is the head count before Scale (default 48).
	Agents int
	// Scale multiplies the volume by growing the center: Agents x Scale
	// agents, each team bigger, so service levels stay realistic (bigger
	// teams pool better, so the volume grows a little faster than Scale).
	// Default 1.
	Scale float64
}

// FileSpec describes one generated file.
type FileSpec struct {
	// Path is the file's path (Options.Dir joined with its name).
	Path   string
	Kind   ingest.Kind
	Format ingest.Format
	// Source is what to pass as ingest.Options.Source ("" for files that
	// carry a source column).
	Source string
	// Columns maps our field names to the file's columns (Qualtrics).
	Columns map[string]string
	// Rows is how many records a parser should emit; BadRows how many
	// rows it should reject (planted on purpose in the generic files).
	Rows    int
	BadRows int
	// Records breaks Rows down by kind when a file carries more than one:
	// a queue_log holds contact legs (one per ENTERQUEUE) and agent states
	// (one logged_in interval per AGENTLOGIN/AGENTLOGOFF pair, one break
	// per PAUSE/UNPAUSE pair).
	Records map[ingest.Kind]int
}

// Manifest lists what Generate wrote, in ingest order: roster, contacts,
// surveys, states, schedules.
type Manifest struct {
	Files []FileSpec
	// Patterns maps a planted pattern (Pattern* constants) to its agent id.
	Patterns map[string]string
	// Events maps Event* constants to the local date they start.
	Events   map[string]time.Time
	Teams    []string
	Sites    []string
	Timezone string
	// From and To bound the range (local midnights, To exclusive).
	From, To time.Time
}

func (o Options) withDefaults() (Options, error) {
	if o.Dir == "" {
		return o, fmt.Errorf("%w: Dir is empty", ErrOptions)
	}
	if o.Days == 0 {
		o.Days = DefaultDays
	}
	if o.Days < 1 || o.Days > 3660 {
		return o, fmt.Errorf("%w: Days %d not in 1..3660", ErrOptions, o.Days)
	}
	if o.Location == nil {
		loc, err := time.LoadLocation(DefaultTimezone)
		if err != nil {
			return o, fmt.Errorf("demo: load time zone: %w", err)
		}
		o.Location = loc
	}
	if o.Scale == 0 {
		o.Scale = 1
	}
	if o.Scale < 0 {
		return o, fmt.Errorf("%w: Scale %v is negative", ErrOptions, o.Scale)
	}
	if o.Agents == 0 {
		o.Agents = DefaultAgents
	}
	if o.End.IsZero() {
		o.End = time.Now()
	}
	e := o.End.In(o.Location)
	o.End = time.Date(e.Year(), e.Month(), e.Day(), 0, 0, 0, 0, o.Location)
	if n := o.headcount(); n < minAgents {
		return o, fmt.Errorf("%w: %d agents (Agents x Scale), need at least %d", ErrOptions, n, minAgents)
	}
	return o, nil
}

// headcount is the number of agents after scaling.
func (o Options) headcount() int {
	return int(float64(o.Agents)*o.Scale + 0.5)
}

// Generate simulates the center and writes its files into opt.Dir.
func Generate(opt Options) (*Manifest, error) {
	opt, err := opt.withDefaults()
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(opt.Dir, 0o755); err != nil {
		return nil, fmt.Errorf("demo: create %s: %w", opt.Dir, err)
	}
	w := newWorld(opt)
	w.simulate()
	return w.write()
}
