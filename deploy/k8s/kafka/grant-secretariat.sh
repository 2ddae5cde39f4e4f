#!/bin/bash
# The broker operator's one-time grant to the secretariat (the same ACLs as grantSecretariat in
# scripts/lib/kafka-broker.ts): manage topics and ACLs under the prefix, publish control records, read tree heads.
# Nothing on exchange content: per-agreement topics and gateway ACLs are created by the secretariat at run time.
# Adding an ACL that exists is a no-op, so this may run at every start. Used by deploy/compose (kafka-grant)
# and deploy/k8s (Job kafka-grant-secretariat).
set -euo pipefail

bootstrap="${KAFKA_BOOTSTRAP:?set KAFKA_BOOTSTRAP}"
prefix="${KAFKA_TOPIC_PREFIX:-corridor}"
principal="User:${SECRETARIAT_PRINCIPAL:-secretariat}"
truststore="${KAFKA_TRUSTSTORE:?set KAFKA_TRUSTSTORE (the regional root, PEM)}"

umask 077
config="$(mktemp)"
trap 'rm -f "$config"' EXIT
if [ -n "${KAFKA_ADMIN_KEYSTORE:-}" ]; then
  # The operator's TLS client certificate (principal admin), as a PKCS#12 keystore: mutual TLS, as every client.
  keystore_password="$(cat "${KAFKA_ADMIN_KEYSTORE_PASSWORD_FILE:?set KAFKA_ADMIN_KEYSTORE_PASSWORD_FILE}")"
  cat > "$config" <<PROPS
security.protocol=SSL
ssl.truststore.type=PEM
ssl.truststore.location=${truststore}
ssl.keystore.type=PKCS12
ssl.keystore.location=${KAFKA_ADMIN_KEYSTORE}
ssl.keystore.password=${keystore_password}
ssl.key.password=${keystore_password}
PROPS
else
  # Kubernetes: the operator's admin principal may authenticate with SCRAM-SHA-512, and only over TLS.
  admin_user="${KAFKA_ADMIN_USERNAME:-admin}"
  admin_password="$(cat "${KAFKA_ADMIN_PASSWORD_FILE:?set KAFKA_ADMIN_KEYSTORE or KAFKA_ADMIN_PASSWORD_FILE}")"
  cat > "$config" <<PROPS
security.protocol=SASL_SSL
ssl.truststore.type=PEM
ssl.truststore.location=${truststore}
sasl.mechanism=SCRAM-SHA-512
sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="${admin_user}" password="${admin_password}";
PROPS
fi

acls() {
  /opt/kafka/bin/kafka-acls.sh --bootstrap-server "$bootstrap" --command-config "$config" \
    --add --allow-principal "$principal" --allow-host '*' "$@" > /dev/null
}

for attempt in $(seq 1 30); do
  if /opt/kafka/bin/kafka-acls.sh --bootstrap-server "$bootstrap" --command-config "$config" --list --cluster > /dev/null 2>&1; then
    break
  fi
  if [ "$attempt" = 30 ]; then
    echo "[kafka-grant] Kafka did not answer at $bootstrap" >&2
    exit 1
  fi
  sleep 2
done

acls --cluster --operation Create --operation Alter --operation Describe
acls --topic "${prefix}." --resource-pattern-type prefixed --operation Create --operation Describe --operation DescribeConfigs
acls --topic "${prefix}.control" --operation Write
acls --topic "${prefix}.audit.heads" --operation Read
acls --group "${prefix}.secretariat" --resource-pattern-type prefixed --operation Read
echo "[kafka-grant] $principal may manage topics and ACLs under ${prefix}."
