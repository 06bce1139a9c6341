# Whistle's one image: the four services and whistlectl; docker-compose.yml picks the program
# with each service's `command`. Build: docker build -t whistle:latest .

# ---- build: Swift toolchain, the C libraries' headers, a static Swift runtime -----------------
FROM swift:6.3-bookworm AS builder

RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        librabbitmq-dev libpq-dev pkg-config \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /src
COPY . .

# One product at a time (swift build takes one --product); later ones reuse the earlier work.
RUN set -eu; \
    for product in intake dispatcher notifier evaluator whistlectl; do \
        swift build -c release --static-swift-stdlib --product "$product"; \
    done

# The binaries, and every SwiftPM resource bundle (*.resources): a program looks for its
# bundles beside its own executable at run time.
RUN set -eu; \
    bin="$(swift build -c release --static-swift-stdlib --show-bin-path)"; \
    mkdir -p /app/bin; \
    for product in intake dispatcher notifier evaluator whistlectl; do \
        cp "$bin/$product" /app/bin/; \
    done; \
    find "$bin" -maxdepth 1 -name '*.resources' -exec cp -R {} /app/bin/ \; ; \
    ls -l /app/bin

# ---- run: a small Debian with only the shared libraries the programs load ---------------------
FROM debian:bookworm-slim

RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        librabbitmq4 libpq5 ca-certificates curl tzdata \
 && rm -rf /var/lib/apt/lists/*

RUN groupadd --system --gid 10001 whistle \
 && useradd --system --uid 10001 --gid whistle --home-dir /app --no-create-home \
        --shell /usr/sbin/nologin whistle

WORKDIR /app
COPY --from=builder /app/bin /app/bin
ENV PATH=/app/bin:$PATH

USER whistle
EXPOSE 8080
