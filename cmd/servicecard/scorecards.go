package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/servicecard/servicecard/internal/scorecard"
)

// runScorecards computes (backfills) scorecard snapshots for a date range.
func runScorecards(ctx context.Context, e env) error {
	if len(e.args) == 0 || e.args[0] != "compute" {
		return usageError{errors.New("usage: servicecard scorecards compute --from YYYY-MM-DD --to YYYY-MM-DD")}
	}
	fs := newFlags("scorecards compute", e)
	fromS := fs.String("from", "", "first day (business time zone), YYYY-MM-DD (required)")
	toS := fs.String("to", "", "day after the last, YYYY-MM-DD (default: tomorrow)")
	if err := parseFlags(fs, e.args[1:]); err != nil {
		return err
	}
	cfg, err := loadConfig(e)
	if err != nil {
		return err
	}
	loc := cfg.Location()
	from, err := time.ParseInLocation(time.DateOnly, *fromS, loc)
	if err != nil {
		return usageError{fmt.Errorf("--from: want YYYY-MM-DD: %w", err)}
	}
	to := time.Now().In(loc).AddDate(0, 0, 1)
	if *toS != "" {
		if to, err = time.ParseInLocation(time.DateOnly, *toS, loc); err != nil {
			return usageError{fmt.Errorf("--to: want YYYY-MM-DD: %w", err)}
		}
	}
	if !to.After(from) {
		return usageError{errors.New("--to must be after --from")}
	}
	st, cleanup, err := openStore(ctx, e, false)
	if err != nil {
		return err
	}
	defer cleanup()
	n, err := scorecard.New(st, cfg, scorecard.Options{Logger: e.log}).Snapshot(ctx, from, to)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "wrote %d scorecard rows for %s to %s\n", n, from.Format(time.DateOnly), to.Format(time.DateOnly))
	return nil
}
