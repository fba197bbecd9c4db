package feed

// Archived feeds (RFC 5005): every feed's articles are split into numbered
// pages by the order in which they were first stored, the n-th article
// stored (from 1) going to page ArchivePage(n), whatever the feed.

// ArchiveSpan is how many consecutive article numbers (in the order
// articles were first stored) one archive page covers. A page holds the
// articles of its span that match the feed, so every article is in exactly
// one page, and a page whose span is full never gains an article. Archive
// URLs are public and name pages by number: it must never change.
const ArchiveSpan = 250

// ArchivePage returns the number of the archive page that holds the n-th
// article stored (n >= 1).
func ArchivePage(n int64) int { return int((n-1)/ArchiveSpan) + 1 }

// ArchiveRange returns the numbers of the first and last articles that
// archive page covers.
func ArchiveRange(page int) (first, last int64) {
	first = int64(page-1)*ArchiveSpan + 1
	return first, first + ArchiveSpan - 1
}
