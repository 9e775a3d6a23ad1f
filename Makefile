# ovlconform - an overlayfs conformance suite.
#
#   make run      (root) install what is missing, build, run the suite on the default matrix
#   make check    (root) unit tests (plain and ASan+UBSan), harness tests, wrong models, then the suite
#   make mutants  (root) build the wrong models of suite/tests/mutants.tsv; each must make its cases FAIL
#   make          build $(BUILD)/ovlconform and the three libraries
#   make install  PREFIX=/usr/local DESTDIR=: runner, fixtures, man page, libraries, headers, .pc files
#   make vm-check (root) the default matrix in a qemu guest booting Debian 12's 6.1 kernel (scripts/vm)
#   make vm-matrix (root) 6.1, 6.12 and this kernel, and the table of where they differ
#   make bench    (root) the speed targets: the default matrix, the semantic families at -j 1 and 2, docker
#
# The tree:
#   lib/common    what the libraries share (errors, buffers, safe paths): built into each
#   lib/model     libovlmodel   the union model            (header ovl-model.h)
#   lib/store     libovlstore   Docker's overlay2 store    (header ovl-store.h; needs ovlmodel)
#   lib/host      libovlhost    kernel config, modules, backing filesystems (header ovl-host.h)
#   suite/        the runner: cli/ harness/ runner/ targets/ report/ families/ cases/

BUILD    ?= build
CC       ?= cc
PREFIX   ?= /usr/local
DESTDIR  ?=
BINDIR   ?= $(PREFIX)/bin
LIBDIR   ?= $(PREFIX)/lib
INCDIR   ?= $(PREFIX)/include/ovlconform
DATADIR  ?= $(PREFIX)/share/ovlconform
MANDIR   ?= $(PREFIX)/share/man
VERSION  := 0.10

PKGS     := mount libcap libkmod libcrypto jansson zlib libarchive fuse3 liburing
# pkg-config is asked once; a missing package stops any build that needs it, by name.
PKG_MISSING := $(shell for p in $(PKGS); do pkg-config --exists $$p 2>/dev/null || echo $$p; done)
PKG_CFLAGS  := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS    := $(shell pkg-config --libs $(PKGS) 2>/dev/null)

SUITE_DIRS := suite/cli suite/harness suite/runner suite/targets suite/report suite/families
LIB_DIRS   := lib/common lib/model lib/store lib/host
OVL_CPPFLAGS := $(addprefix -I,$(LIB_DIRS) $(SUITE_DIRS)) $(PKG_CFLAGS)
CFLAGS   ?= -O2 -g
# Messages are cut to their buffers on purpose (as in the kernel's own build,
# format-truncation is off); paths are built with ovl_fmt(), which says when it cuts.
WARNINGS := -Wall -Wextra -Wmissing-prototypes -Wshadow -Wformat=2 -Werror \
	    -Wno-missing-field-initializers -Wno-format-truncation -Wno-format-nonliteral
# Ours, apart from CFLAGS, so that "make CFLAGS=-O0" keeps the language, the warnings and the
# dependency files.
OVL_CFLAGS := -std=gnu11 $(WARNINGS) -MMD -MP
OVL_LDLIBS := $(PKG_LIBS) -pthread
# Symbols bound at start: a forked case then finds them bound instead of resolving (and
# copying the GOT pages of) each on first use.
OVL_LDFLAGS = -Wl,-z,now $(LDFLAGS) $(EXTRA_LDFLAGS)

COMMON_SRC := $(wildcard lib/common/*.c)
MODEL_SRC  := $(wildcard lib/model/*.c)
STORE_SRC  := $(wildcard lib/store/*.c)
HOST_SRC   := $(wildcard lib/host/*.c)
LIB_SRC    := $(COMMON_SRC) $(MODEL_SRC) $(STORE_SRC) $(HOST_SRC)
LIBS        = $(BUILD)/libovlstore.a $(BUILD)/libovlmodel.a $(BUILD)/libovlhost.a
SUITE_SRC  := $(wildcard $(addsuffix /*.c,$(filter-out suite/cli,$(SUITE_DIRS))))
CLI_SRC    := $(wildcard suite/cli/*.c)
CASE_SRC   := $(wildcard suite/cases/*.c)
SELFTEST_CASES := $(wildcard suite/tests/cases/*.c suite/tests/targets/*.c)
UNIT_TESTS := $(patsubst lib/tests/%.c,$(BUILD)/tests/%,$(wildcard lib/tests/test_*.c)) \
	      $(patsubst suite/tests/%.c,$(BUILD)/tests/%,$(wildcard suite/tests/test_*.c))
PUBLIC_HEADERS := lib/common/ovl-common.h lib/model/ovl-model.h lib/store/ovl-store.h lib/host/ovl-host.h

obj = $(patsubst %.c,$(BUILD)/obj/%.o,$(1))
RUNNER_OBJ = $(call obj,$(CLI_SRC) $(SUITE_SRC) $(CASE_SRC))

# Objects of the unit tests and benchmarks are kept (make would delete them as intermediates).
.SECONDARY: $(call obj,$(wildcard lib/tests/*.c suite/tests/*.c))

.PHONY: all libs run check explore mutants deps tests docker-diff unit-tests asan-tests harness-tests suite bench fuzz fuzz-build \
	install uninstall clean pkg-check readme-cases mutants vm-check vm-matrix
all: $(BUILD)/ovlconform libs
libs: $(LIBS)

pkg-check:
ifneq ($(strip $(PKG_MISSING)),)
	@echo "ovlconform: pkg-config does not find: $(PKG_MISSING) (run 'make deps' or scripts/install-deps.sh)" >&2
	@exit 1
endif

$(BUILD)/obj/%.o: %.c Makefile | pkg-check
	@mkdir -p $(dir $@)
	$(CC) $(OVL_CPPFLAGS) $(CPPFLAGS) $(OVL_CFLAGS) $(CFLAGS) $(EXTRA_CFLAGS) -c $< -o $@

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)

# The installed runner finds its fixtures where make install puts them: BINDIR and DATADIR are
# compiled into the command line code, which is rebuilt when they change.
PATHS_STAMP := $(BUILD)/paths-$(shell printf '%s\n%s' '$(BINDIR)' '$(DATADIR)' | cksum | cut -d' ' -f1).stamp
$(PATHS_STAMP):
	@mkdir -p $(dir $@); rm -f $(BUILD)/paths-*.stamp; touch $@
$(BUILD)/obj/suite/cli/main.o: $(PATHS_STAMP)
$(BUILD)/obj/suite/cli/main.o: OVL_CPPFLAGS += -DOVL_BINDIR='"$(BINDIR)"' -DOVL_DATADIR='"$(DATADIR)"'

# Each library carries lib/common, so each links on its own.
$(BUILD)/libovlmodel.a: $(call obj,$(COMMON_SRC) $(MODEL_SRC))
	@rm -f $@; $(AR) rcs $@ $^
$(BUILD)/libovlstore.a: $(call obj,$(COMMON_SRC) $(STORE_SRC))
	@rm -f $@; $(AR) rcs $@ $^
$(BUILD)/libovlhost.a: $(call obj,$(COMMON_SRC) $(HOST_SRC))
	@rm -f $@; $(AR) rcs $@ $^

# pkg-config files, made for where they are installed: $(call pc,name,output)
pc_requires = $(if $(filter ovlstore,$(1)),ovlmodel libarchive libcrypto zlib jansson,$(if $(filter ovlhost,$(1)),libkmod zlib,libcrypto))
pc_desc = $(if $(filter ovlstore,$(1)),Docker overlay2 layer store,$(if $(filter ovlhost,$(1)),kernel config and backing filesystems,overlayfs union model))
define pc
	sed -e 's|@PREFIX@|$(PREFIX)|; s|@LIBDIR@|$(LIBDIR)|; s|@INCDIR@|$(INCDIR)|; s|@VERSION@|$(VERSION)|' \
	    -e 's|@NAME@|$(1)|g; s|@REQUIRES@|$(call pc_requires,$(1))|; s|@DESC@|$(call pc_desc,$(1))|' \
	    lib/pkgconfig.in > $(2)
endef

# The cases are linked in directly: each registers itself in section ovl_cases.
$(BUILD)/ovlconform: $(RUNNER_OBJ) $(LIBS)
	$(CC) $(OVL_LDFLAGS) -o $@ $(RUNNER_OBJ) $(LIBS) $(OVL_LDLIBS) $(LDLIBS)

# Wrong-model builds: each is one lib/model source built with a -D that
# breaks one rule of the model, linked into $(BUILD)/ovlconform-<name>.
# suite/tests/mutants.tsv lists them (name, source, define, the cases that
# catch it, the rule broken); scripts/mutants.sh proves those cases FAIL
# against each on tmpfs and ext4, and suite/tests/harness.sh looks closely
# at flipped, wrong-copy-up and wrong-whiteout. ovlconform-selftest adds
# cases that hang, crash or check nothing.
MUTANTS_TSV := suite/tests/mutants.tsv
# name:source:define of each line (comment lines start with #)
MUTANT_ROWS := $(shell awk -F'\t' '/^[^\#]/ && NF >= 3 { print $$1 ":" $$2 ":" $$3 }' $(MUTANTS_TSV))
MUTANTS     := $(foreach r,$(MUTANT_ROWS),$(word 1,$(subst :, ,$(r))))
MUTANT_BINS := $(addprefix $(BUILD)/ovlconform-,$(MUTANTS))
# $(call wrong_model,name,lib source,define)
define wrong_model
$(BUILD)/obj/$(1)/$(notdir $(2:.c=.o)): $(2) Makefile $(MUTANTS_TSV) | pkg-check
	@mkdir -p $$(dir $$@)
	$$(CC) $$(OVL_CPPFLAGS) $$(CPPFLAGS) $$(OVL_CFLAGS) $$(CFLAGS) $$(EXTRA_CFLAGS) -D$(3) -c $$< -o $$@

$(BUILD)/ovlconform-$(1): $(RUNNER_OBJ) $(call obj,$(COMMON_SRC) $(STORE_SRC) $(HOST_SRC) $(filter-out $(2),$(MODEL_SRC))) $(BUILD)/obj/$(1)/$(notdir $(2:.c=.o))
	$$(CC) $$(OVL_LDFLAGS) -o $$@ $$^ $$(OVL_LDLIBS) $$(LDLIBS)
endef
$(foreach r,$(MUTANT_ROWS),$(eval $(call wrong_model,$(word 1,$(subst :, ,$(r))),$(word 2,$(subst :, ,$(r))),$(word 3,$(subst :, ,$(r))))))

$(BUILD)/ovlconform-selftest: $(RUNNER_OBJ) $(call obj,$(SELFTEST_CASES)) $(LIBS)
	$(CC) $(OVL_LDFLAGS) -o $@ $^ $(OVL_LDLIBS) $(LDLIBS)

$(BUILD)/bench_%: $(call obj,lib/tests/bench_%.c) $(LIBS)
	$(CC) $(OVL_LDFLAGS) -o $@ $^ $(OVL_LDLIBS) $(LDLIBS)

$(BUILD)/tests/test_%: $(call obj,lib/tests/test_%.c) $(LIBS)
	@mkdir -p $(dir $@)
	$(CC) $(OVL_LDFLAGS) -o $@ $^ -lcmocka $(OVL_LDLIBS) $(LDLIBS)

# Suite unit tests link the suite's objects (not the commands, not the cases).
$(BUILD)/tests/test_%: $(call obj,suite/tests/test_%.c) $(call obj,$(SUITE_SRC)) $(LIBS)
	@mkdir -p $(dir $@)
	$(CC) $(OVL_LDFLAGS) -o $@ $^ -lcmocka $(OVL_LDLIBS) $(LDLIBS)

tests: $(UNIT_TESTS) $(BUILD)/ovlconform $(MUTANT_BINS) $(BUILD)/ovlconform-selftest libs

unit-tests: $(UNIT_TESTS)
	@for t in $(UNIT_TESTS); do $$t || exit 1; done

asan-tests:
	$(MAKE) --no-print-directory BUILD=$(BUILD)/asan \
		EXTRA_CFLAGS="-O1 -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all" \
		EXTRA_LDFLAGS="-fsanitize=address,undefined" unit-tests

# libFuzzer targets (clang), each run FUZZ_SECONDS on its seed corpus; a crash fails.
FUZZ_SECONDS ?= 60
FUZZ_BUILD   := $(BUILD)/fuzz
FUZZ_TARGETS := $(patsubst lib/fuzz/%.c,$(FUZZ_BUILD)/%,$(wildcard lib/fuzz/fuzz_*.c))
FUZZ_FLAGS   := -O1 -g -DOVL_FUZZING -Wno-unknown-warning-option -fsanitize=fuzzer-no-link,address,undefined \
		-fno-sanitize-recover=undefined

# The libraries are built once for all targets (one sub-make; -j builds the targets in parallel).
$(FUZZ_BUILD)/libs.stamp: $(LIB_SRC) $(wildcard lib/*/*.h) Makefile
	$(MAKE) --no-print-directory BUILD=$(FUZZ_BUILD) CC=clang EXTRA_CFLAGS="$(FUZZ_FLAGS)" \
		$(FUZZ_BUILD)/libovlstore.a $(FUZZ_BUILD)/libovlmodel.a $(FUZZ_BUILD)/libovlhost.a
	@touch $@

$(FUZZ_BUILD)/fuzz_%: lib/fuzz/fuzz_%.c $(FUZZ_BUILD)/libs.stamp
	clang $(OVL_CPPFLAGS) $(CPPFLAGS) -O1 -g -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
		-o $@ $< $(FUZZ_BUILD)/libovlstore.a $(FUZZ_BUILD)/libovlmodel.a $(FUZZ_BUILD)/libovlhost.a $(OVL_LDLIBS) $(LDLIBS)

fuzz-build: $(FUZZ_TARGETS)

fuzz: deps fuzz-build
	@BUILD=$(BUILD) scripts/fuzz.sh $(FUZZ_SECONDS)

deps:
	@scripts/install-deps.sh

run: deps
	$(MAKE) --no-print-directory all
	$(BUILD)/ovlconform run --results results

# VMs (scripts/vm): the default matrix on Debian 12's 6.1 under qemu (TCG without KVM), results to
# results/<run-id>/; vm-matrix: 6.1, 6.12 and this kernel, and the table of where they differ.
# VM_DOCKER=1: dockerd in the guest under TCG too (the docker cases then take ~13 more minutes).
VM_KERNEL ?= 6.1
VM_KERNELS ?= 6.1,6.12,host
vm-check: deps
	$(MAKE) --no-print-directory all
	BUILD=$(BUILD) scripts/vm run --kernel $(VM_KERNEL) $(if $(VM_DOCKER),--docker) --timeout 3600 --results results

vm-matrix: deps
	$(MAKE) --no-print-directory all
	BUILD=$(BUILD) scripts/vm matrix --kernels $(VM_KERNELS) $(if $(VM_DOCKER),--docker) --timeout 3600 --results results

# make explore SECONDS=600 FS=tmpfs,ext4: random trials against the model, a divergence shrunk to results/explore/.
SECONDS ?= 600
FS ?= tmpfs,ext4,xfs,btrfs
explore: deps
	$(MAKE) --no-print-directory all
	$(BUILD)/ovlconform explore --seconds $(SECONDS) --fs $(FS) --results results

check: deps
	@BUILD=$(BUILD)/check scripts/check.sh

# Differential runs against a private dockerd: 500 random layer stacks (case 0305; make check runs 40).
# The case's 600 s hold about 800 stacks; more stacks get a longer timeout.
docker-diff: $(BUILD)/ovlconform
	n=$${STACKS:-500}; OVLCONFORM_DIFF_STACKS=$$n OVLCONFORM_DIFF_SEED=$${SEED:-1} \
		$(BUILD)/ovlconform run --fs ext4 --timeout-mult $$(( (n + 799) / 800 )) 0305

bench: deps
	$(MAKE) --no-print-directory all
	@BUILD=$(BUILD) scripts/bench.sh

# The README's case table, made from the descriptors (make check fails when it differs).
readme-cases: $(BUILD)/ovlconform
	@BUILD=$(BUILD) scripts/readme-cases.sh --update

# Each wrong model on tmpfs and ext4 over the cases its line names (root); scripts/mutants.sh
# --update writes what they found into the README's table, which make check compares.
mutants: $(BUILD)/ovlconform $(MUTANT_BINS)
	@BUILD=$(BUILD) scripts/mutants.sh

# make install: the runner finds its fixtures in $(DATADIR)/fixtures without a checkout.
install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(LIBDIR)/pkgconfig $(DESTDIR)$(INCDIR) \
		$(DESTDIR)$(DATADIR) $(DESTDIR)$(MANDIR)/man1
	install -m 0755 $(BUILD)/ovlconform $(DESTDIR)$(BINDIR)/ovlconform
	install -m 0644 $(LIBS) $(DESTDIR)$(LIBDIR)/
	install -m 0644 $(PUBLIC_HEADERS) $(DESTDIR)$(INCDIR)/
	$(call pc,ovlmodel,$(DESTDIR)$(LIBDIR)/pkgconfig/ovlmodel.pc)
	$(call pc,ovlstore,$(DESTDIR)$(LIBDIR)/pkgconfig/ovlstore.pc)
	$(call pc,ovlhost,$(DESTDIR)$(LIBDIR)/pkgconfig/ovlhost.pc)
	install -m 0644 suite/cli/ovlconform.1 $(DESTDIR)$(MANDIR)/man1/ovlconform.1
	rm -rf $(DESTDIR)$(DATADIR)/fixtures $(DESTDIR)$(DATADIR)/Kconfig-checks
	cp -R fixtures $(DESTDIR)$(DATADIR)/fixtures
	cp -R Kconfig-checks $(DESTDIR)$(DATADIR)/Kconfig-checks
	chmod -R u+rwX,go+rX,go-w $(DESTDIR)$(DATADIR)/fixtures $(DESTDIR)$(DATADIR)/Kconfig-checks

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/ovlconform $(DESTDIR)$(MANDIR)/man1/ovlconform.1
	rm -f $(addprefix $(DESTDIR)$(LIBDIR)/,libovlmodel.a libovlstore.a libovlhost.a)
	rm -f $(addprefix $(DESTDIR)$(LIBDIR)/pkgconfig/,ovlmodel.pc ovlstore.pc ovlhost.pc)
	rm -f $(addprefix $(DESTDIR)$(INCDIR)/,$(notdir $(PUBLIC_HEADERS)))
	rm -rf $(DESTDIR)$(DATADIR)/fixtures $(DESTDIR)$(DATADIR)/Kconfig-checks
	-rmdir $(DESTDIR)$(INCDIR) $(DESTDIR)$(DATADIR) 2>/dev/null

clean:
	rm -rf $(BUILD)
