// Package micros is how every store engine stores a time: as microseconds
// since the Unix epoch, UTC, with 0 for the zero time (never, or NULL). The
// engines and the records that move between them (package dump) share it,
// so that a time survives a copy from one engine to another unchanged.
package micros

import "time"

// Of returns t as stored: microseconds since the Unix epoch, or 0 for the
// zero time.
func Of(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMicro()
}

// Time returns the time stored as us, in UTC; 0 is the zero time.
func Time(us int64) time.Time {
	if us == 0 {
		return time.Time{}
	}
	return time.UnixMicro(us).UTC()
}
