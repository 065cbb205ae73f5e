# The connector's image for those who build with Docker (docker build -t nsps-connector .). Without a
# daemon, the same image is built by Jib: mvn -Pimage package (docs/deploy.md).
# Stage 1: the distribution, built (the tests are CI's job: mvn verify). The context keeps .git, so
# that --version names the commit.
ARG BUILD_IMAGE=maven:3.9-eclipse-temurin-17
ARG RUNTIME_IMAGE=eclipse-temurin:17-jre
FROM ${BUILD_IMAGE} AS build
WORKDIR /src
COPY . .
RUN mvn -B -ntp -q -DskipTests package -pl connector-dist -am

# Stage 2: a Java 17 runtime and the distribution, run as a non-root user. (RUNTIME_IMAGE=
# eclipse-temurin:25-jre starts ~18% sooner, on an ahead-of-time cache, for ~7% more CPU per event and
# ~6 MB more idle memory: docs/deploy.md.)
FROM ${RUNTIME_IMAGE}
COPY --from=build /src/connector-dist/target/nsps-connector /opt/nsps-connector
# The class-data-sharing archive, recorded now by the launcher's training run with this image's own
# Java runtime (an archive is valid only for the runtime that made it), while lib/ is writable: the
# image's starts then take about a third less time (docs/performance.md). The Jib image cannot run a
# command while it is built, and starts without one (docs/deploy.md).
RUN rm -f /opt/nsps-connector/.built-from-sources \
 && /opt/nsps-connector/bin/nsps-connector --version \
 && { [ -s /opt/nsps-connector/lib/classes.jsa ] || [ -s /opt/nsps-connector/lib/classes.aot ] \
     || echo "warning: no class-data archive recorded: the image starts without one" >&2; }
# Numeric, as in the Jib image and the Kubernetes manifests (runAsUser: 10001).
USER 10001:10001
ENV PORT=8080 NSPS_HEAP_PERCENT=60
EXPOSE 8080
ENTRYPOINT ["/opt/nsps-connector/bin/nsps-connector"]
