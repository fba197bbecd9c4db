package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"

	"github.com/jackc/pgx/v5"

	"herald/feed"
	"herald/store/internal/micros"
)

const subscriberColumns = `id, name, plan, tags, rate, attribution, created, COALESCE(revoked, 0),
	polls, not_modified, COALESCE(last_seen, 0), user_agents, early_access`

func scanSubscriber(row pgx.Row) (*feed.Subscriber, error) {
	var (
		s                      feed.Subscriber
		plan                   string
		agents                 []byte
		created, revoked, seen int64
	)
	err := row.Scan(&s.ID, &s.Name, &plan, &s.Tags, &s.RatePerMinute, &s.Attribution, &created, &revoked,
		&s.Usage.Polls, &s.Usage.NotModified, &seen, &agents, &s.EarlyAccess)
	if err != nil {
		return nil, err
	}
	s.Plan, s.Tags = feed.Plan(plan), nonNil(s.Tags)
	s.Created, s.Revoked, s.Usage.LastSeen = micros.Time(created), micros.Time(revoked), micros.Time(seen)
	if err := json.Unmarshal(agents, &s.Usage.UserAgents); err != nil {
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
	err := db.tx(ctx, func(tx pgx.Tx) error {
		id, err := nextID(ctx, tx, "subscribers", 1)
		if err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `INSERT INTO subscribers (id, name, hash, plan, tags, rate, attribution, created, early_access)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
			id, s.Name, hash, string(s.Plan), nonNil(s.Tags), s.RatePerMinute, s.Attribution, micros.Of(s.Created),
			s.EarlyAccess)
		if isUnique(err) {
			return fmt.Errorf("a subscriber named %q exists: %w", s.Name, feed.ErrConflict)
		}
		s.ID = id
		return err
	})
	if err != nil {
		return fmt.Errorf("create subscriber: %w", err)
	}
	return nil
}

// Subscribers lists every subscriber, revoked ones included, by name.
func (db *DB) Subscribers(ctx context.Context) ([]feed.Subscriber, error) {
	rows, err := db.pool.Query(ctx, `SELECT `+subscriberColumns+` FROM subscribers ORDER BY name`)
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
	s, err := scanSubscriber(db.pool.QueryRow(ctx, `SELECT `+subscriberColumns+` FROM subscribers WHERE name = $1`, name))
	if err != nil {
		return nil, notFound(err, "subscriber "+name)
	}
	return s, nil
}

// SubscriberByToken returns the subscriber whose token hashes to hash,
// revoked or not (the caller tells a revoked token from an unknown one), or
// feed.ErrNotFound.
func (db *DB) SubscriberByToken(ctx context.Context, hash []byte) (*feed.Subscriber, error) {
	s, err := scanSubscriber(db.pool.QueryRow(ctx, `SELECT `+subscriberColumns+` FROM subscribers WHERE hash = $1`, hash))
	if err != nil {
		return nil, notFound(err, "subscriber token")
	}
	return s, nil
}

// RotateSubscriber replaces a live subscriber's token hash: the old token
// stops working at once. It returns feed.ErrNotFound when there is no live
// subscriber of that name.
func (db *DB) RotateSubscriber(ctx context.Context, name string, hash []byte) error {
	tag, err := db.pool.Exec(ctx, `UPDATE subscribers SET hash = $1 WHERE name = $2 AND revoked IS NULL`, hash, name)
	if isUnique(err) {
		return fmt.Errorf("rotate subscriber %s: the new token is another's: %w", name, feed.ErrConflict)
	}
	if err != nil {
		return fmt.Errorf("rotate subscriber %s: %w", name, err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("rotate subscriber %s: %w", name, feed.ErrNotFound)
	}
	return nil
}

// RevokeSubscriber revokes a subscriber's token; requests with it answer
// 403 from then on. It returns feed.ErrNotFound when there is no live
// subscriber of that name.
func (db *DB) RevokeSubscriber(ctx context.Context, name string) error {
	tag, err := db.pool.Exec(ctx, `UPDATE subscribers SET revoked = $1 WHERE name = $2 AND revoked IS NULL`, micros.Of(db.now()), name)
	if err != nil {
		return fmt.Errorf("revoke subscriber %s: %w", name, err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("revoke subscriber %s: %w", name, feed.ErrNotFound)
	}
	return nil
}

// AddUsage adds counts gathered in memory to the stored usage of each
// subscriber, keyed by id, in one transaction. Unknown ids are skipped.
//
// The sums are made by the database, the user agents' too (keeping the
// feed.MaxUserAgents busiest), so that instances adding at once lose
// nothing; subscribers are updated in the order of their ids, so that two
// such transactions never wait for each other in a circle.
func (db *DB) AddUsage(ctx context.Context, usage map[int64]feed.Usage) error {
	if len(usage) == 0 {
		return nil
	}
	ids := make([]int64, 0, len(usage))
	for id := range usage {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	err := db.tx(ctx, func(tx pgx.Tx) error {
		b := &pgx.Batch{}
		for _, id := range ids {
			u := usage[id]
			agents, _ := json.Marshal(nonNilMap(u.UserAgents))
			b.Queue(`UPDATE subscribers s SET polls = polls + $2, not_modified = not_modified + $3,
				last_seen = GREATEST(COALESCE(last_seen, 0), $4),
				user_agents = (
					SELECT COALESCE(jsonb_object_agg(k.agent, k.n), '{}')
					FROM (
						SELECT agent, SUM(n)::bigint AS n
						FROM (
							SELECT key AS agent, value::bigint AS n FROM jsonb_each_text(s.user_agents)
							UNION ALL
							SELECT key, value::bigint FROM jsonb_each_text($5::jsonb)
						) AS u
						GROUP BY agent
						ORDER BY SUM(n) DESC, agent COLLATE "C"
						LIMIT $6
					) AS k)
				WHERE id = $1`,
				id, u.Polls, u.NotModified, micros.Of(u.LastSeen), string(agents), feed.MaxUserAgents)
		}
		return tx.SendBatch(ctx, b).Close()
	})
	if err != nil {
		return fmt.Errorf("add usage: %w", err)
	}
	return nil
}

func nonNilMap[K comparable, V any](m map[K]V) map[K]V {
	if m == nil {
		return map[K]V{}
	}
	return m
}
