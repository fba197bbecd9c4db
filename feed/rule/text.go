package rule

import (
	"hash/maphash"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"golang.org/x/net/html/atom"
	"golang.org/x/text/unicode/norm"

	"herald/feed/htmltext"
)

// asciiLower maps ASCII letters and digits to their lower case and other
// ASCII to 0.
var asciiLower = func() (t [utf8.RuneSelf]byte) {
	for c := range t {
		switch {
		case 'a' <= c && c <= 'z', '0' <= c && c <= '9':
			t[c] = byte(c)
		case 'A' <= c && c <= 'Z':
			t[c] = byte(c) + 'a' - 'A'
		}
	}
	return t
}()

// appendFolded appends the case-folded form of r, which is not ASCII.
// unicode.ToLower is a simple mapping; the few full foldings that matter
// for news text are spelled out.
func appendFolded(b []byte, r rune) []byte {
	switch r {
	case 'ß', 'ẞ':
		return append(b, "ss"...)
	case 'ς':
		r = 'σ'
	default:
		r = unicode.ToLower(r)
	}
	return utf8.AppendRune(b, r)
}

// A span is one word in a splitter's buffer; end < 0 marks a boundary that
// phrases do not cross.
type span struct {
	start, end int32
	cjk        bool
	prefix     bool // query terms only: the word ended with '*'
}

// A splitter turns text into normalized words, kept back to back in buf.
type splitter struct {
	buf   []byte
	spans []span
	// The word being built, if any: it starts at buf[start].
	inWord bool
	start  int32
	cjk    bool
	// Query mode: '*' right after a word makes it a prefix.
	query     bool
	afterStar bool   // the last rune was a '*' that ended a word
	stars     []star // the '*'s that ended words
	bad       string // what is wrong with the query text
}

// A star is a '*' that made a word a prefix, at byte at of the text.
type star struct {
	at  int
	cjk bool // of a word of a script written without spaces
}

func (s *splitter) endWord(prefix bool) {
	if s.inWord {
		s.spans = append(s.spans, span{start: s.start, end: int32(len(s.buf)), cjk: s.cjk, prefix: prefix})
		s.inWord = false
	}
}

// startWord makes sure a word of the given kind is being built.
func (s *splitter) startWord(cjk bool) {
	if s.afterStar {
		s.bad = `"*" can only end a word`
	}
	if s.inWord && s.cjk != cjk {
		s.endWord(false)
	}
	if !s.inWord {
		s.inWord, s.start, s.cjk = true, int32(len(s.buf)), cjk
	}
}

// boundary ends the current run of text.
func (s *splitter) boundary() {
	s.endWord(false)
	if n := len(s.spans); n > 0 && s.spans[n-1].end >= 0 {
		s.spans = append(s.spans, span{end: -1})
	}
}

// add splits text, which need not be normalized.
func (s *splitter) add(text string) {
	for i := 0; i < len(text); i++ {
		if text[i] >= utf8.RuneSelf {
			text = norm.NFKC.String(text)
			break
		}
	}
	for i := 0; i < len(text); {
		if c := text[i]; c < utf8.RuneSelf && c != '*' {
			// ASCII fast path: a whole run of letters and digits at once.
			if asciiLower[c] == 0 {
				s.endWord(false)
				s.afterStar = false
				i++
				continue
			}
			s.startWord(false)
			buf := s.buf
			for ; i < len(text); i++ {
				c := text[i]
				if c >= utf8.RuneSelf || asciiLower[c] == 0 {
					break
				}
				buf = append(buf, asciiLower[c])
			}
			s.buf = buf
			continue
		}
		r, size := utf8.DecodeRuneInString(text[i:])
		i += size
		if s.query && r == '*' {
			if !s.inWord || s.afterStar {
				s.bad = `"*" can only end a word`
			} else {
				s.stars = append(s.stars, star{at: i - size, cjk: s.cjk})
			}
			s.endWord(true)
			s.afterStar = true
			continue
		}
		switch cl := htmltext.Classify(r); cl {
		case htmltext.Sep:
			s.endWord(false)
			s.afterStar = false
		case htmltext.Ignored:
		case htmltext.Mark:
			if s.inWord {
				s.buf = appendFolded(s.buf, r)
			}
		case htmltext.Letter, htmltext.Unspaced:
			s.startWord(cl == htmltext.Unspaced)
			s.buf = appendFolded(s.buf, r)
		}
	}
}

// Text adds a run of HTML text (a htmltext.Handler method).
func (s *splitter) Text(t string) { s.add(t) }

// Edge ends a run of text at an HTML block (a htmltext.Handler method).
func (s *splitter) Edge(atom.Atom, bool) { s.boundary() }

// A Doc is an article's title and body split into normalized words, ready
// for any number of queries. A Doc is safe for concurrent use.
type Doc struct {
	vocab []string // distinct words, in order of first appearance
	isCJK []bool   // by vocab index
	// slots is an open-addressing hash table of vocab index+1 (0 is empty)
	// by word. Unlike a map it has no pointers for the garbage collector to
	// scan, and every ingested article makes one.
	slots []int32
	toks  []int32 // vocab index of each word; -1 is a boundary
	first []int32 // by vocab index: first position in toks
	next  []int32 // by position: next position of the same word, or -1
	// byByte lists vocab indexes grouped by first byte, each group in order
	// of first appearance; group c is byByte[start[c]:start[c+1]].
	byByte []int32
	start  [257]int32
	// text is the words joined for substring matching of CJK terms: words of
	// scripts without spaces are joined directly, other words by a space,
	// runs of text by a newline. Empty when the article has no such words.
	text string
}

// splitters holds splitters for reuse: NewDoc runs for every ingested
// article, and their buffers would be most of the garbage it leaves.
var splitters = sync.Pool{New: func() any { return new(splitter) }}

// NewDoc splits an article's plain-text title and HTML body into words.
func NewDoc(title, bodyHTML string) *Doc {
	s := splitters.Get().(*splitter)
	s.add(title)
	s.boundary()
	htmltext.Walk(bodyHTML, s)
	s.endWord(false)
	d := new(Doc).fill(s)
	if cap(s.buf) <= 1<<20 { // keep no buffer a huge article needed
		*s = splitter{buf: s.buf[:0], spans: s.spans[:0]}
		splitters.Put(s)
	}
	return d
}

// fill indexes the words s found.
func (d *Doc) fill(s *splitter) *Doc {
	size := 16
	for size < 2*len(s.spans) { // at most half full: no word without a span
		size *= 2
	}
	d.slots = make([]int32, size)
	d.toks = make([]int32, 0, len(s.spans))
	d.vocab = make([]string, 0, len(s.spans)/2)
	d.isCJK = make([]bool, 0, len(s.spans)/2)
	all := string(s.buf)
	anyCJK := false
	for _, sp := range s.spans {
		if sp.end < 0 {
			d.toks = append(d.toks, -1)
			continue
		}
		w := all[sp.start:sp.end]
		slot, id := d.find(w)
		if id < 0 {
			id = int32(len(d.vocab))
			d.slots[slot] = id + 1
			d.vocab = append(d.vocab, w)
			d.isCJK = append(d.isCJK, sp.cjk)
			anyCJK = anyCJK || sp.cjk
		}
		d.toks = append(d.toks, id)
	}

	d.first = make([]int32, len(d.vocab))
	for i := range d.first {
		d.first[i] = -1
	}
	d.next = make([]int32, len(d.toks))
	for p := len(d.toks) - 1; p >= 0; p-- {
		if id := d.toks[p]; id >= 0 {
			d.next[p] = d.first[id]
			d.first[id] = int32(p)
		}
	}

	// A counting sort by first byte narrows a prefix scan to the words that
	// can match it while keeping them in order of first appearance.
	for _, w := range d.vocab {
		d.start[int(w[0])+1]++
	}
	for c := 1; c < len(d.start); c++ {
		d.start[c] += d.start[c-1]
	}
	d.byByte = make([]int32, len(d.vocab))
	fill := d.start
	for id, w := range d.vocab {
		d.byByte[fill[w[0]]] = int32(id)
		fill[w[0]]++
	}

	if anyCJK {
		d.text = d.join()
	}
	return d
}

var seed = maphash.MakeSeed()

// find returns the vocab index of w and its slot, or -1 and the empty slot
// where it would go.
func (d *Doc) find(w string) (slot int, id int32) {
	mask := len(d.slots) - 1
	for i := int(maphash.String(seed, w)) & mask; ; i = (i + 1) & mask {
		v := d.slots[i]
		if v == 0 {
			return i, -1
		}
		if d.vocab[v-1] == w {
			return i, v - 1
		}
	}
}

// id returns the vocab index of w.
func (d *Doc) id(w string) (int32, bool) {
	_, id := d.find(w)
	return id, id >= 0
}

func (d *Doc) join() string {
	var b strings.Builder
	word, prevCJK := false, false
	for _, id := range d.toks {
		if id < 0 {
			if b.Len() > 0 {
				b.WriteByte('\n')
			}
			word = false
			continue
		}
		c := d.isCJK[id]
		if word && !(prevCJK && c) {
			b.WriteByte(' ')
		}
		b.WriteString(d.vocab[id])
		word, prevCJK = true, c
	}
	return b.String()
}

// withPrefix calls f with each word that starts with p, in order of first
// appearance.
func (d *Doc) withPrefix(p string, f func(id int32)) {
	for _, id := range d.byByte[d.start[p[0]]:d.start[int(p[0])+1]] {
		if strings.HasPrefix(d.vocab[id], p) {
			f(id)
		}
	}
}
