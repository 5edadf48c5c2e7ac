package sqldb

import (
	"context"
	"time"

	"github.com/creditbridge/creditbridge/internal/catalog"
	"github.com/creditbridge/creditbridge/internal/facts"
	"github.com/creditbridge/creditbridge/internal/fault"
)

var (
	errCatalogStale = fault.New(fault.Conflict, "catalog.stale", "the catalogue item was changed by someone else; reload and retry")
)

func errCatalogNotFound(code string) *fault.Error {
	return fault.New(fault.NotFound, "catalog.not_found", "catalogue item not found").With("code", code)
}

const catalogCols = `code, version, name_zh, name_en, category, department, shape, unit, frequency, modes,
	sharing, disclosure, grade, personal, legal_basis, effective_from, effective_to, note,
	author_user_id, author_name, reason, created_at`

func scanCatalogVersion(row scanner) (catalog.Version, error) {
	var (
		v                 catalog.Version
		category, shape   string
		modes             string
		sharing, disclose string
		grade, personal   int64
		from, to          time.Time
	)
	err := row.Scan(&v.Code, &v.Version, &v.NameZH, &v.NameEN, &category, &v.Department, &shape, &v.Unit, &v.Frequency, &modes,
		&sharing, &disclose, &grade, &personal, &v.LegalBasis, scanTime(&from), scanTime(&to), &v.Note,
		&v.AuthorUserID, &v.AuthorName, &v.Reason, scanTime(&v.CreatedAt))
	if err != nil {
		return catalog.Version{}, err
	}
	v.Category, v.Shape = catalog.Category(category), facts.Shape(shape)
	v.Sharing, v.Disclosure = catalog.Sharing(sharing), catalog.Disclosure(disclose)
	v.Grade, v.Personal = int(grade), personal != 0
	if v.Modes, err = parseList[catalog.Mode](modes); err != nil {
		return catalog.Version{}, err
	}
	v.EffectiveFrom = dateText(from)
	v.EffectiveTo = dateText(to)
	return v, nil
}

func dateText(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format(DateLayout)
}

// dateArgText is the argument for a DATE column from "YYYY-MM-DD" text;
// "" is NULL.
func dateArgText(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// PutItemVersion stores v as version base+1 of its code and sets Version
// and CreatedAt (the store's clock when zero). A base that is not the
// current version, or a concurrent writer that stored base+1 first, is
// fault.Conflict "catalog.stale".
func (s *Store) PutItemVersion(ctx context.Context, v *catalog.Version, base int64) error {
	created := v.CreatedAt
	if created.IsZero() {
		created = s.stamp()
	}
	created = ts(created)
	modes, err := jsonList(v.Modes)
	if err != nil {
		return err
	}
	personal := int64(0)
	if v.Personal {
		personal = 1
	}
	err = s.inTx(ctx, func(tx *Store) error {
		var cur int64
		if err := tx.w.QueryRow(ctx, `SELECT COALESCE(MAX(version), 0) FROM catalog_item_versions WHERE code = $1`, v.Code).Scan(&cur); err != nil {
			return tx.dbErr("current catalogue version", err)
		}
		if cur != base {
			return errCatalogStale
		}
		_, err := tx.w.Exec(ctx, `INSERT INTO catalog_item_versions (`+catalogCols+`)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22)`,
			v.Code, base+1, v.NameZH, v.NameEN, string(v.Category), v.Department, string(v.Shape), v.Unit, v.Frequency, modes,
			string(v.Sharing), string(v.Disclosure), int64(v.Grade), personal, v.LegalBasis, dateArgText(v.EffectiveFrom), dateArgText(v.EffectiveTo), v.Note,
			v.AuthorUserID, v.AuthorName, v.Reason, created)
		return tx.dbErr("put catalogue version", err, errCatalogStale)
	})
	if err != nil {
		return err
	}
	v.Version, v.CreatedAt = base+1, created
	return nil
}

// CurrentItems returns the highest version of every code, ordered by code.
func (s *Store) CurrentItems(ctx context.Context) ([]catalog.Version, error) {
	rows, err := s.r.Query(ctx, `SELECT `+catalogCols+` FROM catalog_item_versions v
		WHERE version = (SELECT MAX(version) FROM catalog_item_versions c WHERE c.code = v.code) ORDER BY code`)
	if err != nil {
		return nil, s.dbErr("current catalogue", err)
	}
	out, err := collect(rows, scanCatalogVersion)
	return out, s.dbErr("current catalogue", err)
}

// ItemByCode returns the current version of code, or fault.NotFound
// "catalog.not_found".
func (s *Store) ItemByCode(ctx context.Context, code string) (catalog.Version, error) {
	v, err := scanCatalogVersion(s.r.QueryRow(ctx, `SELECT `+catalogCols+` FROM catalog_item_versions
		WHERE code = $1 ORDER BY version DESC LIMIT 1`, code))
	return v, s.notFound("catalogue item", err, errCatalogNotFound(code))
}

// ItemVersions returns every version of code, oldest first, or
// fault.NotFound "catalog.not_found".
func (s *Store) ItemVersions(ctx context.Context, code string) ([]catalog.Version, error) {
	rows, err := s.r.Query(ctx, `SELECT `+catalogCols+` FROM catalog_item_versions WHERE code = $1 ORDER BY version`, code)
	if err != nil {
		return nil, s.dbErr("catalogue versions", err)
	}
	out, err := collect(rows, scanCatalogVersion)
	if err != nil {
		return nil, s.dbErr("catalogue versions", err)
	}
	if len(out) == 0 {
		return nil, errCatalogNotFound(code)
	}
	return out, nil
}
