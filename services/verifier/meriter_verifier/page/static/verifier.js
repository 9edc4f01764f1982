// Meriter verifier page: reads a credential (paste, file, drop or claim link), sends it
// to this verifier only, and shows the verdict, the credential's content and each check.
// Everything shown is set as text (never as HTML), so a credential cannot inject markup.
"use strict";

(function () {
  const body = document.body;
  const lang = body.dataset.lang || "en";
  const t = JSON.parse(body.dataset.texts || "{}");
  const $ = (id) => document.getElementById(id);
  const FIELDS = ["title", "awarding_body", "learner", "ects", "level", "date",
    "quality_assurance", "grade", "deqar_id"];

  function showError(text) {
    $("result").hidden = true;
    const el = $("error");
    el.textContent = text;
    el.hidden = false;
  }

  function add(parent, tag, text, cls) {
    const el = document.createElement(tag);
    if (text !== undefined && text !== null) el.textContent = String(text);
    if (cls) el.className = cls;
    parent.appendChild(el);
    return el;
  }

  // The levels the platform's credentials state in English, in the page's language.
  function level(value) {
    const text = String(value);
    let m = /^EQF level (\d+)$/.exec(text);
    if (m) return t.eqf_level + m[1];
    m = /^QF-EHEA (short|first|second|third) cycle$/.exec(text);
    if (m) return "QF-EHEA " + t["cycle_" + m[1]];
    return text;
  }

  function render(answer) {
    $("error").hidden = true;
    const verdict = $("verdict");
    verdict.textContent = t[answer.verdict] || answer.verdict;
    verdict.className = "verdict " + answer.verdict;
    verdict.dataset.verdict = answer.verdict;
    const summary = $("summary");
    summary.replaceChildren();
    const source = answer.credential ? answer :
      (answer.credentials && answer.credentials[0]) || {};
    const content = source.credential || {};
    // Values of a credential that did not verify are only what the document claims.
    const trusted = answer.verdict !== "not_verified" &&
      (!source.credential_trust || source.credential_trust.trusted === true);
    const box = $("content");
    box.className = trusted ? "content" : "content untrusted";
    box.dataset.trusted = String(trusted);
    $("content-heading").textContent = trusted ? t.content : t.content_untrusted;
    $("content-note").hidden = trusted;
    for (const field of FIELDS) {
      let value = content[field];
      if (value === undefined || value === null || value === "") continue;
      if (field === "date") value = String(value).slice(0, 10);
      if (field === "level") value = level(value);
      if (field === "level" && content.qf_ehea) value = value + " · " + level(content.qf_ehea);
      add(summary, "dt", t["f_" + field]);
      const dd = add(summary, "dd");
      dd.dataset.field = field;
      add(dd, "span", value, "value");
      if (!trusted) add(dd, "span", t.untrusted_tag, "tag");
    }
    const list = $("checks");
    list.replaceChildren();
    for (const check of answer.checks) {
      const item = add(list, "li", undefined, "check " + check.status);
      item.dataset.check = check.name;
      item.dataset.status = check.status;
      const head = add(item, "p", undefined, "check-head");
      add(head, "span", t["s_" + check.status] || check.status, "badge");
      add(head, "strong", t["c_" + check.name] || check.name);
      add(item, "p", check.message, "message");
    }
    $("result").hidden = false;
  }

  async function verify(text) {
    let document_;
    try {
      document_ = JSON.parse(text);
    } catch (e) {
      showError(t.not_json);
      return;
    }
    if (!document_ || typeof document_ !== "object" || Array.isArray(document_)) {
      showError(t.not_json);
      return;
    }
    const types = [].concat(document_.type || []);
    const payload = types.includes("VerifiablePresentation") ?
      {presentation: document_} : {credential: document_};
    $("verify").disabled = true;
    $("verify").textContent = t.working;
    try {
      const response = await fetch("/v1/verify", {
        method: "POST",
        headers: {"Content-Type": "application/json", "Accept-Language": lang},
        body: JSON.stringify(payload),
        credentials: "omit",
        referrerPolicy: "no-referrer",
      });
      const answer = await response.json();
      if (!response.ok) {
        showError(t.failed + ": " + (answer.detail || answer.title || response.status));
        return;
      }
      render(answer);
    } catch (e) {
      showError(t.failed);
    } finally {
      $("verify").disabled = false;
      $("verify").textContent = t.verify;
    }
  }

  async function readFile(file) {
    if (!file) return;
    const text = await file.text();
    $("paste").value = text;
    await verify(text);
  }

  async function openClaim() {
    const url = $("claim-url").value.trim();
    if (!url) return;
    try {
      const response = await fetch("/v1/claims/open", {
        method: "POST",
        headers: {"Content-Type": "application/json", "Accept-Language": lang},
        body: JSON.stringify({url: url}),
        credentials: "omit",
      });
      const answer = await response.json();
      if (!response.ok) {
        showError(t.failed + ": " + (answer.detail || answer.title || response.status));
        return;
      }
      const text = JSON.stringify(answer, null, 2);
      $("paste").value = text;
      await verify(text);
    } catch (e) {
      showError(t.failed);
    }
  }

  $("verify-form").addEventListener("submit", (event) => {
    event.preventDefault();
    verify($("paste").value);
  });
  $("file").addEventListener("change", (event) => readFile(event.target.files[0]));
  $("open-claim").addEventListener("click", openClaim);
  const drop = $("drop");
  drop.addEventListener("dragover", (event) => {
    event.preventDefault();
    drop.classList.add("over");
  });
  drop.addEventListener("dragleave", () => drop.classList.remove("over"));
  drop.addEventListener("drop", (event) => {
    event.preventDefault();
    drop.classList.remove("over");
    const files = event.dataTransfer && event.dataTransfer.files;
    if (files && files.length) readFile(files[0]);
  });
  // Dropped anywhere else, a file would replace the page: keep it here.
  window.addEventListener("dragover", (event) => event.preventDefault());
  window.addEventListener("drop", (event) => event.preventDefault());
})();
