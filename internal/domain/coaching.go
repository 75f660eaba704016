package domain

import (
	"context"
	"time"

	"github.com/servicecard/servicecard/metrics"
)

// CoachingService finds coaching opportunities.
type CoachingService interface {
	// Coaching returns the coaching opportunities of q's teams over the
	// window [From, To), most customers affected first.
	Coaching(ctx context.Context, q CoachingQuery) ([]metrics.Opportunity, error)
}

// ComplaintService finds what customers complained of, for the
// supervisors' coaching page and digest.
type ComplaintService interface {
	// Complaints returns the detractor and low-CSAT responses with a
	// comment of [From, To) attributed to agents of q's teams, newest
	// first.
	Complaints(ctx context.Context, q RecognitionQuery) ([]metrics.Survey, error)
}

// CoachingQuery selects coaching opportunities: From is To minus the
// configured coaching window.
type CoachingQuery struct {
	From  time.Time
	To    time.Time
	Teams []string // empty: every team
}

// CoachingWindow is the default coaching window of the API and the
// coaching page alike: the configured number of whole days (default 28)
// up to the end of yesterday in the business time zone (today is not over).
func CoachingWindow(cfg *metrics.Config, now time.Time) (days int, from, to time.Time) {
	days = cfg.Coaching.WindowDays
	if days <= 0 {
		days = 28
	}
	loc := cfg.Location()
	to = metrics.Bucket(now, metrics.GrainDay, loc)
	l := to.In(loc)
	from = metrics.Bucket(time.Date(l.Year(), l.Month(), l.Day()-days, 12, 0, 0, 0, loc), metrics.GrainDay, loc)
	return days, from, to
}
