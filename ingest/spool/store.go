package spool

import (
	"context"
	"io"
	"sync"

	"github.com/servicecard/servicecard/ingest"
)

// attemptState records whether one load attempt hit an error in storage
// or in reading its own file: those are retried, while anything else the
// parser returns is the input's fault. Recording it here, rather than
// recognising wrapped errors, keeps a ClickHouse outage from ever sending
// a file to failed/, however a parser wraps the error it got.
type attemptState struct {
	mu  sync.Mutex
	err error
}

func (a *attemptState) mark(err error) error {
	if err != nil {
		a.mu.Lock()
		if a.err == nil {
			a.err = err
		}
		a.mu.Unlock()
	}
	return err
}

func (a *attemptState) failed() bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.err != nil
}

type markStore struct {
	st ingest.Store
	a  *attemptState
}

func (s markStore) Begin(ctx context.Context, b ingest.Batch) (ingest.Writer, error) {
	w, err := s.st.Begin(ctx, b)
	if err != nil {
		return nil, s.a.mark(err)
	}
	return markWriter{w: w, a: s.a}, nil
}

type markWriter struct {
	w ingest.Writer
	a *attemptState
}

func (m markWriter) Contact(x ingest.Contact) error   { return m.a.mark(m.w.Contact(x)) }
func (m markWriter) Survey(x ingest.Survey) error     { return m.a.mark(m.w.Survey(x)) }
func (m markWriter) Agent(x ingest.Agent) error       { return m.a.mark(m.w.Agent(x)) }
func (m markWriter) State(x ingest.AgentState) error  { return m.a.mark(m.w.State(x)) }
func (m markWriter) Schedule(x ingest.Schedule) error { return m.a.mark(m.w.Schedule(x)) }
func (m markWriter) Reject(x ingest.Reject) error     { return m.a.mark(m.w.Reject(x)) }
func (m markWriter) Close(ctx context.Context, s *ingest.Summary) error {
	return m.a.mark(m.w.Close(ctx, s))
}

// markReader records read errors of the spool file (not io.EOF).
type markReader struct {
	r io.Reader
	a *attemptState
}

func (m *markReader) Read(p []byte) (int, error) {
	n, err := m.r.Read(p)
	if err != nil && err != io.EOF {
		m.a.mark(err)
	}
	return n, err
}
