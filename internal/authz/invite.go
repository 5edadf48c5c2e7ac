package authz

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/creditbridge/creditbridge/internal/access"
	"github.com/creditbridge/creditbridge/internal/account"
	"github.com/creditbridge/creditbridge/internal/audit"
	"github.com/creditbridge/creditbridge/internal/fault"
	"github.com/creditbridge/creditbridge/internal/personid"
)

// The person's own separate consent (PIPL art. 23 and 29): the grantor
// enterprise's administrator issues a consent invitation for one named
// person (the legal representative or a natural-person shareholder); the
// platform returns a one-time link once, which the administrator passes on
// (the platform sends no e-mail or SMS). The person opens it without an
// account, reads in plain words who will receive which of their data, for
// what and until when, confirms who they are (name and identity number,
// checked against the enterprise's records through the decision point)
// and gives or refuses consent. Wrong identities are counted; at
// MaxInvitationFailures the invitation locks.

// Invitation limits.
const (
	DefaultInvitationTTL  = 7 * 24 * time.Hour
	MaxInvitationFailures = 5
	invitationTokenBytes  = 32
	invitationTokenPrefix = "ct_"
)

// InvitationStatus is where an invitation is. An open invitation past its
// ExpiresAt reads as InviteExpired (never stored).
type InvitationStatus string

// Invitation statuses.
const (
	InviteOpen    InvitationStatus = "open"
	InviteGiven   InvitationStatus = "given"
	InviteRefused InvitationStatus = "refused"
	InviteLocked  InvitationStatus = "locked"
	InviteExpired InvitationStatus = "expired"
)

// Invitation is one consent invitation. The token itself is never stored:
// TokenHash is its SHA-256 (the token has 256 random bits, so a plain hash
// is enough), NameHash the invited name under the node's person key.
type Invitation struct {
	ID              int64            `json:"id"`
	AuthorizationID string           `json:"authorization_id"`
	Role            string           `json:"role"`
	NameMasked      string           `json:"name_masked"`
	NameHash        string           `json:"-"`
	TokenHash       string           `json:"-"`
	Status          InvitationStatus `json:"status"`
	Failures        int              `json:"failures"`
	IssuerOrgID     int64            `json:"-"`
	IssuedBy        string           `json:"issued_by"`
	IssuedAt        time.Time        `json:"issued_at"`
	ExpiresAt       time.Time        `json:"expires_at"`
	OpenedAt        time.Time        `json:"opened_at,omitzero"`
	DecidedAt       time.Time        `json:"decided_at,omitzero"`
	ConsentID       int64            `json:"consent_id,omitempty"`
	Version         int              `json:"version"`
}

// InvitationStore persists consent invitations.
type InvitationStore interface {
	// AddInvitation inserts inv (Version 1) and sets inv.ID; fault.Invalid
	// "store.reference" for an unknown authorization or organisation,
	// fault.Conflict "store.duplicate" for a known token hash.
	AddInvitation(ctx context.Context, inv *Invitation) error
	// InvitationByToken must return fault.NotFound
	// "authz.invitation_not_found" for an unknown token hash.
	InvitationByToken(ctx context.Context, tokenHash string) (Invitation, error)
	// UpdateInvitation writes the status, failures, opened and decided
	// times and consent id of inv if the stored version is inv.Version-1
	// (the caller increments it); fault.Conflict "authz.invitation_stale"
	// otherwise, fault.NotFound "authz.invitation_not_found" if unknown.
	UpdateInvitation(ctx context.Context, inv *Invitation) error
	// Invitations lists an authorization's invitations, oldest first.
	Invitations(ctx context.Context, authorizationID string) ([]Invitation, error)
}

// InviteInput names the person an invitation is for.
type InviteInput struct {
	Role string `json:"role"` // ConsentLegalRep or ConsentShareholder
	Name string `json:"name"` // as the enterprise's records name them
}

// Answer is the person's answer on the invitation page.
type Answer struct {
	Decision string `json:"decision"` // "give" or "refuse"
	Name     string `json:"name"`
	IDNumber string `json:"id_number"`
}

// Answer decisions.
const (
	AnswerGive   = "give"
	AnswerRefuse = "refuse"
)

// InvitationView is what the person sees: the invitation and, in the
// words the page turns into sentences, what consenting would let through.
type InvitationView struct {
	Invitation      Invitation `json:"invitation"`
	EnterpriseName  string     `json:"enterprise_name"`
	InstitutionName string     `json:"institution_name"`
	Purpose         string     `json:"purpose"`
	Items           []string   `json:"items"`
	Mode            string     `json:"mode"`
	DataFrom        time.Time  `json:"data_from"`
	DataTo          time.Time  `json:"data_to"`
	ValidUntil      time.Time  `json:"valid_until"`
	// PersonalData names the kinds of the person's data concerned.
	PersonalData []string `json:"personal_data"`
}

// personalData are the kinds of a person's data an enterprise's records
// hold about them in each role.
var personalData = map[string][]string{
	ConsentLegalRep:    {"name", "id_number"},
	ConsentShareholder: {"name", "id_number", "shareholding"},
}

// NewInvitationToken returns a fresh token ("ct_" and 43 base64url
// characters, 256 bits from crypto/rand) and its hash as stored.
func NewInvitationToken() (token, hash string) {
	var b [invitationTokenBytes]byte
	_, _ = rand.Read(b[:])
	token = invitationTokenPrefix + base64.RawURLEncoding.EncodeToString(b[:])
	return token, TokenHash(token)
}

// TokenHash is how a token is stored and looked up.
func TokenHash(token string) string {
	h := sha256.Sum256([]byte(token))
	return hex.EncodeToString(h[:])
}

func validToken(token string) bool {
	rest, ok := strings.CutPrefix(token, invitationTokenPrefix)
	if !ok || len(rest) != base64.RawURLEncoding.EncodedLen(invitationTokenBytes) {
		return false
	}
	_, err := base64.RawURLEncoding.DecodeString(rest)
	return err == nil
}

func errInvitationNotFound() error {
	return fault.New(fault.NotFound, "authz.invitation_not_found", "no such consent invitation; ask the enterprise for a new link")
}

func (s *Service) keyed(v string) string {
	m := hmac.New(sha256.New, s.PersonKey)
	m.Write([]byte(v))
	return hex.EncodeToString(m.Sum(nil))
}

func (s *Service) invitationTTL() time.Duration {
	if s.InvitationTTL > 0 {
		return s.InvitationTTL
	}
	return DefaultInvitationTTL
}

// Invite issues a consent invitation for one named person under an
// authorization that is pending, active or paused. Only the grantor
// enterprise's administrator may; the returned token is shown once (the
// platform keeps only its hash) and is what the link carries:
// /consent/{token}. Evidence: "authorization.consent_invite".
func (s *Service) Invite(ctx context.Context, p access.Principal, id string, in InviteInput) (Invitation, string, error) {
	var fs fault.Fields
	role := strings.TrimSpace(in.Role)
	if role != ConsentLegalRep && role != ConsentShareholder {
		fs.Add("role", fault.New(fault.Invalid, "authz.bad_consent_role", "the person must be the legal representative or a natural-person shareholder"))
	}
	name := strings.TrimSpace(in.Name)
	if name == "" || len([]rune(name)) > 100 {
		fs.Add("name", fault.New(fault.Invalid, "authz.consent_name", "give the person's name"))
	}
	if err := fs.Err(); err != nil {
		return Invitation{}, "", err
	}
	if len(s.PersonKey) == 0 {
		return Invitation{}, "", fmt.Errorf("authz: no person key configured")
	}
	if p.Suspended {
		return Invitation{}, "", fault.New(fault.Forbidden, "access.suspended", "suspended")
	}
	if !ValidID(id) {
		return Invitation{}, "", errNotFound(id)
	}
	now := s.now()
	token, hash := NewInvitationToken()
	inv := Invitation{AuthorizationID: id, Role: role, NameMasked: personid.MaskName(name), NameHash: s.keyed("name:" + name),
		TokenHash: hash, Status: InviteOpen, IssuerOrgID: p.OrgID, IssuedBy: p.ActorName(), IssuedAt: now,
		ExpiresAt: now.Add(s.invitationTTL()), Version: 1}
	err := s.InTx(ctx, func(tx Repo) error {
		a, err := tx.AuthorizationByID(ctx, id)
		if err != nil {
			return err
		}
		if !canSee(p, a) {
			return errNotFound(id)
		}
		if !isGrantor(p, a) {
			return fault.New(fault.Forbidden, "authz.not_allowed", "you may not do this to this authorization").With("action", "invite")
		}
		if a.Status.Final() || !now.Before(a.ValidUntil) {
			return fault.New(fault.Conflict, "authz.bad_transition", "the authorization's status does not allow this").
				With("status", string(s.live(a).Status)).With("action", "invite")
		}
		if a.ValidUntil.Before(inv.ExpiresAt) {
			inv.ExpiresAt = a.ValidUntil // a link never outlives the authorization
		}
		if err := tx.AddInvitation(ctx, &inv); err != nil {
			return err
		}
		return tx.AppendAudit(ctx, s.inviteEntry(p, a, inv, "consent_invite", audit.OK, nil))
	})
	if err != nil {
		return Invitation{}, "", err
	}
	return inv, token, nil
}

// Invitations lists an authorization's invitations (those who may see the
// authorization may see them; tokens are never shown again).
func (s *Service) Invitations(ctx context.Context, p access.Principal, id string) ([]Invitation, error) {
	if _, err := s.Get(ctx, p, id); err != nil {
		return nil, err
	}
	invs, err := s.Repo.Invitations(ctx, id)
	if err != nil {
		return nil, err
	}
	for i := range invs {
		invs[i] = s.liveInvitation(invs[i])
	}
	return invs, nil
}

func (s *Service) liveInvitation(inv Invitation) Invitation {
	if inv.Status == InviteOpen && !s.now().Before(inv.ExpiresAt) {
		inv.Status = InviteExpired
	}
	return inv
}

// personPrincipal is who the person acts as on their link: no account, no
// role, the enterprise's own side (the decision point lets it read the
// enterprise's records to compare, with evidence naming the invitation).
func personPrincipal(inv Invitation, a Authorization, remote string) access.Principal {
	return access.Principal{Username: "consent-link:" + strconv.FormatInt(inv.ID, 10), OrgID: inv.IssuerOrgID,
		OrgKind: account.KindEnterprise, EnterpriseID: a.EnterpriseID, RemoteAddr: remote}
}

// usable loads the invitation behind token and its authorization, and
// refuses one that can no longer be answered.
func (s *Service) usable(ctx context.Context, r Repo, token string) (Invitation, Authorization, error) {
	if !validToken(token) {
		return Invitation{}, Authorization{}, errInvitationNotFound()
	}
	inv, err := r.InvitationByToken(ctx, TokenHash(token))
	if err != nil {
		return Invitation{}, Authorization{}, err
	}
	a, err := r.AuthorizationByID(ctx, inv.AuthorizationID)
	if err != nil {
		return Invitation{}, Authorization{}, err
	}
	inv, a = s.liveInvitation(inv), s.live(a)
	switch {
	case inv.Status == InviteLocked:
		return inv, a, fault.New(fault.Conflict, "authz.invitation_locked", "locked after too many wrong identities")
	case inv.Status == InviteGiven || inv.Status == InviteRefused:
		return inv, a, fault.New(fault.Conflict, "authz.invitation_used", "already answered").With("status", string(inv.Status))
	case inv.Status == InviteExpired:
		return inv, a, fault.New(fault.Conflict, "authz.invitation_expired", "the link has expired").With("until", inv.ExpiresAt.Format(time.RFC3339))
	case a.Status.Final():
		return inv, a, fault.New(fault.Conflict, "authz.invitation_void", "the authorization is no longer live").With("status", string(a.Status))
	}
	return inv, a, nil
}

// OpenInvitation returns what the person behind token is asked to consent
// to. The first opening is recorded (OpenedAt and an
// "authorization.consent_open" evidence entry). An unknown token is
// fault.NotFound; one that can no longer be answered fault.Conflict with
// the reason (authz.invitation_locked, _used, _expired, _void).
func (s *Service) OpenInvitation(ctx context.Context, token, remote string) (InvitationView, error) {
	var v InvitationView
	err := s.InTx(ctx, func(tx Repo) error {
		inv, a, err := s.usable(ctx, tx, token)
		if err != nil {
			return err
		}
		if inv.OpenedAt.IsZero() {
			inv.OpenedAt, inv.Version = s.now(), inv.Version+1
			if err := tx.UpdateInvitation(ctx, &inv); err != nil {
				return err
			}
			if err := tx.AppendAudit(ctx, s.inviteEntry(personPrincipal(inv, a, remote), a, inv, "consent_open", audit.OK, nil)); err != nil {
				return err
			}
		}
		v = InvitationView{Invitation: inv, EnterpriseName: a.EnterpriseName, InstitutionName: a.InstitutionName, Purpose: a.Purpose,
			Items: a.Items, Mode: a.Mode, DataFrom: a.DataFrom, DataTo: a.DataTo, ValidUntil: a.ValidUntil,
			PersonalData: personalData[inv.Role]}
		return nil
	})
	return v, err
}

// AnswerInvitation takes the person's answer. The name and identity
// number must be those of the invited person as the enterprise's records
// name them in the invited role (the legal representative's sealed
// registry record, or the shareholder records), checked through the
// decision point. A wrong identity counts a failure (evidence
// "authorization.consent_identity_failed") and returns fault.Invalid
// "authz.consent_mismatch", or fault.Conflict "authz.invitation_locked" at
// the MaxInvitationFailures-th. "give" records the consent (channel
// person_link) and lets the authorization carry personal information;
// "refuse" records the refusal and changes nothing else.
func (s *Service) AnswerInvitation(ctx context.Context, token, remote string, ans Answer) (Invitation, error) {
	var fs fault.Fields
	decision := strings.TrimSpace(ans.Decision)
	if decision != AnswerGive && decision != AnswerRefuse {
		fs.Add("decision", fault.New(fault.Invalid, "authz.bad_answer", "answer give or refuse"))
	}
	name := consentName(&fs, ans.Name)
	idn, err := personid.Validate(ans.IDNumber)
	fs.Add("id_number", err)
	if err := fs.Err(); err != nil {
		return Invitation{}, err
	}
	if len(s.PersonKey) == 0 || s.Persons == nil {
		return Invitation{}, fmt.Errorf("authz: no person key or person check configured")
	}
	// The identity check reads through the decision point (with its own
	// evidence), outside the transaction that records the answer.
	inv, a, err := s.usable(ctx, s.Repo, token)
	if err != nil {
		return Invitation{}, err
	}
	pp := personPrincipal(inv, a, remote)
	match := subtle.ConstantTimeCompare([]byte(s.keyed("name:"+name)), []byte(inv.NameHash)) == 1
	if match {
		if match, err = s.Persons.Match(ctx, pp, a.EnterpriseID, ConsentInput{Role: inv.Role, Name: name, IDNumber: idn}); err != nil {
			return Invitation{}, err
		}
	}
	var concerned []string
	if match && decision == AnswerGive {
		if concerned, err = s.concerned(ctx, pp, a); err != nil {
			return Invitation{}, err
		}
	}
	now := s.now()
	var failed error
	err = s.InTx(ctx, func(tx Repo) error {
		inv, a, err = s.usable(ctx, tx, token)
		if err != nil {
			return err
		}
		pp = personPrincipal(inv, a, remote)
		inv.Version++
		if !match {
			inv.Failures++
			failed = fault.Fields{{Field: "id_number", Err: fault.New(fault.Invalid, "authz.consent_mismatch",
				"the name and identity number do not match the person the enterprise's records name in this role")}}.Err()
			if inv.Failures >= MaxInvitationFailures {
				inv.Status = InviteLocked
				failed = fault.New(fault.Conflict, "authz.invitation_locked", "locked after too many wrong identities")
			}
			if err := tx.UpdateInvitation(ctx, &inv); err != nil {
				return err
			}
			return tx.AppendAudit(ctx, s.inviteEntry(pp, a, inv, "consent_identity_failed", audit.Denied, map[string]any{"failures": inv.Failures}))
		}
		inv.DecidedAt = now
		if decision == AnswerRefuse {
			inv.Status = InviteRefused
			if err := tx.UpdateInvitation(ctx, &inv); err != nil {
				return err
			}
			return tx.AppendAudit(ctx, s.inviteEntry(pp, a, inv, "consent_refused", audit.OK, nil))
		}
		c := Consent{AuthorizationID: a.ID, Role: inv.Role, NameMasked: personid.MaskName(name), PersonHash: s.keyed(idn),
			Channel: ChannelPersonLink, GivenBy: pp.ActorName(), GivenAt: now}
		complete, err := s.addConsent(ctx, tx, &a, &c, concerned, now)
		if err != nil {
			return err
		}
		inv.Status, inv.ConsentID = InviteGiven, c.ID
		if err := tx.UpdateInvitation(ctx, &inv); err != nil {
			return err
		}
		return tx.AppendAudit(ctx, s.inviteEntry(pp, a, inv, "consent", audit.OK, map[string]any{"consent_id": c.ID, "channel": ChannelPersonLink,
			"version": a.Version, "persons_concerned": len(concerned), "all_consented": complete}))
	})
	if err != nil {
		return Invitation{}, err
	}
	if failed != nil {
		return inv, failed
	}
	s.wake()
	return inv, nil
}

// inviteEntry is the evidence of one step of an invitation.
func (s *Service) inviteEntry(p access.Principal, a Authorization, inv Invitation, verb string, out audit.Outcome, extra map[string]any) *audit.Entry {
	detail := map[string]any{"invitation_id": inv.ID, "role": inv.Role, "person": inv.NameMasked, "status": inv.Status}
	for k, v := range extra {
		detail[k] = v
	}
	b, _ := json.Marshal(detail) // plain values only
	return &audit.Entry{Time: s.now(), ActorUserID: p.UserID, ActorName: p.ActorName(), OrgID: p.OrgID,
		Action: "authorization." + verb, EnterpriseID: a.EnterpriseID, Purpose: a.Purpose,
		AuthorizationID: a.ID, Outcome: out, Detail: string(b), RemoteAddr: p.RemoteAddr}
}
