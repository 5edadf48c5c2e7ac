package audit

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"strings"
	"testing"
	"time"
)

type memLog struct {
	entries []Entry
	cps     []Checkpoint
}

func (m *memLog) ScanAudit(_ context.Context, after int64, fn func(Entry) error) error {
	for _, e := range m.entries {
		if e.Seq > after {
			if err := fn(e); err != nil {
				return err
			}
		}
	}
	return nil
}

func (m *memLog) ListCheckpoints(context.Context) ([]Checkpoint, error) { return m.cps, nil }

func build(t *testing.T, n int, key ed25519.PrivateKey, cpAt int) *memLog {
	t.Helper()
	m := &memLog{}
	var head Head
	t0 := time.Date(2026, 11, 27, 8, 0, 0, 123456789, time.UTC)
	for i := 1; i <= n; i++ {
		e := Entry{Time: t0.Add(time.Duration(i) * time.Second), ActorName: "admin", Action: "enterprise.read", EnterpriseID: int64(i), Items: []string{"registration.basic"}}
		Seal(&e, head)
		head = Head{Seq: e.Seq, Hash: e.Hash}
		m.entries = append(m.entries, e)
		if i == cpAt {
			m.cps = append(m.cps, SignCheckpoint(key, head, t0))
		}
	}
	return m
}

func TestVerify(t *testing.T) {
	t.Parallel()
	pub, key, _ := ed25519.GenerateKey(rand.Reader)
	otherPub, otherKey, _ := ed25519.GenerateKey(rand.Reader)
	cases := []struct {
		name   string
		tamper func(m *memLog)
		keys   []ed25519.PublicKey
		seq    int64
		reason string
	}{
		{"intact", func(*memLog) {}, []ed25519.PublicKey{pub}, 0, ""},
		{"edited purpose", func(m *memLog) { m.entries[3].Purpose = "x" }, []ed25519.PublicKey{pub}, 4, "edited"},
		{"edited and rehashed", func(m *memLog) { m.entries[3].Purpose = "x"; m.entries[3].Hash = ComputeHash(m.entries[3]) }, []ed25519.PublicKey{pub}, 5, "link"},
		{"deleted", func(m *memLog) { m.entries = append(m.entries[:5], m.entries[6:]...) }, []ed25519.PublicKey{pub}, 6, "missing"},
		{"truncated", func(m *memLog) { m.entries = m.entries[:6] }, []ed25519.PublicKey{pub}, 7, "truncated"},
		{"checkpoint by a stranger", func(m *memLog) { m.cps[0] = SignCheckpoint(otherKey, Head{m.cps[0].Seq, m.cps[0].Hash}, m.cps[0].Time) }, []ed25519.PublicKey{pub}, 8, "unknown key"},
		{"forged checkpoint signature", func(m *memLog) { m.cps[0].Hash = m.entries[0].Hash }, []ed25519.PublicKey{pub}, 8, "invalid signature"},
		{"rotated key still trusted", func(*memLog) {}, []ed25519.PublicKey{otherPub, pub}, 0, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			m := build(t, 10, key, 8)
			tc.tamper(m)
			rep, err := Verify(context.Background(), m, tc.keys)
			if err != nil {
				t.Fatal(err)
			}
			if tc.seq == 0 {
				if !rep.OK() || rep.Entries != 10 || rep.LastSigned != 8 {
					t.Fatalf("intact log: %+v %v", rep, rep.Problem)
				}
				return
			}
			if rep.OK() {
				t.Fatal("tampered log verified")
			}
			if rep.Problem.Seq != tc.seq || !strings.Contains(rep.Problem.Reason, tc.reason) {
				t.Fatalf("problem = %d %q, want %d containing %q", rep.Problem.Seq, rep.Problem.Reason, tc.seq, tc.reason)
			}
		})
	}
}

func TestHashCoversEveryField(t *testing.T) {
	t.Parallel()
	base := Entry{Seq: 1, Time: time.Unix(1, 0), ActorUserID: 1, ActorName: "a", OrgID: 1, Action: "x", EnterpriseID: 1,
		Items: []string{"i"}, Purpose: "p", AuthorizationID: "z", Outcome: OK, Detail: "d", RemoteAddr: "r", PrevHash: "h"}
	h := ComputeHash(base)
	muts := map[string]func(e *Entry){
		"seq": func(e *Entry) { e.Seq = 2 }, "time": func(e *Entry) { e.Time = e.Time.Add(time.Microsecond) },
		"actor": func(e *Entry) { e.ActorUserID = 2 }, "actor name": func(e *Entry) { e.ActorName = "b" },
		"org": func(e *Entry) { e.OrgID = 2 }, "action": func(e *Entry) { e.Action = "y" }, "enterprise": func(e *Entry) { e.EnterpriseID = 2 },
		"items": func(e *Entry) { e.Items = []string{"j"} }, "purpose": func(e *Entry) { e.Purpose = "q" },
		"authorization": func(e *Entry) { e.AuthorizationID = "w" }, "outcome": func(e *Entry) { e.Outcome = Denied },
		"detail": func(e *Entry) { e.Detail = "e" }, "remote": func(e *Entry) { e.RemoteAddr = "s" }, "prev": func(e *Entry) { e.PrevHash = "g" },
	}
	for name, mut := range muts {
		e := base
		mut(&e)
		if ComputeHash(e) == h {
			t.Errorf("changing %s does not change the hash", name)
		}
	}
}
