// Package resilience is an http.RoundTripper that sits under the Telnyx REST
// client and keeps one misbehaving or overloaded upstream from turning into
// slow, piled-up or amplified traffic. Per Transport (one upstream) it:
//
//   - retries idempotent requests (GET, HEAD) on connection errors, 408, 429
//     and 5xx with capped exponential backoff and full jitter, honouring
//     Retry-After-Ms, Retry-After and x-should-retry, and never waits past the
//     request context's deadline: when the next attempt could not start in
//     time it returns the last response as it came;
//   - gives every attempt its own timeout, still bounded by the caller's
//     context;
//   - runs a consecutive-failure circuit breaker that fails fast while open
//     and probes the upstream again after a cool-down;
//   - bounds concurrent upstream calls, with a bounded wait for a slot;
//   - keeps one rate-limit budget per credential (a SHA-256 of the
//     Authorization header), so that after a 429 or x-ratelimit-remaining: 0
//     every request of that credential waits for the same instant instead of
//     hammering the upstream on its own schedule. No wait the upstream asks
//     for is honoured beyond MaxRetryAfter; when a hold so capped has passed,
//     one request probes the upstream and the others wait for its answer (a
//     429 again holds them all again).
//
// It speaks HTTP only: methods, statuses and headers. It must not know about
// GraphQL or parse Telnyx JSON bodies, must not retry mutations (POST, PATCH,
// DELETE), must not turn upstream error statuses into errors (the client
// decodes them), and must not keep or print credentials, URLs or hosts: the
// Authorization header is only ever hashed, and the messages of its errors
// name nothing but what went wrong.
package resilience
