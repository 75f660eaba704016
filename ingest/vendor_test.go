package ingest

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// vendorRec is an Emitter that keeps everything, for the vendor parser tests.
type vendorRec struct {
	contacts []Contact
	surveys  []Survey
	states   []AgentState
	rejects  []Reject
}

func (r *vendorRec) Contact(x Contact) error  { r.contacts = append(r.contacts, x); return nil }
func (r *vendorRec) Survey(x Survey) error    { r.surveys = append(r.surveys, x); return nil }
func (r *vendorRec) Agent(Agent) error        { return nil }
func (r *vendorRec) State(x AgentState) error { r.states = append(r.states, x); return nil }
func (r *vendorRec) Schedule(Schedule) error  { return nil }
func (r *vendorRec) Reject(x Reject) error    { r.rejects = append(r.rejects, x); return nil }

// vendorReal is the path of a real third-party fixture.
func vendorReal(parts ...string) string {
	return filepath.Join(append([]string{"testdata", "real"}, parts...)...)
}

func vendorRead(t testing.TB, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// vendorOpt is the Options of the vendor tests: now is fixed so the
// one-day horizon does not move.
func vendorOpt() Options {
	return Options{Now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
}

func vendorParse(t testing.TB, parse ParseFunc, in string, opt Options) (*vendorRec, error) {
	t.Helper()
	rec := &vendorRec{}
	err := parse(strings.NewReader(in), opt, rec)
	return rec, err
}

// vendorCheck asserts the invariants every parser keeps.
func vendorCheck(t testing.TB, rec *vendorRec) {
	t.Helper()
	for _, r := range rec.rejects {
		if r.Line <= 0 || r.Reason == "" {
			t.Fatalf("reject without line or reason: %+v", r)
		}
		if len(r.Raw) > MaxRawBytes {
			t.Fatalf("reject raw of %d bytes", len(r.Raw))
		}
	}
	for _, c := range rec.contacts {
		if c.ContactID == "" || c.Source == "" {
			t.Fatalf("contact without id or source: %+v", c)
		}
		if c.EndedAt.Before(c.StartedAt) {
			t.Fatalf("contact %s ends before it starts: %v < %v", c.ContactID, c.EndedAt, c.StartedAt)
		}
		if c.AnsweredAt != nil && (c.AnsweredAt.Before(c.StartedAt) || c.AnsweredAt.After(c.EndedAt)) {
			t.Fatalf("contact %s answered outside [start, end]", c.ContactID)
		}
		for _, d := range []uint32{c.WaitS, c.TalkS, c.HoldS, c.AcwS} {
			if d >= MaxDuration {
				t.Fatalf("contact %s has a duration of %d s", c.ContactID, d)
			}
		}
		if c.StartedAt.Before(MinTime) {
			t.Fatalf("contact %s starts before MinTime", c.ContactID)
		}
	}
	for _, s := range rec.states {
		if !s.End.After(s.Start) || s.AgentID == "" {
			t.Fatalf("bad state %+v", s)
		}
	}
	for _, s := range rec.surveys {
		if s.ResponseID == "" || (s.NPS == nil && s.CSAT == nil && s.CES == nil) {
			t.Fatalf("bad survey %+v", s)
		}
	}
}
