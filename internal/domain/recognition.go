package domain

import (
	"context"
	"time"

	"github.com/servicecard/servicecard/metrics"
)

// RecognitionService finds who customers singled out.
type RecognitionService interface {
	// Recognition returns the service stars and praise of [From, To).
	Recognition(ctx context.Context, q RecognitionQuery) (Recognition, error)
}

// RecognitionQuery selects recognition.
type RecognitionQuery struct {
	From  time.Time
	To    time.Time
	Teams []string // empty: every team
}

// Recognition is who customers singled out.
type Recognition struct {
	// Stars are service stars over the range (metrics.Stars).
	Stars []metrics.Star `json:"stars"`
	// Praise are promoter and 5-star responses with comments
	// (metrics.Praise), newest first.
	Praise []metrics.Survey `json:"praise"`
	// CustomerServiceWeeks are the Customer Service Weeks that fall in the
	// range, with their own stars and praise.
	CustomerServiceWeeks []ServiceWeek `json:"customer_service_weeks,omitempty"`
	// WeeklyTrend is the org's week-by-week composite and NPS over the
	// range: recognition all year, not one week in October.
	WeeklyTrend []TrendPoint `json:"weekly_trend"`
}

// TrendPoint is one week of the org's scorecard.
type TrendPoint struct {
	WeekStart time.Time `json:"week_start"`
	Score     *float64  `json:"score"`
	Internal  *float64  `json:"internal"`
	External  *float64  `json:"external"`
	NPS       *float64  `json:"nps"`
	NPSN      int64     `json:"nps_n"`
	// CustomerServiceWeek marks the week that is Customer Service Week.
	CustomerServiceWeek bool `json:"customer_service_week,omitempty"`
	// Partial marks a week the range cuts or that is not over yet.
	Partial bool `json:"partial"`
}

// ServiceWeek is one Customer Service Week (the first full Monday-Friday
// week of October) and what it brought.
type ServiceWeek struct {
	Year   int              `json:"year"`
	Start  time.Time        `json:"start"`
	End    time.Time        `json:"end"`
	Stars  []metrics.Star   `json:"stars"`
	Praise []metrics.Survey `json:"praise"`
}
