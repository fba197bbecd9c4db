package htmltext

import (
	"unicode"
	"unicode/utf8"
)

// A Class says what a character does to the words of a text.
type Class uint8

const (
	// Sep ends a word: spaces, punctuation, symbols, controls.
	Sep Class = iota
	// Ignored is dropped without ending a word: the soft hyphen, zero-width
	// (non-)joiners, the word joiner and the byte order mark, which sit
	// inside words ("cyber\u00adsecurity" is one word to a reader).
	Ignored
	// Letter is a letter or digit of a script written with spaces, or a
	// private-use character (which search engines keep in words).
	Letter
	// Unspaced is a letter of a script written without spaces between
	// words: Han, Hiragana, Katakana, Thai, Lao, Khmer and Myanmar, and the
	// Japanese iteration and length marks.
	Unspaced
	// Mark is a combining mark: part of the letter before it.
	Mark
)

// Classify returns the class of r. Text should be NFKC-normalized first, so
// that full-width letters and half-width katakana are classed as their
// usual forms are.
func Classify(r rune) Class {
	if r < utf8.RuneSelf {
		if c := r | 0x20; 'a' <= c && c <= 'z' || '0' <= r && r <= '9' {
			return Letter
		}
		return Sep
	}
	switch r {
	case '\u00ad', '\u200c', '\u200d', '\u2060', '\ufeff':
		return Ignored
	case 'ー', '々', '〆', 'ゝ', 'ゞ', 'ヽ', 'ヾ':
		// Iteration and length marks are Common script, not Han or kana.
		return Unspaced
	}
	switch {
	case unicode.IsMark(r):
		return Mark
	case unicode.IsLetter(r) || unicode.IsNumber(r):
		if unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana,
			unicode.Thai, unicode.Lao, unicode.Khmer, unicode.Myanmar) {
			return Unspaced
		}
		return Letter
	case unicode.Is(unicode.Co, r):
		return Letter
	}
	return Sep
}
