package storetest

import (
	"testing"
	"time"

	"github.com/creditbridge/creditbridge/internal/account"
	"github.com/creditbridge/creditbridge/internal/authz"
	"github.com/creditbridge/creditbridge/internal/fault"
	"github.com/creditbridge/creditbridge/internal/store"
)

func invitation(azID string, org int64, token string, at time.Time) *authz.Invitation {
	return &authz.Invitation{AuthorizationID: azID, Role: authz.ConsentShareholder, NameMasked: "李*", NameHash: "nh", TokenHash: token,
		Status: authz.InviteOpen, IssuerOrgID: org, IssuedBy: "admin", IssuedAt: at, ExpiresAt: at.Add(7 * 24 * time.Hour), Version: 1}
}

func delivery(azID string, inst int64, at time.Time) *authz.Delivery {
	return &authz.Delivery{AuthorizationID: azID, InstitutionID: inst, Event: "authorization.approve", URL: "https://bank.example/hook",
		Body: `{"id":"` + azID + `"}`, Status: authz.DeliveryPending, NextAttemptAt: at, CreatedAt: at, UpdatedAt: at, Version: 1}
}

var authzConsentCases = []testCase{
	{"Invitation_round_trips_updates_optimistically_and_lists_oldest_first", func(t *testing.T, h Harness) {
		s := h.Open(t)
		ent, _, inst, _ := authzPair(t, s)
		eo := org(t, s, account.KindOperator, "运营")
		t0 := utc(2026, 11, 1, 8, 0, 0, 250)
		a := grant("az_aaaaaaaaaaaaaaaaaaaaaaaaaa", ent, inst, t0)
		must(t, s.CreateAuthorization(ctx(t), a))
		i1 := invitation(a.ID, eo.ID, "tok1", t0)
		i2 := invitation(a.ID, eo.ID, "tok2", t0.Add(time.Minute))
		must(t, s.AddInvitation(ctx(t), i1))
		must(t, s.AddInvitation(ctx(t), i2))
		if i1.ID == 0 || i2.ID == 0 {
			t.Fatal("invitation ID not set")
		}
		wantFault(t, s.AddInvitation(ctx(t), invitation(a.ID, eo.ID, "tok1", t0)), fault.Conflict, "store.duplicate")
		wantFault(t, s.AddInvitation(ctx(t), invitation("az_zzzzzzzzzzzzzzzzzzzzzzzzzz", eo.ID, "tok3", t0)), fault.Invalid, "store.reference")
		got, err := s.InvitationByToken(ctx(t), "tok1")
		must(t, err)
		equal(t, "by token", got, *i1)
		_, err = s.InvitationByToken(ctx(t), "nope")
		wantFault(t, err, fault.NotFound, "authz.invitation_not_found")

		c := &authz.Consent{AuthorizationID: a.ID, Role: authz.ConsentShareholder, NameMasked: "李*", PersonHash: "h", Channel: authz.ChannelPersonLink,
			GivenBy: "consent-link:1", GivenAt: t0.Add(time.Hour)}
		must(t, s.AddConsent(ctx(t), c))
		next := got
		next.Status, next.Failures, next.OpenedAt, next.DecidedAt, next.ConsentID, next.Version =
			authz.InviteGiven, 2, t0.Add(30*time.Minute), t0.Add(time.Hour), c.ID, 2
		must(t, s.UpdateInvitation(ctx(t), &next))
		got, err = s.InvitationByToken(ctx(t), "tok1")
		must(t, err)
		equal(t, "after update", got, next)
		stale := *i1
		stale.Version = 2
		wantFault(t, s.UpdateInvitation(ctx(t), &stale), fault.Conflict, "authz.invitation_stale")
		ghost := *i1
		ghost.ID, ghost.Version = i2.ID+100, 2
		wantFault(t, s.UpdateInvitation(ctx(t), &ghost), fault.NotFound, "authz.invitation_not_found")
		list, err := s.Invitations(ctx(t), a.ID)
		must(t, err)
		equal(t, "invitations", list, []authz.Invitation{next, *i2})
	}},
	{"Deliveries_are_due_in_order_update_optimistically_and_filter", func(t *testing.T, h Harness) {
		s := h.Open(t)
		ent, ent2, inst, inst2 := authzPair(t, s)
		t0 := utc(2026, 11, 1, 8, 0, 0, 0)
		a := grant("az_aaaaaaaaaaaaaaaaaaaaaaaaaa", ent, inst, t0)
		b := grant("az_bbbbbbbbbbbbbbbbbbbbbbbbbb", ent2, inst2, t0)
		must(t, s.CreateAuthorization(ctx(t), a))
		must(t, s.CreateAuthorization(ctx(t), b))
		d1 := delivery(a.ID, inst, t0.Add(2*time.Minute))
		d2 := delivery(a.ID, inst, t0.Add(time.Minute))
		d3 := delivery(b.ID, inst2, t0.Add(3*time.Minute))
		for _, d := range []*authz.Delivery{d1, d2, d3} {
			must(t, s.AddDelivery(ctx(t), d))
		}
		wantFault(t, s.AddDelivery(ctx(t), delivery(a.ID, inst+1000, t0)), fault.Invalid, "store.reference")
		ids := func(ds []authz.Delivery) []int64 {
			out := []int64{}
			for _, d := range ds {
				out = append(out, d.ID)
			}
			return out
		}
		due, err := s.DeliveriesDue(ctx(t), t0.Add(2*time.Minute), 10)
		must(t, err)
		equal(t, "due", ids(due), []int64{d2.ID, d1.ID})
		due, err = s.DeliveriesDue(ctx(t), t0.Add(time.Hour), 1)
		must(t, err)
		equal(t, "due limit 1", ids(due), []int64{d2.ID})

		next := *d2
		next.Status, next.Attempts, next.LastStatusCode, next.DeliveredAt, next.UpdatedAt, next.Version =
			authz.DeliveryDelivered, 2, 204, t0.Add(5*time.Minute), t0.Add(5*time.Minute), 2
		must(t, s.UpdateDelivery(ctx(t), &next))
		got, err := s.DeliveryByID(ctx(t), d2.ID)
		must(t, err)
		equal(t, "after update", got, next)
		wantFault(t, s.UpdateDelivery(ctx(t), &next), fault.Conflict, "authz.delivery_stale")
		_, err = s.DeliveryByID(ctx(t), d3.ID+100)
		wantFault(t, err, fault.NotFound, "authz.delivery_not_found")
		failed := *d1
		failed.Status, failed.Attempts, failed.LastStatusCode, failed.LastError, failed.Version = authz.DeliveryFailed, 5, 503, "status 503", 2
		must(t, s.UpdateDelivery(ctx(t), &failed))
		due, err = s.DeliveriesDue(ctx(t), t0.Add(time.Hour), 10)
		must(t, err)
		equal(t, "due after updates", ids(due), []int64{d3.ID})

		list, err := s.ListDeliveries(ctx(t), authz.DeliveryFilter{})
		must(t, err)
		equal(t, "all", ids(list), []int64{d3.ID, d1.ID, d2.ID})
		list, err = s.ListDeliveries(ctx(t), authz.DeliveryFilter{InstitutionID: inst})
		must(t, err)
		equal(t, "institution", ids(list), []int64{d1.ID, d2.ID})
		list, err = s.ListDeliveries(ctx(t), authz.DeliveryFilter{EnterpriseID: ent2})
		must(t, err)
		equal(t, "enterprise", ids(list), []int64{d3.ID})
		list, err = s.ListDeliveries(ctx(t), authz.DeliveryFilter{AuthorizationID: a.ID, Status: authz.DeliveryFailed})
		must(t, err)
		equal(t, "failed of a", ids(list), []int64{d1.ID})
		list, err = s.ListDeliveries(ctx(t), authz.DeliveryFilter{Limit: 1, Offset: 1})
		must(t, err)
		equal(t, "page", ids(list), []int64{d1.ID})
	}},
	{"A_delivery_stored_in_a_rolled_back_transition_is_gone", func(t *testing.T, h Harness) {
		s := h.Open(t)
		ent, _, inst, _ := authzPair(t, s)
		t0 := utc(2026, 11, 1, 8, 0, 0, 0)
		a := grant("az_aaaaaaaaaaaaaaaaaaaaaaaaaa", ent, inst, t0)
		must(t, s.CreateAuthorization(ctx(t), a))
		err := s.InTx(ctx(t), func(tx store.Store) error {
			if err := tx.AddDelivery(ctx(t), delivery(a.ID, inst, t0)); err != nil {
				return err
			}
			return fault.New(fault.Invalid, "test.abort", "abort")
		})
		wantFault(t, err, fault.Invalid, "test.abort")
		due, err := s.DeliveriesDue(ctx(t), t0.Add(time.Hour), 10)
		must(t, err)
		if len(due) != 0 {
			t.Fatalf("due after rollback = %+v", due)
		}
	}},
}
