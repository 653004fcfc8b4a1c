#!/usr/bin/env bash
# Compares what the CLI prints at two revisions, on the same lab, command by command: the
# check that a change meant to move code around changed no output. As root:
#
#   scripts/cli-compare.sh [BASE] [HEAD]     (default: HEAD~1 against the working tree)
#
# BASE is built in a temporary git worktree (sharing this checkout's node_modules); HEAD is
# this checkout (built first) unless a revision is given. Both run the same list of commands
# against one lab in namespaces this script makes (vcmp-a, vcmp-b; 10.250.0.0/24) and
# removes. Outputs that hold no timing are compared byte for byte; those with timings
# (ping, bench, trace) with every run of digits masked and blanks squeezed, so their words,
# lines and fields are compared. Standard output, standard error and the exit status are all
# compared. Prints the commands that differ with a diff of each; exits 1 if any did.
set -euo pipefail
cd "$(dirname "$0")/.."
[ "$(id -u)" -eq 0 ] || { echo "cli-compare: run as root (it builds a lab)" >&2; exit 2; }
base=${1:-HEAD~1}
head=${2:-}
root=$(pwd)
tmp=$(mktemp -d /tmp/vping-cmp.XXXXXX)
NS_A=vcmp-a NS_B=vcmp-b IF_A=vca0 IF_B=vcb0 ADDR_A=10.250.0.1 ADDR_B=10.250.0.2
LAB=(--ns "$NS_A,$NS_B" --ifnames "$IF_A,$IF_B" --addrs "$ADDR_A/24,$ADDR_B/24")

cleanup() {
  node "$root/dist/bin/vping.js" lab down "${LAB[@]}" >/dev/null 2>&1 || true
  for w in "$tmp"/wt-*; do [ -d "$w" ] && git -C "$root" worktree remove --force "$w" >/dev/null 2>&1; done
  rm -rf "$tmp"
}
trap cleanup EXIT

build() { # build REV DIR: a worktree of REV at DIR, compiled
  git -C "$root" worktree add --detach -q "$2" "$1"
  ln -s "$root/node_modules" "$2/node_modules"
  (cd "$2" && npx tsc -p tsconfig.json)
}

cmd_a="$tmp/wt-base"
build "$base" "$cmd_a"
if [ -n "$head" ]; then
  cmd_b="$tmp/wt-head"
  build "$head" "$cmd_b"
else
  cmd_b="$root"
  npx tsc -p tsconfig.json
fi

node "$root/dist/bin/vping.js" lab up "${LAB[@]}" >/dev/null
pcap="$tmp/frames.pcap"
# a file both builds read: a few echoes captured on the lab by this checkout's build
node "$root/dist/bin/vping.js" capture "$NS_A:$IF_A" -c 6 -w "$pcap" >/dev/null 2>&1 &
cap=$!
sleep 1
node "$root/dist/bin/vping.js" -n "$NS_A" ping -c 3 -i 0.05 -s 100 "$ADDR_B" >/dev/null
wait $cap

# One command a line: MODE (exact|digits) then the arguments after `vping`.
commands=$(cat <<EOF
exact --help
exact help link
exact link --help
exact addr --help
exact netns --help
exact lab --help
exact lab up --help
exact ping --help
exact capture --help
exact bench --help
exact trace --help
exact demo --help
exact lab status ${LAB[*]}
exact -j lab status ${LAB[*]}
exact -n $NS_A a
exact -n $NS_A -j a
exact -n $NS_B a show dev $IF_B
exact -n $NS_A link
exact -n $NS_A -j link
exact -n $NS_A link show $IF_A
exact -n vcmp-nosuch a
exact -n $NS_A a show dev nosuch0
exact link add averyveryverylongname type veth peer name x
exact netns ad x
exact lnk
exact ping
exact -n $NS_A ping -c 0 $ADDR_B
exact -n $NS_A ping -s 70000 $ADDR_B
exact capture -s -1 $NS_A:$IF_A
exact capture $NS_A:nosuch0 -c 1
exact lab up --pairs 0
exact capture -r $pcap
exact capture -r $pcap -e
exact capture -r $pcap -v
exact capture -r $pcap -X
exact capture -r $pcap -XX
exact capture -r $pcap -tt
exact capture -r $pcap --time-stamp-precision nano
exact capture -r $pcap -c 2 -q
exact capture -r /dev/null
digits -n $NS_A ping -c 3 -i 0.01 $ADDR_B
digits -n $NS_A ping -c 3 -i 0.01 -q $ADDR_B
digits -n $NS_A ping -c 2 -i 0.01 -D -s 1400 $ADDR_B
digits -n $NS_A ping -c 2 -i 0.01 -v $ADDR_B
digits -n $NS_A -j ping -c 2 -i 0.01 $ADDR_B
digits -n $NS_A ping -f -c 200 $ADDR_B
digits -n $NS_B ping -c 2 -i 0.01 -W 0.2 10.250.0.99
digits lab ping ${LAB[*]} -c 2 -i 0.01
digits bench ${LAB[*]} -c 40 --warmup 5 --sizes 56 --interval 0.005
digits trace ${LAB[*]} -c 5 -i 0.01
EOF
)

run_all() { # run_all BUILD OUT
  local i=0 mode args
  mkdir -p "$2"
  while read -r mode args; do
    i=$((i + 1))
    # shellcheck disable=SC2086 # the arguments are words on purpose
    (cd "$tmp" && timeout 60 node "$1/dist/bin/vping.js" $args) >"$2/$i.out" 2>"$2/$i.err" </dev/null && echo 0 >"$2/$i.rc" || echo $? >"$2/$i.rc"
    # timings: digits masked, runs of blanks (column widths follow the numbers) made one,
    # and trace's per-echo bars (one letter per slice of the RTT) made one word
    if [ "$mode" = digits ]; then sed -i -E 's/[0-9]+/N/g; s/ +/ /g; s/(^| )[sq>tr]{8,}( |$)/\1BAR\2/g' "$2/$i.out" "$2/$i.err"; fi
  done <<<"$commands"
}

run_all "$cmd_a" "$tmp/out-base"
run_all "$cmd_b" "$tmp/out-head"

i=0
bad=0
while read -r mode args; do
  i=$((i + 1))
  for k in out err rc; do
    if ! cmp -s "$tmp/out-base/$i.$k" "$tmp/out-head/$i.$k"; then
      [ $bad -eq 0 ] || echo
      echo "cli-compare: vping $args ($mode): $k differs"
      diff "$tmp/out-base/$i.$k" "$tmp/out-head/$i.$k" | head -20 || true
      bad=$((bad + 1))
    fi
  done
done <<<"$commands"
n=$(wc -l <<<"$commands")
if [ $bad -eq 0 ]; then
  echo "cli-compare: $n commands, outputs identical between $base and ${head:-the working tree}"
else
  echo "cli-compare: $bad differences in $n commands between $base and ${head:-the working tree}"
  exit 1
fi
