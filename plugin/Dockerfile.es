# Elasticsearch with the Strata rescorer plugin. Build the zip first: `npm run plugin:build`
# (docker compose builds this image with plugin/ as the context).
ARG ES_VERSION=9.5.3
FROM docker.elastic.co/elasticsearch/elasticsearch:${ES_VERSION}

COPY --chown=elasticsearch:root target/releases/strata-plugin.zip /tmp/strata-plugin.zip
# --batch accepts the entitlement prompt (the plugin asks for outbound_network only).
RUN bin/elasticsearch-plugin install --batch file:///tmp/strata-plugin.zip \
 && rm /tmp/strata-plugin.zip

# Puts STRATA_API_KEY (if set) into the keystore as strata.service.api_key, then runs the image's own entrypoint.
COPY --chmod=0755 docker-entrypoint-strata.sh /usr/local/bin/docker-entrypoint-strata.sh
ENTRYPOINT ["/bin/tini", "--", "/usr/local/bin/docker-entrypoint-strata.sh"]
CMD ["eswrapper"]
