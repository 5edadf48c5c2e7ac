package app

import (
	"errors"
	"mime"
	"net/http"
	"strconv"
	"time"

	"github.com/creditbridge/creditbridge/internal/fault"
	"github.com/creditbridge/creditbridge/internal/server"
	"github.com/creditbridge/creditbridge/internal/web"
)

// uploadTimeout bounds the time a client may take to send a batch.
const uploadTimeout = time.Hour

// uploadSlack is room for a multipart form's boundaries and small fields
// around a file of the largest accepted size.
const uploadSlack = 1 << 20

// isUpload reports whether r submits a department file: its body may be
// as large as max_upload_bytes instead of max_body_bytes.
func isUpload(r *http.Request) bool {
	return r.Method == http.MethodPost && (r.URL.Path == "/api/v1/ingest/batches" || r.URL.Path == web.SubmitPath)
}

// limitBodies bounds request bodies: max_body_bytes in general,
// max_upload_bytes for batch submissions. A browser's upload form is
// parsed here, before authentication reads its CSRF field, with a small
// memory budget, so the file part goes to a temporary file rather than
// into memory; the handler then spools it. Only a live session's upload
// is parsed: a made-up cookie cannot make the node write a large body to
// disk.
func (n *Node) limitBodies(onErr server.ErrorWriter, next http.Handler) http.Handler {
	small := server.LimitBody(n.Config.MaxBodyBytes, next)
	maxUpload := n.Config.MaxUploadBytes
	big := server.LimitBody(maxUpload+uploadSlack, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// The server's read and write timeouts suit ordinary requests; a
		// large file on a slow line needs longer (not every writer supports
		// deadlines: a test recorder does not, and needs none).
		rc := http.NewResponseController(w)
		_ = rc.SetReadDeadline(time.Now().Add(uploadTimeout))
		_ = rc.SetWriteDeadline(time.Now().Add(uploadTimeout))
		mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
		if mt != "multipart/form-data" || r.Header.Get(server.CSRFHeader) != "" {
			next.ServeHTTP(w, r)
			return
		}
		c, err := r.Cookie(server.SessionCookie)
		if err != nil {
			next.ServeHTTP(w, r) // not a browser session: the handler streams the parts
			return
		}
		if _, err := n.Accounts.Session(r.Context(), c.Value); err != nil {
			// Not a live session: authentication refuses the request
			// without anything of its body written to disk.
			next.ServeHTTP(w, r)
			return
		}
		if err := r.ParseMultipartForm(64 << 10); err != nil {
			var mbe *http.MaxBytesError
			if errors.As(err, &mbe) {
				onErr(w, r, fault.New(fault.TooLarge, "ingestjob.too_large", "upload too large").With("limit", strconv.FormatInt(maxUpload, 10)))
				return
			}
			onErr(w, r, fault.New(fault.Invalid, "ingestjob.upload", "bad multipart body").Wrap(err))
			return
		}
		defer r.MultipartForm.RemoveAll()
		next.ServeHTTP(w, r)
	}))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if isUpload(r) {
			big.ServeHTTP(w, r)
			return
		}
		small.ServeHTTP(w, r)
	})
}
