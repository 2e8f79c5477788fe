# Staffroom in a container. Build: docker compose build (see docs/operations.md).
FROM rust:1-bookworm AS build
WORKDIR /src
RUN apt-get update \
 && apt-get install -y --no-install-recommends libssl-dev pkg-config \
 && rm -rf /var/lib/apt/lists/*
COPY Cargo.toml Cargo.lock ./
COPY src src
COPY migrations migrations
RUN cargo build --locked --release --bin staffroom

FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends libssl3 ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --create-home --home-dir /var/lib/staffroom --shell /usr/sbin/nologin staffroom
COPY --from=build /src/target/release/staffroom /usr/local/bin/staffroom
USER staffroom
WORKDIR /var/lib/staffroom
ENV STAFFROOM_BIND=0.0.0.0:8080 \
    STAFFROOM_DATA_DIR=/var/lib/staffroom
EXPOSE 8080
STOPSIGNAL SIGTERM
CMD ["staffroom", "serve"]
