package access

import (
	"context"
	"encoding/json"
	"fmt"
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
)

// Purposes lists every purpose a request may state.
var Purposes = []string{PurposeOperation, PurposeSelf, PurposeAudit, PurposeLoan, PurposeDataMatching, PurposeMonitoring, PurposeCreditReview}

// Modes of a read: what the caller will get.
const (
	ModeView   = "view"   // the values themselves
	ModeVerify = "verify" // only a true/false/unknown answer about them (数据核验)
)

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
	if reason := itemRule(p, r.Mode, pols); reason != "" {
		return deny(reason)
	}
	d.Allow = true
	d.Reason = "access.allowed"
	return d
}

// itemRule applies the catalogue's grading to the items asked for, until
// authorizations exist (they will widen what an institution may see):
//   - the operator, auditors and the enterprise itself see every item;
//   - a department sees its own department's items and public L1 items
//     (to match its records against the registry);
//   - an institution never sees items that are not shared or graded above
//     its access tier; it sees unconditionally shared items, and
//     conditionally shared ones only as verification answers (the value
//     needs the enterprise's authorization).
func itemRule(p Principal, mode string, pols []ItemPolicy) string {
	switch p.OrgKind {
	case account.KindDepartment:
		for _, pol := range pols {
			if pol.Department != p.Department && !(pol.Grade <= 1 && pol.Disclosure == "public") {
				return "access.other_department"
			}
		}
	case account.KindInstitution:
		for _, pol := range pols {
			switch {
			case pol.Sharing == "not_shared":
				return "access.not_shared"
			case pol.Grade > 1 && pol.Grade > p.AccessTier: // L1 is public
				return "access.grade_above_tier"
			case pol.Sharing == "conditional" && mode != ModeVerify:
				return "access.authorization_required"
			}
		}
	}
	return ""
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
	account.KindOperator:    {PurposeOperation, PurposeAudit},
	account.KindAuditor:     {PurposeAudit},
	account.KindEnterprise:  {PurposeSelf},
	account.KindInstitution: {PurposeLoan, PurposeMonitoring, PurposeCreditReview},
	account.KindDepartment:  {PurposeDataMatching},
	"":                      {PurposeOperation}, // the platform itself
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
}

// Read decides r; on a denial it records the denied attempt and returns a
// fault.Forbidden error carrying the reason code. On an allow it calls
// read, which fetches the data and returns a detail describing what was
// returned (for searches, the codes listed), then records the evidence
// entry. If read fails, nothing was returned and its error is passed on
// (a read of an unknown enterprise leaves no entry: nothing was disclosed).
// If the entry cannot be written, the read is refused: no evidence, no data.
func (g Guard) Read(ctx context.Context, r Request, read func(Decision) (detail any, err error)) (Decision, error) {
	if r.Policies == nil && g.Policies != nil && len(r.Items) > 0 {
		pols, err := g.Policies(ctx, r.Items)
		if err != nil {
			return Decision{}, fmt.Errorf("access: resolve items: %w", err)
		}
		r.Policies = pols
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
	"access.allowed":                  {"Access allowed.", "允许访问。"},
	"access.no_identity":              {"Sign in or present an API key to read enterprise data.", "请先登录或提供 API 密钥后再读取企业数据。"},
	"access.scope_missing":            {"This API key lacks the enterprise:read scope; ask your administrator for a key with that scope.", "该 API 密钥没有 enterprise:read 权限范围，请向管理员申请具备该范围的密钥。"},
	"access.unknown_item":             {"The requested data item is not in the catalogue.", "所请求的数据项不在共享清单中。"},
	"access.enterprise_search_denied": {"Enterprise accounts can only read their own record.", "企业账户只能查看本企业的信息。"},
	"access.not_own_enterprise":       {"Enterprise accounts can only read their own record.", "企业账户只能查看本企业的信息。"},
	"access.purpose_required":         {"State the purpose of this query (for example loan_application).", "请说明查询用途（例如 loan_application 贷款申请）。"},
	"access.purpose_not_allowed":      {"Your organisation may not read enterprise data for this purpose.", "贵机构不能以该用途查询企业数据。"},
	"access.unknown_mode":             {"The read mode must be view or verify.", "读取方式只能是 view（查看）或 verify（核验）。"},
	"access.other_department":         {"A department can read only its own department's data and public registration data.", "数据提供部门只能查看本部门提供的数据和公开的登记信息。"},
	"access.not_shared":               {"This data item is not shared with institutions.", "该数据项不向金融机构共享。"},
	"access.grade_above_tier":         {"This data item's grade is above your institution's access tier.", "该数据项的分级高于贵机构的访问等级。"},
	"access.authorization_required":   {"This item is shared only under the enterprise's authorization; ask a verification question instead, or obtain the enterprise's authorization.", "该数据项须经企业授权后方可共享；请改用数据核验，或先取得企业授权。"},
	"access.unknown_purpose":          {"The stated purpose is not one the platform recognises.", "所述查询用途不在平台认可的范围内。"},
}
