# cutover in a container: `make image` (see deploy/docker/instantclient/README.md
# for the Oracle Instant Client, which Oracle does not let us download here).
#
#   docker build --build-arg INSTANTCLIENT_ZIP=instantclient-basiclite-linux.x64-23.9.0.25.07.zip -t cutover .
#
# Without INSTANTCLIENT_ZIP the image has no Oracle client: it moves MySQL
# sources only, and an Oracle source fails with DPI-1047.

# Build: cgo on, because godror compiles Oracle's ODPI-C into the binary; the
# Oracle client itself is loaded at run time, so the build needs no Oracle file.
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY . .
ARG VERSION=0.1.0-dev
ARG REVISION=unknown
RUN --mount=type=cache,target=/go/pkg/mod \
    --mount=type=cache,target=/root/.cache/go-build \
    CGO_ENABLED=1 go build -trimpath \
      -ldflags "-s -w -X main.version=${VERSION} -X main.revision=${REVISION}" \
      -o /out/cutover ./cmd/cutover

# The Oracle Instant Client, unpacked from the zip placed in
# deploy/docker/instantclient/ (empty when no zip is named).
FROM debian:bookworm-slim AS instantclient
ARG INSTANTCLIENT_ZIP=
COPY deploy/docker/instantclient/ /tmp/instantclient/
RUN set -eu; mkdir -p /opt/oracle/instantclient; \
    if [ -n "${INSTANTCLIENT_ZIP}" ]; then \
      zip="/tmp/instantclient/${INSTANTCLIENT_ZIP}"; \
      if [ ! -f "$zip" ]; then \
        echo "INSTANTCLIENT_ZIP=${INSTANTCLIENT_ZIP}: no such file in deploy/docker/instantclient/ (see its README.md)" >&2; exit 1; \
      fi; \
      apt-get update; apt-get install -y --no-install-recommends unzip; \
      unzip -q "$zip" -d /tmp/unpacked; \
      mv /tmp/unpacked/instantclient_*/* /opt/oracle/instantclient/; \
      if [ ! -e /opt/oracle/instantclient/libclntsh.so ]; then \
        echo "${INSTANTCLIENT_ZIP} holds no libclntsh.so: use the Basic or Basic Light package" >&2; exit 1; \
      fi; \
    fi

# Run: a small Debian with what the Instant Client needs (libaio) and the CA
# certificates for TLS to the databases and the alert webhook.
FROM debian:bookworm-slim AS runtime
RUN set -eu; apt-get update; \
    apt-get install -y --no-install-recommends ca-certificates libaio1; \
    rm -rf /var/lib/apt/lists/*; \
    useradd --system --uid 10001 --no-create-home --shell /usr/sbin/nologin cutover
COPY --from=instantclient /opt/oracle/instantclient /opt/oracle/instantclient
RUN echo /opt/oracle/instantclient > /etc/ld.so.conf.d/oracle-instantclient.conf && ldconfig
COPY --from=build /out/cutover /usr/local/bin/cutover
# A wallet or tnsnames.ora, when the DSN needs one, is mounted here.
ENV TNS_ADMIN=/opt/oracle/instantclient/network/admin
USER 10001
EXPOSE 9187
ENTRYPOINT ["/usr/local/bin/cutover"]
CMD ["help"]
