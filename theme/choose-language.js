/* Root page: readers whose browser prefers English go to the English digest, those who prefer
   Arabic to the Arabic one; everyone else chooses with the two links (which also work without
   JavaScript). While the English edition is empty (data-langs="ar"), everyone goes to the
   Arabic one. The site's base path comes from the script tag's data-base attribute. */
(function () {
  var script = document.currentScript;
  var base = (script && script.getAttribute("data-base")) || "/";
  var editions = ((script && script.getAttribute("data-langs")) || "ar en").split(" ");
  if (editions.length === 1) {
    location.replace(base + editions[0] + "/");
    return;
  }
  var langs = navigator.languages || [navigator.language || ""];
  for (var i = 0; i < langs.length; i++) {
    var l = String(langs[i]).slice(0, 2).toLowerCase();
    if (l === "ar" || l === "en") {
      location.replace(base + l + "/");
      return;
    }
  }
})();
