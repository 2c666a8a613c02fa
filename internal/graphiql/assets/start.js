// Starts GraphiQL on the page the server renders (internal/graphiql). The
// endpoint and the default query come from the page's data attributes; the
// Authorization header comes from the Headers editor, where the user pastes
// a token. Without one nothing is sent (the server would answer 401): the
// result says how to sign in. When the header changes, the fetcher is
// replaced, so GraphiQL loads the schema again with the new token.
(function () {
  'use strict';
  var e = React.createElement;
  var root = document.getElementById('graphiql');
  var send = GraphiQL.createFetcher({ url: new URL(root.dataset.endpoint, location.href).toString() });
  // Made once: GraphiQL tells its plugins apart by identity, so a new one
  // on every render would close the open panel.
  var plugins = [GraphiQLPluginExplorer.explorerPlugin()];
  var signIn = 'Sign in first: put a token in Headers, as {"Authorization": "Bearer <token>"}. ' +
    '"go run ./server" prints the demo users\' tokens.';

  function authorization(headers) {
    try {
      var h = JSON.parse(headers || '{}');
      return h.Authorization || h.authorization || '';
    } catch (err) {
      return '';
    }
  }
  function signedIn(value) { return /^Bearer [^\s<>]+$/.test(value || ''); }

  function Portal() {
    var initial = '{\n  "Authorization": "Bearer <paste a token here>"\n}';
    var state = React.useState(authorization(initial));
    var auth = state[0], setAuth = state[1];
    var timer = React.useRef(null);
    var fetcher = React.useMemo(function () {
      return function (params, opts) {
        var h = (opts && opts.headers) || {};
        if (!signedIn(h.Authorization || h.authorization)) {
          return Promise.resolve({ errors: [{ message: signIn }] });
        }
        return send(params, opts);
      };
    }, [auth]);
    return e(GraphiQL, {
      fetcher: fetcher,
      plugins: plugins,
      defaultQuery: root.dataset.query,
      defaultHeaders: initial,
      defaultEditorToolsVisibility: 'headers',
      isHeadersEditorEnabled: true,
      shouldPersistHeaders: false, // a token is a credential: never kept in localStorage
      inputValueDeprecation: true,
      onEditHeaders: function (value) {
        clearTimeout(timer.current);
        timer.current = setTimeout(function () { setAuth(authorization(value)); }, 300);
      },
    });
  }
  ReactDOM.createRoot(root).render(e(Portal));
})();
