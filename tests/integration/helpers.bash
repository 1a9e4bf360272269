# Shared setup for the integration tests. They run sandcage against a real
# Docker daemon; with SANDCAGE_MUST_WORK=1 (set by .ci/run) a missing daemon
# is a failure, never a skip.

SANDCAGE=${SANDCAGE:-$(cd "$BATS_TEST_DIRNAME/../.." && pwd)/build/sandcage}
BASE_IMAGE=${SANDCAGE_TEST_BASE:-sandcage-test/base:bookworm}
TOOLS_IMAGE=${SANDCAGE_TEST_TOOLS:-sandcage-test/tools:bookworm}
export SANDCAGE BASE_IMAGE TOOLS_IMAGE

require_docker() {
	if ! docker info >/dev/null 2>&1; then
		if [ "${SANDCAGE_MUST_WORK:-0}" = 1 ]; then
			echo "no Docker daemon answers and SANDCAGE_MUST_WORK=1" >&2
			return 1
		fi
		skip "no Docker daemon"
	fi
	docker image inspect "$1" >/dev/null 2>&1 || {
		echo "image $1 is missing: run .ci/provision and tests/run" >&2
		return 1
	}
}

# A fresh git repository with one commit, in a directory the test owns.
make_repo() {
	local dir=$1
	mkdir -p "$dir"
	git -C "$dir" init -q -b main
	git -C "$dir" -c user.name=t -c user.email=t@example.invalid commit -q --allow-empty -m init
}

# The common setup of the tests that run the tools image as it is: WORK, a
# directory of the test's own (symlinks resolved, as sandcage sees it), and
# REPO, a git repository in it.
tools_repo() {
	require_docker "$TOOLS_IMAGE"
	export SANDCAGE_IMAGE=$TOOLS_IMAGE
	WORK=$(mktemp -d)
	WORK=$(cd "$WORK" && pwd -P)
	REPO=$WORK/repo
	make_repo "$REPO"
}

# Containers sandcage made for this project (running or not).
containers_of() {
	docker ps -aq --filter "label=io.sandcage.project=$1"
}

# Waits up to $2 seconds for the project's containers to disappear.
wait_no_containers() {
	local project=$1 limit=${2:-10} i
	for ((i = 0; i < limit * 10; i++)); do
		[ -z "$(containers_of "$project")" ] && return 0
		sleep 0.1
	done
	echo "containers left for $project: $(containers_of "$project")" >&2
	return 1
}

# Waits up to $2 seconds for a running container of the project.
wait_running() {
	local project=$1 limit=${2:-20} i
	for ((i = 0; i < limit * 10; i++)); do
		[ -n "$(docker ps -q --filter "label=io.sandcage.project=$project")" ] && return 0
		sleep 0.1
	done
	return 1
}

# running_agent PROJECT AGENT [LIMIT]: waits up to LIMIT seconds (40) until
# the session container of AGENT ("shell", "claude", ...) runs and prints its
# ID; fails when none does. Unlike wait_running, a proxy sidecar of the
# project, which starts first, does not count.
running_agent() {
	local project=$1 agent=$2 limit=${3:-40} i id
	for ((i = 0; i < limit * 5; i++)); do
		id=$(docker ps -q --filter "label=io.sandcage.project=$project" \
			--filter "label=io.sandcage.agent=$agent")
		[ -n "$id" ] && { echo "$id"; return 0; }
		sleep 0.2
	done
	return 1
}

# A global sandcage directory for the test, whose config.toml points the image
# at the local base image and gives the build this machine's CA bundle (npm in
# a container needs it here, as behind a TLS-inspecting proxy). Every test
# that uses it builds the same image, so the build cache serves them all.
use_test_home() {
	export SANDCAGE_HOME=$BATS_TEST_TMPDIR/sandcage-home
	mkdir -p "$SANDCAGE_HOME"
	cat >"$SANDCAGE_HOME/config.toml" <<TOML
[image]
base = "$BASE_IMAGE"
ca_certificates = ["/etc/ssl/certs/ca-certificates.crt"]

[home]
volume = "sandcage-test-home"
TOML
	unset SANDCAGE_IMAGE
}

# The home volume of project $1 under `home.scope: project` (src/plan/home.c):
# "<home.volume>-<name>-<8 hex digits of the sha256 of LEN:ROOT>".
project_home_volume() {
	local root base=${2:-sandcage-test-home} key name
	root=$(cd "$1" && pwd -P)
	key=$(printf '%s:%s' "${#root}" "$root" | sha256sum | cut -c1-8)
	name=$(basename "$root" | tr 'A-Z' 'a-z' | sed 's/[^a-z0-9_.-]/-/g' | cut -c1-32 | sed 's/^[_.-]*//')
	echo "$base-${name:+$name-}$key"
}

# The ACP test client (tests/integration/acp/client.mjs, written with the
# official SDK) and its dependencies, installed once with the host's npm
# into CLIENT_DIR.
install_acp_client() {
	local src=$BATS_TEST_DIRNAME/acp
	CLIENT_DIR=${SANDCAGE_ACP_CLIENT_DIR:-$(cd "$BATS_TEST_DIRNAME/../.." && pwd)/build/acp-client}
	mkdir -p "$CLIENT_DIR"
	if ! cmp -s "$src/package.json" "$CLIENT_DIR/package.json" ||
		[ ! -f "$CLIENT_DIR/node_modules/@agentclientprotocol/sdk/package.json" ]; then
		cp "$src/package.json" "$CLIENT_DIR/"
		(cd "$CLIENT_DIR" && npm install --no-fund --no-audit --no-package-lock >&2)
	fi
	# ES modules find their packages next to them.
	cp "$src/client.mjs" "$src/serve.mjs" "$CLIENT_DIR/"
}
