package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"maps"
	"slices"

	"herald/feed"
	"herald/store/internal/micros"
)

const subscriberColumns = `id, name, plan, tags, rate, attribution, created, COALESCE(revoked, 0),
	polls, not_modified, COALESCE(last_seen, 0), user_agents, early_access`

func scanSubscriber(row interface{ Scan(...any) error }) (*feed.Subscriber, error) {
	var (
		s                      feed.Subscriber
		plan, tags, agents     string
		created, revoked, seen int64
	)
	err := row.Scan(&s.ID, &s.Name, &plan, &tags, &s.RatePerMinute, &s.Attribution, &created, &revoked,
		&s.Usage.Polls, &s.Usage.NotModified, &seen, &agents, &s.EarlyAccess)
	if err != nil {
		return nil, err
	}
	s.Plan = feed.Plan(plan)
	s.Created, s.Revoked, s.Usage.LastSeen = micros.Time(created), micros.Time(revoked), micros.Time(seen)
	if err := json.Unmarshal([]byte(tags), &s.Tags); err != nil {
		return nil, fmt.Errorf("subscriber %s: tags: %w", s.Name, err)
	}
	if err := json.Unmarshal([]byte(agents), &s.Usage.UserAgents); err != nil {
		return nil, fmt.Errorf("subscriber %s: user agents: %w", s.Name, err)
	}
	return &s, nil
}

// CreateSubscriber stores a subscriber with the hash of its token (see
// feed.NewTokenSecret). It returns a *feed.ValidationError for bad fields
// and feed.ErrConflict when the name is taken.
func (db *DB) CreateSubscriber(ctx context.Context, s *feed.Subscriber, hash []byte) error {
	if err := s.Validate(); err != nil {
		return fmt.Errorf("create subscriber: %w", err)
	}
	s.Created = db.now()
	tags, _ := json.Marshal(nonNil(s.Tags))
	err := db.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO subscribers (name, hash, plan, tags, rate, attribution, created, early_access)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, s.Name, hash, string(s.Plan), string(tags), s.RatePerMinute, s.Attribution, micros.Of(s.Created),
			s.EarlyAccess)
		if isUnique(err) {
			return fmt.Errorf("a subscriber named %q exists: %w", s.Name, feed.ErrConflict)
		}
		if err != nil {
			return err
		}
		s.ID, err = res.LastInsertId()
		return err
	})
	if err != nil {
		return fmt.Errorf("create subscriber: %w", err)
	}
	return nil
}

// Subscribers lists every subscriber, revoked ones included, by name.
func (db *DB) Subscribers(ctx context.Context) ([]feed.Subscriber, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT `+subscriberColumns+` FROM subscribers ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("subscribers: %w", err)
	}
	defer rows.Close()
	var out []feed.Subscriber
	for rows.Next() {
		s, err := scanSubscriber(rows)
		if err != nil {
			return nil, fmt.Errorf("subscribers: %w", err)
		}
		out = append(out, *s)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("subscribers: %w", err)
	}
	return out, nil
}

// Subscriber returns the subscriber with the given name, or
// feed.ErrNotFound.
func (db *DB) Subscriber(ctx context.Context, name string) (*feed.Subscriber, error) {
	s, err := scanSubscriber(db.read.QueryRowContext(ctx, `SELECT `+subscriberColumns+` FROM subscribers WHERE name = ?`, name))
	if err != nil {
		return nil, notFound(err, "subscriber "+name)
	}
	return s, nil
}

// SubscriberByToken returns the subscriber whose token hashes to hash,
// revoked or not (the caller tells a revoked token from an unknown one), or
// feed.ErrNotFound.
func (db *DB) SubscriberByToken(ctx context.Context, hash []byte) (*feed.Subscriber, error) {
	s, err := scanSubscriber(db.read.QueryRowContext(ctx, `SELECT `+subscriberColumns+` FROM subscribers WHERE hash = ?`, hash))
	if err != nil {
		return nil, notFound(err, "subscriber token")
	}
	return s, nil
}

// RotateSubscriber replaces a live subscriber's token hash: the old token
// stops working at once. It returns feed.ErrNotFound when there is no live
// subscriber of that name.
func (db *DB) RotateSubscriber(ctx context.Context, name string, hash []byte) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE subscribers SET hash = ? WHERE name = ? AND revoked IS NULL`, hash, name)
		if err != nil {
			return fmt.Errorf("rotate subscriber %s: %w", name, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fmt.Errorf("rotate subscriber %s: %w", name, feed.ErrNotFound)
		}
		return nil
	})
}

// RevokeSubscriber revokes a subscriber's token; requests with it answer
// 403 from then on. It returns feed.ErrNotFound when there is no live
// subscriber of that name.
func (db *DB) RevokeSubscriber(ctx context.Context, name string) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE subscribers SET revoked = ? WHERE name = ? AND revoked IS NULL`, micros.Of(db.now()), name)
		if err != nil {
			return fmt.Errorf("revoke subscriber %s: %w", name, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fmt.Errorf("revoke subscriber %s: %w", name, feed.ErrNotFound)
		}
		return nil
	})
}

// AddUsage adds counts gathered in memory to the stored usage of each
// subscriber, keyed by id, in one transaction. Unknown ids are skipped.
func (db *DB) AddUsage(ctx context.Context, usage map[int64]feed.Usage) error {
	if len(usage) == 0 {
		return nil
	}
	err := db.tx(ctx, func(tx *sql.Tx) error {
		for id, u := range usage {
			var raw string
			err := tx.QueryRowContext(ctx, `SELECT user_agents FROM subscribers WHERE id = ?`, id).Scan(&raw)
			if err == sql.ErrNoRows {
				continue
			}
			if err != nil {
				return err
			}
			agents := map[string]int64{}
			if err := json.Unmarshal([]byte(raw), &agents); err != nil {
				return fmt.Errorf("subscriber %d: user agents: %w", id, err)
			}
			for ua, n := range u.UserAgents {
				agents[ua] += n
			}
			b, _ := json.Marshal(busiest(agents, feed.MaxUserAgents))
			_, err = tx.ExecContext(ctx, `UPDATE subscribers SET polls = polls + ?, not_modified = not_modified + ?,
				last_seen = MAX(COALESCE(last_seen, 0), ?), user_agents = ? WHERE id = ?`,
				u.Polls, u.NotModified, micros.Of(u.LastSeen), string(b), id)
			if err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("add usage: %w", err)
	}
	return nil
}

// busiest keeps the n keys with the largest counts (ties by key).
func busiest(m map[string]int64, n int) map[string]int64 {
	if len(m) <= n {
		return m
	}
	keys := slices.Collect(maps.Keys(m))
	slices.SortFunc(keys, func(a, b string) int {
		if m[a] != m[b] {
			if m[a] > m[b] {
				return -1
			}
			return 1
		}
		if a < b {
			return -1
		}
		return 1
	})
	out := make(map[string]int64, n)
	for _, k := range keys[:n] {
		out[k] = m[k]
	}
	return out
}
