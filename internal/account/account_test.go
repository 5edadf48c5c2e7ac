package account

import (
	"strings"
	"testing"
	"time"
)

func TestPasswordHash(t *testing.T) {
	t.Parallel()
	h, err := HashPassword("correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Fatalf("hash format = %q", h)
	}
	if strings.Contains(h, "correct horse") {
		t.Fatal("hash contains the password")
	}
	cases := []struct {
		name string
		hash string
		pw   string
		want bool
	}{
		{"right password", h, "correct horse battery", true},
		{"wrong password", h, "correct horse batterY", false},
		{"empty password", h, "", false},
		{"garbage hash", "$argon2id$v=19$m=x", "correct horse battery", false},
		{"bcrypt-looking hash", "$2a$10$abcdefghijklmnopqrstuv", "correct horse battery", false},
		{"absurd memory parameter", strings.Replace(h, "m=19456", "m=99999999", 1), "correct horse battery", false},
	}
	for _, tc := range cases {
		if got := VerifyPassword(tc.hash, tc.pw); got != tc.want {
			t.Errorf("%s: VerifyPassword = %v, want %v", tc.name, got, tc.want)
		}
	}
	h2, _ := HashPassword("correct horse battery")
	if h2 == h {
		t.Fatal("two hashes of one password are equal: salt missing")
	}
}

func TestCheckPassword(t *testing.T) {
	t.Parallel()
	if err := CheckPassword("short"); err == nil {
		t.Fatal("a 5-character password was accepted")
	}
	if err := CheckPassword("密码也可以是中文的十个字"); err != nil {
		t.Fatalf("a 12-rune Chinese password was refused: %v", err)
	}
	if err := CheckPassword(strings.Repeat("x", 300)); err == nil {
		t.Fatal("a 300-byte password was accepted")
	}
}

func TestThrottle(t *testing.T) {
	t.Parallel()
	th := NewThrottle(3, time.Minute)
	t0 := time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)
	for i := 0; i < 3; i++ {
		if locked, _ := th.Locked(t0, "u:a"); locked {
			t.Fatalf("locked after %d failures", i)
		}
		th.Fail(t0.Add(time.Duration(i)*time.Second), "u:a")
	}
	locked, until := th.Locked(t0.Add(5*time.Second), "u:a")
	if !locked || !until.Equal(t0.Add(time.Minute)) {
		t.Fatalf("after 3 failures: locked=%v until=%v", locked, until)
	}
	if locked, _ := th.Locked(t0.Add(5*time.Second), "u:b"); locked {
		t.Fatal("another key is locked")
	}
	if locked, _ := th.Locked(t0.Add(61*time.Second), "u:a"); locked {
		t.Fatal("still locked after the oldest failure left the window")
	}
	th.Fail(t0, "u:c")
	th.Succeed("u:c")
	if len(th.fails) > 1 {
		t.Fatalf("Succeed did not clear: %v", th.fails)
	}
}

func TestRoleKind(t *testing.T) {
	t.Parallel()
	for _, r := range Roles {
		if _, ok := RoleKind(r); !ok {
			t.Errorf("role %s has no organisation kind", r)
		}
	}
	if _, ok := RoleKind("root"); ok {
		t.Error("unknown role accepted")
	}
}
