#!/bin/sh
# Makes a throwaway CA and a server certificate signed by it, for the fake
# upstream (fake-upstream.py) and the credential proxy tests.
#
#   make-test-ca.sh DIR NAME...
#
# writes DIR/ca.crt (the CA to trust: NODE_EXTRA_CA_CERTS, SSL_CERT_FILE, or
# a sandcage image.ca_certificates entry), DIR/ca.key, and DIR/server.crt +
# DIR/server.key for the DNS names NAME... (the first is the subject CN).
# Needs only openssl; keys are unencrypted, certificates last 30 days.
set -eu
[ $# -ge 2 ] || { echo "usage: $0 DIR NAME..." >&2; exit 2; }
dir=$1
shift
mkdir -p "$dir"
san=""
for name in "$@"; do
	san="${san:+$san,}DNS:$name"
done
openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj "/CN=sandcage test CA" \
	-addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
	-keyout "$dir/ca.key" -out "$dir/ca.crt" 2>/dev/null
openssl req -new -newkey rsa:2048 -nodes -subj "/CN=$1" \
	-keyout "$dir/server.key" -out "$dir/server.csr" 2>/dev/null
printf 'subjectAltName=%s\nbasicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n' \
	"$san" >"$dir/server.ext"
openssl x509 -req -in "$dir/server.csr" -CA "$dir/ca.crt" -CAkey "$dir/ca.key" -CAcreateserial \
	-days 30 -extfile "$dir/server.ext" -out "$dir/server.crt" 2>/dev/null
rm -f "$dir/server.csr" "$dir/server.ext" "$dir/ca.srl"
# Readable by the unprivileged user a container may run as.
chmod 0644 "$dir"/*.crt "$dir"/*.key
