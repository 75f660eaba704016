package digest

import (
	"bytes"
	"context"
	"crypto/tls"
	_ "embed"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/mail"
	"net/smtp"
	"path/filepath"
	"strconv"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"
	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/servicecard/servicecard/internal/notes"
	"github.com/servicecard/servicecard/metrics"
)

//go:embed sql/sends_read.sql
var sendsReadSQL string

// Statuses of a delivery in digest_sends.
const (
	StatusSending = "sending" // handed to the relay; outcome not yet known
	StatusSent    = "sent"
	StatusFailed  = "failed"  // retried on the next run
	StatusSkipped = "skipped" // already sent (or sending) before
	StatusWritten = "written" // dry run
)

// Mailer delivers one message.
type Mailer interface {
	Send(ctx context.Context, from string, to []string, msg []byte) error
}

// SMTP delivers through the configured relay, upgrading with STARTTLS
// and authenticating (PLAIN) with the credentials from the environment.
type SMTP struct {
	Config SMTPConfig
	Getenv func(string) string
}

// Send delivers msg.
func (s SMTP) Send(ctx context.Context, from string, to []string, msg []byte) error {
	addr := net.JoinHostPort(s.Config.Host, strconv.Itoa(s.Config.Port))
	ctx, cancel := context.WithTimeout(ctx, time.Duration(s.Config.TimeoutS)*time.Second)
	defer cancel()
	conn, err := (&net.Dialer{}).DialContext(ctx, "tcp", addr)
	if err != nil {
		return fmt.Errorf("smtp %s: %w", addr, err)
	}
	if dl, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(dl)
	}
	c, err := smtp.NewClient(conn, s.Config.Host)
	if err != nil {
		conn.Close()
		return fmt.Errorf("smtp %s: %w", addr, err)
	}
	defer c.Close()
	if s.Config.UseStartTLS() {
		if ok, _ := c.Extension("STARTTLS"); !ok {
			return fmt.Errorf("smtp %s: relay does not offer STARTTLS (digest.smtp.starttls is true)", addr)
		}
		if err := c.StartTLS(&tls.Config{ServerName: s.Config.Host, MinVersion: tls.VersionTLS12}); err != nil {
			return fmt.Errorf("smtp %s: starttls: %w", addr, err)
		}
	}
	if s.Config.UsernameEnv != "" {
		user, pass := s.Getenv(s.Config.UsernameEnv), s.Getenv(s.Config.PasswordEnv)
		if user == "" {
			return fmt.Errorf("smtp %s: %s is empty", addr, s.Config.UsernameEnv)
		}
		if err := c.Auth(smtp.PlainAuth("", user, pass, s.Config.Host)); err != nil {
			return fmt.Errorf("smtp %s: auth: %w", addr, err)
		}
	}
	if err := c.Mail(from); err != nil {
		return fmt.Errorf("smtp %s: MAIL FROM: %w", addr, err)
	}
	for _, r := range to {
		if err := c.Rcpt(r); err != nil {
			return fmt.Errorf("smtp %s: RCPT TO %s: %w", addr, r, err)
		}
	}
	w, err := c.Data()
	if err != nil {
		return fmt.Errorf("smtp %s: DATA: %w", addr, err)
	}
	if _, err := w.Write(msg); err != nil {
		return fmt.Errorf("smtp %s: DATA: %w", addr, err)
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("smtp %s: DATA: %w", addr, err)
	}
	return c.Quit()
}

// Ledger records deliveries in ClickHouse (table digest_sends).
type Ledger struct{ Conn driver.Conn }

func weekDate(week time.Time, loc *time.Location) time.Time {
	y, m, d := week.In(loc).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// Statuses maps each recipient of audience a's digest of week to the
// latest recorded status.
func (l Ledger) Statuses(ctx context.Context, a Audience, week time.Time, loc *time.Location) (map[string]string, error) {
	rows, err := l.Conn.Query(ctx, sendsReadSQL, clickhouse.Named("week", weekDate(week, loc).Format(time.DateOnly)), clickhouse.Named("audience", string(a)))
	if err != nil {
		return nil, fmt.Errorf("digest: read digest_sends: %w", err)
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var r, s string
		if err := rows.Scan(&r, &s); err != nil {
			return nil, fmt.Errorf("digest: read digest_sends: %w", err)
		}
		out[r] = s
	}
	return out, rows.Err()
}

// Record writes one status.
func (l Ledger) Record(ctx context.Context, a Audience, week time.Time, loc *time.Location, recipient, status, messageID, errText string) error {
	b, err := l.Conn.PrepareBatch(ctx, "INSERT INTO digest_sends (week, audience, recipient, status, message_id, error, at, version)")
	if err != nil {
		return fmt.Errorf("digest: record send: %w", err)
	}
	now := time.Now()
	if err := b.Append(weekDate(week, loc), string(a), recipient, status, messageID, errText, now.UTC(), uint64(now.UnixNano())); err != nil {
		return fmt.Errorf("digest: record send: %w", err)
	}
	if err := b.Send(); err != nil {
		return fmt.Errorf("digest: record send: %w", err)
	}
	return nil
}

// Sender composes and delivers digests.
type Sender struct {
	Source    Source
	Directory Directory // nil: agent ids instead of names, channel "survey"
	Metrics   metrics.Config
	Config    Config
	Mailer    Mailer
	Ledger    *Ledger // nil: nothing recorded (dry runs)
	Log       *slog.Logger
	Now       func() time.Time
}

// Result is one recipient's outcome.
type Result struct {
	Recipient string
	Status    string
	Files     []string // dry run
	Err       error
}

// Send composes audience a's digest of week for every recipient and
// delivers it, skipping recipients whose digest of that week was already
// sent (or handed to the relay by a run that then stopped: a duplicate
// is worse than a gap, which the log names). With dryRun set it writes
// the messages under that directory instead and records nothing. It
// returns every recipient's result; the error joins the failures.
func (s *Sender) Send(ctx context.Context, a Audience, week time.Time, dryRun string) ([]Result, error) {
	loc := s.Metrics.Location()
	now := s.now()
	var done map[string]string
	if dryRun == "" && s.Ledger != nil {
		var err error
		if done, err = s.Ledger.Statuses(ctx, a, week, loc); err != nil {
			return nil, err
		}
	}
	var exec *ExecutiveDigest
	var out []Result
	var errs []error
	for _, r := range s.Config.Recipients(a) {
		res := Result{Recipient: r.Email}
		if st := done[r.Email]; st == StatusSent || st == StatusSending {
			if st == StatusSending {
				s.log().Warn("digest left unsent: an earlier run stopped while handing it to the relay", "audience", a, "week", WeekName(week, loc), "to", r.Email)
			}
			res.Status = StatusSkipped
			out = append(out, res)
			continue
		}
		var m *Message
		var err error
		switch a {
		case Executive:
			if exec == nil {
				if exec, err = ComposeExecutive(ctx, s.Source, s.Directory, s.Metrics, week, now); err != nil {
					return out, err
				}
			}
			m, err = exec.Message(s.Config.From, r, now)
		case Supervisor:
			m, err = s.supervisorMessage(ctx, r, week, now)
		}
		if err != nil {
			return out, err
		}
		raw, err := m.Bytes()
		if err != nil {
			return out, err
		}
		if dryRun != "" {
			res.Status = StatusWritten
			res.Files, err = WriteFiles(dryRun, string(a)+"-"+WeekName(week, loc)+"-"+fileSafe(r.Email), m)
			if err != nil {
				return out, err
			}
			out = append(out, res)
			continue
		}
		res.Status, res.Err = s.deliver(ctx, a, week, r, m.MessageID, raw)
		if res.Err != nil {
			errs = append(errs, res.Err)
		}
		out = append(out, res)
	}
	return out, errors.Join(errs...)
}

func (s *Sender) deliver(ctx context.Context, a Audience, week time.Time, r Recipient, id string, raw []byte) (string, error) {
	loc := s.Metrics.Location()
	if s.Ledger != nil {
		if err := s.Ledger.Record(ctx, a, week, loc, r.Email, StatusSending, id, ""); err != nil {
			return StatusFailed, err
		}
	}
	from := s.Config.From
	if addr, err := mail.ParseAddress(from); err == nil {
		from = addr.Address
	}
	err := s.Mailer.Send(ctx, from, []string{r.Email}, raw)
	status, text := StatusSent, ""
	if err != nil {
		status, text = StatusFailed, err.Error()
	}
	if s.Ledger != nil {
		// Recorded even when ctx ends: the relay has the message.
		if rerr := s.Ledger.Record(context.WithoutCancel(ctx), a, week, loc, r.Email, status, id, text); rerr != nil && err == nil {
			err = rerr
		}
	}
	s.log().Info("digest", "audience", a, "week", WeekName(week, loc), "to", r.Email, "status", status, "err", text)
	return status, err
}

// supervisorMessage composes r's digest with the week's thank-you notes
// attached.
func (s *Sender) supervisorMessage(ctx context.Context, r Recipient, week, now time.Time) (*Message, error) {
	d, err := ComposeSupervisor(ctx, s.Source, s.Directory, s.Metrics, r, week)
	if err != nil {
		return nil, err
	}
	ns, err := NotesOf(ctx, s.Source, s.Directory, s.Metrics, r.Teams, week, metrics.Next(week, metrics.GrainWeek, s.Metrics.Location()))
	if err != nil {
		return nil, err
	}
	var pdf []byte
	if len(ns) > 0 {
		var b bytes.Buffer
		if err := notes.Write(&b, notes.A5, ns, nil); err != nil {
			return nil, err
		}
		pdf = b.Bytes()
	}
	return d.Message(s.Config.From, now, pdf)
}

// Run sends on schedule until ctx ends: every tick it sends the digests
// of the last full week once they are due, to whoever has not had them.
func (s *Sender) Run(ctx context.Context, tick time.Duration) error {
	t := time.NewTicker(tick)
	defer t.Stop()
	for {
		s.RunDue(ctx)
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

// RunDue sends what is due now (one pass of Run).
func (s *Sender) RunDue(ctx context.Context) {
	loc := s.Metrics.Location()
	now := s.now()
	week := LastWeek(now, loc)
	if now.Before(s.Config.Schedule.Due(week, loc)) {
		return
	}
	for _, a := range []Audience{Executive, Supervisor} {
		if len(s.Config.Recipients(a)) == 0 {
			continue
		}
		if _, err := s.Send(ctx, a, week, ""); err != nil && ctx.Err() == nil {
			s.log().Error("digest send", "audience", a, "week", WeekName(week, loc), "err", err)
		}
	}
}

func (s *Sender) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

func (s *Sender) log() *slog.Logger {
	if s.Log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return s.Log
}

func fileSafe(s string) string {
	b := []byte(s)
	for i, c := range b {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '-' || c == '_' || c == '@') {
			b[i] = '_'
		}
	}
	return filepath.Base(string(b))
}
