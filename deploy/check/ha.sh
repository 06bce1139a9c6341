#!/usr/bin/env bash
# ha.sh — compose-check's high-availability step (sourced by deploy/compose-check.sh): the stack of
# docker-compose.ha.yml (three broker nodes, a PostgreSQL primary and its standby, two instances of
# every service) and its fault drill under a steady stream of demands, deploy/ha-drill.sh: a broker
# node stopped, started, another stopped; one instance of each service killed; the standby
# promoted after the primary stopped. Fails on any demand lost or taking effect twice.
#
# The drill runs as its own compose project (${CHECK_PROJECT}ha) with its own secrets and ports, on
# the check's engine; its stream is whistle-bench from the image whistle:latest. The drill's table
# is kept in $CHECK_DIR/ha-drill/table.md.

check_ha_drill() {
    WHISTLE_DRILL_PROJECT="${CHECK_PROJECT}ha" \
        WHISTLE_DRILL_DIR="$CHECK_DIR/ha-drill" \
        WHISTLE_DRILL_PHASE="${WHISTLE_DRILL_PHASE:-12}" \
        WHISTLE_DRILL_PORT_BASE="${WHISTLE_DRILL_PORT_BASE:-18500}" \
        "$REPO_ROOT/deploy/ha-drill.sh"
}
