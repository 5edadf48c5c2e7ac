package storetest

import (
	"sync"
	"testing"
	"time"

	"github.com/creditbridge/creditbridge/internal/connector"
	"github.com/creditbridge/creditbridge/internal/fault"
	"github.com/creditbridge/creditbridge/internal/store"
)

// connectorVersion is a stored connector with every field set.
func connectorVersion(name string) *connector.Stored {
	return &connector.Stored{
		Name: name, Department: "tax", Enabled: true,
		Config:       `{"name":"` + name + `","department":"tax","base_url":"http://127.0.0.1:9000"}`,
		SealedSecret: []byte{1, 2, 3, 0, 255},
		AuthorUserID: 7, AuthorName: "admin", Reason: "接入税务接口", CreatedAt: utc(2026, 11, 2, 9, 15, 0, 654321),
	}
}

func putConnector(t *testing.T, s store.Store, v *connector.Stored, base int64) *connector.Stored {
	t.Helper()
	must(t, s.PutConnectorVersion(ctx(t), v, base))
	return v
}

var connectorCases = []testCase{
	{"PutConnectorVersion_sets_version_1_and_every_field_round_trips", func(t *testing.T, h Harness) {
		s := h.Open(t)
		v := putConnector(t, s, connectorVersion("tax-live"), 0)
		if v.Version != 1 {
			t.Fatalf("Version = %d, want 1", v.Version)
		}
		got, err := s.ConnectorByName(ctx(t), "tax-live")
		must(t, err)
		equal(t, "ConnectorByName", got, *v)
		vs, err := s.ConnectorVersions(ctx(t), "tax-live")
		must(t, err)
		equal(t, "ConnectorVersions", vs, []connector.Stored{*v})
	}},
	{"PutConnectorVersion_empty_secret_and_zero_time_read_back", func(t *testing.T, h Harness) {
		s := h.Open(t)
		v := connectorVersion("hrss")
		v.SealedSecret, v.Enabled, v.AuthorUserID, v.CreatedAt = nil, false, 0, time.Time{}
		before := time.Now().Add(-time.Second)
		putConnector(t, s, v, 0)
		if v.CreatedAt.Before(before) || v.CreatedAt.Location() != time.UTC {
			t.Fatalf("CreatedAt = %v, want now in UTC", v.CreatedAt)
		}
		got, err := s.ConnectorByName(ctx(t), "hrss")
		must(t, err)
		equal(t, "connector", got, *v)
	}},
	{"PutConnectorVersion_stale_base_is_Conflict_connector.stale_and_stores_nothing", func(t *testing.T, h Harness) {
		s := h.Open(t)
		putConnector(t, s, connectorVersion("tax-live"), 0)
		putConnector(t, s, connectorVersion("tax-live"), 1)
		for _, base := range []int64{0, 1, 3} {
			wantFault(t, s.PutConnectorVersion(ctx(t), connectorVersion("tax-live"), base), fault.Conflict, "connector.stale")
		}
		vs, err := s.ConnectorVersions(ctx(t), "tax-live")
		must(t, err)
		if len(vs) != 2 {
			t.Fatalf("%d versions after stale writes, want 2", len(vs))
		}
	}},
	{"PutConnectorVersion_concurrent_writers_of_one_base_one_wins", func(t *testing.T, h Harness) {
		s := h.Open(t)
		putConnector(t, s, connectorVersion("grid"), 0)
		var wg sync.WaitGroup
		errs := make([]error, 4)
		for i := range errs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				errs[i] = s.PutConnectorVersion(ctx(t), connectorVersion("grid"), 1)
			}()
		}
		wg.Wait()
		ok := 0
		for _, err := range errs {
			switch {
			case err == nil:
				ok++
			case fault.Is(err, fault.Conflict):
			default:
				t.Fatalf("concurrent put: %v, want nil or Conflict", err)
			}
		}
		if ok != 1 {
			t.Fatalf("%d writers of version 2 succeeded, want 1", ok)
		}
	}},
	{"CurrentConnectors_highest_version_of_each_by_name", func(t *testing.T, h Harness) {
		s := h.Open(t)
		putConnector(t, s, connectorVersion("water"), 0)
		b := connectorVersion("b-court")
		putConnector(t, s, b, 0)
		b2 := connectorVersion("b-court")
		b2.Enabled, b2.Reason = false, "停用"
		putConnector(t, s, b2, 1)
		cur, err := s.CurrentConnectors(ctx(t))
		must(t, err)
		if len(cur) != 2 || cur[0].Name != "b-court" || cur[0].Version != 2 || cur[0].Enabled || cur[1].Name != "water" {
			t.Fatalf("CurrentConnectors = %+v, want b-court v2 (disabled), water v1", cur)
		}
		vs, err := s.ConnectorVersions(ctx(t), "b-court")
		must(t, err)
		if len(vs) != 2 || vs[0].Version != 1 || vs[1].Version != 2 || !vs[0].Enabled {
			t.Fatalf("versions = %+v, want v1 (enabled) then v2", vs)
		}
	}},
	{"Connector_unknown_name_is_NotFound_connector.not_found", func(t *testing.T, h Harness) {
		s := h.Open(t)
		_, err := s.ConnectorByName(ctx(t), "nope")
		wantFault(t, err, fault.NotFound, "connector.not_found")
		_, err = s.ConnectorVersions(ctx(t), "nope")
		wantFault(t, err, fault.NotFound, "connector.not_found")
		cur, err := s.CurrentConnectors(ctx(t))
		must(t, err)
		if len(cur) != 0 {
			t.Fatalf("CurrentConnectors on an empty store = %+v", cur)
		}
	}},
	{"PutConnectorVersion_in_a_rolled_back_transaction_leaves_nothing", func(t *testing.T, h Harness) {
		s := h.Open(t)
		err := s.InTx(ctx(t), func(tx store.Store) error {
			if err := tx.PutConnectorVersion(ctx(t), connectorVersion("samr"), 0); err != nil {
				return err
			}
			return fault.New(fault.Invalid, "test.rollback", "roll back")
		})
		wantFault(t, err, fault.Invalid, "test.rollback")
		_, err = s.ConnectorByName(ctx(t), "samr")
		wantFault(t, err, fault.NotFound, "connector.not_found")
	}},
}
