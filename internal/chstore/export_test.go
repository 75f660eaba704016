package chstore

import (
	"context"
	"testing"
	"time"

	"github.com/servicecard/servicecard/ingest"
	"github.com/servicecard/servicecard/internal/domain"
)

// countingRows counts Columns calls and collects contact ids in order.
type countingRows struct {
	columns int
	ids     []string
}

func (x *countingRows) Columns([]domain.Column) error { x.columns++; return nil }
func (x *countingRows) Row(v []any) error {
	x.ids = append(x.ids, v[0].(string))
	return nil
}

// An export over several months reads them one partition at a time and
// still gives every row once, in time order, under one header.
func TestExportSlicesByMonth(t *testing.T) {
	st := newStore(t, Options{})
	days := []int{-40, -1, 0, 31, 70} // spans three or four months around t0
	var cs []ingest.Contact
	for i := len(days) - 1; i >= 0; i-- { // loaded newest first
		c := contact(string(rune('a'+i)), "a1", days[i]*24*60, 10, 100, days[i]*24*60)
		cs = append(cs, c)
	}
	load(t, st, ingest.Batch{ID: NewBatchID(), Source: "test", Kind: ingest.KindContacts}, contacts(cs...))
	var got countingRows
	if err := st.Export(context.Background(), "contacts", at(-60*24*60), at(90*24*60), &got); err != nil {
		t.Fatal(err)
	}
	if got.columns != 1 || len(got.ids) != len(days) {
		t.Fatalf("%d headers and rows %v, want 1 header and %d rows", got.columns, got.ids, len(days))
	}
	for i, id := range got.ids {
		if want := string(rune('a' + i)); id != want {
			t.Errorf("row %d is %s, want %s (time order across months): %v", i, id, want, got.ids)
		}
	}
	// An empty range still gives the header.
	var empty countingRows
	if err := st.Export(context.Background(), "contacts", at(200*24*60), at(200*24*60).Add(time.Hour), &empty); err != nil || empty.columns != 1 {
		t.Errorf("empty range: err %v, %d headers, want nil and 1", err, empty.columns)
	}
}
