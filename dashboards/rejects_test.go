package dashboards

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/servicecard/servicecard/ingest"
	"github.com/servicecard/servicecard/internal/chstore"
	"github.com/servicecard/servicecard/internal/chtest"
)

// TestResolvedRejects loads a queue_log call split across two files (the
// ENTERQUEUE in the first, CONNECT and COMPLETE in the second): the first
// load rejects it as incomplete, the second loads it. The data-quality
// panels must then not count that reject, while a call that never ends
// stays counted.
func TestResolvedRejects(t *testing.T) {
	ctx := context.Background()
	st, err := chstore.Open(ctx, chtest.NewDatabase(t), chstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	const (
		first = "1709542800|c-split|q|NONE|ENTERQUEUE||555|1\n" +
			"1709542801|c-lost|q|NONE|ENTERQUEUE||556|1\n" +
			"1709542802|c-ok|q|NONE|ENTERQUEUE||557|1\n" +
			"1709542810|c-ok|q|Agent/7|CONNECT|8|c2|3\n" +
			"1709542870|c-ok|q|Agent/7|COMPLETECALLER|8|60|1\n"
		second = "1709542820|c-split|q|Agent/8|CONNECT|20|c3|3\n" +
			"1709542900|c-split|q|Agent/8|COMPLETEAGENT|20|80|1\n"
	)
	opt := ingest.Options{Now: time.Unix(1709600000, 0)}
	for i, in := range []string{first, second} {
		b := ingest.Batch{ID: []string{"b-first", "b-second"}[i], Kind: ingest.KindContacts, Format: ingest.FormatQueueLog, File: []string{"ql.1", "ql.2"}[i]}
		if _, err := ingest.Load(ctx, st, strings.NewReader(in), b, opt); err != nil {
			t.Fatal(err)
		}
	}
	f := &fixture{st: st, from: time.Now().Add(-time.Hour), to: time.Now().Add(time.Hour), vars: map[string]string{}}

	share := queryRows(t, f, "servicecard-data-quality/Reject share/A", nil)
	// The first file: c-ok loaded, c-split and c-lost rejected; the
	// second: c-split loaded. The split call's reject is resolved, so
	// three calls remain, one of them lost.
	if len(share) != 1 || !strings.HasPrefix(share[0][0], "0.333") {
		t.Errorf("reject share %v, want 1/3 (c-lost of c-ok, c-split, c-lost)", share)
	}
	reasons := queryRows(t, f, "servicecard-data-quality/Top reject reasons/A", nil)
	if len(reasons) != 1 || !strings.Contains(reasons[0][2], "c-lost") || reasons[0][3] != "1" {
		t.Errorf("top reasons %v, want only c-lost's", reasons)
	}
	for _, row := range queryRows(t, f, "servicecard-data-quality/Freshness by source/A", nil) {
		if row[len(row)-1] != "1" {
			t.Errorf("freshness row %v, want 1 rejected row", row)
		}
	}
}
