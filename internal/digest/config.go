package digest

import (
	"errors"
	"fmt"
	"net/mail"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/servicecard/servicecard/metrics"
)

// Config is the digest section of the configuration file: the mail relay,
// who receives which digest, and when.
//
//	digest:
//	  from: "Service scorecard <scorecards@example.com>"
//	  smtp: {host: smtp.example.com, port: 587, starttls: true,
//	         username_env: SERVICECARD_SMTP_USERNAME, password_env: SERVICECARD_SMTP_PASSWORD}
//	  schedule: {weekday: monday, time: "07:00"}   # business time zone
//	  executive:
//	    - {name: Ops Director, email: ops@example.com}
//	  supervisor:
//	    - {name: Billing lead, email: billing-lead@example.com, teams: [Billing]}
type Config struct {
	From       string      `yaml:"from"`
	SMTP       SMTPConfig  `yaml:"smtp"`
	Schedule   Schedule    `yaml:"schedule"`
	Executive  []Recipient `yaml:"executive"`
	Supervisor []Recipient `yaml:"supervisor"`
}

// SMTPConfig is the relay. Credentials never sit in the file: UsernameEnv
// and PasswordEnv name the environment variables that hold them.
type SMTPConfig struct {
	Host string `yaml:"host"`
	Port int    `yaml:"port"`
	// StartTLS requires the relay to offer STARTTLS and upgrades before
	// authenticating; default true. Only a relay on loopback may go
	// without it.
	StartTLS    *bool  `yaml:"starttls"`
	UsernameEnv string `yaml:"username_env"`
	PasswordEnv string `yaml:"password_env"`
	// TimeoutS bounds one delivery (dial to QUIT); default 30.
	TimeoutS int `yaml:"timeout_s"`
}

// Schedule is when serve sends: on Weekday at Time (HH:MM) in the
// business time zone, the digest of the week (Monday to Sunday) that
// ended before.
type Schedule struct {
	Weekday string `yaml:"weekday"`
	Time    string `yaml:"time"`

	day  time.Weekday
	hour int
	min  int
}

// Recipient is one person on a digest's list. Supervisors name their
// teams: their digest covers those teams and nothing else.
type Recipient struct {
	Name  string   `yaml:"name"`
	Email string   `yaml:"email"`
	Teams []string `yaml:"teams,flow"`
}

// Address is the recipient as a mail header address.
func (r Recipient) Address() string {
	return (&mail.Address{Name: r.Name, Address: r.Email}).String()
}

// UseStartTLS says whether to upgrade the connection.
func (s SMTPConfig) UseStartTLS() bool { return s.StartTLS == nil || *s.StartTLS }

// Enabled says whether the configuration sends anything at all.
func (c Config) Enabled() bool {
	return c.SMTP.Host != "" && (len(c.Executive) > 0 || len(c.Supervisor) > 0)
}

// Recipients are the audience's list.
func (c Config) Recipients(a Audience) []Recipient {
	if a == Executive {
		return c.Executive
	}
	return c.Supervisor
}

// ParseConfig validates the digest section of a configuration (nil: no
// digest configured). Every problem names its key path and line, such as
// "digest.supervisor[1].teams (line 14): a supervisor needs at least one
// team".
func ParseConfig(cfg metrics.Config) (Config, error) {
	c := Config{Schedule: Schedule{Weekday: "monday", Time: "07:00"}}
	var n *yaml.Node
	if cfg.Digest != nil {
		n = cfg.Digest.Node
	}
	if n == nil {
		_ = c.Schedule.resolve()
		return c, nil
	}
	var errs []error
	bad := func(path string, line int, format string, a ...any) {
		errs = append(errs, &metrics.ConfigError{Path: fmt.Sprintf("digest.%s (line %d)", path, line), Msg: fmt.Sprintf(format, a...)})
	}
	if err := decodeStrict(n, &c); err != nil {
		return Config{}, &metrics.ConfigError{Path: fmt.Sprintf("digest (line %d)", n.Line), Msg: err.Error()}
	}
	line := func(path ...string) int { return lineOf(n, path...) }
	if c.SMTP.Host == "" && (len(c.Executive) > 0 || len(c.Supervisor) > 0) {
		bad("smtp.host", line("smtp"), "required when recipients are listed")
	}
	if c.SMTP.Port == 0 {
		c.SMTP.Port = 587
	}
	if c.SMTP.Port < 1 || c.SMTP.Port > 65535 {
		bad("smtp.port", line("smtp", "port"), "want 1-65535, got %d", c.SMTP.Port)
	}
	if c.SMTP.TimeoutS == 0 {
		c.SMTP.TimeoutS = 30
	}
	if c.SMTP.TimeoutS < 0 {
		bad("smtp.timeout_s", line("smtp", "timeout_s"), "must be positive")
	}
	if (c.SMTP.UsernameEnv == "") != (c.SMTP.PasswordEnv == "") {
		bad("smtp", line("smtp"), "set both username_env and password_env, or neither")
	}
	if c.SMTP.Host != "" && !c.SMTP.UseStartTLS() && !loopbackHost(c.SMTP.Host) {
		bad("smtp.starttls", line("smtp", "starttls"), "may be false only for a relay on loopback (mail and passwords would cross the network in clear)")
	}
	if c.From == "" && c.SMTP.Host != "" {
		bad("from", line(), "required: the sender address")
	} else if c.From != "" {
		if _, err := mail.ParseAddress(c.From); err != nil {
			bad("from", line("from"), "not an address: %v", err)
		}
	}
	if err := c.Schedule.resolve(); err != nil {
		bad("schedule", line("schedule"), "%v", err)
	}
	for _, a := range []Audience{Executive, Supervisor} {
		seen := map[string]bool{}
		for i, r := range c.Recipients(a) {
			path := fmt.Sprintf("%s[%d]", a, i)
			l := line(string(a))
			if addr, err := mail.ParseAddress(r.Email); err != nil || addr.Address != r.Email {
				bad(path+".email", l, "not an address: %q", r.Email)
			}
			if seen[strings.ToLower(r.Email)] {
				bad(path+".email", l, "%s is listed twice", r.Email)
			}
			seen[strings.ToLower(r.Email)] = true
			switch {
			case a == Supervisor && len(r.Teams) == 0:
				bad(path+".teams", l, "a supervisor needs at least one team")
			case a == Executive && len(r.Teams) > 0:
				bad(path+".teams", l, "executives get the whole organisation; teams are for supervisors")
			}
		}
	}
	if len(errs) > 0 {
		return Config{}, errors.Join(errs...)
	}
	return c, nil
}

func decodeStrict(n *yaml.Node, v any) error {
	// yaml.v3 checks unknown keys only through a Decoder: re-encode the node.
	b, err := yaml.Marshal(n)
	if err != nil {
		return err
	}
	dec := yaml.NewDecoder(strings.NewReader(string(b)))
	dec.KnownFields(true)
	return dec.Decode(v)
}

// lineOf finds the line of a key path in a mapping node (the node's own
// line when a key is missing).
func lineOf(n *yaml.Node, path ...string) int {
	line := n.Line
	for _, key := range path {
		if n.Kind != yaml.MappingNode {
			return line
		}
		found := false
		for i := 0; i+1 < len(n.Content); i += 2 {
			if n.Content[i].Value == key {
				line, n, found = n.Content[i].Line, n.Content[i+1], true
				break
			}
		}
		if !found {
			return line
		}
	}
	return line
}

func loopbackHost(h string) bool {
	return h == "localhost" || strings.HasPrefix(h, "127.") || h == "::1"
}

var weekdays = map[string]time.Weekday{
	"sunday": time.Sunday, "monday": time.Monday, "tuesday": time.Tuesday, "wednesday": time.Wednesday,
	"thursday": time.Thursday, "friday": time.Friday, "saturday": time.Saturday,
}

func (s *Schedule) resolve() error {
	d, ok := weekdays[strings.ToLower(s.Weekday)]
	if !ok {
		return fmt.Errorf("weekday: want monday..sunday, got %q", s.Weekday)
	}
	h, m, ok := strings.Cut(s.Time, ":")
	hh, err1 := strconv.Atoi(h)
	mm, err2 := strconv.Atoi(m)
	if !ok || err1 != nil || err2 != nil || hh < 0 || hh > 23 || mm < 0 || mm > 59 {
		return fmt.Errorf("time: want HH:MM, got %q", s.Time)
	}
	s.day, s.hour, s.min = d, hh, mm
	return nil
}

// Due is the instant, in loc, at which the digest of the week starting on
// Monday week is due: the first scheduled weekday and time after the
// week ended.
func (s Schedule) Due(week time.Time, loc *time.Location) time.Time {
	if s.resolve() != nil { // validated by ParseConfig; a literal may be off
		s.day, s.hour, s.min = time.Monday, 7, 0
	}
	end := metrics.Next(week, metrics.GrainWeek, loc)
	y, m, d := end.In(loc).Date()
	ahead := (int(s.day) - int(time.Monday) + 7) % 7
	return time.Date(y, m, d+ahead, s.hour, s.min, 0, 0, loc)
}
