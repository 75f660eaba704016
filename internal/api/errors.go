package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/servicecard/servicecard/ingest"
	"github.com/servicecard/servicecard/metrics"
)

// Sentinel errors a Backend may return (wrapped) to choose the answer.
var (
	// ErrNotFound: the thing asked for does not exist (404).
	ErrNotFound = errors.New("api: not found")
	// ErrNotReady: storage is unreachable or not migrated (503).
	ErrNotReady = errors.New("api: not ready")
	// ErrBadRequest: the request is valid HTTP but the backend cannot
	// answer it as asked (400); the message says why.
	ErrBadRequest = errors.New("api: bad request")
	// ErrForbidden: the caller's role may not do this (403).
	ErrForbidden = errors.New("api: forbidden")
	// ErrUnavailable: storage is down for the moment (503 with
	// Retry-After). The wrapped cause is logged, not shown; wrap with
	// Note to tell the caller what became of their request.
	ErrUnavailable = errors.New("api: storage unavailable")
)

// RetryAfter is what a 503 answer's Retry-After header says, in seconds.
const RetryAfter = 10

// unavailableMessage is the public message of an outage.
const unavailableMessage = "the data store (ClickHouse) does not answer; try again shortly"

// noteError adds what the caller may read to an error whose own text is
// not for them (an outage's cause names hosts).
type noteError struct {
	note string
	err  error
}

func (e *noteError) Error() string { return e.note + ": " + e.err.Error() }
func (e *noteError) Unwrap() error { return e.err }

// Note wraps err with a public note: the answer's message is the note
// followed by the error's own public message.
func Note(err error, note string) error { return &noteError{note: note, err: err} }

// Error codes of the JSON error body.
const (
	codeBadParameter     = "bad_parameter"
	codeBadRequest       = "bad_request"
	codeBadInput         = "bad_input"
	codeUnauthorized     = "unauthorized"
	codeForbidden        = "forbidden"
	codeNotFound         = "not_found"
	codeMethodNotAllowed = "method_not_allowed"
	codeTooLarge         = "too_large"
	codeNotReady         = "not_ready"
	codeUnavailable      = "unavailable"
	codeTimeout          = "request_timeout"
	codeInternal         = "internal"
	codeUnsupportedMedia = "unsupported_media_type"
)

// ErrorBody is the JSON answer of every failed request.
type ErrorBody struct {
	Error ErrorDetail `json:"error"`
}

// ErrorDetail says what went wrong: Code is stable, for programs; Message
// is for people and names the offending parameter on a 400.
type ErrorDetail struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// paramError is a bad query or path parameter: always a 400 that names it.
type paramError struct {
	Param string
	Msg   string
	Err   error // a domain sentinel, when one applies
}

func (e *paramError) Error() string { return e.Param + ": " + e.Msg }
func (e *paramError) Unwrap() error { return e.Err }

// publicError is an error whose message was written for the caller; its
// status comes from what it wraps.
type publicError struct {
	msg string
	err error
}

func (e *publicError) Error() string { return e.msg }
func (e *publicError) Unwrap() error { return e.err }

func badParam(param, format string, a ...any) error {
	return &paramError{Param: param, Msg: fmt.Sprintf(format, a...)}
}

// forbidden is a 403 with a reason the caller may read.
func forbidden(format string, a ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrForbidden}, a...)...)
}

// ErrorStatus maps an error to its HTTP status, a stable code and a
// message fit for the caller. It is the one place where errors become
// HTTP answers: the JSON API's error handler and the built-in pages both
// use it. A 500's message is generic (the cause goes to the log); so is a
// 503's, plus any Note.
func ErrorStatus(err error) (status int, code, msg string) {
	status, code, msg = errorCodeOf(err)
	var ne *noteError
	if errors.As(err, &ne) && status >= 500 {
		msg = ne.note + "; " + msg
	}
	return status, code, msg
}

// errorCodeOf is ErrorStatus without the notes.
func errorCodeOf(err error) (status int, code, msg string) {
	var pe *paramError
	var he *echo.HTTPError
	var mbe *http.MaxBytesError
	switch {
	case errors.As(err, &pe):
		return http.StatusBadRequest, codeBadParameter, pe.Error()
	case errors.As(err, &mbe), errors.Is(err, errTooLarge):
		return http.StatusRequestEntityTooLarge, codeTooLarge, err.Error()
	case errors.As(err, &he):
		// echo's own errors (404, 405, a bad bind) and any a handler made;
		// errors.As also finds one that was wrapped, which echo's default
		// handler would turn into a 500.
		for {
			inner, ok := he.Internal.(*echo.HTTPError)
			if !ok {
				break
			}
			he = inner
		}
		msg := http.StatusText(he.Code)
		if m, ok := he.Message.(string); ok && m != "" {
			msg = m
		}
		return he.Code, httpCode(he.Code), msg
	case errors.Is(err, ErrForbidden):
		return http.StatusForbidden, codeForbidden, err.Error()
	case errors.Is(err, ingest.ErrUnknownKind), errors.Is(err, ErrNotFound):
		return http.StatusNotFound, codeNotFound, err.Error()
	case errors.Is(err, ingest.ErrUnknownFormat):
		return http.StatusBadRequest, codeBadParameter, "format: " + err.Error()
	case errors.Is(err, ingest.ErrFormat):
		return http.StatusBadRequest, codeBadInput, err.Error()
	case errors.Is(err, metrics.ErrUnknownLevel):
		return http.StatusBadRequest, codeBadParameter, "level: " + err.Error()
	case errors.Is(err, metrics.ErrUnknownGrain):
		return http.StatusBadRequest, codeBadParameter, "grain: " + err.Error()
	case errors.Is(err, metrics.ErrUnknownMetric):
		return http.StatusBadRequest, codeBadParameter, err.Error()
	case errors.Is(err, ErrBadRequest):
		msg := err.Error()
		var pub *publicError
		if !errors.As(err, &pub) {
			msg = strings.TrimPrefix(msg, ErrBadRequest.Error()+": ")
		}
		return http.StatusBadRequest, codeBadRequest, msg
	case errors.Is(err, ErrNotReady):
		return http.StatusServiceUnavailable, codeNotReady, err.Error()
	case errors.Is(err, ErrUnavailable):
		return http.StatusServiceUnavailable, codeUnavailable, unavailableMessage
	case errors.Is(err, os.ErrDeadlineExceeded):
		// Reading the request body passed its deadline (a stalled client).
		return http.StatusRequestTimeout, codeTimeout, "the request body did not arrive in time"
	}
	return http.StatusInternalServerError, codeInternal, "internal error; the server log has the details"
}

func httpCode(status int) string {
	switch status {
	case http.StatusBadRequest:
		return codeBadRequest
	case http.StatusUnauthorized:
		return codeUnauthorized
	case http.StatusForbidden:
		return codeForbidden
	case http.StatusNotFound:
		return codeNotFound
	case http.StatusMethodNotAllowed:
		return codeMethodNotAllowed
	case http.StatusRequestEntityTooLarge:
		return codeTooLarge
	case http.StatusUnsupportedMediaType:
		return codeUnsupportedMedia
	case http.StatusServiceUnavailable:
		return codeNotReady
	case http.StatusRequestTimeout:
		return codeTimeout
	}
	if status >= 500 {
		return codeInternal
	}
	return codeBadRequest
}

// statusClientClosed is logged and counted when the client went away
// before the answer (nginx's convention); nothing is sent.
const statusClientClosed = 499

// keyAbort marks a response that failed after it was committed: the
// observe middleware then aborts the connection so the client sees a
// broken transfer, not a complete-looking truncated file.
const keyAbort = "servicecard.abort"

// handleError is the echo HTTPErrorHandler: every error answer is
// ErrorBody JSON, 500s are logged with their cause and answered with a
// generic message.
func (s *Server) handleError(err error, c echo.Context) {
	req := c.Request()
	if c.Response().Committed {
		// Headers and part of the body are out: a JSON error cannot follow.
		if req.Context().Err() != nil {
			s.log.Debug("client went away mid-response", "method", req.Method, "route", routeOf(c), "err", err)
		} else {
			s.log.Error("response failed after it started", "method", req.Method, "route", routeOf(c), "err", err)
		}
		c.Set(keyAbort, true)
		return
	}
	if errors.Is(err, context.Canceled) && req.Context().Err() != nil {
		s.log.Debug("client went away", "method", req.Method, "route", routeOf(c), "err", err)
		c.Response().Status = statusClientClosed
		return
	}
	status, code, msg := ErrorStatus(err)
	switch {
	case status >= 500 && code == codeInternal:
		s.log.Error("request failed", "method", req.Method, "route", routeOf(c), "err", err)
	case status >= 500:
		s.log.Warn("request failed", "method", req.Method, "route", routeOf(c), "err", err)
	}
	if status == http.StatusUnauthorized {
		c.Response().Header().Set(echo.HeaderWWWAuthenticate, `Bearer realm="servicecard"`)
	}
	if status == http.StatusServiceUnavailable {
		c.Response().Header().Set(echo.HeaderRetryAfter, strconv.Itoa(RetryAfter))
	}
	if status == http.StatusRequestTimeout {
		c.Response().Header().Set(echo.HeaderConnection, "close")
	}
	// An export or download sets no headers before its first byte, but
	// be sure no attachment header survives into an error.
	c.Response().Header().Del(echo.HeaderContentDisposition)
	if req.Method == http.MethodHead {
		err = c.NoContent(status)
	} else {
		err = c.JSON(status, ErrorBody{Error: ErrorDetail{Code: code, Message: msg}})
	}
	if err != nil {
		s.log.Debug("write error response", "err", err)
	}
}
