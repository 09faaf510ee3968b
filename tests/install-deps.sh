#!/bin/sh
# Install the Debian packages named on the command line that are missing.
# Used by 'make run' and 'make check'; needs root only when something is missing.
#
# On a machine just booted, unattended-upgrades (or another apt) may hold
# apt's locks: wait for them, up to APT_LOCK_WAIT seconds (default 600),
# saying once what holds them, rather than fail at once.  When the install
# fails, say which of the packages is the trouble.
set -e
missing=
for p in "$@"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" != 0 ]; then
	echo "missing packages:$missing" >&2
	echo "run as root (sudo make ...) to install them, or: sudo apt-get install$missing" >&2
	exit 1
fi

wait_s=${APT_LOCK_WAIT:-600}
locks='/var/lib/dpkg/lock-frontend /var/lib/dpkg/lock /var/lib/apt/lists/lock /var/cache/apt/archives/lock'

# The holders of apt's and dpkg's locks ("COMMAND PID PATH" lines), if any.
lock_holders() {
	lslocks -n -r -o COMMAND,PID,PATH 2>/dev/null | while read -r cmd pid path; do
		for l in $locks; do
			[ "$path" = "$l" ] && echo "$cmd (pid $pid) holds $path"
		done
	done
	return 0
}

# Wait until no other process holds apt's locks, at most wait_s seconds.
wait_for_apt() {
	waited=0
	while held=$(lock_holders); [ -n "$held" ]; do
		if [ "$waited" -eq 0 ]; then
			echo "waiting up to ${wait_s}s for apt's locks:" >&2
			echo "$held" | sed 's/^/  /' >&2
		fi
		if [ "$waited" -ge "$wait_s" ]; then
			echo "apt is still busy after ${wait_s}s; try again when it is done" \
			     "(APT_LOCK_WAIT=SECONDS waits longer)" >&2
			exit 1
		fi
		sleep 1
		waited=$((waited + 1))
	done
}

# Which of the packages cannot be installed, and why, after a failed install.
explain() {
	for p in $missing; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' &&
			continue
		cand=$(apt-cache policy "$p" 2>/dev/null | sed -n 's/^ *Candidate: *//p')
		if [ -z "$cand" ]; then
			echo "  $p: no such package in the configured apt sources" >&2
		elif [ "$cand" = "(none)" ]; then
			echo "  $p: known, but no version can be installed (apt-cache policy $p)" >&2
		else
			echo "  $p: $cand could not be installed (apt-get install $p says why)" >&2
		fi
	done
}

echo "installing:$missing"
export DEBIAN_FRONTEND=noninteractive
# apt waits for the dpkg lock by itself too, should another apt take it between
# the wait and the run
opts="-o DPkg::Lock::Timeout=$wait_s"
wait_for_apt
# shellcheck disable=SC2086
apt-get $opts update -q || { echo "apt-get update failed: the package lists could not be read" >&2; exit 1; }
wait_for_apt
# shellcheck disable=SC2086
if ! apt-get $opts install -y -q --no-install-recommends $missing; then
	echo "cannot install every package needed:" >&2
	explain
	exit 1
fi
