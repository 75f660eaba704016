package ingest

import (
	"errors"
	"testing"
	"time"
)

// TestValidate checks the record rules every parser applies.
func TestValidate(t *testing.T) {
	t0 := time.Date(2025, 3, 3, 9, 0, 0, 0, time.UTC)
	at := func(s int) *time.Time { x := t0.Add(time.Duration(s) * time.Second); return &x }
	for _, tt := range []struct {
		name  string
		c     Contact
		field string // "" when valid
	}{
		{"valid", Contact{StartedAt: t0, AnsweredAt: at(10), EndedAt: t0.Add(time.Minute), TalkS: 50}, ""},
		{"ends before it starts", Contact{StartedAt: t0, EndedAt: t0.Add(-time.Second)}, "ended_at"},
		{"answered after the end", Contact{StartedAt: t0, AnsweredAt: at(120), EndedAt: t0.Add(time.Minute)}, "answered_at"},
		{"answered before the start", Contact{StartedAt: t0, AnsweredAt: at(-1), EndedAt: t0.Add(time.Minute)}, "answered_at"},
		{"a day long", Contact{StartedAt: t0, EndedAt: t0.Add(24 * time.Hour)}, "ended_at"},
		{"abandoned with talk", Contact{StartedAt: t0, EndedAt: t0.Add(time.Minute), Abandoned: true, TalkS: 3}, "abandoned"},
	} {
		err := tt.c.Validate()
		var fe *FieldError
		switch {
		case tt.field == "" && err != nil:
			t.Errorf("%s: %v", tt.name, err)
		case tt.field != "" && (!errors.As(err, &fe) || fe.Field != tt.field):
			t.Errorf("%s: %v, want a FieldError on %s", tt.name, err, tt.field)
		}
	}
	s := AgentState{Start: t0, End: t0}
	if err := s.Validate(); err == nil {
		t.Error("an empty interval is valid")
	}
	sh := Schedule{Start: t0, End: t0.Add(time.Hour)}
	if err := sh.Validate(); err != nil {
		t.Error(err)
	}
}
