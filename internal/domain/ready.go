package domain

import "context"

// ReadinessService says whether the services can answer.
type ReadinessService interface {
	// Ready says whether ClickHouse answers and carries the current
	// schema; an error wrapping ErrNotReady has a message fit for an
	// anonymous caller.
	Ready(ctx context.Context) error
}
