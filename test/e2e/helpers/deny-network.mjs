// Preloaded (node --import) into child processes that must work offline. Any attempt to open a
// connection to, or resolve, a non-loopback address is refused and reported on stderr with a
// marker the test looks for — so a swallowed error still fails the test.
import dns from "node:dns";
import net from "node:net";

const MARK = "PARTNER-OPS-NETWORK-ATTEMPT";
const loopback = (host) => !host || host === "localhost" || host === "::1" || /^127\./.test(host) || host.startsWith("/");

function report(what) {
  process.stderr.write(`${MARK} ${what}\n`);
}

const connect = net.Socket.prototype.connect;
net.Socket.prototype.connect = function (...args) {
  const first = args[0];
  const opts = Array.isArray(first) ? first[0] : first;
  const host = typeof opts === "object" && opts ? (opts.host ?? opts.path) : typeof args[1] === "string" ? args[1] : undefined;
  if (typeof opts === "object" && opts && !loopback(host)) {
    report(`connect ${host}:${opts.port}`);
    throw new Error(`network access refused in offline test: ${host}`);
  }
  return connect.apply(this, args);
};

for (const name of ["lookup", "resolve", "resolve4", "resolve6"]) {
  const original = dns[name];
  dns[name] = function (host, ...rest) {
    if (!loopback(host)) {
      report(`dns ${name} ${host}`);
      const cb = rest.find((x) => typeof x === "function");
      const err = Object.assign(new Error(`DNS refused in offline test: ${host}`), { code: "ENOTFOUND" });
      if (cb) return process.nextTick(cb, err);
      throw err;
    }
    return original.call(this, host, ...rest);
  };
}
const { lookup: promisesLookup } = dns.promises;
dns.promises.lookup = async (host, ...rest) => {
  if (!loopback(host)) {
    report(`dns promises.lookup ${host}`);
    throw Object.assign(new Error(`DNS refused in offline test: ${host}`), { code: "ENOTFOUND" });
  }
  return promisesLookup(host, ...rest);
};
