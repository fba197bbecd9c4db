// Package rule provides the query language of tag rules and search, and
// tag rules: queries over an article's title and body that decide which
// tags a rule puts on the article. Parse reads a rule and ParseSearch a
// search; search engines compile the parsed query (Query.Root) to their
// own syntax.
//
// # Syntax
//
// A rule is made of terms and operators:
//
//	cyber                     a word
//	"critical infrastructure" a phrase: consecutive words
//	cyber*                    a prefix: any word starting with "cyber"
//	"threat intel*"           a phrase; any of its words may be a prefix
//	"threat intel"*           the same: a "*" after the quote is on the last word
//	a AND b, a b              both (adjacent terms are joined by AND)
//	a OR b                    either
//	NOT a                     a must not occur
//	( ... )                   grouping
//
// NOT binds tighter than AND, and AND tighter than OR, so
// "a OR b c" means "a OR (b AND c)" and "NOT a b" means "(NOT a) AND b".
// Only the upper-case words AND, OR and NOT are operators; "and", "or" and
// "not" are ordinary words. Curly quotes (“…”) and full-width parentheses
// work like their ASCII forms, so a rule pasted from a word processor parses;
// control characters separate terms like spaces. A "*" may only end a word
// and needs at least two letters before it. A rule must require some term
// outside every NOT: "NOT spam" alone is rejected, because it would tag
// nearly every article, and so is "NOT NOT spam". A rule or search is at
// most MaxQueryLen bytes and nests parentheses and NOTs at most MaxDepth
// deep; a search has at most MaxSearchTerms terms. Parse reports the first
// problem and its position, counting characters from 0.
//
// # Matching
//
// Title and body are turned into words the same way terms are: the text is
// normalized to NFKC (so full-width "ｃｙｂｅｒ" is "cyber" and half-width
// katakana become full-width), case-folded, and split into words, which are
// runs of letters, digits and combining marks. Everything else separates
// words: spaces, punctuation, apostrophes and every kind of hyphen and dash,
// so "cyber-attacks" is the two words "cyber attacks" and "Japan's" is
// "japan s"; the term "Japan" matches it, and the phrase "cyber attack*"
// matches "cyber-attacks", "cyber attack" and "Cyber-Attack". Soft hyphens and
// zero-width joiners are dropped, not treated as separators. Accents are kept:
// "resume" does not match "résumé".
//
// The body is HTML, read as htmltext.Walk reads it, the way the search index
// does too. Its tags are stripped and its entities decoded; the text of
// script, style, iframe, noembed, noscript, template and ruby annotation
// (rt, rp) elements, among others, is ignored. Inline elements (b, em, a,
// span, ...) do not split words; every other element (p, li, td, br, ...)
// and the boundary between title and body end a run of text, and a phrase
// never matches across the end of a run.
//
// A match records the terms that made the rule true, for editors to see
// why an article carries a tag: every true branch of an OR counts, nothing
// under a NOT does, a word or phrase is recorded as the rule writes it, and
// a prefix as the words of the article it matched ("cyber*" records
// "cybersecurity" and "cyberspace").
//
// Chinese and Japanese (Han, Hiragana, Katakana) and the Thai, Lao, Khmer
// and Myanmar scripts are written without spaces between words, so a term
// containing any of their letters matches as a substring of the article's
// normalized text, in which the separators between two such letters are
// dropped: the term サイバー攻撃 matches サイバー攻撃を and サイバー・攻撃 alike.
// Where such a term begins or ends with a Latin (or other spaced-script)
// word, that end must still fall on a word boundary. Korean is written with
// spaces and is matched by words; its particles attach to words, so a prefix
// such as 사이버* is usually what a Korean rule wants.
package rule
