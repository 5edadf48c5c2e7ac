package storetest

import (
	"errors"
	"testing"

	"github.com/creditbridge/creditbridge/internal/audit"
	"github.com/creditbridge/creditbridge/internal/enterprise"
	"github.com/creditbridge/creditbridge/internal/fault"
	"github.com/creditbridge/creditbridge/internal/store"
)

var errBoom = errors.New("storetest: boom")

// registerWithEvidence is what the platform does when it registers an
// enterprise: the record and its audit entry in one transaction.
func registerWithEvidence(t *testing.T, tx store.Store, r *enterprise.Record) error {
	if err := tx.CreateEnterprise(ctx(t), r); err != nil {
		return err
	}
	return tx.AppendAudit(ctx(t), &audit.Entry{ActorName: "system", Action: "enterprise.register", EnterpriseID: r.ID})
}

// wantNothingWritten checks the enterprise and the audit log are absent.
func wantNothingWritten(t *testing.T, s store.Store, codes ...string) {
	t.Helper()
	for _, c := range codes {
		_, err := s.EnterpriseByCode(ctx(t), c)
		wantFault(t, err, fault.NotFound, "enterprise.not_found")
	}
	head, err := s.AuditHead(ctx(t))
	must(t, err)
	equal(t, "audit head after rollback", head, audit.Head{})
	n, err := s.CountEnterprises(ctx(t))
	must(t, err)
	if n != 0 {
		t.Fatalf("%d enterprises survived the rollback", n)
	}
}

var txCases = []testCase{
	{"InTx_commits_the_enterprise_and_its_audit_entry_together", func(t *testing.T, h Harness) {
		s := h.Open(t)
		r := record(code("320505", 1), "苏州某某精密机械有限公司", "", "320505")
		inTx(t, s, func(tx store.Store) error { return registerWithEvidence(t, tx, r) })
		got, err := s.EnterpriseByCode(ctx(t), r.Code)
		must(t, err)
		equal(t, "committed record", got, *r)
		es, err := s.ListAudit(ctx(t), audit.Filter{EnterpriseID: r.ID})
		must(t, err)
		if len(es) != 1 || es[0].Seq != 1 {
			t.Fatalf("committed evidence = %+v, want one entry with seq 1", es)
		}
	}},
	{"InTx_error_rolls_back_the_enterprise_and_its_audit_entry", func(t *testing.T, h Harness) {
		s := h.Open(t)
		r := record(code("320505", 2), "某某有限公司", "", "320505")
		err := s.InTx(ctx(t), func(tx store.Store) error {
			if err := registerWithEvidence(t, tx, r); err != nil {
				return err
			}
			return errBoom
		})
		if !errors.Is(err, errBoom) {
			t.Fatalf("InTx returned %v, want fn's error", err)
		}
		wantNothingWritten(t, s, r.Code)
		next := entry(0)
		must(t, s.AppendAudit(ctx(t), next))
		if next.Seq != 1 {
			t.Fatalf("append after rollback got seq %d, want 1", next.Seq)
		}
	}},
	{"InTx_panic_rolls_back_and_panics_again_and_the_store_stays_usable", func(t *testing.T, h Harness) {
		s := h.Open(t)
		r := record(code("320505", 3), "某某有限公司", "", "320505")
		func() {
			defer func() {
				if v := recover(); v != errBoom {
					t.Fatalf("recovered %v, want the panic value passed through", v)
				}
			}()
			_ = s.InTx(ctx(t), func(tx store.Store) error {
				if err := registerWithEvidence(t, tx, r); err != nil {
					return err
				}
				panic(errBoom)
			})
		}()
		wantNothingWritten(t, s, r.Code)
		create(t, s, record(code("320505", 4), "之后的公司", "", "320505"))
	}},
	{"InTx_nested_joins_the_outer_transaction_and_rolls_back_with_it", func(t *testing.T, h Harness) {
		s := h.Open(t)
		outer := record(code("320505", 5), "外层公司", "", "320505")
		inner := record(code("320505", 6), "内层公司", "", "320505")
		err := s.InTx(ctx(t), func(tx store.Store) error {
			if err := registerWithEvidence(t, tx, outer); err != nil {
				return err
			}
			if err := tx.InTx(ctx(t), func(tx2 store.Store) error {
				if _, err := tx2.EnterpriseByCode(ctx(t), outer.Code); err != nil {
					return err // the inner transaction must see the outer's write
				}
				return registerWithEvidence(t, tx2, inner)
			}); err != nil {
				return err
			}
			return errBoom
		})
		if !errors.Is(err, errBoom) {
			t.Fatalf("InTx returned %v, want fn's error", err)
		}
		wantNothingWritten(t, s, outer.Code, inner.Code)

		inTx(t, s, func(tx store.Store) error {
			return tx.InTx(ctx(t), func(tx2 store.Store) error { return registerWithEvidence(t, tx2, inner) })
		})
		if _, err := s.EnterpriseByCode(ctx(t), inner.Code); err != nil {
			t.Fatalf("nested commit lost the write: %v", err)
		}
	}},
	{"InTx_reads_see_own_writes_and_outside_readers_do_not_until_commit", func(t *testing.T, h Harness) {
		s := h.Open(t)
		r := record(code("320505", 7), "苏州某某精密机械有限公司", "", "320505")
		inTx(t, s, func(tx store.Store) error {
			if err := registerWithEvidence(t, tx, r); err != nil {
				return err
			}
			if _, err := tx.EnterpriseByCode(ctx(t), r.Code); err != nil {
				t.Errorf("transaction does not see its own insert: %v", err)
			}
			if _, total, err := tx.SearchEnterprises(ctx(t), enterprise.Query{Text: "精密"}); err != nil || total != 1 {
				t.Errorf("search inside the transaction: total %d, err %v", total, err)
			}
			if head, err := tx.AuditHead(ctx(t)); err != nil || head.Seq != 1 {
				t.Errorf("audit head inside the transaction: %+v, %v", head, err)
			}
			_, err := s.EnterpriseByCode(ctx(t), r.Code)
			if fault.KindOf(err) != fault.NotFound {
				t.Errorf("an outside reader saw an uncommitted enterprise (err %v)", err)
			}
			return nil
		})
		if _, err := s.EnterpriseByCode(ctx(t), r.Code); err != nil {
			t.Fatalf("after commit: %v", err)
		}
	}},
}
