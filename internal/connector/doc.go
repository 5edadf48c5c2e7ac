// Package connector calls departments' HTTP interfaces for catalogue
// items shared by interface call (系统接口调用) and maps their answers to
// facts. A connector is data, not code (Config, stored in versions like the
// catalogue): base URL, authentication (an API key header, or an
// HMAC-SHA256 signature over method, path, query, timestamp, nonce and the
// body's SHA-256), a request template with {credit_code}, {item}, {from}
// and {to}, a response mapping (where the records are, which field gives
// period, number, text, reference, end date and detail, and the unit scale
// per item, e.g. 元 → fen ×100), the items it serves, and its manners: a
// timeout per attempt and a budget for the whole call, retries with
// exponential backoff and jitter, a circuit breaker, a rate limit and a
// cache lifetime.
//
// Registry implements sharing.Live: it picks the connector serving
// (department, item) and fetches. Its promises:
//   - a department that is down, slow or hanging gives a fault.Unavailable
//     naming the department and the connector within the connector's budget
//     (Budget, at most MaxBudget) — never a hang;
//   - an open circuit fails fast with "connector.circuit_open";
//   - HTTP 4xx other than 429 is not retried (the request or the
//     credentials are wrong, asking again will not help); 429, 5xx,
//     timeouts and network errors are retried with backoff while the budget
//     lasts;
//   - mapped facts carry Source = the department, Batch = "live:<connector>"
//     and ReceivedAt = the time of the call.
//
// # Cache lifetime by data grade
//
// A cached answer is served again only within the connector's cache_ttl,
// and never longer than its item's grade allows (DOMAIN.md §6): L1 public
// 24 h, L2 internal 1 h, L3 sensitive 5 min, L4 highly sensitive not
// cached at all. The cache lives in the node's memory only; nothing fetched
// is written to the database by this package.
//
// # Secrets
//
// API keys and HMAC secrets are write-only: Service seals them with the
// node's data key (AES-256-GCM, bound to the connector's name) before they
// are stored, never returns them, and leaves them out of evidence entries
// and logs. The package must never log a secret, a request signature or a
// department's answer.
package connector
