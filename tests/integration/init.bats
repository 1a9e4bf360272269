#!/usr/bin/env bats
# sandcage init on the fixture projects of tests/golden/init: the file it
# writes (against CASE/expected.yml, the same golden files the unit test
# uses), that sandcage loads it, and that it never replaces a file unasked.

load helpers

GOLDEN=$BATS_TEST_DIRNAME/../golden/init

setup() {
	WORK=$(mktemp -d)
	WORK=$(cd "$WORK" && pwd -P)
	# No global configuration of the machine gets in the way.
	export SANDCAGE_HOME=$WORK/sandcage-home
	mkdir -p "$SANDCAGE_HOME"
}

teardown() {
	[ -z "${WORK:-}" ] || rm -rf "$WORK"
}

# A git repository holding the fixture project CASE; prints its path.
fixture() {
	local dir=$WORK/$1
	make_repo "$dir"
	cp -R "$GOLDEN/$1/project/." "$dir/"
	echo "$dir"
}

# init on the fixture CASE writes expected.yml, and sandcage loads it: the
# configuration, and the image plan (which checks the toolchain versions).
check_fixture() {
	local dir
	dir=$(fixture "$1")
	run "$SANDCAGE" init -p "$dir"
	[ "$status" -eq 0 ]
	[[ "$output" == *"wrote $dir/.sandcage.yml"* ]]
	diff -u "$GOLDEN/$1/expected.yml" "$dir/.sandcage.yml"
	run "$SANDCAGE" config -p "$dir"
	[ "$status" -eq 0 ]
	# What the file sets comes from the project layer.
	local key
	for key in $(sed -n 's/^  \([a-z]*\): ".*"$/\1/p' "$dir/.sandcage.yml"); do
		[[ "$output" == *"toolchains.$key = "*"# project $dir/.sandcage.yml:"* ]]
	done
	run "$SANDCAGE" build --print -p "$dir"
	[ "$status" -eq 0 ]
	[[ "$output" == FROM* || "$output" == *$'\nFROM '* ]]
}

@test "init: a Rust project with rust-toolchain.toml" {
	check_fixture rust
	grep -qx '  rust: "1.79.0"' "$WORK/rust/.sandcage.yml"
}

@test "init: a Rust project with a legacy rust-toolchain file" {
	check_fixture rust-legacy
	grep -qx '  rust: "nightly-2024-05-01"' "$WORK/rust-legacy/.sandcage.yml"
}

@test "init: a Node project with .nvmrc, engines and pnpm" {
	check_fixture node
	grep -qx '  node: "20.11.1"' "$WORK/node/.sandcage.yml"
	grep -q 'uses pnpm' "$WORK/node/.sandcage.yml"
}

@test "init: a Node range in engines.node becomes its major version" {
	check_fixture node-range
	grep -qx '  node: "20"' "$WORK/node-range/.sandcage.yml"
}

@test "init: a Python project pinning 3.12 gets 3.11 and a comment why" {
	check_fixture python
	grep -qx '  python: "3.11"' "$WORK/python/.sandcage.yml"
	grep -q '3.11 does not satisfy' "$WORK/python/.sandcage.yml"
}

@test "init: a Python project with requirements files" {
	check_fixture python-requirements
	grep -qx '  python: "3.11"' "$WORK/python-requirements/.sandcage.yml"
}

@test "init: a Go project with a toolchain directive" {
	check_fixture go
	grep -qx '  go: "1.22.3"' "$WORK/go/.sandcage.yml"
}

@test "init: a monorepo, without node_modules, target, vendor, dist, .venv or depth 4" {
	check_fixture monorepo
	local f=$WORK/monorepo/.sandcage.yml
	grep -qx '  rust: "stable"' "$f"
	grep -qx '  node: "22"' "$f"
	grep -qx '  python: "3.11"' "$f"
	grep -qx '  go: "1.21.0"' "$f"
	run grep -E 'left-pad|vendor|dist/|\.venv|deep/down|target/' "$f"
	[ "$status" -eq 1 ]
}

@test "init: an empty repository gets a file of comments that loads" {
	check_fixture empty
	run grep -E '^[a-z]' "$WORK/empty/.sandcage.yml"
	[ "$status" -eq 1 ]
	[[ "$(cat "$WORK/empty/.sandcage.yml")" == *"found no Rust, Node, Python or Go project"* ]]
}

@test "init: a second init without --force refuses and changes nothing" {
	local dir
	dir=$(fixture node)
	run "$SANDCAGE" init -p "$dir"
	[ "$status" -eq 0 ]
	echo "# my edit" >>"$dir/.sandcage.yml"
	cp -p "$dir/.sandcage.yml" "$WORK/before"
	run "$SANDCAGE" init -p "$dir"
	[ "$status" -eq 1 ]
	[[ "$output" == *".sandcage.yml\` exists"*"--force"* ]]
	cmp "$WORK/before" "$dir/.sandcage.yml"
	[ "$(stat -c %Y "$WORK/before")" = "$(stat -c %Y "$dir/.sandcage.yml")" ]
	# No temporary file is left behind.
	[ -z "$(find "$dir" -maxdepth 1 -name '*.sandcage.yml*' ! -name .sandcage.yml)" ]
	# --force replaces it.
	run "$SANDCAGE" init --force -p "$dir"
	[ "$status" -eq 0 ]
	cmp "$GOLDEN/node/expected.yml" "$dir/.sandcage.yml"
}

@test "init: --print and --dry-run show the file and write nothing" {
	local dir
	dir=$(fixture go)
	run "$SANDCAGE" init --print -p "$dir"
	[ "$status" -eq 0 ]
	[ "$output" = "$(cat "$GOLDEN/go/expected.yml")" ]
	[ ! -e "$dir/.sandcage.yml" ]
	[ ! -e "$dir/.gitignore" ]
	run "$SANDCAGE" init --dry-run -p "$dir"
	[ "$status" -eq 0 ]
	[ ! -e "$dir/.sandcage.yml" ]
	# Also when a file exists: it shows, and the file stays.
	echo "packages: [jq]" >"$dir/.sandcage.yml"
	run "$SANDCAGE" init --print -p "$dir"
	[ "$status" -eq 0 ]
	[ "$(cat "$dir/.sandcage.yml")" = "packages: [jq]" ]
}

@test "init: from a subdirectory it writes at the git root, as the user's file" {
	local dir
	dir=$(fixture rust)
	cd "$dir/src"
	run "$SANDCAGE" init --no-gitignore
	[ "$status" -eq 0 ]
	[ -f "$dir/.sandcage.yml" ]
	[ ! -e "$dir/src/.sandcage.yml" ]
	[ "$(stat -c %u "$dir/.sandcage.yml")" = "$(id -u)" ]
	[ "$(( 0$(stat -c %a "$dir/.sandcage.yml") & 0222 ))" -eq "$(( 0666 & ~0$(umask) & 0222 ))" ]
}

@test "init: without a terminal .gitignore gets only a hint, unless --gitignore" {
	local dir
	dir=$(fixture go)
	run "$SANDCAGE" init -p "$dir" </dev/null
	[ "$status" -eq 0 ]
	[[ "$output" == *"hint: .sandcage.local.yml"*".gitignore"* ]]
	[ ! -e "$dir/.gitignore" ]

	dir=$(fixture node)
	printf 'node_modules/' >"$dir/.gitignore" # no newline at the end
	run "$SANDCAGE" init --gitignore -p "$dir" </dev/null
	[ "$status" -eq 0 ]
	[[ "$output" == *"added .sandcage.local.yml to $dir/.gitignore"* ]]
	[ "$(cat "$dir/.gitignore")" = $'node_modules/\n.sandcage.local.yml' ]
	# git now ignores the local file.
	touch "$dir/.sandcage.local.yml"
	git -C "$dir" check-ignore -q .sandcage.local.yml

	# Already ignored: nothing added, no hint.
	run "$SANDCAGE" init --force --gitignore -p "$dir" </dev/null
	[ "$status" -eq 0 ]
	[ "$(grep -c sandcage.local "$dir/.gitignore")" -eq 1 ]
	run "$SANDCAGE" init --force -p "$dir" </dev/null
	[[ "$output" != *hint* ]]
}

@test "init: on a terminal it asks about .gitignore (y adds, the default does not)" {
	if ! command -v script >/dev/null; then
		[ "${SANDCAGE_MUST_WORK:-0}" != 1 ] || { echo "script(1) is missing" >&2; return 1; }
		skip "script(1) is not installed"
	fi
	local dir
	dir=$(fixture rust)
	run bash -c "printf 'y\n' | script -qec '$SANDCAGE init -p $dir' /dev/null"
	[ "$status" -eq 0 ]
	[[ "$output" == *"Add .sandcage.local.yml"*"[y/N]"* ]]
	grep -qx '.sandcage.local.yml' "$dir/.gitignore"

	dir=$(fixture go)
	run bash -c "printf '\n' | script -qec '$SANDCAGE init -p $dir' /dev/null"
	[ "$status" -eq 0 ]
	[[ "$output" == *"[y/N]"* ]]
	[ ! -e "$dir/.gitignore" ]
}

@test "init: outside a git repository it writes the file and offers no .gitignore" {
	mkdir -p "$WORK/plain"
	cp -R "$GOLDEN/python/project/." "$WORK/plain/"
	run "$SANDCAGE" init -p "$WORK/plain" </dev/null
	[ "$status" -eq 0 ]
	[[ "$output" == *"not in a git repository"* ]]
	[[ "$output" != *hint* ]]
	cmp "$GOLDEN/python/expected.yml" "$WORK/plain/.sandcage.yml"
}

@test "init: bad usage is exit code 2" {
	run "$SANDCAGE" init --bogus
	[ "$status" -eq 2 ]
	[[ "$output" == *"unknown option"* ]]
	run "$SANDCAGE" init extra
	[ "$status" -eq 2 ]
	run "$SANDCAGE" help init
	[ "$status" -eq 0 ]
	[[ "$output" == *"--gitignore"* ]]
}
