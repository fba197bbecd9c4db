package ingest

import (
	"bytes"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"herald/feed"
	"herald/feed/sanitize"
)

// ParseText reads a plain-text newsroom export: an optional capture-date
// line, the title, a "Posted: <date>" line, page chrome such as "Bookmark and
// Share", body paragraphs separated by blank lines, often an author sign-off
// ("... training. -- Jane Doe") at the end of the last one, and often a
// subscription pitch after it. It returns one article.
//
// The body ends at the paragraph holding the sign-off or, without one, where
// a marketing block starts (see marketingStart). Chrome and marketing never
// reach the article. Authors come from the sign-off and from "By" lines; the
// summary is the first paragraph, shortened, unless a line between the title
// and the "Posted:" line (a dek) supplies one.
//
// Exports in Japanese, Chinese and Korean are read the same way: the
// "Posted:" line may be "掲載日：2026年11月20日", "发布时间：2026年11月20日 10:30"
// or "입력 2026.11.20 14:05" (see postedLine and parseEastAsian), their chrome
// and marketing are known, sign-offs may use the dashes Japanese types
// ("――山田太郎") or be the credits those newsrooms print (see parseCredit and
// creditSignOff), a paragraph may start with an ideographic-space indent
// instead of a blank line, and hard-wrapped Chinese and Japanese lines are
// joined without spaces.
//
// Errors are *Error values: a file without a "Posted:" line, with a date that
// cannot be read, without a title or without a body is rejected.
func ParseText(name string, data []byte, opt Options) ([]feed.Article, error) {
	if err := checkSize(name, data); err != nil {
		return nil, err
	}
	data = trimBOM(data)
	if err := checkUTF8(name, data); err != nil {
		return nil, err
	}
	p := textParser{name: name, loc: opt.location(), lines: textLines(data)}
	a, err := p.parse()
	if err != nil {
		return nil, err
	}
	if err := finish(&a, name, 0, opt); err != nil {
		return nil, err
	}
	return []feed.Article{a}, nil
}

// A textLine is one cleaned line of an export and its line number.
type textLine struct {
	n int
	s string
	// indent: the line started with an ideographic space, as Japanese
	// paragraphs do, so it starts a paragraph.
	indent bool
}

// textLines splits data into cleaned lines, accepting \n, \r\n and \r.
func textLines(data []byte) []textLine {
	data = bytes.ReplaceAll(data, []byte("\r\n"), []byte("\n"))
	data = bytes.ReplaceAll(data, []byte("\r"), []byte("\n"))
	var lines []textLine
	n := 0
	for l := range strings.Lines(string(data)) {
		n++
		lines = append(lines, textLine{n: n, s: cleanLine(strings.TrimSuffix(l, "\n")), indent: strings.HasPrefix(l, "\u3000")})
	}
	return lines
}

type textParser struct {
	name  string
	loc   *time.Location
	lines []textLine
}

func (p *textParser) errorf(line int, field, format string, args ...any) error {
	return &Error{File: p.name, Line: line, Err: feed.Invalid(field, format, args...)}
}

// Limits on the header: the "Posted:" line must come within this many
// non-blank lines, before any line long enough to be body text.
const (
	maxHeaderLines = 20
	maxHeaderLine  = 300
)

func (p *textParser) parse() (feed.Article, error) {
	var a feed.Article
	posted, published, byline, err := p.findPosted()
	if err != nil {
		return a, err
	}
	a.Published = published
	a.Authors = byline

	// The header: everything above the "Posted:" line that is not a date,
	// chrome or a byline. Its first block is the title; a further block is a
	// dek, which makes a better summary than the first paragraph.
	var blocks [][]string
	var block []string
	for _, l := range p.lines[:posted] {
		switch {
		case l.s == "":
			if len(block) > 0 {
				blocks = append(blocks, block)
				block = nil
			}
			continue
		case isChrome(l.s) || isDateLine(l.s, p.loc) || isUpdatedLine(l.s, p.loc):
			continue
		}
		if names, ok := parseByline(l.s); ok {
			a.Authors = append(a.Authors, names...)
			continue
		}
		block = append(block, l.s)
	}
	if len(block) > 0 {
		blocks = append(blocks, block)
	}
	if len(blocks) == 0 {
		return a, p.errorf(p.lines[posted].n, "title", "no title line above the %q line", "Posted:")
	}
	a.Title = joinLines(blocks[0])
	var dek []string
	for _, b := range blocks[1:] {
		dek = append(dek, joinLines(b))
	}

	paras := p.body(posted + 1)
	for len(paras) > 0 {
		names, ok := parseByline(paras[0])
		if !ok {
			break
		}
		a.Authors = append(a.Authors, names...)
		paras = paras[1:]
	}
	paras, signers := endBody(paras)
	a.Authors = dedupeNames(append(a.Authors, signers...))
	if len(paras) == 0 {
		return a, p.errorf(p.lines[posted].n, "content", "no body paragraphs below the %q line", "Posted:")
	}

	a.Content = sanitize.Newsroom(paragraphsHTML(paras))
	if len(dek) > 0 {
		a.Summary = summarize(strings.Join(dek, " "))
	} else {
		a.Summary = summarize(paras[0])
	}
	return a, nil
}

// postedLine matches a publication-date line: "Posted:", "Published on",
// "Date:" and the like, and the labels of Japanese (投稿日, 掲載日, 公開日,
// 配信日, with or without 時, and 日付), Chinese (发布时间, 發布日期, 发表于 and
// the like, and 日期) and Korean (입력, 기사입력, 게시일, 등록일, 작성일,
// 발행일, 날짜) exports. The label with a colon (ASCII or full-width) makes the
// line a date line whatever follows (so "Posted: Aprl 4" is an error, not a
// title); without the colon the rest must read as a date.
var postedLine = regexp.MustCompile(`(?i)^(?:posted|published|dated|date|` +
	`(?:投稿|掲載|公開|配信)(?:日時|日)?|日付|` +
	`(?:发布|發布|发表|發表)(?:时间|時間|日期|于|於)|日期|` +
	`(?:기사)?입력|(?:게시|등록|작성|발행)일?|날짜` +
	`)(?:\s+on)?\s*([:：])?\s*(.*)$`)

// updatedLine matches a line giving when the article was last changed
// ("Updated: April 5, 2014", "更新日：2026年11月21日", "수정 2026.11.21 16:40");
// with a date that reads, it is dropped like chrome, since the store keeps
// the article's own updated time.
var updatedLine = regexp.MustCompile(`(?i)^(?:(?:last\s+)?updated|modified|(?:最終)?更新(?:日時|日)?|更新时间|更新時間|修改时间|수정|업데이트)(?:\s+on)?\s*[:：]?\s*(.+)$`)

func isUpdatedLine(s string, loc *time.Location) bool {
	if len(s) > 100 {
		return false
	}
	m := updatedLine.FindStringSubmatch(s)
	if m == nil {
		return false
	}
	_, err := parseTime(m[1], loc)
	return err == nil
}

// postedSplit separates a date from a byline in "April 4, 2014 | By Jane Doe",
// "April 4, 2014 by Jane Doe" or "2026年11月20日｜文・山田太郎".
var postedSplit = regexp.MustCompile(`(?i)\s*(?:[|｜]\s*(?:by\b:?)?|\bby\b:?)\s*`)

// findPosted finds the "Posted:" line and returns its index in p.lines, the
// date, and any byline it carries.
func (p *textParser) findPosted() (int, time.Time, []string, error) {
	seen := 0
	for i, l := range p.lines {
		if l.s == "" {
			continue
		}
		if seen++; seen > maxHeaderLines || utf8.RuneCountInString(l.s) > maxHeaderLine {
			break
		}
		m := postedLine.FindStringSubmatch(l.s)
		if m == nil {
			continue
		}
		colon, rest := m[1] != "", m[2]
		if t, err := parseTime(rest, p.loc); err == nil {
			return i, t, nil, nil
		}
		if loc := postedSplit.FindStringIndex(rest); loc != nil && loc[0] > 0 {
			t, err := parseTime(rest[:loc[0]], p.loc)
			names, ok := splitNames(rest[loc[1]:])
			if !ok {
				names, ok = parseCredit(rest[loc[1]:])
			}
			if err == nil && ok {
				return i, t, names, nil
			}
		}
		if colon {
			return 0, time.Time{}, nil, p.errorf(l.n, "published", "cannot parse %q as a date", rest)
		}
	}
	return 0, time.Time{}, nil, &Error{File: p.name, Err: feed.Invalid("published",
		"no %q line near the top of the file (within %d lines, before the body)", "Posted: <date>", maxHeaderLines)}
}

// body returns the paragraphs from p.lines[from:], without chrome lines and
// the spam-protection notice.
func (p *textParser) body(from int) []string {
	var paras, block []string
	flush := func() {
		for _, t := range joinBlock(block) {
			if t = removeSpamNotice(t); t != "" {
				paras = append(paras, t)
			}
		}
		block = block[:0]
	}
	for _, l := range p.lines[from:] {
		if l.s == "" || isChrome(l.s) || isUpdatedLine(l.s, p.loc) {
			flush()
			continue
		}
		if l.indent {
			flush()
		}
		block = append(block, l.s)
	}
	flush()
	return paras
}

// endBody cuts paras where the article ends, returning the body and the
// authors named in a sign-off. The body ends at the first paragraph with a
// strong sign-off (one that carries an e-mail address or the spam notice),
// or at a bare sign-off on the last paragraph before the marketing block, or
// else where that block starts.
func endBody(paras []string) ([]string, []string) {
	m := marketingStart(paras)
	for i := range m {
		s, ok := parseSignOff(paras[i])
		if !ok || !s.strong && i != m-1 {
			continue
		}
		body := paras[: i+1 : i+1]
		if s.text == "" {
			body = body[:i]
		} else {
			body[i] = s.text
		}
		return body, s.names
	}
	return paras[:m], nil
}

// chromePhrases are page furniture that exports keep as whole lines.
var chromePhrases = map[string]bool{
	"bookmark": true, "bookmark and share": true, "bookmark this": true,
	"share": true, "share this": true, "share this article": true, "share this story": true,
	"share on facebook": true, "share on twitter": true, "share on linkedin": true,
	"print": true, "print this": true, "print this article": true, "print this page": true,
	"print friendly": true, "printer-friendly": true, "printer friendly": true,
	"printer-friendly version": true, "printer friendly version": true,
	"email": true, "e-mail": true, "email this": true, "e-mail this": true,
	"email this article": true, "e-mail this article": true, "email this story": true,
	"email to a friend": true, "e-mail to a friend": true,
	"tweet": true, "like": true, "font size": true, "text size": true,
	"back to top": true, "return to top": true, "top of page": true,
	"facebook": true, "twitter": true, "x": true, "line": true, "linkedin": true,
	// Japanese
	"ブックマーク": true, "はてなブックマーク": true, "共有": true, "共有する": true,
	"シェア": true, "シェアする": true, "印刷": true, "印刷する": true, "印刷用ページ": true,
	"印刷用ページを表示": true, "メール": true, "メールで送る": true, "メールで共有": true,
	"ツイート": true, "ポスト": true, "いいね": true, "文字サイズ": true, "文字の大きさ": true,
	"ページの先頭へ": true, "ページの先頭に戻る": true, "このページの先頭へ": true,
	"ページトップへ": true, "トップへ戻る": true, "記事を保存": true,
	// Chinese
	"分享": true, "分享到": true, "打印": true, "打印本页": true, "列印": true, "列印本頁": true,
	"收藏": true, "返回顶部": true, "返回頂部": true, "字号": true, "字號": true, "微信": true, "微博": true,
	// Korean
	"공유": true, "공유하기": true, "인쇄": true, "인쇄하기": true, "프린트": true, "스크랩": true,
	"북마크": true, "글자크기": true, "글자 크기": true, "맨 위로": true, "페이스북": true,
	"트위터": true, "카카오톡": true,
}

// chromeSeparators split lines such as "Print | Email | Share" and
// "印刷｜メール｜共有".
var chromeSeparators = regexp.MustCompile(`\s*[|｜•·・»]\s*|\s+[/／]\s+|／`)

// isChrome reports whether a whole line is page furniture: one or more known
// phrases (case and surrounding punctuation ignored), or the spam notice.
func isChrome(s string) bool {
	if s == "" || len(s) > 100 {
		return false
	}
	if removeSpamNotice(s) == "" {
		return true
	}
	n := 0
	for _, part := range chromeSeparators.Split(strings.ToLower(s), -1) {
		part = strings.TrimFunc(part, func(r rune) bool { return unicode.IsPunct(r) && r != '-' || unicode.IsSpace(r) })
		if part == "" {
			continue
		}
		if !chromePhrases[part] {
			return false
		}
		n++
	}
	return n > 0
}

// spamNotices are what a CMS prints in place of an address it hides from
// harvesters, in English and in Japanese, each found by a phrase in it that
// starts at most lead bytes after the notice does.
var spamNotices = []struct {
	phrase string
	lead   int
	re     *regexp.Regexp
}{
	{"protected from spam", 40, regexp.MustCompile(`(?i)\(?\s*this e-?mail address is being protected from spam ?bots[.!]?(?:\s*you need javascript enabled to view it\.?)?\s*\)?`)},
	{"スパム", 40, regexp.MustCompile(`[(（]?\s*この(?:電子)?メールアドレスは、?スパム(?:ボット|ロボット)から保護されています[。.]?(?:\s*(?:閲覧|表示)するには\s*JavaScript\s*を有効に(?:する必要があります|してください)[。.]?)?\s*[)）]?`)},
}

func removeSpamNotice(s string) string {
	for _, n := range spamNotices {
		i := indexFold(s, n.phrase)
		if i < 0 {
			continue
		}
		// The notice starts a few words before the phrase; running the
		// expression from there keeps it off the rest of a long paragraph.
		i = max(0, i-n.lead)
		for i > 0 && !utf8.RuneStart(s[i]) {
			i--
		}
		s = strings.Join(strings.Fields(s[:i]+n.re.ReplaceAllString(s[i:], " ")), " ")
	}
	return s
}

// indexFold is strings.Index ignoring ASCII case; sub must be lower case.
func indexFold(s, sub string) int {
	for i := 0; i+len(sub) <= len(s); i++ {
		if c := s[i]; c == sub[0] || c+('a'-'A') == sub[0] {
			if strings.EqualFold(s[i:i+len(sub)], sub) {
				return i
			}
		}
	}
	return -1
}

// Marketing cues. A strong cue marks a paragraph as marketing on its own; a
// weak one (which news about subscriptions or hotlines may also contain)
// counts only alongside another cue paragraph. Phrases are lower case and
// match whole words; "subscri" matches any word it starts.
var (
	strongPhrases = []string{
		"free trial", "already a subscriber", "single-reader license", "single-reader licence",
		"site license", "site licence", "subscription-based", "subscribe now", "subscribe today",
		"click here to log in", "click here to sign in",
	}
	weakPhrases = []string{"sign up", "click here", "log in", "newsletter", "newsletters"}
	freeFor     = regexp.MustCompile(`\bfree for (?:\d+|one|two|three|thirty) (?:days?|weeks?|months?)\b`)
	price       = regexp.MustCompile(`\$\d[\d,]*\.\d\d\b`)
	phone       = regexp.MustCompile(`\(?\b\d{3}\)?[-. ]\d{3}[-.]\d{4}\b`)

	// The same in Japanese, Chinese and Korean, matched anywhere in a
	// paragraph, since those scripts put no spaces around words.
	strongPhrasesCJK = []string{
		"無料体験", "無料お試し", "無料で試す", "有料会員", "有料購読", "購読のお申し込み", "購読申し込み",
		"購読はこちら", "会員登録はこちら", "ログインはこちら", "今すぐ購読", "今すぐ登録", "すでに会員の方",
		"免费试用", "免費試用", "立即订阅", "立即訂閱", "付费会员", "付費會員", "已是订阅用户", "已是訂閱用戶",
		"무료 체험", "무료체험", "지금 구독", "구독 신청", "구독신청", "유료 회원", "유료회원", "이미 구독",
	}
	weakPhrasesCJK = []string{
		"購読", "会員登録", "ログイン", "メールマガジン", "メルマガ", "ニュースレター",
		"订阅", "訂閱", "登录", "登入", "注册", "註冊",
		"구독", "로그인", "회원가입", "뉴스레터",
	}
	priceCJK = regexp.MustCompile(`[¥￥]\s?\d[\d,]*|\d[\d,]*\s?(?:円|원|元)`)
	phoneCJK = regexp.MustCompile(`\b0\d{1,4}-\d{1,4}-\d{3,4}\b`)
)

// marketingCues reports whether paragraph p has a strong and a weak marketing cue.
func marketingCues(p string) (strong, weak bool) {
	lower := strings.ToLower(p)
	for _, ph := range strongPhrases {
		if hasWord(lower, ph, false) {
			return true, true
		}
	}
	if strings.Contains(lower, "free for ") && freeFor.MatchString(lower) {
		return true, true
	}
	if hasWord(lower, "subscri", true) {
		return false, true
	}
	for _, ph := range weakPhrases {
		if hasWord(lower, ph, false) {
			return false, true
		}
	}
	if strings.IndexByte(p, '$') >= 0 && price.MatchString(p) {
		return false, true
	}
	if !isASCII(p) {
		for _, ph := range strongPhrasesCJK {
			if strings.Contains(p, ph) {
				return true, true
			}
		}
		for _, ph := range weakPhrasesCJK {
			if strings.Contains(p, ph) {
				return false, true
			}
		}
		if priceCJK.MatchString(p) {
			return false, true
		}
	}
	digits := 0
	for i := range len(p) {
		if isDigit(p[i]) {
			digits++
		}
	}
	return false, digits >= 10 && phone.MatchString(p) || digits >= 9 && phoneCJK.MatchString(p)
}

func isASCII(s string) bool {
	for i := range len(s) {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// hasWord reports whether s contains phrase starting and, unless prefix is
// set, ending at word boundaries.
func hasWord(s, phrase string, prefix bool) bool {
	for off := 0; ; {
		i := strings.Index(s[off:], phrase)
		if i < 0 {
			return false
		}
		i += off
		end := i + len(phrase)
		if (i == 0 || !isWordByte(s[i-1])) && (prefix || end == len(s) || !isWordByte(s[end])) {
			return true
		}
		off = i + 1
	}
}

func isWordByte(c byte) bool {
	return c == '_' || isDigit(c) || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z'
}

const (
	// shortParagraph is the widest a paragraph without cues may be and
	// still sit inside a marketing block ("Get exclusive news on ... and
	// more."), in columns (see textWidth).
	shortParagraph = 100
	// maxMarketingParagraph is the longest a marketing paragraph may be;
	// longer ones are story. It also bounds the regexp work per paragraph.
	maxMarketingParagraph = 1500
	// maxSignOff is the most of a paragraph's end a sign-off may take: names,
	// an address and the spam notice.
	maxSignOff = 400
)

// marketingStart returns the index of the first paragraph of the marketing
// block at the end of paras, or len(paras) if there is none.
//
// The candidate is the longest run at the end made only of cue paragraphs
// and short ones; a long paragraph without cues is always story, so a
// subscription mentioned early in the story cannot cut it short. The block
// starts at the run's first strong-cue or short cue paragraph (a long
// paragraph with only weak cues, like a closing "call the hotline at ..."
// line, stays in the story), or failing that its first cue paragraph. It
// counts as marketing if from there on it has a strong cue or at least two
// cue paragraphs.
func marketingStart(paras []string) int {
	type cue struct{ strong, weak, short bool }
	cues := make([]cue, len(paras))
	run := len(paras)
	for i := len(paras) - 1; i >= 0; i-- {
		if len(paras[i]) > maxMarketingParagraph {
			break
		}
		c := cue{short: textWidth(paras[i]) <= shortParagraph}
		c.strong, c.weak = marketingCues(paras[i])
		if !c.strong && !c.weak && !c.short {
			break
		}
		cues[i], run = c, i
	}
	start := -1
	for i := run; i < len(paras) && start < 0; i++ {
		if c := cues[i]; c.strong || c.weak && c.short {
			start = i
		}
	}
	for i := run; i < len(paras) && start < 0; i++ {
		if cues[i].weak {
			start = i
		}
	}
	if start < 0 {
		return len(paras)
	}
	strong, cued := false, 0
	for _, c := range cues[start:] {
		strong = strong || c.strong
		if c.strong || c.weak {
			cued++
		}
	}
	if strong || cued >= 2 {
		return start
	}
	return len(paras)
}

// textWidth is how many columns s takes in a monospaced font: two for the
// wide characters of Chinese, Japanese and Korean, one for others. It
// measures "short" alike in every script: a Japanese line says as much in
// 50 characters as an English one in 100.
func textWidth(s string) int {
	w := 0
	for _, r := range s {
		w++
		if r >= 0x1100 && (unspaced(r) || unicode.Is(unicode.Hangul, r)) {
			w++
		}
	}
	return w
}

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
