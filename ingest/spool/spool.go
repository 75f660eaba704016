// Package spool loads files dropped into a directory: the `servicecard
// worker` command.
//
// Layout under Options.Dir:
//
//	inbox/   writers drop files here (write to a dotfile or *.tmp / *.part, then rename)
//	work/    claimed files, named <batch id>__<name>
//	done/    loaded files, each with <name>.report.json
//	failed/  files that could not be read at all, each with <name>.report.json
//
// A file's kind and format come from its name, <kind>[.<format>].<rest>
// (see ParseName). A worker claims a file by renaming it from inbox/ into
// work/ under a new batch id: the rename is atomic, so exactly one worker,
// in this process or another, wins it. The batch id travels in the work
// file's name, so a file left in work/ by a crash is loaded again under
// the same id, and the store's replacement semantics make that retry
// idempotent. A storage error (ClickHouse down) leaves the file in work/
// and retries it with exponential backoff; nothing is lost.
package spool

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/sync/errgroup"

	"github.com/servicecard/servicecard/ingest"
)

// ErrOptions says the worker's options are unusable.
var ErrOptions = errors.New("spool: invalid options")

// Subdirectories of the spool directory.
const (
	InboxDir  = "inbox"
	WorkDir   = "work"
	DoneDir   = "done"
	FailedDir = "failed"
)

// ReportSuffix ends the name of the report written beside a done or
// failed file.
const ReportSuffix = ".report.json"

// Backoff spaces the retries of a file whose load hit a storage error:
// Initial, doubling per attempt up to Max, each wait drawn at random
// between half and all of that (jitter, so workers do not retry in step).
type Backoff struct {
	Initial time.Duration // default 1s
	Max     time.Duration // default 1m
}

// Options configure a Worker. Dir and Store are required.
type Options struct {
	// Dir is the spool directory; its subdirectories are created.
	Dir string
	// Workers is how many files load at once (default 2).
	Workers int
	// Store receives the records.
	Store ingest.Store
	// Logger (default: discard).
	Logger *slog.Logger
	// Registerer takes the worker's metrics (nil: not registered).
	Registerer prometheus.Registerer
	// Poll is how often inbox/ is scanned (default 1s). A file is claimed
	// once its size and modification time held still for one poll.
	Poll time.Duration
	// Retry spaces retries after storage errors.
	Retry Backoff
	// Kind is used for files whose name does not start with a kind
	// (default: none, such files fail).
	Kind ingest.Kind
	// Format is used for files whose name carries no format (default
	// ingest.FormatAuto: sniffed from the content).
	Format ingest.Format
	// Location reads timestamps that carry no zone (default UTC).
	Location *time.Location
	// FileOptions, when set, decides kind and format from a file name
	// instead of ParseName; an empty kind or format it returns falls back
	// to ParseName's.
	FileOptions func(name string) (ingest.Kind, ingest.Format)
	// Mappings give column mappings by file name (see Mapping).
	Mappings []Mapping
}

// Worker loads the files of one spool directory.
type Worker struct {
	opt  Options
	log  *slog.Logger
	m    *metrics
	dir  map[string]string // InboxDir... -> absolute path
	mu   sync.Mutex
	busy map[string]bool // work/ names held by this process
}

// New checks opt, applies defaults, creates the spool's subdirectories
// and registers the metrics.
func New(opt Options) (*Worker, error) {
	if opt.Dir == "" {
		return nil, fmt.Errorf("%w: no spool directory", ErrOptions)
	}
	if opt.Store == nil {
		return nil, fmt.Errorf("%w: no store", ErrOptions)
	}
	if opt.Workers <= 0 {
		opt.Workers = 2
	}
	if opt.Poll <= 0 {
		opt.Poll = time.Second
	}
	if opt.Retry.Initial <= 0 {
		opt.Retry.Initial = time.Second
	}
	if opt.Retry.Max <= 0 {
		opt.Retry.Max = time.Minute
	}
	if opt.Retry.Max < opt.Retry.Initial {
		opt.Retry.Max = opt.Retry.Initial
	}
	if err := checkMappings(opt.Mappings); err != nil {
		return nil, err
	}
	if opt.Format == "" {
		opt.Format = ingest.FormatAuto
	}
	if opt.Kind != "" {
		if _, err := ingest.ParseKind(string(opt.Kind)); err != nil {
			return nil, fmt.Errorf("%w: %w", ErrOptions, err)
		}
	}
	log := opt.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	w := &Worker{opt: opt, log: log, m: newMetrics(opt.Registerer), dir: map[string]string{}, busy: map[string]bool{}}
	root, err := filepath.Abs(opt.Dir)
	if err != nil {
		return nil, fmt.Errorf("spool: directory %s: %w", opt.Dir, err)
	}
	for _, d := range []string{InboxDir, WorkDir, DoneDir, FailedDir} {
		w.dir[d] = filepath.Join(root, d)
		if err := os.MkdirAll(w.dir[d], 0o755); err != nil {
			return nil, fmt.Errorf("spool: create %s: %w", d, err)
		}
	}
	return w, nil
}

// job is one file for a worker: a name in inbox/ to claim, or a name in
// work/ to recover.
type job struct {
	name string
	work bool
}

// Run loads files until ctx is cancelled. Files left in work/ (by a crash
// or by a stopped worker) are loaded first, under their batch ids. A file
// being loaded when ctx is cancelled is abandoned in work/ and loaded
// again by the next Run. Run returns nil after a cancel.
func (w *Worker) Run(ctx context.Context) error {
	g, gctx := errgroup.WithContext(ctx)
	jobs := make(chan job)
	g.Go(func() error {
		defer close(jobs)
		w.dispatch(gctx, jobs)
		return nil
	})
	for range w.opt.Workers {
		g.Go(func() error {
			for j := range jobs {
				w.handle(gctx, j)
			}
			return nil
		})
	}
	return g.Wait()
}

type fileStat struct {
	size  int64
	mtime time.Time
}

// dispatch scans work/ and inbox/ every poll and hands candidates out.
func (w *Worker) dispatch(ctx context.Context, jobs chan<- job) {
	seen := map[string]fileStat{}
	for {
		var cands []job
		cands, seen = w.scan(seen)
		for _, j := range cands {
			select {
			case jobs <- j:
			case <-ctx.Done():
				return
			}
		}
		select {
		case <-time.After(w.opt.Poll):
		case <-ctx.Done():
			return
		}
	}
}

// scan lists the files to hand out: every file in work/ not held here,
// then every inbox file whose size and mtime equal those of the previous
// scan. It also sets the depth gauge.
func (w *Worker) scan(prev map[string]fileStat) ([]job, map[string]fileStat) {
	var cands []job
	depth := 0
	work, err := os.ReadDir(w.dir[WorkDir])
	if err != nil {
		w.log.Warn("spool: read work directory", "err", err)
	}
	w.mu.Lock()
	for _, e := range work {
		if !e.Type().IsRegular() || ignored(e.Name()) {
			continue
		}
		depth++
		if !w.busy[e.Name()] {
			cands = append(cands, job{name: e.Name(), work: true})
		}
	}
	w.mu.Unlock()
	inbox, err := os.ReadDir(w.dir[InboxDir])
	if err != nil {
		w.log.Warn("spool: read inbox", "err", err)
	}
	next := make(map[string]fileStat, len(inbox))
	for _, e := range inbox {
		if !e.Type().IsRegular() || ignored(e.Name()) {
			continue
		}
		info, err := e.Info()
		if err != nil {
			continue // claimed or removed meanwhile
		}
		depth++
		st := fileStat{size: info.Size(), mtime: info.ModTime()}
		next[e.Name()] = st
		if p, ok := prev[e.Name()]; ok && p == st {
			cands = append(cands, job{name: e.Name()})
		}
	}
	w.m.depth.Set(float64(depth))
	return cands, next
}

// updateDepth recounts the files waiting, so the gauge drops as soon as
// a file is finished rather than at the next scan.
func (w *Worker) updateDepth() {
	n := 0
	for _, d := range []string{InboxDir, WorkDir} {
		es, err := os.ReadDir(w.dir[d])
		if err != nil {
			return
		}
		for _, e := range es {
			if e.Type().IsRegular() && !ignored(e.Name()) {
				n++
			}
		}
	}
	w.m.depth.Set(float64(n))
}

// ignored tells files that are still being written by convention.
func ignored(name string) bool {
	return strings.HasPrefix(name, ".") || strings.HasSuffix(name, ".tmp") || strings.HasSuffix(name, ".part")
}

// handle claims (or recovers) one file and loads it.
func (w *Worker) handle(ctx context.Context, j job) {
	if ctx.Err() != nil {
		return
	}
	workName, ok := w.take(j)
	if !ok {
		return
	}
	defer func() {
		w.mu.Lock()
		delete(w.busy, workName)
		w.mu.Unlock()
	}()

	path := filepath.Join(w.dir[WorkDir], workName)
	f, ok := w.lock(path)
	if !ok {
		return
	}
	defer f.Close() // releases the lock
	id, name, _ := splitWorkName(workName)
	w.process(ctx, f, path, id, name, j.work)
}

// take marks the job's work file as held by this process, claiming it
// first when it is in inbox/ (or in work/ without a batch id, put there by
// hand): a rename to work/<new batch id>__<name>. The rename is the claim;
// losing it to another worker is no error worth a log line.
func (w *Worker) take(j job) (string, bool) {
	src := filepath.Join(w.dir[InboxDir], j.name)
	if j.work {
		if _, _, ok := splitWorkName(j.name); ok {
			return j.name, w.hold(j.name)
		}
		src = filepath.Join(w.dir[WorkDir], j.name)
	}
	id, err := newBatchID(time.Now())
	if err != nil {
		w.log.Error("spool: new batch id", "err", err)
		return "", false
	}
	workName := id + workSep + j.name
	if !w.hold(workName) {
		return "", false
	}
	if err := os.Rename(src, filepath.Join(w.dir[WorkDir], workName)); err != nil {
		if !errors.Is(err, os.ErrNotExist) {
			w.log.Warn("spool: claim file", "file", j.name, "err", err)
		}
		w.mu.Lock()
		delete(w.busy, workName)
		w.mu.Unlock()
		return "", false
	}
	return workName, true
}

// hold marks a work file as held here; false if it already is.
func (w *Worker) hold(workName string) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.busy[workName] {
		return false
	}
	w.busy[workName] = true
	return true
}

// lock opens a work file and takes an exclusive advisory lock on it, so
// that two processes recovering work/ at once never load the same file.
// The kernel drops the lock when its holder dies.
func (w *Worker) lock(path string) (*os.File, bool) {
	f, err := os.Open(path)
	if err != nil {
		return nil, false // done by another worker meanwhile
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		return nil, false // held by another process
	}
	// The holder before us may have moved the file on after we opened it.
	a, err1 := f.Stat()
	b, err2 := os.Stat(path)
	if err1 != nil || err2 != nil || !os.SameFile(a, b) {
		f.Close()
		return nil, false
	}
	return f, true
}

// Report is what done/<name>.report.json and failed/<name>.report.json
// hold: the load's summary plus timings.
type Report struct {
	ingest.Summary
	DurationS  float64   `json:"duration_s"` // the last attempt's load
	RowsPerS   float64   `json:"rows_per_s"`
	Attempts   int       `json:"attempts"` // loads tried in this process
	Recovered  bool      `json:"recovered"`
	ClaimedAt  time.Time `json:"claimed_at"`
	StartedAt  time.Time `json:"started_at"`
	FinishedAt time.Time `json:"finished_at"`
	TotalS     float64   `json:"total_s"` // claimed to finished, retries included
	SpoolFile  string    `json:"spool_file"`
}

// process loads the locked work file f until it is done, failed, or ctx
// ends.
func (w *Worker) process(ctx context.Context, f *os.File, path, id, name string, recovered bool) {
	rep := Report{Recovered: recovered, StartedAt: time.Now()}
	rep.ClaimedAt, _ = batchTime(id)
	kind, format, err := w.fileOptions(name)
	if err != nil {
		rep.Summary = ingest.Summary{File: name, BatchID: id, Status: "failed", Error: err.Error()}
		w.finish(path, name, id, rep)
		return
	}
	var info os.FileInfo
	if info, err = f.Stat(); err == nil {
		w.log.Info("spool: loading", "file", name, "batch_id", id, "bytes", info.Size(), "recovered", recovered)
	}
	batch := ingest.Batch{ID: id, Kind: kind, Format: format, File: name}
	popt := ingest.Options{File: name, Location: w.opt.Location, Columns: columns(w.opt.Mappings, name)}
	for attempt := 0; ; attempt++ {
		rep.Attempts = attempt + 1
		if _, err := f.Seek(0, io.SeekStart); err != nil {
			w.log.Error("spool: rewind file", "file", name, "err", err)
			return
		}
		a := &attemptState{}
		sum, err := ingest.Load(ctx, markStore{st: w.opt.Store, a: a}, &markReader{r: f, a: a}, batch, popt)
		rep.Summary = sum
		switch {
		case err == nil:
			w.finish(path, name, id, rep)
			return
		case ctx.Err() != nil:
			w.log.Info("spool: stopped; file stays in work for the next run", "file", name, "batch_id", id)
			return
		case a.failed():
			w.m.Files.WithLabelValues("retry").Inc()
			wait := w.backoff(attempt)
			w.log.Warn("spool: storage error, will retry", "file", name, "batch_id", id, "attempt", attempt+1, "retry_in", wait, "err", err)
			select {
			case <-time.After(wait):
			case <-ctx.Done():
				w.log.Info("spool: stopped; file stays in work for the next run", "file", name, "batch_id", id)
				return
			}
		default:
			w.finish(path, name, id, rep)
			return
		}
	}
}

// fileOptions decides kind and format of a file from its name.
func (w *Worker) fileOptions(name string) (ingest.Kind, ingest.Format, error) {
	var kind ingest.Kind
	var format ingest.Format
	if w.opt.FileOptions != nil {
		kind, format = w.opt.FileOptions(name)
	}
	nk, nf, err := ParseName(name, w.opt.Kind, w.opt.Format)
	if kind == "" {
		if err != nil {
			return "", "", err
		}
		kind = nk
	}
	if format == "" {
		format = nf
		if format == "" {
			format = w.opt.Format
		}
	}
	if _, err := ingest.ParseKind(string(kind)); err != nil {
		return "", "", fmt.Errorf("spool: file %s: %w", name, err)
	}
	return kind, format, nil
}

// backoff is the wait before retry number attempt+1.
func (w *Worker) backoff(attempt int) time.Duration {
	d := w.opt.Retry.Initial
	for i := 0; i < attempt && d < w.opt.Retry.Max; i++ {
		d *= 2
	}
	d = min(d, w.opt.Retry.Max)
	half := d / 2
	return half + rand.N(d-half+1)
}

// finish moves a loaded or failed file out of work/, writes its report and
// counts it.
func (w *Worker) finish(path, name, id string, rep Report) {
	rep.FinishedAt = time.Now()
	rep.DurationS = rep.Duration.Seconds()
	if rep.Duration > 0 {
		rep.RowsPerS = float64(rep.RowsOK) / rep.Duration.Seconds()
	}
	from := rep.StartedAt
	if !rep.ClaimedAt.IsZero() && rep.ClaimedAt.Before(from) {
		from = rep.ClaimedAt
	}
	rep.TotalS = rep.FinishedAt.Sub(from).Seconds()
	dir := FailedDir
	if rep.Status == "done" {
		dir = DoneDir
	}
	dst, err := moveNoClobber(path, w.dir[dir], name, id)
	if err != nil {
		// The file stays in work/ and is tried again on the next run.
		w.log.Error("spool: move file", "file", name, "batch_id", id, "err", err)
		return
	}
	rep.SpoolFile = filepath.Join(dir, filepath.Base(dst))
	if err := writeReport(dst+ReportSuffix, rep); err != nil {
		w.log.Error("spool: write report", "file", name, "err", err)
	}
	w.m.Observe(rep.Summary)
	w.updateDepth()
	if rep.Status == "done" {
		w.log.Info("spool: loaded", "file", name, "batch_id", id, "rows", rep.RowsOK, "rejected", rep.RowsRejected, "duration", rep.Duration)
	} else {
		w.log.Warn("spool: file failed", "file", name, "batch_id", id, "err", rep.Error)
	}
}
