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

    /* A file over its document's limit is refused by the server after the whole upload; say
       so as soon as it is chosen, and take it out of the form so the rest can still be saved. */
    function sizeText(bytes) {
      var units = [[1024 * 1024, 'MB'], [1024, 'KB']];
      for (var i = 0; i < units.length; i++) {
        if (bytes >= units[i][0]) {
          var tenths = Math.round(bytes * 10 / units[i][0]);
          var whole = Math.floor(tenths / 10), rest = tenths % 10;
          return whole + (rest ? ',' + rest : '') + ' ' + units[i][1];
        }
      }
      return bytes + ' byte';
    }
    var inputs = document.querySelectorAll('input[type="file"][data-max-size]');
    Array.prototype.forEach.call(inputs, function (input) {
      input.addEventListener('change', function () {
        var max = parseInt(input.getAttribute('data-max-size'), 10);
        var note = document.getElementById(input.id + '-size');
        var big = Array.prototype.filter.call(input.files || [], function (f) {
          return f.size > max;
        });
        if (note) {
          note.parentNode.removeChild(note);
        }
        input.removeAttribute('aria-invalid');
        if (!big.length) {
          return;
        }
        note = document.createElement('div');
        note.id = input.id + '-size';
        note.className = 'invalid-feedback d-block';
        note.setAttribute('role', 'alert');
        note.textContent = big.map(function (f) {
          return 'Tệp «' + f.name + '» có dung lượng ' + sizeText(f.size) +
            ', vượt quá mức tối đa ' + sizeText(max) + ' cho giấy tờ này.';
        }).join(' ') + ' Vui lòng chọn tệp khác.';
        input.value = '';
        input.setAttribute('aria-invalid', 'true');
        input.parentNode.insertBefore(note, input);
      });
    });
  });
})();
