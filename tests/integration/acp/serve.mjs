// A static file server on the loopback for the registry fixtures: serves
// DIR on 127.0.0.1 at a free port, prints the port, and appends each
// request's path to DIR/../requests.log.
//
//   node serve.mjs DIR
import { createServer } from "node:http";
import { readFile, appendFile } from "node:fs/promises";
import { join, normalize, dirname } from "node:path";

const root = process.argv[2];
const log = join(dirname(root), "requests.log");
const server = createServer(async (req, res) => {
  const path = normalize(decodeURIComponent(new URL(req.url, "http://x").pathname));
  await appendFile(log, path + "\n");
  try {
    const data = await readFile(join(root, path));
    res.writeHead(200, { "content-length": data.length });
    res.end(data);
  } catch {
    res.writeHead(404);
    res.end("not found\n");
  }
});
server.listen(0, "127.0.0.1", () => console.log(server.address().port));
