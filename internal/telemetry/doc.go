// Package telemetry is roomgraph's observability toolkit: Prometheus series on a registry of their own
// (never the global default registry; also on an embedder's registerer when given one), OpenTelemetry
// tracing of upstream attempts with W3C trace-context propagation, the OTLP tracer provider (built from a
// TraceExport value: this package reads no environment variable, package main does), the slog logger,
// request ids, and the mapping of upstream paths to route templates.
//
// It keeps every label value bounded: route templates instead of paths, a capped set of operation names,
// status codes, fixed outcome words. It must never record an id, a query string, a key or a header as a
// label, and it knows nothing of GraphQL execution: the gateway decides what to observe and calls it.
package telemetry
