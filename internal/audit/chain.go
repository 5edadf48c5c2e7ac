package audit

import (
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"
)

// Precision is the time resolution kept in entries; both backends store
// microseconds, so hashes are computed over microsecond times.
const Precision = time.Microsecond

// canonical is the hashed form of an entry: a JSON object with fixed field
// order. Changing it breaks every existing chain; add a version field first.
type canonical struct {
	V               int      `json:"v"`
	Seq             int64    `json:"seq"`
	Time            string   `json:"time"`
	ActorUserID     int64    `json:"actor_user_id"`
	ActorName       string   `json:"actor_name"`
	OrgID           int64    `json:"org_id"`
	Action          string   `json:"action"`
	EnterpriseID    int64    `json:"enterprise_id"`
	Items           []string `json:"items"`
	Purpose         string   `json:"purpose"`
	AuthorizationID string   `json:"authorization_id"`
	Outcome         Outcome  `json:"outcome"`
	Detail          string   `json:"detail"`
	RemoteAddr      string   `json:"remote_addr"`
	PrevHash        string   `json:"prev_hash"`
}

// ComputeHash returns the hex SHA-256 of the entry's canonical form,
// which includes PrevHash, so each entry commits to all before it.
func ComputeHash(e Entry) string {
	items := e.Items
	if items == nil {
		items = []string{}
	}
	b, err := json.Marshal(canonical{
		V: 1, Seq: e.Seq, Time: e.Time.UTC().Truncate(Precision).Format(time.RFC3339Nano),
		ActorUserID: e.ActorUserID, ActorName: e.ActorName, OrgID: e.OrgID, Action: e.Action,
		EnterpriseID: e.EnterpriseID, Items: items, Purpose: e.Purpose,
		AuthorizationID: e.AuthorizationID, Outcome: e.Outcome, Detail: e.Detail,
		RemoteAddr: e.RemoteAddr, PrevHash: e.PrevHash,
	})
	if err != nil { // cannot happen: the struct holds only strings and numbers
		panic(err)
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// Seal links e to head: sets Seq, PrevHash, normalises Time and computes
// Hash. Stores call it inside AppendAudit.
func Seal(e *Entry, head Head) {
	e.Seq = head.Seq + 1
	e.PrevHash = head.Hash
	if e.Time.IsZero() {
		e.Time = time.Now()
	}
	e.Time = e.Time.UTC().Truncate(Precision)
	if e.Outcome == "" {
		e.Outcome = OK
	}
	e.Hash = ComputeHash(*e)
}

// KeyID identifies a public key: hex of the first 8 bytes of its SHA-256.
func KeyID(pub ed25519.PublicKey) string {
	sum := sha256.Sum256(pub)
	return hex.EncodeToString(sum[:8])
}

// SigningBytes is what a checkpoint signature covers.
func SigningBytes(c Checkpoint) []byte {
	return []byte("creditbridge-audit-checkpoint/v1\n" + strconv.FormatInt(c.Seq, 10) + "\n" + c.Hash + "\n" +
		c.Time.UTC().Truncate(Precision).Format(time.RFC3339Nano) + "\n" + c.KeyID)
}

// SignCheckpoint builds a checkpoint of head signed with key.
func SignCheckpoint(key ed25519.PrivateKey, head Head, at time.Time) Checkpoint {
	c := Checkpoint{Seq: head.Seq, Hash: head.Hash, Time: at.UTC().Truncate(Precision),
		KeyID: KeyID(key.Public().(ed25519.PublicKey))}
	c.Signature = base64.StdEncoding.EncodeToString(ed25519.Sign(key, SigningBytes(c)))
	return c
}

// Problem describes the first inconsistency Verify found.
type Problem struct {
	Seq    int64  // entry (or checkpoint) sequence number concerned
	Reason string // English explanation
}

func (p *Problem) Error() string {
	return fmt.Sprintf("audit log broken at entry %d: %s", p.Seq, p.Reason)
}

// Report is the result of Verify.
type Report struct {
	Entries     int64
	Checkpoints int
	Head        Head
	LastSigned  int64 // highest sequence number covered by a valid checkpoint
	Problem     *Problem
}

// OK reports whether the log verified.
func (r Report) OK() bool { return r.Problem == nil }

// Reader is what Verify needs from a store.
type Reader interface {
	ScanAudit(ctx context.Context, after int64, fn func(Entry) error) error
	ListCheckpoints(ctx context.Context) ([]Checkpoint, error)
}

var errStop = errors.New("stop")

// Verify walks the whole chain and every checkpoint. Entries must be
// numbered 1, 2, 3… without gaps (a deleted entry leaves a gap), each must
// link to its predecessor's hash (a reordered entry breaks the link) and
// hash to its stored Hash (an edited entry does not). Every checkpoint must
// carry a valid signature by one of keys and match the chain at its Seq;
// a checkpoint beyond the last entry means the tail was truncated.
// An error is returned only when the store cannot be read.
func Verify(ctx context.Context, r Reader, keys []ed25519.PublicKey) (Report, error) {
	var rep Report
	cps, err := r.ListCheckpoints(ctx)
	if err != nil {
		return rep, err
	}
	rep.Checkpoints = len(cps)
	byKey := make(map[string]ed25519.PublicKey, len(keys))
	for _, k := range keys {
		byKey[KeyID(k)] = k
	}
	// Checkpoints by sequence; validate signatures first.
	want := make(map[int64]Checkpoint, len(cps))
	var maxSigned int64
	for _, c := range cps {
		k, ok := byKey[c.KeyID]
		if !ok {
			rep.Problem = &Problem{Seq: c.Seq, Reason: fmt.Sprintf("checkpoint %d is signed by unknown key %s", c.ID, c.KeyID)}
			return rep, nil
		}
		sig, err := base64.StdEncoding.DecodeString(c.Signature)
		if err != nil || !ed25519.Verify(k, SigningBytes(c), sig) {
			rep.Problem = &Problem{Seq: c.Seq, Reason: fmt.Sprintf("checkpoint %d has an invalid signature", c.ID)}
			return rep, nil
		}
		if prev, dup := want[c.Seq]; dup && prev.Hash != c.Hash {
			rep.Problem = &Problem{Seq: c.Seq, Reason: "two signed checkpoints disagree on the hash"}
			return rep, nil
		}
		want[c.Seq] = c
		if c.Seq > maxSigned {
			maxSigned = c.Seq
		}
	}
	var prev Head
	err = r.ScanAudit(ctx, 0, func(e Entry) error {
		if e.Seq != prev.Seq+1 {
			if e.Seq > prev.Seq+1 {
				rep.Problem = &Problem{Seq: prev.Seq + 1, Reason: fmt.Sprintf("entry %d is missing (next present is %d)", prev.Seq+1, e.Seq)}
			} else {
				rep.Problem = &Problem{Seq: e.Seq, Reason: fmt.Sprintf("entry %d is out of order after entry %d", e.Seq, prev.Seq)}
			}
			return errStop
		}
		if e.PrevHash != prev.Hash {
			rep.Problem = &Problem{Seq: e.Seq, Reason: "entry does not link to the previous entry's hash (reordered or replaced)"}
			return errStop
		}
		if got := ComputeHash(e); got != e.Hash {
			rep.Problem = &Problem{Seq: e.Seq, Reason: "entry content does not match its hash (edited)"}
			return errStop
		}
		if c, ok := want[e.Seq]; ok && c.Hash != e.Hash {
			rep.Problem = &Problem{Seq: e.Seq, Reason: fmt.Sprintf("entry differs from signed checkpoint %d", c.ID)}
			return errStop
		}
		prev = Head{Seq: e.Seq, Hash: e.Hash}
		rep.Entries++
		return nil
	})
	if err != nil && !errors.Is(err, errStop) {
		return rep, err
	}
	rep.Head = prev
	if rep.Problem != nil {
		return rep, nil
	}
	if maxSigned > prev.Seq {
		rep.Problem = &Problem{Seq: prev.Seq + 1, Reason: fmt.Sprintf("log ends at entry %d but a signed checkpoint covers entry %d (tail truncated)", prev.Seq, maxSigned)}
		return rep, nil
	}
	rep.LastSigned = maxSigned
	return rep, nil
}
