package feed

import (
	"crypto/rand"
	"crypto/sha256"
	"strings"
	"time"
)

// A Token lets a client write through the API. Only a hash of its secret is
// stored; the secret itself is shown once, when the token is created.
type Token struct {
	ID       int64     `json:"id"`
	Name     string    `json:"name"`
	Created  time.Time `json:"created"`
	LastUsed time.Time `json:"last_used,omitzero"`
	Revoked  time.Time `json:"revoked,omitzero"`
}

// NewTokenSecret returns a fresh random secret for a token and the hash that
// is stored in its place. The secret starts with "hrd_" so that it is easy to
// spot in a leaked file.
func NewTokenSecret() (secret string, hash []byte) {
	secret = "hrd_" + rand.Text()
	return secret, HashToken(secret)
}

// HashToken returns the stored form of a token secret.
func HashToken(secret string) []byte {
	h := sha256.Sum256([]byte(secret))
	return h[:]
}

// TokenName returns the name a token is stored under: name without the
// white space around it. It returns a *ValidationError when that is not 1
// to 100 bytes.
func TokenName(name string) (string, error) {
	name = strings.TrimSpace(name)
	if name == "" || len(name) > 100 {
		return "", Invalid("name", "must be 1 to 100 bytes")
	}
	return name, nil
}
