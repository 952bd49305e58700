// Package replicas tests several roomgraph processes sharing state on Redis, as they run in production:
// the roomgraph binary and the simulator (cmd/telnyx-sim) are built once, then one simulator, one
// redis-server and three roomgraph processes run on loopback ports, and the test talks to them over HTTP
// and WebSocket only (docs/deployment.md, docs/redis.md).
//
// The package has no production code and must never gain any: nothing may import it, and its tests must
// reach no address but 127.0.0.1.
package replicas
