package stats

import (
	"fmt"
	"math"
	"math/bits"
	"strings"
)

// Distinct pollers are counted with a HyperLogLog sketch of 2^10 one-byte
// registers: a standard error of 1.04/sqrt(1024), about 3.3%, whatever the
// number of pollers, and exact enough below a few hundred (linear counting).
// Sketches merge by taking each register's maximum, so the sketches of
// several flushes and of several instances combine into the sketch of all
// their pollers, counted once each. No poller's address or hash is kept:
// a register holds only the longest run of zero bits seen among the hashes
// that fell into it.
const (
	precision = 10
	registers = 1 << precision
	maxRank   = 64 - precision + 1
)

// A Sketch estimates how many distinct pollers it was given. The zero
// value is empty and ready to use.
type Sketch struct {
	r [registers]uint8
}

// Add counts the poller whose hash (see PollerHash) is h.
func (s *Sketch) Add(h uint64) {
	i := h >> (64 - precision)
	rank := uint8(bits.LeadingZeros64(h<<precision|1<<(precision-1)) + 1)
	if rank > s.r[i] {
		s.r[i] = rank
	}
}

// Merge adds the pollers of o to s and reports whether s changed.
func (s *Sketch) Merge(o *Sketch) bool {
	if o == nil {
		return false
	}
	changed := false
	for i, v := range o.r {
		if v > s.r[i] {
			s.r[i], changed = v, true
		}
	}
	return changed
}

// Empty reports whether s was given no poller.
func (s *Sketch) Empty() bool { return s == nil || s.r == [registers]uint8{} }

// Estimate returns the number of distinct pollers s was given, estimated.
func (s *Sketch) Estimate() int64 {
	if s == nil {
		return 0
	}
	var sum float64
	zeros := 0
	for _, v := range s.r {
		sum += math.Ldexp(1, -int(v))
		if v == 0 {
			zeros++
		}
	}
	const m = float64(registers)
	e := 0.7213 / (1 + 1.079/m) * m * m / sum
	if e <= 2.5*m && zeros > 0 {
		e = m * math.Log(m/float64(zeros)) // linear counting, for few pollers
	}
	return int64(math.Round(e))
}

// The stored form of a sketch: a format byte, then for sparseFormat the
// registers that are not zero, as three bytes each (index, big-endian, and
// value), in index order; for denseFormat every register.
const (
	sparseFormat = 1
	denseFormat  = 2
)

// Bytes returns s in its stored form: a few bytes for a sketch of few
// pollers, at most 1,025.
func (s *Sketch) Bytes() []byte {
	if s == nil {
		return []byte{sparseFormat}
	}
	n := 0
	for _, v := range s.r {
		if v != 0 {
			n++
		}
	}
	if 3*n >= registers {
		return append([]byte{denseFormat}, s.r[:]...)
	}
	b := make([]byte, 1, 1+3*n)
	b[0] = sparseFormat
	for i, v := range s.r {
		if v != 0 {
			b = append(b, byte(i>>8), byte(i), v)
		}
	}
	return b
}

// ParseSketch reads a sketch in the form Bytes gives; nil or empty input is
// an empty sketch.
func ParseSketch(b []byte) (*Sketch, error) {
	s := new(Sketch)
	if len(b) == 0 {
		return s, nil
	}
	switch b[0] {
	case denseFormat:
		if len(b) != 1+registers {
			return nil, fmt.Errorf("sketch: dense form of %d bytes, want %d", len(b), 1+registers)
		}
		copy(s.r[:], b[1:])
	case sparseFormat:
		if (len(b)-1)%3 != 0 {
			return nil, fmt.Errorf("sketch: sparse form of %d bytes is not 1 + 3n", len(b))
		}
		for p := b[1:]; len(p) > 0; p = p[3:] {
			i := int(p[0])<<8 | int(p[1])
			if i >= registers {
				return nil, fmt.Errorf("sketch: register %d out of range", i)
			}
			s.r[i] = p[2]
		}
	default:
		return nil, fmt.Errorf("sketch: unknown form %d", b[0])
	}
	for i, v := range s.r {
		if v > maxRank {
			return nil, fmt.Errorf("sketch: register %d holds %d, more than %d", i, v, maxRank)
		}
	}
	return s, nil
}

// PollerHash is the hash that identifies a poller: of the client's address
// without its port (the connection's, as the access log has it) and its
// User-Agent. It is the same in every process, so that instances'
// sketches merge. Neither the address nor the hash is stored.
func PollerHash(client, userAgent string) uint64 {
	if i := strings.LastIndexByte(client, ':'); i >= 0 && !strings.HasSuffix(client, "]") &&
		(strings.Count(client, ":") == 1 || strings.HasPrefix(client, "[")) {
		client = client[:i]
	}
	h := uint64(0x9e3779b97f4a7c15)
	h = mixString(h, client)
	h = mixString(h^0xff, userAgent)
	return fmix64(h)
}

// mixString folds s into h eight bytes at a time.
func mixString(h uint64, s string) uint64 {
	const k = 0xff51afd7ed558ccd
	for len(s) >= 8 {
		v := uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
			uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
		h = bits.RotateLeft64(h^(v*k), 31) * 0x9e3779b97f4a7c15
		s = s[8:]
	}
	var v uint64
	for i := range len(s) {
		v |= uint64(s[i]) << (8 * i)
	}
	h = bits.RotateLeft64(h^(v*k)^uint64(len(s)), 31) * 0x9e3779b97f4a7c15
	return h
}

// fmix64 is MurmurHash3's finalizer: every input bit moves every output bit.
func fmix64(h uint64) uint64 {
	h ^= h >> 33
	h *= 0xff51afd7ed558ccd
	h ^= h >> 33
	h *= 0xc4ceb9fe1a85ec53
	h ^= h >> 33
	return h
}
