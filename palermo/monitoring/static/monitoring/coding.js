// The coding page: selecting text in an answer fills its tag form with the passage and its
// start and end, counted in characters (code points) of the answer as the server counts them.
(function () {
  "use strict";
  function offset(container, node, at) {
    var walker = document.createTreeWalker(container, NodeFilter.SHOW_TEXT);
    var units = 0;
    while (walker.nextNode()) {
      if (walker.currentNode === node) { return units + at; }
      units += walker.currentNode.data.length;
    }
    return -1;
  }
  function points(text, units) { return Array.from(text.slice(0, units)).length; }
  document.addEventListener("mouseup", function () {
    var selection = window.getSelection();
    if (!selection || selection.rangeCount === 0 || selection.isCollapsed) { return; }
    var range = selection.getRangeAt(0);
    var container = range.commonAncestorContainer;
    while (container && !(container.dataset && container.dataset.answer)) { container = container.parentNode; }
    if (!container) { return; }
    var form = document.getElementById("tag-" + container.dataset.answer);
    if (!form) { return; }
    var text = container.textContent;
    var start = offset(container, range.startContainer, range.startOffset);
    var end = offset(container, range.endContainer, range.endOffset);
    if (start < 0 || end <= start) { return; }
    form.elements.start.value = points(text, start);
    form.elements.end.value = points(text, end);
    form.elements.passage.value = text.slice(start, end);
  });
  document.addEventListener("input", function (event) {
    // A passage typed by hand is found in the answer by the server: forget the selection.
    var field = event.target;
    if (field.name === "passage" && field.form) { field.form.elements.start.value = ""; field.form.elements.end.value = ""; }
  });
})();
