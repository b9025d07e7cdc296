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
        // A refused stream (the server is at its limit of live streams: 503) is not retried by the
        // browser; try again in half a minute. A stream that simply ended reconnects by itself.
        source.addEventListener("error", function () {
            if (source && source.readyState === EventSource.CLOSED) {
                source = null;
                window.setTimeout(connect, 30000);
            }
        });
    }

    new MutationObserver(function () {
        connect();
        show();
    }).observe(document.documentElement, { childList: true, subtree: true });
})();
