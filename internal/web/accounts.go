package web

import (
	"context"
	"net/http"
	"strings"

	"github.com/creditbridge/creditbridge/internal/account"
	"github.com/creditbridge/creditbridge/internal/server"
)

// listPageSize is how many organisations, users or evidence entries one
// page lists.
const listPageSize = 50

type orgsData struct {
	Kind              string
	Kinds             []option
	Items             []account.Org
	NextURL, FirstURL string
}

// orgs lists organisations (operator staff and auditors; the account
// service refuses everyone else).
func (u *UI) orgs(w http.ResponseWriter, r *http.Request) error {
	id, err := server.Require(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	after, err := int64Param(q, "after")
	if err != nil {
		return err
	}
	d := orgsData{Kind: strings.TrimSpace(q.Get("kind"))}
	items, err := u.d.Accounts.ListOrgs(r.Context(), server.Actor(id.Principal), account.OrgKind(d.Kind), listPageSize, after)
	if err != nil {
		return err
	}
	d.Items = items
	if len(items) == listPageSize {
		d.NextURL = pageURL(r.URL, "after", items[len(items)-1].ID)
	}
	if after > 0 {
		d.FirstURL = pageURL(r.URL, "after", 0)
	}
	for _, k := range account.OrgKinds {
		d.Kinds = append(d.Kinds, option{Value: string(k), Label: u.t(r, "ui.kind."+string(k)), Selected: string(k) == d.Kind})
	}
	u.render(w, r, http.StatusOK, "orgs", "ui.orgs.title", d)
	return nil
}

type userRow struct {
	account.User
	Org account.Org
}

type usersData struct {
	Q                 string
	Org               account.Org // the organisation filter, if any
	Items             []userRow
	NextURL, FirstURL string
}

// users lists user accounts, optionally of one organisation or matching a
// name (operator staff and auditors).
func (u *UI) users(w http.ResponseWriter, r *http.Request) error {
	id, err := server.Require(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	after, err := int64Param(q, "after")
	if err != nil {
		return err
	}
	orgID, err := int64Param(q, "org")
	if err != nil {
		return err
	}
	d := usersData{Q: strings.TrimSpace(q.Get("q"))}
	users, err := u.d.Accounts.ListUsers(r.Context(), server.Actor(id.Principal),
		account.UserFilter{OrgID: orgID, Query: d.Q, Limit: listPageSize, After: after})
	if err != nil {
		return err
	}
	ids := make([]int64, 0, len(users)+1)
	for _, us := range users {
		ids = append(ids, us.OrgID)
	}
	if orgID != 0 {
		ids = append(ids, orgID)
	}
	orgs, err := u.orgsByID(r.Context(), ids)
	if err != nil {
		return err
	}
	d.Org = orgs[orgID]
	for _, us := range users {
		d.Items = append(d.Items, userRow{User: us, Org: orgs[us.OrgID]})
	}
	if len(users) == listPageSize {
		d.NextURL = pageURL(r.URL, "after", users[len(users)-1].ID)
	}
	if after > 0 {
		d.FirstURL = pageURL(r.URL, "after", 0)
	}
	u.render(w, r, http.StatusOK, "users", "ui.users.title", d)
	return nil
}

// orgsByID resolves organisation ids for display through the account
// service's directory.
func (u *UI) orgsByID(ctx context.Context, ids []int64) (map[int64]account.Org, error) {
	return u.d.Accounts.OrgDirectory(ctx, ids)
}
