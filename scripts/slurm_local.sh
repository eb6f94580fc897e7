#!/usr/bin/env bash
# Start, stop or inspect a single-node Slurm on this machine, for testing the Slurm profile
# (profiles/slurm) without a cluster. See docs/slurm.md and /work/shared/slurm/NOTES.md.
#
#   scripts/slurm_local.sh start  [STATE_DIR]   install slurm-wlm + munge if missing (root only),
#                                               write slurm.conf, start munged/slurmctld/slurmd and
#                                               wait until the node is idle
#   scripts/slurm_local.sh stop   [STATE_DIR]   stop the daemons this script started (by pid file)
#   scripts/slurm_local.sh status [STATE_DIR]   which daemons run; sinfo
#   scripts/slurm_local.sh env    [STATE_DIR]   print an export line naming this Slurm's slurm.conf
#
# STATE_DIR (default: $MDM2SCREEN_SLURM_DIR or /tmp/mdm2screen-slurm) holds slurm.conf, state,
# spool, pid and log files. /etc/slurm/slurm.conf becomes a symlink to STATE_DIR/etc/slurm.conf:
# Slurm commands run inside jobs (the Snakemake plugin's nested srun) drop SLURM_* variables, so
# the configuration must be at the compiled-in default path. An existing real
# /etc/slurm/slurm.conf (a configured Slurm) is never replaced: start refuses instead. 'stop'
# removes the symlink again. Apart from that and what apt-get installs (plus a munge key when
# the package left none), nothing outside STATE_DIR is written.
#
# Exit codes: 0 done; 2 usage (or a STATE_DIR path with a double quote or a line break); 3 Slurm
# is not installed and cannot be (not root, no apt-get, install failed); 4 the daemons did not
# start or the node never became idle (log tail printed).
set -euo pipefail

ACTION="${1:-}"
STATE="${2:-${MDM2SCREEN_SLURM_DIR:-/tmp/mdm2screen-slurm}}"
# An absolute path: it is written into slurm.conf and into the /etc/slurm/slurm.conf symlink.
case "$STATE" in
    /*) ;;
    *) STATE="$PWD/$STATE" ;;
esac
CONF="$STATE/etc/slurm.conf"
SYSTEM_CONF=/etc/slurm/slurm.conf
MARKER="# Written by scripts/slurm_local.sh"
IDLE_TIMEOUT="${MDM2SCREEN_SLURM_IDLE_TIMEOUT:-60}"
export PATH="$PATH:/usr/sbin:/sbin"

say() { echo "slurm_local: $*" >&2; }
die() { local code="$1"; shift; say "$*"; exit "$code"; }

# slurm.conf holds the state folder's paths in double quotes (so spaces are fine), never a quote
# or a line break.
case "$STATE" in
    *'"'* | *$'\n'*) die 2 "the state folder's path must not contain a double quote or a line break: $STATE" ;;
esac

have_slurm() {
    command -v slurmctld >/dev/null && command -v slurmd >/dev/null && command -v sbatch >/dev/null \
        && command -v squeue >/dev/null && command -v munged >/dev/null && command -v munge >/dev/null
}

install_slurm() {
    have_slurm && return 0
    [ "$(id -u)" -eq 0 ] || die 3 "slurm-wlm/munge are not installed and installing them needs root (running as $(id -un))"
    command -v apt-get >/dev/null || die 3 "slurm-wlm/munge are not installed and there is no apt-get to install them"
    say "installing slurm-wlm and munge with apt-get (once)"
    export DEBIAN_FRONTEND=noninteractive
    if ! { apt-get update -qq && apt-get install -y -qq --no-install-recommends slurm-wlm munge; } >"$STATE/log/apt.log" 2>&1; then
        tail -n 20 "$STATE/log/apt.log" >&2
        die 3 "apt-get could not install slurm-wlm and munge (full log: $STATE/log/apt.log)"
    fi
    have_slurm || die 3 "slurm-wlm/munge installed but slurmctld, slurmd, sbatch, squeue or munged is still missing"
}

pid_alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

write_conf() {
    local cpus mem
    cpus="$(nproc)"
    # About 85% of the machine's memory, so Slurm never plans for more than there is.
    mem="$(awk '/^MemTotal:/ {printf "%d", $2 / 1024 * 0.85}' /proc/meminfo)"
    cat >"$CONF" <<EOF
$MARKER: a single-node test cluster (no accounting database).
ClusterName=mdm2screen
SlurmctldHost=localhost
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
MpiDefault=none
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
ReturnToService=2
# Finished jobs stay visible to squeue for 10 minutes. The Snakemake plugin reads job states
# with squeue here (there is no sacct without slurmdbd) and needs MinJobAge >= 3 x its
# initial status wait, or it silently falls back to sacct and waits forever.
MinJobAge=600
StateSaveLocation="$STATE/spool/slurmctld"
SlurmdSpoolDir="$STATE/spool/slurmd"
SlurmctldPidFile="$STATE/run/slurmctld.pid"
SlurmdPidFile="$STATE/run/slurmd.pid"
SlurmctldLogFile="$STATE/log/slurmctld.log"
SlurmdLogFile="$STATE/log/slurmd.log"
NodeName=localhost NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$mem State=UNKNOWN
# Without DefMemPerCPU a job asking no memory takes the whole node and jobs run one at a time.
PartitionName=debug Nodes=localhost Default=YES MaxTime=INFINITE State=UP DefMemPerCPU=1000
EOF
}

# /etc/slurm/slurm.conf -> ours, unless it is a real configuration of somebody else's.
link_conf() {
    if [ -e "$SYSTEM_CONF" ] || [ -L "$SYSTEM_CONF" ]; then
        if [ "$(readlink -f "$SYSTEM_CONF")" = "$(readlink -f "$CONF")" ]; then
            return 0
        fi
        if ! head -n 1 "$SYSTEM_CONF" 2>/dev/null | grep -q "^$MARKER"; then
            die 4 "$SYSTEM_CONF exists and was not written by this script: a Slurm is configured on this machine; use it instead"
        fi
    fi
    mkdir -p "$(dirname "$SYSTEM_CONF")"
    ln -sfn "$CONF" "$SYSTEM_CONF"
}

unlink_conf() {
    if [ -L "$SYSTEM_CONF" ] && [ "$(readlink "$SYSTEM_CONF")" = "$CONF" ]; then
        rm -f "$SYSTEM_CONF"
    fi
}

munge_works() { munge -n 2>/dev/null | unmunge >/dev/null 2>&1; }

start_munge() {
    if munge_works; then
        return 0
    fi
    [ "$(id -u)" -eq 0 ] || die 4 "munged is not running and starting it needs root"
    if [ ! -s /etc/munge/munge.key ]; then
        say "creating /etc/munge/munge.key"
        mkdir -p /etc/munge
        if command -v mungekey >/dev/null; then
            mungekey --create --keyfile /etc/munge/munge.key --force
        else
            dd if=/dev/urandom of=/etc/munge/munge.key bs=1024 count=1 status=none
        fi
        chown munge:munge /etc/munge/munge.key
        chmod 400 /etc/munge/munge.key
    fi
    # munged refuses to run as root and needs its socket folder to exist (no systemd here).
    mkdir -p /run/munge /var/lib/munge /var/log/munge
    chown munge:munge /run/munge /var/lib/munge /var/log/munge
    if ! runuser -u munge -- munged >"$STATE/log/munged.out" 2>&1; then
        cat "$STATE/log/munged.out" >&2
        die 4 "munged did not start"
    fi
    # munged daemonises; remember its pid so that 'stop' ends only the munged we started.
    for _ in $(seq 50); do
        [ -s /run/munge/munged.pid ] && munge_works && break
        sleep 0.1
    done
    munge_works || die 4 "munged started but 'munge -n | unmunge' fails"
    cp /run/munge/munged.pid "$STATE/run/munged.pid"
}

node_state() { SLURM_CONF="$CONF" sinfo -h -N -n localhost -o '%T' 2>/dev/null | head -n 1; }

start() {
    mkdir -p "$STATE/etc" "$STATE/spool/slurmctld" "$STATE/spool/slurmd" "$STATE/run" "$STATE/log" \
        || die 4 "cannot create the state folder $STATE"
    install_slurm
    [ "$(id -u)" -eq 0 ] || die 4 "starting slurmctld/slurmd as configured here (SlurmUser=root) needs root"
    write_conf
    link_conf
    start_munge
    export SLURM_CONF="$CONF"
    if ! pid_alive "$STATE/run/slurmctld.pid"; then
        slurmctld -f "$CONF" || { tail -n 30 "$STATE/log/slurmctld.log" >&2 || true; die 4 "slurmctld did not start"; }
    fi
    if ! pid_alive "$STATE/run/slurmd.pid"; then
        # -N: the node is 'localhost' whatever this machine's hostname is.
        slurmd -N localhost -f "$CONF" || { tail -n 30 "$STATE/log/slurmd.log" >&2 || true; die 4 "slurmd did not start"; }
    fi
    local state="" tries=0
    while [ "$tries" -lt "$((IDLE_TIMEOUT * 5))" ]; do
        state="$(node_state)"
        [ "$state" = idle ] && break
        case "$state" in
            # A node left down by an earlier run in the same state folder: bring it back.
            down* | drain*) scontrol update nodename=localhost state=resume >/dev/null 2>&1 || true ;;
        esac
        sleep 0.2
        tries=$((tries + 1))
    done
    if [ "$state" != idle ]; then
        say "node state after ${IDLE_TIMEOUT}s: '${state:-no answer from slurmctld}'"
        tail -n 20 "$STATE/log/slurmctld.log" "$STATE/log/slurmd.log" >&2 || true
        die 4 "the Slurm node did not become idle"
    fi
    say "Slurm is up: node localhost idle, partition debug ($SYSTEM_CONF -> $CONF)"
}

stop_pid() {
    local name="$1" file="$2"
    if pid_alive "$file"; then
        local pid
        pid="$(cat "$file")"
        kill "$pid"
        for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        if kill -0 "$pid" 2>/dev/null; then kill -9 "$pid" 2>/dev/null || true; fi
        say "stopped $name (pid $pid)"
    fi
    rm -f "$file"
}

stop() {
    [ -d "$STATE" ] || { say "nothing to stop: no state folder $STATE"; return 0; }
    stop_pid slurmd "$STATE/run/slurmd.pid"
    stop_pid slurmctld "$STATE/run/slurmctld.pid"
    # Only a munged this script started; one the system runs is left alone.
    stop_pid munged "$STATE/run/munged.pid"
    unlink_conf
}

# A line for eval: the path quoted for the shell (it may contain spaces).
print_env() { printf 'export SLURM_CONF=%q\n' "$CONF"; }

status() {
    local name
    for name in munged slurmctld slurmd; do
        if pid_alive "$STATE/run/$name.pid"; then
            echo "$name: running (pid $(cat "$STATE/run/$name.pid"))"
        elif [ "$name" = munged ] && munge_works; then
            echo "munged: running (not started by this script)"
        else
            echo "$name: not running"
        fi
    done
    if pid_alive "$STATE/run/slurmctld.pid" && command -v sinfo >/dev/null; then
        SLURM_CONF="$CONF" sinfo || true
    fi
    print_env
}

case "$ACTION" in
    start) start ;;
    stop) stop ;;
    status) status ;;
    env) print_env ;;
    *)
        echo "usage: $0 start|stop|status|env [STATE_DIR]" >&2
        exit 2
        ;;
esac
