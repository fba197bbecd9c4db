package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"herald/feed"
	"herald/feed/rule"
	"herald/store"
)

const tagsHelp = `Manage tags and their rules. Each tag has a feed at /tags/SLUG/feed.{rss,atom,json}.

  herald tags [list]                     list tags with their article counts and rules
  herald tags show SLUG                  one tag whole: rule, description, counts, old slugs, feed URLs
  herald tags create NAME [--slug S] [--description D] [--rule Q]
  herald tags rename SLUG NEW-SLUG       old feed URLs answer 301 to the new ones
  herald tags name SLUG NEW-NAME
  herald tags describe SLUG TEXT
  herald tags rule SLUG QUERY [--dry-run]
                                         "" removes the rule; stored articles keep their
                                         tags until "tags apply". --dry-run stores nothing
                                         and lists the articles that would gain and lose
                                         each tag when the new rule is applied
  herald tags apply [--dry-run]          re-apply every rule to every stored article and
                                         say what changed; --dry-run only says what would
  herald tags delete SLUG

A rule is a query over title and body: words, "quoted phrases", AND, OR, NOT,
parentheses, and word* for a prefix; terms side by side must all match.`

// reportTitles is how many titles "tags apply" shows of each tag's gains
// and losses; a dry run shows them all.
const reportTitles = 3

func cmdTags(ctx context.Context, e *env, args []string) int {
	var (
		c                 config
		slug, desc, query string
		dryRun            bool
	)
	f := newFlags(e, "tags", "[command] [args]", tagsHelp)
	c.common(f)
	f.StringVar(&slug, "slug", "", "with create: the tag's slug (default: from the name)")
	f.StringVar(&desc, "description", "", "with create: one sentence about the tag")
	f.StringVar(&query, "rule", "", "with create: the tag's rule")
	f.BoolVar(&dryRun, "dry-run", false, "with rule and apply: store nothing; list the articles that would gain and lose each tag")
	if code := c.parse(f, args); code >= 0 {
		return code
	}
	sub, rest, ok := f.subcommand("list", map[string][2]int{"list": {0, 0}, "show": {1, 1}, "create": {1, 1}, "rename": {2, 2},
		"name": {2, 2}, "describe": {2, 2}, "rule": {2, 2}, "apply": {0, 0}, "delete": {1, 1}})
	if !ok {
		return 2
	}
	if dryRun && sub != "rule" && sub != "apply" {
		fmt.Fprintf(e.stderr, "herald tags %s: --dry-run is for rule and apply\n", sub)
		return 2
	}
	if sub == "rule" || sub == "create" {
		q := query
		if sub == "rule" {
			q = rest[1]
		}
		if strings.TrimSpace(q) != "" {
			if _, err := rule.Parse(q); err != nil {
				return fail(e, err)
			}
		}
	}
	db, err := c.open(ctx)
	if err != nil {
		return fail(e, err)
	}
	defer db.Close()

	update := func(u feed.TagUpdate) int {
		t, err := db.UpdateTag(ctx, rest[0], u)
		if err != nil {
			return fail(e, err)
		}
		printTag(e.stdout, t)
		return 0
	}
	switch sub {
	case "list":
		tags, err := db.Tags(ctx)
		if err != nil {
			return fail(e, err)
		}
		var tab table
		tab.row("SLUG", "NAME", "ARTICLES", "RULE")
		clipped := false
		for _, t := range tags {
			r := clip(t.Rule, 60)
			clipped = clipped || r != t.Rule
			tab.row(t.Slug, t.Name, fmt.Sprint(t.Articles), r)
		}
		tab.write(e.stdout)
		if clipped {
			fmt.Fprintln(e.stderr, `Long rules are cut short ("..."); "herald tags show SLUG" prints one whole.`)
		}
	case "show":
		return showTag(ctx, e, db, &c, rest[0])
	case "create":
		t := feed.Tag{Slug: slug, Name: rest[0], Description: desc, Rule: query}
		if t.Slug == "" {
			t.Slug = feed.Slugify(t.Name)
		}
		if err := db.CreateTag(ctx, t); err != nil {
			return fail(e, err)
		}
		printTag(e.stdout, &t)
		if t.Rule != "" {
			fmt.Fprintln(e.stderr, `The rule applies to articles stored from now on. "herald tags apply --dry-run" lists the stored articles it would tag; "herald tags apply" tags them.`)
		}
	case "rename":
		return update(feed.TagUpdate{Slug: &rest[1]})
	case "name":
		return update(feed.TagUpdate{Name: &rest[1]})
	case "describe":
		return update(feed.TagUpdate{Description: &rest[1]})
	case "rule":
		if dryRun {
			return previewRule(ctx, e, db, rest[0], rest[1])
		}
		code := update(feed.TagUpdate{Rule: &rest[1]})
		if code == 0 {
			fmt.Fprintln(e.stderr, `The rule applies to articles stored from now on; stored articles keep their tags until "herald tags apply" (add --dry-run to see first what it would change).`)
		}
		return code
	case "apply":
		tags, err := db.Tags(ctx)
		if err != nil {
			return fail(e, err)
		}
		set, err := rule.NewSet(tags)
		if err != nil {
			return fail(e, err)
		}
		if dryRun {
			r, err := db.PreviewRetag(ctx, set.Apply)
			if err != nil {
				return fail(e, err)
			}
			fmt.Fprintf(e.stdout, "Dry run: nothing is stored. Re-applying %d rules would change the tags of %d of %d articles.\n",
				countRules(tags), r.Changed, r.Articles)
			printReport(e.stdout, r, true, -1)
			return 0
		}
		r, err := db.RetagArticles(ctx, set.Apply)
		if err != nil {
			return fail(e, err)
		}
		fmt.Fprintf(e.stdout, "re-applied %d rules to %d articles: %d articles' tags changed\n", countRules(tags), r.Articles, r.Changed)
		printReport(e.stdout, r, false, reportTitles)
	case "delete":
		if err := db.DeleteTag(ctx, rest[0]); err != nil {
			return fail(e, err)
		}
		fmt.Fprintf(e.stdout, "deleted tag %s\n", rest[0])
	}
	return 0
}

// printTag is a tag as the commands that change one print it.
func printTag(w io.Writer, t *feed.Tag) {
	fmt.Fprintf(w, "%s  %q  %d articles\n", t.Slug, t.Name, t.Articles)
	if t.Description != "" {
		fmt.Fprintf(w, "  %s\n", t.Description)
	}
	if t.Rule != "" {
		fmt.Fprintf(w, "  rule: %s\n", t.Rule)
	}
}

// showTag prints one tag whole: what it is, how many articles carry it,
// the slugs that redirect to it and the addresses of its feeds.
func showTag(ctx context.Context, e *env, db store.DB, c *config, slug string) int {
	t, err := db.Tag(ctx, slug)
	if err != nil {
		return fail(e, err)
	}
	aliases, err := db.TagAliases(ctx, t.Slug)
	if err != nil {
		return fail(e, err)
	}
	own, err := db.CountArticles(ctx, feed.ArticleFilter{Tags: []string{t.Slug}, Origin: feed.OriginOwn})
	if err != nil {
		return fail(e, err)
	}
	w := e.stdout
	line := func(k, format string, args ...any) {
		if k != "" {
			k += ":"
		}
		fmt.Fprintf(w, "  %-12s "+format+"\n", append([]any{k}, args...)...)
	}
	fmt.Fprintf(w, "tag %s: %s\n", t.Slug, t.Name)
	if t.Slug != slug {
		line("asked for", "%s, an old slug of this tag", slug)
	}
	line("description", "%s", orNone(t.Description))
	if t.Rule == "" {
		line("rule", "none: given by hand only")
	} else {
		line("rule", "%s", t.Rule)
	}
	line("articles", "%d (%d own, %d aggregated)", t.Articles, own, t.Articles-own)
	if len(aliases) == 0 {
		line("old slugs", "none")
	} else {
		line("old slugs", "%s (their URLs redirect here)", strings.Join(aliases, ", "))
	}
	base := c.base.String() + "/tags/" + t.Slug
	line("page", "%s", base)
	line("feeds", "%s/feed.atom", base)
	line("", "%s/feed.rss", base)
	line("", "%s/feed.json", base)
	line("archive", "%s/archive/current.atom (and .rss, .json)", base)
	if c.baseURL == "" {
		fmt.Fprintf(e.stderr, "The URLs are built on %s; give --base-url (HERALD_BASE_URL) for the public ones.\n", c.base)
	}
	return 0
}

// previewRule prints what re-applying the rules would change to the stored
// articles if the tag slug had the rule q, storing nothing.
func previewRule(ctx context.Context, e *env, db store.DB, slug, q string) int {
	t, err := db.Tag(ctx, slug)
	if err != nil {
		return fail(e, err)
	}
	tags, err := db.Tags(ctx)
	if err != nil {
		return fail(e, err)
	}
	tags = withRule(tags, t.Slug, q)
	set, err := rule.NewSet(tags)
	if err != nil {
		return fail(e, err)
	}
	r, err := db.PreviewRetag(ctx, set.Apply)
	if err != nil {
		return fail(e, err)
	}
	fmt.Fprintf(e.stdout, "Dry run: nothing is stored. The rule of %s would change\n", t.Slug)
	fmt.Fprintf(e.stdout, "  from: %s\n  to:   %s\n", orNone(t.Rule), orNone(q))
	fmt.Fprintf(e.stdout, "and re-applying the rules (\"herald tags apply\") would then change the tags of %d of %d articles.\n", r.Changed, r.Articles)
	printReport(e.stdout, r, true, -1)
	return 0
}

// withRule returns a copy of tags in which the tag slug has the rule q.
func withRule(tags []feed.Tag, slug, q string) []feed.Tag {
	tags = slices.Clone(tags)
	for i := range tags {
		if tags[i].Slug == slug {
			tags[i].Rule = q
		}
	}
	return tags
}

// printReport writes what a retag changed, or would change, tag by tag:
// how many articles gain and lose it, with up to limit titles of each
// (every one when limit < 0), then every article left with no tag.
func printReport(w io.Writer, r *rule.Report, would bool, limit int) {
	verb := map[bool][2]string{false: {"gained by", "lost by"}, true: {"would be gained by", "would be lost by"}}[would]
	if len(r.Tags) == 0 && r.Changed > 0 {
		// Only the rule or the words behind a rule tag change.
		fmt.Fprintln(w, map[bool]string{false: "No tag was gained or lost", true: "No tag would be gained or lost"}[would]+
			": those articles keep their tags, by other rules or other words.")
	}
	for _, tc := range r.Tags {
		var parts []string
		if len(tc.Gained) > 0 {
			parts = append(parts, fmt.Sprintf("%s %s", verb[0], articles(len(tc.Gained))))
		}
		if len(tc.Lost) > 0 {
			parts = append(parts, fmt.Sprintf("%s %s", verb[1], articles(len(tc.Lost))))
		}
		fmt.Fprintf(w, "%s: %s\n", tc.Slug, strings.Join(parts, ", "))
		listRefs(w, "+", tc.Gained, limit)
		listRefs(w, "-", tc.Lost, limit)
	}
	if n := len(r.Untagged); n > 0 {
		left := "left"
		if would {
			left = "would be left"
		}
		fmt.Fprintf(w, "%s %s with no tag at all (in no tag feed):\n", articles(n), left)
		listRefs(w, "!", r.Untagged, -1)
	}
}

func listRefs(w io.Writer, mark string, refs []rule.ArticleRef, limit int) {
	for i, a := range refs {
		if limit >= 0 && i == limit {
			fmt.Fprintf(w, "  %s ... and %d more\n", mark, len(refs)-limit)
			return
		}
		fmt.Fprintf(w, "  %s %s (%s)\n", mark, a.Title, a.ID)
	}
}

func articles(n int) string {
	if n == 1 {
		return "1 article"
	}
	return fmt.Sprintf("%d articles", n)
}

func countRules(tags []feed.Tag) int {
	n := 0
	for _, t := range tags {
		if strings.TrimSpace(t.Rule) != "" {
			n++
		}
	}
	return n
}

// knownTags returns the current slug of each of slugs (an old slug gives
// the renamed tag's), refusing a slug that names no tag: the error names
// the nearest tag, when one is near, and every tag there is.
func knownTags(ctx context.Context, db store.DB, slugs []string) ([]string, error) {
	var out []string
	for _, s := range slugs {
		t, err := db.Tag(ctx, s)
		if errors.Is(err, feed.ErrNotFound) {
			return nil, unknownTag(ctx, db, s)
		}
		if err != nil {
			return nil, err
		}
		if !slices.Contains(out, t.Slug) {
			out = append(out, t.Slug)
		}
	}
	return out, nil
}

func unknownTag(ctx context.Context, db store.DB, slug string) error {
	names, err := db.TagNames(ctx)
	if err != nil {
		return err
	}
	if len(names) == 0 {
		return fmt.Errorf("unknown tag %q: there are no tags yet (herald tags create NAME)", slug)
	}
	known := make([]string, 0, len(names))
	for s := range names {
		known = append(known, s)
	}
	slices.Sort(known)
	hint := ""
	if near := nearest(slug, known); near != "" {
		hint = fmt.Sprintf(" (did you mean %q?)", near)
	}
	return fmt.Errorf("unknown tag %q%s; the tags are: %s", slug, hint, strings.Join(known, ", "))
}

// nearest returns the word of words within two edits of s (letters added,
// removed, changed or swapped), the nearest first, or "".
func nearest(s string, words []string) string {
	best, bestD := "", 3
	for _, w := range words {
		if d := editDistance(s, w); d < bestD {
			best, bestD = w, d
		}
	}
	return best
}

// editDistance is the optimal string alignment distance between a and b,
// in bytes (slugs are ASCII).
func editDistance(a, b string) int {
	d := make([][]int, len(a)+1)
	for i := range d {
		d[i] = make([]int, len(b)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(a); i++ {
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(a)][len(b)]
}
