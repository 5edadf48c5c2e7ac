package deptsim

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/creditbridge/creditbridge/internal/connector"
	"github.com/creditbridge/creditbridge/internal/synth"
)

var region = synth.Config{Enterprises: 120, Seed: 11, Months: 24}

func newSim(t *testing.T, o Options) (*Server, *httptest.Server) {
	t.Helper()
	o.Region = region
	s, err := New(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(func() { s.Close(); srv.Close() })
	return s, srv
}

type answer struct {
	Code int `json:"code"`
	Data struct {
		Records []Record `json:"records"`
	} `json:"data"`
}

func get(t *testing.T, url string, hdr map[string]string) (int, answer) {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var a answer
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode == 200 {
		if err := json.Unmarshal(b, &a); err != nil {
			t.Fatalf("%s: %v", b, err)
		}
	}
	return resp.StatusCode, a
}

func TestServedIsTheLatestVersionAndDerivedItems(t *testing.T) {
	t.Parallel()
	g, err := synth.New(region)
	if err != nil {
		t.Fatal(err)
	}
	corrected, dishonest, mortgaged := false, false, false
	for i := range region.Enterprises {
		b := g.Enterprise(i)
		for _, f := range b.Facts {
			if f.Version < 2 {
				continue
			}
			// A corrected record is served in its latest version only.
			for _, s := range Served(b, f.Source, f.Item) {
				if s.Period.Equal(f.Period) && s.Ref == f.Ref && s.Version < f.Version {
					t.Fatalf("%s %s served version %d, latest is %d", f.Item, f.Period, s.Version, f.Version)
				}
			}
			corrected = true
		}
		lr := Served(b, "samr", ItemLegalRep)
		if len(lr) != 1 || lr[0].Text != b.Profile.LegalRepName || !strings.Contains(lr[0].Detail, b.Profile.LegalRepID) || !strings.Contains(lr[0].Detail, `"synthetic":true`) {
			t.Fatalf("legal representative %+v for %+v", lr, b.Profile)
		}
		if Served(b, "tax", ItemLegalRep) != nil {
			t.Fatal("the tax department served a registration item")
		}
		d := latest(b.Facts, synth.ItemDishonest)
		if c := Served(b, "court", ItemConsumption); len(c) != len(d) {
			t.Fatalf("%d consumption restrictions for %d dishonest entries", len(c), len(d))
		} else if len(c) > 0 {
			dishonest = true
		}
		if m, re := Served(b, "nr", ItemRealEstateMort), Served(b, "nr", ItemRealEstate); len(m) != len(re) {
			t.Fatalf("%d mortgages but %d properties", len(m), len(re))
		} else if len(m) > 0 {
			mortgaged = true
		}
	}
	if !corrected || !dishonest || !mortgaged {
		t.Fatalf("the test region lacks a case: corrections %t, dishonest %t, mortgages %t", corrected, dishonest, mortgaged)
	}
}

func TestHandlerServesRecordsInYuan(t *testing.T) {
	t.Parallel()
	s, srv := newSim(t, Options{APIKey: "key-0123456789"})
	g, _ := synth.New(region)
	code := s.Codes()[3]
	b := g.Enterprise(3)
	want := Served(b, "tax", synth.ItemVATSales)
	key := map[string]string{"X-API-Key": "key-0123456789"}
	status, a := get(t, srv.URL+"/api/tax/v1/enterprises/"+code+"/items/vat_sales", key)
	if status != 200 || len(a.Data.Records) != len(want) || len(want) == 0 {
		t.Fatalf("status %d, %d records, want %d", status, len(a.Data.Records), len(want))
	}
	for i, r := range a.Data.Records {
		n, err := connector.ScaleDecimal(string(r.Value), 100)
		if err != nil || n != want[i].Num || r.Period != want[i].Period.Format(time.DateOnly) {
			t.Fatalf("record %d = %+v, want %d fen on %s", i, r, want[i].Num, want[i].Period.Format(time.DateOnly))
		}
	}
	from := want[len(want)-2].Period.Format(time.DateOnly)
	if _, a := get(t, srv.URL+"/api/tax/v1/enterprises/"+code+"/items/tax.vat_sales?from="+from, key); len(a.Data.Records) != 2 {
		t.Fatalf("from %s: %d records, want 2", from, len(a.Data.Records))
	}
	if _, a := get(t, srv.URL+"/api/tax/v1/enterprises/91110108551385082Q/items/vat_sales", key); len(a.Data.Records) != 0 {
		t.Fatal("an enterprise outside the region has records")
	}
	for _, tc := range []struct {
		path string
		hdr  map[string]string
		want int
	}{
		{"/api/tax/v1/enterprises/" + code + "/items/vat_sales", nil, 401},
		{"/api/tax/v1/enterprises/" + code + "/items/vat_sales", map[string]string{"X-API-Key": "wrong"}, 401},
		{"/api/tax/v1/enterprises/" + code + "/items/insured_headcount", key, 404},
		{"/api/moon/v1/enterprises/" + code + "/items/vat_sales", key, 404},
		{"/api/tax/v1/enterprises/" + code + "/items/vat_sales?from=2026", key, 400},
	} {
		if status, _ := get(t, srv.URL+tc.path, tc.hdr); status != tc.want {
			t.Errorf("%s: %d, want %d", tc.path, status, tc.want)
		}
	}
	if st := s.Stats(); st.Rejected != 2 || st.NotFound != 2 || st.Served != 3 {
		t.Fatalf("stats %+v", st)
	}
	if Yuan(-1205) != "-12.05" || Yuan(7) != "0.07" || Yuan(123456) != "1234.56" {
		t.Fatal("Yuan formats wrongly")
	}
}

func TestHandlerVerifiesHMAC(t *testing.T) {
	t.Parallel()
	s, srv := newSim(t, Options{HMACSecret: "hmac-0123456789"})
	url := srv.URL + "/api/samr/v1/enterprises/" + s.Codes()[0] + "/items/legal_representative"
	call := func(secret string) int {
		req, _ := http.NewRequest("GET", url, nil)
		if err := connector.SignRequest(req, "creditbridge", []byte(secret), nil, time.Now()); err != nil {
			t.Fatal(err)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if got := call("hmac-0123456789"); got != 200 {
		t.Fatalf("a good signature: %d", got)
	}
	if got := call("wrong-secret-00"); got != 401 {
		t.Fatalf("a wrong secret: %d, want 401", got)
	}
}

func TestFailuresAndHangs(t *testing.T) {
	t.Parallel()
	s, srv := newSim(t, Options{APIKey: "key-0123456789", FailureRate: 1, FailureMode: FailError})
	if status, _ := get(t, srv.URL+"/api/tax/v1/enterprises/"+s.Codes()[0]+"/items/vat_sales", nil); status != 500 {
		t.Fatalf("failure rate 1: %d, want 500", status)
	}
	h, hsrv := newSim(t, Options{APIKey: "key-0123456789", FailureRate: 1, FailureMode: FailHang})
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", hsrv.URL+"/api/tax/v1/enterprises/"+h.Codes()[0]+"/items/vat_sales", nil)
	start := time.Now()
	if _, err := http.DefaultClient.Do(req); err == nil {
		t.Fatal("a hanging department answered")
	}
	if time.Since(start) > 5*time.Second {
		t.Fatal("the caller's deadline did not end the hang")
	}
	if st := h.Stats(); st.Failed != 1 || st.Served != 0 {
		t.Fatalf("stats %+v", st)
	}
	for _, o := range []Options{{FailureRate: 2}, {FailureMode: "boom"}, {APIKey: "a", HMACSecret: "b"}, {Departments: []string{"moon"}}} {
		o.Region = region
		if _, err := New(context.Background(), o); err == nil {
			t.Errorf("New(%+v) accepted bad options", o)
		}
	}
}
