package main

import (
	"fmt"
	"math"
	"slices"
	"text/tabwriter"
)

// percentile is the nearest-rank p-th percentile of xs (0 when empty).
func percentile(xs []float64, p float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	i := int(math.Ceil(p/100*float64(len(s)))) - 1
	return s[min(max(i, 0), len(s)-1)]
}

func median(xs []float64) float64 { return percentile(xs, 50) }

// printScorecard prints the latency table, the goals, the engine's
// statements and the prototypes.
func (h harness) printScorecard(all []latencies, protos []prototype) {
	if len(all) == 0 {
		return
	}
	sizes := []int{}
	for _, l := range all {
		if !slices.Contains(sizes, l.n) {
			sizes = append(sizes, l.n)
		}
	}
	smallest := slices.Min(sizes)
	base := map[string]latencies{}
	for _, l := range all {
		if l.n == smallest {
			base[l.query] = l
		}
	}
	fmt.Fprintf(h.out, "\nScorecard latency (ms): API = GET /api/v1/scorecards on loopback, "+
		"raw SQL = clickhouse-client --time over contacts FINAL + surveys, in turn, after warm-ups\n")
	tw := tabwriter.NewWriter(h.out, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "query\tcontacts\trounds API/raw\tAPI p50\tAPI p95\traw SQL p50\traw SQL p95\tAPI p95 / p95@%s\traw p95 / p95@%s\tsame numbers\t\n", count(smallest), count(smallest))
	for _, l := range all {
		apiRatio, rawRatio := "-", "-"
		if b, ok := base[l.query]; ok && l.n != smallest {
			apiRatio = fmt.Sprintf("%.2f", percentile(l.api, 95)/percentile(b.api, 95))
			rawRatio = fmt.Sprintf("%.2f", percentile(l.raw, 95)/percentile(b.raw, 95))
		}
		same := yesNo(l.check.rows > 0 && l.check.same == l.check.rows)
		fmt.Fprintf(tw, "%s\t%s\t%d/%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t\n", l.query, count(l.n), len(l.api), len(l.raw),
			ms(percentile(l.api, 50)), ms(percentile(l.api, 95)), ms(percentile(l.raw, 50)), ms(percentile(l.raw, 95)), apiRatio, rawRatio, same)
	}
	tw.Flush()
	fmt.Fprintf(h.out, "(same numbers: offered, AHT, ASA, service level and NPS of every API row equal the raw SQL's)\n")
	for _, l := range all {
		if l.check.rows == 0 || l.check.same != l.check.rows {
			fmt.Fprintf(h.out, "  %s at %s: %s\n", l.query, count(l.n), l.check)
		}
	}

	// The goals: API p95 < 50 ms at 10M, p95@10M within 2x of p95@1M.
	if slices.Contains(sizes, 10_000_000) && slices.Contains(sizes, 1_000_000) {
		for _, l := range all {
			if l.n != 10_000_000 {
				continue
			}
			var b latencies
			for _, x := range all {
				if x.n == 1_000_000 && x.query == l.query {
					b = x
				}
			}
			p95, ratio := percentile(l.api, 95)*1000, percentile(l.api, 95)/percentile(b.api, 95)
			fmt.Fprintf(h.out, "goal %-26s API p95 < 50 ms at 10M: %-4s (%.1f ms)   p95@10M <= 2 x p95@1M: %-4s (%.2f x)\n",
				l.query+":", yesNo(p95 < 50), p95, yesNo(ratio <= 2), ratio)
		}
	}

	fmt.Fprintf(h.out, "\nEngine statements per request (ms, from system.query_log over the measured repetitions)\n")
	tw = tabwriter.NewWriter(h.out, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "query\tcontacts\tstatement\truns/request\tp50\tp95\trows read\trows returned\tpeak memory MB\t\n")
	for _, l := range all {
		for _, s := range l.statements {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%.1f\t%.0f\t%.0f\t%.0f\t%.0f\t%.0f\t\n", l.query, count(l.n), s.name, s.perRequest,
				s.p50, s.p95, s.readRows, s.resultRows, s.memoryBytes/1e6)
		}
	}
	tw.Flush()

	if len(protos) > 0 {
		fmt.Fprintf(h.out, "\nPrototypes, not used by the engine (ms, clickhouse-client --time): the same groupings from a daily facts table "+
			"(same numbers as the API's, FCR included), and the engine's snapshot read on its table and on a copy with small granules "+
			"(same cards)\n")
		tw = tabwriter.NewWriter(h.out, 0, 0, 2, ' ', tabwriter.AlignRight)
		fmt.Fprintf(tw, "query\tcontacts\trounds\tp50\tp95\tbuild s (once)\tsame result\t\n")
		for _, p := range protos {
			fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%s\t%.1f\t%s\t\n", p.name, count(p.n), len(p.secs), ms(percentile(p.secs, 50)), ms(percentile(p.secs, 95)),
				p.build.Seconds(), yesNo(p.check.rows > 0 && p.check.same == p.check.rows))
		}
		tw.Flush()
		for _, p := range protos {
			if p.check.rows == 0 || p.check.same != p.check.rows {
				fmt.Fprintf(h.out, "  %s at %s: %s\n", p.name, count(p.n), p.check)
			}
		}
	}
}

func yesNo(ok bool) string {
	if ok {
		return "yes"
	}
	return "NO"
}

// count prints 1000000 as 1M and 20000 as 20k.
func count(n int) string {
	switch {
	case n >= 1_000_000 && n%1_000_000 == 0:
		return fmt.Sprintf("%dM", n/1_000_000)
	case n >= 1000 && n%1000 == 0:
		return fmt.Sprintf("%dk", n/1000)
	}
	return fmt.Sprint(n)
}
