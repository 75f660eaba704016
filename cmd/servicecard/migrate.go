package main

import (
	"context"
	"fmt"
)

// runMigrate applies the schema migrations (serve, worker and demo also
// apply them at start).
func runMigrate(ctx context.Context, e env) error {
	fs := newFlags("migrate", e)
	if err := parseFlags(fs, e.args); err != nil {
		return err
	}
	_, cleanup, err := openStore(ctx, e, false)
	if err != nil {
		return err
	}
	cleanup()
	fmt.Fprintln(e.stdout, "migrations applied")
	return nil
}
