package keys

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

func TestLoadOrCreateIsStable(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "data")
	a, err := LoadOrCreate(dir)
	if err != nil {
		t.Fatal(err)
	}
	b, err := LoadOrCreate(dir)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a.Node, b.Node) {
		t.Fatal("node key changed between starts")
	}
	sealed, err := a.Data.Seal([]byte("张三"), []byte("code"))
	if err != nil {
		t.Fatal(err)
	}
	plain, err := b.Data.Open(sealed, []byte("code"))
	if err != nil || string(plain) != "张三" {
		t.Fatalf("open with reloaded key = %q, %v", plain, err)
	}
	if _, err := b.Data.Open(sealed, []byte("other")); err == nil {
		t.Fatal("sealed value opened under another owner's aad")
	}
	pub, err := ReadPublic(filepath.Join(dir, NodePubFile))
	if err != nil || !bytes.Equal(pub, a.Public()) {
		t.Fatalf("public key file does not match: %v", err)
	}
	st, err := os.Stat(filepath.Join(dir, NodeKeyFile))
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("node key mode = %v, %v", st.Mode(), err)
	}
}

func TestCorruptKeyFileIsAnError(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, DataKeyFile), []byte("short"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadOrCreate(dir); err == nil {
		t.Fatal("a corrupt data key was accepted")
	}
}
