package demo

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"time"
)

// WriteContactsCSV streams n synthetic contacts in the generic contacts
// CSV format (header included), spread evenly over [from, to), with the
// default roster's agents and teams. Memory use does not grow with n: it
// is meant for ingest benchmarks of millions of rows.
func WriteContactsCSV(out io.Writer, n int, seed int64, from, to time.Time) error {
	if n < 0 || !to.After(from) {
		return fmt.Errorf("%w: WriteContactsCSV needs n >= 0 and from < to", ErrOptions)
	}
	w := &world{opt: Options{Seed: seed}, from: from, to: to, patterns: map[string]*agent{}, days: []time.Time{from}}
	w.buildOrg(DefaultAgents)
	r := w.rng("stream")
	b := bufio.NewWriterSize(out, 256<<10)
	line := []byte(nil)
	for i, col := range ContactColumns {
		if i > 0 {
			line = append(line, ',')
		}
		line = append(line, col...)
	}
	b.Write(append(line, '\n'))
	first, span := from.Unix(), to.Unix()-from.Unix()
	var c contact
	for i := range n {
		t := w.teams[r.IntN(len(w.teams))]
		c = contact{team: t, resolved: -1, seq: int64(i)}
		c.id = fmt.Sprintf("BM%010d", i)
		c.customer = fmt.Sprintf("CUST-%07d", r.IntN(2_000_000))
		c.arrive = first + int64(float64(span)*(float64(i)+r.Float64())/float64(n))
		c.wait = int64(25 * r.ExpFloat64())
		c.updated = c.arrive + c.wait
		if r.Float64() < 0.06 {
			c.exit = exitAbandon
			c.end = c.arrive + c.wait
		} else {
			c.agent = t.members[r.IntN(len(t.members))]
			c.answer = c.arrive + c.wait
			c.talk = int64(t.talkMedian * math.Exp(t.talkSigma*r.NormFloat64()))
			if r.Float64() < 0.2 {
				c.holds = 1
				c.hold = 5 + int64(40*r.ExpFloat64())
			}
			c.acw = int64(t.acwMedian * math.Exp(0.5*r.NormFloat64()))
			c.end = c.answer + c.talk + c.hold
			c.resolved = int8(min(1, r.IntN(6)))
			c.disp = disposition(t, r)
			c.updated = c.end + c.acw + 60
		}
		line = appendContactRow(line[:0], &c, "bench", "", 0)
		if _, err := b.Write(line); err != nil {
			return fmt.Errorf("demo: write contacts: %w", err)
		}
	}
	if err := b.Flush(); err != nil {
		return fmt.Errorf("demo: write contacts: %w", err)
	}
	return nil
}
