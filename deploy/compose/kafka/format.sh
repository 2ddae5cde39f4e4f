#!/bin/bash
# Formats the KRaft storage once, with the SCRAM-SHA-512 users of the deployment (passwords from Docker secrets).
# A second run is a no-op (--ignore-formatted): add users to a running broker with kafka-configs.sh instead.
set -euo pipefail

if [ -f /var/lib/kafka/data/meta.properties ]; then
  echo "[kafka-format] storage already formatted"
  exit 0
fi

scram=()
for user in admin secretariat gw-ne gw-ly gw-it; do
  file="/run/secrets/kafka_${user//-/_}_password"
  if [ ! -s "$file" ]; then
    echo "[kafka-format] missing secret $file: run ./make-secrets.sh" >&2
    exit 1
  fi
  scram+=(--add-scram "SCRAM-SHA-512=[name=${user},password=$(cat "$file")]")
done

/opt/kafka/bin/kafka-storage.sh format \
  --cluster-id "${CLUSTER_ID:?set CLUSTER_ID}" \
  --config /etc/corridor/kafka/server.properties \
  --ignore-formatted \
  "${scram[@]}"
echo "[kafka-format] formatted with SCRAM users admin, secretariat, gw-ne, gw-ly, gw-it"
