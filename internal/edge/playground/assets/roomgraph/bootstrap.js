// roomgraph GraphiQL bootstrap. Served from the binary so the page's CSP can keep script-src 'self'
// without nonces or hashes. Everything page-specific arrives as JSON in the
// <script type="application/json" id="roomgraph-playground-config"> element, which the browser never
// executes; the page template escapes it with html/template, so a default query containing "</script>"
// cannot end that element early.
(function () {
  'use strict';

  // react-remove-scroll (used by GraphiQL's dialogs) injects <style> elements and stamps them with
  // the global __webpack_nonce__ when it is set. The page's CSP allows inline styles only with the
  // per-response nonce, which the browser exposes on this script element's nonce property.
  if (document.currentScript && document.currentScript.nonce) {
    window.__webpack_nonce__ = document.currentScript.nonce;
  }

  const config = JSON.parse(
    document.getElementById('roomgraph-playground-config').textContent,
  );

  // Namespaces GraphiQL's localStorage keys so that a new default query (say, another demo room)
  // starts from a fresh editor instead of the tabs saved for the previous one.
  class PrefixedStorage {
    constructor(prefix) {
      this.prefix = prefix;
    }
    _keys() {
      const keys = [];
      for (let i = 0; i < localStorage.length; i++) {
        const key = localStorage.key(i);
        if (key !== null && key.startsWith(this.prefix)) {
          keys.push(key);
        }
      }
      return keys;
    }
    setItem(key, value) {
      localStorage.setItem(this.prefix + key, value);
    }
    getItem(key) {
      return localStorage.getItem(this.prefix + key);
    }
    removeItem(key) {
      localStorage.removeItem(this.prefix + key);
    }
    clear() {
      this._keys().forEach((key) => localStorage.removeItem(key));
    }
    get length() {
      return this._keys().length;
    }
    key(index) {
      const keys = this._keys();
      return index >= 0 && index < keys.length
        ? keys[index].substring(this.prefix.length)
        : null;
    }
  }

  // Same origin by construction: the endpoint is an absolute path (checked server-side).
  const url = new URL(config.endpoint, window.location.href);
  // Subscriptions go over a WebSocket (graphql-transport-ws, with the graphql-ws client inside
  // GraphiQL's bundle) to the same endpoint: ws: beside http:, wss: beside https:.
  const wsURL = new URL(url.toString());
  wsURL.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  const fetcher = GraphiQL.createFetcher({
    url: url.toString(),
    headers: config.headers || undefined,
    subscriptionUrl: wsURL.toString(),
    // connection_init's payload: the page's headers, to which GraphiQL adds those of its headers
    // editor. Browsers cannot set headers on a WebSocket, so this is where a key travels in forward
    // mode ({"Authorization": "Bearer KEY…"}).
    wsConnectionParams: config.headers || undefined,
  });

  const props = {
    fetcher: fetcher,
    isHeadersEditorEnabled: true,
    shouldPersistHeaders: false,
    inputValueDeprecation: true,
    storage: new PrefixedStorage(config.storagePrefix),
  };
  if (config.defaultQuery) {
    props.defaultQuery = config.defaultQuery;
  }
  // Further tabs (a ready subscription): GraphiQL opens defaultTabs instead of defaultQuery, the first
  // one active, when it has no tabs saved for this page's storage namespace.
  if (config.tabs && config.tabs.length > 0) {
    const queries = config.defaultQuery ? [config.defaultQuery] : [];
    props.defaultTabs = queries.concat(config.tabs).map(function (query) {
      return { query: query };
    });
  }

  ReactDOM.createRoot(document.getElementById('graphiql')).render(
    React.createElement(GraphiQL, props),
  );
})();
