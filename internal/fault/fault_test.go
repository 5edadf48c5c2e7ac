package fault

import (
	"context"
	"errors"
	"fmt"
	"testing"
)

func TestKindOf(t *testing.T) {
	t.Parallel()
	base := New(NotFound, "enterprise.not_found", "enterprise not found")
	cases := []struct {
		name string
		err  error
		want Kind
	}{
		{"direct", base, NotFound},
		{"wrapped", fmt.Errorf("lookup: %w", base), NotFound},
		{"canceled", fmt.Errorf("q: %w", context.Canceled), Canceled},
		{"deadline", context.DeadlineExceeded, Unavailable},
		{"plain", errors.New("boom"), Internal},
		{"fields", func() error { var f Fields; f.Add("code", New(Invalid, "x", "bad")); return f.Err() }(), Invalid},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := KindOf(tc.err); got != tc.want {
				t.Fatalf("KindOf = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestWithCopies(t *testing.T) {
	t.Parallel()
	a := New(Invalid, "c", "m")
	b := a.With("k", "v")
	if a.Params != nil {
		t.Fatalf("With mutated the original: %v", a.Params)
	}
	if b.Params["k"] != "v" {
		t.Fatalf("With lost the parameter: %v", b.Params)
	}
}
