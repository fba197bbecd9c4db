package storetest

import (
	"context"
	"errors"
	"testing"
	"time"

	"herald/feed"
	"herald/store"
)

func (c *contract) testTokens(t *testing.T) {
	t.Run("Tokens", c.testTokenLifecycle)
	t.Run("ListAndNames", c.testTokenListAndNames)
}

func (c *contract) testTokenLifecycle(t *testing.T) {
	ctx := context.Background()
	db, clk := c.openClocked(t, store.Options{})
	secret, hash := feed.NewTokenSecret()
	tok, err := db.CreateToken(ctx, "newsroom", hash)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.CreateToken(ctx, "newsroom", []byte("other")); !errors.Is(err, feed.ErrConflict) {
		t.Errorf("duplicate name: got %v, want ErrConflict", err)
	}
	clk.Add(time.Hour)
	got, err := db.Authenticate(ctx, feed.HashToken(secret))
	if err != nil || got.ID != tok.ID {
		t.Fatalf("authenticate: got %+v, %v", got, err)
	}
	if _, err := db.Authenticate(ctx, feed.HashToken(secret+"x")); !errors.Is(err, feed.ErrUnauthorized) {
		t.Errorf("wrong secret: got %v, want ErrUnauthorized", err)
	}
	list, err := db.Tokens(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 1 || !list[0].LastUsed.Equal(clk.T) {
		t.Errorf("tokens: got %+v, want last used %v", list, clk.T)
	}
	if err := db.RevokeToken(ctx, "newsroom"); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Authenticate(ctx, hash); !errors.Is(err, feed.ErrUnauthorized) {
		t.Errorf("revoked: got %v, want ErrUnauthorized", err)
	}
	if err := db.RevokeToken(ctx, "newsroom"); !errors.Is(err, feed.ErrNotFound) {
		t.Errorf("revoking twice: got %v, want ErrNotFound", err)
	}
}

// testTokenListAndNames checks what "herald token list" shows and the
// names a token may have, and that a revoked token stops working on every
// handle at once while the others go on.
func (c *contract) testTokenListAndNames(t *testing.T) {
	ctx := context.Background()
	db, name, clk := c.openNamed(t, store.Options{})
	other := c.engine.Open(t, name, store.Options{Authority: "news.example.org"})
	var ve *feed.ValidationError
	for _, bad := range []string{"", "   ", string(make([]byte, 101))} {
		if _, err := db.CreateToken(ctx, bad, []byte("h")); !errors.As(err, &ve) {
			t.Errorf("name %q: got %v, want a ValidationError", bad, err)
		}
	}
	_, h1 := feed.NewTokenSecret()
	_, h2 := feed.NewTokenSecret()
	first, err := db.CreateToken(ctx, "first", h1)
	if err != nil {
		t.Fatal(err)
	}
	if first.ID == 0 || first.Name != "first" || !first.Created.Equal(clk.T) {
		t.Errorf("created: got %+v", first)
	}
	clk.Add(time.Minute)
	if _, err := db.CreateToken(ctx, "second", h2); err != nil {
		t.Fatal(err)
	}
	if _, err := other.Authenticate(ctx, h1); err != nil {
		t.Fatalf("authenticate on another handle: %v", err)
	}
	clk.Add(time.Minute)
	if err := db.RevokeToken(ctx, "first"); err != nil {
		t.Fatal(err)
	}
	if _, err := other.Authenticate(ctx, h1); !errors.Is(err, feed.ErrUnauthorized) {
		t.Errorf("revoked token on another handle: got %v, want ErrUnauthorized", err)
	}
	if tok, err := other.Authenticate(ctx, h2); err != nil || tok.Name != "second" {
		t.Errorf("the other token: got %+v, %v", tok, err)
	}
	list, err := db.Tokens(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 2 || list[0].Name != "first" || list[1].Name != "second" ||
		!list[0].Revoked.Equal(clk.T) || !list[1].Revoked.IsZero() {
		t.Errorf("tokens: got %+v, want first (revoked now) then second (live)", list)
	}
	if err := db.RevokeToken(ctx, "nobody"); !errors.Is(err, feed.ErrNotFound) {
		t.Errorf("revoking an unknown token: got %v, want ErrNotFound", err)
	}
}
