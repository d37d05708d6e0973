#!/bin/bash
# Adds the Strata service API key to the Elasticsearch keystore (secure setting strata.service.api_key), so it
# never appears in elasticsearch.yml or in the node's settings API, then hands over to the official entrypoint.
set -euo pipefail

if [[ -n "${STRATA_API_KEY:-}" ]]; then
  cd /usr/share/elasticsearch
  [[ -f config/elasticsearch.keystore ]] || bin/elasticsearch-keystore create
  printf '%s' "$STRATA_API_KEY" | bin/elasticsearch-keystore add -x -f strata.service.api_key
fi
unset STRATA_API_KEY

exec /usr/local/bin/docker-entrypoint.sh "$@"
