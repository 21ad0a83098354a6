/* schema-editor.js: live preview of a procedure's online form while an administrator edits its
   JSON (/admin/procedures/{id}/form).  Plain JavaScript, no framework, no inline script (CSP).
   The page works without it: saving checks the schema and shows any error at the top. */
(function () {
  'use strict';

  var DELAY_MS = 400; /* wait this long after the last keystroke before asking the server */

  document.addEventListener('DOMContentLoaded', function () {
    var form = document.getElementById('schema-form');
    var area = document.getElementById('schema');
    var preview = document.getElementById('schema-preview');
    var alertBox = document.getElementById('schema-preview-error');
    if (!form || !area || !preview || !alertBox || !window.fetch || !window.FormData) {
      return;
    }
    var url = form.getAttribute('data-preview-url');
    var token = form.querySelector('input[name="csrf_token"]');
    var timer = null;
    var sent = 0;      /* number of the latest request: older answers are ignored */
    var shown = null;  /* the text whose answer is on screen */

    function showError(message) {
      /* role="alert": screen readers announce the new text. */
      alertBox.textContent = message;
      alertBox.hidden = false;
    }

    function clearError() {
      alertBox.hidden = true;
      alertBox.textContent = '';
    }

    function failure(status) {
      if (status === 403) {
        return 'Phiên làm việc đã hết hạn hoặc không hợp lệ. Vui lòng tải lại trang.';
      }
      if (status === 413) {
        return 'Nội dung biểu mẫu quá lớn để xem trước.';
      }
      return 'Không tải được bản xem trước. Vui lòng thử lại sau.';
    }

    function refresh() {
      var text = area.value;
      if (text === shown) {
        return;
      }
      var mine = ++sent;
      var body = new FormData();
      body.append('csrf_token', token ? token.value : '');
      body.append('schema', text);
      window.fetch(url, {
        method: 'POST',
        body: body,
        credentials: 'same-origin',
        headers: { 'Accept': 'application/json' }
      }).then(function (response) {
        if (!response.ok) {
          throw { ours: true, message: failure(response.status) };
        }
        return response.json();
      }).then(function (answer) {
        if (mine !== sent) {
          return;
        }
        shown = text;
        if (answer.ok) {
          clearError();
          /* The fragment comes from our own template engine, which escapes every value. */
          preview.innerHTML = answer.html;
        } else {
          /* Keep the last good preview under the message: the form is being edited. */
          showError(answer.error);
        }
      }).catch(function (e) {
        if (mine !== sent) {
          return;
        }
        /* Only our own messages are shown: a browser's are in English and technical. */
        showError(e && e.ours ? e.message : failure(0));
      });
    }

    area.addEventListener('input', function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(refresh, DELAY_MS);
    });
    refresh();
  });
})();
