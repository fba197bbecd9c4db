package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"herald/feed"
	"herald/store/internal/micros"
)

// CreateToken stores a new API token under name with the hash of its secret
// (see feed.NewTokenSecret). It returns feed.ErrConflict when the name is
// taken and a *feed.ValidationError for a bad name.
func (db *DB) CreateToken(ctx context.Context, name string, hash []byte) (*feed.Token, error) {
	name, err := feed.TokenName(name)
	if err != nil {
		return nil, fmt.Errorf("create token: %w", err)
	}
	t := &feed.Token{Name: name, Created: db.now()}
	err = db.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO tokens (name, hash, created) VALUES (?, ?, ?)`,
			name, hash, micros.Of(t.Created))
		if isUnique(err) {
			return fmt.Errorf("a token named %q exists: %w", name, feed.ErrConflict)
		}
		if err != nil {
			return err
		}
		t.ID, err = res.LastInsertId()
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("create token: %w", err)
	}
	return t, nil
}

// Tokens lists every token, revoked ones included, oldest first.
func (db *DB) Tokens(ctx context.Context) ([]feed.Token, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT id, name, created, COALESCE(last_used, 0), COALESCE(revoked, 0) FROM tokens ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("tokens: %w", err)
	}
	defer rows.Close()
	var out []feed.Token
	for rows.Next() {
		var (
			t                      feed.Token
			created, used, revoked int64
		)
		if err := rows.Scan(&t.ID, &t.Name, &created, &used, &revoked); err != nil {
			return nil, fmt.Errorf("tokens: %w", err)
		}
		t.Created, t.LastUsed, t.Revoked = micros.Time(created), micros.Time(used), micros.Time(revoked)
		out = append(out, t)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("tokens: %w", err)
	}
	return out, nil
}

// RevokeToken revokes the token with the given name; it stops working at
// once. It returns feed.ErrNotFound when no live token has that name.
func (db *DB) RevokeToken(ctx context.Context, name string) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE tokens SET revoked = ? WHERE name = ? AND revoked IS NULL`, micros.Of(db.now()), name)
		if err != nil {
			return fmt.Errorf("revoke token %s: %w", name, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fmt.Errorf("revoke token %s: %w", name, feed.ErrNotFound)
		}
		return nil
	})
}

// Authenticate returns the live token whose secret hashes to hash and notes
// that it was used. It returns feed.ErrUnauthorized for an unknown or
// revoked token.
func (db *DB) Authenticate(ctx context.Context, hash []byte) (*feed.Token, error) {
	var (
		t                      feed.Token
		created, used, revoked int64
	)
	err := db.read.QueryRowContext(ctx, `SELECT id, name, created, COALESCE(last_used, 0), COALESCE(revoked, 0) FROM tokens WHERE hash = ?`, hash).
		Scan(&t.ID, &t.Name, &created, &used, &revoked)
	if err == sql.ErrNoRows || (err == nil && revoked != 0) {
		return nil, fmt.Errorf("authenticate: %w", feed.ErrUnauthorized)
	}
	if err != nil {
		return nil, fmt.Errorf("authenticate: %w", err)
	}
	t.Created, t.LastUsed = micros.Time(created), micros.Time(used)
	now := db.now()
	// Recording use costs a write; once a minute per token is plenty.
	if now.Sub(t.LastUsed) > time.Minute {
		err := db.tx(ctx, func(tx *sql.Tx) error {
			_, err := tx.ExecContext(ctx, `UPDATE tokens SET last_used = ? WHERE id = ?`, micros.Of(now), t.ID)
			return err
		})
		if err != nil {
			return nil, fmt.Errorf("authenticate: %w", err)
		}
		t.LastUsed = now
	}
	return &t, nil
}
