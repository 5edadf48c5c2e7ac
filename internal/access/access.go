package access

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/creditbridge/creditbridge/internal/account"
	"github.com/creditbridge/creditbridge/internal/audit"
	"github.com/creditbridge/creditbridge/internal/fault"
)

// Principal is who is acting: a signed-in user or an API key, with the
// organisation behind it.
type Principal struct {
	UserID       int64
	Username     string
	DisplayName  string
	OrgID        int64
	OrgKind      account.OrgKind
	OrgName      string
	Role         account.Role // empty for API keys
	EnterpriseID int64        // the enterprise an enterprise organisation acts for
	AccessTier   int
	Department   string // a department organisation's code ("tax")
	APIKeyID     int64
	APIKeyPrefix string
	Scopes       []account.Scope
	RemoteAddr   string
	// Suspended: the user, API key or organisation is suspended (security
	// monitoring); the decision point refuses every read.
	Suspended bool
}

// System is the platform acting on its own (demo seeding, migrations).
var System = Principal{Username: "system"}

// ActorName is how the principal appears in evidence.
func (p Principal) ActorName() string {
	if p.APIKeyPrefix != "" {
		return "apikey:" + p.APIKeyPrefix
	}
	if p.Username != "" {
		return p.Username
	}
	return "system"
}

// IsOperator reports whether the principal works for the platform operator.
func (p Principal) IsOperator() bool { return p.OrgKind == account.KindOperator }

// IsAdmin reports whether the principal may administer accounts.
func (p Principal) IsAdmin() bool { return p.Role == account.RoleOperatorAdmin }

// HasScope reports whether an API-key principal carries s; users carry no
// scopes and are governed by their role.
func (p Principal) HasScope(s account.Scope) bool {
	for _, x := range p.Scopes {
		if x == s {
			return true
		}
	}
	return false
}

// Catalogue items of the registry (until the catalogue issue makes items
// data, these are the registry's two items).
const (
	ItemRegistration = "registration.basic"
	ItemLegalRep     = "registration.legal_representative"
)

// Purposes a reader may state.
const (
	PurposeOperation    = "platform_operation"   // operator's own work
	PurposeSelf         = "self_query"           // the enterprise reads its own data
	PurposeAudit        = "audit"                // auditor's review
	PurposeLoan         = "loan_application"     // institution assessing a loan
	PurposeDataMatching = "data_matching"        // department matching its records
	PurposeMonitoring   = "post_loan_monitoring" // institution watching a borrower
	PurposeCreditReview = "credit_line_review"
	PurposeGuarantee    = "guarantee" // institution assessing a guarantee
	// PurposeEvaluation is the platform computing credit scores (the
	// batch and incremental rescoring of internal/scoring, model training).
	PurposeEvaluation = "credit_evaluation"
)

// Purposes lists every purpose a request may state.
var Purposes = []string{PurposeOperation, PurposeSelf, PurposeAudit, PurposeLoan, PurposeDataMatching, PurposeMonitoring, PurposeCreditReview, PurposeGuarantee, PurposeEvaluation}

// InstitutionPurposes are the purposes an institution may state (and an
// authorization may name).
var InstitutionPurposes = []string{PurposeLoan, PurposeMonitoring, PurposeCreditReview, PurposeGuarantee}

// Modes of a read: what the caller will get.
const (
	ModeView   = "view"   // the values themselves
	ModeVerify = "verify" // only a true/false/unknown answer about them (数据核验)
)

// Modes an authorization grants (Grant.Mode).
const (
	GrantView   = "view"   // values may be viewed (and verified)
	GrantStore  = "store"  // values may be viewed, verified and kept by the institution
	GrantVerify = "verify" // verification answers only
)

// Grant is the decision point's view of one authorization an enterprise
// gave an institution (internal/authz's Authorization).
type Grant struct {
	ID         string
	Status     string // pending, active, paused, revoked, expired, rejected
	Purpose    string
	Items      []string // item codes, or category prefixes ending in "."
	DataFrom   time.Time
	DataTo     time.Time // inclusive
	ValidFrom  time.Time // inclusive
	ValidUntil time.Time // exclusive
	Mode       string    // GrantView, GrantStore or GrantVerify
	// PersonalConsent: the persons concerned gave separate consent, so
	// personal information is not masked for this institution.
	PersonalConsent bool
	FetchType       string // one_time or periodic (informational here)
}

// Covers reports whether the grant's items include item: the exact code
// or a category prefix ending in ".".
func (g Grant) Covers(item string) bool {
	for _, it := range g.Items {
		if it == item || strings.HasSuffix(it, ".") && strings.HasPrefix(item, it) {
			return true
		}
	}
	return false
}

// Clip bounds a requested data date range [from, to] (zero: open) to the
// grant's range.
func (g Grant) Clip(from, to time.Time) (time.Time, time.Time) {
	if !g.DataFrom.IsZero() && (from.IsZero() || from.Before(g.DataFrom)) {
		from = g.DataFrom
	}
	if !g.DataTo.IsZero() && (to.IsZero() || to.After(g.DataTo)) {
		to = g.DataTo
	}
	return from, to
}

// ItemPolicy is what the decision point needs to know about one catalogue
// item (internal/catalog's Item, resolved by the Guard's Policies).
type ItemPolicy struct {
	Code       string
	Known      bool   // false: the code is not in the catalogue
	Department string // source department code
	Grade      int    // 1-4 (DOMAIN.md §6)
	Sharing    string // unconditional, conditional, not_shared
	Disclosure string // public, on_application, not_public
	Personal   bool
}

// Request asks to read items of one enterprise (EnterpriseID set) or to
// search the registry (EnterpriseID zero).
type Request struct {
	Principal    Principal
	Action       string // evidence action, e.g. "enterprise.read"
	EnterpriseID int64
	Items        []string
	Purpose      string
	// Mode is ModeView (default) or ModeVerify.
	Mode string
	// Policies describe Items, in the same order. Guard.Read fills them
	// from its Policies resolver when nil; without either, only the two
	// registry items are known.
	Policies []ItemPolicy
	// Now is the decision's clock (Guard.Read fills it when zero); grants
	// are live in [ValidFrom, ValidUntil).
	Now time.Time
	// From and To bound the data dates asked for (inclusive; zero: the
	// covering grant's whole range, which the caller then clips to). A
	// verification (ModeVerify) is about its as-of date To alone: From is
	// not checked, the caller clips it.
	From, To time.Time
	// Grants are the authorizations the principal's institution holds from
	// EnterpriseID, in any state (Guard.Read fills them for institutions).
	Grants []Grant
	// AuthorizationID, when set, names the one authorization the read is
	// made under; otherwise the decision point picks a covering one.
	AuthorizationID string
	// GrantsLoaded: Grants were filled (possibly empty) and need not be
	// fetched again.
	GrantsLoaded bool
}

// Masking tells the caller what to hide from the result.
type Masking struct {
	// PersonalData hides personal information (legal representative's
	// name and identity number) behind its masked form.
	PersonalData bool
}

// Decision is the answer of the decision point.
type Decision struct {
	Allow bool
	// Reason is a stable code naming why (for denials, what to do about it).
	Reason string
	Mask   Masking
	// Purpose is the purpose the read is recorded under.
	Purpose         string
	AuthorizationID string
	// Grant is the covering authorization of an institution's read (nil
	// when none was needed): callers clip the data dates to its range.
	Grant *Grant `json:"-"`
}

// Decide applies the access rules. It is pure: no I/O, no clock.
//
// Registration data (the registry record) is public credit information
// (disclosure "public", grade L1), so any signed-in role may read it for a
// stated purpose; the legal representative is personal information and is
// masked for everyone until separate consent exists. An enterprise reads
// its own record only; an API key needs the enterprise:read scope.
func Decide(r Request) Decision {
	p := r.Principal
	d := Decision{Purpose: r.Purpose, Mask: Masking{PersonalData: true}}
	deny := func(reason string) Decision { d.Reason = reason; return d }
	if p.OrgID == 0 && p.Username != "system" {
		return deny("access.no_identity")
	}
	if p.Suspended {
		return deny("access.suspended")
	}
	if p.APIKeyID != 0 && !p.HasScope(account.ScopeEnterpriseRead) {
		return deny("access.scope_missing")
	}
	pols := r.Policies
	if pols == nil {
		pols = registryPolicies(r.Items)
	}
	if len(pols) != len(r.Items) {
		return deny("access.unknown_item")
	}
	for _, pol := range pols {
		if !pol.Known {
			return deny("access.unknown_item")
		}
	}
	if r.Mode != "" && r.Mode != ModeView && r.Mode != ModeVerify {
		return deny("access.unknown_mode")
	}
	switch p.OrgKind {
	case account.KindOperator:
		if d.Purpose == "" {
			d.Purpose = PurposeOperation
		}
	case account.KindAuditor:
		if d.Purpose == "" {
			d.Purpose = PurposeAudit
		}
	case account.KindEnterprise:
		if r.EnterpriseID == 0 {
			return deny("access.enterprise_search_denied")
		}
		if r.EnterpriseID != p.EnterpriseID {
			return deny("access.not_own_enterprise")
		}
		d.Purpose = PurposeSelf
	case account.KindInstitution:
		if r.Purpose == "" {
			return deny("access.purpose_required")
		}
	case account.KindDepartment:
		if d.Purpose == "" {
			d.Purpose = PurposeDataMatching
		}
	default:
		if p.Username != "system" {
			return deny("access.no_identity")
		}
		if d.Purpose == "" {
			d.Purpose = PurposeOperation
		}
	}
	if !knownPurpose(d.Purpose) {
		return deny("access.unknown_purpose")
	}
	if !allowedPurpose(p.OrgKind, d.Purpose) {
		return deny("access.purpose_not_allowed")
	}
	if reason := itemRule(p, pols); reason != "" {
		return deny(reason)
	}
	switch p.OrgKind {
	case account.KindEnterprise:
		d.Mask.PersonalData = false // the enterprise sees its own data in full
	case account.KindInstitution:
		if needsGrant(pols) || r.AuthorizationID != "" {
			g, reason := cover(r, pols)
			if reason != "" {
				if g != nil {
					d.AuthorizationID = g.ID
				}
				return deny(reason)
			}
			d.AuthorizationID, d.Grant = g.ID, g
			d.Mask.PersonalData = !g.PersonalConsent
		}
	}
	d.Allow = true
	d.Reason = "access.allowed"
	return d
}

// itemRule applies the catalogue's grading to the items asked for:
//   - the operator, auditors and the enterprise itself see every item;
//   - a department sees its own department's items and public L1 items
//     (to match its records against the registry);
//   - an institution never sees items that are not shared or graded above
//     its access tier (L1 is open to every tier); which of the rest it
//     sees is the authorizations' business (cover).
func itemRule(p Principal, pols []ItemPolicy) string {
	switch p.OrgKind {
	case account.KindDepartment:
		for _, pol := range pols {
			if pol.Department != p.Department && !public(pol) {
				return "access.other_department"
			}
		}
	case account.KindInstitution:
		for _, pol := range pols {
			switch {
			case pol.Sharing == "not_shared":
				return "access.not_shared"
			case pol.Grade > max(1, p.AccessTier):
				return "access.grade_above_tier"
			}
		}
	}
	return ""
}

// public: a public L1 item, which anyone signed in may read without the
// enterprise's authorization.
func public(pol ItemPolicy) bool { return pol.Grade <= 1 && pol.Disclosure == "public" }

func needsGrant(pols []ItemPolicy) bool {
	for _, pol := range pols {
		if !public(pol) {
			return true
		}
	}
	return false
}

// Stages a grant passes on its way to covering a request, in the order
// checked: the denial reason comes from the grant that got furthest, so
// it names what the institution can act on (a grant for the right
// purpose and items that is paused says "paused", not "wrong purpose").
const (
	stagePurpose = iota
	stageItems
	stageStatus
	stageDates
	stageMode
	stageCovered
)

// cover finds the grant covering r: same purpose, items covering every
// item that is not public, active, live at r.Now, the data dates inside
// its range, and a mode that allows r.Mode. It returns the covering grant
// or the reason none does (with the grant that came closest, if any).
func cover(r Request, pols []ItemPolicy) (*Grant, string) {
	var best *Grant
	bestStage, bestReason := -1, "access.authorization_required"
	for i := range r.Grants {
		g := &r.Grants[i]
		if r.AuthorizationID != "" && g.ID != r.AuthorizationID {
			continue
		}
		stage, reason := check(r, pols, g)
		if stage == stageCovered {
			return g, ""
		}
		if stage > bestStage {
			best, bestStage, bestReason = g, stage, reason
		}
	}
	return best, bestReason
}

func check(r Request, pols []ItemPolicy, g *Grant) (int, string) {
	if g.Purpose != r.Purpose {
		return stagePurpose, "access.authorization_purpose"
	}
	for _, pol := range pols {
		if !public(pol) && !g.Covers(pol.Code) {
			return stageItems, "access.authorization_items"
		}
	}
	switch g.Status {
	case "active":
	case "pending":
		return stageStatus, "access.authorization_pending"
	case "paused":
		return stageStatus, "access.authorization_paused"
	case "revoked":
		return stageStatus, "access.authorization_revoked"
	case "rejected":
		return stageStatus, "access.authorization_rejected"
	default: // expired, or a state this build does not know: not live
		return stageStatus, "access.authorization_expired"
	}
	if !r.Now.Before(g.ValidUntil) {
		return stageStatus, "access.authorization_expired"
	}
	if r.Now.Before(g.ValidFrom) {
		return stageStatus, "access.authorization_not_started"
	}
	from := r.From
	if r.Mode == ModeVerify {
		// A verification answers as of a date (To): that date must lie in
		// the range; the history before it is clipped to the range.
		from = time.Time{}
	}
	if !from.IsZero() && (from.Before(g.DataFrom) || from.After(g.DataTo)) ||
		!r.To.IsZero() && (r.To.After(g.DataTo) || r.To.Before(g.DataFrom)) {
		return stageDates, "access.authorization_dates"
	}
	mode := r.Mode
	if mode == "" {
		mode = ModeView
	}
	if mode == ModeView && g.Mode != GrantView && g.Mode != GrantStore {
		return stageMode, "access.authorization_mode"
	}
	return stageCovered, ""
}

// registryPolicies describes the registry's two items when no catalogue
// resolver is at hand (the registry predates the catalogue; their grading
// here matches the default catalogue).
func registryPolicies(items []string) []ItemPolicy {
	out := make([]ItemPolicy, len(items))
	for i, it := range items {
		switch it {
		case ItemRegistration:
			out[i] = ItemPolicy{Code: it, Known: true, Department: "samr", Grade: 1, Sharing: "unconditional", Disclosure: "public"}
		case ItemLegalRep:
			// Masked for everyone until separate consent exists, so the
			// registry record may carry it in its masked form.
			out[i] = ItemPolicy{Code: it, Known: true, Department: "samr", Grade: 1, Sharing: "unconditional", Disclosure: "public", Personal: true}
		default:
			out[i] = ItemPolicy{Code: it}
		}
	}
	return out
}

// purposesByKind says which purposes each kind of organisation may state:
// an institution may not dress a query up as an audit or as the operator's
// own work.
var purposesByKind = map[account.OrgKind][]string{
	account.KindOperator:    {PurposeOperation, PurposeAudit, PurposeEvaluation},
	account.KindAuditor:     {PurposeAudit},
	account.KindEnterprise:  {PurposeSelf},
	account.KindInstitution: InstitutionPurposes,
	account.KindDepartment:  {PurposeDataMatching},
	"":                      {PurposeOperation, PurposeEvaluation}, // the platform itself
}

func allowedPurpose(kind account.OrgKind, purpose string) bool {
	for _, p := range purposesByKind[kind] {
		if p == purpose {
			return true
		}
	}
	return false
}

func knownPurpose(s string) bool {
	for _, p := range Purposes {
		if p == s {
			return true
		}
	}
	return false
}

// Appender is what the Guard needs to write evidence.
type Appender interface {
	AppendAudit(ctx context.Context, e *audit.Entry) error
}

// Guard decides and records. Every read of enterprise data runs through
// Guard.Read; there is no other way to the data in the domain services.
type Guard struct {
	Log Appender
	Now func() time.Time
	// Policies resolves catalogue items for requests that do not carry
	// them; nil leaves only the registry's two items known.
	Policies func(ctx context.Context, items []string) ([]ItemPolicy, error)
	// Grants returns the authorizations an institution holds from an
	// enterprise, in any state; nil means none exist, so an institution
	// reads only public items.
	Grants GrantSource
}

// GrantSource lists the authorizations an institution organisation holds
// from an enterprise (internal/authz's Service.Grants).
type GrantSource func(ctx context.Context, institutionOrgID, enterpriseID int64) ([]Grant, error)

// Prepare fills what Decide needs and r does not carry: the clock, the
// item policies and, for an institution reading one enterprise, its
// grants. Read calls it; callers that Decide per item first (to narrow a
// category to what may be seen) call it once themselves.
func (g Guard) Prepare(ctx context.Context, r Request) (Request, error) {
	if r.Now.IsZero() {
		r.Now = time.Now().UTC()
		if g.Now != nil {
			r.Now = g.Now().UTC()
		}
	}
	if r.Policies == nil && g.Policies != nil && len(r.Items) > 0 {
		pols, err := g.Policies(ctx, r.Items)
		if err != nil {
			return r, fmt.Errorf("access: resolve items: %w", err)
		}
		r.Policies = pols
	}
	if !r.GrantsLoaded && r.Principal.OrgKind == account.KindInstitution && r.EnterpriseID != 0 {
		if g.Grants != nil {
			gs, err := g.Grants(ctx, r.Principal.OrgID, r.EnterpriseID)
			if err != nil {
				return r, fmt.Errorf("access: load authorizations: %w", err)
			}
			r.Grants = gs
		}
		r.GrantsLoaded = true
	}
	return r, nil
}

// Read decides r; on a denial it records the denied attempt and returns a
// fault.Forbidden error carrying the reason code. On an allow it calls
// read, which fetches the data and returns a detail describing what was
// returned (for searches, the codes listed), then records the evidence
// entry. If read fails, nothing was returned and its error is passed on
// (a read of an unknown enterprise leaves no entry: nothing was disclosed).
// If the entry cannot be written, the read is refused: no evidence, no data.
func (g Guard) Read(ctx context.Context, r Request, read func(Decision) (detail any, err error)) (Decision, error) {
	r, err := g.Prepare(ctx, r)
	if err != nil {
		return Decision{}, err
	}
	d := Decide(r)
	if !d.Allow {
		if err := g.record(ctx, r, d, audit.Denied, d.Reason); err != nil {
			return Decision{}, err
		}
		return d, fault.New(fault.Forbidden, d.Reason, "access denied: "+d.Reason)
	}
	detail, err := read(d)
	if err != nil {
		return d, err
	}
	var text string
	if detail != nil {
		b, err := json.Marshal(detail)
		if err != nil {
			return Decision{}, fmt.Errorf("access: evidence detail: %w", err)
		}
		text = string(b)
	}
	if err := g.record(ctx, r, d, audit.OK, text); err != nil {
		return Decision{}, err
	}
	return d, nil
}

func (g Guard) record(ctx context.Context, r Request, d Decision, out audit.Outcome, detail string) error {
	now := time.Now
	if g.Now != nil {
		now = g.Now
	}
	e := audit.Entry{
		Time:            now(),
		ActorUserID:     r.Principal.UserID,
		ActorName:       r.Principal.ActorName(),
		OrgID:           r.Principal.OrgID,
		Action:          r.Action,
		EnterpriseID:    r.EnterpriseID,
		Items:           r.Items,
		Purpose:         d.Purpose,
		AuthorizationID: d.AuthorizationID,
		Outcome:         out,
		Detail:          detail,
		RemoteAddr:      r.Principal.RemoteAddr,
	}
	if err := g.Log.AppendAudit(ctx, &e); err != nil {
		return fmt.Errorf("access: write evidence: %w", err)
	}
	return nil
}

// Messages are the user-facing texts of this package's codes.
var Messages = map[string][2]string{
	"access.allowed":                   {"Access allowed.", "允许访问。"},
	"access.no_identity":               {"Sign in or present an API key to read enterprise data.", "请先登录或提供 API 密钥后再读取企业数据。"},
	"access.scope_missing":             {"This API key lacks the enterprise:read scope; ask your administrator for a key with that scope.", "该 API 密钥没有 enterprise:read 权限范围，请向管理员申请具备该范围的密钥。"},
	"access.unknown_item":              {"The requested data item is not in the catalogue.", "所请求的数据项不在共享清单中。"},
	"access.enterprise_search_denied":  {"Enterprise accounts can only read their own record.", "企业账户只能查看本企业的信息。"},
	"access.not_own_enterprise":        {"Enterprise accounts can only read their own record.", "企业账户只能查看本企业的信息。"},
	"access.purpose_required":          {"State the purpose of this query (for example loan_application).", "请说明查询用途（例如 loan_application 贷款申请）。"},
	"access.purpose_not_allowed":       {"Your organisation may not read enterprise data for this purpose.", "贵机构不能以该用途查询企业数据。"},
	"access.unknown_mode":              {"The read mode must be view or verify.", "读取方式只能是 view（查看）或 verify（核验）。"},
	"access.other_department":          {"A department can read only its own department's data and public registration data.", "数据提供部门只能查看本部门提供的数据和公开的登记信息。"},
	"access.not_shared":                {"This data item is not shared with institutions.", "该数据项不向金融机构共享。"},
	"access.grade_above_tier":          {"This data item's grade is above your institution's access tier.", "该数据项的分级高于贵机构的访问等级。"},
	"access.authorization_required":    {"This item is shared only under the enterprise's authorization; request one from the enterprise (POST /api/v1/authorizations).", "该数据项须经企业授权后方可共享；请先向企业申请授权。"},
	"access.unknown_purpose":           {"The stated purpose is not one the platform recognises.", "所述查询用途不在平台认可的范围内。"},
	"access.suspended":                 {"Your account, API key or institution is suspended; contact the platform operator.", "您的账户、API 密钥或机构已被暂停使用，请联系平台运营方。"},
	"access.authorization_pending":     {"The enterprise has not yet approved your authorization request; wait for its decision.", "企业尚未批准贵机构的授权申请，请等待企业处理。"},
	"access.authorization_paused":      {"The enterprise has paused this authorization; reads resume when it resumes it.", "企业已暂停该授权，企业恢复授权后方可继续查询。"},
	"access.authorization_revoked":     {"The enterprise has revoked this authorization; request a new one.", "企业已撤销该授权，请重新申请授权。"},
	"access.authorization_rejected":    {"The enterprise rejected this authorization request; request a new one if needed.", "企业已拒绝该授权申请，如有需要请重新申请。"},
	"access.authorization_expired":     {"The authorization has expired; request a new one.", "该授权已过期，请重新申请授权。"},
	"access.authorization_not_started": {"The authorization's validity has not started yet.", "该授权尚未到生效时间。"},
	"access.authorization_purpose":     {"No authorization covers the purpose stated; state the purpose the enterprise authorized or request an authorization for this one.", "没有覆盖所述用途的授权；请使用企业授权的用途，或为该用途申请授权。"},
	"access.authorization_items":       {"The authorization does not cover every item asked for; ask only for authorized items or request a wider authorization.", "授权未覆盖所请求的全部数据项；请只查询已授权的数据项，或申请更大范围的授权。"},
	"access.authorization_dates":       {"The data dates asked for are outside the authorized date range.", "所请求的数据日期超出了授权的数据日期范围。"},
	"access.authorization_mode":        {"The authorization allows verification only, not viewing the values.", "该授权仅允许数据核验，不允许查看数据值。"},
}
