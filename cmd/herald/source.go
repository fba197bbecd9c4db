package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"golang.org/x/net/html/charset"

	"herald/feed"
	"herald/feed/opml"
	"herald/store"
)

const sourceHelp = `Manage the external feeds herald fetches and republishes under its tags.

  herald source list                      every source, with its state
  herald source add URL [--name N] [--tag T]... [--every 30m] [--categories]
                      [--create-tags]     --tag must name a tag that exists
                                          unless --create-tags
  herald source show ID                   last attempt and success, HTTP status,
                                          errors, next fetch, items stored
  herald source edit ID [--url U] [--name N] [--tag T]... [--no-tags]
                      [--every 2h] [--categories=true|false] [--create-tags]
                                          changes only what is given; --tag
                                          replaces the tags (items fetched
                                          from then on get them); a new URL
                                          starts afresh and is fetched at once
  herald source disable ID | enable ID
  herald source remove ID [--purge]       its articles stay published, unless
                                          --purge: then those no other source
                                          carries are deleted (tombstones)
  herald source import FILE.opml [--tag T]...
                                          outlines with an xmlUrl become sources;
                                          their categories and the text of the
                                          outlines around them become tags
  herald source export                    every source as OPML, on stdout

Sources on private or loopback addresses are refused unless
--allow-private-sources is given (to serve and fetch as well).`

func cmdSource(ctx context.Context, e *env, args []string) int {
	var (
		c            config
		name         string
		tags         multiFlag
		every        time.Duration
		categories   bool
		allowPrivate bool
		purge        bool
		createTags   bool
		newURL       string
		noTags       bool
	)
	f := newFlags(e, "source", "[command] [args]", sourceHelp)
	c.common(f)
	f.StringVar(&name, "name", "", "with add and edit: the source's name (default: the URL's host)")
	f.Var(&tags, "tag", "with add, edit and import: a tag slug or name for every item (repeatable)")
	f.DurationVar(&every, "every", 0, "with add and edit: how often to fetch it (default 30m)")
	f.BoolVar(&categories, "categories", false, "with add and edit: tag each item with its own categories too")
	f.StringVar(&newURL, "url", "", "with edit: the feed's new URL")
	f.BoolVar(&noTags, "no-tags", false, "with edit: give its items no tags of the source's own")
	f.BoolVar(&purge, "purge", false, "with remove: also delete its articles that no other source carries")
	f.BoolVar(&createTags, "create-tags", false, "with add and import: create the --tag tags that do not exist yet (without it an unknown --tag, a typo say, is refused)")
	f.boolVar(&allowPrivate, "allow-private-sources", "HERALD_ALLOW_PRIVATE_SOURCES", false,
		"allow sources on loopback, private, link-local and other non-public addresses")
	if code := c.parse(f, args); code >= 0 {
		return code
	}
	sub, rest, ok := f.subcommand("list", map[string][2]int{"list": {0, 0}, "add": {1, 1}, "show": {1, 1}, "edit": {1, 1},
		"disable": {1, 1}, "enable": {1, 1}, "remove": {1, 1}, "import": {1, 1}, "export": {0, 0}})
	if !ok {
		return 2
	}
	set := map[string]bool{} // the flags given
	f.Visit(func(fl *flag.Flag) { set[fl.Name] = true })
	if sub == "edit" {
		if noTags && len(tags) > 0 {
			fmt.Fprintln(e.stderr, "herald source edit: --no-tags and --tag say opposite things; give one")
			return 2
		}
		if !set["url"] && !set["name"] && !set["tag"] && !noTags && !set["every"] && !set["categories"] {
			fmt.Fprintln(e.stderr, "herald source edit: nothing to change: give --url, --name, --tag, --no-tags, --every or --categories")
			return 2
		}
	}
	var extra []string
	names := map[string]string{} // slug -> the name given, for --create-tags
	for _, t := range tags {
		slug := feed.Slugify(t)
		if !feed.ValidSlug(slug) {
			fmt.Fprintf(e.stderr, "herald source: --tag %q is not a tag name\n", t)
			return 2
		}
		extra = append(extra, slug)
		if _, ok := names[slug]; !ok {
			names[slug] = strings.TrimSpace(t)
		}
	}
	var id int64
	switch sub {
	case "show", "edit", "disable", "enable", "remove":
		var err error
		if id, err = strconv.ParseInt(rest[0], 10, 64); err != nil || id < 1 {
			fmt.Fprintf(e.stderr, "herald source %s: %q is not a source ID (see herald source list)\n", sub, rest[0])
			return 2
		}
	}
	db, err := c.open(ctx)
	if err != nil {
		return fail(e, err)
	}
	defer db.Close()
	guard := pollFlags{allowPrivate: allowPrivate}
	if len(extra) > 0 && (sub == "add" || sub == "edit" || sub == "import") {
		if extra, err = sourceTags(ctx, db, extra, names, createTags); err != nil {
			return fail(e, fmt.Errorf("source %s: --tag: %w", sub, err))
		}
	}

	switch sub {
	case "list":
		srcs, err := db.Sources(ctx)
		if err != nil {
			return fail(e, err)
		}
		listSources(e.stdout, srcs, c.loc)
	case "add":
		s := feed.Source{URL: strings.TrimSpace(rest[0]), Name: name, Tags: extra, Every: every,
			Enabled: true, UseCategories: categories}
		if s.Name == "" {
			if u, err := url.Parse(s.URL); err == nil {
				s.Name = u.Hostname()
			}
		}
		if err := s.Validate(); err != nil {
			return fail(e, fmt.Errorf("source %s: %w", s.URL, err))
		}
		if err := guard.checkSourceURL(ctx, s.URL); err != nil {
			return fail(e, fmt.Errorf("source %s: %w", s.URL, err))
		}
		created, err := db.CreateSource(ctx, s)
		if err != nil {
			return fail(e, err)
		}
		fmt.Fprint(e.stdout, describeSource(created, c.loc))
		fmt.Fprintln(e.stderr, `It is fetched by herald serve within a minute, or now by "herald fetch --source `+strconv.FormatInt(created.ID, 10)+`".`)
	case "show":
		s, err := db.Source(ctx, id)
		if err != nil {
			return fail(e, err)
		}
		fmt.Fprint(e.stdout, describeSource(s, c.loc))
	case "edit":
		newURL = strings.TrimSpace(newURL)
		// A new URL is checked before the update, whose transaction the
		// check's DNS lookup must not hold open.
		var refused error
		if set["url"] {
			refused = guard.checkSourceURL(ctx, newURL)
		}
		s, err := db.UpdateSource(ctx, id, func(s *feed.Source) error {
			if set["url"] && newURL != s.URL {
				if refused != nil {
					return fmt.Errorf("%s: %w", newURL, refused)
				}
				s.URL = newURL
			}
			if set["name"] {
				s.Name = strings.TrimSpace(name)
			}
			if set["tag"] || noTags {
				s.Tags = extra
			}
			if set["every"] {
				s.Every = every
			}
			if set["categories"] {
				s.UseCategories = categories
			}
			return nil
		})
		if err != nil {
			return fail(e, fmt.Errorf("source %d: %w", id, err))
		}
		fmt.Fprint(e.stdout, describeSource(s, c.loc))
	case "disable", "enable":
		s, err := db.SetSourceEnabled(ctx, id, sub == "enable")
		if err != nil {
			return fail(e, err)
		}
		fmt.Fprintf(e.stdout, "source %d (%s): %sd\n", s.ID, s.Name, sub)
	case "remove":
		s, err := db.Source(ctx, id)
		if err != nil {
			return fail(e, err)
		}
		if purge {
			n, err := db.PurgeSource(ctx, id)
			if err != nil {
				return fail(e, err)
			}
			fmt.Fprintf(e.stdout, "removed source %d (%s) and %d of its %d articles; %d carried by other sources stay\n",
				id, s.Name, n, s.Items, s.Items-n)
			break
		}
		if err := db.DeleteSource(ctx, id); err != nil {
			return fail(e, err)
		}
		fmt.Fprintf(e.stdout, "removed source %d (%s); its %d articles stay published (--purge deletes them)\n", id, s.Name, s.Items)
	case "import":
		return importOPML(ctx, e, db, rest[0], extra, guard)
	case "export":
		srcs, err := db.Sources(ctx)
		if err != nil {
			return fail(e, err)
		}
		if err := writeOPML(e.stdout, srcs, time.Now()); err != nil {
			return fail(e, err)
		}
	}
	return 0
}

func listSources(w io.Writer, srcs []feed.Source, loc *time.Location) {
	var tab table
	tab.row("ID", "STATE", "ITEMS", "LAST ATTEMPT", "NEXT FETCH", "NAME", "URL")
	when := func(t time.Time) string {
		if t.IsZero() {
			return "-"
		}
		return t.In(loc).Format("2006-01-02 15:04")
	}
	for _, s := range srcs {
		state := "new"
		switch {
		case !s.Enabled && s.LastStatus == http.StatusGone:
			// The poller disables a source whose feed answers 410 Gone, and
			// only then; its last attempt is the one that was told.
			state = "disabled: 410 Gone on " + s.LastAttempt.In(loc).Format(time.DateOnly)
		case !s.Enabled:
			state = "disabled by hand"
		case s.ConsecutiveErrors > 0:
			state = fmt.Sprintf("failing (%d)", s.ConsecutiveErrors)
		case s.LastStatus != 0:
			state = "ok " + strconv.Itoa(s.LastStatus)
		}
		next := when(s.NextFetch)
		if !s.Enabled {
			next = "-"
		} else if s.NextFetch.IsZero() {
			next = "now"
		}
		tab.row(strconv.FormatInt(s.ID, 10), state, strconv.Itoa(s.Items), when(s.LastAttempt), next, s.Name, s.URL)
	}
	tab.write(w)
}

// readOPML reads the sources an OPML file lists: each outline with an
// xmlUrl, tagged with its categories (each part of each "/a/b" path) and the
// text of the outlines it sits in.
func readOPML(r io.Reader) ([]feed.Source, error) {
	doc, err := opml.ParseCharset(r, charset.NewReaderLabel)
	if err != nil {
		return nil, err
	}
	var out []feed.Source
	var walk func(outlines []opml.Outline, parents []string)
	walk = func(outlines []opml.Outline, parents []string) {
		for _, o := range outlines {
			label := strings.TrimSpace(o.Title)
			if label == "" {
				label = strings.TrimSpace(o.Text)
			}
			if u := strings.TrimSpace(o.XMLURL); u != "" {
				s := feed.Source{URL: u, Name: label, Enabled: true, Tags: slices.Clone(parents)}
				for cat := range strings.SplitSeq(o.Category, ",") {
					for part := range strings.SplitSeq(cat, "/") {
						if slug := feed.Slugify(part); slug != "" {
							s.Tags = append(s.Tags, slug)
						}
					}
				}
				out = append(out, s)
			}
			if len(o.Outlines) > 0 {
				tags := parents
				if slug := feed.Slugify(label); slug != "" && o.XMLURL == "" {
					tags = append(slices.Clone(parents), slug)
				}
				walk(o.Outlines, tags)
			}
		}
	}
	walk(doc.Outlines, nil)
	return out, nil
}

func importOPML(ctx context.Context, e *env, db store.DB, path string, extra []string, guard pollFlags) int {
	file, err := os.Open(path)
	if err != nil {
		return fail(e, err)
	}
	srcs, err := readOPML(file)
	file.Close()
	if err != nil {
		return fail(e, fmt.Errorf("import %s: %w", path, err))
	}
	var added, present, failed int
	for _, s := range srcs {
		s.Tags = append(s.Tags, extra...)
		if s.Name == "" {
			if u, err := url.Parse(s.URL); err == nil {
				s.Name = u.Hostname()
			}
		}
		err := s.Validate()
		if err == nil {
			err = guard.checkSourceURL(ctx, s.URL)
		}
		if err == nil {
			_, err = db.CreateSource(ctx, s)
		}
		switch {
		case errors.Is(err, feed.ErrConflict):
			present++
		case err != nil:
			if ctx.Err() != nil {
				return fail(e, ctx.Err())
			}
			failed++
			fmt.Fprintf(e.stderr, "error: import %s: source %s: %v\n", path, s.URL, err)
		default:
			added++
		}
	}
	fmt.Fprintf(e.stdout, "%d outlines: %d sources added, %d already present, %d failed\n", len(srcs), added, present, failed)
	if failed > 0 {
		return 1
	}
	return 0
}

// writeOPML writes srcs as an OPML 2.0 subscription list, with each source's
// tags as its categories, which import reads back.
func writeOPML(w io.Writer, srcs []feed.Source, now time.Time) error {
	doc := opml.Document{Title: "herald sources", Created: now}
	for _, s := range srcs {
		o := opml.Outline{Text: s.Name, Title: s.Name, Type: "rss", XMLURL: s.URL}
		for i, t := range s.Tags {
			if i > 0 {
				o.Category += ","
			}
			o.Category += "/" + t
		}
		doc.Outlines = append(doc.Outlines, o)
	}
	out, err := opml.Marshal(&doc)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(w, "%s\n", out) // a last line for the terminal
	return err
}

// describeSource is one source as show prints it.
func describeSource(s *feed.Source, loc *time.Location) string {
	var b strings.Builder
	when := func(t time.Time) string {
		if t.IsZero() {
			return "-"
		}
		return t.In(loc).Format("2006-01-02 15:04:05 MST")
	}
	line := func(k, format string, args ...any) {
		fmt.Fprintf(&b, "  %-19s "+format+"\n", append([]any{k + ":"}, args...)...)
	}
	fmt.Fprintf(&b, "source %d: %s\n", s.ID, s.Name)
	line("url", "%s", s.URL)
	line("enabled", "%s", yesNo(s.Enabled))
	line("tags", "%s", orNone(strings.Join(s.Tags, ", ")))
	line("every", "%v", s.Interval())
	line("item categories", "%s", map[bool]string{true: "become tags", false: "ignored"}[s.UseCategories])
	line("items stored", "%d", s.Items)
	line("last attempt", "%s", when(s.LastAttempt))
	line("last success", "%s", when(s.LastSuccess))
	status := "-"
	if s.LastStatus != 0 {
		status = strconv.Itoa(s.LastStatus)
	}
	line("http status", "%s", status)
	line("consecutive errors", "%d", s.ConsecutiveErrors)
	line("last error", "%s", orNone(s.LastError))
	next := when(s.NextFetch)
	switch {
	case !s.Enabled:
		next = "never (disabled)"
	case s.NextFetch.IsZero():
		next = "as soon as possible"
	}
	line("next fetch", "%s", next)
	if s.PendingURL != "" {
		line("moving to", "%s (permanent redirect seen %d times)", s.PendingURL, s.PendingCount)
	}
	if s.ETag != "" || s.LastModified != "" {
		line("validators", "%s", strings.TrimSpace("etag "+orNone(s.ETag)+", last-modified "+orNone(s.LastModified)))
	}
	line("created", "%s", when(s.Created))
	return b.String()
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

func orNone(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// sourceTags returns the current slugs of the tags slugs names (an old slug
// gives the renamed tag's). A slug that names no tag is refused, naming the
// nearest tag and every tag, unless create: then the tag is made, named as
// names has it.
func sourceTags(ctx context.Context, db store.DB, slugs []string, names map[string]string, create bool) ([]string, error) {
	if !create {
		known, err := knownTags(ctx, db, slugs)
		if err != nil {
			return nil, fmt.Errorf("%w (--create-tags creates it)", err)
		}
		return known, nil
	}
	for _, slug := range slugs {
		_, err := db.Tag(ctx, slug)
		if errors.Is(err, feed.ErrNotFound) {
			name := names[slug]
			if name == "" || name == slug {
				name = feed.TagName(slug)
			}
			err = db.CreateTag(ctx, feed.Tag{Slug: slug, Name: name})
			if errors.Is(err, feed.ErrConflict) {
				err = nil // made meanwhile
			}
		}
		if err != nil {
			return nil, err
		}
	}
	return knownTags(ctx, db, slugs)
}
