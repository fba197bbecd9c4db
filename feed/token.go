package feed

import "time"

// A Token lets a client write through the API. Only a hash of its secret is
// stored; the secret itself is shown once, when the token is created.
type Token struct {
	ID       int64     `json:"id"`
	Name     string    `json:"name"`
	Created  time.Time `json:"created"`
	LastUsed time.Time `json:"last_used,omitzero"`
	Revoked  time.Time `json:"revoked,omitzero"`
}
