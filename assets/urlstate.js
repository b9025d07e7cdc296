/* Filter changes write the URL with history.pushState and no Dash navigation, so the page is not
 * re-rendered. Back/forward within one page restore the filters without a re-render either: this listener
 * runs before dcc.Location's and hands the new query to the `popstate-store`; the filter bar callback then
 * sets the controls from it. Moving between pages stays with Dash's router.
 *
 * A page whose URL state is not all in filter-bar controls (the accounts grid keeps its sort and columns in
 * the grid) marks its layout `data-url-restore="render"`: back/forward re-render it from the URL through
 * Dash's router, as a reload would. Restoring only the controls would leave the grid's own state behind, and
 * the grid would write that state straight back into the URL (Back would appear to do nothing). The router
 * is asked directly: dcc.Location compares with the URL it last saw itself, which our pushState bypasses. */
(function () {
  var lastPath = window.location.pathname;
  window.addEventListener("popstate", function (event) {
    var path = window.location.pathname;
    var samePage = path === lastPath;
    lastPath = path;
    if (!samePage || !document.getElementById("filter-bar")) { return; }
    event.stopImmediatePropagation();
    if (!window.dash_clientside || !window.dash_clientside.set_props) { return; }
    if (document.querySelector('[data-url-restore="render"]')) {
      var loc = window.location;
      window.dash_clientside.set_props("_pages_location", {
        pathname: loc.pathname, search: loc.search, hash: loc.hash, href: loc.href,
      });
    } else {
      window.dash_clientside.set_props("popstate-store", {
        data: { path: path, search: window.location.search, at: Date.now() },
      });
    }
  });
  window.addEventListener("_dashprivate_pushstate", function () { lastPath = window.location.pathname; });

  window.dash_clientside = Object.assign({}, window.dash_clientside, {
    urlstate: {
      push: function (queries) {
        var nu = window.dash_clientside.no_update;
        if (!queries || !queries.length || !queries[0]) { return nu; }
        var state = queries[0];
        if (state.path !== window.location.pathname) { return nu; }
        var search = state.q ? "?" + state.q : "";
        if (search === window.location.search) { return nu; }
        var url = window.location.pathname + search + window.location.hash;
        if (state.replace) { window.history.replaceState(window.history.state, "", url); }
        else { window.history.pushState({}, "", url); }
        return nu;
      },
    },
  });
})();
