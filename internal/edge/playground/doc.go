// Package playground serves the GraphiQL IDE for the gateway entirely from files embedded in the
// binary, so opening the page makes no request to any other host: GraphiQL, React and ReactDOM are
// vendored from npm at pinned versions (assets/VERSIONS, refreshed by update-assets.sh), and the page's
// own bootstrap script and stylesheet live beside them.
//
// [Page] renders the HTML (mount it at "/"); [Assets] serves the embedded files (mount it at
// [AssetsPrefix]). Every script and stylesheet tag carries a Subresource Integrity hash computed from the
// embedded bytes when the handler is built, and the page is sent with a Content-Security-Policy that
// allows scripts, styles and fetches from the page's own origin only (plus a per-response nonce for the
// <style> elements GraphiQL's dialogs inject).
//
// The package must not reference an external host from the page (no CDN, no fonts, no analytics), must
// not execute inline script (page-specific settings travel as escaped JSON that only the served
// bootstrap script reads), and knows nothing about the schema: the docs explorer gets it through
// ordinary introspection on the configured endpoint.
package playground
