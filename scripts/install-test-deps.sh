#!/usr/bin/env bash
# Installs what vping's tests use as judges and what capture needs, on a fresh Debian
# machine, as root: iproute2 (ip), iputils-ping (ping), tcpdump, libpcap0.8 (filters),
# chromium (renders `vping bench --report` pages in a test), util-linux (setpriv, to run
# the CLI as an unprivileged user; unshare and nsenter, for namespaces without a name),
# procps (sysctl inside test namespaces), gcc (tests that compile iputils' own arithmetic
# as C to judge vping's), prometheus with promtool (scrapes `vping exporter` in a test) and
# prometheus-smokeping-prober (the exporter's peer in bench/exporter). Then the npm
# packages (npm ci builds dist/ through the package's prepare script), and Node 24 (LTS)
# into .cache/node24 for the suite's second run (scripts/test-node24.sh): the latest 24.x
# of the npm package node-linux-<arch>, which carries Node's own binaries. Safe to run
# again: it installs only what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
command -v ip >/dev/null 2>&1 || need+=(iproute2)
command -v ping >/dev/null 2>&1 || need+=(iputils-ping)
command -v tcpdump >/dev/null 2>&1 || need+=(tcpdump)
PATH="$PATH:/sbin:/usr/sbin" ldconfig -p 2>/dev/null | grep -q 'libpcap.so.0.8' || need+=(libpcap0.8)
command -v chromium >/dev/null 2>&1 || need+=(chromium)
{ command -v setpriv && command -v nsenter && command -v unshare; } >/dev/null 2>&1 || need+=(util-linux)
command -v sysctl >/dev/null 2>&1 || need+=(procps)
command -v cc >/dev/null 2>&1 || need+=(gcc libc6-dev)
command -v prometheus >/dev/null 2>&1 && command -v promtool >/dev/null 2>&1 || need+=(prometheus)
command -v prometheus-smokeping-prober >/dev/null 2>&1 || need+=(prometheus-smokeping-prober)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "install-test-deps: missing ${need[*]}; run as root to install them" >&2
    exit 2
  fi
  echo "install-test-deps: apt-get install ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi
[ -f dist/bin/vping.js ] || npm run build

# Node 24 beside the machine's Node, for the suite's second run
if [ ! -x .cache/node24/bin/node ]; then
  case "$(uname -m)" in
    x86_64) arch=x64 ;;
    aarch64) arch=arm64 ;;
    *) echo "install-test-deps: no Node 24 package for $(uname -m)" >&2; exit 2 ;;
  esac
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  tgz=$(npm pack --silent --pack-destination "$tmp" "node-linux-$arch@24")
  tar -xzf "$tmp/$tgz" -C "$tmp"
  rm -rf .cache/node24
  mkdir -p .cache
  mv "$tmp/package" .cache/node24
  echo "install-test-deps: Node $(.cache/node24/bin/node -v) in .cache/node24"
fi
