package main

import (
	"context"
	"errors"
	"fmt"
	"time"
)

const factsUsage = `usage: servicecard facts rebuild|refresh|check

  rebuild  mark every day that holds rows dirty and recompute every fact
           (after rows were written around servicecard, e.g. INSERT ... SELECT)
  refresh  recompute the facts of the days left stale (by a load that died)
  check    recompute every stored fact from the raw rows and diff the two;
           exit status 1 when they differ
`

// runFacts maintains and checks the daily facts every answer reads
// (internal/chstore/facts.go).
func runFacts(ctx context.Context, e env) error {
	if len(e.args) == 1 && (e.args[0] == "-h" || e.args[0] == "--help" || e.args[0] == "help") {
		fmt.Fprint(e.stdout, factsUsage)
		return nil
	}
	if len(e.args) != 1 {
		return usageError{errors.New(factsUsage)}
	}
	sub := e.args[0]
	if sub != "rebuild" && sub != "refresh" && sub != "check" {
		return usageError{fmt.Errorf("facts: unknown subcommand %q\n%s", sub, factsUsage)}
	}
	st, cleanup, err := openStore(ctx, e, false)
	if err != nil {
		return err
	}
	defer cleanup()
	start := time.Now()
	switch sub {
	case "rebuild", "refresh":
		refresh := func(ctx context.Context) ([]time.Time, error) { return st.RefreshFacts(ctx, 0) }
		if sub == "rebuild" {
			refresh = st.RebuildFacts
		}
		days, err := refresh(ctx)
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "facts %s: %d days recomputed in %.1f s\n", sub, len(days), time.Since(start).Seconds())
		return nil
	}
	rep, err := st.CheckFacts(ctx)
	if err != nil {
		return err
	}
	for _, d := range rep.Diffs {
		fmt.Fprintln(e.stdout, d)
	}
	fmt.Fprintf(e.stdout, "facts check (config %s): %d days, %d stale, %d missing, %d differences, %.1f s\n",
		rep.Config, rep.Days, len(rep.Stale), len(rep.Missing), len(rep.Diffs), time.Since(start).Seconds())
	if len(rep.Diffs) > 0 {
		return fmt.Errorf("facts check: %d stored facts differ from the raw rows", len(rep.Diffs))
	}
	if len(rep.Stale)+len(rep.Missing) > 0 {
		fmt.Fprintln(e.stdout, "stale or missing days are recomputed by the next load or by serve; `servicecard facts refresh` does it now")
	}
	return nil
}
