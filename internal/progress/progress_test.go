package progress

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/servicecard/servicecard/ingest"
)

func TestReport(t *testing.T) {
	ok := ingest.Summary{
		File: "contacts.csv", BatchID: "b1", Kind: ingest.KindContacts, Format: ingest.FormatCSV,
		RowsOK: 200000, RowsRejected: 12, Bytes: 41_000_000, Duration: 3100 * time.Millisecond, Status: "done",
	}
	failed := ingest.Summary{
		File: "bad.csv", BatchID: "b2", Kind: ingest.KindSurveys, Format: ingest.FormatCSV,
		Duration: 40 * time.Millisecond, Status: "failed", Error: "ingest: input is not in the expected format",
	}
	empty := ingest.Summary{File: "empty.csv", BatchID: "b3", Kind: ingest.KindContacts, Format: ingest.FormatCSV, Status: "done"}
	tests := []struct {
		name string
		s    ingest.Summary
		json bool
		want string
	}{
		{"plain", ok, false, "ingest contacts.csv: 200000 rows ok, 12 rejected, 3.1 s, 65k rows/s\n"},
		{"plain failed", failed, false, "ingest bad.csv: failed: ingest: input is not in the expected format (0 rows ok, 0 rejected, 0.0 s)\n"},
		{"plain zero duration", empty, false, "ingest empty.csv: 0 rows ok, 0 rejected, 0.0 s, 0 rows/s\n"},
		{"json", ok, true, `{"file":"contacts.csv","kind":"contacts","format":"csv","status":"done","batch_id":"b1","rows_ok":200000,"rows_rejected":12,"bytes":41000000,"duration_s":3.1,"rows_per_s":64516}` + "\n"},
		{"json failed", failed, true, `{"file":"bad.csv","kind":"surveys","format":"csv","status":"failed","batch_id":"b2","rows_ok":0,"rows_rejected":0,"bytes":0,"duration_s":0.04,"rows_per_s":0,"error":"ingest: input is not in the expected format"}` + "\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var b bytes.Buffer
			if err := Report(&b, tc.s, tc.json); err != nil {
				t.Fatal(err)
			}
			if b.String() != tc.want {
				t.Errorf("got  %q\nwant %q", b.String(), tc.want)
			}
		})
	}
}

func TestRate(t *testing.T) {
	tests := []struct {
		in   float64
		want string
	}{
		{0, "0"}, {-1, "0"}, {999.4, "999"}, {1000, "1.0k"}, {9_500, "9.5k"}, {9_960, "10k"},
		{64_516, "65k"}, {999_400, "999k"}, {999_600, "1.0M"}, {1_250_000, "1.2M"},
	}
	for _, tc := range tests {
		t.Run(fmt.Sprint(tc.in), func(t *testing.T) {
			if got := Rate(tc.in); got != tc.want {
				t.Errorf("Rate(%v) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

// bigInput is larger than MinBarSize, with a line every 100 bytes.
func bigInput() []byte {
	line := strings.Repeat("x", 99) + "\n"
	return bytes.Repeat([]byte(line), MinBarSize/100+1000)
}

func TestReaderNoTerminal(t *testing.T) {
	in := bigInput()
	file, err := os.Create(filepath.Join(t.TempDir(), "out"))
	if err != nil {
		t.Fatal(err)
	}
	defer file.Close()
	pr, pw, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer pr.Close()
	defer pw.Close()
	var buf bytes.Buffer
	tests := []struct {
		name string
		out  io.Writer
		read func() string
	}{
		{"buffer", &buf, func() string { return buf.String() }},
		{"regular file", file, func() string { b, _ := os.ReadFile(file.Name()); return string(b) }},
		{"pipe", pw, func() string {
			pw.Close()
			b, _ := io.ReadAll(pr)
			return string(b)
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := ReaderTo(tc.out, bytes.NewReader(in), int64(len(in)), "contacts.csv")
			got, err := io.ReadAll(r)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, in) {
				t.Fatalf("read %d bytes, want %d", len(got), len(in))
			}
			if out := tc.read(); out != "" {
				t.Errorf("non-terminal output got %q, want nothing", out)
			}
		})
	}
}

// openPTY returns the two ends of a new pseudo-terminal.
func openPTY(t *testing.T) (master, slave *os.File) {
	t.Helper()
	m, err := os.OpenFile("/dev/ptmx", os.O_RDWR, 0)
	if err != nil {
		t.Fatalf("open /dev/ptmx: %v", err)
	}
	t.Cleanup(func() { m.Close() })
	if err := unix.IoctlSetPointerInt(int(m.Fd()), unix.TIOCSPTLCK, 0); err != nil {
		t.Fatalf("unlock pty: %v", err)
	}
	n, err := unix.IoctlGetInt(int(m.Fd()), unix.TIOCGPTN)
	if err != nil {
		t.Fatalf("pty number: %v", err)
	}
	s, err := os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Fatalf("open pty: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return m, s
}

func TestReaderTerminal(t *testing.T) {
	master, slave := openPTY(t)
	if !IsTerminal(slave) {
		t.Fatal("pty slave is not a terminal")
	}
	out := make(chan []byte)
	go func() {
		b, _ := io.ReadAll(master) // ends with EIO once the slave is closed
		out <- b
	}()
	tests := []struct {
		name    string
		size    int
		wantBar bool
	}{
		{"small file", 1 << 20, false},
		{"large file", len(bigInput()), true},
	}
	var drawn []bool
	for _, tc := range tests {
		in := bigInput()[:tc.size]
		r := ReaderTo(slave, bytes.NewReader(in), int64(len(in)), "contacts.csv")
		_, isBar := r.(*barReader)
		drawn = append(drawn, isBar)
		// Slow reads so the throttled bar renders more than once.
		buf := make([]byte, 1<<20)
		for {
			_, err := r.Read(buf)
			if err != nil {
				break
			}
			if isBar {
				time.Sleep(60 * time.Millisecond)
			}
		}
	}
	slave.Close()
	got := string(<-out)
	for i, tc := range tests {
		if drawn[i] != tc.wantBar {
			t.Errorf("%s: bar = %v, want %v", tc.name, drawn[i], tc.wantBar)
		}
	}
	for _, want := range []string{"contacts.csv", "rows/s", "MB", "\r"} {
		if !strings.Contains(got, want) {
			t.Errorf("terminal output lacks %q: %q", want, got)
		}
	}
}
