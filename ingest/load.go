package ingest

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"time"
)

// parsers maps a kind and a format to its parser. The generic formats
// serve every kind; the vendor formats serve the kinds they carry.
var parsers = map[Kind]map[Format]ParseFunc{
	KindContacts: {
		FormatCSV:        ParseContactsCSV,
		FormatNDJSON:     ParseContactsNDJSON,
		FormatQueueLog:   ParseQueueLog,
		FormatConnectCTR: ParseConnectCTR,
	},
	KindSurveys: {
		FormatCSV:       ParseSurveysCSV,
		FormatNDJSON:    ParseSurveysNDJSON,
		FormatQualtrics: ParseQualtrics,
	},
	KindAgents:    {FormatCSV: ParseAgentsCSV},
	KindStates:    {FormatCSV: ParseStatesCSV, FormatQueueLog: ParseQueueLogStates},
	KindSchedules: {FormatCSV: ParseSchedulesCSV},
	KindQueues:    {FormatCSV: ParseQueuesCSV},
}

// Parser returns the parser for kind and format (not FormatAuto).
func Parser(kind Kind, format Format) (ParseFunc, error) {
	byFormat, ok := parsers[kind]
	if !ok {
		return nil, fmt.Errorf("%w %q", ErrUnknownKind, kind)
	}
	p, ok := byFormat[format]
	if !ok {
		return nil, fmt.Errorf("%w %q for kind %s", ErrUnknownFormat, format, kind)
	}
	return p, nil
}

// sniffBytes is how much of the input Sniff looks at.
const sniffBytes = 64 << 10

// Load parses r as kind/format (FormatAuto sniffs) into a new batch of st
// and returns its summary. Rejected rows are counted and stored, never
// fatal; an error means the input could not be read at all or storage
// failed, and Summary.Status is then "failed". Rows already flushed stay
// loaded: a retry under the same Batch.ID replaces them.
func Load(ctx context.Context, st Store, r io.Reader, b Batch, opt Options) (Summary, error) {
	start := time.Now()
	sum := Summary{File: b.File, BatchID: b.ID, Kind: b.Kind, Format: b.Format, Status: "failed"}
	if opt.File == "" {
		opt.File = b.File
	}
	cr := &countingReader{r: r}
	br := bufio.NewReaderSize(cr, sniffBytes)
	if b.Format == "" || b.Format == FormatAuto {
		head, _ := br.Peek(sniffBytes)
		b.Format = Sniff(b.Kind, head)
		sum.Format = b.Format
	}
	parse, err := Parser(b.Kind, b.Format)
	if err != nil {
		sum.Error = err.Error()
		return sum, fmt.Errorf("ingest %s: %w", b.File, err)
	}
	if b.Source == "" {
		b.Source = opt.Source
	}
	w, err := st.Begin(ctx, b)
	if err != nil {
		sum.Error = err.Error()
		return sum, fmt.Errorf("ingest %s: begin batch: %w", b.File, err)
	}
	ce := &countingEmitter{Emitter: w}
	perr := parse(br, opt, ce)
	sum.RowsOK, sum.RowsRejected, sum.Bytes = ce.ok, ce.rejected, cr.n
	sum.Duration = time.Since(start)
	if perr == nil {
		sum.Status = "done"
	} else {
		sum.Error = perr.Error()
	}
	if cerr := w.Close(ctx, &sum); cerr != nil && perr == nil {
		perr = cerr
		sum.Status, sum.Error = "failed", cerr.Error()
	}
	if perr != nil {
		return sum, fmt.Errorf("ingest %s: %w", b.File, perr)
	}
	return sum, nil
}

type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// countingEmitter counts rows on their way to the writer.
type countingEmitter struct {
	Emitter
	ok, rejected int64
}

func (c *countingEmitter) Contact(x Contact) error   { c.ok++; return c.Emitter.Contact(x) }
func (c *countingEmitter) Survey(x Survey) error     { c.ok++; return c.Emitter.Survey(x) }
func (c *countingEmitter) Agent(x Agent) error       { c.ok++; return c.Emitter.Agent(x) }
func (c *countingEmitter) State(x AgentState) error  { c.ok++; return c.Emitter.State(x) }
func (c *countingEmitter) Schedule(x Schedule) error { c.ok++; return c.Emitter.Schedule(x) }
func (c *countingEmitter) Reject(x Reject) error     { c.rejected++; return c.Emitter.Reject(x) }

// QueueOwner passes a queue map row on when the writer takes them.
func (c *countingEmitter) QueueOwner(x QueueOwner) error {
	qe, ok := c.Emitter.(QueueEmitter)
	if !ok {
		return errNoQueueEmitter
	}
	c.ok++
	return qe.QueueOwner(x)
}
