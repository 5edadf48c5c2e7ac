package features

import (
	"github.com/creditbridge/creditbridge/internal/access"
	"github.com/creditbridge/creditbridge/internal/account"
	"github.com/creditbridge/creditbridge/internal/fault"
)

// CanRead reports whether p may see the feature definitions: signed-in
// staff of the operator and of auditors. The definitions hold no
// enterprise data; they are the platform's method, shown to those who run
// and check it.
func CanRead(p access.Principal) bool {
	return p.APIKeyID == 0 && (p.OrgKind == account.KindOperator || p.OrgKind == account.KindAuditor)
}

// ErrForbidden is returned to anyone else.
var ErrForbidden = fault.New(fault.Forbidden, "features.forbidden", "only operators and auditors may see the feature definitions")

// Messages are the user-facing texts of this package's error codes
// ({English, 中文}).
var Messages = map[string][2]string{
	"features.forbidden":      {"Only operators and auditors may see the feature definitions.", "只有平台运营人员和审计人员可以查看特征定义。"},
	"features.as_of":          {"The as-of date is required.", "必须指定评估时点。"},
	"features.too_many_facts": {"The enterprise has too many records to compute features from in one read.", "该企业的记录过多，无法一次读取计算特征。"},
}
