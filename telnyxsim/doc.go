// Package telnyxsim is a faithful, deterministic, in-memory simulator of the Telnyx
// Video Rooms REST API (v2), following /work/shared/upstream/telnyx-rooms-api.md.
//
// It is the default upstream embedded in the gateway, the upstream every
// integration test and benchmark talks to over loopback HTTP, and a standalone
// server (cmd/telnyx-sim). It models the wire format exactly (envelopes, error
// codes, query encoding, pagination meta, timestamp format), the write side
// effects of room create/update/delete and the session actions, per-account data
// isolation, request accounting (/_sim/stats) and injectable faults.
//
// The simulator must not import any other package of this module and must not
// share encoders, decoders or wire types with the client: it exists to catch
// client bugs, so it re-implements the contract independently, using only the
// standard library.
package telnyxsim
