package feed

import (
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

var langPattern = regexp.MustCompile(`^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$`)

// ValidLanguage reports whether tag has the shape of a BCP 47 language tag:
// a two- or three-letter language and optional subtags ("en", "ja-JP",
// "zh-Hant-TW").
func ValidLanguage(tag string) bool {
	return langPattern.MatchString(tag)
}

// scriptLanguages are the scripts that one language has to itself, for
// DetectLanguage. Scripts that many languages share (Latin, Cyrillic,
// Arabic, Devanagari) tell nothing and are left out.
var scriptLanguages = []struct {
	script *unicode.RangeTable
	lang   string
}{
	{unicode.Greek, "el"},
	{unicode.Hebrew, "he"},
	{unicode.Thai, "th"},
	{unicode.Georgian, "ka"},
	{unicode.Armenian, "hy"},
	{unicode.Khmer, "km"},
	{unicode.Lao, "lo"},
}

// detectLetters is how many letters DetectLanguage looks at: enough to
// outvote a quotation, and a bound on the work for a long article.
const detectLetters = 4096

// DetectLanguage returns the language that the script of text tells, or
// fallback when the script does not tell one.
//
// The script of most of the letters decides, a Han, kana or Hangul letter
// counting as three others (it carries about as much as a short word), so
// that an English story quoting a Japanese phrase stays English. Among
// those: Hiragana or Katakana make up at least a twentieth of them: "ja"
// (Japanese writes its grammar in kana); otherwise Hangul: "ko"; otherwise
// Han alone: "zh" (a Japanese headline of Han only reads as Chinese too).
// Greek, Hebrew, Thai, Georgian, Armenian, Khmer and Lao give "el", "he",
// "th", "ka", "hy", "km" and "lo". Latin and the scripts several languages
// share (Cyrillic, Arabic, Devanagari) give fallback, as does text without
// letters. When the language found is fallback's own ("zh" for "zh-TW"),
// fallback is returned, region and script included.
//
// Only the first few thousand letters are looked at. DetectLanguage
// never fails; fallback may be "" for "unknown".
func DetectLanguage(text, fallback string) string {
	var han, kana, hangul, other, letters int
	single := make([]int, len(scriptLanguages))
	for _, r := range text {
		if letters == detectLetters {
			break
		}
		if r < utf8.RuneSelf {
			if c := r | 0x20; 'a' <= c && c <= 'z' {
				other++
				letters++
			}
			continue
		}
		if !unicode.IsLetter(r) {
			continue
		}
		letters++
		switch {
		case r == 'ー' || unicode.In(r, unicode.Hiragana, unicode.Katakana):
			kana++
		case unicode.Is(unicode.Han, r):
			han++
		case unicode.Is(unicode.Hangul, r):
			hangul++
		default:
			i := 0
			for i < len(scriptLanguages) && !unicode.Is(scriptLanguages[i].script, r) {
				i++
			}
			if i < len(scriptLanguages) {
				single[i]++
			} else {
				other++
			}
		}
	}
	lang, best := "", other
	if cjk := han + kana + hangul; cjk*3 > best {
		best = cjk * 3
		switch {
		case kana*20 >= cjk && kana >= hangul:
			lang = "ja"
		case hangul*20 >= cjk:
			lang = "ko"
		default:
			lang = "zh"
		}
	}
	for i, n := range single {
		if n > best {
			lang, best = scriptLanguages[i].lang, n
		}
	}
	if lang == "" {
		return fallback
	}
	if primary, _, _ := strings.Cut(fallback, "-"); strings.EqualFold(primary, lang) {
		return fallback
	}
	return lang
}
