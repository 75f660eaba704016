// Package progress gives the ingest CLI its feedback: a progress bar while
// a large file is read on a terminal, and one summary line (or one JSON
// object) per file when it is done.
//
// The bar is drawn only when its output is a terminal and the file is
// larger than MinBarSize, so pipes, CI logs and redirected output never get
// escape codes.
package progress

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"

	"github.com/servicecard/servicecard/ingest"
)

// MinBarSize is the smallest file that gets a progress bar: smaller files
// load in about a second, where a bar only flickers.
const MinBarSize = 8 << 20

// Reader wraps r, an input of size bytes called name, to draw a progress
// bar on standard error while it is read. It returns r itself when
// standard error is not a terminal or the file is small.
func Reader(r io.Reader, size int64, name string) io.Reader {
	return ReaderTo(os.Stderr, r, size, name)
}

// ReaderTo is Reader drawing on out. Out must be an *os.File open on a
// terminal for a bar to appear.
func ReaderTo(out io.Writer, r io.Reader, size int64, name string) io.Reader {
	if size < MinBarSize || !IsTerminal(out) {
		return r
	}
	bar := progressbar.NewOptions64(size,
		progressbar.OptionSetWriter(out),
		progressbar.OptionSetDescription(name),
		progressbar.OptionShowBytes(true),
		progressbar.OptionShowTotalBytes(true),
		progressbar.OptionShowCount(),
		progressbar.OptionSetWidth(20),
		progressbar.OptionThrottle(100*time.Millisecond),
		progressbar.OptionClearOnFinish(),
		progressbar.OptionSetPredictTime(true),
	)
	now := time.Now()
	return &barReader{r: r, bar: bar, name: name, start: now, lastDesc: now}
}

// IsTerminal reports whether w is an *os.File open on a terminal.
func IsTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// barReader feeds the bytes it reads to the bar. Rows are counted as
// input lines, which is what a row is in every line-based format (CSV,
// NDJSON, queue_log); the count only feeds the rows/s on the bar.
type barReader struct {
	r        io.Reader
	bar      *progressbar.ProgressBar
	name     string
	start    time.Time
	lines    int64
	lastDesc time.Time
	done     bool
}

func (b *barReader) Read(p []byte) (int, error) {
	n, err := b.r.Read(p)
	if n > 0 {
		b.lines += int64(bytes.Count(p[:n], []byte{'\n'}))
		if now := time.Now(); now.Sub(b.lastDesc) >= 250*time.Millisecond {
			b.lastDesc = now
			b.bar.Describe(fmt.Sprintf("%s %d rows, %s rows/s", b.name, b.lines, Rate(float64(b.lines)/now.Sub(b.start).Seconds())))
		}
		_ = b.bar.Add(n)
	}
	if err != nil && !b.done {
		b.done = true
		_ = b.bar.Finish()
	}
	return n, err
}

// Report writes the outcome of one load to w: one line of text, or with
// jsonOut one JSON object on one line.
func Report(w io.Writer, s ingest.Summary, jsonOut bool) error {
	if jsonOut {
		b, err := json.Marshal(newLine(s))
		if err != nil {
			return fmt.Errorf("progress: encode summary: %w", err)
		}
		_, err = w.Write(append(b, '\n'))
		return err
	}
	_, err := io.WriteString(w, Text(s)+"\n")
	return err
}

// Text is the one-line summary of a load, e.g.
// "ingest contacts.csv: 200000 rows ok, 12 rejected, 3.1 s, 65k rows/s".
func Text(s ingest.Summary) string {
	head := fmt.Sprintf("ingest %s: ", s.File)
	if s.Status == "failed" {
		msg := s.Error
		if msg == "" {
			msg = "unknown error"
		}
		return fmt.Sprintf("%sfailed: %s (%d rows ok, %d rejected, %.1f s)",
			head, msg, s.RowsOK, s.RowsRejected, s.Duration.Seconds())
	}
	return fmt.Sprintf("%s%d rows ok, %d rejected, %.1f s, %s rows/s",
		head, s.RowsOK, s.RowsRejected, s.Duration.Seconds(), Rate(rowsPerS(s)))
}

// line is the JSON form of a summary: the ingest.Summary fields a script
// needs, with durations in seconds.
type line struct {
	File         string        `json:"file"`
	Kind         ingest.Kind   `json:"kind"`
	Format       ingest.Format `json:"format"`
	Status       string        `json:"status"`
	BatchID      string        `json:"batch_id"`
	RowsOK       int64         `json:"rows_ok"`
	RowsRejected int64         `json:"rows_rejected"`
	Bytes        int64         `json:"bytes"`
	DurationS    float64       `json:"duration_s"`
	RowsPerS     float64       `json:"rows_per_s"`
	Error        string        `json:"error,omitempty"`
}

func newLine(s ingest.Summary) line {
	return line{
		File: s.File, Kind: s.Kind, Format: s.Format, Status: s.Status, BatchID: s.BatchID,
		RowsOK: s.RowsOK, RowsRejected: s.RowsRejected, Bytes: s.Bytes,
		DurationS: round3(s.Duration.Seconds()), RowsPerS: math.Round(rowsPerS(s)),
		Error: s.Error,
	}
}

func rowsPerS(s ingest.Summary) float64 {
	if s.Duration <= 0 {
		return 0
	}
	return float64(s.RowsOK) / s.Duration.Seconds()
}

func round3(x float64) float64 { return math.Round(x*1000) / 1000 }

// Rate formats a per-second rate for people: 950, 9.5k, 65k, 1.2M.
func Rate(x float64) string {
	switch {
	case math.IsNaN(x) || math.IsInf(x, 0) || x < 0:
		return "0"
	case x < 1000:
		return fmt.Sprintf("%.0f", x)
	case x < 9950:
		return fmt.Sprintf("%.1fk", x/1e3)
	case x < 999500:
		return fmt.Sprintf("%.0fk", x/1e3)
	default:
		return fmt.Sprintf("%.1fM", x/1e6)
	}
}
