/* motcua: small progressive enhancements; every page works without this file. */
(function () {
  'use strict';
  document.addEventListener('DOMContentLoaded', function () {
    /* After a form comes back with errors, move focus to the summary so screen readers
       announce it and keyboard users start from the list of links to the fields. */
    var summary = document.querySelector('.error-summary');
    if (summary) {
      summary.focus();
    }
  });
})();
