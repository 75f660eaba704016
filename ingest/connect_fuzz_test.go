package ingest

import (
	"path/filepath"
	"testing"
)

func FuzzParseConnectCTR(f *testing.F) {
	for _, p := range []string{
		filepath.Join("testdata", "connect", "inbound-answered-hold-acw.json"),
		filepath.Join("testdata", "connect", "abandoned-and-transfer.ndjson"),
		vendorReal("amazon-connect-ctr", "capita-inbound-no-agent-no-queue.json"),
		vendorReal("amazon-connect-ctr", "capita-outbound-with-agent-firehose.json"),
	} {
		f.Add(vendorRead(f, p))
	}
	f.Add([]byte(`[{"ContactId":"c1","InitiationTimestamp":"2024-03-04T14:00:05Z","DisconnectTimestamp":"2024-03-04T14:01:05Z"},{"x":1}]`))
	f.Add([]byte("{\"ContactId\":\"c\"}{bad\n{\"ContactId\":\"d\",\"Queue\":{\"Duration\":\"3\"}}"))
	f.Fuzz(func(t *testing.T, in []byte) {
		opt := vendorOpt()
		opt.MaxLineBytes = 8192
		vendorFuzz(t, ParseConnectCTR, in, opt)
	})
}
