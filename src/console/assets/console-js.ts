/**
 * The little JavaScript the console has. Every page works without it; with it, the status page
 * refreshes itself and links can be copied with one press.
 */
export const CONSOLE_JS = `
(function () {
  'use strict';
  document.addEventListener('click', function (e) {
    var button = e.target.closest && e.target.closest('[data-copy]');
    if (!button) return;
    var input = document.getElementById(button.getAttribute('data-copy'));
    if (!input || !navigator.clipboard) return;
    navigator.clipboard.writeText(input.value).then(function () {
      var note = document.getElementById(button.getAttribute('data-copy') + '-note');
      if (note) note.textContent = 'Link copied.';
    });
  });
  var live = document.querySelector('[data-refresh]');
  if (live) {
    var seconds = Number(live.getAttribute('data-refresh')) || 5;
    setInterval(function () {
      if (document.hidden) return;
      fetch(location.href, { credentials: 'same-origin', headers: { accept: 'text/html' } })
        .then(function (r) { return r.ok ? r.text() : null; })
        .then(function (text) {
          if (!text) return;
          var next = new DOMParser().parseFromString(text, 'text/html').querySelector('[data-refresh]');
          if (next && next.innerHTML !== live.innerHTML) live.innerHTML = next.innerHTML;
        })
        .catch(function () {});
    }, seconds * 1000);
  }
})();
`;
