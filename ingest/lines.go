package ingest

import (
	"bufio"
	"fmt"
	"io"
)

// lineReader reads physical lines of at most max bytes (not counting the
// "\n" or "\r\n") without buffering longer ones: of a longer line it keeps the
// first MaxRawBytes for the reject and skips the rest. A UTF-8 BOM at the
// start of the input is dropped.
type lineReader struct {
	br   *bufio.Reader
	max  int
	n    int // physical lines returned so far (the number of the last one)
	buf  []byte
	back []pushedLine // lines to return again before reading on
	eof  bool
}

type pushedLine struct {
	b    []byte
	long bool
}

func newLineReader(r io.Reader, max int) *lineReader {
	return &lineReader{br: bufio.NewReaderSize(r, 64<<10), max: max}
}

// next returns the next line with its '\n' (absent at the end of input),
// long=true with the line's start when it is longer than max, and io.EOF
// after the last line.
func (l *lineReader) next() (b []byte, long bool, err error) {
	if len(l.back) > 0 {
		p := l.back[0]
		l.back = l.back[1:]
		l.n++
		return p.b, p.long, nil
	}
	if l.eof {
		return nil, false, io.EOF
	}
	l.buf = l.buf[:0]
	for {
		frag, err := l.br.ReadSlice('\n')
		if !long {
			if len(l.buf) == 0 && err != bufio.ErrBufferFull {
				b = frag // the whole line in one piece: no copy
			} else {
				l.buf = append(l.buf, frag...)
				b = l.buf
			}
			content := len(b)
			if content > 0 && b[content-1] == '\n' {
				content--
			}
			if content > 0 && b[content-1] == '\r' {
				content--
			}
			if content > l.max {
				long = true
				l.buf = append(l.buf[:0], b[:min(len(b), MaxRawBytes)]...)
				b = l.buf
			}
		}
		switch err {
		case bufio.ErrBufferFull:
			continue
		case nil:
		case io.EOF:
			l.eof = true
			if len(b) == 0 {
				return nil, false, io.EOF
			}
		default:
			return nil, false, err
		}
		if l.n == 0 {
			b = trimBOM(b)
		}
		l.n++
		return b, long, nil
	}
}

// longReason is the reject reason of a line over the limit: every format
// rejects that one line (or the record it starts) and reads on.
func (l *lineReader) longReason() string {
	return fmt.Sprintf("line longer than %d bytes", l.max)
}

// trimEOL drops a line's "\n" or "\r\n".
func trimEOL(b []byte) []byte {
	if n := len(b); n > 0 && b[n-1] == '\n' {
		b = b[:n-1]
	}
	if n := len(b); n > 0 && b[n-1] == '\r' {
		b = b[:n-1]
	}
	return b
}
