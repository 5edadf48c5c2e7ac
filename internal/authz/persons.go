package authz

import (
	"context"
	"crypto/subtle"
	"slices"
	"strings"
	"time"

	"github.com/creditbridge/creditbridge/internal/access"
	"github.com/creditbridge/creditbridge/internal/enterprise"
	"github.com/creditbridge/creditbridge/internal/fault"
	"github.com/creditbridge/creditbridge/internal/mask"
	"github.com/creditbridge/creditbridge/internal/personid"
	"github.com/creditbridge/creditbridge/internal/sharing"
)

// PersonCheck confirms that a person giving separate consent is one the
// enterprise's own records name in that role. GiveConsent asks it before
// recording anything, whichever door (web page or API) the consent came
// through.
type PersonCheck interface {
	Match(ctx context.Context, p access.Principal, enterpriseID int64, in ConsentInput) (bool, error)
	// Concerned returns the identity numbers of the persons whose
	// information items carry for the enterprise over [from, to]: the
	// legal representative when items cover registration's legal
	// representative, the natural-person shareholders when they cover
	// registration.shareholders. An authorization carries personal
	// information only once every one of them has consented.
	Concerned(ctx context.Context, p access.Principal, enterpriseID int64, items []string, from, to time.Time) ([]string, error)
}

// Persons checks consenting persons against the registry (the legal
// representative, sealed) and the shareholder records (natural persons).
// Both are reads of the enterprise's data by its own user, so both pass
// the access decision point and leave an evidence entry; they compare and
// disclose nothing.
type Persons struct {
	Enterprises *enterprise.Service
	Sharing     *sharing.Service
}

// Match reports whether in names the enterprise's legal representative
// (role legal_rep: name and identity number equal the sealed record) or
// one of its natural-person shareholders (role shareholder: compared in
// the masked form the shareholder records keep in clear).
func (ps Persons) Match(ctx context.Context, p access.Principal, enterpriseID int64, in ConsentInput) (bool, error) {
	idn, err := personid.Validate(in.IDNumber)
	if err != nil {
		return false, nil
	}
	name := strings.TrimSpace(in.Name)
	if in.Role == ConsentShareholder {
		if ps.Sharing == nil {
			return false, nil
		}
		res, err := ps.Sharing.Read(ctx, p, sharing.Query{EnterpriseID: enterpriseID, Items: []string{"registration.shareholders"}, Action: "authorization.identity_check"})
		if err != nil {
			if fault.Is(err, fault.Invalid) || fault.Is(err, fault.Forbidden) {
				return false, nil
			}
			return false, err
		}
		want := mask.Person(name + " " + idn)
		for _, v := range res.Values {
			if strings.HasPrefix(v.Ref, "legal:") || strings.Contains(string(v.Detail), `"holder_type":"legal"`) {
				continue
			}
			if mask.Person(v.Text) == want {
				return true, nil
			}
		}
		return false, nil
	}
	if ps.Enterprises == nil || ps.Enterprises.Seal == nil {
		return false, nil
	}
	ok := false
	g := access.Guard{Log: ps.Enterprises.Repo}
	_, err = g.Read(ctx, access.Request{Principal: p, Action: "authorization.identity_check", EnterpriseID: enterpriseID,
		Items: []string{access.ItemLegalRep}}, func(access.Decision) (any, error) {
		rec, err := ps.Enterprises.Repo.EnterpriseByID(ctx, enterpriseID)
		if err != nil {
			return nil, err
		}
		lr, err := enterprise.OpenLegalRep(ps.Enterprises.Seal, rec)
		if err != nil {
			return nil, err
		}
		ok = subtle.ConstantTimeCompare([]byte(idn), []byte(lr.IDNumber)) == 1 && name == lr.Name
		return map[string]any{"role": in.Role, "match": ok}, nil
	})
	if err != nil {
		if fault.Is(err, fault.Forbidden) {
			return false, nil
		}
		return false, err
	}
	return ok, nil
}

// shareholdersItem holds an enterprise's shareholders; a natural person's
// value reads "name identity-number" (Text) and "natural:…" (Ref).
const shareholdersItem = "registration.shareholders"

// Concerned reads, through the decision point (evidence action
// "authorization.consent_scope"), who the items name: the legal
// representative's sealed record and the natural-person shareholders of
// the date range. A shareholder value without a readable identity number
// names no one it could check, and is left out.
func (ps Persons) Concerned(ctx context.Context, p access.Principal, enterpriseID int64, items []string, from, to time.Time) ([]string, error) {
	g := access.Grant{Items: items}
	var out []string
	if g.Covers(access.ItemLegalRep) && ps.Enterprises != nil && ps.Enterprises.Seal != nil {
		guard := access.Guard{Log: ps.Enterprises.Repo}
		_, err := guard.Read(ctx, access.Request{Principal: p, Action: "authorization.consent_scope", EnterpriseID: enterpriseID,
			Items: []string{access.ItemLegalRep}}, func(access.Decision) (any, error) {
			rec, err := ps.Enterprises.Repo.EnterpriseByID(ctx, enterpriseID)
			if err != nil {
				return nil, err
			}
			if len(rec.LegalRepSealed) == 0 {
				return map[string]any{"persons": 0}, nil
			}
			lr, err := enterprise.OpenLegalRep(ps.Enterprises.Seal, rec)
			if err != nil {
				return nil, err
			}
			if idn, err := personid.Validate(lr.IDNumber); err == nil {
				out = append(out, idn)
			}
			return map[string]any{"persons": len(out)}, nil
		})
		if err != nil {
			return nil, err
		}
	}
	if g.Covers(shareholdersItem) && ps.Sharing != nil {
		res, err := ps.Sharing.Read(ctx, p, sharing.Query{EnterpriseID: enterpriseID, Items: []string{shareholdersItem}, From: from, To: to,
			Action: "authorization.consent_scope"})
		if err != nil && !fault.Is(err, fault.Invalid) {
			return nil, err
		}
		for _, v := range res.Values {
			if strings.HasPrefix(v.Ref, "legal:") || strings.Contains(string(v.Detail), `"holder_type":"legal"`) {
				continue
			}
			fields := strings.Fields(v.Text)
			if len(fields) < 2 {
				continue
			}
			if idn, err := personid.Validate(fields[len(fields)-1]); err == nil && !slices.Contains(out, idn) {
				out = append(out, idn)
			}
		}
	}
	return out, nil
}
