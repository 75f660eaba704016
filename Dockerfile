# servicecard: one binary for serve, worker, migrate, ingest, demo...
# Multi-stage: build with the Go toolchain, run on debian-slim (tzdata for
# business time zones, curl for the compose health check, a shell for the
# one-shot demo-data service).
FROM golang:1.26-trixie AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/servicecard ./cmd/servicecard

FROM debian:trixie-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates curl tzdata \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --home-dir /var/lib/servicecard --shell /usr/sbin/nologin servicecard \
 && mkdir -p /var/lib/servicecard /var/spool/servicecard /etc/servicecard \
 && chown servicecard /var/lib/servicecard /var/spool/servicecard
COPY --from=build /out/servicecard /usr/local/bin/servicecard
USER servicecard
WORKDIR /var/lib/servicecard
ENV SERVICECARD_LISTEN=0.0.0.0:8080
EXPOSE 8080
ENTRYPOINT ["/usr/local/bin/servicecard"]
CMD ["serve"]
