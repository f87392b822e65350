# syntax=docker/dockerfile:1
# Execora: a release build in a Rust image, run from a slim Debian as a non-root user.
# CI has no container engine: .ci/dockerfile runs this file's build steps (the RUN lines of the
# `chef`, `planner` and `builder` stages) as shell steps on a clean checkout, and checks that the
# runtime stage's packages exist in Debian. Keep every RUN line runnable as a plain shell command.

# Toolchain + cargo-chef, which turns the workspace's manifests into a recipe so the dependency
# layer is cached across builds that only change our code. Nothing else: SQLite and TLS are
# built by cargo with the image's C compiler, and Opus is decoded in pure Rust.
FROM rust:1.95-slim-bookworm AS chef
RUN cargo install cargo-chef --locked --version 0.1.73
WORKDIR /app

FROM chef AS planner
COPY . .
RUN cargo chef prepare --recipe-path recipe.json

FROM chef AS builder
COPY --from=planner /app/recipe.json recipe.json
# The dependency layer: rebuilt only when Cargo.toml/Cargo.lock change.
RUN cargo chef cook --release --locked --recipe-path recipe.json --package execora-bot --bin execora
COPY . .
RUN cargo build --release --locked --package execora-bot --bin execora

# The runtime links only libc/libm/libgcc_s (SQLite, Opus and TLS are static); CA certificates
# are for the Graph API and the speech/language servers.
FROM debian:bookworm-slim AS runtime
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates tzdata && rm -rf /var/lib/apt/lists/*
RUN useradd --system --uid 10001 --home-dir /data --shell /usr/sbin/nologin execora \
    && mkdir -p /data && chown execora:execora /data
COPY --from=builder /app/target/release/execora /usr/local/bin/execora
USER execora
WORKDIR /data
ENV HOST=0.0.0.0 \
    PORT=8080 \
    DATABASE_URL=sqlite:///data/execora.db \
    EXECORA_RECORDINGS_URL=/data/recordings \
    EXECORA_LOG_FORMAT=json \
    EXECORA_METRICS_PORT=9091
# 8080: the service; 9091: /metrics, for the private network only.
EXPOSE 8080 9091
VOLUME ["/data"]
# No curl in the image: the binary asks its own /healthz on the loopback.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 CMD ["execora", "healthcheck"]
ENTRYPOINT ["execora"]
CMD ["serve"]
