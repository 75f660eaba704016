package auth

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
)

// AgentKeyPrefix starts every pseudonymous agent key.
const AgentKeyPrefix = "ak_"

// MinSecretBytes is the shortest secret a Keyer accepts.
const MinSecretBytes = 16

// ErrWeakSecret says an agent key secret is too short.
var ErrWeakSecret = errors.New("auth: agent key secret must be at least 16 bytes")

// Keyer turns agent ids into pseudonymous agent keys: "ak_" and the first
// 16 hex digits (64 bits) of HMAC-SHA256(secret, agent id). The secret is
// per deployment, so a key is stable across loads, restarts and surfaces
// (an export and the analyst database agree), cannot be reversed without
// the secret, and differs between deployments. The empty id (no agent)
// stays empty.
type Keyer struct {
	secret []byte
}

// NewKeyer returns a Keyer over secret.
func NewKeyer(secret []byte) (*Keyer, error) {
	if len(secret) < MinSecretBytes {
		return nil, ErrWeakSecret
	}
	return &Keyer{secret: append([]byte(nil), secret...)}, nil
}

// Key returns the agent key of id.
func (k *Keyer) Key(id string) string {
	if id == "" {
		return ""
	}
	m := hmac.New(sha256.New, k.secret)
	m.Write([]byte(id))
	return AgentKeyPrefix + hex.EncodeToString(m.Sum(nil)[:8])
}

// RandomKeyer returns a Keyer over a new random secret: keys that hide ids
// but hold only as long as the process.
func RandomKeyer() (*Keyer, error) {
	b, err := NewSecret()
	if err != nil {
		return nil, err
	}
	return NewKeyer(b)
}

// NewSecret returns 32 random bytes for a deployment's agent key secret.
func NewSecret() ([]byte, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return nil, fmt.Errorf("auth: read random bytes: %w", err)
	}
	return b, nil
}
