package verify

import (
	"crypto"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/creditbridge/creditbridge/internal/fault"
)

// TokenType is the "typ" header of an attestation.
const TokenType = "creditbridge-attestation+jwt"

// Answers.
const (
	True    = "true"
	False   = "false"
	Unknown = "unknown"
)

// Requester is who asked.
type Requester struct {
	OrgID   int64  `json:"org_id"`
	OrgName string `json:"org_name"`
	Actor   string `json:"actor"` // username or apikey:<prefix>
}

// Claims are what an attestation states. Times are NumericDate seconds,
// as in JWT, so generic JWT tools read them.
type Claims struct {
	Issuer          string    `json:"iss"`            // the node's name
	Subject         string    `json:"sub"`            // the enterprise's unified social credit code
	ID              string    `json:"jti"`            // the nonce: random, unique per attestation
	IssuedAt        int64     `json:"iat"`            // seconds since 1970 UTC
	Expiry          int64     `json:"exp"`            // seconds since 1970 UTC
	Question        string    `json:"question"`       // as asked
	Answer          string    `json:"answer"`         // true, false or unknown; a band question's label
	Band            string    `json:"band,omitempty"` // a band question's scale (bands.go): yuan, persons, years
	AsOf            string    `json:"as_of"`          // YYYY-MM-DD
	Sources         []Source  `json:"sources"`        // items, departments, batches, periods; no values
	Requester       Requester `json:"requester"`      // the institution that asked
	Purpose         string    `json:"purpose"`        // the purpose stated
	AuthorizationID string    `json:"authorization"`  // the enterprise's authorization asked under (empty for the operator)
	KeyID           string    `json:"kid"`            // repeated from the header, so the signed part names its key
}

// Signer signs attestations with the node key.
type Signer struct {
	key    ed25519.PrivateKey
	kid    string
	signer jose.Signer
}

// KeyID is the RFC 7638 thumbprint (SHA-256, base64url) of an Ed25519
// public key: the "kid" of attestations and of the JWKS entry.
func KeyID(pub ed25519.PublicKey) (string, error) {
	tp, err := (&jose.JSONWebKey{Key: pub}).Thumbprint(crypto.SHA256)
	if err != nil {
		return "", fmt.Errorf("verify: key thumbprint: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(tp), nil
}

// NewSigner builds a signer for the node key.
func NewSigner(key ed25519.PrivateKey) (*Signer, error) {
	kid, err := KeyID(key.Public().(ed25519.PublicKey))
	if err != nil {
		return nil, err
	}
	sg, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.EdDSA, Key: jose.JSONWebKey{Key: key, KeyID: kid, Algorithm: string(jose.EdDSA)}},
		(&jose.SignerOptions{}).WithType(TokenType))
	if err != nil {
		return nil, fmt.Errorf("verify: signer: %w", err)
	}
	return &Signer{key: key, kid: kid, signer: sg}, nil
}

// KeyID is the signer's kid.
func (s *Signer) KeyID() string { return s.kid }

// Sign returns the compact JWS of c (c.KeyID set to the signer's).
func (s *Signer) Sign(c Claims) (string, error) {
	c.KeyID = s.kid
	b, err := json.Marshal(c)
	if err != nil {
		return "", fmt.Errorf("verify: encode claims: %w", err)
	}
	obj, err := s.signer.Sign(b)
	if err != nil {
		return "", fmt.Errorf("verify: sign: %w", err)
	}
	return obj.CompactSerialize()
}

// JWKS is the public key set to publish at /.well-known/jwks.json.
func (s *Signer) JWKS() jose.JSONWebKeySet {
	return jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: s.key.Public(), KeyID: s.kid, Algorithm: string(jose.EdDSA), Use: "sig"}}}
}

// ParseJWKS reads a JWKS document.
func ParseJWKS(b []byte) (jose.JSONWebKeySet, error) {
	var set jose.JSONWebKeySet
	if err := json.Unmarshal(b, &set); err != nil {
		return set, fault.New(fault.Invalid, "verify.jwks_invalid", "the key set is not a JWKS document").Wrap(err)
	}
	if len(set.Keys) == 0 {
		return set, fault.New(fault.Invalid, "verify.jwks_invalid", "the key set holds no keys")
	}
	return set, nil
}

// ErrExpired is wrapped by Verify for an attestation past its expiry; the
// claims are still returned.
var ErrExpired = errors.New("attestation expired")

// Verify checks token against the key set: EdDSA only, a key with the
// token's kid, an intact signature, the claims' kid equal to the header's
// and, at now, not expired. On an expired token it returns the claims and
// an error wrapping ErrExpired.
func Verify(token string, set jose.JSONWebKeySet, now time.Time) (Claims, error) {
	token = strings.TrimSpace(token)
	bad := func(code, msg string, err error) error {
		e := fault.New(fault.Invalid, code, msg)
		if err != nil {
			e = e.Wrap(err)
		}
		return e
	}
	obj, err := jose.ParseSignedCompact(token, []jose.SignatureAlgorithm{jose.EdDSA})
	if err != nil {
		return Claims{}, bad("verify.attestation_malformed", "not a compact JWS signed with EdDSA", err)
	}
	if len(obj.Signatures) != 1 {
		return Claims{}, bad("verify.attestation_malformed", "expected exactly one signature", nil)
	}
	h := obj.Signatures[0].Header
	if typ, _ := h.ExtraHeaders[jose.HeaderType].(string); typ != TokenType {
		return Claims{}, bad("verify.attestation_malformed", "not a CreditBridge attestation (typ "+typ+")", nil)
	}
	keys := set.Key(h.KeyID)
	if len(keys) == 0 {
		return Claims{}, fault.New(fault.Invalid, "verify.attestation_unknown_key", "no key in the key set has the attestation's kid").With("kid", h.KeyID)
	}
	var payload []byte
	for _, k := range keys {
		if _, ok := k.Key.(ed25519.PublicKey); !ok {
			continue
		}
		if payload, err = obj.Verify(k.Key); err == nil {
			break
		}
	}
	if payload == nil {
		return Claims{}, fault.New(fault.Invalid, "verify.attestation_bad_signature", "the signature does not verify: the attestation was altered or signed by another key").With("kid", h.KeyID)
	}
	var c Claims
	dec := json.NewDecoder(strings.NewReader(string(payload)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&c); err != nil {
		return Claims{}, bad("verify.attestation_malformed", "the signed claims cannot be read", err)
	}
	if c.KeyID != h.KeyID {
		return Claims{}, bad("verify.attestation_malformed", "the signed kid differs from the header's", nil)
	}
	switch {
	case c.Band == "" && c.Answer != True && c.Answer != False && c.Answer != Unknown:
		return Claims{}, bad("verify.attestation_malformed", "the answer is not true, false or unknown", nil)
	case c.Band != "":
		sc, ok := Scales[c.Band]
		if !ok || c.Answer != Unknown && !slices.Contains(sc.Labels, c.Answer) {
			return Claims{}, bad("verify.attestation_malformed", "the answer is not a band of the scale it names", nil)
		}
	}
	if exp := time.Unix(c.Expiry, 0).UTC(); !now.Before(exp) {
		return c, fmt.Errorf("%w: %w", ErrExpired, fault.New(fault.Invalid, "verify.attestation_expired", "the attestation has expired").
			With("expiry", exp.Format(time.RFC3339)))
	}
	return c, nil
}
