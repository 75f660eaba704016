package notes

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var sample = []Note{
	{AgentName: "Zoë Mossbrook", Team: "Billing", Comment: "Muy amable, gracias Zoë. She found the double charge in a minute and explained what would happen next — I will stay a customer.",
		At: time.Date(2026, 10, 30, 14, 5, 0, 0, time.UTC), Channel: "phone call", Rating: "NPS 10 · CSAT 5/5"},
	{AgentName: "Liam Thistlebottom", Team: "Billing", Comment: strings.Repeat("Patient and kind, explained every line of the bill. ", 12),
		At: time.Date(2026, 10, 29, 9, 0, 0, 0, time.UTC), Channel: "chat"},
}

var sampleCert = []Certificate{{AgentName: "Elena Tinkerbottom", Team: "Orders", Year: 2026, Days: "5 – 9 October 2026", Praise: 7}}

// TestWrite prints notes and a certificate and reads them back with
// poppler: one page each, the customer's full words (accents included)
// and the agent's name on the page. DIGEST_PREVIEW=DIR keeps the PDF and
// PNGs of its pages for a look.
func TestWrite(t *testing.T) {
	for _, size := range []Size{A5, Letter} {
		var b bytes.Buffer
		if err := Write(&b, size, sample, sampleCert); err != nil {
			t.Fatal(err)
		}
		if !bytes.HasPrefix(b.Bytes(), []byte("%PDF-")) {
			t.Fatalf("%s: not a PDF", size)
		}
		dir := os.Getenv("DIGEST_PREVIEW")
		if dir == "" {
			dir = t.TempDir()
		}
		path := filepath.Join(dir, "notes-"+string(size)+".pdf")
		if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := exec.LookPath("pdftotext"); err != nil {
			t.Skip("pdftotext (poppler-utils) not installed")
		}
		out, err := exec.Command("pdftotext", "-layout", path, "-").Output()
		if err != nil {
			t.Fatal(err)
		}
		pages := strings.Split(strings.TrimRight(string(out), "\f"), "\f")
		if len(pages) != 3 {
			t.Fatalf("%s: %d pages, want 2 notes + 1 certificate", size, len(pages))
		}
		flat := func(s string) string { return strings.Join(strings.Fields(s), " ") }
		if p := flat(pages[0]); !strings.Contains(p, "Thank you, Zoë") || !strings.Contains(p, "I will stay a customer.") || !strings.Contains(p, "Friday 30 October 2026, phone call") {
			t.Errorf("%s: first note reads %q", size, p)
		}
		if p := flat(pages[1]); strings.Count(p, "Patient and kind") != 12 {
			t.Errorf("%s: the long comment is not printed in full: %q", size, p)
		}
		if p := flat(pages[2]); !strings.Contains(p, "Elena Tinkerbottom") || !strings.Contains(p, "CUSTOMER SERVICE WEEK 2026") {
			t.Errorf("%s: certificate reads %q", size, p)
		}
		if os.Getenv("DIGEST_PREVIEW") != "" {
			_ = exec.Command("pdftoppm", "-png", "-r", "60", path, strings.TrimSuffix(path, ".pdf")).Run()
		}
	}
	if err := Write(&bytes.Buffer{}, A5, nil, nil); err == nil {
		t.Error("an empty batch printed")
	}
}
