// Package aggregate fetches external feeds politely and safely and turns
// their items into feed.Articles that keep their provenance.
//
// It covers one poll of one source: a Fetcher does the HTTP (conditional
// GET, redirects, limits, the address guard of package guard), Parse reads
// RSS, Atom or JSON Feed in any common encoding into sanitized articles, and
// NextFetch and Update decide, as pure functions, what the poll means for
// the source and when to come back. A Limiter bounds concurrent fetches overall and per
// host. A Poller runs passes over the due sources with bounded workers and
// hands each poll's outcome to a store it declares as an interface.
//
// This is the only package that imports gofeed.
package aggregate
