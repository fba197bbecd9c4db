package web

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"runtime/debug"
	"strconv"
	"strings"

	"herald/feed"
)

// Errors. A handler returns an error instead of answering; the adapter its
// route was registered with (see routes.go) answers it in its clients'
// format. Its status comes from one table, statusTable, of the kinds that
// package feed defines and the few that only HTTP has:

var (
	// errMalformed: the request cannot be read (a query parameter that is
	// not a number, a body that is not JSON). Input that can be read but
	// is wrong is feed.ErrInvalid.
	errMalformed = errors.New("malformed request")
	// errForbidden: the credentials are good but do not reach this.
	errForbidden = errors.New("forbidden")
	// errMethodNotAllowed: the path takes other methods; say which in Allow.
	errMethodNotAllowed = errors.New("method not allowed")
	// errTooLarge: the body is over the limit (as is *http.MaxBytesError).
	errTooLarge = errors.New("request body is too large")
	// errUnsupportedMedia: the body is of a type the path does not read.
	errUnsupportedMedia = errors.New("unsupported media type")
	// errTooManyRequests: over a rate; say when to come back in Retry-After.
	errTooManyRequests = errors.New("too many requests")
	// errUnavailable: a part herald needs cannot serve now.
	errUnavailable = errors.New("unavailable")
)

// statusTable maps each kind of error to its HTTP status. An error of none
// of them is a 500.
var statusTable = []struct {
	kind   error
	status int
}{
	{errMalformed, http.StatusBadRequest},
	{feed.ErrUnauthorized, http.StatusUnauthorized},
	{errForbidden, http.StatusForbidden},
	{feed.ErrNotFound, http.StatusNotFound},
	{errMethodNotAllowed, http.StatusMethodNotAllowed},
	{feed.ErrConflict, http.StatusConflict},
	{feed.ErrGone, http.StatusGone},
	{errTooLarge, http.StatusRequestEntityTooLarge},
	{errUnsupportedMedia, http.StatusUnsupportedMediaType},
	{feed.ErrInvalid, http.StatusUnprocessableEntity},
	{errTooManyRequests, http.StatusTooManyRequests},
	{context.Canceled, 499}, // the client went away; nobody reads this
	{errUnavailable, http.StatusServiceUnavailable},
}

// A refusal is an error of one kind of statusTable whose message is
// written for the client, with the headers its answer carries
// (WWW-Authenticate, Retry-After, Allow). Errors from elsewhere carry their
// kind by wrapping it (fmt.Errorf("...: %w", feed.ErrNotFound)) and are
// shown as they read.
type refusal struct {
	kind   error
	msg    string
	header []field
	cause  error // for the log, never shown; may be nil
}

// refuse returns an error of kind whose message, msg, is safe to show.
func refuse(kind error, msg string) *refusal { return &refusal{kind: kind, msg: msg} }

// with adds a header to the answer of e.
func (e *refusal) with(key, value string) *refusal {
	e.header = append(e.header, field{http.CanonicalHeaderKey(key), []string{value}})
	return e
}

// because records the failure behind e, for the log.
func (e *refusal) because(cause error) *refusal {
	e.cause = cause
	return e
}

func (e *refusal) Error() string {
	if e.cause != nil {
		return e.msg + ": " + e.cause.Error()
	}
	return e.msg
}

// Unwrap gives the kind only: the status is the kind's, whatever the cause.
func (e *refusal) Unwrap() error { return e.kind }

// statusOf maps an error to its HTTP status through statusTable.
func statusOf(err error) int {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return http.StatusRequestEntityTooLarge
	}
	var r *refusal
	if errors.As(err, &r) {
		err = r.kind
	}
	for _, k := range statusTable {
		if errors.Is(err, k.kind) {
			return k.status
		}
	}
	return http.StatusInternalServerError
}

// publicMessage is what a client may read about err: nothing internal for
// a 5xx.
func publicMessage(err error, status int) string {
	if status >= 500 {
		return http.StatusText(status)
	}
	var r *refusal
	if errors.As(err, &r) {
		return r.msg
	}
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return tooLargeMessage(mbe.Limit)
	}
	return err.Error()
}

// tooLargeMessage is the message of a 413: "request body is larger than 4
// MiB".
func tooLargeMessage(limit int64) string {
	size := strconv.FormatInt(limit, 10) + " bytes"
	switch {
	case limit >= 1<<20 && limit%(1<<20) == 0:
		size = strconv.FormatInt(limit>>20, 10) + " MiB"
	case limit >= 1<<10 && limit%(1<<10) == 0:
		size = strconv.FormatInt(limit>>10, 10) + " KiB"
	}
	return "request body is larger than " + size
}

// A handler answers a request, or returns the error to answer instead (and
// then writes nothing).
type handler func(w http.ResponseWriter, r *http.Request) error

// An errorFormat is how the clients of a route read errors.
type errorFormat uint8

const (
	// apiErrors: JSON, {"error": "...", "fields": [...]}.
	apiErrors errorFormat = iota
	// textErrors: plain text, for feed readers and WebSub hubs.
	textErrors
	// pageErrors: an HTML page, for people.
	pageErrors
)

// adapt is the one adapter: it serves h, and answers h's error in format f
// with its status, its headers and no-store (see policy). A 5xx is logged
// once, by the access log line of its request (see ServeHTTP).
//
// A panic in h is a bug, but one request's bug: adapt answers it as a 500
// in the route's format and logs it once, with its stack, on the request's
// line. Left to net/http, the client would get no answer at all (the
// connection is dropped) and the log a stack without the request.
func (s *Server) adapt(f errorFormat, h handler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		defer s.recoverPanic(w, r, f)
		if err := h(w, r); err != nil {
			s.answerError(w, r, f, err)
		}
	}
}

// recoverPanic answers a handler's panic as a 500. When the handler had
// begun its answer already, a 500 can no longer be given: it logs the
// panic and aborts the answer, as net/http would (http.ErrAbortHandler,
// which net/http does not log again).
func (s *Server) recoverPanic(w http.ResponseWriter, r *http.Request, f errorFormat) {
	p := recover()
	if p == nil {
		return
	}
	if p == http.ErrAbortHandler {
		panic(p)
	}
	err := &panicError{value: p, stack: debug.Stack()}
	if rec, ok := w.(*statusRecorder); ok && rec.wroteHeader {
		s.log.ErrorContext(r.Context(), "request", "method", r.Method, "path", redactToken(r.URL.Path),
			"status", rec.status, "client", r.RemoteAddr, "err", err)
		panic(http.ErrAbortHandler)
	}
	h := w.Header()
	clear(h) // what the handler meant for its own answer
	h["X-Content-Type-Options"] = nosniff
	s.answerError(w, r, f, err)
}

// panicError is a handler's panic, with the stack where it happened.
type panicError struct {
	value any
	stack []byte
}

func (e *panicError) Error() string { return fmt.Sprintf("panic: %v", e.value) }

// LogValue logs the panic with its stack.
func (e *panicError) LogValue() slog.Value {
	return slog.GroupValue(slog.String("panic", fmt.Sprint(e.value)), slog.String("stack", string(e.stack)))
}

// answerError answers err in format f. It hands err to the access log
// through the statusRecorder that ServeHTTP put in front of the routes.
func (s *Server) answerError(w http.ResponseWriter, r *http.Request, f errorFormat, err error) {
	status := statusOf(err)
	if rec, ok := w.(*statusRecorder); ok {
		rec.err = err
	} else if status >= 500 { // not served through ServeHTTP: log it here
		s.log.ErrorContext(r.Context(), "request", "method", r.Method, "path", redactToken(r.URL.Path), "status", status, "err", err)
	}
	h := w.Header()
	var ref *refusal
	if errors.As(err, &ref) {
		for _, hf := range ref.header {
			h[hf.key] = hf.value
		}
	}
	h["Cache-Control"] = s.cacheControl[noStore]
	msg := publicMessage(err, status)
	switch f {
	case apiErrors:
		body := apiError{Error: msg}
		var ve *feed.ValidationError
		if status < 500 && errors.As(err, &ve) {
			body.Fields = ve.Fields
			body.Error = "the input is not valid: see fields"
			if len(ve.Fields) == 1 {
				body.Error = ve.Fields[0].String()
			}
		}
		s.writeJSON(w, status, noStore, body)
	case textErrors:
		http.Error(w, msg, status)
	case pageErrors:
		heading := http.StatusText(status)
		if errors.Is(err, feed.ErrNotFound) {
			heading = "Not found"
			msg = "There is nothing at this address: " + msg + "."
		}
		body, err := s.executePage(pageTemplates["error"], s.newPage(heading, msg))
		if err != nil {
			http.Error(w, msg, status) // the error page itself failed; say it plainly
			return
		}
		for _, f := range s.pageHeader {
			h[f.key] = f.value
		}
		h["Content-Type"] = []string{htmlType}
		w.WriteHeader(status)
		w.Write(body)
	}
}

// apiError is the body of every API error.
type apiError struct {
	Error  string            `json:"error"`
	Fields []feed.FieldError `json:"fields,omitempty"`
}

// unrouted answers what no route takes: under /api/ in JSON, as every API
// error (handleAPIUnrouted); elsewhere with the HTML 404 page.
func (s *Server) unrouted() http.Handler {
	page, api := s.adapt(pageErrors, s.handleNotFound), s.adapt(apiErrors, s.handleAPIUnrouted)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/api/") {
			api(w, r)
			return
		}
		page(w, r)
	})
}

// handleAPIUnrouted answers a request under /api/ that no route takes: a
// 405 naming the methods the path takes in Allow, or a 404.
func (s *Server) handleAPIUnrouted(w http.ResponseWriter, r *http.Request) error {
	path := r.URL.EscapedPath()
	if allow := strings.Join(s.allowedMethods(r.URL), ", "); allow != "" {
		return refuse(errMethodNotAllowed, path+" does not take "+r.Method+"; it takes "+allow).with("Allow", allow)
	}
	return refuse(feed.ErrNotFound, "no API endpoint at "+path+" (see /api/openapi.json)")
}

// allowedMethods returns the methods that a route takes at u (HEAD with
// GET), in the order of the Allow header net/http gives.
func (s *Server) allowedMethods(u *url.URL) []string {
	var allow []string
	for _, m := range []string{http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete} {
		if _, pattern := s.mux.Handler(&http.Request{Method: m, URL: u}); pattern != "" && pattern != "/" {
			allow = append(allow, m)
		}
	}
	return allow
}
