/* Accessibility repairs for markup that Dash and dash-bootstrap-components render without a way to set it from
 * Python. Applied to every element as it appears (pages render client side), so every page is covered at once.
 *
 * - dcc.Dropdown (Dash 4) puts a read-only `aria-hidden` input in the tab order that hands focus on to the
 *   dropdown's button (which has tabindex=-1), and puts it back in the tab order when the button loses focus.
 *   The button itself goes in the tab order instead, so keyboard users land on the real control.
 * - A multi-value dropdown names its button from its value and count elements ("<count> <values>", or with a
 *   space the screen does not show between them) and whatever is clipped out of sight, so the name does not
 *   contain the visible text (WCAG 2.5.3, label in name). The reference is dropped: the button is then named
 *   by its content, which is what is on screen.
 * - dbc.Tabs points each tab's aria-controls at a generated pane id; a tab whose pane has no such id gets it
 *   on its pane (matched by position), or loses the dangling reference.
 * - A scrolling table wrapper (`.table-responsive`) must be reachable by keyboard and say what it holds.
 * - A progress bar and a file input need an accessible name.
 */
(function () {
  "use strict";

  function words(id) {
    return (id || "").replace(/[-_]+/g, " ").trim();
  }

  function tableName(wrapper) {
    var table = wrapper.querySelector("table");
    if (!table) return "Table";
    var caption = table.querySelector("caption");
    if (caption && caption.textContent.trim()) return caption.textContent.trim();
    if (table.getAttribute("aria-label")) return table.getAttribute("aria-label");
    var card = wrapper.closest(".card");
    var header = card && card.querySelector(".card-header");
    if (header && header.textContent.trim()) return header.textContent.trim();
    return words(table.id) || "Table";
  }

  function repair(root) {
    if (!root.querySelectorAll) return;
    root.querySelectorAll(".dash-dropdown-focus-target").forEach(function (el) {
      if (el.getAttribute("tabindex") !== "-1") el.setAttribute("tabindex", "-1");
      var button = el.nextElementSibling;
      if (button && button.matches("button.dash-dropdown") && !button.disabled) {
        if (button.getAttribute("tabindex") !== "0") button.setAttribute("tabindex", "0");
      }
    });
    root.querySelectorAll("button.dash-dropdown[aria-labelledby]").forEach(function (el) {
      var ids = el.getAttribute("aria-labelledby").split(/\s+/);
      if (ids.some(function (id) { return /-value-count$/.test(id); })) el.removeAttribute("aria-labelledby");
    });
    root.querySelectorAll('[role="tablist"]').forEach(function (list) {
      var tabs = list.querySelectorAll('[role="tab"][aria-controls]');
      var content = list.nextElementSibling;
      var panes = content && content.classList.contains("tab-content") ? content.children : [];
      tabs.forEach(function (tab, i) {
        var target = tab.getAttribute("aria-controls");
        if (document.getElementById(target)) return;
        var pane = panes[i];
        if (pane && !pane.id) {
          pane.id = target;
          if (!pane.hasAttribute("role")) pane.setAttribute("role", "tabpanel");
          if (tab.id && !pane.hasAttribute("aria-labelledby")) pane.setAttribute("aria-labelledby", tab.id);
        } else {
          tab.removeAttribute("aria-controls");
        }
      });
    });
    root.querySelectorAll(".table-responsive").forEach(function (el) {
      if (!el.hasAttribute("tabindex")) el.setAttribute("tabindex", "0");
      if (!el.hasAttribute("role")) el.setAttribute("role", "region");
      if (!el.hasAttribute("aria-label")) el.setAttribute("aria-label", tableName(el));
    });
    root.querySelectorAll('[role="progressbar"]').forEach(function (el) {
      if (el.hasAttribute("aria-label") || el.hasAttribute("aria-labelledby")) return;
      var wrapper = el.closest(".progress");
      var name = words((wrapper && wrapper.id) || el.id) || "Progress";
      el.setAttribute("aria-label", name.charAt(0).toUpperCase() + name.slice(1));
    });
    root.querySelectorAll('input[type="file"]').forEach(function (el) {
      if (el.hasAttribute("aria-label") || el.labels.length) return;
      var zone = el.parentElement;
      var text = zone && zone.textContent.trim();
      el.setAttribute("aria-label", text || "Choose a file");
    });
  }

  function start() {
    repair(document);
    var pending = false;
    new MutationObserver(function () {
      if (pending) return;
      pending = true;
      window.requestAnimationFrame(function () {
        pending = false;
        repair(document);
      });
    }).observe(document.body, {
      childList: true,
      subtree: true,
      attributes: true,
      attributeFilter: ["tabindex", "disabled", "aria-labelledby", "aria-controls"],
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
