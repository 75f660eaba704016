package api

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"time"

	"github.com/labstack/echo/v4"
)

// DefaultBodyTimeout bounds how long a request body may take: the whole
// body of a form or other small POST, and the wait for the next bytes of a
// streamed ingest body.
const DefaultBodyTimeout = 15 * time.Second

// bodyDeadline puts a read deadline on request bodies, so a client that
// announces a body and stalls gets an answer (408) instead of holding a
// handler forever. Ingest bodies stream for as long as bytes keep coming:
// each read gets a fresh deadline. Every other body must arrive whole
// within the timeout. Requests without a body are left alone: a read
// deadline would also end the server's watch on the idle connection
// while a long export streams.
func (s *Server) bodyDeadline(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		req := c.Request()
		if req.Body == nil || req.Body == http.NoBody || req.ContentLength == 0 {
			return next(c)
		}
		// The deadline starts now, read or not: net/http may read what is
		// left of the body before it answers, and must not wait forever.
		rc := http.NewResponseController(c.Response())
		_ = rc.SetReadDeadline(time.Now().Add(s.bodyTimeout))
		orig := req.Body
		req.Body = &deadlineBody{
			ReadCloser: orig,
			rc:         rc,
			timeout:    s.bodyTimeout,
			rolling:    c.Path() == Prefix+"/ingest/:kind",
			set:        true,
		}
		// Give net/http its own body back for the answer (observe writes
		// error answers after this returns): it then knows how much is
		// unread and closes the connection instead of draining a huge body.
		defer func() { req.Body = orig }()
		return next(c)
	}
}

// deadlineBody sets the connection's read deadline as the body is read
// and clears it at the end of the body.
type deadlineBody struct {
	io.ReadCloser
	rc      *http.ResponseController
	timeout time.Duration
	rolling bool // a fresh deadline per read (streamed bodies)
	set     bool
	done    bool
}

func (b *deadlineBody) Read(p []byte) (int, error) {
	if b.done {
		return b.ReadCloser.Read(p)
	}
	if !b.set || b.rolling {
		b.set = true
		_ = b.rc.SetReadDeadline(time.Now().Add(b.timeout))
	}
	n, err := b.ReadCloser.Read(p)
	if err == io.EOF {
		// The whole body is in: lift the deadline so it cannot cut the
		// connection's idle watch during a long answer. After a failure
		// it stays, so net/http does not wait for the rest of the body
		// before answering.
		b.done = true
		_ = b.rc.SetReadDeadline(time.Time{})
	}
	if errors.Is(err, os.ErrDeadlineExceeded) {
		err = fmt.Errorf("read request body: no data for %v: %w", b.timeout, err)
	}
	return n, err
}
