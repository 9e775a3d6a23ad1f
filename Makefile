# ovlconform - an overlayfs conformance suite.
#
#   make run      (root) install what is missing, build, run the suite on the default matrix
#   make check    (root) unit tests (plain and ASan+UBSan), harness tests, then the suite
#   make          build build/ovlconform
#   make bench    print the suite's speed figures over a few runs

BUILD    ?= build
CC       ?= cc
PKGS     := mount libcap libkmod libcrypto jansson zlib libarchive
CPPFLAGS += -Ilib -Isuite $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
CFLAGS   ?= -O2 -g
# Messages are cut to their buffers on purpose (as in the kernel's own build,
# format-truncation is off); paths are built with ovl_fmt(), which says when it cuts.
CFLAGS   += -std=gnu11 -Wall -Wextra -Wno-missing-field-initializers -Wno-format-truncation $(EXTRA_CFLAGS)
LDLIBS   += $(shell pkg-config --libs $(PKGS) 2>/dev/null) -pthread
LDFLAGS  += $(EXTRA_LDFLAGS)

LIB_SRC   := $(wildcard lib/*.c)
SUITE_SRC := $(filter-out suite/main.c,$(wildcard suite/*.c suite/targets/*.c suite/report/*.c))
CASE_SRC  := $(wildcard suite/cases/*.c)
SELFTEST_CASES := $(wildcard suite/tests/cases/*.c)
UNIT_TESTS := $(patsubst lib/tests/%.c,$(BUILD)/tests/%,$(wildcard lib/tests/test_*.c)) \
	      $(patsubst suite/tests/%.c,$(BUILD)/tests/%,$(wildcard suite/tests/test_*.c))

obj = $(patsubst %.c,$(BUILD)/obj/%.o,$(1))

.PHONY: all run check deps tests unit-tests asan-tests harness-tests suite bench fuzz fuzz-build clean
all: $(BUILD)/ovlconform

$(BUILD)/obj/%.o: %.c $(wildcard lib/*.h suite/*.h suite/cases/*.h) Makefile
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -c $< -o $@

$(BUILD)/libovl.a: $(call obj,$(LIB_SRC))
	$(AR) rcs $@ $^

# The cases are linked in directly: each registers itself in section ovl_cases.
$(BUILD)/ovlconform: $(call obj,suite/main.c $(SUITE_SRC) $(CASE_SRC)) $(BUILD)/libovl.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# Harness-test builds with a deliberately wrong model, each one lib/ source
# built with a -D that breaks one rule: the bottom layer wins (flipped),
# parents come up with default metadata (wrong-copy-up), only the topmost
# lower's names get whiteouts (wrong-whiteout). The harness tests prove the
# cases fail against each. ovlconform-selftest adds cases that hang, crash
# or check nothing.
# $(call wrong_model,name,lib source,define)
define wrong_model
$(BUILD)/obj/$(1)/$(notdir $(2:.c=.o)): $(2) lib/model.h lib/tree.h Makefile
	@mkdir -p $$(dir $$@)
	$$(CC) $$(CPPFLAGS) $$(CFLAGS) -D$(3) -c $$< -o $$@

$(BUILD)/ovlconform-$(1): $(call obj,suite/main.c $(SUITE_SRC) $(CASE_SRC) $(filter-out $(2),$(LIB_SRC))) $(BUILD)/obj/$(1)/$(notdir $(2:.c=.o))
	$$(CC) $$(LDFLAGS) -o $$@ $$^ $$(LDLIBS)
endef
$(eval $(call wrong_model,flipped,lib/model.c,OVL_MODEL_FLIP_PRECEDENCE))
$(eval $(call wrong_model,wrong-copy-up,lib/modelops.c,OVL_MODEL_WRONG_COPY_UP))
$(eval $(call wrong_model,wrong-whiteout,lib/modelops.c,OVL_MODEL_WRONG_WHITEOUT))

$(BUILD)/ovlconform-selftest: $(call obj,suite/main.c $(SUITE_SRC) $(CASE_SRC) $(SELFTEST_CASES)) $(BUILD)/libovl.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/bench_model: lib/tests/bench_model.c $(BUILD)/libovl.a
	$(CC) $(CPPFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/bench_gen: lib/tests/bench_gen.c $(BUILD)/libovl.a
	$(CC) $(CPPFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/tests/test_%: lib/tests/test_%.c $(BUILD)/libovl.a
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $^ -lcmocka $(LDLIBS)

# Suite unit tests link the suite's objects (not main, not the cases).
$(BUILD)/tests/test_%: suite/tests/test_%.c $(call obj,$(SUITE_SRC)) $(BUILD)/libovl.a
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $^ -lcmocka $(LDLIBS)

tests: $(UNIT_TESTS) $(BUILD)/ovlconform $(BUILD)/ovlconform-flipped $(BUILD)/ovlconform-wrong-copy-up $(BUILD)/ovlconform-wrong-whiteout \
	$(BUILD)/ovlconform-selftest

unit-tests: $(UNIT_TESTS)
	@for t in $(UNIT_TESTS); do $$t || exit 1; done

asan-tests:
	$(MAKE) --no-print-directory BUILD=build/asan \
		EXTRA_CFLAGS="-O1 -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all" \
		EXTRA_LDFLAGS="-fsanitize=address,undefined" unit-tests

# libFuzzer targets (clang), each run FUZZ_SECONDS on its seed corpus; a crash fails.
FUZZ_SECONDS ?= 60
FUZZ_TARGETS := $(patsubst lib/fuzz/%.c,build/fuzz/%,$(wildcard lib/fuzz/fuzz_*.c))

build/fuzz/fuzz_%: lib/fuzz/fuzz_%.c $(LIB_SRC) $(wildcard lib/*.h) Makefile
	$(MAKE) --no-print-directory BUILD=build/fuzz CC=clang \
		EXTRA_CFLAGS="-O1 -g -DOVL_FUZZING -Wno-unknown-warning-option -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined" \
		build/fuzz/libovl.a
	clang $(CPPFLAGS) -O1 -g -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
		-o $@ $< build/fuzz/libovl.a $(LDLIBS)

fuzz-build: $(FUZZ_TARGETS)

fuzz: deps fuzz-build
	@scripts/fuzz.sh $(FUZZ_SECONDS)

deps:
	@scripts/install-deps.sh

run: deps
	$(MAKE) --no-print-directory all
	$(BUILD)/ovlconform run --results results

check: deps
	@scripts/check.sh

bench: deps
	$(MAKE) --no-print-directory all
	@scripts/bench.sh

clean:
	rm -rf build
