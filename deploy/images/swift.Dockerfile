# The Swift 6.3 build image, for a machine that cannot pull swift:6.3-bookworm: bookworm, the
# packages Swift needs on Linux (those of the official image), and a toolchain folder as the build
# context (deploy/docker-engine.sh base-images: docker build -f - /opt/swift).
FROM debian:bookworm-slim

RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        binutils git gnupg2 libc6-dev libcurl4-openssl-dev libedit2 libgcc-12-dev libpython3.11 \
        libncurses6 libsqlite3-0 libstdc++-12-dev libxml2-dev libz3-dev pkg-config tzdata zlib1g-dev \
        ca-certificates \
 && rm -rf /var/lib/apt/lists/*

COPY usr /usr
RUN swift --version
