/* Cell renderers for the accounts grid: a score badge, a sparkline of the trend, a link to the account. */
var dagcomponentfuncs = (window.dashAgGridComponentFunctions = window.dashAgGridComponentFunctions || {});

dagcomponentfuncs.ScoreBadge = function (props) {
  var band = props.data ? props.data.band : null;
  if (props.value === null || props.value === undefined) {
    return React.createElement("span", { className: "badge text-bg-secondary score-badge" }, "unscored");
  }
  var cls = { red: "text-bg-danger", yellow: "text-bg-warning", green: "text-bg-success" }[band] || "text-bg-secondary";
  return React.createElement("span", { className: "badge score-badge " + cls, title: band + " band" }, Math.round(props.value));
};

dagcomponentfuncs.Sparkline = function (props) {
  var values = props.value || [];
  if (values.length < 2) { return React.createElement("span", { className: "text-body-secondary small" }, "–"); }
  var w = 90, h = 24, pad = 2;
  var points = values.map(function (v, i) {
    var x = pad + (i * (w - 2 * pad)) / (values.length - 1);
    var y = h - pad - (Math.max(0, Math.min(100, v)) / 100) * (h - 2 * pad);
    return x.toFixed(1) + "," + y.toFixed(1);
  });
  var last = values[values.length - 1], first = values[0];
  var color = last > first + 1 ? "#198754" : last < first - 1 ? "#dc3545" : "#6c757d";
  return React.createElement(
    "svg",
    { width: w, height: h, viewBox: "0 0 " + w + " " + h, className: "sparkline", role: "img", "aria-label": "Score trend " + first + " to " + last },
    React.createElement("polyline", { points: points.join(" "), fill: "none", stroke: color, strokeWidth: 1.5 })
  );
};

dagcomponentfuncs.AccountLink = function (props) {
  if (!props.data) { return null; }
  return React.createElement("a", { href: "/accounts/" + encodeURIComponent(props.data.external_id) }, props.value);
};
