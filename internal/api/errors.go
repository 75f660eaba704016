package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/servicecard/servicecard/internal/domain"
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

// Status makes a bad parameter a 400 that names it (domain.StatusError).
func (e *paramError) Status() (int, string, string) {
	return http.StatusBadRequest, domain.CodeBadParameter, e.Error()
}

func badParam(param, format string, a ...any) error {
	return &paramError{Param: param, Msg: fmt.Sprintf(format, a...)}
}

// forbidden is a 403 with a reason the caller may read.
func forbidden(format string, a ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{domain.ErrForbidden}, a...)...)
}

// echoError is an error whose chain holds an *echo.HTTPError: echo's own
// errors (404, 405, a bad bind) and any a handler made. It answers with
// that error's status; errors.As also finds one that was wrapped, which
// echo's default handler would turn into a 500.
type echoError struct {
	err error
	he  *echo.HTTPError
}

func (e *echoError) Error() string { return e.err.Error() }
func (e *echoError) Unwrap() error { return e.err }

func (e *echoError) Status() (int, string, string) {
	he := e.he
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
}

// withEchoStatus lets domain.ErrorStatus answer echo's errors with their
// own status. A bad parameter or a body over its limit in the same chain
// still answers first.
func withEchoStatus(err error) error {
	var he *echo.HTTPError
	var se domain.StatusError
	var mbe *http.MaxBytesError
	if !errors.As(err, &he) || errors.As(err, &se) || errors.As(err, &mbe) || errors.Is(err, domain.ErrTooLarge) {
		return err
	}
	return &echoError{err: err, he: he}
}

// httpCode is the error code of an echo error's status.
func httpCode(status int) string {
	switch status {
	case http.StatusBadRequest:
		return domain.CodeBadRequest
	case http.StatusUnauthorized:
		return domain.CodeUnauthorized
	case http.StatusForbidden:
		return domain.CodeForbidden
	case http.StatusNotFound:
		return domain.CodeNotFound
	case http.StatusMethodNotAllowed:
		return domain.CodeMethodNotAllowed
	case http.StatusRequestEntityTooLarge:
		return domain.CodeTooLarge
	case http.StatusUnsupportedMediaType:
		return domain.CodeUnsupportedMedia
	case http.StatusServiceUnavailable:
		return domain.CodeNotReady
	case http.StatusRequestTimeout:
		return domain.CodeTimeout
	}
	if status >= 500 {
		return domain.CodeInternal
	}
	return domain.CodeBadRequest
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
	status, code, msg := domain.ErrorStatus(withEchoStatus(err))
	switch {
	case status >= 500 && code == domain.CodeInternal:
		s.log.Error("request failed", "method", req.Method, "route", routeOf(c), "err", err)
	case status >= 500:
		s.log.Warn("request failed", "method", req.Method, "route", routeOf(c), "err", err)
	}
	if status == http.StatusUnauthorized {
		c.Response().Header().Set(echo.HeaderWWWAuthenticate, `Bearer realm="servicecard"`)
	}
	if status == http.StatusServiceUnavailable {
		c.Response().Header().Set(echo.HeaderRetryAfter, strconv.Itoa(domain.RetryAfter))
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
