#!/bin/sh
# Route the VPC over the Direct Connect link and trust the emulator's CA, then run the command.
set -e
if [ -n "${VPC_CIDR:-}" ] && [ -n "${DX_GATEWAY:-}" ]; then
  ip route replace "$VPC_CIDR" via "$DX_GATEWAY"
fi
for _ in $(seq 1 100); do [ -s /certs/ca.pem ] && break; sleep 0.1; done
if [ -s /certs/ca.pem ]; then
  cp /certs/ca.pem /usr/local/share/ca-certificates/apigw-emulator.crt
  update-ca-certificates >/dev/null 2>&1
fi
touch /tmp/client-ready
exec "$@"
