// @ts-check
// The page's first script: count uncaught errors where a test (and a reader) can see them.
(function () {
  var n = 0;
  function show(msg) {
    n++;
    document.documentElement.setAttribute('data-errors', String(n));
    var box = document.getElementById('errors');
    if (box) { box.style.display = 'block'; box.textContent += msg + '\n'; }
  }
  document.documentElement.setAttribute('data-errors', '0');
  window.addEventListener('error', function (e) { show('error: ' + (e.message || e.type)); }, true);
  window.addEventListener('unhandledrejection', function (e) { show('unhandled rejection: ' + e.reason); });
})();
