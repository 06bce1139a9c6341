#!/usr/bin/env bash
# definitions.sh — the broker's users and what each may touch (least privilege), as RabbitMQ
# definitions JSON. One source for the local servers (servers.sh imports it with development
# passwords) and for production (the broker image's boot definitions, the seed's accounts).
#
#   source deploy/rabbitmq/definitions.sh
#   whistle_definitions plain|hashed|site|boot|accounts [SEED_DEPARTMENTS_YAML]
#
# plain and hashed carry the development passwords (the user's name) for the local servers and
# the tests; site carries the site's own passwords (see _site_password) for production; boot is
# site without adapters and departments: what the broker image loads when it starts; accounts is
# the other half, only the adapters' and the seed's departments' users, with their passwords from
# the operator's accounts file (WHISTLE_BROKER_ACCOUNTS, KEY=VALUE lines) or the environment and
# never a new one: a missing password stops it, naming every user, variable and the command that
# adds them, before anything is printed (deploy/seed.sh loads it into a running broker).
#
# Users (development password = the user name):
#   whistle-intake, -dispatcher, -notifier, -evaluator   each service: its own queues, the whistle.*
#                                                       exchanges it declares, publish where it must;
#                                                       on whistle.events only the event types it
#                                                       emits (topic permissions; the same split as
#                                                       SenderRules.emitter(of:) in the domain)
#   whistle-admin                                       operators (whistlectl): everything
#   adapter-12345, -hotline, -grid, -petition           channel adapters: publish to whistle.intake
#                                                       only, under their own routing keys (topic
#                                                       permissions); read nothing
#   dept-<code>, one per department of the seed          read only dept.<code>; publish replies only
#                                                       under <code> (and triage.<code>); a street
#                                                       office also `evaluation` on whistle.intake

# shellcheck disable=SC2034  # for the scripts that source this file
WHISTLE_SERVICE_USERS=(whistle-intake whistle-dispatcher whistle-notifier whistle-evaluator)
WHISTLE_ADMIN_USER=whistle-admin
WHISTLE_ADAPTERS=(12345 hotline grid petition)
# The event types each service emits on whistle.events (its routing keys there), as regex
# alternatives. Consumers dead-letter an event from any other user (SenderRules in the domain;
# LeastPrivilegeTests checks that the two agree).
declare -gA WHISTLE_EVENTS=(
    [intake]='ticket\\.accepted|ticket\\.merged|demand\\.duplicate|demand\\.rejected|feedback\\.received|feedback\\.rejected|evaluation\\.recorded|evaluation\\.rejected'
    [dispatcher]='ticket\\.triage|ticket\\.dispatched|assignment\\.(acknowledged|progress|completed|returned|extended|due_soon|overdue)|ticket\\.escalated|ticket\\.resolved|ticket\\.reopened|ticket\\.closed|reply\\.rejected'
    [notifier]='notification\\.sent|notification\\.failed'
    [evaluator]='hotspot\\.detected'
)
# Exchanges every service declares (idempotently) on connecting. Declaring a queue that
# dead-letters to whistle.dlx needs write on whistle.dlx; binding whistle.dead-letters to it
# needs write on the queue and read on the exchange.
_WHISTLE_EXCHANGES='whistle\\.(intake|dispatch|replies|events|dlx|dead-letters)'

# The department codes of a seed departments.yaml (every `code:` value).
whistle_department_codes() {
    grep -oE '\bcode:[[:space:]]*[A-Za-z0-9_-]+' "$1" | sed -E 's/code:[[:space:]]*//'
}

# The codes of the street offices (kind: street_office) of a seed departments.yaml: the streets
# that blow whistles and evaluate them (一哨一考核).
whistle_street_office_codes() {
    grep -E '\bkind:[[:space:]]*street_office\b' "$1" | grep -oE '\bcode:[[:space:]]*[A-Za-z0-9_-]+' | sed -E 's/code:[[:space:]]*//'
}

# _perm USER CONFIGURE WRITE READ: one permissions entry on vhost "/".
_perm() { printf '{"user": "%s", "vhost": "/", "configure": "%s", "write": "%s", "read": "%s"}' "$1" "$2" "$3" "$4"; }
# _topic USER EXCHANGE WRITE [READ]: one topic-permissions entry (read: the binding keys the user
# may bind its queues with on that exchange; default nothing).
_topic() { printf '{"user": "%s", "vhost": "/", "exchange": "%s", "write": "%s", "read": "%s"}' "$1" "$2" "$3" "${4:-^\$}"; }

# The variable that holds USER's password in a site's secrets: WHISTLE_AMQP_PASSWORD_ and the
# user without the whistle- prefix, upper case, other characters as _ (whistle-intake → _INTAKE,
# whistle-admin → _ADMIN, adapter-12345 → _ADAPTER_12345, dept-XS-CGJ → _DEPT_XS_CGJ).
whistle_password_variable() {
    local name="${1#whistle-}"
    name="${name^^}"
    printf 'WHISTLE_AMQP_PASSWORD_%s' "${name//[^A-Z0-9]/_}"
}

# _site_password USER: the site's password of USER: from its variable in the environment, else
# from the passwords file (WHISTLE_BROKER_PASSWORDS, KEY=VALUE lines), else a new random one that
# is appended to that file (mode 600), which the operator keeps and hands to adapters and
# departments.
_site_password() {
    local variable value file="${WHISTLE_BROKER_PASSWORDS:-}"
    variable="$(whistle_password_variable "$1")"
    value="${!variable:-}"
    if [[ -z "$value" && -n "$file" && -f "$file" ]]; then
        value="$(grep -E "^${variable}=" "$file" | tail -n 1 | cut -d= -f2-)"
    fi
    if [[ -z "$value" ]]; then
        [[ -n "$file" ]] || { echo "definitions: $variable is not set and WHISTLE_BROKER_PASSWORDS names no file to keep a new one" >&2; return 1; }
        value="$(od -An -N24 -tx1 /dev/urandom | tr -d ' \n')"
        (umask 077 && printf '%s=%s\n' "$variable" "$value" >>"$file")
    fi
    printf '%s' "$value"
}

# _user NAME TAGS MODE: a user with its development password (plain), a hash of it (hashed), or
# a hash of the site's own password (site, see _site_password).
_user() {
    local name="$1" tags="$2" mode="$3" password="$1"
    if [[ "$mode" == site ]]; then
        password="$(_site_password "$name")" || return 1
    fi
    if [[ "$mode" == hashed || "$mode" == site ]]; then
        printf '{"name": "%s", "password_hash": "%s", "hashing_algorithm": "rabbit_password_hashing_sha256", "tags": %s}' \
            "$name" "$("$(dirname "${BASH_SOURCE[0]}")/hash-password.sh" "$password")" "$tags"
    else
        printf '{"name": "%s", "password": "%s", "tags": %s}' "$name" "$password" "$tags"
    fi
}

# whistle_account_users [SEED_DEPARTMENTS_YAML]: the users of mode accounts, one a line.
whistle_account_users() {
    local channel code
    for channel in "${WHISTLE_ADAPTERS[@]}"; do printf 'adapter-%s\n' "$channel"; done
    if [[ -n "${1:-}" ]]; then
        while read -r code; do
            [[ -z "$code" ]] || printf 'dept-%s\n' "$code"
        done < <(whistle_department_codes "$1")
    fi
}

# _accounts_missing [SEED_DEPARTMENTS_YAML]: fails, naming each one, when a user of mode accounts
# has no password in the environment nor in the accounts file WHISTLE_BROKER_ACCOUNTS.
_accounts_missing() {
    local file="${WHISTLE_BROKER_ACCOUNTS:-}" user variable missing=()
    if [[ -n "$file" && ! -r "$file" ]]; then
        echo "definitions: the accounts file $file (WHISTLE_BROKER_ACCOUNTS) cannot be read" >&2
        return 1
    fi
    while read -r user; do
        variable="$(whistle_password_variable "$user")"
        [[ -n "${!variable:-}" ]] && continue
        [[ -n "$file" ]] && grep -qE "^${variable}=.+" "$file" && continue
        missing+=("$user ($variable)")
    done < <(whistle_account_users "${1:-}")
    ((${#missing[@]} == 0)) && return 0
    # WHISTLE_BROKER_ACCOUNTS_FILE: where the environment's passwords came from (the seed container).
    printf 'definitions: no password for %d broker user(s) in %s:\n' "${#missing[@]}" \
        "${file:-${WHISTLE_BROKER_ACCOUNTS_FILE:-the environment (WHISTLE_BROKER_ACCOUNTS is not set)}}" >&2
    printf '  %s\n' "${missing[@]}" >&2
    printf 'add them on the host, then run the seed again (nothing was changed):\n  deploy/secrets.sh --accounts SEED_FOLDER\n' >&2
    return 1
}

whistle_definitions() {
    local mode="$1" seed="${2:-}" code channel keys accounts=true services=true
    local users=() perms=() topics=()
    if [[ "$mode" == boot ]]; then
        mode=site accounts=false seed=''
    elif [[ "$mode" == accounts ]]; then
        _accounts_missing "$seed" || return 1
        # Found above: _site_password reads them, never makes one.
        mode=site services=false
        local WHISTLE_BROKER_PASSWORDS="${WHISTLE_BROKER_ACCOUNTS:-}"
    fi
    if $services; then
        users+=("$(_user "$WHISTLE_ADMIN_USER" '["administrator"]' "$mode")")
        perms+=("$(_perm "$WHISTLE_ADMIN_USER" '.*' '.*' '.*')")
        for code in intake dispatcher notifier evaluator; do
            users+=("$(_user "whistle-$code" '[]' "$mode")")
        done
        # intake: consumes intake.inbound (bound to whistle.intake), publishes events.
        perms+=("$(_perm whistle-intake "^(${_WHISTLE_EXCHANGES}|intake\\\\.inbound)\$" \
            '^(whistle\\.(events|dlx|dead-letters)|intake\\.inbound)$' '^(whistle\\.(intake|dlx)|intake\\.inbound)$')")
        # dispatcher: consumes its events and replies, declares and fills the department queues.
        perms+=("$(_perm whistle-dispatcher "^(${_WHISTLE_EXCHANGES}|dispatcher\\\\..*|dept\\\\..*)\$" \
            '^(whistle\\.(dispatch|events|dlx|dead-letters)|dispatcher\\..*|dept\\..*)$' \
            '^(whistle\\.(events|replies|dispatch|dlx)|dispatcher\\..*)$')")
        for code in notifier evaluator; do
            perms+=("$(_perm "whistle-$code" "^(${_WHISTLE_EXCHANGES}|${code}\\\\..*)\$" \
                "^(whistle\\\\.(events|dlx|dead-letters)|${code}\\\\..*)\$" "^(whistle\\\\.(events|dlx)|${code}\\\\..*)\$")")
        done
        # Each service publishes on whistle.events only the types it emits; it binds its queues to any.
        for code in intake dispatcher notifier evaluator; do
            topics+=("$(_topic "whistle-$code" whistle.events "^(${WHISTLE_EVENTS[$code]})\$" '.*')")
        done
    fi
    for channel in "${WHISTLE_ADAPTERS[@]}"; do
        $accounts || break
        users+=("$(_user "adapter-$channel" '[]' "$mode")")
        perms+=("$(_perm "adapter-$channel" '^$' '^whistle\\.intake$' '^$')")
        # Its demands, and feedback about its channel's tickets (回访 through the hotlines, a grid
        # worker's verification, a petition bureau's satisfaction survey); intake checks the channel.
        keys="^(demand\\\\.$channel|feedback)\$"
        topics+=("$(_topic "adapter-$channel" whistle.intake "$keys")")
    done
    if [[ -n "$seed" ]]; then
        local streets
        streets=" $(whistle_street_office_codes "$seed" | tr '\n' ' ') "
        while read -r code; do
            [[ -n "$code" ]] || continue
            users+=("$(_user "dept-$code" '[]' "$mode")")
            if [[ "$streets" == *" $code "* ]]; then
                # A street office evaluates the departments its whistles summoned (一哨一考核).
                perms+=("$(_perm "dept-$code" '^$' '^whistle\\.(replies|intake)$' "^dept\\\\.${code//./\\\\.}\$")")
                topics+=("$(_topic "dept-$code" whistle.intake '^evaluation$')")
            else
                perms+=("$(_perm "dept-$code" '^$' '^whistle\\.replies$' "^dept\\\\.${code//./\\\\.}\$")")
            fi
            topics+=("$(_topic "dept-$code" whistle.replies "^(${code}|triage\\\\.${code})\$")")
        done < <(whistle_department_codes "$seed")
    fi
    local IFS=$'\n'
    printf '{\n  "vhosts": [{"name": "/"}],\n  "users": [\n    %s\n  ],\n' "$(printf '%s\n' "${users[@]}" | paste -sd '\n' | sed '$!s/$/,/' | sed '2,$s/^/    /')"
    printf '  "permissions": [\n    %s\n  ],\n' "$(printf '%s\n' "${perms[@]}" | sed '$!s/$/,/' | sed '2,$s/^/    /')"
    printf '  "topic_permissions": [\n    %s\n  ]\n}\n' "$(printf '%s\n' "${topics[@]}" | sed '$!s/$/,/' | sed '2,$s/^/    /')"
}
