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
		return usageError{errors.New("usage: servicecard scorecards compute --from YYYY-MM-DD [--to YYYY-MM-DD]")}
	}
	fs := newFlags("scorecards compute", e)
	fromS := fs.String("from", "", "first day (business time zone), YYYY-MM-DD (required)")
	toS := fs.String("to", "", "last day, included, YYYY-MM-DD (default: today)")
	if err := parseFlags(fs, e.args[1:]); err != nil {
		return err
	}
	cfg, err := loadConfig(e)
	if err != nil {
		return err
	}
	loc := cfg.Location()
	if *fromS == "" {
		return usageError{errors.New("scorecards compute: --from YYYY-MM-DD is required (the first day to compute)")}
	}
	from, err := time.ParseInLocation(time.DateOnly, *fromS, loc)
	if err != nil {
		return usageError{fmt.Errorf("scorecards compute: --from: want YYYY-MM-DD, got %q", *fromS)}
	}
	// --to is the last day, included, as the API's to.
	last := time.Now().In(loc)
	last = time.Date(last.Year(), last.Month(), last.Day(), 0, 0, 0, 0, loc)
	if *toS != "" {
		if last, err = time.ParseInLocation(time.DateOnly, *toS, loc); err != nil {
			return usageError{fmt.Errorf("scorecards compute: --to: want YYYY-MM-DD, got %q", *toS)}
		}
	}
	if last.Before(from) {
		return usageError{errors.New("scorecards compute: --to must not be before --from")}
	}
	to := last.AddDate(0, 0, 1)
	st, cleanup, err := openStore(ctx, e, false)
	if err != nil {
		return err
	}
	defer cleanup()
	n, err := scorecard.New(st, cfg, scorecard.Options{Logger: e.log}).Snapshot(ctx, from, to)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "wrote %d scorecard rows for %s to %s (inclusive)\n", n, from.Format(time.DateOnly), last.Format(time.DateOnly))
	return nil
}
