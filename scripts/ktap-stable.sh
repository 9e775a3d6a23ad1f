#!/bin/bash
# ktap-stable.sh FILE: a run's KTAP without what differs from one run to the
# next whatever the kernel does: the run id and timings, memory, where the
# results went, scratch paths (they hold the run id), ids Docker makes at
# random, and the numbers in diagnostics (inode numbers, times). Verdicts,
# check names and their order stay: a -j 1 and a -j N run of the same cases
# must agree on every line of it.
sed -E -e '/^# ovlconform run [0-9]/d' \
	-e '/^# [a-z0-9]+: made in [0-9.]+ s/d' \
	-e '/^# wall time /d' \
	-e 's/(^# [a-z0-9]+: [0-9]+ case runs?, [0-9]+ model-checked operations?), [0-9.]+ s in cases$/\1/' \
	-e '/^# family /d' \
	-e '/^# peak memory: /d' \
	-e '/^# results: /d' \
	-e '/^# table [^:]*: /d' \
	-e 's#/run-[0-9]{8}-[0-9]{6}-[0-9]+/#/run-ID/#g' \
	-e 's/[0-9a-f]{64}/HEX/g' \
	-e 's/loop[0-9]+/loopN/g' \
	-e '/^ *# /s/[0-9]+/N/g' \
	"$1"
