# Whistle's one image: the four services, whistlectl and whistle-bench; docker-compose.yml picks
# the program with each service's `command`.
#   DOCKER_BUILDKIT=1 docker build -t whistle:latest .
#   (docker-compose 1.x: DOCKER_BUILDKIT=1 COMPOSE_DOCKER_CLI_BUILD=1 docker-compose build)
# BuildKit keeps SwiftPM's build folder in a cache between builds, so a rebuild compiles only
# Whistle's own modules, not the packages. Packages come from GitHub; a folder .swift-packages/ in the context
# (bare repositories OWNER/NAME.git, deploy/compose-check.sh makes it) replaces GitHub when present.

# ---- build: the Swift toolchain and the C libraries' headers -------------------------------------
FROM swift:6.3-bookworm AS builder

RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        librabbitmq-dev libpq-dev pkg-config \
 && rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin

WORKDIR /src
COPY . .
# --build-arg STRIP=false keeps the symbols (a crash's backtrace then names functions).
ARG STRIP=true

# The programs, stripped, with every SwiftPM resource bundle beside them (a program looks for its
# bundles next to its executable), and the Swift runtime libraries they load (/app/lib).
RUN --mount=type=cache,id=whistle-swiftpm,target=/src/.build,sharing=locked \
    set -eu; \
    if [ -d .swift-packages ]; then git config --global url."file:///src/.swift-packages/".insteadOf https://github.com/; fi; \
    # The cache keeps the packages' objects; Whistle's own modules are always compiled anew: a
    # release build inlines code across modules, and an incremental build that reuses a module
    # compiled against an older layout of another crashes at run time.
    find Shared Services -type f -name '*.swift' -exec touch {} +; \
    swift build -c release; \
    bin="$(swift build -c release --show-bin-path)"; \
    mkdir -p /app/bin /app/lib; \
    for product in intake dispatcher notifier evaluator whistlectl whistle-bench; do \
        cp "$bin/$product" /app/bin/; \
        if [ "$STRIP" = true ]; then strip /app/bin/"$product"; fi; \
    done; \
    find "$bin" -maxdepth 1 -name '*.resources' -exec cp -R {} /app/bin/ \; ; \
    ldd /app/bin/* | awk '$3 ~ /^\/usr\/lib\/swift\// { print $3 }' | sort -u | xargs -I{} cp -L {} /app/lib/; \
    ls -l /app/bin /app/lib

# ---- run: a small Debian with only the shared libraries the programs load ------------------------
FROM debian:bookworm-slim

RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        librabbitmq4 libpq5 ca-certificates curl tzdata \
 && rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin

RUN groupadd --system --gid 10001 whistle \
 && useradd --system --uid 10001 --gid whistle --home-dir /app --no-create-home \
        --shell /usr/sbin/nologin whistle

COPY --from=builder /app /app
# The seed's entrypoint (docker-compose run --rm seed); the broker users come from whistlectl.
COPY deploy/seed.sh /app/deploy/
ENV PATH=/app/bin:$PATH \
    LD_LIBRARY_PATH=/app/lib
# Every library a program needs is here: fail the build, not the start.
RUN ! find /app/bin -maxdepth 1 -type f -exec ldd {} + | grep 'not found'

WORKDIR /app
USER whistle:whistle
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=5s --start-period=20s --retries=6 \
    CMD curl -fsS -o /dev/null http://127.0.0.1:${WHISTLE_HTTP_PORT:-8080}/healthz || exit 1
