#!/usr/bin/env bash
# A real Slurm cluster on this machine: munged, slurmctld and slurmd on localhost,
# started by hand (CI has no systemd). The smoke sweep goes through the scripts that
# `relocsim sweep slurm` writes, and its summary must equal, byte for byte, the summary
# of the same sweep run here with `relocsim sweep run`. The daemons are stopped however
# the check ends. Run as root (CI is). Usage: .ci/slurm-check.sh [RELOCSIM_BINARY]
set -euo pipefail
cd "$(dirname "$0")/.."

bin=$(realpath "${1:-target/release/relocsim}")
work="$PWD/target/ci-slurm"
sweep=scenarios/sweeps/smoke.toml

echo "-- installing slurm-wlm and munge"
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    slurm-wlm munge >/dev/null

pids_of() {
    for f in "$work/slurmd.pid" "$work/slurmctld.pid" "$work/munge/munged.pid"; do
        if [ -s "$f" ]; then cat "$f"; fi
    done
}

stop() {
    local status=$?
    if [ "$status" -ne 0 ] && [ -d "$work/log" ]; then
        echo "-- slurm-check failed ($status); daemon logs:" >&2
        tail -n 20 "$work"/log/*.log >&2 || true
    fi
    local pids
    pids=$(pids_of)
    for p in $pids; do kill "$p" 2>/dev/null || true; done
    for _ in $(seq 1 50); do
        local alive=0
        for p in $pids; do if kill -0 "$p" 2>/dev/null; then alive=1; fi; done
        if [ "$alive" = 0 ]; then break; fi
        sleep 0.2
    done
    echo "-- daemons stopped"
    exit "$status"
}

rm -rf "$work"
mkdir -p "$work"/{munge,state,spool,log}
trap stop EXIT

echo "-- starting munged"
chmod 755 "$work/munge"
dd if=/dev/urandom of="$work/munge/munge.key" bs=1024 count=1 status=none
chmod 0400 "$work/munge/munge.key"
munged --force --key-file="$work/munge/munge.key" --socket="$work/munge/munge.socket" \
    --pid-file="$work/munge/munged.pid" --log-file="$work/log/munged.log" \
    --seed-file="$work/munge/seed"

# One node, localhost, with this machine's CPUs; no accounting, no cgroups.
cat >"$work/slurm.conf" <<EOF
ClusterName=relocsim-ci
SlurmctldHost=localhost(127.0.0.1)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$work/munge/munge.socket
CredType=cred/munge
SlurmctldPort=16817
SlurmdPort=16818
StateSaveLocation=$work/state
SlurmdSpoolDir=$work/spool
SlurmctldPidFile=$work/slurmctld.pid
SlurmdPidFile=$work/slurmd.pid
SlurmctldLogFile=$work/log/slurmctld.log
SlurmdLogFile=$work/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
MpiDefault=none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
ReturnToService=2
NodeName=localhost NodeAddr=127.0.0.1 CPUs=$(nproc) State=UNKNOWN
PartitionName=ci Nodes=localhost Default=YES MaxTime=INFINITE State=UP
EOF
export SLURM_CONF="$work/slurm.conf"

echo "-- starting slurmctld and slurmd"
slurmctld -f "$SLURM_CONF"
slurmd -f "$SLURM_CONF" -N localhost
for i in $(seq 1 60); do
    if sinfo -h -o %T 2>/dev/null | grep -qx idle; then
        echo "-- cluster up after ${i}s"
        break
    fi
    for f in slurmctld.pid slurmd.pid; do
        if ! kill -0 "$(cat "$work/$f" 2>/dev/null)" 2>/dev/null; then
            echo "${f%.pid} is not running (its port may be taken)" >&2
            exit 1
        fi
    done
    if [ "$i" = 60 ]; then
        echo "the node did not come up in 60 s" >&2
        exit 1
    fi
    sleep 1
done

# A directory name with a space and a quote: the scripts must quote their paths.
on_slurm="$work/sweep on slurm's nodes"
echo "-- the sweep as a Slurm job array"
"$bin" sweep slurm "$sweep" --out "$on_slurm" --max-parallel 4 --time 00:10:00 --cpus 1
bash "$on_slurm/slurm/submit.sh" --wait
test -f "$on_slurm/summary/summary.parquet"

echo "-- the same sweep run here"
"$bin" sweep run "$sweep" --out "$work/local" --jobs 2 --quiet
"$bin" summarize "$work/local" >/dev/null

for f in summary/summary.parquet summary/differences.parquet summary/summary.md tables/cities/scenario=baseline/variant=default/replicate=0/part-0.parquet; do
    cmp "$on_slurm/$f" "$work/local/$f"
done
echo "-- summaries of the Slurm and the local sweep are byte-identical"
