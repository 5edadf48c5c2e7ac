package storetest

import (
	"testing"
	"time"

	"github.com/creditbridge/creditbridge/internal/account"
	"github.com/creditbridge/creditbridge/internal/fault"
	"github.com/creditbridge/creditbridge/internal/store"
)

func org(t *testing.T, s store.Store, kind account.OrgKind, name string) *account.Org {
	t.Helper()
	o := &account.Org{Kind: kind, Name: name, NameEN: name + " (en)"}
	switch kind {
	case account.KindInstitution:
		o.AccessTier = 3
	case account.KindDepartment:
		o.Department = "tax"
	}
	must(t, s.CreateOrg(ctx(t), o))
	return o
}

func user(t *testing.T, s store.Store, orgID int64, username string, role account.Role) *account.User {
	t.Helper()
	u := &account.User{OrgID: orgID, Username: username, DisplayName: "User " + username, Role: role, PasswordHash: "$argon2id$v=19$fixture"}
	must(t, s.CreateUser(ctx(t), u))
	return u
}

var orgCases = []testCase{
	{"CreateOrg_sets_id_and_time_and_OrgByID_round_trips_with_no_enterprise_as_zero", func(t *testing.T, h Harness) {
		s := h.Open(t)
		o := org(t, s, account.KindInstitution, "某某银行苏州分行")
		if o.ID == 0 || o.CreatedAt.IsZero() || o.Status != account.StatusActive {
			t.Fatalf("after create: %+v, want ID, CreatedAt and status active set", o)
		}
		got, err := s.OrgByID(ctx(t), o.ID)
		must(t, err)
		equal(t, "OrgByID", got, *o)
		if got.EnterpriseID != 0 || got.AccessTier != 3 {
			t.Fatalf("EnterpriseID %d AccessTier %d, want 0 and 3", got.EnterpriseID, got.AccessTier)
		}
	}},
	{"CreateOrg_keeps_a_department's_code", func(t *testing.T, h Harness) {
		s := h.Open(t)
		o := org(t, s, account.KindDepartment, "国家税务总局某市税务局")
		got, err := s.OrgByID(ctx(t), o.ID)
		must(t, err)
		if got.Department != "tax" {
			t.Fatalf("Department = %q, want tax", got.Department)
		}
		equal(t, "OrgByID", got, *o)
	}},
	{"OrgByEnterprise_finds_the_linked_organisation_and_one_per_enterprise", func(t *testing.T, h Harness) {
		s := h.Open(t)
		r := create(t, s, record(code("320505", 1), "苏州某某精密机械有限公司", "", "320505"))
		o := &account.Org{Kind: account.KindEnterprise, Name: r.NameZH, EnterpriseID: r.ID}
		must(t, s.CreateOrg(ctx(t), o))
		got, err := s.OrgByEnterprise(ctx(t), r.ID)
		must(t, err)
		equal(t, "OrgByEnterprise", got, *o)

		_, err = s.OrgByEnterprise(ctx(t), r.ID+1000)
		wantFault(t, err, fault.NotFound, "account.org_not_found")
		again := &account.Org{Kind: account.KindEnterprise, Name: "again", EnterpriseID: r.ID}
		wantFault(t, s.CreateOrg(ctx(t), again), fault.Conflict, "account.enterprise_org_exists")
	}},
	{"CreateOrg_unknown_enterprise_is_Invalid_store.reference_and_bad_kind_store.check", func(t *testing.T, h Harness) {
		s := h.Open(t)
		err := s.CreateOrg(ctx(t), &account.Org{Kind: account.KindEnterprise, Name: "ghost", EnterpriseID: 9999})
		wantFault(t, err, fault.Invalid, "store.reference")
		err = s.CreateOrg(ctx(t), &account.Org{Kind: "bank", Name: "bad kind"})
		wantFault(t, err, fault.Invalid, "store.check")
	}},
	{"OrgByID_unknown_is_NotFound_account.org_not_found", func(t *testing.T, h Harness) {
		s := h.Open(t)
		_, err := s.OrgByID(ctx(t), 31337)
		wantFault(t, err, fault.NotFound, "account.org_not_found")
	}},
	{"ListOrgs_filters_by_kind_and_pages_by_id", func(t *testing.T, h Harness) {
		s := h.Open(t)
		op := org(t, s, account.KindOperator, "平台运营方")
		b1 := org(t, s, account.KindInstitution, "银行一")
		dep := org(t, s, account.KindDepartment, "税务局")
		b2 := org(t, s, account.KindInstitution, "银行二")
		b3 := org(t, s, account.KindInstitution, "银行三")
		orgID := func(o account.Org) int64 { return o.ID }
		tests := []struct {
			name  string
			kind  account.OrgKind
			limit int
			after int64
			want  []int64
		}{
			{"all kinds", "", 0, 0, []int64{op.ID, b1.ID, dep.ID, b2.ID, b3.ID}},
			{"institutions", account.KindInstitution, 0, 0, []int64{b1.ID, b2.ID, b3.ID}},
			{"institutions after the first", account.KindInstitution, 0, b1.ID, []int64{b2.ID, b3.ID}},
			{"limit", "", 2, 0, []int64{op.ID, b1.ID}},
			{"kind with none", account.KindAuditor, 0, 0, []int64{}},
		}
		for _, tc := range tests {
			got, err := s.ListOrgs(ctx(t), tc.kind, tc.limit, tc.after)
			must(t, err)
			equal(t, tc.name, ids(got, orgID), tc.want)
		}
	}},
	{"SetOrgStatus_changes_status_and_unknown_is_NotFound", func(t *testing.T, h Harness) {
		s := h.Open(t)
		o := org(t, s, account.KindInstitution, "银行")
		must(t, s.SetOrgStatus(ctx(t), o.ID, account.StatusSuspended))
		got, err := s.OrgByID(ctx(t), o.ID)
		must(t, err)
		if got.Status != account.StatusSuspended {
			t.Fatalf("status = %q, want suspended", got.Status)
		}
		wantFault(t, s.SetOrgStatus(ctx(t), o.ID+100, account.StatusActive), fault.NotFound, "account.org_not_found")
	}},
}

var userCases = []testCase{
	{"CreateUser_sets_id_and_time_and_UserByID_and_ByUsername_round_trip", func(t *testing.T, h Harness) {
		s := h.Open(t)
		o := org(t, s, account.KindOperator, "平台")
		u := user(t, s, o.ID, "alice", account.RoleOperatorAdmin)
		if u.ID == 0 || u.CreatedAt.IsZero() || u.Status != account.StatusActive || !u.LastLoginAt.IsZero() {
			t.Fatalf("after create: %+v", u)
		}
		byID, err := s.UserByID(ctx(t), u.ID)
		must(t, err)
		equal(t, "UserByID", byID, *u)
		byName, err := s.UserByUsername(ctx(t), "alice")
		must(t, err)
		equal(t, "UserByUsername", byName, *u)
	}},
	{"CreateUser_taken_username_is_Conflict_account.username_taken", func(t *testing.T, h Harness) {
		s := h.Open(t)
		o := org(t, s, account.KindOperator, "平台")
		user(t, s, o.ID, "alice", account.RoleOperatorAdmin)
		err := s.CreateUser(ctx(t), &account.User{OrgID: o.ID, Username: "alice", Role: account.RoleOperatorAnalyst})
		wantFault(t, err, fault.Conflict, "account.username_taken")
	}},
	{"CreateUser_unknown_org_is_Invalid_store.reference_and_unknown_role_store.check", func(t *testing.T, h Harness) {
		s := h.Open(t)
		err := s.CreateUser(ctx(t), &account.User{OrgID: 777, Username: "orphan", Role: account.RoleAuditor})
		wantFault(t, err, fault.Invalid, "store.reference")
		o := org(t, s, account.KindOperator, "平台")
		err = s.CreateUser(ctx(t), &account.User{OrgID: o.ID, Username: "root", Role: "superuser"})
		wantFault(t, err, fault.Invalid, "store.check")
	}},
	{"UserByID_and_ByUsername_unknown_are_NotFound_account.user_not_found", func(t *testing.T, h Harness) {
		s := h.Open(t)
		_, err := s.UserByID(ctx(t), 12345)
		wantFault(t, err, fault.NotFound, "account.user_not_found")
		_, err = s.UserByUsername(ctx(t), "nobody")
		wantFault(t, err, fault.NotFound, "account.user_not_found")
	}},
	{"ListUsers_filters_by_org_and_substring_and_pages", func(t *testing.T, h Harness) {
		s := h.Open(t)
		op := org(t, s, account.KindOperator, "平台")
		bank := org(t, s, account.KindInstitution, "银行")
		alice := user(t, s, op.ID, "alice", account.RoleOperatorAdmin)
		bob := user(t, s, bank.ID, "bob", account.RoleInstitutionOfficer)
		carol := &account.User{OrgID: bank.ID, Username: "carol", DisplayName: "王小花 Carol_Wang", Role: account.RoleInstitutionOfficer}
		must(t, s.CreateUser(ctx(t), carol))
		userID := func(u account.User) int64 { return u.ID }
		tests := []struct {
			name string
			f    account.UserFilter
			want []int64
		}{
			{"everyone", account.UserFilter{}, []int64{alice.ID, bob.ID, carol.ID}},
			{"one org", account.UserFilter{OrgID: bank.ID}, []int64{bob.ID, carol.ID}},
			{"username substring any case", account.UserFilter{Query: "LIC"}, []int64{alice.ID}},
			{"display name substring in Chinese", account.UserFilter{Query: "小花"}, []int64{carol.ID}},
			{"underscore literal", account.UserFilter{Query: "Carol_"}, []int64{carol.ID}},
			{"underscore is not a wildcard", account.UserFilter{Query: "o_b"}, []int64{}},
			{"after and limit", account.UserFilter{After: alice.ID, Limit: 1}, []int64{bob.ID}},
		}
		for _, tc := range tests {
			got, err := s.ListUsers(ctx(t), tc.f)
			must(t, err)
			equal(t, tc.name, ids(got, userID), tc.want)
		}
	}},
	{"SetUserStatus_SetUserPassword_TouchUserLogin_update_and_unknown_is_NotFound", func(t *testing.T, h Harness) {
		s := h.Open(t)
		o := org(t, s, account.KindOperator, "平台")
		u := user(t, s, o.ID, "alice", account.RoleOperatorAdmin)
		login := time.Date(2025, 6, 1, 9, 30, 0, 123456789, time.FixedZone("CST", 8*3600))
		must(t, s.SetUserStatus(ctx(t), u.ID, account.StatusSuspended))
		must(t, s.SetUserPassword(ctx(t), u.ID, "$argon2id$new"))
		must(t, s.TouchUserLogin(ctx(t), u.ID, login))
		got, err := s.UserByID(ctx(t), u.ID)
		must(t, err)
		if got.Status != account.StatusSuspended || got.PasswordHash != "$argon2id$new" {
			t.Fatalf("after updates: %+v", got)
		}
		equal(t, "LastLoginAt (UTC, microseconds)", got.LastLoginAt, login.UTC().Truncate(time.Microsecond))

		const ghost = 99999
		wantFault(t, s.SetUserStatus(ctx(t), ghost, account.StatusActive), fault.NotFound, "account.user_not_found")
		wantFault(t, s.SetUserPassword(ctx(t), ghost, "x"), fault.NotFound, "account.user_not_found")
		wantFault(t, s.TouchUserLogin(ctx(t), ghost, login), fault.NotFound, "account.user_not_found")
	}},
}

var sessionCases = []testCase{
	{"CreateSession_and_SessionByHash_round_trip_times_in_UTC_microseconds", func(t *testing.T, h Harness) {
		s := h.Open(t)
		o := org(t, s, account.KindOperator, "平台")
		u := user(t, s, o.ID, "alice", account.RoleOperatorAdmin)
		cst := time.FixedZone("CST", 8*3600)
		start := time.Date(2025, 1, 2, 3, 4, 5, 999999999, cst)
		se := account.Session{TokenHash: "sha256:aaaa", UserID: u.ID, CSRFToken: "csrf-1",
			CreatedAt: start, ExpiresAt: start.Add(12 * time.Hour), LastSeenAt: start}
		must(t, s.CreateSession(ctx(t), se))
		got, err := s.SessionByHash(ctx(t), se.TokenHash)
		must(t, err)
		want := se
		want.CreatedAt = start.UTC().Truncate(time.Microsecond)
		want.ExpiresAt = start.Add(12 * time.Hour).UTC().Truncate(time.Microsecond)
		want.LastSeenAt = want.CreatedAt
		equal(t, "SessionByHash", got, want)

		wantFault(t, s.CreateSession(ctx(t), se), fault.Conflict, "account.session_exists")
	}},
	{"CreateSession_unknown_user_is_Invalid_store.reference", func(t *testing.T, h Harness) {
		s := h.Open(t)
		now := time.Now()
		err := s.CreateSession(ctx(t), account.Session{TokenHash: "x", UserID: 4242, CreatedAt: now, ExpiresAt: now, LastSeenAt: now})
		wantFault(t, err, fault.Invalid, "store.reference")
	}},
	{"SessionByHash_and_TouchSession_unknown_are_NotFound_account.session_not_found", func(t *testing.T, h Harness) {
		s := h.Open(t)
		_, err := s.SessionByHash(ctx(t), "missing")
		wantFault(t, err, fault.NotFound, "account.session_not_found")
		now := time.Now()
		wantFault(t, s.TouchSession(ctx(t), "missing", now, now), fault.NotFound, "account.session_not_found")
	}},
	{"TouchSession_slides_and_DeleteSession_ends_idempotently", func(t *testing.T, h Harness) {
		s := h.Open(t)
		o := org(t, s, account.KindOperator, "平台")
		u := user(t, s, o.ID, "alice", account.RoleOperatorAdmin)
		t0 := utc(2025, 1, 1, 0, 0, 0, 0)
		must(t, s.CreateSession(ctx(t), account.Session{TokenHash: "h1", UserID: u.ID, CSRFToken: "c", CreatedAt: t0, ExpiresAt: t0.Add(time.Hour), LastSeenAt: t0}))
		seen, exp := t0.Add(30*time.Minute+7*time.Microsecond), t0.Add(90*time.Minute)
		must(t, s.TouchSession(ctx(t), "h1", seen, exp))
		got, err := s.SessionByHash(ctx(t), "h1")
		must(t, err)
		if !got.LastSeenAt.Equal(seen) || !got.ExpiresAt.Equal(exp) || !got.CreatedAt.Equal(t0) {
			t.Fatalf("after touch: %+v", got)
		}
		must(t, s.DeleteSession(ctx(t), "h1"))
		_, err = s.SessionByHash(ctx(t), "h1")
		wantFault(t, err, fault.NotFound, "account.session_not_found")
		must(t, s.DeleteSession(ctx(t), "h1"))
	}},
	{"DeleteUserSessions_ends_only_that_users_sessions", func(t *testing.T, h Harness) {
		s := h.Open(t)
		o := org(t, s, account.KindOperator, "平台")
		alice := user(t, s, o.ID, "alice", account.RoleOperatorAdmin)
		bob := user(t, s, o.ID, "bob", account.RoleOperatorAnalyst)
		now := time.Now()
		for _, se := range []account.Session{
			{TokenHash: "a1", UserID: alice.ID}, {TokenHash: "a2", UserID: alice.ID}, {TokenHash: "b1", UserID: bob.ID},
		} {
			se.CreatedAt, se.ExpiresAt, se.LastSeenAt = now, now.Add(time.Hour), now
			must(t, s.CreateSession(ctx(t), se))
		}
		must(t, s.DeleteUserSessions(ctx(t), alice.ID))
		for _, hash := range []string{"a1", "a2"} {
			_, err := s.SessionByHash(ctx(t), hash)
			wantFault(t, err, fault.NotFound, "account.session_not_found")
		}
		_, err := s.SessionByHash(ctx(t), "b1")
		must(t, err)
	}},
	{"DeleteExpiredSessions_removes_sessions_expired_before_now_and_counts_them", func(t *testing.T, h Harness) {
		s := h.Open(t)
		o := org(t, s, account.KindOperator, "平台")
		u := user(t, s, o.ID, "alice", account.RoleOperatorAdmin)
		now := utc(2025, 3, 1, 12, 0, 0, 0)
		for hash, exp := range map[string]time.Time{
			"long-gone":   now.Add(-48 * time.Hour),
			"just-gone":   now.Add(-time.Microsecond),
			"expires-now": now, // not before now: kept
			"live":        now.Add(time.Hour),
		} {
			must(t, s.CreateSession(ctx(t), account.Session{TokenHash: hash, UserID: u.ID, CSRFToken: "c",
				CreatedAt: now.Add(-72 * time.Hour), ExpiresAt: exp, LastSeenAt: now.Add(-72 * time.Hour)}))
		}
		n, err := s.DeleteExpiredSessions(ctx(t), now)
		must(t, err)
		if n != 2 {
			t.Fatalf("DeleteExpiredSessions = %d, want 2", n)
		}
		for _, hash := range []string{"expires-now", "live"} {
			if _, err := s.SessionByHash(ctx(t), hash); err != nil {
				t.Fatalf("session %q should survive: %v", hash, err)
			}
		}
		_, err = s.SessionByHash(ctx(t), "just-gone")
		wantFault(t, err, fault.NotFound, "account.session_not_found")
	}},
}

var apiKeyCases = []testCase{
	{"CreateAPIKey_and_APIKeyByPrefix_round_trip_scopes_and_zero_times", func(t *testing.T, h Harness) {
		s := h.Open(t)
		bank := org(t, s, account.KindInstitution, "银行")
		officer := user(t, s, bank.ID, "officer", account.RoleInstitutionOfficer)
		k := &account.APIKey{OrgID: bank.ID, Prefix: "cbk_3f9a1c2d", SecretHash: "sha256:beef", Name: "loan system",
			Scopes: []account.Scope{account.ScopeEnterpriseRead, account.ScopeAuditRead}, CreatedBy: officer.ID,
			ExpiresAt: time.Date(2026, 1, 1, 0, 0, 0, 500, time.UTC)}
		must(t, s.CreateAPIKey(ctx(t), k))
		if k.ID == 0 || k.CreatedAt.IsZero() || !k.ExpiresAt.Equal(utc(2026, 1, 1, 0, 0, 0, 0)) {
			t.Fatalf("after create: %+v", k)
		}
		got, err := s.APIKeyByPrefix(ctx(t), "cbk_3f9a1c2d")
		must(t, err)
		equal(t, "APIKeyByPrefix", got, *k)
		if !got.RevokedAt.IsZero() || !got.LastUsedAt.IsZero() {
			t.Fatalf("zero times came back as %v / %v", got.RevokedAt, got.LastUsedAt)
		}

		system := &account.APIKey{OrgID: bank.ID, Prefix: "cbk_system", SecretHash: "h"}
		must(t, s.CreateAPIKey(ctx(t), system))
		got, err = s.APIKeyByPrefix(ctx(t), "cbk_system")
		must(t, err)
		if got.CreatedBy != 0 || got.Scopes != nil || !got.ExpiresAt.IsZero() {
			t.Fatalf("key without creator, scopes or expiry came back as %+v", got)
		}
	}},
	{"CreateAPIKey_taken_prefix_is_Conflict_and_unknown_org_is_Invalid_store.reference", func(t *testing.T, h Harness) {
		s := h.Open(t)
		bank := org(t, s, account.KindInstitution, "银行")
		must(t, s.CreateAPIKey(ctx(t), &account.APIKey{OrgID: bank.ID, Prefix: "cbk_1", SecretHash: "a"}))
		wantFault(t, s.CreateAPIKey(ctx(t), &account.APIKey{OrgID: bank.ID, Prefix: "cbk_1", SecretHash: "b"}),
			fault.Conflict, "account.apikey_prefix_taken")
		wantFault(t, s.CreateAPIKey(ctx(t), &account.APIKey{OrgID: 5555, Prefix: "cbk_2", SecretHash: "c"}),
			fault.Invalid, "store.reference")
	}},
	{"APIKeyByPrefix_unknown_is_NotFound_account.apikey_not_found", func(t *testing.T, h Harness) {
		s := h.Open(t)
		_, err := s.APIKeyByPrefix(ctx(t), "cbk_nope")
		wantFault(t, err, fault.NotFound, "account.apikey_not_found")
	}},
	{"ListAPIKeys_lists_one_orgs_keys_by_id", func(t *testing.T, h Harness) {
		s := h.Open(t)
		a := org(t, s, account.KindInstitution, "银行甲")
		b := org(t, s, account.KindDepartment, "税务局")
		var want []int64
		for _, p := range []string{"cbk_a1", "cbk_a2"} {
			k := &account.APIKey{OrgID: a.ID, Prefix: p, SecretHash: "x"}
			must(t, s.CreateAPIKey(ctx(t), k))
			want = append(want, k.ID)
		}
		must(t, s.CreateAPIKey(ctx(t), &account.APIKey{OrgID: b.ID, Prefix: "cbk_b1", SecretHash: "x"}))
		got, err := s.ListAPIKeys(ctx(t), a.ID)
		must(t, err)
		equal(t, "ListAPIKeys", ids(got, func(k account.APIKey) int64 { return k.ID }), want)
		none, err := s.ListAPIKeys(ctx(t), 999)
		must(t, err)
		if len(none) != 0 {
			t.Fatalf("keys of unknown org: %v", none)
		}
	}},
	{"RevokeAPIKey_of_another_org_is_NotFound_and_own_or_any_org_revokes_once", func(t *testing.T, h Harness) {
		s := h.Open(t)
		a := org(t, s, account.KindInstitution, "银行甲")
		b := org(t, s, account.KindInstitution, "银行乙")
		ka := &account.APIKey{OrgID: a.ID, Prefix: "cbk_a", SecretHash: "x"}
		kb := &account.APIKey{OrgID: b.ID, Prefix: "cbk_b", SecretHash: "x"}
		must(t, s.CreateAPIKey(ctx(t), ka))
		must(t, s.CreateAPIKey(ctx(t), kb))
		t1, t2 := utc(2025, 2, 1, 0, 0, 0, 1), utc(2025, 2, 2, 0, 0, 0, 0)

		wantFault(t, s.RevokeAPIKey(ctx(t), ka.ID, b.ID, t1), fault.NotFound, "account.apikey_not_found")
		if got, _ := s.APIKeyByPrefix(ctx(t), "cbk_a"); !got.RevokedAt.IsZero() {
			t.Fatal("another organisation revoked the key")
		}
		must(t, s.RevokeAPIKey(ctx(t), ka.ID, a.ID, t1))
		must(t, s.RevokeAPIKey(ctx(t), ka.ID, 0, t2)) // again, by an operator: keeps t1
		got, err := s.APIKeyByPrefix(ctx(t), "cbk_a")
		must(t, err)
		equal(t, "RevokedAt keeps the first revocation", got.RevokedAt, t1)

		must(t, s.RevokeAPIKey(ctx(t), kb.ID, 0, t2))
		got, err = s.APIKeyByPrefix(ctx(t), "cbk_b")
		must(t, err)
		equal(t, "RevokedAt by any org", got.RevokedAt, t2)
		wantFault(t, s.RevokeAPIKey(ctx(t), 98765, 0, t2), fault.NotFound, "account.apikey_not_found")
	}},
	{"TouchAPIKey_records_use_and_unknown_is_NotFound", func(t *testing.T, h Harness) {
		s := h.Open(t)
		a := org(t, s, account.KindInstitution, "银行")
		k := &account.APIKey{OrgID: a.ID, Prefix: "cbk_t", SecretHash: "x"}
		must(t, s.CreateAPIKey(ctx(t), k))
		used := utc(2025, 4, 4, 4, 4, 4, 44)
		must(t, s.TouchAPIKey(ctx(t), k.ID, used))
		got, err := s.APIKeyByPrefix(ctx(t), "cbk_t")
		must(t, err)
		equal(t, "LastUsedAt", got.LastUsedAt, used)
		wantFault(t, s.TouchAPIKey(ctx(t), k.ID+1, used), fault.NotFound, "account.apikey_not_found")
	}},
}
