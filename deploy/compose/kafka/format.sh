#!/bin/bash
# Formats the KRaft storage once. No users: every client authenticates with a TLS certificate from the regional CA.
# A second run is a no-op (--ignore-formatted).
set -euo pipefail

if [ -f /var/lib/kafka/data/meta.properties ]; then
  echo "[kafka-format] storage already formatted"
  exit 0
fi
if [ ! -s /var/lib/kafka/tls/kafka-node-1.p12 ] || [ ! -s /var/lib/kafka/tls/ca.pem ]; then
  echo "[kafka-format] /var/lib/kafka/tls/kafka-node-1.p12 is missing: issue it with 'corridor pki kafka-cert --principal kafka-node-1 --broker --host kafka --host 127.0.0.1 --keystore' (docs/operations.md, Docker Compose)" >&2
  exit 1
fi

/opt/kafka/bin/kafka-storage.sh format \
  --cluster-id "${CLUSTER_ID:?set CLUSTER_ID}" \
  --config /etc/corridor/kafka/server.properties \
  --ignore-formatted
echo "[kafka-format] formatted (mutual TLS, no SCRAM users)"
