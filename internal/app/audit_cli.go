package app

import (
	"context"
	"crypto/ed25519"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/creditbridge/creditbridge/internal/access"
	"github.com/creditbridge/creditbridge/internal/account"
	"github.com/creditbridge/creditbridge/internal/audit"
	"github.com/creditbridge/creditbridge/internal/keys"
)

// runAuditExport writes the evidence selected by the filters with its
// chain proof to --out: it signs the log head first, so every matching
// entry so far is covered, and records the export as evidence (actor
// "system": whoever runs the command holds the database).
func runAuditExport(ctx context.Context, e Env, args []string) error {
	var institution, enterprise, from, to, out string
	cfg, err := parse(e, "audit export", args, func(fs *flag.FlagSet) {
		fs.StringVar(&institution, "institution", "", "acting organisation id (an institution, a department…)")
		fs.StringVar(&enterprise, "enterprise", "", "subject enterprise id")
		fs.StringVar(&from, "from", "", "start: RFC 3339 or YYYY-MM-DD (inclusive)")
		fs.StringVar(&to, "to", "", "end: RFC 3339 (exclusive) or YYYY-MM-DD (that whole day)")
		fs.StringVar(&out, "out", "", "the export file to write (JSON lines)")
	})
	if err != nil {
		return err
	}
	if out == "" {
		return fmt.Errorf("%w: --out FILE is required", errUsage)
	}
	f, err := audit.ParseExportFilter(institution, enterprise, from, to)
	if err != nil {
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	n, err := openNode(ctx, e, cfg)
	if err != nil {
		return err
	}
	defer n.Close()
	if _, _, err := n.Checkpointer().Checkpoint(ctx); err != nil {
		return err
	}
	var file *os.File
	sum, err := n.Audit.Export(ctx, audit.Viewer{Role: string(account.RoleOperatorAdmin)}, audit.Entry{ActorName: access.System.ActorName()}, f,
		func() (io.Writer, error) {
			var err error
			file, err = os.Create(out)
			return file, err
		})
	if file != nil {
		err = errors.Join(err, file.Close())
		if err != nil {
			os.Remove(out)
		}
	}
	if err != nil {
		return describe(n, err)
	}
	if sum.LastSeq == 0 {
		fmt.Fprintf(e.Stdout, "wrote %s: no signed entry matches\n", out)
	} else {
		fmt.Fprintf(e.Stdout, "wrote %s: %d selected entries, entries %d to %d with %d signed checkpoints\n",
			out, sum.Selected, sum.FirstSeq, sum.LastSeq, sum.Checkpoints)
	}
	if sum.UnsignedMatching > 0 {
		fmt.Fprintf(e.Stdout, "note: %d matching entries are not yet signed and were left out\n", sum.UnsignedMatching)
	}
	return nil
}

// wantsExportVerify reports whether `audit verify` was given --export.
func wantsExportVerify(args []string) bool {
	for _, a := range args {
		if a == "--" {
			return false
		}
		name, _, _ := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if strings.HasPrefix(a, "-") && name == "export" {
			return true
		}
	}
	return false
}

// runAuditVerifyExport checks an export file offline: no database is
// opened. Without --pubkey it trusts the keys the file carries and says so.
func runAuditVerifyExport(_ context.Context, e Env, args []string) error {
	var file, pubFiles string
	if _, err := parse(e, "audit verify", args, func(fs *flag.FlagSet) {
		fs.StringVar(&file, "export", "", "an export file (from `audit export` or GET /api/v1/audit/export) to verify offline")
		fs.StringVar(&pubFiles, "pubkey", "", "comma-separated node public key files to pin (default: the keys in the file)")
	}); err != nil {
		return err
	}
	if file == "" {
		return fmt.Errorf("%w: --export FILE is required", errUsage)
	}
	var pubs []ed25519.PublicKey
	if pubFiles != "" {
		for _, p := range strings.Split(pubFiles, ",") {
			k, err := keys.ReadPublic(filepath.Clean(strings.TrimSpace(p)))
			if err != nil {
				return err
			}
			pubs = append(pubs, k)
		}
	}
	fh, err := os.Open(file)
	if err != nil {
		return err
	}
	defer fh.Close()
	rep, err := audit.VerifyExport(fh, pubs)
	if err != nil {
		return err
	}
	if !rep.OK() {
		fmt.Fprintf(e.Stdout, "FAILED: %s\n", rep.Problem.Error())
		fmt.Fprintf(e.Stdout, "checked %d entries and %d checkpoints before the problem\n", rep.Entries, rep.Checkpoints)
		return exitCode(1)
	}
	fmt.Fprintln(e.Stdout, rep.String())
	return nil
}
