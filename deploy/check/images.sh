#!/usr/bin/env bash
# images.sh — compose-check's images: the build of HEAD and of the previous release, the stack
# brought up with a given tag, and what the images are like (sourced by deploy/compose-check.sh).

# The bare repositories of every pinned package, in .swift-packages/ of a build context: the
# image's build reads them instead of GitHub, which this machine cannot reach.
vendor_packages() {
    local context="$1" mirror="${WHISTLE_SWIFT_PACKAGES:-/opt/swift-packages}"
    [[ -f "$REPO_ROOT/Package.resolved" ]] || (cd "$REPO_ROOT" && swift package resolve >/dev/null)
    rm -rf "$context/.swift-packages"
    python3 - "$REPO_ROOT/Package.resolved" "$mirror" "$context/.swift-packages" <<'PY'
import json, shutil, sys
resolved, mirror, target = sys.argv[1:]
for pin in json.load(open(resolved))["pins"]:
    path = pin["location"].removeprefix("https://github.com/").removesuffix(".git") + ".git"
    shutil.copytree(f"{mirror}/{path}", f"{target}/{path}", symlinks=True)
PY
}

# The commit before the last migration was added: the release an upgrade starts from.
previous_release() {
    local added
    if [[ "$(git -C "$REPO_ROOT" rev-parse --is-shallow-repository)" == true ]]; then
        git -C "$REPO_ROOT" fetch -q --unshallow || check_die "a shallow clone lacks the previous release, and git fetch --unshallow failed"
    fi
    added="$(git -C "$REPO_ROOT" log -1 --diff-filter=A --format=%H -- Shared/WhistleReliability/Migrations/)"
    [[ -n "$added" ]] || check_die "no commit adds a migration"
    git -C "$REPO_ROOT" rev-parse "$added^"
}

# build_image TAG CONTEXT [DOCKERFILE]: a BuildKit build, its log kept; the tail shown on failure.
build_image() {
    local tag="$1" context="$2" file="${3:-}" log t0=$SECONDS
    log="$CHECK_DIR/build-${tag//[:\/]/-}.log"
    if ! DOCKER_BUILDKIT=1 docker build --progress=plain -t "$tag" ${file:+-f "$file"} "$context" >"$log" 2>&1; then
        tail -n 40 "$log" >&2
        check_say "building $tag failed (log: ${log#"$REPO_ROOT"/})"
        return 1
    fi
    check_say "built $tag in $((SECONDS - t0)) s ($(image_mb "$tag") MB)"
}

image_mb() { docker image inspect -f '{{.Size}}' "$1" | awk '{ printf "%.0f", $1 / 1048576 }'; }

check_images() {
    local previous tag
    build_image whistle-rabbitmq:latest "$REPO_ROOT" "$REPO_ROOT/deploy/images/rabbitmq/Dockerfile"
    build_image whistle-postgres:latest "$REPO_ROOT" "$REPO_ROOT/deploy/images/postgres/Dockerfile"
    if wanted upgrade; then
        # The previous release as it shipped: its programs and its own recipe (Dockerfile, and
        # the seed's entrypoint with what it calls), on today's broker and database images. A
        # release older than the Dockerfile is built by today's recipe.
        previous="$(previous_release)"
        check_say "previous release: $(git -C "$REPO_ROOT" log -1 --format='%h %ad %s' --date=short "$previous" | cut -c1-100)"
        rm -rf "$CHECK_DIR/previous"
        mkdir -p "$CHECK_DIR/previous"
        git -C "$REPO_ROOT" archive "$previous" | tar -x -C "$CHECK_DIR/previous"
        if [[ ! -f "$CHECK_DIR/previous/Dockerfile" ]]; then
            cp "$REPO_ROOT/Dockerfile" "$REPO_ROOT/.dockerignore" "$CHECK_DIR/previous/"
            mkdir -p "$CHECK_DIR/previous/deploy"
            cp "$REPO_ROOT/deploy/seed.sh" "$CHECK_DIR/previous/deploy/"
        fi
        vendor_packages "$CHECK_DIR/previous"
        build_image whistle:previous "$CHECK_DIR/previous"
        for tag in whistle-rabbitmq whistle-postgres; do docker tag "$tag:latest" "$tag:previous"; done
    fi
    vendor_packages "$REPO_ROOT"
    build_image whistle:latest "$REPO_ROOT"
}

# check_up TAG: the stack of images TAG up (created or updated in place), every service healthy.
check_up() {
    WHISTLE_IMAGE_TAG="$1" check_compose up -d --no-build --remove-orphans
    check_wait_healthy 240
}

# cold_start SERVICE: seconds from `docker start` to the first 200 from its /healthz.
cold_start() {
    local id t0
    check_compose stop -t 10 "$1" >/dev/null 2>&1
    id="$(check_compose ps -q "$1")"
    t0="$(date +%s.%N)"
    docker start "$id" >/dev/null
    until docker exec "$id" curl -fsS -o /dev/null --max-time 1 http://127.0.0.1:8080/healthz 2>/dev/null; do
        sleep 0.05
    done
    awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.2f", b - a }'
}

check_images_fit() {
    local image service id user ro tools
    printf '%-26s %8s  %-14s\n' image MB user
    for image in whistle:latest whistle-rabbitmq:latest whistle-postgres:latest swift:6.3-bookworm debian:bookworm-slim; do
        user="$(docker image inspect -f '{{.Config.User}}' "$image")"
        printf '%-26s %8s  %-14s\n' "$image" "$(image_mb "$image")" "${user:-root}"
    done
    # No compiler, no toolchain in the programs' image.
    tools="$(docker run --rm --entrypoint sh whistle:latest -c 'for t in swift swiftc gcc cc clang ld make git; do command -v $t; done' || true)"
    [[ -z "$tools" ]] || { check_say "build tools in whistle:latest: $tools"; return 1; }
    printf '\n%-12s %-10s %-9s %s\n' service user read-only 'cold start (s, docker start → /healthz 200)'
    for service in intake dispatcher notifier evaluator; do
        id="$(check_compose ps -q "$service")"
        user="$(docker exec "$id" id -un)"
        ro="$(docker inspect -f '{{.HostConfig.ReadonlyRootfs}}' "$id")"
        [[ "$user" != root && "$ro" == true ]] || { check_say "$service runs as $user, read-only root: $ro"; return 1; }
        printf '%-12s %-10s %-9s %s\n' "$service" "$user" "$ro" "$(cold_start "$service")"
    done
    for service in rabbitmq postgres; do
        id="$(check_compose ps -q "$service")"
        printf '%-12s %-10s %-9s\n' "$service" "$(docker exec "$id" id -un)" "$(docker inspect -f '{{.HostConfig.ReadonlyRootfs}}' "$id")"
    done
    check_wait_healthy 120
}
