/* Meethuis handbook: checks the answers of the reader route (book/leren/lezer-route.md) in the browser.
   No requests, nothing stored. A form .mh-vraag has data-antwoord (and data-marge for a number). */
(function () {
  "use strict";
  function number(text) {
    var t = String(text).trim().replace(/\s/g, "").replace("\u2212", "-").replace("%", "").replace(",", ".");
    return t === "" ? NaN : Number(t);
  }
  function check(form) {
    var want = form.getAttribute("data-antwoord");
    var out = form.querySelector(".mh-uitslag");
    var given, ok;
    if (form.hasAttribute("data-marge")) {
      given = form.querySelector("input[type=text]").value;
      var x = number(given);
      if (isNaN(x)) { out.textContent = "Vul een getal in, bijvoorbeeld 7,2."; out.className = "mh-uitslag"; return; }
      ok = Math.abs(x - number(want)) <= number(form.getAttribute("data-marge")) + 1e-9;
    } else {
      var picked = form.querySelector("input[type=radio]:checked");
      if (!picked) { out.textContent = "Kies eerst een antwoord."; out.className = "mh-uitslag"; return; }
      ok = picked.value === want;
    }
    out.textContent = ok ? "Goed! Lees de uitleg hieronder voor de achtergrond."
                         : "Nog niet goed. Kijk nog eens in het hoofdstuk, of lees de uitleg hieronder.";
    out.className = "mh-uitslag " + (ok ? "mh-goed" : "mh-fout");
  }
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form && form.classList && form.classList.contains("mh-vraag")) { event.preventDefault(); check(form); }
  });
})();
