package spool

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/servicecard/servicecard/ingest"
)

func TestParseName(t *testing.T) {
	tests := []struct {
		name      string
		defKind   ingest.Kind
		defFormat ingest.Format
		kind      ingest.Kind
		format    ingest.Format
		err       error
	}{
		{"contacts.csv", "", ingest.FormatAuto, ingest.KindContacts, ingest.FormatCSV, nil},
		{"contacts.queue_log.2024-10-01.log", "", ingest.FormatAuto, ingest.KindContacts, ingest.FormatQueueLog, nil},
		{"surveys.qualtrics.export.csv", "", ingest.FormatAuto, ingest.KindSurveys, ingest.FormatQualtrics, nil},
		{"Contacts.Connect_CTR.json", "", ingest.FormatAuto, ingest.KindContacts, ingest.FormatConnectCTR, nil},
		{"contacts.2024-10-01.ndjson", "", ingest.FormatAuto, ingest.KindContacts, ingest.FormatAuto, nil},
		{"states.csv", "", "", ingest.KindStates, ingest.FormatCSV, nil},
		{"schedules", "", ingest.FormatCSV, ingest.KindSchedules, ingest.FormatCSV, nil},
		{"agents.", "", ingest.FormatAuto, ingest.KindAgents, ingest.FormatAuto, nil},
		{"export.csv", ingest.KindSurveys, ingest.FormatAuto, ingest.KindSurveys, ingest.FormatAuto, nil},
		{"export.csv", "", ingest.FormatAuto, "", "", ingest.ErrUnknownKind},
		{"calls.csv", "", ingest.FormatAuto, "", "", ingest.ErrUnknownKind},
	}
	for _, tc := range tests {
		t.Run(tc.name+"/"+string(tc.defKind), func(t *testing.T) {
			k, f, err := ParseName(tc.name, tc.defKind, tc.defFormat)
			if !errors.Is(err, tc.err) {
				t.Fatalf("err = %v, want %v", err, tc.err)
			}
			if k != tc.kind || f != tc.format {
				t.Errorf("ParseName(%q) = %q, %q; want %q, %q", tc.name, k, f, tc.kind, tc.format)
			}
		})
	}
}

func TestBatchID(t *testing.T) {
	now := time.Date(2024, 10, 1, 12, 30, 45, 123e6, time.UTC)
	seen := map[string]bool{}
	for range 1000 {
		id, err := newBatchID(now)
		if err != nil {
			t.Fatal(err)
		}
		if seen[id] {
			t.Fatalf("duplicate id %s", id)
		}
		seen[id] = true
		if strings.Contains(id, workSep) || len(id) != 36 {
			t.Fatalf("bad id %q", id)
		}
		got, err := batchTime(id)
		if err != nil || !got.Equal(now) {
			t.Fatalf("batchTime(%s) = %v, %v; want %v", id, got, err, now)
		}
	}
	a, _ := newBatchID(now)
	b, _ := newBatchID(now.Add(time.Millisecond))
	if a >= b {
		t.Errorf("ids do not sort by time: %s >= %s", a, b)
	}
}

func TestSplitWorkName(t *testing.T) {
	id, _ := newBatchID(time.Now())
	tests := []struct {
		in       string
		id, name string
		ok       bool
	}{
		{id + "__contacts.csv", id, "contacts.csv", true},
		{id + "__contacts__x.csv", id, "contacts__x.csv", true},
		{id + "__", "", "", false},
		{"contacts.csv", "", "", false},
		{"notanid__contacts.csv", "", "", false},
		{"0190a6e4-1f2a-4b3c-8d4e-5f6a7b8c9d0e__contacts.csv", "", "", false}, // version 4
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			id, name, ok := splitWorkName(tc.in)
			if id != tc.id || name != tc.name || ok != tc.ok {
				t.Errorf("splitWorkName(%q) = %q, %q, %v; want %q, %q, %v", tc.in, id, name, ok, tc.id, tc.name, tc.ok)
			}
		})
	}
}

func TestIgnored(t *testing.T) {
	tests := []struct {
		name string
		want bool
	}{
		{"contacts.csv", false},
		{".contacts.csv", true},
		{"contacts.csv.tmp", true},
		{"contacts.csv.part", true},
		{"contacts.tmp.csv", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := ignored(tc.name); got != tc.want {
				t.Errorf("ignored(%q) = %v, want %v", tc.name, got, tc.want)
			}
		})
	}
}

func TestFileOptions(t *testing.T) {
	byName := func(name string) (ingest.Kind, ingest.Format) {
		switch {
		case strings.HasPrefix(name, "asterisk-"):
			return ingest.KindContacts, ingest.FormatQueueLog
		case strings.HasPrefix(name, "nps-"):
			return ingest.KindSurveys, ""
		}
		return "", ""
	}
	tests := []struct {
		name   string
		opt    Options
		kind   ingest.Kind
		format ingest.Format
		err    error
	}{
		{"asterisk-2024-10-01.log", Options{FileOptions: byName, Format: ingest.FormatAuto}, ingest.KindContacts, ingest.FormatQueueLog, nil},
		{"nps-export.csv", Options{FileOptions: byName, Format: ingest.FormatAuto}, ingest.KindSurveys, ingest.FormatAuto, nil},
		{"surveys.qualtrics.csv", Options{FileOptions: byName, Format: ingest.FormatAuto}, ingest.KindSurveys, ingest.FormatQualtrics, nil},
		{"other.csv", Options{FileOptions: byName, Format: ingest.FormatAuto}, "", "", ingest.ErrUnknownKind},
		{"other.csv", Options{Kind: ingest.KindStates, Format: ingest.FormatCSV}, ingest.KindStates, ingest.FormatCSV, nil},
		{"x.csv", Options{FileOptions: func(string) (ingest.Kind, ingest.Format) { return "calls", "" }}, "", "", ingest.ErrUnknownKind},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w := &Worker{opt: tc.opt}
			k, f, err := w.fileOptions(tc.name)
			if !errors.Is(err, tc.err) {
				t.Fatalf("err = %v, want %v", err, tc.err)
			}
			if k != tc.kind || f != tc.format {
				t.Errorf("fileOptions(%q) = %q, %q; want %q, %q", tc.name, k, f, tc.kind, tc.format)
			}
		})
	}
}
