package scorecard

import (
	"context"
	"time"
)

// RunSnapshots keeps the scorecards table current: it snapshots the last
// lookback at start, every interval, and soon after each ingest through
// the engine (debounced), until ctx ends.
func (e *Engine) RunSnapshots(ctx context.Context, every, lookback time.Duration) error {
	tick := time.NewTicker(every)
	defer tick.Stop()
	snap := func() {
		to := e.now()
		// Through tomorrow: contacts up to a day ahead are valid input.
		if _, err := e.Snapshot(ctx, to.Add(-lookback), to.Add(24*time.Hour)); err != nil && ctx.Err() == nil {
			e.log.Error("scorecard snapshot", "err", err)
		}
	}
	snap()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
			snap()
		case <-e.dirty:
			// Let a burst of ingests finish before recomputing.
			select {
			case <-ctx.Done():
				return nil
			case <-time.After(2 * time.Second):
			}
			snap()
		}
	}
}

// markDirty asks RunSnapshots for a snapshot soon; it never blocks.
func (e *Engine) markDirty() {
	select {
	case e.dirty <- struct{}{}:
	default:
	}
}

// Ingested tells the engine that data was loaded by another path (the
// spool worker, the CLI) so the next snapshot comes soon.
func (e *Engine) Ingested() { e.markDirty() }
