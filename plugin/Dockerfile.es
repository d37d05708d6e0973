# syntax=docker/dockerfile:1
# Elasticsearch with the Strata rescorer plugin, built from source in the first stage (Maven, JDK 21), so a clean
# clone needs no local build. docker-compose.yml builds it with plugin/ as the context.
#
# Both images are pinned by digest. The Elasticsearch digest is the Docker Official Image `elasticsearch:9.5.3`
# (multi-platform index); the version must equal <elasticsearch.version> in pom.xml (a classic plugin only loads
# on the exact version it was built for; test/unit/compose.test.ts checks it).
ARG MAVEN_IMAGE=maven:3-eclipse-temurin-21@sha256:8f6ac126f7810bb5549c4cd122d2bf0e9cda5bdeb0838aa928f09e779fd8bef8
ARG ES_IMAGE=elasticsearch:9.5.3@sha256:a4e2b3d21ad0f779f3044bb6828b5289d5f1c241b3ddd7efae7adaf81bcff412

FROM ${MAVEN_IMAGE} AS plugin
WORKDIR /build
COPY pom.xml ./
# Dependencies first, so a source change does not download them again.
RUN mvn -B -ntp -q dependency:go-offline
COPY src ./src
# The Surefire tests run in CI (.ci/run); the image build only packages.
RUN mvn -B -ntp -q -DskipTests package

FROM ${ES_IMAGE}
COPY --from=plugin --chown=elasticsearch:root /build/target/releases/strata-plugin.zip /tmp/strata-plugin.zip
# --batch accepts the entitlement prompt (the plugin asks for outbound_network only).
RUN bin/elasticsearch-plugin install --batch file:///tmp/strata-plugin.zip \
 && rm /tmp/strata-plugin.zip

# The secrets volume: this container writes the elastic password there (generated on first start unless
# ELASTIC_PASSWORD is set) and the Strata container reads it. Same uid (1000) as the node user of the service image.
USER root
RUN mkdir -p /run/strata-secrets && chown 1000:0 /run/strata-secrets && chmod 0700 /run/strata-secrets
USER 1000:0

# Password and STRATA_API_KEY handling, then the image's own entrypoint.
COPY --chmod=0755 docker-entrypoint-strata.sh /usr/local/bin/docker-entrypoint-strata.sh
ENTRYPOINT ["/bin/tini", "--", "/usr/local/bin/docker-entrypoint-strata.sh"]
CMD ["eswrapper"]
