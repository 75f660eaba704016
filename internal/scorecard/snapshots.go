package scorecard

import (
	"context"
	"time"

	"github.com/servicecard/servicecard/metrics"
)

// refreshMinAge is how long a day's newest dirty mark must be old before
// serve refreshes it: a running load re-marks the days it is writing at
// every flush (about one a second), and refreshes them itself at the end
// when they are few.
const refreshMinAge = 15 * time.Second

// RunSnapshots keeps the daily facts and the scorecards table (the
// snapshots Grafana reads) current until ctx ends. At start it snapshots
// the last lookback. Then, every few seconds and soon after an ingest
// through the engine, it refreshes the facts a dead process left stale
// or a backfill left to it (RefreshFacts with refreshMinAge: a running
// load's days wait until it stops writing them) and re-snapshots, at most
// every resnapshotGap, only the months whose facts changed since, by any
// process. Every interval it
// snapshots the lookback again (a safety net: the facts, not the
// snapshots, answer the API); every ten minutes it deletes facts
// generations replaced over an hour ago.
func (e *Engine) RunSnapshots(ctx context.Context, every, lookback time.Duration) error {
	tick := time.NewTicker(factsPoll)
	defer tick.Stop()
	full := time.NewTicker(every)
	defer full.Stop()
	collect := time.NewTicker(10 * time.Minute)
	defer collect.Stop()
	seen := map[time.Time]uint64{}
	var resnapped time.Time // the last re-snapshot of changed months
	snapAll := func() {
		versions, err := e.store.FactsVersions(ctx)
		if err != nil {
			e.log.Error("facts versions", "err", err)
		} else {
			seen = versions
		}
		to := e.now()
		// Through tomorrow: contacts up to a day ahead are valid input.
		if _, err := e.Snapshot(ctx, to.Add(-lookback), to.Add(24*time.Hour)); err != nil && ctx.Err() == nil {
			e.log.Error("scorecard snapshot", "err", err)
		}
	}
	follow := func() {
		if _, err := e.store.RefreshFacts(ctx, refreshMinAge); err != nil && ctx.Err() == nil {
			e.log.Error("facts refresh", "err", err)
			return
		}
		versions, err := e.store.FactsVersions(ctx)
		if err != nil {
			if ctx.Err() == nil {
				e.log.Error("facts versions", "err", err)
			}
			return
		}
		if time.Since(resnapped) < resnapshotGap {
			return // seen stays behind: the months wait for the next turn
		}
		months := map[time.Time]bool{}
		for day, v := range versions {
			if seen[day] != v {
				months[metrics.Bucket(day, metrics.GrainMonth, e.cfg.Location())] = true
			}
		}
		for m := range months {
			if _, err := e.Snapshot(ctx, m, metrics.Next(m, metrics.GrainMonth, e.cfg.Location())); err != nil {
				if ctx.Err() == nil {
					e.log.Error("scorecard snapshot", "month", m.Format("2006-01"), "err", err)
				}
				return // seen stays behind: retried next time
			}
		}
		if len(months) > 0 {
			resnapped = time.Now()
		}
		seen = versions
	}
	snapAll()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-full.C:
			snapAll()
		case <-collect.C:
			if err := e.store.CollectFacts(ctx, time.Hour); err != nil && ctx.Err() == nil {
				e.log.Error("collect old facts", "err", err)
			}
		case <-tick.C:
			follow()
		case <-e.dirty:
			follow()
		}
	}
}

// factsPoll is how often serve looks for facts that changed.
const factsPoll = 2 * time.Second

// resnapshotGap is the least time between two re-snapshots of changed
// months. The snapshots feed Grafana only (answers read the facts), so
// loads every few seconds need not cost a re-snapshot each.
const resnapshotGap = 30 * time.Second

// markDirty asks RunSnapshots to look for changed facts now; it never
// blocks.
func (e *Engine) markDirty() {
	select {
	case e.dirty <- struct{}{}:
	default:
	}
}

// Ingested tells the engine that data was loaded by another path (the
// spool worker, the CLI) so the next snapshot comes soon.
func (e *Engine) Ingested() { e.markDirty() }
