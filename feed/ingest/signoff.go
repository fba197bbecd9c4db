package ingest

import (
	"regexp"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Sign-offs, bylines and credits: how a plain-text export names its authors,
// in English and in Chinese, Japanese and Korean.

// A signOff is an author sign-off at the end of a paragraph.
type signOff struct {
	text   string   // the paragraph without it
	names  []string // the authors
	strong bool     // it carried an e-mail address or the spam notice
}

var (
	emailAddress = regexp.MustCompile(`[\w.+-]+@[\w-]+(?:\.[\w-]+)+`)
	// A parenthetical that holds an address, or is empty once it is gone.
	emailAside = regexp.MustCompile(`[(（]\s*(?:(?:e-?mail:?\s*)?[\w.+-]+@[\w-]+(?:\.[\w-]+)+\s*)?[)）]`)
	// An address (perhaps in brackets, perhaps labelled) or a spam notice
	// ending a text, for creditSignOff, which needs what precedes them
	// unchanged.
	trailingContact = []*regexp.Regexp{
		regexp.MustCompile(`(?i)[\s,;、，]*(?:[(（]\s*(?:e-?mail|メール|이메일|邮箱|郵箱)?\s*[:：]?\s*[\w.+-]+@[\w-]+(?:\.[\w-]+)+\s*[)）]|(?:e-?mail|メール|이메일|邮箱|郵箱)?\s*[:：]?\s*[\w.+-]+@[\w-]+(?:\.[\w-]+)+)[\s.。]*$`),
		regexp.MustCompile(spamNotices[0].re.String() + `\s*$`),
		regexp.MustCompile(spamNotices[1].re.String() + `\s*$`),
	}
)

// parseSignOff looks for an author sign-off ending p: "-- Name", with any of
// the dashes lastDash knows, perhaps followed by an e-mail address or the
// spam notice; or else one of the credits Japanese, Chinese and Korean
// newsrooms end articles with (see creditSignOff).
func parseSignOff(p string) (signOff, bool) {
	from := max(0, len(p)-maxSignOff)
	for from > 0 && !utf8.RuneStart(p[from]) {
		from++
	}
	if start, end := lastDash(p, from); start >= 0 {
		if s, ok := dashSignOff(p, start, end); ok {
			return s, true
		}
	}
	if isASCII(p[from:]) {
		return signOff{}, false
	}
	return creditSignOff(p, from)
}

// dashSignOff reads the sign-off after the dash at p[start:end].
func dashSignOff(p string, start, end int) (signOff, bool) {
	tail := p[end:]
	var s signOff
	if t := removeSpamNotice(tail); t != tail {
		tail, s.strong = t, true
	}
	if t := emailAside.ReplaceAllString(tail, " "); t != tail {
		tail, s.strong = t, true
	}
	if t := emailAddress.ReplaceAllString(tail, " "); t != tail {
		tail, s.strong = t, true
	}
	// What is left is the name, perhaps with the punctuation that sat
	// around the address; a full stop counts only when nothing else is
	// left to end the sentence.
	tail = strings.TrimFunc(tail, func(r rune) bool {
		return unicode.IsSpace(r) || strings.ContainsRune(",;:、，；：", r) || s.strong && (r == '.' || r == '。')
	})
	tail = strings.TrimSpace(strings.TrimPrefix(strings.TrimPrefix(tail, "By "), "by "))
	names, ok := splitNames(tail)
	if !ok {
		names, ok = parseCredit(tail) // "-- 文・山田太郎", "-- 김민준 기자"
	}
	if !ok {
		return signOff{}, false
	}
	s.names = names
	s.text = strings.TrimSpace(p[:start])
	return s, true
}

// signOffDashes start a sign-off: two hyphens, an em or en dash, the
// horizontal bar that Japanese doubles for a dash ("――"), and the doubled
// full-width hyphen-minus and box-drawing line that Japanese input methods
// give for one.
var signOffDashes = []string{"--", "—", "–", "―", "－－", "──"}

func isDashRune(r rune) bool {
	switch r {
	case '-', '—', '–', '―', '－', '─':
		return true
	}
	return false
}

// lastDash finds the last sign-off dash (see signOffDashes) in p[from:] and
// returns where it, the dashes doubling it and the white space around it
// start and end, or -1, -1.
func lastDash(p string, from int) (start, end int) {
	i, n := -1, 0
	for _, d := range signOffDashes {
		if j := strings.LastIndex(p[from:], d); j >= 0 && from+j > i {
			i, n = from+j, len(d)
		}
	}
	if i < 0 {
		return -1, -1
	}
	start, end = i, i+n
	for start > 0 { // the first dashes of "---" and "――"
		r, size := utf8.DecodeLastRuneInString(p[:start])
		if !isDashRune(r) {
			break
		}
		start -= size
	}
	for start > 0 && p[start-1] == ' ' {
		start--
	}
	for end < len(p) && p[end] == ' ' {
		end++
	}
	return start, end
}

// creditSignOff finds the credit that Japanese, Chinese and Korean newsrooms
// print after an article's last sentence instead of a dash sign-off,
// perhaps followed by an e-mail address or the spam notice:
//
//   - in brackets, as Japanese and Chinese papers print it: "…と述べた。（山田太郎）",
//     with the dateline of a correspondent "（ワシントン＝山田太郎）", or with a
//     label or role "（记者 王小明）", "（山田太郎記者）";
//   - with a label or a role (see parseCredit): "…した。文・山田太郎",
//     "…밝혔다. 김민준 기자 minjun@example.kr".
//
// The names must be written in Chinese, Japanese or Korean (see isCJKName),
// and the credit must follow the end of a sentence or stand alone, so that
// an aside in brackets is never taken for one.
func creditSignOff(p string, from int) (signOff, bool) {
	var s signOff
	w := p[from:]
	w, s.strong = trimContact(w)
	if open, inner, ok := trailingBracket(w); ok {
		before := strings.TrimSpace(p[:from+open])
		inner, strong := trimContact(inner)
		names, ok := bracketCredit(inner)
		if !ok || !endsSentence(before) {
			return signOff{}, false
		}
		s.names, s.text, s.strong = names, before, s.strong || strong
		return s, true
	}
	i := lastSentenceEnd(w)
	if i == 0 && from > 0 {
		return signOff{}, false
	}
	credit := strings.TrimSpace(w[i:])
	names, ok := parseCredit(credit)
	if !ok && s.strong {
		names, ok = cjkNames(credit) // "…했다. 김민준 minjun@example.kr"
	}
	if !ok {
		return signOff{}, false
	}
	s.names, s.text = names, strings.TrimSpace(p[:from+i])
	return s, true
}

// trimContact removes the e-mail addresses and spam notices that end s,
// reporting whether there were any. What is left is a prefix of s.
func trimContact(s string) (string, bool) {
	found := false
	for again := true; again; {
		again = false
		for _, re := range trailingContact {
			if loc := re.FindStringIndex(s); loc != nil {
				s, found, again = strings.TrimRight(s[:loc[0]], " "), true, true
			}
		}
	}
	return s, found
}

// trailingBracket returns the text in the brackets ending s and where they
// open, if s ends with a closing bracket.
func trailingBracket(s string) (open int, inner string, ok bool) {
	r, size := utf8.DecodeLastRuneInString(s)
	if r != ')' && r != '）' {
		return 0, "", false
	}
	open = strings.LastIndexAny(s, "(（")
	if open < 0 {
		return 0, "", false
	}
	_, n := utf8.DecodeRuneInString(s[open:])
	inner = strings.TrimSpace(s[open+n : len(s)-size])
	return open, inner, inner != "" && len(inner) <= 200
}

// bracketCredit reads the names in a credit in brackets: "山田太郎",
// "山田太郎、佐藤花子", "ワシントン＝山田太郎" (a correspondent's dateline),
// "记者 王小明", "山田太郎記者".
func bracketCredit(s string) ([]string, bool) {
	if i := strings.IndexAny(s, "=＝"); i > 0 {
		place := strings.TrimSpace(s[:i])
		_, n := utf8.DecodeRuneInString(s[i:])
		if utf8.RuneCountInString(place) > 20 || strings.ContainsAny(place, " 、，,") {
			return nil, false
		}
		s = strings.TrimSpace(s[i+n:])
	}
	if names, ok := parseCredit(s); ok {
		return names, true
	}
	return cjkNames(s)
}

// sentenceEnds are the characters that end a sentence, or the quotation that
// ends one.
const sentenceEnds = "。．.!?！？」』”\"…"

// endsSentence reports whether s is empty or ends a sentence.
func endsSentence(s string) bool {
	r, _ := utf8.DecodeLastRuneInString(s)
	return s == "" || strings.ContainsRune(sentenceEnds, r)
}

// lastSentenceEnd returns the index just after the last sentence end in s,
// or 0.
func lastSentenceEnd(s string) int {
	i := strings.LastIndexAny(s, sentenceEnds)
	if i < 0 {
		return 0
	}
	_, n := utf8.DecodeRuneInString(s[i:])
	return i + n
}

// byline matches "By Jane Doe" and "By: Jane Doe and John Roe".
var byline = regexp.MustCompile(`(?i)^by:?\s+(.+)$`)

// parseByline reads a line that names the authors: "By Jane Doe", or a
// credit with a label or role (see parseCredit).
func parseByline(s string) ([]string, bool) {
	if len(s) > 200 {
		return nil, false
	}
	m := byline.FindStringSubmatch(s)
	if m == nil {
		return parseCredit(s)
	}
	return splitNames(m[1])
}

// Credits in Japanese, Chinese and Korean name the authors with a label
// before them ("文・山田太郎", "記者：山田太郎", "取材・文／山田太郎", "记者 王小明",
// "글 김민준") or a role after them ("山田太郎記者", "김민준 기자", "高橋直樹特派員").
var (
	creditLabel = regexp.MustCompile(`^(?:取材・文|取材・執筆|文|記者|执笔|執筆|筆者|撰文|记者|作者|글|취재)(?:\s*[・:：／/|｜]\s*|\s+)(.+)$`)
	creditRole  = regexp.MustCompile(`^(.+?)\s*(?:記者|记者|기자|特派員|特派员|특파원|編集委員|论说委员|논설위원)$`)
)

// parseCredit reads a credit with a label or a role, whose names are
// written in Chinese, Japanese or Korean.
func parseCredit(s string) ([]string, bool) {
	if len(s) > 200 || isASCII(s) {
		return nil, false
	}
	if m := creditLabel.FindStringSubmatch(s); m != nil {
		return cjkNames(m[1])
	}
	if m := creditRole.FindStringSubmatch(s); m != nil {
		return cjkNames(m[1])
	}
	return nil, false
}

// cjkNames is splitNames for names written in Chinese, Japanese or Korean
// only.
func cjkNames(s string) ([]string, bool) {
	names, ok := splitNames(s)
	if !ok || !slices.ContainsFunc(names, hasCJK) {
		return nil, false
	}
	for _, n := range names {
		if !hasCJK(n) {
			return nil, false
		}
	}
	return names, true
}

var nameSeparators = regexp.MustCompile(`\s*[,，、]\s*(?:(?:and|&)\s+)?|\s+(?:and|&)\s+`)

// splitNames splits "Jane Doe, John Roe Jr. and Ann Poe" or "山田太郎、佐藤花子"
// into names and reports whether every one looks like a personal name. A
// middle dot joins the parts of a name in katakana ("ジョン・スミス") but
// separates Japanese and Korean names ("山田太郎・佐藤花子", "김민준·이서연").
func splitNames(s string) ([]string, bool) {
	var names []string
	for _, n := range nameSeparators.Split(strings.TrimSpace(s), -1) {
		if nameSuffixes[strings.ToLower(n)] && len(names) > 0 {
			names[len(names)-1] += ", " + n
			continue
		}
		if isName(n) {
			names = append(names, n)
			continue
		}
		if !strings.ContainsAny(n, "・·") || !hasCJK(n) {
			return nil, false
		}
		for _, part := range strings.FieldsFunc(n, func(r rune) bool { return r == '・' || r == '·' }) {
			if part = strings.TrimSpace(part); !isName(part) {
				return nil, false
			}
			names = append(names, part)
		}
	}
	return names, len(names) > 0
}

var (
	nameSuffixes  = map[string]bool{"jr.": true, "sr.": true, "jr": true, "sr": true, "ii": true, "iii": true, "iv": true}
	nameParticles = map[string]bool{"de": true, "da": true, "del": true, "della": true, "der": true, "den": true, "di": true, "du": true, "la": true, "le": true, "van": true, "von": true, "bin": true, "al": true, "y": true}
)

// isName reports whether s looks like a personal name: two to six words,
// each capitalized (or a particle such as "van"), made of letters, periods,
// hyphens and apostrophes, ending in a word rather than a full stop; or a
// name written in Chinese, Japanese or Korean (see isCJKName).
func isName(s string) bool {
	if hasCJK(s) {
		return isCJKName(s)
	}
	words := strings.Fields(s)
	if len(words) < 2 || len(words) > 6 || len(s) > 80 {
		return false
	}
	for i, w := range words {
		r, _ := utf8.DecodeRuneInString(w)
		if !unicode.IsUpper(r) && !(nameParticles[w] && i > 0 && i < len(words)-1) {
			return false
		}
		for _, r := range w {
			if !unicode.IsLetter(r) && r != '.' && r != '-' && r != '\'' && r != '\u2019' {
				return false
			}
		}
	}
	// "Japan Dialogue." ends a sentence; "J." and "Jr." end names.
	last := words[len(words)-1]
	if strings.HasSuffix(last, ".") && utf8.RuneCountInString(last) > 2 && !nameSuffixes[strings.ToLower(last)] {
		return false
	}
	return true
}

// hasCJK reports whether s has a Han, kana or Hangul letter.
func hasCJK(s string) bool {
	return strings.ContainsFunc(s, func(r rune) bool {
		return r >= 0x1100 && unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana, unicode.Hangul)
	})
}

// notNames are what stands where a credit would, in brackets or after a
// dash, without being a person: news agencies, and the notes that end
// Japanese and Chinese articles ("to be continued", "honorifics omitted").
var notNames = map[string]bool{
	"共同": true, "共同通信": true, "時事": true, "時事通信": true, "新華社": true, "新华社": true,
	"中新社": true, "聯合": true, "联合": true, "연합": true, "연합뉴스": true, "뉴시스": true,
	"写真": true, "資料": true, "図表": true, "動画": true, "敬称略": true, "続く": true, "つづく": true,
	"終わり": true, "おわり": true, "以上": true,
}

// isCJKName reports whether s looks like a personal name written in
// Chinese, Japanese or Korean: Han letters (a Chinese name, or a Japanese
// family and given name: "王小明", "山田太郎", "山田 太郎"); Han then a given
// name in hiragana ("山田さくら"); a foreign name in katakana, in two or more
// parts joined by a middle dot or a space ("ジョン・スミス"); or Hangul ("김민준",
// "남궁 민수"). It has two to six letters (Hangul five, katakana sixteen),
// at most one space, and is none of notNames.
func isCJKName(s string) bool {
	if notNames[strings.ReplaceAll(s, " ", "")] {
		return false
	}
	// The name as runs of one kind: 'H' Han, 'h' hiragana, 'K' katakana,
	// 'G' Hangul, ' ' a space, '.' a middle dot.
	var runs []byte
	letters := 0
	for _, r := range s {
		var k byte
		switch {
		case r == ' ':
			k = ' '
		case r == '・' || r == '･':
			k = '.'
		case (r == 'ノ' || r == 'ヶ') && len(runs) > 0 && runs[len(runs)-1] == 'H':
			k = 'H' // "一ノ瀬", "霞ヶ浦": part of a Han name
		case r == 'ー' || unicode.Is(unicode.Katakana, r):
			k = 'K'
		case unicode.Is(unicode.Hiragana, r):
			k = 'h'
		case unicode.Is(unicode.Han, r):
			k = 'H'
		case unicode.Is(unicode.Hangul, r):
			k = 'G'
		default:
			return false
		}
		if k != ' ' && k != '.' {
			letters++
		}
		if len(runs) == 0 || runs[len(runs)-1] != k {
			runs = append(runs, k)
		}
	}
	shape := string(runs)
	switch {
	case shape == "H" || shape == "H H":
		return 2 <= letters && letters <= 6
	case shape == "Hh" || shape == "H h":
		return 2 <= letters && letters <= 6
	case shape == "G" || shape == "G G":
		return 2 <= letters && letters <= 5
	case strings.Trim(shape, "K. ") == "" && strings.ContainsAny(shape, ". ") &&
		shape[0] == 'K' && shape[len(shape)-1] == 'K' && !strings.Contains(shape, ". ") && !strings.Contains(shape, " ."):
		return letters <= 16
	}
	return false
}

func dedupeNames(names []string) []string {
	var out []string
	seen := make(map[string]bool)
	for _, n := range names {
		k := strings.ToLower(n)
		if !seen[k] {
			seen[k] = true
			out = append(out, n)
		}
	}
	return out
}
