package sqlite

import (
	"context"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"herald/feed"
)

func TestTmpLongQueryCost(t *testing.T) {
	ctx := context.Background()
	db, err := Open(ctx, filepath.Join(t.TempDir(), "c.db"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	sentences := []string{"Officials from both governments discussed the norms for state behaviour in cyberspace.",
		"The agency published guidance for the operators of water utilities after a series of intrusions.",
		"The ministry said the exercise tested how quickly the operators could restore power to the grid."}
	rng := rand.New(rand.NewPCG(1, 2))
	var batch []feed.Article
	for i := range 20000 {
		var b strings.Builder
		for b.Len() < 3000 {
			b.WriteString("<p>")
			for range 4 {
				b.WriteString(sentences[rng.IntN(len(sentences))] + " ")
			}
			b.WriteString("</p>")
		}
		batch = append(batch, feed.Article{ID: fmt.Sprintf("a%d", i), Title: "T", Content: b.String(), Published: time.Unix(int64(i)*3600, 0)})
		if len(batch) == 1000 {
			if _, err := db.UpsertArticles(ctx, batch); err != nil {
				t.Fatal(err)
			}
			batch = batch[:0]
		}
	}
	for _, q := range []string{
		`"` + strings.Repeat("the ", 250) + `"`,
		`"` + strings.Repeat("the ", 2499) + `"`,
		strings.TrimSpace(strings.Repeat(`"the operators of the" `, 32)),
		strings.TrimSpace(strings.Repeat(`"`+strings.Repeat("the ", 75)+`" `, 32)),
		`"the operators"`,
	} {
		start := time.Now()
		_, err := db.ArticlePage(ctx, feed.ArticleFilter{Query: q})
		t.Logf("%d bytes: %v %v", len(q), time.Since(start), err)
	}
}
