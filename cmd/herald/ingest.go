package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"herald/feed"
	"herald/feed/ingest"
	"herald/feed/rule"
	"herald/store"
)

func cmdIngest(ctx context.Context, e *env, args []string) int {
	var (
		c          config
		tags       multiFlag
		language   string
		createTags bool
		embargo    string
		correction string
	)
	f := newFlags(e, "ingest", "PATH...", "Read article files into the database: JSON (.json), Markdown with front matter\n(.md, .markdown) and plain-text newsroom exports (.txt). A folder is read whole,\nhidden files aside; its other files (.docx, .pdf...) are listed as skipped, which is\nno failure. --tag must name an existing tag unless --create-tags. Re-ingesting\nan unchanged file changes nothing; an edited file updates its article. Tag rules\napply to every article.")
	c.common(f)
	f.Var(&tags, "tag", "a tag slug or name to put on every article (repeatable); it must exist unless --create-tags")
	f.BoolVar(&createTags, "create-tags", false, "create the tags that --tag and the files name that do not exist yet (without it an unknown --tag, a typo say, is refused, and a file naming one fails)")
	f.StringVar(&embargo, "embargo-until", "", "hold every article back until this time (\"2026-12-01 09:00 UTC\", RFC 3339, or a time in --timezone), overriding the files' own; \"now\" publishes held articles at once (see README, Embargoes)")
	f.StringVar(&correction, "correction", "", "a public correction note for this re-ingest: what was wrong and what changed; every article given must change (see README, Corrections)")
	languageFlag(f, &language)
	if code := c.parse(f, args); code >= 0 {
		return code
	}
	var embargoUntil time.Time
	switch embargo {
	case "":
	case "now":
		embargoUntil = time.Now()
	default:
		t, err := ingest.ParseEmbargo(embargo, c.loc)
		if err != nil {
			fmt.Fprintf(e.stderr, "herald ingest: --embargo-until: %v\n", err)
			return 2
		}
		embargoUntil = t
	}
	if !feed.ValidLanguage(language) {
		fmt.Fprintf(e.stderr, "herald ingest: --language %q is not a language tag such as en or ja\n", language)
		return 2
	}
	if f.NArg() == 0 {
		f.Usage()
		return 2
	}
	paths, skipped, err := expandPaths(f.Args())
	if err != nil {
		return fail(e, err)
	}
	var extra []feed.ArticleTag
	for _, t := range tags {
		slug := feed.Slugify(t)
		if !feed.ValidSlug(slug) {
			fmt.Fprintf(e.stderr, "herald ingest: --tag %q is not a tag name\n", t)
			return 2
		}
		extra = append(extra, feed.ArticleTag{Slug: slug})
	}
	db, err := c.open(ctx)
	if err != nil {
		return fail(e, err)
	}
	defer db.Close()
	if len(extra) > 0 && !createTags {
		slugs := make([]string, len(extra))
		for i, t := range extra {
			slugs[i] = t.Slug
		}
		known, err := knownTags(ctx, db, slugs)
		if err != nil {
			return fail(e, fmt.Errorf("ingest: --tag: %w (--create-tags creates it)", err))
		}
		extra = extra[:0]
		for _, slug := range known {
			extra = append(extra, feed.ArticleTag{Slug: slug})
		}
	}

	p := newProgress(e.stderr, len(paths))
	in := &ingester{db: db, opt: ingest.Options{Location: c.loc, Language: language, EmbargoUntil: embargoUntil},
		extraTags: extra, progress: p, correction: strings.TrimSpace(correction)}
	in.onlyKnownTags = !createTags
	rep, err := in.run(ctx, paths, readFile)
	p.done()
	if err != nil {
		return fail(e, err)
	}
	// Files of the folders that are not article files (a .docx, a .pdf)
	// are no failure: they are said and counted. Those that could not be
	// read at all are.
	failed, others := rep.failedFiles, 0
	for _, sk := range skipped {
		if sk.failed {
			failed++
			fmt.Fprintf(e.stderr, "error: ingest %s: %s\n", sk.path, sk.why)
		} else {
			others++
			fmt.Fprintf(e.stderr, "skipped %s: %s\n", sk.path, sk.why)
		}
	}
	for _, fe := range rep.failures {
		fmt.Fprintf(e.stderr, "error: %v\n", fe)
	}
	fmt.Fprintf(e.stdout, "%d files: %d articles created, %d updated, %d unchanged; %d files failed; %d skipped\n",
		len(paths), rep.created, rep.updated, rep.unchanged, failed, others)
	if failed > 0 {
		return 1
	}
	return 0
}

// languageFlag registers --language, the newsroom's language, which
// articles that state none get unless their script tells another.
func languageFlag(f *flags, p *string) {
	f.stringVar(p, "language", "HERALD_LANGUAGE", "en",
		"the newsroom's language (BCP 47), for articles that state none and whose script (Japanese, Chinese, Korean...) does not tell")
}

// multiFlag collects a repeatable string flag.
type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, ",") }
func (m *multiFlag) Set(v string) error { *m = append(*m, v); return nil }

// articleExts are the extensions read from folders.
var articleExts = []string{".txt", ".md", ".markdown", ".json"}

// A skippedFile is a file of a folder that ingest does not read, and why:
// not an article file, or (failed) one that cannot be read at all.
type skippedFile struct {
	path, why string
	failed    bool
}

// expandPaths turns files and folders into a sorted list of the files to
// read, and the files of the folders it leaves out, hidden ones aside,
// each with the reason. A file named on its own is always read.
// walkDir walks a folder given to ingest; tests replace it to see what an
// unreadable folder does, which they cannot make as root.
var walkDir = filepath.WalkDir

func expandPaths(args []string) ([]string, []skippedFile, error) {
	var (
		out     []string
		skipped []skippedFile
	)
	for _, arg := range args {
		fi, err := os.Stat(arg)
		if err != nil {
			return nil, nil, err
		}
		if !fi.IsDir() {
			out = append(out, arg)
			continue
		}
		err = walkDir(arg, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				if path == arg {
					return err
				}
				// A folder inside that cannot be listed: the others go on.
				skipped = append(skipped, skippedFile{path, "cannot be read: " + errText(err), true})
				if d != nil && d.IsDir() {
					return filepath.SkipDir
				}
				return nil
			}
			if path != arg && strings.HasPrefix(d.Name(), ".") {
				if d.IsDir() {
					return filepath.SkipDir
				}
				return nil
			}
			if d.IsDir() {
				return nil
			}
			ext := strings.ToLower(filepath.Ext(path))
			switch {
			case !slices.Contains(articleExts, ext):
				what := "a file without an extension"
				if ext != "" {
					what = "a " + ext + " file"
				}
				skipped = append(skipped, skippedFile{path, "not an article file (" + what + "; herald reads .txt, .md, .markdown and .json)", false})
			case !d.Type().IsRegular() && d.Type()&fs.ModeSymlink == 0:
				skipped = append(skipped, skippedFile{path, "not a regular file", false})
			default:
				out = append(out, path)
			}
			return nil
		})
		if err != nil {
			return nil, nil, err
		}
	}
	return out, skipped, nil
}

// errText is err without the path the fs error repeats.
func errText(err error) string {
	if pe, ok := errors.AsType[*fs.PathError](err); ok {
		return pe.Err.Error()
	}
	return err.Error()
}

func readFile(name string) ([]byte, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	// One byte over the limit is enough for the parser to say it is too big.
	return io.ReadAll(io.LimitReader(f, ingest.MaxFileSize+1))
}

// An ingester reads files into the store in batches, applying tag rules.
type ingester struct {
	db        store.DB
	opt       ingest.Options
	extraTags []feed.ArticleTag
	progress  *progress
	// correction, when set, is every article's Correction (--correction).
	correction string
	// onlyKnownTags makes a file fail whose article names a tag (front
	// matter, JSON "tags") that does not exist: herald ingest without
	// --create-tags. Otherwise such tags are created.
	onlyKnownTags bool
	knownTags     map[string]bool // slugs found to be tags
}

// checkTags returns the error of an article naming a tag that does not
// exist, when onlyKnownTags: it names the unknown tag, the nearest and
// every tag.
func (in *ingester) checkTags(ctx context.Context, a *feed.Article) error {
	if !in.onlyKnownTags {
		return nil
	}
	if in.knownTags == nil {
		in.knownTags = map[string]bool{}
	}
	for _, slug := range a.TagSlugs() {
		if in.knownTags[slug] {
			continue
		}
		if _, err := knownTags(ctx, in.db, []string{slug}); err != nil {
			return fmt.Errorf("tags: %w (--create-tags creates it)", err)
		}
		in.knownTags[slug] = true
	}
	return nil
}

type ingestReport struct {
	created, updated, unchanged int
	failedFiles                 int
	failures                    []error
}

// batchSize is how many articles share one transaction.
const batchSize = 500

type pending struct {
	file string
	art  feed.Article
}

func (in *ingester) run(ctx context.Context, paths []string, read func(string) ([]byte, error)) (*ingestReport, error) {
	tags, err := in.db.Tags(ctx)
	if err != nil {
		return nil, err
	}
	rules, err := rule.NewSet(tags)
	if err != nil {
		return nil, err
	}
	rep := &ingestReport{}
	failed := map[string]bool{}
	// Storing a batch overlaps reading and parsing the next: the store has
	// one batch at a time, in a goroutine of its own that run waits for.
	// What reading a batch (cur) and storing it (stored) give is added to
	// rep in that order, batch after batch, as when one did both in turn.
	var (
		batch   []pending
		cur     = &batchReport{}
		stored  *batchReport
		storing chan error // the result of the batch being stored
	)
	fileFailed := func(file string, err error) { cur.fail(file, err) }
	seen := map[string]string{} // article id -> the file that gave it
	wait := func() error {
		if storing == nil {
			return nil
		}
		err := <-storing
		storing = nil
		rep.add(stored, failed)
		return err
	}
	defer wait() // on an early return: the goroutine must end before run
	flush := func() error {
		if err := wait(); err != nil {
			return err
		}
		rep.add(cur, failed)
		cur = &batchReport{}
		if len(batch) == 0 {
			return nil
		}
		b, r, done := batch, &batchReport{}, make(chan error, 1)
		batch, stored, storing = nil, r, done
		go func() { done <- in.store(ctx, b, r) }()
		return nil
	}
	for i, path := range paths {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		in.progress.step(i, path)
		data, err := read(path)
		if err != nil {
			fileFailed(path, fmt.Errorf("ingest %s: %w", path, err))
			continue
		}
		arts, err := ingest.Parse(path, data, in.opt)
		if err != nil {
			fileFailed(path, err) // a JSON array may still have given good articles
		}
		for _, a := range arts {
			if other, dup := seen[a.ID]; dup {
				fileFailed(path, fmt.Errorf("ingest %s: id %q is also given by %s; give one of them its own id", path, a.ID, other))
				continue
			}
			seen[a.ID] = path
			if err := in.checkTags(ctx, &a); err != nil {
				if ctx.Err() != nil {
					return nil, ctx.Err()
				}
				fileFailed(path, fmt.Errorf("ingest %s: article %s: %w", path, a.ID, err))
				continue
			}
			for _, t := range in.extraTags {
				if !a.HasTag(t.Slug) {
					a.Tags = append(a.Tags, t)
				}
			}
			if in.correction != "" {
				a.Correction = in.correction
			}
			rules.Apply(&a)
			batch = append(batch, pending{path, a})
		}
		if len(batch) >= batchSize {
			if err := flush(); err != nil {
				return nil, err
			}
		}
	}
	if err := flush(); err != nil {
		return nil, err
	}
	if err := wait(); err != nil {
		return nil, err
	}
	in.progress.step(len(paths), "")
	return rep, nil
}

// store writes a batch in one transaction. Should that fail, it writes the
// articles one at a time, so that one bad article costs only its own file.
func (in *ingester) store(ctx context.Context, batch []pending, rep *batchReport) error {
	arts := make([]feed.Article, len(batch))
	for i, p := range batch {
		arts[i] = p.art
	}
	changes, err := in.db.UpsertArticles(ctx, arts)
	if err == nil {
		for _, c := range changes {
			rep.count(c)
		}
		return nil
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	for _, p := range batch {
		a := p.art
		c, err := in.db.UpsertArticle(ctx, &a)
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			if !errors.Is(err, feed.ErrInvalid) && !errors.Is(err, feed.ErrConflict) {
				return err // the store itself is failing; stop
			}
			rep.fail(p.file, fmt.Errorf("ingest %s: %w", p.file, err))
			continue
		}
		rep.count(c)
	}
	return nil
}

// A batchReport is what reading or storing one batch gave.
type batchReport struct {
	created, updated, unchanged int
	failures                    []fileError
}

// A fileError is the failure of a file.
type fileError struct {
	file string
	err  error
}

func (r *batchReport) fail(file string, err error) {
	r.failures = append(r.failures, fileError{file, err})
}

func (r *batchReport) count(c feed.Change) {
	switch c {
	case feed.Created:
		r.created++
	case feed.Updated:
		r.updated++
	default:
		r.unchanged++
	}
}

// add adds b to r; failed holds the files that failed so far, each
// counted once.
func (r *ingestReport) add(b *batchReport, failed map[string]bool) {
	r.created += b.created
	r.updated += b.updated
	r.unchanged += b.unchanged
	for _, f := range b.failures {
		r.failures = append(r.failures, f.err)
		if !failed[f.file] {
			failed[f.file] = true
			r.failedFiles++
		}
	}
}

// progress shows how far a long run is: a bar redrawn in place on a
// terminal, otherwise a plain line now and then.
type progress struct {
	w     io.Writer
	total int
	tty   bool
	last  time.Time
}

func newProgress(w io.Writer, total int) *progress {
	return &progress{w: w, total: total, tty: isTerminal(w)}
}

func (p *progress) step(done int, name string) {
	if p == nil || p.total < 2 {
		return
	}
	if !p.tty {
		if done > 0 && (done == p.total || done%max(1, p.total/10) == 0) {
			fmt.Fprintf(p.w, "ingest: %d/%d files (%d%%)\n", done, p.total, done*100/p.total)
		}
		return
	}
	now := time.Now()
	if done < p.total && now.Sub(p.last) < 100*time.Millisecond {
		return
	}
	p.last = now
	const width = 30
	fill := done * width / p.total
	if len(name) > 40 {
		name = "…" + name[len(name)-39:]
	}
	fmt.Fprintf(p.w, "\r\033[K[%s%s] %d/%d %s", strings.Repeat("=", fill), strings.Repeat(" ", width-fill), done, p.total, name)
}

func (p *progress) done() {
	if p != nil && p.tty && p.total >= 2 {
		fmt.Fprintln(p.w)
	}
}
