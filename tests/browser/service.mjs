// Starts a `conflux` process that serves HTTP (`service` or `ui`) on a free loopback port for the
// browser tests: resolves once it prints its address, with the URL and a stop() that ends it.
import { spawn } from "node:child_process";
import { join } from "node:path";

// args: the conflux command line after the binary; env: extra environment.
export function startConflux(build, args, env = {}) {
  const child = spawn(join(build, "bin/conflux"), args, {
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let log = "";
  const url = new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`conflux ${args.join(" ")} printed no address: ${log}`)), 15000);
    const look = (chunk) => {
      log += chunk;
      const m = /(?:listening on|open) (http:\/\/127\.0\.0\.1:\d+)/.exec(log);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    };
    child.stdout.on("data", look);
    child.stderr.on("data", look);
    child.on("exit", (code) => reject(new Error(`conflux ${args.join(" ")} exited (${code}): ${log}`)));
  });
  return url.then((u) => ({ url: u, stop: () => child.kill("SIGTERM") }));
}
