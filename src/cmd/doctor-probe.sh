# shellcheck shell=sh
# The probes of `sandcage doctor`. It runs inside the container, as the agent
# would (`sh -c` with this text), and prints one line per probe:
# "NAME<TAB>pass|fail<TAB>REASON". Arguments: the host canary, the host's
# ~/.ssh, the expected UID, GID, process and memory limits, then
# `--protected PATH...`, `--masked PATH...` and `--logins FILE[:KEY]...`.
# For each login file (relative to HOME, the home volume) that is there, not
# empty, and has "KEY" in it when one is given, it prints
# "login<TAB>found<TAB>FILE[:KEY]"; it never prints a file's content.
# It is built into sandcage as a C string (tools/embed-text.py); doctor.c
# lists the probe names it expects, in this order.
r() { printf '%s\t%s\t%s\n' "$1" "$2" "$3"; }
canary=$1 hostssh=$2 uid=$3 gid=$4 want_pids=$5 want_mem=$6
shift 6
# runtime-socket
found=
for s in /var/run/docker.sock /run/docker.sock /run/containerd/containerd.sock \
  /var/run/containerd/containerd.sock /run/podman/podman.sock /var/run/podman/podman.sock \
  /run/crio/crio.sock /run/buildkit/buildkitd.sock "$HOME/.docker/run/docker.sock" \
  "/run/user/$uid/docker.sock" "/run/user/$uid/podman/podman.sock"; do
  [ -e "$s" ] && found="$found $s"
done
if command -v find >/dev/null 2>&1; then
  more=$(find / -maxdepth 4 \( -path /proc -o -path /sys \) -prune -o -type s \( \
    -name docker.sock -o -name podman.sock -o -name containerd.sock -o -name crio.sock \
    -o -name buildkitd.sock \) -print 2>/dev/null | head -n 5 | tr '\n' ' ')
  [ -n "$more" ] && found="$found $more"
fi
if [ -n "${DOCKER_HOST-}" ]; then found="$found DOCKER_HOST=$DOCKER_HOST"; fi
if [ -n "$found" ]; then r runtime-socket fail "a container engine is reachable:$found"
else r runtime-socket pass "no container engine socket, no DOCKER_HOST"; fi
# ssh-agent
if [ -n "${SSH_AUTH_SOCK+x}" ]; then
  r ssh-agent fail "SSH_AUTH_SOCK is set: $SSH_AUTH_SOCK"
else r ssh-agent pass "SSH_AUTH_SOCK is unset"; fi
# capabilities, no-new-privileges, seccomp
caps='' nnp='' sec=''
while read -r k v rest; do
  case $k in
  Cap*:) case $v in *[!0]*) caps="$caps ${k%:}=$v";; esac;;
  NoNewPrivs:) nnp=$v;;
  Seccomp:) sec=$v;;
  esac
done </proc/self/status
if [ -n "$caps" ]; then r capabilities fail "capability sets not empty:$caps"
else r capabilities pass "effective, permitted, inheritable, bounding and ambient sets \
are 0"; fi
if [ "$nnp" = 1 ]; then r no-new-privileges pass "NoNewPrivs is 1"
else r no-new-privileges fail "NoNewPrivs is ${nnp:-unknown}"; fi
if [ "$sec" = 2 ]; then r seccomp pass "a seccomp filter is on (mode 2)"
else r seccomp fail "seccomp mode is ${sec:-unknown}, not 2 (filtering)"; fi
# host-canary, host-ssh
if [ -e "$canary" ] || cat "$canary" >/dev/null 2>&1; then
  r host-canary fail "the host file $canary outside the project is visible"
else r host-canary pass "the host file $canary outside the project is unreadable"; fi
if [ -e "$hostssh" ]; then r host-ssh fail "the host's $hostssh is visible"
else r host-ssh pass "the host's $hostssh is absent"; fi
# protected-paths, masked-files
mode='' np=0 bad='' nm=0 badm='' logins=''
for a in "$@"; do
  case $a in
  --protected) mode=p; continue;; --masked) mode=m; continue;; --logins) mode=l; continue;;
  esac
  if [ "$mode" = l ]; then logins="$logins $a"
  elif [ "$mode" = p ]; then
    np=$((np + 1))
    if [ -d "$a" ]; then
      if ( : >"$a/.sandcage-doctor-probe" ) 2>/dev/null; then
        rm -f "$a/.sandcage-doctor-probe"; bad="$bad $a"; continue; fi
    elif ( : >>"$a" ) 2>/dev/null; then bad="$bad $a"; continue; fi
    if mv "$a" "$a.sandcage-doctor-probe" 2>/dev/null; then
      mv "$a.sandcage-doctor-probe" "$a"; bad="$bad $a(renamed)"; fi
  else
    nm=$((nm + 1))
    if [ -s "$a" ]; then badm="$badm $a"; continue; fi
    if ( : >>"$a" ) 2>/dev/null; then badm="$badm $a(writable)"; fi
  fi
done
if [ -n "$bad" ]; then r protected-paths fail "writable:$bad"
elif [ "$np" = 0 ]; then r protected-paths pass "none of the protected paths exists"
else r protected-paths pass "$np paths are read-only and cannot be renamed"; fi
if [ -n "$badm" ]; then r masked-files fail "not masked:$badm"
elif [ "$nm" = 0 ]; then r masked-files pass "no secret file in the project"
else r masked-files pass "$nm secret files read as empty and cannot be written"; fi
# mount, unshare
if command -v mount >/dev/null 2>&1; then
  d=$(mktemp -d 2>/dev/null) || d=/tmp
  if mount -t tmpfs sandcage-probe "$d" 2>/dev/null; then
    umount "$d"; r mount fail "mounting a tmpfs worked"
  elif command -v unshare >/dev/null 2>&1 &&
    unshare -rm mount -t tmpfs sandcage-probe "$d" 2>/dev/null; then
    r mount fail "mounting a tmpfs in a new user namespace worked"
  else r mount pass "mounting a tmpfs fails"; fi
  [ "$d" = /tmp ] || rmdir "$d" 2>/dev/null
else r mount pass "no mount program in the image (the capability sets are empty)"; fi
if command -v unshare >/dev/null 2>&1; then
  ok=
  for f in -U -m -n -p; do unshare $f true 2>/dev/null && ok="$ok $f"; done
  if [ -n "$ok" ]; then r unshare fail "new namespaces could be made:$ok"
  else r unshare pass "new user, mount, network and PID namespaces are refused"; fi
else r unshare pass "no unshare program in the image (the capability sets are empty)"; fi
# pids-limit, memory-limit
p=; for f in /sys/fs/cgroup/pids.max /sys/fs/cgroup/pids/pids.max; do
  [ -r "$f" ] && { p=$(cat "$f"); break; }; done
if [ -z "$p" ] || [ "$p" = max ]; then
  r pids-limit fail "no process limit (${p:-no pids.max})"
elif [ "$p" = "$want_pids" ]; then r pids-limit pass "pids.max is $p, as configured"
else r pids-limit fail "pids.max is $p, configured $want_pids"; fi
m=; for f in /sys/fs/cgroup/memory.max /sys/fs/cgroup/memory/memory.limit_in_bytes; do
  [ -r "$f" ] && { m=$(cat "$f"); break; }; done
case $m in
''|max|9223372036854771712) r memory-limit fail "no memory limit (${m:-no memory.max})";;
*) r memory-limit pass "the limit is $m bytes (configured $want_mem)";;
esac
# user
if [ "$(id -u)" = "$uid" ] && [ "$(id -g)" = "$gid" ]; then
  r user pass "running as $uid:$gid, the host user"
else r user fail "running as $(id -u):$(id -g), not the host user $uid:$gid"; fi
# login files in the home volume (found or not: no pass or fail)
for a in $logins; do
  f=$HOME/${a%%:*} k=
  case $a in *:*) k=${a#*:};; esac
  if [ -s "$f" ] && { [ -z "$k" ] || grep -q "\"$k\"" "$f" 2>/dev/null; }; then
    printf 'login\tfound\t%s\n' "$a"
  fi
done
