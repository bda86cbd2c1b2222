// Search as you type for the link form: the only script in the console.
// Everything works without it (the search button and the reference box).
"use strict";
document.addEventListener("DOMContentLoaded", function () {
  var box = document.getElementById("link-q");
  var list = document.getElementById("link-suggest");
  if (!box || !list) return;
  var target = document.getElementById(box.dataset.target);
  var timer = null, seq = 0;
  box.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(search, 200);
  });
  function search() {
    var q = box.value.trim(), mine = ++seq;
    if (q.length < 2) { list.hidden = true; list.textContent = ""; return; }
    fetch(box.dataset.suggest + "?q=" + encodeURIComponent(q), { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : []; })
      .then(function (rows) {
        if (mine !== seq) return;
        list.textContent = "";
        rows.forEach(function (row) {
          var li = document.createElement("li"), b = document.createElement("button");
          b.type = "button";
          b.textContent = row.reference + "  " + row.label; // text, never HTML
          b.addEventListener("click", function () {
            if (target) { target.value = row.reference; target.focus(); }
            list.hidden = true;
          });
          li.appendChild(b);
          list.appendChild(li);
        });
        list.hidden = rows.length === 0;
      })
      .catch(function () { list.hidden = true; });
  }
});
