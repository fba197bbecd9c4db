// A WebSub subscriber built on the npm package pubsubhubbub, for herald's
// tests: it subscribes to one topic at a hub, then prints one JSON line per
// event on stdout, and exits 0 after COUNT deliveries, or 3 after TIMEOUT_MS.
//
//	node subscriber.mjs CI_DIR HUB TOPIC [COUNT] [TIMEOUT_MS]
//
// CI_DIR is the folder whose node_modules holds pubsubhubbub (.ci of the
// repository: `npm ci --prefix .ci`). The callback listens on 127.0.0.1, on
// a port of the system's choosing. Events:
//
//	{"event":"listening","callback":"http://127.0.0.1:PORT/"}
//	{"event":"subscribe","topic":...,"lease":...}   intent verified
//	{"event":"feed","topic":...,"hub":...,"contentType":...,"link":...,"signature":...,"body":...}
//	{"event":"denied"|"error",...}                    then exit 1
//
// Unsigned: the package's signed mode keys its HMAC with a secret derived
// from the one it was given, not the one it sends to the hub.
import { createRequire } from "node:module";
import { join } from "node:path";

const [ciDir, hub, topic, countArg, timeoutArg] = process.argv.slice(2);
if (!ciDir || !hub || !topic) {
  console.error("usage: node subscriber.mjs CI_DIR HUB TOPIC [COUNT] [TIMEOUT_MS]");
  process.exit(2);
}
const count = Number(countArg || 1);
const timeout = Number(timeoutArg || 60000);

let pubsubhubbub;
try {
  pubsubhubbub = createRequire(join(ciDir, "package.json"))("pubsubhubbub");
} catch (err) {
  console.error(`${err.message}\nrun: npm ci --prefix .ci`);
  process.exit(2);
}

const say = (event, fields) => console.log(JSON.stringify({ event, ...fields }));
const sub = pubsubhubbub.createServer({});
let received = 0;

const timer = setTimeout(() => {
  say("timeout", { received });
  process.exit(3);
}, timeout);

sub.on("listen", () => {
  sub.callbackUrl = `http://127.0.0.1:${sub.server.address().port}/`;
  say("listening", { callback: sub.callbackUrl });
  sub.subscribe(topic, hub, (err) => {
    if (err) {
      say("error", { message: err.message, body: err.responseBody });
      process.exit(1);
    }
  });
});
sub.on("subscribe", (data) => say("subscribe", { topic: data.topic, lease: data.lease }));
sub.on("denied", (data) => {
  say("denied", { topic: data.topic, message: String(data.error || "") });
  process.exit(1);
});
sub.on("error", (err) => {
  say("error", { message: err.message });
  process.exit(1);
});
sub.on("feed", (data) => {
  say("feed", {
    topic: data.topic,
    hub: data.hub,
    contentType: data.headers["content-type"],
    link: data.headers.link,
    signature: data.headers["x-hub-signature"] || "",
    body: data.feed.toString("utf8"),
  });
  if (++received >= count) {
    clearTimeout(timer);
    sub.server.close();
    process.exit(0);
  }
});
sub.listen(0, "127.0.0.1");
