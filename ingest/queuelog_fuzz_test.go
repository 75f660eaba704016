package ingest

import (
	"bytes"
	"path/filepath"
	"reflect"
	"testing"
)

// vendorFuzz parses in twice and checks the invariants every parser keeps:
// no panic, rejects with a line and a reason, well-formed records, and the
// same output both times.
func vendorFuzz(t *testing.T, parse ParseFunc, in []byte, opt Options) {
	a, b := &vendorRec{}, &vendorRec{}
	errA := parse(bytes.NewReader(in), opt, a)
	errB := parse(bytes.NewReader(in), opt, b)
	vendorCheck(t, a)
	if (errA == nil) != (errB == nil) || !reflect.DeepEqual(a, b) {
		t.Fatalf("two runs differ: %v / %v", errA, errB)
	}
}

func FuzzParseQueueLog(f *testing.F) {
	for _, p := range []string{
		filepath.Join("testdata", "queuelog", "interleaved.queue_log"),
		vendorReal("asterisk-queue-log", "simularent-raw-queue_log-system-events-only"),
		vendorReal("asterisk-queue-log", "pbxware-queue_log-table-export.csv"),
	} {
		f.Add(vendorRead(f, p))
	}
	f.Add([]byte("1709542870|c1|q|Agent/7|COMPLETECALLER|10|60|1\n1709542800|c1|q|NONE|ENTERQUEUE||5|1\n"))
	f.Add([]byte("time,callid,queuename,agent,event,data\n2024-03-04 09:00:00,c1,q,NONE,ENTERQUEUE,|555|1\n"))
	f.Fuzz(func(t *testing.T, in []byte) {
		opt := vendorOpt()
		opt.MaxLineBytes = 4096
		vendorFuzz(t, ParseQueueLog, in, opt)
	})
}
