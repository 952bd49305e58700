// Package e2e holds roomgraph's end-to-end tests from the clients' side: Node scripts that speak to a
// running gateway the way real clients do (graphql-http's GraphQL-over-HTTP audit, Apollo Client's Relay
// pagination, subscriptions over graphql-ws and Apollo Client's GraphQLWsLink, GraphiQL in a headless
// Chromium running a query and a live subscription, Apollo's federation gateway composing roomgraph with a
// second subgraph), driven by Go tests that start a simulator and the gateway over loopback and check what
// the scripts printed against the simulator's store.
//
// The package has no production code and must never gain any: nothing may import it, and its tests must
// reach no address but 127.0.0.1. The Node project (package.json, its lockfile and the scripts) lives in
// this folder; the browser is the system's Chromium, never one downloaded by npm.
package e2e
