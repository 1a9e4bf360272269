# Helpers for tests that need a model API: the fake upstream
# (data/fake-upstream.py) in a container of the upstream image, on a Docker
# network the test makes, under a network alias. `load fake-upstream` after
# `load helpers`.
#
#   build_upstream_image                      # in setup_file
#   make_test_network                         # FAKE_NET=sc-test-net-...
#   start_fake_upstream upstream.test         # TLS on 443, CA in FAKE_CA/ca.crt
#   start_fake_upstream upstream.test --plain --port 8080
#   start_fake_upstream upstream.test --status 401
#   fake_upstream_requests                    # the JSON lines so far
#   stop_fake_upstream; remove_test_network   # in teardown
#
# The requests are read from the container's stdout (docker logs), so no
# file of root's is left in the test's directory.

UPSTREAM_IMAGE=${UPSTREAM_IMAGE:-sandcage-test/upstream:bookworm}

build_upstream_image() {
	DOCKER_BUILDKIT=0 docker build -q -t "$UPSTREAM_IMAGE" --build-arg "BASE=$BASE_IMAGE" \
		-f "$BATS_TEST_DIRNAME/images/upstream.Dockerfile" "$BATS_TEST_DIRNAME/images" >/dev/null
}

make_test_network() {
	FAKE_NET=sc-test-net-$$-$RANDOM
	# Internal: nothing leaves the machine, and a name other than the
	# aliases does not resolve (agents that phone home fail fast).
	docker network create --internal "$FAKE_NET" >/dev/null
}

remove_test_network() {
	[ -z "${FAKE_NET:-}" ] || docker network rm "$FAKE_NET" >/dev/null 2>&1 || true
}

# start_fake_upstream ALIAS [fake-upstream.py options...]: TLS on port 443
# with a certificate for ALIAS from a fresh CA (FAKE_CA/ca.crt) unless the
# options say --plain. Waits until the server listens.
start_fake_upstream() {
	local alias=$1 i
	shift
	FAKE_CA=$BATS_TEST_TMPDIR/fake-ca
	[ -f "$FAKE_CA/server.crt" ] || "$BATS_TEST_DIRNAME/data/make-test-ca.sh" "$FAKE_CA" "$alias" >&2
	local tls=(--cert /ca/server.crt --key /ca/server.key --port 443)
	[[ " $* " != *" --plain "* ]] || tls=()
	FAKE_UPSTREAM=$(docker run -d --network "$FAKE_NET" --network-alias "$alias" \
		-v "$BATS_TEST_DIRNAME/data:/data:ro" -v "$FAKE_CA:/ca:ro" "$UPSTREAM_IMAGE" \
		python3 /data/fake-upstream.py "${tls[@]}" "$@")
	for ((i = 0; i < 300; i++)); do
		docker logs "$FAKE_UPSTREAM" 2>&1 | grep -q '^fake-upstream listening' && return 0
		sleep 0.1
	done
	docker logs "$FAKE_UPSTREAM" >&2
	return 1
}

fake_upstream_requests() {
	docker logs "$FAKE_UPSTREAM" 2>/dev/null
}

stop_fake_upstream() {
	[ -z "${FAKE_UPSTREAM:-}" ] || docker rm -f "$FAKE_UPSTREAM" >/dev/null 2>&1 || true
}
