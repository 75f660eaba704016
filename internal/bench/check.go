package main

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// check is how far the API's cards agree with the raw SQL's rows.
type check struct {
	rows  int    // API rows
	same  int    // API rows whose compared metrics equal the raw SQL's
	first string // the first difference
}

func (c check) String() string {
	if c.rows > 0 && c.same == c.rows {
		return fmt.Sprintf("yes (%d rows)", c.rows)
	}
	return fmt.Sprintf("NO: %d of %d rows; %s", c.same, c.rows, c.first)
}

// comparedMetrics are the raw SQL's columns after key and period, in
// order, with the card metric each matches ("" for none).
var comparedMetrics = []string{"offered", "", "aht_s", "asa_s", "service_level", "nps"}

// compare matches the cards of an API answer with a query's TabSeparated
// rows (key, period, then the metrics cols names) by key and period start.
func compare(body []byte, raw string, cols []string) (check, error) {
	var resp struct {
		Rows []struct {
			Key         string              `json:"key"`
			PeriodStart string              `json:"period_start"`
			Metrics     map[string]*float64 `json:"metrics"`
		} `json:"rows"`
	}
	if err := json.Unmarshal(body, &resp); err != nil {
		return check{}, fmt.Errorf("decode API answer: %w", err)
	}
	rawRows := map[string][]string{}
	for _, line := range strings.Split(strings.TrimSpace(raw), "\n") {
		f := strings.Split(line, "\t")
		if len(f) != 2+len(cols) {
			return check{}, fmt.Errorf("SQL row %q: want %d columns", line, 2+len(cols))
		}
		rawRows[f[0]+" "+f[1]] = f[2:]
	}
	c := check{rows: len(resp.Rows)}
	differ := func(format string, a ...any) {
		if c.first == "" {
			c.first = fmt.Sprintf(format, a...)
		}
	}
	if len(rawRows) != len(resp.Rows) {
		differ("%d API rows, %d SQL rows", len(resp.Rows), len(rawRows))
	}
	for _, r := range resp.Rows {
		id := r.Key + " " + r.PeriodStart[:min(len(r.PeriodStart), 10)]
		vals, ok := rawRows[id]
		if !ok {
			differ("%s: no SQL row", id)
			continue
		}
		same := true
		for i, m := range cols {
			if m == "" {
				continue
			}
			want, err := strconv.ParseFloat(vals[i], 64)
			if vals[i] == `\N` { // NULL: no surveys
				want, err = math.NaN(), nil
			}
			if err != nil {
				return c, fmt.Errorf("SQL %s %s: %w", id, m, err)
			}
			got := r.Metrics[m]
			switch {
			case got == nil && (math.IsNaN(want) || want == 0): // no data: null beside nan (or 0 from a join miss)
			case got == nil:
				same = false
				differ("%s %s: API null, SQL %v", id, m, want)
			case math.Abs(*got-want) > 1e-6*math.Max(1, math.Abs(want)):
				same = false
				differ("%s %s: API %v, SQL %v", id, m, *got, want)
			}
		}
		if same {
			c.same++
		}
	}
	return c, nil
}
