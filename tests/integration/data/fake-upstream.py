#!/usr/bin/env python3
"""A fake model API for the integration tests (Python 3 standard library only).

It stands in for api.anthropic.com, api.openai.com and
generativelanguage.googleapis.com: every model call is answered with the text
"pong", so a real agent CLI pointed at it prints pong and exits 0, with no
network and no real key. Every request is recorded as one JSON line (method,
path with query, all headers in order, body length, whether it asked for a
WebSocket upgrade) on stdout and in the log file, so a test can check what
reached the upstream (for the credential proxy: which key, in which header).

Usage (in a container on the test's network, under an alias such as
upstream.test; the cert and key from make-test-ca.sh):

  fake-upstream.py --cert /ca/server.crt --key /ca/server.key \\
      --port 443 --log /log/requests.jsonl
  fake-upstream.py --plain --port 8080 --log /log/requests.jsonl

Options:
  --plain            HTTP without TLS (no --cert/--key).
  --status CODE      answer every model call (not /api/hello and the like)
                     with this status and an error body in the API's format,
                     e.g. 401 to see how an agent takes a refused key.
  --bodies           also record the request body (as text) in each line.

What it answers:
  POST /v1/messages                  Anthropic Messages API: JSON, or an SSE
                                     stream when the body has "stream": true.
  POST /v1/messages/count_tokens     {"input_tokens": 1}
  POST /v1/responses                 OpenAI Responses API SSE stream (Codex).
  GET  /v1/responses (WebSocket)     426, so Codex falls back to POST.
  GET  /v1/models                    an empty model list.
  POST /v1beta/models/M:generateContent, :streamGenerateContent[?alt=sse],
       :countTokens                  Gemini API; a request for JSON output
                                     (responseMimeType application/json) gets
                                     the smallest object its schema accepts.
  GET/HEAD /api/hello, /, /health    200 {}
  anything else                      404 JSON.
"""

import argparse
import json
import re
import ssl
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

TEXT = "pong"
LOG_LOCK = threading.Lock()
OPTIONS = None
LOG_FILE = None


def record(entry):
    line = json.dumps(entry, sort_keys=True)
    with LOG_LOCK:
        for out in (sys.stdout, LOG_FILE):
            if out is not None:
                out.write(line + "\n")
                out.flush()


def sse(events, named=True):
    """An SSE body: (event name, data object) pairs."""
    out = []
    for name, data in events:
        if named:
            out.append("event: %s\n" % name)
        out.append("data: %s\n\n" % json.dumps(data))
    return "".join(out).encode()


# --- Anthropic -------------------------------------------------------------

def anthropic_message(model):
    return {
        "id": "msg_fake",
        "type": "message",
        "role": "assistant",
        "model": model,
        "content": [{"type": "text", "text": TEXT}],
        "stop_reason": "end_turn",
        "stop_sequence": None,
        "usage": {"input_tokens": 1, "output_tokens": 1},
    }


def anthropic_stream(model):
    start = anthropic_message(model)
    start.update(content=[], stop_reason=None)
    return sse([
        ("message_start", {"type": "message_start", "message": start}),
        ("content_block_start", {"type": "content_block_start", "index": 0,
                                 "content_block": {"type": "text", "text": ""}}),
        ("ping", {"type": "ping"}),
        ("content_block_delta", {"type": "content_block_delta", "index": 0,
                                 "delta": {"type": "text_delta", "text": TEXT}}),
        ("content_block_stop", {"type": "content_block_stop", "index": 0}),
        ("message_delta", {"type": "message_delta",
                           "delta": {"stop_reason": "end_turn", "stop_sequence": None},
                           "usage": {"output_tokens": 1}}),
        ("message_stop", {"type": "message_stop"}),
    ])


def anthropic_error(status):
    kind = {401: "authentication_error", 403: "permission_error",
            404: "not_found_error", 429: "rate_limit_error",
            529: "overloaded_error"}.get(status, "api_error")
    return {"type": "error", "error": {"type": kind, "message": "fake upstream: %d" % status}}


# --- OpenAI Responses --------------------------------------------------------

def openai_stream(model):
    now = int(time.time())
    item_id = "msg_fake"
    done_item = {"id": item_id, "type": "message", "status": "completed",
                 "role": "assistant",
                 "content": [{"type": "output_text", "text": TEXT, "annotations": []}]}
    response = {"id": "resp_fake", "object": "response", "created_at": now,
                "status": "in_progress", "model": model, "output": []}
    completed = dict(response, status="completed", output=[done_item], usage={
        "input_tokens": 1, "input_tokens_details": {"cached_tokens": 0},
        "output_tokens": 1, "output_tokens_details": {"reasoning_tokens": 0},
        "total_tokens": 2})
    events = [
        ("response.created", {"type": "response.created", "response": response}),
        ("response.in_progress", {"type": "response.in_progress", "response": response}),
        ("response.output_item.added", {
            "type": "response.output_item.added", "output_index": 0,
            "item": {"id": item_id, "type": "message", "status": "in_progress",
                     "role": "assistant", "content": []}}),
        ("response.content_part.added", {
            "type": "response.content_part.added", "item_id": item_id,
            "output_index": 0, "content_index": 0,
            "part": {"type": "output_text", "text": "", "annotations": []}}),
        ("response.output_text.delta", {
            "type": "response.output_text.delta", "item_id": item_id,
            "output_index": 0, "content_index": 0, "delta": TEXT}),
        ("response.output_text.done", {
            "type": "response.output_text.done", "item_id": item_id,
            "output_index": 0, "content_index": 0, "text": TEXT}),
        ("response.content_part.done", {
            "type": "response.content_part.done", "item_id": item_id,
            "output_index": 0, "content_index": 0,
            "part": {"type": "output_text", "text": TEXT, "annotations": []}}),
        ("response.output_item.done", {
            "type": "response.output_item.done", "output_index": 0, "item": done_item}),
        ("response.completed", {"type": "response.completed", "response": completed}),
    ]
    for i, (_, data) in enumerate(events):
        data["sequence_number"] = i
    return sse(events)


def openai_error(status):
    code = {401: "invalid_api_key", 429: "rate_limit_exceeded"}.get(status, "server_error")
    return {"error": {"message": "fake upstream: %d" % status, "type": "invalid_request_error",
                      "param": None, "code": code}}


# --- Gemini ------------------------------------------------------------------

def from_schema(schema):
    """The smallest value a JSON schema (OpenAPI or JSON Schema spelling)
    accepts: Gemini CLI asks its router for JSON and retries for a minute and
    a half when the answer does not parse."""
    if not isinstance(schema, dict):
        return TEXT
    if schema.get("enum"):
        return schema["enum"][0]
    kind = str(schema.get("type", "object")).lower()
    if kind == "object" or "properties" in schema:
        props = schema.get("properties", {})
        return {name: from_schema(props.get(name)) for name in props}
    if kind == "array":
        return [from_schema(schema.get("items"))] if schema.get("minItems") else []
    if kind in ("integer", "number"):
        return schema.get("minimum", 1)
    if kind == "boolean":
        return False
    return TEXT


def gemini_response(model, request=None):
    config = (request or {}).get("generationConfig") or {}
    text = TEXT
    if config.get("responseMimeType") == "application/json":
        schema = config.get("responseJsonSchema") or config.get("responseSchema")
        text = json.dumps(from_schema(schema) if schema else {"answer": TEXT})
    return {
        "candidates": [{"content": {"parts": [{"text": text}], "role": "model"},
                        "finishReason": "STOP", "index": 0}],
        "usageMetadata": {"promptTokenCount": 1, "candidatesTokenCount": 1,
                          "totalTokenCount": 2},
        "modelVersion": model,
        "responseId": "fake",
    }


def gemini_error(status):
    state = {400: "INVALID_ARGUMENT", 401: "UNAUTHENTICATED", 403: "PERMISSION_DENIED",
             404: "NOT_FOUND", 429: "RESOURCE_EXHAUSTED"}.get(status, "INTERNAL")
    return {"error": {"code": status, "message": "fake upstream: %d" % status, "status": state}}


GEMINI_PATH = re.compile(r"^/v1(?:beta|alpha)?\d*/models/([^/:]+):(\w+)$")


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "fake-upstream"

    def log_message(self, fmt, *args):  # the JSON lines are the log
        pass

    def read_body(self):
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def send(self, status, body, content_type="application/json"):
        if not isinstance(body, bytes):
            body = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        if content_type == "text/event-stream":
            self.send_header("Cache-Control", "no-cache")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def handle_any(self):
        body = self.read_body()
        upgrade = self.headers.get("Upgrade", "").lower() == "websocket"
        entry = {"time": round(time.time(), 3), "method": self.command, "path": self.path,
                 "headers": [[k, v] for k, v in self.headers.items()],
                 "body_length": len(body), "websocket": upgrade}
        try:
            request = json.loads(body) if body else {}
            if not isinstance(request, dict):
                request = {}
        except ValueError:
            request = {}
        if OPTIONS.bodies:
            entry["body"] = body.decode("utf-8", "replace")
        record(entry)
        self.route(self.path.split("?", 1)[0], request, upgrade)

    def route(self, path, request, upgrade):
        method = self.command
        model = str(request.get("model") or "fake-model")
        fail = OPTIONS.status
        if upgrade:
            # Codex tries a WebSocket first; a refusal sends it to POST.
            self.send(426, {"error": {"message": "no websockets here"}})
        elif method in ("GET", "HEAD") and path in ("/", "/api/hello", "/health", "/healthz"):
            self.send(200, {})
        elif method == "POST" and path in ("/v1/messages", "/v1/messages/count_tokens"):
            if fail:
                self.send(fail, anthropic_error(fail))
            elif path.endswith("/count_tokens"):
                self.send(200, {"input_tokens": 1})
            elif request.get("stream") is True:
                self.send(200, anthropic_stream(model), "text/event-stream")
            else:
                self.send(200, anthropic_message(model))
        elif method == "POST" and path == "/v1/responses":
            if fail:
                self.send(fail, openai_error(fail))
            else:
                self.send(200, openai_stream(model), "text/event-stream")
        elif method == "GET" and path == "/v1/models":
            if fail:
                self.send(fail, openai_error(fail))
            else:
                self.send(200, {"object": "list", "data": [], "models": []})
        elif method == "POST" and GEMINI_PATH.match(path):
            model, action = GEMINI_PATH.match(path).groups()
            if fail:
                self.send(fail, gemini_error(fail))
            elif action == "countTokens":
                self.send(200, {"totalTokens": 1})
            elif action == "generateContent":
                self.send(200, gemini_response(model, request))
            elif action == "streamGenerateContent" and "alt=sse" in self.path:
                self.send(200, sse([(None, gemini_response(model, request))], named=False),
                          "text/event-stream")
            elif action == "streamGenerateContent":
                self.send(200, [gemini_response(model, request)])
            else:
                self.send(404, gemini_error(404))
        else:
            self.send(404, {"error": {"type": "not_found", "message": "fake upstream: no route"}})

    do_GET = do_HEAD = do_POST = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = handle_any


def main():
    global OPTIONS, LOG_FILE
    parser = argparse.ArgumentParser(description="fake model API upstream for tests")
    parser.add_argument("--port", type=int, default=443)
    parser.add_argument("--bind", default="0.0.0.0")
    parser.add_argument("--cert")
    parser.add_argument("--key")
    parser.add_argument("--plain", action="store_true")
    parser.add_argument("--log")
    parser.add_argument("--status", type=int, default=0)
    parser.add_argument("--bodies", action="store_true")
    OPTIONS = parser.parse_args()
    if not OPTIONS.plain and not (OPTIONS.cert and OPTIONS.key):
        parser.error("--cert and --key are needed without --plain")
    if OPTIONS.log:
        LOG_FILE = open(OPTIONS.log, "a", encoding="utf-8")
    server = ThreadingHTTPServer((OPTIONS.bind, OPTIONS.port), Handler)
    server.daemon_threads = True
    if not OPTIONS.plain:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(OPTIONS.cert, OPTIONS.key)
        context.set_alpn_protocols(["http/1.1"])
        # The handshake happens on the first read, in the connection's
        # thread: a client that never speaks TLS holds up no one else.
        server.socket = context.wrap_socket(server.socket, server_side=True,
                                            do_handshake_on_connect=False)
    print("fake-upstream listening on %s:%d (%s)" % (
        OPTIONS.bind, OPTIONS.port, "http" if OPTIONS.plain else "https"),
        file=sys.stderr, flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
