package main

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"herald/feed"
)

const subscriberHelp = `Manage subscriber and partner feed tokens. A token goes in the feed URL,
/s/TOKEN/tags/SLUG/feed.atom, so it works in every feed reader; its plan
decides whether the feeds carry full text (see serve --public-content).

  herald subscriber add NAME [--plan full|summary] [--tags a,b] [--rate N/min] [--attribution] [--early-access]
  herald subscriber list
  herald subscriber rotate NAME      a new token; the old one stops working
  herald subscriber revoke NAME      the token answers 403 from now on
  herald subscriber usage [NAME]     polls, 304s, last seen, user agents

Usage is counted in memory by herald serve and stored every 30 seconds.`

func cmdSubscriber(ctx context.Context, e *env, args []string) int {
	var (
		c           config
		plan, tags  string
		rate        perMinute
		attribution bool
		earlyAccess bool
	)
	f := newFlags(e, "subscriber", "[command] [args]", subscriberHelp)
	c.common(f)
	f.StringVar(&plan, "plan", "full", "with add: full or summary")
	f.StringVar(&tags, "tags", "", "with add: comma-separated tags (slugs or names) the token is limited to, each one that exists (default: every feed)")
	f.Var(&rate, "rate", "with add: requests the token may make, as N/min (or N); 0 for no cap")
	f.BoolVar(&attribution, "attribution", false, "with add: end each of the outlet's items with a credit line linking to its page")
	f.BoolVar(&earlyAccess, "early-access", false, "with add: the token's feeds carry embargoed articles at once, marked with their embargo time")
	if code := c.parse(f, args); code >= 0 {
		return code
	}
	sub, rest, ok := f.subcommand("", map[string][2]int{"add": {1, 1}, "list": {0, 0}, "rotate": {1, 1}, "revoke": {1, 1}, "usage": {0, 1}})
	if !ok {
		return 2
	}
	db, err := c.open(ctx)
	if err != nil {
		return fail(e, err)
	}
	defer db.Close()
	printToken := func(s *feed.Subscriber, secret string) {
		path := "/s/" + secret + "/feed.atom"
		if len(s.Tags) > 0 {
			path = "/s/" + secret + "/tags/" + s.Tags[0] + "/feed.atom"
		}
		early := ""
		if s.EarlyAccess {
			early = ", early access to embargoed articles"
		}
		fmt.Fprintf(e.stderr, "Subscriber %q (%s plan%s). The token is shown only now:\n", s.Name, s.Plan, early)
		fmt.Fprintln(e.stdout, secret)
		fmt.Fprintf(e.stderr, "Feed address: %s%s\n", c.base, path)
	}
	switch sub {
	case "add":
		s := &feed.Subscriber{Name: rest[0], Plan: feed.Plan(plan), RatePerMinute: int(rate), Attribution: attribution,
			EarlyAccess: earlyAccess}
		var slugs []string
		for t := range strings.SplitSeq(tags, ",") {
			if t = strings.TrimSpace(t); t != "" {
				slugs = append(slugs, feed.Slugify(t))
			}
		}
		// A token limited to a tag that does not exist gets feed URLs that
		// answer 404: refuse it, naming the tags there are.
		if s.Tags, err = knownTags(ctx, db, slugs); err != nil {
			return fail(e, fmt.Errorf("subscriber %s: --tags: %w", s.Name, err))
		}
		secret, hash := feed.NewFeedToken()
		if err := db.CreateSubscriber(ctx, s, hash); err != nil {
			return fail(e, err)
		}
		printToken(s, secret)
	case "rotate":
		secret, hash := feed.NewFeedToken()
		if err := db.RotateSubscriber(ctx, rest[0], hash); err != nil {
			return fail(e, err)
		}
		s, err := db.Subscriber(ctx, rest[0])
		if err != nil {
			return fail(e, err)
		}
		printToken(s, secret)
	case "revoke":
		if err := db.RevokeSubscriber(ctx, rest[0]); err != nil {
			return fail(e, err)
		}
		fmt.Fprintf(e.stdout, "revoked subscriber %q\n", rest[0])
	case "list":
		subs, err := db.Subscribers(ctx)
		if err != nil {
			return fail(e, err)
		}
		var tab table
		tab.row("NAME", "PLAN", "TAGS", "RATE/MIN", "POLLS", "LAST SEEN", "STATUS")
		for _, s := range subs {
			tab.row(s.Name, string(s.Plan), orAll(s.Tags), rateText(s.RatePerMinute),
				strconv.FormatInt(s.Usage.Polls, 10), orDash(s.Usage.LastSeen), status(s.Revoked))
		}
		tab.write(e.stdout)
	case "usage":
		var subs []feed.Subscriber
		if len(rest) == 1 {
			s, err := db.Subscriber(ctx, rest[0])
			if err != nil {
				return fail(e, err)
			}
			subs = []feed.Subscriber{*s}
		} else if subs, err = db.Subscribers(ctx); err != nil {
			return fail(e, err)
		}
		for _, s := range subs {
			u := s.Usage
			fmt.Fprintf(e.stdout, "%s: %d polls, %d not modified (304), last seen %s\n", s.Name, u.Polls, u.NotModified, orDash(u.LastSeen))
			agents := slices.SortedFunc(maps.Keys(u.UserAgents), func(a, b string) int { return int(u.UserAgents[b] - u.UserAgents[a]) })
			for _, ua := range agents {
				fmt.Fprintf(e.stdout, "  %6d  %s\n", u.UserAgents[ua], ua)
			}
		}
	}
	return 0
}

func orAll(tags []string) string {
	if len(tags) == 0 {
		return "(all)"
	}
	return strings.Join(tags, ",")
}

// perMinute is a rate flag: "60/min", or "60" meaning the same.
type perMinute int

func (p *perMinute) String() string { return strconv.Itoa(int(*p)) + "/min" }

func (p *perMinute) Set(v string) error {
	n, err := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(v), "/min"))
	if err != nil || n < 0 {
		return fmt.Errorf("want a rate such as 60/min")
	}
	*p = perMinute(n)
	return nil
}

func rateText(n int) string {
	if n == 0 {
		return "-"
	}
	return strconv.Itoa(n)
}
