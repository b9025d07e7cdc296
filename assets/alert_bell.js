// The navbar bell: its unread count follows the server-sent events of /alerts/stream (no polling).
(function () {
    let latest = null;
    let source = null;

    function show() {
        const badge = document.getElementById("alert-bell-count");
        // Only a real change touches the DOM: the observer below sees every mutation, ours too.
        if (badge && latest !== null && badge.getAttribute("data-count") !== String(latest)) {
            badge.textContent = String(latest);
            badge.classList.toggle("d-none", latest === 0);
            badge.setAttribute("data-count", String(latest));
        }
        return badge;
    }

    function connect() {
        if (source || !document.getElementById("alert-bell")) {
            return;
        }
        source = new EventSource("/alerts/stream");
        source.addEventListener("unread", function (event) {
            latest = parseInt(event.data, 10) || 0;
            show();
        });
    }

    new MutationObserver(function () {
        connect();
        show();
    }).observe(document.documentElement, { childList: true, subtree: true });
})();
