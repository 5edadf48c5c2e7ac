package audit

import (
	"bufio"
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/creditbridge/creditbridge/internal/fault"
)

// ExportFormat is the "format" of an export file's header line.
const ExportFormat = "creditbridge-audit-export/1"

// ActionExport is the evidence action of an export.
const ActionExport = "audit.export"

// ExportFilter selects the entries an export is about. Zero fields do not
// filter; at least one field is required by Service.Export.
type ExportFilter struct {
	OrgID        int64     // the acting organisation (an institution, a department…)
	EnterpriseID int64     // the subject enterprise
	From, To     time.Time // entry time: From inclusive, To exclusive
}

// Match reports whether e is selected by f.
func (f ExportFilter) Match(e Entry) bool {
	if f.OrgID != 0 && e.OrgID != f.OrgID {
		return false
	}
	if f.EnterpriseID != 0 && e.EnterpriseID != f.EnterpriseID {
		return false
	}
	if !f.From.IsZero() && e.Time.Before(f.From) {
		return false
	}
	if !f.To.IsZero() && !e.Time.Before(f.To) {
		return false
	}
	return true
}

// Empty reports whether f selects everything.
func (f ExportFilter) Empty() bool {
	return f.OrgID == 0 && f.EnterpriseID == 0 && f.From.IsZero() && f.To.IsZero()
}

// ExportSummary describes a written export.
type ExportSummary struct {
	FirstSeq, LastSeq int64 // the proof range; zero when it holds no entry
	Entries           int64 // entries in the range (selected and linking)
	Selected          int64 // entries matching the filter
	Checkpoints       int   // signed checkpoints inside the range
	// UnsignedMatching counts matching entries after the last signed
	// checkpoint: they cannot be proven yet and are not in the file.
	UnsignedMatching int64
}

// The lines of an export file (JSON lines, one object each, "kind" first).
type (
	exportKey struct {
		KeyID     string `json:"key_id"`
		PublicKey string `json:"public_key"` // base64 of the raw 32-byte Ed25519 key
	}
	exportFilterJSON struct {
		Institution int64  `json:"institution,omitempty"`
		Enterprise  int64  `json:"enterprise,omitempty"`
		From        string `json:"from,omitempty"`
		To          string `json:"to,omitempty"`
	}
	exportHeader struct {
		Kind             string           `json:"kind"` // "header"
		Format           string           `json:"format"`
		ExportedAt       string           `json:"exported_at"`
		ExportedBy       string           `json:"exported_by"`
		Filter           exportFilterJSON `json:"filter"`
		FirstSeq         int64            `json:"first_seq"`
		LastSeq          int64            `json:"last_seq"`
		Selected         int64            `json:"selected"`
		UnsignedMatching int64            `json:"unsigned_matching"`
		Keys             []exportKey      `json:"keys"`
	}
	exportEntry struct {
		Kind            string   `json:"kind"` // "entry"
		Selected        bool     `json:"selected"`
		Seq             int64    `json:"seq"`
		Time            string   `json:"time"`
		ActorUserID     int64    `json:"actor_user_id"`
		ActorName       string   `json:"actor_name"`
		OrgID           int64    `json:"org_id"`
		Action          string   `json:"action"`
		EnterpriseID    int64    `json:"enterprise_id"`
		Items           []string `json:"items"`
		Purpose         string   `json:"purpose"`
		AuthorizationID string   `json:"authorization_id"`
		Outcome         Outcome  `json:"outcome"`
		Detail          string   `json:"detail"`
		RemoteAddr      string   `json:"remote_addr"`
		PrevHash        string   `json:"prev_hash"`
		Hash            string   `json:"hash"`
	}
	exportCheckpoint struct {
		Kind      string `json:"kind"` // "checkpoint"
		Seq       int64  `json:"seq"`
		Hash      string `json:"hash"`
		Time      string `json:"time"`
		KeyID     string `json:"key_id"`
		Signature string `json:"signature"`
	}
	exportEnd struct {
		Kind   string `json:"kind"` // "end"
		Lines  int64  `json:"lines"`
		SHA256 string `json:"sha256"` // of every byte before this line
	}
)

func timeText(t time.Time) string { return t.UTC().Truncate(Precision).Format(time.RFC3339Nano) }

func (f ExportFilter) toJSON() exportFilterJSON {
	out := exportFilterJSON{Institution: f.OrgID, Enterprise: f.EnterpriseID}
	if !f.From.IsZero() {
		out.From = timeText(f.From)
	}
	if !f.To.IsZero() {
		out.To = timeText(f.To)
	}
	return out
}

func (j exportFilterJSON) filter() (ExportFilter, error) {
	f := ExportFilter{OrgID: j.Institution, EnterpriseID: j.Enterprise}
	var err error
	if j.From != "" {
		if f.From, err = time.Parse(time.RFC3339Nano, j.From); err != nil {
			return f, fmt.Errorf("bad filter time %q", j.From)
		}
	}
	if j.To != "" {
		if f.To, err = time.Parse(time.RFC3339Nano, j.To); err != nil {
			return f, fmt.Errorf("bad filter time %q", j.To)
		}
	}
	return f, nil
}

func toExportEntry(e Entry, selected bool) exportEntry {
	items := e.Items
	if items == nil {
		items = []string{}
	}
	return exportEntry{Kind: "entry", Selected: selected, Seq: e.Seq, Time: timeText(e.Time), ActorUserID: e.ActorUserID,
		ActorName: e.ActorName, OrgID: e.OrgID, Action: e.Action, EnterpriseID: e.EnterpriseID, Items: items, Purpose: e.Purpose,
		AuthorizationID: e.AuthorizationID, Outcome: e.Outcome, Detail: e.Detail, RemoteAddr: e.RemoteAddr, PrevHash: e.PrevHash, Hash: e.Hash}
}

func (x exportEntry) entry() (Entry, error) {
	t, err := time.Parse(time.RFC3339Nano, x.Time)
	if err != nil {
		return Entry{}, err
	}
	return Entry{Seq: x.Seq, Time: t.UTC(), ActorUserID: x.ActorUserID, ActorName: x.ActorName, OrgID: x.OrgID, Action: x.Action,
		EnterpriseID: x.EnterpriseID, Items: x.Items, Purpose: x.Purpose, AuthorizationID: x.AuthorizationID, Outcome: x.Outcome,
		Detail: x.Detail, RemoteAddr: x.RemoteAddr, PrevHash: x.PrevHash, Hash: x.Hash}, nil
}

// ExportMeta is the informational part of the header.
type ExportMeta struct {
	At time.Time
	By string // who exported (actor name)
}

// exportPlan is the proof range WriteExport settles on in its first pass.
type exportPlan struct {
	lo, hi     int64
	selected   int64
	unsigned   int64
	checkpoint map[int64]Checkpoint // checkpoints inside [lo, hi] by Seq
}

// plan scans the log once to find the proof range (see doc.go): from the
// first entry at or after f.From (or the first matching entry when From
// is zero) to the first signed checkpoint at or after the last matching
// entry (or, with From set, the last entry before f.To).
func plan(ctx context.Context, r Reader, f ExportFilter) (exportPlan, error) {
	p := exportPlan{checkpoint: map[int64]Checkpoint{}}
	cps, err := r.ListCheckpoints(ctx)
	if err != nil {
		return p, err
	}
	var signed int64
	for _, c := range cps {
		signed = max(signed, c.Seq)
	}
	var lo, need int64
	err = r.ScanAudit(ctx, 0, func(e Entry) error {
		inWindow := (f.From.IsZero() || !e.Time.Before(f.From)) && (f.To.IsZero() || e.Time.Before(f.To))
		match := f.Match(e)
		if e.Seq > signed {
			if match {
				p.unsigned++
			}
			return nil
		}
		if lo == 0 && ((!f.From.IsZero() && inWindow) || match) {
			lo = e.Seq
		}
		if match || (!f.From.IsZero() && inWindow) {
			need = e.Seq
		}
		if match {
			p.selected++
		}
		return nil
	})
	if err != nil {
		return p, err
	}
	if lo == 0 {
		return p, nil
	}
	if !f.From.IsZero() && lo > 1 {
		// Start one entry early: its time, before From, shows the verifier
		// the range begins where the window does.
		lo--
	}
	// The covering checkpoint: the first at or after need (one exists,
	// because need <= signed).
	sort.Slice(cps, func(i, j int) bool { return cps[i].Seq < cps[j].Seq })
	for _, c := range cps {
		if c.Seq >= need {
			p.hi = c.Seq
			break
		}
	}
	p.lo = lo
	for _, c := range cps {
		if c.Seq >= p.lo && c.Seq <= p.hi {
			if _, dup := p.checkpoint[c.Seq]; !dup {
				p.checkpoint[c.Seq] = c
			}
		}
	}
	return p, nil
}

// WriteExport writes the evidence selected by f with its chain proof to w
// (format in doc.go). It reads the log twice, streaming: once to settle
// the range, once to write it. keys are the node's public keys, copied
// into the header for the verifier's convenience.
func WriteExport(ctx context.Context, r Reader, keys []ed25519.PublicKey, f ExportFilter, meta ExportMeta, w io.Writer) (ExportSummary, error) {
	var sum ExportSummary
	p, err := plan(ctx, r, f)
	if err != nil {
		return sum, err
	}
	sum = ExportSummary{FirstSeq: p.lo, LastSeq: p.hi, Selected: p.selected, Checkpoints: len(p.checkpoint), UnsignedMatching: p.unsigned}
	h := sha256.New()
	bw := bufio.NewWriterSize(w, 64<<10)
	out := &lineWriter{w: io.MultiWriter(bw, h)}
	hdr := exportHeader{Kind: "header", Format: ExportFormat, ExportedAt: timeText(meta.At), ExportedBy: meta.By, Filter: f.toJSON(),
		FirstSeq: p.lo, LastSeq: p.hi, Selected: p.selected, UnsignedMatching: p.unsigned, Keys: []exportKey{}}
	for _, k := range keys {
		hdr.Keys = append(hdr.Keys, exportKey{KeyID: KeyID(k), PublicKey: base64.StdEncoding.EncodeToString(k)})
	}
	out.put(hdr)
	if p.lo > 0 {
		err = r.ScanAudit(ctx, p.lo-1, func(e Entry) error {
			if e.Seq > p.hi {
				return errStop
			}
			out.put(toExportEntry(e, f.Match(e)))
			sum.Entries++
			if c, ok := p.checkpoint[e.Seq]; ok {
				out.put(exportCheckpoint{Kind: "checkpoint", Seq: c.Seq, Hash: c.Hash, Time: timeText(c.Time), KeyID: c.KeyID, Signature: c.Signature})
			}
			return out.err
		})
		if err != nil && !errors.Is(err, errStop) {
			return sum, err
		}
	}
	out.w = bw // the end line is not part of its own digest
	out.put(exportEnd{Kind: "end", Lines: out.lines, SHA256: hex.EncodeToString(h.Sum(nil))})
	if out.err != nil {
		return sum, out.err
	}
	return sum, bw.Flush()
}

type lineWriter struct {
	w     io.Writer
	lines int64
	err   error
}

func (l *lineWriter) put(v any) {
	if l.err != nil {
		return
	}
	b, err := json.Marshal(v)
	if err != nil {
		l.err = err
		return
	}
	if _, err := l.w.Write(append(b, '\n')); err != nil {
		l.err = err
		return
	}
	l.lines++
}

// Export writes an evidence export for an auditor or operator: it checks
// the viewer's role, records the export itself as an evidence entry
// (ev carries the actor; a refused attempt is recorded as denied), then
// calls open for the destination and writes the file to it. Entries
// after the last signed checkpoint cannot be proven yet and are left out
// (counted in the summary); the node signs its head every minute.
func (s *Service) Export(ctx context.Context, v Viewer, ev Entry, f ExportFilter, open func() (io.Writer, error)) (ExportSummary, error) {
	detail, _ := json.Marshal(f.toJSON())
	ev.Action, ev.EnterpriseID, ev.Detail, ev.Outcome = ActionExport, f.EnterpriseID, string(detail), OK
	switch v.Role {
	case "operator_admin", "operator_analyst", "auditor":
	default:
		ev.Outcome = Denied
		if err := s.Store.AppendAudit(ctx, &ev); err != nil {
			return ExportSummary{}, err
		}
		return ExportSummary{}, fault.New(fault.Forbidden, "audit.export_forbidden", "only auditors and operator staff may export evidence")
	}
	if f.Empty() {
		return ExportSummary{}, fault.New(fault.Invalid, "audit.export_filter_required", "name an institution, an enterprise or a time range")
	}
	if !f.From.IsZero() && !f.To.IsZero() && !f.From.Before(f.To) {
		return ExportSummary{}, fault.New(fault.Invalid, "audit.export_bad_range", "the start of the range must be before its end")
	}
	if err := s.Store.AppendAudit(ctx, &ev); err != nil {
		return ExportSummary{}, err
	}
	w, err := open()
	if err != nil {
		return ExportSummary{}, err
	}
	return WriteExport(ctx, s.Store, s.Keys, f, ExportMeta{At: ev.Time, By: ev.ActorName}, w)
}

// ExportReport is the result of VerifyExport.
type ExportReport struct {
	Format            string
	Filter            ExportFilter
	ExportedAt        string
	ExportedBy        string
	FirstSeq, LastSeq int64
	Entries           int64
	Selected          int64
	Checkpoints       int
	UnsignedMatching  int64
	// KeyIDs are the keys the checkpoints were checked against; KeysFromFile
	// says they came from the file itself (no --pubkey given), which proves
	// integrity only if those ids are the node's published ones.
	KeyIDs       []string
	KeysFromFile bool
	Problem      *Problem
}

// OK reports whether the export verified.
func (r ExportReport) OK() bool { return r.Problem == nil }

// maxExportLine bounds one line of an export (an entry's detail is short).
const maxExportLine = 4 << 20

// VerifyExport checks an export file offline: every entry hashes to its
// hash, the entries are consecutive and each links to its predecessor,
// every checkpoint is signed by a trusted key (trusted, or when empty the
// keys in the file) and matches the entry it follows, the range ends on a
// signed checkpoint, the selected flags are exactly the filter's matches
// (so no matching entry in the range was left out or slipped in), the
// header agrees with the body, and the end line's digest covers every
// byte before it. The error is reserved for read failures.
func VerifyExport(r io.Reader, trusted []ed25519.PublicKey) (ExportReport, error) {
	var rep ExportReport
	br := bufio.NewReaderSize(r, 64<<10)
	h := sha256.New()
	fail := func(seq int64, format string, a ...any) (ExportReport, error) {
		rep.Problem = &Problem{Seq: seq, Reason: fmt.Sprintf(format, a...)}
		return rep, nil
	}
	var lineNo int64
	next := func() ([]byte, string, error) {
		line, err := readLine(br)
		if err != nil {
			return nil, "", err
		}
		lineNo++
		var k struct {
			Kind string `json:"kind"`
		}
		if json.Unmarshal(line, &k) != nil {
			return line, "", nil
		}
		return line, k.Kind, nil
	}
	strict := func(line []byte, v any) error {
		d := json.NewDecoder(bytes.NewReader(line))
		d.DisallowUnknownFields()
		if err := d.Decode(v); err != nil {
			return err
		}
		if d.More() {
			return errors.New("trailing data")
		}
		return nil
	}

	line, kind, err := next()
	if errors.Is(err, io.EOF) {
		return fail(0, "the file is empty")
	}
	if err != nil {
		return rep, err
	}
	var hdr exportHeader
	if kind != "header" || strict(line, &hdr) != nil {
		return fail(0, "line 1 is not an export header")
	}
	if hdr.Format != ExportFormat {
		return fail(0, "unknown export format %q", hdr.Format)
	}
	h.Write(line)
	h.Write([]byte{'\n'})
	rep.Format, rep.ExportedAt, rep.ExportedBy, rep.UnsignedMatching = hdr.Format, hdr.ExportedAt, hdr.ExportedBy, hdr.UnsignedMatching
	if rep.Filter, err = hdr.Filter.filter(); err != nil {
		return fail(0, "header: %v", err)
	}
	byKey := map[string]ed25519.PublicKey{}
	if len(trusted) > 0 {
		for _, k := range trusted {
			byKey[KeyID(k)] = k
		}
	} else {
		rep.KeysFromFile = true
		for _, k := range hdr.Keys {
			raw, err := base64.StdEncoding.DecodeString(k.PublicKey)
			if err != nil || len(raw) != ed25519.PublicKeySize || KeyID(raw) != k.KeyID {
				return fail(0, "header: key %s is malformed or does not match its id", k.KeyID)
			}
			byKey[k.KeyID] = ed25519.PublicKey(raw)
		}
	}
	for id := range byKey {
		rep.KeyIDs = append(rep.KeyIDs, id)
	}
	sort.Strings(rep.KeyIDs)

	var (
		prev       Entry // the last entry read
		lastSigned int64 // seq of the last checkpoint read
		end        *exportEnd
	)
	for {
		line, kind, err := next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return rep, err
		}
		if end != nil {
			return fail(prev.Seq, "data after the end line")
		}
		switch kind {
		case "entry":
			var x exportEntry
			if err := strict(line, &x); err != nil {
				return fail(prev.Seq+1, "line %d is not a valid entry: %v", lineNo, err)
			}
			e, err := x.entry()
			if err != nil {
				return fail(x.Seq, "entry has a malformed time")
			}
			switch {
			case prev.Seq == 0 && e.Seq > 1 && !rep.Filter.From.IsZero() && !e.Time.Before(rep.Filter.From):
				return fail(e.Seq, "the range starts inside the time window (its first entry must precede the window)")
			case prev.Seq == 0 && e.Seq != hdr.FirstSeq:
				return fail(e.Seq, "the first entry is %d but the header says the range starts at %d", e.Seq, hdr.FirstSeq)
			case prev.Seq != 0 && e.Seq != prev.Seq+1:
				if e.Seq > prev.Seq+1 {
					return fail(prev.Seq+1, "entry %d is missing (next present is %d)", prev.Seq+1, e.Seq)
				}
				return fail(e.Seq, "entry %d is out of order after entry %d", e.Seq, prev.Seq)
			case prev.Seq != 0 && e.PrevHash != prev.Hash:
				return fail(e.Seq, "entry does not link to the previous entry's hash (reordered or replaced)")
			case ComputeHash(e) != e.Hash:
				return fail(e.Seq, "entry content does not match its hash (edited)")
			case x.Selected != rep.Filter.Match(e):
				return fail(e.Seq, "entry's selected flag disagrees with the filter (an entry was hidden or slipped in)")
			}
			if x.Selected {
				rep.Selected++
			}
			rep.Entries++
			prev = e
		case "checkpoint":
			var c exportCheckpoint
			if err := strict(line, &c); err != nil {
				return fail(prev.Seq, "line %d is not a valid checkpoint: %v", lineNo, err)
			}
			t, err := time.Parse(time.RFC3339Nano, c.Time)
			if err != nil {
				return fail(c.Seq, "checkpoint has a malformed time")
			}
			cp := Checkpoint{Seq: c.Seq, Hash: c.Hash, Time: t, KeyID: c.KeyID, Signature: c.Signature}
			k, ok := byKey[cp.KeyID]
			if !ok {
				return fail(c.Seq, "checkpoint at entry %d is signed by untrusted key %s", c.Seq, c.KeyID)
			}
			sig, err := base64.StdEncoding.DecodeString(cp.Signature)
			if err != nil || !ed25519.Verify(k, SigningBytes(cp), sig) {
				return fail(c.Seq, "checkpoint at entry %d has an invalid signature", c.Seq)
			}
			if c.Seq != prev.Seq || c.Hash != prev.Hash {
				return fail(c.Seq, "checkpoint at entry %d does not match the entry it follows", c.Seq)
			}
			rep.Checkpoints++
			lastSigned = c.Seq
		case "end":
			var x exportEnd
			if err := strict(line, &x); err != nil {
				return fail(prev.Seq, "line %d is not a valid end line", lineNo)
			}
			end = &x
			if x.Lines != lineNo-1 || x.SHA256 != hex.EncodeToString(h.Sum(nil)) {
				return fail(prev.Seq, "the file's digest does not match its end line (bytes changed, added or removed)")
			}
			continue
		default:
			return fail(prev.Seq, "line %d is not an export line", lineNo)
		}
		h.Write(line)
		h.Write([]byte{'\n'})
	}
	if end == nil {
		return fail(prev.Seq, "the end line is missing (file truncated)")
	}
	rep.FirstSeq, rep.LastSeq = hdr.FirstSeq, prev.Seq
	switch {
	case prev.Seq != hdr.LastSeq:
		return fail(prev.Seq, "the entries end at %d but the header says %d", prev.Seq, hdr.LastSeq)
	case prev.Seq != 0 && lastSigned != prev.Seq:
		return fail(prev.Seq, "the range does not end on a signed checkpoint")
	case rep.Selected != hdr.Selected:
		return fail(prev.Seq, "%d entries are selected but the header says %d", rep.Selected, hdr.Selected)
	}
	return rep, nil
}

// readLine returns the next line without its newline; io.EOF at the end.
func readLine(br *bufio.Reader) ([]byte, error) {
	var buf []byte
	for {
		frag, err := br.ReadSlice('\n')
		buf = append(buf, frag...)
		if len(buf) > maxExportLine {
			return nil, fmt.Errorf("audit: export line longer than %d bytes", maxExportLine)
		}
		if err == nil {
			return bytes.TrimSuffix(buf, []byte{'\n'}), nil
		}
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		if errors.Is(err, io.EOF) && len(buf) > 0 {
			return buf, nil
		}
		return nil, err
	}
}

// String summarises a verified export for people.
func (r ExportReport) String() string {
	var b strings.Builder
	if r.LastSeq == 0 {
		fmt.Fprintf(&b, "OK: the export holds no signed entry")
	} else {
		fmt.Fprintf(&b, "OK: %d selected entries, %d entries linked from %d to signed checkpoint %d, %d checkpoints",
			r.Selected, r.Entries, r.FirstSeq, r.LastSeq, r.Checkpoints)
	}
	if r.UnsignedMatching > 0 {
		fmt.Fprintf(&b, "\nnote: %d matching entries came after the last signed checkpoint and are not in this export", r.UnsignedMatching)
	}
	if r.KeysFromFile {
		fmt.Fprintf(&b, "\nnote: checked against the key(s) in the file (%s); pass --pubkey to pin the node's published key",
			strings.Join(r.KeyIDs, ", "))
	}
	return b.String()
}

// ParseExportFilter reads the export filter as the API, the web page and
// the CLI take it: organisation and enterprise ids, and times as RFC 3339
// or dates (YYYY-MM-DD; a date as the end means the end of that day, UTC).
func ParseExportFilter(institution, enterprise, from, to string) (ExportFilter, error) {
	var f ExportFilter
	id := func(s, name string) (int64, error) {
		if s = strings.TrimSpace(s); s == "" {
			return 0, nil
		}
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n <= 0 {
			return 0, fault.New(fault.Invalid, "request.bad_param", "expected a positive id").With("name", name)
		}
		return n, nil
	}
	at := func(s, name string, end bool) (time.Time, error) {
		if s = strings.TrimSpace(s); s == "" {
			return time.Time{}, nil
		}
		if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
			return t.UTC(), nil
		}
		t, err := time.Parse(time.DateOnly, s)
		if err != nil {
			return time.Time{}, fault.New(fault.Invalid, "request.bad_param", "expected RFC 3339 or YYYY-MM-DD").With("name", name)
		}
		if end {
			t = t.AddDate(0, 0, 1)
		}
		return t, nil
	}
	var err error
	if f.OrgID, err = id(institution, "institution"); err != nil {
		return f, err
	}
	if f.EnterpriseID, err = id(enterprise, "enterprise"); err != nil {
		return f, err
	}
	if f.From, err = at(from, "from", false); err != nil {
		return f, err
	}
	f.To, err = at(to, "to", true)
	return f, err
}
