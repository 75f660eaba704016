// Package digest composes and sends servicecard's weekly mail: the
// executive digest (the organisation's composite with its subscores, the
// three KPI pairs with targets, n and 95% intervals, a 13-week trend,
// teams side by side, service stars and praise; never an agent's KPI) and
// the supervisors' digest (per supervisor and only their own teams:
// coaching opportunities with evidence, praise and complaints with the
// customers' words, and the agents who earned a thank-you note).
//
// Messages are MIME: a plain-text part and an HTML part whose charts are
// PNG images drawn here and attached inline by Content-ID, with no
// external asset, no script and inline styles only, so they read the same
// in common mail clients. Data comes through the scorecard engine's read
// services (Source, those of package domain the API serves too), so the
// numbers are the API's numbers for the same week.
//
// Sending goes through an SMTP relay (SMTPConfig). Each delivery is
// recorded in ClickHouse (digest_sends), so serve's schedule sends each
// recipient one digest per week, across restarts (Ledger, Scheduler).
package digest

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"time"

	"github.com/servicecard/servicecard/internal/domain"
	"github.com/servicecard/servicecard/metrics"
)

// Audience is who a digest is for.
type Audience string

// Audiences.
const (
	Executive  Audience = "executive"
	Supervisor Audience = "supervisor"
)

// ParseAudience validates an audience name.
func ParseAudience(s string) (Audience, error) {
	switch a := Audience(s); a {
	case Executive, Supervisor:
		return a, nil
	}
	return "", fmt.Errorf("audience: want executive or supervisor, got %q", s)
}

// Source is what digests read: the scorecard engine (*scorecard.Engine).
type Source interface {
	domain.ScorecardService
	domain.CoachingService
	domain.RecognitionService
	domain.ComplaintService
}

// Directory adds what the scorecard engine does not carry: agents' names
// (from the roster) and the channel of the contact a survey answered.
// StoreDirectory reads them from ClickHouse.
type Directory interface {
	AgentNames(ctx context.Context) (map[string]string, error)
	// Channels maps the response ids of surveys answered in [from, to) to
	// their contact's channel; unlinked surveys are absent.
	Channels(ctx context.Context, from, to time.Time) (map[string]string, error)
}

var isoWeek = regexp.MustCompile(`^(\d{4})-W(\d{2})$`)

// ParseWeek reads an ISO week, YYYY-Www, as the instant its Monday starts
// in loc.
func ParseWeek(s string, loc *time.Location) (time.Time, error) {
	m := isoWeek.FindStringSubmatch(s)
	if m == nil {
		return time.Time{}, fmt.Errorf("week: want YYYY-Www (ISO week, e.g. 2026-W44), got %q", s)
	}
	y, _ := strconv.Atoi(m[1])
	w, _ := strconv.Atoi(m[2])
	// ISO week 1 holds January 4th.
	jan4 := time.Date(y, time.January, 4, 12, 0, 0, 0, time.UTC)
	monday := jan4.AddDate(0, 0, -((int(jan4.Weekday())+6)%7)+7*(w-1))
	if yy, ww := monday.ISOWeek(); w < 1 || yy != y || ww != w {
		return time.Time{}, fmt.Errorf("week: %s has no week %d", m[1], w)
	}
	return metrics.Bucket(time.Date(monday.Year(), monday.Month(), monday.Day(), 12, 0, 0, 0, loc), metrics.GrainWeek, loc), nil
}

// WeekName is the ISO name of the week starting at week in loc.
func WeekName(week time.Time, loc *time.Location) string {
	y, w := week.In(loc).AddDate(0, 0, 3).ISOWeek()
	return fmt.Sprintf("%04d-W%02d", y, w)
}

// LastWeek is the Monday of the last full week before now in loc.
func LastWeek(now time.Time, loc *time.Location) time.Time {
	this := metrics.Bucket(now, metrics.GrainWeek, loc)
	return metrics.Bucket(this.Add(-time.Hour), metrics.GrainWeek, loc)
}
