// Package notes prints the recognition a manager hands over: thank-you
// notes that quote a customer's own words (the full comment, the date and
// the channel) under the agent's name, with room for the manager's own
// line and signature, and Customer Service Week certificates for service
// stars. Managers keep the habit the articles behind servicecard describe:
// a personal, signed note "perhaps with a copy of the customer survey in
// which they were praised", because employees keep such notes.
//
// PDFs are drawn with go-pdf/fpdf and the Go fonts embedded (UTF-8, so a
// customer's accents and quotes print as written), one note per page, A5
// or US letter. No agent KPI appears on a note or certificate.
package notes

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/go-pdf/fpdf"
	"golang.org/x/image/font/gofont/gobold"
	"golang.org/x/image/font/gofont/goitalic"
	"golang.org/x/image/font/gofont/goregular"
)

// Size is a paper size.
type Size string

// Sizes.
const (
	A5     Size = "a5"
	Letter Size = "letter"
)

// ParseSize validates a paper size name ("" is A5).
func ParseSize(s string) (Size, error) {
	switch Size(strings.ToLower(s)) {
	case "", A5:
		return A5, nil
	case Letter:
		return Letter, nil
	}
	return "", fmt.Errorf("size: want a5 or letter, got %q", s)
}

// Note is one customer's praise of one agent.
type Note struct {
	AgentName string
	Team      string
	Comment   string    // the customer's full comment
	At        time.Time // when the customer answered, in the business zone
	Channel   string    // "phone call", "chat", "email"
	Rating    string    // "NPS 10 · CSAT 5/5"
}

// Certificate recognises a service star of Customer Service Week.
type Certificate struct {
	AgentName string
	Team      string
	Year      int
	Days      string // "5 – 9 October 2026"
	// Praise counts the comments customers wrote about the agent that week.
	Praise int
}

// Write renders the notes, then the certificates, one per page, to w.
func Write(w io.Writer, size Size, ns []Note, cs []Certificate) error {
	if len(ns) == 0 && len(cs) == 0 {
		return fmt.Errorf("notes: nothing to print")
	}
	page := fpdf.SizeType{Wd: 148, Ht: 210}
	if size == Letter {
		page = fpdf.SizeType{Wd: 215.9, Ht: 279.4}
	}
	pdf := fpdf.NewCustom(&fpdf.InitType{OrientationStr: "P", UnitStr: "mm", Size: page})
	pdf.SetCreator("servicecard", true)
	pdf.SetTitle("Thank-you notes", true)
	pdf.AddUTF8FontFromBytes("go", "", goregular.TTF)
	pdf.AddUTF8FontFromBytes("go", "B", gobold.TTF)
	pdf.AddUTF8FontFromBytes("go", "I", goitalic.TTF)
	pdf.SetAutoPageBreak(false, 0)
	for _, n := range ns {
		note(pdf, n)
	}
	for _, c := range cs {
		certificate(pdf, c, page)
	}
	if err := pdf.Error(); err != nil {
		return fmt.Errorf("notes: %w", err)
	}
	return pdf.Output(w)
}

// Palette: the pages' Okabe-Ito bluish green for praise.
var (
	green = [3]int{0x00, 0x9e, 0x73}
	ink   = [3]int{0x1a, 0x1a, 0x1a}
	muted = [3]int{0x5f, 0x63, 0x68}
)

func color(pdf *fpdf.Fpdf, c [3]int) { pdf.SetTextColor(c[0], c[1], c[2]) }

func note(pdf *fpdf.Fpdf, n Note) {
	pdf.AddPage()
	pw, ph := pdf.GetPageSize()
	s := pw / 148 // A5 is the design size; letter scales up
	m := 14 * s
	tw := pw - 2*m
	pdf.SetFillColor(green[0], green[1], green[2])
	pdf.Rect(0, 0, pw, 5*s, "F")

	pdf.SetXY(m, 16*s)
	color(pdf, muted)
	pdf.SetFont("go", "", 9*s)
	pdf.CellFormat(tw, 5*s, strings.ToUpper("A customer wrote about you"), "", 1, "L", false, 0, "")
	color(pdf, ink)
	pdf.SetX(m)
	pdf.SetFont("go", "B", 22*s)
	pdf.MultiCell(tw, 10*s, "Thank you, "+firstName(n.AgentName), "", "L", false)
	pdf.SetX(m)
	color(pdf, muted)
	pdf.SetFont("go", "", 10*s)
	pdf.CellFormat(tw, 6*s, n.AgentName+" · "+n.Team, "", 1, "L", false, 0, "")

	// The customer's words, in full, in a ruled box.
	y := pdf.GetY() + 6*s
	pdf.SetXY(m+6*s, y+5*s)
	color(pdf, ink)
	// The largest type at which the whole comment leaves room for at
	// least two handwritten lines and the signature.
	comment := "“" + strings.TrimSpace(n.Comment) + "”"
	minTop := ph - 20*s - 2*10*s - 22*s - 8*s
	size := 14.0 * s
	for _, pt := range []float64{14, 12, 10.5, 9, 8} {
		size = pt * s
		pdf.SetFont("go", "I", size)
		if y+5*s+float64(len(pdf.SplitText(comment, tw-12*s)))*size*0.5+20*s <= minTop {
			break
		}
	}
	pdf.SetFont("go", "I", size)
	pdf.MultiCell(tw-12*s, size*0.5, comment, "", "L", false)
	pdf.SetX(m + 6*s)
	pdf.Ln(2 * s)
	pdf.SetX(m + 6*s)
	color(pdf, muted)
	pdf.SetFont("go", "", 9*s)
	src := "— your customer, " + n.At.Format("Monday 2 January 2006") + ", " + n.Channel
	if n.Rating != "" {
		src += " · " + n.Rating
	}
	pdf.MultiCell(tw-12*s, 4.5*s, src, "", "L", false)
	bottom := pdf.GetY() + 5*s
	pdf.SetDrawColor(green[0], green[1], green[2])
	pdf.SetLineWidth(1.2 * s)
	pdf.Line(m, y, m, bottom)
	pdf.SetLineWidth(0.2 * s)

	// Room for the manager's own words and signature.
	pdf.SetDrawColor(0xbb, 0xbb, 0xbb)
	lines := 4
	top := ph - 20*s - float64(lines)*10*s - 22*s
	for lines > 2 && top-8*s < bottom+4*s {
		lines--
		top = ph - 20*s - float64(lines)*10*s - 22*s
	}
	pdf.SetXY(m, top-8*s)
	color(pdf, muted)
	pdf.SetFont("go", "", 9*s)
	pdf.CellFormat(tw, 5*s, "From me:", "", 1, "L", false, 0, "")
	for i := range lines {
		ly := top + float64(i+1)*10*s
		pdf.Line(m, ly, pw-m, ly)
	}
	sy := ph - 26*s
	pdf.Line(m, sy, m+tw*0.55, sy)
	pdf.Line(m+tw*0.65, sy, pw-m, sy)
	pdf.SetXY(m, sy+1*s)
	pdf.CellFormat(tw*0.55, 5*s, "Signature", "", 0, "L", false, 0, "")
	pdf.SetX(m + tw*0.65)
	pdf.CellFormat(tw*0.35, 5*s, "Date", "", 1, "L", false, 0, "")
}

func certificate(pdf *fpdf.Fpdf, c Certificate, page fpdf.SizeType) {
	pdf.AddPageFormat("L", page)
	pw, ph := pdf.GetPageSize()
	s := ph / 148
	m := 12 * s
	pdf.SetDrawColor(green[0], green[1], green[2])
	pdf.SetLineWidth(2 * s)
	pdf.Rect(m/2, m/2, pw-m, ph-m, "D")
	pdf.SetLineWidth(0.4 * s)
	pdf.Rect(m/2+3*s, m/2+3*s, pw-m-6*s, ph-m-6*s, "D")
	center := func(y float64, style string, size float64, col [3]int, text string) {
		pdf.SetXY(m, y)
		pdf.SetFont("go", style, size*s)
		color(pdf, col)
		pdf.MultiCell(pw-2*m, size*s*0.5, text, "", "C", false)
	}
	center(24*s, "", 11, muted, strings.ToUpper(fmt.Sprintf("Customer Service Week %d", c.Year)))
	center(36*s, "B", 26, ink, "Certificate of recognition")
	center(56*s, "", 11, muted, "awarded to")
	center(66*s, "B", 24, [3]int{0x00, 0x72, 0xb2}, c.AgentName)
	center(80*s, "", 11, muted, c.Team)
	why := "whose customers were, beyond chance, among the happiest of the team during Customer Service Week, " + c.Days + "."
	if c.Praise > 0 {
		why += fmt.Sprintf(" %d of them wrote to say so.", c.Praise)
	}
	center(92*s, "", 12, ink, why)
	sy := ph - 30*s
	pdf.SetDrawColor(0xbb, 0xbb, 0xbb)
	pdf.SetLineWidth(0.2 * s)
	pdf.Line(pw/2-45*s, sy, pw/2+45*s, sy)
	pdf.SetXY(pw/2-45*s, sy+1*s)
	pdf.SetFont("go", "", 9*s)
	color(pdf, muted)
	pdf.CellFormat(90*s, 5*s, "Manager", "", 0, "C", false, 0, "")
}

// firstName is the first word of a name, for the greeting.
func firstName(name string) string {
	if f := strings.Fields(name); len(f) > 0 {
		return f[0]
	}
	return name
}
