# Container image for the ogp binary (server, worker, migrate).
#
#   docker build -t ogp .
#   docker run --rm -e OGP_DATABASE_URL=... -e TEMPORAL_ADDRESS=... ogp server
#
# cgo is required: mattn/go-sqlite3 (used by the embedded dev Temporal) is
# linked into the binary, so the runtime image must share the builder's glibc
# (both are Debian bookworm).

FROM golang:1.26-bookworm AS build
WORKDIR /src
# The official image sets GOTOOLCHAIN=local; "auto" lets a stale cached
# 1.26.x image fetch the exact toolchain that go.mod requires.
ENV CGO_ENABLED=1 GOTOOLCHAIN=auto

# Dependencies first, so this layer is reused until go.mod/go.sum change.
COPY go.mod go.sum ./
RUN go mod download

COPY . .
# The cache mount (BuildKit, the default builder) keeps compiled packages
# between builds: the embedded Temporal server is slow to compile from scratch.
RUN --mount=type=cache,target=/root/.cache/go-build \
    go build -trimpath -ldflags="-s -w" -o /out/ogp ./cmd/ogp


FROM debian:bookworm-slim

RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates tzdata \
    && rm -rf /var/lib/apt/lists/*

RUN groupadd --system --gid 10001 ogp \
    && useradd --system --uid 10001 --gid ogp --home-dir /var/lib/ogp --create-home \
        --shell /usr/sbin/nologin ogp

COPY --from=build /out/ogp /usr/local/bin/ogp

USER 10001:10001
WORKDIR /var/lib/ogp

ENV OGP_HTTP_ADDR=:8080
EXPOSE 8080

# No HEALTHCHECK: the slim image has no HTTP client. Orchestrators should probe
# GET /healthz (liveness) and GET /readyz (readiness) on port 8080.
ENTRYPOINT ["/usr/local/bin/ogp"]
CMD ["server"]
