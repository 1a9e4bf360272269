#!/usr/bin/env bats
# The command line: help, version, usage errors. No daemon needed.

load helpers

@test "--help lists the commands" {
	run "$SANDCAGE" --help
	[ "$status" -eq 0 ]
	[[ "$output" == *"usage: sandcage"* ]]
	[[ "$output" == *"shell"* ]]
}

@test "--version and version print the same version" {
	run "$SANDCAGE" --version
	[ "$status" -eq 0 ]
	[[ "$output" =~ ^sandcage\ [0-9]+\.[0-9]+\.[0-9]+$ ]]
	v=$output
	run "$SANDCAGE" version
	[ "$output" = "$v" ]
}

@test "help COMMAND and COMMAND --help print the same help" {
	run "$SANDCAGE" help shell
	[ "$status" -eq 0 ]
	[[ "$output" == *"usage: sandcage shell"* ]]
	[[ "$output" == *"--project"* ]]
	h=$output
	run "$SANDCAGE" shell --help
	[ "$status" -eq 0 ]
	[ "$output" = "$h" ]
}

@test "an unknown command is a usage error with exit code 2" {
	run "$SANDCAGE" frobnicate
	[ "$status" -eq 2 ]
	[[ "$output" == *"unknown command \`frobnicate\`"* ]]
	[[ "$output" == *"usage: sandcage"* ]]
}

@test "an unknown flag is a usage error with exit code 2" {
	run "$SANDCAGE" shell --frobnicate
	[ "$status" -eq 2 ]
	[[ "$output" == *"unknown option \`--frobnicate\`"* ]]
	[[ "$output" == *"usage: sandcage shell"* ]]
	run "$SANDCAGE" --frobnicate
	[ "$status" -eq 2 ]
	run "$SANDCAGE" help frobnicate
	[ "$status" -eq 2 ]
}

@test "no command prints the help on stderr with exit code 2" {
	run "$SANDCAGE"
	[ "$status" -eq 2 ]
	[[ "$output" == *"commands:"* ]]
}

@test "a missing option value is a usage error" {
	run "$SANDCAGE" shell -p
	[ "$status" -eq 2 ]
	[[ "$output" == *"needs a value"* ]]
}

@test "a disabled agent refuses and names the line that disabled it" {
	dir=$(mktemp -d)
	git -C "$dir" init -q
	printf 'services:\n  claude:\n    enabled: false\n' > "$dir/.sandcage.yml"
	run "$SANDCAGE" claude -p "$dir"
	rm -rf "$dir"
	[ "$status" -eq 1 ]
	[[ "$output" == *"agent \`claude\` is disabled by $dir/.sandcage.yml:3"* ]]
}

@test "a name that is neither a command nor a configured service is a usage error" {
	dir=$(mktemp -d)
	run "$SANDCAGE" -q frobnicate -p "$dir"
	rm -rf "$dir"
	[ "$status" -eq 2 ]
	[[ "$output" == *"unknown command \`frobnicate\`"* ]]
}

@test "a project path that does not exist is a clear error" {
	run "$SANDCAGE" shell --image x -p /nonexistent/sandcage-project -- true
	[ "$status" -eq 1 ]
	[[ "$output" == *"/nonexistent/sandcage-project"* ]]
}

@test "ps and stop use the engine the configuration names" {
	# A `docker` that says it was run is all the PATH has: the configured
	# podman is then missing, and neither command may fall back to docker.
	shim=$BATS_TEST_TMPDIR/shim
	mkdir -p "$shim" "$BATS_TEST_TMPDIR/home" "$BATS_TEST_TMPDIR/repo"
	printf '#!/bin/sh\necho "docker was run" >&2\nexit 1\n' >"$shim/docker"
	chmod +x "$shim/docker"
	printf 'engine = "podman"\n' >"$BATS_TEST_TMPDIR/home/config.toml"
	export SANDCAGE_HOME=$BATS_TEST_TMPDIR/home
	unset SANDCAGE_ENGINE
	for args in ps "stop --all" "ps -p $BATS_TEST_TMPDIR/repo" "stop -p $BATS_TEST_TMPDIR/repo"; do
		PATH=$shim run "$SANDCAGE" $args
		[ "$status" -eq 1 ]
		[[ "$output" == *"container engine \`podman\` not found"* ]]
		[[ "$output" != *"docker was run"* ]]
	done
	# A project's own setting counts for -p, as for the commands that run.
	printf 'engine = ""\n' >"$SANDCAGE_HOME/config.toml"
	printf 'engine: podman\n' >"$BATS_TEST_TMPDIR/repo/.sandcage.yml"
	PATH=$shim run "$SANDCAGE" ps -p "$BATS_TEST_TMPDIR/repo"
	[ "$status" -eq 1 ]
	[[ "$output" == *"container engine \`podman\` not found"* ]]
	PATH=$shim run "$SANDCAGE" ps
	[[ "$output" == *"docker was run"* ]]
}
