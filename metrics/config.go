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
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
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
	// Tokens are left out of JSON, and so of Version: adding a reader does
	// not change how anything is computed.
	Tokens []TokenEntry `json:"-" yaml:"tokens"`
	// Digest is the file's digest section (mail relay, recipients,
	// schedule) as YAML, validated by internal/digest; nil when absent.
	// Left out of JSON, and so of Version: mail settings compute nothing.
	Digest *yaml.Node `json:"-" yaml:"-"`

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
}

// RecognitionConfig tunes Stars.
type RecognitionConfig struct {
	// MinScore is the composite score a service star needs.
	MinScore float64 `json:"min_score" yaml:"min_score"`
}

// TokenEntry is one bearer token in the config: its SHA-256, never the token.
type TokenEntry struct {
	Name   string   `json:"name" yaml:"name"`
	Role   Role     `json:"role" yaml:"role"`
	Teams  []string `json:"teams,omitempty" yaml:"teams,omitempty,flow"`
	SHA256 string   `json:"sha256" yaml:"sha256"`
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

// The file's shape: pointers tell an absent key (keep the default) from
// an explicit zero.
type fileConfig struct {
	Timezone     *string `yaml:"timezone"`
	ServiceLevel *struct {
		ThresholdS *int      `yaml:"threshold_s"`
		Channels   *[]string `yaml:"channels"`
	} `yaml:"service_level"`
	ShortAbandonS *int `yaml:"short_abandon_s"`
	FCR           *struct {
		Mode       *string `yaml:"mode"`
		WindowDays *int    `yaml:"window_days"`
	} `yaml:"fcr"`
	MinN *struct {
		Survey  *int64 `yaml:"survey"`
		Contact *int64 `yaml:"contact"`
		TimeS   *int64 `yaml:"time_s"`
	} `yaml:"min_n"`
	ShrinkageK *float64 `yaml:"shrinkage_k"`
	Weights    *struct {
		Internal *float64           `yaml:"internal"`
		External *float64           `yaml:"external"`
		Metrics  map[string]float64 `yaml:"metrics"`
	} `yaml:"weights"`
	Targets map[string]struct {
		Target *float64 `yaml:"target"`
		Floor  *float64 `yaml:"floor"`
	} `yaml:"targets"`
	Coaching *struct {
		WindowDays     *int     `yaml:"window_days"`
		MinRelativeGap *float64 `yaml:"min_relative_gap"`
		AdherenceGap   *float64 `yaml:"adherence_gap"`
		MinScheduledS  *int64   `yaml:"min_scheduled_s"`
	} `yaml:"coaching"`
	Recognition *struct {
		MinScore *float64 `yaml:"min_score"`
	} `yaml:"recognition"`
	Tokens []TokenEntry `yaml:"tokens"`
	Digest *rawSection  `yaml:"digest"` // checked by internal/digest
}

// rawSection keeps a section another package validates as its YAML node.
type rawSection struct{ node *yaml.Node }

func (r *rawSection) UnmarshalYAML(n *yaml.Node) error { r.node = n; return nil }

// ParseConfig reads a YAML configuration, applies defaults and validates
// it. Unknown keys are errors. Every problem is reported, each as a
// *ConfigError naming its key path, joined with errors.Join.
func ParseConfig(b []byte) (Config, error) {
	var root yaml.Node
	if err := yaml.Unmarshal(b, &root); err != nil {
		return Config{}, fmt.Errorf("parse config: %w", err)
	}
	if errs := unknownKeys(&root, reflect.TypeFor[fileConfig](), ""); len(errs) > 0 {
		return Config{}, errors.Join(errs...)
	}
	var fc fileConfig
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(&fc); err != nil && !errors.Is(err, io.EOF) {
		return Config{}, fmt.Errorf("parse config: %w", err)
	}
	c := Default()
	var errs []error
	bad := func(path, format string, a ...any) {
		errs = append(errs, &ConfigError{Path: path, Msg: fmt.Sprintf(format, a...)})
	}
	fc.apply(&c)
	c.validate(fc, bad)
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

func set[T any](dst *T, src *T) {
	if src != nil {
		*dst = *src
	}
}

func (fc fileConfig) apply(c *Config) {
	set(&c.Timezone, fc.Timezone)
	if s := fc.ServiceLevel; s != nil {
		set(&c.ServiceLevel.ThresholdS, s.ThresholdS)
		set(&c.ServiceLevel.Channels, s.Channels)
	}
	set(&c.ShortAbandonS, fc.ShortAbandonS)
	if f := fc.FCR; f != nil {
		set(&c.FCR.Mode, f.Mode)
		set(&c.FCR.WindowDays, f.WindowDays)
	}
	if m := fc.MinN; m != nil {
		set(&c.MinN.Survey, m.Survey)
		set(&c.MinN.Contact, m.Contact)
		set(&c.MinN.TimeS, m.TimeS)
	}
	set(&c.ShrinkageK, fc.ShrinkageK)
	if w := fc.Weights; w != nil {
		set(&c.Weights.Internal, w.Internal)
		set(&c.Weights.External, w.External)
		for id, v := range w.Metrics {
			c.Weights.Metrics[id] = v
		}
	}
	for id, g := range fc.Targets {
		cur, ok := c.Targets[id]
		if !ok {
			cur = Goal{Target: math.NaN(), Floor: math.NaN()} // NaN: not given
		}
		set(&cur.Target, g.Target)
		set(&cur.Floor, g.Floor)
		c.Targets[id] = cur
	}
	if k := fc.Coaching; k != nil {
		set(&c.Coaching.WindowDays, k.WindowDays)
		set(&c.Coaching.MinRelativeGap, k.MinRelativeGap)
		set(&c.Coaching.AdherenceGap, k.AdherenceGap)
		set(&c.Coaching.MinScheduledS, k.MinScheduledS)
	}
	if r := fc.Recognition; r != nil {
		set(&c.Recognition.MinScore, r.MinScore)
	}
	c.Tokens = fc.Tokens
	if fc.Digest != nil {
		c.Digest = fc.Digest.node
	}
}

func finite(f float64) bool { return !math.IsNaN(f) && !math.IsInf(f, 0) }

func joinInts(xs []int) string {
	s := make([]string, len(xs))
	for i, x := range xs {
		s[i] = strconv.Itoa(x)
	}
	return strings.Join(s, ", ")
}

func (c *Config) validate(fc fileConfig, bad func(path, format string, a ...any)) {
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
	if r := c.Recognition.MinScore; !finite(r) || r < 0 || r > 100 {
		bad("recognition.min_score", "must be between 0 and 100, got %v", r)
	}
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
		case t.Role == RoleSupervisor && len(t.Teams) == 0:
			bad(p+".teams", "a supervisor token needs at least one team")
		case t.Role.Valid() && t.Role != RoleSupervisor && len(t.Teams) > 0:
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

// unknownKeys walks the YAML tree against the file's Go type and reports
// each key the type does not have, by key path: yaml.v3's own KnownFields
// error names the Go type, not where the key sits.
func unknownKeys(n *yaml.Node, t reflect.Type, path string) []error {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == reflect.TypeFor[rawSection]() {
		return nil // a section another package validates
	}
	switch n.Kind {
	case yaml.DocumentNode:
		var errs []error
		for _, c := range n.Content {
			errs = append(errs, unknownKeys(c, t, path)...)
		}
		return errs
	case yaml.AliasNode:
		if n.Alias != nil {
			return unknownKeys(n.Alias, t, path)
		}
		return nil
	case yaml.MappingNode:
		var errs []error
		for i := 0; i+1 < len(n.Content); i += 2 {
			key, val := n.Content[i], n.Content[i+1]
			if key.Value == "<<" { // merge key: its mapping must fit this type
				errs = append(errs, unknownKeys(val, t, path)...)
				continue
			}
			p := key.Value
			if path != "" {
				p = path + "." + key.Value
			}
			switch t.Kind() {
			case reflect.Struct:
				f, ok := fieldByTag(t, key.Value)
				if !ok {
					errs = append(errs, &ConfigError{Path: p, Msg: fmt.Sprintf("unknown key (line %d)", key.Line)})
					continue
				}
				errs = append(errs, unknownKeys(val, f.Type, p)...)
			case reflect.Map:
				errs = append(errs, unknownKeys(val, t.Elem(), p)...)
			}
		}
		return errs
	case yaml.SequenceNode:
		if t.Kind() != reflect.Slice {
			return nil
		}
		var errs []error
		for i, c := range n.Content {
			errs = append(errs, unknownKeys(c, t.Elem(), fmt.Sprintf("%s[%d]", path, i))...)
		}
		return errs
	}
	return nil
}

func fieldByTag(t reflect.Type, key string) (reflect.StructField, bool) {
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if name == key {
			return f, true
		}
	}
	return reflect.StructField{}, false
}
