package metrics

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/servicecard/servicecard/internal/auth"
)

// EnvConfig names the environment variable that holds the config file path.
const EnvConfig = "SERVICECARD_CONFIG"

// ServiceLevelThresholds are the answer thresholds T (seconds) the rollups
// precompute "answered within T" for; service_level.threshold_s must be one.
var ServiceLevelThresholds = []int{10, 15, 20, 30, 45, 60, 90, 120, 180, 300}

// ShortAbandonThresholds are the short-abandon limits S (seconds) the
// rollups precompute; 0 turns the short-abandon exclusion off.
var ShortAbandonThresholds = []int{0, 3, 5, 10}

// FCR modes.
const (
	// FCRRepeat: resolved when the same customer does not contact again
	// within fcr.window_days.
	FCRRepeat = "repeat"
	// FCRFlag: the source's resolved flag decides.
	FCRFlag = "flag"
)

// Config is servicecard's configuration with defaults applied and
// validated. Build one with Default, ParseConfig or LoadConfig.
type Config struct {
	// Timezone is the business time zone periods are bucketed in.
	Timezone     string             `json:"timezone" yaml:"timezone"`
	ServiceLevel ServiceLevelConfig `json:"service_level" yaml:"service_level"`
	// ShortAbandonS: a contact abandoned after waiting less than this many
	// seconds is a short abandon, left out of service level and abandon
	// rate. 0 counts every abandon.
	ShortAbandonS int               `json:"short_abandon_s" yaml:"short_abandon_s"`
	FCR           FCRConfig         `json:"fcr" yaml:"fcr"`
	MinN          MinN              `json:"min_n" yaml:"min_n"`
	ShrinkageK    float64           `json:"shrinkage_k" yaml:"shrinkage_k"`
	Weights       Weights           `json:"weights" yaml:"weights"`
	Targets       map[string]Goal   `json:"targets" yaml:"targets"`
	Coaching      CoachingConfig    `json:"coaching" yaml:"coaching"`
	Recognition   RecognitionConfig `json:"recognition" yaml:"recognition"`
	// Queues is the queue map of the config (see QueueMap); entries loaded
	// with `servicecard ingest --kind queues` add to it.
	Queues []QueueEntry `json:"queues,omitempty" yaml:"queues"`
	// Tokens are left out of JSON, and so of Version: adding a reader does
	// not change how anything is computed.
	Tokens []auth.TokenEntry `json:"-" yaml:"tokens"`
	// Digest is the file's digest section (mail relay, recipients,
	// schedule) as YAML, validated by internal/digest; nil when absent.
	// Left out of JSON, and so of Version: mail settings compute nothing.
	Digest *Section `json:"-" yaml:"digest"`

	loc *time.Location
}

// ServiceLevelConfig defines service level.
type ServiceLevelConfig struct {
	// ThresholdS is T: answered with wait <= T seconds counts as met.
	ThresholdS int `json:"threshold_s" yaml:"threshold_s"`
	// Channels are the real-time channels queue metrics (offered, ASA,
	// service level, abandon rate) are computed over. Deferred channels
	// such as email wait hours by design: mixed in, they would drown the
	// seconds callers wait. Their contacts still count in handled, AHT,
	// transfers, FCR and surveys.
	Channels []string `json:"channels" yaml:"channels,flow"`
}

// FCRConfig defines first contact resolution.
type FCRConfig struct {
	Mode       string `json:"mode" yaml:"mode"`               // repeat or flag
	WindowDays int    `json:"window_days" yaml:"window_days"` // repeat mode only
	// PlaceholderCustomers are customer ids that name nobody, besides
	// "", "anonymous", "unknown" and "0" (compared trimmed, in lower case):
	// their contacts are not a customer's for repeat-contact FCR.
	PlaceholderCustomers []string `json:"placeholder_customers,omitempty" yaml:"placeholder_customers"`
}

// MinN are the sample sizes below which a metric is insufficient.
type MinN struct {
	Survey  int64 `json:"survey" yaml:"survey"`   // answers, for nps, csat, ces
	Contact int64 `json:"contact" yaml:"contact"` // contacts or legs
	TimeS   int64 `json:"time_s" yaml:"time_s"`   // seconds, for occupancy and adherence
}

// Weights blend metric scores into subscores and subscores into the score.
type Weights struct {
	Internal float64 `json:"internal" yaml:"internal"`
	External float64 `json:"external" yaml:"external"`
	// Metrics weighs each metric inside its subscore; absent or 0: not scored.
	Metrics map[string]float64 `json:"metrics" yaml:"metrics"`
}

// Goal is where a metric scores 100 (Target) and 0 (Floor).
type Goal struct {
	Target float64 `json:"target" yaml:"target"`
	Floor  float64 `json:"floor" yaml:"floor"`
}

// CoachingConfig tunes Coach.
type CoachingConfig struct {
	// WindowDays is the trailing window compared (and the previous window
	// of the same length for falling NPS).
	WindowDays int `json:"window_days" yaml:"window_days"`
	// MinRelativeGap: a difference must also matter, not only be
	// significant: the agent's rate must differ from the peers' by at least
	// this fraction of the peers' rate (and AHT be this much lower).
	MinRelativeGap float64 `json:"min_relative_gap" yaml:"min_relative_gap"`
	// AdherenceGap is how far (absolute, 0..1) below the peers' adherence
	// an agent must be; MinScheduledS how much scheduled time the agent
	// needs in the window.
	AdherenceGap  float64 `json:"adherence_gap" yaml:"adherence_gap"`
	MinScheduledS int64   `json:"min_scheduled_s" yaml:"min_scheduled_s"`
	// MinEvents: a share is flagged only when the agent has at least this
	// many more events (held, transferred, unresolved contacts, detractors)
	// than the peers' rate predicts for the agent's sample.
	MinEvents int64 `json:"min_events" yaml:"min_events"`
}

// RecognitionConfig tunes Stars.
type RecognitionConfig struct {
	// MinScore is the composite score a service star needs.
	MinScore float64 `json:"min_score" yaml:"min_score"`
}

// Default is the configuration used when no file is given.
func Default() Config {
	return Config{
		Timezone:      "UTC",
		ServiceLevel:  ServiceLevelConfig{ThresholdS: 20, Channels: []string{"voice", "chat"}},
		ShortAbandonS: 5,
		FCR:           FCRConfig{Mode: FCRRepeat, WindowDays: 7},
		MinN:          MinN{Survey: 10, Contact: 20, TimeS: 3600},
		ShrinkageK:    30,
		Weights: Weights{
			Internal: 0.5,
			External: 0.5,
			Metrics: map[string]float64{
				IDAHT: 1, IDASA: 1, IDServiceLevel: 1, IDAbandonRate: 1, IDFCRRate: 1,
				IDTransferRate: 1, IDAdherence: 1, IDNPS: 1, IDCSAT: 1, IDCES: 1,
			},
		},
		Targets: map[string]Goal{
			IDAHT:          {Target: 300, Floor: 600},
			IDASA:          {Target: 20, Floor: 120},
			IDServiceLevel: {Target: 0.8, Floor: 0.5},
			IDAbandonRate:  {Target: 0.05, Floor: 0.15},
			IDFCRRate:      {Target: 0.75, Floor: 0.5},
			IDTransferRate: {Target: 0.1, Floor: 0.3},
			IDAdherence:    {Target: 0.9, Floor: 0.7},
			IDNPS:          {Target: 50, Floor: 0},
			IDCSAT:         {Target: 0.85, Floor: 0.6},
			IDCES:          {Target: 6, Floor: 4},
		},
		Coaching: CoachingConfig{
			WindowDays:     28,
			MinRelativeGap: 0.1,
			AdherenceGap:   0.05,
			MinScheduledS:  20 * 3600,
			MinEvents:      5,
		},
		Recognition: RecognitionConfig{MinScore: 80},
		loc:         time.UTC,
	}
}

// Location is the business time zone (UTC when unset).
func (c Config) Location() *time.Location {
	if c.loc == nil {
		return time.UTC
	}
	return c.loc
}

// Goal returns the target and floor of a metric, if it has them.
func (c Config) Goal(id string) (Goal, bool) {
	g, ok := c.Targets[id]
	return g, ok
}

func (c Config) minN(s sample) int64 {
	switch s {
	case sampleContacts:
		return c.MinN.Contact
	case sampleSurveys:
		return c.MinN.Survey
	case sampleSeconds:
		return c.MinN.TimeS
	}
	return 0
}

// Version identifies what the configuration computes: a hash of its
// normalised JSON form (defaults applied, map keys sorted, tokens left
// out). Snapshots record it, so a changed target or threshold shows.
func (c Config) Version() string {
	b, err := json.Marshal(c)
	if err != nil { // cannot happen for validated configs: no NaN or Inf
		return "invalid"
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:8])
}

// ConfigError is one configuration problem at a key path such as
// "targets.nps.floor" or "tokens[2].role".
type ConfigError struct {
	Path string
	Msg  string
}

func (e *ConfigError) Error() string { return e.Path + ": " + e.Msg }

// Is makes every ConfigError match ErrInvalidConfig.
func (e *ConfigError) Is(target error) bool { return target == ErrInvalidConfig }

// Section is a part of the config file that another package validates,
// kept as its YAML node. (A *yaml.Node field would be checked against
// KnownFields all the same; an Unmarshaler is not.)
type Section struct{ Node *yaml.Node }

// UnmarshalYAML keeps the node.
func (s *Section) UnmarshalYAML(n *yaml.Node) error { s.Node = n; return nil }

// LoadConfig reads and validates the YAML file at path; an empty path
// gives Default().
func LoadConfig(path string) (Config, error) {
	if path == "" {
		return Default(), nil
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return Config{}, fmt.Errorf("read config: %w", err)
	}
	c, err := ParseConfig(b)
	if err != nil {
		return Config{}, fmt.Errorf("config %s: %w", path, err)
	}
	return c, nil
}

// ParseConfig reads a YAML configuration, applies defaults and validates
// it. Unknown keys are errors. Every problem is reported, each as a
// *ConfigError naming its key path, joined with errors.Join.
//
// The file is decoded by yaml.v3 over Default() with KnownFields(true): a
// key the file leaves out keeps its default. A goal (targets.<id>) given
// in part keeps the default of the part left out (see Goal.UnmarshalYAML).
func ParseConfig(b []byte) (Config, error) {
	c := Default()
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(&c); err != nil && !errors.Is(err, io.EOF) {
		return Config{}, decodeError(b, err)
	}
	def := Default()
	for id, g := range c.Targets {
		if d, ok := def.Targets[id]; ok {
			if math.IsNaN(g.Target) {
				g.Target = d.Target
			}
			if math.IsNaN(g.Floor) {
				g.Floor = d.Floor
			}
			c.Targets[id] = g
		}
	}
	var errs []error
	bad := func(path, format string, a ...any) {
		errs = append(errs, &ConfigError{Path: path, Msg: fmt.Sprintf(format, a...)})
	}
	c.validate(bad)
	if len(errs) > 0 {
		return Config{}, errors.Join(errs...)
	}
	// A weight of 0 and an absent weight mean the same: keep one spelling,
	// so both give the same Version.
	for id, w := range c.Weights.Metrics {
		if w == 0 {
			delete(c.Weights.Metrics, id)
		}
	}
	return c, nil
}

// UnmarshalYAML reads a goal; a part the YAML leaves out is NaN ("not
// given"), which ParseConfig fills from the default goal of the metric or
// reports as missing. Keys other than target and floor are errors.
func (g *Goal) UnmarshalYAML(n *yaml.Node) error {
	var f struct {
		Target *float64 `yaml:"target"`
		Floor  *float64 `yaml:"floor"`
	}
	if n.Kind == yaml.MappingNode {
		var unknown []string
		for i := 0; i+1 < len(n.Content); i += 2 {
			if k := n.Content[i]; k.Value != "target" && k.Value != "floor" {
				unknown = append(unknown, fmt.Sprintf("line %d: field %s not found in type metrics.Goal", k.Line, k.Value))
			}
		}
		if len(unknown) > 0 {
			return &yaml.TypeError{Errors: unknown}
		}
	}
	if err := n.Decode(&f); err != nil {
		return err
	}
	*g = Goal{Target: math.NaN(), Floor: math.NaN()}
	if f.Target != nil {
		g.Target = *f.Target
	}
	if f.Floor != nil {
		g.Floor = *f.Floor
	}
	return nil
}

// unknownFieldRe matches yaml.v3's KnownFields error for one key.
var unknownFieldRe = regexp.MustCompile(`^line (\d+): field (.+) not found in type \S+$`)

// decodeError turns yaml.v3's unknown-key errors, which name the Go type,
// into ConfigErrors that name the key path. Any other error (bad YAML, a
// value of the wrong type) is a parse error.
func decodeError(b []byte, err error) error {
	var te *yaml.TypeError
	if !errors.As(err, &te) {
		return fmt.Errorf("parse config: %w", err)
	}
	var root yaml.Node
	if yaml.Unmarshal(b, &root) != nil {
		return fmt.Errorf("parse config: %w", err)
	}
	var errs []error
	for _, msg := range te.Errors {
		m := unknownFieldRe.FindStringSubmatch(msg)
		if m == nil {
			return fmt.Errorf("parse config: %w", err)
		}
		line, _ := strconv.Atoi(m[1])
		path := keyPath(&root, line, m[2], "")
		if path == "" {
			path = m[2]
		}
		errs = append(errs, &ConfigError{Path: path, Msg: fmt.Sprintf("unknown key (line %d)", line)})
	}
	return errors.Join(errs...)
}

// keyPath finds the key named key on the given line and returns its path
// ("weights.metrics.x", "tokens[2].role"); "" when there is none.
func keyPath(n *yaml.Node, line int, key, path string) string {
	switch n.Kind {
	case yaml.DocumentNode:
		for _, c := range n.Content {
			if p := keyPath(c, line, key, path); p != "" {
				return p
			}
		}
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			p := path
			if k.Value != "<<" { // a merge key's mapping sits at this path
				p = k.Value
				if path != "" {
					p = path + "." + k.Value
				}
			}
			if k.Line == line && k.Value == key {
				return p
			}
			if q := keyPath(v, line, key, p); q != "" {
				return q
			}
		}
	case yaml.SequenceNode:
		for i, c := range n.Content {
			if p := keyPath(c, line, key, fmt.Sprintf("%s[%d]", path, i)); p != "" {
				return p
			}
		}
	}
	return ""
}

func finite(f float64) bool { return !math.IsNaN(f) && !math.IsInf(f, 0) }

func joinInts(xs []int) string {
	s := make([]string, len(xs))
	for i, x := range xs {
		s[i] = strconv.Itoa(x)
	}
	return strings.Join(s, ", ")
}

func (c *Config) validate(bad func(path, format string, a ...any)) {
	switch {
	case c.Timezone == "":
		bad("timezone", "must name an IANA time zone such as Europe/Berlin")
	case c.Timezone == "Local":
		bad("timezone", "\"Local\" depends on the server; name an IANA time zone")
	default:
		loc, err := time.LoadLocation(c.Timezone)
		if err != nil {
			bad("timezone", "unknown time zone %q", c.Timezone)
		} else {
			c.loc = loc
		}
	}
	if !slices.Contains(ServiceLevelThresholds, c.ServiceLevel.ThresholdS) {
		bad("service_level.threshold_s", "must be one of %s (the rollups precompute these), got %d",
			joinInts(ServiceLevelThresholds), c.ServiceLevel.ThresholdS)
	}
	if len(c.ServiceLevel.Channels) == 0 {
		bad("service_level.channels", "must list at least one channel (e.g. [voice, chat])")
	}
	for i, ch := range c.ServiceLevel.Channels {
		if strings.TrimSpace(ch) == "" || ch != strings.ToLower(ch) {
			bad(fmt.Sprintf("service_level.channels[%d]", i), "want a lowercase channel name as stored in contacts.channel, got %q", ch)
		}
	}
	if !slices.Contains(ShortAbandonThresholds, c.ShortAbandonS) {
		bad("short_abandon_s", "must be one of 3, 5, 10 (or 0 to count every abandon), got %d", c.ShortAbandonS)
	}
	if c.FCR.Mode != FCRRepeat && c.FCR.Mode != FCRFlag {
		bad("fcr.mode", "must be %q or %q, got %q", FCRRepeat, FCRFlag, c.FCR.Mode)
	}
	if c.FCR.WindowDays < 1 || c.FCR.WindowDays > 90 {
		bad("fcr.window_days", "must be between 1 and 90, got %d", c.FCR.WindowDays)
	}
	for _, m := range []struct {
		path string
		v    int64
	}{{"min_n.survey", c.MinN.Survey}, {"min_n.contact", c.MinN.Contact}, {"min_n.time_s", c.MinN.TimeS}} {
		if m.v < 0 {
			bad(m.path, "must not be negative, got %d", m.v)
		}
	}
	if !finite(c.ShrinkageK) || c.ShrinkageK < 0 {
		bad("shrinkage_k", "must be a number >= 0 (0 turns shrinkage off), got %v", c.ShrinkageK)
	}
	c.validateWeights(bad)
	c.validateTargets(bad)
	k := c.Coaching
	if k.WindowDays < 1 || k.WindowDays > 365 {
		bad("coaching.window_days", "must be between 1 and 365, got %d", k.WindowDays)
	}
	if !finite(k.MinRelativeGap) || k.MinRelativeGap < 0 || k.MinRelativeGap >= 1 {
		bad("coaching.min_relative_gap", "must be at least 0 and below 1, got %v", k.MinRelativeGap)
	}
	if !finite(k.AdherenceGap) || k.AdherenceGap <= 0 || k.AdherenceGap >= 1 {
		bad("coaching.adherence_gap", "must be above 0 and below 1, got %v", k.AdherenceGap)
	}
	if k.MinScheduledS < 0 {
		bad("coaching.min_scheduled_s", "must not be negative, got %d", k.MinScheduledS)
	}
	if k.MinEvents < 0 {
		bad("coaching.min_events", "must not be negative, got %d", k.MinEvents)
	}
	if r := c.Recognition.MinScore; !finite(r) || r < 0 || r > 100 {
		bad("recognition.min_score", "must be between 0 and 100, got %v", r)
	}
	c.validateQueues(bad)
	c.validateTokens(bad)
}

func (c *Config) validateWeights(bad func(path, format string, a ...any)) {
	w := c.Weights
	for _, s := range []struct {
		path string
		v    float64
	}{{"weights.internal", w.Internal}, {"weights.external", w.External}} {
		if !finite(s.v) || s.v < 0 {
			bad(s.path, "must be a number >= 0, got %v", s.v)
		}
	}
	if w.Internal+w.External <= 0 {
		bad("weights", "internal and external must not both be 0")
	}
	used := map[Family]bool{}
	for _, id := range sortedKeys(w.Metrics) {
		v := w.Metrics[id]
		path := "weights.metrics." + id
		d, ok := lookup(id)
		switch {
		case !ok:
			bad(path, "unknown metric (want one of %s)", strings.Join(IDs(), ", "))
		case !finite(v) || v < 0:
			bad(path, "must be a number >= 0, got %v", v)
		case v > 0 && d.family == FamilyVolume:
			bad(path, "%s is a volume metric and is not scored", id)
		case v > 0:
			if _, ok := c.Targets[id]; !ok {
				bad(path, "a scored metric needs targets.%s.target and targets.%s.floor", id, id)
			}
			used[d.family] = true
		}
	}
	if w.Internal > 0 && !used[FamilyInternal] {
		bad("weights.metrics", "no internal metric has a positive weight while weights.internal is %v", w.Internal)
	}
	if w.External > 0 && !used[FamilyExternal] {
		bad("weights.metrics", "no external metric has a positive weight while weights.external is %v", w.External)
	}
}

func (c *Config) validateTargets(bad func(path, format string, a ...any)) {
	for _, id := range sortedKeys(c.Targets) {
		g := c.Targets[id]
		path := "targets." + id
		d, ok := lookup(id)
		if !ok {
			bad(path, "unknown metric (want one of %s)", strings.Join(IDs(), ", "))
			continue
		}
		if d.family == FamilyVolume {
			bad(path, "%s is a volume metric and has no target", id)
			continue
		}
		lo, hi := math.Inf(-1), math.Inf(1)
		switch d.unit {
		case UnitRatio:
			lo, hi = 0, 1
		case UnitNPS:
			lo, hi = -100, 100
		case UnitScore17:
			lo, hi = 1, 7
		case UnitSeconds:
			lo = 0
		}
		okT, okF := true, true
		for _, s := range []struct {
			key string
			v   float64
			ok  *bool
		}{{"target", g.Target, &okT}, {"floor", g.Floor, &okF}} {
			switch {
			case math.IsNaN(s.v):
				bad(path+"."+s.key, "missing (a goal needs both target and floor)")
				*s.ok = false
			case s.v < lo || s.v > hi:
				bad(path+"."+s.key, "must be between %v and %v, got %v", lo, hi, s.v)
				*s.ok = false
			}
		}
		if !okT || !okF {
			continue
		}
		switch {
		case g.Target == g.Floor:
			bad(path+".floor", "must differ from target")
		case d.dir == HigherIsBetter && g.Target < g.Floor:
			bad(path+".target", "must be above the floor (%v) for a higher-is-better metric, got %v", g.Floor, g.Target)
		case d.dir == LowerIsBetter && g.Target > g.Floor:
			bad(path+".target", "must be below the floor (%v) for a lower-is-better metric, got %v", g.Floor, g.Target)
		}
	}
}

func (c *Config) validateTokens(bad func(path, format string, a ...any)) {
	names := map[string]int{}
	hashes := map[string]int{}
	for i := range c.Tokens {
		t := &c.Tokens[i]
		p := fmt.Sprintf("tokens[%d]", i)
		if strings.TrimSpace(t.Name) == "" {
			bad(p+".name", "must not be empty")
		} else if j, dup := names[t.Name]; dup {
			bad(p+".name", "%q is already used by tokens[%d]", t.Name, j)
		} else {
			names[t.Name] = i
		}
		if !t.Role.Valid() {
			bad(p+".role", "unknown role %q (want executive, supervisor, analyst or admin)", t.Role)
		}
		t.SHA256 = strings.ToLower(strings.TrimSpace(t.SHA256))
		if b, err := hex.DecodeString(t.SHA256); err != nil || len(b) != sha256.Size {
			bad(p+".sha256", "must be 64 hex digits (the SHA-256 of the token, as `servicecard token new` prints it)")
		} else if j, dup := hashes[t.SHA256]; dup {
			bad(p+".sha256", "same token as tokens[%d]", j)
		} else {
			hashes[t.SHA256] = i
		}
		switch {
		case t.Role == auth.RoleSupervisor && len(t.Teams) == 0:
			bad(p+".teams", "a supervisor token needs at least one team")
		case t.Role.Valid() && t.Role != auth.RoleSupervisor && len(t.Teams) > 0:
			bad(p+".teams", "only supervisor tokens are scoped to teams (role %s sees every team it may see)", t.Role)
		}
		for j, team := range t.Teams {
			if strings.TrimSpace(team) == "" {
				bad(fmt.Sprintf("%s.teams[%d]", p, j), "must not be empty")
			}
		}
	}
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
