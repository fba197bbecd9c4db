// Package feed is herald's vocabulary: articles, tags, rules, tokens and the
// errors that callers branch on. It imports nothing outside the standard
// library; every other package speaks in its terms.
//
// An Article is one piece of content herald publishes. It either comes from
// the newsroom (OriginOwn: the HTTP API or the ingest command) or from an
// external feed herald aggregates (OriginExternal, with its Provenance).
//
// A Tag groups articles into a published feed. An article carries a tag either
// because somebody put it there (a hand tag) or because the tag's Rule matched
// the article's title and body (a rule tag, which records the rule and the
// words that matched).
//
// Article IDs are chosen by the newsroom (or derived from a file name) and are
// never reused; the GUID that feeds publish is fixed when an article is first
// stored, so editing a title or a URL never makes a reader see a new item.
package feed
