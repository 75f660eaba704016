package domain

import (
	"errors"
	"net/http"
	"os"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/servicecard/servicecard/ingest"
	"github.com/servicecard/servicecard/metrics"
)

// Sentinel errors a service may return (wrapped) to choose the answer.
// Their texts are part of the answers' messages, so they keep the prefix
// "api:" they were first written with.
var (
	// ErrNotFound: the thing asked for does not exist (404).
	ErrNotFound = errors.New("api: not found")
	// ErrNotReady: storage is unreachable or not migrated (503).
	ErrNotReady = errors.New("api: not ready")
	// ErrBadRequest: the request is valid HTTP but the service cannot
	// answer it as asked (400); the message says why.
	ErrBadRequest = errors.New("api: bad request")
	// ErrForbidden: the caller's role may not do this (403).
	ErrForbidden = errors.New("api: forbidden")
	// ErrUnavailable: storage is down for the moment (503 with
	// Retry-After). The wrapped cause is logged, not shown; wrap with
	// Note to tell the caller what became of their request.
	ErrUnavailable = errors.New("api: storage unavailable")
	// ErrTooLarge: a request body is over its limit (413).
	ErrTooLarge = errors.New("api: request body too large")
)

// RetryAfter is what a 503 answer's Retry-After header says, in seconds.
const RetryAfter = 10

// Error codes: stable, for programs, in every error answer of the API.
const (
	CodeBadParameter     = "bad_parameter"
	CodeBadRequest       = "bad_request"
	CodeBadInput         = "bad_input"
	CodeUnauthorized     = "unauthorized"
	CodeForbidden        = "forbidden"
	CodeNotFound         = "not_found"
	CodeMethodNotAllowed = "method_not_allowed"
	CodeTooLarge         = "too_large"
	CodeNotReady         = "not_ready"
	CodeUnavailable      = "unavailable"
	CodeTimeout          = "request_timeout"
	CodeInternal         = "internal"
	CodeUnsupportedMedia = "unsupported_media_type"
)

// unavailableMessage is the public message of an outage.
const unavailableMessage = "the data store (ClickHouse) does not answer; try again shortly"

// StatusError is an error that carries its own answer. An adapter's own
// errors (the API's bad parameters, echo's routing errors) implement it;
// ErrorStatus answers the first one in an error's chain before anything
// else.
type StatusError interface {
	error
	Status() (status int, code, msg string)
}

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

// publicError is an error whose message was written for the caller; its
// status comes from what it wraps.
type publicError struct {
	msg string
	err error
}

func (e *publicError) Error() string { return e.msg }
func (e *publicError) Unwrap() error { return e.err }

// Public wraps err with a message written for the caller: the answer says
// msg as it is, with the status err's chain gives.
func Public(msg string, err error) error { return &publicError{msg: msg, err: err} }

// ErrorStatus maps an error to its HTTP status, a stable code and a
// message fit for the caller. It is the one place where errors become
// answers: the JSON API's error handler and the built-in pages both use
// it. A 500's message is generic (the cause goes to the log); so is a
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
	var se StatusError
	var mbe *http.MaxBytesError
	switch {
	case errors.As(err, &se):
		return se.Status()
	case errors.As(err, &mbe), errors.Is(err, ErrTooLarge):
		return http.StatusRequestEntityTooLarge, CodeTooLarge, err.Error()
	case errors.Is(err, ErrForbidden):
		return http.StatusForbidden, CodeForbidden, err.Error()
	case errors.Is(err, ingest.ErrUnknownKind), errors.Is(err, ErrNotFound):
		return http.StatusNotFound, CodeNotFound, err.Error()
	case errors.Is(err, ingest.ErrUnknownFormat):
		return http.StatusBadRequest, CodeBadParameter, "format: " + err.Error()
	case errors.Is(err, ingest.ErrFormat):
		return http.StatusBadRequest, CodeBadInput, err.Error()
	case errors.Is(err, metrics.ErrUnknownLevel):
		return http.StatusBadRequest, CodeBadParameter, "level: " + err.Error()
	case errors.Is(err, metrics.ErrUnknownGrain):
		return http.StatusBadRequest, CodeBadParameter, "grain: " + err.Error()
	case errors.Is(err, metrics.ErrUnknownMetric):
		return http.StatusBadRequest, CodeBadParameter, err.Error()
	case errors.Is(err, ErrBadRequest):
		msg := err.Error()
		var pub *publicError
		if !errors.As(err, &pub) {
			msg = strings.TrimPrefix(msg, ErrBadRequest.Error()+": ")
		}
		return http.StatusBadRequest, CodeBadRequest, msg
	case errors.Is(err, ErrNotReady):
		return http.StatusServiceUnavailable, CodeNotReady, err.Error()
	case errors.Is(err, ErrUnavailable):
		return http.StatusServiceUnavailable, CodeUnavailable, unavailableMessage
	case errors.Is(err, os.ErrDeadlineExceeded):
		// Reading the request body passed its deadline (a stalled client).
		return http.StatusRequestTimeout, CodeTimeout, "the request body did not arrive in time"
	}
	return http.StatusInternalServerError, CodeInternal, "internal error; the server log has the details"
}

// Printable makes user input safe to repeat in a message: at most 64
// bytes, control and invalid characters replaced.
func Printable(s string) string {
	if len(s) > 64 {
		s = s[:64] + "..."
	}
	return strings.Map(func(r rune) rune {
		if r == utf8.RuneError || !unicode.IsPrint(r) {
			return '?'
		}
		return r
	}, s)
}
