package ingest

import (
	"os"
	"path/filepath"
	"testing"
)

func TestSniffFixtures(t *testing.T) {
	tests := []struct {
		path string
		kind Kind
		want Format
	}{
		{"amazon-connect-ctr/capita-inbound-no-agent-no-queue.json", KindContacts, FormatConnectCTR},
		{"amazon-connect-ctr/capita-outbound-with-agent-firehose.json", KindContacts, FormatConnectCTR},
		{"amazon-connect-historical-csv/capita-agent-historic-interval-1.csv", KindContacts, FormatCSV},
		{"amazon-connect-historical-csv/capita-agent-interval-test.csv", KindContacts, FormatCSV},
		{"amazon-connect-historical-csv/capita-queue-historic-interval-1.csv", KindContacts, FormatCSV},
		{"amazon-connect-historical-csv/capita-queue-interval-test.csv", KindContacts, FormatCSV},
		{"asterisk-cdr-csv/simularent-pots-Master.csv", KindContacts, FormatCSV},
		{"asterisk-queue-log/pbxware-queue_log-table-export.csv", KindContacts, FormatQueueLog},
		{"asterisk-queue-log/pbxware-queue_log-table-export.csv", KindStates, FormatQueueLog},
		{"asterisk-queue-log/simularent-raw-queue_log-system-events-only", KindContacts, FormatQueueLog},
		{"call-center-datasets/pwc-call-centre-trends-Call_Center.csv", KindContacts, FormatCSV},
		{"call-center-datasets/technion-anonymous-bank-1999-02.tsv", KindContacts, FormatCSV},
		{"nps-survey-csv/botanic-nps-verbatims-first300.csv", KindSurveys, FormatCSV},
		{"nps-survey-csv/google-forms-brand-recommend-0to10.csv", KindSurveys, FormatCSV},
		{"pbx-cdr-csv/pbxware-cdr-table-export-first400.csv", KindContacts, FormatCSV},
		{"qualtrics-csv/QualtricsTools-better-sample-survey-2016-singlequote-importid.csv", KindSurveys, FormatQualtrics},
		{"qualtrics-csv/qualtRics-sample-3header-de.csv", KindSurveys, FormatQualtrics},
		{"qualtrics-csv/qualtRics-sample-legacy-2header.csv", KindSurveys, FormatQualtrics},
	}
	root := filepath.Join("testdata", "real")
	seen := map[string]bool{}
	for _, tt := range tests {
		seen[tt.path] = true
		t.Run(tt.path, func(t *testing.T) {
			b, err := os.ReadFile(filepath.Join(root, tt.path))
			if err != nil {
				t.Fatal(err)
			}
			if got := Sniff(tt.kind, b[:min(len(b), sniffBytes)]); got != tt.want {
				t.Errorf("Sniff = %s, want %s", got, tt.want)
			}
		})
	}
	// Every fixture is covered: a new one needs a line above.
	all, err := filepath.Glob(filepath.Join(root, "*", "*"))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range all {
		rel, _ := filepath.Rel(root, p)
		if !seen[filepath.ToSlash(rel)] {
			t.Errorf("fixture %s is not sniffed in this test", rel)
		}
	}
}

func TestSniff(t *testing.T) {
	tests := []struct {
		name string
		kind Kind
		in   string
		want Format
	}{
		{"empty", KindContacts, "", FormatCSV},
		{"blank", KindContacts, "\r\n\n  ", FormatCSV},
		{"generic csv", KindContacts, "contact_id,started_at\nc1,2025-03-03T09:00:00Z\n", FormatCSV},
		{"generic csv with BOM", KindContacts, "\xef\xbb\xbfcontact_id,started_at\n", FormatCSV},
		{"ndjson", KindContacts, `{"contact_id":"c1","started_at":"2025-03-03T09:00:00Z"}` + "\n", FormatNDJSON},
		{"ndjson after BOM and blank lines", KindSurveys, "\xef\xbb\xbf\n\n" + `{"response_id":"r"}`, FormatNDJSON},
		{"ctr by version key", KindContacts, `{"AWSContactTraceRecordFormatVersion":"2017-03-10","ContactId":"x"}`, FormatConnectCTR},
		{"ctr array", KindContacts, `[{"ContactId":"x","Channel":"VOICE"}]`, FormatConnectCTR},
		{"ctr by ContactId", KindContacts, `{"ContactId":"x"}`, FormatConnectCTR},
		{"ContactId in a survey line is ndjson", KindSurveys, `{"response_id":"r","ContactId":"x"}`, FormatNDJSON},
		{"raw queue_log", KindContacts, "1543852202|1543852202.123|Q|Agent/1|ENTERQUEUE||17035551234|1\n", FormatQueueLog},
		{"raw queue_log with CRLF and a trailing pipe", KindStates, "1479122702|NONE|NONE|NONE|QUEUESTART|\r\n", FormatQueueLog},
		{"queue_log with datetimes", KindContacts, "2019-01-01 10:00:00.123456|1546336800.12|Q|SIP/100|CONNECT|5|1546336805.13|3\n", FormatQueueLog},
		{"pipes but no event", KindContacts, "a|b|c|d|e\n", FormatCSV},
		{"pipes with lowercase event", KindContacts, "1543852202|x|Q|A|enterqueue\n", FormatCSV},
		{"pbxware queue_log export", KindContacts, "uid,date_time,callid,queue_name,type,event,param1\n1,1543527289,NONE,NONE,NONE,QUEUESTART,\n", FormatQueueLog},
		{"qualtrics json import ids", KindSurveys, "StartDate,EndDate,Q1\nStart Date,End Date,How likely\n\"{\"\"ImportId\"\":\"\"startDate\"\"}\",\"{\"\"ImportId\"\":\"\"endDate\"\"}\",\"{\"\"ImportId\"\":\"\"QID1\"\"}\"\n", FormatQualtrics},
		{"qualtrics single-quote import ids", KindSurveys, "ResponseID,Q1\nResponseID,How likely\n{'ImportId': 'responseId'},{'ImportId': 'QID1'}\n", FormatQualtrics},
		{"qualtrics legacy", KindSurveys, "V1,V2,Q1\nResponseID,ResponseSet,How likely\nR_1,Default,9\n", FormatQualtrics},
		{"qualtrics two header rows", KindSurveys, "StartDate,EndDate,Q1\nStart Date,End Date,How likely\n2017-07-18 08:28:09,2017-07-18 08:28:48,9\n", FormatQualtrics},
		{"StartDate over data is csv", KindSurveys, "StartDate,response_id,nps\n2017-07-18 08:28:09,r1,9\n", FormatCSV},
		{"binary", KindContacts, "\x00\x01\x02\xff\xfe|||\n\"", FormatCSV},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Sniff(tt.kind, []byte(tt.in)); got != tt.want {
				t.Errorf("Sniff = %s, want %s", got, tt.want)
			}
		})
	}
}
