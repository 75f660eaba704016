package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/servicecard/servicecard/ingest"
	"github.com/servicecard/servicecard/internal/progress"
)

// runIngest loads files given on the command line, one batch per file.
// Exit status is non-zero when a file could not be loaded at all; rejected
// rows alone do not fail the command (they are stored with their reason).
func runIngest(ctx context.Context, e env) error {
	fs := newFlags("ingest", e)
	kind := fs.String("kind", "", "what the files hold: contacts|surveys|agents|states|schedules|queues (required)")
	format := fs.String("format", "auto", "auto|csv|ndjson|queue_log|connect_ctr|qualtrics")
	tz := fs.String("timezone", "UTC", "IANA zone for timestamps written without one")
	source := fs.String("source", "", "value for the source column (default: per format)")
	jsonOut := fs.Bool("json", false, "print one JSON summary per file")
	var columns mapFlag
	fs.Var(&columns, "map", "column mapping target=input (repeatable), e.g. --map nps=Q1 --map response_id=ResponseId")
	if err := parseFlags(fs, e.args); err != nil {
		return err
	}
	k, err := ingest.ParseKind(*kind)
	if err != nil {
		return usageError{err}
	}
	loc, err := time.LoadLocation(*tz)
	if err != nil {
		return usageError{fmt.Errorf("--timezone: %w", err)}
	}
	if fs.NArg() == 0 {
		return usageError{errors.New("ingest: no files given")}
	}
	st, cleanup, err := openStore(ctx, e, false)
	if err != nil {
		return err
	}
	defer cleanup()

	var failed []error
	for _, path := range fs.Args() {
		sum, err := ingestFile(ctx, st, path, ingest.Batch{Kind: k, Format: ingest.Format(*format), Source: *source},
			ingest.Options{Location: loc, Source: *source, Columns: columns.m}, e, *jsonOut)
		if err != nil {
			if sum.File == "" {
				err = fmt.Errorf("%s: %w", path, err)
			}
			failed = append(failed, err)
		}
	}
	if len(failed) > 0 {
		return fmt.Errorf("%d of %d files could not be loaded: %w", len(failed), fs.NArg(), errors.Join(failed...))
	}
	return nil
}

// ingestFile loads one file as one batch and prints its summary.
func ingestFile(ctx context.Context, st ingest.Store, path string, b ingest.Batch, opt ingest.Options, e env, jsonOut bool) (ingest.Summary, error) {
	f, err := os.Open(path)
	if err != nil {
		return ingest.Summary{File: path, Status: "failed", Error: err.Error()}, err
	}
	defer f.Close()
	var size int64
	if fi, err := f.Stat(); err == nil {
		size = fi.Size()
	}
	b.ID = newBatchID()
	b.File = path
	opt.File = filepath.Base(path)
	r := progress.Reader(f, size, filepath.Base(path))
	sum, err := ingest.Load(ctx, st, r, b, opt)
	progress.Report(e.stdout, sum, jsonOut)
	return sum, err
}

func newBatchID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// mapFlag collects repeated target=input pairs.
type mapFlag struct{ m map[string]string }

func (f *mapFlag) String() string { return fmt.Sprint(f.m) }

func (f *mapFlag) Set(v string) error {
	target, input, ok := strings.Cut(v, "=")
	if !ok || target == "" || input == "" {
		return fmt.Errorf("want target=input, got %q", v)
	}
	if f.m == nil {
		f.m = map[string]string{}
	}
	f.m[strings.TrimSpace(target)] = input
	return nil
}
