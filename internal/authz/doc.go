// Package authz keeps the enterprises' authorizations (授权): an
// institution requests one, the enterprise's administrator approves
// (possibly narrowing it), rejects, pauses, resumes or revokes it, and the
// access decision point (internal/access) reads them on every read of an
// institution through Service.Grants. Every version of an authorization is
// signed by the node (an EdDSA compact JWS of its Artefact) and every
// transition is an evidence entry written in the same transaction.
//
// Rules of the artefact (DOMAIN.md §6):
//   - purpose: one an institution may state (access.InstitutionPurposes);
//   - items: catalogue item codes or category prefixes ("tax."), never an
//     item that is not shared; the decision point still applies the
//     institution's access tier;
//   - data date range [DataFrom, DataTo]: reads asking outside it are
//     refused, reads without dates are clipped to it;
//   - validity [ValidFrom, ValidUntil): at most MaxValidity (one year by
//     default); a one-time fetch at most MaxOneTimeValidity (30 days): the
//     institution fetches within that window, then the grant expires. The
//     frequency of a periodic fetch is the institution's declared schedule
//     (shown to the enterprise and to security monitoring), not enforced
//     per read;
//   - mode: verify (verification answers only) < view (values) < store
//     (values the institution may keep); approval may only narrow;
//   - no re-delegation: only the grantee institution's own principals read
//     under it;
//   - personal information (legal representative, natural-person
//     shareholders) stays masked unless a person's separate consent was
//     recorded: given by the person through a one-time invitation link
//     (Invite, OpenInvitation, AnswerInvitation; the token stored hashed,
//     7 days, locked after 5 wrong identities), or attested by the
//     enterprise's administrator (GiveConsent), each consent saying which.
//     The authorization carries personal information only once every
//     person its items name (PersonCheck.Concerned) has consented.
//
// Webhooks: every change stores a Delivery in its own transaction; the
// Notifier sends due deliveries signed, retries with backoff, and leaves
// one out of attempts failed until the grantee institution or an operator
// administrator replays it. Pending deliveries are rows, so they outlive a
// restart.
//
// Who may do what: an institution's officers and its API keys with the
// enterprise:read scope request (requesting is part of reading, so no
// separate scope) and may revoke their own; the grantor enterprise's
// administrator approves, narrows, rejects, pauses, resumes, revokes,
// issues consent invitations and attests consents; the invited person
// answers their own link without an account; the operator and auditors
// read every authorization.
//
// This package must never let a transition through without its evidence
// entry, nor let a webhook delivery delay or fail a transition.
package authz
