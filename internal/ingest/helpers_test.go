package ingest_test

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"testing"

	"github.com/creditbridge/creditbridge/internal/creditcode"
)

func mustSHA(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

func completeCode(first17 string) (string, error) {
	c, err := creditcode.Complete(first17)
	return string(c), err
}
