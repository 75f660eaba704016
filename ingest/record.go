package ingest

import (
	"time"
)

// What holds for every record whatever format it came from. Each parser
// runs Validate once, at the point where it emits the record, so that a
// parser's output is valid on its own (the fuzz targets check it) and a
// bad record is rejected with its line. Field names in the errors are the
// generic column names; a parser whose input names them differently
// renames them (FieldError.renamed).

// Validate checks a contact: started_at <= answered_at <= ended_at, a
// contact shorter than 24 h, and an abandoned contact neither answered
// nor talked. The error is a *FieldError.
func (c *Contact) Validate() error {
	if fe := c.validate(); fe != nil {
		return fe
	}
	return nil
}

func (c *Contact) validate() *FieldError {
	if c.EndedAt.Before(c.StartedAt) {
		return fieldErr("ended_at", "%s is before started_at %s", c.EndedAt.Format(time.RFC3339), c.StartedAt.Format(time.RFC3339))
	}
	if at := c.AnsweredAt; at != nil && (at.Before(c.StartedAt) || at.After(c.EndedAt)) {
		return fieldErr("answered_at", "%s is not between started_at %s and ended_at %s",
			at.Format(time.RFC3339), c.StartedAt.Format(time.RFC3339), c.EndedAt.Format(time.RFC3339))
	}
	if d := c.EndedAt.Sub(c.StartedAt); d >= MaxDuration*time.Second {
		return fieldErr("ended_at", "the contact lasted %s, not under 24 h", d)
	}
	if c.Abandoned && (c.AnsweredAt != nil || c.TalkS > 0) {
		return &FieldError{Field: "abandoned", Reason: "an abandoned contact cannot have answered_at or talk_s"}
	}
	return nil
}

// Validate checks an agent state interval: end after start, under 24 h.
// The error is a *FieldError.
func (s *AgentState) Validate() error {
	if fe := checkInterval(s.Start, s.End); fe != nil {
		return fe
	}
	return nil
}

// Validate checks a schedule interval: end after start, under 24 h. The
// error is a *FieldError.
func (s *Schedule) Validate() error {
	if fe := checkInterval(s.Start, s.End); fe != nil {
		return fe
	}
	return nil
}

// checkInterval is the rule of every interval record.
func checkInterval(start, end time.Time) *FieldError {
	if !end.After(start) {
		return fieldErr("end", "%s is not after start %s", end.Format(time.RFC3339), start.Format(time.RFC3339))
	}
	if end.Sub(start) >= MaxDuration*time.Second {
		return fieldErr("end", "interval %s-%s is not under 24 h", start.Format(time.RFC3339), end.Format(time.RFC3339))
	}
	return nil
}

// renamed returns fe with its field named as the input names it; fields
// not in names keep their name. A nil fe stays nil.
func (fe *FieldError) renamed(names map[string]string) *FieldError {
	if fe == nil {
		return nil
	}
	if n, ok := names[fe.Field]; ok {
		return &FieldError{Field: n, Reason: fe.Reason}
	}
	return fe
}
