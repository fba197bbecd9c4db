package web

import (
	"log/slog"
	"math"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"
)

// logRequest writes the access log line of a request that began at start
// and ended at end, answered with status and n bytes of body: at info; at
// debug for /static/, /healthz and /metrics; at error, with the error, for a
// 5xx, whose one log line it is. The line gives the duration in
// milliseconds (to the microsecond), the client's address as the
// connection has it (a proxy's, behind one) and the User-Agent.
//
// A cached feed is answered in a few microseconds of herald's own, and
// slog spent over a microsecond on the line. So when Config.AccessLog is
// set, a line that is no error is built here instead, as slog's JSON
// handler would write it, into a pooled buffer: a fifth of the cost.
func (s *Server) logRequest(r *http.Request, status, n int, start, end time.Time, err error) {
	level := slog.LevelInfo
	switch {
	case status >= 500:
		level = slog.LevelError
	case strings.HasPrefix(r.URL.Path, "/static/") || r.URL.Path == "/healthz" || r.URL.Path == "/metrics":
		level = slog.LevelDebug
	}
	ctx := r.Context()
	if !s.log.Enabled(ctx, level) {
		return
	}
	var ua string
	if v := r.Header["User-Agent"]; len(v) > 0 {
		ua = v[0]
	}
	ms := durationMS(end.Sub(start))
	if s.cfg.AccessLog == nil || level == slog.LevelError {
		attrs := []slog.Attr{slog.String("method", r.Method), slog.String("path", redactToken(r.URL.Path)),
			slog.Int("status", status), slog.Int("bytes", n), slog.Float64("duration_ms", ms),
			slog.String("client", r.RemoteAddr), slog.String("ua", ua)}
		if level == slog.LevelError && err != nil {
			attrs = append(attrs, slog.Any("err", err))
		}
		s.log.LogAttrs(ctx, level, "request", attrs...)
		return
	}
	bp := linePool.Get().(*[]byte)
	b := append((*bp)[:0], `{"time":"`...)
	b = appendLogTime(b, end)
	b = append(b, `","level":"`...)
	b = append(b, level.String()...)
	b = append(b, `","msg":"request","method":`...)
	b = appendJSONString(b, r.Method)
	b = append(b, `,"path":`...)
	b = appendJSONString(b, redactToken(r.URL.Path))
	b = append(b, `,"status":`...)
	b = strconv.AppendInt(b, int64(status), 10)
	b = append(b, `,"bytes":`...)
	b = strconv.AppendInt(b, int64(n), 10)
	b = append(b, `,"duration_ms":`...)
	b = appendJSONFloat(b, ms)
	b = append(b, `,"client":`...)
	b = appendJSONString(b, r.RemoteAddr)
	b = append(b, `,"ua":`...)
	b = appendJSONString(b, ua)
	b = append(b, "}\n"...)
	s.cfg.AccessLog.Write(b)
	*bp = b
	linePool.Put(bp)
}

var linePool = sync.Pool{New: func() any { b := make([]byte, 0, 512); return &b }}

// durationMS is d in milliseconds, to the microsecond: finer is noise.
func durationMS(d time.Duration) float64 {
	return float64(d.Microseconds()) / 1000
}

// appendJSONFloat appends f as encoding/json writes a float64, which is
// what slog's JSON handler calls for one: the shortest decimal that reads
// back as f, in exponent form only below 1e-6 and from 1e21. f is finite.
func appendJSONFloat(b []byte, f float64) []byte {
	format := byte('f')
	if abs := math.Abs(f); abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	b = strconv.AppendFloat(b, f, format, -1, 64)
	if format == 'e' {
		// e-09 is written e-9
		if n := len(b); n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
	}
	return b
}

// appendJSONString appends s as a JSON string, escaped as slog's JSON
// handler escapes it: quotes, backslashes and control characters, invalid
// UTF-8 as U+FFFD, and U+2028 and U+2029; not <, > or &.
func appendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if plainJSON[c] {
			i++
			continue
		}
		if c < utf8.RuneSelf {
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hex[r&0xF])
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// plainJSON marks the bytes that stand for themselves in a JSON string:
// printable ASCII but the quote and the backslash.
var plainJSON = func() (t [256]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

// appendLogTime appends t as slog's JSON handler writes times (RFC 3339
// with nanoseconds, trailing zeros trimmed). The part down to the second
// is formatted once a second.
func appendLogTime(b []byte, t time.Time) []byte {
	sec := t.Unix()
	p := logSecond.Load()
	if p == nil || p.sec != sec || p.loc != t.Location() {
		p = &formattedSecond{sec: sec, loc: t.Location(),
			date: t.AppendFormat(nil, "2006-01-02T15:04:05"), zone: t.AppendFormat(nil, "Z07:00")}
		logSecond.Store(p)
	}
	b = append(b, p.date...)
	if ns := t.Nanosecond(); ns != 0 {
		var frac [10]byte
		frac[0] = '.'
		for i := 9; i >= 1; i-- {
			frac[i] = byte('0' + ns%10)
			ns /= 10
		}
		n := 10
		for frac[n-1] == '0' {
			n--
		}
		b = append(b, frac[:n]...)
	}
	return append(b, p.zone...)
}

// formattedSecond is one second, formatted for the log.
type formattedSecond struct {
	sec        int64
	loc        *time.Location
	date, zone []byte
}

var logSecond atomic.Pointer[formattedSecond]
