package main

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"text/tabwriter"
	"time"
)

// throughputParams is the executive's org scorecard of one quarter.
var throughputParams = "level=org&grain=week&" + apiRange(quarterFrom, quarterTo)

// throughputResult is one load run.
type throughputResult struct {
	n, clients       int
	duration         time.Duration // how long clients sent requests
	grace            time.Duration // how long the last requests could take
	elapsed          time.Duration // until the last answer
	latencies        []float64     // seconds, answered requests
	errs, unfinished int
	firstErr         error
	serverErrors     int // lines the server logged at warning level or above
}

// throughput runs clients concurrent clients against the API for d, each
// sending its next request when the last one is answered.
// Requests still running when the clients stop get grace more before they
// are cancelled (and counted as unfinished).
func (h harness) throughput(ctx context.Context, srv *apiServer, n, clients int, d, grace time.Duration) (throughputResult, error) {
	res := throughputResult{n: n, clients: clients, duration: d, grace: grace}
	// Warm up: the first request pays for cold caches.
	if _, _, err := srv.get(ctx, throughputParams, srv.executive); err != nil {
		return res, err
	}
	h.log.Info("throughput: running", "clients", clients, "duration", d, "contacts", n, "load", loadAverage())
	var (
		mu       sync.Mutex
		wg       sync.WaitGroup
		start    = time.Now()
		deadline = start.Add(d)
	)
	hctx, cancel := context.WithDeadline(ctx, deadline.Add(grace))
	defer cancel()
	for range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var mine []float64
			var bad, late int
			var first error
			for time.Now().Before(deadline) {
				took, _, err := srv.get(hctx, throughputParams, srv.executive)
				switch {
				case err != nil && errors.Is(hctx.Err(), context.DeadlineExceeded):
					late++
				case err != nil:
					bad++
					if first == nil {
						first = err
					}
				default:
					mine = append(mine, took.Seconds())
				}
			}
			mu.Lock()
			defer mu.Unlock()
			res.latencies = append(res.latencies, mine...)
			res.errs += bad
			res.unfinished += late
			if res.firstErr == nil {
				res.firstErr = first
			}
		}()
	}
	wg.Wait()
	res.elapsed = time.Since(start)
	res.serverErrors, _ = srv.errors.take()
	h.log.Info("throughput: done", "answered", len(res.latencies), "errors", res.errs, "unfinished", res.unfinished, "load", loadAverage())
	return res, nil
}

// printThroughput prints requests/s, latency percentiles and errors, a
// row per data set.
func (h harness) printThroughput(rs []throughputResult) {
	if len(rs) == 0 {
		return
	}
	fmt.Fprintf(h.out, "\nAPI throughput: GET /api/v1/scorecards?%s (executive token) on loopback\n", throughputParams)
	tw := tabwriter.NewWriter(h.out, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "contacts\tclients\tseconds\tanswered\trequests/s\tp50 ms\tp95 ms\tp99 ms\terrors\tunfinished\t\n")
	for _, r := range rs {
		fmt.Fprintf(tw, "%s\t%d\t%.1f\t%d\t%.2f\t%s\t%s\t%s\t%d\t%d\t\n", count(r.n), r.clients, r.elapsed.Seconds(), len(r.latencies),
			float64(len(r.latencies))/r.elapsed.Seconds(), ms(percentile(r.latencies, 50)), ms(percentile(r.latencies, 95)),
			ms(percentile(r.latencies, 99)), r.errs, r.unfinished)
	}
	tw.Flush()
	fmt.Fprintf(h.out, "(closed loop: each client sends its next request when the last is answered, for %s; requests still "+
		"running then get %s more, after which they are cancelled and counted unfinished; requests/s = answered / seconds)\n",
		rs[0].duration, rs[0].grace)
	for _, r := range rs {
		if r.errs > 0 {
			fmt.Fprintf(h.out, "  %s: first error: %v\n", count(r.n), r.firstErr)
		}
	}
}
