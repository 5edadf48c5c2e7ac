package connector

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Headers of an HMAC-signed request.
const (
	HeaderKeyID     = "X-CB-Key-Id"
	HeaderTimestamp = "X-CB-Timestamp" // Unix seconds
	HeaderNonce     = "X-CB-Nonce"     // 32 hex digits, never reused
	HeaderSignature = "X-CB-Signature" // hex HMAC-SHA256 of CanonicalString
)

// SignatureWindow is how far a signed request's timestamp may be from the
// receiver's clock, either way.
const SignatureWindow = 5 * time.Minute

// CanonicalString is what an HMAC signature covers, one field per line:
// the method, the escaped path, the query with its keys sorted (as
// url.Values.Encode writes it), the timestamp, the nonce and the
// lower-case hex SHA-256 of the body (of nothing for a GET).
func CanonicalString(method, escapedPath, canonicalQuery, timestamp, nonce string, body []byte) string {
	sum := sha256.Sum256(body)
	return strings.Join([]string{strings.ToUpper(method), escapedPath, canonicalQuery, timestamp, nonce, hex.EncodeToString(sum[:])}, "\n")
}

// Signature is the hex HMAC-SHA256 of canonical with secret.
func Signature(secret []byte, canonical string) string {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(canonical))
	return hex.EncodeToString(m.Sum(nil))
}

// SignRequest sets the HMAC headers on r, whose body is body.
func SignRequest(r *http.Request, keyID string, secret, body []byte, now time.Time) error {
	var n [16]byte
	if _, err := rand.Read(n[:]); err != nil {
		return err
	}
	nonce := hex.EncodeToString(n[:])
	ts := strconv.FormatInt(now.Unix(), 10)
	canon := CanonicalString(r.Method, r.URL.EscapedPath(), r.URL.Query().Encode(), ts, nonce, body)
	r.Header.Set(HeaderKeyID, keyID)
	r.Header.Set(HeaderTimestamp, ts)
	r.Header.Set(HeaderNonce, nonce)
	r.Header.Set(HeaderSignature, Signature(secret, canon))
	return nil
}

// Reasons a Verifier rejects a request.
var (
	ErrUnsigned     = errors.New("the request is not signed")
	ErrUnknownKey   = errors.New("unknown key id")
	ErrStale        = errors.New("the timestamp is outside the allowed window")
	ErrBadSignature = errors.New("the signature does not match")
	ErrReplay       = errors.New("the nonce was already used")
)

// Verifier checks HMAC-signed requests: the key id, a timestamp within
// SignatureWindow of its clock, the signature, and that no nonce is
// accepted twice while its timestamp is within the window. It is safe for
// concurrent use.
type Verifier struct {
	KeyID  string
	Secret []byte
	Now    func() time.Time

	mu   sync.Mutex
	seen map[string]time.Time // nonce → when it stops mattering
}

// Verify checks r, whose body has been read into body.
func (v *Verifier) Verify(r *http.Request, body []byte) error {
	now := time.Now()
	if v.Now != nil {
		now = v.Now()
	}
	kid, ts, nonce, sig := r.Header.Get(HeaderKeyID), r.Header.Get(HeaderTimestamp), r.Header.Get(HeaderNonce), r.Header.Get(HeaderSignature)
	if kid == "" || ts == "" || nonce == "" || sig == "" {
		return ErrUnsigned
	}
	if kid != v.KeyID {
		return ErrUnknownKey
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return ErrStale
	}
	at := time.Unix(sec, 0)
	if at.Before(now.Add(-SignatureWindow)) || at.After(now.Add(SignatureWindow)) {
		return ErrStale
	}
	want := Signature(v.Secret, CanonicalString(r.Method, r.URL.EscapedPath(), r.URL.Query().Encode(), ts, nonce, body))
	if !hmac.Equal([]byte(want), []byte(strings.ToLower(sig))) {
		return ErrBadSignature
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.seen == nil {
		v.seen = map[string]time.Time{}
	}
	if len(v.seen) > 4096 {
		for k, until := range v.seen {
			if until.Before(now) {
				delete(v.seen, k)
			}
		}
	}
	if until, ok := v.seen[nonce]; ok && !until.Before(now) {
		return ErrReplay
	}
	// A nonce matters as long as its timestamp could still be accepted.
	v.seen[nonce] = at.Add(SignatureWindow)
	return nil
}
