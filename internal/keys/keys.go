// Package keys loads or creates the node's secrets in the data directory:
// the Ed25519 node key that signs evidence-log checkpoints, and the data key
// that seals personal data (AES-256-GCM) before it is stored.
//
// Keys are created once, on first start, with file mode 0600, and never
// logged or sent anywhere. Losing the data key makes sealed personal data
// unreadable; losing the node key leaves old checkpoints verifiable with the
// public key file kept beside it.
package keys

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// File names inside the data directory.
const (
	NodeKeyFile   = "node_ed25519.pem"
	NodePubFile   = "node_ed25519.pub.pem"
	DataKeyFile   = "data.key"
	dataKeyLength = 32
)

// Set is the node's keys.
type Set struct {
	Node ed25519.PrivateKey
	Data *Sealer
}

// Public returns the node's public key.
func (s Set) Public() ed25519.PublicKey { return s.Node.Public().(ed25519.PublicKey) }

// LoadOrCreate reads the keys from dir, creating dir and any missing key.
func LoadOrCreate(dir string) (Set, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return Set{}, fmt.Errorf("keys: create %s: %w", dir, err)
	}
	node, err := loadOrCreateNode(dir)
	if err != nil {
		return Set{}, err
	}
	dk, err := loadOrCreateData(dir)
	if err != nil {
		return Set{}, err
	}
	s, err := NewSealer(dk)
	if err != nil {
		return Set{}, err
	}
	return Set{Node: node, Data: s}, nil
}

func loadOrCreateNode(dir string) (ed25519.PrivateKey, error) {
	path := filepath.Join(dir, NodeKeyFile)
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		_, priv, err := ed25519.GenerateKey(rand.Reader)
		if err != nil {
			return nil, fmt.Errorf("keys: generate node key: %w", err)
		}
		der, err := x509.MarshalPKCS8PrivateKey(priv)
		if err != nil {
			return nil, fmt.Errorf("keys: encode node key: %w", err)
		}
		if err := writeNew(path, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), 0o600); err != nil {
			return nil, err
		}
		if err := WritePublic(filepath.Join(dir, NodePubFile), priv.Public().(ed25519.PublicKey)); err != nil {
			return nil, err
		}
		return priv, nil
	}
	if err != nil {
		return nil, fmt.Errorf("keys: read %s: %w", path, err)
	}
	blk, _ := pem.Decode(b)
	if blk == nil || blk.Type != "PRIVATE KEY" {
		return nil, fmt.Errorf("keys: %s is not a PEM private key", path)
	}
	k, err := x509.ParsePKCS8PrivateKey(blk.Bytes)
	if err != nil {
		return nil, fmt.Errorf("keys: %s: %w", path, err)
	}
	priv, ok := k.(ed25519.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("keys: %s is not an Ed25519 key", path)
	}
	return priv, nil
}

// WritePublic writes pub as a PEM file (replacing it).
func WritePublic(path string, pub ed25519.PublicKey) error {
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return fmt.Errorf("keys: encode public key: %w", err)
	}
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}), 0o644); err != nil {
		return fmt.Errorf("keys: write %s: %w", path, err)
	}
	return nil
}

// ReadPublic reads a PEM public key file written by WritePublic.
func ReadPublic(path string) (ed25519.PublicKey, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("keys: read %s: %w", path, err)
	}
	blk, _ := pem.Decode(b)
	if blk == nil || blk.Type != "PUBLIC KEY" {
		return nil, fmt.Errorf("keys: %s is not a PEM public key", path)
	}
	k, err := x509.ParsePKIXPublicKey(blk.Bytes)
	if err != nil {
		return nil, fmt.Errorf("keys: %s: %w", path, err)
	}
	pub, ok := k.(ed25519.PublicKey)
	if !ok {
		return nil, fmt.Errorf("keys: %s is not an Ed25519 public key", path)
	}
	return pub, nil
}

func loadOrCreateData(dir string) ([]byte, error) {
	path := filepath.Join(dir, DataKeyFile)
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		k := make([]byte, dataKeyLength)
		if _, err := rand.Read(k); err != nil {
			return nil, fmt.Errorf("keys: generate data key: %w", err)
		}
		if err := writeNew(path, []byte(base64.StdEncoding.EncodeToString(k)+"\n"), 0o600); err != nil {
			return nil, err
		}
		return k, nil
	}
	if err != nil {
		return nil, fmt.Errorf("keys: read %s: %w", path, err)
	}
	k, err := base64.StdEncoding.DecodeString(strings.TrimSpace(string(b)))
	if err != nil || len(k) != dataKeyLength {
		return nil, fmt.Errorf("keys: %s does not hold a base64 %d-byte key", path, dataKeyLength)
	}
	return k, nil
}

// writeNew creates path exclusively, so two starting nodes never overwrite
// each other's key.
func writeNew(path string, b []byte, mode os.FileMode) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, mode)
	if err != nil {
		return fmt.Errorf("keys: create %s: %w", path, err)
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		return fmt.Errorf("keys: write %s: %w", path, err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("keys: sync %s: %w", path, err)
	}
	return f.Close()
}

// Sealer encrypts small values with AES-256-GCM. The associated data binds
// a ciphertext to its owner (for example the enterprise's credit code) so a
// sealed value copied to another row does not open.
type Sealer struct{ aead cipher.AEAD }

// NewSealer builds a sealer from a 32-byte key.
func NewSealer(key []byte) (*Sealer, error) {
	if len(key) != dataKeyLength {
		return nil, fmt.Errorf("keys: data key must be %d bytes", dataKeyLength)
	}
	blk, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("keys: %w", err)
	}
	aead, err := cipher.NewGCM(blk)
	if err != nil {
		return nil, fmt.Errorf("keys: %w", err)
	}
	return &Sealer{aead: aead}, nil
}

// Seal returns version byte 1, nonce and ciphertext.
func (s *Sealer) Seal(plain, aad []byte) ([]byte, error) {
	nonce := make([]byte, s.aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return nil, fmt.Errorf("keys: nonce: %w", err)
	}
	out := append([]byte{1}, nonce...)
	return s.aead.Seal(out, nonce, plain, aad), nil
}

// Open reverses Seal; it fails if the data or aad was altered.
func (s *Sealer) Open(sealed, aad []byte) ([]byte, error) {
	n := s.aead.NonceSize()
	if len(sealed) < 1+n || sealed[0] != 1 {
		return nil, errors.New("keys: sealed value is malformed")
	}
	p, err := s.aead.Open(nil, sealed[1:1+n], sealed[1+n:], aad)
	if err != nil {
		return nil, errors.New("keys: sealed value does not open (wrong key or altered)")
	}
	return p, nil
}
