// A real @microsoft/signalr client, driven by the .NET tests over stdin/stdout (one JSON object per line).
// It connects exactly as an SPA does: withUrl(base + "/api", { accessTokenFactory }) -> POST /api/negotiate -> hub.
// Usage: node signalr-client.mjs <baseUrl> <method,method,...> [hubUrl]   (token on stdin: {"cmd":"token","token":"..."} first)
// With hubUrl the client skips the app's negotiate and connects to that hub URL (e.g. .../client/?hub=notifications) with the token.
import { createRequire } from "node:module";
import readline from "node:readline";

const require = createRequire(import.meta.url);
const signalR = require("@microsoft/signalr");

const [baseUrl, methodList, hubUrl] = process.argv.slice(2);
const methods = (methodList ?? "").split(",").filter(Boolean);
let token = "";
let connection;

const emit = (obj) => process.stdout.write(JSON.stringify(obj) + "\n");

async function start() {
  connection = new signalR.HubConnectionBuilder()
    .withUrl(hubUrl || baseUrl.replace(/\/$/, "") + "/api", { accessTokenFactory: () => token })
    .configureLogging(signalR.LogLevel.Warning)
    .build();
  for (const method of methods) {
    connection.on(method, (...args) => emit({ event: "message", target: method, args }));
  }
  connection.onclose((error) => emit({ event: "closed", error: error ? String(error) : null }));
  try {
    await connection.start();
    emit({ event: "connected", connectionId: connection.connectionId });
  } catch (error) {
    emit({ event: "error", error: String(error) });
  }
}

const rl = readline.createInterface({ input: process.stdin });
rl.on("line", async (line) => {
  const command = JSON.parse(line);
  if (command.cmd === "token") {
    token = command.token;
  } else if (command.cmd === "start") {
    await start();
  } else if (command.cmd === "stop") {
    if (connection) {
      await connection.stop();
    }
    emit({ event: "stopped" });
  } else if (command.cmd === "exit") {
    if (connection) {
      await connection.stop().catch(() => {});
    }
    process.exit(0);
  }
});
rl.on("close", () => process.exit(0));

// Never outlive the test run.
setTimeout(() => process.exit(3), 5 * 60 * 1000).unref();
