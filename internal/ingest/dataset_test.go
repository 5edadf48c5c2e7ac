package ingest_test

import (
	"strings"
	"testing"

	"github.com/creditbridge/creditbridge/internal/fault"
	"github.com/creditbridge/creditbridge/internal/ingest"
)

func TestDatasetRowKindsAndPolicy(t *testing.T) {
	t.Parallel()
	code := ingest.Column{Name: "统一社会信用代码", Field: "enterprise.code", Type: "code"}
	base := func(kind, policy string, cols ...ingest.Column) ingest.Dataset {
		return ingest.Dataset{Name: "t", Department: "samr", Format: "csv", HeaderRow: 1, RowKind: kind, KeyColumn: code.Name,
			UnknownEnterprise: policy, Columns: append([]ingest.Column{code}, cols...)}
	}
	profile := []ingest.Column{{Name: "企业名称", Field: "profile.name_zh", Type: "text"}, {Name: "法定代表人", Field: "profile.legal_rep_name", Type: "text"}}
	holder := []ingest.Column{{Name: "股东名称", Field: "shareholder.name", Type: "text"}}
	loan := []ingest.Column{{Name: "合同编号", Field: "loan.contract_no", Type: "text"}, {Name: "贷款机构", Field: "loan.lender", Type: "text"},
		{Name: "合同金额(元)", Field: "loan.amount", Type: "money", Scale: 100}, {Name: "起始日期", Field: "loan.start_on", Type: "date", Format: "YYYYMMDD"},
		{Name: "贷款状态", Field: "loan.status", Type: "enum"}}
	measure := []ingest.Column{{Name: "所属期", Field: "fact.period", Type: "month", Format: "YYYY-MM"},
		{Name: "税额", Field: "fact.num", Item: "tax.paid_total", Type: "money", Scale: 100}}
	for _, tc := range []struct {
		name string
		ds   ingest.Dataset
		want string // "" valid, else a part of the error
		kind string // the kind after Validate
	}{
		{"profile registers", base("profile", "register", profile...), "", "profile"},
		{"profile rejects", base("profile", "", profile...), "", "profile"},
		{"profile without legal representative", base("profile", "register", profile[0]), "needs a profile.legal_rep_name column", ""},
		{"holder is shareholder", base("holder", "reject", holder...), "", "shareholder"},
		{"shareholders cannot register", base("shareholder", "register", holder...), `unknown_enterprise "register" needs rows that carry a registration`, ""},
		{"measures cannot register", base("measure", "register", measure...), "measure rows do not", ""},
		{"unknown policy", base("loan", "create", loan...), `unknown_enterprise "create"`, ""},
		{"loan", base("loan", "", loan...), "", "loan"},
		{"loan without contract", base("loan", "", loan[1:]...), "needs a loan.contract_no column", ""},
		{"a measure field in a loan file", base("loan", "", append(loan, measure[1])...), `field "fact.num" is not one of a loan row's`, ""},
		{"bad snapshot date", func() ingest.Dataset { d := base("shareholder", "", holder...); d.SnapshotOn = "20261031"; return d }(), "snapshot_on", ""},
		{"unknown kind", base("ledger", "", holder...), "ledger", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ds := tc.ds
			err := ds.Validate()
			if tc.want == "" {
				if err != nil || ds.RowKind != tc.kind {
					t.Fatalf("Validate: %v, kind %q", err, ds.RowKind)
				}
				return
			}
			if err == nil || !fault.Is(err, fault.Invalid) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Validate: %v, want an Invalid error containing %q", err, tc.want)
			}
		})
	}
}
