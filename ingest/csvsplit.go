package ingest

// The CSV splitter every CSV format uses.
//
// CSV is read by a splitter of our own rather than encoding/csv, because
// the input is untrusted and we need what encoding/csv does not give: a
// bound on the bytes one line or record may hold (encoding/csv buffers a
// line of any length), a reject per malformed record instead of an error
// that ends the file, recovery from an unclosed quote (only the line that
// opened it is rejected; the lines after it are read again on their own),
// to know whether a field was quoted (R writes missing values as a bare
// NA), and fields handed out as byte slices so the happy path allocates
// only the strings a record keeps.

import (
	"bytes"
	"fmt"
	"io"
)

// csvRecords splits CSV (RFC 4180: comma, double quotes, "" inside quotes)
// into records. Differences from encoding/csv: bounded lines and records,
// a malformed record is reported as a reason and reading goes on, and a
// quote left open rejects only its first line.
type csvRecords struct {
	lines   *lineReader
	want    int      // fields a record must have (0: any)
	rec     []byte   // the raw record
	lineEnd []int    // end of each physical line in rec
	long    []byte   // start of an over-long line met inside a quoted field
	buf     []byte   // field contents, unquoted
	direct  bool     // the fields are in rec (no quotes), not in buf
	ends    []int    // end of each field in buf (or rec)
	quoted  []bool   // whether each field was quoted
	fields  [][]byte // the record's fields (slices of buf)
	line    int      // the physical line the record starts on
}

func newCSVRecords(r io.Reader, max int) *csvRecords {
	return &csvRecords{lines: newLineReader(r, max)}
}

// read reads the next record into c.fields. A non-empty bad says why the
// record is malformed (c.line and c.raw() locate it). Blank lines are
// skipped. At the end of input err is io.EOF.
func (c *csvRecords) read() (bad string, err error) {
	var first []byte
	var long bool
	for {
		first, long, err = c.lines.next()
		if err != nil {
			return "", err
		}
		if long || !emptyLine(first) {
			break
		}
	}
	c.line = c.lines.n
	c.rec = append(c.rec[:0], first...)
	c.lineEnd = append(c.lineEnd[:0], len(c.rec))
	c.long = nil
	c.buf, c.ends, c.quoted = c.buf[:0], c.ends[:0], c.quoted[:0]
	if long {
		return c.lines.longReason(), nil
	}
	if bad, err = c.parse(); err != nil {
		return "", err
	}
	if bad == "" && c.want > 0 && len(c.ends) != c.want {
		bad = fmt.Sprintf("has %d fields, the header has %d", len(c.ends), c.want)
	}
	if bad != "" && (len(c.lineEnd) > 1 || c.long != nil) {
		last := c.line + len(c.lineEnd) - 1
		if c.long != nil {
			last++
		}
		bad = fmt.Sprintf("%s (a quoted field opened on this line runs to line %d; the lines after this one are read again on their own)", bad, last)
		c.pushBack()
	}
	if bad != "" {
		return bad, nil
	}
	c.fields = c.fields[:0]
	if c.direct {
		start := 0
		for _, e := range c.ends {
			c.fields = append(c.fields, c.rec[start:e:e])
			start = e + 1
		}
		return "", nil
	}
	start := 0
	for _, e := range c.ends {
		c.fields = append(c.fields, c.buf[start:e:e])
		start = e
	}
	return "", nil
}

// emptyLine reports a line to skip: nothing but its terminator (a
// lone "\r" can only be the last line).
func emptyLine(b []byte) bool {
	switch string(b) {
	case "", "\n", "\r\n", "\r":
		return true
	}
	return false
}

// raw is the text of the current record (its first line if it was cut back).
func (c *csvRecords) raw() string { return string(c.rec) }

// pushBack keeps only the first line of a malformed multi-line record and
// makes the lines after it be read again.
func (c *csvRecords) pushBack() {
	back := make([]pushedLine, 0, len(c.lineEnd)+len(c.lines.back))
	for i := 1; i < len(c.lineEnd); i++ {
		back = append(back, pushedLine{b: bytes.Clone(c.rec[c.lineEnd[i-1]:c.lineEnd[i]])})
	}
	if c.long != nil {
		back = append(back, pushedLine{b: c.long, long: true})
	}
	c.lines.back = append(back, c.lines.back...)
	c.lines.n = c.line
	c.rec = c.rec[:c.lineEnd[0]]
	c.lineEnd = c.lineEnd[:1]
	c.long = nil
}

// parse splits c.rec into fields, reading more lines while a quoted field
// is open.
func (c *csvRecords) parse() (string, error) {
	if bytes.IndexByte(c.rec, '"') < 0 {
		// The usual line: no quotes, so the fields are the text between
		// commas, used in place.
		c.direct = true
		n := len(c.rec)
		if n > 0 && c.rec[n-1] == '\n' {
			n--
		}
		if n > 0 && c.rec[n-1] == '\r' {
			n--
		}
		for k, ch := range c.rec[:n] {
			if ch == ',' {
				c.ends = append(c.ends, k)
				c.quoted = append(c.quoted, false)
			}
		}
		c.ends = append(c.ends, n)
		c.quoted = append(c.quoted, false)
		return "", nil
	}
	c.direct = false
	i := 0
	for {
		if i < len(c.rec) && c.rec[i] == '"' {
			i++
			for {
				j := bytes.IndexByte(c.rec[i:], '"')
				if j < 0 {
					seg := c.rec[i:]
					if n := len(seg); n >= 2 && seg[n-2] == '\r' && seg[n-1] == '\n' {
						seg = seg[:n-2]
						c.buf = append(c.buf, seg...)
						c.buf = append(c.buf, '\n')
					} else {
						c.buf = append(c.buf, seg...)
					}
					i = len(c.rec)
					if bad, err := c.more(); bad != "" || err != nil {
						return bad, err
					}
					continue
				}
				c.buf = append(c.buf, c.rec[i:i+j]...)
				i += j + 1
				if i < len(c.rec) && c.rec[i] == '"' {
					c.buf = append(c.buf, '"')
					i++
					continue
				}
				break
			}
			c.ends = append(c.ends, len(c.buf))
			c.quoted = append(c.quoted, true)
			if i == len(c.rec) {
				return "", nil
			}
			switch c.rec[i] {
			case ',':
				i++
				continue
			case '\n':
				return "", nil
			case '\r':
				if i+1 == len(c.rec) || c.rec[i+1] == '\n' {
					return "", nil
				}
			}
			return `text after the closing quote of a field (a " inside a quoted field must be doubled)`, nil
		}
		j := i
		for j < len(c.rec) && c.rec[j] != ',' && c.rec[j] != '\n' {
			if c.rec[j] == '"' {
				return `" inside a field that does not start with a quote (quote the field and double the ")`, nil
			}
			j++
		}
		end := j
		if (j == len(c.rec) || c.rec[j] == '\n') && end > i && c.rec[end-1] == '\r' {
			end--
		}
		c.buf = append(c.buf, c.rec[i:end]...)
		c.ends = append(c.ends, len(c.buf))
		c.quoted = append(c.quoted, false)
		if j < len(c.rec) && c.rec[j] == ',' {
			i = j + 1
			continue
		}
		return "", nil
	}
}

// more appends the next physical line to a record whose quoted field is
// still open.
func (c *csvRecords) more() (string, error) {
	b, long, err := c.lines.next()
	switch {
	case err == io.EOF:
		return "quoted field not closed at the end of the input", nil
	case err != nil:
		return "", err
	case long:
		c.long = bytes.Clone(b)
		return fmt.Sprintf("quoted field not closed before line %d, which is longer than %d bytes", c.lines.n, c.lines.max), nil
	case len(c.rec)+len(b) > c.lines.max:
		c.rec = append(c.rec, b...)
		c.lineEnd = append(c.lineEnd, len(c.rec))
		return fmt.Sprintf("quoted field not closed within %d bytes", c.lines.max), nil
	}
	c.rec = append(c.rec, b...)
	c.lineEnd = append(c.lineEnd, len(c.rec))
	return "", nil
}

// strings returns the current record's fields as strings.
func (c *csvRecords) strings() []string {
	out := make([]string, len(c.fields))
	for i, f := range c.fields {
		out[i] = string(f)
	}
	return out
}
