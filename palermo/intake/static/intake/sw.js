/* The offline cases app's service worker (palermo/intake/views_offline.py): keeps the app's page
   and its static files (script, style sheets) as they are fetched, so that the app opens
   without a network. It caches no case data (that is in IndexedDB, encrypted) and no API or key
   answer. Network first: online, the node's current files are used. */
"use strict";
var CACHE = "palermo-offline-v1";
self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(CACHE).then(function (cache) {
    return cache.add(self.registration.scope);
  }));
  self.skipWaiting();
});
self.addEventListener("activate", function (event) {
  event.waitUntil(self.clients.claim());
});
function keeps(url) {
  return url.origin === self.location.origin &&
    (url.href === self.registration.scope || url.pathname.indexOf("/static/") === 0);
}
self.addEventListener("fetch", function (event) {
  var request = event.request;
  var url = new URL(request.url);
  if (request.method !== "GET" || !keeps(url)) { return; }
  event.respondWith(
    fetch(request).then(function (response) {
      if (response.ok) {
        var copy = response.clone();
        caches.open(CACHE).then(function (cache) { cache.put(request, copy); });
      }
      return response;
    }).catch(function () {
      return caches.match(request).then(function (hit) { return hit || Response.error(); });
    })
  );
});
