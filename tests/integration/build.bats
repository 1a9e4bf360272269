#!/usr/bin/env bats
# sandcage build and the image it makes, against a real daemon. The base
# image is the local one (no registry here); npm gets this machine's CA
# bundle through image.ca_certificates (see helpers.bash: use_test_home).

load helpers

setup() {
	require_docker "$BASE_IMAGE"
	use_test_home
	WORK=$(mktemp -d)
	REPO=$WORK/repo
	make_repo "$REPO"
	cd "$REPO"
}

teardown() {
	[ -z "${WORK:-}" ] || rm -rf "$WORK"
}

# The tag `sandcage build` would use, from the Dockerfile it prints.
planned_tag() {
	local hash
	hash=$("$SANDCAGE" -q build --print | sed -n 's/^LABEL io.sandcage.hash=//p')
	echo "sandcage:${hash:0:16}"
}

no_agents='services:
  claude: {enabled: false}
  codex: {enabled: false}
  gemini: {enabled: false}
'

@test "packages and the node toolchain are in the image" {
	printf 'packages: [ripgrep]\ntoolchains:\n  node: "22"\n' >.sandcage.yml
	"$SANDCAGE" -q trust --yes >/dev/null  # packages, image.base and the Dockerfile are grants
	run "$SANDCAGE" -q shell -- sh -c 'rg --version | sed -n 1p; node --version'
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" == ripgrep\ * ]]
	[[ "${lines[1]}" == v22.* ]]
}

@test "the default agents answer --version inside the image" {
	run "$SANDCAGE" -q shell -- sh -c 'claude --version; codex --version; gemini --version'
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" == *"Claude Code"* ]]
	[[ "${lines[1]}" == codex-cli\ * ]]
	[[ "${lines[2]}" =~ ^[0-9]+\.[0-9]+\.[0-9]+ ]]
}

@test "the image user has the host UID and GID, a passwd entry and HOME" {
	run "$SANDCAGE" -q shell -- sh -c 'id -u; id -g; echo "$HOME"; getent passwd "$(id -u)" | cut -d: -f6'
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "$(id -u)" ]
	[ "${lines[1]}" = "$(id -g)" ]
	[ "${lines[2]}" = /home/sandcage ]
	[ "${lines[3]}" = /home/sandcage ]
}

@test "a second build does not build" {
	"$SANDCAGE" -q build >/dev/null
	run "$SANDCAGE" -v build
	[ "$status" -eq 0 ]
	[[ "$output" == *"is up to date"* ]]
	[[ "$output" != *"building image"* ]]
	[[ "$output" != *"Step "* ]]
	[[ "${lines[-1]}" == sandcage:* ]]
	# Not even the engine's CLI is started: the image is looked up over the
	# engine's API socket. A `docker` first in PATH records every call.
	mkdir "$WORK/shim"
	printf '#!/bin/sh\necho "$*" >>"%s"\nexec %s "$@"\n' "$WORK/calls" "$(command -v docker)" \
		>"$WORK/shim/docker"
	chmod +x "$WORK/shim/docker"
	PATH="$WORK/shim:$PATH" run "$SANDCAGE" -q build
	[ "$status" -eq 0 ]
	[ ! -e "$WORK/calls" ]
	# With the API out of reach (an engine over TCP) the CLI answers.
	PATH="$WORK/shim:$PATH" DOCKER_HOST=tcp://127.0.0.1:9 run "$SANDCAGE" -q build
	grep -q '^image inspect' "$WORK/calls"
}

@test "an image name that starts with - is a name, never an option of the engine's CLI" {
	# Over the API socket, when it answers.
	run "$SANDCAGE" doctor --image=--help
	[[ "$output" == *"fail  image              --help is missing"* ]]
	# Through the CLI (the API out of reach): the name comes after `--`, so
	# `image inspect` does not print its help and succeed. The shim records
	# each call and runs the real CLI against the local daemon.
	mkdir "$WORK/shim"
	printf '#!/bin/sh\necho "$*" >>"%s"\nexec env -u DOCKER_HOST %s "$@"\n' "$WORK/calls" \
		"$(command -v docker)" >"$WORK/shim/docker"
	chmod +x "$WORK/shim/docker"
	PATH="$WORK/shim:$PATH" DOCKER_HOST=tcp://127.0.0.1:9 run "$SANDCAGE" doctor --image=--help
	[[ "$output" == *"fail  image              --help is missing"* ]]
	grep -qxF 'image inspect --format={{.Id}} -- --help' "$WORK/calls"
}

@test "changing packages rebuilds, and the agents come from the cache" {
	printf 'packages: [jq]\n' >.sandcage.yml
	"$SANDCAGE" -q trust --yes >/dev/null  # packages, image.base and the Dockerfile are grants
	"$SANDCAGE" -q build >/dev/null
	printf 'packages: [jq, tree]\n' >.sandcage.yml
	"$SANDCAGE" -q trust --yes >/dev/null  # packages, image.base and the Dockerfile are grants
	# An image of this configuration from an earlier run would make the
	# build a no-op: the test wants the rebuild.
	docker rmi -f "$(planned_tag)" >/dev/null 2>&1 || true
	run "$SANDCAGE" -v build
	[ "$status" -eq 0 ]
	[[ "$output" == *"building image"* ]]
	# Each agent's install step is followed by the builder's cache hit; the
	# packages step runs.
	for pkg in @anthropic-ai/claude-code @openai/codex @google/gemini-cli; do
		grep -A2 -F "RUN (npm install -g $pkg)" <<<"$output" | grep -q -- '---> Using cache' ||
			{ echo "agent $pkg was rebuilt"; return 1; }
	done
	# The packages step is the new list (its layer may come from the cache
	# of an earlier run on this machine; the shell below proves it is there).
	grep -q -F 'install -y -qq --no-install-recommends jq tree' <<<"$output"
	run "$SANDCAGE" -q shell -- tree --version
	[ "$status" -eq 0 ]
}

@test "a missing image is built before the shell starts" {
	printf '%s' "$no_agents" >.sandcage.yml
	printf 'packages: [file]\n' >>.sandcage.yml
	"$SANDCAGE" -q trust --yes >/dev/null  # packages, image.base and the Dockerfile are grants
	tag=$(planned_tag)
	docker rmi -f "$tag" >/dev/null 2>&1 || true
	run "$SANDCAGE" shell -- file --version
	[ "$status" -eq 0 ]
	[[ "$output" == *"building image $tag"* ]]
	[[ "$output" == *"file-"* ]]
	docker image inspect "$tag" >/dev/null
}

@test "a package that does not exist fails, naming the step" {
	printf '%s' "$no_agents" >.sandcage.yml
	printf 'packages: [sandcage-no-such-package]\n' >>.sandcage.yml
	"$SANDCAGE" -q trust --yes >/dev/null  # packages, image.base and the Dockerfile are grants
	before=$(docker ps -aq --filter status=exited | wc -l)
	run "$SANDCAGE" build
	[ "$status" -ne 0 ]
	# The failed step's container is not left behind.
	[ "$(docker ps -aq --filter status=exited | wc -l)" -eq "$before" ]
	[[ "$output" == *"failed in step \`packages\`"* ]]
	[[ "$output" == *"sandcage-no-such-package"* ]]
	# and no container starts with a broken image
	run "$SANDCAGE" shell -- true
	[ "$status" -ne 0 ]
}

@test "--print shows the Dockerfile without building; --force rebuilds" {
	printf '%s' "$no_agents" >.sandcage.yml
	run "$SANDCAGE" build --print
	[ "$status" -eq 0 ]
	[[ "${lines[2]}" == "FROM $BASE_IMAGE AS runtime" ]]
	[[ "$output" == *"LABEL io.sandcage.hash="* ]]
	"$SANDCAGE" -q build >/dev/null
	run "$SANDCAGE" build --force
	[ "$status" -eq 0 ]
	[[ "$output" == *"building image"* ]]
	[[ "$output" == *"cached"* ]]
}

@test "a custom Dockerfile replaces the generated one; the user layer is added" {
	mkdir docker
	printf 'FROM %s\nRUN echo custom > /etc/custom-marker\n' "$BASE_IMAGE" >docker/Dockerfile
	printf 'image:\n  dockerfile: docker/Dockerfile\n' >.sandcage.yml
	"$SANDCAGE" -q trust --yes >/dev/null
	run "$SANDCAGE" -q shell -- sh -c 'cat /etc/custom-marker; id -u; echo $HOME'
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = custom ]
	[ "${lines[1]}" = "$(id -u)" ]
	[ "${lines[2]}" = /home/sandcage ]
	# Unchanged: nothing to build. Changed: built again.
	run "$SANDCAGE" -v build
	[[ "$output" != *"building image"* ]]
	printf 'FROM %s\nRUN echo changed > /etc/custom-marker\n' "$BASE_IMAGE" >docker/Dockerfile
	# The Dockerfile is part of the approval: a change asks again.
	run "$SANDCAGE" -q shell -- cat /etc/custom-marker
	[ "$status" -ne 0 ]
	[[ "$output" == *"changed since you trusted it"* ]]
	"$SANDCAGE" -q trust --yes >/dev/null  # packages, image.base and the Dockerfile are grants
	run "$SANDCAGE" -q shell -- cat /etc/custom-marker
	[ "$output" = changed ]
}

@test "a custom Dockerfile at the project root: what .dockerignore leaves out asks nothing" {
	printf 'FROM %s\nCOPY marker /etc/custom-marker\n' "$BASE_IMAGE" >Dockerfile
	printf '# the repository is not sent\n.git\n' >.dockerignore
	echo one >marker
	printf 'image:\n  dockerfile: Dockerfile\n' >.sandcage.yml
	"$SANDCAGE" -q trust --yes >/dev/null
	run "$SANDCAGE" -q shell -- cat /etc/custom-marker
	[ "$status" -eq 0 ]
	[ "$output" = one ]
	# A commit changes only .git, which the build is not sent: no question,
	# nothing to build.
	git add -A
	git -c user.name=t -c user.email=t@example.invalid commit -q -m files
	run "$SANDCAGE" -v build
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" != *"building image"* ]]
	run "$SANDCAGE" -q shell -- cat /etc/custom-marker
	[ "$status" -eq 0 ]
	[ "$output" = one ]
	# A file the build is sent is part of the approval: an edit asks again.
	echo two >marker
	run "$SANDCAGE" -q shell -- cat /etc/custom-marker
	[ "$status" -ne 0 ]
	[[ "$output" == *"changed since you trusted it"* ]]
	"$SANDCAGE" -q trust --yes >/dev/null
	run "$SANDCAGE" -q shell -- cat /etc/custom-marker
	[ "$output" = two ]
}

@test "a base image the engine cannot get is reported as such" {
	printf 'image:\n  base: sandcage-test/no-such-base:1\n' >.sandcage.yml
	"$SANDCAGE" -q trust --yes >/dev/null  # packages, image.base and the Dockerfile are grants
	run "$SANDCAGE" build
	[ "$status" -eq 1 ]
	[[ "$output" == *"failed at its base image \`sandcage-test/no-such-base:1\`"* ]]
	[[ "$output" == *"image.base"* ]]
}
