// Many real @microsoft/signalr clients in one Node process (one process per client would cost more CPU than the
// host it measures). Each connects like an SPA (negotiate, then the hub) with its own token, and reports every
// messageCreated as one short JSON line: {"i": <client index>, "s": <seq>}.
// Usage: node room-chat-listeners.mjs <baseUrl>; then on stdin {"cmd":"connect","tokens":[...]} and later {"cmd":"exit"}.
import { createRequire } from "node:module";
import readline from "node:readline";

const require = createRequire(import.meta.url);
const signalR = require("@microsoft/signalr");

const [baseUrl] = process.argv.slice(2);
const connections = [];
const emit = (obj) => process.stdout.write(JSON.stringify(obj) + "\n");

async function connect(tokens) {
  try {
    await Promise.all(tokens.map(async (token, i) => {
      const connection = new signalR.HubConnectionBuilder()
        .withUrl(baseUrl.replace(/\/$/, "") + "/api", { accessTokenFactory: () => token })
        .configureLogging(signalR.LogLevel.Warning)
        .build();
      connection.on("messageCreated", (m) => process.stdout.write(`{"i":${i},"s":${m.seq}}\n`));
      connections.push(connection);
      await connection.start();
    }));
    emit({ event: "connected", count: connections.length });
  } catch (error) {
    emit({ event: "error", error: String(error) });
  }
}

const rl = readline.createInterface({ input: process.stdin });
rl.on("line", async (line) => {
  const command = JSON.parse(line);
  if (command.cmd === "connect") {
    await connect(command.tokens);
  } else if (command.cmd === "exit") {
    await Promise.all(connections.map((c) => c.stop().catch(() => {})));
    process.exit(0);
  }
});
rl.on("close", () => process.exit(0));

// Never outlive the run.
setTimeout(() => process.exit(3), 30 * 60 * 1000).unref();
