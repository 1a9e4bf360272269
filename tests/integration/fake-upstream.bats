#!/usr/bin/env bats
# The fake model API the credential tests use (data/fake-upstream.py): it
# answers each API's call with "pong" over TLS under the test CA, and records
# each request with its headers. A client in a second container talks to it.

load helpers
load fake-upstream

setup_file() {
	require_docker "$BASE_IMAGE"
	build_upstream_image
}

setup() {
	make_test_network
}

teardown() {
	stop_fake_upstream
	remove_test_network
}

# client PYTHON-CODE: runs Python in a container on the network, with the CA.
client() {
	docker run --rm --network "$FAKE_NET" -v "$FAKE_CA:/ca:ro" "$UPSTREAM_IMAGE" python3 -c "$1"
}

@test "the fake upstream answers the three APIs over TLS and records the requests" {
	start_fake_upstream upstream.test
	run client '
import json, ssl, http.client
ctx = ssl.create_default_context(cafile="/ca/ca.crt")
def post(path, body, **headers):
    c = http.client.HTTPSConnection("upstream.test", 443, context=ctx)
    c.request("POST", path, json.dumps(body), headers)
    r = c.getresponse()
    return r.status, r.read().decode()
print(post("/v1/messages", {"model": "m"}, **{"x-api-key": "sk-a"}))
print("pong" in post("/v1/messages", {"stream": True}, **{"x-api-key": "sk-a"})[1])
print("response.completed" in post("/v1/responses", {}, Authorization="Bearer sk-o")[1])
print("pong" in post("/v1beta/models/g:streamGenerateContent?alt=sse", {})[1])
print(post("/nowhere", {})[0])
'
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" == "(200, "*'"text": "pong"'* ]]
	[ "${lines[1]}" = True ]
	[ "${lines[2]}" = True ]
	[ "${lines[3]}" = True ]
	[ "${lines[4]}" = 404 ]
	run fake_upstream_requests
	[ "${#lines[@]}" -eq 5 ]
	[[ "${lines[0]}" == *'"path": "/v1/messages"'* ]]
	[[ "${lines[0]}" == *'["x-api-key", "sk-a"]'* ]]
	[[ "${lines[2]}" == *'["Authorization", "Bearer sk-o"]'* ]]
	[[ "${lines[3]}" == *'"path": "/v1beta/models/g:streamGenerateContent?alt=sse"'* ]]
}

@test "the fake upstream refuses WebSockets with 426 and answers every model call with --status" {
	start_fake_upstream upstream.test --plain --port 8080 --status 401
	run client '
import http.client
c = http.client.HTTPConnection("upstream.test", 8080)
c.request("GET", "/v1/responses", headers={"Upgrade": "websocket", "Connection": "Upgrade"})
r = c.getresponse(); r.read(); print(r.status)
c.request("POST", "/v1/messages", "{}")
r = c.getresponse(); print(r.status, r.read().decode())
c.request("GET", "/api/hello")
r = c.getresponse(); r.read(); print(r.status)
'
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = 426 ]
	[[ "${lines[1]}" == "401 "*authentication_error* ]]
	[ "${lines[2]}" = 200 ]
	run fake_upstream_requests
	[[ "${lines[0]}" == *'"websocket": true'* ]]
}
