// Package ingest turns call-center and survey files into validated records.
//
// Each format has a parser that is a pure function of an io.Reader: it
// emits records and rejects (bad rows with their line and reason) to an
// Emitter and returns an error only when the input as a whole cannot be
// read. Storage lives elsewhere (internal/chstore implements Store), so
// every parser is tested and fuzzed without a database.
package ingest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"
)

// Kind is what a file holds.
type Kind string

// Kinds of input.
const (
	KindContacts  Kind = "contacts"
	KindSurveys   Kind = "surveys"
	KindAgents    Kind = "agents" // the roster
	KindStates    Kind = "states"
	KindSchedules Kind = "schedules"
)

// Kinds lists every kind, in the order the CLI documents them.
var Kinds = []Kind{KindContacts, KindSurveys, KindAgents, KindStates, KindSchedules, KindQueues}

// Format is how a file is written.
type Format string

// Formats of input. FormatAuto sniffs the first bytes.
const (
	FormatAuto       Format = "auto"
	FormatCSV        Format = "csv"
	FormatNDJSON     Format = "ndjson"
	FormatQueueLog   Format = "queue_log"
	FormatConnectCTR Format = "connect_ctr"
	FormatQualtrics  Format = "qualtrics"
)

// Sentinel errors; callers test them with errors.Is.
var (
	ErrUnknownKind   = errors.New("ingest: unknown kind")
	ErrUnknownFormat = errors.New("ingest: unknown format")
	// ErrFormat says the input as a whole is not in the expected format
	// (for example a CSV without the required header columns).
	ErrFormat = errors.New("ingest: input is not in the expected format")
)

// Contact is one contact leg. Durations are whole
// seconds; times are UTC.
type Contact struct {
	ContactID        string
	Source           string
	Channel          string // voice, chat, email...
	Direction        string // inbound, outbound
	Queue            string
	Team             string
	Site             string
	AgentID          string
	CustomerID       string
	StartedAt        time.Time
	AnsweredAt       *time.Time
	EndedAt          time.Time
	WaitS            uint32
	TalkS            uint32
	HoldS            uint32
	HoldCount        uint16
	AcwS             uint32
	Abandoned        bool
	Transferred      bool
	Resolved         *bool
	Disposition      string
	InitialContactID string
	SourceUpdatedAt  time.Time
}

// Survey is one survey response. Scores absent from the response are nil.
type Survey struct {
	ResponseID  string
	Source      string
	ContactID   string // empty: not linked to a contact
	AgentID     string // when the survey tool knows it
	RespondedAt time.Time
	NPS         *uint8 // 0-10
	CSAT        *uint8 // 1-5
	CES         *uint8 // 1-7, 7 = very easy
	Comment     string
}

// Agent is one roster row: from ValidFrom on, the agent works in Team.
type Agent struct {
	AgentID    string
	Name       string
	Team       string
	Site       string
	Supervisor string
	ValidFrom  time.Time
}

// Agent states (interval kinds). Parsers map their own vocabulary here.
const (
	StateLoggedIn  = "logged_in"
	StateAvailable = "available"
	StateOnContact = "on_contact"
	StateACW       = "acw"
	StateBreak     = "break"
	StateOffline   = "offline"
)

// AgentState is an interval an agent spent in one state.
type AgentState struct {
	AgentID string
	Source  string
	State   string
	Reason  string // pause reason and the like, when the source has one
	Start   time.Time
	End     time.Time
}

// Schedule is a planned activity interval.
type Schedule struct {
	AgentID  string
	Activity string // e.g. on_contact, break, training, meeting
	Start    time.Time
	End      time.Time
}

// Reject is an input row that was not loaded, with why. Line is 1-based
// (the physical line where the record starts); Raw is the row as read,
// cut to MaxRawBytes.
type Reject struct {
	Line   int
	Raw    string
	Field  string
	Reason string
}

// MaxRawBytes bounds Reject.Raw.
const MaxRawBytes = 4096

// Emitter receives what a parser reads. A non-nil error from any method
// stops the parser, which returns it wrapped.
type Emitter interface {
	Contact(Contact) error
	Survey(Survey) error
	Agent(Agent) error
	State(AgentState) error
	Schedule(Schedule) error
	Reject(Reject) error
}

// Options tune parsing. The zero value is usable: UTC, source from the
// format, now = time.Now().
type Options struct {
	// File names the input in errors and rejects.
	File string
	// Source is stored in contacts.source / surveys.source. Default: the
	// format name (generic formats: "generic").
	Source string
	// Location reads timestamps that carry no zone. Default UTC.
	Location *time.Location
	// Now bounds valid timestamps (at most one day after Now). Default time.Now().
	Now time.Time
	// Columns maps target field names (e.g. "nps", "response_id") to the
	// input's column names, for Qualtrics-style exports and other CSVs
	// whose headers differ from ours.
	Columns map[string]string
	// MaxLineBytes bounds one input line (default 1 MiB); longer lines are
	// rejected, not loaded into memory.
	MaxLineBytes int
}

// ParseFunc is the shape of every parser.
type ParseFunc func(r io.Reader, opt Options, e Emitter) error

// MinTime and the one-day horizon bound valid timestamps.
var MinTime = time.Date(1990, 1, 1, 0, 0, 0, 0, time.UTC)

// Horizon is how far past Options.Now a timestamp may lie.
const Horizon = 24 * time.Hour

// MaxDuration bounds any duration field.
const MaxDuration = 24 * 60 * 60 // seconds, exclusive

// Batch describes one load (a file or an HTTP body).
type Batch struct {
	ID     string // unique; callers that retry a load reuse it
	Source string
	Kind   Kind
	Format Format
	File   string
}

// Summary is the outcome of one load.
type Summary struct {
	File         string        `json:"file"`
	BatchID      string        `json:"batch_id"`
	Kind         Kind          `json:"kind"`
	Format       Format        `json:"format"`
	RowsOK       int64         `json:"rows_ok"`
	RowsRejected int64         `json:"rows_rejected"`
	Bytes        int64         `json:"bytes"`
	Duration     time.Duration `json:"duration_ns"`
	Status       string        `json:"status"` // done, failed
	Error        string        `json:"error,omitempty"`
}

// Store persists what parsers emit. internal/chstore implements it on
// ClickHouse.
type Store interface {
	// Begin starts a batch; the writer buffers and flushes rows itself.
	Begin(ctx context.Context, b Batch) (Writer, error)
}

// Writer is the Emitter of one batch. Close flushes what is buffered and
// records the batch's outcome; it must be called once, also after errors.
type Writer interface {
	Emitter
	Close(ctx context.Context, s *Summary) error
}

func (k Kind) valid() bool {
	for _, x := range Kinds {
		if x == k {
			return true
		}
	}
	return false
}

// ParseKind validates a kind name.
func ParseKind(s string) (Kind, error) {
	if k := Kind(s); k.valid() {
		return k, nil
	}
	return "", fmt.Errorf("%w %q (want one of contacts, surveys, agents, states, schedules, queues)", ErrUnknownKind, s)
}
