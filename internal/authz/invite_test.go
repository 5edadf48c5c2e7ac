package authz_test

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/creditbridge/creditbridge/internal/audit"
	"github.com/creditbridge/creditbridge/internal/authz"
	"github.com/creditbridge/creditbridge/internal/catalog"
	"github.com/creditbridge/creditbridge/internal/enterprise"
	"github.com/creditbridge/creditbridge/internal/facts"
	"github.com/creditbridge/creditbridge/internal/fault"
	"github.com/creditbridge/creditbridge/internal/mask"
	"github.com/creditbridge/creditbridge/internal/personid"
	"github.com/creditbridge/creditbridge/internal/sharing"
)

// evidence lists the entries of one action, oldest first.
func evidence(t *testing.T, f *fixture, action string) []audit.Entry {
	t.Helper()
	es, err := f.st.ListAudit(t.Context(), audit.Filter{Action: action})
	must(t, err)
	slices.Reverse(es)
	return es
}

// wrongID is a well-formed identity number that is not the legal
// representative's.
func wrongID(t *testing.T) string {
	t.Helper()
	idn := legalRepID(t)
	for _, other := range []string{"11010519491231002X", "110105194912310029", "440300198001010011"} {
		if other != idn {
			return other
		}
	}
	t.Fatal("no other identity number")
	return ""
}

// TestConsentInvitation is the person's own consent: the administrator
// issues a link for a named person, the person opens it without an
// account, proves who they are against the registry record and gives
// consent; the consent says it came from the person (person_link), the
// authorization carries personal information from then on, and every
// step is evidence.
func TestConsentInvitation(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, f *fixture) {
		ctx := t.Context()
		a, err := f.svc.Request(ctx, f.bank, f.input())
		must(t, err)
		_, err = f.svc.Approve(ctx, f.admin, a.ID, nil)
		must(t, err)
		lr := authz.InviteInput{Role: authz.ConsentLegalRep, Name: "张三丰"}

		// Who may invite.
		_, _, err = f.svc.Invite(ctx, f.bank, a.ID, lr)
		wantCode(t, err, fault.Forbidden, "authz.not_allowed")
		_, _, err = f.svc.Invite(ctx, f.other, a.ID, lr)
		wantCode(t, err, fault.NotFound, "authz.not_found")
		_, _, err = f.svc.Invite(ctx, f.admin, a.ID, authz.InviteInput{Role: "friend", Name: "x"})
		if !fault.Is(err, fault.Invalid) {
			t.Fatalf("bad role: %v", err)
		}

		inv, token, err := f.svc.Invite(ctx, f.admin, a.ID, lr)
		must(t, err)
		if !strings.HasPrefix(token, "ct_") || len(token) != 46 || inv.Status != authz.InviteOpen || inv.NameMasked != "张**" ||
			!inv.ExpiresAt.Equal(f.clock.now().Add(7*24*time.Hour)) {
			t.Fatalf("invitation %+v token %q", inv, token)
		}
		invs, err := f.svc.Invitations(ctx, f.bank, a.ID) // the institution sees that one was issued, not the link
		must(t, err)
		b, _ := json.Marshal(invs)
		if len(invs) != 1 || strings.Contains(string(b), token) || strings.Contains(string(b), authz.TokenHash(token)) || strings.Contains(string(b), "张三丰") {
			t.Fatalf("invitations as listed: %s", b)
		}

		// The person opens the link: who, what, for what, until when.
		_, err = f.svc.OpenInvitation(ctx, "ct_"+strings.Repeat("A", 43), "198.51.100.7")
		wantCode(t, err, fault.NotFound, "authz.invitation_not_found")
		_, err = f.svc.OpenInvitation(ctx, "garbage", "198.51.100.7")
		wantCode(t, err, fault.NotFound, "authz.invitation_not_found")
		v, err := f.svc.OpenInvitation(ctx, token, "198.51.100.7")
		must(t, err)
		if v.InstitutionName != "苏州银行" || v.EnterpriseName != "苏州甲公司" || v.Purpose != a.Purpose || !slices.Equal(v.PersonalData, []string{"name", "id_number"}) ||
			v.Invitation.OpenedAt.IsZero() || !v.ValidUntil.Equal(a.ValidUntil) {
			t.Fatalf("view = %+v", v)
		}
		_, err = f.svc.OpenInvitation(ctx, token, "198.51.100.7")
		must(t, err)
		if es := evidence(t, f, "authorization.consent_open"); len(es) != 1 || es[0].AuthorizationID != a.ID || es[0].RemoteAddr != "198.51.100.7" {
			t.Fatalf("open evidence = %+v", es)
		}

		// A wrong identity is refused and counted; so is the right number
		// under another name than the invited person's.
		_, err = f.svc.AnswerInvitation(ctx, token, "198.51.100.7", authz.Answer{Decision: authz.AnswerGive, Name: "张三丰", IDNumber: wrongID(t)})
		wantCode(t, err, fault.Invalid, "authz.consent_mismatch")
		_, err = f.svc.AnswerInvitation(ctx, token, "198.51.100.7", authz.Answer{Decision: authz.AnswerGive, Name: "李四", IDNumber: legalRepID(t)})
		if !fault.Is(err, fault.Invalid) {
			t.Fatalf("another name: %v", err)
		}
		_, err = f.svc.AnswerInvitation(ctx, token, "", authz.Answer{Decision: "maybe", Name: "张三丰", IDNumber: legalRepID(t)})
		if !fault.Is(err, fault.Invalid) {
			t.Fatalf("bad decision: %v", err)
		}
		if es := evidence(t, f, "authorization.consent_identity_failed"); len(es) != 2 || es[1].Outcome != audit.Denied || !strings.Contains(es[1].Detail, `"failures":2`) {
			t.Fatalf("failure evidence = %+v", es)
		}

		// The right person gives consent.
		got, err := f.svc.AnswerInvitation(ctx, token, "198.51.100.7", authz.Answer{Decision: authz.AnswerGive, Name: "张三丰", IDNumber: legalRepID(t)})
		must(t, err)
		if got.Status != authz.InviteGiven || got.ConsentID == 0 || got.Failures != 2 || got.DecidedAt.IsZero() {
			t.Fatalf("answered = %+v", got)
		}
		cs, err := f.svc.Consents(ctx, f.admin, a.ID)
		must(t, err)
		if len(cs) != 1 || cs[0].Channel != authz.ChannelPersonLink || cs[0].ID != got.ConsentID || !strings.HasPrefix(cs[0].GivenBy, "consent-link:") {
			t.Fatalf("consents = %+v", cs)
		}
		az, err := f.svc.Get(ctx, f.bank, a.ID)
		must(t, err)
		if !az.PersonalConsent || az.Version != 3 {
			t.Fatalf("authorization after consent = %+v", az)
		}
		es := evidence(t, f, "authorization.consent")
		if len(es) != 1 || !strings.Contains(es[0].Detail, `"channel":"person_link"`) || strings.Contains(es[0].Detail, legalRepID(t)) || strings.Contains(es[0].Detail, "张三丰") {
			t.Fatalf("consent evidence = %+v", es)
		}
		// The identity was checked through the decision point, as the
		// person's link, with its own evidence (a name other than the
		// invited person's is refused before any record is read).
		checks := evidence(t, f, "authorization.identity_check")
		if len(checks) != 2 || !strings.HasPrefix(checks[1].ActorName, "consent-link:") || checks[1].EnterpriseID != f.entID ||
			!strings.Contains(checks[0].Detail, `"match":false`) || !strings.Contains(checks[1].Detail, `"match":true`) {
			t.Fatalf("identity-check evidence = %+v", checks)
		}
		_, err = f.svc.AnswerInvitation(ctx, token, "", authz.Answer{Decision: authz.AnswerGive, Name: "张三丰", IDNumber: legalRepID(t)})
		wantCode(t, err, fault.Conflict, "authz.invitation_used")
		_, err = f.svc.OpenInvitation(ctx, token, "")
		wantCode(t, err, fault.Conflict, "authz.invitation_used")
	})
}

// TestConsentInvitationLocksAfterFiveFailures: the fifth wrong identity
// locks the link, and then not even the right person can use it.
func TestConsentInvitationLocksAfterFiveFailures(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, f *fixture) {
		ctx := t.Context()
		a, err := f.svc.Request(ctx, f.bank, f.input())
		must(t, err)
		_, token, err := f.svc.Invite(ctx, f.admin, a.ID, authz.InviteInput{Role: authz.ConsentLegalRep, Name: "张三丰"})
		must(t, err)
		wrong := authz.Answer{Decision: authz.AnswerGive, Name: "张三丰", IDNumber: wrongID(t)}
		for i := 1; i < authz.MaxInvitationFailures; i++ {
			_, err := f.svc.AnswerInvitation(ctx, token, "", wrong)
			if !fault.Is(err, fault.Invalid) {
				t.Fatalf("failure %d: %v", i, err)
			}
		}
		_, err = f.svc.AnswerInvitation(ctx, token, "", wrong)
		wantCode(t, err, fault.Conflict, "authz.invitation_locked")
		_, err = f.svc.AnswerInvitation(ctx, token, "", authz.Answer{Decision: authz.AnswerGive, Name: "张三丰", IDNumber: legalRepID(t)})
		wantCode(t, err, fault.Conflict, "authz.invitation_locked")
		invs, err := f.svc.Invitations(ctx, f.admin, a.ID)
		must(t, err)
		if len(invs) != 1 || invs[0].Status != authz.InviteLocked || invs[0].Failures != authz.MaxInvitationFailures {
			t.Fatalf("invitation = %+v", invs)
		}
		if az, _ := f.svc.Get(ctx, f.admin, a.ID); az.PersonalConsent {
			t.Fatal("a locked link gave consent")
		}
	})
}

// TestConsentInvitationRefusedAndExpired: a refusal is recorded and
// changes nothing else; a link past its seven days is refused.
func TestConsentInvitationRefusedAndExpired(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, f *fixture) {
		ctx := t.Context()
		a, err := f.svc.Request(ctx, f.bank, f.input())
		must(t, err)
		lr := authz.InviteInput{Role: authz.ConsentLegalRep, Name: "张三丰"}
		_, token, err := f.svc.Invite(ctx, f.admin, a.ID, lr)
		must(t, err)
		got, err := f.svc.AnswerInvitation(ctx, token, "", authz.Answer{Decision: authz.AnswerRefuse, Name: "张三丰", IDNumber: legalRepID(t)})
		must(t, err)
		if got.Status != authz.InviteRefused || got.ConsentID != 0 {
			t.Fatalf("refused = %+v", got)
		}
		if az, _ := f.svc.Get(ctx, f.admin, a.ID); az.PersonalConsent || az.Version != 1 {
			t.Fatalf("authorization after refusal = %+v", az)
		}
		if es := evidence(t, f, "authorization.consent_refused"); len(es) != 1 {
			t.Fatalf("refusal evidence = %+v", es)
		}
		if cs, _ := f.svc.Consents(ctx, f.admin, a.ID); len(cs) != 0 {
			t.Fatalf("consents after refusal = %+v", cs)
		}

		_, token, err = f.svc.Invite(ctx, f.admin, a.ID, lr)
		must(t, err)
		f.clock.add(7*24*time.Hour + time.Second)
		_, err = f.svc.OpenInvitation(ctx, token, "")
		wantCode(t, err, fault.Conflict, "authz.invitation_expired")
		_, err = f.svc.AnswerInvitation(ctx, token, "", authz.Answer{Decision: authz.AnswerGive, Name: "张三丰", IDNumber: legalRepID(t)})
		wantCode(t, err, fault.Conflict, "authz.invitation_expired")
		invs, err := f.svc.Invitations(ctx, f.admin, a.ID)
		must(t, err)
		if len(invs) != 2 || invs[1].Status != authz.InviteExpired {
			t.Fatalf("invitations = %+v", invs)
		}
		// Revoked: no link can be issued or used any more.
		_, err = f.svc.Revoke(ctx, f.admin, a.ID, "")
		must(t, err)
		_, _, err = f.svc.Invite(ctx, f.admin, a.ID, lr)
		wantCode(t, err, fault.Conflict, "authz.bad_transition")
	})
}

// TestOnePersonsConsentDoesNotUnmaskAnother: an authorization covering
// the legal representative and the shareholders carries personal
// information only once every person those items name has consented; the
// legal representative's consent alone leaves it masked.
func TestOnePersonsConsentDoesNotUnmaskAnother(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, f *fixture) {
		ctx := t.Context()
		holderID, err := personid.Complete("32010219900101123")
		must(t, err)
		month := time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)
		must(t, f.st.AppendFacts(ctx, []facts.Fact{
			{EnterpriseID: f.entID, Item: "registration.shareholders", Shape: facts.Attribute, Period: month, Num: 600_000_00, Text: "李四 " + holderID,
				Ref: "natural:" + holderID, Detail: `{"holder_type":"natural","share_bp":6000}`, Source: "samr", Batch: "b", ReceivedAt: month, Version: 1},
			{EnterpriseID: f.entID, Item: "registration.shareholders", Shape: facts.Attribute, Period: month, Num: 400_000_00, Text: "某某控股有限公司",
				Ref: "legal:91320102MA1XYZ1234", Detail: `{"holder_type":"legal","share_bp":4000}`, Source: "samr", Batch: "b", ReceivedAt: month, Version: 1},
		}))
		rules, err := mask.Platform()
		must(t, err)
		f.svc.Persons = authz.Persons{Enterprises: &enterprise.Service{Repo: f.st, Seal: f.sealer},
			Sharing: &sharing.Service{Repo: f.st, Items: f.svc.Items.(*catalog.Service), Mask: rules}}
		in := f.input()
		in.Items = []string{"registration.legal_representative", "registration.shareholders"}
		a, err := f.svc.Request(ctx, f.bank, in)
		must(t, err)
		_, token, err := f.svc.Invite(ctx, f.admin, a.ID, authz.InviteInput{Role: authz.ConsentLegalRep, Name: "张三丰"})
		must(t, err)
		_, err = f.svc.AnswerInvitation(ctx, token, "", authz.Answer{Decision: authz.AnswerGive, Name: "张三丰", IDNumber: legalRepID(t)})
		must(t, err)
		if az, _ := f.svc.Get(ctx, f.bank, a.ID); az.PersonalConsent {
			t.Fatal("the legal representative's consent unmasked the shareholder's information")
		}
		if es := evidence(t, f, "authorization.consent"); len(es) != 1 || !strings.Contains(es[0].Detail, `"persons_concerned":2`) ||
			!strings.Contains(es[0].Detail, `"all_consented":false`) {
			t.Fatalf("consent evidence = %+v", es)
		}
		if es := evidence(t, f, "authorization.consent_scope"); len(es) < 2 {
			t.Fatalf("the persons concerned were not read through the decision point: %+v", es)
		}
		_, token, err = f.svc.Invite(ctx, f.admin, a.ID, authz.InviteInput{Role: authz.ConsentShareholder, Name: "李四"})
		must(t, err)
		_, err = f.svc.AnswerInvitation(ctx, token, "", authz.Answer{Decision: authz.AnswerGive, Name: "李四", IDNumber: holderID})
		must(t, err)
		if az, _ := f.svc.Get(ctx, f.bank, a.ID); !az.PersonalConsent {
			t.Fatal("everyone consented, yet the authorization carries no personal information")
		}
	})
}
