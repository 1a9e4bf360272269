# The upstream server of the network tests: `openssl s_server -www` answers
# HTTPS on ports 443 and 8443 with a status page, under a self-signed
# certificate for the names the tests give it (network aliases). python3 runs
# the fake model API of the credential tests (../data/fake-upstream.py, mounted
# in); python3-minimal lacks json and http.server.
ARG BASE=sandcage-test/base:bookworm
FROM ${BASE}
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends openssl python3 \
 && rm -rf /var/lib/apt/lists/*
RUN openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj /CN=allowed.test \
      -addext "subjectAltName=DNS:allowed.test,DNS:other.test" \
      -keyout /srv.key -out /srv.crt 2>/dev/null
CMD ["sh", "-c", "openssl s_server -quiet -www -accept 443 -cert /srv.crt -key /srv.key & exec openssl s_server -quiet -www -accept 8443 -cert /srv.crt -key /srv.key"]
