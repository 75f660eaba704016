package chstore

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"time"

	"github.com/servicecard/servicecard/metrics"
)

const insertScorecards = `INSERT INTO scorecards (level, key, team, grain, period_start, metric_ids, metric_values,
	metric_n, metric_low, metric_high, score, internal, external, nps, nps_low, nps_high, nps_n, csat, aht_s,
	service_level, config_version, card, computed_at)`

// WriteScorecards stores cards as snapshots; a card recomputed later
// replaces its row (see migrations/0006_scorecards.sql). Metrics without
// a value are left out of the arrays.
func (s *Store) WriteScorecards(ctx context.Context, cards []metrics.Card, computedAt time.Time) error {
	if len(cards) == 0 {
		return nil
	}
	b, err := s.conn.PrepareBatch(ctx, insertScorecards)
	if err != nil {
		return fmt.Errorf("chstore: write scorecards: %w", err)
	}
	defer b.Abort()
	ids := metrics.IDs()
	for _, c := range cards {
		var mids []string
		var vals, lows, highs []float64
		var ns []uint64
		for _, id := range ids {
			if v := c.Metrics[id]; v != nil {
				low, high := math.NaN(), math.NaN()
				if iv, ok := c.Intervals[id]; ok {
					low, high = iv.Low, iv.High
				}
				mids, vals, ns = append(mids, id), append(vals, *v), append(ns, uint64(max(c.N[id], 0)))
				lows, highs = append(lows, low), append(highs, high)
			}
		}
		var npsLow, npsHigh *float64
		if iv, ok := c.Intervals[metrics.IDNPS]; ok && c.Metrics[metrics.IDNPS] != nil {
			npsLow, npsHigh = &iv.Low, &iv.High
		}
		card, err := json.Marshal(c)
		if err != nil {
			return fmt.Errorf("chstore: write scorecards: %w", err)
		}
		period := time.Date(c.PeriodStart.Year(), c.PeriodStart.Month(), c.PeriodStart.Day(), 0, 0, 0, 0, time.UTC)
		if err := b.Append(string(c.Level), c.Key, c.Team, string(c.Grain), period, mids, vals, ns, lows, highs,
			c.Score, c.Internal, c.External, c.Metrics[metrics.IDNPS], npsLow, npsHigh, uint64(max(c.N[metrics.IDNPS], 0)),
			c.Metrics[metrics.IDCSAT],
			c.Metrics[metrics.IDAHT], c.Metrics[metrics.IDServiceLevel], c.ConfigVersion, string(card), computedAt.UTC()); err != nil {
			return fmt.Errorf("chstore: write scorecards: %w", err)
		}
	}
	if err := b.Send(); err != nil {
		return fmt.Errorf("chstore: write scorecards: %w", err)
	}
	return nil
}

// RecordSnapshotRun notes that the cards of grain for the periods in
// [from, to) (dates in the business zone) were computed at computedAt
// under configVersion.
func (s *Store) RecordSnapshotRun(ctx context.Context, grain metrics.Grain, from, to time.Time, configVersion string, computedAt time.Time) error {
	b, err := s.conn.PrepareBatch(ctx, "INSERT INTO scorecard_runs (grain, period_from, period_to, config_version, computed_at)")
	if err != nil {
		return fmt.Errorf("chstore: record snapshot run: %w", err)
	}
	defer b.Abort()
	if err := b.Append(string(grain), dateOf(from), dateOf(to), configVersion, computedAt.UTC()); err != nil {
		return fmt.Errorf("chstore: record snapshot run: %w", err)
	}
	if err := b.Send(); err != nil {
		return fmt.Errorf("chstore: record snapshot run: %w", err)
	}
	return nil
}

// dateOf is t's calendar date in its own location, as a UTC midnight
// (how clickhouse-go sends a Date).
func dateOf(t time.Time) time.Time {
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
}
