#!/bin/bash
# Entrypoint of the Elasticsearch image with the Strata plugin (plugin/Dockerfile.es), before the official one:
#  1. The `elastic` password: ELASTIC_PASSWORD when set (from .env), else one generated on the first start and kept
#     in the secrets volume, so `docker compose up` works from a clean clone without a shared default password.
#     It is written to $STRATA_SECRETS_DIR/elastic-password (mode 600), which the Strata container reads.
#  2. STRATA_API_KEY (if set) goes into the keystore as strata.service.api_key, so it never appears in
#     elasticsearch.yml or in the node's settings API.
# The paths can be overridden (tests run this script outside a container).
set -euo pipefail

secrets="${STRATA_SECRETS_DIR:-/run/strata-secrets}"
es_home="${ES_HOME:-/usr/share/elasticsearch}"
next="${STRATA_NEXT_ENTRYPOINT:-/usr/local/bin/docker-entrypoint.sh}"

umask 077
if [[ -n "${ELASTIC_PASSWORD:-}" ]]; then
  printf '%s' "$ELASTIC_PASSWORD" > "$secrets/elastic-password.tmp"
  mv "$secrets/elastic-password.tmp" "$secrets/elastic-password"
elif [[ -s "$secrets/elastic-password" ]]; then
  ELASTIC_PASSWORD="$(cat "$secrets/elastic-password")"
else
  # 32 URL-safe characters (it also goes into the service's STRATA_ES_URL).
  ELASTIC_PASSWORD="$(head -c 48 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' | head -c 32)"
  printf '%s' "$ELASTIC_PASSWORD" > "$secrets/elastic-password.tmp"
  mv "$secrets/elastic-password.tmp" "$secrets/elastic-password"
  echo "docker-entrypoint-strata: generated the elastic password (read it with: docker compose exec elasticsearch cat $secrets/elastic-password)"
fi
export ELASTIC_PASSWORD
umask 022

if [[ -n "${STRATA_API_KEY:-}" ]]; then
  cd "$es_home"
  [[ -f config/elasticsearch.keystore ]] || bin/elasticsearch-keystore create
  printf '%s' "$STRATA_API_KEY" | bin/elasticsearch-keystore add -x -f strata.service.api_key
fi
unset STRATA_API_KEY

exec "$next" "$@"
