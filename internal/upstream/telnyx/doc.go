// Package telnyx is the upstream REST client for the Telnyx Video Rooms API
// (https://api.telnyx.com/v2): typed wire structs, the exact bracketed query
// encoding the official SDKs send, and decoding of the Telnyx error envelope.
//
// The package speaks HTTP and JSON only. It knows nothing of GraphQL, loaders or
// the gateway's error model, and it must stay that way: everything above it
// (resolvers, planner, gateway) maps its results, never the reverse.
//
// What the client deliberately does not do:
//
//   - It never retries and holds no circuit breaker: exactly one HTTP attempt per
//     method call, reported once to [Options.Observe]. Retry policy belongs to a
//     layer that can see the whole operation's budget.
//   - It stores no API key. Every method takes the caller's key, because the
//     gateway forwards per-caller credentials; the key is sent only in the
//     Authorization header and never appears in an error, a [Call] or a log line.
//   - It shares no code with the simulator (package telnyxsim), so that the
//     simulator can catch encoding and decoding bugs here instead of mirroring them.
//
// Join and refresh tokens (GenerateJoinClientToken, RefreshClientToken) are
// credentials: they never appear in an error, a [Call] or a log line, the types
// that carry them print them redacted, and a refresh token the upstream echoes in
// an error body is redacted like the API key.
//
// Errors are one of: [ErrNoCredential] or [ErrInvalidArgument] (no HTTP call was
// made; a bad body field is a [ParamErrors] of *[ParamError], which wrap
// ErrInvalidArgument and name the wire field), *[Error] (the upstream answered with a non-2xx status) or
// *[TransportError] (no usable answer: connection failure, timeout, a truncated or
// malformed body, or a non-JSON content type on success).
package telnyx
