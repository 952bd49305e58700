// Package telnyxsim is a faithful, deterministic, in-memory simulator of the Telnyx Video Rooms REST API
// (v2), as the project describes that API in docs/upstream.md.
//
// It is public for BFFs that mount roomgraph's gateway and want to test against the upstream without a
// Telnyx account: New returns a *Sim, an http.Handler to serve with httptest.NewServer, whose URL plus
// "/v2" is the gateway's Config.BaseURL (with one of Config.Keys as its APIKey). Inside roomgraph it is
// the upstream embedded by `go run .`, the upstream every integration test and benchmark talks to over
// loopback HTTP, and a standalone server (cmd/telnyx-sim).
//
// It models the wire format exactly (envelopes, error codes, query encoding, pagination meta, timestamp
// format), the write side effects of room create/update/delete and the session actions, per-account data
// isolation, request accounting (/_sim/stats) and injectable faults; telnyxsim/README.md lists what it
// models and the choices it makes where the API is silent. Every state change also emits the matching Telnyx
// video event, delivered to the room's webhook URLs (and Config.WebhookURL) in Telnyx's envelope, signed with
// the account's Ed25519 key, with retries, failover and injectable delivery faults; control endpoints under
// /_sim/ make participants join and leave, and live mode (Config.Live) keeps a few rooms busy on their own. A
// simulator that delivered webhooks or ran live must be stopped with Close.
//
// The simulator must not import any other package of this module and must not share encoders, decoders
// or wire types with the client: it exists to catch client bugs, so it re-implements the contract
// independently, using only the standard library.
package telnyxsim
