# The pipeline, stage by stage: Debian base -> patch series -> dom0 kernel
# -> initramfs -> Xen boot under QEMU -> TAP/KTAP -> report.
# `make run` is the main job, `make test` runs every test (.ci/run).

S := scripts

.PHONY: run test repeat bench bench-io twodomain qdisk debian nosplit memcheck soak kunit-kasan fuzz-mutants deb deb-debian-full compile-matrix bisect-check cut-points deps base series-apply series-export series-check \
	dom0 stock selftests clean

run:
	$(S)/run.sh

test:
	$(S)/run.sh --all

# One kernel's suite N times in a row: every test must keep its outcome.
KIND ?= stock
N ?= 5
repeat:
	$(S)/repeat.sh $(KIND) $(N)

bench:
	$(S)/bench.sh

# blkback and netback throughput with a PV domU, stock against series.
bench-io:
	$(S)/bench-io.sh

# The two-domain boots alone (a PV domU's grants, blkback, netback), on
# both kernels; `make test` runs them too.
twodomain:
	$(S)/run-twodomain.sh

# QEMU's qdisk backend (Debian's qemu-system-xen) serving a PV domU's
# disk, killed mid-I/O, on both kernels (tests/twodomain/qdisk.c).
qdisk:
	QDISK=1 $(S)/run-twodomain.sh

# The series with Debian's own amd64 configuration (gntdev and the
# backends as modules, ZONE_DEVICE, no debug options), as shipped and
# with a test fragment: the suite and the two-domain boot on each.
debian:
	$(S)/run-debian.sh

# The series with the harness's configuration but NR_CPUS=2, which turns
# split PTE locks off and the grant PTE records with them: the suite,
# judged by tests/expected-failures-nosplit.txt.
nosplit:
	NO_TWODOMAIN=1 $(S)/run-debian.sh nosplit

# The series with the harness's configuration and the memory checkers a
# PV dom0 can run (configs/memcheck.config: slub_debug=FZPU, KFENCE,
# DEBUG_PAGEALLOC, page_owner, failslab): the suite, the maptrack boot and
# the two-domain boot, judged by tests/expected-failures-memcheck*.txt.
memcheck:
	TIMEOUT=$${TIMEOUT:-2700} $(S)/run-debian.sh memcheck

# grant_fuzz for MINUTES (10) on make memcheck's kernel, a fresh seed
# (SEED=N replays one): scripts/soak.sh.
soak:
	$(S)/soak.sh

# Does grant_fuzz find the base's teardown bugs, and what the "Error
# paths" fixes removed?  Each tests/fuzz-mutants/*.patch takes one back
# out of make run's dom0 kernel (SEED, FUZZ_SECONDS, MUTANTS):
# scripts/fuzz-mutants.sh.
fuzz-mutants:
	$(S)/fuzz-mutants.sh

# The series' KUnit suites under KASAN in plain QEMU (no Xen: KASAN has
# no PV support): scripts/kunit-kasan.sh.
kunit-kasan:
	$(S)/kunit-kasan.sh

# Debian packages of the series' dom0 kernel (build/deb-dom0; make run
# and make test build and boot them), and of the series with Debian's
# whole configuration (hours: scripts/build-deb.sh).
deb: dom0
	$(S)/build-deb.sh dom0

deb-debian-full: series-apply
	$(S)/deps.sh --deb-full
	$(S)/build-deb.sh debian-full

# Every patch of the series built on its own (its objects, W=1).
bisect-check:
	$(S)/bisect-check.sh

# The series' files compiled (W=1) in every configuration that compiles
# them, series against base: no PV, no split PTE locks, no gntdev, no
# fault injection, i386, arm64; sparse, kernel-doc and its documents too.
compile-matrix: series-apply dom0
	$(S)/deps.sh --matrix
	$(S)/compile-matrix.sh

# The series booted at its cut points (after the fixes, the records, their
# KUnit tests, the retry engine): the suite's outcome and the kernel's
# reports there.
cut-points:
	$(S)/cut-points.sh

deps:
	$(S)/deps.sh

base: deps
	$(S)/base.sh

series-apply: base
	$(S)/series.sh apply

series-export:
	$(S)/series.sh export

series-check:
	$(S)/series.sh check

dom0: series-apply
	$(S)/build-kernel.sh dom0

stock: base
	$(S)/build-kernel.sh stock

selftests: series-apply
	$(S)/build-selftests.sh
	$(S)/build-libxen-tests.sh

clean:
	rm -rf build
