package main

import (
	"context"
	"fmt"
	"strings"
	"text/tabwriter"

	"herald/feed"
	"herald/feed/rule"
)

const tagsHelp = `Manage tags and their rules. Each tag has a feed at /tags/SLUG/feed.{rss,atom,json}.

  herald tags [list]                     list tags with their article counts and rules
  herald tags create NAME [--slug S] [--description D] [--rule Q]
  herald tags rename SLUG NEW-SLUG       old feed URLs answer 301 to the new ones
  herald tags name SLUG NEW-NAME
  herald tags describe SLUG TEXT
  herald tags rule SLUG QUERY            "" removes the rule; run "tags apply" after
  herald tags apply                      re-apply every rule to every stored article
  herald tags delete SLUG

A rule is a query over title and body: words, "quoted phrases", AND, OR, NOT,
parentheses, and word* for a prefix; terms side by side must all match.`

func cmdTags(ctx context.Context, e *env, args []string) int {
	var (
		c                 config
		slug, desc, query string
	)
	f := newFlags(e, "tags", "[command] [args]", tagsHelp)
	c.common(f)
	f.StringVar(&slug, "slug", "", "with create: the tag's slug (default: from the name)")
	f.StringVar(&desc, "description", "", "with create: one sentence about the tag")
	f.StringVar(&query, "rule", "", "with create: the tag's rule")
	if code := c.parse(f, args); code >= 0 {
		return code
	}
	sub, rest, ok := f.subcommand("list", map[string][2]int{"list": {0, 0}, "create": {1, 1}, "rename": {2, 2}, "name": {2, 2},
		"describe": {2, 2}, "rule": {2, 2}, "apply": {0, 0}, "delete": {1, 1}})
	if !ok {
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

	show := func(t *feed.Tag) {
		fmt.Fprintf(e.stdout, "%s  %q  %d articles\n", t.Slug, t.Name, t.Articles)
		if t.Description != "" {
			fmt.Fprintf(e.stdout, "  %s\n", t.Description)
		}
		if t.Rule != "" {
			fmt.Fprintf(e.stdout, "  rule: %s\n", t.Rule)
		}
	}
	update := func(u feed.TagUpdate) int {
		t, err := db.UpdateTag(ctx, rest[0], u)
		if err != nil {
			return fail(e, err)
		}
		show(t)
		return 0
	}
	switch sub {
	case "list":
		tags, err := db.Tags(ctx)
		if err != nil {
			return fail(e, err)
		}
		tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "SLUG\tNAME\tARTICLES\tRULE")
		for _, t := range tags {
			r := t.Rule
			if len(r) > 60 {
				r = r[:57] + "..."
			}
			fmt.Fprintf(tw, "%s\t%s\t%d\t%s\n", t.Slug, t.Name, t.Articles, r)
		}
		tw.Flush()
	case "create":
		t := feed.Tag{Slug: slug, Name: rest[0], Description: desc, Rule: query}
		if t.Slug == "" {
			t.Slug = feed.Slugify(t.Name)
		}
		if err := db.CreateTag(ctx, t); err != nil {
			return fail(e, err)
		}
		show(&t)
		if t.Rule != "" {
			fmt.Fprintln(e.stderr, `The rule applies to articles stored from now on; "herald tags apply" applies it to the others.`)
		}
	case "rename":
		return update(feed.TagUpdate{Slug: &rest[1]})
	case "name":
		return update(feed.TagUpdate{Name: &rest[1]})
	case "describe":
		return update(feed.TagUpdate{Description: &rest[1]})
	case "rule":
		code := update(feed.TagUpdate{Rule: &rest[1]})
		if code == 0 {
			fmt.Fprintln(e.stderr, `The rule applies to articles stored from now on; "herald tags apply" applies it to the others.`)
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
		n, err := db.RetagArticles(ctx, set.Apply)
		if err != nil {
			return fail(e, err)
		}
		fmt.Fprintf(e.stdout, "re-applied %d rules: %d articles' tags changed\n", countRules(tags), n)
	case "delete":
		if err := db.DeleteTag(ctx, rest[0]); err != nil {
			return fail(e, err)
		}
		fmt.Fprintf(e.stdout, "deleted tag %s\n", rest[0])
	}
	return 0
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
