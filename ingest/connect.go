package ingest

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
)

// Amazon Connect contact trace records (FORMATS.md): one JSON object per
// contact leg, read as a stream. Accepted layouts: one object per line
// (NDJSON), objects concatenated with or without whitespace between them
// (Kinesis Firehose S3 objects), pretty-printed objects, or one JSON array
// of objects.

// ctrSlack is how far past MaxLineBytes the decoder may read ahead before
// a record counts as too large.
const ctrSlack = 64 << 10

var errCTRTooLarge = errors.New("record too large")

// ctrRecord holds the CTR fields servicecard uses; others are ignored.
type ctrRecord struct {
	ContactID                  *string     `json:"ContactId"`
	InitialContactID           *string     `json:"InitialContactId"`
	PreviousContactID          *string     `json:"PreviousContactId"`
	Channel                    *string     `json:"Channel"`
	InitiationMethod           *string     `json:"InitiationMethod"`
	InitiationTimestamp        *string     `json:"InitiationTimestamp"`
	DisconnectTimestamp        *string     `json:"DisconnectTimestamp"`
	LastUpdateTimestamp        *string     `json:"LastUpdateTimestamp"`
	DisconnectReason           *string     `json:"DisconnectReason"`
	TransferCompletedTimestamp *string     `json:"TransferCompletedTimestamp"`
	TransferredToEndpoint      *ctrPresent `json:"TransferredToEndpoint"`
	CustomerEndpoint           *struct {
		Address *string `json:"Address"`
	} `json:"CustomerEndpoint"`
	Queue *struct {
		Name             *string `json:"Name"`
		EnqueueTimestamp *string `json:"EnqueueTimestamp"`
		DequeueTimestamp *string `json:"DequeueTimestamp"`
		Duration         ctrNum  `json:"Duration"`
	} `json:"Queue"`
	Agent *struct {
		Username                  *string `json:"Username"`
		ConnectedToAgentTimestamp *string `json:"ConnectedToAgentTimestamp"`
		AgentInteractionDuration  ctrNum  `json:"AgentInteractionDuration"`
		CustomerHoldDuration      ctrNum  `json:"CustomerHoldDuration"`
		NumberOfHolds             ctrNum  `json:"NumberOfHolds"`
		AfterContactWorkDuration  ctrNum  `json:"AfterContactWorkDuration"`
		HierarchyGroups           *struct {
			Level1 *ctrGroup `json:"Level1"`
			Level2 *ctrGroup `json:"Level2"`
			Level3 *ctrGroup `json:"Level3"`
			Level4 *ctrGroup `json:"Level4"`
			Level5 *ctrGroup `json:"Level5"`
		} `json:"HierarchyGroups"`
	} `json:"Agent"`
}

type ctrGroup struct {
	GroupName *string `json:"GroupName"`
}

// ctrNum is a JSON number, also accepted as a numeric string; the text is
// validated by durationField. Null or absent is unset.
type ctrNum struct {
	s   string
	set bool
}

func (n *ctrNum) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if string(b) == "null" {
		return nil
	}
	if len(b) > 0 && b[0] == '"' {
		if err := json.Unmarshal(b, &n.s); err != nil {
			return err
		}
	} else {
		n.s = string(b)
	}
	n.set = true
	return nil
}

// ctrPresent records whether a value other than null was given.
type ctrPresent struct{ set bool }

func (p *ctrPresent) UnmarshalJSON(b []byte) error {
	p.set = string(bytes.TrimSpace(b)) != "null"
	return nil
}

// ParseConnectCTR reads Amazon Connect contact trace records and emits one
// Contact per record. ingest/FORMATS.md has the
// mapping.
func ParseConnectCTR(r io.Reader, opt Options, e Emitter) error {
	s := newCTRStream(r, opt.maxLine())
	first, err := s.peekStart()
	if errors.Is(err, io.EOF) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("connect_ctr: %w", err)
	}
	switch first {
	case '[':
		return ctrArray(s, opt, e)
	case '{':
		return ctrObjects(s, opt, e)
	}
	return fmt.Errorf("%w: connect_ctr: want JSON objects or an array of them, input starts with %q", ErrFormat, first)
}

// ctrObjects reads objects one after another. An invalid object is
// rejected and reading resumes at the next line that starts with '{'.
func ctrObjects(s *ctrStream, opt Options, e Emitter) error {
	for {
		raw, line, err := s.next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		var syn *json.SyntaxError
		switch {
		case errors.As(err, &syn) || errors.Is(err, io.ErrUnexpectedEOF):
			rej := Reject{Line: line, Raw: rawLine(s.lineAtError()), Reason: fmt.Sprintf("invalid JSON: %v", err)}
			if err := e.Reject(rej); err != nil {
				return fmt.Errorf("connect_ctr line %d: %w", line, err)
			}
			if err := s.resync(); err != nil {
				if errors.Is(err, io.EOF) {
					return nil
				}
				return fmt.Errorf("connect_ctr line %d: %w", line, err)
			}
			continue
		case err != nil:
			return fmt.Errorf("connect_ctr line %d: %w", line, err)
		}
		if err := ctrEmit(raw, line, opt, e); err != nil {
			return fmt.Errorf("connect_ctr line %d: %w", line, err)
		}
	}
}

// ctrArray reads one JSON array of objects. A syntax error ends the
// input: there is no safe point to resume inside an array.
func ctrArray(s *ctrStream, opt Options, e Emitter) error {
	if _, err := s.dec.Token(); err != nil {
		return fmt.Errorf("connect_ctr: %w", err)
	}
	for s.dec.More() {
		raw, line, err := s.next()
		if err != nil {
			if errors.Is(err, errCTRTooLarge) {
				return fmt.Errorf("connect_ctr line %d: %w", line, err)
			}
			return fmt.Errorf("%w: connect_ctr line %d: %v", ErrFormat, line, err)
		}
		if err := ctrEmit(raw, line, opt, e); err != nil {
			return fmt.Errorf("connect_ctr line %d: %w", line, err)
		}
	}
	if _, err := s.dec.Token(); err != nil {
		return fmt.Errorf("%w: connect_ctr line %d: %v", ErrFormat, s.lineAt(s.offset()), err)
	}
	// Anything after the array is not read: one array is one file.
	return nil
}

// ctrEmit turns one raw value into a Contact or a Reject.
func ctrEmit(raw json.RawMessage, line int, opt Options, e Emitter) error {
	if len(raw) > opt.maxLine() {
		return e.Reject(Reject{Line: line, Raw: rawLine(string(raw)),
			Reason: fmt.Sprintf("record longer than %d bytes", opt.maxLine())})
	}
	if len(raw) == 0 || raw[0] != '{' {
		return e.Reject(Reject{Line: line, Raw: rawLine(string(raw)), Reason: "not a JSON object"})
	}
	var rec ctrRecord
	if err := json.Unmarshal(raw, &rec); err != nil {
		field := ""
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			field = te.Field
		}
		return e.Reject(Reject{Line: line, Raw: rawLine(string(raw)), Field: field, Reason: err.Error()})
	}
	c, skip, fe := ctrContact(&rec, opt)
	if skip {
		return nil
	}
	if fe != nil {
		return e.Reject(Reject{Line: line, Raw: rawLine(string(raw)), Field: fe.Field, Reason: fe.Reason})
	}
	return e.Contact(c)
}

func ctrStr(p *string) string {
	if p == nil {
		return ""
	}
	return strings.TrimSpace(*p)
}

// ctrTime reads an optional timestamp; ok is false when it is absent.
func ctrTime(field string, p *string, opt Options) (t time.Time, ok bool, fe *FieldError) {
	if ctrStr(p) == "" {
		return time.Time{}, false, nil
	}
	t, fe = timeField(field, *p, opt)
	return t, fe == nil, fe
}

// ctrContact maps one record. skip is true for records that are not
// customer contacts (supervisor monitoring legs).
func ctrContact(rec *ctrRecord, opt Options) (c Contact, skip bool, fe *FieldError) {
	c.ContactID = ctrStr(rec.ContactID)
	if c.ContactID == "" {
		return c, false, fieldErr("ContactId", "required")
	}
	c.ContactID = cut(c.ContactID, 256)
	method := strings.ToUpper(ctrStr(rec.InitiationMethod))
	if method == "MONITOR" {
		return c, true, nil
	}
	c.Source = opt.source("connect")
	c.Channel = strings.ToLower(ctrStr(rec.Channel))
	if c.Channel == "" {
		c.Channel = "voice"
	}
	c.Direction = ctrDirection(method, c.Channel)
	c.InitialContactID = ctrStr(rec.InitialContactID)
	if c.InitialContactID == "" {
		c.InitialContactID = ctrStr(rec.PreviousContactID)
	}
	c.InitialContactID = cut(c.InitialContactID, 256)
	if rec.CustomerEndpoint != nil {
		c.CustomerID = cut(ctrStr(rec.CustomerEndpoint.Address), 256)
	}
	c.Disposition = cut(ctrStr(rec.DisconnectReason), 256)

	initiated, ok, fe := ctrTime("InitiationTimestamp", rec.InitiationTimestamp, opt)
	if fe != nil {
		return c, false, fe
	}
	if !ok {
		return c, false, fieldErr("InitiationTimestamp", "required")
	}
	c.StartedAt = initiated
	ended, ok, fe := ctrTime("DisconnectTimestamp", rec.DisconnectTimestamp, opt)
	if fe != nil {
		return c, false, fe
	}
	if !ok {
		return c, false, fieldErr("DisconnectTimestamp", "required: the contact has not ended")
	}
	c.EndedAt = ended
	updated, ok, fe := ctrTime("LastUpdateTimestamp", rec.LastUpdateTimestamp, opt)
	if fe != nil {
		return c, false, fe
	}
	c.SourceUpdatedAt = ended
	if ok {
		c.SourceUpdatedAt = updated
	}
	_, transferred, fe := ctrTime("TransferCompletedTimestamp", rec.TransferCompletedTimestamp, opt)
	if fe != nil {
		return c, false, fe
	}
	c.Transferred = transferred || (rec.TransferredToEndpoint != nil && rec.TransferredToEndpoint.set)

	var enqueued time.Time
	queued := false
	if q := rec.Queue; q != nil {
		c.Queue = cut(ctrStr(q.Name), 256)
		if enqueued, queued, fe = ctrTime("Queue.EnqueueTimestamp", q.EnqueueTimestamp, opt); fe != nil {
			return c, false, fe
		}
		if queued {
			c.StartedAt = enqueued
		}
		if c.WaitS, fe = durationField("Queue.Duration", q.Duration.s); fe != nil {
			return c, false, fe
		}
		if !q.Duration.set && queued {
			dequeued, ok, fe := ctrTime("Queue.DequeueTimestamp", q.DequeueTimestamp, opt)
			if fe != nil {
				return c, false, fe
			}
			if ok && !dequeued.Before(enqueued) {
				c.WaitS = qlSeconds(dequeued.Sub(enqueued))
			}
		}
	}
	if a := rec.Agent; a != nil {
		at, ok, fe := ctrTime("Agent.ConnectedToAgentTimestamp", a.ConnectedToAgentTimestamp, opt)
		if fe != nil {
			return c, false, fe
		}
		if ok {
			// Only a connected agent handled the leg: an agent who was
			// offered it and missed it is no handler.
			c.AnsweredAt = &at
			c.AgentID = cut(ctrStr(a.Username), 256)
		}
		for _, d := range []struct {
			name string
			n    ctrNum
			to   *uint32
		}{
			{"Agent.AgentInteractionDuration", a.AgentInteractionDuration, &c.TalkS},
			{"Agent.CustomerHoldDuration", a.CustomerHoldDuration, &c.HoldS},
			{"Agent.AfterContactWorkDuration", a.AfterContactWorkDuration, &c.AcwS},
		} {
			if *d.to, fe = durationField(d.name, d.n.s); fe != nil {
				return c, false, fe
			}
		}
		holds, fe := durationField("Agent.NumberOfHolds", a.NumberOfHolds.s)
		if fe != nil {
			return c, false, fe
		}
		if holds > 65535 {
			return c, false, fieldErr("Agent.NumberOfHolds", "%d holds is not plausible", holds)
		}
		c.HoldCount = uint16(holds)
		if g := a.HierarchyGroups; g != nil {
			// The deepest level is the smallest unit, usually the team.
			for _, l := range []*ctrGroup{g.Level5, g.Level4, g.Level3, g.Level2, g.Level1} {
				if l != nil && ctrStr(l.GroupName) != "" {
					c.Team = cut(ctrStr(l.GroupName), 256)
					break
				}
			}
		}
	}
	c.Abandoned = queued && c.AnsweredAt == nil && !c.Transferred
	return c, false, c.validate().renamed(ctrFieldNames)
}

// ctrFieldNames name the fields of Contact.Validate as a CTR does.
var ctrFieldNames = map[string]string{
	"started_at":  "InitiationTimestamp",
	"ended_at":    "DisconnectTimestamp",
	"answered_at": "Agent.ConnectedToAgentTimestamp",
}

// ctrDirection maps InitiationMethod. Contacts the customer started, and
// the legs that continue them (transfers, callbacks they asked for), are
// inbound; contacts the center started are outbound. API starts outbound
// voice calls (StartOutboundVoiceContact) but customer chats and tasks
// (StartChatContact), so it depends on the channel.
func ctrDirection(method, channel string) string {
	switch method {
	case "OUTBOUND", "EXTERNAL_OUTBOUND", "CAMPAIGN", "CAMPAIGN_PREVIEW", "AGENT_REPLY":
		return "outbound"
	case "API":
		if channel == "voice" {
			return "outbound"
		}
	}
	return "inbound"
}

// ctrStream is a json.Decoder that knows the line each value starts on
// and can restart after a syntax error.
type ctrStream struct {
	src  *ctrCounter
	in   *ctrInput
	dec  *json.Decoder
	base int64 // absolute offset of dec's first byte
	max  int
	mark int64 // absolute offset where the current value starts
}

// ctrCounter counts bytes, remembers where the newlines are, and refuses
// to read far past the start of the current value.
type ctrCounter struct {
	r      io.Reader
	n      int64
	nl     []int64 // offsets of the newlines not yet passed by lineAt
	before int     // newlines before nl[0]
	limit  func() int64
}

func (c *ctrCounter) Read(p []byte) (int, error) {
	if c.n > c.limit() {
		return 0, errCTRTooLarge
	}
	n, err := c.r.Read(p)
	for i, b := range p[:n] {
		if b == '\n' {
			c.nl = append(c.nl, c.n+int64(i))
		}
	}
	c.n += int64(n)
	return n, err
}

// ctrInput is what the decoder reads: bytes a failed decoder had
// buffered, then the rest of the input.
type ctrInput struct {
	pending []byte
	br      *bufio.Reader
}

func (in *ctrInput) Read(p []byte) (int, error) {
	if len(in.pending) > 0 {
		n := copy(p, in.pending)
		in.pending = in.pending[n:]
		return n, nil
	}
	return in.br.Read(p)
}

func (in *ctrInput) peek() (byte, error) {
	if len(in.pending) > 0 {
		return in.pending[0], nil
	}
	b, err := in.br.Peek(1)
	if err != nil {
		return 0, err
	}
	return b[0], nil
}

func (in *ctrInput) skip() {
	if len(in.pending) > 0 {
		in.pending = in.pending[1:]
		return
	}
	in.br.Discard(1)
}

func newCTRStream(r io.Reader, max int) *ctrStream {
	s := &ctrStream{max: max}
	s.src = &ctrCounter{r: r, limit: func() int64 { return s.mark + int64(s.max) + ctrSlack }}
	s.in = &ctrInput{br: bufio.NewReader(s.src)}
	return s
}

// offset is the absolute input offset the decoder has consumed to.
func (s *ctrStream) offset() int64 { return s.base + s.dec.InputOffset() }

// lineAt is the 1-based line of absolute offset off; offsets must not go
// backwards between calls.
func (s *ctrStream) lineAt(off int64) int {
	c := s.src
	i := 0
	for i < len(c.nl) && c.nl[i] < off {
		i++
	}
	c.before += i
	c.nl = c.nl[i:]
	return c.before + 1
}

// peekStart skips white space and a BOM, starts the decoder there and
// returns the first byte.
func (s *ctrStream) peekStart() (byte, error) {
	for {
		b, err := s.in.peek()
		if err != nil {
			return 0, err
		}
		if bom, _ := s.in.br.Peek(3); s.base == 0 && bytes.Equal(bom, []byte{0xEF, 0xBB, 0xBF}) {
			s.in.br.Discard(3)
			s.base += 3
			continue
		}
		switch b {
		case ' ', '\t', '\r', '\n':
			s.in.skip()
			s.base++
			s.mark = s.base
			continue
		}
		s.dec = json.NewDecoder(s.in)
		return b, nil
	}
}

// next decodes the next value; line is where it starts.
func (s *ctrStream) next() (json.RawMessage, int, error) {
	s.mark = s.offset()
	var raw json.RawMessage
	if err := s.dec.Decode(&raw); err != nil {
		// The failed value starts after the white space that follows the
		// previous one; what the decoder buffered from there is read
		// again after a resync.
		buffered, _ := io.ReadAll(s.dec.Buffered())
		start := s.offset()
		trim := bytes.TrimLeft(buffered, " \t\r\n")
		start += int64(len(buffered) - len(trim))
		s.in.pending = append(trim, s.in.pending...)
		s.base, s.mark = start, start
		if errors.Is(err, errCTRTooLarge) {
			err = fmt.Errorf("%w: more than %d bytes", err, s.max)
		}
		return nil, s.lineAt(start), err
	}
	end := s.offset()
	return raw, s.lineAt(end - int64(len(raw))), nil
}

// lineAtError is the start of the line where the failed value starts.
func (s *ctrStream) lineAtError() string {
	b := s.in.pending
	if len(b) > MaxRawBytes {
		b = b[:MaxRawBytes]
	}
	if i := bytes.IndexByte(b, '\n'); i >= 0 {
		b = b[:i]
	}
	return string(b)
}

// resync skips the failed value's line and every following line that
// does not start with '{', then restarts the decoder there.
func (s *ctrStream) resync() error {
	for {
		b, err := s.in.peek()
		if err != nil {
			return err
		}
		s.in.skip()
		s.base++
		s.mark = s.base
		if b != '\n' {
			continue
		}
		if next, err := s.in.peek(); err != nil {
			return err
		} else if next == '{' {
			s.dec = json.NewDecoder(s.in)
			return nil
		}
	}
}
