# Sourced by the test scripts: `apt_install PACKAGE...` installs Debian packages when running as
# root (updating the package lists once if the first try fails), and otherwise stops with the
# command to run. The sourcing script sets LOG_PREFIX for its messages.
log() { echo "${LOG_PREFIX:-scripts}: $*" >&2; }

apt_install() {
  if [ "$(id -u)" -ne 0 ]; then
    log "missing: $* - install it (Debian: apt-get install $*) or run 'make test' as root"
    exit 1
  fi
  log "installing $* from Debian's packages"
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -q "$@" >&2 || { apt-get update -q >&2 && apt-get install -y -q "$@" >&2; }
}
