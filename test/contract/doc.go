// Package contract holds cross-language contract tests: the official Telnyx SDKs of other languages drive
// roomgraph's Telnyx simulator (telnyxsim) over loopback, and the tests compare what those SDKs saw with
// the simulator's store. They prove the simulator speaks the wire protocol the real SDKs expect, so the
// simulator can stand in for the upstream when it catches bugs in roomgraph's own client.
//
// The package has no production code and must never gain any: nothing may import it, and its tests must
// reach no address but 127.0.0.1. The Node SDK project lives in telnyx-node/ (see README.md).
package contract
