package main

import (
	"context"
	"fmt"
	"time"

	"herald/feed"
)

func cmdToken(ctx context.Context, e *env, args []string) int {
	var c config
	f := newFlags(e, "token", "create NAME | list | revoke NAME",
		"Manage the API tokens that writes need (Authorization: Bearer <token>).\nA token's secret is printed once, by create; only its hash is stored.")
	c.common(f)
	if code := c.parse(f, args); code >= 0 {
		return code
	}
	sub, rest, ok := f.subcommand("", map[string][2]int{"create": {1, 1}, "list": {0, 0}, "revoke": {1, 1}})
	if !ok {
		return 2
	}
	db, err := c.open(ctx)
	if err != nil {
		return fail(e, err)
	}
	defer db.Close()
	switch sub {
	case "create":
		secret, hash := feed.NewTokenSecret()
		t, err := db.CreateToken(ctx, rest[0], hash)
		if err != nil {
			return fail(e, err)
		}
		fmt.Fprintf(e.stderr, "Created token %q. Keep the secret below: it is not shown again.\n", t.Name)
		fmt.Fprintln(e.stdout, secret)
	case "list":
		tokens, err := db.Tokens(ctx)
		if err != nil {
			return fail(e, err)
		}
		var tab table
		tab.row("NAME", "CREATED", "LAST USED", "STATUS")
		for _, t := range tokens {
			tab.row(t.Name, t.Created.Format(time.DateTime), orDash(t.LastUsed), status(t.Revoked))
		}
		tab.write(e.stdout)
	case "revoke":
		if err := db.RevokeToken(ctx, rest[0]); err != nil {
			return fail(e, err)
		}
		fmt.Fprintf(e.stdout, "revoked token %q\n", rest[0])
	}
	return 0
}

// status says whether a token revoked at the given time (zero: never) is
// active.
func status(revoked time.Time) string {
	if revoked.IsZero() {
		return "active"
	}
	return "revoked " + revoked.Format(time.DateTime)
}

func orDash(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.Format(time.DateTime)
}
