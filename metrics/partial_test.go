package metrics

import (
	"testing"
	"time"
)

// A week the range cuts, or one not over yet, is partial; a whole past
// week is not (issue: a 2-day first week plotted unmarked).
func TestMarkPartial(t *testing.T) {
	loc := time.UTC
	day := func(s string) time.Time { d, _ := time.ParseInLocation(time.DateOnly, s, loc); return d }
	cards := []Card{
		{Grain: GrainWeek, PeriodStart: day("2026-10-26")}, // the range starts on its Saturday
		{Grain: GrainWeek, PeriodStart: day("2026-11-02")},
		{Grain: GrainWeek, PeriodStart: day("2026-11-09")}, // now is inside it
		{PeriodStart: day("2026-10-31")},                   // no grain: never partial
	}
	MarkPartial(cards, day("2026-10-31"), day("2026-11-16"), day("2026-11-12"), loc)
	for i, want := range []bool{true, false, true, false} {
		if cards[i].Partial != want {
			t.Errorf("card %d (%s %s): partial %v, want %v", i, cards[i].Grain, cards[i].PeriodStart.Format(time.DateOnly), cards[i].Partial, want)
		}
	}
}
