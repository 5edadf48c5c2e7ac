package demo

import (
	"context"
	"fmt"
	"time"

	"github.com/creditbridge/creditbridge/internal/access"
	"github.com/creditbridge/creditbridge/internal/authz"
	"github.com/creditbridge/creditbridge/internal/store"
)

// seedAuthorizations gives the demo something to show on the
// authorization pages, through the service as real users would: the bank
// requested and the enterprise approved a loan-application grant on its
// tax, social-insurance and utility data of the last two years; the
// guarantor's verification-only request is still pending.
func seedAuthorizations(ctx context.Context, st store.Store, az *authz.Service, code string, now time.Time) error {
	who := func(username string) (access.Principal, error) {
		u, err := st.UserByUsername(ctx, username)
		if err != nil {
			return access.Principal{}, fmt.Errorf("demo: user %s: %w", username, err)
		}
		o, err := st.OrgByID(ctx, u.OrgID)
		if err != nil {
			return access.Principal{}, fmt.Errorf("demo: organisation of %s: %w", username, err)
		}
		return access.Principal{UserID: u.ID, Username: u.Username, DisplayName: u.DisplayName, OrgID: o.ID, OrgKind: o.Kind,
			OrgName: o.Name, Role: u.Role, EnterpriseID: o.EnterpriseID, AccessTier: o.AccessTier, Department: o.Department}, nil
	}
	bank, err := who("bank")
	if err != nil {
		return err
	}
	guarantor, err := who("guarantor")
	if err != nil {
		return err
	}
	owner, err := who("enterprise")
	if err != nil {
		return err
	}
	thisMonth := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC)
	loan, err := az.Request(ctx, bank, authz.RequestInput{CreditCode: code, Purpose: access.PurposeLoan,
		Items:    []string{"tax.", "si.", "util."},
		DataFrom: thisMonth.AddDate(-2, 0, 0).Format(time.DateOnly), DataTo: thisMonth.AddDate(0, 0, -1).Format(time.DateOnly),
		ValidUntil: now.AddDate(0, 6, 0).Format(time.RFC3339), FetchType: authz.FetchPeriodic, Frequency: "monthly", Mode: authz.ModeView})
	if err != nil {
		return fmt.Errorf("demo: the bank's authorization request: %w", err)
	}
	if _, err := az.Approve(ctx, owner, loan.ID, nil); err != nil {
		return fmt.Errorf("demo: approve the bank's authorization: %w", err)
	}
	if _, err := az.Request(ctx, guarantor, authz.RequestInput{CreditCode: code, Purpose: access.PurposeGuarantee,
		Items:    []string{"tax.paid_total", "si.insured_headcount", "judicial."},
		DataFrom: thisMonth.AddDate(-1, 0, 0).Format(time.DateOnly), DataTo: thisMonth.AddDate(0, 0, -1).Format(time.DateOnly),
		ValidUntil: now.AddDate(0, 0, 30).Format(time.RFC3339), FetchType: authz.FetchOneTime, Mode: authz.ModeVerify}); err != nil {
		return fmt.Errorf("demo: the guarantor's authorization request: %w", err)
	}
	return nil
}
