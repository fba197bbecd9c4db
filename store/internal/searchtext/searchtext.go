// Package searchtext prepares text the way every search engine of herald's
// indexes it, so that engines find the same words: NFKC-normalized (so
// widths are folded), with HTML read as htmltext reads it for tag rules,
// and the letters of scripts written without spaces as overlapping pairs.
//
// Word-based full-text engines split text at spaces and punctuation: right
// for scripts written with spaces, useless for Chinese, Japanese, Thai and
// the like, where a whole sentence would be one token. So letters of those
// scripts become overlapping pairs ("サイバー攻撃" is indexed as "サイ イバ バー ー攻
// 攻撃 撃"), the way Lucene's CJK analyzer does it, and a word of any length
// is found as the phrase of its pairs: サイバー is "サイ イバ バー" and matches
// inside サイバーセキュリティ. Unlike a trigram index this finds words of two
// letters (政府, 規制) from the index, and a single letter as a prefix of the
// pairs; it keeps word semantics and stemming for everything else, and one
// index serves a query that mixes the two.
//
// The last letter of a run is indexed on its own too, so that a query word
// that ends where the run ends is found, and a one-letter word can match at
// the end of a run. Separators between two such letters are dropped, as the
// tag rules do (サイバー・攻撃 is サイバー攻撃); HTML block boundaries are not.
//
// Case, accents and stemming are left to the engine's tokenizer, which must
// read every character that htmltext.Classify calls a letter, unspaced
// letter or mark as part of a word, and everything else as a separator.
package searchtext

import (
	"strings"

	"golang.org/x/net/html/atom"
	"golang.org/x/text/unicode/norm"

	"herald/feed/htmltext"
)

// paragraph marks an HTML block boundary in extracted text: a run of
// unspaced script does not continue across it.
const paragraph = '\u2029'

// Text returns plain text as the index takes it.
func Text(s string) string {
	var sg segmenter
	sg.write(norm.NFKC.String(s))
	sg.flush(false)
	return sg.b.String()
}

// HTML returns the text of an HTML fragment as the index takes it: the text
// htmltext.Walk gives, with a line break at every block edge.
func HTML(h string) string {
	var b blocks
	b.b.Grow(len(h))
	htmltext.Walk(h, &b)
	return Text(b.b.String())
}

// blocks collects the text of HTML with a paragraph mark at every edge.
type blocks struct{ b strings.Builder }

func (b *blocks) Text(s string)        { b.b.WriteString(s) }
func (b *blocks) Edge(atom.Atom, bool) { b.b.WriteRune(paragraph) }

// Query returns a piece of a query term (a rule.Part's text) as the index's
// words, for an engine to search as a phrase. If last, the piece ends the
// term: a final run of unspaced letters then leaves out its last letter
// alone, so that the term also matches inside a longer run, and single
// reports that the run was one letter, which the engine should search as a
// prefix (of the pairs that start with it).
func Query(text string, last bool) (words string, single bool) {
	var sg segmenter
	sg.write(norm.NFKC.String(text))
	single = sg.flush(last) && last
	return strings.TrimSpace(sg.b.String()), single
}

// A segmenter writes text in the form the index takes it.
type segmenter struct {
	b   strings.Builder
	run []string // letters (with their marks) of the unspaced run being read
	gap bool     // separators were dropped since the run's last letter
}

func (s *segmenter) write(text string) {
	for _, r := range text {
		switch htmltext.Classify(r) {
		case htmltext.Unspaced:
			s.run = append(s.run, string(r))
			s.gap = false
		case htmltext.Mark:
			if len(s.run) > 0 && !s.gap {
				s.run[len(s.run)-1] += string(r)
				continue
			}
			s.flush(false)
			s.b.WriteRune(r)
		case htmltext.Letter:
			s.flush(false)
			s.b.WriteRune(r)
		default:
			// Separators, and the characters rules ignore inside a word (the
			// soft hyphen, joiners), which the index has always kept for
			// the engine's tokenizer to read as separators.
			switch {
			case r == paragraph:
				s.flush(false)
				s.b.WriteByte('\n')
			case len(s.run) > 0:
				s.gap = true // dropped between two unspaced letters
			default:
				s.b.WriteRune(r)
			}
		}
	}
}

// flush writes the pending unspaced run as pairs of letters followed by its
// last letter alone, which a query's final run (last) leaves out. It
// reports whether the run was a single letter.
func (s *segmenter) flush(last bool) (single bool) {
	n := len(s.run)
	if n == 0 {
		return false
	}
	s.b.WriteByte(' ')
	if n == 1 {
		s.b.WriteString(s.run[0])
	} else {
		for i := 0; i+1 < n; i++ {
			if i > 0 {
				s.b.WriteByte(' ')
			}
			s.b.WriteString(s.run[i])
			s.b.WriteString(s.run[i+1])
		}
		if !last {
			s.b.WriteByte(' ')
			s.b.WriteString(s.run[n-1])
		}
	}
	s.b.WriteByte(' ')
	s.run, s.gap = s.run[:0], false
	return n == 1
}
