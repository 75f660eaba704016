package ingest

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"
)

// queueSink is a genSink that also takes queue map rows.
type queueSink struct {
	genSink
	queues []QueueOwner
}

func (s *queueSink) QueueOwner(q QueueOwner) error { s.queues = append(s.queues, q); return nil }

func TestParseQueuesCSV(t *testing.T) {
	in := "Queue,Team,Site,Valid_From\r\n" +
		"billing,Billing,Riverbend,2024-01-01\r\n" +
		"billing,Billing Escalations,Riverbend,2025-02-01T00:00:00-06:00\r\n" +
		"chat,Chat,,\r\n" +
		",Orphans,,2024-01-01\r\n" +
		"email,,Cedar,2024-01-01\r\n" +
		"tech,Tech,Riverbend,01/02/2025\r\n" +
		"old,Old,Riverbend,1989-12-31\r\n"
	s := &queueSink{}
	if err := ParseQueuesCSV(strings.NewReader(in), genOpt(), s); err != nil {
		t.Fatal(err)
	}
	want := []QueueOwner{
		{"billing", "Billing", "Riverbend", time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)},
		{"billing", "Billing Escalations", "Riverbend", time.Date(2025, 2, 1, 0, 0, 0, 0, time.UTC)},
		{"chat", "Chat", "", MinTime},
	}
	if len(s.queues) != len(want) {
		t.Fatalf("queues %+v, want %+v", s.queues, want)
	}
	for i, w := range want {
		if g := s.queues[i]; g.Queue != w.Queue || g.Team != w.Team || g.Site != w.Site || !g.ValidFrom.Equal(w.ValidFrom) {
			t.Errorf("row %d: %+v, want %+v", i, g, w)
		}
	}
	wantRejects := []struct {
		line  int
		field string
		why   string
	}{{5, "queue", "required"}, {6, "team", "required"}, {7, "valid_from", "not a date"}, {8, "valid_from", "before 1990"}}
	if len(s.rejects) != len(wantRejects) {
		t.Fatalf("rejects %+v", s.rejects)
	}
	for i, w := range wantRejects {
		if r := s.rejects[i]; r.Line != w.line || r.Field != w.field || !strings.Contains(r.Reason, w.why) {
			t.Errorf("reject %d: %+v, want line %d field %s reason ~%q", i, r, w.line, w.field, w.why)
		}
	}
	// A header without team is not a queue map at all.
	err := ParseQueuesCSV(strings.NewReader("queue,site\nbilling,North\n"), genOpt(), &queueSink{})
	if !errors.Is(err, ErrFormat) || !strings.Contains(err.Error(), "team") {
		t.Errorf("no team column: %v, want ErrFormat naming team", err)
	}
	// An emitter that cannot take queue rows is refused, not silently fed.
	if err := ParseQueuesCSV(strings.NewReader(in), genOpt(), &genSink{}); err == nil {
		t.Error("an emitter without QueueOwner was accepted")
	}
	if _, err := Parser(KindQueues, FormatCSV); err != nil {
		t.Errorf("kind queues has no csv parser: %v", err)
	}
	if k, err := ParseKind("queues"); err != nil || k != KindQueues {
		t.Errorf("ParseKind(queues) = %v, %v", k, err)
	}
}

// FuzzParseQueuesCSV: any input is a format error with nothing emitted, or
// rows and rejects on the input's lines; every row has a queue, a team
// and a valid_from from 1990 on.
func FuzzParseQueuesCSV(f *testing.F) {
	genSeeds(f, func(b []byte) { f.Add(b) })
	f.Add([]byte("queue,team,site,valid_from\nbilling,Billing,North,2024-01-01\ntech,Tech,,2025-02-01T00:00:00Z\n,x,,\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		s := &queueSink{}
		err := ParseQueuesCSV(bytes.NewReader(data), genFuzzOpt(0), s)
		if err != nil {
			if !errors.Is(err, ErrFormat) {
				t.Fatalf("error that is not ErrFormat: %v", err)
			}
			if len(s.queues)+len(s.rejects) > 0 {
				t.Fatal("records emitted before a format error")
			}
			return
		}
		genCheckRejects(t, data, &s.genSink)
		for _, q := range s.queues {
			if q.Queue == "" || q.Team == "" || q.ValidFrom.Before(MinTime) {
				t.Fatalf("bad row %+v", q)
			}
		}
	})
}
