// An ACP client for sandcage's integration tests, written with the official
// SDK as an editor would use it. It starts the command after `--` (sandcage
// acp run ...) as the agent, runs one prompt turn and prints a JSON summary
// on stdout.
//
//   node client.mjs [--cancel] [--prompt-bytes N] [--no-close] [--honour FILE] -- COMMAND [ARGS...]
//
// --cancel          send session/cancel once the first update arrived
// --prompt-bytes N  make the prompt N bytes long (a big message to the agent)
// --no-close        do not close the agent's stdin at the end; wait for it
// --honour FILE     be a careless editor: do what the agent's terminal/* and
//                   fs/* requests ask, on this host, whatever capabilities
//                   were advertised (as the SDK lets an editor do), and
//                   append each request to FILE as a JSON line
import { spawn, spawnSync } from "node:child_process";
import { appendFileSync, readFileSync, writeFileSync } from "node:fs";
import { Readable, Writable } from "node:stream";
import * as acp from "@agentclientprotocol/sdk";

const argv = process.argv.slice(2);
const sep = argv.indexOf("--");
if (sep < 0 || sep === argv.length - 1) {
  console.error("usage: client.mjs [--cancel] [--prompt-bytes N] -- COMMAND [ARGS...]");
  process.exit(2);
}
const opts = argv.slice(0, sep);
const command = argv.slice(sep + 1);
const cancel = opts.includes("--cancel");
const noClose = opts.includes("--no-close");
const pbIndex = opts.indexOf("--prompt-bytes");
const promptBytes = pbIndex >= 0 ? Number(opts[pbIndex + 1]) : 0;
const honourIndex = opts.indexOf("--honour");
const honourFile = honourIndex >= 0 ? opts[honourIndex + 1] : null;

const summary = {
  protocolVersion: null,
  sessionId: null,
  stopReason: null,
  updates: [],
  textChunks: 0,
  permissionRequests: 0,
  agentExit: null,
  error: null,
};

const child = spawn(command[0], command.slice(1), { stdio: ["pipe", "pipe", "inherit"] });
const exited = new Promise((resolve) => {
  child.on("exit", (code, signal) => resolve(signal ? `signal ${signal}` : code));
});

let firstUpdate;
const gotFirstUpdate = new Promise((resolve) => (firstUpdate = resolve));

class TestClient {
  async requestPermission(params) {
    summary.permissionRequests++;
    return { outcome: { outcome: "selected", optionId: params.options[0].optionId } };
  }
  async sessionUpdate(params) {
    const u = params.update;
    summary.updates.push(u.sessionUpdate);
    if (u.sessionUpdate === "agent_message_chunk") summary.textChunks++;
    firstUpdate();
  }
  async readTextFile() {
    return { content: "" };
  }
  async writeTextFile() {
    return {};
  }
}

// What a careless editor does for the agent, on the host.
class HonouringClient extends TestClient {
  record(method, params) {
    appendFileSync(honourFile, JSON.stringify({ method, params }) + "\n");
  }
  async readTextFile(params) {
    this.record("fs/read_text_file", params);
    return { content: readFileSync(params.path, "utf8") };
  }
  async writeTextFile(params) {
    this.record("fs/write_text_file", params);
    writeFileSync(params.path, params.content);
    return {};
  }
  async createTerminal(params) {
    this.record("terminal/create", params);
    const r = spawnSync(params.command, params.args ?? [], { encoding: "utf8" });
    this.output = (r.stdout ?? "") + (r.stderr ?? "");
    this.exitCode = r.status;
    return { terminalId: "t1" };
  }
  async terminalOutput(params) {
    this.record("terminal/output", params);
    return { output: this.output ?? "", truncated: false, exitStatus: { exitCode: this.exitCode ?? null } };
  }
  async waitForTerminalExit(params) {
    this.record("terminal/wait_for_exit", params);
    return { exitCode: this.exitCode ?? null };
  }
  async killTerminal(params) {
    this.record("terminal/kill", params);
    return {};
  }
  async releaseTerminal(params) {
    this.record("terminal/release", params);
    return {};
  }
}

const stream = acp.ndJsonStream(Writable.toWeb(child.stdin), Readable.toWeb(child.stdout));
const conn = new acp.ClientSideConnection(
  () => (honourFile ? new HonouringClient() : new TestClient()),
  stream,
);

const timer = setTimeout(() => {
  summary.error = "timeout";
  console.log(JSON.stringify(summary));
  child.kill("SIGKILL");
  process.exit(1);
}, 120000);

try {
  const init = await conn.initialize({
    protocolVersion: acp.PROTOCOL_VERSION,
    clientCapabilities: {
      fs: { readTextFile: true, writeTextFile: true },
      terminal: true,
      _meta: { "terminal-auth": true },
    },
    clientInfo: { name: "sandcage-test-client", version: "1.0.0" },
  });
  summary.protocolVersion = init.protocolVersion;
  const session = await conn.newSession({ cwd: process.cwd(), mcpServers: [] });
  summary.sessionId = session.sessionId;
  const text = promptBytes > 0 ? "x".repeat(promptBytes) : "Hello, agent!";
  const turn = conn.prompt({ sessionId: session.sessionId, prompt: [{ type: "text", text }] });
  if (cancel) {
    await gotFirstUpdate;
    await conn.cancel({ sessionId: session.sessionId });
  }
  const result = await turn;
  summary.stopReason = result.stopReason;
} catch (e) {
  summary.error = String(e && e.message ? e.message : e);
}
if (!noClose) child.stdin.end();
summary.agentExit = await exited;
clearTimeout(timer);
console.log(JSON.stringify(summary));
process.exit(summary.error ? 1 : 0);
