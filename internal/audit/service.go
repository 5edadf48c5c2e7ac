package audit

import (
	"context"
	"crypto/ed25519"

	"github.com/creditbridge/creditbridge/internal/fault"
)

// Viewer is who reads the evidence log.
type Viewer struct {
	Role         string // account role
	OrgID        int64
	EnterpriseID int64 // set for enterprise accounts
}

// Service reads and verifies the evidence log.
type Service struct {
	Store Store
	// Keys are the node public keys whose checkpoints are trusted.
	Keys []ed25519.PublicKey
}

// List returns entries the viewer may see, newest first. Operator staff and
// auditors see all; an enterprise sees every entry about itself (who read
// its data); any other organisation sees its own actions.
func (s *Service) List(ctx context.Context, v Viewer, f Filter) ([]Entry, error) {
	switch v.Role {
	case "operator_admin", "operator_analyst", "auditor":
	case "enterprise_admin":
		if v.EnterpriseID == 0 {
			return nil, fault.New(fault.Forbidden, "audit.forbidden", "you may not read the evidence log")
		}
		f.EnterpriseID = v.EnterpriseID
	case "institution_officer", "department_officer", "":
		if v.OrgID == 0 {
			return nil, fault.New(fault.Forbidden, "audit.forbidden", "you may not read the evidence log")
		}
		f.OrgID = v.OrgID
	default:
		return nil, fault.New(fault.Forbidden, "audit.forbidden", "you may not read the evidence log")
	}
	if f.Limit <= 0 || f.Limit > 500 {
		f.Limit = 100
	}
	return s.Store.ListAudit(ctx, f)
}

// Verify checks the whole log (operator staff and auditors).
func (s *Service) Verify(ctx context.Context, v Viewer) (Report, error) {
	switch v.Role {
	case "operator_admin", "auditor":
	default:
		return Report{}, fault.New(fault.Forbidden, "audit.verify_forbidden", "only auditors and operator administrators may verify the log")
	}
	return Verify(ctx, s.Store, s.Keys)
}

// Messages are the texts of this package's codes.
var Messages = map[string][2]string{
	"audit.export_forbidden":       {"Only auditors and operator staff may export evidence.", "只有审计人员和平台运营人员可以导出证据。"},
	"audit.export_filter_required": {"Name an institution, an enterprise or a time range to export.", "请指定要导出的机构、企业或时间范围。"},
	"audit.export_bad_range":       {"The start of the time range must be before its end.", "时间范围的开始必须早于结束。"},
	"audit.forbidden":              {"You may not read the evidence log.", "您无权查看证据日志。"},
	"audit.verify_forbidden":       {"Only auditors and operator administrators may verify the log.", "只有审计人员和平台运营管理员可以校验证据日志。"},
}
