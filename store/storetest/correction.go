package storetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"herald/feed"
	"herald/store"
)

func (c *contract) testCorrections(t *testing.T) {
	t.Run("WithEdit", c.testCorrectionWithEdit)
	t.Run("SilentFix", c.testCorrectionSilentFix)
	t.Run("Refused", c.testCorrectionRefused)
	t.Run("Deleted", c.testCorrectionDeleted)
	t.Run("KeptByPrune", c.testCorrectionKeptByPrune)
	t.Run("Concurrent", c.testCorrectionConcurrent)
	t.Run("Pages", c.testCorrectionPages)
}

// testCorrectionPages walks the corrections a page at a time with Before,
// of all articles and of one: each once, the latest first, as one read
// lists them.
func (c *contract) testCorrectionPages(t *testing.T) {
	ctx := context.Background()
	db, clk := c.openClocked(t, store.Options{})
	arts := []feed.Article{Article("a1", "First story"), Article("b1", "Second story")}
	if _, err := db.UpsertArticles(ctx, arts); err != nil {
		t.Fatal(err)
	}
	for i := range 7 {
		a := &arts[i%2]
		clk.Add(time.Minute)
		a.Title, a.Slug, a.Correction = fmt.Sprintf("%s, take %d", a.Title, i), "", fmt.Sprintf("Fix %d.", i)
		if _, err := db.UpsertArticle(ctx, a); err != nil {
			t.Fatal(err)
		}
	}
	for _, article := range []string{"", "a1"} {
		all, err := db.Corrections(ctx, feed.CorrectionFilter{ArticleID: article})
		if err != nil {
			t.Fatal(err)
		}
		var walked []feed.Correction
		f := feed.CorrectionFilter{ArticleID: article, Limit: 3}
		for pages := 0; ; pages++ {
			page, err := db.Corrections(ctx, f)
			if err != nil || pages > len(all) {
				t.Fatalf("page %d of %+v: %v (%d pages)", pages, f, err, pages)
			}
			if len(page) == 0 {
				break
			}
			walked = append(walked, page...)
			f.Before = page[len(page)-1].ID
		}
		if want := map[string]int{"": 7, "a1": 4}[article]; len(all) != want {
			t.Fatalf("corrections of %q: got %d, want %d", article, len(all), want)
		}
		if !slices.EqualFunc(walked, all, func(a, b feed.Correction) bool { return a.ID == b.ID && a.Note == b.Note }) {
			t.Errorf("walk of %q by pages of 3: got %v, want %v", article, walked, all)
		}
	}
}

// corrections lists db's corrections as "article before->after note".
func corrections(t *testing.T, db store.DB, f feed.CorrectionFilter) []string {
	t.Helper()
	cs, err := db.Corrections(context.Background(), f)
	if err != nil {
		t.Fatalf("corrections %+v: %v", f, err)
	}
	out := []string{}
	for _, c := range cs {
		out = append(out, fmt.Sprintf("%s %d->%d %s", c.ArticleID, c.Before, c.After, c.Note))
	}
	return out
}

// testCorrectionWithEdit checks that an edit with a note records it, with
// the versions around it, in the article's reads (latest first), in the
// listing and in the diff, and that the edit moves Updated as any edit.
func (c *contract) testCorrectionWithEdit(t *testing.T) {
	ctx := context.Background()
	db, clk := c.openClocked(t, store.Options{})
	a := Article("a1", "Grid drill in May")
	other := Article("b1", "Another story")
	if _, err := db.UpsertArticles(ctx, []feed.Article{a, other}); err != nil {
		t.Fatal(err)
	}
	before := version(t, db)
	clk.Add(time.Hour)
	a.Title, a.Slug = "Grid drill in June", ""
	a.Correction = "  The drill is in June, not May.  "
	if ch, err := db.UpsertArticle(ctx, &a); err != nil || ch != feed.Updated {
		t.Fatalf("edit with a note: got %v, %v", ch, err)
	}
	if !a.Updated.Equal(clk.T) {
		t.Errorf("updated: got %v, want %v (the edit's time)", a.Updated, clk.T)
	}
	if version(t, db) == before {
		t.Error("the content version did not move")
	}
	clk.Add(time.Hour)
	a.Content, a.Correction = "<p>Body of the drill, with the right agency.</p>", "The agency was misnamed."
	if _, err := db.UpsertArticle(ctx, &a); err != nil {
		t.Fatal(err)
	}
	want := []string{"a1 2->3 The agency was misnamed.", "a1 1->2 The drill is in June, not May."}
	if got := corrections(t, db, feed.CorrectionFilter{}); !slices.Equal(got, want) {
		t.Errorf("corrections: got %q, want %q", got, want)
	}
	if got := corrections(t, db, feed.CorrectionFilter{ArticleID: "b1"}); len(got) != 0 {
		t.Errorf("corrections of b1: got %q, want none", got)
	}
	if got := corrections(t, db, feed.CorrectionFilter{Limit: 1}); !slices.Equal(got, want[:1]) {
		t.Errorf("corrections, limit 1: got %q, want %q", got, want[:1])
	}
	stored, err := db.Article(ctx, "a1")
	if err != nil {
		t.Fatal(err)
	}
	if stored.Correction != "" {
		t.Errorf("read article's Correction: got %q, want it empty", stored.Correction)
	}
	if len(stored.Corrections) != 2 || stored.Corrections[0].Note != want[0][len("a1 2->3 "):] ||
		!stored.Corrections[0].At.Equal(clk.T) || stored.Corrections[1].After != 2 {
		t.Errorf("the article's corrections: got %+v", stored.Corrections)
	}
	arts, err := db.Articles(ctx, feed.ArticleFilter{})
	if err != nil {
		t.Fatal(err)
	}
	for _, x := range arts {
		if n := len(x.Corrections); (x.ID == "a1") != (n == 2) || (x.ID == "b1" && n != 0) {
			t.Errorf("listing: %s has %d corrections", x.ID, n)
		}
	}
	cs, err := db.Corrections(ctx, feed.CorrectionFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if cs[1].Title != "Grid drill in June" || cs[1].Slug != "grid-drill-in-may" || cs[1].GUID != a.GUID {
		t.Errorf("the correction's article: got %+v, want the current title, the slug kept and the GUID", cs[1])
	}
	d, err := db.CorrectionDiff(ctx, cs[1].ID)
	if err != nil {
		t.Fatal(err)
	}
	if d.Old.Title != "Grid drill in May" || d.New.Title != "Grid drill in June" || d.Note != "The drill is in June, not May." ||
		d.New.Content != "<p>Body of Grid drill in May</p>" {
		t.Errorf("diff of the first correction: got %+v", d)
	}
	d, err = db.CorrectionDiff(ctx, cs[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	if d.Old.Content != "<p>Body of Grid drill in May</p>" || d.New.Content != a.Content || !d.New.Updated.Equal(clk.T) {
		t.Errorf("diff of the second correction (to the current version): got %+v", d)
	}
	if _, err := db.CorrectionDiff(ctx, cs[0].ID+100); !errors.Is(err, feed.ErrNotFound) {
		t.Errorf("diff of no correction: got %v, want ErrNotFound", err)
	}
}

// testCorrectionSilentFix checks that an edit without a note (or with a
// blank one) records no correction.
func (c *contract) testCorrectionSilentFix(t *testing.T) {
	ctx := context.Background()
	db, _ := c.openClocked(t, store.Options{})
	a := Article("a1", "Grid dril")
	if _, err := db.UpsertArticle(ctx, &a); err != nil {
		t.Fatal(err)
	}
	a.Title = "Grid drill"
	if ch, err := db.UpsertArticle(ctx, &a); err != nil || ch != feed.Updated {
		t.Fatalf("silent fix: got %v, %v", ch, err)
	}
	a.Title, a.Correction = "Grid drills", " \n "
	if _, err := db.UpsertArticle(ctx, &a); err != nil {
		t.Fatal(err)
	}
	if got := corrections(t, db, feed.CorrectionFilter{}); len(got) != 0 {
		t.Errorf("corrections after silent fixes: got %q, want none", got)
	}
	if vs, err := db.ArticleVersions(ctx, "a1", 0); err != nil || len(vs) != 3 {
		t.Errorf("versions: got %d, %v; want 3", len(vs), err)
	}
}

// testCorrectionRefused checks that a note on a write that changes no
// content is refused with a validation error on "correction", storing
// nothing of the write (the whole batch).
func (c *contract) testCorrectionRefused(t *testing.T) {
	ctx := context.Background()
	db, _ := c.openClocked(t, store.Options{})
	a := Article("a1", "Grid drill")
	if _, err := db.UpsertArticle(ctx, &a); err != nil {
		t.Fatal(err)
	}
	start := version(t, db)
	fresh := Article("n1", "New story")
	fresh.Correction = "Nothing to correct yet."
	same := a
	same.Correction = "Nothing changed."
	tagged := a
	tagged.Tags, tagged.Correction = []feed.ArticleTag{{Slug: "alpha"}}, "Only a tag."
	edit := Article("b1", "Edited")
	for _, tc := range []struct {
		name  string
		write func() error
	}{
		{"new article", func() error { _, err := db.UpsertArticle(ctx, &fresh); return err }},
		{"new article created", func() error { return db.CreateArticle(ctx, &fresh) }},
		{"unchanged", func() error { _, err := db.UpsertArticle(ctx, &same); return err }},
		{"tags only", func() error { _, err := db.UpsertArticle(ctx, &tagged); return err }},
		{"in a batch", func() error { _, err := db.UpsertArticles(ctx, []feed.Article{edit, same}); return err }},
	} {
		err := tc.write()
		var v *feed.ValidationError
		if !errors.Is(err, feed.ErrInvalid) || !errors.As(err, &v) || v.Fields[0].Field != "correction" {
			t.Errorf("%s: got %v, want a validation error on correction", tc.name, err)
		}
	}
	if got := version(t, db); got != start {
		t.Errorf("content version: got %d, want %d (nothing stored)", got, start)
	}
	if got := ids(t, db, feed.ArticleFilter{}); !slices.Equal(got, []string{"a1"}) {
		t.Errorf("articles: got %q, want only a1", got)
	}
	if x, err := db.Article(ctx, "a1"); err != nil || len(x.Tags) != 0 {
		t.Errorf("a1 after refused writes: got %+v, %v", x, err)
	}
	if got := corrections(t, db, feed.CorrectionFilter{}); len(got) != 0 {
		t.Errorf("corrections: got %q, want none", got)
	}
	long := a
	long.Title, long.Correction = "Grid drill, edited", string(make([]byte, feed.MaxCorrectionLen+1))
	if _, err := db.UpsertArticle(ctx, &long); !errors.Is(err, feed.ErrInvalid) {
		t.Errorf("a note over %d bytes: got %v, want ErrInvalid", feed.MaxCorrectionLen, err)
	}
}

// testCorrectionDeleted checks that deleting an article removes its
// corrections from every read, and that an article created again under the
// same ID starts without them.
func (c *contract) testCorrectionDeleted(t *testing.T) {
	ctx := context.Background()
	db, _ := c.openClocked(t, store.Options{})
	a, b := Article("a1", "Grid drill"), Article("b1", "Water")
	if _, err := db.UpsertArticles(ctx, []feed.Article{a, b}); err != nil {
		t.Fatal(err)
	}
	a.Title, a.Correction = "Grid drills", "There were two drills."
	b.Title, b.Correction = "Water utilities", "Several utilities."
	if _, err := db.UpsertArticles(ctx, []feed.Article{a, b}); err != nil {
		t.Fatal(err)
	}
	cs, err := db.Corrections(ctx, feed.CorrectionFilter{})
	if err != nil || len(cs) != 2 {
		t.Fatalf("corrections: got %d, %v; want 2", len(cs), err)
	}
	if err := db.DeleteArticle(ctx, "a1"); err != nil {
		t.Fatal(err)
	}
	if got, want := corrections(t, db, feed.CorrectionFilter{}), []string{"b1 1->2 Several utilities."}; !slices.Equal(got, want) {
		t.Errorf("corrections after deleting a1: got %q, want %q", got, want)
	}
	for _, x := range cs {
		if _, err := db.CorrectionDiff(ctx, x.ID); (x.ArticleID == "a1") != errors.Is(err, feed.ErrNotFound) {
			t.Errorf("diff of %s's correction after deleting a1: got %v", x.ArticleID, err)
		}
	}
	again := Article("a1", "Grid drill")
	if _, err := db.UpsertArticle(ctx, &again); err != nil {
		t.Fatal(err)
	}
	if x, err := db.Article(ctx, "a1"); err != nil || len(x.Corrections) != 0 {
		t.Errorf("a1 created again: got %+v, %v; want no corrections", x, err)
	}
}

// testCorrectionKeptByPrune checks that retention never removes a version
// that a correction names, whatever keep says, and removes the others.
func (c *contract) testCorrectionKeptByPrune(t *testing.T) {
	ctx := context.Background()
	db, clk := c.openClocked(t, store.Options{})
	a := Article("a1", "Title 1")
	if _, err := db.UpsertArticle(ctx, &a); err != nil {
		t.Fatal(err)
	}
	// Versions 1-14 replaced a day apart; the edit to version 4 is a
	// correction, so 3 and 4 stay.
	for k := 2; k <= 15; k++ {
		clk.Add(24 * time.Hour)
		a.Title, a.Slug, a.Correction = fmt.Sprintf("Title %d", k), "", ""
		if k == 4 {
			a.Correction = "The third title was wrong."
		}
		if _, err := db.UpsertArticle(ctx, &a); err != nil {
			t.Fatal(err)
		}
	}
	n, err := db.PruneVersions(ctx, clk.T.Add(time.Hour), 1, 0)
	if err != nil {
		t.Fatal(err)
	}
	if n != 11 { // 14 earlier versions, less the newest (14) and the corrected pair (3, 4)
		t.Errorf("pruned %d versions, want 11", n)
	}
	vs, err := db.ArticleVersions(ctx, "a1", 0)
	if err != nil {
		t.Fatal(err)
	}
	var got []int
	for _, v := range vs {
		got = append(got, v.Version)
	}
	if want := []int{15, 14, 4, 3}; !slices.Equal(got, want) {
		t.Errorf("versions left: got %v, want %v", got, want)
	}
	cs, err := db.Corrections(ctx, feed.CorrectionFilter{})
	if err != nil || len(cs) != 1 {
		t.Fatalf("corrections: got %v, %v", cs, err)
	}
	d, err := db.CorrectionDiff(ctx, cs[0].ID)
	if err != nil || d.Old.Title != "Title 3" || d.New.Title != "Title 4" {
		t.Errorf("diff after pruning: got %+v, %v; want Title 3 -> Title 4", d, err)
	}
}

// testCorrectionConcurrent checks that concurrent corrected edits of one
// article, through two handles (two instances), each record the versions
// they went between: consecutive, none twice.
func (c *contract) testCorrectionConcurrent(t *testing.T) {
	ctx := context.Background()
	db, name, clk := c.openNamed(t, store.Options{})
	other := c.engine.Open(t, name, store.Options{Now: clk.Now, Authority: "news.example.org"})
	a := Article("a1", "Edit 0")
	if _, err := db.UpsertArticle(ctx, &a); err != nil {
		t.Fatal(err)
	}
	const edits = 8
	var wg sync.WaitGroup
	errs := make(chan error, edits)
	for i := 1; i <= edits; i++ {
		h := db
		if i%2 == 0 {
			h = other
		}
		wg.Go(func() {
			e := Article("a1", fmt.Sprintf("Edit %d", i))
			e.Correction = fmt.Sprintf("Note %d", i)
			if _, err := h.UpsertArticle(ctx, &e); err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	cs, err := db.Corrections(ctx, feed.CorrectionFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(cs) != edits {
		t.Fatalf("corrections: got %d, want %d", len(cs), edits)
	}
	notes := map[string]bool{}
	for i, x := range cs {
		if want := edits + 1 - i; x.After != want || x.Before != want-1 {
			t.Errorf("correction %d: got %d->%d, want %d->%d", i, x.Before, x.After, want-1, want)
		}
		notes[x.Note] = true
		d, err := db.CorrectionDiff(ctx, x.ID)
		if err != nil {
			t.Fatal(err)
		}
		if want := "Edit " + x.Note[len("Note "):]; d.New.Title != want {
			t.Errorf("correction %q: the version after has title %q, want %q", x.Note, d.New.Title, want)
		}
	}
	if len(notes) != edits {
		t.Errorf("notes: got %v, want %d distinct", notes, edits)
	}
}
