package storetest

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/creditbridge/creditbridge/internal/fault"
	"github.com/creditbridge/creditbridge/internal/modelreg"
	"github.com/creditbridge/creditbridge/internal/store"
)

func modelVersion(name string, t0 time.Time) *modelreg.Version {
	return &modelreg.Version{Name: name, Status: modelreg.StatusChallenger, Source: modelreg.SourcePlatform, FeatureSet: "sme-v1",
		Artefact: []byte(`{"schema":"creditbridge.scorecard/v1"}`), DataFingerprint: "ab12", Validation: json.RawMessage(`{"kind":"out_of_time"}`),
		CreatedBy: "admin", CreatedAt: t0}
}

var modelregCases = []testCase{
	{"ModelVersions_are_numbered_per_name_round_trip_and_list_newest_first_without_artefact", func(t *testing.T, h Harness) {
		s := h.Open(t)
		t0 := utc(2026, 11, 27, 10, 0, 0, 123456)
		a := modelVersion("sme-default", t0)
		b := modelVersion("sme-default", t0.Add(time.Minute))
		c := modelVersion("other", t0.Add(2*time.Minute))
		c.Source, c.FeatureSet, c.Validation = "", "", nil
		for _, v := range []*modelreg.Version{a, b, c} {
			must(t, s.InsertModelVersion(ctx(t), v))
		}
		equal(t, "numbers", []int{a.Number, b.Number, c.Number}, []int{1, 2, 1})
		if a.ID == 0 || b.ID <= a.ID || c.ID <= b.ID {
			t.Fatalf("ids %d %d %d: want increasing", a.ID, b.ID, c.ID)
		}
		if c.Source != modelreg.SourceFile {
			t.Fatalf("empty source stored as %q, want file", c.Source)
		}
		got, err := s.ModelVersion(ctx(t), a.ID)
		must(t, err)
		equal(t, "ModelVersion", got, *a)
		gotC, err := s.ModelVersion(ctx(t), c.ID)
		must(t, err)
		if string(gotC.Validation) != "{}" {
			t.Fatalf("empty validation reads back %q, want {}", gotC.Validation)
		}
		all, err := s.ListModelVersions(ctx(t), modelreg.Filter{})
		must(t, err)
		equal(t, "list ids", ids(all, func(v modelreg.Version) int64 { return v.ID }), []int64{c.ID, b.ID, a.ID})
		for _, v := range all {
			if v.Artefact != nil {
				t.Fatalf("list carries the artefact of %s", v.Label())
			}
		}
		want := *b
		want.Artefact = nil
		equal(t, "listed version", all[1], want)
		named, err := s.ListModelVersions(ctx(t), modelreg.Filter{Name: "sme-default", Limit: 1})
		must(t, err)
		equal(t, "name filter with limit", ids(named, func(v modelreg.Version) int64 { return v.ID }), []int64{b.ID})
		_, err = s.ModelVersion(ctx(t), c.ID+100)
		wantFault(t, err, fault.NotFound, "model.not_found")
		_, err = s.ChampionModel(ctx(t), "sme-default")
		wantFault(t, err, fault.NotFound, "model.no_champion")
		bad := modelVersion("sme-default", t0)
		bad.Status = "draft"
		wantFault(t, s.InsertModelVersion(ctx(t), bad), fault.Invalid, "store.check")
	}},
	{"ModelVersions_promotion_retirement_one_champion_per_name_and_stale_status", func(t *testing.T, h Harness) {
		s := h.Open(t)
		t0 := utc(2026, 11, 27, 10, 0, 0, 0)
		a, b, o := modelVersion("sme-default", t0), modelVersion("sme-default", t0), modelVersion("other", t0)
		for _, v := range []*modelreg.Version{a, b, o} {
			must(t, s.InsertModelVersion(ctx(t), v))
		}
		at := utc(2026, 11, 27, 11, 0, 0, 654321)
		must(t, s.SetModelStatus(ctx(t), modelreg.StatusChange{ID: a.ID, From: modelreg.StatusChallenger, To: modelreg.StatusChampion, By: "admin", At: at, Reason: "better AUC"}))
		ch, err := s.ChampionModel(ctx(t), "sme-default")
		must(t, err)
		if ch.ID != a.ID || ch.Status != modelreg.StatusChampion || ch.PromotedBy != "admin" || !ch.PromotedAt.Equal(at) || ch.Reason != "better AUC" || string(ch.Artefact) != string(a.Artefact) {
			t.Fatalf("champion = %+v", ch)
		}
		// A second champion of the same name is refused; another name may have its own.
		wantFault(t, s.SetModelStatus(ctx(t), modelreg.StatusChange{ID: b.ID, From: modelreg.StatusChallenger, To: modelreg.StatusChampion, By: "x", At: at}),
			fault.Conflict, "model.champion_exists")
		must(t, s.SetModelStatus(ctx(t), modelreg.StatusChange{ID: o.ID, From: modelreg.StatusChallenger, To: modelreg.StatusChampion, By: "x", At: at}))
		dup := modelVersion("sme-default", t0)
		dup.Status = modelreg.StatusChampion
		wantFault(t, s.InsertModelVersion(ctx(t), dup), fault.Conflict, "model.champion_exists")
		// The status must still be what the caller read.
		wantFault(t, s.SetModelStatus(ctx(t), modelreg.StatusChange{ID: a.ID, From: modelreg.StatusChallenger, To: modelreg.StatusChampion, At: at}),
			fault.Conflict, "model.status_changed")
		wantFault(t, s.SetModelStatus(ctx(t), modelreg.StatusChange{ID: o.ID + 100, From: modelreg.StatusChallenger, To: modelreg.StatusChampion, At: at}),
			fault.NotFound, "model.not_found")
		// Retire and promote in one transaction: the swap a promotion makes.
		later := at.Add(time.Hour)
		inTx(t, s, func(tx store.Store) error {
			if err := tx.SetModelStatus(ctx(t), modelreg.StatusChange{ID: a.ID, From: modelreg.StatusChampion, To: modelreg.StatusRetired, At: later}); err != nil {
				return err
			}
			return tx.SetModelStatus(ctx(t), modelreg.StatusChange{ID: b.ID, From: modelreg.StatusChallenger, To: modelreg.StatusChampion, By: "admin2", At: later, Reason: "out-of-time AUC"})
		})
		ch, err = s.ChampionModel(ctx(t), "sme-default")
		must(t, err)
		equal(t, "champion after the swap", ch.ID, b.ID)
		old, err := s.ModelVersion(ctx(t), a.ID)
		must(t, err)
		if old.Status != modelreg.StatusRetired || !old.RetiredAt.Equal(later) || old.PromotedBy != "admin" || old.Reason != "better AUC" {
			t.Fatalf("retired version = %+v: want retired at %v keeping its promotion record", old, later)
		}
		// A failed swap leaves everything as it was.
		err = s.InTx(ctx(t), func(tx store.Store) error {
			if err := tx.SetModelStatus(ctx(t), modelreg.StatusChange{ID: b.ID, From: modelreg.StatusChampion, To: modelreg.StatusRetired, At: later}); err != nil {
				return err
			}
			return errStop
		})
		if err != errStop {
			t.Fatalf("InTx = %v, want errStop", err)
		}
		ch, err = s.ChampionModel(ctx(t), "sme-default")
		must(t, err)
		equal(t, "champion after a rolled-back retirement", ch.ID, b.ID)
	}},
}
