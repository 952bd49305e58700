// roomgraph GraphiQL bootstrap. Served from the binary so the page's CSP can keep script-src 'self'
// without nonces or hashes. Everything page-specific arrives as JSON in the
// <script type="application/json" id="roomgraph-playground-config"> element, which the browser never
// executes; the page template escapes it with html/template, so a default query containing "</script>"
// cannot end that element early.

// operationKind says which kind of operation ("query", "mutation", "subscription") a request runs:
// the one named operationName, else the document's only operation; null when neither is found. It reads
// the query's text with a small scanner (strings and comments blanked, only tokens outside selection sets
// and argument lists counted), because GraphiQL's parsed document lags its editor (see the fetcher below).
function operationKind(query, operationName) {
  if (typeof query !== 'string') {
    return null;
  }
  const src = query.replace(/"""[\s\S]*?(?:"""|$)|"(?:[^"\\\n\r]|\\.)*"?|#[^\n\r]*/g, ' ');
  const ops = [];
  const token = /[{}()]|[@$]?[_A-Za-z][_0-9A-Za-z]*/g;
  let depth = 0;
  let current = null; // the definition being read at depth 0: {kind, name}
  let expectName = false;
  let m;
  while ((m = token.exec(src)) !== null) {
    const t = m[0];
    if (t === '{' || t === '(') {
      if (depth === 0 && t === '{') {
        if (current === null) {
          ops.push({ kind: 'query', name: undefined }); // the { … } shorthand
        } else if (current.kind !== 'fragment') {
          ops.push(current);
        }
        current = null;
      }
      expectName = false;
      depth++;
    } else if (t === '}' || t === ')') {
      depth = Math.max(0, depth - 1);
    } else if (depth === 0) {
      if (current === null && (t === 'query' || t === 'mutation' || t === 'subscription' || t === 'fragment')) {
        current = { kind: t, name: undefined };
        expectName = t !== 'fragment';
      } else if (expectName && t[0] !== '@' && t[0] !== '$') {
        current.name = t;
        expectName = false;
      } else {
        expectName = false;
      }
    }
  }
  const op = operationName
    ? ops.find((o) => o.name === operationName)
    : ops.length === 1 ? ops[0] : undefined;
  return op ? op.kind : null;
}

(function () {
  'use strict';

  // Node (the tests) loads this file for operationKind alone.
  if (typeof document === 'undefined') {
    if (typeof module !== 'undefined') {
      module.exports = { operationKind: operationKind };
    }
    return;
  }

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
  const httpOrWS = GraphiQL.createFetcher({
    url: url.toString(),
    headers: config.headers || undefined,
    subscriptionUrl: wsURL.toString(),
    // connection_init's payload: the page's headers, to which GraphiQL adds those of its headers
    // editor. Browsers cannot set headers on a WebSocket, so this is where a key travels in forward
    // mode ({"Authorization": "Bearer KEY…"}).
    wsConnectionParams: config.headers || undefined,
  });
  // GraphiQL's fetcher sends a subscription over the WebSocket only when the parsed document it is handed
  // (fetcherOpts.documentAST) says so; GraphiQL re-parses its editor about 100 ms after a change, so a
  // subscription run right after a tab switch or an edit went out as a POST (and got a 400). The kind is
  // decided here from the text actually sent, and the fetcher gets a document that says just that.
  const fetcher = function (params, opts) {
    const name = params.operationName || undefined;
    const documentAST = operationKind(params.query, name) === 'subscription'
      ? {
        kind: 'Document',
        definitions: [{
          kind: 'OperationDefinition',
          operation: 'subscription',
          name: name === undefined ? undefined : { kind: 'Name', value: name },
        }],
      }
      : undefined;
    return httpOrWS(params, Object.assign({}, opts, { documentAST: documentAST }));
  };

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
