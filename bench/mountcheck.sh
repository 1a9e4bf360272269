#!/usr/bin/env bash
# What the container's mount check (sandcage-mountcheck, src/launch/pin.c)
# adds to a start: sandcage's own `docker run` argv, run alternately as it is
# and without the check (no --entrypoint, no mount of the program, the
# command straight after the image); the median wall time of each.
#
#   bench/mountcheck.sh [RUNS] [SANDCAGE ARGS...]
#     default: 21 runs of `shell -- true` with $SANDCAGE_IMAGE (default
#     sandcage-test/tools:bookworm), in the current directory's project.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
RUNS=${1:-21}
shift || true
[ $# -gt 0 ] || set -- shell -- true
SANDCAGE=${SANDCAGE:-$here/build/sandcage}
export SANDCAGE_IMAGE=${SANDCAGE_IMAGE-sandcage-test/tools:bookworm}

now_ns() { date +%s%N; }

mapfile -t ARGV < <("$SANDCAGE" -v "$@" 2>&1 >/dev/null </dev/null |
	sed -n 's/^sandcage: debug: exec: //p' | tr ' ' '\n')
[ "${#ARGV[@]}" -gt 3 ] || { echo "could not read sandcage's docker argv" >&2; exit 1; }

# The same argv without the check: options before the first `--`, then the
# image, then what follows the check's own `--`.
plain=() seps=0
for a in "${ARGV[@]}"; do
	if [ "$a" = -- ]; then
		seps=$((seps + 1))
		[ "$seps" -eq 1 ] && plain+=("$a")
		continue
	fi
	case $seps:$a in
	0:--entrypoint=*|0:*target=/.sandcage-mountcheck*) ;;
	0:*) plain+=("$a") ;;
	1:--bind=*|1:--volume=*|1:--home=*|1:--logins=*|1:--migrate=*|1:--login=*|1:--login-json=*) ;;
	*) plain+=("$a") ;;
	esac
done

named() {
	local a
	for a in "$@"; do
		case $a in --name=*) a="--name=sandcage-bench-$RANDOM-$$" ;; esac
		printf '%s\n' "$a"
	done
}

with=() without=()
for ((i = 0; i < RUNS; i++)); do
	mapfile -t a < <(named "${ARGV[@]}")
	mapfile -t b < <(named "${plain[@]}")
	t0=$(now_ns)
	"${a[@]}" </dev/null >/dev/null
	t1=$(now_ns)
	"${b[@]}" </dev/null >/dev/null
	t2=$(now_ns)
	with+=($(((t1 - t0) / 1000)))
	without+=($(((t2 - t1) / 1000)))
done

median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
ms() { awk -v us="$1" 'BEGIN {printf "%.1f ms", us / 1000}'; }
mw=$(median "${with[@]}")
mo=$(median "${without[@]}")
echo "runs: $RUNS (image $SANDCAGE_IMAGE)"
echo "docker run with the mount check:    median $(ms "$mw")"
echo "docker run without it, same argv:   median $(ms "$mo")"
echo "the check adds:                     $(ms $((mw - mo)))"
