package verify

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"cel.dev/cel-go/cel"
	"cel.dev/cel-go/common/types"
	"cel.dev/cel-go/common/types/ref"

	"github.com/creditbridge/creditbridge/internal/access"
	"github.com/creditbridge/creditbridge/internal/account"
	"github.com/creditbridge/creditbridge/internal/audit"
	"github.com/creditbridge/creditbridge/internal/creditcode"
	"github.com/creditbridge/creditbridge/internal/enterprise"
	"github.com/creditbridge/creditbridge/internal/fault"
	"github.com/creditbridge/creditbridge/internal/keys"
	"github.com/creditbridge/creditbridge/internal/sharing"
)

// MaxQuestions is the most questions one request may carry.
const MaxQuestions = 10

// DefaultTTL is how long an attestation is valid when the service sets none.
const DefaultTTL = 30 * 24 * time.Hour

// Store keeps the questions answered, the history the limits read.
type Store interface {
	// LockVerifications serializes verifications by one organisation:
	// called first inside a transaction, with requests ordered by
	// organisation, it makes a concurrent transaction of the same
	// organisations wait until this one ends. It then reads, under the
	// lock, for each request at least the number of the organisation's
	// questions asked after DaySince (from hourly counts: it may include
	// questions of DaySince's hour asked before it) and its questions
	// about the enterprise asked after WindowSince, oldest first, with
	// their probes: at least those asked after DaySince and those that
	// compared a constant (have probes); a question asked on or before
	// DaySince without probes may be left out, as the limits do not count
	// it.
	LockVerifications(ctx context.Context, reqs []LockRequest) ([]Locked, error)
	// RecordVerifications stores answered questions (setting their IDs)
	// and appends evidence entries in order, together (inside the
	// caller's transaction: the log's head stays locked until it ends). An
	// unknown enterprise is fault.Invalid "store.reference".
	RecordVerifications(ctx context.Context, as []Asked, es []*audit.Entry) error
	// CountVerifications counts an organisation's questions asked after
	// since, at most limit of them (all when limit <= 0), and returns the
	// time of the oldest counted (zero if none).
	CountVerifications(ctx context.Context, orgID int64, since time.Time, limit int) (int, time.Time, error)
}

// LockRequest is one request's part of LockVerifications.
type LockRequest struct {
	OrgID, EnterpriseID   int64
	DaySince, WindowSince time.Time
}

// Locked is what LockVerifications reads under the lock.
type Locked struct {
	DayBound int     // at least the organisation's questions of the day
	History  []Asked // its questions about the enterprise in the window
}

// Repo is the storage the service uses: the verification history and
// what sharing reads (inside the service's transaction).
type Repo interface {
	Store
	sharing.Repo
}

// Service answers verification questions.
type Service struct {
	Repo    Repo
	InTx    func(ctx context.Context, fn func(Repo) error) error
	Sharing *sharing.Service
	Seal    *keys.Sealer // opens the legal representative's identity number
	Signer  *Signer
	Node    string // issuer name
	Limits  Limits
	TTL     time.Duration // attestation lifetime (DefaultTTL when zero)
	Now     func() time.Time
	// Grants lists an institution's authorizations for the decision point
	// (internal/authz); nil: the Sharing service's.
	Grants access.GrantSource
	// SubjectGrants, when set, reads the enterprise by its code together
	// with an institution's authorizations from it
	// (authz.Service.SubjectGrants: one round trip on PostgreSQL), which
	// the decision point then uses instead of reading them through
	// Grants; nil: the enterprise, then Grants.
	SubjectGrants func(ctx context.Context, code string, institutionID int64) (enterprise.Record, []access.Grant, error)
	// Observe, when set, receives where each answered request's time went
	// (the verification benchmark breaks its latency down with it); it
	// must not block.
	Observe func(Timing)

	group committer // concurrent answers' writes, committed together
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC()
	}
	return time.Now().UTC()
}

// Timing is where an answered request's time went, in order: the
// enterprise lookup, access decision and read (Read); waiting for the
// group commit to take it (Wait: the transaction in flight, when there is
// one); its group commit's transaction (Tx, shared by Batch requests);
// from the transaction's end until the request runs again (Wake: the
// leader signals its batch in order, and the scheduler may be slow); the
// signatures (Sign).
type Timing struct {
	Read, Wait, Tx, Wake, Sign time.Duration
	Batch                      int
}

// Request is one submission: questions about one enterprise.
type Request struct {
	CreditCode string   `json:"credit_code"`
	Questions  []string `json:"questions"`
	Purpose    string   `json:"purpose"`
	// AsOf is the date the answers are about (YYYY-MM-DD, default today):
	// data for periods up to it, as the platform knew it at its end.
	AsOf string `json:"as_of,omitempty"`
	// AuthorizationID names the enterprise's authorization the institution
	// asks under (empty: the decision point picks a covering one); the
	// attestation carries it.
	AuthorizationID string `json:"authorization,omitempty"`
}

// Answer is one question's answer and its attestation.
type Answer struct {
	Question string `json:"question"`
	// Answer is true, false, unknown or, for a band question, the band's
	// label; Band then names its scale (yuan, persons, years).
	Answer      string    `json:"answer"`
	Band        string    `json:"band,omitempty"`
	Attestation string    `json:"attestation"`    // compact JWS
	ID          string    `json:"attestation_id"` // its jti
	ExpiresAt   time.Time `json:"expires_at"`
}

// Response answers a Request.
type Response struct {
	CreditCode string   `json:"credit_code"`
	AsOf       string   `json:"as_of"`
	Answers    []Answer `json:"answers"`
}

// Ask answers r's questions for p. Errors: fault.Invalid for a bad
// question (Param "n" its position), fault.NotFound for an unknown
// enterprise, fault.Forbidden from the access decision point,
// fault.TooMany for a verification limit (a denied evidence entry names
// it). Values never leave: answers are true, false or unknown, or a band
// label for band questions (bands.go).
func (s *Service) Ask(ctx context.Context, p access.Principal, r Request) (Response, error) {
	began := time.Now()
	now := s.now()
	if len(r.Questions) == 0 || len(r.Questions) > MaxQuestions {
		return Response{}, fault.New(fault.Invalid, "verify.question_count", "give 1 to 10 questions").With("max", strconv.Itoa(MaxQuestions))
	}
	qs := make([]*Question, len(r.Questions))
	for i, text := range r.Questions {
		q, err := Compile(text)
		if err != nil {
			if fe, ok := fault.As(err); ok {
				return Response{}, fe.With("n", strconv.Itoa(i+1))
			}
			return Response{}, err
		}
		qs[i] = q
	}
	asOf, known, err := s.asOf(r.AsOf, now)
	if err != nil {
		return Response{}, err
	}
	code, err := creditcode.Parse(r.CreditCode)
	if err != nil {
		return Response{}, err
	}
	var (
		rec    enterprise.Record
		grants *[]access.Grant // read with the record
	)
	if s.SubjectGrants != nil && p.OrgKind == account.KindInstitution {
		var gs []access.Grant
		rec, gs, err = s.SubjectGrants(ctx, string(code), p.OrgID)
		grants = &gs
	} else {
		rec, err = s.Repo.EnterpriseByCode(ctx, string(code))
	}
	if err != nil {
		return Response{}, err
	}
	var items []string
	var probes []Probe
	for _, q := range qs {
		for _, it := range q.Items() {
			if !contains(items, it) {
				items = append(items, it)
			}
		}
		if q.usesLegalRep() && !contains(items, legalRepItem) {
			items = append(items, legalRepItem)
		}
		probes = append(probes, q.Probes...)
	}
	if p.OrgKind != account.KindInstitution && p.OrgKind != account.KindOperator {
		return Response{}, s.deny(ctx, p, rec.ID, items, r.Purpose, &Refusal{Code: "verify.not_institution"}, r.Questions, fault.Forbidden)
	}
	ttl := s.TTL
	if ttl <= 0 {
		ttl = DefaultTTL
	}
	resp := Response{CreditCode: rec.Code, AsOf: asOf.Format(time.DateOnly)}
	claims := make([]Claims, len(qs))
	// The read runs first, on the readers, with its evidence entries held
	// back; then one short transaction takes the organisation's lock,
	// checks the limits and writes the read's evidence, the questions and
	// the answers' evidence together. A refused request leaves only its
	// refusal (no value left the process); concurrent requests of one
	// institution cannot both take the last slot; the writer (SQLite) and
	// the evidence-log head (PostgreSQL) are held only for the writes.
	held := &heldLog{Repo: s.Repo}
	c, legalRepID, purpose, authzID, err := s.read(ctx, held, p, rec, grants, items, r.Purpose, r.AuthorizationID, asOf, known)
	if err != nil {
		// The access decision point's denial goes on record (and so does
		// an interface call that failed).
		if ferr := held.flush(ctx, s.Repo); ferr != nil {
			return Response{}, errors.Join(err, ferr)
		}
		return Response{}, err
	}
	answers, err := evaluate(c, qs, legalRepID)
	if err != nil {
		return Response{}, err
	}
	requester := Requester{OrgID: p.OrgID, OrgName: p.OrgName, Actor: p.ActorName()}
	asked := make([]Asked, len(qs))
	for i, q := range qs {
		claims[i] = Claims{Issuer: s.Node, Subject: rec.Code, ID: nonce(now), IssuedAt: now.Unix(), Expiry: now.Add(ttl).Unix(),
			Question: q.Text, Answer: answers[i], AsOf: resp.AsOf, Requester: requester, Purpose: purpose, AuthorizationID: authzID, Sources: []Source{}}
		if q.band != nil {
			claims[i].Band = q.band.Unit
		}
		for _, it := range q.Items() {
			if src := c.sources[it]; src != nil {
				claims[i].Sources = append(claims[i].Sources, *src)
			}
		}
		if q.usesLegalRep() {
			claims[i].Sources = append(claims[i].Sources, Source{Item: legalRepItem, Department: c.depts[legalRepItem], Registry: true})
		}
		asked[i] = Asked{OrgID: p.OrgID, EnterpriseID: rec.ID, Question: q.Text, Answer: storedAnswer(answers[i]), AttestationID: claims[i].ID,
			Probes: q.Probes, AskedAt: now}
	}
	lock := s.lockRequest(p.OrgID, rec.ID, now)
	queued := time.Now()
	pend := &pending{lock: lock, check: func(ctx context.Context, tx Repo, locked Locked, earlier []Asked) (*Refusal, []Asked, []*audit.Entry, error) {
		ref, err := s.checkLimits(ctx, tx, lock, locked, now, len(qs), probes, earlier)
		if err != nil || ref != nil {
			return ref, nil, nil, err
		}
		// The read's evidence, then the answers'.
		e := answerEntry(p, rec.ID, items, purpose, asked, now)
		e.AuthorizationID = authzID
		return nil, slices.Clone(asked), append(held.copies(), e), nil
	}}
	refused, err := s.commit(ctx, pend)
	resumed := time.Now()
	switch {
	case err != nil:
		return Response{}, err
	case refused != nil:
		return Response{}, s.deny(ctx, p, rec.ID, items, r.Purpose, refused, r.Questions, fault.TooMany)
	}
	for i, cl := range claims {
		tok, err := s.Signer.Sign(cl)
		if err != nil {
			return Response{}, err
		}
		resp.Answers = append(resp.Answers, Answer{Question: cl.Question, Answer: cl.Answer, Band: cl.Band, Attestation: tok, ID: cl.ID,
			ExpiresAt: time.Unix(claims[i].Expiry, 0).UTC()})
	}
	if s.Observe != nil {
		s.Observe(Timing{Read: queued.Sub(began), Wait: pend.txStart.Sub(queued), Tx: pend.tx, Wake: resumed.Sub(pend.txStart.Add(pend.tx)),
			Sign: time.Since(resumed), Batch: pend.batch})
	}
	return resp, nil
}

// storedAnswer is an answer as the verifications table keeps it: true,
// false or unknown; a band label is kept as "true" (a band was given, see
// bands.go).
func storedAnswer(a string) string {
	if a == True || a == False || a == Unknown {
		return a
	}
	return True
}

// evaluate computes the variables the questions use and evaluates them:
// true, false, or unknown where the answer depends on an unknown value.
func evaluate(c *calc, qs []*Question, legalRepID string) ([]string, error) {
	vals := map[string]any{}
	for _, q := range qs {
		for _, v := range q.Vars {
			if _, done := vals[v.Name]; done {
				continue
			}
			if x, ok := v.compute(c); ok {
				vals[v.Name] = x
			} else {
				vals[v.Name] = types.NewUnknown(int64(len(vals)+1), nil)
			}
		}
	}
	act, err := cel.FunctionVars(vals, map[string]cel.LateBoundFunction{LegalRepFunc: legalRepMatch(legalRepID)})
	if err != nil {
		return nil, fmt.Errorf("verify: activation: %w", err)
	}
	out := make([]string, len(qs))
	for i, q := range qs {
		if q.band != nil {
			out[i] = q.bandAnswer(vals[q.Vars[0].Name])
			continue
		}
		v, _, err := q.prg.Eval(act)
		if err != nil {
			return nil, fmt.Errorf("verify: evaluate %q: %w", q.Text, err)
		}
		switch {
		case types.IsUnknown(v):
			out[i] = Unknown
		case v == types.True:
			out[i] = True
		case v == types.False:
			out[i] = False
		default:
			return nil, fmt.Errorf("verify: %q evaluated to %v", q.Text, v)
		}
	}
	return out, nil
}

// answerEntry is the evidence of answers given: questions, answers and
// attestation ids, never values.
func answerEntry(p access.Principal, ent int64, items []string, purpose string, asked []Asked, now time.Time) *audit.Entry {
	type answerDetail struct {
		Question string `json:"question"`
		Answer   string `json:"answer"`
		ID       string `json:"attestation_id"`
	}
	ds := make([]answerDetail, len(asked))
	for i, a := range asked {
		ds[i] = answerDetail{a.Question, a.Answer, a.AttestationID}
	}
	detail, _ := json.Marshal(map[string]any{"mode": access.ModeVerify, "answers": ds}) // strings only
	return &audit.Entry{Time: now, ActorUserID: p.UserID, ActorName: p.ActorName(), OrgID: p.OrgID, Action: "verification.answer",
		EnterpriseID: ent, Items: items, Purpose: purpose, Outcome: audit.OK, Detail: string(detail), RemoteAddr: p.RemoteAddr}
}

// asOf parses the as-of date: today by default; a past date reads what
// was known at its end (known is zero for today: the latest).
func (s *Service) asOf(v string, now time.Time) (day, known time.Time, err error) {
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)
	if v == "" {
		return today, time.Time{}, nil
	}
	d, err := time.Parse(time.DateOnly, v)
	if err != nil {
		return day, known, fault.New(fault.Invalid, "verify.bad_as_of", "as_of must be a date YYYY-MM-DD").With("value", v)
	}
	switch {
	case d.After(today):
		return day, known, fault.New(fault.Invalid, "verify.as_of_future", "as_of is in the future").With("value", v)
	case d.Equal(today):
		return today, time.Time{}, nil
	}
	return d, d.AddDate(0, 0, 1).Add(-time.Nanosecond), nil
}

func (s *Service) guard() access.Guard { return access.Guard{Log: s.Repo, Now: s.now} }

// lockRequest is what the limits of a request at now read under the
// organisation's lock: its questions of the last 24 hours, and its
// history about the enterprise over the limits' window.
func (s *Service) lockRequest(org, ent int64, now time.Time) LockRequest {
	return LockRequest{OrgID: org, EnterpriseID: ent, DaySince: now.Add(-24 * time.Hour), WindowSince: now.Add(-max(s.Limits.Window, 24*time.Hour))}
}

// checkLimits applies the limits to locked, what lr read under the
// organisation's lock, counting earlier: the organisation's questions
// this transaction has accepted before (stored with it at its end).
func (s *Service) checkLimits(ctx context.Context, repo Repo, lr LockRequest, locked Locked, now time.Time, questions int, probes []Probe, earlier []Asked) (*Refusal, error) {
	org, ent, since, windowStart := lr.OrgID, lr.EnterpriseID, lr.DaySince, lr.WindowSince
	// The hourly counts bound the day's questions; only when the bound
	// comes near the limit are they counted one by one (one past the
	// limit is enough to know it is exceeded).
	n := locked.DayBound + len(earlier)
	var oldest time.Time
	if s.Limits.PerDay > 0 && n+questions > s.Limits.PerDay {
		var err error
		if n, oldest, err = repo.CountVerifications(ctx, org, since, s.Limits.PerDay+1); err != nil {
			return nil, err
		}
		n += len(earlier)
		if oldest.IsZero() && len(earlier) > 0 {
			oldest = earlier[0].AskedAt
		}
	}
	// The history as the store would return it had the earlier questions
	// been stored: oldest first, in the order they were accepted.
	hist := locked.History
	for _, a := range earlier {
		if a.EnterpriseID == ent && a.AskedAt.After(windowStart) {
			hist = append(hist, a)
		}
	}
	if len(hist) > len(locked.History) {
		slices.SortStableFunc(hist, func(a, b Asked) int { return a.AskedAt.Compare(b.AskedAt) })
	}
	return s.Limits.check(now, n, oldest, hist, questions, probes), nil
}

// deny records a refused verification and returns its error.
func (s *Service) deny(ctx context.Context, p access.Principal, ent int64, items []string, purpose string, ref *Refusal, questions []string, kind fault.Kind) error {
	detail, _ := json.Marshal(map[string]any{"reason": ref.Code, "params": ref.Params, "questions": questions,
		"resets_at": timeOrEmpty(ref.ResetsAt)})
	e := audit.Entry{Time: s.now(), ActorUserID: p.UserID, ActorName: p.ActorName(), OrgID: p.OrgID, Action: "verification.ask",
		EnterpriseID: ent, Items: items, Purpose: purpose, Outcome: audit.Denied, Detail: string(detail), RemoteAddr: p.RemoteAddr}
	if err := s.Repo.AppendAudit(ctx, &e); err != nil {
		return fmt.Errorf("verify: record the refusal: %w", err)
	}
	if kind == fault.TooMany {
		return ref.Fault()
	}
	return fault.New(kind, ref.Code, "verification refused: "+ref.Code)
}

func timeOrEmpty(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

// read fetches the items through the access decision point in verify
// mode: monthly measures for the window only, other items whole, and the
// legal representative's identity number (sealed in the registry) through
// the guard. It returns the calculator, the identity number ("" if not
// asked or not held), the purpose recorded and the authorization read
// under (an institution's; the as-of date must lie in its data range).
// grants, when not nil, are the institution's authorizations read with
// rec (SubjectGrants).
func (s *Service) read(ctx context.Context, repo Repo, p access.Principal, rec enterprise.Record, grants *[]access.Grant, items []string,
	purpose, authzID string, asOf, known time.Time) (*calc, string, string, string, error) {
	var loaded []access.Grant
	if grants != nil {
		loaded = *grants
	}
	c := &calc{asOf: asOf, byItem: map[string][]sharing.Value{}, rec: rec, depts: map[string]string{}, sources: map[string]*Source{}}
	var windowed, whole []string
	for _, it := range items {
		switch {
		case it == legalRepItem:
		case isWindowed(it):
			windowed = append(windowed, it)
		default:
			whole = append(whole, it)
		}
	}
	// The reads and their evidence go through repo (held back by Ask).
	sh := *s.Sharing
	sh.Repo = repo
	if s.Grants != nil {
		sh.Grants = s.Grants
	}
	guard := access.Guard{Log: repo, Now: s.now, Grants: sh.Grants}
	recorded, under := purpose, authzID
	readItems := func(its []string, from time.Time) error {
		if len(its) == 0 {
			return nil
		}
		res, err := sh.Read(ctx, p, sharing.Query{EnterpriseID: rec.ID, Subject: &rec, Items: its, From: from, To: asOf, KnownAt: known,
			Purpose: purpose, Mode: access.ModeVerify, Action: "verification.read", AuthorizationID: authzID,
			Grants: loaded, GrantsLoaded: grants != nil})
		if err != nil {
			return err
		}
		recorded = res.Purpose
		if res.Decision.AuthorizationID != "" {
			under = res.Decision.AuthorizationID
		}
		for _, it := range res.Items {
			c.depts[it.Code] = it.Department
		}
		per := map[string]int{}
		for _, v := range res.Values {
			per[v.Item]++
		}
		for it, n := range per {
			c.byItem[it] = slices.Grow(c.byItem[it], n)
		}
		for _, v := range res.Values {
			c.byItem[v.Item] = append(c.byItem[v.Item], v)
		}
		return nil
	}
	if err := readItems(windowed, monthStart(asOf).AddDate(0, -(WindowMonths+MaxStaleMonths), 0)); err != nil {
		return nil, "", "", "", err
	}
	if err := readItems(whole, time.Time{}); err != nil {
		return nil, "", "", "", err
	}
	var id string
	if contains(items, legalRepItem) {
		pol, err := s.Sharing.Policies(ctx, []string{legalRepItem})
		if err != nil {
			return nil, "", "", "", err
		}
		c.depts[legalRepItem] = pol[0].Department
		req := access.Request{Principal: p, Action: "verification.read", EnterpriseID: rec.ID, Items: []string{legalRepItem},
			Purpose: purpose, Mode: access.ModeVerify, Policies: pol, To: asOf, AuthorizationID: authzID,
			Grants: loaded, GrantsLoaded: grants != nil}
		d, err := guard.Read(ctx, req, func(access.Decision) (any, error) {
			var err error
			id, err = s.legalRepID(rec)
			return map[string]any{"mode": access.ModeVerify, "values": boolInt(id != ""), "source": "registry"}, err
		})
		if err != nil {
			return nil, "", "", "", err
		}
		recorded = d.Purpose
		if d.AuthorizationID != "" {
			under = d.AuthorizationID
		}
	}
	return c, id, recorded, under, nil
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

func isWindowed(item string) bool {
	for _, v := range Variables {
		if v.windowed && contains(v.Items, item) {
			return true
		}
	}
	return false
}

// legalRepID opens the registry's sealed legal representative.
func (s *Service) legalRepID(rec enterprise.Record) (string, error) {
	if len(rec.LegalRepSealed) == 0 || s.Seal == nil {
		return "", nil
	}
	lr, err := enterprise.OpenLegalRep(s.Seal, rec)
	if err != nil {
		return "", fmt.Errorf("verify: %w", err)
	}
	return strings.ToUpper(strings.TrimSpace(lr.IDNumber)), nil
}

// IDHash is what legal_rep_id_matches compares with: the lower-case hex
// SHA-256 of the identity number in upper case.
func IDHash(id string) string {
	h := sha256.Sum256([]byte(strings.ToUpper(strings.TrimSpace(id))))
	return hex.EncodeToString(h[:])
}

func legalRepMatch(id string) cel.LateBoundFunction {
	return func(_ string, args ...ref.Val) ref.Val {
		if id == "" {
			return types.NewUnknown(1<<40, nil)
		}
		want, ok := args[0].(types.String)
		if !ok {
			return types.NewErr("legal_rep_id_matches needs a string")
		}
		got := IDHash(id)
		return types.Bool(subtle.ConstantTimeCompare([]byte(got), []byte(strings.ToLower(string(want)))) == 1)
	}
}

// heldLog passes reads through and holds evidence entries back until
// flush appends them, in order, to the transaction that records the
// answers.
type heldLog struct {
	Repo
	entries []audit.Entry
}

// AppendAudit holds a copy of e.
func (h *heldLog) AppendAudit(_ context.Context, e *audit.Entry) error {
	h.entries = append(h.entries, *e)
	return nil
}

// copies returns fresh copies of the held entries (a transaction that
// included them may roll back and run again).
func (h *heldLog) copies() []*audit.Entry {
	out := make([]*audit.Entry, len(h.entries))
	for i := range h.entries {
		e := h.entries[i]
		out[i] = &e
	}
	return out
}

// flush appends copies of the held entries to to.
func (h *heldLog) flush(ctx context.Context, to Repo) error {
	for _, e := range h.entries {
		if err := to.AppendAudit(ctx, &e); err != nil {
			return err
		}
	}
	return nil
}

// nonce is an attestation's id (its jti): the time it was issued, in
// milliseconds as 12 hexadecimal digits, then 12 random bytes. Ids issued
// later sort after those before, so the verifications table's unique
// index on them grows at its end, as the log does, instead of taking a
// random page of an ever larger index for every answer; the 96 random
// bits keep them unguessable and distinct.
func nonce(at time.Time) string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return fmt.Sprintf("%012x", uint64(at.UnixMilli())&(1<<48-1)) + base64.RawURLEncoding.EncodeToString(b[:])
}
