// Command servicecard pairs contact-center KPIs with what customers say:
// it ingests call records and surveys into ClickHouse, computes blended
// scorecards, and serves them. One file per subcommand; the logic lives in
// packages.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"runtime/debug"
	"sort"
	"strings"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "servicecard:", err)
		}
		os.Exit(exitCode(err))
	}
}

// env is what every subcommand gets: arguments, environment, outputs.
type env struct {
	args   []string
	getenv func(string) string
	stdout io.Writer
	stderr io.Writer
	log    *slog.Logger
}

type command struct {
	summary string
	run     func(ctx context.Context, e env) error
}

var commands = map[string]command{
	"demo":       {"start (or reuse) ClickHouse, generate and ingest a demo contact center, serve it", runDemo},
	"ingest":     {"load files: --kind contacts|surveys|agents|states|schedules|queues [--format F] FILE...", runIngest},
	"migrate":    {"apply the ClickHouse schema migrations", runMigrate},
	"worker":     {"ingest files dropped into a spool directory", runWorker},
	"serve":      {"serve the API, pages and /metrics", runServe},
	"scorecards": {"compute (backfill) scorecard snapshots: compute --from --to", runScorecards},
	"facts":      {"rebuild, refresh or check the daily facts: facts rebuild|refresh|check", runFacts},
	"dashboards": {"generate Grafana dashboards, or push them to Grafana", runDashboards},
	"token":      {"print a new API token and its config entry: token new --role R [--teams a,b]", runToken},
	"digest":     {"send the weekly digests: digest send --audience executive|supervisor [--week YYYY-Www] [--dry-run --out DIR]", runDigest},
}

// run dispatches to a subcommand; it takes its inputs as arguments so
// tests can call it like main.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	logLevel := slog.LevelInfo
	if getenv("SERVICECARD_DEBUG") != "" {
		logLevel = slog.LevelDebug
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: logLevel}))
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		usage(stdout)
		return nil
	}
	cmd, ok := commands[args[0]]
	if !ok {
		usage(stderr)
		return usageError{fmt.Errorf("unknown command %q", args[0])}
	}
	if getenv("GOMEMLIMIT") == "" {
		// Ingest streams: batches are bounded, so a soft limit keeps the
		// garbage collector from letting the heap grow past what a batch
		// needs (peak RSS stays under 256 MB whatever the file size).
		debug.SetMemoryLimit(defaultMemoryLimit)
	}
	return cmd.run(ctx, env{args: args[1:], getenv: getenv, stdout: stdout, stderr: stderr, log: log.With("cmd", args[0])})
}

// defaultMemoryLimit is the Go heap's soft limit unless GOMEMLIMIT is set.
const defaultMemoryLimit = 192 << 20

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: servicecard COMMAND [flags]\n\ncommands:")
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-11s %s\n", n, commands[n].summary)
	}
	fmt.Fprintln(w, "\nenvironment: SERVICECARD_CLICKHOUSE_DSN, SERVICECARD_CLICKHOUSE_CLUSTER, SERVICECARD_ZOOKEEPER, SERVICECARD_CONFIG, SERVICECARD_LISTEN, SERVICECARD_METRICS_LISTEN (worker)")
}

// usageError marks bad invocations (exit status 2).
type usageError struct{ error }

func (u usageError) Unwrap() error { return u.error }

func exitCode(err error) int {
	var u usageError
	if errors.As(err, &u) || errors.Is(err, flag.ErrHelp) {
		return 2
	}
	return 1
}

// newFlags returns a FlagSet that reports errors instead of exiting.
func newFlags(name string, e env) *flag.FlagSet {
	fs := flag.NewFlagSet("servicecard "+name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	return fs
}

func parseFlags(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return usageError{err}
	}
	return nil
}

// listenAddr is SERVICECARD_LISTEN or the default.
func listenAddr(e env) string {
	if a := strings.TrimSpace(e.getenv("SERVICECARD_LISTEN")); a != "" {
		return a
	}
	return "127.0.0.1:8080"
}
