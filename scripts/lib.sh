# Helpers shared by scripts/test.sh and scripts/schemathesis.sh (sourced, not run).

section() { printf '\n==> %s\n' "$*"; }
die() { printf '%s: %s\n' "${0##*/}" "$*" >&2; exit 1; }

# Root runs apt and drops to the postgres user; anyone else needs sudo for apt
# and runs PostgreSQL as themselves.
if [[ $EUID -eq 0 ]]; then SUDO=(); else SUDO=(sudo); fi

# Installs only the packages that are missing, so a prepared machine skips apt entirely.
ensure_packages() {
    local missing=() pkg
    for pkg in "$@"; do
        # "install ok installed", not merely known to dpkg (removed packages keep a status).
        [[ "$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null)" == "install ok installed" ]] \
            || missing+=("$pkg")
    done
    [[ ${#missing[@]} -eq 0 ]] && return 0
    section "installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    "${SUDO[@]}" apt-get update
    "${SUDO[@]}" apt-get install -y --no-install-recommends "${missing[@]}"
}

# A port nobody listens on: a failed bash /dev/tcp connect means the port is free.
free_port() {
    local port i
    for i in $(seq 1 50); do
        port=$((20000 + RANDOM % 40000))
        if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
            echo "$port"
            return 0
        fi
    done
    die "no free TCP port found"
}
