package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"herald/feed"
	"herald/store"
	"herald/store/storetest"
)

// recordsOf returns every record of the database dsn names, as strings.
func recordsOf(t *testing.T, dsn string) []string {
	t.Helper()
	db, err := store.Open(context.Background(), dsn, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	return storetest.Records(t, db)
}

// ingestOne writes an article file named id.md and ingests it into db.
func ingestOne(t *testing.T, db, id, title string) {
	t.Helper()
	dir := t.TempDir()
	writeFile(t, dir, id+".md", "---\ntitle: "+title+"\npublished: 2026-11-21\n---\n\nUtilities drill for a cyber attack.\n")
	if code, _, errOut := runHerald("ingest", "--db", db, filepath.Join(dir, id+".md")); code != 0 {
		t.Fatalf("ingest %s: %s", id, errOut)
	}
}

// stopServer stops s and checks that it exited cleanly; s's cleanup then
// finds it stopped.
func stopServer(t *testing.T, s *server) {
	t.Helper()
	s.stop()
	code := <-s.done
	s.done <- code
}

// TestBackupRestoreSQLite follows the README: a backup while the server
// runs, checked and counted; a restore refused while it runs; after it
// stops, the restore puts the backup in place, keeps the database it
// replaced (with its write-ahead log), and leaves nothing else behind.
func TestBackupRestoreSQLite(t *testing.T) {
	s := startServer(t)
	ingestOne(t, s.db, "a1", "Grid operators drill")
	ingestOne(t, s.db, "a2", "Water utilities advisory")
	backup := filepath.Join(t.TempDir(), "herald-backup.db")
	code, out, errOut := runHerald("backup", "--db", s.db, backup)
	if code != 0 {
		t.Fatalf("backup: exit %d: %s", code, errOut)
	}
	if !strings.Contains(out, "backed up "+s.db+" to "+backup+": integrity ok") || !regexp.MustCompile(`(?m)^articles +2$`).MatchString(out) {
		t.Errorf("backup output: got %q, want the check and 2 articles counted", out)
	}
	if exists(backup+"-wal") || exists(backup+"-shm") {
		t.Errorf("the backup left a write-ahead log beside it")
	}
	want := recordsOf(t, backup)
	ingestOne(t, s.db, "a3", "Written after the backup")

	code, _, errOut = runHerald("restore", "--db", s.db, backup)
	if wantErr := "a herald server is using " + s.db + " (pid "; code != 1 || !strings.Contains(errOut, wantErr) || !strings.Contains(errOut, "stop it first") {
		t.Errorf("restore while serving: exit %d %q, want 1 and %q", code, errOut, wantErr)
	}
	stopServer(t, s)

	// A write-ahead log left by a crash, holding a write the database file
	// does not have yet, belongs to the old database, never to the
	// restored one.
	crashWith(t, s.db, "a4", "Only in the log")
	code, out, errOut = runHerald("restore", "--db", s.db, backup)
	if code != 0 {
		t.Fatalf("restore: exit %d: %s", code, errOut)
	}
	kept := regexp.MustCompile(`kept as (\S+): remove it`).FindStringSubmatch(out)
	if !strings.HasPrefix(out, "restored "+backup+" to "+s.db+"\n") || kept == nil || !regexp.MustCompile(`(?m)^articles +2$`).MatchString(out) {
		t.Fatalf("restore output: got %q, want what was restored, where the old database is kept, 2 articles", out)
	}
	if got := recordsOf(t, s.db); !slices.Equal(got, want) {
		t.Errorf("the restored database holds other records than the backup:\n got %q\nwant %q", got, want)
	}
	if exists(s.db+"-wal") || exists(kept[1]+"-wal") {
		t.Errorf("a write-ahead log is left: the old one's should be in the database kept")
	}
	keptRecords := strings.Join(recordsOf(t, kept[1]), "\n")
	if !strings.Contains(keptRecords, "Written after the backup") || !strings.Contains(keptRecords, "Only in the log") {
		t.Errorf("the database kept does not hold what was written after the backup, in its file and its log")
	}
	entries, _ := os.ReadDir(filepath.Dir(s.db))
	for _, e := range entries {
		if strings.Contains(e.Name(), ".restore-") {
			t.Errorf("restore left %s behind", e.Name())
		}
	}

	// The restored database serves.
	s2 := startServerOn(t, s.db)
	resp, body := s2.do(t, "GET", "/api/articles", "", "")
	if resp.StatusCode != 200 || strings.Contains(string(body), "Written after the backup") || !strings.Contains(string(body), "Grid operators drill") {
		t.Errorf("the restored database serves %d %s", resp.StatusCode, body)
	}
}

// crashWith leaves the SQLite database at path as a process killed just
// after writing the article id would: the write in the write-ahead log
// only, the database file without it.
func crashWith(t *testing.T, path, id, title string) {
	t.Helper()
	ctx := context.Background()
	file, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	db, err := store.Open(ctx, path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	a := feed.Article{ID: id, Title: title, Content: "<p>Body.</p>", Published: time.Date(2026, 11, 21, 0, 0, 0, 0, time.UTC)}
	if _, err := db.UpsertArticle(ctx, &a); err != nil {
		t.Fatal(err)
	}
	wal, err := os.ReadFile(path + "-wal")
	if err != nil || len(wal) == 0 {
		t.Fatalf("no write-ahead log: %v", err)
	}
	db.Close() // checkpoints the log, and removes it
	if err := os.WriteFile(path, file, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path+"-wal", wal, 0o644); err != nil {
		t.Fatal(err)
	}
}

// startServerOn is startServer on the database at db.
func startServerOn(t *testing.T, db string) *server {
	t.Helper()
	s := startServer(t, "--db", db) // the last --db wins
	s.db = db
	return s
}

// TestRestoreRefuses checks what restore refuses, leaving the database as
// it was: a backup that is not whole, a file that is not a herald
// database, a database in use (a log beside it), no file at all; and that
// a server does not start while a restore holds the database.
func TestRestoreRefuses(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "herald.db")
	ingestOne(t, db, "a1", "Grid operators drill")
	before := recordsOf(t, db)
	backup := filepath.Join(t.TempDir(), "backup.db")
	if code, _, errOut := runHerald("backup", "--db", db, backup); code != 0 {
		t.Fatalf("backup: %s", errOut)
	}

	damaged := filepath.Join(t.TempDir(), "damaged.db")
	b := backupBytes(t, backup)
	// Every page after the first two, of tables and indexes alike, with a
	// type of page that SQLite does not have.
	for off := 2 * 4096; off < len(b); off += 4096 {
		b[off] = 0x42
	}
	if err := os.WriteFile(damaged, b, 0o644); err != nil {
		t.Fatal(err)
	}
	// An index that does not match its table: whole pages, wrong content.
	mismatched := filepath.Join(t.TempDir(), "mismatched.db")
	if err := os.WriteFile(mismatched, backupBytes(t, backup), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, stmt := range []string{
		"CREATE INDEX zz ON tags (name)",
		"PRAGMA writable_schema = ON; UPDATE sqlite_schema SET sql = 'CREATE INDEX zz ON tags (slug)' WHERE name = 'zz'",
	} {
		conn, err := sql.Open("sqlite", mismatched)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := conn.Exec(stmt); err != nil {
			t.Fatal(err)
		}
		conn.Close()
	}
	newer := filepath.Join(t.TempDir(), "newer.db")
	if err := os.WriteFile(newer, backupBytes(t, backup), 0o644); err != nil {
		t.Fatal(err)
	}
	conn, err := sql.Open("sqlite", newer)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec("PRAGMA user_version = 9999"); err != nil {
		t.Fatal(err)
	}
	conn.Close()
	other := filepath.Join(t.TempDir(), "other.db")
	conn, err = sql.Open("sqlite", other)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec("CREATE TABLE notes (body TEXT); INSERT INTO notes VALUES ('hello')"); err != nil {
		t.Fatal(err)
	}
	conn.Close()
	live := filepath.Join(t.TempDir(), "live.db")
	if err := os.WriteFile(live, b[:0], 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(live+"-wal", []byte("frames"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		backup, want string
	}{
		{damaged, "not whole"},
		{mismatched, "the integrity check failed: "},
		{newer, "its schema is version 9999, newer than this herald's"},
		{other, "not a herald database"},
		{live, "has a write-ahead log"},
		{filepath.Join(dir, "missing.db"), "no such file"},
		{db, "is the database itself"},
	} {
		code, _, errOut := runHerald("restore", "--db", db, tt.backup)
		if code != 1 || !strings.Contains(errOut, tt.want) {
			t.Errorf("restore %s: exit %d %q, want 1 and %q", filepath.Base(tt.backup), code, errOut, tt.want)
		}
	}
	if got := recordsOf(t, db); !slices.Equal(got, before) {
		t.Errorf("a refused restore changed the database")
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.Contains(e.Name(), "restore") {
			t.Errorf("a refused restore left %s behind", e.Name())
		}
	}

	release, err := lockDB(db, true) // as a restore under way does
	if err != nil {
		t.Fatal(err)
	}
	var errOut strings.Builder
	code := run(context.Background(), []string{"serve", "--db", db, "--addr", "127.0.0.1:0"}, noEnv, &strings.Builder{}, &errOut)
	if want := "herald restore (pid "; code != 1 || !strings.Contains(errOut.String(), want) {
		t.Errorf("serve during a restore: exit %d %q, want 1 and %q", code, errOut.String(), want)
	}
	release()
}

func backupBytes(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestRestorePostgres restores an SQLite backup into a new PostgreSQL
// database, and refuses one that is not empty.
func TestRestorePostgres(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "herald.db")
	ingestOne(t, src, "a1", "Grid operators drill")
	backup := filepath.Join(dir, "backup.db")
	if code, _, errOut := runHerald("backup", "--db", src, backup); code != 0 {
		t.Fatalf("backup: %s", errOut)
	}
	want := recordsOf(t, backup)
	backupBytes, _ := os.ReadFile(backup)
	pg := storetest.PostgresURL(t)
	code, out, errOut := runHerald("restore", "--db", pg, backup)
	if code != 0 || !strings.Contains(out, "restored "+backup+" to ") {
		t.Fatalf("restore into PostgreSQL: exit %d %q %q", code, out, errOut)
	}
	if got := recordsOf(t, pg); !slices.Equal(got, want) {
		t.Errorf("PostgreSQL holds other records than the backup:\n got %q\nwant %q", got, want)
	}
	if after, _ := os.ReadFile(backup); string(after) != string(backupBytes) || exists(backup+"-wal") {
		t.Errorf("restore wrote to the backup")
	}
	code, _, errOut = runHerald("restore", "--db", pg, backup)
	if want := "is not empty (it holds tags: 6, articles: 1, changes: 1)"; code != 1 || !strings.Contains(errOut, want) || !strings.Contains(errOut, "herald copy") {
		t.Errorf("restore into a database that is not empty: exit %d %q, want 1 and %q", code, errOut, want)
	}
}

// TestChangesCursorGone checks the answer to a cursor of /api/changes
// whose next entries were pruned: 410, saying to start again; and that a
// walk in changed order goes on.
func TestChangesCursorGone(t *testing.T) {
	s := startServer(t)
	ingestOne(t, s.db, "a1", "Grid operators drill")
	ingestOne(t, s.db, "a2", "Water utilities advisory")
	ingestOne(t, s.db, "a3", "Pipeline security directive")
	var page struct {
		NextCursor string `json:"next_cursor"`
	}
	_, body := s.do(t, "GET", "/api/changes?limit=1", "", "")
	if err := json.Unmarshal(body, &page); err != nil || page.NextCursor == "" {
		t.Fatalf("changes: %s", body)
	}
	_, body = s.do(t, "GET", "/api/articles?order=changed&limit=1", "", "")
	var articles struct {
		NextCursor string `json:"next_cursor"`
	}
	if err := json.Unmarshal(body, &articles); err != nil || articles.NextCursor == "" {
		t.Fatalf("articles: %s", body)
	}
	// Prune as the server would, from another handle.
	db, err := store.Open(context.Background(), s.db, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	n, err := db.PruneChanges(context.Background(), time.Now().Add(time.Hour), 0)
	db.Close()
	if err != nil || n != 2 {
		t.Fatalf("prune: got %d, %v; want 2", n, err)
	}
	resp, body := s.do(t, "GET", "/api/changes?cursor="+page.NextCursor, "", "")
	var answer struct {
		Error string `json:"error"`
	}
	json.Unmarshal(body, &answer)
	if resp.StatusCode != 410 || !strings.Contains(answer.Error, "pruned") || !strings.Contains(answer.Error, "start the walk again without a cursor") {
		t.Errorf("changes after a pruned cursor: got %d %s, want 410 saying to start again", resp.StatusCode, body)
	}
	if resp, body := s.do(t, "GET", "/api/changes", "", ""); resp.StatusCode != 200 || !strings.Contains(string(body), `"a3"`) {
		t.Errorf("changes without a cursor: got %d %s", resp.StatusCode, body)
	}
	resp, body = s.do(t, "GET", "/api/articles?order=changed&cursor="+articles.NextCursor, "", "")
	if resp.StatusCode != 200 || !strings.Contains(string(body), `"a2"`) || !strings.Contains(string(body), `"a3"`) {
		t.Errorf("walk in changed order after pruning: got %d %s, want a2 and a3", resp.StatusCode, body)
	}
}
