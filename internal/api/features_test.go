package api

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/creditbridge/creditbridge/internal/access"
	"github.com/creditbridge/creditbridge/internal/account"
	"github.com/creditbridge/creditbridge/internal/features"
	"github.com/creditbridge/creditbridge/internal/i18n"
	"github.com/creditbridge/creditbridge/internal/server"
)

// TestListFeatures: operators and auditors get the definition set as JSON
// (the embedded default when Deps.Features is nil); an institution, an
// operator's API key and an anonymous caller do not.
func TestListFeatures(t *testing.T) {
	t.Parallel()
	cat, err := i18n.New(i18n.ZH, server.Messages, Messages, features.Messages)
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	New(Deps{Problems: ProblemWriter{Catalog: cat}}).Register(mux)
	get := func(p *access.Principal) *httptest.ResponseRecorder {
		r := httptest.NewRequest(http.MethodGet, "/api/v1/features", nil)
		if p != nil {
			r = r.WithContext(server.WithIdentity(r.Context(), server.Identity{Principal: *p}))
		}
		rec := httptest.NewRecorder()
		mux.ServeHTTP(rec, r)
		return rec
	}
	cases := []struct {
		name   string
		p      *access.Principal
		status int
	}{
		{"operator", &access.Principal{UserID: 1, OrgKind: account.KindOperator, Role: account.RoleOperatorAnalyst}, http.StatusOK},
		{"auditor", &access.Principal{UserID: 2, OrgKind: account.KindAuditor, Role: account.RoleAuditor}, http.StatusOK},
		{"institution", &access.Principal{UserID: 3, OrgKind: account.KindInstitution, Role: account.RoleInstitutionOfficer}, http.StatusForbidden},
		{"operator API key", &access.Principal{APIKeyID: 9, OrgKind: account.KindOperator}, http.StatusForbidden},
		{"anonymous", nil, http.StatusUnauthorized},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			rec := get(tc.p)
			if rec.Code != tc.status {
				t.Fatalf("status %d, want %d: %s", rec.Code, tc.status, rec.Body)
			}
			if tc.status != http.StatusOK {
				return
			}
			var doc struct {
				Version    string              `json:"version"`
				Categories []features.Category `json:"categories"`
				Features   []features.Def      `json:"features"`
				Operators  []string            `json:"operators"`
			}
			if err := json.Unmarshal(rec.Body.Bytes(), &doc); err != nil {
				t.Fatal(err)
			}
			want, err := features.DefaultSet()
			if err != nil {
				t.Fatal(err)
			}
			if doc.Version != want.Version || len(doc.Features) != len(want.Defs) || len(doc.Categories) != len(want.Categories) || len(doc.Operators) != len(features.Operators()) {
				t.Fatalf("got %s with %d features, %d categories, %d operators", doc.Version, len(doc.Features), len(doc.Categories), len(doc.Operators))
			}
			if d := doc.Features[0]; d.Name != want.Defs[0].Name || d.MeaningZH == "" || d.MeaningEN == "" {
				t.Fatalf("first feature %+v", d)
			}
		})
	}
}
