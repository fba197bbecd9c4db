package ingest

import (
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Page chrome, spam notices and subscription marketing: what a plain-text
// export carries around an article and ParseText leaves out.

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
