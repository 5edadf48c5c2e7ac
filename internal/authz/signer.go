package authz

import (
	"crypto"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/creditbridge/creditbridge/internal/fault"
)

// TokenType is the "typ" header of a signed authorization artefact.
const TokenType = "creditbridge-authorization+jwt"

// WebhookType is the "typ" header of a webhook body's signature.
const WebhookType = "creditbridge-webhook+jws"

// Artefact is what the node signs for each version of an authorization:
// everything that decides what may be read, and the status it had.
type Artefact struct {
	ID              string   `json:"jti"`
	Issuer          string   `json:"iss,omitempty"` // the node's name
	Subject         string   `json:"sub"`           // the grantor enterprise's credit code
	EnterpriseID    int64    `json:"enterprise_id"`
	InstitutionID   int64    `json:"institution_id"`
	InstitutionName string   `json:"institution_name"`
	Purpose         string   `json:"purpose"`
	Items           []string `json:"items"`
	DataFrom        string   `json:"data_from"` // YYYY-MM-DD
	DataTo          string   `json:"data_to"`
	ValidFrom       int64    `json:"nbf"` // seconds since 1970 UTC
	ValidUntil      int64    `json:"exp"`
	FetchType       string   `json:"fetch_type"`
	Frequency       string   `json:"frequency,omitempty"`
	Mode            string   `json:"mode"`
	Status          Status   `json:"status"`
	PersonalConsent bool     `json:"personal_consent"`
	Redelegation    bool     `json:"redelegation"` // always false: no re-delegation
	Version         int      `json:"version"`
	IssuedAt        int64    `json:"iat"` // when this version was made
	KeyID           string   `json:"kid"`
}

// ArtefactOf is the artefact of a (without issuer and key id).
func ArtefactOf(a Authorization) Artefact {
	return Artefact{ID: a.ID, Subject: a.EnterpriseCode, EnterpriseID: a.EnterpriseID, InstitutionID: a.InstitutionID,
		InstitutionName: a.InstitutionName, Purpose: a.Purpose, Items: a.Items, DataFrom: a.DataFrom.Format(time.DateOnly),
		DataTo: a.DataTo.Format(time.DateOnly), ValidFrom: a.ValidFrom.Unix(), ValidUntil: a.ValidUntil.Unix(),
		FetchType: a.FetchType, Frequency: a.Frequency, Mode: a.Mode, Status: a.Status, PersonalConsent: a.PersonalConsent,
		Version: a.Version, IssuedAt: a.UpdatedAt.Unix()}
}

// Signer signs artefacts and webhook bodies with the node key (EdDSA
// compact JWS, as internal/verify's attestations).
type Signer struct {
	key     ed25519.PrivateKey
	kid     string
	node    string
	artefct jose.Signer
	webhook jose.Signer
}

// NewSigner builds a signer for the node key; node is the issuer name.
func NewSigner(key ed25519.PrivateKey, node string) (*Signer, error) {
	tp, err := (&jose.JSONWebKey{Key: key.Public()}).Thumbprint(crypto.SHA256)
	if err != nil {
		return nil, fmt.Errorf("authz: key thumbprint: %w", err)
	}
	kid := base64.RawURLEncoding.EncodeToString(tp)
	sk := jose.SigningKey{Algorithm: jose.EdDSA, Key: jose.JSONWebKey{Key: key, KeyID: kid, Algorithm: string(jose.EdDSA)}}
	art, err := jose.NewSigner(sk, (&jose.SignerOptions{}).WithType(TokenType))
	if err != nil {
		return nil, fmt.Errorf("authz: signer: %w", err)
	}
	wh, err := jose.NewSigner(sk, (&jose.SignerOptions{}).WithType(WebhookType))
	if err != nil {
		return nil, fmt.Errorf("authz: signer: %w", err)
	}
	return &Signer{key: key, kid: kid, node: node, artefct: art, webhook: wh}, nil
}

// KeyID is the RFC 7638 thumbprint of the node's public key (the kid the
// node's JWKS publishes).
func (s *Signer) KeyID() string { return s.kid }

// Public is the key that verifies what s signs.
func (s *Signer) Public() ed25519.PublicKey { return s.key.Public().(ed25519.PublicKey) }

// Sign returns the compact JWS of a's artefact.
func (s *Signer) Sign(a Authorization) (string, error) {
	art := ArtefactOf(a)
	art.Issuer, art.KeyID = s.node, s.kid
	b, err := json.Marshal(art)
	if err != nil {
		return "", fmt.Errorf("authz: encode artefact: %w", err)
	}
	obj, err := s.artefct.Sign(b)
	if err != nil {
		return "", fmt.Errorf("authz: sign: %w", err)
	}
	return obj.CompactSerialize()
}

// SignBody returns a compact JWS whose payload is body (webhook
// deliveries carry it in the CreditBridge-Signature header).
func (s *Signer) SignBody(body []byte) (string, error) {
	obj, err := s.webhook.Sign(body)
	if err != nil {
		return "", fmt.Errorf("authz: sign webhook: %w", err)
	}
	return obj.CompactSerialize()
}

// Verify checks a signed artefact against the node's public key: EdDSA
// only, the authorization type, an intact signature and a signed kid equal
// to the header's. It does not judge validity dates or status: the
// artefact says what they were at its version.
func Verify(token string, pub ed25519.PublicKey) (Artefact, error) {
	obj, err := jose.ParseSignedCompact(strings.TrimSpace(token), []jose.SignatureAlgorithm{jose.EdDSA})
	if err != nil || len(obj.Signatures) != 1 {
		e := fault.New(fault.Invalid, "authz.artefact_malformed", "not a compact JWS signed with EdDSA")
		if err != nil {
			e = e.Wrap(err)
		}
		return Artefact{}, e
	}
	h := obj.Signatures[0].Header
	if typ, _ := h.ExtraHeaders[jose.HeaderType].(string); typ != TokenType {
		return Artefact{}, fault.New(fault.Invalid, "authz.artefact_malformed", "not a CreditBridge authorization")
	}
	payload, err := obj.Verify(pub)
	if err != nil {
		return Artefact{}, fault.New(fault.Invalid, "authz.artefact_bad_signature", "the signature does not verify: the artefact was altered or signed by another key")
	}
	var a Artefact
	dec := json.NewDecoder(strings.NewReader(string(payload)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&a); err != nil {
		return Artefact{}, fault.New(fault.Invalid, "authz.artefact_malformed", "the signed artefact cannot be read").Wrap(err)
	}
	if a.KeyID != h.KeyID {
		return Artefact{}, fault.New(fault.Invalid, "authz.artefact_malformed", "the signed kid differs from the header's")
	}
	return a, nil
}

// VerifyBody checks a webhook's CreditBridge-Signature header against the
// body received and the node's public key.
func VerifyBody(sig string, body []byte, pub ed25519.PublicKey) error {
	obj, err := jose.ParseSignedCompact(strings.TrimSpace(sig), []jose.SignatureAlgorithm{jose.EdDSA})
	if err != nil {
		return fault.New(fault.Invalid, "authz.webhook_bad_signature", "the webhook signature is malformed").Wrap(err)
	}
	payload, err := obj.Verify(pub)
	if err != nil || string(payload) != string(body) {
		return fault.New(fault.Invalid, "authz.webhook_bad_signature", "the webhook signature does not match the body")
	}
	return nil
}
