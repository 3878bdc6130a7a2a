/* The offline cases app (palermo/intake/views_offline.py, sync.py).
   Online it fetches the session's key (never stored in a page or a cache; imported as a
   non-extractable AES-GCM key and kept in IndexedDB as a CryptoKey object), the user's cases and
   their offline fields with their versions (POST /api/v1/intake/sync with no edits). Every change
   typed is kept encrypted in IndexedDB as a pending edit (the last value of a field, with the
   version it was based on) and sent with "Sync now" or when the network comes back; the answer
   says, per edit, saved / already so / conflict (both values kept on the case) / refused, and
   which cases to remove from the device. Texts come from the page (translated). */
(function () {
  "use strict";
  var app = document.getElementById("offline-app");
  if (!app || !window.indexedDB || !window.crypto || !window.crypto.subtle) { return; }
  var texts = document.getElementById("offline-texts").dataset;
  var status = document.getElementById("offline-status");
  var results = document.getElementById("offline-results");
  var list = document.getElementById("offline-cases");
  var FIELDS = [["title", texts.title], ["incoming_referral_details", texts.details]];
  var db, key, csrf = "", device;

  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register(app.dataset.workerUrl, { scope: app.dataset.scope })
      .catch(function () { /* the app works without it while the page is open */ });
  }

  function request(r) {
    return new Promise(function (resolve, reject) {
      r.onsuccess = function () { resolve(r.result); };
      r.onerror = function () { reject(r.error); };
    });
  }
  function store(name, mode) { return db.transaction(name, mode || "readonly").objectStore(name); }
  function open() {
    var r = indexedDB.open("palermo-offline", 1);
    r.onupgradeneeded = function () {
      r.result.createObjectStore("meta");
      r.result.createObjectStore("records");
      r.result.createObjectStore("pending");
    };
    return request(r);
  }
  function b64(bytes) { return btoa(String.fromCharCode.apply(null, new Uint8Array(bytes))); }
  function unb64(text) { return Uint8Array.from(atob(text), function (c) { return c.charCodeAt(0); }); }
  function seal(value) {
    var iv = crypto.getRandomValues(new Uint8Array(12));
    var data = new TextEncoder().encode(JSON.stringify(value));
    return crypto.subtle.encrypt({ name: "AES-GCM", iv: iv }, key, data).then(function (out) {
      return { iv: b64(iv), data: b64(out) };
    });
  }
  function unseal(box, under) {
    return crypto.subtle.decrypt({ name: "AES-GCM", iv: unb64(box.iv) }, under || key,
      unb64(box.data)).then(function (out) { return JSON.parse(new TextDecoder().decode(out)); });
  }
  // Everything in a store, decrypted (under the session's key, or `under`).
  function all(name, under) {
    var s = store(name);
    return Promise.all([request(s.getAllKeys()), request(s.getAll())]).then(function (kv) {
      var opened = kv[1].map(function (box) { return unseal(box, under); });
      return Promise.all(opened).then(function (values) {
        var out = {};
        kv[0].forEach(function (k, i) { out[k] = values[i]; });
        return out;
      });
    });
  }
  function put(name, id, value) {
    return seal(value).then(function (box) { return request(store(name, "readwrite").put(box, id)); });
  }
  function clear(name) { return request(store(name, "readwrite").clear()); }

  function getKey() {
    return fetch(app.dataset.keyUrl, { credentials: "same-origin" }).then(function (r) {
      if (!r.ok) { throw new Error("key"); }
      return r.json();
    }).then(function (given) {
      csrf = given.csrf;
      return request(store("meta").get("key")).then(function (kept) {
        if (kept && kept.id === given.id) { return kept.key; }
        // Another session: the cases kept are dropped (the sync fetches them again). The edits
        // not yet sent are the same user's work (a session that ended while they were offline):
        // they are sealed again under the new key. Another user's are dropped unread.
        var carried = Promise.resolve({});
        if (kept && kept.user === given.user) {
          carried = all("pending", kept.key).catch(function () { return {}; });
        }
        return Promise.all([carried, crypto.subtle.importKey("raw", unb64(given.key), "AES-GCM",
          false, ["encrypt", "decrypt"])]).then(function (got) {
          var edits = got[0], imported = got[1];
          key = imported;  // what `put` seals under
          return Promise.all([clear("records"), clear("pending")]).then(function () {
            return Promise.all(Object.keys(edits).map(function (id) {
              return put("pending", id, edits[id]);
            }));
          }).then(function () {
            return request(store("meta", "readwrite").put(
              { id: given.id, key: imported, user: given.user }, "key"));
          }).then(function () { return imported; });
        });
      });
    }).catch(function () {
      return request(store("meta").get("key")).then(function (kept) {
        if (!kept) { throw new Error(texts.nokey); }
        return kept.key;
      });
    });
  }

  function say(text) { status.textContent = text; }

  function render() {
    return Promise.all([all("records"), all("pending")]).then(function (both) {
      var records = both[0], pending = both[1];
      list.textContent = "";
      Object.keys(records).sort().forEach(function (caseId) {
        var section = document.createElement("section");
        section.className = "offline-case";
        section.dataset.case = caseId;
        var h = document.createElement("h2");
        h.textContent = texts.case + " " + (records[caseId].reference || caseId.slice(0, 8));
        section.appendChild(h);
        var readOnly = records[caseId].can_edit === false;  // shared with the user for reading
        FIELDS.forEach(function (f) {
          var name = f[0], id = "f-" + caseId + "-" + name;
          if (!records[caseId].case[name]) { return; }  // not shared with the user
          var label = document.createElement("label");
          label.htmlFor = id;
          label.textContent = f[1];
          var input = document.createElement("input");
          input.id = id;
          input.name = name;
          var field = records[caseId].case[name];
          var mine = pending[caseId + "|" + name];
          input.value = mine ? mine.value : (field.value || "");
          input.readOnly = readOnly;
          input.addEventListener("change", function () {
            put("pending", caseId + "|" + name, {
              id: crypto.randomUUID(), kind: "case", record: caseId, field: name,
              value: input.value, base: field.version
            }).then(showPending);
          });
          var p = document.createElement("p");
          p.appendChild(label);
          p.appendChild(document.createTextNode(" "));
          p.appendChild(input);
          section.appendChild(p);
        });
        var link = document.createElement("a");
        link.href = "/cases/" + caseId + "/";
        link.textContent = texts.open;
        section.appendChild(link);
        list.appendChild(section);
      });
      return showPending();
    });
  }

  function showPending() {
    return all("pending").then(function (pending) {
      var n = Object.keys(pending).length;
      app.dataset.pending = String(n);
      say((navigator.onLine ? texts.online : texts.offline) + (n ? " " + texts.pending + " " + n : ""));
    });
  }

  // The server's answer as JSON, or an error saying why nothing was synced (the changes stay on
  // the device): the session has ended (log in again), or the server could not take them now.
  function answered(r) {
    if (r.ok) { return r.json(); }
    return r.json().catch(function () { return {}; }).then(function (body) {
      var ended = r.status === 401 || r.status === 403;
      var error = new Error((ended ? texts.login : texts.failed) +
        (typeof body.detail === "string" ? " (" + body.detail + ")" : ""));
      error.login = ended;
      throw error;
    });
  }

  // Why a sync failed, in the status line; when the session has ended, with a link to log in
  // again (back to this page, where the edits kept are sent).
  function failed(error) {
    say(error.message);
    if (error.login) {
      var link = document.createElement("a");
      link.href = app.dataset.loginUrl;
      link.id = "offline-login";
      link.textContent = texts.loginLink;
      status.appendChild(document.createTextNode(" "));
      status.appendChild(link);
    }
  }

  function casesOnline() {
    return fetch(app.dataset.casesUrl + "?page_size=500", { credentials: "same-origin" })
      .then(answered)
      .then(function (page) { return page.items.map(function (c) { return c.id; }); });
  }

  // One sync at a time: the network coming back and a click on "Sync now" share the one that
  // runs (two at once would answer the same edits twice, and the later one would show nothing).
  var running = null;
  function sync() {
    if (!running) {
      running = syncOnce().finally(function () { running = null; });
    }
    return running;
  }

  function syncOnce() {
    if (!navigator.onLine) { return showPending(); }
    return Promise.all([all("pending"), all("records"), casesOnline()]).then(function (got) {
      var pending = got[0], holds = Object.keys(got[1]);
      got[2].forEach(function (id) { if (holds.indexOf(id) === -1) { holds.push(id); } });
      var edits = Object.keys(pending).map(function (k) { return pending[k]; });
      return fetch(app.dataset.syncUrl, {
        method: "POST", credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRFToken": csrf },
        body: JSON.stringify({ device: device, holds: holds, edits: edits })
      }).then(answered).then(function (answer) {
        if (edits.length || answer.purge.length) { results.textContent = ""; }
        answer.results.forEach(function (res, i) {
          var li = document.createElement("li");
          li.className = "sync-" + res.status;
          li.textContent = edits[i].field + ": " + (texts[res.status] || res.status) +
            (res.detail ? " (" + res.detail + ")" : "");
          results.appendChild(li);
        });
        if (answer.purge.length) {
          var li = document.createElement("li");
          li.textContent = texts.purged + " " + answer.purge.length;
          results.appendChild(li);
        }
        return clear("records").then(function () { return clear("pending"); }).then(function () {
          return Promise.all(Object.keys(answer.records).map(function (id) {
            return put("records", id, answer.records[id]);
          }));
        });
      });
    }).then(render).then(function () { app.dataset.synced = "true"; say(texts.synced); },
      function (error) { app.dataset.synced = "false"; throw error; });
  }

  open().then(function (opened) {
    db = opened;
    device = localStorage.getItem("palermo-device") || crypto.randomUUID();
    localStorage.setItem("palermo-device", device);
    return getKey();
  }).then(function (k) {
    key = k;
    app.dataset.ready = "true";
    return navigator.onLine ? sync() : render();
  }).catch(failed);

  document.getElementById("offline-sync").addEventListener("click", function () {
    sync().catch(failed);
  });
  window.addEventListener("online", function () { sync().catch(failed); });
  window.addEventListener("offline", showPending);
})();
