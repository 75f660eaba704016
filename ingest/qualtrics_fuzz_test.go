package ingest

import (
	"path/filepath"
	"testing"
)

func FuzzParseQualtrics(f *testing.F) {
	for _, s := range []struct{ path, nps string }{
		{filepath.Join("testdata", "qualtrics", "nps-csat-3header.csv"), ""},
		{vendorReal("qualtrics-csv", "QualtricsTools-better-sample-survey-2016-singlequote-importid.csv"), "q2_favorite"},
		{vendorReal("qualtrics-csv", "qualtRics-sample-3header-de.csv"), "QID1"},
		{vendorReal("qualtrics-csv", "qualtRics-sample-legacy-2header.csv"), "Q1"},
	} {
		f.Add(vendorRead(f, s.path), s.nps)
	}
	f.Fuzz(func(t *testing.T, in []byte, nps string) {
		opt := vendorOpt()
		opt.MaxLineBytes = 1 << 16
		if nps != "" {
			opt.Columns = map[string]string{"nps": nps}
		}
		vendorFuzz(t, ParseQualtrics, in, opt)
	})
}
